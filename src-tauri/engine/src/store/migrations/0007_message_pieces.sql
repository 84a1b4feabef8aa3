-- Schema 7: a streaming answer is saved by appending pieces, one row per flush, instead of
-- rewriting its whole text each time (which made recording quadratic in the answer's length).
-- When the answer ends (or a crash is recovered) its pieces are folded into messages.text and
-- deleted; until then readers show messages.text followed by the pieces in id order. No index on
-- message_id: the table holds only the pieces of answers streaming now, and an index would be one
-- more page written per flush.
CREATE TABLE message_pieces (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    text       TEXT    NOT NULL DEFAULT '',
    reasoning  TEXT    NOT NULL DEFAULT ''
);
