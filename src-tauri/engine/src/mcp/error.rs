//! What can go wrong with an MCP server, worded for the person and the model alike. A tool's own
//! failure is not here: it is an [`super::McpOutput`] with `is_error`.

/// A failure of an MCP server (not of a tool: see [`super::McpOutput::is_error`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpError {
    /// No `[mcp.NAME]` table has this name.
    #[error("there is no MCP server `{server}` in the config{}", known_list(.known))]
    UnknownServer {
        /// The name asked for.
        server: String,
        /// The servers there are.
        known: Vec<String>,
    },
    /// The server is turned off (`enabled = false`).
    #[error("MCP server `{server}` is turned off (enabled = false in its [mcp.{server}] table)")]
    Disabled {
        /// The server.
        server: String,
    },
    /// It could not be started, or it did not complete the MCP handshake.
    #[error("MCP server `{server}` could not be started ({what}): {why}{}", stderr_part(.stderr))]
    Start {
        /// The server.
        server: String,
        /// The command line or URL.
        what: String,
        /// What happened: the exit code or signal, a time-out, a refusal.
        why: String,
        /// The last lines of its stderr (at most 2 KB).
        stderr: String,
    },
    /// It exited while a call was running.
    #[error("MCP server `{server}` exited during `{tool}` ({status}){}", stderr_colon(.stderr))]
    Exited {
        /// The server.
        server: String,
        /// The tool being called.
        tool: String,
        /// "exit code N" or the signal.
        status: String,
        /// The last lines of its stderr.
        stderr: String,
    },
    /// A call did not answer in time (and was cancelled).
    #[error("MCP server `{server}`: `{tool}` did not answer within {}{note}", super::connect::secs(std::time::Duration::from_millis(*.ms)))]
    Timeout {
        /// The server.
        server: String,
        /// The tool (or `tools/list`).
        tool: String,
        /// The deadline, in milliseconds.
        ms: u64,
        /// More on why, if known.
        note: String,
    },
    /// The connection failed (HTTP error, closed pipe, malformed protocol).
    #[error("MCP server `{server}`: {message}")]
    Transport {
        /// The server.
        server: String,
        /// What happened.
        message: String,
    },
}

impl McpError {
    /// The server it is about.
    pub fn server(&self) -> &str {
        match self {
            McpError::UnknownServer { server, .. }
            | McpError::Disabled { server }
            | McpError::Start { server, .. }
            | McpError::Exited { server, .. }
            | McpError::Timeout { server, .. }
            | McpError::Transport { server, .. } => server,
        }
    }
}

fn known_list(known: &[String]) -> String {
    if known.is_empty() {
        " (none are configured)".into()
    } else {
        format!("; servers: {}", known.join(", "))
    }
}

fn stderr_part(stderr: &str) -> String {
    if stderr.is_empty() {
        ", and it wrote nothing to stderr".into()
    } else {
        format!("; its stderr ends with:\n{stderr}")
    }
}

fn stderr_colon(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_the_brief_words_them() {
        let e = McpError::Exited {
            server: "x".into(),
            tool: "crash".into(),
            status: "exit code 7".into(),
            stderr: "boom".into(),
        };
        assert_eq!(
            e.to_string(),
            "MCP server `x` exited during `crash` (exit code 7): boom"
        );
        let t = McpError::Timeout {
            server: "x".into(),
            tool: "hang".into(),
            ms: 1500,
            note: String::new(),
        };
        assert_eq!(
            t.to_string(),
            "MCP server `x`: `hang` did not answer within 1.5 s"
        );
        let u = McpError::UnknownServer {
            server: "y".into(),
            known: vec!["a".into(), "b".into()],
        };
        assert_eq!(
            u.to_string(),
            "there is no MCP server `y` in the config; servers: a, b"
        );
    }
}
