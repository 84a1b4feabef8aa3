//! Runs a turn on the async runtime, its events forwarded to the web view.

use std::sync::Arc;

use roundtable_engine::turn::Turn;
use tauri::ipc::Channel;

use crate::state::{Ready, Turns};
use crate::stream::StreamMsg;

/// Starts `turn`, its events to `events`; returns its id.
pub fn start(ready: Arc<Ready>, turns: Arc<Turns>, turn: Turn, events: Channel<StreamMsg>) -> u64 {
    start_with(ready, turns, turn, move |m| {
        let _ = events.send(m);
    })
}

/// Starts `turn`, its events to `send`; returns its id.
pub fn start_with(
    ready: Arc<Ready>,
    turns: Arc<Turns>,
    turn: Turn,
    send: impl Fn(StreamMsg) + Send + 'static,
) -> u64 {
    let (id, cancelled) = turns.track();
    tauri::async_runtime::spawn(async move {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let run = turn.run(
            &ready.router,
            &ready.store,
            &ready.prices,
            cancelled,
            move |e| {
                let _ = tx.send(e);
            },
        );
        tokio::join!(run, crate::stream::forward(rx, send));
        turns.done(id);
    });
    id
}
