//! Reads Gemini `GenerateContentResponse` frames: text parts, thought parts (`"thought": true`),
//! `functionCall` parts, the cumulative `usageMetadata` (the last one wins), `finishReason`,
//! safety blocks and errors. The stream has no `[DONE]`: it ends when the connection closes
//! after a `finishReason`.
//!
//! A `functionCall` part is a whole call (Gemini does not stream arguments on this endpoint):
//! emitted at once, `args` as its JSON text (`{}` when absent), the part's `thoughtSignature`
//! kept to be echoed, and its `id` when Gemini gave one; it usually gives none, and the call is
//! then named by a made-up id (`tools::MADE_UP_ID_PREFIX`), never sent back. Gemini finishes a
//! call with `STOP`; an answer with calls finishes `ToolCalls`.

use std::borrow::Cow;
use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::Value;

use crate::chat::{ChatEvent, FinishReason, StreamEnd, ToolCall, Usage};
use crate::error::{ErrorClass, ProviderError};
use crate::providers::tools::made_up_id;
use crate::providers::{errors, Decoder, Flow, Opening, ProviderKind};

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Response<'a> {
    #[serde(borrow, default)]
    candidates: Vec<Candidate<'a>>,
    usage_metadata: Option<RawUsage>,
    model_version: Option<String>,
    prompt_feedback: Option<PromptFeedback>,
    error: Option<serde_json::Value>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Candidate<'a> {
    #[serde(borrow)]
    content: Option<Content<'a>>,
    finish_reason: Option<String>,
}

#[derive(Deserialize)]
struct Content<'a> {
    #[serde(borrow, default)]
    parts: Vec<Part<'a>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Part<'a> {
    #[serde(borrow)]
    text: Option<Cow<'a, str>>,
    #[serde(default)]
    thought: bool,
    function_call: Option<FunctionCall>,
    thought_signature: Option<String>,
}

#[derive(Deserialize)]
struct FunctionCall {
    id: Option<String>,
    name: Option<String>,
    args: Option<Value>,
}

#[derive(Deserialize, Clone, Copy)]
#[serde(rename_all = "camelCase")]
struct RawUsage {
    #[serde(default)]
    prompt_token_count: u64,
    #[serde(default)]
    candidates_token_count: u64,
    #[serde(default)]
    thoughts_token_count: u64,
    #[serde(default)]
    cached_content_token_count: u64,
    /// The prompt's tokens by modality: `[{"modality":"IMAGE","tokenCount":258}, …]`.
    #[serde(default)]
    prompt_tokens_details: Option<ModalityCounts>,
}

/// Gemini's per-modality counts, summed for what is not text (images, documents, video).
#[derive(Deserialize, Clone, Copy, Default)]
#[serde(from = "Vec<ModalityCount>")]
struct ModalityCounts {
    media: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ModalityCount {
    #[serde(default)]
    modality: String,
    #[serde(default)]
    token_count: u64,
}

impl From<Vec<ModalityCount>> for ModalityCounts {
    fn from(list: Vec<ModalityCount>) -> Self {
        ModalityCounts {
            media: list
                .iter()
                .filter(|m| m.modality != "TEXT")
                .map(|m| m.token_count)
                .sum(),
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromptFeedback {
    block_reason: Option<String>,
}

fn finish_reason(s: &str) -> FinishReason {
    match s {
        "STOP" => FinishReason::Stop,
        "MAX_TOKENS" => FinishReason::Length,
        "SAFETY" | "RECITATION" | "BLOCKLIST" | "PROHIBITED_CONTENT" | "SPII" | "IMAGE_SAFETY" => {
            FinishReason::ContentFilter
        }
        // A call Gemini could not make arrives as no call at all: not `ToolCalls`.
        other => FinishReason::Other(other.to_ascii_lowercase()),
    }
}

/// Gemini counts thoughts apart from the answer; ours are part of the output.
fn normalise(u: &RawUsage) -> Usage {
    Usage {
        input_tokens: u.prompt_token_count,
        output_tokens: u.candidates_token_count + u.thoughts_token_count,
        cache_read_tokens: u.cached_content_token_count,
        cache_write_tokens: 0,
        reasoning_tokens: u.thoughts_token_count,
        image_tokens: u.prompt_tokens_details.map_or(0, |d| d.media),
    }
}

/// The Gemini decoder.
pub(crate) struct GeminiDecoder {
    provider: String,
    opening: Opening,
    usage: Option<RawUsage>,
    finish: Option<FinishReason>,
    /// Bytes of answer text so far (where a call was made).
    text_bytes: usize,
    /// Calls emitted so far.
    calls: usize,
}

impl GeminiDecoder {
    pub(crate) fn new(provider: String) -> Self {
        GeminiDecoder {
            provider,
            opening: Opening::default(),
            usage: None,
            finish: None,
            text_bytes: 0,
            calls: 0,
        }
    }

    fn call(
        &mut self,
        f: &FunctionCall,
        signature: Option<&String>,
        out: &mut VecDeque<ChatEvent>,
    ) {
        // Vertex's streamed-argument form ends with an empty `functionCall`; it names nothing.
        let Some(name) = f.name.as_deref().filter(|n| !n.is_empty()) else {
            return;
        };
        let arguments = match &f.args {
            None | Some(Value::Null) => "{}".to_string(),
            Some(args) => args.to_string(),
        };
        let id = match f.id.as_deref().filter(|id| !id.is_empty()) {
            Some(id) => id.to_string(),
            None => made_up_id(self.calls),
        };
        self.calls += 1;
        out.push_back(ChatEvent::ToolCall(ToolCall {
            id,
            name: name.to_string(),
            arguments,
            signature: signature.cloned(),
            thinking: None,
            at: self.text_bytes,
        }));
    }
}

impl Decoder for GeminiDecoder {
    fn frame(
        &mut self,
        _event: Option<&str>,
        data: &str,
        out: &mut VecDeque<ChatEvent>,
    ) -> Result<Flow, ProviderError> {
        let r: Response =
            serde_json::from_str(data).map_err(|e| errors::bad_json(&self.provider, data, &e))?;
        if let Some(err) = &r.error {
            return Err(errors::in_stream_member(
                ProviderKind::Gemini,
                &self.provider,
                err,
            ));
        }
        if let Some(reason) = r
            .prompt_feedback
            .as_ref()
            .and_then(|f| f.block_reason.as_deref())
        {
            if r.candidates.is_empty() {
                return Err(ProviderError::new(
                    &self.provider,
                    ErrorClass::ContentFiltered,
                    format!("the prompt was blocked ({reason})"),
                ));
            }
        }
        self.opening.see(r.model_version.as_deref(), out);
        if let Some(c) = r.candidates.first() {
            for part in c.content.iter().flat_map(|c| &c.parts) {
                if let Some(t) = part.text.as_deref().filter(|t| !t.is_empty()) {
                    out.push_back(if part.thought {
                        ChatEvent::Reasoning(t.to_string())
                    } else {
                        self.text_bytes += t.len();
                        ChatEvent::Delta(t.to_string())
                    });
                }
                if let Some(f) = &part.function_call {
                    self.call(f, part.thought_signature.as_ref(), out);
                }
            }
            if let Some(f) = &c.finish_reason {
                self.finish = Some(finish_reason(f));
            }
        }
        if r.usage_metadata.is_some() {
            self.usage = r.usage_metadata;
        }
        Ok(Flow::More)
    }

    fn eof(&mut self, out: &mut VecDeque<ChatEvent>) -> Result<(), ProviderError> {
        match self.finish.take() {
            Some(mut finish) => {
                if self.calls > 0 && finish == FinishReason::Stop {
                    finish = FinishReason::ToolCalls;
                }
                out.push_back(ChatEvent::End(StreamEnd {
                    usage: self.usage.as_ref().map(normalise),
                    finish,
                    model: self.opening.model(),
                    provider_cost_usd: None,
                }));
                Ok(())
            }
            None if self.opening.started() => Err(errors::malformed(
                &self.provider,
                "the stream ended before a finishReason (truncated)",
            )),
            None => Err(errors::malformed(
                &self.provider,
                "the answer held no Gemini response",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::chat::{ChatEvent, FinishReason, ToolCall};
    use crate::config::ProviderKind::Gemini;
    use crate::error::ErrorClass;
    use crate::providers::test_support::{
        calls_of, decode_every_split, reasoning_of, text_of, whole,
    };
    use roundtable_fakes::fixtures;

    fn call(id: &str, name: &str, arguments: &str, signature: Option<&str>) -> ToolCall {
        ToolCall {
            signature: signature.map(str::to_string),
            ..ToolCall::new(id, name, arguments)
        }
    }

    const FINISH: &str = "data: {\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}]}\n\n";

    #[test]
    fn a_whole_call_in_one_part_with_its_signature() {
        let (events, end) = decode_every_split(Gemini, fixtures::GEMINI_TOOL_CALL.as_bytes());
        assert_eq!(
            calls_of(&events),
            vec![call(
                "rt_call_0",
                "weather",
                "{\"location\":\"San Francisco\"}",
                Some("EqUCCqICAb4+9vsh…")
            )]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn a_call_without_args_is_an_empty_object() {
        let stream = format!("{}{FINISH}", fixtures::GEMINI_NO_ARGS_TOOL_CALL);
        let (events, end) = decode_every_split(Gemini, stream.as_bytes());
        assert_eq!(
            calls_of(&events),
            vec![call(
                "rt_call_0",
                "read_theme",
                "{}",
                Some("AY89a18a8/Loc2wl5oft…")
            )]
        );
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn parallel_calls_across_chunks_with_and_without_ids() {
        let stream = [
            "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Checking.\"},{\"functionCall\":{\"name\":\"get_weather\",\"args\":{\"city\":\"Paris\"}},\"thoughtSignature\":\"sig\"}]}}]}\n\n",
            "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"id\":\"fc_7\",\"name\":\"get_weather\",\"args\":{\"city\":\"Tokyo\"}}}]}}]}\n\n",
            FINISH,
        ]
        .concat();
        let (events, end) = decode_every_split(Gemini, stream.as_bytes());
        assert_eq!(text_of(&events), "Checking.");
        let mut paris = call(
            "rt_call_0",
            "get_weather",
            "{\"city\":\"Paris\"}",
            Some("sig"),
        );
        paris.at = 9;
        let mut tokyo = call("fc_7", "get_weather", "{\"city\":\"Tokyo\"}", None);
        tokyo.at = 9;
        assert_eq!(calls_of(&events), vec![paris, tokyo]);
        assert_eq!(end.unwrap().finish, FinishReason::ToolCalls);
    }

    #[test]
    fn whole_answer_with_a_call() {
        // §4c, verbatim (gemini-pro).
        let body = br#"{"candidates": [{"content": {"parts": [{"functionCall": {"name": "find_theaters", "args": {"movie": "Barbie", "location": "Mountain View, CA"}}}], "role": "model"}, "finishReason": "STOP", "index": 0}]}"#;
        let r = whole(Gemini, body).unwrap();
        assert_eq!(
            r.tool_calls,
            vec![call(
                "rt_call_0",
                "find_theaters",
                "{\"movie\":\"Barbie\",\"location\":\"Mountain View, CA\"}",
                None
            )]
        );
        assert_eq!(r.end.finish, FinishReason::ToolCalls);
    }

    #[test]
    fn a_malformed_call_is_not_a_tool_call_finish() {
        let body = br#"{"candidates": [{"content": {"parts": [], "role": "model"}, "finishReason": "MALFORMED_FUNCTION_CALL", "index": 0}]}"#;
        let r = whole(Gemini, body).unwrap();
        assert!(r.tool_calls.is_empty());
        assert_eq!(
            r.end.finish,
            FinishReason::Other("malformed_function_call".into())
        );
    }

    #[test]
    fn crlf_text_with_cumulative_usage() {
        let (events, end) = decode_every_split(Gemini, fixtures::GEMINI_TEXT.as_bytes());
        assert_eq!(
            events[0],
            ChatEvent::Start {
                model: Some("gemini-3-pro-preview".into())
            }
        );
        assert_eq!(
            text_of(&events),
            "There are **3** \"r\"s in strawberry.\n\nst**r**awbe**rr**y"
        );
        let end = end.unwrap();
        assert_eq!(end.finish, FinishReason::Stop);
        let u = end.usage.unwrap();
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.reasoning_tokens),
            (9, 23 + 185, 185)
        );
    }

    #[test]
    fn thoughts_are_reasoning() {
        let (events, end) = decode_every_split(Gemini, fixtures::GEMINI_THINKING.as_bytes());
        assert!(reasoning_of(&events).starts_with("**Defining Sky Color**"));
        assert_eq!(
            text_of(&events),
            "The sky is blue because of Rayleigh scattering."
        );
        assert!(end.is_ok());
    }

    #[test]
    fn blocked_prompt_and_truncation() {
        let (_, end) = decode_every_split(
            Gemini,
            b"data: {\"promptFeedback\":{\"blockReason\":\"SAFETY\"}}\r\n\r\n",
        );
        assert_eq!(end.unwrap_err().class, ErrorClass::ContentFiltered);
        let s = fixtures::GEMINI_TEXT;
        let cut = &s[..s.find("thoughtSignature").unwrap() - 60];
        let (_, end) = decode_every_split(Gemini, cut.as_bytes());
        assert_eq!(end.unwrap_err().class, ErrorClass::MalformedStream);
    }

    #[test]
    fn whole_answer() {
        let body = br#"{"candidates":[{"content":{"parts":[{"text":"Hi"}],"role":"model"},"finishReason":"MAX_TOKENS"}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":1,"cachedContentTokenCount":2},"modelVersion":"gemini-2.0-flash"}"#;
        let r = whole(Gemini, body).unwrap();
        assert_eq!(r.text, "Hi");
        assert_eq!(r.end.finish, FinishReason::Length);
        assert_eq!(r.end.usage.unwrap().cache_read_tokens, 2);
    }

    #[test]
    fn image_and_document_tokens_are_read_from_the_prompts_modality_counts() {
        let body = br#"{"candidates":[{"content":{"parts":[{"text":"A chart."}],"role":"model"},"finishReason":"STOP"}],"usageMetadata":{"promptTokenCount":1290,"candidatesTokenCount":3,"promptTokensDetails":[{"modality":"TEXT","tokenCount":14},{"modality":"IMAGE","tokenCount":1018},{"modality":"DOCUMENT","tokenCount":258}]},"modelVersion":"gemini-2.5-flash"}"#;
        let u = whole(Gemini, body).unwrap().end.usage.unwrap();
        assert_eq!((u.input_tokens, u.image_tokens), (1290, 1276));
    }
}
