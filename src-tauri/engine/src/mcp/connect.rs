//! Opening one MCP session: a stdio server's process and pipes, or a streamable HTTP endpoint,
//! through the handshake, within its deadline. A server that fails is described by name, with
//! its command, exit code or signal, and the tail of its stderr.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rmcp::model::{ClientCapabilities, ClientConfig, Implementation, ProtocolVersion};
use rmcp::service::{NotificationContext, RunningService};
use rmcp::transport::async_rw::AsyncRwTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{ClientHandler, RoleClient, ServiceExt};

use super::config::{load_auth, McpServerConfig};
use super::error::McpError;
use super::process::{self, Child};
use super::stdout::{Bounded, Seen};
use super::Options;
use crate::keys::sensitive::Sensitive;
use crate::keys::vault::SecretStore;

/// What we tell servers about ourselves, and what we hear from them between calls.
#[derive(Clone)]
pub(crate) struct Handler {
    /// Set when the server says its tool list changed.
    pub(crate) stale: Arc<AtomicBool>,
}

impl ClientHandler for Handler {
    fn get_info(&self) -> ClientConfig {
        // The newest version with the `initialize` handshake: what servers deployed today speak.
        ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("roundtable", crate::VERSION),
        )
        .with_protocol_version(ProtocolVersion::LATEST_WITH_INITIALIZE)
    }

    async fn on_tool_list_changed(&self, _context: NotificationContext<RoleClient>) {
        self.stale.store(true, Ordering::Relaxed);
    }
}

/// An open session.
pub(crate) struct Session {
    pub(crate) service: RunningService<RoleClient, Handler>,
    pub(crate) child: Option<Arc<Child>>,
    pub(crate) seen: Arc<Seen>,
    pub(crate) stale: Arc<AtomicBool>,
    /// The auth header value (HTTP), to keep out of every message.
    pub(crate) secret: Option<Sensitive<String>>,
}

/// The command line or URL, for messages (never a secret: those are not in the config).
pub(crate) fn target(config: &McpServerConfig) -> String {
    match (&config.command, &config.url) {
        (Some(command), _) => {
            let mut line = command.clone();
            for arg in &config.args {
                line.push(' ');
                if arg.is_empty() || arg.contains(char::is_whitespace) {
                    line.push_str(&format!("{arg:?}"));
                } else {
                    line.push_str(arg);
                }
            }
            line
        }
        (None, Some(url)) => url.clone(),
        (None, None) => String::new(),
    }
}

/// Kills a process whose session did not open (start-up failed, timed out, or was dropped).
struct KillGuard(Option<Arc<Child>>);

impl Drop for KillGuard {
    fn drop(&mut self) {
        if let Some(child) = self.0.take() {
            child.signal_group(rustix::process::Signal::KILL);
        }
    }
}

/// Opens a session with server `name`.
pub(crate) async fn open(
    name: &str,
    config: &McpServerConfig,
    secrets: &dyn SecretStore,
    options: &Options,
) -> Result<Session, McpError> {
    if config.url.is_some() {
        open_http(name, config, secrets, options).await
    } else {
        open_stdio(name, config, options).await
    }
}

async fn open_stdio(
    name: &str,
    config: &McpServerConfig,
    options: &Options,
) -> Result<Session, McpError> {
    let fail = |why: String, stderr: String| McpError::Start {
        server: name.to_string(),
        what: target(config),
        why,
        stderr,
    };
    let (child, pipes) = process::start(config)
        .await
        .map_err(|why| fail(why, String::new()))?;
    let mut guard = KillGuard(Some(child.clone()));
    let seen = Arc::new(Seen::default());
    let stale = Arc::new(AtomicBool::new(false));
    let limit = options.max_message_bytes;
    let reader = Bounded::new(pipes.stdout, limit, name, seen.clone());
    let transport = AsyncRwTransport::new_client(reader, pipes.stdin).with_max_line_length(limit);
    let handler = Handler {
        stale: stale.clone(),
    };
    let init = options.init_timeout;
    let outcome = tokio::select! {
        served = tokio::time::timeout(init, handler.serve(transport)) => Ok(served),
        status = child.wait() => Err(status),
    };
    let failure = match outcome {
        Ok(Ok(Ok(service))) => {
            guard.0 = None;
            return Ok(Session {
                service,
                child: Some(child),
                seen,
                stale,
                secret: None,
            });
        }
        Ok(Err(_elapsed)) => format!(
            "it did not complete the MCP handshake within {}",
            secs(init)
        ),
        Ok(Ok(Err(e))) => {
            // Most often the process exited: say how, rather than "connection closed".
            match tokio::time::timeout(Duration::from_secs(1), child.wait()).await {
                Ok(status) => format!(
                    "it exited ({}) before completing the MCP handshake",
                    process::describe(status)
                ),
                Err(_) => format!("the MCP handshake failed: {}", one_line(&e.to_string())),
            }
        }
        Err(status) => format!(
            "it exited ({}) before completing the MCP handshake",
            process::describe(status)
        ),
    };
    drop(guard);
    child.stderr_settled(Duration::from_millis(500)).await;
    Err(fail(failure, child.stderr_tail()))
}

async fn open_http(
    name: &str,
    config: &McpServerConfig,
    secrets: &dyn SecretStore,
    options: &Options,
) -> Result<Session, McpError> {
    let url = config.url.clone().unwrap_or_default();
    let fail = |why: String| McpError::Start {
        server: name.to_string(),
        what: url.clone(),
        why,
        stderr: String::new(),
    };
    let mut headers = HashMap::new();
    let mut secret = None;
    if let Some(header) = &config.auth_header {
        let value = load_auth(secrets, name, &url)
            .map_err(|e| fail(format!("its auth header could not be read: {e}")))?
            .ok_or_else(|| {
                fail(format!(
                    "no value for its auth header `{header}` is saved in the keychain; save one in Settings"
                ))
            })?;
        let header_name = reqwest::header::HeaderName::from_bytes(header.as_bytes())
            .map_err(|_| fail(format!("`{header}` is not a valid header name")))?;
        let mut header_value = reqwest::header::HeaderValue::from_str(value.expose())
            .map_err(|_| fail("its saved auth header value is not a valid header value".into()))?;
        header_value.set_sensitive(true);
        headers.insert(header_name, header_value);
        secret = Some(value);
    }
    let mut transport_config = StreamableHttpClientTransportConfig::with_uri(url.as_str());
    transport_config.custom_headers = headers;
    transport_config.max_sse_event_size = options.max_message_bytes;
    transport_config.max_json_response_size = options.max_message_bytes;
    let transport =
        StreamableHttpClientTransport::with_client(http_client().map_err(fail)?, transport_config);
    let stale = Arc::new(AtomicBool::new(false));
    let handler = Handler {
        stale: stale.clone(),
    };
    let scrub = |text: String| match &secret {
        Some(s) => crate::error::scrub(&text, s.expose()),
        None => text,
    };
    match tokio::time::timeout(options.init_timeout, handler.serve(transport)).await {
        Ok(Ok(service)) => Ok(Session {
            service,
            child: None,
            seen: Arc::new(Seen::default()),
            stale,
            secret,
        }),
        Ok(Err(e)) => Err(fail(scrub(format!(
            "the MCP handshake failed: {}",
            one_line(&e.to_string())
        )))),
        Err(_) => Err(fail(format!(
            "it did not complete the MCP handshake within {}",
            secs(options.init_timeout)
        ))),
    }
}

/// The HTTP client of every `url` server: rustls, never following a redirect (an auth header
/// goes only to the server's own address), a connect deadline, no idle pool (rmcp's advice:
/// a reused connection with an unread body stalls on delayed ACKs).
fn http_client() -> Result<reqwest::Client, String> {
    static CLIENT: std::sync::OnceLock<Result<reqwest::Client, String>> =
        std::sync::OnceLock::new();
    CLIENT
        .get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .connect_timeout(Duration::from_secs(10))
                .pool_max_idle_per_host(0)
                .build()
                .map_err(|e| format!("no HTTP client: {e}"))
        })
        .clone()
}

/// "20 s", "500 ms".
pub(crate) fn secs(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// One line of at most 500 characters.
pub(crate) fn one_line(text: &str) -> String {
    crate::error::one_line(text, 500)
}
