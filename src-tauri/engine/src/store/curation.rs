//! The user tidying history: pinning a conversation to the top of the list, and deleting one
//! message with everything under it. Spend is never tidied away: ledger rows and votes outlive the
//! messages they pointed at (their `message_id` becomes NULL, their figures stay).

use rusqlite::{params, OptionalExtension};

use super::Store;
use crate::error::{Error, Result};

/// The message `?1` and every message below it, as the CTE `below (id)`.
const BELOW: &str = "WITH RECURSIVE below (id) AS (
    SELECT ?1 UNION ALL SELECT m.id FROM messages m JOIN below b ON m.parent_id = b.id)";

impl Store {
    /// Pins a conversation to the top of the list, or unpins it. Its `updated_at` stays as it
    /// was: pinning is not a change to the conversation.
    pub fn set_pinned(&self, id: i64, pinned: bool) -> Result<()> {
        let n = self
            .conn()
            .execute(
                "UPDATE conversations SET pinned = ?1 WHERE id = ?2",
                params![pinned, id],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::InvalidRequest(format!("no conversation {id}")));
        }
        Ok(())
    }

    /// Deletes a message and every message below it (its replies and every branch under them), in
    /// one transaction. The conversation stays, even if it is left empty; the search index forgets
    /// the text; the ledger keeps every spend row with its cost.
    pub fn delete_message(&self, id: i64) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let conversation: Option<i64> = tx
            .query_row(
                "SELECT conversation_id FROM messages WHERE id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let Some(conversation) = conversation else {
            return Err(Error::InvalidRequest(format!(
                "no message {id}; it may have been deleted already"
            )));
        };
        // An answer still streaming has a writer saving pieces into it: stop it first. (Answers
        // left streaming by a crash were marked interrupted when the store opened.)
        let streaming: Option<i64> = tx
            .query_row(
                &format!("{BELOW} SELECT m.id FROM messages m JOIN below b ON m.id = b.id WHERE m.status = 'streaming' LIMIT 1"),
                [id],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if let Some(live) = streaming {
            return Err(Error::InvalidRequest(format!(
                "message {id} cannot be deleted while answer {live} under it is still streaming; stop it first"
            )));
        }
        // Every row of the subtree is deleted by this statement rather than left to the
        // parent_id cascade, so the search index's delete trigger sees each one.
        tx.execute(
            &format!("{BELOW} DELETE FROM messages WHERE id IN (SELECT id FROM below)"),
            [id],
        )
        .map_err(|e| self.err(e))?;
        tx.execute(
            "UPDATE conversations SET updated_at = ?1 WHERE id = ?2",
            params![super::now_ms(), conversation],
        )
        .map_err(|e| self.err(e))?;
        let freed = super::attachments::unreferenced(&tx).map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        drop(conn);
        self.free_files(&freed);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::{DB_FILE, MIGRATIONS};
    use super::*;

    #[test]
    fn schema_9_conversations_migrate_unpinned_in_their_old_order() {
        let dir = tempfile::tempdir().unwrap();
        {
            let conn = Connection::open(dir.path().join(DB_FILE)).unwrap();
            for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 9) {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", version).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO conversations (id, title, created_at, updated_at) VALUES (1, 'older', 1, 1), (2, 'newer', 2, 2);",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let listed = store.list_conversations(10, 0).unwrap();
        let order: Vec<(i64, bool)> = listed.iter().map(|c| (c.id, c.pinned)).collect();
        assert_eq!(order, [(2, false), (1, false)]);
        store.set_pinned(1, true).unwrap();
        assert_eq!(store.list_conversations(10, 0).unwrap()[0].id, 1);
    }
}
