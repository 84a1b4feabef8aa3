-- Messages made of parts. A message's text stays in `messages.text` (the search index reads it
-- there); its other parts — images, files, and the tools issue's calls and results — are rows
-- here, in order, before its text. A message with no rows is its text alone, as every message
-- written before this version is: nothing old needs rewriting to read back equal.
--
-- Attachment bytes live under the data dir (`attachments/ab/cdef…`, named by their SHA-256);
-- this table holds what is known of them. A row goes when no part refers to it any more, and
-- its file after that (a file left by a crash between the two is swept at the next start).
CREATE TABLE attachments (
    sha256     TEXT PRIMARY KEY,
    media_type TEXT NOT NULL,
    bytes      INTEGER NOT NULL,
    width      INTEGER,
    height     INTEGER,
    pages      INTEGER,
    created_at INTEGER NOT NULL
);

CREATE TABLE message_parts (
    message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    position   INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('image', 'file', 'tool_call', 'tool_result')),
    sha256     TEXT REFERENCES attachments (sha256),
    name       TEXT,
    data       TEXT,
    PRIMARY KEY (message_id, position)
);
CREATE INDEX message_parts_by_sha256 ON message_parts (sha256);

-- What OpenRouter's catalog says a model reads (`architecture.input_modalities`, JSON).
ALTER TABLE catalog_prices ADD COLUMN input_modalities TEXT;

-- Prompt tokens the provider counted for images and documents (Gemini reports them by
-- modality; the others only within input_tokens), and what was changed to send an answer's
-- request ("q3.pdf went as its text …").
ALTER TABLE ledger ADD COLUMN image_tokens INTEGER NOT NULL DEFAULT 0;
ALTER TABLE ledger ADD COLUMN note TEXT;
