//! A message's parts in each protocol's words (the shapes and their sources are in
//! `shared/reference/wire-formats-parts-tools.md`). By the time a request gets here
//! `attach::prepare` has loaded every attachment's bytes and made them fit the target: images
//! resized and re-encoded, PDFs kept only where the protocol takes them, text files turned into
//! text parts.

use serde_json::{json, Value};

use crate::attach::{base64, data_url};
use crate::chat::{Attachment, Message, Part};

fn data_of(a: &Attachment) -> String {
    a.data.as_deref().map(|d| base64(d)).unwrap_or_default()
}

/// A `data:` URL of an attachment's bytes.
fn data_url_of(a: &Attachment) -> String {
    data_url(&a.media_type, a.data.as_deref().map_or(&[], Vec::as_slice))
}

/// OpenAI chat completions: a plain string for text alone, else an array of `text`,
/// `image_url` (a data URL, or a remote URL passed on) and `file` (`file_data`, for PDFs) parts.
pub(crate) fn openai_content(m: &Message) -> Value {
    if let Some(text) = m.only_text() {
        return json!(text);
    }
    let parts: Vec<Value> = m
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(json!({"type": "text", "text": t})),
            Part::Image(a) => {
                let url = a.url.clone().unwrap_or_else(|| data_url_of(a));
                Some(json!({"type": "image_url", "image_url": {"url": url}}))
            }
            Part::File(a) => Some(json!({
                "type": "file",
                "file": {"filename": a.name, "file_data": data_url_of(a)}
            })),
            Part::ToolCall(_) | Part::ToolResult(_) => None,
        })
        .collect();
    json!(parts)
}

/// Ollama `/api/chat`: the text as `content`, images as bare base64 in `images`.
pub(crate) fn ollama_message(m: &Message) -> Value {
    let mut message = json!({"role": m.role.as_str(), "content": m.text()});
    let images: Vec<String> = m
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::Image(a) => Some(data_of(a)),
            _ => None,
        })
        .collect();
    if !images.is_empty() {
        message["images"] = json!(images);
    }
    message
}

/// Anthropic Messages: a plain string for text alone, else `text`, `image` and `document`
/// blocks with base64 sources. `cache` marks the block with `cache_control`, so the next turns
/// read an image or a PDF from the prompt cache instead of paying for it again.
pub(crate) fn anthropic_content(m: &Message, cache: Option<usize>) -> Value {
    if let Some(text) = m.only_text() {
        return json!(text);
    }
    let blocks: Vec<Value> = m
        .parts
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            let mut block = match p {
                Part::Text(t) => json!({"type": "text", "text": t}),
                Part::Image(a) => json!({
                    "type": "image",
                    "source": {"type": "base64", "media_type": a.media_type, "data": data_of(a)}
                }),
                Part::File(a) => json!({
                    "type": "document",
                    "source": {"type": "base64", "media_type": a.media_type, "data": data_of(a)},
                    "title": a.name
                }),
                Part::ToolCall(_) | Part::ToolResult(_) => return None,
            };
            if cache == Some(i) {
                block["cache_control"] = json!({"type": "ephemeral"});
            }
            Some(block)
        })
        .collect();
    json!(blocks)
}

/// Where Anthropic's one attachment cache mark goes: the last image or document of the
/// conversation, as (message, part).
pub(crate) fn anthropic_cache_point(messages: &[Message]) -> Option<(usize, usize)> {
    messages.iter().enumerate().rev().find_map(|(mi, m)| {
        m.parts
            .iter()
            .rposition(|p| p.attachment().is_some())
            .map(|pi| (mi, pi))
    })
}

/// Gemini: `text` and `inline_data` parts (snake_case, as Google's own samples write it).
pub(crate) fn gemini_parts(m: &Message) -> Vec<Value> {
    m.parts
        .iter()
        .filter_map(|p| match p {
            Part::Text(t) => Some(json!({"text": t})),
            Part::Image(a) | Part::File(a) => Some(json!({
                "inline_data": {"mime_type": a.media_type, "data": data_of(a)}
            })),
            Part::ToolCall(_) | Part::ToolResult(_) => None,
        })
        .collect()
}
