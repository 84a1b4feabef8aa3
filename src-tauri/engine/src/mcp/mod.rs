//! MCP: the servers of `[mcp.NAME]`, their tools under names every provider accepts, and calls
//! to them — one registry ([`Mcp`]) shared by every chat of a process, on the official Rust SDK
//! (`rmcp`).
//!
//! A server starts on first use (one process however many callers ask at once), starts again on
//! the next use after it died, and stops on [`Mcp::shutdown`] or when the registry is dropped;
//! its process can never outlive ours ([`process`] says how). Every wait has a deadline and
//! every buffer a cap. Deciding whether a call may run (consent, remembered `always`/`never`) is
//! the tool loop's business (`crate::tools`), not this module's: it only reports the config's
//! rule ([`Mcp::approval`]).

pub mod config;
mod connect;
mod error;
mod names;
mod output;
pub(crate) mod process;
mod server;
mod stdout;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

pub use config::{
    auth_account, auth_store, load_auth, remove_auth, save_auth, Approve, McpServerConfig,
    AUTH_SERVICE,
};
pub use error::McpError;
pub use names::MAX_CHARS as MAX_TOOL_NAME_CHARS;
pub use output::McpOutput;

use crate::keys::vault::SecretStore;
use names::Names;
use server::Server;

/// How long a stopping server gets to exit after its stdin closes, and again after SIGTERM.
pub const STOP_GRACE: Duration = Duration::from_secs(2);

/// Deadlines and limits of a registry.
#[derive(Debug, Clone)]
pub struct Options {
    /// Longest wait for a server to start and complete the handshake.
    pub init_timeout: Duration,
    /// Longest wait for a server's whole tool list.
    pub list_timeout: Duration,
    /// The most bytes of one message from a server (a stdout line, an SSE event, a JSON body).
    pub max_message_bytes: usize,
    /// After a failed start, uses within this long get the same error without a new attempt
    /// (so a broken server is not started again for every turn); [`Mcp::test`] always retries.
    pub retry_after: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            init_timeout: Duration::from_secs(20),
            list_timeout: Duration::from_secs(30),
            max_message_bytes: 16 << 20,
            retry_after: Duration::from_secs(10),
        }
    }
}

/// A tool of an MCP server, as offered to models.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct McpTool {
    /// The server.
    pub server: String,
    /// The tool's own name on its server.
    pub name: String,
    /// What models see: `<server>__<tool>` in `[A-Za-z0-9_-]`, at most 64 characters, unique.
    pub namespaced: String,
    /// A human-readable title, if it has one.
    pub title: Option<String>,
    /// What it does (empty if the server says nothing).
    pub description: String,
    /// Its arguments' JSON Schema (an object), as the server gave it.
    #[ts(type = "unknown")]
    pub input_schema: Value,
    /// `false` for a tool in `disabled_tools`: listed, not offered to models.
    pub enabled: bool,
}

/// How a server is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A process we start, over its stdin and stdout.
    Stdio,
    /// Streamable HTTP.
    Http,
}

/// Where a server is in its life.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Not used yet (or turned off).
    #[default]
    NotStarted,
    /// Starting now.
    Starting,
    /// Running.
    Running,
    /// It failed to start, or died (see `last_error`); the next use starts it again.
    Failed,
    /// Stopped by a shutdown.
    Stopped,
}

/// One server as `roundtable mcp status` and the app's settings show it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ServerStatus {
    /// Its `[mcp.NAME]`.
    pub name: String,
    /// A process or an HTTP endpoint.
    pub kind: Kind,
    /// The command line, or the URL.
    pub target: String,
    /// `false`: turned off in the config.
    pub enabled: bool,
    /// Where it is in its life.
    pub state: State,
    /// The process id, while a stdio server runs.
    pub pid: Option<u32>,
    /// How many tools it listed last (needs-a-task tools left out).
    pub tools: Option<usize>,
    /// The last failure: a start, a death, a transport error.
    pub last_error: Option<String>,
    /// How long its last start took, from spawning (or connecting) to the end of the handshake.
    #[ts(type = "number | null")]
    pub cold_start_ms: Option<u64>,
}

/// What `roundtable mcp test NAME` shows: the server's status after starting it, and its tools.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct McpTest {
    /// Its status once started.
    pub status: ServerStatus,
    /// Its tools (turned-off ones included, with `enabled: false`).
    pub tools: Vec<McpTool>,
}

/// The MCP servers of a config, shared by every chat of a process.
pub struct Mcp {
    servers: BTreeMap<String, Arc<Server>>,
    names: Mutex<Names>,
    secrets: Arc<dyn SecretStore>,
    options: Options,
}

/// A server's settings with its remembered approvals left out (they are the tool host's, and
/// changing one must not restart a server).
pub fn without_approvals(c: &McpServerConfig) -> McpServerConfig {
    McpServerConfig {
        approve: Approve::Ask,
        always: Vec::new(),
        never: Vec::new(),
        ..c.clone()
    }
}

impl Mcp {
    /// A registry of `servers` (none is started yet); auth header values come from `secrets`.
    pub fn new(
        servers: &BTreeMap<String, McpServerConfig>,
        secrets: Arc<dyn SecretStore>,
    ) -> Arc<Mcp> {
        Self::with_options(servers, secrets, Options::default())
    }

    /// [`Mcp::new`] with other deadlines and limits.
    pub fn with_options(
        servers: &BTreeMap<String, McpServerConfig>,
        secrets: Arc<dyn SecretStore>,
        options: Options,
    ) -> Arc<Mcp> {
        let servers = servers
            .iter()
            .map(|(name, config)| {
                let server = Server::new(name, config.clone(), secrets.clone(), options.clone());
                (name.clone(), Arc::new(server))
            })
            .collect();
        Arc::new(Mcp {
            servers,
            names: Mutex::new(Names::default()),
            secrets,
            options,
        })
    }

    /// The registry of an edited config: a server whose settings did not change (approvals
    /// aside) is this registry's own, still running; the others are new. A server this registry
    /// no longer shares stops when the last holder of this registry lets it go.
    pub fn reconfigured(&self, servers: &BTreeMap<String, McpServerConfig>) -> Arc<Mcp> {
        let servers = servers
            .iter()
            .map(|(name, config)| {
                let kept = self
                    .servers
                    .get(name)
                    .filter(|s| without_approvals(&s.config) == without_approvals(config));
                let server = match kept {
                    Some(s) => s.clone(),
                    None => Arc::new(Server::new(
                        name,
                        config.clone(),
                        self.secrets.clone(),
                        self.options.clone(),
                    )),
                };
                (name.clone(), server)
            })
            .collect();
        Arc::new(Mcp {
            servers,
            names: Mutex::new(Names::default()),
            secrets: self.secrets.clone(),
            options: self.options.clone(),
        })
    }

    /// The registry of a config's `[mcp.*]` tables.
    pub fn from_config(config: &crate::Config, secrets: Arc<dyn SecretStore>) -> Arc<Mcp> {
        Self::new(&config.mcp_servers(), secrets)
    }

    /// The configured servers' names, in order (turned-off ones included).
    pub fn servers(&self) -> Vec<String> {
        self.servers.keys().cloned().collect()
    }

    /// A server's config.
    pub fn config(&self, server: &str) -> Option<&McpServerConfig> {
        self.servers.get(server).map(|s| &s.config)
    }

    /// How a call of `server`'s `tool` is decided by the config (`never`, `always`, `approve`).
    pub fn approval(&self, server: &str, tool: &str) -> Approve {
        self.config(server)
            .map_or(Approve::Ask, |c| c.approval(tool))
    }

    /// A server's tool call deadline (`timeout_ms`, default 60 s).
    pub fn call_timeout(&self, server: &str) -> Duration {
        self.config(server)
            .map_or(config::DEFAULT_CALL_TIMEOUT, McpServerConfig::call_timeout)
    }

    fn server(&self, name: &str) -> Result<&Arc<Server>, McpError> {
        self.servers
            .get(name)
            .ok_or_else(|| McpError::UnknownServer {
                server: name.to_string(),
                known: self.servers(),
            })
    }

    /// `server`'s tools (starting it if need be), with their namespaced names.
    pub async fn tools(&self, server: &str) -> Result<Vec<McpTool>, McpError> {
        self.tools_of(server, false).await
    }

    async fn tools_of(&self, server: &str, retry: bool) -> Result<Vec<McpTool>, McpError> {
        let s = self.server(server)?;
        let tools = s.tools(retry).await?;
        let mut names = self.names.lock().unwrap_or_else(|p| p.into_inner());
        let listed: Vec<String> = tools.iter().map(|t| t.name.to_string()).collect();
        names.retain(server, &listed);
        Ok(tools
            .iter()
            .map(|t| McpTool {
                server: server.to_string(),
                name: t.name.to_string(),
                namespaced: names.name(server, &t.name),
                title: t
                    .title
                    .clone()
                    .or_else(|| t.annotations.as_ref().and_then(|a| a.title.clone())),
                description: t.description.as_deref().unwrap_or("").to_string(),
                input_schema: Value::Object((*t.input_schema).clone()),
                enabled: s.config.offers(&t.name),
            })
            .collect())
    }

    /// The tools of a chat's chosen servers, started together. A server that fails leaves its
    /// tools out and its error in the second list; the others' tools are still there.
    pub async fn all_tools(&self, servers: &[String]) -> (Vec<McpTool>, Vec<McpError>) {
        let lists = futures_util::future::join_all(servers.iter().map(|s| self.tools(s))).await;
        let mut tools = Vec::new();
        let mut errors = Vec::new();
        for list in lists {
            match list {
                Ok(list) => tools.extend(list),
                Err(e) => errors.push(e),
            }
        }
        (tools, errors)
    }

    /// The server and tool a namespaced name was given to (by [`Mcp::tools`]).
    pub fn resolve(&self, namespaced: &str) -> Option<(String, String)> {
        self.names
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .resolve(namespaced)
    }

    /// Calls `server`'s `tool` with `arguments` (a JSON object, or null for none), within
    /// `timeout` (default: the server's `timeout_ms`).
    ///
    /// The tool's failure (`isError`) and the server's refusal (unknown tool, invalid arguments)
    /// come back as an output with `is_error`, for the model to read. `Err` is for the server:
    /// it could not start, it died during the call, the transport failed, or the deadline passed
    /// (the request is then cancelled). Dropping the future cancels the call too.
    pub async fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: Value,
        timeout: Option<Duration>,
    ) -> Result<McpOutput, McpError> {
        let s = self.server(server)?;
        let timeout = timeout.unwrap_or_else(|| s.config.call_timeout());
        s.call(tool, arguments, timeout).await
    }

    /// Every server's status, in name order.
    pub fn status(&self) -> Vec<ServerStatus> {
        self.servers.values().map(|s| s.status()).collect()
    }

    /// Starts `server` (or uses it if running; a recent failed start is tried again) and lists
    /// its tools.
    pub async fn test(&self, server: &str) -> Result<McpTest, McpError> {
        let tools = self.tools_of(server, true).await?;
        Ok(McpTest {
            status: self.server(server)?.status(),
            tools,
        })
    }

    /// Stops every server: closes its stdin, waits up to [`STOP_GRACE`], sends SIGTERM, waits
    /// again, then SIGKILLs its process group. The registry stays usable (a use starts the
    /// server again).
    pub async fn shutdown(&self) {
        futures_util::future::join_all(self.servers.values().map(|s| s.shutdown(STOP_GRACE))).await;
    }
}

impl std::fmt::Debug for Mcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mcp")
            .field("servers", &self.servers.keys().collect::<Vec<_>>())
            .finish()
    }
}
