//! The MCP client against real servers: the reference `server-everything` and
//! `server-filesystem` (npm, pinned and installed by `.ci/setup`), and `tests/mcp/misbehave.py`
//! (the official Python SDK) whose tools crash, hang, flood and write garbage on purpose; plus
//! the settings edits of `[mcp.*]` tables. A missing server fails its test with what to run.

mod everything;
mod http;
mod misbehave;
mod orphans;
mod settings;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use roundtable_engine::chat::ToolContent;
use roundtable_engine::keys::vault::MemoryStore;
use roundtable_engine::mcp::{Mcp, McpOutput, McpServerConfig, Options};

fn home() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").expect("HOME is set"))
}

/// The venv's Python with the `mcp` SDK: `ROUNDTABLE_PYTHON`, else the venv `.ci/setup` makes.
pub fn python() -> PathBuf {
    let python = std::env::var_os("ROUNDTABLE_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache/roundtable/venv/bin/python"));
    let has_sdk = std::process::Command::new(&python)
        .args(["-c", "import mcp.server.mcpserver"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        has_sdk,
        "{} with the Python `mcp` SDK is missing: run .ci/setup (or set ROUNDTABLE_PYTHON)",
        python.display()
    );
    python
}

/// An npm server's executable under `ROUNDTABLE_MCP` (default `~/.cache/roundtable/mcp`).
pub fn npm_server(name: &str) -> PathBuf {
    let dir = std::env::var_os("ROUNDTABLE_MCP")
        .map(PathBuf::from)
        .unwrap_or_else(|| home().join(".cache/roundtable/mcp"));
    let bin = dir.join("node_modules/.bin").join(name);
    assert!(
        bin.exists(),
        "{} is missing: run .ci/setup to install the MCP test servers (or set ROUNDTABLE_MCP)",
        bin.display()
    );
    bin
}

/// `server-everything` over stdio.
pub fn everything() -> McpServerConfig {
    McpServerConfig::stdio(
        npm_server("mcp-server-everything").display().to_string(),
        &["stdio"],
    )
}

/// `server-filesystem` allowed into `dir`.
pub fn filesystem(dir: &std::path::Path) -> McpServerConfig {
    McpServerConfig::stdio(
        npm_server("mcp-server-filesystem").display().to_string(),
        &[&dir.display().to_string()],
    )
}

/// `tests/mcp/misbehave.py` in `mode` (`""` for a normal server).
pub fn misbehave(mode: &str) -> McpServerConfig {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/mcp/misbehave.py");
    let mut args = vec![script.display().to_string()];
    if !mode.is_empty() {
        args.push(mode.to_string());
    }
    McpServerConfig {
        args,
        ..McpServerConfig::stdio(python().display().to_string(), &[])
    }
}

/// A registry of `servers` with an empty in-memory keychain.
pub fn registry(servers: Vec<(&str, McpServerConfig)>) -> Arc<Mcp> {
    registry_with(servers, Options::default())
}

pub fn registry_with(servers: Vec<(&str, McpServerConfig)>, options: Options) -> Arc<Mcp> {
    let servers: BTreeMap<String, McpServerConfig> = servers
        .into_iter()
        .map(|(name, config)| (name.to_string(), config))
        .collect();
    Mcp::with_options(&servers, Arc::new(MemoryStore::new()), options)
}

/// The text of an output, pieces joined.
pub fn text(output: &McpOutput) -> String {
    output
        .content
        .iter()
        .filter_map(|c| match c {
            ToolContent::Text { text } => Some(text.as_str()),
            ToolContent::Image { .. } => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether process `pid` is gone: no such process, or a zombie (dead, waiting to be reaped by
/// whoever adopted it).
pub fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        // The state follows the command name in parentheses.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
    }
}

/// Whether process group `pgid` has no living member.
pub fn group_gone(pgid: u32) -> bool {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return true;
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| !gone(*pid))
        .all(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // Fields after the name: state, ppid, pgrp.
            let pgrp = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(2))
                .and_then(|p| p.parse::<u32>().ok());
            pgrp != Some(pgid)
        })
}

/// Waits up to `limit` for `done`, checking every 50 ms.
pub fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + limit;
    loop {
        if done() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}
