-- Schema 12: a tool loop's calls and results are searchable. `tool_text` holds each call's tool
-- name and arguments and each result's text (capped per result by the writer), appended as they
-- happen; the full-text index reads it beside the message text. The index is rebuilt from the
-- finished messages (a streaming one is indexed when it ends, as before).
ALTER TABLE messages ADD COLUMN tool_text TEXT NOT NULL DEFAULT '';

DROP TRIGGER messages_fts_insert;
DROP TRIGGER messages_fts_delete;
DROP TRIGGER messages_fts_update;
DROP TABLE messages_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text,
    tool_text,
    content = 'messages',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.status != 'streaming' BEGIN
    INSERT INTO messages_fts (rowid, text, tool_text) VALUES (new.id, new.text, new.tool_text);
END;
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.status != 'streaming' BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text, tool_text) VALUES ('delete', old.id, old.text, old.tool_text);
END;
CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, status, tool_text ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text, tool_text)
        SELECT 'delete', old.id, old.text, old.tool_text WHERE old.status != 'streaming';
    INSERT INTO messages_fts (rowid, text, tool_text)
        SELECT new.id, new.text, new.tool_text WHERE new.status != 'streaming';
END;
INSERT INTO messages_fts (rowid, text, tool_text)
    SELECT id, text, tool_text FROM messages WHERE status != 'streaming';
