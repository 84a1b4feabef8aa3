//! One configured server: its session, started on first use and once however many callers ask
//! at the same time, started again on the next use after it died, and what `status` shows of it.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rmcp::model::{CallToolRequestParams, PaginatedRequestParams, Tool};
use rmcp::ServiceError;
use serde_json::Value;

use super::config::McpServerConfig;
use super::connect::{self, secs, Session};
use super::error::McpError;
use super::output::{self, Caps, McpOutput};
use super::process;
use super::{Kind, Options, ServerStatus, State};
use crate::keys::vault::SecretStore;

/// The most tools one server may list.
pub(crate) const MAX_TOOLS: usize = 512;

/// The most bytes of one server's tool list (names, descriptions and schemas together).
pub(crate) const MAX_TOOL_BYTES: usize = 2 << 20;

/// The most pages of a tool list.
const MAX_PAGES: usize = 64;

/// A session in use, and its cached tool list.
pub(crate) struct Conn {
    session: Session,
    tools: tokio::sync::Mutex<Option<Arc<Vec<Tool>>>>,
}

impl Conn {
    fn alive(&self) -> bool {
        !self.session.service.peer().is_transport_closed()
            && self
                .session
                .child
                .as_ref()
                .is_none_or(|c| c.exited().is_none())
    }

    /// Ends the session: closes stdin (by closing the transport), then stops the process.
    async fn close(&self, grace: Duration) {
        self.session.service.cancellation_token().cancel();
        if let Some(child) = &self.session.child {
            child.stop(grace).await;
        }
    }

    /// Removes the auth header value from a message.
    fn scrub(&self, text: String) -> String {
        match &self.session.secret {
            Some(s) => crate::error::scrub(&text, s.expose()),
            None => text,
        }
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        // The service's own drop guard cancels it, which closes the server's stdin; the process
        // is then given the same grace, SIGTERM and SIGKILL as a shutdown, off this thread.
        if let Some(child) = self.session.child.take() {
            if !child.is_stopped() {
                child.stop_in_background(super::STOP_GRACE);
            }
        }
    }
}

/// What `status` shows.
#[derive(Default)]
struct Info {
    state: State,
    pid: Option<u32>,
    tools: Option<usize>,
    last_error: Option<String>,
    cold_start_ms: Option<u64>,
    /// The last failed start, and when: a use soon after gets the same error without a retry.
    failed: Option<(Instant, McpError)>,
    child: Option<Arc<process::Child>>,
}

/// Shows a server as starting until the start ends, and as it was if the start is dropped
/// (its caller went away; the process is killed by the start's own guard).
struct Starting<'a> {
    server: &'a Server,
    before: Option<State>,
}

impl<'a> Starting<'a> {
    fn new(server: &'a Server) -> Self {
        let before = std::mem::replace(&mut server.info().state, State::Starting);
        Starting {
            server,
            before: Some(before),
        }
    }

    fn done(mut self) {
        self.before = None;
    }
}

impl Drop for Starting<'_> {
    fn drop(&mut self) {
        if let Some(before) = self.before.take() {
            self.server.info().state = before;
        }
    }
}

/// One configured server.
pub(crate) struct Server {
    pub(crate) name: String,
    pub(crate) config: McpServerConfig,
    secrets: Arc<dyn SecretStore>,
    options: Options,
    slot: tokio::sync::Mutex<Option<Arc<Conn>>>,
    info: Mutex<Info>,
}

impl Server {
    pub(crate) fn new(
        name: &str,
        config: McpServerConfig,
        secrets: Arc<dyn SecretStore>,
        options: Options,
    ) -> Self {
        Server {
            name: name.to_string(),
            config,
            secrets,
            options,
            slot: tokio::sync::Mutex::new(None),
            info: Mutex::new(Info::default()),
        }
    }

    fn info(&self) -> std::sync::MutexGuard<'_, Info> {
        self.info.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The running session, started (or started again) if need be. With `retry`, a start that
    /// failed a moment ago is tried again at once.
    pub(crate) async fn conn(&self, retry: bool) -> Result<Arc<Conn>, McpError> {
        if !self.config.enabled {
            return Err(McpError::Disabled {
                server: self.name.clone(),
            });
        }
        let mut slot = self.slot.lock().await;
        if let Some(conn) = slot.as_ref() {
            if conn.alive() {
                return Ok(conn.clone());
            }
        }
        if let Some(dead) = slot.take() {
            // It died since its last use: note how, then start it again below.
            if let Some(status) = dead.session.child.as_ref().and_then(|c| c.exited()) {
                let mut info = self.info();
                if info.last_error.is_none() {
                    info.last_error = Some(format!("exited ({})", process::describe(status)));
                }
            }
            tokio::spawn(async move { dead.close(Duration::ZERO).await });
        }
        if !retry {
            if let Some((at, e)) = &self.info().failed {
                if at.elapsed() < self.options.retry_after {
                    return Err(e.clone());
                }
            }
        }
        let starting = Starting::new(self);
        let started = Instant::now();
        let opened = connect::open(&self.name, &self.config, &*self.secrets, &self.options).await;
        starting.done();
        match opened {
            Ok(session) => {
                let ms = started.elapsed().as_millis() as u64;
                let mut info = self.info();
                info.state = State::Running;
                info.pid = session.child.as_ref().map(|c| c.pid());
                info.child = session.child.clone();
                info.cold_start_ms = Some(ms);
                info.failed = None;
                info.tools = None;
                if let Some(child) = &session.child {
                    if !child.pdeathsig {
                        tracing::debug!(server = %self.name, "started without a parent-death signal (no setpriv)");
                    }
                }
                let conn = Arc::new(Conn {
                    session,
                    tools: tokio::sync::Mutex::new(None),
                });
                *slot = Some(conn.clone());
                Ok(conn)
            }
            Err(e) => {
                let mut info = self.info();
                info.state = State::Failed;
                info.pid = None;
                info.child = None;
                info.last_error = Some(e.to_string());
                info.failed = Some((Instant::now(), e.clone()));
                Err(e)
            }
        }
    }

    /// Its tools (cached until it says they changed), without those that need tasks.
    pub(crate) async fn tools(&self, retry: bool) -> Result<Arc<Vec<Tool>>, McpError> {
        let conn = self.conn(retry).await?;
        let mut cache = conn.tools.lock().await;
        if let Some(tools) = cache.as_ref() {
            if !conn.session.stale.load(Ordering::Relaxed) {
                return Ok(tools.clone());
            }
        }
        conn.session.stale.store(false, Ordering::Relaxed);
        let limit = self.options.list_timeout;
        let listed = tokio::time::timeout(limit, self.list(&conn)).await;
        let tools = match listed {
            Ok(Ok(tools)) => Arc::new(tools),
            Ok(Err(e)) => return Err(self.failed(&conn, "tools/list", e).await),
            Err(_) => {
                return Err(McpError::Timeout {
                    server: self.name.clone(),
                    tool: "tools/list".into(),
                    ms: limit.as_millis() as u64,
                    note: String::new(),
                })
            }
        };
        self.info().tools = Some(tools.len());
        *cache = Some(tools.clone());
        Ok(tools)
    }

    /// Every page of the tool list, within [`MAX_TOOLS`] and [`MAX_TOOL_BYTES`].
    async fn list(&self, conn: &Conn) -> Result<Vec<Tool>, ServiceError> {
        let peer = conn.session.service.peer();
        let mut tools = Vec::new();
        let mut bytes = 0usize;
        let mut cursor = None;
        for _ in 0..MAX_PAGES {
            let page = peer
                .list_tools(Some(PaginatedRequestParams::default().with_cursor(cursor)))
                .await?;
            for tool in page.tools {
                bytes += serde_json::to_vec(&tool).map_or(0, |v| v.len());
                if tools.len() >= MAX_TOOLS || bytes > MAX_TOOL_BYTES {
                    tracing::warn!(server = %self.name, "its tool list is over {MAX_TOOLS} tools or {MAX_TOOL_BYTES} bytes; the rest is left out");
                    return Ok(self.without_tasks(conn, tools));
                }
                tools.push(tool);
            }
            cursor = page.next_cursor;
            if cursor.is_none() {
                break;
            }
        }
        Ok(self.without_tasks(conn, tools))
    }

    fn without_tasks(&self, conn: &Conn, mut tools: Vec<Tool>) -> Vec<Tool> {
        let required = conn
            .session
            .seen
            .task_required
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        tools.retain(|t| !required.contains(t.name.as_ref()));
        tools
    }

    /// Calls `tool`; see [`super::Mcp::call`].
    pub(crate) async fn call(
        &self,
        tool: &str,
        arguments: Value,
        timeout: Duration,
    ) -> Result<McpOutput, McpError> {
        let arguments = match arguments {
            Value::Object(map) => Some(map),
            Value::Null => None,
            other => {
                return Ok(McpOutput::error(format!(
                    "the arguments of `{tool}` must be a JSON object, not {other}"
                )))
            }
        };
        if !self.config.offers(tool) {
            return Ok(McpOutput::error(format!(
                "the tool `{tool}` of MCP server `{}` is turned off (disabled_tools)",
                self.name
            )));
        }
        let conn = self.conn(false).await?;
        let mut params = CallToolRequestParams::new(tool.to_string());
        params.arguments = arguments;
        let peer = conn.session.service.peer().clone();
        // Dropping this future (a time-out, or the caller's Stop) sends notifications/cancelled.
        let call = peer.call_tool(params);
        tokio::pin!(call);
        let exited = async {
            match &conn.session.child {
                Some(child) => child.wait().await,
                None => std::future::pending().await,
            }
        };
        let answer = tokio::select! {
            answer = &mut call => answer,
            _ = tokio::time::sleep(timeout) => {
                let dropped = conn.session.seen.oversized.load(Ordering::Relaxed);
                return Err(McpError::Timeout {
                    server: self.name.clone(),
                    tool: tool.to_string(),
                    ms: timeout.as_millis() as u64,
                    note: if dropped > 0 {
                        " (it also sent a message over the size limit, which was dropped)".into()
                    } else {
                        String::new()
                    },
                });
            }
            _ = exited => {
                // An answer written just before it exited may still be in the pipe.
                match tokio::time::timeout(Duration::from_millis(300), &mut call).await {
                    Ok(answer) => answer,
                    Err(_) => return Err(self.failed(&conn, tool, ServiceError::TransportClosed).await),
                }
            }
        };
        match answer {
            Ok(result) => Ok(output::convert(result, Caps::default())),
            // The server refused the call (unknown tool, invalid arguments): the model reads it.
            Err(ServiceError::McpError(e)) => Ok(McpOutput::error(
                conn.scrub(format!("MCP error {}: {}", e.code.0, e.message)),
            )),
            Err(e) => Err(self.failed(&conn, tool, e).await),
        }
    }

    /// Words a failed request: the process's exit if it died, else what the transport said.
    async fn failed(&self, conn: &Conn, tool: &str, e: ServiceError) -> McpError {
        let error = match &conn.session.child {
            Some(child) => match tokio::time::timeout(Duration::from_secs(1), child.wait()).await {
                Ok(status) => {
                    child.stderr_settled(Duration::from_millis(500)).await;
                    McpError::Exited {
                        server: self.name.clone(),
                        tool: tool.to_string(),
                        status: process::describe(status),
                        stderr: child.stderr_tail(),
                    }
                }
                Err(_) => self.transport(conn, tool, &e),
            },
            None => self.transport(conn, tool, &e),
        };
        let mut info = self.info();
        if matches!(error, McpError::Exited { .. }) {
            info.state = State::Failed;
        }
        info.last_error = Some(error.to_string());
        error
    }

    fn transport(&self, conn: &Conn, tool: &str, e: &ServiceError) -> McpError {
        let message = match e {
            ServiceError::Timeout { timeout } => {
                format!("`{tool}` did not answer within {}", secs(*timeout))
            }
            ServiceError::UnexpectedResponse => {
                format!("`{tool}` was answered with something other than its result (a task?)")
            }
            other => format!(
                "`{tool}` failed: {}",
                connect::one_line(&conn.scrub(other.to_string()))
            ),
        };
        McpError::Transport {
            server: self.name.clone(),
            message,
        }
    }

    /// Ends the session, if there is one.
    pub(crate) async fn shutdown(&self, grace: Duration) {
        let conn = self.slot.lock().await.take();
        if let Some(conn) = conn {
            conn.close(grace).await;
            let mut info = self.info();
            info.state = State::Stopped;
            info.pid = None;
            info.child = None;
        }
    }

    /// What `status` shows of it.
    pub(crate) fn status(&self) -> ServerStatus {
        let info = self.info();
        let mut state = if self.config.enabled {
            info.state
        } else {
            State::NotStarted
        };
        let mut last_error = info.last_error.clone();
        if let (State::Running, Some(status)) =
            (state, info.child.as_ref().and_then(|c| c.exited()))
        {
            state = State::Failed;
            last_error = Some(format!("exited ({})", process::describe(status)));
        }
        ServerStatus {
            name: self.name.clone(),
            kind: if self.config.url.is_some() {
                Kind::Http
            } else {
                Kind::Stdio
            },
            target: connect::target(&self.config),
            enabled: self.config.enabled,
            state,
            pid: if state == State::Running {
                info.pid
            } else {
                None
            },
            tools: info.tools,
            last_error,
            cold_start_ms: info.cold_start_ms,
        }
    }
}
