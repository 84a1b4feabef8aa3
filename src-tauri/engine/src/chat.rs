//! The provider-neutral shape of a chat: the request, the streamed events and the final answer.
//!
//! Every adapter translates to and from these types; nothing here knows a wire format.

use serde::{Deserialize, Serialize};

/// Who said a message (stored as this word too: see `store::states`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The person.
    User,
    /// The model.
    Assistant,
}

/// One turn of the conversation: an ordered list of parts.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Who said it.
    pub role: Role,
    /// What was said, in order.
    pub parts: Vec<Part>,
}

/// A piece of a message.
#[derive(Debug, Clone, PartialEq)]
pub enum Part {
    /// Text.
    Text(String),
    /// An image (PNG, JPEG, GIF, WebP).
    Image(Attachment),
    /// A file: a PDF, or a text or code file.
    File(Attachment),
    /// A tool call the model made (in an assistant message).
    ToolCall(ToolCall),
    /// A tool's result (in the user-side message after the calls, or stored in the answer).
    ToolResult(ToolResult),
}

/// A tool the model may call: its name, what it does, and its arguments as a JSON Schema.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
pub struct ToolSpec {
    /// The name the model calls it by (`a-z A-Z 0-9 _ -`, at most 64 characters, so every
    /// protocol takes it).
    pub name: String,
    /// What it does, for the model.
    #[serde(default)]
    pub description: String,
    /// Its arguments: a JSON Schema whose root is an object.
    #[ts(type = "unknown")]
    pub parameters: serde_json::Value,
}

/// Whether and which tool the model must call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ToolChoice {
    /// The model decides (the default when tools are offered).
    Auto,
    /// No tool call (the tools stay declared, so a history holding calls still reads).
    None,
    /// At least one tool call.
    Required,
    /// This tool.
    Tool(String),
}

/// One tool call: complete (its arguments are the whole JSON text the model wrote).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ToolCall {
    /// The provider's call id (`call_…`, `toolu_…`), or one made up where the protocol has none.
    pub id: String,
    /// The tool's name as the model called it.
    pub name: String,
    /// The arguments as the model wrote them: JSON text, replayed exactly; not always valid.
    pub arguments: String,
    /// Gemini's `thoughtSignature` echoed back with the call; or, with `thinking`, the signature
    /// of Anthropic's thinking block that came before it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
    /// Anthropic's thinking block before this call (the first of its message), sent back with
    /// its signature: Anthropic requires it when thinking is on in a tool loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Where in the answer's text the call was made (bytes of text before it).
    #[serde(default)]
    pub at: usize,
}

impl ToolCall {
    /// A call at the start of its answer's text, with no signature.
    pub fn new(
        id: impl Into<String>,
        name: impl Into<String>,
        arguments: impl Into<String>,
    ) -> Self {
        ToolCall {
            id: id.into(),
            name: name.into(),
            arguments: arguments.into(),
            signature: None,
            thinking: None,
            at: 0,
        }
    }

    /// The arguments parsed: an object (an empty text is `{}`), or why not.
    pub fn parsed_arguments(&self) -> std::result::Result<serde_json::Value, String> {
        if self.arguments.trim().is_empty() {
            return Ok(serde_json::json!({}));
        }
        match serde_json::from_str::<serde_json::Value>(&self.arguments) {
            Ok(v) if v.is_object() => Ok(v),
            Ok(_) => Err("the arguments are not a JSON object".into()),
            Err(e) => Err(format!("the arguments are not valid JSON ({e})")),
        }
    }
}

/// A piece of a tool's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ToolContent {
    /// Text (JSON results are written as their JSON text).
    Text {
        /// The text.
        text: String,
    },
    /// An image, base64 (sent where the protocol takes one, else described in text).
    Image {
        /// `image/png`, …
        media_type: String,
        /// The bytes, base64.
        data: String,
    },
}

/// How a tool call was allowed or refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    /// The person allowed this call.
    Once,
    /// Allowed by a remembered "always" (for the tool or its server), or `--approve all`.
    Always,
    /// The person refused this call.
    Denied,
    /// Refused by a remembered "never", or with no one to ask.
    Never,
    /// Not run: the call was malformed, or named no tool.
    Invalid,
}

impl Decision {
    /// Whether the tool runs.
    pub fn allows(self) -> bool {
        matches!(self, Decision::Once | Decision::Always)
    }
}

/// A tool's result, answering one call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
pub struct ToolResult {
    /// The call it answers.
    pub id: String,
    /// The tool's name (Gemini and Ollama match results by name).
    pub name: String,
    /// What the tool gave back (or the error).
    pub content: Vec<ToolContent>,
    /// Whether it failed (or was refused).
    #[serde(default)]
    pub is_error: bool,
    /// How the call was decided, when it was asked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// How long the tool took, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(type = "number | null")]
    pub ms: Option<u64>,
}

impl ToolResult {
    /// A text result.
    pub fn text(call: &ToolCall, text: impl Into<String>, is_error: bool) -> Self {
        ToolResult {
            id: call.id.clone(),
            name: call.name.clone(),
            content: vec![ToolContent::Text { text: text.into() }],
            is_error,
            decision: None,
            ms: None,
        }
    }

    /// The text pieces, joined by a line break (images named in brackets).
    pub fn joined_text(&self) -> String {
        let pieces: Vec<String> = self
            .content
            .iter()
            .map(|c| match c {
                ToolContent::Text { text } => text.clone(),
                ToolContent::Image { media_type, .. } => format!("[image: {media_type}]"),
            })
            .collect();
        pieces.join("\n")
    }
}

/// An attached file: what the database keeps of it, and its bytes when they are about to be sent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attachment {
    /// The file's name as the person gave it (`chart.png`).
    pub name: String,
    /// `image/png`, `application/pdf`, `text/plain`, …
    pub media_type: String,
    /// The SHA-256 of the stored bytes, hex: its name under the data dir's `attachments/`. Empty
    /// for bytes that are not stored (a gateway request's) and for a remote URL.
    pub sha256: String,
    /// The stored size in bytes.
    pub bytes: u64,
    /// Pixels, for an image.
    pub width: Option<u32>,
    /// Pixels, for an image.
    pub height: Option<u32>,
    /// Pages, for a PDF.
    pub pages: Option<u32>,
    /// The bytes, once loaded for sending (made fit for the target by `attach::prepare`).
    pub data: Option<std::sync::Arc<Vec<u8>>>,
    /// A remote image's address: passed to OpenAI-kind targets only, never fetched by us.
    pub url: Option<String>,
    /// Made fit for the target it is about to go to (`attach::send::prepare`): the engine
    /// refuses to send an attachment that was not.
    pub prepared: bool,
}

impl Part {
    /// The text of a text part.
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Part::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The attachment of an image or file part.
    pub fn attachment(&self) -> Option<&Attachment> {
        match self {
            Part::Image(a) | Part::File(a) => Some(a),
            _ => None,
        }
    }
}

impl Role {
    /// The role name the OpenAI, Anthropic and Ollama protocols use.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

impl Message {
    /// A user turn of text.
    pub fn user(text: impl Into<String>) -> Self {
        Message {
            role: Role::User,
            parts: vec![Part::Text(text.into())],
        }
    }
    /// An assistant turn of text.
    pub fn assistant(text: impl Into<String>) -> Self {
        Message {
            role: Role::Assistant,
            parts: vec![Part::Text(text.into())],
        }
    }

    /// The text parts, joined by a blank line.
    pub fn text(&self) -> String {
        let texts: Vec<&str> = self.parts.iter().filter_map(Part::as_text).collect();
        texts.join("\n\n")
    }

    /// Whether any part is an image or a file.
    pub fn has_attachments(&self) -> bool {
        self.parts.iter().any(|p| p.attachment().is_some())
    }

    /// Only text: its one text (so protocols can send a plain string, as before parts).
    pub fn only_text(&self) -> Option<String> {
        self.parts
            .iter()
            .all(|p| matches!(p, Part::Text(_)))
            .then(|| self.text())
    }
}

/// How hard a reasoning model should think; `None` leaves the provider's default. One enum for
/// the engine, the CLI (`--reasoning`) and the app (`low`, `medium`, `high`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// A small thinking budget.
    Low,
    /// A medium thinking budget.
    Medium,
    /// A large thinking budget.
    High,
}

impl ReasoningEffort {
    /// OpenAI's `reasoning_effort` value.
    pub fn as_str(self) -> &'static str {
        match self {
            ReasoningEffort::Low => "low",
            ReasoningEffort::Medium => "medium",
            ReasoningEffort::High => "high",
        }
    }
    /// Every effort, in order.
    pub const ALL: [ReasoningEffort; 3] = [
        ReasoningEffort::Low,
        ReasoningEffort::Medium,
        ReasoningEffort::High,
    ];

    /// A thinking budget in tokens, for Anthropic and Gemini.
    pub fn budget_tokens(self) -> u32 {
        match self {
            ReasoningEffort::Low => 1024,
            ReasoningEffort::Medium => 4096,
            ReasoningEffort::High => 16384,
        }
    }
}

impl std::str::FromStr for ReasoningEffort {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        ReasoningEffort::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("reasoning `{s}`: use low, medium or high"))
    }
}

/// A request to one model.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChatRequest {
    /// The system prompt.
    pub system: Option<String>,
    /// The conversation so far, ending with the user's new message.
    pub messages: Vec<Message>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// The most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Nucleus sampling: only the most likely tokens whose probabilities add up to this.
    pub top_p: Option<f32>,
    /// A seed for sampling, where the provider takes one (the same seed and settings give the
    /// same answer on the built-in local model).
    pub seed: Option<u64>,
    /// Sequences that end the answer where they appear (not included in it).
    pub stop: Vec<String>,
    /// Ask a reasoning model to think (and show its thinking).
    pub reasoning: Option<ReasoningEffort>,
    /// Tools the model may call (none: a plain chat).
    pub tools: Vec<ToolSpec>,
    /// Whether and which tool the model must call (`None`: the provider's default).
    pub tool_choice: Option<ToolChoice>,
    /// Ask for JSON output (the gateway's `response_format`).
    pub response_format: Option<ResponseFormat>,
}

/// JSON output, as asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum ResponseFormat {
    /// Any JSON object.
    JsonObject,
    /// JSON following a schema.
    JsonSchema {
        /// The schema's name.
        name: String,
        /// The schema.
        schema: serde_json::Value,
        /// Whether the provider must follow it exactly (OpenAI's `strict`).
        strict: bool,
    },
}

impl ChatRequest {
    /// The characters of the prompt (system and every message), for estimates when a provider
    /// reports no usage.
    pub fn prompt_chars(&self) -> usize {
        let system = self.system.as_ref().map_or(0, |s| s.chars().count());
        system
            + self
                .messages
                .iter()
                .flat_map(|m| m.parts.iter().filter_map(Part::as_text))
                .map(|t| t.chars().count())
                .sum::<usize>()
    }

    /// Whether the request is text alone: no attachments, tool calls, tool results or tools
    /// offered (only such requests calibrate the token estimate: the rest carry tokens its
    /// characters do not count).
    pub fn is_plain_text(&self) -> bool {
        self.tools.is_empty()
            && self
                .messages
                .iter()
                .all(|m| m.parts.iter().all(|p| matches!(p, Part::Text(_))))
    }

    /// A one-message request.
    pub fn new(prompt: impl Into<String>) -> Self {
        ChatRequest {
            messages: vec![Message::user(prompt)],
            ..Default::default()
        }
    }
}

/// Token counts, normalised once for every provider.
///
/// `input_tokens` is the **whole** prompt, cached parts included; `cache_read_tokens` and
/// `cache_write_tokens` are the parts of it read from or written to the provider's cache.
/// `output_tokens` is everything generated, reasoning included; `reasoning_tokens` is the part of
/// it spent thinking. (OpenAI's convention; Anthropic's uncached `input_tokens` and Gemini's
/// separate `thoughtsTokenCount` are converted to it.) So the uncached input is
/// `input_tokens - cache_read_tokens - cache_write_tokens`, and nothing is counted twice.
///
/// Serialised (for the app) in camelCase; the CLI's `--json` and the gateway write their own
/// snake_case shapes from the fields.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// All prompt tokens, cached ones included.
    pub input_tokens: u64,
    /// All generated tokens, reasoning included.
    pub output_tokens: u64,
    /// Prompt tokens read from the cache.
    pub cache_read_tokens: u64,
    /// Prompt tokens written to the cache.
    pub cache_write_tokens: u64,
    /// Generated tokens spent reasoning.
    pub reasoning_tokens: u64,
    /// Prompt tokens the provider said it counted for images and documents (part of
    /// `input_tokens`; Gemini reports them by modality, the others do not break them out).
    pub image_tokens: u64,
}

/// Why the model stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// A natural end or a stop sequence.
    Stop,
    /// The token limit was reached.
    Length,
    /// The model asked to call a tool.
    ToolCalls,
    /// The provider's filter cut the answer.
    ContentFilter,
    /// Something else, as the provider named it.
    #[serde(untagged)]
    Other(String),
}

impl FinishReason {
    /// The snake_case name printed in `--json`.
    pub fn as_str(&self) -> &str {
        match self {
            FinishReason::Stop => "stop",
            FinishReason::Length => "length",
            FinishReason::ToolCalls => "tool_calls",
            FinishReason::ContentFilter => "content_filter",
            FinishReason::Other(s) => s,
        }
    }
}

/// How a stream ended well.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamEnd {
    /// The provider's own usage figures; `None` when it sent none.
    pub usage: Option<Usage>,
    /// Why the model stopped.
    pub finish: FinishReason,
    /// The model that answered, as the provider named it (without the provider prefix).
    pub model: Option<String>,
    /// The cost the provider itself reported, in USD (OpenRouter's `usage.cost`).
    pub provider_cost_usd: Option<f64>,
}

/// One event of a streamed answer.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatEvent {
    /// The provider accepted the request; the model that answers, when it says so up front.
    Start {
        /// The model named in the first frame.
        model: Option<String>,
    },
    /// A piece of the answer.
    Delta(String),
    /// A piece of the model's reasoning, shown apart from the answer.
    Reasoning(String),
    /// A complete tool call (emitted when its arguments have all arrived).
    ToolCall(ToolCall),
    /// The answer is complete.
    End(StreamEnd),
}

/// A whole (non-streamed) answer.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatResponse {
    /// The answer.
    pub text: String,
    /// The reasoning, if the provider showed it.
    pub reasoning: String,
    /// The tool calls the model made, in order.
    pub tool_calls: Vec<ToolCall>,
    /// How it ended, with usage and the model that answered.
    pub end: StreamEnd,
}

impl ChatResponse {
    /// Folds a complete event sequence into an answer; `None` if it holds no `End`.
    pub fn from_events(events: impl IntoIterator<Item = ChatEvent>) -> Option<ChatResponse> {
        let mut text = String::new();
        let mut reasoning = String::new();
        let mut tool_calls = Vec::new();
        let mut end = None;
        for e in events {
            match e {
                ChatEvent::Delta(t) => text.push_str(&t),
                ChatEvent::Reasoning(t) => reasoning.push_str(&t),
                ChatEvent::ToolCall(c) => tool_calls.push(c),
                ChatEvent::End(e) => end = Some(e),
                ChatEvent::Start { .. } => {}
            }
        }
        end.map(|end| ChatResponse {
            text,
            reasoning,
            tool_calls,
            end,
        })
    }
}
