//! Anthropic Messages: tool declarations (`input_schema`), `tool_choice`, and JSON output
//! (`wire-formats-parts-tools.md` §3b, §6b). The history's `tool_use` and `tool_result`
//! blocks are written by `parts.rs`; calls coming back are read by `stream.rs` and
//! `adapter.rs`.
//!
//! JSON output: a schema goes as `output_config.format` (passed as given; Anthropic refuses what
//! its structured outputs do not take). "Any JSON object" has no field of its own, so it is
//! asked for in words: [`JSON_OBJECT_LINE`] is added to the end of the system prompt.

use serde_json::{json, Value};

use crate::chat::{ChatRequest, ResponseFormat, ToolChoice, ToolSpec};
use crate::error::ProviderError;
use crate::providers::tools::refusal;

/// The system-prompt line that asks for JSON output when no schema is given.
pub(crate) const JSON_OBJECT_LINE: &str =
    "Answer with a single JSON object and nothing else: no prose and no code fences.";

/// The system prompt, with [`JSON_OBJECT_LINE`] after it when the request asks for any JSON
/// object.
pub(crate) fn system(req: &ChatRequest) -> Option<String> {
    match (&req.system, &req.response_format) {
        (Some(s), Some(ResponseFormat::JsonObject)) => Some(format!("{s}\n\n{JSON_OBJECT_LINE}")),
        (None, Some(ResponseFormat::JsonObject)) => Some(JSON_OBJECT_LINE.to_string()),
        (s, _) => s.clone(),
    }
}

/// A tool's `input_schema`: an object schema (an absent or empty one is the empty object
/// schema; one without `type` is taken as an object); any other type is refused.
fn input_schema(provider: &str, t: &ToolSpec) -> Result<Value, ProviderError> {
    let refuse = |what: String| {
        Err(refusal(
            provider,
            format!(
                "tool `{}`: Anthropic declares a tool's input as an object schema, and this \
                 one {what}",
                t.name
            ),
        ))
    };
    match &t.parameters {
        Value::Null => Ok(json!({"type": "object", "properties": {}})),
        Value::Object(m) if m.is_empty() => Ok(json!({"type": "object", "properties": {}})),
        Value::Object(m) => match m.get("type") {
            None => {
                let mut m = m.clone();
                m.insert("type".into(), json!("object"));
                Ok(Value::Object(m))
            }
            Some(Value::String(kind)) if kind == "object" => Ok(t.parameters.clone()),
            Some(kind) => refuse(format!("has `type` {kind}")),
        },
        other => refuse(format!("is `{other}`")),
    }
}

/// `tool_choice`.
pub(crate) fn choice(c: &ToolChoice) -> Value {
    match c {
        ToolChoice::Auto => json!({"type": "auto"}),
        ToolChoice::None => json!({"type": "none"}),
        ToolChoice::Required => json!({"type": "any"}),
        ToolChoice::Tool(name) => json!({"type": "tool", "name": name}),
    }
}

/// Adds the request's tools, choice and schema output to a body; refuses a tool Anthropic
/// cannot declare, and a forced tool call together with thinking (Anthropic takes only `auto`
/// and `none` then).
pub(crate) fn apply(
    provider: &str,
    body: &mut Value,
    req: &ChatRequest,
) -> Result<(), ProviderError> {
    if !req.tools.is_empty() {
        let mut list = Vec::new();
        for t in &req.tools {
            let mut tool = json!({"name": t.name, "input_schema": input_schema(provider, t)?});
            if !t.description.is_empty() {
                tool["description"] = json!(t.description);
            }
            list.push(tool);
        }
        body["tools"] = json!(list);
        if let Some(c) = &req.tool_choice {
            if req.reasoning.is_some() && matches!(c, ToolChoice::Required | ToolChoice::Tool(_)) {
                return Err(refusal(
                    provider,
                    "Anthropic cannot force a tool call (tool_choice `required` or a named \
                     tool) while thinking is on; turn reasoning off or let the model choose"
                        .into(),
                ));
            }
            body["tool_choice"] = choice(c);
        }
    }
    if let Some(ResponseFormat::JsonSchema { schema, .. }) = &req.response_format {
        body["output_config"] = json!({"format": {"type": "json_schema", "schema": schema}});
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, Part, ReasoningEffort, Role, ToolCall, ToolContent, ToolResult};
    use crate::config::preset;
    use crate::error::ErrorClass;
    use crate::providers::anthropic::adapter::chat_request;

    fn weather() -> ToolSpec {
        ToolSpec {
            name: "get_weather".into(),
            description: "Current weather for one city.".into(),
            parameters: json!({"type": "object", "properties": {"city": {"type": "string"}},
                "required": ["city"]}),
        }
    }

    fn call(id: &str, arguments: &str) -> ToolCall {
        ToolCall::new(id, "get_weather", arguments)
    }

    fn build(req: &ChatRequest) -> Result<Value, ProviderError> {
        let p = preset("anthropic").unwrap();
        chat_request(&p, None, "claude-sonnet-4-5", req, true).map(|w| w.body.unwrap())
    }

    #[test]
    fn tools_and_each_tool_choice() {
        let mut req = ChatRequest::new("Weather in Paris?");
        req.tools = vec![
            weather(),
            ToolSpec {
                name: "now".into(),
                description: String::new(),
                parameters: Value::Null,
            },
            ToolSpec {
                name: "loose".into(),
                description: String::new(),
                parameters: json!({"properties": {"q": {"type": "string"}}}),
            },
        ];
        let b = build(&req).unwrap();
        assert_eq!(
            b["tools"],
            json!([
                {"name": "get_weather", "description": "Current weather for one city.",
                    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}},
                        "required": ["city"]}},
                {"name": "now", "input_schema": {"type": "object", "properties": {}}},
                {"name": "loose", "input_schema": {"properties": {"q": {"type": "string"}},
                    "type": "object"}}
            ])
        );
        assert!(b.get("tool_choice").is_none());
        for (c, wire) in [
            (ToolChoice::Auto, json!({"type": "auto"})),
            (ToolChoice::None, json!({"type": "none"})),
            (ToolChoice::Required, json!({"type": "any"})),
            (
                ToolChoice::Tool("now".into()),
                json!({"type": "tool", "name": "now"}),
            ),
        ] {
            req.tool_choice = Some(c);
            assert_eq!(build(&req).unwrap()["tool_choice"], wire);
        }
    }

    #[test]
    fn a_tool_whose_input_is_not_an_object_is_refused_by_name() {
        let mut req = ChatRequest::new("hi");
        req.tools = vec![ToolSpec {
            name: "fs__search".into(),
            description: String::new(),
            parameters: json!({"type": "string"}),
        }];
        let e = build(&req).unwrap_err();
        assert_eq!(e.class, ErrorClass::UnsupportedInput);
        assert!(e.message.contains("tool `fs__search`"), "{}", e.message);
        assert!(e.message.contains("`type` \"string\""), "{}", e.message);
    }

    #[test]
    fn a_forced_call_with_thinking_is_refused() {
        let mut req = ChatRequest::new("hi");
        req.tools = vec![weather()];
        req.reasoning = Some(ReasoningEffort::Low);
        req.tool_choice = Some(ToolChoice::Auto);
        assert!(build(&req).is_ok());
        req.tool_choice = Some(ToolChoice::Required);
        let e = build(&req).unwrap_err();
        assert_eq!(e.class, ErrorClass::UnsupportedInput);
        assert!(e.message.contains("thinking"), "{}", e.message);
    }

    #[test]
    fn history_has_tool_use_blocks_then_results_first_in_the_next_user_turn() {
        let paris = call("toolu_01A09q90qw90lq917835lq9", "{\"city\": \"Paris\"}");
        let broken = call("toolu_01B2", "{\"city\": \"Atl");
        let shot = call("toolu_01C3", "");
        let mut picture = ToolResult::text(&shot, "Screenshot of the page:", false);
        picture.content.push(ToolContent::Image {
            media_type: "image/png".into(),
            data: "iVBORw0KGgo".into(),
        });
        let req = ChatRequest {
            messages: vec![
                Message::user("Weather?"),
                Message {
                    role: Role::Assistant,
                    parts: vec![
                        Part::Text("Let me look.".into()),
                        Part::ToolCall(paris.clone()),
                        Part::ToolCall(broken.clone()),
                        Part::ToolCall(shot.clone()),
                    ],
                },
                Message {
                    role: Role::User,
                    parts: vec![
                        Part::Text("Now compare them.".into()),
                        Part::ToolResult(ToolResult::text(&paris, "15 degrees", false)),
                        Part::ToolResult(ToolResult::text(
                            &broken,
                            "city not found: Atlantis",
                            true,
                        )),
                        Part::ToolResult(picture),
                    ],
                },
            ],
            ..Default::default()
        };
        let b = build(&req).unwrap();
        assert_eq!(
            b["messages"][1],
            json!({"role": "assistant", "content": [
                {"type": "text", "text": "Let me look."},
                {"type": "tool_use", "id": "toolu_01A09q90qw90lq917835lq9", "name": "get_weather",
                    "input": {"city": "Paris"}},
                {"type": "tool_use", "id": "toolu_01B2", "name": "get_weather", "input": {}},
                {"type": "tool_use", "id": "toolu_01C3", "name": "get_weather", "input": {}}
            ]})
        );
        assert_eq!(
            b["messages"][2],
            json!({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
                    "content": "15 degrees"},
                {"type": "tool_result", "tool_use_id": "toolu_01B2", "is_error": true,
                    "content": "city not found: Atlantis"},
                {"type": "tool_result", "tool_use_id": "toolu_01C3", "content": [
                    {"type": "text", "text": "Screenshot of the page:"},
                    {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                        "data": "iVBORw0KGgo"}}
                ]},
                {"type": "text", "text": "Now compare them."}
            ]})
        );
    }

    #[test]
    fn repeated_made_up_ids_are_made_unique_across_turns() {
        let first = call("rt_call_0", "{}");
        let turn = |c: &ToolCall| {
            [
                Message {
                    role: Role::Assistant,
                    parts: vec![Part::ToolCall(c.clone())],
                },
                Message {
                    role: Role::User,
                    parts: vec![Part::ToolResult(ToolResult::text(c, "ok", false))],
                },
            ]
        };
        let mut messages = vec![Message::user("go")];
        messages.extend(turn(&first));
        messages.extend(turn(&first));
        let req = ChatRequest {
            messages,
            ..Default::default()
        };
        let m = &build(&req).unwrap()["messages"];
        assert_eq!(m[1]["content"][0]["id"], "rt_call_0");
        assert_eq!(m[2]["content"][0]["tool_use_id"], "rt_call_0");
        assert_eq!(m[3]["content"][0]["id"], "rt_call_0_2");
        assert_eq!(m[4]["content"][0]["tool_use_id"], "rt_call_0_2");
    }

    #[test]
    fn json_output_by_schema_or_by_a_system_line() {
        let mut req = ChatRequest::new("Weather report for Paris as JSON.");
        let schema = json!({"type": "object", "properties": {"city": {"type": "string"}},
            "required": ["city"], "additionalProperties": false});
        req.response_format = Some(ResponseFormat::JsonSchema {
            name: "weather_report".into(),
            schema: schema.clone(),
            strict: true,
        });
        let b = build(&req).unwrap();
        assert_eq!(
            b["output_config"],
            json!({"format": {"type": "json_schema", "schema": schema}})
        );
        assert!(b.get("system").is_none());
        req.response_format = Some(ResponseFormat::JsonObject);
        let b = build(&req).unwrap();
        assert_eq!(b["system"], JSON_OBJECT_LINE);
        assert!(b.get("output_config").is_none());
        req.system = Some("Be brief.".into());
        assert_eq!(
            build(&req).unwrap()["system"],
            format!("Be brief.\n\n{JSON_OBJECT_LINE}")
        );
    }
}
