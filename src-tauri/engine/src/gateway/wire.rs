//! OpenAI's chat-completions format as the gateway speaks it: the request it accepts, the
//! response and stream chunks it writes, and its error envelope.

use serde::Deserialize;
use serde_json::{json, Value};

use base64::Engine as _;

use crate::attach;
use crate::chat::{
    ChatRequest, Message, Part as ChatPart, ReasoningEffort, ResponseFormat, Role, ToolCall,
    ToolChoice, ToolContent, ToolResult, ToolSpec, Usage,
};
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
    pub top_p: Option<f32>,
    #[serde(default)]
    pub seed: Option<u64>,
    /// A string or a list of up to 4 strings.
    #[serde(default)]
    pub stop: Option<Stop>,
    #[serde(default)]
    pub reasoning_effort: Option<String>,
    /// Functions the model may call.
    #[serde(default)]
    pub tools: Option<Vec<InTool>>,
    /// `auto`, `none`, `required` or `{"type":"function","function":{"name":…}}`.
    #[serde(default)]
    pub tool_choice: Option<Value>,
    /// `{"type":"text"}`, `{"type":"json_object"}` or `{"type":"json_schema","json_schema":{…}}`.
    #[serde(default)]
    pub response_format: Option<Value>,
}

/// `stop`: one sequence or several.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum Stop {
    /// One sequence.
    One(String),
    /// Several.
    Many(Vec<String>),
}

impl Stop {
    fn to_vec(&self) -> Vec<String> {
        match self {
            Stop::One(s) => vec![s.clone()],
            Stop::Many(v) => v.clone(),
        }
    }
}

/// One entry of `tools`.
#[derive(Debug, Deserialize)]
pub struct InTool {
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub function: Option<InFunction>,
}

/// A tool's function.
#[derive(Debug, Deserialize)]
pub struct InFunction {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub parameters: Option<Value>,
}

/// One message of the request.
#[derive(Debug, Deserialize)]
pub struct InMessage {
    pub role: String,
    #[serde(default)]
    pub content: Option<Content>,
    /// An assistant message's calls.
    #[serde(default)]
    pub tool_calls: Option<Vec<InToolCall>>,
    /// A `tool` message's call.
    #[serde(default)]
    pub tool_call_id: Option<String>,
}

/// A call in an assistant message.
#[derive(Debug, Deserialize)]
pub struct InToolCall {
    #[serde(default)]
    pub id: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub function: Option<InCallFunction>,
}

/// A call's function and its arguments (JSON text, replayed as given).
#[derive(Debug, Deserialize)]
pub struct InCallFunction {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub arguments: Option<String>,
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
                format!(
                    "{}; raise or remove the rule ([[budgets]] or [budget] in the config)",
                    v.message
                ),
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
                "user" => match messages.last_mut() {
                    // Text after tool results goes with them (Anthropic wants one user turn).
                    Some(last) if is_results(last) => last.parts.extend(parts),
                    _ => messages.push(Message {
                        role: Role::User,
                        parts,
                    }),
                },
                "assistant" => {
                    let mut out = Vec::new();
                    let said = text();
                    if !said.is_empty() {
                        out.push(ChatPart::Text(said));
                    }
                    for (j, c) in m.tool_calls.iter().flatten().enumerate() {
                        out.push(ChatPart::ToolCall(in_call(c, i, j)?));
                    }
                    messages.push(Message {
                        role: Role::Assistant,
                        parts: out,
                    });
                }
                "tool" => {
                    let result = in_result(m, &text(), i, &messages)?;
                    match messages.last_mut() {
                        Some(last) if is_results(last) => last.parts.push(result),
                        _ => messages.push(Message {
                            role: Role::User,
                            parts: vec![result],
                        }),
                    }
                }
                other => {
                    return Err(ApiError::invalid(
                        "messages",
                        format!("messages[{i}]: role `{other}` is not supported; use system, developer, user, assistant or tool"),
                    ))
                }
            }
        }
        check_answered(&messages)?;
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
        let tools = self
            .tools
            .iter()
            .flatten()
            .enumerate()
            .map(|(i, t)| in_tool(t, i))
            .collect::<Result<Vec<_>, _>>()?;
        let tool_choice = match &self.tool_choice {
            None => None,
            Some(v) => Some(in_tool_choice(v, &tools)?),
        };
        let response_format = match &self.response_format {
            None => None,
            Some(v) => in_response_format(v)?,
        };
        Ok(ChatRequest {
            system: (!system.is_empty()).then(|| system.join("\n\n")),
            messages,
            temperature: self.temperature,
            max_tokens: self.max_completion_tokens.or(self.max_tokens),
            top_p: self.top_p,
            seed: self.seed,
            stop: self.stop.as_ref().map(Stop::to_vec).unwrap_or_default(),
            reasoning,
            tools,
            tool_choice,
            response_format,
        })
    }
}

/// Whether a message is the user-side turn of tool results.
fn is_results(m: &Message) -> bool {
    m.role == Role::User && matches!(m.parts.first(), Some(ChatPart::ToolResult(_)))
}

/// A tool name every protocol takes.
fn tool_name_ok(name: &str) -> bool {
    (1..=64).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn in_tool(t: &InTool, i: usize) -> Result<ToolSpec, ApiError> {
    let at = format!("tools[{i}]");
    if let Some(kind) = t.kind.as_deref().filter(|k| *k != "function") {
        return Err(ApiError::invalid(
            "tools",
            format!("{at}: tools of type `{kind}` are not supported; use `function`"),
        ));
    }
    let f = t
        .function
        .as_ref()
        .ok_or_else(|| ApiError::invalid("tools", format!("{at}: a tool needs `function`")))?;
    if !tool_name_ok(&f.name) {
        return Err(ApiError::invalid(
            "tools",
            format!(
                "{at}.function.name `{}`: use 1 to 64 of a-z, A-Z, 0-9, _ and -",
                f.name
            ),
        ));
    }
    let parameters = f
        .parameters
        .clone()
        .unwrap_or_else(|| json!({"type": "object", "properties": {}}));
    if !parameters.is_object() {
        return Err(ApiError::invalid(
            "tools",
            format!("{at}.function.parameters must be a JSON Schema object"),
        ));
    }
    Ok(ToolSpec {
        name: f.name.clone(),
        description: f.description.clone().unwrap_or_default(),
        parameters,
    })
}

fn in_tool_choice(v: &Value, tools: &[ToolSpec]) -> Result<ToolChoice, ApiError> {
    let bad = |m: String| ApiError::invalid("tool_choice", m);
    match v {
        Value::String(s) => match s.as_str() {
            "auto" => Ok(ToolChoice::Auto),
            "none" => Ok(ToolChoice::None),
            "required" => Ok(ToolChoice::Required),
            other => Err(bad(format!(
                "tool_choice `{other}`: use auto, none, required or {{\"type\":\"function\",\"function\":{{\"name\":…}}}}"
            ))),
        },
        Value::Object(o) => {
            let name = o
                .get("function")
                .and_then(|f| f.get("name"))
                .and_then(Value::as_str)
                .ok_or_else(|| bad("tool_choice needs `function.name`".into()))?;
            if !tools.iter().any(|t| t.name == name) {
                return Err(bad(format!("tool_choice names `{name}`, which is not in `tools`")));
            }
            Ok(ToolChoice::Tool(name.to_string()))
        }
        _ => Err(bad("tool_choice must be a string or an object".into())),
    }
}

fn in_response_format(v: &Value) -> Result<Option<ResponseFormat>, ApiError> {
    let bad = |m: &str| ApiError::invalid("response_format", m.to_string());
    match v.get("type").and_then(Value::as_str) {
        Some("text") => Ok(None),
        Some("json_object") => Ok(Some(ResponseFormat::JsonObject)),
        Some("json_schema") => {
            let spec = v
                .get("json_schema")
                .ok_or_else(|| bad("a json_schema response_format needs `json_schema`"))?;
            let schema = spec
                .get("schema")
                .filter(|s| s.is_object())
                .cloned()
                .ok_or_else(|| bad("`json_schema.schema` must be a JSON Schema object"))?;
            Ok(Some(ResponseFormat::JsonSchema {
                name: spec
                    .get("name")
                    .and_then(Value::as_str)
                    .unwrap_or("response")
                    .to_string(),
                schema,
                strict: spec.get("strict").and_then(Value::as_bool).unwrap_or(false),
            }))
        }
        _ => Err(bad(
            "response_format type must be text, json_object or json_schema",
        )),
    }
}

fn in_call(c: &InToolCall, i: usize, j: usize) -> Result<ToolCall, ApiError> {
    let at = format!("messages[{i}].tool_calls[{j}]");
    let bad = |m: &str| ApiError::invalid("messages", format!("{at}: {m}"));
    if let Some(kind) = c.kind.as_deref().filter(|k| *k != "function") {
        return Err(bad(&format!("calls of type `{kind}` are not supported")));
    }
    let f = c
        .function
        .as_ref()
        .ok_or_else(|| bad("a call needs `function`"))?;
    if c.id.is_empty() || f.name.is_empty() {
        return Err(bad("a call needs `id` and `function.name`"));
    }
    Ok(ToolCall::new(
        c.id.clone(),
        f.name.clone(),
        f.arguments.clone().unwrap_or_default(),
    ))
}

/// A `tool` message as a result: it must answer a call of the assistant message before it.
fn in_result(
    m: &InMessage,
    text: &str,
    i: usize,
    messages: &[Message],
) -> Result<ChatPart, ApiError> {
    let bad = |s: String| ApiError::invalid("messages", format!("messages[{i}]: {s}"));
    let id = m
        .tool_call_id
        .as_deref()
        .filter(|id| !id.is_empty())
        .ok_or_else(|| bad("a tool message needs `tool_call_id`".into()))?;
    let call = messages
        .iter()
        .rev()
        .find(|m| m.role == Role::Assistant)
        .and_then(|m| {
            m.parts.iter().find_map(|p| match p {
                ChatPart::ToolCall(c) if c.id == id => Some(c),
                _ => None,
            })
        })
        .ok_or_else(|| {
            bad(format!(
                "tool_call_id `{id}` answers no call of the assistant message before it"
            ))
        })?;
    Ok(ChatPart::ToolResult(ToolResult {
        id: id.to_string(),
        name: call.name.clone(),
        content: vec![ToolContent::Text {
            text: text.to_string(),
        }],
        is_error: false,
        decision: None,
        ms: None,
    }))
}

/// Every call of an assistant message is answered by the tool messages right after it (the
/// protocols refuse a call without its result).
fn check_answered(messages: &[Message]) -> Result<(), ApiError> {
    for (k, m) in messages.iter().enumerate() {
        let calls: Vec<&ToolCall> = m
            .parts
            .iter()
            .filter_map(|p| match p {
                ChatPart::ToolCall(c) => Some(c),
                _ => None,
            })
            .collect();
        if calls.is_empty() {
            continue;
        }
        let answered = |id: &str| {
            messages.get(k + 1).is_some_and(|next| {
                next.parts
                    .iter()
                    .any(|p| matches!(p, ChatPart::ToolResult(r) if r.id == id))
            })
        };
        let missing: Vec<&str> = calls
            .iter()
            .map(|c| c.id.as_str())
            .filter(|id| !answered(id))
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::invalid(
                "messages",
                format!(
                    "an assistant message with tool_calls must be followed by tool messages answering each call; no answer for {}",
                    missing.join(", ")
                ),
            ));
        }
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(body: Value) -> Result<ChatRequest, ApiError> {
        let req: CompletionRequest = serde_json::from_value(body).unwrap();
        req.to_chat()
    }

    fn weather() -> Value {
        json!({"type": "function", "function": {
            "name": "get_weather", "description": "Weather for a city.",
            "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
        }})
    }

    #[test]
    fn tools_calls_and_results_become_the_engines_parts() {
        let req = parse(json!({
            "model": "x/y",
            "tools": [weather()],
            "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
            "messages": [
                {"role": "user", "content": "Weather in Paris and Oslo?"},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
                    {"id": "call_2", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Oslo\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_1", "content": "14 C"},
                {"role": "tool", "tool_call_id": "call_2", "content": [{"type": "text", "text": "2 C"}]},
                {"role": "user", "content": "Which is warmer?"}
            ]
        }))
        .unwrap();
        assert_eq!(req.tools.len(), 1);
        assert_eq!(req.tools[0].name, "get_weather");
        assert_eq!(
            req.tool_choice,
            Some(ToolChoice::Tool("get_weather".into()))
        );
        assert_eq!(req.messages.len(), 3, "{:#?}", req.messages);
        let ChatPart::ToolCall(c) = &req.messages[1].parts[0] else {
            panic!("{:?}", req.messages[1])
        };
        assert_eq!(c.arguments, "{\"city\": \"Paris\"}", "replayed exactly");
        let results = &req.messages[2];
        assert_eq!(results.role, Role::User);
        let ChatPart::ToolResult(r) = &results.parts[1] else {
            panic!("{results:?}")
        };
        assert_eq!((r.id.as_str(), r.name.as_str()), ("call_2", "get_weather"));
        assert_eq!(r.joined_text(), "2 C");
        assert_eq!(
            results.parts[2],
            ChatPart::Text("Which is warmer?".into()),
            "text after results goes with them"
        );
    }

    #[test]
    fn tool_choice_and_response_format_words() {
        let base = |extra: Value| {
            let mut body = json!({"model": "x/y", "tools": [weather()], "messages": [{"role": "user", "content": "hi"}]});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            parse(body)
        };
        for (word, want) in [
            ("auto", ToolChoice::Auto),
            ("none", ToolChoice::None),
            ("required", ToolChoice::Required),
        ] {
            assert_eq!(
                base(json!({"tool_choice": word})).unwrap().tool_choice,
                Some(want)
            );
        }
        let r = base(json!({"response_format": {"type": "json_schema", "json_schema": {"name": "w", "strict": true, "schema": {"type": "object"}}}})).unwrap();
        assert_eq!(
            r.response_format,
            Some(ResponseFormat::JsonSchema {
                name: "w".into(),
                schema: json!({"type": "object"}),
                strict: true
            })
        );
        let r = base(json!({"response_format": {"type": "json_object"}})).unwrap();
        assert_eq!(r.response_format, Some(ResponseFormat::JsonObject));
        assert_eq!(
            base(json!({"response_format": {"type": "text"}}))
                .unwrap()
                .response_format,
            None
        );
    }

    #[test]
    fn bad_tools_and_calls_are_refused_naming_the_field() {
        let cases = [
            (
                json!({"tools": [{"type": "function", "function": {"name": "has space"}}]}),
                "tools[0].function.name",
            ),
            (
                json!({"tools": [{"type": "custom", "custom": {}}]}),
                "type `custom`",
            ),
            (
                json!({"tools": [{"type": "function", "function": {"name": "f", "parameters": "x"}}]}),
                "JSON Schema object",
            ),
            (
                json!({"tool_choice": "sometimes"}),
                "tool_choice `sometimes`",
            ),
            (
                json!({"tool_choice": {"type": "function", "function": {"name": "nope"}}}),
                "not in `tools`",
            ),
            (
                json!({"response_format": {"type": "xml"}}),
                "json_object or json_schema",
            ),
            (
                json!({"response_format": {"type": "json_schema", "json_schema": {"name": "n"}}}),
                "json_schema.schema",
            ),
        ];
        for (extra, want) in cases {
            let mut body = json!({"model": "x/y", "messages": [{"role": "user", "content": "hi"}]});
            for (k, v) in extra.as_object().unwrap() {
                body[k] = v.clone();
            }
            let e = parse(body).unwrap_err();
            assert_eq!(e.status, 400);
            assert!(e.message.contains(want), "{want}: {}", e.message);
        }
        let messages = [
            (
                json!([{"role": "user", "content": "hi"}, {"role": "tool", "content": "x"}]),
                "needs `tool_call_id`",
            ),
            (
                json!([{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "nope", "content": "x"}]),
                "answers no call",
            ),
            (
                json!([{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [{"id": "c", "type": "function", "function": {"name": "f", "arguments": "{}"}}]}, {"role": "user", "content": "and?"}]),
                "no answer for c",
            ),
            (
                json!([{"role": "user", "content": "hi"}, {"role": "assistant", "tool_calls": [{"id": "c"}]}]),
                "needs `function`",
            ),
        ];
        for (list, want) in messages {
            let e = parse(json!({"model": "x/y", "messages": list})).unwrap_err();
            assert!(e.message.contains(want), "{want}: {}", e.message);
            assert_eq!(e.param, Some("messages"));
        }
    }
}
