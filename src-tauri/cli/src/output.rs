//! Writing answers: plain text as it streams, or one JSON event per line (with a `column` in a
//! compare). Every write is flushed at once so a pipe sees tokens as they arrive.
//!
//! Plain output is always made safe for a terminal, whether stdout is one or not: text from a
//! provider (answers, reasoning, model names, error messages) could carry escape sequences that
//! move the cursor, rewrite the title, set the clipboard (OSC 52) or hide a link (OSC 8), so every
//! control character but newline and tab is shown as a visible symbol instead ([`visible`]).
//! JSON output is unchanged: JSON escapes control characters itself.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use roundtable_engine::chat::{Decision, ToolCall, ToolResult};
use roundtable_engine::session::Finished;
use roundtable_engine::{Attempt, Outcome, Usage};
use serde_json::{json, Value};

use crate::failure::Failure;

/// Where a command's output goes.
pub struct Out {
    json: bool,
    stdout: std::io::Stdout,
    /// Whether the last text written to stdout ended a line.
    at_line_start: bool,
}

impl Out {
    /// Plain or JSON output.
    pub fn new(json: bool) -> Self {
        Out {
            json,
            stdout: std::io::stdout(),
            at_line_start: true,
        }
    }

    /// Whether events are JSON lines.
    pub fn is_json(&self) -> bool {
        self.json
    }

    /// Writes one JSON event line, tagged with its column in a compare.
    pub fn event_in(&mut self, mut value: Value, column: Option<usize>) -> Result<(), Failure> {
        if let (Some(col), Some(map)) = (column, value.as_object_mut()) {
            map.insert("column".into(), json!(col));
        }
        self.event(&value)
    }

    /// Writes one JSON event line.
    pub fn event(&mut self, value: &Value) -> Result<(), Failure> {
        let mut lock = self.stdout.lock();
        writeln!(lock, "{value}")
            .and_then(|_| lock.flush())
            .map_err(|_| Failure::Output)
    }

    /// Writes plain text to stdout as it comes, control characters made visible.
    pub fn raw(&mut self, text: &str) -> Result<(), Failure> {
        self.write(&visible(text))
    }

    /// Writes a file's text as it is when stdout is not a terminal (`history export > file` keeps
    /// the bytes), made visible when it is.
    pub fn file_text(&mut self, text: &str) -> Result<(), Failure> {
        if self.stdout.is_terminal() {
            self.raw(text)
        } else {
            self.write(text)
        }
    }

    fn write(&mut self, text: &str) -> Result<(), Failure> {
        if text.is_empty() {
            return Ok(());
        }
        let mut lock = self.stdout.lock();
        lock.write_all(text.as_bytes())
            .and_then(|_| lock.flush())
            .map_err(|_| Failure::Output)?;
        self.at_line_start = text.ends_with('\n');
        Ok(())
    }

    /// Answer text: a `delta` event, or plain text.
    pub fn text(&mut self, text: &str) -> Result<(), Failure> {
        if self.json {
            return self.event(&json!({"type": "delta", "text": text}));
        }
        self.raw(text)
    }

    /// Reasoning: a JSON event, or (when asked) stderr in plain mode.
    pub fn reasoning(&mut self, text: &str, show: bool) -> Result<(), Failure> {
        if self.json {
            return self.event(&json!({"type": "reasoning", "text": text}));
        }
        if show {
            let mut err = std::io::stderr().lock();
            let _ = err
                .write_all(visible(text).as_bytes())
                .and_then(|_| err.flush());
        }
        Ok(())
    }

    /// Ends the plain answer with a newline if it did not end with one.
    pub fn finish_line(&mut self) -> Result<(), Failure> {
        if !self.json && !self.at_line_start {
            self.raw("\n")?;
        }
        Ok(())
    }
}

/// Writes `roundtable: <line>` to stderr, control characters made visible (error messages and
/// model names can come from a provider).
pub fn note(line: &str) {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "roundtable: {}", visible(line)).and_then(|_| err.flush());
}

/// `text` safe to print at a terminal: newline and tab kept, carriage returns dropped (they
/// would let a line overwrite itself), every other control character (C0, DEL, and C1
/// U+0080–U+009F, which some terminals read as ESC sequences) shown as a visible symbol: C0 as
/// its Unicode control picture (ESC is `␛`), DEL as `␡`, C1 as `<U+009B>`.
pub fn visible(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\r' => {}
            c if !unsafe_char(c) => shown.push(c),
            '\u{7f}' => shown.push('\u{2421}'),
            c if (c as u32) < 0x20 => {
                shown.push(char::from_u32(0x2400 + c as u32).unwrap_or('\u{fffd}'))
            }
            c => shown.push_str(&format!("<U+{:04X}>", c as u32)),
        }
    }
    Cow::Owned(shown)
}

/// The `attempt` event.
pub fn attempt_json(a: &Attempt) -> Value {
    json!({
        "type": "attempt",
        "target": a.target,
        "outcome": a.outcome.as_str(),
        "class": a.class.map(|c| c.as_str()),
        "status": a.status,
        "ms": a.ms,
        "attempt": a.number,
        "message": a.message,
    })
}

/// The `tool_call` event: its arguments as an object (as the model wrote them when they are not
/// valid JSON).
pub fn tool_call_json(c: &ToolCall) -> Value {
    let arguments = c
        .parsed_arguments()
        .unwrap_or_else(|_| Value::String(c.arguments.clone()));
    json!({"type": "tool_call", "id": c.id, "name": c.name, "arguments": arguments})
}

/// The `tool_result` event.
pub fn tool_result_json(r: &ToolResult) -> Value {
    json!({
        "type": "tool_result",
        "id": r.id,
        "name": r.name,
        "text": r.joined_text(),
        "is_error": r.is_error,
        "ms": r.ms,
        "decision": r.decision,
    })
}

/// One line on stderr for a tool call or result (cut to 200 characters).
pub fn tool_note(line: &str) {
    let one: String = line.replace('\n', " ");
    let mut cut: String = one.chars().take(200).collect();
    if cut.len() < one.len() {
        cut.push('…');
    }
    note(&cut);
}

/// A tool call for a person: `tool everything__echo {"message":"hi"}`.
pub fn tool_call_line(c: &ToolCall) -> String {
    format!("tool {} {}", c.name, c.arguments)
}

/// A tool result for a person: `everything__echo → Echo: hi (3 ms)`.
pub fn tool_result_line(r: &ToolResult) -> String {
    let how = match r.decision {
        Some(Decision::Denied) => " (denied)",
        Some(Decision::Never) => " (refused)",
        Some(Decision::Invalid) => " (not run)",
        _ if r.is_error => " (error)",
        _ => "",
    };
    let ms = r.ms.map(|ms| format!(" · {ms} ms")).unwrap_or_default();
    format!("{}{how} → {}{ms}", r.name, r.joined_text())
}

/// The `done` event of a finished answer, with where it was recorded and its cost.
pub fn done_json(f: &Finished) -> Value {
    let usage = f.usage.unwrap_or_default();
    json!({
        "type": "done",
        "model": f.model,
        "requested": f.requested,
        "provider": f.requested.split('/').next().unwrap_or_default(),
        "finish_reason": f.finish,
        "usage": usage_json(&usage),
        "usage_reported": f.usage.is_some(),
        "provider_cost_usd": f.provider_cost_usd,
        "attempts": f.attempts.iter().filter(|a| a.outcome != Outcome::Skipped).count(),
        "tried": f.attempts.iter().map(|a| json!({
            "target": a.target,
            "outcome": a.outcome.as_str(),
            "class": a.class.map(|c| c.as_str()),
            "status": a.status,
            "ms": a.ms,
        })).collect::<Vec<_>>(),
        "ttft_ms": f.ttft_ms,
        "duration_ms": f.duration_ms,
        "tokens_per_s": f.tokens_per_s().map(|v| (v * 10.0).round() / 10.0),
        "conversation_id": f.conversation_id,
        "message_id": f.message_id,
        "request_id": f.request_id,
        "cost_usd": f.cost_micros as f64 / 1e6,
        "cost_micros": f.cost_micros,
        "price_source": f.price_source,
        "steps": f.steps,
    })
}

fn usage_json(u: &Usage) -> Value {
    json!({
        "input_tokens": u.input_tokens,
        "output_tokens": u.output_tokens,
        "cache_read_tokens": u.cache_read_tokens,
        "cache_write_tokens": u.cache_write_tokens,
        "reasoning_tokens": u.reasoning_tokens,
    })
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert_eq!(visible("plain\ttext\n"), "plain\ttext\n");
        assert_eq!(visible("\x1b[2J\x07x\x08"), "\u{241b}[2J\u{2407}x\u{2408}");
        assert_eq!(visible("done\rfake"), "donefake");
        assert_eq!(
            visible("\u{9b}31m\u{9d}52;c;eA==\u{9c}\u{7f}"),
            "<U+009B>31m<U+009D>52;c;eA==<U+009C>\u{2421}"
        );
        assert_eq!(
            visible("\x1b]8;;http://evil\x1b\\click\x1b]8;;\x1b\\"),
            "\u{241b}]8;;http://evil\u{241b}\\click\u{241b}]8;;\u{241b}\\"
        );
        assert_eq!(visible("café ✓"), "café ✓", "other text is untouched");
    }
}
