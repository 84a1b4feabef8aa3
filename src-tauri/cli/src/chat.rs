//! `roundtable chat`: one prompt through a target, a fallback chain or a route, streamed to
//! stdout as it arrives, with every attempt reported.

use std::io::{IsTerminal, Read};
use std::time::Instant;

use futures_util::StreamExt;
use roundtable_engine::{
    ChatEvent, ChatRequest, Message, Outcome, ReasoningEffort, RouteEvent, Router,
};
use serde_json::json;

use crate::args::{ChatArgs, Effort};
use crate::failure::Failure;
use crate::output::{attempt_json, Finished, Out};

/// Builds the request from the shared options.
pub fn request(
    system: Option<String>,
    prompt: String,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    reasoning: Option<Effort>,
) -> ChatRequest {
    ChatRequest {
        system: system.filter(|s| !s.trim().is_empty()),
        messages: vec![Message::user(prompt)],
        temperature,
        max_tokens,
        reasoning: reasoning.map(|e| match e {
            Effort::Low => ReasoningEffort::Low,
            Effort::Medium => ReasoningEffort::Medium,
            Effort::High => ReasoningEffort::High,
        }),
    }
}

/// Runs `chat`.
pub async fn run(router: &Router, args: ChatArgs, out: &mut Out) -> Result<(), Failure> {
    let plan = router.plan(&args.models)?;
    let req = request(
        args.system,
        read_prompt(args.prompt)?,
        args.temperature,
        args.max_tokens,
        args.reasoning,
    );
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);
    let started = Instant::now();

    // A whole answer from one target: a non-streaming request.
    if args.no_stream && plan.targets.len() == 1 {
        let target = &plan.targets[0];
        let answer = tokio::select! {
            r = router.engine().complete(target, &req) => r?,
            _ = &mut ctrl_c => return Err(Failure::Interrupted),
        };
        if !answer.reasoning.is_empty() {
            out.reasoning(&answer.reasoning, args.show_reasoning)?;
        }
        out.text(&answer.text)?;
        let total_ms = started.elapsed().as_millis() as u64;
        let done = Finished {
            target,
            end: &answer.end,
            attempts: &[],
            ttft_ms: None,
            total_ms,
        };
        return if out.is_json() {
            out.event(&done.json())
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
                // Dropping the stream closes the connection; what was printed stays.
                out.finish_line()?;
                return Err(Failure::Interrupted);
            }
        };
        match item {
            Some(Ok(RouteEvent::Attempt(a))) => {
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
            Some(Ok(RouteEvent::Chat(ChatEvent::Delta(text))))
                if args.no_stream && !out.is_json() =>
            {
                buffered.push_str(&text)
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Delta(text)))) => out.text(&text)?,
            Some(Ok(RouteEvent::Chat(ChatEvent::Reasoning(text)))) => {
                out.reasoning(&text, args.show_reasoning)?
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Start { .. }))) => {}
            Some(Ok(RouteEvent::Chat(ChatEvent::End(end)))) => {
                out.text(&buffered)?;
                let Some(target) = stream.answered() else {
                    return Err(Failure::Input(
                        "the router ended an answer without a target".into(),
                    ));
                };
                let done = Finished {
                    target,
                    end: &end,
                    attempts: stream.attempts(),
                    ttft_ms,
                    total_ms: started.elapsed().as_millis() as u64,
                };
                if out.is_json() {
                    return out.event(&done.json());
                }
                out.finish_line()?;
                if !failures.is_empty() {
                    // A fallback is never silent.
                    eprintln!(
                        "roundtable: answered by {} after {} failed",
                        done.model(),
                        failures.join(", ")
                    );
                }
                return Ok(());
            }
            Some(Err(e)) => {
                out.text(&buffered)?;
                out.finish_line()?;
                let partial = stream.has_content();
                return Err(Failure::Routed { error: e, partial });
            }
            None => {
                out.finish_line()?;
                return Err(Failure::Input("the stream ended without an answer".into()));
            }
        }
    }
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
