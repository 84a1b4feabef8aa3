//! Roundtable's desktop shell: a Tauri window around the web UI in `ui/`. It holds no logic of
//! its own: each command unpacks state, calls the engine and maps the error.

#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod attachments;
mod bindings;
mod commands;
mod compare;
mod evals;
mod local;
mod menu;
mod navigation;
mod run;
mod spend;
mod state;
mod stream;
mod tools;
mod update;
mod usage;
mod views;
mod window;

fn main() {
    let context = tauri::generate_context!();
    let dir = roundtable_engine::config::data_dir(None);
    let mut builder = tauri::Builder::default();
    // First among plugins: a second launch must exit before anything else starts.
    if let Some(single) = window::single_instance(&context.config().identifier, &dir) {
        builder = builder.plugin(single);
    }
    let app = builder
        .plugin(window::state_keeper(&dir))
        .plugin(navigation::guard())
        .plugin(tauri_plugin_opener::init())
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(update::Pending::default())
        .manage(state::AppState::load())
        .manage(menu::MenuEvents::default())
        .manage(std::sync::Arc::new(local::Pulls::default()))
        .menu(menu::build)
        .on_menu_event(menu::clicked)
        .on_window_event(window::on_event)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::conversations,
            commands::conversation,
            commands::search,
            commands::rename_conversation,
            commands::delete_conversation,
            commands::pin_conversation,
            commands::delete_message,
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
            evals::eval_suites,
            evals::eval_suite,
            evals::eval_start,
            evals::eval_stop,
            evals::eval_runs,
            evals::eval_run,
            evals::eval_diff,
            evals::eval_delete_run,
            evals::eval_export,
            evals::eval_add_case,
            menu::menu_events,
            attachments::attach,
            attachments::attachment_image,
            attachments::paste_image,
            tools::mcp_servers,
            tools::mcp_test,
            tools::mcp_tools,
            tools::mcp_save,
            tools::mcp_remove,
            tools::tool_answer,
            local::local_models,
            local::local_pull,
            local::local_pull_cancel,
            local::local_remove,
            spend::preview_turn,
            spend::preview_compare,
            spend::budgets,
            spend::set_conversation_settings,
            spend::set_column_settings,
            update::update_check,
            update::update_install,
            update::update_restart,
        ])
        .build(context);
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            eprintln!("roundtable: the window could not start: {e}");
            std::process::exit(1);
        }
    };
    // OpenAI's tokenizers are built from their ranks once per process (about 1.7 s): in the
    // background, after the window is up, so the first cost preview does not wait for them.
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_secs(2));
        roundtable_engine::estimate::warm_up();
    });
    app.run(|handle, event| {
        // No MCP server outlives the app (a crash or a kill: each dies with its parent too).
        if let tauri::RunEvent::Exit = event {
            use tauri::Manager;
            let tools = handle.state::<state::AppState>().tools.clone();
            tauri::async_runtime::block_on(tools.shutdown());
        }
    });
}
