//! A message's parts in each protocol's words (the shapes and their sources are in
//! `shared/reference/wire-formats-parts-tools.md`). By the time a request gets here
//! `attach::prepare` has loaded every attachment's bytes and made them fit the target: images
//! resized and re-encoded, PDFs kept only where the protocol takes them, text files turned into
//! text parts.
//!
//! Tool calls and results are parts too: an assistant message holds its text, then its calls;
//! the results for them come in the next message (role user), before any text of its own. Each
//! protocol gets them in its own shape here (§5 of the reference); which tools exist and how
//! the model may use them is each protocol's `tools.rs`.

use serde_json::{json, Value};

use super::tools::{
    arguments_object, calls, is_made_up_id, result_text, results_and_rest, WireIds,
};
use crate::attach::{base64, data_url};
use crate::chat::{Attachment, Message, Part, Role, ToolCall, ToolContent, ToolResult};

/// Image types Anthropic takes in a `tool_result` (and anywhere else).
const ANTHROPIC_IMAGE_TYPES: [&str; 4] = ["image/jpeg", "image/png", "image/gif", "image/webp"];

/// Gemini's documented stand-in for a `thoughtSignature` on a call it did not make (history
/// from another model): without one, Gemini 3 refuses a replayed call.
pub(crate) const GEMINI_NO_SIGNATURE: &str = "skip_thought_signature_validator";

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

/// OpenAI chat completions: the wire messages of one message. An assistant turn's calls go in
/// `tool_calls` beside its text (`content` null when it has none), with `arguments` replayed
/// exactly as the model wrote them; each result is a `role: "tool"` message with text only
/// (`tools::result_text`), ahead of a `user` message with whatever else the turn holds.
pub(crate) fn openai_messages(m: &Message, ids: &mut WireIds) -> Vec<Value> {
    if m.role == Role::Assistant {
        ids.turn();
        let calls = calls(m);
        if calls.is_empty() {
            return vec![json!({"role": "assistant", "content": openai_content(m)})];
        }
        let text = m.text();
        let tool_calls: Vec<Value> = calls
            .iter()
            .map(|c| {
                json!({"id": ids.call(&c.id), "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments}})
            })
            .collect();
        let content = if text.is_empty() {
            Value::Null
        } else {
            json!(text)
        };
        return vec![json!({"role": "assistant", "content": content, "tool_calls": tool_calls})];
    }
    let (results, rest) = results_and_rest(m);
    if results.is_empty() {
        return vec![json!({"role": m.role.as_str(), "content": openai_content(m)})];
    }
    let mut out: Vec<Value> = results
        .iter()
        .map(|r| json!({"role": "tool", "tool_call_id": ids.result(&r.id), "content": result_text(r)}))
        .collect();
    if let Some(rest) = rest {
        out.push(json!({"role": m.role.as_str(), "content": openai_content(&rest)}));
    }
    out
}

/// Ollama `/api/chat`: the wire messages of one message. An assistant turn's calls go in
/// `tool_calls` with `arguments` as an object; each result is a `role: "tool"` message named by
/// `tool_name` (and `tool_call_id` when the call had a provider's id), ahead of a `user`
/// message with whatever else the turn holds.
pub(crate) fn ollama_messages(m: &Message) -> Vec<Value> {
    if m.role == Role::Assistant {
        let mut message = ollama_message(m);
        let tool_calls: Vec<Value> = calls(m)
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let mut call = json!({"type": "function", "function": {
                    "index": i, "name": c.name, "arguments": arguments_object(c)}});
                if !is_made_up_id(&c.id) {
                    call["id"] = json!(c.id);
                }
                call
            })
            .collect();
        if !tool_calls.is_empty() {
            message["tool_calls"] = json!(tool_calls);
        }
        return vec![message];
    }
    let (results, rest) = results_and_rest(m);
    if results.is_empty() {
        return vec![ollama_message(m)];
    }
    let mut out: Vec<Value> = results
        .iter()
        .map(|r| {
            let mut message =
                json!({"role": "tool", "tool_name": r.name, "content": result_text(r)});
            if !is_made_up_id(&r.id) {
                message["tool_call_id"] = json!(r.id);
            }
            message
        })
        .collect();
    if let Some(rest) = rest {
        out.push(ollama_message(&rest));
    }
    out
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
/// blocks with base64 sources, `tool_use` blocks for an assistant turn's calls (`input` parsed
/// from the arguments; `{}` when they are not an object), and for a user turn its
/// `tool_result` blocks first (with `is_error`, text and image content), then the rest.
/// Empty text blocks are left out (Anthropic refuses them). `cache` marks the part at that
/// index with `cache_control`, so the next turns read an image or a PDF from the prompt cache
/// instead of paying for it again.
pub(crate) fn anthropic_content(m: &Message, cache: Option<usize>, ids: &mut WireIds) -> Value {
    if m.role == Role::Assistant {
        ids.turn();
    }
    if let Some(text) = m.only_text() {
        return json!(text);
    }
    let results = m.parts.iter().filter_map(|p| match p {
        Part::ToolResult(r) if m.role == Role::User => Some(anthropic_result(r, ids.result(&r.id))),
        _ => None,
    });
    let mut blocks: Vec<Value> = results.collect();
    for (i, p) in m.parts.iter().enumerate() {
        let mut block = match p {
            Part::Text(t) if t.is_empty() => continue,
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
            Part::ToolCall(c) if m.role == Role::Assistant => json!({
                "type": "tool_use", "id": ids.call(&c.id), "name": c.name,
                "input": arguments_object(c)
            }),
            Part::ToolCall(_) | Part::ToolResult(_) => continue,
        };
        if cache == Some(i) {
            block["cache_control"] = json!({"type": "ephemeral"});
        }
        blocks.push(block);
    }
    json!(blocks)
}

/// One `tool_result` block: text as a plain string when that is all there is, else text and
/// image blocks (an image of a type Anthropic does not take becomes a line of text).
fn anthropic_result(r: &ToolResult, id: String) -> Value {
    let content: Vec<Value> = r
        .content
        .iter()
        .filter_map(|c| match c {
            ToolContent::Text { text } if text.is_empty() => None,
            ToolContent::Text { text } => Some(json!({"type": "text", "text": text})),
            ToolContent::Image { media_type, data }
                if ANTHROPIC_IMAGE_TYPES.contains(&media_type.as_str()) =>
            {
                Some(json!({"type": "image",
                    "source": {"type": "base64", "media_type": media_type, "data": data}}))
            }
            ToolContent::Image { media_type, .. } => Some(json!({"type": "text",
                "text": format!("[the tool returned an image ({media_type}), which cannot be shown here]")})),
        })
        .collect();
    let mut block = json!({"type": "tool_result", "tool_use_id": id});
    match content.as_slice() {
        [] => {}
        [one] if one["type"] == "text" => block["content"] = one["text"].clone(),
        _ => block["content"] = json!(content),
    }
    if r.is_error {
        block["is_error"] = json!(true);
    }
    block
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

/// A call's Gemini `thoughtSignature` (a signature with thinking beside it is Anthropic's).
fn gemini_signature(c: &ToolCall) -> Option<&String> {
    c.signature.as_ref().filter(|_| c.thinking.is_none())
}

/// Gemini: `text` and `inline_data` parts (snake_case, as Google's own samples write it);
/// for a model turn, its calls as `functionCall` parts (`args` an object, `id` only when the
/// provider gave one, `thoughtSignature` echoed on the part; a turn whose calls carry none gets
/// [`GEMINI_NO_SIGNATURE`] on its first); for a user turn, its results first as
/// `functionResponse` parts (`response: {output}` or `{error}`, an image in `parts`).
pub(crate) fn gemini_parts(m: &Message) -> Vec<Value> {
    let signed = calls(m).iter().any(|c| gemini_signature(c).is_some());
    let mut first_call = true;
    let results = m.parts.iter().filter_map(|p| match p {
        Part::ToolResult(r) if m.role == Role::User => Some(gemini_result(r)),
        _ => None,
    });
    let mut parts: Vec<Value> = results.collect();
    for p in &m.parts {
        match p {
            Part::Text(t) if t.is_empty() => {}
            Part::Text(t) => parts.push(json!({"text": t})),
            Part::Image(a) | Part::File(a) => parts.push(json!({
                "inline_data": {"mime_type": a.media_type, "data": data_of(a)}
            })),
            Part::ToolCall(c) if m.role == Role::Assistant => {
                let mut call = json!({"name": c.name, "args": arguments_object(c)});
                if !is_made_up_id(&c.id) {
                    call["id"] = json!(c.id);
                }
                let mut part = json!({"functionCall": call});
                match gemini_signature(c) {
                    Some(s) => part["thoughtSignature"] = json!(s),
                    None if !signed && first_call => {
                        part["thoughtSignature"] = json!(GEMINI_NO_SIGNATURE)
                    }
                    None => {}
                }
                first_call = false;
                parts.push(part);
            }
            Part::ToolCall(_) | Part::ToolResult(_) => {}
        }
    }
    if parts.is_empty() {
        // Gemini refuses a content without parts; an empty turn stays one empty text.
        parts.push(json!({"text": ""}));
    }
    parts
}

/// One `functionResponse` part. A result that is one JSON object or array goes as that value,
/// anything else as its text.
fn gemini_result(r: &ToolResult) -> Value {
    let texts: Vec<&str> = r
        .content
        .iter()
        .filter_map(|c| match c {
            ToolContent::Text { text } => Some(text.as_str()),
            ToolContent::Image { .. } => None,
        })
        .collect();
    let text = texts.join("\n");
    let value = match serde_json::from_str::<Value>(&text) {
        Ok(v) if v.is_object() || v.is_array() => v,
        _ => json!(text),
    };
    let key = if r.is_error { "error" } else { "output" };
    let mut response = json!({"name": r.name, "response": {key: value}});
    if !is_made_up_id(&r.id) {
        response["id"] = json!(r.id);
    }
    let images: Vec<Value> = r
        .content
        .iter()
        .filter_map(|c| match c {
            ToolContent::Image { media_type, data } => {
                Some(json!({"inlineData": {"mimeType": media_type, "data": data}}))
            }
            ToolContent::Text { .. } => None,
        })
        .collect();
    if !images.is_empty() {
        response["parts"] = json!(images);
    }
    json!({"functionResponse": response})
}
