//! Who writes a streaming answer, and recovery of answers whose writer is gone.
//!
//! A streaming message and its ledger row carry their writer, `"pid:start"`: this process's id
//! and its start time (clock ticks since boot, field 22 of `/proc/<pid>/stat`), so a reused pid
//! is not mistaken for the writer. Opening the database marks `interrupted` only the streaming
//! rows whose writer is no longer running (or unknown: rows from before schema 8), folding their
//! saved pieces into the text; another process's live answer is left alone.

use std::sync::OnceLock;

use rusqlite::{params, Connection};

use super::{now_ms, Store};
use crate::error::Result;

/// A process's start time, where the OS says (Linux's `/proc`); `None` elsewhere.
fn start_time(pid: u32) -> Option<String> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    let after = stat.rsplit_once(')')?.1;
    // Fields 3.. follow; field 22 is the 20th of them.
    after.split_whitespace().nth(19).map(str::to_string)
}

/// This process as a writer: `"pid:start"` (`"pid:?"` where the start time is unknown).
pub fn me() -> &'static str {
    static ME: OnceLock<String> = OnceLock::new();
    ME.get_or_init(|| {
        let pid = std::process::id();
        format!(
            "{pid}:{}",
            start_time(pid).unwrap_or_else(|| "?".to_string())
        )
    })
}

/// Whether the writer that recorded `owner` is still running.
fn alive(owner: &str) -> bool {
    if owner == me() {
        return true;
    }
    let Some((pid, start)) = owner.split_once(':') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if start != "?" {
        // Known start time: the same process only if the pid started at that moment.
        return start_time(pid).as_deref() == Some(start);
    }
    // No start time recorded (no /proc): whether the pid exists at all.
    #[cfg(unix)]
    {
        std::process::Command::new("kill")
            .args(["-0", &pid.to_string()])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }
    #[cfg(not(unix))]
    false
}

/// Appends a flushed piece of a streaming message (the text after the last piece).
pub(crate) fn append_piece(
    conn: &Connection,
    message: i64,
    text: &str,
    reasoning: &str,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO message_pieces (message_id, text, reasoning) VALUES (?1, ?2, ?3)",
        params![message, text, reasoning],
    )?;
    Ok(())
}

/// SQL for a message's whole text: `messages.text` (alias `m`) followed by its pieces.
pub(crate) const WHOLE_TEXT: &str = "m.text || COALESCE((SELECT group_concat(p.text, '') FROM (SELECT text FROM message_pieces WHERE message_id = m.id ORDER BY id) p), '')";
/// The same for the reasoning.
pub(crate) const WHOLE_REASONING: &str = "m.reasoning || COALESCE((SELECT group_concat(p.reasoning, '') FROM (SELECT reasoning FROM message_pieces WHERE message_id = m.id ORDER BY id) p), '')";

impl Store {
    /// Marks the ledger row `id` as written by this process.
    pub(crate) fn own_attempt(&self, id: i64) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE ledger SET writer = ?1 WHERE id = ?2",
                params![me(), id],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Answers left streaming by a writer that is gone become interrupted, their pieces folded
    /// into their text; their ledger rows keep estimated figures. Returns how many messages.
    pub(crate) fn recover(&self) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let owners: Vec<Option<String>> = {
            let mut stmt = tx
                .prepare(
                    "SELECT writer FROM messages WHERE status = 'streaming'
                     UNION SELECT writer FROM ledger WHERE outcome = 'streaming'",
                )
                .map_err(|e| self.err(e))?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| self.err(e))?
        };
        let mut recovered = 0;
        for owner in owners {
            if owner.as_deref().is_some_and(alive) {
                continue;
            }
            let now = now_ms();
            recovered += tx
                .execute(
                    &format!(
                        "UPDATE messages AS m SET text = {WHOLE_TEXT}, reasoning = {WHOLE_REASONING},
                         status = 'interrupted', updated_at = ?1
                         WHERE status = 'streaming' AND writer IS ?2"
                    ),
                    params![now, owner],
                )
                .map_err(|e| self.err(e))?;
            tx.execute(
                "DELETE FROM message_pieces WHERE message_id IN
                 (SELECT id FROM messages WHERE status != 'streaming' AND writer IS ?1)",
                [&owner],
            )
            .map_err(|e| self.err(e))?;
            tx.execute(
                "UPDATE ledger SET outcome = 'interrupted', estimated = 1
                 WHERE outcome = 'streaming' AND writer IS ?1",
                [&owner],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(recovered)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_made_up_one_is_not() {
        assert!(alive(me()));
        let pid = std::process::id();
        if let Some(start) = start_time(pid) {
            assert!(
                !alive(&format!("{pid}:{start}1")),
                "same pid, another start time: a reused pid is not the writer"
            );
        }
        assert!(!alive("4194303:1"), "no such process");
        assert!(!alive("garbage"));
    }
}
