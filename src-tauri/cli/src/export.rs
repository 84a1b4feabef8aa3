//! `roundtable history export ID --format md|json|html`: a conversation as Markdown (its latest
//! branch, readable), JSON (every message and branch, with ids and parents), or one standalone
//! HTML document (the latest branch rendered by the engine's Markdown renderer, inline CSS, no
//! script, and a Content-Security-Policy that forbids any script or fetch).

use std::path::Path;

use roundtable_engine::attach::{base64, data_url, Blobs};
use roundtable_engine::store::{AttachmentMeta, Conversation, Links, Store};

use crate::failure::Failure;
use crate::output::{note, Out};

/// Export formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Markdown: the latest branch as a transcript.
    Md,
    /// JSON: the whole tree.
    Json,
    /// HTML: one standalone page of the latest branch, with no script.
    Html,
}

/// Runs `history export`.
pub fn run(
    store: &Store,
    id: i64,
    format: Format,
    file: Option<&Path>,
    embed: bool,
    out: &mut Out,
) -> Result<(), Failure> {
    let c = store.conversation(id)?;
    let text = match format {
        Format::Md if embed => c.to_markdown_with(&data_urls(store, &c, |_| true)),
        Format::Md => match file {
            Some(path) => c.to_markdown_with(&beside(store, &c, path)?),
            None => {
                if !c.attachments().is_empty() {
                    note("attachments are named but not included: give -o FILE (they go in a folder beside it) or --embed");
                }
                c.to_markdown()
            }
        },
        Format::Html => c.to_html_with(&data_urls(store, &c, |a| {
            a.media_type.starts_with("image/")
        })),
        Format::Json => {
            let mut value = serde_json::to_value(&c)
                .map_err(|e| Failure::Input(format!("could not write JSON: {e}")))?;
            if embed {
                embed_json(store, &mut value);
            }
            serde_json::to_string_pretty(&value)
                .map_err(|e| Failure::Input(format!("could not write JSON: {e}")))?
                + "\n"
        }
    };
    match file {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::Input(format!("could not write {}: {e}", path.display()))),
        None => out.file_text(&text),
    }
}

/// An attachment's stored bytes; one that is gone or changed is named on stderr and left out
/// (the export goes on without it).
fn stored(blobs: &Blobs, sha256: &str, name: &str) -> Option<Vec<u8>> {
    match blobs.get(sha256, name) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            note(&format!("{e} (named in the export, not included)"));
            None
        }
    }
}

/// `data:` URLs of the branch's attachments that `which` picks.
fn data_urls(store: &Store, c: &Conversation, which: impl Fn(&AttachmentMeta) -> bool) -> Links {
    let blobs = store.blobs();
    c.attachments()
        .into_iter()
        .filter(|a| which(a))
        .filter_map(|a| {
            let bytes = stored(&blobs, &a.sha256, &a.name)?;
            Some((a.sha256.clone(), data_url(&a.media_type, &bytes)))
        })
        .collect()
}

/// Copies the branch's attachments into `NAME_files/` beside the Markdown file; links to them.
fn beside(store: &Store, c: &Conversation, md: &Path) -> Result<Links, Failure> {
    let attachments = c.attachments();
    let mut links = Links::new();
    if attachments.is_empty() {
        return Ok(links);
    }
    let stem = md
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export".into());
    let folder_name = format!("{stem}_files");
    let folder = md.with_file_name(&folder_name);
    std::fs::create_dir_all(&folder)
        .map_err(|e| Failure::Input(format!("could not make {}: {e}", folder.display())))?;
    let blobs = store.blobs();
    for a in attachments {
        let Some(bytes) = stored(&blobs, &a.sha256, &a.name) else {
            continue;
        };
        let name = format!(
            "{}-{}",
            &a.sha256[..12.min(a.sha256.len())],
            safe_name(&a.name)
        );
        let path = folder.join(&name);
        std::fs::write(&path, bytes)
            .map_err(|e| Failure::Input(format!("could not write {}: {e}", path.display())))?;
        links.insert(a.sha256.clone(), format!("{folder_name}/{name}"));
    }
    Ok(links)
}

/// A file name made of letters, digits, `.`, `-` and `_` only (no folders, no leading dot).
fn safe_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .take(80)
        .collect();
    cleaned.trim_start_matches('.').to_string()
}

/// Adds `data` (base64) to every attachment part of a conversation's JSON.
fn embed_json(store: &Store, value: &mut serde_json::Value) {
    let blobs = store.blobs();
    let messages = value["messages"].as_array_mut();
    for part in messages
        .into_iter()
        .flatten()
        .filter_map(|m| m["parts"].as_array_mut())
        .flatten()
    {
        let (Some(sha), Some(name)) = (part["sha256"].as_str(), part["name"].as_str()) else {
            continue;
        };
        if let Some(bytes) = stored(&blobs, sha, name) {
            part["data"] = serde_json::json!(base64(&bytes));
        }
    }
}
