//! Builds Ollama `/api/chat` requests and reads `/api/tags`. A key, if one is configured (a
//! proxy in front of Ollama), goes as a bearer token.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::chat::ChatRequest;
use crate::error::ProviderError;
use crate::models::ModelInfo;
use crate::providers::{bearer, errors, parts, Provider, WireRequest};

pub(crate) fn chat_request(
    provider: &Provider,
    key: Option<&str>,
    model: &str,
    req: &ChatRequest,
    stream: bool,
) -> WireRequest {
    let system = req
        .system
        .iter()
        .map(|s| json!({"role": "system", "content": s}));
    let messages: Vec<Value> = system
        .chain(req.messages.iter().map(parts::ollama_message))
        .collect();
    let mut body = json!({"model": model, "messages": messages, "stream": stream});
    let mut options = serde_json::Map::new();
    if let Some(t) = req.temperature {
        options.insert("temperature".into(), json!(t));
    }
    if let Some(n) = req.max_tokens {
        options.insert("num_predict".into(), json!(n));
    }
    if !options.is_empty() {
        body["options"] = Value::Object(options);
    }
    if req.reasoning.is_some() {
        body["think"] = json!(true);
    }
    WireRequest {
        url: provider.url("/api/chat"),
        headers: bearer(key),
        body: Some(body),
    }
}

pub(crate) fn models_request(provider: &Provider) -> WireRequest {
    WireRequest {
        url: provider.url("/api/tags"),
        headers: Vec::new(),
        body: None,
    }
}

#[derive(Deserialize)]
struct Tags {
    #[serde(default)]
    models: Vec<Tag>,
}

#[derive(Deserialize)]
struct Tag {
    name: String,
}

pub(crate) fn parse_models(
    provider: &Provider,
    body: &[u8],
) -> Result<Vec<ModelInfo>, ProviderError> {
    let tags: Tags = serde_json::from_slice(body)
        .map_err(|e| errors::malformed(&provider.id, &format!("unexpected model list ({e})")))?;
    Ok(tags
        .models
        .into_iter()
        .map(|t| ModelInfo {
            id: format!("{}/{}", provider.id, t.name),
            name: None,
            context_length: None,
            pricing: None,
            inputs: None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset;

    #[test]
    fn request_shape() {
        let p = preset("ollama").unwrap();
        let mut req = ChatRequest::new("hi");
        req.system = Some("sys".into());
        req.max_tokens = Some(9);
        let w = chat_request(&p, None, "llama3.2", &req, true);
        assert_eq!(w.url.as_str(), "http://127.0.0.1:11434/api/chat");
        assert!(w.headers.is_empty());
        let b = w.body.unwrap();
        assert_eq!(b["messages"][0]["role"], "system");
        assert_eq!(b["options"]["num_predict"], 9);
        assert_eq!(b["stream"], true);
    }

    #[test]
    fn tags() {
        let p = preset("ollama").unwrap();
        let m = parse_models(
            &p,
            br#"{"models":[{"name":"llama3.2:latest","model":"llama3.2:latest","size":1}]}"#,
        )
        .unwrap();
        assert_eq!(m[0].id, "ollama/llama3.2:latest");
    }
}
