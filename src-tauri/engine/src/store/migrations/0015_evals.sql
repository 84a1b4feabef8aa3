-- Schema 15: evaluation runs and their cells. A run is one suite (as loaded: its hash and a copy
-- of its cases) against a list of targets, with a preset and a repeat count; a cell is one
-- case × target × repetition, written when it ends (its answer, each check's verdict and reason
-- as JSON, the figures). A cell that failed to get an answer keeps its error and is tried again
-- when the run resumes; one whose answer arrived but whose judge could not run keeps the answer
-- and is judged again. Every call a run makes is in the ledger with client `eval #<run id>`
-- (ids are never reused, so a deleted run's spend is never counted as a later run's).
CREATE TABLE eval_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    suite_name   TEXT    NOT NULL,
    suite_path   TEXT,
    suite_hash   TEXT    NOT NULL,
    run_key      TEXT    NOT NULL,
    suite_json   TEXT    NOT NULL,
    targets_json TEXT    NOT NULL,
    preset       TEXT,
    repeat       INTEGER NOT NULL,
    cells        INTEGER NOT NULL,
    status       TEXT    NOT NULL,
    note         TEXT,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER
);
CREATE INDEX eval_runs_by_key ON eval_runs (run_key);
CREATE INDEX ledger_client ON ledger (client) WHERE client IS NOT NULL;

CREATE TABLE eval_cells (
    run_id      INTEGER NOT NULL REFERENCES eval_runs (id) ON DELETE CASCADE,
    case_index  INTEGER NOT NULL,
    target      TEXT    NOT NULL,
    rep         INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    error       TEXT,
    answer      TEXT    NOT NULL,
    checks_json TEXT    NOT NULL,
    score       REAL,
    cost_micros INTEGER NOT NULL,
    judge_micros INTEGER NOT NULL,
    judge_pending INTEGER NOT NULL DEFAULT 0,
    ms          INTEGER NOT NULL,
    model       TEXT,
    request_id  TEXT,
    finished_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, case_index, target, rep)
);
