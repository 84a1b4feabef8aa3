//! A turn's events to the web view over a `tauri::ipc::Channel`, coalesced to at most one
//! message per frame (16 ms): the answer's Markdown is rendered here by the engine's streaming
//! renderer, so the web view only swaps in final blocks and the open tail.

use std::time::Duration;

use roundtable_engine::markdown::MarkdownStream;
use roundtable_engine::turn::TurnEvent;
use serde_json::{json, Value};
use tauri::ipc::Channel;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// The longest a delta waits before it is shown.
pub const FRAME: Duration = Duration::from_millis(16);

/// Forwards `rx` to `channel` until the turn's last event.
pub async fn forward(mut rx: UnboundedReceiver<TurnEvent>, channel: Channel<Value>) {
    let mut md = MarkdownStream::new();
    let (mut text, mut reasoning) = (String::new(), String::new());
    let mut deadline: Option<Instant> = None;
    loop {
        let event = match deadline {
            Some(at) => tokio::select! {
                e = rx.recv() => e,
                _ = tokio::time::sleep_until(at) => {
                    render(&mut md, &mut text, &mut reasoning, &channel, false);
                    deadline = None;
                    continue;
                }
            },
            None => rx.recv().await,
        };
        match event {
            Some(TurnEvent::Delta { text: t }) => {
                text.push_str(&t);
                deadline.get_or_insert_with(|| Instant::now() + FRAME);
            }
            Some(TurnEvent::Reasoning { text: t }) => {
                reasoning.push_str(&t);
                deadline.get_or_insert_with(|| Instant::now() + FRAME);
            }
            Some(other) => {
                let last = !matches!(other, TurnEvent::Attempt(_));
                render(&mut md, &mut text, &mut reasoning, &channel, last);
                deadline = None;
                let _ = channel.send(serde_json::to_value(&other).unwrap_or(Value::Null));
                if last {
                    return;
                }
            }
            None => return,
        }
    }
}

/// Sends what arrived since the last frame; `last` also closes the tail.
fn render(
    md: &mut MarkdownStream,
    text: &mut String,
    reasoning: &mut String,
    channel: &Channel<Value>,
    last: bool,
) {
    if text.is_empty() && reasoning.is_empty() && !last {
        return;
    }
    let send = |u: roundtable_engine::markdown::Update<'_>, reasoning: &str| {
        let _ = channel.send(json!({
            "kind": "render",
            "replaceFrom": u.replace_from,
            "blocks": u.blocks,
            "tail": u.tail,
            "reasoning": reasoning,
        }));
    };
    send(md.push(text), reasoning);
    if last {
        send(md.finish(), "");
    }
    text.clear();
    reasoning.clear();
}
