//! The commands the web UI may call. Each is a few lines: read state, call the engine, map the
//! error to the typed IPC error ([`ErrorView`]: a kind the UI branches on, and one line of
//! text). No key ever crosses here: the UI sees provider ids and masked hints only.

use std::sync::Arc;
use std::time::Duration;

use roundtable_engine::config::settings::{self, Edit, SettingsView};
use roundtable_engine::error::{ErrorKind, ErrorView};
use roundtable_engine::session::{Turn, TurnSpec};
use roundtable_engine::store::Conversation;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use ts_rs::TS;

use crate::state::AppState;
use crate::stream::StreamMsg;
use crate::views::{
    self, HitView, KeySource, KeyView, ListedView, ModelView, ProviderView, StoredView,
};

/// A command's answer: the value, or the typed error the UI branches on (by its `kind`).
pub type Reply<T> = Result<T, ErrorView>;

/// An engine error as the UI gets it: the one place errors are mapped for IPC.
pub fn text(e: roundtable_engine::Error) -> ErrorView {
    ErrorView::from(&e)
}

/// Runs engine work that reads files or the database on a blocking thread, off the window's
/// thread and the async workers.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> roundtable_engine::Result<T> + Send + 'static,
) -> Reply<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| refused(ErrorKind::Internal, format!("the work stopped: {e}")))?
        .map_err(text)
}

/// A refusal found by the shell itself.
pub fn refused(kind: ErrorKind, message: impl Into<String>) -> ErrorView {
    ErrorView::new(kind, message)
}

/// What the window shows about the app.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    /// The product name.
    pub name: &'static str,
    /// The app's version.
    pub version: String,
    /// The engine's version.
    pub engine_version: &'static str,
}

/// The app's name and versions (the app's is the package's: the workspace version, or the one a
/// build was given in `TAURI_CONFIG`).
#[tauri::command]
pub fn app_info(app: tauri::AppHandle) -> AppInfo {
    AppInfo {
        name: "Roundtable",
        version: app.package_info().version.to_string(),
        engine_version: roundtable_engine::VERSION,
    }
}

/// Conversations, newest first.
#[tauri::command]
pub fn conversations(
    state: State<'_, AppState>,
    limit: i64,
    offset: i64,
) -> Reply<Vec<ListedView>> {
    let list = state.ready()?.store.list_conversations(limit, offset);
    Ok(list.map_err(text)?.into_iter().map(Into::into).collect())
}

/// One conversation, every branch, each message rendered by the engine's Markdown renderer.
#[tauri::command]
pub fn conversation(state: State<'_, AppState>, id: i64) -> Reply<StoredView> {
    let ready = state.ready()?;
    let c: Conversation = ready.store.conversation(id).map_err(text)?;
    let figures = ready.store.answer_figures(id).map_err(text)?;
    let columns = ready.store.compare_columns(id).map_err(text)?;
    let column_settings = ready.store.column_settings(id).map_err(text)?;
    Ok(views::stored(c, figures, columns, column_settings))
}

/// Full-text search over every message.
#[tauri::command]
pub fn search(state: State<'_, AppState>, query: String) -> Reply<Vec<HitView>> {
    let hits = state
        .ready()?
        .store
        .search(&query, false, 50)
        .map_err(text)?;
    Ok(hits.into_iter().map(Into::into).collect())
}

/// Renames a conversation.
#[tauri::command]
pub fn rename_conversation(state: State<'_, AppState>, id: i64, title: String) -> Reply<()> {
    state
        .ready()?
        .store
        .rename_conversation(id, &title)
        .map_err(text)
}

/// Deletes a conversation (its spend stays in the ledger).
#[tauri::command]
pub fn delete_conversation(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.ready()?.store.delete_conversation(id).map_err(text)
}

/// Pins a conversation to the top of the list, or unpins it (its time stays as it was).
#[tauri::command]
pub fn pin_conversation(state: State<'_, AppState>, id: i64, pinned: bool) -> Reply<()> {
    state.ready()?.store.set_pinned(id, pinned).map_err(text)
}

/// Deletes a message and every message below it (the conversation and its spend stay).
#[tauri::command]
pub fn delete_message(state: State<'_, AppState>, id: i64) -> Reply<()> {
    state.ready()?.store.delete_message(id).map_err(text)
}

/// Every enabled provider's models with prices and context, and the routes.
#[tauri::command]
pub async fn models(state: State<'_, AppState>) -> Reply<Vec<ModelView>> {
    let ready = state.ready()?;
    Ok(views::models(&ready, Duration::from_secs(8)).await)
}

/// A started turn: its id (for `cancel`) and where the user's message was saved.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Started {
    pub turn: u64,
    pub saved: Saved,
    /// Spend limits past their alert share, the first time in their window (a banner and an
    /// OS notification say so).
    pub alerts: Vec<roundtable_engine::store::RuleStatus>,
}

/// Where the user's message was saved.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    pub conversation_id: i64,
    pub user_message_id: i64,
}

/// Starts a turn; its events arrive on `events`. Preparing it reads attachment files and the
/// database: off the window's thread.
/// `tools` names the MCP servers whose tools the model may call (their servers are started
/// first: one that cannot start refuses the turn before the message is saved).
#[tauri::command]
pub async fn send(
    state: State<'_, AppState>,
    spec: TurnSpec,
    tools: Option<Vec<String>>,
    events: Channel<StreamMsg>,
) -> Reply<Started> {
    let ready = state.ready()?;
    let (id, cancelled) = state.turns.track();
    let asks = events.clone();
    let host = state
        .tools
        .host(
            ready.dir.clone(),
            &tools.unwrap_or_default(),
            id,
            Arc::new(move |m| {
                let _ = asks.send(m);
            }),
        )
        .await;
    let r = ready.clone();
    let prepared = match host {
        Ok(host) => {
            blocking(move || {
                let mut turn = Turn::prepare(&r.router, &r.store, spec)?;
                if let Some(host) = host {
                    turn.use_tools(host);
                }
                Ok(turn)
            })
            .await
        }
        Err(e) => Err(e),
    };
    let turn = match prepared {
        Ok(turn) => turn,
        Err(e) => {
            state.turns.done(id);
            return Err(e);
        }
    };
    let saved = Saved {
        conversation_id: turn.conversation_id().unwrap_or_default(),
        user_message_id: turn.user_message_id().unwrap_or_default(),
    };
    let alerts = turn.budget.alerts.clone();
    crate::spend::notify(&alerts);
    Ok(Started {
        turn: crate::run::start(ready, state.turns.clone(), turn, (id, cancelled), events),
        saved,
        alerts,
    })
}

/// Stops a turn; what arrived of the answer stays.
#[tauri::command]
pub fn cancel(state: State<'_, AppState>, turn: u64) -> Reply<bool> {
    Ok(state.turns.cancel(turn))
}

/// Opens a link from an answer in the OS's browser, never in the web view: only `http`, `https`
/// and `mailto`, checked again here by the renderer's own rule.
#[tauri::command]
pub fn open_link(app: tauri::AppHandle, url: String) -> Reply<()> {
    use tauri_plugin_opener::OpenerExt;
    let checked = roundtable_engine::markdown::safe_href(&url).ok_or_else(|| {
        refused(
            ErrorKind::BadInput,
            format!("refused to open `{url}`: only http, https and mailto links open"),
        )
    })?;
    app.opener()
        .open_url(checked, None::<&str>)
        .map_err(|e| refused(ErrorKind::Io, format!("could not open `{url}`: {e}")))
}

/// Providers with their keys' masked hints.
#[tauri::command]
pub fn providers(state: State<'_, AppState>) -> Reply<Vec<ProviderView>> {
    Ok(views::providers(&*state.ready()?))
}

/// Saves a key in the keychain, bound to the provider's origin; answers with its hint only.
#[tauri::command]
pub fn set_key(state: State<'_, AppState>, provider: String, key: String) -> Reply<KeyView> {
    let ready = state.ready()?;
    let p = ready
        .router
        .engine()
        .registry()
        .get(&provider)
        .ok_or_else(|| {
            refused(
                ErrorKind::BadInput,
                format!("unknown provider `{provider}`"),
            )
        })?;
    let saved = ready.vault.save(p, &key).map_err(text)?;
    Ok(KeyView {
        source: KeySource::Keychain,
        hint: saved.secret.hint(),
        origin: Some(saved.origin),
    })
}

/// Removes a configured provider's key from the keychain (nothing else filed there).
#[tauri::command]
pub fn remove_key(state: State<'_, AppState>, provider: String) -> Reply<bool> {
    let ready = state.ready()?;
    let known = ready.router.engine().registry().get(&provider).is_some();
    if !known {
        return Err(refused(
            ErrorKind::BadInput,
            format!("unknown provider `{provider}`"),
        ));
    }
    ready.vault.remove(&provider).map_err(text)
}

/// Tests a provider: lists its models with the key in force. Answers how many it has.
#[tauri::command]
pub async fn test_provider(state: State<'_, AppState>, provider: String) -> Reply<usize> {
    let engine = state.ready()?.router.engine().clone();
    let list = tokio::time::timeout(Duration::from_secs(10), engine.list_models(&provider)).await;
    list.map_err(|_| {
        refused(
            ErrorKind::Provider,
            format!("{provider}: no answer within 10 s"),
        )
    })?
    .map(|m| m.len())
    .map_err(text)
}

/// What the routes, prices and budget editors show.
#[tauri::command]
pub fn settings(state: State<'_, AppState>) -> Reply<SettingsView> {
    let ready = state.ready()?;
    let spent = ready.store.month_spent().map_err(text)?;
    settings::view(ready.router.engine().config(), &ready.dir, spent).map_err(text)
}

/// Writes one change to `config.toml` (checked first; a refused edit changes nothing) and puts
/// the edited config in force.
#[tauri::command]
pub fn edit_settings(state: State<'_, AppState>, edit: Edit) -> Reply<SettingsView> {
    let config = settings::apply(&state.ready()?.dir, &edit).map_err(text)?;
    let ready = state.reload(config)?;
    let spent = ready.store.month_spent().map_err(text)?;
    settings::view(ready.router.engine().config(), &ready.dir, spent).map_err(text)
}
