//! Gemini `generateContent`: function declarations, `toolConfig` and JSON output
//! (`wire-formats-parts-tools.md` §3c, §6c). Schemas go through `schema.rs` into Gemini's
//! subset, and what it cannot express is refused by tool name and keyword. The history's
//! `functionCall` and `functionResponse` parts are written by `parts.rs`; calls coming back are
//! read by `stream.rs`.
//!
//! JSON output together with tools is refused: Gemini has answered that combination with
//! "Function calling with a response mime type: 'application/json' is unsupported" (§6c).

use serde_json::{json, Map, Value};

use crate::chat::{ChatRequest, ResponseFormat, ToolChoice};
use crate::error::ProviderError;
use crate::providers::schema;
use crate::providers::tools::refusal;

/// `tools: [{functionDeclarations: […]}]`; a tool without arguments has no `parameters`.
pub(crate) fn declarations(provider: &str, req: &ChatRequest) -> Result<Value, ProviderError> {
    let mut list = Vec::new();
    for t in &req.tools {
        let parameters = schema::parameters(&t.parameters)
            .map_err(|r| refusal(provider, format!("tool `{}`: {r}", t.name)))?;
        let mut declaration = json!({"name": t.name});
        if !t.description.is_empty() {
            declaration["description"] = json!(t.description);
        }
        if let Some(p) = parameters {
            declaration["parameters"] = p;
        }
        list.push(declaration);
    }
    Ok(json!([{"functionDeclarations": list}]))
}

/// `toolConfig`.
pub(crate) fn config(c: &ToolChoice) -> Value {
    let calling = match c {
        ToolChoice::Auto => json!({"mode": "AUTO"}),
        ToolChoice::None => json!({"mode": "NONE"}),
        ToolChoice::Required => json!({"mode": "ANY"}),
        ToolChoice::Tool(name) => json!({"mode": "ANY", "allowedFunctionNames": [name]}),
    };
    json!({"functionCallingConfig": calling})
}

/// Adds the request's tools and choice to a body, and its JSON output to `generation`
/// (`responseMimeType`, and `responseSchema` in Gemini's subset for a schema).
pub(crate) fn apply(
    provider: &str,
    body: &mut Value,
    generation: &mut Map<String, Value>,
    req: &ChatRequest,
) -> Result<(), ProviderError> {
    if req.response_format.is_some() && !req.tools.is_empty() {
        return Err(refusal(
            provider,
            "Gemini cannot combine JSON output (response_format) with tools in one request; \
             send one or the other"
                .into(),
        ));
    }
    if !req.tools.is_empty() {
        body["tools"] = declarations(provider, req)?;
        if let Some(c) = &req.tool_choice {
            body["toolConfig"] = config(c);
        }
    }
    match &req.response_format {
        None => {}
        Some(ResponseFormat::JsonObject) => {
            generation.insert("responseMimeType".into(), json!("application/json"));
        }
        Some(ResponseFormat::JsonSchema { name, schema, .. }) => {
            generation.insert("responseMimeType".into(), json!("application/json"));
            let translated = schema::response(schema)
                .map_err(|r| refusal(provider, format!("response_format `{name}`: {r}")))?;
            if let Some(s) = translated {
                generation.insert("responseSchema".into(), s);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, Part, Role, ToolCall, ToolContent, ToolResult, ToolSpec};
    use crate::config::preset;
    use crate::error::ErrorClass;
    use crate::providers::gemini::adapter::chat_request;
    use crate::providers::parts::GEMINI_NO_SIGNATURE;

    fn weather() -> ToolSpec {
        ToolSpec {
            name: "get_weather".into(),
            description: "Current weather for one city.".into(),
            parameters: json!({"type": "object",
                "properties": {"city": {"type": "string"}, "unit": {"enum": ["c", "f", null]}},
                "required": ["city"], "additionalProperties": false}),
        }
    }

    fn call(id: &str, arguments: &str, signature: Option<&str>) -> ToolCall {
        ToolCall {
            signature: signature.map(str::to_string),
            ..ToolCall::new(id, "get_weather", arguments)
        }
    }

    fn build(req: &ChatRequest) -> Result<Value, ProviderError> {
        let p = preset("gemini").unwrap();
        chat_request(&p, None, "gemini-2.5-flash", req, true).map(|w| w.body.unwrap())
    }

    #[test]
    fn declarations_in_the_schema_subset_and_each_tool_choice() {
        let mut req = ChatRequest::new("Weather in Paris?");
        req.tools = vec![
            weather(),
            ToolSpec {
                name: "now".into(),
                description: String::new(),
                parameters: json!({"type": "object", "properties": {}}),
            },
        ];
        let b = build(&req).unwrap();
        assert_eq!(
            b["tools"],
            json!([{"functionDeclarations": [
                {"name": "get_weather", "description": "Current weather for one city.",
                    "parameters": {"type": "OBJECT", "properties": {
                        "city": {"type": "STRING"},
                        "unit": {"type": "STRING", "enum": ["c", "f"], "nullable": true}},
                        "required": ["city"], "propertyOrdering": ["city", "unit"]}},
                {"name": "now"}
            ]}])
        );
        assert!(b.get("toolConfig").is_none());
        for (c, wire) in [
            (ToolChoice::Auto, json!({"mode": "AUTO"})),
            (ToolChoice::None, json!({"mode": "NONE"})),
            (ToolChoice::Required, json!({"mode": "ANY"})),
            (
                ToolChoice::Tool("now".into()),
                json!({"mode": "ANY", "allowedFunctionNames": ["now"]}),
            ),
        ] {
            req.tool_choice = Some(c);
            assert_eq!(
                build(&req).unwrap()["toolConfig"],
                json!({"functionCallingConfig": wire})
            );
        }
    }

    #[test]
    fn a_schema_gemini_cannot_express_is_refused_by_tool_and_keyword() {
        let mut req = ChatRequest::new("hi");
        req.tools = vec![ToolSpec {
            name: "fs__search".into(),
            description: String::new(),
            parameters: json!({"type": "object", "properties": {
                "query": {"not": {"type": "null"}}}}),
        }];
        let e = build(&req).unwrap_err();
        assert_eq!(e.class, ErrorClass::UnsupportedInput);
        assert_eq!(
            e.message,
            "tool `fs__search`: Gemini cannot express `not` (at `properties.query`)"
        );
    }

    #[test]
    fn history_echoes_calls_with_signatures_and_answers_them_with_function_responses() {
        // §5c: two parallel calls (only the first signed), a result and a failure.
        let paris = call(
            "rt_call_0",
            "{\"city\": \"Paris\"}",
            Some("AY89a19YsnFp7FOSIejJ"),
        );
        let tokyo = call("rt_call_1", "{\"city\": \"Tokyo\"}", None);
        let req = ChatRequest {
            messages: vec![
                Message::user("Weather in Paris and Tokyo?"),
                Message {
                    role: Role::Assistant,
                    parts: vec![
                        Part::Text(String::new()),
                        Part::ToolCall(paris.clone()),
                        Part::ToolCall(tokyo.clone()),
                    ],
                },
                Message {
                    role: Role::User,
                    parts: vec![
                        Part::ToolResult(ToolResult::text(&paris, "{\"temp_c\": 14}", false)),
                        Part::ToolResult(ToolResult::text(&tokyo, "station offline", true)),
                    ],
                },
            ],
            ..Default::default()
        };
        let b = build(&req).unwrap();
        assert_eq!(
            b["contents"],
            json!([
                {"role": "user", "parts": [{"text": "Weather in Paris and Tokyo?"}]},
                {"role": "model", "parts": [
                    {"functionCall": {"name": "get_weather", "args": {"city": "Paris"}},
                        "thoughtSignature": "AY89a19YsnFp7FOSIejJ"},
                    {"functionCall": {"name": "get_weather", "args": {"city": "Tokyo"}}}
                ]},
                {"role": "user", "parts": [
                    {"functionResponse": {"name": "get_weather", "response": {"output": {"temp_c": 14}}}},
                    {"functionResponse": {"name": "get_weather", "response": {"error": "station offline"}}}
                ]}
            ])
        );
    }

    #[test]
    fn provider_ids_go_back_and_unsigned_history_gets_the_documented_stand_in() {
        let c = call("toolu_01", "not json", None);
        let mut r = ToolResult::text(&c, "a chart:", false);
        r.content.push(ToolContent::Image {
            media_type: "image/png".into(),
            data: "iVBORw0KGgo".into(),
        });
        let req = ChatRequest {
            messages: vec![
                Message::user("Chart?"),
                Message {
                    role: Role::Assistant,
                    parts: vec![Part::Text("Drawing.".into()), Part::ToolCall(c.clone())],
                },
                Message {
                    role: Role::User,
                    parts: vec![Part::ToolResult(r), Part::Text("Describe it.".into())],
                },
            ],
            ..Default::default()
        };
        let b = build(&req).unwrap();
        assert_eq!(
            b["contents"][1]["parts"],
            json!([{"text": "Drawing."},
                {"functionCall": {"name": "get_weather", "args": {}, "id": "toolu_01"},
                    "thoughtSignature": GEMINI_NO_SIGNATURE}])
        );
        assert_eq!(
            b["contents"][2]["parts"],
            json!([
                {"functionResponse": {"name": "get_weather", "response": {"output": "a chart:"},
                    "id": "toolu_01",
                    "parts": [{"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo"}}]}},
                {"text": "Describe it."}
            ])
        );
    }

    #[test]
    fn json_output_with_a_translated_schema_and_never_with_tools() {
        let mut req = ChatRequest::new("Weather report for Paris as JSON.");
        req.response_format = Some(ResponseFormat::JsonObject);
        let b = build(&req).unwrap();
        assert_eq!(
            b["generationConfig"],
            json!({"responseMimeType": "application/json"})
        );
        req.response_format = Some(ResponseFormat::JsonSchema {
            name: "weather_report".into(),
            schema: json!({"type": "object", "properties": {"city": {"type": "string"},
                "temp_c": {"type": "number"}, "note": {"type": ["string", "null"]}},
                "required": ["city", "temp_c"], "additionalProperties": false}),
            strict: true,
        });
        let b = build(&req).unwrap();
        assert_eq!(
            b["generationConfig"],
            json!({"responseMimeType": "application/json", "responseSchema": {"type": "OBJECT",
                "properties": {"city": {"type": "STRING"}, "temp_c": {"type": "NUMBER"},
                    "note": {"type": "STRING", "nullable": true}},
                "required": ["city", "temp_c"], "propertyOrdering": ["city", "temp_c", "note"]}})
        );
        req.response_format = Some(ResponseFormat::JsonSchema {
            name: "answer".into(),
            schema: json!({"type": "object", "properties": {"n": {"const": 1}}}),
            strict: false,
        });
        let e = build(&req).unwrap_err();
        assert!(
            e.message
                .starts_with("response_format `answer`: Gemini cannot express `const`"),
            "{}",
            e.message
        );
        req.response_format = Some(ResponseFormat::JsonObject);
        req.tools = vec![weather()];
        let e = build(&req).unwrap_err();
        assert_eq!(e.class, ErrorClass::UnsupportedInput);
        assert!(
            e.message.contains("cannot combine JSON output"),
            "{}",
            e.message
        );
    }
}
