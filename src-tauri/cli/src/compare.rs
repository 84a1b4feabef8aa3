//! `roundtable compare`: one prompt to several models (or routes) at once. With `--json` every
//! event carries its `column`; in plain mode each column's answer is printed when it ends, with
//! its time to first token, tokens and speed. One column failing leaves the others running.

use std::time::Instant;

use futures_util::StreamExt;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::store::{title_from, NewMessage, Recorder, Store};
use roundtable_engine::{ChatEvent, Outcome, Role, RouteEvent, Router};
use serde_json::json;

use crate::args::CompareArgs;
use crate::chat::{read_prompt, recorded, request};
use crate::failure::Failure;
use crate::output::{attempt_json, Finished, Out};

/// The most columns at once.
const MAX_COLUMNS: usize = 8;

#[derive(Default)]
struct Column {
    text: String,
    ttft_ms: Option<u64>,
    failed: Vec<String>,
}

/// Runs `compare`: one conversation, one user message, each column its own recorded branch.
pub async fn run(
    router: &Router,
    store: &Store,
    prices: &PriceBook,
    args: CompareArgs,
    out: &mut Out,
) -> Result<(), Failure> {
    if !(2..=MAX_COLUMNS).contains(&args.models.len()) {
        return Err(Failure::Input(format!(
            "compare takes 2 to {MAX_COLUMNS} models (one -m each), {} given",
            args.models.len()
        )));
    }
    let plans = args
        .models
        .iter()
        .map(|m| router.plan(std::slice::from_ref(m)))
        .collect::<Result<Vec<_>, _>>()?;
    crate::chat::check_budget(router, store, args.opts.over_budget)?;
    let prompt = read_prompt(args.opts.prompt.clone())?;
    // Each column as named (`@route` stays a route), for the app to follow up through.
    let picked: Vec<Vec<String>> = args.models.iter().map(|m| vec![m.clone()]).collect();
    let conversation =
        store.create_compare(&title_from(&prompt), args.opts.system.as_deref(), &picked)?;
    let user = store.add_message(&NewMessage::complete(
        conversation,
        None,
        Role::User,
        &prompt,
    ))?;
    let req = request(&args.opts, args.opts.system.clone(), prompt.clone());
    let prompt_chars =
        prompt.chars().count() + req.system.as_ref().map_or(0, |s| s.chars().count());
    let mut recorders: Vec<Recorder<'_>> = plans
        .iter()
        .enumerate()
        .map(|(i, p)| {
            Recorder::new(
                store,
                prices,
                conversation,
                user,
                Some(i as i64),
                p.route.clone(),
                prompt_chars,
            )
        })
        .collect();
    let mut compare = router.compare(&plans, &req);
    let mut columns: Vec<Column> = (0..plans.len()).map(|_| Column::default()).collect();
    let mut failures = Vec::new();
    let started = Instant::now();
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    loop {
        let (col, item) = tokio::select! {
            next = compare.next() => match next {
                Some(x) => x,
                None => break,
            },
            _ = &mut ctrl_c => {
                for (i, rec) in recorders.iter_mut().enumerate() {
                    if compare.is_running(i) {
                        rec.fail(None)?;
                    }
                }
                return Err(Failure::Interrupted);
            }
        };
        let c = &mut columns[col];
        let rec = &mut recorders[col];
        match item {
            Ok(RouteEvent::Attempt(a)) => {
                rec.attempt(&a)?;
                match a.outcome {
                    Outcome::Ok => c.ttft_ms = Some(a.ms),
                    _ => c.failed.push(format!(
                        "{} ({})",
                        a.target,
                        a.class.map_or("cooling down", |k| k.as_str())
                    )),
                }
                if out.is_json() {
                    out.event_in(attempt_json(&a), Some(col))?;
                }
            }
            Ok(RouteEvent::Chat(ChatEvent::Delta(text))) => {
                rec.delta(&text)?;
                if out.is_json() {
                    out.event_in(json!({"type": "delta", "text": text}), Some(col))?;
                }
                c.text.push_str(&text);
            }
            Ok(RouteEvent::Chat(ChatEvent::Reasoning(text))) => {
                rec.reasoning(&text)?;
                if out.is_json() {
                    out.event_in(json!({"type": "reasoning", "text": text}), Some(col))?;
                }
            }
            Ok(RouteEvent::Chat(ChatEvent::Start { .. })) => {}
            Ok(RouteEvent::Chat(ChatEvent::End(end))) => {
                let Some(target) = compare.answered(col) else {
                    continue;
                };
                let row = rec.finish(&end, target)?;
                let done = Finished {
                    target,
                    end: &end,
                    attempts: compare.attempts(col),
                    ttft_ms: c.ttft_ms,
                    total_ms: started.elapsed().as_millis() as u64,
                };
                if out.is_json() {
                    out.event_in(recorded(done.json(), conversation, rec, &row), Some(col))?;
                } else {
                    let mut head = format!(
                        "── [{col}] {} · {} ms to first token",
                        done.model(),
                        c.ttft_ms.unwrap_or(0)
                    );
                    if let (Some(u), Some(speed)) = (end.usage, done.tokens_per_s()) {
                        head.push_str(&format!(
                            " · {} tokens · {speed:.0} tokens/s",
                            u.output_tokens
                        ));
                    }
                    if !c.failed.is_empty() {
                        head.push_str(&format!(" · after {} failed", c.failed.join(", ")));
                    }
                    out.raw(&format!("{head}\n{}\n\n", c.text.trim_end()))?;
                }
            }
            Err(error) => {
                rec.fail(Some(&error))?;
                let line = format!("column {col} ({}): {error}", args.models[col]);
                if out.is_json() {
                    let partial = !c.text.is_empty();
                    out.event_in(Failure::Routed { error, partial }.event(), Some(col))?;
                } else {
                    let shown = if c.text.is_empty() {
                        String::new()
                    } else {
                        format!("{}\n", c.text.trim_end())
                    };
                    out.raw(&format!(
                        "── [{col}] {} · failed\n{shown}\n",
                        args.models[col]
                    ))?;
                }
                failures.push(line);
            }
        }
    }
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Columns(failures))
    }
}
