//! What the four protocols share about tool calling: the checks every request passes, the
//! refusal a protocol gives for what it cannot say, call ids (made up where a protocol sends
//! none, made safe and unique where one needs them so), and a tool result written as text.
//!
//! Each protocol's own shapes live in its folder (`tools.rs` for declarations, choice and JSON
//! output; `stream.rs` for calls coming back); the history's calls and results are written by
//! `parts.rs`, and the Gemini schema subset by `schema.rs`. Nothing here runs a tool.

use std::collections::{HashMap, HashSet, VecDeque};

use serde_json::{json, Value};

use crate::chat::{ChatRequest, Message, Part, ResponseFormat, ToolCall, ToolChoice, ToolContent};
use crate::chat::{ToolResult, ToolSpec};
use crate::error::{ErrorClass, ProviderError};

/// The start of a call id the engine made up, for a protocol that sent none (Gemini usually,
/// Ollama sometimes): `rt_call_0`, `rt_call_1`, … in the order of the answer's calls. Such an id
/// is never sent back to the protocol that gave none, which matches results by name and order.
pub const MADE_UP_ID_PREFIX: &str = "rt_call_";

/// The most bytes of one tool call's arguments as they stream in (and of a thinking block kept
/// for a tool loop).
pub(crate) const MAX_ARGUMENT_BYTES: usize = 4 << 20;

/// The `n`th made-up call id of an answer.
pub(crate) fn made_up_id(n: usize) -> String {
    format!("{MADE_UP_ID_PREFIX}{n}")
}

/// Whether `id` was made up by the engine rather than sent by a provider.
pub fn is_made_up_id(id: &str) -> bool {
    id.strip_prefix(MADE_UP_ID_PREFIX)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit() || b == b'_'))
}

/// A made-up id unique in a whole answer: the tool loop's later model calls number their calls
/// again from 0, so the step goes in too (`rt_call_2_0`).
pub fn made_up_in_step(id: &str, step: usize) -> String {
    match id.strip_prefix(MADE_UP_ID_PREFIX) {
        Some(n) if step > 0 && is_made_up_id(id) => format!("{MADE_UP_ID_PREFIX}{step}_{n}"),
        _ => id.to_string(),
    }
}

/// A request this protocol cannot carry (a schema keyword Gemini has no word for, a tool
/// Anthropic cannot declare, JSON output together with tools on Gemini). Class
/// `unsupported_input`: the router moves on to the next target, which may take it.
pub(crate) fn refusal(provider: &str, message: String) -> ProviderError {
    ProviderError::new(provider, ErrorClass::UnsupportedInput, message).with_hint(
        "change the tool's schema or the output format, or send the request to another \
         model (OpenAI and Anthropic take JSON Schema as it is)",
    )
}

/// Refuses a request no protocol could send as asked: a `tool_choice` naming no declared
/// tool, two tools of one name, a JSON schema that is not an object. Class `bad_request`,
/// since every target would refuse it alike.
pub(crate) fn check(provider: &str, req: &ChatRequest) -> Result<(), ProviderError> {
    let bad = |message: String| {
        Err(
            ProviderError::new(provider, ErrorClass::BadRequest, message)
                .with_hint("fix the request's tools, tool_choice or response_format"),
        )
    };
    let mut names = HashSet::new();
    for t in &req.tools {
        if !names.insert(t.name.as_str()) {
            return bad(format!("two tools are named `{}`", t.name));
        }
    }
    if let Some(ToolChoice::Tool(name)) = &req.tool_choice {
        if !names.contains(name.as_str()) {
            return bad(format!(
                "tool_choice names `{name}`, which is not among the request's tools"
            ));
        }
    }
    if let Some(ResponseFormat::JsonSchema { name, schema, .. }) = &req.response_format {
        if !schema.is_object() {
            return bad(format!(
                "response_format `{name}`: the schema must be a JSON object"
            ));
        }
    }
    Ok(())
}

/// A tool's parameters for protocols that take JSON Schema as it is (OpenAI, Ollama): an
/// absent or empty schema becomes the empty object schema, and an object schema without
/// `properties` (`{"type":"object"}`, which the MCP spec recommends for a tool that takes
/// nothing) gets an empty one — OpenAI refuses an object schema without it; anything else is
/// passed through.
pub(crate) fn plain_parameters(spec: &ToolSpec) -> Value {
    match &spec.parameters {
        Value::Null => json!({"type": "object", "properties": {}}),
        Value::Object(m) if m.is_empty() => json!({"type": "object", "properties": {}}),
        Value::Object(m)
            if !m.contains_key("properties")
                && m.get("type").is_none_or(|t| t == "object")
                && !m.contains_key("anyOf")
                && !m.contains_key("oneOf")
                && !m.contains_key("$ref") =>
        {
            let mut m = m.clone();
            m.insert("type".into(), json!("object"));
            m.insert("properties".into(), json!({}));
            Value::Object(m)
        }
        other => other.clone(),
    }
}

/// A request offering no tools whose history holds tool calls and results (a conversation
/// that used tools, continued without them): those parts as text, since Anthropic refuses
/// `tool_use` blocks in a request that declares no tools, and the others read text alike.
pub(crate) fn history_as_text(req: &ChatRequest) -> Option<ChatRequest> {
    let tool_parts = |m: &Message| crate::tools::has_tool_parts(&m.parts);
    if !req.tools.is_empty() || !req.messages.iter().any(tool_parts) {
        return None;
    }
    let mut plain = req.clone();
    for m in &mut plain.messages {
        for p in &mut m.parts {
            let text = match p {
                Part::ToolCall(c) => format!("[called the tool `{}` with {}]", c.name, c.arguments),
                Part::ToolResult(r) => {
                    format!("[the tool `{}` answered: {}]", r.name, result_text(r))
                }
                _ => continue,
            };
            *p = Part::Text(text);
        }
    }
    Some(plain)
}

/// A call's arguments as an object, for protocols that send them as one (Anthropic, Gemini,
/// Ollama): arguments that are not a JSON object go as `{}` (the session already answered
/// such a call with an error result, which goes back beside it).
pub(crate) fn arguments_object(call: &ToolCall) -> Value {
    call.parsed_arguments().unwrap_or_else(|_| json!({}))
}

/// The text of a tool result for protocols whose tool messages hold text only (OpenAI,
/// Ollama): text pieces joined by a line break, an image as a line saying one was returned, a
/// failure marked with a leading `ERROR: ` (neither protocol has an error flag).
pub(crate) fn result_text(r: &ToolResult) -> String {
    let pieces: Vec<String> = r
        .content
        .iter()
        .map(|c| match c {
            ToolContent::Text { text } => text.clone(),
            ToolContent::Image { media_type, .. } => {
                format!("[the tool returned an image ({media_type}), which cannot be shown here]")
            }
        })
        .collect();
    let text = pieces.join("\n");
    if r.is_error {
        format!("ERROR: {text}")
    } else {
        text
    }
}

/// A message's tool results, and the rest of it (text and attachments) as a message of its
/// own, when there is any.
pub(crate) fn results_and_rest(m: &Message) -> (Vec<&ToolResult>, Option<Message>) {
    let results: Vec<&ToolResult> = m
        .parts
        .iter()
        .filter_map(|p| match p {
            Part::ToolResult(r) => Some(r),
            _ => None,
        })
        .collect();
    let rest: Vec<Part> = m
        .parts
        .iter()
        .filter(|p| !matches!(p, Part::ToolResult(_) | Part::ToolCall(_)))
        .filter(|p| !matches!(p, Part::Text(t) if t.is_empty()))
        .cloned()
        .collect();
    let rest = (!rest.is_empty()).then_some(Message {
        role: m.role,
        parts: rest,
    });
    (results, rest)
}

/// A message's tool calls.
pub(crate) fn calls(m: &Message) -> Vec<&ToolCall> {
    m.parts
        .iter()
        .filter_map(|p| match p {
            Part::ToolCall(c) => Some(c),
            _ => None,
        })
        .collect()
}

/// Call ids as one request sends them (OpenAI, Anthropic): each made safe for the strictest
/// protocol (`^[a-zA-Z0-9_-]+$`, Anthropic's) and unique in the conversation (Anthropic refuses
/// a repeated `tool_use` id, and made-up or another provider's ids can repeat across turns). A
/// result takes the id its call was given in the message before it; an id already safe and
/// unique is sent unchanged, so a provider's own ids go back exactly.
#[derive(Debug, Default)]
pub(crate) struct WireIds {
    used: HashSet<String>,
    /// The ids given to the last assistant message's calls, by the call's own id, in order.
    last_turn: HashMap<String, VecDeque<String>>,
}

impl WireIds {
    /// Starts an assistant message: results after it answer its calls.
    pub(crate) fn turn(&mut self) {
        self.last_turn.clear();
    }

    /// The id to send for a call of the current assistant message.
    pub(crate) fn call(&mut self, id: &str) -> String {
        let safe = safe_id(id);
        let mut wire = safe.clone();
        let mut n = 2;
        while self.used.contains(&wire) {
            wire = format!("{safe}_{n}");
            n += 1;
        }
        self.used.insert(wire.clone());
        self.last_turn
            .entry(id.to_string())
            .or_default()
            .push_back(wire.clone());
        wire
    }

    /// The id to send for a result answering the call `id`.
    pub(crate) fn result(&mut self, id: &str) -> String {
        self.last_turn
            .get_mut(id)
            .and_then(VecDeque::pop_front)
            .unwrap_or_else(|| safe_id(id))
    }
}

/// `id` with every character outside `a-z A-Z 0-9 _ -` replaced by `_` (an empty id: `call`).
fn safe_id(id: &str) -> String {
    if id.is_empty() {
        return "call".into();
    }
    id.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::Role;

    fn call(id: &str) -> ToolCall {
        ToolCall::new(id, "t", "{}")
    }

    #[test]
    fn made_up_ids_are_recognised_and_others_are_not() {
        assert_eq!(made_up_id(3), "rt_call_3");
        assert!(is_made_up_id(&made_up_id(0)));
        for real in ["call_abc", "toolu_01", "rt_call_", "rt_call_x", ""] {
            assert!(!is_made_up_id(real), "{real}");
        }
    }

    #[test]
    fn wire_ids_stay_unique_and_results_follow_their_calls() {
        let mut ids = WireIds::default();
        ids.turn();
        assert_eq!(
            ids.call("call_abc"),
            "call_abc",
            "a safe unique id is unchanged"
        );
        assert_eq!(ids.call("rt_call_0"), "rt_call_0");
        assert_eq!(ids.result("rt_call_0"), "rt_call_0");
        assert_eq!(ids.result("call_abc"), "call_abc");
        // A later turn whose made-up ids start again at 0.
        ids.turn();
        assert_eq!(ids.call("rt_call_0"), "rt_call_0_2");
        assert_eq!(ids.call("fs.read|1"), "fs_read_1");
        assert_eq!(ids.result("rt_call_0"), "rt_call_0_2");
        assert_eq!(ids.result("fs.read|1"), "fs_read_1");
        assert_eq!(ids.result("unknown id"), "unknown_id");
    }

    #[test]
    fn result_text_marks_errors_and_names_images() {
        let mut r = ToolResult::text(&call("c"), "quote service timed out", true);
        assert_eq!(result_text(&r), "ERROR: quote service timed out");
        r.is_error = false;
        r.content.push(ToolContent::Image {
            media_type: "image/png".into(),
            data: "iVBORw0KGgo".into(),
        });
        assert_eq!(
            result_text(&r),
            "quote service timed out\n[the tool returned an image (image/png), which cannot be shown here]"
        );
    }

    #[test]
    fn checks_refuse_what_no_protocol_could_send() {
        let spec = |name: &str| ToolSpec {
            name: name.into(),
            description: String::new(),
            parameters: json!({"type": "object"}),
        };
        let mut req = ChatRequest::new("hi");
        req.tools = vec![spec("a"), spec("b")];
        req.tool_choice = Some(ToolChoice::Tool("a".into()));
        assert!(check("p", &req).is_ok());
        req.tool_choice = Some(ToolChoice::Tool("c".into()));
        let e = check("p", &req).unwrap_err();
        assert_eq!(e.class, ErrorClass::BadRequest);
        assert!(e.message.contains("`c`"), "{}", e.message);
        req.tool_choice = None;
        req.tools.push(spec("a"));
        assert!(check("p", &req).unwrap_err().message.contains("two tools"));
        req.tools.pop();
        req.response_format = Some(ResponseFormat::JsonSchema {
            name: "r".into(),
            schema: json!(true),
            strict: false,
        });
        assert!(check("p", &req).is_err());
    }

    #[test]
    fn the_fakes_tool_calls_read_back_on_every_protocol_streamed_and_whole() {
        use crate::chat::FinishReason;
        use crate::config::ProviderKind;
        use crate::providers::test_support::{calls_of, decode_every_split, text_of, whole};
        use roundtable_fakes::{Answer, Protocol, GEMINI_SIGNATURE};

        let answer = Answer::new("m", &["Let me ", "look."]).with_tool_calls(vec![
            ("call_1", "get_weather", r#"{"city":"Paris","days":[1,2]}"#),
            ("call_2", "now", "{}"),
        ]);
        for (protocol, kind) in [
            (Protocol::OpenAi, ProviderKind::OpenAi),
            (Protocol::Anthropic, ProviderKind::Anthropic),
            (Protocol::Gemini, ProviderKind::Gemini),
            (Protocol::Ollama, ProviderKind::Ollama),
        ] {
            let gemini = protocol == Protocol::Gemini;
            let expected = vec![
                ToolCall {
                    signature: gemini.then(|| GEMINI_SIGNATURE.to_string()),
                    at: 12,
                    ..ToolCall::new(
                        if gemini { "rt_call_0" } else { "call_1" },
                        "get_weather",
                        r#"{"city":"Paris","days":[1,2]}"#,
                    )
                },
                ToolCall {
                    at: 12,
                    ..ToolCall::new(if gemini { "rt_call_1" } else { "call_2" }, "now", "{}")
                },
            ];
            let stream = protocol.stream_frames(&answer).concat();
            let (events, end) = decode_every_split(kind, stream.as_bytes());
            assert_eq!(text_of(&events), "Let me look.", "{protocol:?}");
            assert_eq!(calls_of(&events), expected, "{protocol:?} streamed");
            assert_eq!(end.unwrap().finish, FinishReason::ToolCalls, "{protocol:?}");
            let body = protocol.whole_body(&answer).to_string();
            let r = whole(kind, body.as_bytes()).unwrap();
            assert_eq!(r.tool_calls, expected, "{protocol:?} whole");
            assert_eq!(r.end.finish, FinishReason::ToolCalls, "{protocol:?} whole");
        }
    }

    #[test]
    fn results_come_apart_from_the_rest_of_their_message() {
        let c = call("c1");
        let m = Message {
            role: Role::User,
            parts: vec![
                Part::ToolResult(ToolResult::text(&c, "ok", false)),
                Part::Text(String::new()),
                Part::Text("now compare".into()),
            ],
        };
        let (results, rest) = results_and_rest(&m);
        assert_eq!(results.len(), 1);
        assert_eq!(rest.unwrap().parts, vec![Part::Text("now compare".into())]);
        let only = Message {
            role: Role::User,
            parts: vec![Part::ToolResult(ToolResult::text(&c, "ok", false))],
        };
        assert!(results_and_rest(&only).1.is_none());
    }
}

#[cfg(test)]
mod plain_tests {
    use super::*;
    use crate::chat::Role;

    fn spec(parameters: Value) -> ToolSpec {
        ToolSpec {
            name: "t".into(),
            description: String::new(),
            parameters,
        }
    }

    #[test]
    fn an_object_schema_without_properties_gets_an_empty_one() {
        assert_eq!(
            plain_parameters(&spec(
                json!({"type": "object", "additionalProperties": false})
            )),
            json!({"type": "object", "additionalProperties": false, "properties": {}})
        );
        assert_eq!(
            plain_parameters(&spec(json!({"type": "object"}))),
            json!({"type": "object", "properties": {}})
        );
        let kept = json!({"type": "object", "properties": {"a": {"type": "string"}}});
        assert_eq!(plain_parameters(&spec(kept.clone())), kept);
        let union = json!({"anyOf": [{"type": "object"}]});
        assert_eq!(plain_parameters(&spec(union.clone())), union);
    }

    #[test]
    fn a_tool_history_without_tools_goes_as_text() {
        let call = ToolCall::new("c1", "fs__read", r#"{"path":"a.txt"}"#);
        let result = ToolResult::text(&call, "hello", false);
        let req = ChatRequest {
            messages: vec![
                Message::user("read it"),
                Message {
                    role: Role::Assistant,
                    parts: vec![Part::ToolCall(call.clone())],
                },
                Message {
                    role: Role::User,
                    parts: vec![Part::ToolResult(result)],
                },
                Message::assistant("It says hello."),
                Message::user("thanks"),
            ],
            ..Default::default()
        };
        let plain = history_as_text(&req).expect("flattened");
        assert_eq!(
            plain.messages[1].text(),
            r#"[called the tool `fs__read` with {"path":"a.txt"}]"#
        );
        assert_eq!(
            plain.messages[2].text(),
            "[the tool `fs__read` answered: hello]"
        );
        assert_eq!(plain.messages[4], req.messages[4]);
        let mut with_tools = req.clone();
        with_tools.tools = vec![spec(json!({"type": "object"}))];
        assert!(
            history_as_text(&with_tools).is_none(),
            "kept when tools are offered"
        );
        assert!(history_as_text(&ChatRequest::new("hi")).is_none());
    }
}
