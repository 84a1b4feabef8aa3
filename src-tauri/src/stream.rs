//! A turn's events to the web view over a `tauri::ipc::Channel`, coalesced to at most one
//! message per frame (16 ms): the answer's Markdown is rendered here by the engine's streaming
//! renderer, so the web view only swaps in final blocks and the open tail.

use std::time::Duration;

use roundtable_engine::markdown::MarkdownStream;
use roundtable_engine::session::TurnEvent;
use serde::Serialize;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::Instant;

/// One message of a turn's channel: rendered answer, or one of the turn's other events.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(untagged)]
pub enum StreamMsg {
    /// What arrived of the answer since the last frame, rendered.
    Render(Render),
    /// An attempt, the end, a failure or a stop.
    Event(TurnEvent),
    /// A tool call waits for the person's Allow or Deny (answered by `tool_answer`).
    Ask(AskMsg),
}

/// A tool call waiting for the person.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AskMsg {
    pub kind: AskKind,
    /// The turn it waits in.
    #[ts(type = "number")]
    pub turn: u64,
    pub pending: roundtable_engine::tools::Pending,
}

/// The tag of an [`AskMsg`].
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum AskKind {
    Ask,
}

/// The answer's rendered blocks: drop the shown final blocks from `replaceFrom` on, append
/// `blocks`, and show `tail` as the open end. `reasoning` is reasoning text to append.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Render {
    pub kind: RenderKind,
    pub replace_from: u32,
    pub blocks: Vec<String>,
    pub tail: String,
    pub reasoning: String,
}

/// The tag of a [`Render`] message.
#[derive(Debug, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum RenderKind {
    Render,
}

/// The longest a delta waits before it is shown.
pub const FRAME: Duration = Duration::from_millis(16);

/// Forwards `rx` to `send` until the turn's last event.
pub async fn forward(mut rx: UnboundedReceiver<TurnEvent>, send: impl Fn(StreamMsg)) {
    let mut md = MarkdownStream::new();
    let (mut text, mut reasoning) = (String::new(), String::new());
    let mut deadline: Option<Instant> = None;
    loop {
        let event = match deadline {
            Some(at) => tokio::select! {
                e = rx.recv() => e,
                _ = tokio::time::sleep_until(at) => {
                    render(&mut md, &mut text, &mut reasoning, &send, false);
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
                let last = other.is_last();
                render(&mut md, &mut text, &mut reasoning, &send, last);
                deadline = None;
                send(StreamMsg::Event(other));
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
    out: &impl Fn(StreamMsg),
    last: bool,
) {
    if text.is_empty() && reasoning.is_empty() && !last {
        return;
    }
    let send = |u: roundtable_engine::markdown::Update<'_>, reasoning: &str| {
        out(StreamMsg::Render(Render {
            kind: RenderKind::Render,
            replace_from: u32::try_from(u.replace_from).unwrap_or(u32::MAX),
            blocks: u.blocks.iter().map(|b| b.to_string()).collect(),
            tail: u.tail.to_string(),
            reasoning: reasoning.to_string(),
        }));
    };
    send(md.push(text), reasoning);
    if last {
        send(md.finish(), "");
    }
    text.clear();
    reasoning.clear();
}
