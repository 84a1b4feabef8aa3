//! OpenAI chat completions: the conversation as wire messages, tool declarations,
//! `tool_choice` and `response_format` (`wire-formats-parts-tools.md` §3a, §5a, §6a). Ollama
//! declares its tools in the same shape. The history's calls and results are written by
//! `parts.rs`; calls coming back are read by `stream.rs`.

use serde_json::{json, Value};

use crate::chat::{ChatRequest, ResponseFormat, ToolChoice};
use crate::providers::parts;
use crate::providers::tools::{plain_parameters, WireIds};

/// The `messages` list: the system prompt first, then each turn as one or more messages.
pub(crate) fn messages(req: &ChatRequest) -> Vec<Value> {
    let mut ids = WireIds::default();
    let system = req
        .system
        .iter()
        .map(|s| json!({"role": "system", "content": s}));
    let turns = req
        .messages
        .iter()
        .flat_map(|m| parts::openai_messages(m, &mut ids));
    system.chain(turns).collect()
}

/// `tools`: one `{"type": "function", "function": {…}}` per tool (no description when it has
/// none; an absent or empty schema as the empty object schema).
pub(crate) fn declarations(req: &ChatRequest) -> Value {
    let list: Vec<Value> = req
        .tools
        .iter()
        .map(|t| {
            let mut function = json!({"name": t.name, "parameters": plain_parameters(t)});
            if !t.description.is_empty() {
                function["description"] = json!(t.description);
            }
            json!({"type": "function", "function": function})
        })
        .collect();
    json!(list)
}

/// `tool_choice`.
pub(crate) fn choice(c: &ToolChoice) -> Value {
    match c {
        ToolChoice::Auto => json!("auto"),
        ToolChoice::None => json!("none"),
        ToolChoice::Required => json!("required"),
        ToolChoice::Tool(name) => json!({"type": "function", "function": {"name": name}}),
    }
}

/// `response_format`, passed through.
pub(crate) fn response_format(f: &ResponseFormat) -> Value {
    match f {
        ResponseFormat::JsonObject => json!({"type": "json_object"}),
        ResponseFormat::JsonSchema {
            name,
            schema,
            strict,
        } => json!({"type": "json_schema",
            "json_schema": {"name": name, "schema": schema, "strict": strict}}),
    }
}

/// Adds the request's tools (with its choice, which OpenAI refuses without tools) and output
/// format to a body.
pub(crate) fn apply(body: &mut Value, req: &ChatRequest) {
    if !req.tools.is_empty() {
        body["tools"] = declarations(req);
        if let Some(c) = &req.tool_choice {
            body["tool_choice"] = choice(c);
        }
    }
    if let Some(f) = &req.response_format {
        body["response_format"] = response_format(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::{Message, Part, Role, ToolCall, ToolContent, ToolResult, ToolSpec};
    use crate::config::preset;
    use crate::providers::openai::adapter::chat_request;

    fn weather() -> ToolSpec {
        ToolSpec {
            name: "get_weather".into(),
            description: "Current weather for one city.".into(),
            parameters: json!({"type": "object", "properties": {"city": {"type": "string"}},
                "required": ["city"]}),
        }
    }

    fn call(id: &str, name: &str, arguments: &str) -> ToolCall {
        ToolCall::new(id, name, arguments)
    }

    fn body(req: &ChatRequest) -> Value {
        let p = preset("openai").unwrap();
        chat_request(&p, None, "gpt-4.1", req, true)
            .unwrap()
            .body
            .unwrap()
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
        ];
        let b = body(&req);
        assert_eq!(
            b["tools"],
            json!([
                {"type": "function", "function": {"name": "get_weather",
                    "description": "Current weather for one city.",
                    "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                        "required": ["city"]}}},
                {"type": "function", "function": {"name": "now",
                    "parameters": {"type": "object", "properties": {}}}}
            ])
        );
        assert!(b.get("tool_choice").is_none(), "the provider's default");
        for (c, wire) in [
            (ToolChoice::Auto, json!("auto")),
            (ToolChoice::None, json!("none")),
            (ToolChoice::Required, json!("required")),
            (
                ToolChoice::Tool("get_weather".into()),
                json!({"type": "function", "function": {"name": "get_weather"}}),
            ),
        ] {
            req.tool_choice = Some(c);
            assert_eq!(body(&req)["tool_choice"], wire);
        }
        // No tools: neither list nor choice (OpenAI refuses a choice without tools).
        req.tools.clear();
        req.tool_choice = Some(ToolChoice::Auto);
        let b = body(&req);
        assert!(b.get("tools").is_none() && b.get("tool_choice").is_none());
    }

    #[test]
    fn history_replays_calls_exactly_and_sends_one_tool_message_per_result() {
        // §5a: two parallel calls, their results (one failed), then the user's next words.
        let weather_call = call(
            "call_fdNz3vOBKYgOIpMdWotB9MjY",
            "GetWeatherArgs",
            "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}",
        );
        let stock_call = call(
            "call_h1DWI1POMJLb0KwIyQHWXD4p",
            "get_stock_price",
            "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}",
        );
        let mut image = ToolResult::text(&stock_call, "quote service timed out", true);
        image.content.push(ToolContent::Image {
            media_type: "image/png".into(),
            data: "iVBORw0KGgo".into(),
        });
        let req = ChatRequest {
            messages: vec![
                Message::user("Weather in Edinburgh, and the AAPL price?"),
                Message {
                    role: Role::Assistant,
                    parts: vec![
                        Part::Text(String::new()),
                        Part::ToolCall(weather_call.clone()),
                        Part::ToolCall(stock_call.clone()),
                    ],
                },
                Message {
                    role: Role::User,
                    parts: vec![
                        Part::ToolResult(ToolResult::text(
                            &weather_call,
                            "{\"temp_c\": 11, \"sky\": \"rain\"}",
                            false,
                        )),
                        Part::ToolResult(image),
                        Part::Text("Thanks. Which is better?".into()),
                    ],
                },
            ],
            ..Default::default()
        };
        let b = body(&req);
        assert_eq!(
            b["messages"],
            json!([
                {"role": "user", "content": "Weather in Edinburgh, and the AAPL price?"},
                {"role": "assistant", "content": null, "tool_calls": [
                    {"id": "call_fdNz3vOBKYgOIpMdWotB9MjY", "type": "function", "function": {
                        "name": "GetWeatherArgs",
                        "arguments": "{\"city\": \"Edinburgh\", \"country\": \"GB\", \"units\": \"c\"}"}},
                    {"id": "call_h1DWI1POMJLb0KwIyQHWXD4p", "type": "function", "function": {
                        "name": "get_stock_price",
                        "arguments": "{\"ticker\": \"AAPL\", \"exchange\": \"NASDAQ\"}"}}
                ]},
                {"role": "tool", "tool_call_id": "call_fdNz3vOBKYgOIpMdWotB9MjY",
                    "content": "{\"temp_c\": 11, \"sky\": \"rain\"}"},
                {"role": "tool", "tool_call_id": "call_h1DWI1POMJLb0KwIyQHWXD4p",
                    "content": "ERROR: quote service timed out\n[the tool returned an image (image/png), which cannot be shown here]"},
                {"role": "user", "content": "Thanks. Which is better?"}
            ])
        );
    }

    #[test]
    fn text_stays_beside_the_calls_and_invalid_arguments_go_back_as_written() {
        let broken = call("call_1", "get_weather", "{\"city\": \"Par");
        let req = ChatRequest {
            messages: vec![
                Message::user("Paris?"),
                Message {
                    role: Role::Assistant,
                    parts: vec![
                        Part::Text("Looking.".into()),
                        Part::ToolCall(broken.clone()),
                    ],
                },
                Message {
                    role: Role::User,
                    parts: vec![Part::ToolResult(ToolResult::text(
                        &broken,
                        "the arguments are not valid JSON",
                        true,
                    ))],
                },
            ],
            ..Default::default()
        };
        let m = &body(&req)["messages"];
        assert_eq!(m[1]["content"], "Looking.");
        assert_eq!(
            m[1]["tool_calls"][0]["function"]["arguments"],
            "{\"city\": \"Par"
        );
        assert_eq!(m[2]["role"], "tool");
        assert_eq!(m.as_array().unwrap().len(), 3, "no empty user message");
    }

    #[test]
    fn response_format_is_passed_through() {
        let mut req = ChatRequest::new("Weather report for Paris as JSON.");
        req.response_format = Some(ResponseFormat::JsonObject);
        assert_eq!(
            body(&req)["response_format"],
            json!({"type": "json_object"})
        );
        let schema = json!({"type": "object", "properties": {"city": {"type": "string"}},
            "required": ["city"], "additionalProperties": false});
        req.response_format = Some(ResponseFormat::JsonSchema {
            name: "weather_report".into(),
            schema: schema.clone(),
            strict: true,
        });
        assert_eq!(
            body(&req)["response_format"],
            json!({"type": "json_schema", "json_schema": {"name": "weather_report",
                "schema": schema, "strict": true}})
        );
    }
}
