-- Roundtable's first schema. Released migrations are never edited: add a new numbered file.
-- Times are unix milliseconds; money is integer micro-dollars; prices are micro-dollars per
-- million tokens.

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    title       TEXT    NOT NULL,
    system      TEXT,
    kind        TEXT    NOT NULL DEFAULT 'chat' CHECK (kind IN ('chat', 'compare')),
    source      TEXT    NOT NULL DEFAULT 'roundtable',
    external_id TEXT    UNIQUE,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX conversations_updated ON conversations (updated_at DESC);

-- Messages form a tree: editing a message or regenerating an answer adds a sibling branch.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id       INTEGER REFERENCES messages (id) ON DELETE CASCADE,
    role            TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    text            TEXT    NOT NULL DEFAULT '',
    reasoning       TEXT    NOT NULL DEFAULT '',
    model           TEXT,
    status          TEXT    NOT NULL DEFAULT 'complete'
                    CHECK (status IN ('complete', 'streaming', 'interrupted', 'error', 'cancelled')),
    error           TEXT,
    column_index    INTEGER,
    external_id     TEXT,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE INDEX messages_parent ON messages (parent_id);
CREATE INDEX messages_created ON messages (created_at DESC);
CREATE UNIQUE INDEX messages_external ON messages (conversation_id, external_id) WHERE external_id IS NOT NULL;

-- Full-text search over finished text (a message is indexed once it stops streaming).
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status != 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.status != 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, status ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text)
        SELECT 'delete', old.id, old.text WHERE old.status != 'streaming';
    INSERT INTO messages_fts (rowid, text)
        SELECT new.id, new.text WHERE new.status != 'streaming';
END;

-- One row per attempt, the router's included.
CREATE TABLE ledger (
    id                 INTEGER PRIMARY KEY,
    request_id         TEXT    NOT NULL,
    conversation_id    INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    message_id         INTEGER REFERENCES messages (id) ON DELETE SET NULL,
    provider           TEXT    NOT NULL,
    model_requested    TEXT    NOT NULL,
    model_answered     TEXT,
    route              TEXT,
    attempt            INTEGER NOT NULL,
    outcome            TEXT    NOT NULL
                       CHECK (outcome IN ('ok', 'failed', 'streaming', 'interrupted', 'cancelled', 'error')),
    error_class        TEXT,
    http_status        INTEGER,
    started_at         INTEGER NOT NULL,
    ttft_ms            INTEGER,
    duration_ms        INTEGER,
    input_tokens       INTEGER NOT NULL DEFAULT 0,
    output_tokens      INTEGER NOT NULL DEFAULT 0,
    cache_read_tokens  INTEGER NOT NULL DEFAULT 0,
    cache_write_tokens INTEGER NOT NULL DEFAULT 0,
    reasoning_tokens   INTEGER NOT NULL DEFAULT 0,
    cost_micros        INTEGER NOT NULL DEFAULT 0,
    price_input        INTEGER,
    price_output       INTEGER,
    price_cache_read   INTEGER,
    price_cache_write  INTEGER,
    price_source       TEXT,
    estimated          INTEGER NOT NULL DEFAULT 0 CHECK (estimated IN (0, 1)),
    client             TEXT
);
CREATE INDEX ledger_started ON ledger (started_at);
CREATE INDEX ledger_request ON ledger (request_id);

-- Prices imported from OpenRouter's catalog (USD micro-dollars per million tokens).
CREATE TABLE catalog_prices (
    model       TEXT PRIMARY KEY,
    input       INTEGER NOT NULL,
    output      INTEGER NOT NULL,
    cache_read  INTEGER,
    cache_write INTEGER,
    fetched_at  INTEGER NOT NULL
);
