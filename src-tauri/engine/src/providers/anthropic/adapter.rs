//! Builds Anthropic Messages requests — a long system prompt goes with `cache_control`, so later
//! turns read it from the cache — reads whole answers (text, thinking, `tool_use` blocks) and
//! the models list.

use std::collections::VecDeque;

use serde::Deserialize;
use serde_json::{json, Value};

use super::stream::{normalise, stop_reason, RawUsage};
use super::tools;
use crate::chat::{ChatEvent, ChatRequest, FinishReason, StreamEnd, ToolCall};
use crate::error::ProviderError;
use crate::models::ModelInfo;
use crate::providers::tools::{made_up_id, WireIds};
use crate::providers::{errors, parts, Provider, WireRequest};

/// The API version every request names.
pub(crate) const API_VERSION: &str = "2023-06-01";

/// A system prompt at least this long (about 1,024 tokens, the smallest cacheable prefix) is
/// marked for caching.
pub(crate) const CACHE_MIN_CHARS: usize = 4096;

/// Anthropic requires `max_tokens`; this is used when the request sets none.
const DEFAULT_MAX_TOKENS: u32 = 8192;

/// The signed thinking block an assistant turn's first call carries, as Anthropic wants it back.
fn thinking_block(m: &crate::chat::Message) -> Option<Value> {
    m.parts.iter().find_map(|p| match p {
        crate::chat::Part::ToolCall(c) => match (&c.thinking, &c.signature) {
            (Some(thinking), Some(signature)) => {
                Some(json!({"type": "thinking", "thinking": thinking, "signature": signature}))
            }
            _ => None,
        },
        _ => None,
    })
}

pub(crate) fn chat_request(
    provider: &Provider,
    key: Option<&str>,
    model: &str,
    req: &ChatRequest,
    stream: bool,
) -> Result<WireRequest, ProviderError> {
    let cache = parts::anthropic_cache_point(&req.messages);
    let mut ids = WireIds::default();
    let messages: Vec<Value> = req
        .messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mark = cache.filter(|c| c.0 == i).map(|c| c.1);
            let mut content = parts::anthropic_content(m, mark, &mut ids);
            // With thinking on, a tool loop's assistant turn starts with its signed thinking.
            if req.reasoning.is_some() {
                if let (Some(block), Some(blocks)) = (thinking_block(m), content.as_array_mut()) {
                    blocks.insert(0, block);
                }
            }
            json!({"role": m.role.as_str(), "content": content})
        })
        .collect();
    let mut max_tokens = req.max_tokens.unwrap_or(DEFAULT_MAX_TOKENS);
    let mut body =
        json!({"model": model, "messages": messages, "max_tokens": max_tokens, "stream": stream});
    if let Some(system) = &tools::system(req) {
        body["system"] = if system.len() >= CACHE_MIN_CHARS {
            json!([{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}])
        } else {
            json!(system)
        };
    }
    if let Some(effort) = req.reasoning {
        let budget = effort.budget_tokens();
        // The thinking budget must be below max_tokens.
        if max_tokens <= budget {
            max_tokens = budget + 1024;
            body["max_tokens"] = json!(max_tokens);
        }
        body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
    } else {
        // Anthropic rejects a temperature or top_p together with thinking.
        if let Some(t) = req.temperature {
            body["temperature"] = json!(t);
        }
        if let Some(p) = req.top_p {
            body["top_p"] = json!(p);
        }
    }
    // The Messages API takes no seed.
    if !req.stop.is_empty() {
        body["stop_sequences"] = json!(req.stop);
    }
    tools::apply(&provider.id, &mut body, req)?;
    Ok(WireRequest {
        url: provider.url("/messages"),
        headers: headers(key),
        body: Some(body),
    })
}

fn headers(key: Option<&str>) -> Vec<(&'static str, String, bool)> {
    let mut h = vec![("anthropic-version", API_VERSION.to_string(), false)];
    if let Some(k) = key {
        h.push(("x-api-key", k.to_string(), true));
    }
    h
}

pub(crate) fn models_request(provider: &Provider, key: Option<&str>) -> WireRequest {
    let mut url = provider.url("/models");
    url.set_query(Some("limit=1000"));
    WireRequest {
        url,
        headers: headers(key),
        body: None,
    }
}

#[derive(Deserialize)]
struct ModelList {
    data: Vec<RawModel>,
}

#[derive(Deserialize)]
struct RawModel {
    id: String,
    display_name: Option<String>,
}

pub(crate) fn parse_models(
    provider: &Provider,
    body: &[u8],
) -> Result<Vec<ModelInfo>, ProviderError> {
    let list: ModelList = serde_json::from_slice(body)
        .map_err(|e| errors::malformed(&provider.id, &format!("unexpected model list ({e})")))?;
    Ok(list
        .data
        .into_iter()
        .map(|m| ModelInfo {
            id: format!("{}/{}", provider.id, m.id),
            name: m.display_name,
            context_length: None,
            pricing: None,
            inputs: None,
        })
        .collect())
}

#[derive(Deserialize)]
struct Whole {
    model: Option<String>,
    #[serde(default)]
    content: Vec<Block>,
    stop_reason: Option<String>,
    usage: Option<RawUsage>,
}

#[derive(Deserialize)]
struct Block {
    #[serde(rename = "type")]
    kind: String,
    text: Option<String>,
    thinking: Option<String>,
    signature: Option<String>,
    id: Option<String>,
    name: Option<String>,
    input: Option<Value>,
}

/// Reads a whole (non-streamed) Messages answer.
pub(crate) fn decode_whole(
    provider: &str,
    body: &[u8],
    out: &mut VecDeque<ChatEvent>,
) -> Result<(), ProviderError> {
    let whole: Whole = serde_json::from_slice(body)
        .map_err(|e| errors::bad_json(provider, &String::from_utf8_lossy(body), &e))?;
    out.push_back(ChatEvent::Start {
        model: whole.model.clone(),
    });
    let (mut text_bytes, mut calls) = (0, 0);
    // The thinking before the first call goes back with it (a tool loop with thinking on).
    let mut thought: Option<(String, String)> = None;
    for block in whole.content {
        match (block.kind.as_str(), block.text, block.thinking) {
            ("text", Some(t), _) => {
                text_bytes += t.len();
                out.push_back(ChatEvent::Delta(t));
            }
            ("thinking", _, Some(t)) => {
                thought = block
                    .signature
                    .filter(|s| !s.is_empty())
                    .map(|s| (t.clone(), s));
                out.push_back(ChatEvent::Reasoning(t));
            }
            ("tool_use", _, _) => {
                let arguments = match block.input {
                    None | Some(Value::Null) => "{}".to_string(),
                    Some(input) => input.to_string(),
                };
                let id = block.id.unwrap_or_else(|| made_up_id(calls));
                let (thinking, signature) = match thought.take().filter(|_| calls == 0) {
                    Some((text, signature)) => (Some(text), Some(signature)),
                    None => (None, None),
                };
                calls += 1;
                out.push_back(ChatEvent::ToolCall(ToolCall {
                    id,
                    name: block.name.unwrap_or_default(),
                    arguments,
                    signature,
                    thinking,
                    at: text_bytes,
                }));
            }
            _ => {}
        }
    }
    let finish = match stop_reason(whole.stop_reason.as_deref().unwrap_or("end_turn")) {
        FinishReason::Stop if calls > 0 => FinishReason::ToolCalls,
        other => other,
    };
    out.push_back(ChatEvent::End(StreamEnd {
        usage: whole.usage.as_ref().map(|u| normalise(u, 0)),
        finish,
        model: whole.model,
        provider_cost_usd: None,
    }));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, ReasoningEffort};
    use crate::config::preset;

    #[test]
    fn long_system_prompts_are_cached_short_ones_are_not() {
        let p = preset("anthropic").unwrap();
        let mut req = ChatRequest::new("hi");
        req.system = Some("x".repeat(CACHE_MIN_CHARS));
        let w = chat_request(&p, Some("k"), "claude-3-5-sonnet-latest", &req, true).unwrap();
        assert_eq!(w.url.as_str(), "https://api.anthropic.com/v1/messages");
        let b = w.body.unwrap();
        assert_eq!(b["system"][0]["cache_control"]["type"], "ephemeral");
        assert_eq!(b["max_tokens"], DEFAULT_MAX_TOKENS);
        req.system = Some("short".into());
        let b = chat_request(&p, None, "m", &req, true)
            .unwrap()
            .body
            .unwrap();
        assert_eq!(b["system"], "short");
        assert!(w
            .headers
            .iter()
            .any(|(n, v, s)| *n == "x-api-key" && v == "k" && *s));
    }

    #[test]
    fn a_tool_loop_with_thinking_sends_the_signed_thinking_first() {
        use crate::chat::{Message, Part, Role, ToolCall, ToolResult};
        let p = preset("anthropic").unwrap();
        let call = ToolCall {
            id: "toolu_1".into(),
            name: "t".into(),
            arguments: "{}".into(),
            signature: Some("EqQBCgIYAh".into()),
            thinking: Some("Use the tool.".into()),
            at: 0,
        };
        let mut req = ChatRequest {
            messages: vec![
                Message::user("go"),
                Message {
                    role: Role::Assistant,
                    parts: vec![Part::Text("Checking.".into()), Part::ToolCall(call.clone())],
                },
                Message {
                    role: Role::User,
                    parts: vec![Part::ToolResult(ToolResult::text(&call, "ok", false))],
                },
            ],
            tools: vec![crate::chat::ToolSpec {
                name: "t".into(),
                description: String::new(),
                parameters: serde_json::json!({"type": "object"}),
            }],
            reasoning: Some(crate::chat::ReasoningEffort::Low),
            ..Default::default()
        };
        let b = chat_request(&p, None, "claude-sonnet-4-5", &req, true)
            .unwrap()
            .body
            .unwrap();
        let content = &b["messages"][1]["content"];
        assert_eq!(
            content[0],
            serde_json::json!({"type": "thinking", "thinking": "Use the tool.", "signature": "EqQBCgIYAh"})
        );
        assert_eq!(content[1]["type"], "text");
        assert_eq!(content[2]["type"], "tool_use");
        // Without thinking on, no thinking block is sent.
        req.reasoning = None;
        let b = chat_request(&p, None, "claude-sonnet-4-5", &req, true)
            .unwrap()
            .body
            .unwrap();
        assert_eq!(b["messages"][1]["content"][0]["type"], "text");
    }

    #[test]
    fn thinking_budget_fits_under_max_tokens() {
        let p = preset("anthropic").unwrap();
        let req = ChatRequest {
            messages: vec![
                Message::user("q"),
                Message::assistant("a"),
                Message::user("q2"),
            ],
            max_tokens: Some(1000),
            temperature: Some(0.3),
            reasoning: Some(ReasoningEffort::Low),
            ..Default::default()
        };
        let b = chat_request(&p, None, "m", &req, false)
            .unwrap()
            .body
            .unwrap();
        assert_eq!(b["thinking"]["budget_tokens"], 1024);
        assert!(b["max_tokens"].as_u64().unwrap() > 1024);
        assert!(b.get("temperature").is_none());
        assert_eq!(b["messages"][1]["role"], "assistant");
    }

    #[test]
    fn whole_answer_with_cache_usage() {
        let body = br#"{"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5-20251001","content":[{"type":"thinking","thinking":"hmm","signature":"x"},{"type":"text","text":"OK."}],"stop_reason":"max_tokens","usage":{"input_tokens":9,"cache_creation_input_tokens":10,"cache_read_input_tokens":4202,"output_tokens":5}}"#;
        let r = crate::providers::test_support::whole(crate::config::ProviderKind::Anthropic, body)
            .unwrap();
        assert_eq!((r.text.as_str(), r.reasoning.as_str()), ("OK.", "hmm"));
        let u = r.end.usage.unwrap();
        assert_eq!(
            (
                u.input_tokens,
                u.cache_read_tokens,
                u.cache_write_tokens,
                u.output_tokens
            ),
            (4221, 4202, 10, 5)
        );
        assert_eq!(r.end.finish, crate::chat::FinishReason::Length);
    }
}
