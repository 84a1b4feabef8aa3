//! `roundtable mcp list` and `roundtable mcp test NAME`: the MCP servers of config.toml, how each
//! is reached, its state and its tools.

use std::sync::Arc;

use roundtable_engine::config::Config;
use roundtable_engine::mcp::{config::auth_store, Mcp, McpTool, ServerStatus};
use serde_json::json;

use crate::args::McpCommand;
use crate::failure::Failure;
use crate::output::Out;

/// The config's servers (none started), their auth headers from the keychain.
pub fn registry(config: &Config) -> Arc<Mcp> {
    Mcp::from_config(config, Arc::new(auth_store()))
}

/// Runs `mcp list` or `mcp test`; every server started is stopped before it returns.
pub async fn run(config: &Config, command: McpCommand, out: &mut Out) -> Result<(), Failure> {
    let mcp = registry(config);
    let done = match command {
        McpCommand::List { start, .. } => list(&mcp, start, out).await,
        McpCommand::Test { name, .. } => test(&mcp, &name, out).await,
    };
    mcp.shutdown().await;
    done
}

async fn list(mcp: &Arc<Mcp>, start: bool, out: &mut Out) -> Result<(), Failure> {
    let names = mcp.servers();
    if names.is_empty() && !out.is_json() {
        out.raw("no MCP servers: add one as [mcp.NAME] in config.toml (command = \"…\" or url = \"…\")\n")?;
        return Ok(());
    }
    let mut tools: Vec<(String, Result<Vec<McpTool>, String>)> = Vec::new();
    if start {
        for name in &names {
            if mcp.config(name).is_some_and(|c| c.enabled) {
                let listed = mcp.tools(name).await.map_err(|e| e.to_string());
                tools.push((name.clone(), listed));
            }
        }
    }
    for status in mcp.status() {
        let listed = tools
            .iter()
            .find(|(n, _)| *n == status.name)
            .map(|(_, t)| t);
        if out.is_json() {
            let mut v = json!({"type": "server", "server": status});
            if let Some(Ok(t)) = listed {
                v["tools"] = json!(t);
            }
            out.event(&v)?;
        } else {
            out.raw(&status_line(&status))?;
            match listed {
                Some(Ok(list)) => {
                    for t in list {
                        out.raw(&tool_line(t))?;
                    }
                }
                Some(Err(e)) => out.raw(&format!("    error: {e}\n"))?,
                None => {}
            }
        }
    }
    Ok(())
}

async fn test(mcp: &Arc<Mcp>, name: &str, out: &mut Out) -> Result<(), Failure> {
    let tested = mcp
        .test(name)
        .await
        .map_err(|e| Failure::Input(e.to_string()))?;
    if out.is_json() {
        return out.event(&json!({"type": "test", "server": tested.status, "tools": tested.tools}));
    }
    out.raw(&status_line(&tested.status))?;
    for t in &tested.tools {
        out.raw(&tool_line(t))?;
        out.raw(&format!("      schema: {}\n", t.input_schema))?;
    }
    Ok(())
}

fn status_line(s: &ServerStatus) -> String {
    let word = |v: serde_json::Value| v.as_str().unwrap_or_default().replace('_', " ");
    let mut facts = vec![word(json!(s.kind)), word(json!(s.state))];
    if !s.enabled {
        facts.push("turned off".into());
    }
    if let Some(n) = s.tools {
        facts.push(format!("{n} tools"));
    }
    if let Some(ms) = s.cold_start_ms {
        facts.push(format!("started in {ms} ms"));
    }
    let mut line = format!("{}  {}  ({})\n", s.name, s.target, facts.join(", "));
    if let Some(e) = &s.last_error {
        line.push_str(&format!("    last error: {e}\n"));
    }
    line
}

fn tool_line(t: &McpTool) -> String {
    let off = if t.enabled { "" } else { " (not offered)" };
    format!(
        "  {}{off}  {}\n",
        t.namespaced,
        t.description.lines().next().unwrap_or("")
    )
}
