//! `--tools`, `--approve` and `--max-steps` on `chat` and `compare`: the chosen MCP servers'
//! tools offered through the engine's tool host, a terminal prompt as its way of asking, and
//! "always" / "never" answers written to config.toml.

use std::io::{BufRead, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::future::BoxFuture;
use roundtable_engine::config::settings::{self, Edit};
use roundtable_engine::mcp::Mcp;
use roundtable_engine::tools::{
    offered, rules_of, Approval, Approver, McpHost, Mode, Pending, Remembered, ToolHost,
};

use crate::args::{ApproveArg, RequestOpts};
use crate::failure::Failure;
use crate::output::{note, visible};

/// The tool host a command's options ask for (`None` without `--tools`); a server that cannot
/// start stops the command with its error (exit code and the end of its stderr).
pub async fn host(
    mcp: &Arc<Mcp>,
    dir: &Path,
    opts: &RequestOpts,
) -> Result<Option<Arc<dyn ToolHost>>, Failure> {
    if opts.tools.is_empty() {
        return Ok(None);
    }
    let (tools, errors) = mcp.all_tools(&opts.tools).await;
    if let Some(e) = errors.into_iter().next() {
        return Err(Failure::Input(e.to_string()));
    }
    let offered = offered(mcp, &tools);
    if offered.is_empty() {
        note("the chosen MCP servers offer no tools; sending without them");
        return Ok(None);
    }
    let mode = match opts.approve {
        ApproveArg::Ask => Mode::Ask,
        ApproveArg::All => Mode::All,
        ApproveArg::None => Mode::None,
    };
    let config_dir = dir.to_path_buf();
    let mut host = McpHost::new(offered, Arc::new(mcp.clone()), rules_of(mcp))
        .mode(mode)
        .step_limit(usize::from(opts.max_steps))
        .keeper(Arc::new(move |r: Remembered| keep(&config_dir, r)));
    if let Some(tty) = Terminal::open() {
        host = host.approver(Arc::new(tty));
    }
    Ok(Some(Arc::new(host)))
}

/// Writes a remembered decision to config.toml (a failure is said, not fatal: the decision
/// still holds for this run).
fn keep(dir: &Path, r: Remembered) {
    let edit = Edit::McpApproval {
        server: r.server.clone(),
        tool: r.tool.clone(),
        decision: r.rule,
    };
    match settings::apply(dir, &edit) {
        Ok(_) => note(&format!(
            "remembered in config.toml: {} {} → {}",
            r.server,
            r.tool.as_deref().unwrap_or("(every tool)"),
            r.rule.as_str()
        )),
        Err(e) => note(&format!("could not remember the decision: {e}")),
    }
}

/// The terminal the person sits at: asked on stderr, answered on `/dev/tty` (stdin may be the
/// prompt's pipe).
struct Terminal {
    tty: PathBuf,
}

impl Terminal {
    fn open() -> Option<Terminal> {
        let tty = PathBuf::from("/dev/tty");
        let usable = std::io::stderr().is_terminal() && std::fs::File::open(&tty).is_ok();
        usable.then_some(Terminal { tty })
    }
}

impl Approver for Terminal {
    fn ask(&self, p: Pending) -> BoxFuture<'static, Approval> {
        let tty = self.tty.clone();
        Box::pin(async move {
            let asked = tokio::task::spawn_blocking(move || {
                // One question at a time (a compare's columns may ask together).
                static ASKING: std::sync::Mutex<()> = std::sync::Mutex::new(());
                let _one = ASKING.lock().unwrap_or_else(|p| p.into_inner());
                let mut err = std::io::stderr().lock();
                let _ = writeln!(
                    err,
                    "\nroundtable: the model calls {} (server `{}`) with {}",
                    visible(&p.tool),
                    visible(&p.server),
                    visible(&p.call.arguments)
                );
                let file = std::fs::File::open(&tty).ok()?;
                let mut line = String::new();
                loop {
                    let _ = write!(
                        err,
                        "allow? [y] once · [a] always this tool · [s] always this server · [n] deny · [v] never this tool: "
                    );
                    let _ = err.flush();
                    line.clear();
                    let mut reader = std::io::BufReader::new(&file);
                    if reader.read_line(&mut line).ok()? == 0 {
                        return None;
                    }
                    let answer = match line.trim().to_ascii_lowercase().as_str() {
                        "y" | "yes" => Approval::Once,
                        "a" => Approval::AlwaysTool,
                        "s" => Approval::AlwaysServer,
                        "n" | "no" => Approval::Deny,
                        "v" => Approval::NeverTool,
                        _ => continue,
                    };
                    return Some(answer);
                }
            })
            .await;
            // No answer (the terminal closed): the call is denied.
            asked.ok().flatten().unwrap_or(Approval::Deny)
        })
    }
}
