//! A message's parts besides its text (images and files; the tools issue's calls and results),
//! and the attachment files they name: written before the message that refers to them is
//! committed, freed once no message refers to them, swept when a crash left one behind.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Duration;

use rusqlite::{params, Transaction};
use serde::Serialize;

use super::{now_ms, Store};
use crate::attach::Blobs;
use crate::chat::{Attachment, Part, ToolCall, ToolResult};
use crate::error::Result;

/// A stored part besides the text, as `history show --json` and the app see it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StoredPart {
    /// An image.
    Image(AttachmentMeta),
    /// A file (a PDF, a text or code file).
    File(AttachmentMeta),
    /// A tool call the model made.
    ToolCall(ToolCall),
    /// A tool's result.
    ToolResult(ToolResult),
}

/// What the database knows of an attached file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct AttachmentMeta {
    /// `image/png`, `application/pdf`, …
    pub media_type: String,
    /// The file's name as given.
    pub name: String,
    /// Its SHA-256, hex: the name of its file under `attachments/`.
    pub sha256: String,
    /// Its size.
    pub bytes: u64,
    /// Pixels, for an image.
    pub width: Option<u32>,
    /// Pixels, for an image.
    pub height: Option<u32>,
    /// Pages, for a PDF.
    pub pages: Option<u32>,
}

impl AttachmentMeta {
    /// One line for a person: `chart.png (PNG image, 1200×800, 234 KB)`, `q3.pdf (PDF, 12
    /// pages, 2.1 MB)`.
    pub fn label(&self) -> String {
        let kind = match self.media_type.as_str() {
            "application/pdf" => "PDF".to_string(),
            t if t.starts_with("image/") => format!("{} image", t[6..].to_ascii_uppercase()),
            _ => "text file".to_string(),
        };
        let mut facts = vec![kind];
        if let (Some(w), Some(h)) = (self.width, self.height) {
            facts.push(format!("{w}×{h}"));
        }
        if let Some(p) = self.pages {
            facts.push(if p == 1 {
                "1 page".into()
            } else {
                format!("{p} pages")
            });
        }
        facts.push(size(self.bytes));
        format!("{} ({})", self.name, facts.join(", "))
    }

    /// The attachment (its bytes not loaded).
    pub fn attachment(&self) -> Attachment {
        Attachment {
            name: self.name.clone(),
            media_type: self.media_type.clone(),
            sha256: self.sha256.clone(),
            bytes: self.bytes,
            width: self.width,
            height: self.height,
            pages: self.pages,
            ..Default::default()
        }
    }
}

impl StoredPart {
    /// The part for a request (attachment bytes not loaded).
    pub fn part(&self) -> Part {
        match self {
            StoredPart::Image(m) => Part::Image(m.attachment()),
            StoredPart::File(m) => Part::File(m.attachment()),
            StoredPart::ToolCall(c) => Part::ToolCall(c.clone()),
            StoredPart::ToolResult(r) => Part::ToolResult(r.clone()),
        }
    }

    /// The attachment, for an image or a file.
    pub fn meta(&self) -> Option<&AttachmentMeta> {
        match self {
            StoredPart::Image(m) | StoredPart::File(m) => Some(m),
            _ => None,
        }
    }
}

/// A byte count for a person: `812 B`, `234 KB`, `2.1 MB`.
pub fn size(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// How old a file under `attachments/` that no message names must be before a sweep removes
/// it: a file is written just before its message is committed, perhaps by another process.
pub const SWEEP_GRACE: Duration = Duration::from_secs(15 * 60);

/// The most characters of one tool result kept for search.
const SEARCH_CHARS: usize = 8 * 1024;

/// What search finds of tool parts: each call's name and arguments, each result's text.
fn search_text(parts: &[Part]) -> String {
    let mut words = String::new();
    for p in parts {
        let piece = match p {
            Part::ToolCall(c) => format!("{} {}", c.name, c.arguments),
            Part::ToolResult(r) => r.joined_text(),
            _ => continue,
        };
        words.push_str(&piece.chars().take(SEARCH_CHARS).collect::<String>());
        words.push('\n');
    }
    words
}

fn json_text(v: &impl Serialize) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}

/// Writes a message's attachment parts (rows for the files, and the parts in order).
pub(super) fn write_parts(
    tx: &Transaction<'_>,
    message: i64,
    parts: &[Part],
) -> rusqlite::Result<()> {
    write_parts_from(tx, message, parts, 0)
}

/// Writes parts from `first` on (a tool loop appends its calls and results as they happen).
fn write_parts_from(
    tx: &Transaction<'_>,
    message: i64,
    parts: &[Part],
    first: i64,
) -> rusqlite::Result<()> {
    let now = now_ms();
    for (i, part) in parts.iter().filter(|p| p.as_text().is_none()).enumerate() {
        let position = first + i as i64;
        let (kind, a, data) = match part {
            Part::Image(a) => ("image", Some(a), None),
            Part::File(a) => ("file", Some(a), None),
            Part::ToolCall(c) => ("tool_call", None, Some(json_text(c))),
            Part::ToolResult(r) => ("tool_result", None, Some(json_text(r))),
            Part::Text(_) => continue,
        };
        if let Some(a) = a {
            tx.execute(
                "INSERT OR IGNORE INTO attachments (sha256, media_type, bytes, width, height, pages, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![a.sha256, a.media_type, a.bytes as i64, a.width, a.height, a.pages, now],
            )?;
        }
        tx.execute(
            "INSERT INTO message_parts (message_id, position, kind, sha256, name, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![message, position, kind, a.map(|a| &a.sha256), a.map(|a| &a.name), data],
        )?;
    }
    Ok(())
}

/// Deletes the rows of attachments no part names any more; returns their hashes, whose files
/// go once the transaction is committed.
pub(super) fn unreferenced(tx: &Transaction<'_>) -> rusqlite::Result<Vec<String>> {
    let mut stmt = tx.prepare(
        "DELETE FROM attachments WHERE sha256 NOT IN (SELECT sha256 FROM message_parts WHERE sha256 IS NOT NULL) RETURNING sha256",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    rows.collect()
}

impl Store {
    /// Adds parts after a message's others (a tool loop's calls and results, as they happen).
    pub fn append_parts(&self, message: i64, parts: &[Part]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let next: i64 = tx
            .query_row(
                "SELECT COALESCE(MAX(position) + 1, 0) FROM message_parts WHERE message_id = ?1",
                [message],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))?;
        write_parts_from(&tx, message, parts, next).map_err(|e| self.err(e))?;
        let words = search_text(parts);
        if !words.is_empty() {
            tx.execute(
                "UPDATE messages SET tool_text = tool_text || ?1 WHERE id = ?2",
                params![words, message],
            )
            .map_err(|e| self.err(e))?;
        }
        tx.commit().map_err(|e| self.err(e))
    }

    /// The attachment files beside this database.
    pub fn blobs(&self) -> Blobs {
        let dir = self.path.parent().map(PathBuf::from).unwrap_or_default();
        Blobs::new(&dir)
    }

    /// The parts besides the text of every message of a conversation, by message id.
    pub(super) fn parts_of(&self, conversation: i64) -> Result<HashMap<i64, Vec<StoredPart>>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT p.message_id, p.kind, p.sha256, p.name, p.data, a.media_type, a.bytes, a.width, a.height, a.pages
                 FROM message_parts p JOIN messages m ON m.id = p.message_id
                 LEFT JOIN attachments a ON a.sha256 = p.sha256
                 WHERE m.conversation_id = ?1 ORDER BY p.message_id, p.position",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([conversation], |r| {
                let kind: String = r.get(1)?;
                let meta = || -> rusqlite::Result<AttachmentMeta> {
                    Ok(AttachmentMeta {
                        sha256: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                        name: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
                        media_type: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                        bytes: r.get::<_, Option<i64>>(6)?.unwrap_or(0).max(0) as u64,
                        width: r.get(7)?,
                        height: r.get(8)?,
                        pages: r.get(9)?,
                    })
                };
                let data = r.get::<_, Option<String>>(4)?.unwrap_or_default();
                let unreadable = |what: &str, e: serde_json::Error| {
                    rusqlite::Error::FromSqlConversionFailure(
                        4,
                        rusqlite::types::Type::Text,
                        format!("a stored {what} is not readable ({e})").into(),
                    )
                };
                let part = match kind.as_str() {
                    "image" => StoredPart::Image(meta()?),
                    "file" => StoredPart::File(meta()?),
                    "tool_call" => StoredPart::ToolCall(
                        serde_json::from_str(&data).map_err(|e| unreadable("tool call", e))?,
                    ),
                    _ => StoredPart::ToolResult(
                        serde_json::from_str(&data).map_err(|e| unreadable("tool result", e))?,
                    ),
                };
                Ok((r.get::<_, i64>(0)?, part))
            })
            .map_err(|e| self.err(e))?;
        let mut by_message: HashMap<i64, Vec<StoredPart>> = HashMap::new();
        for row in rows {
            let (id, part) = row.map_err(|e| self.err(e))?;
            by_message.entry(id).or_default().push(part);
        }
        Ok(by_message)
    }

    /// Removes the files of attachments no message names (their rows went in the transaction
    /// that deleted the last message naming them). Kept for the next start's sweep instead: a
    /// file attached within [`SWEEP_GRACE`] (a composer may hold it, or another process be
    /// committing a message that names it), one a message named again since, and one that
    /// cannot be removed now.
    pub(super) fn free_files(&self, hashes: &[String]) {
        let blobs = self.blobs();
        for sha in hashes {
            if blobs.recent(sha, SWEEP_GRACE) || self.names_again(sha) {
                continue;
            }
            if let Err(e) = blobs.remove(sha) {
                tracing::warn!(
                    "could not remove an unused attachment file ({e}); the next start sweeps it"
                );
            }
        }
    }

    /// Whether a message committed since names `sha` again (its row is back).
    fn names_again(&self, sha: &str) -> bool {
        self.conn()
            .query_row("SELECT 1 FROM attachments WHERE sha256 = ?1", [sha], |_| {
                Ok(())
            })
            .is_ok()
    }

    /// Removes files under `attachments/` that no message names and that are older than
    /// [`SWEEP_GRACE`] (left by a crash between a delete's commit and its files' removal, or
    /// written for a message that was never committed). Returns how many went.
    pub fn sweep_attachments(&self) -> Result<usize> {
        let known: HashSet<String> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare("SELECT sha256 FROM attachments")
                .map_err(|e| self.err(e))?;
            let rows = stmt.query_map([], |r| r.get(0)).map_err(|e| self.err(e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| self.err(e))?
        };
        self.blobs().sweep(&known, SWEEP_GRACE)
    }
}
