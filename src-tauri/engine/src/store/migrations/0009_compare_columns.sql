-- Schema 9: each compare column's targets as the user picked them (a model, `@route`, or a
-- fallback chain), so a reopened compare follows up through them and not through whichever model
-- happened to answer. A JSON array of names per column; gone with its conversation.
CREATE TABLE compare_columns (
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    column_index    INTEGER NOT NULL CHECK (column_index >= 0),
    targets_json    TEXT    NOT NULL,
    PRIMARY KEY (conversation_id, column_index)
) WITHOUT ROWID;
