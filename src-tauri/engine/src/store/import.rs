//! Import of ChatGPT's official export (`conversations.json`): each conversation's `mapping`
//! tree of nodes (`message.author.role`, `content.parts`, `create_time`), branches kept. What
//! cannot be read is skipped and counted; a conversation already imported is not imported again.
//!
//! Images (`image_asset_pointer` parts, `file-service://file-…` or `sediment://file_…`) and
//! uploaded files (`metadata.attachments`, by `id`) come in as attachments when their files are in
//! the export folder — named after the id (`file-AbC123-photo.png`), beside `conversations.json`
//! or one folder down — and are counted as skipped when not.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rusqlite::{params, OptionalExtension};
use serde::Serialize;
use serde_json::Value;

use super::{now_ms, Store};
use crate::chat::Part;
use crate::error::{Error, Result};

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    /// Conversations imported.
    pub conversations: usize,
    /// Messages imported.
    pub messages: usize,
    /// Conversations already imported before (left alone).
    pub already_imported: usize,
    /// Conversations that could not be read.
    pub skipped_conversations: usize,
    /// Messages that could not be read (no text, an unknown role, a tool call…).
    pub skipped_messages: usize,
    /// Images and files imported as attachments.
    pub attachments: usize,
    /// Images and files whose file was not in the export folder (or could not be used).
    pub skipped_attachments: usize,
}

/// The files of an export folder by the asset id their names start with.
struct Assets {
    files: Vec<(String, PathBuf)>,
}

/// The most files looked at in an export folder.
const MAX_EXPORT_FILES: usize = 100_000;

impl Assets {
    /// The files beside `conversations.json` and one folder down (`user-…/`, `dalle-generations/`).
    fn index(folder: Option<&Path>) -> Assets {
        let mut files = Vec::new();
        let mut dirs: Vec<(PathBuf, usize)> =
            folder.map(|f| (f.to_path_buf(), 0)).into_iter().collect();
        while let Some((dir, depth)) = dirs.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten().take(MAX_EXPORT_FILES) {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() && depth == 0 {
                    dirs.push((path, 1));
                } else if kind.is_file() && files.len() < MAX_EXPORT_FILES {
                    files.push((entry.file_name().to_string_lossy().into_owned(), path));
                }
            }
        }
        Assets { files }
    }

    /// The file of asset `id` (`file-AbC123`, `file_00000000abc`): its name is the id, then
    /// `-`, `.` or nothing.
    fn find(&self, id: &str) -> Option<&Path> {
        if id.len() < 6 {
            return None;
        }
        self.files
            .iter()
            .find(|(name, _)| {
                name.strip_prefix(id)
                    .is_some_and(|rest| rest.is_empty() || rest.starts_with(['-', '.']))
            })
            .map(|(_, p)| p.as_path())
    }
}

/// The asset ids a message refers to: its image pointers and its uploaded files, in order.
fn asset_ids(message: &Value) -> Vec<String> {
    let pointers = message["content"]["parts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["content_type"] == "image_asset_pointer")
        .filter_map(|p| p["asset_pointer"].as_str())
        .map(|p| p.rsplit("://").next().unwrap_or(p).to_string());
    let uploads = message["metadata"]["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|a| a["id"].as_str())
        .map(str::to_string);
    let mut ids: Vec<String> = Vec::new();
    for id in pointers.chain(uploads) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

fn ms(v: &Value) -> Option<i64> {
    v.as_f64().map(|s| (s * 1000.0) as i64)
}

/// The text of a message's `content.parts` (strings only; images and the like are skipped).
fn text_of(message: &Value) -> String {
    let content = &message["content"];
    let parts: Vec<&str> = content["parts"]
        .as_array()
        .map(|p| p.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !parts.is_empty() {
        return parts.join("\n");
    }
    content["text"].as_str().unwrap_or("").to_string()
}

impl Store {
    /// Whether the ChatGPT conversation `external` was imported before.
    fn imported_before(&self, external: &str) -> Result<bool> {
        self.conn()
            .query_row(
                "SELECT 1 FROM conversations WHERE external_id = ?1",
                [format!("chatgpt:{external}")],
                |_| Ok(()),
            )
            .optional()
            .map(|row| row.is_some())
            .map_err(|e| self.err(e))
    }

    /// Imports ChatGPT's `conversations.json` (no attachments: see [`Store::import_chatgpt_from`]).
    pub fn import_chatgpt(&self, json: &str) -> Result<ImportReport> {
        self.import_chatgpt_from(json, None)
    }

    /// Imports ChatGPT's `conversations.json`, with the images and files found in `folder` (the
    /// unpacked export it came from).
    pub fn import_chatgpt_from(&self, json: &str, folder: Option<&Path>) -> Result<ImportReport> {
        let assets = Assets::index(folder);
        let value: Value = serde_json::from_str(json).map_err(|e| {
            Error::InvalidRequest(format!(
                "this is not ChatGPT's conversations.json: not JSON ({e})"
            ))
        })?;
        let Some(conversations) = value.as_array() else {
            return Err(Error::InvalidRequest(
                "this is not ChatGPT's conversations.json: expected a list of conversations".into(),
            ));
        };
        let mut report = ImportReport::default();
        for conv in conversations {
            match self.import_one(conv, &assets, &mut report) {
                Ok(true) => report.conversations += 1,
                Ok(false) => report.already_imported += 1,
                Err(_) => report.skipped_conversations += 1,
            }
        }
        Ok(report)
    }

    /// Imports one conversation in one transaction; false if it was imported before.
    fn import_one(&self, conv: &Value, assets: &Assets, report: &mut ImportReport) -> Result<bool> {
        let bad = || Error::InvalidRequest("unreadable conversation".into());
        let external = conv["conversation_id"]
            .as_str()
            .or(conv["id"].as_str())
            .ok_or_else(bad)?;
        let mapping = conv["mapping"].as_object().ok_or_else(bad)?;
        if self.imported_before(external)? {
            return Ok(false);
        }
        // Files are read and stored before the transaction opens (a slow disk never holds the
        // database), and before the messages naming them are committed.
        let blobs = self.blobs();
        let mut files: HashMap<&str, Vec<Part>> = HashMap::new();
        let mut skipped_assets = 0;
        for (key, node) in mapping {
            let Some(message) = node.get("message").filter(|m| m.is_object()) else {
                continue;
            };
            let ids = asset_ids(message);
            if !matches!(
                message["author"]["role"].as_str(),
                Some("user" | "assistant")
            ) {
                skipped_assets += ids.len();
                continue;
            }
            let mut parts = Vec::new();
            for id in ids {
                match assets
                    .find(&id)
                    .map(|p| crate::attach::attach_file(&blobs, p))
                {
                    Some(Ok(part)) => parts.push(part),
                    _ => skipped_assets += 1,
                }
            }
            files.insert(key.as_str(), parts);
        }
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let known: Option<i64> = tx
            .query_row(
                "SELECT id FROM conversations WHERE external_id = ?1",
                [format!("chatgpt:{external}")],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.err(e))?;
        if known.is_some() {
            return Ok(false);
        }
        let created = ms(&conv["create_time"]).unwrap_or_else(now_ms);
        let updated = ms(&conv["update_time"]).unwrap_or(created);
        let title = conv["title"]
            .as_str()
            .filter(|t| !t.trim().is_empty())
            .unwrap_or("Imported conversation");
        tx.execute(
            "INSERT INTO conversations (title, kind, source, external_id, created_at, updated_at) VALUES (?1, 'chat', 'chatgpt', ?2, ?3, ?4)",
            params![title, format!("chatgpt:{external}"), created, updated],
        )
        .map_err(|e| self.err(e))?;
        let conversation = tx.last_insert_rowid();

        // Walk the tree from its roots, parents before children; a skipped node's children hang
        // from its nearest imported ancestor.
        let roots: Vec<&String> = mapping
            .iter()
            .filter(|(_, n)| {
                n["parent"]
                    .as_str()
                    .is_none_or(|p| !mapping.contains_key(p))
            })
            .map(|(k, _)| k)
            .collect();
        let mut stack: Vec<(&str, Option<i64>)> = roots
            .into_iter()
            .rev()
            .map(|k| (k.as_str(), None))
            .collect();
        let mut seen: HashMap<&str, ()> = HashMap::new();
        let (mut imported, mut skipped) = (0, 0);
        let mut attached = 0;
        while let Some((key, parent)) = stack.pop() {
            if seen.insert(key, ()).is_some() {
                continue;
            }
            let node = &mapping[key];
            let mut here = parent;
            if let Some(message) = node.get("message").filter(|m| m.is_object()) {
                let role = message["author"]["role"].as_str().unwrap_or("");
                let text = text_of(message);
                let hidden = role == "system" && text.trim().is_empty();
                let parts = files.remove(key).unwrap_or_default();
                match role {
                    "user" | "assistant" if !text.trim().is_empty() || !parts.is_empty() => {
                        let at = ms(&message["create_time"]).unwrap_or(created);
                        let model = message["metadata"]["model_slug"]
                            .as_str()
                            .map(|s| format!("openai/{s}"));
                        tx.execute(
                            "INSERT INTO messages (conversation_id, parent_id, role, text, model, status, external_id, created_at, updated_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, 'complete', ?6, ?7, ?7)",
                            params![conversation, parent, role, text, model, key, at],
                        )
                        .map_err(|e| self.err(e))?;
                        let id = tx.last_insert_rowid();
                        super::attachments::write_parts(&tx, id, &parts)
                            .map_err(|e| self.err(e))?;
                        attached += parts.len();
                        here = Some(id);
                        imported += 1;
                    }
                    // ChatGPT's empty hidden system node is structure, not a message.
                    _ if hidden => {}
                    _ => skipped += 1,
                }
            }
            if let Some(children) = node["children"].as_array() {
                for child in children.iter().rev().filter_map(Value::as_str) {
                    if mapping.contains_key(child) {
                        stack.push((child, here));
                    }
                }
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        report.messages += imported;
        report.skipped_messages += skipped;
        report.attachments += attached;
        report.skipped_attachments += skipped_assets;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Role;

    #[test]
    fn imports_branches_skips_what_it_cannot_read_and_never_twice() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let report = store
            .import_chatgpt(roundtable_fakes::fixtures::CHATGPT_EXPORT)
            .unwrap();
        assert_eq!(
            report,
            ImportReport {
                conversations: 2,
                messages: 4,
                already_imported: 0,
                skipped_conversations: 1,
                skipped_messages: 1,
                attachments: 0,
                skipped_attachments: 0
            }
        );
        let list = store.list_conversations(10, 0).unwrap();
        let lisbon = list.iter().find(|c| c.title == "Trip to Lisbon").unwrap();
        let c = store.conversation(lisbon.id).unwrap();
        let user_branches: Vec<_> = c.messages.iter().filter(|m| m.role == Role::User).collect();
        assert_eq!(user_branches.len(), 2, "the edit is a branch");
        assert!(
            user_branches.iter().all(|m| m.parent_id.is_none()),
            "both hang from the (hidden) start"
        );
        let porto = c
            .messages
            .iter()
            .find(|m| m.text == "Ribeira and the port cellars.")
            .unwrap();
        assert_eq!(porto.model.as_deref(), Some("openai/gpt-4o"));
        assert_eq!(
            c.messages
                .iter()
                .find(|m| m.id == porto.parent_id.unwrap())
                .unwrap()
                .text,
            "What about Porto?"
        );
        assert_eq!(c.created_at, 1_717_000_000_500);
        assert_eq!(
            store.search("Alfama", false, 5).unwrap().len(),
            1,
            "imported text is searchable"
        );

        let again = store
            .import_chatgpt(roundtable_fakes::fixtures::CHATGPT_EXPORT)
            .unwrap();
        assert_eq!(
            (again.conversations, again.already_imported, again.messages),
            (0, 2, 0)
        );
        assert_eq!(store.list_conversations(10, 0).unwrap().len(), 2);
        assert!(store
            .import_chatgpt("{\"not\": \"a list\"}")
            .unwrap_err()
            .to_string()
            .contains("expected a list"));
        assert!(store
            .import_chatgpt("nope")
            .unwrap_err()
            .to_string()
            .contains("not JSON"));
    }
}
