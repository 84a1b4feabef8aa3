//! Tauri's build step for the shell, whose package is the root manifest (beside `tauri.conf.json`,
//! where Tauri's CLI looks for it); the shell's sources and capability stay under `src-tauri/`.
//!
//! The app's commands get permissions of their own (`allow-<command>`), so the web view may call
//! only those its capability (`capabilities/default.json`) lists — not every command by default.

/// Every command the shell registers (`src/main.rs`); each must be allowed in the capability.
const COMMANDS: &[&str] = &[
    "app_info",
    "conversations",
    "conversation",
    "search",
    "rename_conversation",
    "delete_conversation",
    "pin_conversation",
    "delete_message",
    "models",
    "send",
    "cancel",
    "open_link",
    "providers",
    "set_key",
    "remove_key",
    "test_provider",
    "settings",
    "edit_settings",
    "compare",
    "vote",
    "leaderboard",
    "continue_compare",
    "dashboard",
    "export_usage_csv",
    "menu_events",
    "attach",
    "attachment_image",
    "paste_image",
    "mcp_servers",
    "mcp_test",
    "mcp_tools",
    "mcp_save",
    "mcp_remove",
    "tool_answer",
    "local_models",
    "local_pull",
    "local_pull_cancel",
    "local_remove",
    "preview_turn",
    "preview_compare",
    "budgets",
    "set_conversation_settings",
    "set_column_settings",
    "update_check",
    "update_install",
    "update_restart",
    "eval_suites",
    "eval_suite",
    "eval_start",
    "eval_stop",
    "eval_runs",
    "eval_run",
    "eval_diff",
    "eval_delete_run",
    "eval_export",
    "eval_add_case",
];

fn main() {
    // The UI is embedded at compile time, but nothing tells cargo it changed: without this, a UI
    // rebuilt after the app (the CI's warm runs) would leave the old one inside the binary.
    println!("cargo:rerun-if-changed=ui/dist");
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {e:#}");
    }
}
