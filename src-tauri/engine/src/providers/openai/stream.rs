//! Reads OpenAI chat-completion chunks (streamed, or one whole answer) into events: content,
//! `reasoning_content` (DeepSeek, xAI) and `reasoning` (OpenRouter), the usage chunk, the finish
//! reason, and in-stream error chunks (OpenRouter).

use std::borrow::Cow;
use std::collections::VecDeque;

use serde::Deserialize;

use crate::chat::{ChatEvent, FinishReason, StreamEnd, Usage};
use crate::error::ProviderError;
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

/// The chat-completions decoder.
pub(crate) struct OpenAiDecoder {
    provider: String,
    opening: Opening,
    finish: Option<FinishReason>,
    usage: Option<Usage>,
    cost: Option<f64>,
}

impl OpenAiDecoder {
    pub(crate) fn new(provider: String) -> Self {
        OpenAiDecoder {
            provider,
            opening: Opening::default(),
            finish: None,
            usage: None,
            cost: None,
        }
    }

    fn end(&mut self, out: &mut VecDeque<ChatEvent>) {
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
                    out.push_back(ChatEvent::Delta(c.to_string()));
                }
            }
            if let Some(f) = &choice.finish_reason {
                self.finish = Some(finish_reason(f));
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
    use crate::chat::{ChatEvent, FinishReason, Usage};
    use crate::config::ProviderKind::OpenAi;
    use crate::error::ErrorClass;
    use crate::providers::test_support::{decode_every_split, text_of};
    use roundtable_fakes::fixtures;

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
