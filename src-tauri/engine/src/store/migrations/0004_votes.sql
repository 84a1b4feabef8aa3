-- Schema 4: votes on compare answers (blind until cast), for the leaderboard. A vote outlives
-- its conversation: the leaderboard is the user's own history of judgements.
CREATE TABLE votes (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER REFERENCES conversations (id) ON DELETE SET NULL,
    verdict         TEXT    NOT NULL CHECK (verdict IN ('winner', 'tie', 'bad')),
    created_at      INTEGER NOT NULL
);
CREATE INDEX votes_created ON votes (created_at);

-- The answers a vote judged, with the model that gave each and whether it won.
CREATE TABLE vote_answers (
    vote_id    INTEGER NOT NULL REFERENCES votes (id) ON DELETE CASCADE,
    message_id INTEGER UNIQUE REFERENCES messages (id) ON DELETE SET NULL,
    model      TEXT    NOT NULL,
    won        INTEGER NOT NULL DEFAULT 0 CHECK (won IN (0, 1))
);
CREATE INDEX vote_answers_vote ON vote_answers (vote_id);
