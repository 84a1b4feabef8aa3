//! Tools in the app: the MCP servers of config.toml (one registry for every chat, kept across
//! settings edits that do not touch them, stopped when the app exits), the tools a chat or a
//! compare column offers, and the Allow / Deny question a call waits on — asked on the turn's
//! own channel, answered by `tool_answer`.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use roundtable_engine::config::settings::{self, Edit, McpServerSetting};
use roundtable_engine::config::Config;
use roundtable_engine::error::ErrorKind;
use roundtable_engine::mcp::Mcp;
use roundtable_engine::mcp::{self, auth_store, McpServerConfig, McpTest, McpTool, ServerStatus};
use roundtable_engine::tools::{
    offered, rules_from, Approval, Approver, McpHost, Pending, Remembered, Rules, ToolHost,
};
use serde::Serialize;
use tauri::State;
use tokio::sync::oneshot;
use ts_rs::TS;

use crate::commands::{blocking, refused, text, Reply};
use crate::state::AppState;
use crate::stream::{AskKind, AskMsg, StreamMsg};

/// The app's MCP servers, their remembered rules, and the calls waiting for an answer.
pub struct AppTools {
    mcp: RwLock<Arc<Mcp>>,
    /// What the registry was built from (its servers' connection settings).
    built_from: Mutex<BTreeMap<String, McpServerConfig>>,
    rules: RwLock<Rules>,
    asks: Mutex<HashMap<(u64, String), oneshot::Sender<Approval>>>,
}

/// A server's settings with the approval lists left out: what decides whether the registry is
/// built again (a remembered "always" must not restart a running server).
fn connection(servers: &BTreeMap<String, McpServerConfig>) -> BTreeMap<String, McpServerConfig> {
    servers
        .iter()
        .map(|(name, c)| (name.clone(), mcp::without_approvals(c)))
        .collect()
}

impl AppTools {
    /// The registry of `config`'s servers (none started).
    pub fn new(config: &Config) -> Self {
        let servers = config.mcp_servers();
        let mcp = Mcp::new(&servers, Arc::new(auth_store()));
        AppTools {
            rules: RwLock::new(rules_from(&servers)),
            mcp: RwLock::new(mcp),
            built_from: Mutex::new(connection(&servers)),
            asks: Mutex::new(HashMap::new()),
        }
    }

    /// The registry in force.
    pub fn mcp(&self) -> Arc<Mcp> {
        self.mcp.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts an edited config's servers in force: the registry is built again (the old one's
    /// servers stopped) only when a server was added, removed or changed; the rules always.
    pub fn reconfigure(&self, config: &Config) {
        let servers = config.mcp_servers();
        let wanted = connection(&servers);
        let changed = {
            let mut built = self.built_from.lock().unwrap_or_else(|p| p.into_inner());
            let changed = *built != wanted;
            *built = wanted;
            changed
        };
        if changed {
            // Servers whose settings did not change keep running; the others stop once no
            // turn holds the old registry.
            let fresh = self.mcp().reconfigured(&servers);
            *self.mcp.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        }
        *self.rules.write().unwrap_or_else(|p| p.into_inner()) = rules_from(&servers);
    }

    /// Stops every server (the app is exiting).
    pub async fn shutdown(&self) {
        self.mcp().shutdown().await;
    }

    /// The tool host of one turn (a chat, or a compare column) offering `servers`' tools; its
    /// questions go to `send` tagged with `turn`. `None` when no tool is offered.
    pub async fn host(
        self: &Arc<Self>,
        dir: PathBuf,
        servers: &[String],
        turn: u64,
        send: Arc<dyn Fn(StreamMsg) + Send + Sync>,
    ) -> Reply<Option<Arc<dyn ToolHost>>> {
        if servers.is_empty() {
            return Ok(None);
        }
        let mcp = self.mcp();
        let (tools, errors) = mcp.all_tools(servers).await;
        if let Some(e) = errors.into_iter().next() {
            return Err(refused(ErrorKind::BadInput, e.to_string()));
        }
        let offered = offered(&mcp, &tools);
        if offered.is_empty() {
            return Ok(None);
        }
        let rules = self.rules.read().unwrap_or_else(|p| p.into_inner()).clone();
        let asker = Window {
            tools: self.clone(),
            turn,
            send,
        };
        let host = McpHost::new(offered, Arc::new(mcp), rules)
            .approver(Arc::new(asker))
            .keeper(Arc::new(move |r: Remembered| remember(&dir, r)));
        Ok(Some(Arc::new(host)))
    }

    /// The person's answer to a waiting call; false if nothing waits for it (the turn ended).
    pub fn answer(&self, turn: u64, call: &str, approval: Approval) -> bool {
        let waiting = self
            .asks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&(turn, call.to_string()));
        waiting.is_some_and(|tx| tx.send(approval).is_ok())
    }
}

/// Takes a question off the waiting list when its call stops waiting (answered, or the turn
/// stopped).
struct Waiting {
    tools: Arc<AppTools>,
    key: (u64, String),
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.tools
            .asks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
    }
}

/// A remembered answer, written to config.toml (the rules in force already hold it).
fn remember(dir: &std::path::Path, r: Remembered) {
    let edit = Edit::McpApproval {
        server: r.server,
        tool: r.tool,
        decision: r.rule,
    };
    if let Err(e) = settings::apply(dir, &edit) {
        eprintln!("roundtable: could not remember a tool decision in config.toml: {e}");
    }
}

/// How long a question waits for the person before the call is denied.
const ASK_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Asks in the window: the question goes on the turn's channel, the answer comes back through
/// `tool_answer`. A turn stopped while it waits drops the question (the call is not run).
struct Window {
    tools: Arc<AppTools>,
    turn: u64,
    send: Arc<dyn Fn(StreamMsg) + Send + Sync>,
}

impl Approver for Window {
    fn ask(
        &self,
        pending: Pending,
    ) -> std::pin::Pin<Box<dyn std::future::Future<Output = Approval> + Send>> {
        let (tx, rx) = oneshot::channel();
        let key = (self.turn, pending.call.id.clone());
        self.tools
            .asks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(key.clone(), tx);
        let waiting = Waiting {
            tools: self.tools.clone(),
            key,
        };
        (self.send)(StreamMsg::Ask(AskMsg {
            kind: AskKind::Ask,
            turn: self.turn,
            pending,
        }));
        Box::pin(async move {
            let _waiting = waiting;
            // A question nobody answers (its view was left) is a denial, not a turn held open
            // for ever.
            match tokio::time::timeout(ASK_DEADLINE, rx).await {
                Ok(Ok(approval)) => approval,
                _ => Approval::Deny,
            }
        })
    }
}

/// A server as Settings → Tools shows it: its settings and its state.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ServerView {
    pub setting: McpServerSetting,
    pub status: Option<ServerStatus>,
    /// Whether an auth header value is in the keychain (never the value).
    pub has_auth: bool,
}

/// Every configured server with its state.
#[tauri::command]
pub fn mcp_servers(state: State<'_, AppState>) -> Reply<Vec<ServerView>> {
    let ready = state.ready()?;
    let view = settings::view(ready.router.engine().config(), &ready.dir, 0).map_err(text)?;
    let statuses = state.tools.mcp().status();
    let keys = auth_store();
    Ok(view
        .mcp
        .into_iter()
        .map(|setting| ServerView {
            status: statuses.iter().find(|s| s.name == setting.name).cloned(),
            has_auth: setting.url.as_deref().is_some_and(|url| {
                mcp::load_auth(&keys, &setting.name, url)
                    .ok()
                    .flatten()
                    .is_some()
            }),
            setting,
        })
        .collect())
}

/// Starts a server (or uses it, if running) and lists its tools.
#[tauri::command]
pub async fn mcp_test(state: State<'_, AppState>, name: String) -> Reply<McpTest> {
    let mcp = state.tools.mcp();
    mcp.test(&name)
        .await
        .map_err(|e| refused(ErrorKind::BadInput, e.to_string()))
}

/// The tools of the chosen servers (starting them), for a chat's tools menu; a server that
/// cannot start is named with its error, the others' tools still listed.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ToolsView {
    pub tools: Vec<McpTool>,
    pub errors: Vec<String>,
}

#[tauri::command]
pub async fn mcp_tools(state: State<'_, AppState>, servers: Vec<String>) -> Reply<ToolsView> {
    let (tools, errors) = state.tools.mcp().all_tools(&servers).await;
    Ok(ToolsView {
        tools,
        errors: errors.iter().map(|e| e.to_string()).collect(),
    })
}

/// Adds or replaces a server (`previous` renames one); an auth header's value, when given, goes
/// to the keychain, never the config.
#[tauri::command]
pub async fn mcp_save(
    state: State<'_, AppState>,
    server: McpServerSetting,
    previous: Option<String>,
    auth: Option<String>,
) -> Reply<Vec<ServerView>> {
    let ready = state.ready()?;
    let dir = ready.dir.clone();
    let name = server.name.clone();
    let url = server.url.clone().unwrap_or_default();
    let renamed = previous.clone().filter(|p| *p != name);
    let edit = Edit::McpServer { server, previous };
    let config = blocking(move || {
        let config = settings::apply(&dir, &edit)?;
        // A renamed server's value is not carried over: it is entered again for the new name.
        if let Some(old) = renamed {
            mcp::remove_auth(&auth_store(), &old)?;
        }
        if let Some(value) = auth.filter(|v| !v.is_empty()) {
            mcp::save_auth(&auth_store(), &name, &url, &value)?;
        }
        Ok(config)
    })
    .await?;
    state.reload(config)?;
    mcp_servers(state)
}

/// Removes a server and its keychain entry.
#[tauri::command]
pub async fn mcp_remove(state: State<'_, AppState>, name: String) -> Reply<Vec<ServerView>> {
    let ready = state.ready()?;
    let dir = ready.dir.clone();
    let config = blocking(move || {
        let config = settings::apply(&dir, &Edit::RemoveMcpServer { name: name.clone() })?;
        mcp::remove_auth(&auth_store(), &name)?;
        Ok(config)
    })
    .await?;
    state.reload(config)?;
    mcp_servers(state)
}

/// The answer to a call waiting in a turn; false if it no longer waits.
#[tauri::command]
pub fn tool_answer(
    state: State<'_, AppState>,
    turn: u64,
    call: String,
    approval: Approval,
) -> Reply<bool> {
    Ok(state.tools.answer(turn, &call, approval))
}
