-- Schema 10: a conversation can be pinned to the top of the list. Pinning is not a change to the
-- conversation, so it leaves updated_at alone. The list is read pinned first, then newest first:
-- the index serves that order (and replaces the one on updated_at alone).
ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1));
DROP INDEX conversations_updated;
CREATE INDEX conversations_listed ON conversations (pinned DESC, updated_at DESC, id DESC);
