//! A compare's columns as the user picked them: each column's targets (`provider/model`,
//! `@route`, or a fallback chain), stored when the compare starts so a reopened compare can follow
//! up through the same routes. Not the models that answered: those are on the messages.

use rusqlite::params;

use super::{now_ms, Store};
use crate::error::Result;

impl Store {
    /// Creates a compare conversation and stores each column's targets with it, in one
    /// transaction.
    pub fn create_compare(
        &self,
        title: &str,
        system: Option<&str>,
        columns: &[Vec<String>],
    ) -> Result<i64> {
        let now = now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO conversations (title, system, kind, created_at, updated_at) VALUES (?1, ?2, 'compare', ?3, ?3)",
            params![title, system, now],
        )
        .map_err(|e| self.err(e))?;
        let id = tx.last_insert_rowid();
        for (i, targets) in columns.iter().enumerate() {
            let json = serde_json::to_string(targets).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "INSERT INTO compare_columns (conversation_id, column_index, targets_json) VALUES (?1, ?2, ?3)",
                params![id, i as i64, json],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Each column's targets as picked, in column order; empty for a chat, or for a compare
    /// stored before schema 9 (its columns are known only by the models that answered).
    pub fn compare_columns(&self, conversation: i64) -> Result<Vec<Vec<String>>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT column_index, targets_json FROM compare_columns WHERE conversation_id = ?1 ORDER BY column_index",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([conversation], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        rows.into_iter()
            .map(|(i, json)| {
                serde_json::from_str(&json).map_err(|e| {
                    self.err(rusqlite::Error::FromSqlConversionFailure(
                        i as usize,
                        rusqlite::types::Type::Text,
                        format!("compare {conversation}, column {i}: targets are not a JSON list of names ({e})").into(),
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::super::{DB_FILE, MIGRATIONS};
    use super::*;
    use crate::chat::Role;
    use crate::store::{ConversationKind, NewMessage};

    fn picked() -> Vec<Vec<String>> {
        vec![
            vec!["@smart".into()],
            vec!["openai/gpt-4o".into(), "anthropic/claude-sonnet-4-5".into()],
            vec!["gemini/gemini-2.0-flash".into()],
        ]
    }

    #[test]
    fn a_compare_keeps_its_columns_as_picked_until_it_is_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = store
            .create_compare("Which?", Some("be brief"), &picked())
            .unwrap();
        let chat = store
            .create_conversation("c", None, ConversationKind::Chat)
            .unwrap();
        drop(store);

        // Reopened from the file: the columns, in order, exactly as picked.
        let store = Store::open(dir.path()).unwrap();
        let c = store.conversation(id).unwrap();
        assert_eq!(
            (c.kind, c.system.as_deref()),
            (ConversationKind::Compare, Some("be brief"))
        );
        assert_eq!(store.compare_columns(id).unwrap(), picked());
        assert!(store.compare_columns(chat).unwrap().is_empty());
        assert!(store.compare_columns(99_999).unwrap().is_empty());

        store.delete_conversation(id).unwrap();
        let left: i64 = store
            .conn()
            .query_row("SELECT COUNT(*) FROM compare_columns", [], |r| r.get(0))
            .unwrap();
        assert_eq!(left, 0, "the columns go with their conversation");
    }

    #[test]
    fn a_damaged_row_is_an_error_naming_the_compare_and_column() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = store.create_compare("t", None, &picked()).unwrap();
        store
            .conn()
            .execute(
                "UPDATE compare_columns SET targets_json = 'nope' WHERE column_index = 1",
                [],
            )
            .unwrap();
        let err = store.compare_columns(id).unwrap_err().to_string();
        assert!(err.contains(&format!("compare {id}, column 1")), "{err}");
    }

    #[test]
    fn schema_8_migrates_with_a_backup_and_old_compares_have_no_stored_columns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE);
        {
            let conn = Connection::open(&path).unwrap();
            for (version, sql) in MIGRATIONS.iter().filter(|m| m.0 <= 8) {
                conn.execute_batch(sql).unwrap();
                conn.pragma_update(None, "user_version", version).unwrap();
            }
            conn.execute_batch(
                "INSERT INTO conversations (id, title, kind, created_at, updated_at) VALUES (1, 'old compare', 'compare', 1, 1);",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.version().unwrap(), MIGRATIONS.len() as i64);
        let backups = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".v8-"))
            .count();
        assert_eq!(backups, 1, "the schema-8 file was copied aside first");
        assert!(store.compare_columns(1).unwrap().is_empty());
        assert_eq!(store.conversation(1).unwrap().title, "old compare");

        // New compares on the migrated file keep their columns; old rows still take messages.
        let id = store.create_compare("new", None, &picked()).unwrap();
        assert_eq!(store.compare_columns(id).unwrap(), picked());
        store
            .add_message(&NewMessage::complete(1, None, Role::User, "still works"))
            .unwrap();
    }
}
