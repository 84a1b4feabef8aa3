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

// Tool calls (`wire-formats-parts-tools.md` §4, and `wire-formats.md` §3c, §4c).

/// OpenAI, two parallel calls streamed by `index` (gpt-4o, §4a): re-framed from the trimmed
/// recording, the elided argument fragments written back as the reference lists them.
pub const OPENAI_TOOLS: &str = include_str!("../fixtures/openai-tools.sse");
/// Anthropic text, then one `tool_use` block in `input_json_delta` pieces (`wire-formats.md`
/// §3c, verbatim).
pub const ANTHROPIC_TOOLS: &str = include_str!("../fixtures/anthropic-tools.sse");
/// Anthropic call without arguments: one empty `partial_json` (§4b, re-framed, trimmed: no
/// `message_start`, no text block).
pub const ANTHROPIC_TOOL_NO_ARGS: &str = include_str!("../fixtures/anthropic-tool-no-args.sse");
/// Anthropic cut by `max_tokens` inside a call: no `content_block_stop` for it (§4b, verbatim,
/// trimmed to its end).
pub const ANTHROPIC_MAX_TOKENS_MID_CALL: &str =
    include_str!("../fixtures/anthropic-max-tokens-mid-call.sse");
/// Gemini, one whole `functionCall` part with a `thoughtSignature`, then the finish chunk, CRLF
/// framing (`wire-formats.md` §4c, re-framed, signature cut).
pub const GEMINI_TOOL_CALL: &str = include_str!("../fixtures/gemini-tool-call.sse");
/// Gemini on Vertex, a call without `args` (§4c, re-framed: only its first chunk, no finish).
pub const GEMINI_NO_ARGS_TOOL_CALL: &str = include_str!("../fixtures/gemini-no-args-tool-call.sse");
/// Ollama, one call on a line of its own, then the `done` line (§4d, verbatim from api.md).
pub const OLLAMA_TOOLS: &str = include_str!("../fixtures/ollama-tools.ndjson");
