-- Schema 13: presets and per-conversation settings, spend limits, and the cost estimate.
-- A conversation's parameters (temperature, top_p, max_tokens, reasoning, stop, seed and the
-- preset they came from) as JSON beside its system prompt; a compare column's own settings.
ALTER TABLE conversations ADD COLUMN settings_json TEXT;
ALTER TABLE compare_columns ADD COLUMN settings_json TEXT;

-- What a voted answer's settings were, when the judged columns' settings differed
-- (`terse`, `temperature 0.2`): the leaderboard's contestant is then (model, variant).
ALTER TABLE vote_answers ADD COLUMN variant TEXT;

-- The characters of the prompt an attempt sent, to calibrate the token estimate per model.
ALTER TABLE ledger ADD COLUMN prompt_chars INTEGER NOT NULL DEFAULT 0;

-- A budget rule's alert, given once per window (rule key, the window's start in unix ms).
CREATE TABLE budget_alerts (
    rule         TEXT    NOT NULL,
    window_start INTEGER NOT NULL,
    alerted_at   INTEGER NOT NULL,
    PRIMARY KEY (rule, window_start)
);

-- The token estimate's calibration reads a model's (or provider's) latest answered requests.
CREATE INDEX ledger_model_calibration ON ledger (model_requested, id) WHERE prompt_chars > 0;
CREATE INDEX ledger_provider_calibration ON ledger (provider, id) WHERE prompt_chars > 0;
