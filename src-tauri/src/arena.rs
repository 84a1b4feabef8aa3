//! The commands of the compare view, the votes, the leaderboard and the usage dashboard; each a
//! few lines over the engine.

use roundtable_engine::error::ErrorKind;
use roundtable_engine::reports::dashboard::{self, Dashboard};
use roundtable_engine::reports::leaderboard::{leaderboard as board, Leaderboard};
use roundtable_engine::session::compare::{self, CompareSpec};
use roundtable_engine::store::Verdict;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::commands::{text, Reply};
use crate::state::AppState;
use crate::stream::StreamMsg;

/// A started compare: the conversation, and per column its turn (for `cancel`) and question.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CompareStarted {
    pub conversation_id: i64,
    pub turns: Vec<u64>,
    pub user_message_ids: Vec<i64>,
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
#[tauri::command]
pub fn compare(
    state: State<'_, AppState>,
    spec: CompareSpec,
    events: Channel<ColumnMsg>,
) -> Reply<CompareStarted> {
    let ready = state.ready()?;
    let prepared = compare::prepare(&ready.router, &ready.store, spec).map_err(text)?;
    let user_message_ids = prepared
        .turns
        .iter()
        .filter_map(|t| t.user_message_id())
        .collect();
    let send = move |column, msg| {
        let _ = events.send(ColumnMsg { column, msg });
    };
    let turns = crate::run::start_columns(ready, state.turns.clone(), prepared.turns, send);
    Ok(CompareStarted {
        conversation_id: prepared.conversation_id,
        turns,
        user_message_ids,
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

/// The leaderboard of votes cast on the days `since..=until` (open ends when missing).
#[tauri::command]
pub fn leaderboard(
    state: State<'_, AppState>,
    since: Option<String>,
    until: Option<String>,
) -> Reply<Leaderboard> {
    // From the start of `since` to the end of `until` (UTC); open ends when missing.
    let start = |what: &str, day: Option<String>| {
        day.filter(|d| !d.is_empty())
            .map(|d| dashboard::day_start(what, &d).map_err(text))
            .transpose()
    };
    let from = start("from", since)?.unwrap_or(0);
    let to = start("to", until)?.map_or(i64::MAX, |t| t + 86_400_000);
    let votes = state.ready()?.store.votes(from, to).map_err(text)?;
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

/// The usage dashboard for the days `since..=until`.
#[tauri::command]
pub fn dashboard(state: State<'_, AppState>, since: String, until: String) -> Reply<Dashboard> {
    let ready = state.ready()?;
    dashboard::dashboard(&ready.store, ready.router.engine().config(), &since, &until).map_err(text)
}

/// Writes the dashboard's model table as CSV into the Downloads folder (else the data dir);
/// answers the file's path.
#[tauri::command]
pub fn export_usage_csv(state: State<'_, AppState>, since: String, until: String) -> Reply<String> {
    let ready = state.ready()?;
    let d = dashboard::dashboard(&ready.store, ready.router.engine().config(), &since, &until)
        .map_err(text)?;
    let dir = roundtable_engine::config::download_dir().unwrap_or_else(|| ready.dir.clone());
    let path = dir.join(format!("roundtable-usage-{since}-to-{until}.csv"));
    std::fs::write(&path, dashboard::to_csv(&d))
        .map_err(|e| crate::commands::refused(ErrorKind::Io, format!("{}: {e}", path.display())))?;
    Ok(path.display().to_string())
}
