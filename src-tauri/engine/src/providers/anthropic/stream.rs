//! Reads Anthropic's typed stream events: `message_start`, content blocks (`text_delta`,
//! `thinking_delta`, `tool_use` blocks and their `input_json_delta`), the cumulative usage of
//! `message_delta`, `message_stop`, `ping`, `error`. Unknown events are ignored, as Anthropic's
//! versioning policy asks.
//!
//! A `tool_use` block's `partial_json` pieces are joined by block index and the call is emitted
//! at its `content_block_stop` (an empty input is `{}`). A block that never got its stop (the
//! answer was cut by `max_tokens` inside it) is not emitted: its input is incomplete.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde::Deserialize;

use crate::chat::{ChatEvent, FinishReason, StreamEnd, ToolCall, Usage};
use crate::error::ProviderError;
use crate::providers::tools::{made_up_id, MAX_ARGUMENT_BYTES};
use crate::providers::{errors, Decoder, Flow, ProviderKind};

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    message: Option<MessageStart>,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    usage: Option<RawUsage>,
    index: Option<usize>,
    #[serde(borrow)]
    content_block: Option<BlockStart<'a>>,
}

/// The head of a content block (`tool_use` blocks name their call).
#[derive(Deserialize)]
struct BlockStart<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    #[serde(borrow)]
    id: Option<Cow<'a, str>>,
    #[serde(borrow)]
    name: Option<Cow<'a, str>>,
}

/// A `tool_use` block still arriving.
struct OpenCall {
    index: usize,
    id: String,
    name: String,
    input: String,
    /// The answer's text bytes before it.
    at: usize,
}

#[derive(Deserialize)]
struct MessageStart {
    model: Option<String>,
    usage: Option<RawUsage>,
}

#[derive(Deserialize)]
struct Delta<'a> {
    #[serde(rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(borrow)]
    thinking: Option<Cow<'a, str>>,
    #[serde(borrow)]
    stop_reason: Option<Cow<'a, str>>,
    #[serde(borrow)]
    partial_json: Option<Cow<'a, str>>,
    #[serde(borrow)]
    signature: Option<Cow<'a, str>>,
}

/// Anthropic's usage object; each field may be absent in a `message_delta`.
#[derive(Deserialize, Default, Clone, Copy)]
pub(crate) struct RawUsage {
    input_tokens: Option<u64>,
    output_tokens: Option<u64>,
    cache_creation_input_tokens: Option<u64>,
    cache_read_input_tokens: Option<u64>,
    output_tokens_details: Option<ThinkingDetails>,
}

#[derive(Deserialize, Default, Clone, Copy)]
struct ThinkingDetails {
    thinking_tokens: Option<u64>,
}

impl RawUsage {
    /// Later figures replace earlier ones field by field (`message_delta` usage is cumulative).
    fn merge(&mut self, newer: &RawUsage) {
        self.input_tokens = newer.input_tokens.or(self.input_tokens);
        self.output_tokens = newer.output_tokens.or(self.output_tokens);
        self.cache_creation_input_tokens = newer
            .cache_creation_input_tokens
            .or(self.cache_creation_input_tokens);
        self.cache_read_input_tokens = newer
            .cache_read_input_tokens
            .or(self.cache_read_input_tokens);
        self.output_tokens_details = newer.output_tokens_details.or(self.output_tokens_details);
    }
}

/// Anthropic's `input_tokens` excludes cache reads and writes; ours is the whole prompt.
pub(crate) fn normalise(u: &RawUsage, counted_thinking: u64) -> Usage {
    let cache_read = u.cache_read_input_tokens.unwrap_or(0);
    let cache_write = u.cache_creation_input_tokens.unwrap_or(0);
    Usage {
        input_tokens: u.input_tokens.unwrap_or(0) + cache_read + cache_write,
        output_tokens: u.output_tokens.unwrap_or(0),
        cache_read_tokens: cache_read,
        cache_write_tokens: cache_write,
        reasoning_tokens: u
            .output_tokens_details
            .and_then(|d| d.thinking_tokens)
            .unwrap_or(counted_thinking),
        image_tokens: 0,
    }
}

pub(crate) fn stop_reason(s: &str) -> FinishReason {
    match s {
        "end_turn" | "stop_sequence" => FinishReason::Stop,
        "max_tokens" | "model_context_window_exceeded" => FinishReason::Length,
        "tool_use" => FinishReason::ToolCalls,
        "refusal" => FinishReason::ContentFilter,
        other => FinishReason::Other(other.to_string()),
    }
}

/// Appends up to [`MAX_ARGUMENT_BYTES`] in all (a thinking block kept for a tool loop).
fn push_capped(into: &mut String, piece: &str) {
    if into.len() + piece.len() <= MAX_ARGUMENT_BYTES {
        into.push_str(piece);
    }
}

/// The Messages stream decoder.
pub(crate) struct AnthropicDecoder {
    provider: String,
    started: bool,
    model: Option<String>,
    usage: Option<RawUsage>,
    stop: Option<FinishReason>,
    /// Bytes of answer text so far (where a call was made).
    text_bytes: usize,
    open: Vec<OpenCall>,
    /// Calls emitted so far.
    calls: usize,
    /// The thinking block being read (its text, its signature), and the last one complete:
    /// sent back with the first call, as Anthropic wants in a tool loop with thinking on.
    thinking: Option<(String, String)>,
    thought: Option<(String, String)>,
}

impl AnthropicDecoder {
    pub(crate) fn new(provider: String) -> Self {
        AnthropicDecoder {
            provider,
            started: false,
            model: None,
            usage: None,
            stop: None,
            text_bytes: 0,
            open: Vec::new(),
            calls: 0,
            thinking: None,
            thought: None,
        }
    }

    /// A block's stop: the call it held, if it was a `tool_use` block, is complete.
    fn close(&mut self, index: Option<usize>, out: &mut VecDeque<ChatEvent>) {
        let Some(pos) = self.open.iter().position(|c| Some(c.index) == index) else {
            return;
        };
        let c = self.open.remove(pos);
        let id = if c.id.is_empty() {
            made_up_id(self.calls)
        } else {
            c.id
        };
        // The thinking before the message's first call goes back with it.
        let (thinking, signature) = match self.thought.take().filter(|_| self.calls == 0) {
            Some((text, signature)) => (Some(text), Some(signature)),
            None => (None, None),
        };
        self.calls += 1;
        out.push_back(ChatEvent::ToolCall(ToolCall {
            id,
            name: c.name,
            arguments: if c.input.is_empty() {
                "{}".into()
            } else {
                c.input
            },
            signature,
            thinking,
            at: c.at,
        }));
    }
}

impl Decoder for AnthropicDecoder {
    fn frame(
        &mut self,
        _event: Option<&str>,
        data: &str,
        out: &mut VecDeque<ChatEvent>,
    ) -> Result<Flow, ProviderError> {
        let ev: Event =
            serde_json::from_str(data).map_err(|e| errors::bad_json(&self.provider, data, &e))?;
        match ev.kind.as_ref() {
            "message_start" => {
                let message = ev.message.unwrap_or(MessageStart {
                    model: None,
                    usage: None,
                });
                self.model = message.model;
                self.usage = message.usage;
                self.started = true;
                out.push_back(ChatEvent::Start {
                    model: self.model.clone(),
                });
            }
            "content_block_start" => {
                if ev
                    .content_block
                    .as_ref()
                    .is_some_and(|b| b.kind == "thinking")
                {
                    self.thinking = Some((String::new(), String::new()));
                }
                if let Some(b) = ev.content_block.filter(|b| b.kind == "tool_use") {
                    self.open.push(OpenCall {
                        index: ev.index.unwrap_or(usize::MAX),
                        id: b.id.map(Cow::into_owned).unwrap_or_default(),
                        name: b.name.map(Cow::into_owned).unwrap_or_default(),
                        input: String::new(),
                        at: self.text_bytes,
                    });
                }
            }
            "content_block_stop" => {
                // Only a signed block can go back.
                if let Some(block) = self.thinking.take().filter(|(_, sig)| !sig.is_empty()) {
                    self.thought = Some(block);
                }
                self.close(ev.index, out)
            }
            "content_block_delta" => {
                if let Some(d) = ev.delta {
                    match d.kind.as_deref() {
                        Some("text_delta") => {
                            if let Some(t) = d.text.filter(|t| !t.is_empty()) {
                                self.text_bytes += t.len();
                                out.push_back(ChatEvent::Delta(t.into_owned()));
                            }
                        }
                        Some("input_json_delta") => {
                            let index = ev.index.unwrap_or(usize::MAX);
                            let call = self.open.iter_mut().find(|c| c.index == index);
                            if let (Some(call), Some(piece)) = (call, d.partial_json) {
                                if call.input.len() + piece.len() > MAX_ARGUMENT_BYTES {
                                    return Err(errors::malformed(
                                        &self.provider,
                                        &format!(
                                            "a tool call's arguments passed {} MB",
                                            MAX_ARGUMENT_BYTES >> 20
                                        ),
                                    ));
                                }
                                call.input.push_str(&piece);
                            }
                        }
                        Some("thinking_delta") => {
                            if let Some(t) = d.thinking.filter(|t| !t.is_empty()) {
                                if let Some((text, _)) = &mut self.thinking {
                                    push_capped(text, &t);
                                }
                                out.push_back(ChatEvent::Reasoning(t.into_owned()));
                            }
                        }
                        Some("signature_delta") => {
                            if let (Some((_, sig)), Some(s)) = (&mut self.thinking, d.signature) {
                                push_capped(sig, &s);
                            }
                        }
                        // citations: not shown.
                        _ => {}
                    }
                }
            }
            "message_delta" => {
                if let Some(reason) = ev.delta.as_ref().and_then(|d| d.stop_reason.as_deref()) {
                    self.stop = Some(stop_reason(reason));
                }
                if let Some(u) = &ev.usage {
                    self.usage.get_or_insert_with(RawUsage::default).merge(u);
                }
            }
            "message_stop" => {
                self.stop.get_or_insert(FinishReason::Stop);
                self.eof(out)?;
                return Ok(Flow::Done);
            }
            "error" => {
                let value: serde_json::Value = serde_json::from_str(data)
                    .map_err(|e| errors::bad_json(&self.provider, data, &e))?;
                return Err(errors::in_stream(
                    ProviderKind::Anthropic,
                    &self.provider,
                    &value,
                ));
            }
            // ping, and event types added later.
            _ => {}
        }
        Ok(Flow::More)
    }

    fn eof(&mut self, out: &mut VecDeque<ChatEvent>) -> Result<(), ProviderError> {
        // A `message_delta` with a stop reason means the answer is whole even if the connection
        // closed before `message_stop`.
        if let Some(mut finish) = self.stop.take() {
            if self.calls > 0 && finish == FinishReason::Stop {
                finish = FinishReason::ToolCalls;
            }
            out.push_back(ChatEvent::End(StreamEnd {
                usage: self.usage.as_ref().map(|u| normalise(u, 0)),
                finish,
                model: self.model.clone(),
                provider_cost_usd: None,
            }));
            return Ok(());
        }
        Err(errors::malformed(
            &self.provider,
            if self.started {
                "the stream ended before the answer was complete (truncated)"
            } else {
                "the answer held no Messages events"
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use crate::chat::{ChatEvent, FinishReason, ToolCall, Usage};
    use crate::config::ProviderKind::Anthropic;
    use crate::error::ErrorClass;
    use crate::providers::test_support::whole;
    use crate::providers::test_support::{calls_of, decode_every_split, reasoning_of, text_of};
    use roundtable_fakes::fixtures;

    fn call(id: &str, name: &str, arguments: &str, at: usize) -> ToolCall {
        ToolCall {
            at,
            ..ToolCall::new(id, name, arguments)
        }
    }

    #[test]
    fn a_tool_use_block_after_text() {
        let (events, end) = decode_every_split(Anthropic, fixtures::ANTHROPIC_TOOLS.as_bytes());
        let text = "I'll check the current weather in Paris for you.";
        assert_eq!(text_of(&events), text);
        assert_eq!(
            calls_of(&events),
            vec![call(
                "toolu_01NRLabsLyVHZPKxbKvkfSMn",
                "get_weather",
                "{\"location\": \"Paris\"}",
                text.len()
            )]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn a_call_without_arguments_is_an_empty_object() {
        let (events, end) =
            decode_every_split(Anthropic, fixtures::ANTHROPIC_TOOL_NO_ARGS.as_bytes());
        assert_eq!(
            calls_of(&events),
            vec![call(
                "toolu_01QE1WLsSVp5hy5Q3GmGTmjP",
                "updateIssueList",
                "{}",
                0
            )]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn a_call_cut_by_max_tokens_is_not_emitted() {
        let head = "event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\",\"id\":\"toolu_cut\",\"name\":\"save\",\"input\":{}}}\n\n";
        let stream = format!("{head}{}", fixtures::ANTHROPIC_MAX_TOKENS_MID_CALL);
        let (events, end) = decode_every_split(Anthropic, stream.as_bytes());
        assert!(calls_of(&events).is_empty(), "{events:?}");
        assert_eq!(end.unwrap().finish, FinishReason::Length);
    }

    #[test]
    fn parallel_calls_and_invalid_arguments_stream_as_written() {
        let block = |i: usize, id: &str, pieces: &[&str]| {
            let mut s = format!("event: content_block_start\ndata: {{\"type\":\"content_block_start\",\"index\":{i},\"content_block\":{{\"type\":\"tool_use\",\"id\":\"{id}\",\"name\":\"t\",\"input\":{{}}}}}}\n\n");
            for p in pieces {
                let p = serde_json::to_string(p).unwrap();
                s += &format!("event: content_block_delta\ndata: {{\"type\":\"content_block_delta\",\"index\":{i},\"delta\":{{\"type\":\"input_json_delta\",\"partial_json\":{p}}}}}\n\n");
            }
            s + &format!("event: content_block_stop\ndata: {{\"type\":\"content_block_stop\",\"index\":{i}}}\n\n")
        };
        let stream = [
            "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"model\":\"claude\",\"usage\":{\"input_tokens\":3}}}\n\n".to_string(),
            block(0, "toolu_a", &["{\"a\": ", "1}"]),
            block(1, "toolu_b", &["{\"b\": tru"]),
            "event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"},\"usage\":{\"output_tokens\":9}}\n\n".to_string(),
            "event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n".to_string(),
        ]
        .concat();
        let (events, end) = decode_every_split(Anthropic, stream.as_bytes());
        assert_eq!(
            calls_of(&events),
            vec![
                call("toolu_a", "t", "{\"a\": 1}", 0),
                call("toolu_b", "t", "{\"b\": tru", 0)
            ]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn whole_answer_with_parallel_tool_use_blocks() {
        // §4b's block, a second call, and a call with no input.
        let body = br#"{"id": "msg_01XFDUDYJgAACzvnptvVoYEL", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
 "content": [{"type": "text", "text": "Let me look that up."},
             {"type": "tool_use", "id": "toolu_01D7FLrfh4GYq7yT1ULFeyMV", "name": "get_stock_price", "input": {"ticker": "^GSPC"}},
             {"type": "tool_use", "id": "toolu_02", "name": "now", "input": {}}],
 "stop_reason": "tool_use", "stop_sequence": null, "usage": {"input_tokens": 402, "output_tokens": 61}}"#;
        let r = whole(Anthropic, body).unwrap();
        assert_eq!(r.text, "Let me look that up.");
        assert_eq!(
            r.tool_calls,
            vec![
                call(
                    "toolu_01D7FLrfh4GYq7yT1ULFeyMV",
                    "get_stock_price",
                    "{\"ticker\":\"^GSPC\"}",
                    20
                ),
                call("toolu_02", "now", "{}", 20),
            ]
        );
        assert_eq!(r.end.finish, FinishReason::ToolCalls);
    }

    #[test]
    fn the_signed_thinking_before_a_call_goes_with_its_first_call() {
        let ev = |data: &str| format!("event: x\ndata: {data}\n\n");
        let stream = [
            ev(r#"{"type":"message_start","message":{"model":"claude-sonnet-4-5","usage":{"input_tokens":5,"output_tokens":1}}}"#),
            ev(r#"{"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}"#),
            ev(r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Use the "}}"#),
            ev(r#"{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"tool."}}"#),
            ev(r#"{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAh"}}"#),
            ev(r#"{"type":"content_block_stop","index":0}"#),
            ev(r#"{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"t","input":{}}}"#),
            ev(r#"{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{}"}}"#),
            ev(r#"{"type":"content_block_stop","index":1}"#),
            ev(r#"{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_2","name":"t","input":{}}}"#),
            ev(r#"{"type":"content_block_stop","index":2}"#),
            ev(r#"{"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":9}}"#),
            ev(r#"{"type":"message_stop"}"#),
        ]
        .concat();
        let (events, end) = decode_every_split(Anthropic, stream.as_bytes());
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
        let calls: Vec<&ToolCall> = events
            .iter()
            .filter_map(|e| match e {
                ChatEvent::ToolCall(c) => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].thinking.as_deref(), Some("Use the tool."));
        assert_eq!(calls[0].signature.as_deref(), Some("EqQBCgIYAh"));
        assert_eq!(
            (calls[1].thinking.as_deref(), calls[1].signature.as_deref()),
            (None, None)
        );
    }

    #[test]
    fn basic_text() {
        let (events, end) = decode_every_split(Anthropic, fixtures::ANTHROPIC_BASIC.as_bytes());
        assert_eq!(
            events[0],
            ChatEvent::Start {
                model: Some("claude-3-opus-latest".into())
            }
        );
        assert_eq!(text_of(&events), "Hello there!");
        let end = end.unwrap();
        assert_eq!(end.finish, FinishReason::Stop);
        assert_eq!(
            end.usage.unwrap(),
            Usage {
                input_tokens: 11,
                output_tokens: 6,
                ..Default::default()
            }
        );
    }

    #[test]
    fn cache_reads_are_counted_once() {
        let (events, end) = decode_every_split(Anthropic, fixtures::ANTHROPIC_CACHE.as_bytes());
        assert_eq!(text_of(&events), "OK.");
        let u = end.unwrap().usage.unwrap();
        assert_eq!(
            u,
            Usage {
                input_tokens: 4211,
                output_tokens: 5,
                cache_read_tokens: 4202,
                cache_write_tokens: 0,
                reasoning_tokens: 0,
                image_tokens: 0,
            }
        );
    }

    #[test]
    fn thinking_is_reasoning() {
        let (events, end) = decode_every_split(Anthropic, fixtures::ANTHROPIC_THINKING.as_bytes());
        assert!(reasoning_of(&events).starts_with("I'm working through the Euclidean algorithm"));
        assert!(text_of(&events).starts_with("# Finding GCD"));
        let u = end.unwrap().usage.unwrap();
        assert_eq!((u.output_tokens, u.reasoning_tokens), (373, 62));
    }

    #[test]
    fn error_event_mid_stream() {
        let (events, end) = decode_every_split(Anthropic, fixtures::ANTHROPIC_ERROR.as_bytes());
        assert_eq!(text_of(&events), "Hello");
        assert_eq!(end.unwrap_err().class, ErrorClass::Overloaded);
    }

    #[test]
    fn cut_before_message_stop() {
        let s = fixtures::ANTHROPIC_BASIC;
        let cut = &s[..s.find("event: message_delta").unwrap()];
        let (events, end) = decode_every_split(Anthropic, cut.as_bytes());
        assert_eq!(text_of(&events), "Hello there!");
        let err = end.unwrap_err();
        assert_eq!(err.class, ErrorClass::MalformedStream);
        assert!(err.message.contains("truncated"));
    }

    #[test]
    fn a_stop_reason_without_message_stop_still_ends_the_answer() {
        let s = fixtures::ANTHROPIC_BASIC;
        let cut = &s[..s.find("event: message_stop").unwrap()];
        let (events, end) = decode_every_split(Anthropic, cut.as_bytes());
        assert_eq!(text_of(&events), "Hello there!");
        let end = end.unwrap();
        assert_eq!(end.finish, FinishReason::Stop);
        assert_eq!(end.usage.unwrap().output_tokens, 6);
    }
}
