//! Builds Gemini `generateContent` requests (the key goes in `x-goog-api-key`, never in the URL)
//! and reads the models list.

use serde::Deserialize;
use serde_json::{json, Value};

use super::tools;
use crate::chat::{ChatRequest, Role};
use crate::error::ProviderError;
use crate::models::ModelInfo;
use crate::providers::{self, errors, parts, Provider, WireRequest};

pub(crate) fn chat_request(
    provider: &Provider,
    key: Option<&str>,
    model: &str,
    req: &ChatRequest,
    stream: bool,
) -> Result<WireRequest, ProviderError> {
    let contents: Vec<Value> = req
        .messages
        .iter()
        .map(|m| {
            let role = match m.role {
                Role::User => "user",
                Role::Assistant => "model",
            };
            json!({"role": role, "parts": parts::gemini_parts(m)})
        })
        .collect();
    let mut body = json!({"contents": contents});
    if let Some(system) = &req.system {
        body["systemInstruction"] = json!({"parts": [{"text": system}]});
    }
    let mut generation = serde_json::Map::new();
    if let Some(t) = req.temperature {
        generation.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        generation.insert("topP".into(), json!(p));
    }
    if let Some(seed) = req.seed {
        generation.insert("seed".into(), json!(seed));
    }
    if !req.stop.is_empty() {
        generation.insert("stopSequences".into(), json!(req.stop));
    }
    if let Some(n) = req.max_tokens {
        generation.insert("maxOutputTokens".into(), json!(n));
    }
    if let Some(effort) = req.reasoning {
        generation.insert(
            "thinkingConfig".into(),
            json!({"includeThoughts": true, "thinkingBudget": effort.budget_tokens()}),
        );
    }
    tools::apply(&provider.id, &mut body, &mut generation, req)?;
    if !generation.is_empty() {
        body["generationConfig"] = Value::Object(generation);
    }
    // The model name is one path segment, whatever it holds: a `/`, `..` or `?` in it is
    // percent-encoded, so a name can never choose another path (a leading `models/`, as the
    // model list names them, is dropped first).
    let segment = providers::path_segment(model.strip_prefix("models/").unwrap_or(model));
    let method = if stream {
        "streamGenerateContent"
    } else {
        "generateContent"
    };
    let mut url = provider.url(&format!("/models/{segment}:{method}"));
    if stream {
        url.set_query(Some("alt=sse"));
    }
    Ok(WireRequest {
        url,
        headers: auth(key),
        body: Some(body),
    })
}

fn auth(key: Option<&str>) -> Vec<(&'static str, String, bool)> {
    key.map(|k| vec![("x-goog-api-key", k.to_string(), true)])
        .unwrap_or_default()
}

pub(crate) fn models_request(provider: &Provider, key: Option<&str>) -> WireRequest {
    let mut url = provider.url("/models");
    url.set_query(Some("pageSize=1000"));
    WireRequest {
        url,
        headers: auth(key),
        body: None,
    }
}

#[derive(Deserialize)]
struct ModelList {
    #[serde(default)]
    models: Vec<RawModel>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawModel {
    name: String,
    display_name: Option<String>,
    input_token_limit: Option<u64>,
    #[serde(default)]
    supported_generation_methods: Vec<String>,
}

pub(crate) fn parse_models(
    provider: &Provider,
    body: &[u8],
) -> Result<Vec<ModelInfo>, ProviderError> {
    let list: ModelList = serde_json::from_slice(body)
        .map_err(|e| errors::malformed(&provider.id, &format!("unexpected model list ({e})")))?;
    Ok(list
        .models
        .into_iter()
        .filter(|m| {
            m.supported_generation_methods.is_empty()
                || m.supported_generation_methods
                    .iter()
                    .any(|g| g == "generateContent")
        })
        .map(|m| ModelInfo {
            id: format!("{}/{}", provider.id, m.name.trim_start_matches("models/")),
            name: m.display_name,
            context_length: m.input_token_limit,
            pricing: None,
            inputs: None,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, ReasoningEffort};
    use crate::config::preset;

    #[test]
    fn request_shape_and_urls() {
        let p = preset("gemini").unwrap();
        let req = ChatRequest {
            system: Some("sys".into()),
            messages: vec![
                Message::user("a"),
                Message::assistant("b"),
                Message::user("c"),
            ],
            temperature: Some(0.2),
            max_tokens: Some(50),
            reasoning: Some(ReasoningEffort::Medium),
            ..Default::default()
        };
        let w = chat_request(
            &p,
            Some("AIza-test-FAKE-key"),
            "gemini-2.0-flash",
            &req,
            true,
        )
        .unwrap();
        assert_eq!(
            w.url.as_str(),
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse"
        );
        assert!(
            !w.url.as_str().contains("AIza"),
            "the key never goes in the URL"
        );
        let b = w.body.unwrap();
        assert_eq!(b["contents"][1]["role"], "model");
        assert_eq!(b["systemInstruction"]["parts"][0]["text"], "sys");
        assert_eq!(b["generationConfig"]["maxOutputTokens"], 50);
        assert_eq!(
            b["generationConfig"]["thinkingConfig"]["includeThoughts"],
            true
        );
        let w = chat_request(&p, None, "gemini-2.0-flash", &ChatRequest::new("x"), false).unwrap();
        assert!(w
            .url
            .as_str()
            .ends_with("/models/gemini-2.0-flash:generateContent"));
    }

    #[test]
    fn a_model_name_is_one_path_segment() {
        let p = preset("gemini").unwrap();
        let req = ChatRequest::new("x");
        let w = chat_request(&p, None, "../../admin/delete?x=", &req, true).unwrap();
        assert_eq!(
            w.url.as_str(),
            "https://generativelanguage.googleapis.com/v1beta/models/..%2F..%2Fadmin%2Fdelete%3Fx%3D:streamGenerateContent?alt=sse"
        );
        assert_eq!(w.url.path_segments().unwrap().count(), 3);
        let w = chat_request(&p, None, "models/gemini-1.5-pro", &req, false).unwrap();
        assert!(w
            .url
            .as_str()
            .ends_with("/v1beta/models/gemini-1.5-pro:generateContent"));
        let w = chat_request(&p, None, "a b#c%2e", &req, false).unwrap();
        assert!(
            w.url
                .as_str()
                .ends_with("/models/a%20b%23c%252e:generateContent"),
            "{}",
            w.url
        );
    }

    #[test]
    fn models_keep_generators_only() {
        let p = preset("gemini").unwrap();
        let body = br#"{"models":[{"name":"models/gemini-2.0-flash","displayName":"Gemini 2.0 Flash","inputTokenLimit":1048576,"supportedGenerationMethods":["generateContent","countTokens"]},{"name":"models/embedding-001","supportedGenerationMethods":["embedContent"]}]}"#;
        let m = parse_models(&p, body).unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].id, "gemini/gemini-2.0-flash");
        assert_eq!(m[0].context_length, Some(1_048_576));
    }
}
