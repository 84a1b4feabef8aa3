//! Writing answers: plain text as it streams, or one JSON event per line.
//!
//! Every write is flushed at once so a pipe sees tokens as they arrive.

use std::io::Write;

use roundtable_engine::{StreamEnd, Target, Usage};
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

    /// Writes one JSON event line.
    pub fn event(&mut self, value: &Value) -> Result<(), Failure> {
        let mut lock = self.stdout.lock();
        writeln!(lock, "{value}")
            .and_then(|_| lock.flush())
            .map_err(|_| Failure::Output)
    }

    /// Writes answer text as it comes.
    pub fn text(&mut self, text: &str) -> Result<(), Failure> {
        if self.json {
            return self.event(&json!({"type": "delta", "text": text}));
        }
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

    /// Reasoning: a JSON event, or (when asked) stderr in plain mode.
    pub fn reasoning(&mut self, text: &str, show: bool) -> Result<(), Failure> {
        if self.json {
            return self.event(&json!({"type": "reasoning", "text": text}));
        }
        if show {
            let mut err = std::io::stderr().lock();
            let _ = err.write_all(text.as_bytes()).and_then(|_| err.flush());
        }
        Ok(())
    }

    /// Ends the plain answer with a newline if it did not end with one.
    pub fn finish_line(&mut self) -> Result<(), Failure> {
        if !self.json && !self.at_line_start {
            self.text("\n")?;
        }
        Ok(())
    }

    /// The `done` event (JSON) or the end of the line (plain).
    pub fn done(&mut self, target: &Target, end: &StreamEnd) -> Result<(), Failure> {
        if !self.json {
            return self.finish_line();
        }
        let answered = end.model.as_deref().unwrap_or(&target.model);
        let usage = end.usage.unwrap_or_default();
        self.event(&json!({
            "type": "done",
            "model": format!("{}/{}", target.provider.id, answered),
            "requested": target.to_string(),
            "provider": target.provider.id,
            "finish_reason": end.finish.as_str(),
            "usage": usage_json(&usage),
            "usage_reported": end.usage.is_some(),
            "provider_cost_usd": end.provider_cost_usd,
        }))
    }
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
