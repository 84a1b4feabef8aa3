//! Reads OpenAI chat-completion chunks (streamed, or one whole answer) into events: content,
//! `reasoning_content` (DeepSeek, xAI) and `reasoning` (OpenRouter), tool calls, the usage
//! chunk, the finish reason, and in-stream error chunks (OpenRouter).
//!
//! Tool calls arrive in pieces keyed by `index` (the first with `id` and `name`, the rest with
//! `arguments` fragments); a whole answer has them complete in `message.tool_calls`. They are
//! emitted, each whole, when the finish reason arrives (or at `[DONE]`), and the finish is
//! `ToolCalls` whenever any came, whatever `finish_reason` said (OpenAI says `stop` when the
//! choice named a tool). Arguments that are not valid JSON are emitted as they are, except when
//! the answer was cut by the token limit: then they are a cut piece, and left out.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::Value;

use crate::chat::{ChatEvent, FinishReason, StreamEnd, ToolCall, Usage};
use crate::error::ProviderError;
use crate::providers::tools::{made_up_id, MAX_ARGUMENT_BYTES};
use crate::providers::{errors, Decoder, Flow, Opening, ProviderKind};

#[derive(Deserialize)]
struct Chunk<'a> {
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    choices: Option<Vec<Choice<'a>>>,
    usage: Option<RawUsage>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Choice<'a> {
    /// `delta` in a stream, `message` in a whole answer.
    #[serde(borrow, alias = "message")]
    delta: Option<Delta<'a>>,
    #[serde(borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning_content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    reasoning: Option<Cow<'a, str>>,
    #[serde(borrow)]
    tool_calls: Option<Vec<RawCall<'a>>>,
}

/// A tool call, or a piece of one.
#[derive(Deserialize)]
struct RawCall<'a> {
    /// Absent in whole answers (and from some servers): the call's place in the list then.
    index: Option<usize>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    function: Option<RawFunction<'a>>,
}

#[derive(Deserialize)]
struct RawFunction<'a> {
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
    /// A string (a piece of JSON text); some compatible servers send an object.
    arguments: Option<Value>,
}

/// A call still arriving.
struct Pending {
    index: usize,
    id: String,
    name: String,
    arguments: String,
    /// The answer's text bytes before it.
    at: usize,
}

#[derive(Deserialize)]
struct RawUsage {
    #[serde(default)]
    prompt_tokens: u64,
    #[serde(default)]
    completion_tokens: u64,
    prompt_tokens_details: Option<PromptDetails>,
    completion_tokens_details: Option<CompletionDetails>,
    /// DeepSeek's own name for cached prompt tokens.
    prompt_cache_hit_tokens: Option<u64>,
    /// OpenRouter's cost in USD.
    cost: Option<f64>,
}

#[derive(Deserialize)]
struct PromptDetails {
    cached_tokens: Option<u64>,
    cache_write_tokens: Option<u64>,
}

#[derive(Deserialize)]
struct CompletionDetails {
    reasoning_tokens: Option<u64>,
}

fn finish_reason(s: &str) -> FinishReason {
    match s {
        "stop" | "end_turn" | "eos" => FinishReason::Stop,
        "length" | "max_tokens" => FinishReason::Length,
        "tool_calls" | "function_call" => FinishReason::ToolCalls,
        "content_filter" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_string()),
    }
}

/// The most calls one answer may open.
const MAX_CALLS: usize = 128;

/// The chat-completions decoder.
pub(crate) struct OpenAiDecoder {
    provider: String,
    opening: Opening,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
    cost: Option<f64>,
    /// Bytes of answer text so far (where a call was made).
    text_bytes: usize,
    pending: Vec<Pending>,
    /// Calls emitted so far.
    calls: usize,
}

impl OpenAiDecoder {
    pub(crate) fn new(provider: String) -> Self {
        OpenAiDecoder {
            provider,
            opening: Opening::default(),
            finish: None,
            usage: None,
            cost: None,
            text_bytes: 0,
            pending: Vec::new(),
            calls: 0,
        }
    }

    /// Adds a call or a piece of one: to the call of its `index`, or a new call when the index
    /// is new (or reused by a call of another id).
    fn piece(&mut self, position: usize, raw: &RawCall) {
        let index = raw.index.unwrap_or(position);
        let id = raw.id.as_deref().filter(|id| !id.is_empty());
        let slot = self.pending.iter().rposition(|c| c.index == index);
        let slot = match (slot, id) {
            (Some(s), Some(id)) if !self.pending[s].id.is_empty() && self.pending[s].id != id => {
                None
            }
            (s, _) => s,
        };
        let at = self.text_bytes;
        let call = match slot {
            Some(s) => &mut self.pending[s],
            // A stream that opens call after call is not followed past the cap.
            None if self.pending.len() >= MAX_CALLS => return,
            None => {
                self.pending.push(Pending {
                    index,
                    id: String::new(),
                    name: String::new(),
                    arguments: String::new(),
                    at,
                });
                let last = self.pending.len() - 1;
                &mut self.pending[last]
            }
        };
        if let (Some(id), true) = (id, call.id.is_empty()) {
            call.id = id.to_string();
        }
        let function = raw.function.as_ref();
        if let Some(name) = function.and_then(|f| f.name.as_deref()) {
            if call.name.is_empty() {
                call.name = name.to_string();
            }
        }
        let piece = match function.and_then(|f| f.arguments.as_ref()) {
            None | Some(Value::Null) => return,
            Some(Value::String(piece)) => Cow::Borrowed(piece.as_str()),
            Some(whole) => Cow::Owned(whole.to_string()),
        };
        // Arguments past the cap are cut (then not JSON: the model is told, nothing runs).
        if call.arguments.len() + piece.len() <= MAX_ARGUMENT_BYTES {
            call.arguments.push_str(&piece);
        }
    }

    /// Emits the calls collected so far; a call cut by the token limit (its arguments not
    /// JSON) is left out. Any call makes a natural finish `ToolCalls`.
    fn flush(&mut self, out: &mut VecDeque<ChatEvent>) {
        let cut = self.finish == Some(FinishReason::Length);
        for c in std::mem::take(&mut self.pending) {
            if cut && serde_json::from_str::<Value>(&c.arguments).is_err() {
                continue;
            }
            let id = if c.id.is_empty() {
                made_up_id(self.calls)
            } else {
                c.id
            };
            self.calls += 1;
            out.push_back(ChatEvent::ToolCall(ToolCall {
                id,
                name: c.name,
                arguments: c.arguments,
                signature: None,
                thinking: None,
                at: c.at,
            }));
        }
        if self.calls > 0 && matches!(self.finish, None | Some(FinishReason::Stop)) {
            self.finish = Some(FinishReason::ToolCalls);
        }
    }

    fn end(&mut self, out: &mut VecDeque<ChatEvent>) {
        self.flush(out);
        out.push_back(ChatEvent::End(StreamEnd {
            usage: self.usage,
            finish: self.finish.take().unwrap_or(FinishReason::Stop),
            model: self.opening.model(),
            provider_cost_usd: self.cost,
        }));
    }
}

impl Decoder for OpenAiDecoder {
    fn frame(
        &mut self,
        _event: Option<&str>,
        data: &str,
        out: &mut VecDeque<ChatEvent>,
    ) -> Result<Flow, ProviderError> {
        if data == "[DONE]" {
            if self.finish.is_none() && self.usage.is_none() {
                return Err(errors::malformed(
                    &self.provider,
                    "the stream ended ([DONE]) before any finish reason",
                ));
            }
            self.end(out);
            return Ok(Flow::Done);
        }
        let chunk: Chunk =
            serde_json::from_str(data).map_err(|e| errors::bad_json(&self.provider, data, &e))?;
        if let Some(err) = &chunk.error {
            return Err(errors::in_stream_member(
                ProviderKind::OpenAi,
                &self.provider,
                err,
            ));
        }
        self.opening.see(chunk.model.as_deref(), out);
        if let Some(choice) = chunk.choices.as_ref().and_then(|c| c.first()) {
            if let Some(delta) = &choice.delta {
                let reasoning = delta
                    .reasoning_content
                    .as_deref()
                    .or(delta.reasoning.as_deref());
                if let Some(r) = reasoning.filter(|r| !r.is_empty()) {
                    out.push_back(ChatEvent::Reasoning(r.to_string()));
                }
                if let Some(c) = delta.content.as_deref().filter(|c| !c.is_empty()) {
                    self.text_bytes += c.len();
                    out.push_back(ChatEvent::Delta(c.to_string()));
                }
                for (position, raw) in delta.tool_calls.iter().flatten().enumerate() {
                    self.piece(position, raw);
                }
            }
            if let Some(f) = &choice.finish_reason {
                self.finish = Some(finish_reason(f));
                self.flush(out);
            }
        }
        if let Some(u) = &chunk.usage {
            let prompt = u.prompt_tokens_details.as_ref();
            self.usage = Some(Usage {
                input_tokens: u.prompt_tokens,
                output_tokens: u.completion_tokens,
                cache_read_tokens: prompt
                    .and_then(|d| d.cached_tokens)
                    .or(u.prompt_cache_hit_tokens)
                    .unwrap_or(0),
                cache_write_tokens: prompt.and_then(|d| d.cache_write_tokens).unwrap_or(0),
                reasoning_tokens: u
                    .completion_tokens_details
                    .as_ref()
                    .and_then(|d| d.reasoning_tokens)
                    .unwrap_or(0),
                image_tokens: 0,
            });
            self.cost = u.cost.or(self.cost);
        }
        Ok(Flow::More)
    }

    fn eof(&mut self, out: &mut VecDeque<ChatEvent>) -> Result<(), ProviderError> {
        // Some compatible servers send no [DONE]; a finish reason is then the end.
        if self.finish.is_some() {
            self.end(out);
            Ok(())
        } else if self.opening.started() {
            Err(errors::malformed(
                &self.provider,
                "the stream ended before the answer was complete (truncated)",
            ))
        } else {
            Err(errors::malformed(
                &self.provider,
                "the answer held no chat-completion data",
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::chat::{ChatEvent, FinishReason, ToolCall, Usage};
    use crate::config::ProviderKind::OpenAi;
    use crate::error::ErrorClass;
    use crate::providers::test_support::{calls_of, decode_every_split, text_of, whole};
    use roundtable_fakes::fixtures;

    fn call(id: &str, name: &str, arguments: &str, at: usize) -> ToolCall {
        ToolCall {
            at,
            ..ToolCall::new(id, name, arguments)
        }
    }

    fn chunk(delta: &str, finish: &str) -> String {
        format!(
            "data: {{\"model\":\"m\",\"choices\":[{{\"index\":0,\"delta\":{delta},\"finish_reason\":{finish}}}]}}\n\n"
        )
    }

    #[test]
    fn parallel_calls_stream_in_pieces_by_index() {
        let (events, end) = decode_every_split(OpenAi, fixtures::OPENAI_TOOLS.as_bytes());
        assert_eq!(
            calls_of(&events),
            vec![
                call(
                    "call_JMW1whyEaYG438VE1OIflxA2",
                    "GetWeatherArgs",
                    "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}",
                    0
                ),
                call(
                    "call_DNYTawLBoN8fj3KN6qU9N1Ou",
                    "get_stock_price",
                    "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}",
                    0
                ),
            ]
        );
        assert!(matches!(events.last(), Some(ChatEvent::ToolCall(_))));
        let end = end.unwrap();
        assert_eq!(end.finish, FinishReason::ToolCalls);
        assert_eq!(end.usage.unwrap().input_tokens, 149);
    }

    #[test]
    fn parallel_calls_in_a_whole_answer() {
        // §4a, verbatim.
        let body = br#"{"id": "chatcmpl-ABfvyvfNWKcl7Ohqos4UFrmMs1v4C", "object": "chat.completion", "created": 1727346166, "model": "gpt-4o-2024-08-06", "choices": [{"index": 0, "message": {"role": "assistant", "content": null, "tool_calls": [{"id": "call_fdNz3vOBKYgOIpMdWotB9MjY", "type": "function", "function": {"name": "GetWeatherArgs", "arguments": "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}"}}, {"id": "call_h1DWI1POMJLb0KwIyQHWXD4p", "type": "function", "function": {"name": "get_stock_price", "arguments": "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}"}}], "refusal": null}, "logprobs": null, "finish_reason": "tool_calls"}], "usage": {"prompt_tokens": 149, "completion_tokens": 60, "total_tokens": 209, "completion_tokens_details": {"reasoning_tokens": 0}}, "system_fingerprint": "fp_b40fb1c6fb"}"#;
        let r = whole(OpenAi, body).unwrap();
        assert_eq!(r.text, "");
        assert_eq!(
            r.tool_calls,
            vec![
                call(
                    "call_fdNz3vOBKYgOIpMdWotB9MjY",
                    "GetWeatherArgs",
                    "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}",
                    0
                ),
                call(
                    "call_h1DWI1POMJLb0KwIyQHWXD4p",
                    "get_stock_price",
                    "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}",
                    0
                ),
            ]
        );
        assert_eq!(r.end.finish, FinishReason::ToolCalls);
    }

    #[test]
    fn a_stop_finish_with_calls_is_tool_calls_and_odd_arguments_are_kept_as_written() {
        // A named-tool choice finishes `stop`; a compatible server sends a whole call in one
        // delta without `index`; a call without arguments; arguments that are not JSON.
        let stream = [
            chunk(r#"{"role":"assistant","content":"On it."}"#, "null"),
            chunk(
                r#"{"tool_calls":[{"id":"call_a","type":"function","function":{"name":"now","arguments":""}}]}"#,
                "null",
            ),
            chunk(
                r#"{"tool_calls":[{"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"{\"city\": \"Par"}}]}"#,
                "null",
            ),
            chunk("{}", r#""stop""#),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat();
        let (events, end) = decode_every_split(OpenAi, stream.as_bytes());
        assert_eq!(text_of(&events), "On it.");
        assert_eq!(
            calls_of(&events),
            vec![
                call("call_a", "now", "", 6),
                call("call_b", "get_weather", "{\"city\": \"Par", 6),
            ]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn a_call_cut_by_the_token_limit_is_not_emitted() {
        let stream = [
            chunk(
                r#"{"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"now","arguments":"{}"}}]}"#,
                "null",
            ),
            chunk(
                r#"{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]}"#,
                "null",
            ),
            chunk("{}", r#""length""#),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat();
        let (events, end) = decode_every_split(OpenAi, stream.as_bytes());
        assert_eq!(calls_of(&events), vec![call("call_a", "now", "{}", 0)]);
        assert_eq!(end.unwrap().finish, FinishReason::Length);
    }

    #[test]
    fn a_call_without_an_id_gets_a_made_up_one() {
        let stream = [
            chunk(
                r#"{"tool_calls":[{"index":0,"function":{"name":"now","arguments":"{}"}}]}"#,
                r#""tool_calls""#,
            ),
            "data: [DONE]\n\n".to_string(),
        ]
        .concat();
        let (events, _) = decode_every_split(OpenAi, stream.as_bytes());
        assert_eq!(calls_of(&events), vec![call("rt_call_0", "now", "{}", 0)]);
    }

    #[test]
    fn openai_text_with_usage_chunk() {
        let (events, end) = decode_every_split(OpenAi, fixtures::OPENAI_TEXT.as_bytes());
        assert_eq!(
            events[0],
            ChatEvent::Start {
                model: Some("gpt-4.1-nano-2025-04-14".into())
            }
        );
        assert_eq!(text_of(&events), "**Holiday Greetings**");
        let end = end.unwrap();
        assert_eq!(end.finish, FinishReason::Stop);
        assert_eq!(
            end.usage,
            Some(Usage {
                input_tokens: 16,
                output_tokens: 300,
                cache_read_tokens: 0,
                cache_write_tokens: 0,
                reasoning_tokens: 0,
                image_tokens: 0,
            })
        );
    }

    #[test]
    fn deepseek_reasoning_and_usage_on_the_finish_chunk() {
        let (events, end) = decode_every_split(OpenAi, fixtures::DEEPSEEK_REASONING.as_bytes());
        let reasoning: String = events
            .iter()
            .filter_map(|e| {
                if let ChatEvent::Reasoning(r) = e {
                    Some(r.as_str())
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(reasoning, "We need to answer.");
        assert_eq!(text_of(&events), "Paris is in France.");
        let usage = end.unwrap().usage.unwrap();
        assert_eq!(
            (
                usage.input_tokens,
                usage.output_tokens,
                usage.reasoning_tokens
            ),
            (97, 106, 88)
        );
    }

    #[test]
    fn openrouter_comment_cost_and_cache_write() {
        let (events, end) = decode_every_split(OpenAi, fixtures::OPENROUTER_TEXT.as_bytes());
        assert_eq!(text_of(&events), "Hi");
        let end = end.unwrap();
        assert_eq!(end.model.as_deref(), Some("anthropic/claude-3.5-sonnet"));
        assert_eq!(end.provider_cost_usd, Some(0.95));
        let u = end.usage.unwrap();
        assert_eq!(
            (u.input_tokens, u.cache_write_tokens, u.output_tokens),
            (194, 100, 2)
        );
    }

    #[test]
    fn openrouter_error_chunk_is_classified() {
        let (events, end) = decode_every_split(OpenAi, fixtures::OPENROUTER_ERROR.as_bytes());
        assert_eq!(text_of(&events), "Par");
        let err = end.unwrap_err();
        assert_eq!(err.class, ErrorClass::RateLimited);
        assert!(err.message.contains("Rate limit exceeded"));
    }

    #[test]
    fn truncated_and_garbage_streams_fail_clearly() {
        let cut = &fixtures::OPENAI_TEXT[..fixtures::OPENAI_TEXT.find("\"Holiday\"").unwrap() + 40];
        let (_, end) = decode_every_split(OpenAi, cut.as_bytes());
        assert_eq!(end.unwrap_err().class, ErrorClass::MalformedStream);
        let (_, end) = decode_every_split(OpenAi, b"data: {\"choices\": [oops\n\n");
        let err = end.unwrap_err();
        assert_eq!(err.class, ErrorClass::MalformedStream);
        assert!(
            err.message.contains("{\"choices\": [oops"),
            "{}",
            err.message
        );
    }

    #[test]
    fn whole_answer_reads_message() {
        let body = br#"{"id":"x","model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Hello!"},"finish_reason":"length"}],"usage":{"prompt_tokens":9,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":4}}}"#;
        let r = crate::providers::test_support::whole(OpenAi, body).unwrap();
        assert_eq!(r.text, "Hello!");
        assert_eq!(r.end.finish, FinishReason::Length);
        assert_eq!(r.end.usage.unwrap().cache_read_tokens, 4);
    }
}
