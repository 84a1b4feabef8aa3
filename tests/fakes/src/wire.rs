//! Writes answers and faults in each provider's real wire format (`wire-formats.md`), for any
//! text, usage and tool calls, so one conformance suite can run against every protocol.
//!
//! Tool calls (`wire-formats-parts-tools.md` §4): an [`Answer`] made with
//! [`Answer::with_tool_calls`] ends in those calls, written as each protocol writes them —
//! OpenAI's arguments in several fragments keyed by `index` (finish `tool_calls`), Anthropic's
//! `tool_use` blocks with several `input_json_delta` pieces (stop `tool_use`), Gemini's whole
//! `functionCall` parts in one chunk (finish `STOP`), Ollama's `tool_calls` one line per call
//! (done `stop`). As the real services do, Gemini sends **no call ids** (the engine makes up
//! `rt_call_0`, `rt_call_1`, … in order) and signs its first call with [`GEMINI_SIGNATURE`];
//! OpenAI, Anthropic and Ollama send the ids given. Anthropic, Gemini and Ollama carry
//! arguments as an object, so arguments that are not a JSON object go out as `{}` there (and
//! Gemini leaves `args` out for `{}`); OpenAI's wire and Anthropic's stream carry them as the
//! text given, valid or not.

use std::time::Duration;

use serde_json::{json, Value};

use crate::server::{Reply, Step};

/// The four wire protocols.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// OpenAI chat completions.
    OpenAi,
    /// Anthropic Messages.
    Anthropic,
    /// Gemini generateContent.
    Gemini,
    /// Ollama /api/chat.
    Ollama,
}

/// Every protocol, for suites that run against each.
pub const ALL: [Protocol; 4] = [
    Protocol::OpenAi,
    Protocol::Anthropic,
    Protocol::Gemini,
    Protocol::Ollama,
];

/// The `thoughtSignature` the fake Gemini puts on its first call of an answer.
pub const GEMINI_SIGNATURE: &str = "fake-thought-signature";

/// A tool call a fake answer makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeCall {
    /// The call id (`call_1`, `toolu_1`, …; not sent by Gemini).
    pub id: String,
    /// The tool's name.
    pub name: String,
    /// The arguments as JSON text, as the model would write them.
    pub arguments: String,
}

/// A scripted answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The model the fake says answered.
    pub model: String,
    /// Reasoning pieces, sent first.
    pub reasoning: Vec<String>,
    /// Text pieces.
    pub text: Vec<String>,
    /// Prompt tokens, all of them (cached included).
    pub input: u64,
    /// Generated tokens, reasoning included.
    pub output: u64,
    /// Prompt tokens read from cache.
    pub cache_read: u64,
    /// Generated tokens spent reasoning.
    pub reasoning_tokens: u64,
    /// Tool calls, after the text (see [`Answer::with_tool_calls`]).
    pub tool_calls: Vec<FakeCall>,
}

impl Answer {
    /// An answer of these pieces with simple usage.
    pub fn new(model: &str, pieces: &[&str]) -> Answer {
        Answer {
            model: model.into(),
            reasoning: Vec::new(),
            text: pieces.iter().map(|s| s.to_string()).collect(),
            input: 12,
            output: pieces.len() as u64,
            cache_read: 0,
            reasoning_tokens: 0,
            tool_calls: Vec::new(),
        }
    }

    /// The same answer ending in these tool calls, each `(id, name, arguments)` with the
    /// arguments as JSON text: `Answer::new("m", &["Let me look."]).with_tool_calls(vec![
    /// ("call_1", "get_weather", r#"{"city":"Paris"}"#)])`. Its finish becomes the protocol's
    /// tool-call finish; an answer of calls alone is `Answer::new("m", &[]).with_tool_calls(…)`.
    pub fn with_tool_calls(mut self, calls: Vec<(&str, &str, &str)>) -> Answer {
        self.tool_calls = calls
            .into_iter()
            .map(|(id, name, arguments)| FakeCall {
                id: id.into(),
                name: name.into(),
                arguments: arguments.into(),
            })
            .collect();
        self.output += self.tool_calls.len() as u64;
        self
    }
    /// The whole text.
    pub fn full_text(&self) -> String {
        self.text.concat()
    }
}

/// Faults a provider (or the network in front of it) can produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The key is rejected.
    Auth,
    /// 429 with a wait hint.
    RateLimited,
    /// Anthropic 529 / others 503.
    Overloaded,
    /// The prompt is over the context window.
    ContextLength,
    /// Any other refused request.
    BadRequest,
    /// Unknown model.
    ModelNotFound,
    /// 500.
    ServerError,
    /// A CDN's HTML 502 page.
    HtmlPage,
    /// RST before any header.
    ResetBeforeHeaders,
    /// RST after some text.
    ResetMidStream,
    /// Headers never come.
    StallBeforeFirstByte,
    /// Some text, then silence.
    StallMidStream,
    /// Some text, then a clean close without the protocol's end.
    Truncated,
    /// A frame that is not JSON.
    GarbageJson,
    /// The provider's own in-stream error after some text.
    InStreamError,
}

/// Every fault.
pub const FAULTS: [Fault; 15] = [
    Fault::Auth,
    Fault::RateLimited,
    Fault::Overloaded,
    Fault::ContextLength,
    Fault::BadRequest,
    Fault::ModelNotFound,
    Fault::ServerError,
    Fault::HtmlPage,
    Fault::ResetBeforeHeaders,
    Fault::ResetMidStream,
    Fault::StallBeforeFirstByte,
    Fault::StallMidStream,
    Fault::Truncated,
    Fault::GarbageJson,
    Fault::InStreamError,
];

impl Fault {
    /// Whether the fault comes after some text was streamed.
    pub fn mid_stream(self) -> bool {
        matches!(
            self,
            Fault::ResetMidStream
                | Fault::StallMidStream
                | Fault::Truncated
                | Fault::GarbageJson
                | Fault::InStreamError
        )
    }
}

fn sse(data: &Value) -> String {
    format!("data: {data}\n\n")
}

fn sse_named(name: &str, data: &Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

fn crlf(data: &Value) -> String {
    format!("data: {data}\r\n\r\n")
}

fn line(data: &Value) -> String {
    format!("{data}\n")
}

/// `text` cut into up to `n` non-empty pieces at character boundaries.
fn pieces(text: &str, n: usize) -> Vec<&str> {
    let size = text.len().div_ceil(n.max(1)).max(1);
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let mut cut = size.min(rest.len());
        while !rest.is_char_boundary(cut) {
            cut += 1;
        }
        let (head, tail) = rest.split_at(cut);
        out.push(head);
        rest = tail;
    }
    out
}

impl FakeCall {
    /// The arguments as an object, for protocols that carry one (`{}` when they are not).
    fn object(&self) -> Value {
        match serde_json::from_str::<Value>(&self.arguments) {
            Ok(v) if v.is_object() => v,
            _ => json!({}),
        }
    }

    /// Gemini's `functionCall` part (no id; `args` left out when empty).
    fn gemini_part(&self, first: bool) -> Value {
        let args = self.object();
        let mut call = json!({"name": self.name});
        if args.as_object().is_some_and(|a| !a.is_empty()) {
            call["args"] = args;
        }
        let mut part = json!({"functionCall": call});
        if first {
            part["thoughtSignature"] = json!(GEMINI_SIGNATURE);
        }
        part
    }

    /// Ollama's `tool_calls` entry.
    fn ollama(&self, index: usize) -> Value {
        json!({"id": self.id, "function": {"index": index, "name": self.name, "arguments": self.object()}})
    }
}

impl Protocol {
    /// The name used in `kind = "…"`.
    pub fn kind(self) -> &'static str {
        match self {
            Protocol::OpenAi => "openai",
            Protocol::Anthropic => "anthropic",
            Protocol::Gemini => "gemini",
            Protocol::Ollama => "ollama",
        }
    }

    /// The `base_url` for a fake at `root` (`http://127.0.0.1:PORT`).
    pub fn base_url(self, root: &str) -> String {
        match self {
            Protocol::OpenAi | Protocol::Anthropic => format!("{root}/v1"),
            Protocol::Gemini => format!("{root}/v1beta"),
            Protocol::Ollama => root.to_string(),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Protocol::Ollama => "application/x-ndjson",
            _ => "text/event-stream",
        }
    }

    /// The frames of a streamed answer, each a separate write.
    pub fn stream_frames(self, a: &Answer) -> Vec<String> {
        self.frames_marked(a).0
    }

    /// The frames, and how many of them carry the start and the first piece of text.
    fn frames_marked(self, a: &Answer) -> (Vec<String>, usize) {
        let mut f = Vec::new();
        let mut mark = 0;
        match self {
            Protocol::OpenAi => {
                let chunk = |delta: Value, finish: Value| {
                    sse(
                        &json!({"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1770933892,"model":a.model,
                        "choices":[{"index":0,"delta":delta,"logprobs":null,"finish_reason":finish}],"usage":null}),
                    )
                };
                f.push(chunk(json!({"role":"assistant","content":""}), Value::Null));
                for r in &a.reasoning {
                    f.push(chunk(
                        json!({"content":null,"reasoning_content":r}),
                        Value::Null,
                    ));
                }
                for t in &a.text {
                    f.push(chunk(json!({"content":t}), Value::Null));
                    mark = if mark == 0 { f.len() } else { mark };
                }
                for (i, c) in a.tool_calls.iter().enumerate() {
                    f.push(chunk(json!({"tool_calls":[{"index":i,"id":c.id,"type":"function","function":{"name":c.name,"arguments":""}}]}), Value::Null));
                    for p in pieces(&c.arguments, 3) {
                        f.push(chunk(
                            json!({"tool_calls":[{"index":i,"function":{"arguments":p}}]}),
                            Value::Null,
                        ));
                    }
                }
                let finish = if a.tool_calls.is_empty() {
                    "stop"
                } else {
                    "tool_calls"
                };
                f.push(chunk(json!({}), json!(finish)));
                f.push(sse(&json!({"id":"chatcmpl-fake","object":"chat.completion.chunk","created":1770933892,"model":a.model,"choices":[],
                    "usage":{"prompt_tokens":a.input,"completion_tokens":a.output,"total_tokens":a.input+a.output,
                        "prompt_tokens_details":{"cached_tokens":a.cache_read},"completion_tokens_details":{"reasoning_tokens":a.reasoning_tokens}}})));
                f.push("data: [DONE]\n\n".into());
            }
            Protocol::Anthropic => {
                let uncached = a.input - a.cache_read;
                f.push(sse_named("message_start", &json!({"type":"message_start","message":{"id":"msg_fake","type":"message","role":"assistant","content":[],"model":a.model,"stop_reason":null,"stop_sequence":null,
                    "usage":{"input_tokens":uncached,"cache_creation_input_tokens":0,"cache_read_input_tokens":a.cache_read,"output_tokens":1}}})));
                let mut index = 0;
                if !a.reasoning.is_empty() {
                    f.push(sse_named("content_block_start", &json!({"type":"content_block_start","index":index,"content_block":{"type":"thinking","thinking":"","signature":""}})));
                    for r in &a.reasoning {
                        f.push(sse_named("content_block_delta", &json!({"type":"content_block_delta","index":index,"delta":{"type":"thinking_delta","thinking":r}})));
                    }
                    f.push(sse_named(
                        "content_block_stop",
                        &json!({"type":"content_block_stop","index":index}),
                    ));
                    index += 1;
                }
                if !a.text.is_empty() || a.tool_calls.is_empty() {
                    f.push(sse_named("content_block_start", &json!({"type":"content_block_start","index":index,"content_block":{"type":"text","text":""}})));
                    f.push(sse_named("ping", &json!({"type":"ping"})));
                    for t in &a.text {
                        f.push(sse_named("content_block_delta", &json!({"type":"content_block_delta","index":index,"delta":{"type":"text_delta","text":t}})));
                        mark = if mark == 0 { f.len() } else { mark };
                    }
                    f.push(sse_named(
                        "content_block_stop",
                        &json!({"type":"content_block_stop","index":index}),
                    ));
                    index += 1;
                }
                for c in &a.tool_calls {
                    f.push(sse_named("content_block_start", &json!({"type":"content_block_start","index":index,"content_block":{"type":"tool_use","id":c.id,"name":c.name,"input":{}}})));
                    f.push(sse_named("content_block_delta", &json!({"type":"content_block_delta","index":index,"delta":{"type":"input_json_delta","partial_json":""}})));
                    for p in pieces(&c.arguments, 3) {
                        f.push(sse_named("content_block_delta", &json!({"type":"content_block_delta","index":index,"delta":{"type":"input_json_delta","partial_json":p}})));
                    }
                    f.push(sse_named(
                        "content_block_stop",
                        &json!({"type":"content_block_stop","index":index}),
                    ));
                    index += 1;
                }
                let stop = if a.tool_calls.is_empty() {
                    "end_turn"
                } else {
                    "tool_use"
                };
                f.push(sse_named("message_delta", &json!({"type":"message_delta","delta":{"stop_reason":stop,"stop_sequence":null},
                    "usage":{"output_tokens":a.output,"output_tokens_details":{"thinking_tokens":a.reasoning_tokens}}})));
                f.push(sse_named("message_stop", &json!({"type":"message_stop"})));
            }
            Protocol::Gemini => {
                let usage = |out: u64| json!({"promptTokenCount":a.input,"candidatesTokenCount":out,"thoughtsTokenCount":a.reasoning_tokens,"cachedContentTokenCount":a.cache_read,"totalTokenCount":a.input+out+a.reasoning_tokens});
                let visible = a.output - a.reasoning_tokens;
                for r in &a.reasoning {
                    f.push(crlf(&json!({"candidates":[{"content":{"parts":[{"text":r,"thought":true}],"role":"model"},"index":0}],"usageMetadata":usage(0),"modelVersion":a.model})));
                }
                for (i, t) in a.text.iter().enumerate() {
                    f.push(crlf(&json!({"candidates":[{"content":{"parts":[{"text":t}],"role":"model"},"index":0}],"usageMetadata":usage(i as u64),"modelVersion":a.model})));
                    mark = if mark == 0 { f.len() } else { mark };
                }
                if !a.tool_calls.is_empty() {
                    let parts: Vec<Value> = a
                        .tool_calls
                        .iter()
                        .enumerate()
                        .map(|(i, c)| c.gemini_part(i == 0))
                        .collect();
                    f.push(crlf(&json!({"candidates":[{"content":{"parts":parts,"role":"model"},"index":0}],"usageMetadata":usage(a.text.len() as u64),"modelVersion":a.model})));
                }
                f.push(crlf(&json!({"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"STOP","index":0}],"usageMetadata":usage(visible),"modelVersion":a.model})));
            }
            Protocol::Ollama => {
                for r in &a.reasoning {
                    f.push(line(&json!({"model":a.model,"created_at":"2026-09-25T20:37:47Z","message":{"role":"assistant","content":"","thinking":r},"done":false})));
                }
                for t in &a.text {
                    f.push(line(&json!({"model":a.model,"created_at":"2026-09-25T20:37:47Z","message":{"role":"assistant","content":t},"done":false})));
                    mark = if mark == 0 { f.len() } else { mark };
                }
                for (i, c) in a.tool_calls.iter().enumerate() {
                    f.push(line(&json!({"model":a.model,"created_at":"2026-09-25T20:37:47Z","message":{"role":"assistant","content":"","tool_calls":[c.ollama(i)]},"done":false})));
                }
                f.push(line(&json!({"model":a.model,"created_at":"2026-09-25T20:37:48Z","message":{"role":"assistant","content":""},"done":true,"done_reason":"stop",
                    "prompt_eval_count":a.input,"prompt_eval_cached_count":a.cache_read,"eval_count":a.output,"eval_duration":1000})));
            }
        }
        (f, mark)
    }

    /// A streamed answer.
    pub fn stream(self, a: &Answer) -> Reply {
        Reply::stream(self.content_type(), self.stream_frames(a))
    }

    /// A whole (non-streamed) answer.
    pub fn whole(self, a: &Answer) -> Reply {
        Reply::json(200, &self.whole_body(a))
    }

    /// The body of a whole (non-streamed) answer.
    pub fn whole_body(self, a: &Answer) -> Value {
        let text = a.full_text();
        let reasoning = a.reasoning.concat();
        let calls = !a.tool_calls.is_empty();
        match self {
            Protocol::OpenAi => {
                let content = if text.is_empty() && calls {
                    Value::Null
                } else {
                    json!(text)
                };
                let mut message =
                    json!({"role":"assistant","content":content,"reasoning_content":reasoning});
                if calls {
                    message["tool_calls"] = a.tool_calls.iter().map(|c| json!({"id":c.id,"type":"function","function":{"name":c.name,"arguments":c.arguments}})).collect();
                }
                json!({"id":"chatcmpl-fake","object":"chat.completion","model":a.model,
                "choices":[{"index":0,"message":message,"finish_reason":if calls { "tool_calls" } else { "stop" }}],
                "usage":{"prompt_tokens":a.input,"completion_tokens":a.output,"prompt_tokens_details":{"cached_tokens":a.cache_read},"completion_tokens_details":{"reasoning_tokens":a.reasoning_tokens}}})
            }
            Protocol::Anthropic => {
                // A thinking block only when the model thought (Anthropic sends none otherwise).
                let mut content = Vec::new();
                if !reasoning.is_empty() {
                    content.push(json!({"type":"thinking","thinking":reasoning,"signature":"x"}));
                }
                if !text.is_empty() || !calls {
                    content.push(json!({"type":"text","text":text}));
                }
                content.extend(a.tool_calls.iter().map(
                    |c| json!({"type":"tool_use","id":c.id,"name":c.name,"input":c.object()}),
                ));
                json!({"id":"msg_fake","type":"message","role":"assistant","model":a.model,
                "content":content,"stop_reason":if calls { "tool_use" } else { "end_turn" },
                "usage":{"input_tokens":a.input - a.cache_read,"cache_read_input_tokens":a.cache_read,"cache_creation_input_tokens":0,"output_tokens":a.output,"output_tokens_details":{"thinking_tokens":a.reasoning_tokens}}})
            }
            Protocol::Gemini => {
                let mut parts = vec![
                    json!({"text":reasoning,"thought":true}),
                    json!({"text":text}),
                ];
                parts.extend(
                    a.tool_calls
                        .iter()
                        .enumerate()
                        .map(|(i, c)| c.gemini_part(i == 0)),
                );
                json!({"candidates":[{"content":{"parts":parts,"role":"model"},"finishReason":"STOP","index":0}],
                "usageMetadata":{"promptTokenCount":a.input,"candidatesTokenCount":a.output - a.reasoning_tokens,"thoughtsTokenCount":a.reasoning_tokens,"cachedContentTokenCount":a.cache_read},"modelVersion":a.model})
            }
            Protocol::Ollama => {
                let mut message = json!({"role":"assistant","content":text,"thinking":reasoning});
                if calls {
                    message["tool_calls"] = a
                        .tool_calls
                        .iter()
                        .enumerate()
                        .map(|(i, c)| c.ollama(i))
                        .collect();
                }
                json!({"model":a.model,"created_at":"2026-09-25T20:37:48Z","message":message,"done":true,"done_reason":"stop",
                "prompt_eval_count":a.input,"prompt_eval_cached_count":a.cache_read,"eval_count":a.output})
            }
        }
    }

    /// A model list naming these models.
    pub fn models(self, ids: &[&str]) -> Reply {
        Reply::json(200, &self.models_json(ids))
    }

    /// The body of the models endpoint (for a server of one's own).
    pub fn models_body(self, ids: &[&str]) -> String {
        self.models_json(ids).to_string()
    }

    fn models_json(self, ids: &[&str]) -> Value {
        match self {
            Protocol::OpenAi => {
                json!({"object":"list","data": ids.iter().map(|id| json!({"id":id,"object":"model","created":1,"owned_by":"fake"})).collect::<Vec<_>>()})
            }
            Protocol::Anthropic => {
                json!({"data": ids.iter().map(|id| json!({"type":"model","id":id,"display_name":id.to_uppercase(),"created_at":"2025-01-01T00:00:00Z"})).collect::<Vec<_>>(),"has_more":false})
            }
            Protocol::Gemini => {
                json!({"models": ids.iter().map(|id| json!({"name":format!("models/{id}"),"displayName":id,"inputTokenLimit":1048576,"supportedGenerationMethods":["generateContent"]})).collect::<Vec<_>>()})
            }
            Protocol::Ollama => {
                json!({"models": ids.iter().map(|id| json!({"name":id,"model":id,"size":1})).collect::<Vec<_>>()})
            }
        }
    }

    /// The provider's error envelope for a status and message.
    pub fn error(self, status: u16, kind: &str, message: &str) -> Reply {
        let body = match self {
            Protocol::OpenAi => {
                json!({"error":{"message":message,"type":kind,"param":null,"code":kind}})
            }
            Protocol::Anthropic => {
                json!({"type":"error","error":{"type":kind,"message":message},"request_id":"req_fake"})
            }
            Protocol::Gemini => json!({"error":{"code":status,"message":message,"status":kind}}),
            Protocol::Ollama => json!({"error":message}),
        };
        Reply::json(status, &body)
    }

    /// The error class the engine must report for `fault` on this protocol.
    pub fn expected_class(self, fault: Fault) -> &'static str {
        match fault {
            Fault::Auth => "auth",
            Fault::RateLimited => "rate_limited",
            Fault::Overloaded => "overloaded",
            Fault::ContextLength => "context_length",
            Fault::BadRequest => "bad_request",
            Fault::ModelNotFound => "model_not_found",
            Fault::ServerError | Fault::HtmlPage => "upstream",
            Fault::ResetBeforeHeaders | Fault::ResetMidStream => "network",
            Fault::StallBeforeFirstByte | Fault::StallMidStream => "timeout",
            Fault::Truncated | Fault::GarbageJson => "malformed_stream",
            // Ollama's mid-stream error is a bare string with no code.
            Fault::InStreamError if self == Protocol::Ollama => "upstream",
            Fault::InStreamError => "overloaded",
        }
    }

    /// The reply that produces `fault` (a short answer is the `Answer` for faults mid-stream).
    pub fn fault(self, fault: Fault, a: &Answer) -> Reply {
        let (mut head, mark) = self.frames_marked(a);
        head.truncate(mark);
        let partial = || Reply::stream(self.content_type(), head.clone());
        match (fault, self) {
            (Fault::Auth, Protocol::Gemini) => Reply::json(400, &json!({"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT",
                "details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}})),
            (Fault::Auth, Protocol::Anthropic) => self.error(401, "authentication_error", "invalid x-api-key"),
            (Fault::Auth, _) => self.error(401, "invalid_api_key", "Incorrect API key provided: sk-fa****************1234."),
            (Fault::RateLimited, Protocol::Gemini) => Reply::json(429, &json!({"error":{"code":429,"message":"You exceeded your current quota, please check your plan.","status":"RESOURCE_EXHAUSTED",
                "details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"1s"}]}})),
            (Fault::RateLimited, Protocol::Anthropic) => self.error(429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit").with_header("retry-after", "1"),
            (Fault::RateLimited, _) => self.error(429, "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 1s.").with_header("retry-after", "1"),
            (Fault::Overloaded, Protocol::Anthropic) => self.error(529, "overloaded_error", "Overloaded"),
            (Fault::Overloaded, Protocol::Gemini) => self.error(503, "UNAVAILABLE", "The model is overloaded. Please try again later."),
            (Fault::Overloaded, _) => self.error(503, "server_overloaded", "The server is overloaded"),
            (Fault::ContextLength, Protocol::Anthropic) => self.error(400, "invalid_request_error", "prompt is too long: 205351 tokens > 200000 maximum"),
            (Fault::ContextLength, Protocol::Gemini) => self.error(400, "INVALID_ARGUMENT", "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576)."),
            (Fault::ContextLength, Protocol::Ollama) => self.error(400, "", "input is too long for the model's context length"),
            (Fault::ContextLength, Protocol::OpenAi) => self.error(400, "context_length_exceeded", "This model's maximum context length is 128000 tokens."),
            (Fault::BadRequest, Protocol::Anthropic) => self.error(400, "invalid_request_error", "temperature: range: 0..1"),
            (Fault::BadRequest, Protocol::Gemini) => self.error(400, "INVALID_ARGUMENT", "Penalty is not enabled for models/gemini-2.5-flash"),
            (Fault::BadRequest, _) => self.error(400, "invalid_request_error", "Invalid value for 'temperature'"),
            (Fault::ModelNotFound, Protocol::Anthropic) => self.error(404, "not_found_error", "model: claude-nope"),
            (Fault::ModelNotFound, Protocol::Gemini) => self.error(404, "NOT_FOUND", "models/nope is not found for API version v1beta"),
            (Fault::ModelNotFound, Protocol::Ollama) => self.error(404, "", "model 'nope' not found"),
            (Fault::ModelNotFound, Protocol::OpenAi) => self.error(404, "model_not_found", "The model `nope` does not exist or you do not have access to it."),
            (Fault::ServerError, Protocol::Anthropic) => self.error(500, "api_error", "Internal server error"),
            (Fault::ServerError, Protocol::Gemini) => self.error(500, "INTERNAL", "An internal error has occurred."),
            (Fault::ServerError, _) => self.error(500, "server_error", "The server had an error while processing your request. Sorry about that!"),
            (Fault::HtmlPage, _) => Reply::body(502, "text/html; charset=UTF-8",
                "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>"),
            (Fault::ResetBeforeHeaders, _) => Reply::ResetBeforeHeaders,
            (Fault::ResetMidStream, _) => partial().then([Step::Sleep(Duration::from_millis(20)), Step::Reset]),
            (Fault::StallBeforeFirstByte, _) => Reply::StallBeforeHeaders,
            (Fault::StallMidStream, _) => partial().then([Step::Stall]),
            (Fault::Truncated, _) => partial(),
            (Fault::GarbageJson, Protocol::Ollama) => partial().then([Step::Send(b"{\"model\": \"x\", \"message\": {oops\n".to_vec())]),
            (Fault::GarbageJson, _) => partial().then([Step::Send(b"data: {\"choices\": [{oops\n\n".to_vec())]),
            (Fault::InStreamError, Protocol::OpenAi) => partial().then([Step::Send(
                sse(&json!({"id":"gen-1","object":"chat.completion.chunk","model":a.model,"error":{"code":503,"message":"Provider overloaded","metadata":{"error_type":"overloaded"}},
                    "choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]})).into_bytes())]),
            (Fault::InStreamError, Protocol::Anthropic) => partial().then([Step::Send(
                sse_named("error", &json!({"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}})).into_bytes())]),
            (Fault::InStreamError, Protocol::Gemini) => partial().then([Step::Send(
                crlf(&json!({"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}})).into_bytes())]),
            (Fault::InStreamError, Protocol::Ollama) => partial().then([Step::Send(
                line(&json!({"error":"model is overloaded, please retry (status 503)","code":503})).into_bytes())]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_json(p: Protocol, a: &Answer) -> Vec<Value> {
        p.stream_frames(a)
            .iter()
            .filter_map(|f| {
                let data = f.trim().strip_prefix("data: ").unwrap_or(f.trim());
                let data = data.lines().last().unwrap_or(data);
                let data = data.strip_prefix("data: ").unwrap_or(data);
                (data != "[DONE]").then(|| serde_json::from_str(data).expect(data))
            })
            .collect()
    }

    fn two_calls() -> Answer {
        Answer::new("m", &["Looking."]).with_tool_calls(vec![
            ("call_1", "get_weather", r#"{"city":"Paris","unit":"c"}"#),
            ("call_2", "now", "{}"),
        ])
    }

    #[test]
    fn pieces_cut_at_character_boundaries() {
        assert_eq!(pieces("abcdefg", 3), vec!["abc", "def", "g"]);
        assert_eq!(pieces("ééé", 2), vec!["éé", "é"]);
        assert!(pieces("", 3).is_empty());
        assert_eq!(pieces("ab", 3), vec!["a", "b"]);
    }

    #[test]
    fn openai_arguments_come_in_several_fragments_by_index() {
        let frames = frames_json(Protocol::OpenAi, &two_calls());
        let mut args = ["".to_string(), "".to_string()];
        let mut fragments = 0;
        for f in &frames {
            for c in f["choices"][0]["delta"]["tool_calls"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let i = c["index"].as_u64().unwrap() as usize;
                if let Some(a) = c["function"]["arguments"]
                    .as_str()
                    .filter(|a| !a.is_empty())
                {
                    args[i] += a;
                    fragments += 1;
                }
            }
        }
        assert_eq!(args, [r#"{"city":"Paris","unit":"c"}"#, "{}"]);
        assert!(fragments >= 4, "{fragments}");
        let finish = frames
            .iter()
            .find_map(|f| f["choices"][0]["finish_reason"].as_str());
        assert_eq!(finish, Some("tool_calls"));
        let whole = Protocol::OpenAi.whole_body(&two_calls());
        assert_eq!(whole["choices"][0]["finish_reason"], "tool_calls");
        assert_eq!(
            whole["choices"][0]["message"]["tool_calls"][1]["function"]["arguments"],
            "{}"
        );
    }

    #[test]
    fn anthropic_writes_tool_use_blocks_in_pieces() {
        let frames = frames_json(Protocol::Anthropic, &two_calls());
        let starts: Vec<&Value> = frames
            .iter()
            .filter(|f| f["content_block"]["type"] == "tool_use")
            .collect();
        assert_eq!(starts.len(), 2);
        assert_eq!(starts[0]["content_block"]["id"], "call_1");
        let input: String = frames
            .iter()
            .filter(|f| f["index"] == starts[0]["index"])
            .filter_map(|f| f["delta"]["partial_json"].as_str())
            .collect();
        assert_eq!(input, r#"{"city":"Paris","unit":"c"}"#);
        assert!(frames
            .iter()
            .any(|f| f["delta"]["stop_reason"] == "tool_use"));
        let whole = Protocol::Anthropic.whole_body(&two_calls());
        assert_eq!(whole["stop_reason"], "tool_use");
        let first_call = whole["content"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["type"] == "tool_use")
            .unwrap();
        assert_eq!(first_call["input"], json!({"city": "Paris", "unit": "c"}));
        assert!(
            whole["content"]
                .as_array()
                .unwrap()
                .iter()
                .all(|b| b["type"] != "thinking"),
            "no thinking block when the model did not think"
        );
    }

    #[test]
    fn gemini_sends_whole_unsigned_calls_without_ids_and_ollama_one_line_each() {
        let frames = frames_json(Protocol::Gemini, &two_calls());
        let parts = frames
            .iter()
            .find_map(|f| {
                let p = &f["candidates"][0]["content"]["parts"];
                (p[0].get("functionCall").is_some()).then_some(p.clone())
            })
            .unwrap();
        assert_eq!(
            parts,
            json!([
                {"functionCall": {"name": "get_weather", "args": {"city": "Paris", "unit": "c"}},
                    "thoughtSignature": GEMINI_SIGNATURE},
                {"functionCall": {"name": "now"}}
            ])
        );
        let frames = frames_json(Protocol::Ollama, &two_calls());
        let calls: Vec<&Value> = frames
            .iter()
            .filter_map(|f| f["message"]["tool_calls"].as_array())
            .flatten()
            .collect();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[1]["id"], "call_2");
        assert_eq!(frames.last().unwrap()["done_reason"], "stop");
    }
}
