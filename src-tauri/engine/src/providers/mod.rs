//! Providers: one folder per wire protocol (`adapter.rs` builds requests and reads whole answers
//! and errors, `stream.rs` reads streams, `tools.rs` declares tools and asks for JSON output).
//! Beside them: `framing.rs` splits a byte stream into the protocols' frames, `parts.rs` writes a
//! message's parts (tool calls and results among them), `tools.rs` holds what the protocols
//! share about tool calling, and `schema.rs` writes JSON Schema in Gemini's subset. Which
//! providers exist is the config's registry ([`crate::config::Provider`]).
//!
//! A plain `match` on [`ProviderKind`] dispatches; nothing here picks between targets (the router
//! does) or stores anything.

pub mod anthropic;
pub(crate) mod errors;
pub mod framing;
pub mod gemini;
pub(crate) mod hints;
pub mod ollama;
pub mod openai;
pub(crate) mod parts;
pub(crate) mod schema;
pub mod tools;

use std::collections::VecDeque;

use crate::chat::{ChatEvent, ChatRequest};
pub use crate::config::{Provider, ProviderKind};
use crate::error::ProviderError;
use crate::models::ModelInfo;
pub(crate) use framing::Flow;
use framing::Framing;
use url::Url;

/// How a protocol frames a stream.
pub(crate) fn framing(kind: ProviderKind) -> Framing {
    match kind {
        ProviderKind::Ollama => Framing::Ndjson,
        _ => Framing::Sse,
    }
}

/// `text` percent-encoded as one URL path segment: every byte but RFC 3986's unreserved
/// characters is escaped, so `/`, `?`, `#` and `%` cannot change the URL's shape.
pub(crate) fn path_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Turns a protocol's frames into [`ChatEvent`]s.
pub(crate) trait Decoder: Send {
    /// One SSE event (`event` name and joined `data`) or one NDJSON line (`event` is `None`).
    fn frame(
        &mut self,
        event: Option<&str>,
        data: &str,
        out: &mut VecDeque<ChatEvent>,
    ) -> Result<Flow, ProviderError>;
    /// The body ended; emit the end, or fail if the stream was cut short.
    fn eof(&mut self, out: &mut VecDeque<ChatEvent>) -> Result<(), ProviderError>;
}

/// A stream's opening: the first frame emits `Start` once, with the model it names.
#[derive(Debug, Default)]
pub(crate) struct Opening {
    started: bool,
    model: Option<String>,
}

impl Opening {
    /// Called on every frame; only the first emits `Start`.
    pub(crate) fn see(&mut self, named: Option<&str>, out: &mut VecDeque<ChatEvent>) {
        if !self.started {
            self.started = true;
            self.model = named.map(str::to_string);
            out.push_back(ChatEvent::Start {
                model: self.model.clone(),
            });
        }
    }

    /// Whether a frame has been seen.
    pub(crate) fn started(&self) -> bool {
        self.started
    }

    /// The model the first frame named.
    pub(crate) fn model(&self) -> Option<String> {
        self.model.clone()
    }
}

/// The decoder for a protocol.
pub(crate) fn decoder(provider: &Provider) -> Box<dyn Decoder> {
    let id = provider.id.clone();
    match provider.kind {
        ProviderKind::OpenAi => Box::new(openai::stream::OpenAiDecoder::new(id)),
        ProviderKind::Anthropic => Box::new(anthropic::stream::AnthropicDecoder::new(id)),
        ProviderKind::Gemini => Box::new(gemini::stream::GeminiDecoder::new(id)),
        // Never asked for: local answers are events already (see `local::runtime`).
        ProviderKind::Ollama | ProviderKind::Local => {
            Box::new(ollama::stream::OllamaDecoder::new(id))
        }
    }
}

/// An HTTP request, ready to send (the key already attached).
pub(crate) struct WireRequest {
    pub url: Url,
    pub headers: Vec<(&'static str, String, bool)>,
    pub body: Option<serde_json::Value>,
}

/// A `Authorization: Bearer` header (OpenAI-compatible services, a proxy in front of Ollama).
pub(crate) fn bearer(key: Option<&str>) -> Vec<(&'static str, String, bool)> {
    key.map(|k| vec![("authorization", format!("Bearer {k}"), true)])
        .unwrap_or_default()
}

/// Builds the chat request for a provider, or refuses one it cannot carry: tools, a tool
/// choice or an output format the protocol has no words for (class `unsupported_input`, naming
/// the tool and the keyword; see [`tools::check`] and `schema.rs`), or that no protocol could
/// send (class `bad_request`).
pub(crate) fn chat_request(
    provider: &Provider,
    key: Option<&str>,
    model: &str,
    req: &ChatRequest,
    stream: bool,
) -> Result<WireRequest, ProviderError> {
    tools::check(&provider.id, req)?;
    let plain = tools::history_as_text(req);
    let req = plain.as_ref().unwrap_or(req);
    match provider.kind {
        ProviderKind::OpenAi => openai::adapter::chat_request(provider, key, model, req, stream),
        ProviderKind::Anthropic => {
            anthropic::adapter::chat_request(provider, key, model, req, stream)
        }
        ProviderKind::Gemini => gemini::adapter::chat_request(provider, key, model, req, stream),
        ProviderKind::Ollama => ollama::adapter::chat_request(provider, key, model, req, stream),
        ProviderKind::Local => Err(errors::malformed(
            &provider.id,
            "local models are not reached over HTTP",
        )),
    }
}

/// Builds the model-list request for a provider.
pub(crate) fn models_request(provider: &Provider, key: Option<&str>) -> WireRequest {
    match provider.kind {
        ProviderKind::OpenAi => openai::adapter::models_request(provider, key),
        ProviderKind::Anthropic => anthropic::adapter::models_request(provider, key),
        ProviderKind::Gemini => gemini::adapter::models_request(provider, key),
        ProviderKind::Ollama | ProviderKind::Local => ollama::adapter::models_request(provider),
    }
}

/// Reads a model list.
pub(crate) fn parse_models(
    provider: &Provider,
    body: &[u8],
) -> Result<Vec<ModelInfo>, ProviderError> {
    match provider.kind {
        ProviderKind::OpenAi => openai::adapter::parse_models(provider, body),
        ProviderKind::Anthropic => anthropic::adapter::parse_models(provider, body),
        ProviderKind::Gemini => gemini::adapter::parse_models(provider, body),
        ProviderKind::Ollama | ProviderKind::Local => ollama::adapter::parse_models(provider, body),
    }
}

/// Reads a whole (non-streamed) answer into events, through the same decoders as streams.
pub(crate) fn decode_whole(
    provider: &Provider,
    body: &[u8],
    out: &mut VecDeque<ChatEvent>,
) -> Result<(), ProviderError> {
    match provider.kind {
        ProviderKind::Anthropic => anthropic::adapter::decode_whole(&provider.id, body, out),
        _ => {
            let text = std::str::from_utf8(body)
                .map_err(|_| errors::malformed(&provider.id, "the answer is not UTF-8 text"))?;
            let mut d = decoder(provider);
            match d.frame(None, text.trim(), out)? {
                Flow::Done => Ok(()),
                Flow::More => d.eof(out),
            }
        }
    }
}

/// A short, header-free description of a transport error: its innermost cause.
pub(crate) fn describe_reqwest(e: &reqwest::Error) -> String {
    let mut cause: &dyn std::error::Error = e;
    while let Some(next) = cause.source() {
        cause = next;
    }
    let text = crate::error::one_line(&cause.to_string(), 160);
    if e.is_timeout() {
        format!("timed out: {text}")
    } else {
        text
    }
}

#[cfg(test)]
pub(crate) mod test_support;
