//! `roundtable compare`: one prompt to several models (or routes) at once. With `--json` every
//! event carries its `column`; in plain mode each column's answer is printed when it ends, with
//! its time to first token, tokens and speed. One column failing leaves the others running.
//! The compare is prepared and its columns driven by the engine's session (the app's own
//! preparation, N drivers under one fan-out); this file only prints their events.

use roundtable_engine::session::{compare, fan_out, ColumnSpec, CompareSpec, Session, TurnEvent};
use serde_json::json;
use tokio::sync::watch;

use crate::args::CompareArgs;
use crate::chat::{attach_files, read_prompt, warn_budget};
use crate::failure::Failure;
use crate::output::{
    attempt_json, done_json, tool_call_json, tool_call_line, tool_note, tool_result_json,
    tool_result_line, Out,
};

#[derive(Default)]
struct Column {
    text: String,
}

/// Runs `compare`: one conversation, one user message, each column its own recorded branch.
pub async fn run(
    s: Session<'_>,
    args: CompareArgs,
    hosts: Vec<Option<std::sync::Arc<dyn roundtable_engine::tools::ToolHost>>>,
    out: &mut Out,
) -> Result<(), Failure> {
    let max = compare::MAX_COLUMNS;
    if !(2..=max).contains(&args.models.len()) {
        return Err(Failure::Input(format!(
            "compare takes 2 to {max} models (one -m each), {} given",
            args.models.len()
        )));
    }
    // `MODEL#PRESET`: a column's own preset (`:` is taken by Ollama's tags).
    let picked: Vec<(String, Option<String>)> = args
        .models
        .iter()
        .map(|m| match m.rsplit_once('#') {
            Some((model, preset)) => (model.to_string(), Some(preset.to_string())),
            None => (m.clone(), None),
        })
        .collect();
    // Each column's model and preset are checked (with its own error) before a prompt is
    // waited for.
    for (m, preset) in &picked {
        s.router.plan(std::slice::from_ref(m))?;
        if let Some(p) = preset {
            s.router.engine().config().preset(p)?;
        }
    }
    let prompt = read_prompt(args.opts.prompt.clone())?;
    let o = &args.opts;
    let spec = CompareSpec {
        prompt,
        system: o.system.clone(),
        preset: o.preset.clone(),
        columns: picked
            .iter()
            .map(|(m, preset)| ColumnSpec {
                targets: vec![m.clone()],
                preset: preset.clone(),
                ..Default::default()
            })
            .collect(),
        temperature: o.temperature,
        max_tokens: o.max_tokens,
        top_p: o.top_p,
        seed: o.seed,
        stop: (!o.stop.is_empty()).then(|| o.stop.clone()),
        reasoning: o.reasoning,
        over_budget: Some(o.over_budget),
        attachments: attach_files(s.store, &o.attach)?,
        ..Default::default()
    };
    if o.estimate {
        let p = roundtable_engine::session::preview::compare(s.router, s.store, s.prices, &spec)?;
        return crate::estimate::print(out, &p);
    }
    let mut prepared = compare::prepare(s.router, s.store, spec)?;
    // Each column runs its own tool loop, with its own approvals.
    for (turn, host) in prepared.turns.iter_mut().zip(hosts) {
        if let Some(host) = host {
            turn.use_tools(host);
        }
    }
    if let Some(first) = prepared.turns.first() {
        warn_budget(&first.budget);
    }
    // Each column named by its model and, when the columns' settings differ, what differs.
    let labels = s.store.column_settings(prepared.conversation_id)?;
    let settings: Vec<_> = labels.into_iter().map(Option::unwrap_or_default).collect();
    let differs = roundtable_engine::session::differences(&settings);
    let names: Vec<String> = differs
        .iter()
        .zip(&picked)
        .map(|(d, (m, _))| named(m, d))
        .collect();

    // Ctrl-C stops every column; what was printed and saved stays.
    let (stop, stopped) = watch::channel(false);
    let ctrl_c = async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            let _ = stop.send(true);
        }
        std::future::pending::<()>().await;
    };
    let cancelled = |_: usize| {
        let mut stopped = stopped.clone();
        async move {
            let _ = stopped.wait_for(|s| *s).await;
        }
    };
    let mut columns: Vec<Column> = prepared.turns.iter().map(|_| Column::default()).collect();
    let mut failures = Vec::new();
    let mut interrupted = false;
    let mut broken: Option<Failure> = None;
    let run = fan_out(&prepared.turns, s, cancelled, |col, event| {
        if broken.is_some() {
            return;
        }
        let shown = show(
            out,
            &mut columns[col],
            col,
            event,
            &names[col],
            &differs[col],
        );
        match shown {
            Ok(Shown::Failed(line)) => failures.push(line),
            Ok(Shown::Cancelled) => interrupted = true,
            Ok(Shown::Going) => {}
            Err(e) => broken = Some(e),
        }
    });
    tokio::select! {
        () = run => {}
        () = ctrl_c => {}
    }
    if let Some(e) = broken {
        return Err(e);
    }
    if interrupted {
        return Err(Failure::Interrupted);
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Columns(failures))
    }
}

/// What a column's event came to.
enum Shown {
    Going,
    Failed(String),
    Cancelled,
}

/// A column's model with what sets its settings apart from the other columns', when they
/// differ: `fake/m (hot)`, `fake/m (temperature 0.2)`.
fn named(model: &str, differs: &str) -> String {
    if differs.is_empty() {
        model.to_string()
    } else {
        format!("{model} ({differs})")
    }
}

/// Prints one column's event.
fn show(
    out: &mut Out,
    c: &mut Column,
    col: usize,
    event: TurnEvent,
    model: &str,
    differs: &str,
) -> Result<Shown, Failure> {
    match event {
        TurnEvent::Attempt(a) => {
            if out.is_json() {
                out.event_in(attempt_json(&a), Some(col))?;
            }
        }
        TurnEvent::Delta { text } => {
            if out.is_json() {
                out.event_in(json!({"type": "delta", "text": text}), Some(col))?;
            }
            c.text.push_str(&text);
        }
        TurnEvent::Reasoning { text } => {
            if out.is_json() {
                out.event_in(json!({"type": "reasoning", "text": text}), Some(col))?;
            }
        }
        TurnEvent::ToolCall { call } => {
            if out.is_json() {
                out.event_in(tool_call_json(&call), Some(col))?;
            } else {
                tool_note(&format!("[{col}] {}", tool_call_line(&call)));
            }
        }
        TurnEvent::ToolResult { result } => {
            if out.is_json() {
                out.event_in(tool_result_json(&result), Some(col))?;
            } else {
                tool_note(&format!("[{col}] {}", tool_result_line(&result)));
            }
        }
        TurnEvent::Done(f) => {
            if out.is_json() {
                out.event_in(done_json(&f), Some(col))?;
            } else {
                let mut head = format!(
                    "── [{col}] {} · {} ms to first token",
                    named(&f.model, differs),
                    f.ttft_ms.unwrap_or(0)
                );
                if let (Some(u), Some(speed)) = (f.usage, f.tokens_per_s()) {
                    head.push_str(&format!(
                        " · {} tokens · {speed:.0} tokens/s",
                        u.output_tokens
                    ));
                }
                if !f.fell_over.is_empty() {
                    head.push_str(&format!(" · after {} failed", f.fell_over.join(", ")));
                }
                out.raw(&format!("{head}\n{}\n\n", c.text.trim_end()))?;
            }
        }
        TurnEvent::Failed { error, partial, .. } => {
            let line = format!("column {col} ({model}): {}", error.message);
            if out.is_json() {
                out.event_in(Failure::Turn { error, partial }.event(), Some(col))?;
            } else {
                let shown = if c.text.is_empty() {
                    String::new()
                } else {
                    format!("{}\n", c.text.trim_end())
                };
                out.raw(&format!("── [{col}] {model} · failed\n{shown}\n"))?;
            }
            return Ok(Shown::Failed(line));
        }
        TurnEvent::Cancelled { .. } => return Ok(Shown::Cancelled),
    }
    Ok(Shown::Going)
}
