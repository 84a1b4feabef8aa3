//! Builds OpenAI chat-completions requests and reads model lists (OpenRouter's with prices and
//! context lengths). Streams and whole answers are read by `stream.rs`.

use serde::Deserialize;
use serde_json::{json, Value};

use super::tools;
use crate::chat::ChatRequest;
use crate::error::ProviderError;
use crate::models::{ModelInfo, Pricing};
use crate::providers::{bearer, errors, Provider, WireRequest};

pub(crate) fn chat_request(
    provider: &Provider,
    key: Option<&str>,
    model: &str,
    req: &ChatRequest,
    stream: bool,
) -> Result<WireRequest, ProviderError> {
    let messages = tools::messages(req);
    let mut body = json!({"model": model, "messages": messages, "stream": stream});
    if stream {
        body["stream_options"] = json!({"include_usage": true});
    }
    if let Some(t) = req.temperature {
        body["temperature"] = json!(t);
    }
    if let Some(p) = req.top_p {
        body["top_p"] = json!(p);
    }
    if let Some(seed) = req.seed {
        body["seed"] = json!(seed);
    }
    if !req.stop.is_empty() {
        body["stop"] = json!(req.stop);
    }
    if let Some(n) = req.max_tokens {
        let field = if provider.quirks.max_completion_tokens {
            "max_completion_tokens"
        } else {
            "max_tokens"
        };
        body[field] = json!(n);
    }
    if let Some(effort) = req.reasoning {
        if provider.quirks.openrouter {
            body["reasoning"] = json!({"effort": effort.as_str()});
        } else {
            body["reasoning_effort"] = json!(effort.as_str());
        }
    }
    if provider.quirks.openrouter {
        body["usage"] = json!({"include": true});
    }
    tools::apply(&mut body, req);
    Ok(WireRequest {
        url: provider.url("/chat/completions"),
        headers: bearer(key),
        body: Some(body),
    })
}

pub(crate) fn models_request(provider: &Provider, key: Option<&str>) -> WireRequest {
    WireRequest {
        url: provider.url("/models"),
        headers: bearer(key),
        body: None,
    }
}

#[derive(Deserialize)]
struct RawModel {
    id: String,
    name: Option<String>,
    context_length: Option<u64>,
    pricing: Option<RawPricing>,
    architecture: Option<RawArchitecture>,
    /// OpenRouter: the request parameters a model takes (`tools` among them, or not).
    supported_parameters: Option<Vec<String>>,
}

/// OpenRouter's `architecture`: what a model reads.
#[derive(Deserialize)]
struct RawArchitecture {
    input_modalities: Option<Vec<String>>,
}

/// OpenRouter prices: USD per token, as strings.
#[derive(Deserialize)]
struct RawPricing {
    prompt: Option<String>,
    completion: Option<String>,
    input_cache_read: Option<String>,
    input_cache_write: Option<String>,
}

/// What a model reads, and (from `supported_parameters`, when the list is given) whether it calls
/// tools: `tools`, or `no_tools` for a model whose list lacks it.
fn inputs(
    architecture: Option<RawArchitecture>,
    parameters: Option<Vec<String>>,
) -> Option<Vec<String>> {
    // Without its modalities a model stays unknown (a list of words says "no images" too).
    let mut words = architecture.and_then(|a| a.input_modalities)?;
    if let Some(params) = parameters {
        let tools = params.iter().any(|p| p == "tools");
        words.push(if tools { "tools" } else { "no_tools" }.to_string());
    }
    Some(words)
}

fn per_million(v: &Option<String>) -> Option<f64> {
    let per_token: f64 = v.as_deref()?.trim().parse().ok()?;
    // OpenRouter uses -1 for "varies" (its auto router).
    (per_token >= 0.0).then(|| (per_token * 1e6 * 1e6).round() / 1e6)
}

pub(crate) fn parse_models(
    provider: &Provider,
    body: &[u8],
) -> Result<Vec<ModelInfo>, ProviderError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        errors::malformed(&provider.id, &format!("the model list is not JSON ({e})"))
    })?;
    // OpenAI: {"data": [...]}; Together and some servers: a bare array.
    let list = value.get("data").cloned().unwrap_or(value);
    let raw: Vec<RawModel> = serde_json::from_value(list)
        .map_err(|e| errors::malformed(&provider.id, &format!("unexpected model list ({e})")))?;
    Ok(raw
        .into_iter()
        .map(|m| ModelInfo {
            id: format!("{}/{}", provider.id, m.id),
            name: m.name,
            context_length: m.context_length,
            pricing: m.pricing.and_then(|p| {
                Some(Pricing {
                    input: per_million(&p.prompt)?,
                    output: per_million(&p.completion)?,
                    cache_read: per_million(&p.input_cache_read),
                    cache_write: per_million(&p.input_cache_write),
                })
            }),
            inputs: inputs(m.architecture, m.supported_parameters),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, ReasoningEffort};
    use crate::config::preset;

    #[test]
    fn request_body_has_system_history_options_and_usage() {
        let p = preset("openai").unwrap();
        let req = ChatRequest {
            system: Some("be brief".into()),
            messages: vec![
                Message::user("hi"),
                Message::assistant("hello"),
                Message::user("again"),
            ],
            temperature: Some(0.5),
            max_tokens: Some(100),
            reasoning: None,
            ..Default::default()
        };
        let w = chat_request(&p, Some("sk-test-FAKE"), "gpt-4o", &req, true).unwrap();
        assert_eq!(w.url.as_str(), "https://api.openai.com/v1/chat/completions");
        let b = w.body.unwrap();
        assert_eq!(
            b["messages"][0],
            json!({"role":"system","content":"be brief"})
        );
        assert_eq!(b["messages"][2]["role"], "assistant");
        assert_eq!(b["stream_options"]["include_usage"], true);
        assert_eq!(b["max_completion_tokens"], 100);
        assert_eq!(b["temperature"], 0.5);
        assert_eq!(w.headers[0].1, "Bearer sk-test-FAKE");
        assert!(w.headers[0].2, "the auth header is marked sensitive");
    }

    #[test]
    fn openrouter_asks_for_usage_and_reasoning() {
        let p = preset("openrouter").unwrap();
        let mut req = ChatRequest::new("hi");
        req.reasoning = Some(ReasoningEffort::High);
        req.max_tokens = Some(7);
        let b = chat_request(&p, None, "openai/gpt-4o", &req, false)
            .unwrap()
            .body
            .unwrap();
        assert_eq!(b["usage"]["include"], true);
        assert_eq!(b["reasoning"]["effort"], "high");
        assert_eq!(b["max_tokens"], 7);
        assert!(b.get("stream_options").is_none());
    }

    #[test]
    fn openrouter_catalog_prices_per_million() {
        let p = preset("openrouter").unwrap();
        let body = br#"{"data":[{"id":"anthropic/claude-3.5-sonnet","name":"Claude 3.5 Sonnet","context_length":200000,"pricing":{"prompt":"0.000003","completion":"0.000015","input_cache_read":"0.0000003","input_cache_write":"0.00000375"},"architecture":{"input_modalities":["text","image"]},"supported_parameters":["tools","temperature"]},{"id":"openrouter/auto","pricing":{"prompt":"-1","completion":"-1"},"architecture":{"input_modalities":["text"]},"supported_parameters":["temperature"]},{"id":"x/y","supported_parameters":["tools"]}]}"#;
        let models = parse_models(&p, body).unwrap();
        let read = |i: usize| {
            crate::attach::send::Inputs::from_modalities(models[i].inputs.as_deref().unwrap())
        };
        assert_eq!(read(0).tools, Some(true));
        assert_eq!(read(0).image, Some(true));
        assert_eq!(read(1).tools, Some(false), "a list without tools");
        assert_eq!(models[2].inputs, None, "no modalities: unknown");
        assert_eq!(models[0].id, "openrouter/anthropic/claude-3.5-sonnet");
        assert_eq!(models[0].context_length, Some(200_000));
        let price = models[0].pricing.unwrap();
        assert_eq!(
            (
                price.input,
                price.output,
                price.cache_read,
                price.cache_write
            ),
            (3.0, 15.0, Some(0.3), Some(3.75))
        );
        assert!(models[1].pricing.is_none());
        assert!(parse_models(&p, b"<html>").is_err());
    }
}
