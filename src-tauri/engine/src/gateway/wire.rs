//! OpenAI's chat-completions format as the gateway speaks it: the request it accepts, the
//! response and stream chunks it writes, and its error envelope.

use serde::Deserialize;
use serde_json::{json, Value};

use base64::Engine as _;

use crate::attach;
use crate::chat::{ChatRequest, Message, Part as ChatPart, ReasoningEffort, Role, Usage};
use crate::error::{Error, ErrorClass, ErrorKind, ErrorView};

/// The most targets one request may name (`model` and `models` together).
pub const MAX_TARGETS: usize = 16;

/// The request body of `POST /v1/chat/completions` (the fields the gateway uses; others are
/// ignored as OpenAI-compatible servers do).
#[derive(Debug, Deserialize)]
pub struct CompletionRequest {
    #[serde(default)]
    pub model: Option<String>,
    /// OpenRouter's fallback list.
    #[serde(default)]
    pub models: Option<Vec<String>>,
    pub messages: Vec<InMessage>,
    #[serde(default)]
    pub stream: bool,
    #[serde(default)]
    pub temperature: Option<f32>,
    #[serde(default)]
    pub max_tokens: Option<u32>,
    #[serde(default)]
    pub max_completion_tokens: Option<u32>,
    #[serde(default)]
    pub reasoning_effort: Option<String>,
}

/// One message of the request.
#[derive(Debug, Deserialize)]
pub struct InMessage {
    pub role: String,
    #[serde(default)]
    pub content: Option<Content>,
}

/// A message's content: a string, or a list of parts.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Content {
    Text(String),
    Parts(Vec<Part>),
}

/// A content part: `text`, `image_url` (a `data:` URL, or an http(s) URL passed on to
/// OpenAI-kind targets only) or `file` (`file_data` as a `data:` URL, with `filename`).
#[derive(Debug, Deserialize)]
pub struct Part {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub image_url: Option<ImageUrl>,
    #[serde(default)]
    pub file: Option<FilePart>,
}

/// An `image_url` part's address.
#[derive(Debug, Deserialize)]
pub struct ImageUrl {
    pub url: String,
}

/// A `file` part.
#[derive(Debug, Deserialize)]
pub struct FilePart {
    #[serde(default)]
    pub filename: Option<String>,
    #[serde(default)]
    pub file_data: Option<String>,
    #[serde(default)]
    pub file_id: Option<String>,
}

/// An error to send back: status, OpenAI's envelope, and a Retry-After when known.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub kind: &'static str,
    pub code: String,
    pub message: String,
    pub param: Option<&'static str>,
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    /// A client error of the gateway's own (bad body, bad token…).
    pub fn new(status: u16, kind: &'static str, code: &str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            kind,
            code: code.to_string(),
            message: message.into(),
            param: None,
            retry_after_s: None,
        }
    }

    /// A bad request naming the field at fault.
    pub fn invalid(param: &'static str, message: impl Into<String>) -> Self {
        let mut e = ApiError::new(400, "invalid_request_error", "invalid_request", message);
        e.param = Some(param);
        e
    }

    /// OpenAI's error envelope.
    pub fn body(&self) -> Value {
        json!({"error": {
            "message": self.message,
            "type": self.kind,
            "param": self.param,
            "code": self.code,
        }})
    }
}

impl From<&Error> for ApiError {
    fn from(e: &Error) -> Self {
        match e {
            Error::UnknownProvider { .. } | Error::UnknownRoute { .. } => {
                let mut a = ApiError::new(
                    404,
                    "invalid_request_error",
                    "model_not_found",
                    e.to_string(),
                );
                a.param = Some("model");
                a
            }
            Error::InvalidModel { .. } => ApiError::invalid("model", e.to_string()),
            _ => ApiError::from(&ErrorView::from(e)),
        }
    }
}

/// The gateway's one mapping from an error's kind (and a provider failure's class) to an HTTP
/// status and OpenAI's envelope.
impl From<&ErrorView> for ApiError {
    fn from(v: &ErrorView) -> Self {
        match (v.kind, v.class) {
            (ErrorKind::Provider, Some(class)) => {
                // The client's request was fine; what the provider said decides the status. A
                // rejected provider key is the gateway's problem, not the client's token: 502.
                let status = match class {
                    ErrorClass::RateLimited => 429,
                    ErrorClass::QuotaExceeded => 402,
                    ErrorClass::Overloaded => 503,
                    ErrorClass::ContextLength
                    | ErrorClass::BadRequest
                    | ErrorClass::ContentFiltered
                    | ErrorClass::UnsupportedInput => 400,
                    ErrorClass::ModelNotFound => 404,
                    ErrorClass::Timeout => 504,
                    ErrorClass::Auth
                    | ErrorClass::Upstream
                    | ErrorClass::Network
                    | ErrorClass::MalformedStream
                    | ErrorClass::Redirected => 502,
                };
                let kind = match status {
                    429 => "rate_limit_error",
                    400 | 404 => "invalid_request_error",
                    402 => "insufficient_quota",
                    _ => "upstream_error",
                };
                ApiError {
                    status,
                    kind,
                    code: class.as_str().to_string(),
                    message: v.message.clone(),
                    param: None,
                    retry_after_s: v.retry_after_ms.map(|ms| ms.div_ceil(1000)),
                }
            }
            (ErrorKind::BudgetExceeded, _) => ApiError::new(
                402,
                "insufficient_quota",
                "budget_exceeded",
                format!("{}; raise [budget] monthly_usd in the config", v.message),
            ),
            (ErrorKind::BadInput, _) => ApiError::invalid("messages", v.message.clone()),
            // The gateway's own failure: the code names its kind (`store_error`, …).
            (
                ErrorKind::Provider
                | ErrorKind::Config
                | ErrorKind::Store
                | ErrorKind::Io
                | ErrorKind::Keychain
                | ErrorKind::Internal,
                _,
            ) => {
                let code = match v.kind {
                    ErrorKind::Provider => "gateway_error".to_string(),
                    kind => format!("{}_error", kind.as_str()),
                };
                ApiError::new(500, "server_error", &code, v.message.clone())
            }
        }
    }
}

impl CompletionRequest {
    /// The targets in order: `model`, then OpenRouter's `models` fallbacks.
    pub fn targets(&self) -> Result<Vec<String>, ApiError> {
        let mut names: Vec<String> = Vec::new();
        for n in self.model.iter().chain(self.models.iter().flatten()) {
            let n = n.trim();
            if !n.is_empty() && !names.iter().any(|m| m == n) {
                if names.len() == MAX_TARGETS {
                    return Err(ApiError::invalid(
                        "models",
                        format!("more than {MAX_TARGETS} models named; the gateway tries at most {MAX_TARGETS} (`model` and the `models` fallbacks together)"),
                    ));
                }
                names.push(n.to_string());
            }
        }
        if names.is_empty() {
            return Err(ApiError::invalid(
                "model",
                "no model: give `model` as provider/model or @route (or OpenRouter's `models` list)",
            ));
        }
        Ok(names)
    }

    /// The engine's request: system and developer messages become the system prompt.
    pub fn to_chat(&self) -> Result<ChatRequest, ApiError> {
        let mut system = Vec::new();
        let mut messages = Vec::new();
        for (i, m) in self.messages.iter().enumerate() {
            let parts = match &m.content {
                None => Vec::new(),
                Some(Content::Text(t)) => vec![ChatPart::Text(t.clone())],
                Some(Content::Parts(parts)) => parts
                    .iter()
                    .enumerate()
                    .map(|(j, p)| in_part(p, i, j, &m.role))
                    .collect::<Result<_, _>>()?,
            };
            let text = || {
                parts
                    .iter()
                    .filter_map(ChatPart::as_text)
                    .collect::<Vec<_>>()
                    .join("")
            };
            match m.role.as_str() {
                "system" | "developer" => system.push(text()),
                "user" => messages.push(Message { role: Role::User, parts }),
                "assistant" => messages.push(Message {
                    role: Role::Assistant,
                    parts: vec![ChatPart::Text(text())],
                }),
                other => {
                    return Err(ApiError::invalid(
                        "messages",
                        format!("messages[{i}]: role `{other}` is not supported; use system, developer, user or assistant"),
                    ))
                }
            }
        }
        if !messages.iter().any(|m| m.role == Role::User) {
            return Err(ApiError::invalid("messages", "no user message"));
        }
        let reasoning = match self.reasoning_effort.as_deref() {
            None => None,
            // OpenAI's lowest effort; ours starts at low.
            Some("minimal") => Some(ReasoningEffort::Low),
            Some(other) => Some(other.parse::<ReasoningEffort>().map_err(|_| {
                ApiError::invalid(
                    "reasoning_effort",
                    format!("reasoning_effort `{other}`: use low, medium or high"),
                )
            })?),
        };
        Ok(ChatRequest {
            system: (!system.is_empty()).then(|| system.join("\n\n")),
            messages,
            temperature: self.temperature,
            max_tokens: self.max_completion_tokens.or(self.max_tokens),
            reasoning,
            ..Default::default()
        })
    }
}

/// OpenAI's usage object.
pub fn usage(u: &Usage) -> Value {
    json!({
        "prompt_tokens": u.input_tokens,
        "completion_tokens": u.output_tokens,
        "total_tokens": u.input_tokens + u.output_tokens,
        "prompt_tokens_details": {"cached_tokens": u.cache_read_tokens},
        "completion_tokens_details": {"reasoning_tokens": u.reasoning_tokens},
    })
}

/// One `chat.completion.chunk`.
pub fn chunk(id: &str, created: i64, model: &str, delta: Value, finish: Option<&str>) -> Value {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": created,
        "model": model,
        "system_fingerprint": null,
        "choices": [{"index": 0, "delta": delta, "logprobs": null, "finish_reason": finish}],
    })
}

/// One content part of `messages[i].content[j]` as the engine's part. Images and files are
/// checked as the app checks an attachment (what the bytes are, their size, a decodable
/// image); only a `user` message may carry them, as in OpenAI's own API.
fn in_part(p: &Part, i: usize, j: usize, role: &str) -> Result<ChatPart, ApiError> {
    let at = format!("messages[{i}].content[{j}]");
    let bad = |m: String| ApiError::invalid("messages", format!("{at}: {m}"));
    if p.kind != "text" && role != "user" {
        return Err(bad(format!(
            "a `{}` part can only be in a user message",
            p.kind
        )));
    }
    match p.kind.as_str() {
        "text" => Ok(ChatPart::Text(p.text.clone().unwrap_or_default())),
        "image_url" => {
            let url = p
                .image_url
                .as_ref()
                .map(|u| u.url.as_str())
                .ok_or_else(|| bad("an `image_url` part needs `image_url.url`".into()))?;
            if url.starts_with("https://") || url.starts_with("http://") {
                return Ok(ChatPart::Image(crate::chat::Attachment {
                    name: format!("image {}", j + 1),
                    url: Some(url.to_string()),
                    ..Default::default()
                }));
            }
            let bytes = data_url(url).map_err(|m| bad(format!("image_url.url: {m}")))?;
            attached(&format!("image {}", j + 1), bytes, &at)
        }
        "file" => {
            let f = p
                .file
                .as_ref()
                .ok_or_else(|| bad("a `file` part needs `file`".into()))?;
            if f.file_id.is_some() && f.file_data.is_none() {
                return Err(bad("`file.file_id` refers to OpenAI's file store, which the gateway does not have; send `file.file_data` as a data: URL".into()));
            }
            let data = f
                .file_data
                .as_deref()
                .ok_or_else(|| bad("a `file` part needs `file.file_data` (a data: URL)".into()))?;
            let bytes = data_url(data).map_err(|m| bad(format!("file.file_data: {m}")))?;
            let name = f
                .filename
                .clone()
                .unwrap_or_else(|| format!("file {}", j + 1));
            attached(&name, bytes, &at)
        }
        other => Err(bad(format!(
            "content part of type `{other}` is not supported; use text, image_url or file"
        ))),
    }
}

fn attached(name: &str, bytes: Vec<u8>, at: &str) -> Result<ChatPart, ApiError> {
    let ingested = attach::ingest(name, &bytes, false)
        .map_err(|e| ApiError::invalid("messages", format!("{at}: {e}")))?;
    let data = Some(std::sync::Arc::new(bytes));
    Ok(match ingested.part {
        ChatPart::Image(a) => ChatPart::Image(crate::chat::Attachment { data, ..a }),
        ChatPart::File(a) => ChatPart::File(crate::chat::Attachment { data, ..a }),
        other => other,
    })
}

/// The bytes of a `data:<type>;base64,<data>` URL.
fn data_url(url: &str) -> Result<Vec<u8>, String> {
    let rest = url.strip_prefix("data:").ok_or_else(|| {
        "give the bytes as a data: URL (data:image/png;base64,…); the gateway never fetches a URL for a client, and passes http(s) image URLs only to OpenAI-kind targets".to_string()
    })?;
    let (head, data) = rest
        .split_once(',')
        .ok_or_else(|| "a data: URL needs a comma before its data".to_string())?;
    if !head.ends_with(";base64") {
        return Err("only base64 data: URLs are taken (data:<type>;base64,…)".into());
    }
    base64::engine::general_purpose::STANDARD
        .decode(data.trim())
        .map_err(|e| format!("the base64 data is not valid ({e})"))
}
