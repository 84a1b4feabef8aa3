//! The tool loop's parts that know no front: what runs a turn's tool calls ([`ToolHost`]), an
//! answer's stored calls and results turned back into protocol turns ([`expand`]), and the
//! checks a call passes before it runs ([`check_call`]).
//!
//! A tool loop is one answer message: its text, with each call stored as a part that records
//! where in the text it was made (`ToolCall::at`), followed by its result. [`expand`] splits it
//! back into the turns every protocol wants: the assistant's text and calls, then the results,
//! then the next text.

pub mod host;

use futures_util::future::BoxFuture;

use crate::chat::{Decision, Message, Part, Role, ToolCall, ToolResult, ToolSpec};

pub use host::{
    offered, rules_from, rules_of, Approval, Approver, Backend, Keeper, McpHost, Mode, Offered,
    Pending, Remembered, Rules,
};

/// The most tool steps of one answer unless the person says otherwise.
pub const DEFAULT_MAX_STEPS: usize = 10;

/// What runs a turn's tool calls: the tools offered, the person's consent, and the tool itself.
pub trait ToolHost: Send + Sync {
    /// The tools offered to the model.
    fn tools(&self) -> Vec<ToolSpec>;
    /// Decides (asking the person if it must) and runs one call. Never fails: a refusal, a
    /// tool's error or a time-out is an error result for the model. Dropping the future (Stop)
    /// cancels the call.
    fn run(&self, call: ToolCall) -> BoxFuture<'static, ToolResult>;
    /// The most tool steps of one answer (model calls whose tools run); one more model call
    /// then asks for an answer without tools.
    fn max_steps(&self) -> usize {
        DEFAULT_MAX_STEPS
    }
}

/// An answer's stored text and parts as protocol turns: for each step, the assistant's text
/// and calls, then a user-side message of their results; then the text after the last step.
/// A call with no result (an answer stopped while it ran) is left out, as the protocols refuse
/// a call without its result.
pub fn expand(text: &str, parts: Vec<Part>) -> Vec<Message> {
    let mut out = Vec::new();
    let mut calls: Vec<ToolCall> = Vec::new();
    let mut results: Vec<ToolResult> = Vec::new();
    let mut others: Vec<Part> = Vec::new();
    let mut from = 0usize;
    let text_between = |from: usize, to: usize| -> Option<Part> {
        let to = to.min(text.len());
        let piece = text.get(from.min(to)..to).unwrap_or("");
        (!piece.is_empty()).then(|| Part::Text(piece.to_string()))
    };
    let flush = |out: &mut Vec<Message>,
                 calls: &mut Vec<ToolCall>,
                 results: &mut Vec<ToolResult>,
                 from: &mut usize| {
        if calls.is_empty() {
            return;
        }
        let answered: Vec<ToolCall> = calls
            .drain(..)
            .filter(|c| results.iter().any(|r| r.id == c.id))
            .collect();
        let at = answered.first().map_or(*from, |c| c.at.max(*from));
        if answered.is_empty() {
            results.clear();
            return;
        }
        let mut assistant: Vec<Part> = text_between(*from, at).into_iter().collect();
        assistant.extend(answered.iter().cloned().map(Part::ToolCall));
        out.push(Message {
            role: Role::Assistant,
            parts: assistant,
        });
        let kept: Vec<Part> = results
            .drain(..)
            .filter(|r| answered.iter().any(|c| c.id == r.id))
            .map(Part::ToolResult)
            .collect();
        out.push(Message {
            role: Role::User,
            parts: kept,
        });
        *from = at;
    };
    for part in parts {
        match part {
            Part::ToolCall(c) => {
                // A call after results starts the next step.
                if !results.is_empty() {
                    flush(&mut out, &mut calls, &mut results, &mut from);
                }
                calls.push(c);
            }
            Part::ToolResult(r) => results.push(r),
            other => others.push(other),
        }
    }
    flush(&mut out, &mut calls, &mut results, &mut from);
    let mut last: Vec<Part> = others;
    last.extend(text_between(from, text.len()));
    if !last.is_empty() || out.is_empty() {
        out.push(Message {
            role: Role::Assistant,
            parts: last,
        });
    }
    out
}

/// Whether an answer's parts hold tool calls (then [`expand`] gives its turns).
pub fn has_tool_parts(parts: &[Part]) -> bool {
    parts
        .iter()
        .any(|p| matches!(p, Part::ToolCall(_) | Part::ToolResult(_)))
}

/// Checks a call before it runs: a tool that was offered, arguments that are a JSON object and
/// hold what the schema requires, of the types it names (top level). The error is a result the
/// model reads, so it can correct the call.
pub fn check_call(offered: &[ToolSpec], call: &ToolCall) -> Result<serde_json::Value, ToolResult> {
    let refuse = |why: String| {
        let mut r = ToolResult::text(call, why, true);
        r.decision = Some(Decision::Invalid);
        r
    };
    let Some(spec) = offered.iter().find(|t| t.name == call.name) else {
        let names: Vec<&str> = offered.iter().map(|t| t.name.as_str()).collect();
        return Err(refuse(format!(
            "there is no tool named `{}`; the tools are: {}",
            call.name,
            if names.is_empty() {
                "none".to_string()
            } else {
                names.join(", ")
            }
        )));
    };
    let args = call.parsed_arguments().map_err(|why| {
        refuse(format!(
            "{why}; call `{}` again with a JSON object as its arguments",
            call.name
        ))
    })?;
    if let Err(why) = check_schema(&spec.parameters, &args) {
        return Err(refuse(format!(
            "the arguments of `{}` do not fit its schema: {why}",
            call.name
        )));
    }
    Ok(args)
}

/// The checks of a JSON Schema that need no library: `required` and the top-level properties'
/// `type` (the server checks the rest).
fn check_schema(schema: &serde_json::Value, args: &serde_json::Value) -> Result<(), String> {
    let Some(obj) = args.as_object() else {
        return Err("the arguments are not an object".into());
    };
    if let Some(required) = schema.get("required").and_then(|r| r.as_array()) {
        let missing: Vec<&str> = required
            .iter()
            .filter_map(|r| r.as_str())
            .filter(|name| !obj.contains_key(*name))
            .collect();
        if !missing.is_empty() {
            return Err(format!("missing {}", missing.join(", ")));
        }
    }
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        return Ok(());
    };
    for (name, value) in obj {
        let Some(types) = props.get(name).and_then(|p| p.get("type")) else {
            continue;
        };
        let allowed: Vec<&str> = match types {
            serde_json::Value::String(t) => vec![t.as_str()],
            serde_json::Value::Array(ts) => ts.iter().filter_map(|t| t.as_str()).collect(),
            _ => continue,
        };
        if !allowed.iter().any(|t| is_type(value, t)) {
            return Err(format!(
                "`{name}` should be {} but is {}",
                allowed.join(" or "),
                type_of(value)
            ));
        }
    }
    Ok(())
}

fn is_type(v: &serde_json::Value, t: &str) -> bool {
    match t {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "integer" => v.is_i64() || v.is_u64() || v.as_f64().is_some_and(|f| f.fract() == 0.0),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        "object" => v.is_object(),
        "null" => v.is_null(),
        _ => true,
    }
}

fn type_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn call(id: &str, name: &str, args: &str, at: usize) -> ToolCall {
        ToolCall {
            at,
            ..ToolCall::new(id, name, args)
        }
    }

    fn result(c: &ToolCall, text: &str) -> ToolResult {
        ToolResult::text(c, text, false)
    }

    #[test]
    fn an_answer_with_two_steps_expands_into_five_turns() {
        let text = "Let me look.Now the sum.It is 5.";
        let a = call("c1", "echo", r#"{"message":"hi"}"#, 12);
        let b = call("c2", "add", r#"{"a":2,"b":3}"#, 24);
        let b2 = call("c3", "add", r#"{"a":1,"b":1}"#, 24);
        let parts = vec![
            Part::ToolCall(a.clone()),
            Part::ToolResult(result(&a, "hi")),
            Part::ToolCall(b.clone()),
            Part::ToolCall(b2.clone()),
            Part::ToolResult(result(&b, "5")),
            Part::ToolResult(result(&b2, "2")),
        ];
        let turns = expand(text, parts);
        assert_eq!(turns.len(), 5, "{turns:#?}");
        assert_eq!(turns[0].role, Role::Assistant);
        assert_eq!(turns[0].parts[0], Part::Text("Let me look.".into()));
        assert_eq!(turns[0].parts[1], Part::ToolCall(a));
        assert_eq!(turns[1].role, Role::User);
        assert_eq!(turns[2].parts[0], Part::Text("Now the sum.".into()));
        assert_eq!(turns[2].parts.len(), 3, "two parallel calls in one turn");
        assert_eq!(turns[3].parts.len(), 2);
        assert_eq!(turns[4].parts, vec![Part::Text("It is 5.".into())]);
    }

    #[test]
    fn a_call_without_its_result_is_left_out() {
        let a = call("c1", "echo", "{}", 0);
        let turns = expand("", vec![Part::ToolCall(a)]);
        assert_eq!(turns.len(), 1);
        assert!(turns[0].parts.is_empty());
        let b = call("c2", "echo", "{}", 4);
        let turns = expand("abcdefg", vec![Part::ToolCall(b)]);
        assert_eq!(turns, vec![Message::assistant("abcdefg")]);
    }

    #[test]
    fn plain_text_is_one_turn() {
        assert_eq!(expand("hello", vec![]), vec![Message::assistant("hello")]);
    }

    #[test]
    fn calls_are_checked_against_what_was_offered() {
        let spec = ToolSpec {
            name: "add".into(),
            description: String::new(),
            parameters: json!({"type":"object","properties":{"a":{"type":"number"},"b":{"type":"integer"}},"required":["a","b"]}),
        };
        let offered = [spec];
        assert_eq!(
            check_call(&offered, &call("1", "add", r#"{"a":1.5,"b":2}"#, 0)).unwrap(),
            json!({"a":1.5,"b":2})
        );
        let unknown = check_call(&offered, &call("1", "sub", "{}", 0)).unwrap_err();
        assert!(unknown.is_error);
        assert!(unknown.joined_text().contains("no tool named `sub`"));
        assert!(unknown.joined_text().contains("add"));
        let bad = check_call(&offered, &call("1", "add", r#"{"a":1,"b":"#, 0)).unwrap_err();
        assert!(bad.joined_text().contains("not valid JSON"), "{bad:?}");
        assert_eq!(bad.decision, Some(Decision::Invalid));
        let missing = check_call(&offered, &call("1", "add", r#"{"a":1}"#, 0)).unwrap_err();
        assert!(missing.joined_text().contains("missing b"));
        let wrong = check_call(&offered, &call("1", "add", r#"{"a":"x","b":1}"#, 0)).unwrap_err();
        assert!(wrong
            .joined_text()
            .contains("`a` should be number but is a string"));
        let not_object = check_call(&offered, &call("1", "add", "[1,2]", 0)).unwrap_err();
        assert!(not_object.joined_text().contains("not a JSON object"));
        // An empty argument text is `{}`: fine for a tool that needs nothing.
        let none = ToolSpec {
            name: "now".into(),
            description: String::new(),
            parameters: json!({"type":"object"}),
        };
        assert_eq!(
            check_call(&[none], &call("1", "now", "", 0)).unwrap(),
            json!({})
        );
    }
}
