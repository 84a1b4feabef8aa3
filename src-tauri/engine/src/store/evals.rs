//! Evaluation runs and cells (see `crate::eval`). A cell is written once, when it ends; a run
//! resumes by reading which cells have an answer.

use rusqlite::{params, OptionalExtension};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::Store;
use crate::error::{Error, Result};
use crate::eval::{CheckResult, Suite};

/// Where a run stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    /// Started and not ended (or its process was killed: it resumes from its cells).
    Running,
    /// Every cell has an answer or an error.
    Done,
    /// Stopped before the end (a spend limit, the person): it resumes from its cells.
    Stopped,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Stopped => "stopped",
        }
    }

    fn parse(s: &str) -> RunStatus {
        match s {
            "done" => RunStatus::Done,
            "stopped" => RunStatus::Stopped,
            _ => RunStatus::Running,
        }
    }
}

/// A run to start.
pub struct NewEvalRun<'a> {
    pub suite: &'a Suite,
    /// What a resumed run must match: the suite's hash, the settings in force (the preset's
    /// values, not only its name), the targets as resolved (a route's members) and the repeat
    /// count, hashed.
    pub key: &'a str,
    pub targets: &'a [String],
    pub preset: Option<&'a str>,
    pub repeat: u32,
}

/// A run as listed.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct EvalRun {
    #[ts(type = "number")]
    pub id: i64,
    pub suite_name: String,
    pub suite_path: Option<String>,
    pub suite_hash: String,
    pub targets: Vec<String>,
    pub preset: Option<String>,
    pub repeat: u32,
    /// Cells in all (cases × targets × repeat).
    #[ts(type = "number")]
    pub cells: i64,
    /// Cells with an answer.
    #[ts(type = "number")]
    pub answered: i64,
    #[ts(type = "number")]
    pub passed: i64,
    pub status: RunStatus,
    pub note: Option<String>,
    /// Everything the run spent (answers and judges), from the ledger.
    #[ts(type = "number")]
    pub cost_micros: i64,
    #[ts(type = "number")]
    pub started_at: i64,
    #[ts(type = "number | null")]
    pub finished_at: Option<i64>,
}

/// One cell: a case's answer from one target (one repetition), its verdicts and figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct StoredCell {
    /// The case's index in the suite (0-based).
    pub case: usize,
    pub target: String,
    /// The repetition (0-based).
    pub rep: u32,
    /// Every check passed (and there was an answer).
    pub passed: bool,
    /// Why there is no answer, when the request failed.
    pub error: Option<String>,
    pub answer: String,
    pub checks: Vec<CheckResult>,
    /// The mean judge score, when judged.
    pub score: Option<f64>,
    /// The answer's cost, every attempt included.
    #[ts(type = "number")]
    pub cost_micros: i64,
    /// What its judges cost.
    #[ts(type = "number")]
    pub judge_micros: i64,
    #[ts(type = "number")]
    pub ms: u64,
    /// The model that answered.
    pub model: Option<String>,
    pub request_id: Option<String>,
    /// The answer is kept but a judge could not run (a failure, a spend limit): a resumed run
    /// judges it again without asking for the answer again.
    #[serde(default)]
    pub judge_pending: bool,
    #[ts(type = "number")]
    pub finished_at: i64,
}

/// The ledger client a run's calls are recorded under.
pub fn eval_client(run_id: i64) -> String {
    format!("eval #{run_id}")
}

const RUN_COLUMNS: &str =
    "r.id, r.suite_name, r.suite_path, r.suite_hash, r.targets_json, r.preset, r.repeat, r.cells,
    r.status, r.note, r.started_at, r.finished_at,
    (SELECT COUNT(*) FROM eval_cells c WHERE c.run_id = r.id AND c.error IS NULL),
    (SELECT COUNT(*) FROM eval_cells c WHERE c.run_id = r.id AND c.passed),
    (SELECT COALESCE(SUM(l.cost_micros), 0) FROM ledger l WHERE l.client = 'eval #' || r.id)";

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<EvalRun> {
    let targets: String = r.get(4)?;
    let status: String = r.get(8)?;
    Ok(EvalRun {
        id: r.get(0)?,
        suite_name: r.get(1)?,
        suite_path: r.get(2)?,
        suite_hash: r.get(3)?,
        targets: serde_json::from_str(&targets).unwrap_or_default(),
        preset: r.get(5)?,
        repeat: r.get(6)?,
        cells: r.get(7)?,
        status: RunStatus::parse(&status),
        note: r.get(9)?,
        started_at: r.get(10)?,
        finished_at: r.get(11)?,
        answered: r.get(12)?,
        passed: r.get(13)?,
        cost_micros: r.get(14)?,
    })
}

impl Store {
    /// Starts a run (status running).
    pub fn create_eval_run(&self, run: &NewEvalRun<'_>) -> Result<i64> {
        let suite = serde_json::to_string(run.suite).map_err(|e| Error::Internal(e.to_string()))?;
        let targets =
            serde_json::to_string(run.targets).map_err(|e| Error::Internal(e.to_string()))?;
        let cells = (run.suite.cases.len() * run.targets.len() * run.repeat as usize) as i64;
        let conn = self.conn();
        conn.execute(
            "INSERT INTO eval_runs (suite_name, suite_path, suite_hash, run_key, suite_json, targets_json, preset, repeat, cells, status, started_at)
             VALUES (?1, ?2, ?3, ?10, ?4, ?5, ?6, ?7, ?8, 'running', ?9)",
            params![
                run.suite.name,
                run.suite.path.as_ref().map(|p| p.display().to_string()),
                run.suite.hash,
                suite,
                targets,
                run.preset,
                run.repeat,
                cells,
                super::now_ms(),
                run.key
            ],
        )
        .map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// The latest run with the same key (suite, settings, targets, repeat): the one a new run
    /// resumes.
    pub fn resumable_eval_run(&self, run: &NewEvalRun<'_>) -> Result<Option<i64>> {
        self.conn()
            .query_row(
                "SELECT id FROM eval_runs WHERE run_key = ?1 ORDER BY id DESC LIMIT 1",
                [run.key],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Sets a run's status (and its end time when it is no longer running).
    pub fn set_eval_status(&self, id: i64, status: RunStatus, note: Option<&str>) -> Result<()> {
        let finished = (status != RunStatus::Running).then(super::now_ms);
        self.conn()
            .execute(
                "UPDATE eval_runs SET status = ?2, note = ?3, finished_at = ?4 WHERE id = ?1",
                params![id, status.as_str(), note, finished],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Writes a cell (over an earlier try of it).
    pub fn put_eval_cell(&self, run_id: i64, c: &StoredCell) -> Result<()> {
        let checks =
            serde_json::to_string(&c.checks).map_err(|e| Error::Internal(e.to_string()))?;
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO eval_cells (run_id, case_index, target, rep, passed, error, answer, checks_json, score,
                    cost_micros, judge_micros, ms, model, request_id, finished_at, judge_pending)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
                params![
                    run_id,
                    c.case as i64,
                    c.target,
                    c.rep,
                    c.passed,
                    c.error,
                    c.answer,
                    checks,
                    c.score,
                    c.cost_micros,
                    c.judge_micros,
                    c.ms as i64,
                    c.model,
                    c.request_id,
                    c.finished_at,
                    c.judge_pending
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// A run's cells, by case, target and repetition.
    pub fn eval_cells(&self, run_id: i64) -> Result<Vec<StoredCell>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT case_index, target, rep, passed, error, answer, checks_json, score, cost_micros, judge_micros, ms,
                    model, request_id, finished_at, judge_pending
                 FROM eval_cells WHERE run_id = ?1 ORDER BY case_index, target, rep",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([run_id], |r| {
                let checks: String = r.get(6)?;
                Ok(StoredCell {
                    case: r.get::<_, i64>(0)? as usize,
                    target: r.get(1)?,
                    rep: r.get(2)?,
                    passed: r.get(3)?,
                    error: r.get(4)?,
                    answer: r.get(5)?,
                    checks: serde_json::from_str(&checks).unwrap_or_default(),
                    score: r.get(7)?,
                    cost_micros: r.get(8)?,
                    judge_micros: r.get(9)?,
                    ms: r.get::<_, i64>(10)? as u64,
                    model: r.get(11)?,
                    request_id: r.get(12)?,
                    finished_at: r.get(13)?,
                    judge_pending: r.get(14)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// One run.
    pub fn eval_run(&self, id: i64) -> Result<EvalRun> {
        self.conn()
            .query_row(
                &format!("SELECT {RUN_COLUMNS} FROM eval_runs r WHERE r.id = ?1"),
                [id],
                run_row,
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::InvalidRequest(format!("no evaluation run {id}")))
    }

    /// The suite a run ran, as it was loaded then.
    pub fn eval_run_suite(&self, id: i64) -> Result<Suite> {
        let text: String = self
            .conn()
            .query_row(
                "SELECT suite_json FROM eval_runs WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?
            .ok_or_else(|| Error::InvalidRequest(format!("no evaluation run {id}")))?;
        serde_json::from_str(&text).map_err(|e| Error::Internal(format!("run {id}'s suite: {e}")))
    }

    /// Every run, newest first.
    pub fn eval_runs(&self) -> Result<Vec<EvalRun>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(&format!(
                "SELECT {RUN_COLUMNS} FROM eval_runs r ORDER BY r.id DESC"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([], run_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// What a request cost, every attempt included (micro-dollars), and whether every attempt
    /// that produced anything was priced (an unknown price is recorded as $0).
    pub fn request_cost(&self, request_id: &str) -> Result<(i64, bool)> {
        let (micros, unpriced): (i64, i64) = self
            .conn()
            .query_row(
                "SELECT COALESCE(SUM(cost_micros), 0),
                        COALESCE(SUM((price_source IS NULL OR price_source = 'unknown')
                            AND outcome IN ('ok', 'interrupted', 'cancelled', 'streaming', 'error')), 0)
                 FROM ledger WHERE request_id = ?1",
                [request_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))?;
        Ok((micros, unpriced == 0))
    }

    /// Deletes a run and its cells (its ledger rows stay: money spent stays spent).
    pub fn delete_eval_run(&self, id: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM eval_runs WHERE id = ?1", [id])
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pricing::PriceSource;
    use crate::store::{LedgerOutcome, LedgerRow};

    #[test]
    fn a_request_with_an_unknown_price_is_not_priced() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let row = |id: &str, source: Option<PriceSource>| LedgerRow {
            request_id: id.into(),
            provider: "p".into(),
            model_requested: "p/m".into(),
            attempt: 1,
            outcome: LedgerOutcome::Ok,
            price_source: source,
            ..Default::default()
        };
        for (id, source, priced) in [
            ("a", Some(PriceSource::Unknown), false),
            ("b", None, false),
            ("c", Some(PriceSource::Local), true),
            ("d", Some(PriceSource::Override), true),
        ] {
            store.record_attempt(&row(id, source)).unwrap();
            assert_eq!(store.request_cost(id).unwrap().1, priced, "{id}");
        }
    }
}
