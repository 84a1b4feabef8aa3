//! Reads Anthropic's typed stream events: `message_start`, content blocks (`text_delta`,
//! `thinking_delta`), the cumulative usage of `message_delta`, `message_stop`, `ping`, `error`.
//! Unknown events are ignored, as Anthropic's versioning policy asks.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde::Deserialize;

use crate::chat::{ChatEvent, FinishReason, StreamEnd, Usage};
use crate::error::ProviderError;
use crate::providers::{errors, Decoder, Flow, ProviderKind};

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    message: Option<MessageStart>,
    #[serde(borrow)]
    delta: Option<Delta<'a>>,
    usage: Option<RawUsage>,
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

/// The Messages stream decoder.
pub(crate) struct AnthropicDecoder {
    provider: String,
    started: bool,
    model: Option<String>,
    usage: Option<RawUsage>,
    stop: Option<FinishReason>,
}

impl AnthropicDecoder {
    pub(crate) fn new(provider: String) -> Self {
        AnthropicDecoder {
            provider,
            started: false,
            model: None,
            usage: None,
            stop: None,
        }
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
            "content_block_delta" => {
                if let Some(d) = ev.delta {
                    match d.kind.as_deref() {
                        Some("text_delta") => {
                            if let Some(t) = d.text.filter(|t| !t.is_empty()) {
                                out.push_back(ChatEvent::Delta(t.into_owned()));
                            }
                        }
                        Some("thinking_delta") => {
                            if let Some(t) = d.thinking.filter(|t| !t.is_empty()) {
                                out.push_back(ChatEvent::Reasoning(t.into_owned()));
                            }
                        }
                        // signature_delta, input_json_delta, citations: not shown.
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
            // ping, content_block_start/stop, and event types added later.
            _ => {}
        }
        Ok(Flow::More)
    }

    fn eof(&mut self, out: &mut VecDeque<ChatEvent>) -> Result<(), ProviderError> {
        // A `message_delta` with a stop reason means the answer is whole even if the connection
        // closed before `message_stop`.
        if let Some(finish) = self.stop.take() {
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
    use crate::chat::{ChatEvent, FinishReason, Usage};
    use crate::config::ProviderKind::Anthropic;
    use crate::error::ErrorClass;
    use crate::providers::test_support::{decode_every_split, reasoning_of, text_of};
    use roundtable_fakes::fixtures;

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
