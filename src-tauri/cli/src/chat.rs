//! `roundtable chat`: one prompt to one model, streamed to stdout as it arrives.

use std::io::{IsTerminal, Read};

use futures_util::StreamExt;
use roundtable_engine::{ChatEvent, ChatRequest, Engine, ReasoningEffort};

use crate::args::{ChatArgs, Effort};
use crate::failure::Failure;
use crate::output::Out;

/// Runs `chat`.
pub async fn run(engine: &Engine, args: ChatArgs, out: &mut Out) -> Result<(), Failure> {
    if args.models.len() > 1 {
        return Err(Failure::Input(format!(
            "{} models given, but fallback chains need the router, which this build does not have yet; give one -m",
            args.models.len()
        )));
    }
    let target = engine.resolve(&args.models[0])?;
    let req = ChatRequest {
        system: args.system.filter(|s| !s.trim().is_empty()),
        messages: vec![roundtable_engine::Message::user(read_prompt(args.prompt)?)],
        temperature: args.temperature,
        max_tokens: args.max_tokens,
        reasoning: args.reasoning.map(|e| match e {
            Effort::Low => ReasoningEffort::Low,
            Effort::Medium => ReasoningEffort::Medium,
            Effort::High => ReasoningEffort::High,
        }),
    };
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    if args.no_stream {
        let answer = tokio::select! {
            r = engine.complete(&target, &req) => r?,
            _ = &mut ctrl_c => return Err(Failure::Interrupted),
        };
        if !answer.reasoning.is_empty() {
            out.reasoning(&answer.reasoning, args.show_reasoning)?;
        }
        out.text(&answer.text)?;
        return out.done(&target, &answer.end);
    }

    let mut stream = tokio::select! {
        r = engine.stream(&target, &req) => r?,
        _ = &mut ctrl_c => return Err(Failure::Interrupted),
    };
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
            Some(Ok(ChatEvent::Delta(text))) => out.text(&text)?,
            Some(Ok(ChatEvent::Reasoning(text))) => out.reasoning(&text, args.show_reasoning)?,
            Some(Ok(ChatEvent::Start { .. })) => {}
            Some(Ok(ChatEvent::End(end))) => return out.done(&target, &end),
            Some(Err(e)) => {
                out.finish_line()?;
                return Err(e.into());
            }
            None => {
                out.finish_line()?;
                return Err(Failure::Input(format!(
                    "{}: the stream ended without an answer",
                    target.provider.id
                )));
            }
        }
    }
}

/// The prompt from the argument, or from stdin when it is absent or `-`.
fn read_prompt(arg: Option<String>) -> Result<String, Failure> {
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
