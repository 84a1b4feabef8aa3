//! The provider-neutral shape of a chat: the request, the streamed events and the final answer.
//!
//! Every adapter translates to and from these types; nothing here knows a wire format.

use serde::Serialize;

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
    /// A tool call the model made (reserved for tools: stored and shown, not yet sent).
    ToolCall(serde_json::Value),
    /// A tool's result (reserved for tools: stored and shown, not yet sent).
    ToolResult(serde_json::Value),
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
    /// Ask a reasoning model to think (and show its thinking).
    pub reasoning: Option<ReasoningEffort>,
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
    /// How it ended, with usage and the model that answered.
    pub end: StreamEnd,
}

impl ChatResponse {
    /// Folds a complete event sequence into an answer; `None` if it holds no `End`.
    pub fn from_events(events: impl IntoIterator<Item = ChatEvent>) -> Option<ChatResponse> {
        let mut text = String::new();
        let mut reasoning = String::new();
        let mut end = None;
        for e in events {
            match e {
                ChatEvent::Delta(t) => text.push_str(&t),
                ChatEvent::Reasoning(t) => reasoning.push_str(&t),
                ChatEvent::End(e) => end = Some(e),
                ChatEvent::Start { .. } => {}
            }
        }
        end.map(|end| ChatResponse {
            text,
            reasoning,
            end,
        })
    }
}
