//! One `[mcp.NAME]` table of `config.toml`, the checks it must pass, and where its auth header's
//! value lives (the OS keychain, never the file).
//!
//! The file names only the header (`auth_header = "Authorization"`); its value is filed under the
//! service [`AUTH_SERVICE`], account `mcp:<server>`, and sent only to that server's own URL.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::keys::sensitive::Sensitive;
use crate::keys::vault::{OsKeychain, SecretStore};

/// The keychain service MCP auth header values are filed under (apart from provider keys).
pub const AUTH_SERVICE: &str = "roundtable-mcp";

/// The longest server name.
pub const MAX_NAME_CHARS: usize = 32;

/// A tool call's deadline when the config gives none.
pub const DEFAULT_CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The longest `timeout_ms` accepted (one hour).
pub const MAX_TIMEOUT_MS: u64 = 3_600_000;

/// Whether a tool may run without asking.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Approve {
    /// Ask the person each time.
    #[default]
    Ask,
    /// Run without asking.
    Always,
    /// Refuse without asking.
    Never,
}

impl Approve {
    /// The word used in `config.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            Approve::Ask => "ask",
            Approve::Always => "always",
            Approve::Never => "never",
        }
    }
}

/// One `[mcp.NAME]` table: a server started as a process (`command`) or reached over streamable
/// HTTP (`url`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct McpServerConfig {
    /// The program to start (stdio); looked up in `PATH` when it has no `/`.
    pub command: Option<String>,
    /// Its arguments.
    #[serde(default)]
    pub args: Vec<String>,
    /// Variables added to its environment.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Its working directory (default: the app's).
    pub cwd: Option<PathBuf>,
    /// A streamable HTTP endpoint.
    pub url: Option<String>,
    /// The name of a header sent to `url` whose value is in the keychain ([`load_auth`]).
    pub auth_header: Option<String>,
    /// `false` keeps the server from starting and its tools from being offered.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// One tool call's deadline, in milliseconds (default 60 s).
    pub timeout_ms: Option<u64>,
    /// Whether this server's tools may run without asking.
    #[serde(default)]
    pub approve: Approve,
    /// Tools allowed without asking.
    #[serde(default)]
    pub always: Vec<String>,
    /// Tools always refused.
    #[serde(default)]
    pub never: Vec<String>,
    /// Tools not offered to models.
    #[serde(default)]
    pub disabled_tools: Vec<String>,
}

fn yes() -> bool {
    true
}

impl Default for McpServerConfig {
    fn default() -> Self {
        McpServerConfig {
            command: None,
            args: Vec::new(),
            env: BTreeMap::new(),
            cwd: None,
            url: None,
            auth_header: None,
            enabled: true,
            timeout_ms: None,
            approve: Approve::Ask,
            always: Vec::new(),
            never: Vec::new(),
            disabled_tools: Vec::new(),
        }
    }
}

impl McpServerConfig {
    /// A stdio server: `command` with `args`.
    pub fn stdio(command: impl Into<String>, args: &[&str]) -> Self {
        McpServerConfig {
            command: Some(command.into()),
            args: args.iter().map(|a| a.to_string()).collect(),
            ..Self::default()
        }
    }

    /// A streamable HTTP server at `url`.
    pub fn http(url: impl Into<String>) -> Self {
        McpServerConfig {
            url: Some(url.into()),
            ..Self::default()
        }
    }

    /// One tool call's deadline.
    pub fn call_timeout(&self) -> Duration {
        self.timeout_ms
            .map_or(DEFAULT_CALL_TIMEOUT, Duration::from_millis)
    }

    /// How a call of `tool` is decided: `never` beats `always`, both beat the server's `approve`.
    pub fn approval(&self, tool: &str) -> Approve {
        if self.never.iter().any(|t| t == tool) {
            Approve::Never
        } else if self.always.iter().any(|t| t == tool) {
            Approve::Always
        } else {
            self.approve
        }
    }

    /// Whether `tool` is offered to models.
    pub fn offers(&self, tool: &str) -> bool {
        !self.disabled_tools.iter().any(|t| t == tool)
    }
}

/// Whether `name` may name a server: `[A-Za-z0-9_-]{1,32}` without `__` (which separates server
/// and tool in a namespaced tool name).
pub fn is_valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_NAME_CHARS
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && !name.contains("__")
}

/// Headers the HTTP transport sets itself.
const RESERVED_HEADERS: &[&str] = &[
    "accept",
    "content-type",
    "content-length",
    "host",
    "mcp-session-id",
    "mcp-protocol-version",
    "last-event-id",
];

/// What is wrong with one server's table: the key to point at (`None`: the table) and why.
pub(crate) type Problem = (Option<&'static str>, String);

/// Checks one server's table as `config.toml` is read.
pub(crate) fn check(name: &str, s: &McpServerConfig) -> std::result::Result<(), Problem> {
    if !is_valid_name(name) {
        return Err((
            None,
            format!("`{name}` cannot name an MCP server: use 1 to {MAX_NAME_CHARS} letters, digits, `-` and `_`, without `__`"),
        ));
    }
    match (&s.command, &s.url) {
        (Some(_), Some(_)) => {
            return Err((
                Some("url"),
                "give either `command` (a server started as a process) or `url` (streamable HTTP), not both".into(),
            ))
        }
        (None, None) => {
            return Err((
                None,
                "missing `command` (a server started as a process) or `url` (streamable HTTP)"
                    .into(),
            ))
        }
        (Some(command), None) => {
            if command.trim().is_empty() || command.contains('\0') {
                return Err((Some("command"), "`command` is empty".into()));
            }
            if s.auth_header.is_some() {
                return Err((
                    Some("auth_header"),
                    "`auth_header` is for a `url` server; give a process its secrets in `env`"
                        .into(),
                ));
            }
            for (key, value) in &s.env {
                if key.is_empty() || key.contains('=') || key.contains('\0') || value.contains('\0')
                {
                    return Err((
                        Some("env"),
                        format!("`{key}` is not an environment variable name"),
                    ));
                }
            }
        }
        (None, Some(url)) => {
            check_url(url, s.auth_header.is_some()).map_err(|why| (Some("url"), why))?;
            if !s.args.is_empty() || !s.env.is_empty() || s.cwd.is_some() {
                let key = if !s.args.is_empty() {
                    "args"
                } else if !s.env.is_empty() {
                    "env"
                } else {
                    "cwd"
                };
                return Err((
                    Some(key),
                    format!("`{key}` is for a `command` server, not a `url` one"),
                ));
            }
            if let Some(header) = &s.auth_header {
                let valid = reqwest::header::HeaderName::from_bytes(header.as_bytes()).is_ok();
                if !valid {
                    return Err((
                        Some("auth_header"),
                        format!("`{header}` is not a valid header name (give the header's name; its value goes in the keychain)"),
                    ));
                }
                if RESERVED_HEADERS.iter().any(|r| r.eq_ignore_ascii_case(header)) {
                    return Err((
                        Some("auth_header"),
                        format!("`{header}` is set by the MCP transport itself; name the header that carries the credential"),
                    ));
                }
            }
        }
    }
    if let Some(ms) = s.timeout_ms {
        if ms == 0 || ms > MAX_TIMEOUT_MS {
            return Err((
                Some("timeout_ms"),
                format!("{ms} is not a tool call deadline: give 1 to {MAX_TIMEOUT_MS} ms"),
            ));
        }
    }
    for (key, tools) in [
        ("always", &s.always),
        ("never", &s.never),
        ("disabled_tools", &s.disabled_tools),
    ] {
        if tools.iter().any(|t| t.trim().is_empty()) {
            return Err((Some(key), "a tool name is empty".into()));
        }
    }
    if let Some(both) = s.always.iter().find(|t| s.never.contains(t)) {
        return Err((
            Some("never"),
            format!("`{both}` is in both `always` and `never`; keep it in one"),
        ));
    }
    Ok(())
}

/// An MCP endpoint: http(s), no credentials in it, and an auth header only over TLS or to this
/// machine.
fn check_url(url: &str, with_auth: bool) -> std::result::Result<(), String> {
    let parsed = url::Url::parse(url.trim()).map_err(|e| format!("`{url}` is not a URL: {e}"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
        return Err(format!("`{url}` is not an http:// or https:// URL"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "the URL carries credentials; name a header in `auth_header` and keep its value in the keychain"
                .into(),
        );
    }
    if with_auth
        && crate::keys::vault::sent_in_clear(parsed.origin().ascii_serialization().as_str())
    {
        return Err(format!(
            "`{url}` is plain http to another machine: an auth header would travel unencrypted; use https"
        ));
    }
    Ok(())
}

/// The keychain account a server's auth header value is filed under.
pub fn auth_account(server: &str) -> String {
    format!("mcp:{server}")
}

/// The store auth header values live in: the OS keychain under [`AUTH_SERVICE`].
pub fn auth_store() -> OsKeychain {
    OsKeychain::new(AUTH_SERVICE)
}

/// The origin (`https://host:port`) of a server's URL: what its auth value is bound to.
fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    Some(parsed.origin().ascii_serialization())
}

/// Files `value` as the auth header value of `server`, bound to the origin of `url` (replacing
/// one there): it is sent only to that origin, so a server whose URL later points elsewhere
/// needs the value entered again.
pub fn save_auth(store: &dyn SecretStore, server: &str, url: &str, value: &str) -> Result<()> {
    if !is_valid_name(server) {
        return Err(crate::error::Error::InvalidRequest(format!(
            "`{server}` cannot name an MCP server"
        )));
    }
    let value = value.trim();
    if value.is_empty() || reqwest::header::HeaderValue::from_str(value).is_err() {
        return Err(crate::error::Error::InvalidRequest(format!(
            "the auth header value for MCP server `{server}` is empty or not a valid header value"
        )));
    }
    let origin = origin_of(url).ok_or_else(|| {
        crate::error::Error::InvalidRequest(format!(
            "MCP server `{server}`: `{url}` is not a URL to bind its auth value to"
        ))
    })?;
    store.set(&auth_account(server), &format!("{origin}\n{value}"))
}

/// The auth header value of `server` for `url`, if one is filed: an error when it was saved
/// for another origin (it is never sent there).
pub fn load_auth(
    store: &dyn SecretStore,
    server: &str,
    url: &str,
) -> Result<Option<Sensitive<String>>> {
    let Some(filed) = store.get(&auth_account(server))? else {
        return Ok(None);
    };
    let (origin, value) = filed.split_once('\n').unwrap_or(("", ""));
    match origin_of(url) {
        Some(here) if here == origin && !value.is_empty() => {
            Ok(Some(Sensitive::new(value.to_string())))
        }
        _ => Err(crate::error::Error::InvalidRequest(format!(
            "the auth value saved for MCP server `{server}` was for another address ({}); enter it again for {url}",
            if origin.is_empty() { "unknown" } else { origin }
        ))),
    }
}

/// Removes the auth header value of `server`; false if there was none.
pub fn remove_auth(store: &dyn SecretStore, server: &str) -> Result<bool> {
    store.delete(&auth_account(server))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keys::vault::MemoryStore;

    #[test]
    fn names() {
        for ok in ["fs", "my-server", "a_b", "A1", &"x".repeat(32)] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in ["", "a__b", "a.b", "a b", "ü", &"x".repeat(33), "__"] {
            assert!(!is_valid_name(bad), "{bad}");
        }
    }

    #[test]
    fn approval_order() {
        let s = McpServerConfig {
            approve: Approve::Always,
            never: vec!["rm".into()],
            always: vec!["ls".into()],
            ..McpServerConfig::stdio("x", &[])
        };
        assert_eq!(s.approval("rm"), Approve::Never);
        assert_eq!(s.approval("ls"), Approve::Always);
        assert_eq!(s.approval("cat"), Approve::Always);
        assert_eq!(
            McpServerConfig::stdio("x", &[]).approval("cat"),
            Approve::Ask
        );
    }

    #[test]
    fn urls() {
        assert!(check_url("https://mcp.example.com/mcp", true).is_ok());
        assert!(check_url("http://127.0.0.1:8080/mcp", true).is_ok());
        assert!(check_url("http://localhost/mcp", true).is_ok());
        assert!(check_url("http://mcp.example.com/mcp", false).is_ok());
        assert!(check_url("http://mcp.example.com/mcp", true)
            .unwrap_err()
            .contains("unencrypted"));
        assert!(check_url("https://u:p@x.com/", false)
            .unwrap_err()
            .contains("credentials"));
        assert!(check_url("ftp://x.com/", false).is_err());
        assert!(check_url("not a url", false).is_err());
    }

    #[test]
    fn auth_helpers_use_their_own_account_and_bind_the_value_to_its_origin() {
        let store = MemoryStore::new();
        let url = "https://mcp.example.com/mcp";
        assert!(load_auth(&store, "remote", url).unwrap().is_none());
        save_auth(&store, "remote", url, " Bearer test-FAKE-abc123 ").unwrap();
        assert_eq!(
            store.get("mcp:remote").unwrap().as_deref(),
            Some("https://mcp.example.com\nBearer test-FAKE-abc123")
        );
        let value = load_auth(&store, "remote", "https://mcp.example.com/other")
            .unwrap()
            .unwrap();
        assert_eq!(value.expose(), "Bearer test-FAKE-abc123");
        assert_eq!(format!("{value:?}"), "<redacted>");
        // The URL now points elsewhere: the value is not given out, and the error says so
        // without it.
        let moved = load_auth(&store, "remote", "https://evil.example.net/mcp").unwrap_err();
        let said = moved.to_string();
        assert!(
            said.contains("another address") && said.contains("evil.example.net"),
            "{said}"
        );
        assert!(!said.contains("test-FAKE-abc123"));
        assert!(
            load_auth(&store, "remote", "http://mcp.example.com/mcp").is_err(),
            "another scheme"
        );
        assert!(save_auth(&store, "remote", url, "line\nbreak").is_err());
        assert!(save_auth(&store, "a__b", url, "x").is_err());
        assert!(save_auth(&store, "remote", "not a url", "x").is_err());
        assert!(remove_auth(&store, "remote").unwrap());
        assert!(!remove_auth(&store, "remote").unwrap());
    }
}
