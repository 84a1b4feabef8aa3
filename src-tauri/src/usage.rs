//! The commands of the usage dashboard: its figures for a range of days, and its model table as
//! a CSV file; each a few lines over the engine.

use roundtable_engine::error::ErrorKind;
use roundtable_engine::reports::dashboard::{self, Dashboard};
use tauri::State;

use crate::commands::{refused, text, Reply};
use crate::state::AppState;

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
        .map_err(|e| refused(ErrorKind::Io, format!("{}: {e}", path.display())))?;
    Ok(path.display().to_string())
}
