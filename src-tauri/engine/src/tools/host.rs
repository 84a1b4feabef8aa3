//! The tool host every front uses: the tools of the chosen MCP servers, the person's remembered
//! decisions (`always` / `never`, per tool or per server), a front's way of asking
//! ([`Approver`]: the CLI's prompt, the app's Allow / Deny buttons), and the call itself with its
//! time-out. A refusal, a denial, a tool's error or a time-out becomes an error result the model
//! reads; nothing here fails the answer.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};

use super::ToolHost;
use crate::chat::{Decision, ToolCall, ToolResult, ToolSpec};
use crate::mcp::config::{Approve, McpServerConfig};
use crate::mcp::{Mcp, McpOutput, McpTool};

/// A tool a host offers: the name the model sees, and where it runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Offered {
    /// What the model sees (`server__tool`).
    pub spec: ToolSpec,
    /// The MCP server.
    pub server: String,
    /// The tool's own name on its server.
    pub tool: String,
    /// The longest a call may take.
    pub timeout: Duration,
}

/// Where tools run: the MCP registry, or (in tests) anything that answers calls.
pub trait Backend: Send + Sync {
    /// Calls `tool` on `server`; an `Err` is a failure of the server (it died, timed out, …)
    /// worded for the model and the person.
    fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: serde_json::Value,
        timeout: Duration,
    ) -> BoxFuture<'static, Result<McpOutput, String>>;
}

impl Backend for Arc<Mcp> {
    fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: serde_json::Value,
        timeout: Duration,
    ) -> BoxFuture<'static, Result<McpOutput, String>> {
        let (mcp, server, tool) = (self.clone(), server.to_string(), tool.to_string());
        Box::pin(async move {
            Mcp::call(&mcp, &server, &tool, arguments, Some(timeout))
                .await
                .map_err(|e| e.to_string())
        })
    }
}

/// How calls are decided when no rule says (`--approve`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Ask through the front's [`Approver`] (with none, calls are refused).
    #[default]
    Ask,
    /// Run every call.
    All,
    /// Refuse every call.
    None,
}

/// The person's answer to one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum Approval {
    /// Run it this once.
    Once,
    /// Run it, and this tool from now on without asking.
    AlwaysTool,
    /// Run it, and every tool of its server from now on without asking.
    AlwaysServer,
    /// Refuse it this once.
    Deny,
    /// Refuse it, and this tool from now on.
    NeverTool,
}

/// A call waiting for the person's answer, as a front shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Pending {
    /// The call.
    pub call: ToolCall,
    /// Its server.
    pub server: String,
    /// The tool's own name.
    pub tool: String,
    /// Its description.
    pub description: String,
}

/// How a front asks the person about a call.
pub trait Approver: Send + Sync {
    /// Resolves with the person's answer; dropped if the answer is stopped.
    fn ask(&self, pending: Pending) -> BoxFuture<'static, Approval>;
}

/// A decision the person asked to keep (the front writes it to `config.toml`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remembered {
    /// The server.
    pub server: String,
    /// The tool, or every tool of the server.
    pub tool: Option<String>,
    /// The rule to keep.
    pub rule: Approve,
}

/// Keeps remembered decisions (writes them to the config).
pub type Keeper = Arc<dyn Fn(Remembered) + Send + Sync>;

/// The rules of every server — its config's `approve`, `always` and `never`, with what was
/// remembered since — shared by the hosts of one process (a decision remembered in one chat
/// holds in the others at once).
pub type Rules = Arc<Mutex<HashMap<String, McpServerConfig>>>;

/// The rules `mcp`'s config gives its servers.
pub fn rules_of(mcp: &Mcp) -> Rules {
    let rules = mcp
        .servers()
        .into_iter()
        .filter_map(|name| Some((name.clone(), mcp.config(&name)?.clone())))
        .collect();
    Arc::new(Mutex::new(rules))
}

/// The rules a config's `[mcp.*]` tables give.
pub fn rules_from(servers: &std::collections::BTreeMap<String, McpServerConfig>) -> Rules {
    Arc::new(Mutex::new(servers.clone().into_iter().collect()))
}

/// What a chat offers from `tools` (the chosen servers' tools, turned-off ones left out), each
/// with its server's call deadline.
pub fn offered(mcp: &Mcp, tools: &[McpTool]) -> Vec<Offered> {
    tools
        .iter()
        .filter(|t| t.enabled)
        .map(|t| Offered {
            spec: ToolSpec {
                name: t.namespaced.clone(),
                description: t.description.clone(),
                parameters: t.input_schema.clone(),
            },
            server: t.server.clone(),
            tool: t.name.clone(),
            timeout: mcp.call_timeout(&t.server),
        })
        .collect()
}

/// The rules in force and where a new one is kept.
struct Memory {
    rules: Rules,
    keeper: Option<Keeper>,
}

impl Memory {
    fn rule(&self, server: &str, tool: &str) -> Approve {
        let rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
        rules.get(server).map_or(Approve::Ask, |c| c.approval(tool))
    }

    fn remember(&self, server: &str, tool: Option<&str>, rule: Approve) {
        {
            let mut rules = self.rules.lock().unwrap_or_else(|p| p.into_inner());
            let r = rules.entry(server.to_string()).or_default();
            match tool {
                None => r.approve = rule,
                Some(t) => {
                    r.always.retain(|a| a != t);
                    r.never.retain(|n| n != t);
                    match rule {
                        Approve::Always => r.always.push(t.to_string()),
                        Approve::Never => r.never.push(t.to_string()),
                        Approve::Ask => {}
                    }
                }
            }
        }
        if let Some(keep) = &self.keeper {
            keep(Remembered {
                server: server.to_string(),
                tool: tool.map(str::to_string),
                rule,
            });
        }
    }
}

/// A tool host over MCP servers.
pub struct McpHost {
    offered: Vec<Offered>,
    backend: Arc<dyn Backend>,
    memory: Arc<Memory>,
    mode: Mode,
    approver: Option<Arc<dyn Approver>>,
    max_steps: usize,
}

impl McpHost {
    /// A host offering `offered`, calling them through `backend`.
    pub fn new(offered: Vec<Offered>, backend: Arc<dyn Backend>, rules: Rules) -> Self {
        McpHost {
            offered,
            backend,
            memory: Arc::new(Memory {
                rules,
                keeper: None,
            }),
            mode: Mode::Ask,
            approver: None,
            max_steps: super::DEFAULT_MAX_STEPS,
        }
    }

    /// How calls no rule decides are decided.
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    /// Who is asked (with [`Mode::Ask`]).
    pub fn approver(mut self, approver: Arc<dyn Approver>) -> Self {
        self.approver = Some(approver);
        self
    }

    /// Where remembered decisions are kept.
    pub fn keeper(mut self, keeper: Keeper) -> Self {
        self.memory = Arc::new(Memory {
            rules: self.memory.rules.clone(),
            keeper: Some(keeper),
        });
        self
    }

    /// The most model calls of one answer.
    pub fn step_limit(mut self, steps: usize) -> Self {
        self.max_steps = steps.max(1);
        self
    }
}

fn refused(call: &ToolCall, decision: Decision, why: &str) -> ToolResult {
    let mut r = ToolResult::text(call, why, true);
    r.decision = Some(decision);
    r
}

impl ToolHost for McpHost {
    fn tools(&self) -> Vec<ToolSpec> {
        self.offered.iter().map(|o| o.spec.clone()).collect()
    }

    fn max_steps(&self) -> usize {
        self.max_steps
    }

    fn run(&self, call: ToolCall) -> BoxFuture<'static, ToolResult> {
        let Some(offered) = self
            .offered
            .iter()
            .find(|o| o.spec.name == call.name)
            .cloned()
        else {
            let r = refused(
                &call,
                Decision::Invalid,
                &format!("there is no tool named `{}`", call.name),
            );
            return Box::pin(async move { r });
        };
        let rule = self.memory.rule(&offered.server, &offered.tool);
        let backend = self.backend.clone();
        let approver = self.approver.clone();
        let mode = self.mode;
        let remember = self.memory.clone();
        Box::pin(async move {
            let decision = match (rule, mode) {
                (Approve::Never, _) => {
                    return refused(
                        &call,
                        Decision::Never,
                        "the person does not allow this tool (a remembered `never`)",
                    )
                }
                (Approve::Always, _) | (Approve::Ask, Mode::All) => Decision::Always,
                (Approve::Ask, Mode::None) => {
                    return refused(
                        &call,
                        Decision::Never,
                        "tool calls are not allowed in this session",
                    )
                }
                (Approve::Ask, Mode::Ask) => {
                    let Some(approver) = approver else {
                        return refused(
                            &call,
                            Decision::Never,
                            "no one was there to allow this call, so it was not run",
                        );
                    };
                    let answer = approver
                        .ask(Pending {
                            call: call.clone(),
                            server: offered.server.clone(),
                            tool: offered.tool.clone(),
                            description: offered.spec.description.clone(),
                        })
                        .await;
                    let (server, tool) = (offered.server.as_str(), offered.tool.as_str());
                    match answer {
                        Approval::Once => Decision::Once,
                        Approval::AlwaysTool => {
                            remember.remember(server, Some(tool), Approve::Always);
                            Decision::Always
                        }
                        Approval::AlwaysServer => {
                            remember.remember(server, None, Approve::Always);
                            Decision::Always
                        }
                        Approval::Deny => {
                            return refused(&call, Decision::Denied, "the person denied this call")
                        }
                        Approval::NeverTool => {
                            remember.remember(server, Some(tool), Approve::Never);
                            return refused(&call, Decision::Never, "the person denied this call");
                        }
                    }
                }
            };
            let arguments = call
                .parsed_arguments()
                .unwrap_or_else(|_| serde_json::json!({}));
            let started = Instant::now();
            let output = backend
                .call(&offered.server, &offered.tool, arguments, offered.timeout)
                .await;
            let ms = started.elapsed().as_millis() as u64;
            let mut result = match output {
                Ok(o) => ToolResult {
                    id: call.id.clone(),
                    name: call.name.clone(),
                    content: o.content,
                    is_error: o.is_error,
                    decision: None,
                    ms: None,
                },
                Err(why) => ToolResult::text(&call, why, true),
            };
            result.decision = Some(decision);
            result.ms = Some(ms);
            result
        })
    }
}
