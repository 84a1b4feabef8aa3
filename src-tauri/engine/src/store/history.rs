//! History: conversations and their message trees (a branch per edit or regeneration, a branch
//! per compare column), full-text search, list, show, rename, delete.

use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::attachments::{self, StoredPart};
use super::states::{state, ConversationKind, MessageStatus};
use super::writer::{self, WHOLE_REASONING, WHOLE_TEXT};
use super::{now_ms, Store};
use crate::chat::{Message, Part, Role};
use crate::error::{Error, Result};

/// A conversation in a list (the CLI's `history list --json` prints it as is).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConversationSummary {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// `chat` or `compare`.
    pub kind: ConversationKind,
    /// How many messages it holds (all branches).
    pub messages: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms of the last change (pinning is not one).
    pub updated_at: i64,
    /// Pinned to the top of the list.
    pub pinned: bool,
}

/// A stored message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredMessage {
    /// Its id.
    pub id: i64,
    /// The message it answers or follows (`None` for a first message).
    pub parent_id: Option<i64>,
    /// `user` or `assistant`.
    pub role: Role,
    /// The text.
    pub text: String,
    /// The model's reasoning, if shown.
    pub reasoning: String,
    /// `provider/model` that answered (assistant messages).
    pub model: Option<String>,
    /// `complete`, `streaming`, `interrupted`, `error` or `cancelled`.
    pub status: MessageStatus,
    /// What went wrong, for `error`.
    pub error: Option<String>,
    /// The compare column, for compare answers.
    pub column: Option<i64>,
    /// Unix ms.
    pub created_at: i64,
    /// Its parts besides the text, in order before it: images, files (and the tools issue's
    /// calls and results).
    pub parts: Vec<StoredPart>,
}

/// A conversation with all its messages (every branch), oldest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    /// Its id.
    pub id: i64,
    /// Its title.
    pub title: String,
    /// `chat` or `compare`.
    pub kind: ConversationKind,
    /// The system prompt.
    pub system: Option<String>,
    /// Its system prompt and parameters (the system prompt is `system` again).
    pub settings: crate::session::ChatSettings,
    /// Unix ms.
    pub created_at: i64,
    /// Every message.
    pub messages: Vec<StoredMessage>,
}

impl Conversation {
    /// The newest message that has no children: the end of the latest branch.
    pub fn latest_leaf(&self) -> Option<&StoredMessage> {
        self.messages
            .iter()
            .rev()
            .find(|m| !self.messages.iter().any(|c| c.parent_id == Some(m.id)))
    }

    /// The path from the first message to `leaf`, as turns for a request (finished text only).
    pub fn turns_to(&self, leaf: i64) -> Vec<Message> {
        let mut path = Vec::new();
        let mut at = Some(leaf);
        while let Some(id) = at {
            let Some(m) = self.messages.iter().find(|m| m.id == id) else {
                break;
            };
            path.push(m);
            at = m.parent_id;
        }
        path.reverse();
        path.into_iter()
            .filter(|m| !m.text.is_empty() || !m.parts.is_empty())
            .flat_map(|m| {
                let mut parts: Vec<Part> = m.parts.iter().map(StoredPart::part).collect();
                // An answer that called tools: its steps, each call followed by its result.
                if m.role == Role::Assistant && crate::tools::has_tool_parts(&parts) {
                    return crate::tools::expand(&m.text, parts);
                }
                if !m.text.is_empty() {
                    parts.push(Part::Text(m.text.clone()));
                }
                vec![Message {
                    role: m.role,
                    parts,
                }]
            })
            .filter(|m| !m.parts.is_empty())
            .collect()
    }
}

/// A message to add.
#[derive(Debug, Clone, Copy)]
pub struct NewMessage<'a> {
    /// The conversation.
    pub conversation: i64,
    /// The message it follows.
    pub parent: Option<i64>,
    /// Who said it.
    pub role: Role,
    /// The text.
    pub text: &'a str,
    /// `complete`, `streaming`, …
    pub status: MessageStatus,
    /// `provider/model`, for answers.
    pub model: Option<&'a str>,
    /// The compare column.
    pub column: Option<i64>,
}

impl<'a> NewMessage<'a> {
    /// A finished message with no model or column.
    pub fn complete(conversation: i64, parent: Option<i64>, role: Role, text: &'a str) -> Self {
        NewMessage {
            conversation,
            parent,
            role,
            text,
            status: MessageStatus::Complete,
            model: None,
            column: None,
        }
    }
}

/// A search result (the CLI's `history search --json` prints it as is).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    /// The conversation.
    pub conversation_id: i64,
    /// Its title.
    pub title: String,
    /// The message.
    pub message_id: i64,
    /// Its role.
    pub role: Role,
    /// The matching text around the match, each matched term between [`MATCH_START`] and
    /// [`MATCH_END`] (see [`SearchHit::bracketed`] for a plain-text form).
    pub snippet: String,
    /// Unix ms.
    pub created_at: i64,
}

/// Opens a matched term in a [`SearchHit`]'s snippet: U+0002, a control character that real text
/// does not use, so a front can highlight exactly (brackets in the text stay plain brackets).
pub const MATCH_START: char = '\u{2}';
/// Closes a matched term in a [`SearchHit`]'s snippet: U+0003.
pub const MATCH_END: char = '\u{3}';

impl SearchHit {
    /// The snippet with each matched term in `[` `]`, for plain-text output such as the CLI's.
    pub fn bracketed(&self) -> String {
        self.snippet
            .chars()
            .map(|c| match c {
                MATCH_START => '[',
                MATCH_END => ']',
                c => c,
            })
            .collect()
    }
}

fn message(row: &Row<'_>) -> rusqlite::Result<StoredMessage> {
    let id = row.get(0)?;
    Ok(StoredMessage {
        id,
        parent_id: row.get(1)?,
        role: state(row, 2, "messages", id)?,
        text: row.get(3)?,
        reasoning: row.get(4)?,
        model: row.get(5)?,
        status: state(row, 6, "messages", id)?,
        error: row.get(7)?,
        column: row.get(8)?,
        created_at: row.get(9)?,
        parts: Vec::new(),
    })
}

/// Turns what a person typed into an FTS5 query: each word a quoted term (so `"`, `*`, `OR`, `-`
/// and friends are just text), all of them required.
fn fts_query(input: &str) -> Option<String> {
    let terms: Vec<String> = input
        .split_whitespace()
        .map(|w| format!("\"{}\"", w.replace('"', "\"\"")))
        .collect();
    (!terms.is_empty()).then(|| terms.join(" "))
}

/// A title from a first message: its first line, at most 60 characters.
pub fn title_from(text: &str) -> String {
    let line = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("New conversation");
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title.push('…');
    }
    title
}

impl Store {
    /// A new conversation.
    pub fn create_conversation(
        &self,
        title: &str,
        system: Option<&str>,
        kind: ConversationKind,
    ) -> Result<i64> {
        let now = now_ms();
        let conn = self.conn();
        conn.execute(
            "INSERT INTO conversations (title, system, kind, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)",
            params![title, system, kind, now],
        )
        .map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Adds a message; committed when this returns.
    pub fn add_message(&self, m: &NewMessage<'_>) -> Result<i64> {
        self.add_message_with(m, &[])
    }

    /// Adds a message with its parts besides the text (attachments first, whose files must
    /// already be written: see `attach::Blobs`), in one transaction.
    pub fn add_message_with(&self, m: &NewMessage<'_>, parts: &[Part]) -> Result<i64> {
        let NewMessage {
            conversation,
            parent,
            role,
            text,
            status,
            model,
            column,
        } = *m;
        let now = now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO messages (conversation_id, parent_id, role, text, status, model, column_index, created_at, updated_at, writer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8, CASE WHEN ?5 = 'streaming' THEN ?9 END)",
            params![conversation, parent, role, text, status, model, column, now, writer::me()],
        )
        .map_err(|e| self.err(e))?;
        let id = tx.last_insert_rowid();
        attachments::write_parts(&tx, id, parts).map_err(|e| self.err(e))?;
        tx.execute(
            "UPDATE conversations SET updated_at = ?1 WHERE id = ?2",
            params![now, conversation],
        )
        .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// "Continue with this one": a new chat holding the thread from the first message to `leaf`
    /// (a compare column's last answer), copied with its models and reasoning, in one transaction.
    /// The compare stays as it was.
    pub fn fork_thread(&self, conversation: i64, leaf: i64) -> Result<i64> {
        let c = self.conversation(conversation)?;
        let mut path = Vec::new();
        let mut at = Some(leaf);
        while let Some(id) = at {
            let m = c.messages.iter().find(|m| m.id == id).ok_or_else(|| {
                Error::InvalidRequest(format!(
                    "message {id} is not in conversation {conversation}"
                ))
            })?;
            path.push(m);
            at = m.parent_id;
        }
        path.reverse();
        // A compare column's thread keeps the settings its last message was made under (that
        // column's; its system prompt included).
        let settings = self
            .settings_of(conversation, &[leaf], &c.settings)?
            .remove(0);
        let now = now_ms();
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "INSERT INTO conversations (title, system, kind, created_at, updated_at, settings_json) VALUES (?1, ?2, 'chat', ?3, ?3, ?4)",
            params![c.title, settings.system, now, settings.to_stored()],
        )
        .map_err(|e| self.err(e))?;
        let id = tx.last_insert_rowid();
        let mut parent: Option<i64> = None;
        for m in path {
            tx.execute(
                "INSERT INTO messages (conversation_id, parent_id, role, text, reasoning, status, model, error, created_at, updated_at, tool_text)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, (SELECT tool_text FROM messages WHERE id = ?10))",
                params![id, parent, m.role, m.text, m.reasoning, m.status, m.model, m.error, now, m.id],
            )
            .map_err(|e| self.err(e))?;
            let copy = tx.last_insert_rowid();
            tx.execute(
                "INSERT INTO message_parts (message_id, position, kind, sha256, name, data)
                 SELECT ?1, position, kind, sha256, name, data FROM message_parts WHERE message_id = ?2",
                params![copy, m.id],
            )
            .map_err(|e| self.err(e))?;
            parent = Some(copy);
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(id)
    }

    /// Finalises a message: its whole text (which replaces the pieces saved while it streamed),
    /// status, model and error, in one transaction.
    pub fn finish_message(
        &self,
        id: i64,
        text: &str,
        reasoning: &str,
        status: MessageStatus,
        model: Option<&str>,
        error: Option<&str>,
    ) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        tx.execute(
            "UPDATE messages SET text = ?1, reasoning = ?2, status = ?3, model = COALESCE(?4, model), error = ?5, updated_at = ?6 WHERE id = ?7",
            params![text, reasoning, status, model, error, now_ms(), id],
        )
        .map_err(|e| self.err(e))?;
        tx.execute("DELETE FROM message_pieces WHERE message_id = ?1", [id])
            .map_err(|e| self.err(e))?;
        tx.commit().map_err(|e| self.err(e))
    }

    /// Conversations, pinned first, then newest first.
    pub fn list_conversations(&self, limit: i64, offset: i64) -> Result<Vec<ConversationSummary>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT c.id, c.title, c.kind, (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id), c.created_at, c.updated_at, c.pinned
                 FROM conversations c ORDER BY c.pinned DESC, c.updated_at DESC, c.id DESC LIMIT ?1 OFFSET ?2",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![limit, offset], |r| {
                let id = r.get(0)?;
                Ok(ConversationSummary {
                    id,
                    title: r.get(1)?,
                    kind: state(r, 2, "conversations", id)?,
                    messages: r.get(3)?,
                    created_at: r.get(4)?,
                    updated_at: r.get(5)?,
                    pinned: r.get(6)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// A conversation with all its messages; an error naming the id if there is none.
    pub fn conversation(&self, id: i64) -> Result<Conversation> {
        let conn = self.conn();
        let head = conn
            .query_row(
                "SELECT id, title, kind, system, created_at, settings_json FROM conversations WHERE id = ?1",
                [id],
                |r| {
                    let system: Option<String> = r.get(3)?;
                    let json: Option<String> = r.get(5)?;
                    Ok(Conversation {
                        id,
                        title: r.get(1)?,
                        kind: state(r, 2, "conversations", id)?,
                        settings: crate::session::ChatSettings::from_stored(
                            json.as_deref(),
                            system.clone(),
                        ),
                        system,
                        created_at: r.get(4)?,
                        messages: Vec::new(),
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))?;
        let mut conversation = head.ok_or_else(|| {
            Error::InvalidRequest(format!(
                "no conversation {id}; `roundtable history list` shows them"
            ))
        })?;
        let mut stmt = conn
            .prepare(
                &format!("SELECT m.id, m.parent_id, m.role, {WHOLE_TEXT}, {WHOLE_REASONING}, m.model, m.status, m.error, m.column_index, m.created_at
                 FROM messages m WHERE m.conversation_id = ?1 ORDER BY m.id"),
            )
            .map_err(|e| self.err(e))?;
        conversation.messages = stmt
            .query_map([id], message)
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        drop(stmt);
        drop(conn);
        let mut parts = self.parts_of(id)?;
        for m in &mut conversation.messages {
            if let Some(p) = parts.remove(&m.id) {
                m.parts = p;
            }
        }
        Ok(conversation)
    }

    /// Renames a conversation.
    pub fn rename_conversation(&self, id: i64, title: &str) -> Result<()> {
        let title = title.trim();
        if title.is_empty() {
            return Err(Error::InvalidRequest("a title cannot be empty".into()));
        }
        let n = self
            .conn()
            .execute(
                "UPDATE conversations SET title = ?1, updated_at = ?2 WHERE id = ?3",
                params![title, now_ms(), id],
            )
            .map_err(|e| self.err(e))?;
        if n == 0 {
            return Err(Error::InvalidRequest(format!("no conversation {id}")));
        }
        Ok(())
    }

    /// Deletes a conversation and its messages (its ledger rows stay: spend is history too),
    /// then the attachment files no other message names.
    pub fn delete_conversation(&self, id: i64) -> Result<()> {
        let freed = {
            let mut conn = self.conn();
            let tx = conn.transaction().map_err(|e| self.err(e))?;
            let n = tx
                .execute("DELETE FROM conversations WHERE id = ?1", [id])
                .map_err(|e| self.err(e))?;
            if n == 0 {
                return Err(Error::InvalidRequest(format!("no conversation {id}")));
            }
            let freed = attachments::unreferenced(&tx).map_err(|e| self.err(e))?;
            tx.commit().map_err(|e| self.err(e))?;
            freed
        };
        self.free_files(&freed);
        Ok(())
    }

    /// Full-text search: newest first, or best match first when `ranked`.
    pub fn search(&self, query: &str, ranked: bool, limit: i64) -> Result<Vec<SearchHit>> {
        let Some(q) = fts_query(query) else {
            return Err(Error::InvalidRequest(
                "the search is empty: give words to look for".into(),
            ));
        };
        // FTS5 walks its index in rowid order (messages are stored in time order) or by rank, so
        // it stops after `limit` hits instead of sorting every match.
        let (order, outer) = if ranked {
            ("rank", "hits.r")
        } else {
            ("rowid DESC", "hits.id DESC")
        };
        let sql = format!(
            "WITH hits AS (
                SELECT rowid AS id, rank AS r, snippet(messages_fts, -1, char(2), char(3), '…', 12) AS snip
                FROM messages_fts WHERE messages_fts MATCH ?1 ORDER BY {order} LIMIT ?2)
             SELECT m.conversation_id, c.title, m.id, m.role, hits.snip, m.created_at
             FROM hits JOIN messages m ON m.id = hits.id JOIN conversations c ON c.id = m.conversation_id
             ORDER BY {outer}"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![q, limit], |r| {
                let message_id = r.get(2)?;
                Ok(SearchHit {
                    conversation_id: r.get(0)?,
                    title: r.get(1)?,
                    message_id,
                    role: state(r, 3, "messages", message_id)?,
                    snippet: r.get(4)?,
                    created_at: r.get(5)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        (dir, s)
    }

    #[test]
    fn a_tree_with_branches_and_the_latest_path() {
        let (_d, s) = store();
        let c = s
            .create_conversation("t", Some("sys"), ConversationKind::Chat)
            .unwrap();
        let u1 = s
            .add_message(&NewMessage {
                conversation: c,
                parent: None,
                role: Role::User,
                text: "question",
                status: MessageStatus::Complete,
                model: None,
                column: None,
            })
            .unwrap();
        let a1 = s
            .add_message(&NewMessage {
                conversation: c,
                parent: Some(u1),
                role: Role::Assistant,
                text: "first answer",
                status: MessageStatus::Complete,
                model: Some("p/m"),
                column: None,
            })
            .unwrap();
        let _a2 = s
            .add_message(&NewMessage {
                conversation: c,
                parent: Some(u1),
                role: Role::Assistant,
                text: "regenerated",
                status: MessageStatus::Complete,
                model: Some("p/m"),
                column: None,
            })
            .unwrap();
        let u2 = s
            .add_message(&NewMessage {
                conversation: c,
                parent: Some(a1),
                role: Role::User,
                text: "follow-up",
                status: MessageStatus::Complete,
                model: None,
                column: None,
            })
            .unwrap();
        let conv = s.conversation(c).unwrap();
        assert_eq!(conv.messages.len(), 4);
        assert_eq!(conv.latest_leaf().unwrap().id, u2);
        let turns = conv.turns_to(u2);
        assert_eq!(
            turns.iter().map(|m| m.text()).collect::<Vec<_>>(),
            ["question", "first answer", "follow-up"]
        );
        s.rename_conversation(c, "renamed").unwrap();
        assert_eq!(s.list_conversations(10, 0).unwrap()[0].title, "renamed");
        s.delete_conversation(c).unwrap();
        assert!(s
            .conversation(c)
            .unwrap_err()
            .to_string()
            .contains("no conversation"));
    }

    #[test]
    fn search_indexes_finished_text_only_and_treats_input_as_text() {
        let (_d, s) = store();
        let c = s
            .create_conversation("Rust talk", None, ConversationKind::Chat)
            .unwrap();
        let m = s
            .add_message(&NewMessage {
                conversation: c,
                parent: None,
                role: Role::Assistant,
                text: "",
                status: MessageStatus::Streaming,
                model: None,
                column: None,
            })
            .unwrap();
        for piece in ["borrow checker ", "in progress"] {
            super::writer::append_piece(&s.conn(), m, piece, "").unwrap();
        }
        assert_eq!(
            s.conversation(c).unwrap().messages[0].text,
            "borrow checker in progress",
            "a streaming message reads as its saved pieces in order"
        );
        assert!(
            s.search("borrow", false, 10).unwrap().is_empty(),
            "streaming text is not indexed yet"
        );
        s.finish_message(
            m,
            "the borrow checker explained",
            "",
            MessageStatus::Complete,
            Some("p/m"),
            None,
        )
        .unwrap();
        let hits = s.search("borrow checker", false, 10).unwrap();
        assert_eq!(hits.len(), 1);
        assert_eq!(
            s.conversation(c).unwrap().messages[0].text,
            "the borrow checker explained",
            "finishing replaced the pieces with the whole text"
        );
        assert!(
            hits[0].snippet.contains("\u{2}borrow\u{3}"),
            "{:?}",
            hits[0].snippet
        );
        assert!(hits[0].bracketed().contains("[borrow]"));
        for weird in ["\"unbalanced", "a OR", "-x*", "NEAR(", "borrow\""] {
            assert!(s.search(weird, true, 10).is_ok(), "{weird}");
        }
        assert!(s.search("   ", false, 10).is_err());
        s.finish_message(
            m,
            "now about lifetimes",
            "",
            MessageStatus::Complete,
            None,
            None,
        )
        .unwrap();
        assert!(
            s.search("borrow", false, 10).unwrap().is_empty(),
            "the old text left the index"
        );
    }

    #[test]
    fn a_tool_loops_calls_and_results_are_stored_in_order_and_searchable() {
        use crate::chat::{Decision, ToolCall, ToolResult};
        let (_d, s) = store();
        let c = s
            .create_conversation("tools", None, ConversationKind::Chat)
            .unwrap();
        let m = s
            .add_message(&NewMessage {
                conversation: c,
                parent: None,
                role: Role::Assistant,
                text: "",
                status: MessageStatus::Streaming,
                model: None,
                column: None,
            })
            .unwrap();
        let call = ToolCall {
            at: 9,
            ..ToolCall::new("call_1", "weather__lookup", r#"{"city":"Reykjavik"}"#)
        };
        let mut result = ToolResult::text(&call, "sleet and gales", false);
        result.decision = Some(Decision::Once);
        result.ms = Some(12);
        s.append_parts(m, &[Part::ToolCall(call.clone())]).unwrap();
        s.append_parts(m, &[Part::ToolResult(result.clone())])
            .unwrap();
        assert!(
            s.search("Reykjavik", false, 10).unwrap().is_empty(),
            "nothing of a streaming answer is indexed"
        );
        s.finish_message(
            m,
            "Checking.It is wet.",
            "",
            MessageStatus::Complete,
            None,
            None,
        )
        .unwrap();
        let read = s.conversation(c).unwrap();
        assert_eq!(
            read.messages[0].parts,
            vec![StoredPart::ToolCall(call), StoredPart::ToolResult(result)]
        );
        for words in ["Reykjavik", "gales", "weather__lookup", "wet"] {
            let hits = s.search(words, false, 10).unwrap();
            assert_eq!(hits.len(), 1, "{words}");
            assert_eq!(hits[0].message_id, m);
        }
        let turns = read.turns_to(m);
        assert_eq!(turns.len(), 3, "call, result, then the answer: {turns:#?}");
        assert_eq!(turns[2], Message::assistant("It is wet."));
        let copy = s.fork_thread(c, m).unwrap();
        assert_eq!(
            s.search("gales", false, 10).unwrap().len(),
            2,
            "a fork is found too"
        );
        s.delete_conversation(copy).unwrap();
        assert_eq!(s.search("gales", false, 10).unwrap().len(), 1);
    }

    #[test]
    fn a_stored_word_this_version_does_not_know_is_an_error_naming_the_row() {
        let (_d, s) = store();
        let c = s
            .create_conversation("t", None, ConversationKind::Chat)
            .unwrap();
        // The schema allows a `system` role; nothing writes one, and reading it must not panic.
        s.conn()
            .execute(
                "INSERT INTO messages (conversation_id, role, text, created_at, updated_at) VALUES (?1, 'system', 'x', 1, 1)",
                [c],
            )
            .unwrap();
        let id = s.conn().last_insert_rowid();
        let err = s.conversation(c).unwrap_err().to_string();
        assert!(
            err.contains(&format!("messages row {id}: unknown message role `system`")),
            "{err}"
        );
    }

    #[test]
    fn titles() {
        assert_eq!(title_from("\n  Hello there\nsecond"), "Hello there");
        assert_eq!(title_from(&"x".repeat(70)).chars().count(), 61);
    }
}
