//! `--estimate` on `chat` and `compare`: what sending would cost, and nothing sent — per target
//! (or column) the prompt's tokens (`≈` when estimated), their input cost, the context window's
//! fill, and the answer's cost range up to its max tokens; then the spend limits it falls under.

use roundtable_engine::estimate::{Counted, Estimate, Fit};
use roundtable_engine::money::usd_short;
use roundtable_engine::session::Preview;
use serde_json::json;

use crate::failure::Failure;
use crate::output::Out;

/// Prints `p` (one JSON line per column, then one for the limits, with `--json`). A prompt over
/// a column's context window is bad input (exit 2), named.
pub fn print(out: &mut Out, p: &Preview) -> Result<(), Failure> {
    for (i, e) in p.columns.iter().enumerate() {
        if out.is_json() {
            out.event(&json!({
                "type": "estimate",
                "column": i,
                "target": e.target,
                "prompt_tokens": e.prompt_tokens,
                "exact": matches!(e.counted, Counted::Exact { .. }),
                "input_usd": e.input_micros.map(|m| m as f64 / 1e6),
                "context_window": e.context_window,
                "fill_percent": e.fill_percent,
                "fit": e.fit,
                "cut_tokens": e.cut_tokens,
                "max_answer_tokens": e.max_answer_tokens,
                "max_answer_usd": e.max_answer_micros.map(|m| m as f64 / 1e6),
            }))?;
        } else {
            out.raw(&format!("{}\n", line(e)))?;
        }
    }
    if out.is_json() {
        out.event(&json!({
            "type": "limits",
            "rules": p.rules.iter().map(|r| json!({
                "rule": r.label, "spent_usd": r.spent_micros as f64 / 1e6, "percent": r.percent,
            })).collect::<Vec<_>>(),
            "crosses": p.crosses,
        }))?;
    } else {
        for r in &p.rules {
            out.raw(&format!(
                "limit {}: ${} spent ({:.0}%)\n",
                r.label,
                usd_short(r.spent_micros),
                r.percent
            ))?;
        }
        if let Some(rule) = &p.crosses {
            out.raw(&format!("its worst case may cross {rule}\n"))?;
        }
    }
    match p.columns.iter().find_map(Estimate::over_error) {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}

/// `openai/gpt-4o: 1,204 tokens ($0.0030), 0.9% of 128,000; answer up to $0.16 (16,384 tokens)`.
fn line(e: &Estimate) -> String {
    let approx = match &e.counted {
        Counted::Exact { .. } => "",
        Counted::Estimated { .. } => "≈",
    };
    let mut s = format!("{}: {approx}{} tokens", e.target, e.prompt_tokens);
    match e.input_micros {
        Some(m) => s.push_str(&format!(" (${})", usd_short(m))),
        None => s.push_str(" (price unknown)"),
    }
    if let (Some(w), Some(f)) = (e.context_window, e.fill_percent) {
        s.push_str(&format!(", {f:.1}% of {w}"));
        match e.fit {
            Fit::Tight => s.push_str(" (nearly full)"),
            Fit::Over => s.push_str(&format!(" (over: cut about {} tokens)", e.cut_tokens)),
            Fit::Fits => {}
        }
    }
    match (e.max_answer_micros, e.max_answer_tokens) {
        (Some(m), Some(t)) => s.push_str(&format!("; answer up to ${} ({t} tokens)", usd_short(m))),
        (None, Some(t)) => s.push_str(&format!("; answer up to {t} tokens")),
        _ => {}
    }
    s
}
