//! Reads Ollama's NDJSON lines: `message.content`, `message.thinking`, `message.tool_calls`, the
//! `done: true` line with its counts, and the bare `{"error": …}` line that can arrive
//! mid-stream.
//!
//! Each tool call arrives whole (`arguments` an object, emitted as its JSON text), and a turn's
//! calls may spread over several lines. A call's optional `id` is kept; without one it gets a
//! made-up id, never sent back. Ollama's `done_reason` says `stop` after calls; an answer with
//! calls finishes `ToolCalls`.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::Value;

use crate::chat::{ChatEvent, FinishReason, StreamEnd, ToolCall, Usage};
use crate::error::ProviderError;
use crate::providers::tools::made_up_id;
use crate::providers::{errors, Decoder, Flow, Opening, ProviderKind};

#[derive(Deserialize)]
struct Line<'a> {
    #[serde(borrow)]
    model: Option<Cow<'a, str>>,
    #[serde(borrow)]
    message: Option<Msg<'a>>,
    #[serde(default)]
    done: bool,
    done_reason: Option<String>,
    prompt_eval_count: Option<u64>,
    prompt_eval_cached_count: Option<u64>,
    eval_count: Option<u64>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct Msg<'a> {
    #[serde(borrow)]
    content: Option<Cow<'a, str>>,
    #[serde(borrow)]
    thinking: Option<Cow<'a, str>>,
    tool_calls: Option<Vec<RawCall>>,
}

#[derive(Deserialize)]
struct RawCall {
    id: Option<String>,
    function: Option<RawFunction>,
}

#[derive(Deserialize)]
struct RawFunction {
    #[serde(default)]
    name: String,
    /// An object; a string from some model templates.
    arguments: Option<Value>,
}

/// The `/api/chat` decoder.
pub(crate) struct OllamaDecoder {
    provider: String,
    opening: Opening,
    /// Bytes of answer text so far (where a call was made).
    text_bytes: usize,
    /// Calls emitted so far.
    calls: usize,
}

impl OllamaDecoder {
    pub(crate) fn new(provider: String) -> Self {
        OllamaDecoder {
            provider,
            opening: Opening::default(),
            text_bytes: 0,
            calls: 0,
        }
    }

    fn call(&mut self, raw: &RawCall, out: &mut VecDeque<ChatEvent>) {
        let Some(f) = &raw.function else {
            return;
        };
        let arguments = match &f.arguments {
            None | Some(Value::Null) => "{}".to_string(),
            Some(Value::String(s)) => s.clone(),
            Some(args) => args.to_string(),
        };
        let id = match raw.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => id.to_string(),
            None => made_up_id(self.calls),
        };
        self.calls += 1;
        out.push_back(ChatEvent::ToolCall(ToolCall {
            id,
            name: f.name.clone(),
            arguments,
            signature: None,
            thinking: None,
            at: self.text_bytes,
        }));
    }
}

impl Decoder for OllamaDecoder {
    fn frame(
        &mut self,
        _event: Option<&str>,
        data: &str,
        out: &mut VecDeque<ChatEvent>,
    ) -> Result<Flow, ProviderError> {
        let line: Line =
            serde_json::from_str(data).map_err(|e| errors::bad_json(&self.provider, data, &e))?;
        if let Some(err) = &line.error {
            return Err(errors::in_stream_member(
                ProviderKind::Ollama,
                &self.provider,
                err,
            ));
        }
        self.opening.see(line.model.as_deref(), out);
        if let Some(m) = &line.message {
            if let Some(t) = m.thinking.as_deref().filter(|t| !t.is_empty()) {
                out.push_back(ChatEvent::Reasoning(t.to_string()));
            }
            if let Some(c) = m.content.as_deref().filter(|c| !c.is_empty()) {
                self.text_bytes += c.len();
                out.push_back(ChatEvent::Delta(c.to_string()));
            }
            for raw in m.tool_calls.iter().flatten() {
                self.call(raw, out);
            }
        }
        if !line.done {
            return Ok(Flow::More);
        }
        let usage =
            (line.prompt_eval_count.is_some() || line.eval_count.is_some()).then(|| Usage {
                input_tokens: line.prompt_eval_count.unwrap_or(0),
                output_tokens: line.eval_count.unwrap_or(0),
                cache_read_tokens: line.prompt_eval_cached_count.unwrap_or(0),
                cache_write_tokens: 0,
                reasoning_tokens: 0,
                image_tokens: 0,
            });
        let finish = match line.done_reason.as_deref() {
            None | Some("stop") if self.calls > 0 => FinishReason::ToolCalls,
            None | Some("stop") => FinishReason::Stop,
            Some("length") => FinishReason::Length,
            Some(other) => FinishReason::Other(other.to_string()),
        };
        out.push_back(ChatEvent::End(StreamEnd {
            usage,
            finish,
            model: self.opening.model(),
            provider_cost_usd: None,
        }));
        Ok(Flow::Done)
    }

    fn eof(&mut self, _out: &mut VecDeque<ChatEvent>) -> Result<(), ProviderError> {
        Err(errors::malformed(
            &self.provider,
            if self.opening.started() {
                "the stream ended before its done line (truncated)"
            } else {
                "the answer held no Ollama chat lines"
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::chat::{ChatEvent, FinishReason, ToolCall, Usage};
    use crate::config::ProviderKind::Ollama;
    use crate::error::ErrorClass;
    use crate::providers::test_support::{
        calls_of, decode_every_split, reasoning_of, text_of, whole,
    };
    use roundtable_fakes::fixtures;

    fn call(id: &str, name: &str, arguments: &str, at: usize) -> ToolCall {
        ToolCall {
            at,
            ..ToolCall::new(id, name, arguments)
        }
    }

    #[test]
    fn a_streamed_call_on_its_own_line() {
        let (events, end) = decode_every_split(Ollama, fixtures::OLLAMA_TOOLS.as_bytes());
        assert_eq!(
            calls_of(&events),
            vec![call("rt_call_0", "get_weather", "{\"city\":\"Tokyo\"}", 0)]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn parallel_calls_spread_over_lines_keep_their_ids() {
        let (events, end) = decode_every_split(Ollama, fixtures::OLLAMA_THINKING.as_bytes());
        let at = "Rayleigh Let me check the weather.".len();
        assert_eq!(
            calls_of(&events),
            vec![
                call("call_a", "get_weather", "{\"city\":\"Paris\"}", at),
                call("call_b", "get_weather", "{\"city\":\"Berlin\"}", at),
                call("call_c", "get_time", "{}", at),
            ]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn whole_answer_with_calls_and_odd_arguments() {
        let body = br#"{"model":"llama3.2","message":{"role":"assistant","content":"","tool_calls":[{"function":{"index":0,"name":"get_temperature","arguments":{"city":"New York"}}},{"function":{"index":1,"name":"get_conditions","arguments":"{\"city\": \"New"}},{"function":{"name":"now"}}]},"done":true,"done_reason":"stop","prompt_eval_count":5,"eval_count":2}"#;
        let r = whole(Ollama, body).unwrap();
        assert_eq!(
            r.tool_calls,
            vec![
                call("rt_call_0", "get_temperature", "{\"city\":\"New York\"}", 0),
                call("rt_call_1", "get_conditions", "{\"city\": \"New", 0),
                call("rt_call_2", "now", "{}", 0),
            ]
        );
        assert_eq!(r.end.finish, FinishReason::ToolCalls);
    }

    #[test]
    fn cached_usage_capture() {
        let (events, end) = decode_every_split(Ollama, fixtures::OLLAMA_CACHED.as_bytes());
        assert_eq!(
            events[0],
            ChatEvent::Start {
                model: Some("llama3.2:3b".into())
            }
        );
        assert_eq!(text_of(&events), "Hello!");
        let end = end.unwrap();
        assert_eq!(end.finish, FinishReason::Stop);
        assert_eq!(
            end.usage.unwrap(),
            Usage {
                input_tokens: 28,
                output_tokens: 3,
                cache_read_tokens: 27,
                ..Default::default()
            }
        );
    }

    #[test]
    fn thinking_lines() {
        let (events, end) = decode_every_split(Ollama, fixtures::OLLAMA_THINKING.as_bytes());
        assert_eq!(
            reasoning_of(&events),
            "The sky is blue due to Rayleigh scattering. "
        );
        assert_eq!(text_of(&events), "Rayleigh Let me check the weather.");
        assert_eq!(end.unwrap().usage.unwrap().output_tokens, 40);
    }

    #[test]
    fn error_line_mid_stream() {
        let (events, end) = decode_every_split(Ollama, fixtures::OLLAMA_ERROR.as_bytes());
        assert_eq!(text_of(&events), "I can");
        let err = end.unwrap_err();
        assert_eq!(err.class, ErrorClass::Upstream);
        assert!(err
            .message
            .contains("an error was encountered while running the model"));
    }

    #[test]
    fn whole_answer() {
        let body = br#"{"model":"llama3.2","message":{"role":"assistant","content":"Hi there"},"done":true,"done_reason":"length","prompt_eval_count":5,"eval_count":2}"#;
        let r = whole(Ollama, body).unwrap();
        assert_eq!(r.text, "Hi there");
        assert_eq!(r.end.finish, FinishReason::Length);
    }
}
