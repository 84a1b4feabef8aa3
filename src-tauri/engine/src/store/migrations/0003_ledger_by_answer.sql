-- Schema 3: find an answer's ledger rows (and its request's failed attempts) without a scan, so a
-- stored conversation shows each answer's tokens, cost and fallbacks however long the ledger is.
CREATE INDEX ledger_conversation ON ledger (conversation_id, message_id);
