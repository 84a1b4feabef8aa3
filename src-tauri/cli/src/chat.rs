//! `roundtable chat`: one prompt through a target, a fallback chain or a route, streamed to
//! stdout as it arrives, with every attempt reported. The turn is prepared and driven by the
//! engine's session (the app's own preparation and driver); this file only prints its events.

use std::io::{IsTerminal, Read};

use roundtable_engine::attach;
use roundtable_engine::session::{AttachmentRef, Delivery, Session, Turn, TurnEvent, TurnSpec};
use roundtable_engine::store::BudgetCheck;
use roundtable_engine::Outcome;

use crate::args::{ChatArgs, RequestOpts};
use crate::failure::Failure;
use crate::output::{
    attempt_json, done_json, note, tool_call_json, tool_call_line, tool_note, tool_result_json,
    tool_result_line, Out,
};

/// A warning on stderr for each spend limit past its alert share, once per window (the
/// refusal at the limit is the engine's).
pub fn warn_budget(budget: &BudgetCheck) {
    let usd = roundtable_engine::money::usd_short;
    for rule in &budget.alerts {
        note(&format!(
            "budget: {}: ${} spent ({:.0}%)",
            rule.label,
            usd(rule.spent_micros),
            rule.percent
        ));
    }
}

/// The turn the shared options ask for.
pub fn spec(opts: &RequestOpts, prompt: String, targets: &[String]) -> TurnSpec {
    TurnSpec {
        prompt,
        system: opts.system.clone(),
        targets: targets.to_vec(),
        temperature: opts.temperature,
        max_tokens: opts.max_tokens,
        top_p: opts.top_p,
        seed: opts.seed,
        stop: (!opts.stop.is_empty()).then(|| opts.stop.clone()),
        reasoning: opts.reasoning,
        preset: opts.preset.clone(),
        over_budget: Some(opts.over_budget),
        ..Default::default()
    }
}

/// Runs `chat`: the user's message is committed before anything is sent; the answer is recorded
/// as it streams, with every attempt in the ledger.
pub async fn run(
    s: Session<'_>,
    args: ChatArgs,
    tools: Option<std::sync::Arc<dyn roundtable_engine::tools::ToolHost>>,
    out: &mut Out,
) -> Result<(), Failure> {
    // Model names are checked before a prompt is waited for on stdin.
    s.router.plan(&args.models)?;
    let prompt = read_prompt(args.opts.prompt.clone())?;
    let mut spec = spec(&args.opts, prompt, &args.models);
    spec.conversation = args.r#continue;
    spec.attachments = Some(attach_files(s.store, &args.opts.attach)?);
    if args.opts.estimate {
        let p = roundtable_engine::session::preview::turn(s.router, s.store, s.prices, &spec)?;
        return crate::estimate::print(out, &p);
    }
    let mut turn = Turn::prepare(s.router, s.store, spec)?;
    if let Some(host) = tools {
        turn.use_tools(host);
    }
    warn_budget(&turn.budget);
    let delivery = if args.no_stream {
        Delivery::Whole
    } else {
        Delivery::Stream
    };
    let mut answer = turn.drive(s, delivery);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    // Without streaming, plain output shows the answer once it is whole.
    let hold = args.no_stream && !out.is_json();
    let mut held = String::new();
    loop {
        let event = tokio::select! {
            e = answer.next() => e,
            _ = &mut ctrl_c => {
                // Dropping the stream closes the connection; what was printed and saved stays.
                answer.cancel();
                out.finish_line()?;
                return Err(Failure::Interrupted);
            }
        };
        let Some(event) = event else {
            return Err(Failure::Interrupted);
        };
        match event {
            TurnEvent::Attempt(a) => {
                if out.is_json() {
                    out.event(&attempt_json(&a))?;
                }
            }
            TurnEvent::Delta { text } if hold => held.push_str(&text),
            TurnEvent::Delta { text } => out.text(&text)?,
            TurnEvent::Reasoning { text } => out.reasoning(&text, args.show_reasoning)?,
            TurnEvent::ToolCall { call } if out.is_json() => out.event(&tool_call_json(&call))?,
            TurnEvent::ToolCall { call } => {
                out.finish_line()?;
                tool_note(&tool_call_line(&call));
            }
            TurnEvent::ToolResult { result } if out.is_json() => {
                out.event(&tool_result_json(&result))?
            }
            TurnEvent::ToolResult { result } => tool_note(&tool_result_line(&result)),
            TurnEvent::Done(f) => {
                out.text(&held)?;
                if out.is_json() {
                    return out.event(&done_json(&f));
                }
                out.finish_line()?;
                if !f.fell_over.is_empty() {
                    // A fallback is never silent.
                    note(&format!(
                        "answered by {} after {} failed",
                        f.model,
                        f.fell_over.join(", ")
                    ));
                }
                // What was changed to send it (a PDF that went as its text) is said too.
                let changed = f.attempts.iter().find(|a| a.outcome == Outcome::Ok);
                if let Some(what) = changed.and_then(|a| a.message.as_deref()) {
                    note(what);
                }
                return Ok(());
            }
            TurnEvent::Failed { error, partial, .. } => {
                out.text(&held)?;
                out.finish_line()?;
                return Err(Failure::Turn { error, partial });
            }
            TurnEvent::Cancelled { .. } => return Err(Failure::Interrupted),
        }
    }
}

/// The prompt from the argument, or from stdin when it is absent or `-`.
/// Reads, checks and stores each `-a` file (before anything is committed or sent): a file that
/// cannot be used stops the command with its name and what is wrong.
pub fn attach_files(
    store: &roundtable_engine::store::Store,
    files: &[std::path::PathBuf],
) -> Result<Vec<AttachmentRef>, Failure> {
    let blobs = store.blobs();
    files
        .iter()
        .map(|path| {
            let part = attach::attach_file(&blobs, path)?;
            let a = part.attachment().cloned().unwrap_or_default();
            Ok(AttachmentRef {
                sha256: a.sha256,
                name: a.name,
            })
        })
        .collect()
}

pub fn read_prompt(arg: Option<String>) -> Result<String, Failure> {
    let prompt = match arg {
        Some(p) if p != "-" => p,
        _ => {
            let mut stdin = std::io::stdin();
            if stdin.is_terminal() {
                return Err(Failure::Input(
                    "no prompt: give it as an argument, or pipe it on stdin".into(),
                ));
            }
            let mut text = String::new();
            stdin.read_to_string(&mut text).map_err(|e| {
                Failure::Input(format!("could not read the prompt from stdin: {e}"))
            })?;
            text
        }
    };
    if prompt.trim().is_empty() {
        return Err(Failure::Input(
            "the prompt is empty: give a message to send".into(),
        ));
    }
    Ok(prompt)
}
