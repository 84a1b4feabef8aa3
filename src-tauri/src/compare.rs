//! The commands of the compare view: start a compare, vote on its answers, the leaderboard of
//! those votes, and "continue with this one"; each a few lines over the engine.

use std::sync::Arc;

use roundtable_engine::dates;
use roundtable_engine::reports::leaderboard::{leaderboard as board, Leaderboard};
use roundtable_engine::session::compare::{self, CompareSpec};
use roundtable_engine::store::Verdict;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::commands::{blocking, text, Reply};
use crate::state::AppState;
use crate::stream::StreamMsg;

/// A started compare: the conversation, and per column its turn (for `cancel`) and question.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CompareStarted {
    pub conversation_id: i64,
    pub turns: Vec<u64>,
    pub user_message_ids: Vec<i64>,
    /// Spend limits past their alert share, the first time in their window.
    pub alerts: Vec<roundtable_engine::store::RuleStatus>,
}

/// One message of a compare's channel: a column's stream message.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ColumnMsg {
    pub column: u32,
    pub msg: StreamMsg,
}

/// Starts every column of a compare; each column's events (coalesced per column, one render a
/// frame at most) arrive on `events`, tagged with the column.
/// `tools` names the MCP servers whose tools every column may call; each column runs its own
/// loop and asks its own questions.
#[tauri::command]
pub async fn compare(
    state: State<'_, AppState>,
    spec: CompareSpec,
    tools: Option<Vec<String>>,
    events: Channel<ColumnMsg>,
) -> Reply<CompareStarted> {
    let ready = state.ready()?;
    let servers = tools.unwrap_or_default();
    let tracked: Vec<_> = spec.columns.iter().map(|_| state.turns.track()).collect();
    let untrack = |tracked: &[(u64, _)]| {
        for (id, _) in tracked {
            state.turns.done(*id);
        }
    };
    let mut hosts = Vec::new();
    for (column, (id, _)) in tracked.iter().enumerate() {
        let channel = events.clone();
        let send = Arc::new(move |msg| {
            let _ = channel.send(ColumnMsg {
                column: column as u32,
                msg,
            });
        });
        match state
            .tools
            .host(ready.dir.clone(), &servers, *id, send)
            .await
        {
            Ok(host) => hosts.push(host),
            Err(e) => {
                untrack(&tracked);
                return Err(e);
            }
        }
    }
    let r = ready.clone();
    let prepared = match blocking(move || compare::prepare(&r.router, &r.store, spec)).await {
        Ok(mut p) => {
            for (turn, host) in p.turns.iter_mut().zip(hosts) {
                if let Some(host) = host {
                    turn.use_tools(host);
                }
            }
            p
        }
        Err(e) => {
            untrack(&tracked);
            return Err(e);
        }
    };
    let user_message_ids = prepared
        .turns
        .iter()
        .filter_map(|t| t.user_message_id())
        .collect();
    let alerts = prepared
        .turns
        .first()
        .map(|t| t.budget.alerts.clone())
        .unwrap_or_default();
    crate::spend::notify(&alerts);
    let send = move |column, msg| {
        let _ = events.send(ColumnMsg { column, msg });
    };
    let turns =
        crate::run::start_columns(ready, state.turns.clone(), prepared.turns, tracked, send);
    Ok(CompareStarted {
        conversation_id: prepared.conversation_id,
        turns,
        user_message_ids,
        alerts,
    })
}

/// Records a vote on a compare's answers; answers the models judged, in order (the reveal).
#[tauri::command]
pub fn vote(
    state: State<'_, AppState>,
    conversation: i64,
    answers: Vec<i64>,
    verdict: Verdict,
    winner: Option<i64>,
) -> Reply<Vec<String>> {
    let store = &state.ready()?.store;
    store
        .vote(conversation, &answers, verdict, winner)
        .map_err(text)
}

/// The leaderboard of votes cast on the days `since..=until` (open ends when missing). Its
/// contestants are (model, settings) where the judged columns' settings differed, unless
/// `by_model` counts every setting of a model as the model.
#[tauri::command]
pub fn leaderboard(
    state: State<'_, AppState>,
    since: Option<String>,
    until: Option<String>,
    by_model: Option<bool>,
) -> Reply<Leaderboard> {
    let (from, to) = dates::bounds(since.as_deref(), until.as_deref()).map_err(text)?;
    let votes = state.ready()?.store.votes(from, to).map_err(text)?;
    let by_model = by_model.unwrap_or(false);
    let votes: Vec<_> = votes.iter().map(|v| v.contestants(by_model)).collect();
    Ok(board(&votes))
}

/// "Continue with this one": a new chat with a compare column's thread up to `leaf`.
#[tauri::command]
pub fn continue_compare(state: State<'_, AppState>, conversation: i64, leaf: i64) -> Reply<i64> {
    state
        .ready()?
        .store
        .fork_thread(conversation, leaf)
        .map_err(text)
}
