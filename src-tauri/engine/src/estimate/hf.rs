//! Hugging Face `tokenizer.json` files, when present, for models with no tokenizer built in
//! (a Llama through Groq, OpenRouter or a local server): the count of the prompt's text by the
//! model's own tokenizer, plus a few tokens a message for the chat template's framing.
//!
//! Where a model's file is looked for, first found wins:
//! 1. the data dir's `tokenizers/<provider>/<model>/tokenizer.json` (the model's name as it is
//!    written after the provider, `/` making folders: `tokenizers/openrouter/meta-llama/
//!    llama-3.3-70b-instruct/tokenizer.json`);
//! 2. the Hugging Face cache (`$HF_HOME/hub`, else `~/.cache/huggingface/hub`): the snapshot of
//!    `models--ORG--NAME` for a model named `…/ORG/NAME`, the folder name matched ignoring case.
//!
//! A file over [`MAX_FILE`] or one that does not parse is passed over (the estimate falls back
//! to the calibrated one). Loaded tokenizers are kept for the eight files last used.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use crate::chat::{ChatRequest, Part};

/// The largest `tokenizer.json` read (the largest common ones are about 30 MB).
pub const MAX_FILE: u64 = 64 << 20;

/// Tokens a message's chat-template framing adds (role markers, separators): the common
/// templates (Llama 3, ChatML, Gemma, Mistral) add 3 to 5.
pub const PER_MESSAGE: u64 = 4;

/// The tokenizer file for `provider/model`, if one is present.
pub fn find(
    data_dir: Option<&Path>,
    hub: Option<&Path>,
    provider: &str,
    model: &str,
) -> Option<PathBuf> {
    let safe = |s: &str| !s.is_empty() && s != "." && s != ".." && !s.contains('\\');
    let parts: Vec<&str> = model.split('/').collect();
    if !safe(provider) || !parts.iter().all(|p| safe(p)) {
        return None;
    }
    if let Some(dir) = data_dir {
        let mut path = dir.join("tokenizers").join(provider);
        for p in &parts {
            path.push(p);
        }
        path.push("tokenizer.json");
        if path.is_file() {
            return Some(path);
        }
    }
    let hub = hub?;
    let [.., org, name] = parts.as_slice() else {
        return None;
    };
    let wanted = format!("models--{org}--{name}").to_lowercase();
    let repo = std::fs::read_dir(hub)
        .ok()?
        .filter_map(|e| e.ok())
        .find(|e| e.file_name().to_string_lossy().to_lowercase() == wanted)?
        .path();
    // The newest snapshot that has the file.
    let mut snapshots: Vec<(SystemTime, PathBuf)> = std::fs::read_dir(repo.join("snapshots"))
        .ok()?
        .filter_map(|e| e.ok())
        .map(|e| e.path().join("tokenizer.json"))
        .filter(|p| p.is_file())
        .map(|p| {
            let t = std::fs::metadata(&p)
                .and_then(|m| m.modified())
                .unwrap_or(SystemTime::UNIX_EPOCH);
            (t, p)
        })
        .collect();
    snapshots.sort();
    snapshots.pop().map(|(_, p)| p)
}

/// The Hugging Face cache's `hub` folder: `$HF_HOME/hub`, else `~/.cache/huggingface/hub`.
pub fn hub_dir() -> Option<PathBuf> {
    match std::env::var_os("HF_HOME").filter(|v| !v.is_empty()) {
        Some(home) => Some(PathBuf::from(home).join("hub")),
        None => dirs::home_dir().map(|h| h.join(".cache").join("huggingface").join("hub")),
    }
}

type Kept = Vec<(PathBuf, Option<SystemTime>, Arc<tokenizers::Tokenizer>)>;

/// The tokenizer in `path`, loaded once (again when the file changes); `None` when it is too
/// large or does not parse.
fn load(path: &Path) -> Option<Arc<tokenizers::Tokenizer>> {
    static KEPT: Mutex<Kept> = Mutex::new(Vec::new());
    let meta = std::fs::metadata(path).ok()?;
    if meta.len() > MAX_FILE {
        tracing::warn!(file = %path.display(), bytes = meta.len(), "tokenizer.json over the size cap; not read");
        return None;
    }
    let stamp = meta.modified().ok();
    {
        let kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(k) = kept.iter().find(|k| k.0 == path && k.1 == stamp) {
            return Some(k.2.clone());
        }
    }
    let t = match tokenizers::Tokenizer::from_file(path) {
        Ok(t) => Arc::new(t),
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "tokenizer.json does not parse; not used");
            return None;
        }
    };
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    kept.retain(|k| k.0 != path);
    kept.insert(0, (path.to_path_buf(), stamp, t.clone()));
    kept.truncate(crate::session::MAX_COLUMNS);
    Some(t)
}

/// The request's prompt tokens by the tokenizer in `path`: each message's text (the system
/// prompt too) plus [`PER_MESSAGE`] for its framing; `None` when the file cannot be used.
pub fn count_chat(path: &Path, req: &ChatRequest) -> Option<u64> {
    let t = load(path)?;
    let count = |text: &str| -> Option<u64> {
        t.encode(text, false).ok().map(|e| e.get_ids().len() as u64)
    };
    let mut n = 0;
    if let Some(system) = req.system.as_deref().filter(|s| !s.is_empty()) {
        n += PER_MESSAGE + count(system)?;
    }
    for m in &req.messages {
        let text: String = m.parts.iter().filter_map(Part::as_text).collect();
        n += PER_MESSAGE + count(&text)?;
    }
    Some(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, Role};

    /// A word-level tokenizer: one token a word or run of punctuation.
    pub(crate) const WORDS: &str = r#"{"version":"1.0","truncation":null,"padding":null,"added_tokens":[],"normalizer":null,
        "pre_tokenizer":{"type":"Whitespace"},"post_processor":null,"decoder":null,
        "model":{"type":"WordLevel","vocab":{"[UNK]":0,"hello":1,"world":2},"unk_token":"[UNK]"}}"#;

    #[test]
    fn files_are_found_in_the_data_dir_then_the_hub_and_names_cannot_climb() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let hub = dir.path().join("hub");
        let mine = data.join("tokenizers/groq/meta-llama/llama-3.3/tokenizer.json");
        std::fs::create_dir_all(mine.parent().unwrap()).unwrap();
        std::fs::write(&mine, WORDS).unwrap();
        let cached = hub.join("models--Meta-Llama--Llama-3.3/snapshots/abc/tokenizer.json");
        std::fs::create_dir_all(cached.parent().unwrap()).unwrap();
        std::fs::write(&cached, WORDS).unwrap();
        let f = |p: &str, m: &str| find(Some(&data), Some(&hub), p, m);
        assert_eq!(f("groq", "meta-llama/llama-3.3"), Some(mine));
        // Not in the data dir: the hub's snapshot, its folder matched ignoring case.
        assert_eq!(f("openrouter", "meta-llama/llama-3.3"), Some(cached));
        assert_eq!(f("openrouter", "other/model"), None);
        for bad in ["../../x", "a/../b", "", "a//b"] {
            assert_eq!(f("groq", bad), None, "{bad}");
        }
        assert_eq!(f("..", "x"), None);
    }

    #[test]
    fn a_chat_is_counted_by_the_file_and_a_bad_file_is_passed_over() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokenizer.json");
        std::fs::write(&path, WORDS).unwrap();
        let req = ChatRequest {
            system: Some("Be brief.".into()),
            messages: vec![Message {
                role: Role::User,
                parts: vec![Part::Text("Hello there, world".into())],
            }],
            ..Default::default()
        };
        // "Be", "brief", "." and "Hello", "there", ",", "world", each message framed.
        assert_eq!(count_chat(&path, &req), Some(3 + 4 + 2 * PER_MESSAGE));
        std::fs::write(&path, "{ not a tokenizer").unwrap();
        assert_eq!(count_chat(&path, &req), None);
    }
}
