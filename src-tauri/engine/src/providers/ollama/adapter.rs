//! Builds Ollama `/api/chat` requests and reads `/api/tags`. A key, if one is configured (a
//! proxy in front of Ollama), goes as a bearer token.
//!
//! Tools are declared in OpenAI's shape. Ollama has no `tool_choice`: a choice of `None` leaves
//! the tools out (the history's calls and results still go as messages); any other choice sends
//! them and leaves the choice to the model. JSON output is `format`: `"json"`, or the schema.

use serde::Deserialize;
use serde_json::{json, Value};

use crate::chat::{ChatRequest, ResponseFormat, ToolChoice};
use crate::error::ProviderError;
use crate::models::ModelInfo;
use crate::providers::{bearer, errors, openai, parts, Provider, WireRequest};

pub(crate) fn chat_request(
    provider: &Provider,
    key: Option<&str>,
    model: &str,
    req: &ChatRequest,
    stream: bool,
) -> Result<WireRequest, ProviderError> {
    let system = req
        .system
        .iter()
        .map(|s| json!({"role": "system", "content": s}));
    let messages: Vec<Value> = system
        .chain(req.messages.iter().flat_map(parts::ollama_messages))
        .collect();
    let mut body = json!({"model": model, "messages": messages, "stream": stream});
    let mut options = serde_json::Map::new();
    if let Some(t) = req.temperature {
        options.insert("temperature".into(), json!(t));
    }
    if let Some(p) = req.top_p {
        options.insert("top_p".into(), json!(p));
    }
    if let Some(seed) = req.seed {
        options.insert("seed".into(), json!(seed));
    }
    if !req.stop.is_empty() {
        options.insert("stop".into(), json!(req.stop));
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
    if !req.tools.is_empty() && req.tool_choice != Some(ToolChoice::None) {
        body["tools"] = openai::tools::declarations(req);
    }
    match &req.response_format {
        None => {}
        Some(ResponseFormat::JsonObject) => body["format"] = json!("json"),
        Some(ResponseFormat::JsonSchema { schema, .. }) => body["format"] = schema.clone(),
    }
    Ok(WireRequest {
        url: provider.url("/api/chat"),
        headers: bearer(key),
        body: Some(body),
    })
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
    use crate::chat::{Message, Part, Role, ToolCall, ToolResult, ToolSpec};
    use crate::config::preset;

    fn body(req: &ChatRequest) -> Value {
        let p = preset("ollama").unwrap();
        chat_request(&p, None, "llama3.2", req, true)
            .unwrap()
            .body
            .unwrap()
    }

    fn weather() -> ToolSpec {
        ToolSpec {
            name: "get_current_weather".into(),
            description: "Get the current weather for a location".into(),
            parameters: json!({"type": "object",
                "properties": {"location": {"type": "string"}}, "required": ["location"]}),
        }
    }

    #[test]
    fn tools_in_openai_shape_and_left_out_for_a_choice_of_none() {
        let mut req = ChatRequest::new("What is the weather today in Paris?");
        req.tools = vec![weather()];
        let expected = json!([{"type": "function", "function": {
            "name": "get_current_weather", "description": "Get the current weather for a location",
            "parameters": {"type": "object", "properties": {"location": {"type": "string"}},
                "required": ["location"]}}}]);
        assert_eq!(body(&req)["tools"], expected);
        for c in [
            ToolChoice::Auto,
            ToolChoice::Required,
            ToolChoice::Tool("get_current_weather".into()),
        ] {
            req.tool_choice = Some(c);
            let b = body(&req);
            assert_eq!(b["tools"], expected);
            assert!(b.get("tool_choice").is_none(), "Ollama has no tool_choice");
        }
        req.tool_choice = Some(ToolChoice::None);
        assert!(body(&req).get("tools").is_none());
    }

    #[test]
    fn history_has_tool_calls_with_object_arguments_and_tool_messages_by_name() {
        // docs/capabilities/tool-calling.mdx, "Parallel tool calling", plus one id.
        let temperature = ToolCall::new("rt_call_0", "get_temperature", "{\"city\": \"New York\"}");
        let conditions = ToolCall::new("call_b", "get_conditions", "{\"city\": \"New");
        let req = ChatRequest {
            messages: vec![
                Message::user("New York?"),
                Message {
                    role: Role::Assistant,
                    parts: vec![
                        Part::ToolCall(temperature.clone()),
                        Part::ToolCall(conditions.clone()),
                    ],
                },
                Message {
                    role: Role::User,
                    parts: vec![
                        Part::ToolResult(ToolResult::text(&temperature, "22°C", false)),
                        Part::ToolResult(ToolResult::text(&conditions, "bad arguments", true)),
                        Part::Text("And tomorrow?".into()),
                    ],
                },
            ],
            ..Default::default()
        };
        let b = body(&req);
        assert_eq!(
            b["messages"],
            json!([
                {"role": "user", "content": "New York?"},
                {"role": "assistant", "content": "", "tool_calls": [
                    {"type": "function", "function": {"index": 0, "name": "get_temperature",
                        "arguments": {"city": "New York"}}},
                    {"type": "function", "id": "call_b", "function": {"index": 1,
                        "name": "get_conditions", "arguments": {}}}
                ]},
                {"role": "tool", "tool_name": "get_temperature", "content": "22°C"},
                {"role": "tool", "tool_name": "get_conditions", "tool_call_id": "call_b",
                    "content": "ERROR: bad arguments"},
                {"role": "user", "content": "And tomorrow?"}
            ])
        );
    }

    #[test]
    fn json_output_is_format() {
        let mut req = ChatRequest::new("Tell me about Canada.");
        req.response_format = Some(ResponseFormat::JsonObject);
        assert_eq!(body(&req)["format"], "json");
        let schema = json!({"type": "object", "properties": {"name": {"type": "string"},
            "capital": {"type": "string"}}, "required": ["name", "capital"]});
        req.response_format = Some(ResponseFormat::JsonSchema {
            name: "country".into(),
            schema: schema.clone(),
            strict: false,
        });
        assert_eq!(body(&req)["format"], schema);
    }

    #[test]
    fn request_shape() {
        let p = preset("ollama").unwrap();
        let mut req = ChatRequest::new("hi");
        req.system = Some("sys".into());
        req.max_tokens = Some(9);
        let w = chat_request(&p, None, "llama3.2", &req, true).unwrap();
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
