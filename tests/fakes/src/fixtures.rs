//! Recorded and re-framed provider streams from `wire-formats.md`, byte for byte (Gemini's with
//! CRLF separators).

/// OpenAI chat completions with `include_usage` (§1a, re-framed and trimmed).
pub const OPENAI_TEXT: &str = include_str!("../fixtures/openai-text.sse");
/// DeepSeek `reasoning_content`, usage on the finish chunk, a keep-alive comment (§6).
pub const DEEPSEEK_REASONING: &str = include_str!("../fixtures/deepseek-reasoning.sse");
/// OpenRouter: processing comment, usage chunk keeping one choice, cost (§7).
pub const OPENROUTER_TEXT: &str = include_str!("../fixtures/openrouter-text.sse");
/// OpenRouter: a delta, then the mid-stream error chunk (§7).
pub const OPENROUTER_ERROR: &str = include_str!("../fixtures/openrouter-error.sse");
/// Anthropic basic text (§3a, verbatim).
pub const ANTHROPIC_BASIC: &str = include_str!("../fixtures/anthropic-basic.sse");
/// Anthropic prompt-cache read (§3b, verbatim, padded JSON).
pub const ANTHROPIC_CACHE: &str = include_str!("../fixtures/anthropic-cache.sse");
/// Anthropic extended thinking (§3d, trimmed).
pub const ANTHROPIC_THINKING: &str = include_str!("../fixtures/anthropic-thinking.sse");
/// Anthropic: a delta, then an `error` event (§3e).
pub const ANTHROPIC_ERROR: &str = include_str!("../fixtures/anthropic-error.sse");
/// Gemini text on a thinking model, CRLF framing (§4a).
pub const GEMINI_TEXT: &str = include_str!("../fixtures/gemini-text.sse");
/// Gemini thought summary then text (§4b, SSE-framed).
pub const GEMINI_THINKING: &str = include_str!("../fixtures/gemini-thinking.sse");
/// Ollama capture with prompt-cache counts (§5a, verbatim).
pub const OLLAMA_CACHED: &str = include_str!("../fixtures/ollama-cached.ndjson");
/// Ollama thinking and tool calls (§5b, synthetic).
pub const OLLAMA_THINKING: &str = include_str!("../fixtures/ollama-thinking.ndjson");
/// Ollama: two lines, then a bare error line (§5c).
pub const OLLAMA_ERROR: &str = include_str!("../fixtures/ollama-error.ndjson");
/// A ChatGPT data export (`conversations.json`) written from the format's documentation: a hidden
/// root, an empty system node, an edited user turn (two branches), answers with model slugs, an
/// image part, a tool message, an unreadable conversation and an empty one.
pub const CHATGPT_EXPORT: &str = include_str!("../fixtures/chatgpt-conversations.json");
