//! A conversation's settings (system prompt and parameters) and a compare column's own, as
//! [`ChatSettings`]: the system prompt in `conversations.system`, the rest as JSON beside it.

use rusqlite::{params, OptionalExtension};

use super::{now_ms, Store};
use crate::error::{Error, Result};
use crate::session::ChatSettings;

impl Store {
    /// Replaces a conversation's settings; an error names an id that is not there.
    pub fn set_conversation_settings(&self, id: i64, settings: &ChatSettings) -> Result<()> {
        settings.check()?;
        let n = self
            .conn()
            .execute(
                "UPDATE conversations SET system = ?2, settings_json = ?3, updated_at = ?4 WHERE id = ?1",
                params![
                    id,
                    settings.system.as_deref().filter(|s| !s.trim().is_empty()),
                    settings.to_stored(),
                    now_ms()
                ],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::InvalidRequest(format!(
                "no conversation {id}; `roundtable history list` shows them"
            )));
        }
        Ok(())
    }

    /// Each compare column's own settings, in column order (none stored: the conversation's).
    pub fn column_settings(&self, id: i64) -> Result<Vec<Option<ChatSettings>>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT settings_json FROM compare_columns WHERE conversation_id = ?1 ORDER BY column_index",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([id], |r| r.get::<_, Option<String>>(0))
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<Vec<_>>>()
            .map_err(|e| self.err(e))?;
        Ok(rows
            .into_iter()
            .map(|json| {
                json.map(|j| {
                    let stored: ChatSettings = serde_json::from_str(&j).unwrap_or_default();
                    stored
                })
            })
            .collect())
    }

    /// Replaces one compare column's settings (its system prompt included).
    pub fn set_column_settings(&self, id: i64, column: i64, settings: &ChatSettings) -> Result<()> {
        settings.check()?;
        let json = serde_json::to_string(settings).unwrap_or_default();
        let n = self
            .conn()
            .execute(
                "UPDATE compare_columns SET settings_json = ?3 WHERE conversation_id = ?1 AND column_index = ?2",
                params![id, column, json],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::InvalidRequest(format!(
                "compare {id} has no column {column}"
            )));
        }
        Ok(())
    }

    /// Tokens per prompt character over the latest 200 answered requests whose `column`
    /// (`model_requested` or `provider`) is `value`, and how many there were (`None`: none).
    /// Requests with images or documents, or with estimated figures, are left out.
    pub fn token_rate(&self, column: &str, value: &str) -> Result<Option<(f64, i64)>> {
        let column = match column {
            "provider" => "provider",
            _ => "model_requested",
        };
        let sql = format!(
            "SELECT COALESCE(SUM(input_tokens), 0), COALESCE(SUM(prompt_chars), 0), COUNT(*) FROM (
                SELECT input_tokens, prompt_chars FROM ledger
                WHERE {column} = ?1 AND outcome = 'ok' AND prompt_chars > 0 AND input_tokens > 0
                  AND estimated = 0 AND image_tokens = 0
                ORDER BY id DESC LIMIT 200)"
        );
        let (tokens, chars, n): (i64, i64, i64) = self
            .conn()
            .query_row(&sql, [value], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(|e| self.err(e))?;
        Ok((n > 0 && chars > 0).then(|| (tokens as f64 / chars as f64, n)))
    }

    /// Keeps the settings an answer was made under (a compare column's).
    pub fn set_message_settings(&self, message: i64, settings: &ChatSettings) -> Result<()> {
        let json = serde_json::to_string(settings).unwrap_or_default();
        self.conn()
            .execute(
                "UPDATE messages SET settings_json = ?2 WHERE id = ?1",
                params![message, json],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The settings each of `messages` was made under: kept with it (a compare answer), else
    /// its column's own, else `shared` (the conversation's). One read of the columns for all.
    pub fn settings_of(
        &self,
        conversation: i64,
        messages: &[i64],
        shared: &ChatSettings,
    ) -> Result<Vec<ChatSettings>> {
        let columns = self.column_settings(conversation)?;
        let mut out = Vec::with_capacity(messages.len());
        for &id in messages {
            let row: Option<(Option<String>, Option<i64>)> = self
                .conn()
                .query_row(
                    "SELECT settings_json, column_index FROM messages WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()
                .map_err(|e| self.err(e))?;
            let (kept, column) = row.unwrap_or((None, None));
            let own = kept.and_then(|j| serde_json::from_str::<ChatSettings>(&j).ok());
            let of_column = column
                .and_then(|c| usize::try_from(c).ok())
                .and_then(|c| columns.get(c).cloned().flatten());
            out.push(own.or(of_column).unwrap_or_else(|| shared.clone()));
        }
        Ok(out)
    }

    /// A conversation's own settings, without its messages.
    pub(crate) fn conversation_settings(&self, id: i64) -> Result<ChatSettings> {
        let row: Option<(Option<String>, Option<String>)> = self
            .conn()
            .query_row(
                "SELECT system, settings_json FROM conversations WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let (system, json) = row.unwrap_or((None, None));
        Ok(ChatSettings::from_stored(json.as_deref(), system))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::ConversationKind;

    #[test]
    fn settings_are_kept_with_the_conversation_and_its_columns() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let id = store
            .create_conversation("t", Some("old"), ConversationKind::Chat)
            .unwrap();
        let s = ChatSettings {
            preset: Some("terse".into()),
            system: Some("new".into()),
            temperature: Some(0.3),
            ..Default::default()
        };
        store.set_conversation_settings(id, &s).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        let c = store.conversation(id).unwrap();
        assert_eq!((c.system.as_deref(), &c.settings), (Some("new"), &s));
        assert!(store.set_conversation_settings(9999, &s).is_err());
        let bad = ChatSettings {
            top_p: Some(7.0),
            ..Default::default()
        };
        let err = store.set_conversation_settings(id, &bad).unwrap_err();
        assert!(err.to_string().contains("top_p"), "{err}");
        assert_eq!(store.conversation(id).unwrap().settings, s, "unchanged");

        let cmp = store
            .create_compare("c", None, &[vec!["p/a".into()], vec!["p/a".into()]])
            .unwrap();
        let hot = ChatSettings {
            temperature: Some(1.0),
            ..Default::default()
        };
        store.set_column_settings(cmp, 1, &hot).unwrap();
        assert_eq!(
            store.column_settings(cmp).unwrap(),
            [None, Some(hot.clone())]
        );
        let in_column = |col: i64| {
            let id = store
                .add_message(&crate::store::NewMessage {
                    column: Some(col),
                    ..crate::store::NewMessage::complete(cmp, None, crate::chat::Role::User, "q")
                })
                .unwrap();
            let shared = store.conversation_settings(cmp).unwrap();
            store.settings_of(cmp, &[id], &shared).unwrap().remove(0)
        };
        assert_eq!(in_column(1), hot);
        assert_eq!(in_column(0), ChatSettings::default());
        assert!(store.set_column_settings(cmp, 5, &hot).is_err());

        // "Continue with this one": a column's thread as a chat keeps that column's settings.
        let q = store
            .add_message(&crate::store::NewMessage::complete(
                cmp,
                None,
                crate::chat::Role::User,
                "q",
            ))
            .unwrap();
        let a = store
            .add_message(&crate::store::NewMessage {
                column: Some(1),
                ..crate::store::NewMessage::complete(
                    cmp,
                    Some(q),
                    crate::chat::Role::Assistant,
                    "a",
                )
            })
            .unwrap();
        let chat = store.fork_thread(cmp, a).unwrap();
        assert_eq!(store.conversation(chat).unwrap().settings, hot);
    }
}
