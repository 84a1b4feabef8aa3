//! The commands the web UI may call. Each is a few lines: read state, call the engine, map errors.

use serde::Serialize;

/// What the window shows about the app.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The product name.
    pub name: &'static str,
    /// The app's version.
    pub version: &'static str,
    /// The engine's version.
    pub engine_version: &'static str,
}

/// The app's name and versions.
#[tauri::command]
pub fn app_info() -> AppInfo {
    AppInfo {
        name: "Roundtable",
        version: env!("CARGO_PKG_VERSION"),
        engine_version: roundtable_engine::VERSION,
    }
}
