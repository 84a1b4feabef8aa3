//! The store: one SQLite file in the data dir holding history and the spend ledger. Numbered
//! migrations embedded at compile time (never edited once released), WAL, foreign keys and a busy
//! timeout on every connection, a backup copy before migrating an existing file, and recovery of
//! answers left streaming by a writer that is gone (a crash), never another process's live one.
//! The data dir is owner-only (0700), the database, its WAL and backups 0600 (see `files`).
//!
//! All SQL lives here and in the sibling modules; callers see plain Rust types.

mod attachments;
mod budget;
mod catalog;
mod columns;
mod curation;
mod evals;
mod export;
pub(crate) mod flusher;
mod history;
mod import;
mod ledger;
#[cfg(feature = "seed")]
mod seed;
mod settings;
mod states;
mod votes;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::files;

pub use attachments::{AttachmentMeta, StoredPart, SWEEP_GRACE};
pub use budget::{BudgetCheck, BudgetClock, RuleState, RuleStatus, Spending};
pub use evals::{eval_client, EvalRun, NewEvalRun, RunStatus, StoredCell};
pub use export::Links;
pub use flusher::{FLUSH_BYTES, FLUSH_INTERVAL};
pub use history::{
    title_from, Conversation, ConversationSummary, NewMessage, SearchHit, StoredMessage, MATCH_END,
    MATCH_START,
};
pub use import::ImportReport;
pub use ledger::{AnswerFigures, LedgerRow, UsageBy, UsageRow};
#[cfg(feature = "seed")]
pub use seed::{seed_word, SeedSpec, VOCABULARY};
pub use states::{ConversationKind, LedgerOutcome, MessageStatus};
pub use votes::{Verdict, VoteRecord};

/// The database file's name in the data dir.
pub const DB_FILE: &str = "roundtable.db";

/// The migrations, in order: (version, SQL).
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("migrations/0001_init.sql")),
    (2, include_str!("migrations/0002_ledger_daily.sql")),
    (3, include_str!("migrations/0003_ledger_by_answer.sql")),
    (4, include_str!("migrations/0004_votes.sql")),
    (5, include_str!("migrations/0005_ledger_latency.sql")),
    (6, include_str!("migrations/0006_ledger_daily_client.sql")),
    (7, include_str!("migrations/0007_message_pieces.sql")),
    (8, include_str!("migrations/0008_writers.sql")),
    (9, include_str!("migrations/0009_compare_columns.sql")),
    (10, include_str!("migrations/0010_pinned.sql")),
    (11, include_str!("migrations/0011_attachments.sql")),
    (12, include_str!("migrations/0012_tool_search.sql")),
    (13, include_str!("migrations/0013_settings_budgets.sql")),
    (14, include_str!("migrations/0014_answer_settings.sql")),
    (15, include_str!("migrations/0015_evals.sql")),
];

/// The history and ledger database.
pub struct Store {
    path: PathBuf,
    /// Shared with the timer that saves a streaming answer's text (see `flusher`).
    conn: Arc<Mutex<Connection>>,
}

/// Now, in unix milliseconds.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

pub(crate) fn db_error(path: &Path, e: rusqlite::Error) -> Error {
    Error::Store {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// The pragmas every connection gets.
fn configure(conn: &Connection) -> rusqlite::Result<()> {
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    Ok(())
}

impl Store {
    /// Opens (creating or migrating) the database in `data_dir`, made owner-only, and marks
    /// answers whose writer is gone (a crash) as interrupted.
    pub fn open(data_dir: &Path) -> Result<Store> {
        files::private_dir(data_dir)?;
        let store = Store::open_file(&data_dir.join(DB_FILE))?;
        // Attachment files a crash left without a message (see `attachments`).
        if let Err(e) = store.sweep_attachments() {
            tracing::warn!("sweeping unused attachment files failed: {e}");
        }
        Ok(store)
    }

    /// Opens a database file (created 0600, so SQLite's `-wal` and `-shm` are too).
    pub fn open_file(path: &Path) -> Result<Store> {
        let existed = std::fs::metadata(path).is_ok_and(|m| m.len() > 0);
        files::private_file(path)?;
        for suffix in ["-wal", "-shm"] {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            files::tighten(Path::new(&side))?;
        }
        let conn = Connection::open(path).map_err(|e| db_error(path, e))?;
        configure(&conn).map_err(|e| db_error(path, e))?;
        let store = Store {
            path: path.to_path_buf(),
            conn: Arc::new(Mutex::new(conn)),
        };
        store.migrate(existed)?;
        store.recover()?;
        Ok(store)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite's own state consistent.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The connection, for the timer that saves streaming text.
    pub(crate) fn shared_conn(&self) -> Arc<Mutex<Connection>> {
        self.conn.clone()
    }

    pub(crate) fn err(&self, e: rusqlite::Error) -> Error {
        db_error(&self.path, e)
    }

    /// The schema version.
    pub fn version(&self) -> Result<i64> {
        self.conn()
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    fn migrate(&self, existed: bool) -> Result<()> {
        let current = self.version()?;
        let latest = MIGRATIONS.last().map_or(0, |m| m.0);
        if current > latest {
            return Err(Error::InvalidRequest(format!(
                "{} was written by a newer Roundtable (schema {current}, this one knows {latest}); update Roundtable",
                self.path.display()
            )));
        }
        if current == latest {
            return Ok(());
        }
        if existed && current > 0 {
            self.backup(current)?;
        }
        let mut conn = self.conn();
        for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 > current) {
            let tx = conn.transaction().map_err(|e| db_error(&self.path, e))?;
            tx.execute_batch(sql).map_err(|e| db_error(&self.path, e))?;
            tx.pragma_update(None, "user_version", version)
                .map_err(|e| db_error(&self.path, e))?;
            tx.commit().map_err(|e| db_error(&self.path, e))?;
        }
        Ok(())
    }

    /// Copies the database aside before a migration: `roundtable.db.v{N}-{ms}.bak`.
    fn backup(&self, version: i64) -> Result<PathBuf> {
        let name = format!(
            "{}.v{version}-{}.bak",
            self.path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or(DB_FILE),
            now_ms()
        );
        let target = self.path.with_file_name(name);
        // VACUUM INTO accepts an empty file: create it owner-only first.
        files::private_file(&target)?;
        self.conn()
            .execute("VACUUM INTO ?1", [target.display().to_string()])
            .map_err(|e| self.err(e))?;
        Ok(target)
    }

    /// `PRAGMA integrity_check` says ok.
    pub fn integrity_ok(&self) -> Result<bool> {
        let verdict: String = self
            .conn()
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        Ok(verdict == "ok")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_wal_foreign_keys_and_the_latest_schema() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version().unwrap(), MIGRATIONS.len() as i64);
        let conn = store.conn();
        let mode: String = conn
            .pragma_query_value(None, "journal_mode", |r| r.get(0))
            .unwrap();
        let fk: i64 = conn
            .pragma_query_value(None, "foreign_keys", |r| r.get(0))
            .unwrap();
        assert_eq!((mode.as_str(), fk), ("wal", 1));
        drop(conn);
        assert!(store.integrity_ok().unwrap());
    }

    #[test]
    fn migrates_a_first_version_database_with_data_after_backing_it_up() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            // A database as schema 1 left it, with a conversation and spend in it.
            let conn = Connection::open(&path).unwrap();
            conn.execute_batch(MIGRATIONS[0].1).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            conn.execute_batch(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'old talk', 1, 1);
                 INSERT INTO messages (conversation_id, role, text, created_at, updated_at) VALUES (1, 'user', 'kept through the migration', 1, 1);
                 INSERT INTO ledger (request_id, provider, model_requested, attempt, outcome, started_at, input_tokens, cost_micros, ttft_ms)
                     VALUES ('r1', 'openai', 'openai/gpt-4o', 2, 'ok', 1767225600000, 10, 250, 1234),
                            ('r2', 'openai', 'openai/gpt-4o', 1, 'failed', 1767225600000, 0, 0, NULL);",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version().unwrap(), MIGRATIONS.len() as i64);
        let backups: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".v1-"))
            .collect();
        assert_eq!(
            backups.len(),
            1,
            "a backup of the schema-1 file was made first"
        );
        assert_eq!(
            Store::open_file(&backups[0].path())
                .map(|b| b.integrity_ok().unwrap())
                .ok(),
            Some(true)
        );
        assert_eq!(
            store.conversation(1).unwrap().messages[0].text,
            "kept through the migration"
        );
        assert_eq!(store.search("migration", false, 5).unwrap().len(), 1);
        let usage = store
            .usage(None, None, crate::store::UsageBy::Provider)
            .unwrap();
        assert_eq!(
            (usage[0].requests, usage[0].errors, usage[0].cost_micros),
            (2, 1, 250),
            "old spend is in the rollup"
        );
        let latency = store.latency("2026-01-01", "2026-01-01").unwrap();
        let l = &latency["openai/gpt-4o"];
        assert_eq!(
            (l.percentile(0.5), l.late),
            (Some(1200), 1),
            "old first-token times are in the latency rollup"
        );
    }

    #[test]
    fn every_message_of_a_schema_10_database_reads_back_equal_after_the_parts_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let mut conn = Connection::open(&path).unwrap();
            for (version, sql) in &MIGRATIONS[..10] {
                let tx = conn.transaction().unwrap();
                tx.execute_batch(sql).unwrap();
                tx.pragma_update(None, "user_version", version).unwrap();
                tx.commit().unwrap();
            }
            conn.execute_batch(
                "INSERT INTO conversations (id, title, system, kind, created_at, updated_at, pinned) VALUES (7, 'before parts', 'be brief', 'compare', 5, 6, 1);
                 INSERT INTO messages (id, conversation_id, parent_id, role, text, reasoning, status, model, error, column_index, created_at, updated_at)
                 VALUES (1, 7, NULL, 'user', 'a question with ünïcode 🎉', '', 'complete', NULL, NULL, NULL, 10, 10),
                        (2, 7, 1, 'assistant', 'an answer', 'some thought', 'complete', 'openai/gpt-4o', NULL, 0, 11, 11),
                        (3, 7, 1, 'assistant', 'half an ans', '', 'interrupted', 'anthropic/claude', NULL, 1, 12, 12),
                        (4, 7, 1, 'assistant', '', '', 'error', 'gemini/flash', 'gemini: rate limited', NULL, 13, 13);",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version().unwrap(), MIGRATIONS.len() as i64);
        let c = store.conversation(7).unwrap();
        let got: Vec<_> = c
            .messages
            .iter()
            .map(|m| {
                (
                    m.id,
                    m.parent_id,
                    m.role.as_str(),
                    m.text.as_str(),
                    m.reasoning.as_str(),
                    m.status.as_str(),
                    m.model.as_deref(),
                    m.error.as_deref(),
                    m.column,
                    m.created_at,
                    m.parts.len(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (
                    1,
                    None,
                    "user",
                    "a question with ünïcode 🎉",
                    "",
                    "complete",
                    None,
                    None,
                    None,
                    10,
                    0
                ),
                (
                    2,
                    Some(1),
                    "assistant",
                    "an answer",
                    "some thought",
                    "complete",
                    Some("openai/gpt-4o"),
                    None,
                    Some(0),
                    11,
                    0
                ),
                (
                    3,
                    Some(1),
                    "assistant",
                    "half an ans",
                    "",
                    "interrupted",
                    Some("anthropic/claude"),
                    None,
                    Some(1),
                    12,
                    0
                ),
                (
                    4,
                    Some(1),
                    "assistant",
                    "",
                    "",
                    "error",
                    Some("gemini/flash"),
                    Some("gemini: rate limited"),
                    None,
                    13,
                    0
                ),
            ]
        );
        assert_eq!(
            (c.title.as_str(), c.system.as_deref()),
            ("before parts", Some("be brief"))
        );
        let turns = c.turns_to(2);
        assert_eq!(
            turns.iter().map(|m| m.parts.clone()).collect::<Vec<_>>(),
            [
                vec![crate::chat::Part::Text("a question with ünïcode 🎉".into())],
                vec![crate::chat::Part::Text("an answer".into())]
            ],
            "each old message is one text part"
        );
        assert_eq!(store.search("ünïcode", false, 5).unwrap().len(), 1);
        let backups = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".v10-"))
            .count();
        assert_eq!(backups, 1, "the schema-10 file was copied aside first");
    }

    #[test]
    fn a_newer_schema_is_refused_and_an_old_one_is_backed_up_before_migrating() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        let e = Store::open(dir.path()).err().unwrap().to_string();
        assert!(e.contains("newer Roundtable"), "{e}");

        // Version 0 with data in it counts as empty; a real old version is copied aside first.
        std::fs::remove_file(&path).unwrap();
        let store = Store::open(dir.path()).unwrap();
        let backup = store.backup(1).unwrap();
        assert!(backup.exists());
        assert!(Store::open_file(&backup).unwrap().integrity_ok().unwrap());
    }
}
