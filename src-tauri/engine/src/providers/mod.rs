//! Providers: the closed set of wire protocols, the built-in presets, and one folder per protocol
//! (`adapter.rs` builds requests and reads whole answers and errors, `stream.rs` reads streams).
//!
//! A plain `match` on [`ProviderKind`] dispatches; nothing here picks between targets (the router
//! does) or stores anything.

pub mod anthropic;
pub(crate) mod errors;
pub mod gemini;
pub(crate) mod hints;
pub mod ollama;
pub mod openai;
mod presets;

use std::collections::BTreeMap;
use std::collections::VecDeque;
use std::sync::Arc;

use serde::Deserialize;
use url::Url;

use crate::chat::{ChatEvent, ChatRequest};
use crate::config::Config;
use crate::error::{Error, ProviderError, Result};
use crate::models::ModelInfo;

pub use presets::{preset, PRESET_IDS};

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum ProviderKind {
    /// OpenAI chat completions (and every compatible service).
    #[serde(rename = "openai")]
    OpenAi,
    /// Anthropic Messages.
    #[serde(rename = "anthropic")]
    Anthropic,
    /// Google Gemini `generateContent`.
    #[serde(rename = "gemini")]
    Gemini,
    /// Ollama's native `/api/chat`.
    #[serde(rename = "ollama")]
    Ollama,
}

impl ProviderKind {
    /// The config name (`openai`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Ollama => "ollama",
        }
    }

    /// How this protocol frames a stream.
    pub(crate) fn framing(self) -> Framing {
        match self {
            ProviderKind::Ollama => Framing::Ndjson,
            _ => Framing::Sse,
        }
    }
}

/// Stream framing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// Server-sent events.
    Sse,
    /// One JSON object per line.
    Ndjson,
}

/// Small differences between services that speak the same protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// OpenRouter: ask for usage accounting, read its cost and error chunks.
    pub openrouter: bool,
    /// OpenAI itself wants `max_completion_tokens` rather than `max_tokens`.
    pub max_completion_tokens: bool,
}

/// A provider, resolved from its preset and the config.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Its id, the first segment of a model name.
    pub id: String,
    /// Its protocol.
    pub kind: ProviderKind,
    /// What the protocol's paths are appended to.
    pub base_url: Url,
    /// Extra headers on every request.
    pub headers: Vec<(String, String)>,
    /// Hidden when false.
    pub enabled: bool,
    /// Whether a request without a key is pointless (cloud services); local servers need none.
    pub needs_key: bool,
    /// Built in (not only from the config).
    pub builtin: bool,
    /// Service differences.
    pub quirks: Quirks,
}

impl Provider {
    /// `base_url` joined with a path that starts with `/`.
    pub(crate) fn url(&self, path: &str) -> Url {
        let base = self.base_url.as_str().trim_end_matches('/');
        // The base URL was checked when the provider was built, and `path` is ours.
        Url::parse(&format!("{base}{path}")).unwrap_or_else(|_| self.base_url.clone())
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

/// Checks a base URL from the config: http or https, with a host.
pub(crate) fn parse_base_url(text: &str) -> std::result::Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}` must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("`{text}` must not have a query or fragment"));
    }
    Ok(url)
}

/// Every provider: the presets, changed or extended by the config.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    providers: BTreeMap<String, Arc<Provider>>,
}

impl Registry {
    /// Builds the registry from the presets and the config.
    pub fn new(config: &Config) -> Result<Registry> {
        let mut providers: BTreeMap<String, Provider> = PRESET_IDS
            .iter()
            .filter_map(|id| preset(id))
            .map(|p| (p.id.clone(), p))
            .collect();
        for (id, spanned) in &config.providers {
            let c = spanned.get_ref();
            let mut p = match providers.remove(id) {
                Some(p) => p,
                None => {
                    let kind = c.kind.ok_or_else(|| Error::InvalidModel {
                        given: id.clone(),
                        reason: "a custom provider needs a `kind`".into(),
                    })?;
                    Provider {
                        id: id.clone(),
                        kind,
                        base_url: Url::parse("http://127.0.0.1/").expect("static URL"),
                        headers: Vec::new(),
                        enabled: true,
                        needs_key: false,
                        builtin: false,
                        quirks: Quirks::default(),
                    }
                }
            };
            if let Some(kind) = c.kind {
                p.kind = kind;
            }
            if let Some(url) = &c.base_url {
                p.base_url =
                    parse_base_url(url.get_ref()).map_err(|reason| Error::InvalidModel {
                        given: id.clone(),
                        reason,
                    })?;
            } else if !p.builtin {
                return Err(Error::InvalidModel {
                    given: id.clone(),
                    reason: "a custom provider needs a `base_url`".into(),
                });
            }
            for (name, value) in &c.headers {
                p.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                p.headers.push((name.clone(), value.clone()));
            }
            if let Some(enabled) = c.enabled {
                p.enabled = enabled;
            }
            providers.insert(id.clone(), p);
        }
        Ok(Registry {
            providers: providers
                .into_iter()
                .map(|(k, v)| (k, Arc::new(v)))
                .collect(),
        })
    }

    /// The provider with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Provider>> {
        self.providers.get(id)
    }

    /// Every provider, by id.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Provider>> {
        self.providers.values()
    }

    /// Every provider id, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.providers.keys().cloned().collect()
    }
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

/// Whether a stream goes on after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Keep reading.
    More,
    /// The protocol's end marker was seen; stop reading.
    Done,
}

/// The decoder for a protocol.
pub(crate) fn decoder(provider: &Provider) -> Box<dyn Decoder> {
    let id = provider.id.clone();
    match provider.kind {
        ProviderKind::OpenAi => Box::new(openai::stream::OpenAiDecoder::new(id)),
        ProviderKind::Anthropic => Box::new(anthropic::stream::AnthropicDecoder::new(id)),
        ProviderKind::Gemini => Box::new(gemini::stream::GeminiDecoder::new(id)),
        ProviderKind::Ollama => Box::new(ollama::stream::OllamaDecoder::new(id)),
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

/// The `messages` list shared by OpenAI chat completions and Ollama: system first, then turns.
pub(crate) fn role_messages(req: &ChatRequest) -> Vec<serde_json::Value> {
    let system = req
        .system
        .iter()
        .map(|s| serde_json::json!({"role": "system", "content": s}));
    let turns = req
        .messages
        .iter()
        .map(|m| serde_json::json!({"role": m.role.as_str(), "content": m.text}));
    system.chain(turns).collect()
}

/// Builds the chat request for a provider.
pub(crate) fn chat_request(
    provider: &Provider,
    key: Option<&str>,
    model: &str,
    req: &ChatRequest,
    stream: bool,
) -> WireRequest {
    match provider.kind {
        ProviderKind::OpenAi => openai::adapter::chat_request(provider, key, model, req, stream),
        ProviderKind::Anthropic => {
            anthropic::adapter::chat_request(provider, key, model, req, stream)
        }
        ProviderKind::Gemini => gemini::adapter::chat_request(provider, key, model, req, stream),
        ProviderKind::Ollama => ollama::adapter::chat_request(provider, key, model, req, stream),
    }
}

/// Builds the model-list request for a provider.
pub(crate) fn models_request(provider: &Provider, key: Option<&str>) -> WireRequest {
    match provider.kind {
        ProviderKind::OpenAi => openai::adapter::models_request(provider, key),
        ProviderKind::Anthropic => anthropic::adapter::models_request(provider, key),
        ProviderKind::Gemini => gemini::adapter::models_request(provider, key),
        ProviderKind::Ollama => ollama::adapter::models_request(provider),
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
        ProviderKind::Ollama => ollama::adapter::parse_models(provider, body),
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
