//! `roundtable chat`: one prompt through a target, a fallback chain or a route, streamed to
//! stdout as it arrives, with every attempt reported.

use std::io::{IsTerminal, Read};
use std::time::Instant;

use futures_util::StreamExt;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::store::{
    now_ms, title_from, Budget, LedgerRow, NewMessage, Recorder, Store,
};
use roundtable_engine::{
    Attempt, ChatEvent, ChatRequest, Message, Outcome, ReasoningEffort, Role, RouteEvent, Router,
};
use serde_json::json;

use crate::args::{ChatArgs, Effort, RequestOpts};
use crate::failure::Failure;
use crate::output::{attempt_json, Finished, Out};

/// Checks this month's spend against `[budget]`: a warning on stderr from 80%, a refusal at 100%
/// unless `over` is set.
pub fn check_budget(router: &Router, store: &Store, over: bool) -> Result<(), Failure> {
    let usd = |m: i64| crate::usage::usd(m);
    match store.budget(router.engine().config(), now_ms())? {
        Budget::Exceeded { spent, cap } if !over => Err(Failure::Budget(format!(
            "this month's budget is spent (${} of ${}); raise [budget] monthly_usd, or add --over-budget to send anyway",
            usd(spent),
            usd(cap)
        ))),
        Budget::Exceeded { spent, cap } | Budget::Warning { spent, cap } => {
            eprintln!("roundtable: budget: ${} of ${} spent this month ({:.0}%)", usd(spent), usd(cap), spent as f64 * 100.0 / cap.max(1) as f64);
            Ok(())
        }
        Budget::Fine { .. } | Budget::Unset => Ok(()),
    }
}

/// Builds the request from the shared options, with `system` in force and the prompt read.
pub fn request(opts: &RequestOpts, system: Option<String>, prompt: String) -> ChatRequest {
    ChatRequest {
        system: system.filter(|s| !s.trim().is_empty()),
        messages: vec![Message::user(prompt)],
        temperature: opts.temperature,
        max_tokens: opts.max_tokens,
        reasoning: opts.reasoning.map(|e| match e {
            Effort::Low => ReasoningEffort::Low,
            Effort::Medium => ReasoningEffort::Medium,
            Effort::High => ReasoningEffort::High,
        }),
    }
}

/// Runs `chat`: the user's message is committed before anything is sent; the answer is recorded
/// as it streams, with every attempt in the ledger.
pub async fn run(
    router: &Router,
    store: &Store,
    prices: &PriceBook,
    args: ChatArgs,
    out: &mut Out,
) -> Result<(), Failure> {
    let plan = router.plan(&args.models)?;
    check_budget(router, store, args.opts.over_budget)?;
    let prompt = read_prompt(args.opts.prompt.clone())?;
    // Continue a conversation from its latest branch, or start one.
    let (conversation, parent, history, system) = match args.r#continue {
        Some(id) => {
            let c = store.conversation(id)?;
            let leaf = c.latest_leaf().map(|m| m.id);
            let history = leaf.map(|l| c.turns_to(l)).unwrap_or_default();
            (
                id,
                leaf,
                history,
                args.opts.system.clone().or(c.system.clone()),
            )
        }
        None => {
            let id = store.create_conversation(
                &title_from(&prompt),
                args.opts.system.as_deref(),
                "chat",
            )?;
            (id, None, Vec::new(), args.opts.system.clone())
        }
    };
    let mut req = request(&args.opts, system, prompt.clone());
    req.messages.splice(0..0, history);
    let user = store.add_message(&NewMessage::complete(
        conversation,
        parent,
        Role::User,
        &prompt,
    ))?;
    let prompt_chars = req
        .messages
        .iter()
        .map(|m| m.text.chars().count())
        .sum::<usize>()
        + req.system.as_ref().map_or(0, |s| s.chars().count());
    let mut rec = Recorder::new(
        store,
        prices,
        conversation,
        user,
        None,
        plan.route.clone(),
        prompt_chars,
    );
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let started = Instant::now();

    // A whole answer from one target: a non-streaming request.
    if args.no_stream && plan.targets.len() == 1 {
        let target = &plan.targets[0];
        let answer = tokio::select! {
            r = router.engine().complete(target, &req) => r,
            _ = &mut ctrl_c => {
                rec.fail(None)?;
                return Err(Failure::Interrupted);
            }
        };
        let answer = match answer {
            Ok(a) => a,
            Err(e) => {
                rec.fail(Some(&e))?;
                return Err(e.into());
            }
        };
        let total_ms = started.elapsed().as_millis() as u64;
        let attempt = Attempt {
            target: target.to_string(),
            number: 1,
            outcome: Outcome::Ok,
            class: None,
            status: None,
            ms: total_ms,
            message: None,
        };
        rec.attempt(&attempt)?;
        rec.reasoning(&answer.reasoning)?;
        rec.delta(&answer.text)?;
        let row = rec.finish(&answer.end, target)?;
        if !answer.reasoning.is_empty() {
            out.reasoning(&answer.reasoning, args.show_reasoning)?;
        }
        out.text(&answer.text)?;
        let done = Finished {
            target,
            end: &answer.end,
            attempts: std::slice::from_ref(&attempt),
            ttft_ms: None,
            total_ms,
        };
        return if out.is_json() {
            out.event(&recorded(done.json(), conversation, &rec, &row))
        } else {
            out.finish_line()
        };
    }

    let mut stream = router.stream(&plan, &req);
    let mut buffered = String::new();
    let mut failures = Vec::new();
    let mut ttft_ms = None;
    loop {
        let item = tokio::select! {
            item = stream.next() => item,
            _ = &mut ctrl_c => {
                // Dropping the stream closes the connection; what was printed and saved stays.
                rec.fail(None)?;
                out.finish_line()?;
                return Err(Failure::Interrupted);
            }
        };
        match item {
            Some(Ok(RouteEvent::Attempt(a))) => {
                rec.attempt(&a)?;
                if a.outcome == Outcome::Ok {
                    ttft_ms = Some(a.ms);
                } else {
                    failures.push(format!(
                        "{} ({})",
                        a.target,
                        a.class.map_or("cooling down", |c| c.as_str())
                    ));
                }
                if out.is_json() {
                    out.event(&attempt_json(&a))?;
                }
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Delta(text)))) => {
                rec.delta(&text)?;
                if args.no_stream && !out.is_json() {
                    buffered.push_str(&text);
                } else {
                    out.text(&text)?;
                }
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Reasoning(text)))) => {
                rec.reasoning(&text)?;
                out.reasoning(&text, args.show_reasoning)?;
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Start { .. }))) => {}
            Some(Ok(RouteEvent::Chat(ChatEvent::End(end)))) => {
                out.text(&buffered)?;
                let Some(target) = stream.answered() else {
                    return Err(Failure::Input(
                        "the router ended an answer without a target".into(),
                    ));
                };
                let row = rec.finish(&end, target)?;
                let done = Finished {
                    target,
                    end: &end,
                    attempts: stream.attempts(),
                    ttft_ms,
                    total_ms: started.elapsed().as_millis() as u64,
                };
                if out.is_json() {
                    return out.event(&recorded(done.json(), conversation, &rec, &row));
                }
                out.finish_line()?;
                if !failures.is_empty() {
                    // A fallback is never silent.
                    crate::output::note(&format!(
                        "answered by {} after {} failed",
                        done.model(),
                        failures.join(", ")
                    ));
                }
                return Ok(());
            }
            Some(Err(e)) => {
                rec.fail(Some(&e))?;
                out.text(&buffered)?;
                out.finish_line()?;
                let partial = stream.has_content();
                return Err(Failure::Routed { error: e, partial });
            }
            None => {
                rec.fail(None)?;
                out.finish_line()?;
                return Err(Failure::Input("the stream ended without an answer".into()));
            }
        }
    }
}

/// Adds where the answer was recorded, and its cost, to the `done` event.
pub fn recorded(
    mut done: serde_json::Value,
    conversation: i64,
    rec: &Recorder<'_>,
    row: &LedgerRow,
) -> serde_json::Value {
    if let Some(map) = done.as_object_mut() {
        map.insert("conversation_id".into(), json!(conversation));
        map.insert("message_id".into(), json!(rec.message_id()));
        map.insert("request_id".into(), json!(rec.request_id()));
        map.insert("cost_usd".into(), json!(row.cost_micros as f64 / 1e6));
        map.insert("cost_micros".into(), json!(row.cost_micros));
        map.insert(
            "price_source".into(),
            json!(row.price_source.map(|s| s.as_str())),
        );
    }
    done
}

/// The prompt from the argument, or from stdin when it is absent or `-`.
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

/// Marks an error event as coming after part of an answer.
pub fn with_partial(mut event: serde_json::Value, partial: bool) -> serde_json::Value {
    if let Some(map) = event.as_object_mut() {
        map.insert("partial".into(), json!(partial));
    }
    event
}
