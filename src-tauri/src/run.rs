//! Runs turns on the async runtime through the engine's one driver, their events forwarded to
//! the web view: a chat's turn alone, a compare's columns under one fan-out.

use std::sync::{Arc, Mutex};

use roundtable_engine::session::{fan_out, Session, Turn, TurnEvent};
use tauri::ipc::Channel;
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

use crate::state::{Ready, Turns};
use crate::stream::{forward, StreamMsg};

fn session(ready: &Ready) -> Session<'_> {
    Session {
        router: &ready.router,
        store: &ready.store,
        prices: &ready.prices,
    }
}

/// Starts `turn` (tracked as `id`, stopped when `cancelled` resolves), its events to `events`.
pub fn start(
    ready: Arc<Ready>,
    turns: Arc<Turns>,
    turn: Turn,
    (id, cancelled): (u64, impl std::future::Future<Output = ()> + Send + 'static),
    events: Channel<StreamMsg>,
) -> u64 {
    tauri::async_runtime::spawn(async move {
        let (tx, rx) = unbounded_channel();
        let drive = turn.run(session(&ready), cancelled, move |e| {
            let _ = tx.send(e);
        });
        tokio::join!(
            drive,
            forward(rx, move |m| {
                let _ = events.send(m);
            })
        );
        turns.done(id);
    });
    id
}

/// Starts every column of a compare under one fan-out, each column's events to `send` with its
/// index (coalesced per column); returns each column's id (for `cancel`), in column order.
pub fn start_columns<F: std::future::Future<Output = ()> + Send + 'static>(
    ready: Arc<Ready>,
    turns: Arc<Turns>,
    columns: Vec<Turn>,
    tracked: Vec<(u64, F)>,
    send: impl Fn(u32, StreamMsg) + Clone + Send + 'static,
) -> Vec<u64> {
    let ids: Vec<u64> = tracked.iter().map(|(id, _)| *id).collect();
    let cancels = Mutex::new(
        tracked
            .into_iter()
            .map(|(_, c)| Some(c))
            .collect::<Vec<_>>(),
    );
    let done = ids.clone();
    tauri::async_runtime::spawn(async move {
        // One forwarder per column (each coalesces its own renders), all on one task set.
        let mut forwards = tokio::task::JoinSet::new();
        let txs: Vec<UnboundedSender<TurnEvent>> = (0..columns.len())
            .map(|i| {
                let (tx, rx) = unbounded_channel();
                let send = send.clone();
                forwards.spawn(forward(rx, move |m| send(i as u32, m)));
                tx
            })
            .collect();
        // Each column's cancel switch, taken once by the fan-out.
        let cancelled = |i: usize| {
            let switch = cancels.lock().ok().and_then(|mut c| c[i].take());
            async move {
                match switch {
                    Some(s) => s.await,
                    None => std::future::pending().await,
                }
            }
        };
        let run = fan_out(&columns, session(&ready), cancelled, |i, e| {
            let _ = txs[i].send(e);
        });
        run.await;
        drop(txs);
        while forwards.join_next().await.is_some() {}
        for id in done {
            turns.done(id);
        }
    });
    ids
}
