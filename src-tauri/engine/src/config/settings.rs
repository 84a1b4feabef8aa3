//! The app's settings editors: what they show of `config.toml`, and edits written back to it.
//!
//! An edit changes only the keys it is about (comments, order and every other table stay as the
//! user wrote them, through `toml_edit`), is checked exactly as the file is at start-up (the parser
//! with its line-and-field errors, the provider registry, every route target and compare set
//! column naming a provider or route that exists), and only then replaces the file, atomically and durably (file and directory
//! synced), keeping its mode (a new file is 0600) and, for a symlink, writing to its target. A
//! refused or failed edit changes nothing and leaves no temporary file.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml_edit::{value, Array, DocumentMut, Item, Table, TableLike, Value};
use ts_rs::TS;

use crate::config::Registry;
use crate::config::{Config, PresetConfig, Strategy, Window, CONFIG_FILE};
use crate::error::{Error, Result};
use crate::files;
use crate::mcp::Approve;

/// A named route as the editor shows and sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RouteSetting {
    /// Used as `@name`.
    pub name: String,
    pub strategy: Strategy,
    /// `provider/model` or `@route`, in order.
    pub targets: Vec<String>,
    /// One weight per target, for `balance`.
    pub weights: Option<Vec<u32>>,
}

/// A named compare set as the compare view shows and sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CompareSetSetting {
    /// Used as `roundtable compare --set NAME`.
    pub name: String,
    /// Each column's `provider/model` or `@route`, 2 to 8.
    pub columns: Vec<String>,
}

/// A price override, USD per million tokens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PriceSetting {
    /// `provider/model`.
    pub model: String,
    pub input: f64,
    pub output: f64,
    pub cache_read: Option<f64>,
    pub cache_write: Option<f64>,
}

/// The monthly budget and this calendar month's (UTC) spend against it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BudgetSetting {
    pub monthly_usd: Option<f64>,
    pub spent_usd: f64,
}

/// A preset as Settings → Presets shows and sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresetSetting {
    /// Used as `-p NAME` and in the picker.
    pub name: String,
    /// One of the built-in examples, not yet written to the file.
    #[serde(default)]
    pub built_in: bool,
    pub fields: PresetConfig,
}

/// A spend limit as Settings → Budgets shows and sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BudgetRuleSetting {
    /// `all`, `provider:ID`, `model:PROVIDER/MODEL`, `route:NAME` or `client:NAME`.
    pub scope: String,
    pub window: Window,
    pub limit_usd: f64,
    pub alert_percent: f64,
}

/// An MCP server as the settings editor shows and sends it: a process (`command`, `args`,
/// `env`, `cwd`) or an HTTP endpoint (`url`, and the *name* of its auth header — the value lives
/// in the keychain, see `crate::mcp::save_auth`). Its remembered approvals (`approve`, `always`,
/// `never`) and `timeout_ms` are not edited here and are kept as they are.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct McpServerSetting {
    /// `[A-Za-z0-9_-]{1,32}`, without `__`.
    pub name: String,
    pub command: Option<String>,
    #[serde(default)]
    pub args: Vec<String>,
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    pub cwd: Option<String>,
    pub url: Option<String>,
    pub auth_header: Option<String>,
    pub enabled: bool,
    /// Tools not offered to models.
    #[serde(default)]
    pub disabled_tools: Vec<String>,
}

/// What the settings editors show (never a key).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SettingsView {
    /// Where the config file is.
    pub config_path: String,
    pub routes: Vec<RouteSetting>,
    /// The compare sets, by name.
    pub compare_sets: Vec<CompareSetSetting>,
    pub prices: Vec<PriceSetting>,
    pub budget: BudgetSetting,
    /// The MCP servers, by name.
    pub mcp: Vec<McpServerSetting>,
    /// The presets in force (the built-in examples while the file has none).
    pub presets: Vec<PresetSetting>,
    /// The `[[budgets]]` rules, in order (the legacy monthly budget is `budget`).
    pub budgets: Vec<BudgetRuleSetting>,
    /// The app's own updates.
    pub updates: UpdatesSetting,
}

/// `[updates]` as Settings → Updates shows it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdatesSetting {
    /// Look for a new version at start and on "Check now".
    pub enabled: bool,
    /// The update manifest's address in force.
    pub url: String,
    /// The address used when none is set.
    pub default_url: String,
}

/// One change to the config.
#[derive(Debug, Clone, PartialEq, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Edit {
    /// Turn a provider on or off and set its address (`None` or empty: a built-in's own).
    #[serde(rename_all = "camelCase")]
    Provider {
        id: String,
        enabled: bool,
        base_url: Option<String>,
    },
    /// Add or replace a route; `previous` renames one.
    #[serde(rename_all = "camelCase")]
    Route {
        route: RouteSetting,
        previous: Option<String>,
    },
    /// Delete a route.
    RemoveRoute { name: String },
    /// Add or replace a compare set; `previous` renames one.
    #[serde(rename_all = "camelCase")]
    CompareSet {
        set: CompareSetSetting,
        previous: Option<String>,
    },
    /// Delete a compare set.
    RemoveCompareSet { name: String },
    /// Add or replace a price override.
    Price { price: PriceSetting },
    /// Delete a price override.
    RemovePrice { model: String },
    /// Set (`Some`) or clear the monthly budget.
    #[serde(rename_all = "camelCase")]
    Budget { monthly_usd: Option<f64> },
    /// Remember how an MCP server's tool (`tool`), or all its tools (`None`: its `approve`), are
    /// decided; `ask` forgets a tool's `always`/`never`.
    McpApproval {
        server: String,
        tool: Option<String>,
        decision: Approve,
    },
    /// Add or replace an MCP server; `previous` renames one (keeping its approvals).
    McpServer {
        server: McpServerSetting,
        previous: Option<String>,
    },
    /// Delete an MCP server (its keychain entry is the caller's to remove).
    RemoveMcpServer { name: String },
    /// Add or replace a preset; `previous` renames one. The built-in examples are written to
    /// the file first, so they can be changed and deleted like the person's own.
    Preset {
        preset: PresetSetting,
        previous: Option<String>,
    },
    /// Delete a preset (a built-in one stays deleted: the file keeps its `[presets]` table).
    RemovePreset { name: String },
    /// Replace every `[[budgets]]` rule.
    Budgets { rules: Vec<BudgetRuleSetting> },
    /// Turn update checks on or off and set the manifest address (`None` or empty: the default).
    Updates { enabled: bool, url: Option<String> },
}

/// What the editors show: the config's routes, compare sets, prices and budget, with this
/// month's spend (`spent`, micro-dollars: [`crate::store::Store::month_spent`]).
pub fn view(config: &Config, data_dir: &Path, spent: i64) -> Result<SettingsView> {
    Ok(SettingsView {
        config_path: data_dir.join(CONFIG_FILE).display().to_string(),
        routes: config
            .routes
            .iter()
            .map(|(name, r)| {
                let r = r.get_ref();
                RouteSetting {
                    name: name.clone(),
                    strategy: r.strategy,
                    targets: r.targets.get_ref().clone(),
                    weights: r.weights.as_ref().map(|w| w.get_ref().clone()),
                }
            })
            .collect(),
        compare_sets: config
            .compare_sets
            .iter()
            .map(|(name, set)| CompareSetSetting {
                name: name.clone(),
                columns: set.get_ref().columns.get_ref().clone(),
            })
            .collect(),
        prices: config
            .prices
            .iter()
            .map(|(model, p)| PriceSetting {
                model: model.clone(),
                input: p.input,
                output: p.output,
                cache_read: p.cache_read,
                cache_write: p.cache_write,
            })
            .collect(),
        budget: BudgetSetting {
            monthly_usd: config.budget.as_ref().map(|b| b.monthly_usd),
            spent_usd: spent as f64 / 1e6,
        },
        mcp: config
            .mcp
            .iter()
            .map(|(name, s)| {
                let s = s.get_ref();
                McpServerSetting {
                    name: name.clone(),
                    command: s.command.clone(),
                    args: s.args.clone(),
                    env: s.env.clone(),
                    cwd: s.cwd.as_ref().map(|c| c.display().to_string()),
                    url: s.url.clone(),
                    auth_header: s.auth_header.clone(),
                    enabled: s.enabled,
                    disabled_tools: s.disabled_tools.clone(),
                }
            })
            .collect(),
        presets: config
            .presets()
            .into_iter()
            .map(|(name, fields, built_in)| PresetSetting {
                name,
                built_in,
                fields,
            })
            .collect(),
        budgets: config
            .budgets
            .iter()
            .map(|r| {
                let r = r.get_ref();
                BudgetRuleSetting {
                    scope: r.scope.clone(),
                    window: r.window,
                    limit_usd: r.limit_usd,
                    alert_percent: r
                        .alert_percent
                        .unwrap_or(crate::config::budgets::DEFAULT_ALERT_PERCENT),
                }
            })
            .collect(),
        updates: UpdatesSetting {
            enabled: config.updates.enabled,
            url: config.updates.url().to_owned(),
            default_url: crate::config::updates::DEFAULT_URL.to_owned(),
        },
    })
}

/// Applies `edit` to the data dir's `config.toml` and answers the config now in force. Nothing is
/// written unless the edited file passes every check the app makes at start-up.
pub fn apply(data_dir: &Path, edit: &Edit) -> Result<Config> {
    // One edit at a time in this process (a remembered tool decision can land while Settings
    // saves): each reads the file the last one wrote.
    static EDITING: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = EDITING.lock().unwrap_or_else(|p| p.into_inner());
    let path = data_dir.join(CONFIG_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(source) => return Err(io(&path, source)),
    };
    // A file that does not parse is reported as at start-up, with its line and field.
    Config::parse(&text, &path)?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::InvalidRequest(format!("{}: {}", path.display(), e.message()))
    })?;
    change(&mut doc, edit)?;
    let edited = doc.to_string();
    let config = Config::parse(&edited, &path)?;
    check(&config)?;
    write_atomically(data_dir, &path, &edited)?;
    Ok(config)
}

fn change(doc: &mut DocumentMut, edit: &Edit) -> Result<()> {
    match edit {
        Edit::Provider {
            id,
            enabled,
            base_url,
        } => {
            let t = table(doc, "providers", id);
            if *enabled {
                t.remove("enabled");
            } else {
                set(t, "enabled", false.into());
            }
            match base_url.as_deref().map(str::trim).filter(|u| !u.is_empty()) {
                Some(url) => set(t, "base_url", url.into()),
                None => {
                    t.remove("base_url");
                }
            }
            prune(doc, "providers", id);
        }
        Edit::Route { route, previous } => {
            let name = route.name.trim();
            check_name("route", name)?;
            if let Some(old) = previous.as_deref().filter(|old| *old != name) {
                remove(doc, "routes", old);
                rename_references(doc, old, name);
            }
            let t = table(doc, "routes", name);
            t.clear();
            t["strategy"] = value(strategy_name(route.strategy));
            let targets: Array = route.targets.iter().map(|s| s.trim()).collect();
            t["targets"] = value(targets);
            if let Some(w) = &route.weights {
                let weights: Array = w.iter().map(|&w| i64::from(w)).collect();
                t["weights"] = value(weights);
            }
        }
        Edit::RemoveRoute { name } => {
            if !remove(doc, "routes", name) {
                return Err(invalid(format!("there is no route `{name}`")));
            }
        }
        Edit::CompareSet { set, previous } => {
            let name = set.name.trim();
            check_name("compare set", name)?;
            if let Some(old) = previous.as_deref().filter(|old| *old != name) {
                if !remove(doc, "compare_sets", old) {
                    return Err(invalid(format!(
                        "there is no compare set `{old}` to rename"
                    )));
                }
            }
            let t = table(doc, "compare_sets", name);
            t.clear();
            let columns: Array = set.columns.iter().map(|s| s.trim()).collect();
            t["columns"] = value(columns);
        }
        Edit::RemoveCompareSet { name } => {
            if !remove(doc, "compare_sets", name) {
                return Err(invalid(format!("there is no compare set `{name}`")));
            }
        }
        Edit::Price { price } => {
            let model = price.model.trim();
            if !model.contains('/') || model.starts_with('/') || model.ends_with('/') {
                return Err(invalid(format!(
                    "price for `{model}`: name a model as provider/model"
                )));
            }
            let fields = [
                ("input", Some(price.input)),
                ("output", Some(price.output)),
                ("cache_read", price.cache_read),
                ("cache_write", price.cache_write),
            ];
            let t = table(doc, "prices", model);
            t.clear();
            for (field, v) in fields {
                let Some(v) = v else { continue };
                if !v.is_finite() || v < 0.0 {
                    return Err(invalid(format!(
                        "prices.\"{model}\".{field}: {v} is not a price (USD per million tokens, 0 or more)"
                    )));
                }
                t[field] = value(v);
            }
        }
        Edit::RemovePrice { model } => {
            if !remove(doc, "prices", model) {
                return Err(invalid(format!("there is no price override for `{model}`")));
            }
        }
        Edit::Updates { enabled, url } => {
            let url = url.as_deref().map(str::trim).filter(|u| !u.is_empty());
            if let Some(u) = url {
                crate::config::updates::parse_url(u)
                    .map_err(|why| invalid(format!("updates.url: {why}")))?;
            }
            let item = doc
                .entry("updates")
                .or_insert_with(|| Item::Table(Table::new()));
            if item.as_table_like().is_none() {
                *item = Item::Table(Table::new());
            }
            if let Some(t) = item.as_table_like_mut() {
                t.insert("enabled", value(*enabled));
                match url {
                    Some(u) => t.insert("url", value(u)),
                    None => t.remove("url"),
                };
            }
        }
        Edit::Budget { monthly_usd } => match monthly_usd {
            Some(usd) if !usd.is_finite() || *usd <= 0.0 => {
                return Err(invalid(format!(
                    "budget.monthly_usd: {usd} is not a budget (USD, more than 0)"
                )));
            }
            Some(usd) => {
                let t = doc
                    .entry("budget")
                    .or_insert_with(|| Item::Table(Table::new()));
                match t.as_table_mut() {
                    Some(t) => set(t, "monthly_usd", (*usd).into()),
                    None => *t = Item::Table(Table::from_iter([("monthly_usd", *usd)])),
                }
            }
            None => {
                doc.remove("budget");
            }
        },
        Edit::McpApproval {
            server,
            tool,
            decision,
        } => mcp_approval(doc, server, tool.as_deref(), *decision)?,
        Edit::McpServer { server, previous } => mcp_server(doc, server, previous.as_deref())?,
        Edit::Preset { preset, previous } => {
            let name = preset.name.trim();
            crate::config::chat_presets::check_name(name).map_err(invalid)?;
            if let Some((field, why)) = preset.fields.problem() {
                return Err(invalid(format!("presets.{name}.{field}: {why}")));
            }
            materialise_presets(doc);
            let exists = doc.get("presets").and_then(|p| p.get(name)).is_some();
            if exists && previous.as_deref() != Some(name) {
                return Err(invalid(format!(
                    "there is already a preset `{name}`; pick another name or edit that one"
                )));
            }
            if let Some(old) = previous.as_deref().filter(|old| *old != name) {
                if !remove(doc, "presets", old) {
                    return Err(invalid(format!("there is no preset `{old}` to rename")));
                }
            }
            let t = table(doc, "presets", name);
            t.clear();
            write_preset(t, &preset.fields);
        }
        Edit::RemovePreset { name } => {
            materialise_presets(doc);
            if !remove(doc, "presets", name) {
                return Err(invalid(format!("there is no preset `{name}`")));
            }
        }
        Edit::Budgets { rules } => {
            let mut list = toml_edit::ArrayOfTables::new();
            for (i, r) in rules.iter().enumerate() {
                let rule = crate::config::budgets::BudgetRuleConfig {
                    scope: r.scope.trim().to_string(),
                    window: r.window,
                    limit_usd: r.limit_usd,
                    alert_percent: Some(r.alert_percent),
                };
                if let Err((field, why)) = rule.check() {
                    return Err(invalid(format!("budgets[{i}].{field}: {why}")));
                }
                let mut t = Table::new();
                t["scope"] = value(rule.scope.as_str());
                t["window"] = value(r.window.as_str());
                t["limit_usd"] = value(r.limit_usd);
                t["alert_percent"] = value(r.alert_percent);
                list.push(t);
            }
            if list.is_empty() {
                doc.remove("budgets");
            } else {
                doc["budgets"] = Item::ArrayOfTables(list);
            }
        }
        Edit::RemoveMcpServer { name } => {
            if !remove(doc, "mcp", name) {
                return Err(invalid(format!("there is no MCP server `{name}`")));
            }
        }
    }
    Ok(())
}

/// Writes the built-in example presets into a file that has no `[presets]` table yet, so an
/// edit or deletion of one sticks (and an emptied table keeps them away).
fn materialise_presets(doc: &mut DocumentMut) {
    if doc.contains_key("presets") {
        return;
    }
    let mut outer = Table::new();
    outer.set_implicit(false);
    doc["presets"] = Item::Table(outer);
    for (name, p) in crate::config::chat_presets::built_in() {
        write_preset(table(doc, "presets", &name), &p);
    }
}

fn write_preset(t: &mut Table, p: &PresetConfig) {
    if let Some(v) = p.system.as_deref().filter(|s| !s.trim().is_empty()) {
        t["system"] = value(v);
    }
    if let Some(v) = p.model.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        t["model"] = value(v);
    }
    if let Some(v) = p.temperature {
        t["temperature"] = value(plain(v));
    }
    if let Some(v) = p.top_p {
        t["top_p"] = value(plain(v));
    }
    if let Some(v) = p.max_tokens {
        t["max_tokens"] = value(i64::from(v));
    }
    if let Some(v) = p.reasoning {
        t["reasoning"] = value(v.as_str());
    }
    if let Some(v) = p.stop.as_ref().filter(|s| !s.is_empty()) {
        let list: Array = v.iter().map(String::as_str).collect();
        t["stop"] = value(list);
    }
    if let Some(v) = p.seed {
        t["seed"] = value(i64::try_from(v).unwrap_or(i64::MAX));
    }
}

/// An `f32` as the `f64` it reads as (`0.2`, not `0.20000000298023224`).
fn plain(v: f32) -> f64 {
    v.to_string().parse().unwrap_or(f64::from(v))
}

/// The existing `[mcp.NAME]` table.
fn mcp_table<'d>(doc: &'d mut DocumentMut, name: &str) -> Result<&'d mut dyn TableLike> {
    doc.get_mut("mcp")
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.get_mut(name))
        .and_then(Item::as_table_like_mut)
        .ok_or_else(|| invalid(format!("there is no MCP server `{name}`")))
}

/// The array `key` of a table, made if missing.
fn array<'t>(t: &'t mut dyn TableLike, key: &str) -> &'t mut Array {
    let item = t.entry(key).or_insert(value(Array::new()));
    if item.as_array().is_none() {
        *item = value(Array::new());
    }
    item.as_array_mut().expect("made an array above")
}

/// `always` / `never` / `approve` of one server, changed in place (comments stay).
fn mcp_approval(
    doc: &mut DocumentMut,
    server: &str,
    tool: Option<&str>,
    decision: Approve,
) -> Result<()> {
    let t = mcp_table(doc, server)?;
    let Some(tool) = tool.map(str::trim) else {
        match decision {
            Approve::Ask => {
                t.remove("approve");
            }
            other => {
                let mut v: Value = other.as_str().into();
                if let Some(old) = t.get("approve").and_then(Item::as_value) {
                    *v.decor_mut() = old.decor().clone();
                }
                t.insert("approve", Item::Value(v));
            }
        }
        return Ok(());
    };
    if tool.is_empty() {
        return Err(invalid(format!(
            "MCP server `{server}`: the tool name is empty"
        )));
    }
    for key in ["always", "never"] {
        if let Some(list) = t.get_mut(key).and_then(Item::as_array_mut) {
            list.retain(|v| v.as_str() != Some(tool));
            if list.is_empty() {
                t.remove(key);
            }
        }
    }
    let key = match decision {
        Approve::Ask => return Ok(()),
        Approve::Always => "always",
        Approve::Never => "never",
    };
    array(t, key).push(tool);
    Ok(())
}

/// Adds or replaces `[mcp.NAME]`: the keys the editor owns are set or removed, the rest
/// (approvals, `timeout_ms`) kept; a rename moves the table.
fn mcp_server(doc: &mut DocumentMut, s: &McpServerSetting, previous: Option<&str>) -> Result<()> {
    let name = s.name.trim();
    if !crate::mcp::config::is_valid_name(name) {
        return Err(invalid(format!(
            "MCP server name `{name}`: use 1 to 32 letters, digits, `-` and `_`, without `__`"
        )));
    }
    if let Some(old) = previous.filter(|old| *old != name) {
        let moved = doc
            .get_mut("mcp")
            .and_then(Item::as_table_like_mut)
            .and_then(|t| t.remove(old))
            .ok_or_else(|| invalid(format!("there is no MCP server `{old}` to rename")))?;
        if doc.get("mcp").and_then(|m| m.get(name)).is_some() {
            return Err(invalid(format!("there is already an MCP server `{name}`")));
        }
        table(doc, "mcp", name);
        doc["mcp"][name] = moved;
    }
    // A server written as an inline table (`fs = { command = … }`) becomes a table with the
    // same keys, rather than being replaced.
    let inline = doc
        .get_mut("mcp")
        .and_then(Item::as_table_like_mut)
        .and_then(|m| m.get_mut(name))
        .filter(|i| i.is_inline_table());
    if let Some(item) = inline {
        if let Some(it) = item.as_inline_table().cloned() {
            *item = Item::Table(it.into_table());
        }
    }
    let t = table(doc, "mcp", name);
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
    };
    let strings = |v: &[String]| -> Array { v.iter().map(|s| s.as_str()).collect() };
    let fields: [(&str, Option<Value>); 7] = [
        ("command", text(&s.command).map(Value::from)),
        (
            "args",
            (!s.args.is_empty()).then(|| strings(&s.args).into()),
        ),
        (
            "env",
            (!s.env.is_empty()).then(|| {
                let mut env = toml_edit::InlineTable::new();
                for (k, v) in &s.env {
                    env.insert(k, v.as_str().into());
                }
                Value::InlineTable(env)
            }),
        ),
        ("cwd", text(&s.cwd).map(Value::from)),
        ("url", text(&s.url).map(Value::from)),
        ("auth_header", text(&s.auth_header).map(Value::from)),
        (
            "disabled_tools",
            (!s.disabled_tools.is_empty()).then(|| strings(&s.disabled_tools).into()),
        ),
    ];
    for (key, v) in fields {
        match v {
            Some(v) => set(t, key, v),
            None => {
                t.remove(key);
            }
        }
    }
    if s.enabled {
        t.remove("enabled");
    } else {
        set(t, "enabled", false.into());
    }
    Ok(())
}

/// Checks what start-up would: the providers build, and every route target and compare set
/// column exists.
fn check(config: &Config) -> Result<()> {
    let registry = Registry::new(config)?;
    let known = |target: &str, not_route: Option<&str>| match target.strip_prefix('@') {
        Some(other) => config.routes.contains_key(other) && Some(other) != not_route,
        None => target
            .split_once('/')
            .is_some_and(|(p, m)| !m.is_empty() && registry.get(p).is_some()),
    };
    for (name, route) in &config.routes {
        for target in route.get_ref().targets.get_ref() {
            if !known(target, Some(name)) {
                return Err(invalid(format!(
                    "routes.{name}.targets: `{target}` is not a provider/model of a known provider, nor another route"
                )));
            }
        }
    }
    for (name, set) in &config.compare_sets {
        for column in set.get_ref().columns.get_ref() {
            if !known(column, None) {
                return Err(invalid(format!(
                    "compare_sets.{name}.columns: `{column}` is not a provider/model of a known provider, nor a route"
                )));
            }
        }
    }
    Ok(())
}

/// A route's or a compare set's name: a bare TOML key, so `@name` and `--set NAME` read plainly.
fn check_name(what: &str, name: &str) -> Result<()> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(invalid(format!(
            "{what} name `{name}`: use letters, digits, `-` and `_` only"
        )));
    }
    Ok(())
}

/// `[outer.key]`, made (as a dotted header, without an empty `[outer]`) if missing.
fn table<'d>(doc: &'d mut DocumentMut, outer: &str, key: &str) -> &'d mut Table {
    let outer = doc.entry(outer).or_insert_with(|| {
        let mut t = Table::new();
        t.set_implicit(true);
        Item::Table(t)
    });
    if !outer.is_table() {
        *outer = Item::Table(Table::new());
    }
    let inner = outer
        .as_table_mut()
        .expect("made a table above")
        .entry(key)
        .or_insert_with(|| Item::Table(Table::new()));
    if !inner.is_table() {
        *inner = Item::Table(Table::new());
    }
    inner.as_table_mut().expect("made a table above")
}

/// Makes other routes' `@old` targets, and compare sets' `@old` columns, say `@new`.
fn rename_references(doc: &mut DocumentMut, old: &str, new: &str) {
    let (old, new) = (format!("@{old}"), format!("@{new}"));
    for (outer, field) in [("routes", "targets"), ("compare_sets", "columns")] {
        let Some(tables) = doc.get_mut(outer).and_then(Item::as_table_like_mut) else {
            continue;
        };
        for (_, t) in tables.iter_mut() {
            let names = t
                .get_mut(field)
                .and_then(Item::as_value_mut)
                .and_then(Value::as_array_mut);
            for name in names.into_iter().flat_map(|a| a.iter_mut()) {
                if name.as_str() == Some(old.as_str()) {
                    let decor = name.decor().clone();
                    *name = new.as_str().into();
                    *name.decor_mut() = decor;
                }
            }
        }
    }
}

/// Sets `key`, keeping the comment and spacing around a value it replaces.
fn set(t: &mut Table, key: &str, mut v: Value) {
    if let Some(old) = t.get(key).and_then(Item::as_value) {
        *v.decor_mut() = old.decor().clone();
    }
    t[key] = Item::Value(v);
}

/// Removes `[outer.key]`; false if it was not there.
fn remove(doc: &mut DocumentMut, outer: &str, key: &str) -> bool {
    doc.get_mut(outer)
        .and_then(Item::as_table_like_mut)
        .and_then(|t| t.remove(key))
        .is_some()
}

/// Drops `[outer.key]` when it says nothing any more.
fn prune(doc: &mut DocumentMut, outer: &str, key: &str) {
    let empty = doc
        .get(outer)
        .and_then(|o| o.get(key))
        .and_then(Item::as_table_like)
        .is_some_and(|t| t.is_empty());
    if empty {
        remove(doc, outer, key);
    }
}

fn strategy_name(s: Strategy) -> &'static str {
    match s {
        Strategy::Fallback => "fallback",
        Strategy::Balance => "balance",
        Strategy::Latency => "latency",
    }
}

fn invalid(message: String) -> Error {
    Error::InvalidRequest(message)
}

fn io(path: &Path, source: std::io::Error) -> Error {
    Error::Io {
        path: path.display().to_string(),
        source,
    }
}

/// The file a config path names: itself, or where its symlinks lead (a dangling link's target
/// is created).
fn resolve(path: &Path) -> Result<PathBuf> {
    let mut at = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let next = std::fs::read_link(&at).map_err(|e| io(&at, e))?;
                at = match at.parent() {
                    Some(parent) => parent.join(next),
                    None => next,
                };
            }
            _ => return Ok(at),
        }
    }
    Err(invalid(format!(
        "{} is a chain of too many symlinks",
        path.display()
    )))
}

/// Writes beside the file (beside its target, when it is a symlink, which stays one), syncs,
/// then renames over it and syncs the directory: a crash leaves the old file or the new one. The
/// file keeps its mode (a new one is 0600); a failed write leaves no temporary file behind.
fn write_atomically(dir: &Path, path: &Path, text: &str) -> Result<()> {
    if !dir.exists() {
        files::private_dir(dir)?;
    }
    let target = resolve(path)?;
    let parent = target
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = target
        .file_name()
        .map_or_else(|| CONFIG_FILE.into(), |n| n.to_string_lossy());
    let tmp = parent.join(format!(".{name}.{}.tmp", std::process::id()));
    let mode = std::fs::metadata(&target).ok().map(|m| m.permissions());
    let written = write_new(&tmp, text, mode)
        .and_then(|()| std::fs::rename(&tmp, &target).map_err(|e| io(&target, e)));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    files::sync_dir(parent)
}

/// Creates `tmp` with `text`, the old file's permissions (0600 for a new one), synced to disk.
fn write_new(tmp: &Path, text: &str, mode: Option<std::fs::Permissions>) -> Result<()> {
    let mut options = std::fs::File::options();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, files::FILE_MODE);
    let mut file = options.open(tmp).map_err(|e| io(tmp, e))?;
    if let Some(mode) = mode {
        // Exactly the old mode (creation's was narrowed by the umask).
        file.set_permissions(mode).map_err(|e| io(tmp, e))?;
    }
    file.write_all(text.as_bytes())
        .and_then(|()| file.sync_all())
        .map_err(|e| io(tmp, e))
}
