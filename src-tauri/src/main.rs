//! Roundtable's desktop shell: a Tauri window around the web UI in `ui/`. It holds no logic of
//! its own: each command unpacks state, calls the engine and maps the error.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod bindings;
mod commands;
mod compare;
mod navigation;
mod run;
mod state;
mod stream;
mod usage;
mod views;

fn main() {
    let app = tauri::Builder::default()
        .plugin(navigation::guard())
        .plugin(tauri_plugin_opener::init())
        .manage(state::AppState::load())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::conversations,
            commands::conversation,
            commands::search,
            commands::rename_conversation,
            commands::delete_conversation,
            commands::models,
            commands::send,
            commands::cancel,
            commands::open_link,
            commands::providers,
            commands::set_key,
            commands::remove_key,
            commands::test_provider,
            commands::settings,
            commands::edit_settings,
            compare::compare,
            compare::vote,
            compare::leaderboard,
            compare::continue_compare,
            usage::dashboard,
            usage::export_usage_csv,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"));
    if let Err(e) = app {
        eprintln!("roundtable: the window could not start: {e}");
        std::process::exit(1);
    }
}
