//! `config.toml`: its shape, where it lives, and errors that name the file, line and field.
//!
//! It holds providers, routes, compare sets, router timeouts, price overrides and the budget —
//! never a key.

pub mod budgets;
pub mod chat_presets;
mod presets;
mod registry;
pub mod settings;
pub mod updates;

pub use budgets::{BudgetRule, Scope, Window};
pub use chat_presets::PresetConfig;
pub use presets::{preset, PRESET_IDS};
pub use registry::{Provider, ProviderKind, Quirks, Registry};

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::error::{Error, Result};
pub use crate::mcp::config::McpServerConfig;

/// The file name inside the data dir.
pub const CONFIG_FILE: &str = "config.toml";

/// The data dir: `--data-dir`, else `ROUNDTABLE_HOME`, else the platform's data dir.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(dir) = flag {
        return dir.to_path_buf();
    }
    if let Some(home) = std::env::var_os("ROUNDTABLE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(home);
    }
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("roundtable")
}

/// Where exports go: the user's Downloads folder, if the platform has one.
pub fn download_dir() -> Option<PathBuf> {
    dirs::download_dir().filter(|d| d.is_dir())
}

/// One `[providers.ID]` table: a custom provider, or changes to a built-in preset.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The wire protocol; required for a provider that is not a preset.
    pub kind: Option<ProviderKind>,
    /// What the protocol's paths are appended to.
    pub base_url: Option<Spanned<String>>,
    /// Extra headers sent with every request.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// `false` hides the provider.
    pub enabled: Option<bool>,
}

/// How a route picks among its targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Strategy {
    /// In order, falling over on failure.
    #[default]
    Fallback,
    /// Weighted random among healthy targets.
    Balance,
    /// Lowest recent time to first token.
    Latency,
}

/// One `[routes.NAME]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// How targets are picked.
    #[serde(default)]
    pub strategy: Strategy,
    /// `provider/model` targets, in order.
    pub targets: Spanned<Vec<String>>,
    /// Weights for `balance`, one per target.
    pub weights: Option<Spanned<Vec<u32>>>,
}

/// One `[compare_sets.NAME]` table: the columns a compare runs (`roundtable compare --set NAME`,
/// the app's saved sets).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CompareSetConfig {
    /// Each column's model: `provider/model` or `@route`, 2 to 8 of them.
    pub columns: Spanned<Vec<String>>,
}

/// The most columns a compare set has (as a compare).
pub const MAX_SET_COLUMNS: usize = 8;

/// The `[router]` table: timeouts and retries.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterConfig {
    /// Longest wait for a TCP (and TLS) connection.
    pub connect_timeout_ms: u64,
    /// Longest wait from sending a request to its first content token.
    pub first_token_timeout_ms: u64,
    /// Longest wait between two pieces of content once an answer has begun (keep-alive
    /// comments and pings do not count as content).
    pub idle_timeout_ms: u64,
    /// Longest a whole answer may take, from sending the request to its last byte.
    pub answer_timeout_ms: u64,
    /// The most bytes of one stream line or event (an SSE event's data, an NDJSON line).
    pub max_event_bytes: u64,
    /// The most bytes of one answer's body (a stream, a whole answer, a model list).
    pub max_answer_bytes: u64,
    /// Retries of the same target on a transient error.
    pub max_retries: u32,
    /// The first backoff before a retry; it doubles each time, with jitter.
    pub backoff_base_ms: u64,
    /// The longest wait before a retry; a longer Retry-After falls over to the next target instead.
    pub backoff_cap_ms: u64,
    /// Consecutive failures after which a target cools down (K).
    pub cooldown_failures: u32,
    /// How long a target is skipped once it cools down (longer if its Retry-After says so).
    pub cooldown_ms: u64,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig {
            connect_timeout_ms: 10_000,
            first_token_timeout_ms: 60_000,
            idle_timeout_ms: 30_000,
            answer_timeout_ms: 30 * 60_000,
            max_event_bytes: 16 << 20,
            max_answer_bytes: 64 << 20,
            max_retries: 2,
            backoff_base_ms: 250,
            backoff_cap_ms: 10_000,
            cooldown_failures: 3,
            cooldown_ms: 30_000,
        }
    }
}

/// A `[prices."provider/model"]` override, USD per million tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PriceOverride {
    /// Uncached input.
    pub input: f64,
    /// Output, reasoning included.
    pub output: f64,
    /// Cache reads.
    pub cache_read: Option<f64>,
    /// Cache writes.
    pub cache_write: Option<f64>,
}

/// The `[budget]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetConfig {
    /// The monthly cap in USD.
    pub monthly_usd: f64,
}

/// The `[local]` table: the built-in local models (GGUF files in the data dir's `models/`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LocalConfig {
    /// Where `models pull` downloads from: Hugging Face, or a mirror of its
    /// `/<repo>/resolve/<revision>/<file>` paths.
    pub mirror: String,
    /// A loaded model is unloaded after this many seconds without a request (0: never).
    pub idle_unload_secs: u64,
    /// CPU threads for generation; 0 means one per core.
    pub threads: u32,
    /// The context window a model is loaded with, in tokens (capped at what it was trained on).
    pub context: u32,
    /// The most memory local models may take, in MB; 0 means what the system says is available.
    pub max_memory_mb: u64,
}

impl Default for LocalConfig {
    fn default() -> Self {
        LocalConfig {
            mirror: "https://huggingface.co".into(),
            idle_unload_secs: 300,
            threads: 0,
            context: 4096,
            max_memory_mb: 0,
        }
    }
}

/// The `[defaults]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefaultsConfig {
    /// The model a chat uses when none is named (`provider/model` or `@route`); without it, the
    /// first local model on disk.
    pub model: Option<String>,
}

/// The whole config file.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Custom providers and changes to presets.
    #[serde(default)]
    pub providers: BTreeMap<String, Spanned<ProviderConfig>>,
    /// Named routes (`@name`).
    #[serde(default)]
    pub routes: BTreeMap<String, Spanned<RouteConfig>>,
    /// Named compare sets.
    #[serde(default)]
    pub compare_sets: BTreeMap<String, Spanned<CompareSetConfig>>,
    /// Timeouts and retries.
    #[serde(default)]
    pub router: RouterConfig,
    /// Price overrides.
    #[serde(default)]
    pub prices: BTreeMap<String, PriceOverride>,
    /// The monthly budget (read as one `all`/`month` rule beside `[[budgets]]`).
    pub budget: Option<BudgetConfig>,
    /// Spend limits (`[[budgets]]`).
    #[serde(default)]
    pub budgets: Vec<Spanned<budgets::BudgetRuleConfig>>,
    /// Named presets (`[presets.NAME]`); `None` (no table at all) offers the built-in examples.
    pub presets: Option<BTreeMap<String, Spanned<PresetConfig>>>,
    /// MCP servers whose tools models may call (`[mcp.NAME]`).
    #[serde(default)]
    pub mcp: BTreeMap<String, Spanned<McpServerConfig>>,
    /// The built-in local models.
    #[serde(default)]
    pub local: LocalConfig,
    /// Defaults (the model a chat uses when none is named).
    #[serde(default)]
    pub defaults: DefaultsConfig,
    /// The app's own updates (`[updates]`): off until turned on.
    #[serde(default)]
    pub updates: updates::UpdatesConfig,
    /// Where it was read from (for error messages).
    #[serde(skip)]
    pub path: Option<PathBuf>,
    /// The data dir it belongs to (local models live in its `models/`); set by [`Config::load`].
    #[serde(skip)]
    pub data_dir: Option<PathBuf>,
}

impl Config {
    /// Reads `config.toml` from the data dir; a missing file is the empty config.
    pub fn load(data_dir: &Path) -> Result<Config> {
        let path = data_dir.join(CONFIG_FILE);
        let config = match std::fs::read_to_string(&path) {
            Ok(text) => Config::parse(&text, &path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(source) => Err(Error::Io {
                path: path.display().to_string(),
                source,
            }),
        };
        config.map(|mut c| {
            c.data_dir = Some(data_dir.to_path_buf());
            c
        })
    }

    /// Where local models live: the data dir's `models/` (`None` for a config not read from a
    /// data dir).
    pub fn models_dir(&self) -> Option<PathBuf> {
        self.data_dir.as_ref().map(|d| d.join("models"))
    }

    /// Parses and checks config text; `path` is used in error messages.
    pub fn parse(text: &str, path: &Path) -> Result<Config> {
        let mut config: Config = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            ConfigErr::new(text, path).at(span, None, e.message().trim())
        })?;
        config.path = Some(path.to_path_buf());
        config.check(text, path)?;
        Ok(config)
    }

    fn check(&self, text: &str, path: &Path) -> Result<()> {
        let err = ConfigErr::new(text, path);
        if let Some(url) = &self.updates.url {
            if let Err(why) = updates::parse_url(url.get_ref()) {
                return Err(err.at(url.span(), Some("updates.url"), &why));
            }
        }
        for (id, provider) in &self.providers {
            let field = format!("providers.{id}");
            if id.is_empty() || id.contains('/') || id.starts_with('@') {
                return Err(err.at(
                    provider.span(),
                    Some(&field),
                    "a provider id must be non-empty, without `/` or a leading `@`",
                ));
            }
            if crate::names::is_reserved(id) {
                return Err(err.at(
                    provider.span(),
                    Some(&field),
                    &format!("`{id}` is reserved by Roundtable (its gateway token); give the provider another id"),
                ));
            }
            let p = provider.get_ref();
            if p.kind.is_none() && presets::preset(id).is_none() {
                return Err(err.at(
                    provider.span(),
                    Some(&format!("{field}.kind")),
                    "missing `kind` (one of openai, anthropic, gemini, ollama) for a provider that is not built in",
                ));
            }
            if let Some(url) = &p.base_url {
                if let Err(why) = registry::parse_base_url(url.get_ref()) {
                    return Err(err.at(url.span(), Some(&format!("{field}.base_url")), &why));
                }
            }
            for name in p.headers.keys() {
                if reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
                    return Err(err.at(
                        provider.span(),
                        Some(&format!("{field}.headers")),
                        &format!("`{name}` is not a valid header name"),
                    ));
                }
            }
        }
        for (name, route) in &self.routes {
            let field = format!("routes.{name}");
            let r = route.get_ref();
            if r.targets.get_ref().is_empty() {
                return Err(err.at(
                    r.targets.span(),
                    Some(&format!("{field}.targets")),
                    "a route needs at least one target",
                ));
            }
            for target in r.targets.get_ref() {
                if !target.starts_with('@') && !target.contains('/') {
                    return Err(err.at(
                        r.targets.span(),
                        Some(&format!("{field}.targets")),
                        &format!("`{target}` is not of the form provider/model"),
                    ));
                }
            }
            if let Some(weights) = &r.weights {
                if weights.get_ref().len() != r.targets.get_ref().len() {
                    return Err(err.at(
                        weights.span(),
                        Some(&format!("{field}.weights")),
                        &format!(
                            "{} weights for {} targets; give one weight per target",
                            weights.get_ref().len(),
                            r.targets.get_ref().len()
                        ),
                    ));
                }
            }
        }
        for (name, set) in &self.compare_sets {
            let field = format!("compare_sets.{name}.columns");
            let columns = &set.get_ref().columns;
            let n = columns.get_ref().len();
            if !(2..=MAX_SET_COLUMNS).contains(&n) {
                return Err(err.at(
                    columns.span(),
                    Some(&field),
                    &format!("a compare set has 2 to {MAX_SET_COLUMNS} columns, {n} given"),
                ));
            }
            for column in columns.get_ref() {
                if !is_model_shape(column) {
                    return Err(err.at(
                        columns.span(),
                        Some(&field),
                        &format!("`{column}` is neither provider/model nor @route"),
                    ));
                }
            }
        }
        for (name, preset) in self.presets.iter().flatten() {
            let field = format!("presets.{name}");
            if let Err(why) = chat_presets::check_name(name) {
                return Err(err.at(preset.span(), Some(&field), &why));
            }
            if let Some((key, why)) = preset.get_ref().problem() {
                let at = key_offset(text, preset.span(), key);
                return Err(err.at(at..at, Some(&format!("{field}.{key}")), &why));
            }
        }
        for (i, rule) in self.budgets.iter().enumerate() {
            if let Err((key, why)) = rule.get_ref().check() {
                let at = key_offset(text, rule.span(), key);
                return Err(err.at(at..at, Some(&format!("budgets[{i}].{key}")), &why));
            }
        }
        for (name, server) in &self.mcp {
            if let Err((key, why)) = crate::mcp::config::check(name, server.get_ref()) {
                let span = server.span();
                let field = match key {
                    Some(key) => format!("mcp.{name}.{key}"),
                    None => format!("mcp.{name}"),
                };
                let at = key.map_or(span.start, |key| key_offset(text, span.clone(), key));
                return Err(err.at(at..at, Some(&field), &why));
            }
        }
        Ok(())
    }

    /// The presets in force: the config's, or the built-in examples while it has no
    /// `[presets]` table. With whether each is a built-in.
    pub fn presets(&self) -> Vec<(String, PresetConfig, bool)> {
        match &self.presets {
            Some(p) => p
                .iter()
                .map(|(n, p)| (n.clone(), p.get_ref().clone(), false))
                .collect(),
            None => chat_presets::built_in()
                .into_iter()
                .map(|(n, p)| (n, p, true))
                .collect(),
        }
    }

    /// One preset by name; an error names the ones there are.
    pub fn preset(&self, name: &str) -> Result<PresetConfig> {
        let all = self.presets();
        all.iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, p, _)| p.clone())
            .ok_or_else(|| {
                let names: Vec<&str> = all.iter().map(|(n, _, _)| n.as_str()).collect();
                Error::InvalidRequest(format!(
                    "there is no preset `{name}` (presets: {})",
                    if names.is_empty() {
                        "none".to_string()
                    } else {
                        names.join(", ")
                    }
                ))
            })
    }

    /// Every spend limit: `[[budgets]]` in order, then `[budget] monthly_usd` as a rule.
    pub fn budget_rules(&self) -> Vec<BudgetRule> {
        let mut rules: Vec<BudgetRule> = self
            .budgets
            .iter()
            .filter_map(|r| r.get_ref().check().ok())
            .collect();
        if let Some(b) = &self.budget {
            rules.push(BudgetRule {
                scope: Scope::All,
                window: Window::Month,
                limit_micros: crate::pricing::micros(b.monthly_usd),
                alert_percent: budgets::DEFAULT_ALERT_PERCENT,
                legacy: true,
            });
        }
        rules
    }

    /// The MCP servers as the registry takes them ([`crate::mcp::Mcp::new`]).
    pub fn mcp_servers(&self) -> BTreeMap<String, McpServerConfig> {
        self.mcp
            .iter()
            .map(|(name, s)| (name.clone(), s.get_ref().clone()))
            .collect()
    }
}

/// Where `key = …` starts in the table whose span (its header, for a `[table]`) is `span`: the
/// first such line before the next header, else the table's start.
fn key_offset(text: &str, span: Range<usize>, key: &str) -> usize {
    let start = span.start.min(text.len());
    let mut at = start;
    for (i, line) in text[start..].split_inclusive('\n').enumerate() {
        let trimmed = line.trim_start();
        if i > 0 && trimmed.starts_with('[') {
            break;
        }
        if let Some(rest) = trimmed.strip_prefix(key) {
            if rest.trim_start().starts_with('=') {
                return at + (line.len() - trimmed.len());
            }
        }
        at += line.len();
    }
    start
}

/// `provider/model` or `@route`, by shape only (whether it exists is the registry's question).
pub(crate) fn is_model_shape(name: &str) -> bool {
    match name.strip_prefix('@') {
        Some(route) => !route.is_empty(),
        None => name
            .split_once('/')
            .is_some_and(|(p, m)| !p.is_empty() && !m.is_empty()),
    }
}

/// Builds config errors with line, column and field from a byte span.
pub(crate) struct ConfigErr<'a> {
    text: &'a str,
    path: &'a Path,
}

impl<'a> ConfigErr<'a> {
    pub(crate) fn new(text: &'a str, path: &'a Path) -> Self {
        ConfigErr { text, path }
    }

    pub(crate) fn at(&self, span: Range<usize>, field: Option<&str>, message: &str) -> Error {
        let offset = span.start.min(self.text.len());
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let field = field
            .map(str::to_string)
            .unwrap_or_else(|| field_at(self.text, offset));
        Error::Config {
            file: self.path.display().to_string(),
            line,
            column,
            field,
            message: crate::error::one_line(message, 300),
        }
    }
}

/// The dotted name of the key at `offset`: the enclosing `[table]` plus the line's key.
fn field_at(text: &str, offset: usize) -> String {
    let mut table = String::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let end = start + line.len();
        let trimmed = line.trim();
        let is_header = trimmed.starts_with('[');
        if is_header {
            table = trimmed
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
        }
        if offset < end || end == text.len() {
            if is_header {
                return table;
            }
            let key = trimmed.split('=').next().unwrap_or("").trim();
            let key = if trimmed.contains('=') { key } else { "" };
            return match (table.is_empty(), key.is_empty()) {
                (_, true) => {
                    if table.is_empty() {
                        "(top level)".into()
                    } else {
                        table
                    }
                }
                (true, false) => key.to_string(),
                (false, false) => format!("{table}.{key}"),
            };
        }
        start = end;
    }
    if table.is_empty() {
        "(top level)".into()
    } else {
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config> {
        Config::parse(text, Path::new("/data/config.toml"))
    }

    #[test]
    fn the_documented_shape_parses() {
        let c = parse(
            r#"
[providers.local]
kind = "openai"
base_url = "http://127.0.0.1:8080/v1"

[routes.smart]
strategy = "fallback"
targets = ["anthropic/claude-3-5-sonnet-latest", "openai/gpt-4o", "gemini/gemini-2.0-flash"]
weights = [3, 1, 1]

[router]
connect_timeout_ms = 10000
first_token_timeout_ms = 60000
idle_timeout_ms = 30000
max_retries = 2

[prices."openai/gpt-4o"]
input = 2.5
output = 10.0

[budget]
monthly_usd = 20
"#,
        )
        .unwrap();
        assert_eq!(
            c.providers["local"].get_ref().kind,
            Some(ProviderKind::OpenAi)
        );
        assert_eq!(c.routes["smart"].get_ref().targets.get_ref().len(), 3);
        assert_eq!(c.router.idle_timeout_ms, 30000);
        assert_eq!(c.budget.unwrap().monthly_usd, 20.0);
    }

    fn config_error(text: &str) -> (usize, String, String) {
        match parse(text) {
            Err(Error::Config {
                line,
                field,
                message,
                file,
                ..
            }) => {
                assert_eq!(file, "/data/config.toml");
                (line, field, message)
            }
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn errors_name_line_and_field() {
        let (line, field, msg) =
            config_error("[providers.local]\nkind = \"opneai\"\nbase_url = \"http://x/v1\"\n");
        assert_eq!((line, field.as_str()), (2, "providers.local.kind"));
        assert!(msg.contains("openai"), "{msg}");

        let (line, field, _) =
            config_error("\n[providers.local]\nkind = \"openai\"\nbase_url = \"ftp://x\"\n");
        assert_eq!((line, field.as_str()), (4, "providers.local.base_url"));

        // (`local` is a preset now: the built-in local models.)
        let (line, field, msg) = config_error("[providers.mine]\nbase_url = \"http://x/v1\"\n");
        assert_eq!(line, 1, "points at the table that lacks the field");
        assert_eq!(field, "providers.mine.kind");
        assert!(msg.contains("missing `kind`"));

        let (line, field, msg) =
            config_error("[providers.local]\nkind = \"openai\"\nbse_url = \"http://x\"\n");
        assert_eq!((line, field.as_str()), (3, "providers.local.bse_url"));
        assert!(msg.contains("unknown field"), "{msg}");

        let (line, field, _) = config_error("[router]\nidle_timeout_ms = \"soon\"\n");
        assert_eq!((line, field.as_str()), (2, "router.idle_timeout_ms"));

        let (line, _, _) = config_error("[providers.local\nkind = 1\n");
        assert_eq!(line, 1);

        let (_, field, msg) =
            config_error("[routes.r]\ntargets = [\"a/b\", \"c/d\"]\nweights = [1]\n");
        assert_eq!(field, "routes.r.weights");
        assert!(msg.contains("1 weights for 2 targets"));
    }

    #[test]
    fn compare_sets_parse_and_are_checked() {
        let c = parse(
            "[compare_sets.coders]\ncolumns = [\"anthropic/claude-3-5-sonnet-latest\", \"openai/gpt-4o\", \"@smart\"]\n",
        )
        .unwrap();
        assert_eq!(
            c.compare_sets["coders"].get_ref().columns.get_ref(),
            &[
                "anthropic/claude-3-5-sonnet-latest",
                "openai/gpt-4o",
                "@smart"
            ]
        );

        let (line, field, msg) =
            config_error("# sets\n[compare_sets.solo]\ncolumns = [\"openai/gpt-4o\"]\n");
        assert_eq!((line, field.as_str()), (3, "compare_sets.solo.columns"));
        assert!(msg.contains("2 to 8 columns, 1 given"), "{msg}");

        let nine = ["\"a/b\""; 9].join(", ");
        let (_, field, msg) = config_error(&format!("[compare_sets.big]\ncolumns = [{nine}]\n"));
        assert_eq!(field, "compare_sets.big.columns");
        assert!(msg.contains("9 given"), "{msg}");

        for bad in ["gpt-4o", "@", "/gpt-4o", "openai/"] {
            let (line, field, msg) = config_error(&format!(
                "[compare_sets.s]\ncolumns = [\"openai/gpt-4o\", \"{bad}\"]\n"
            ));
            assert_eq!((line, field.as_str()), (2, "compare_sets.s.columns"));
            assert!(msg.contains(&format!("`{bad}` is neither")), "{msg}");
        }

        let (line, field, msg) =
            config_error("[compare_sets.s]\ncolumns = [\"a/b\", \"c/d\"]\nmodels = []\n");
        assert_eq!((line, field.as_str()), (3, "compare_sets.s.models"));
        assert!(msg.contains("unknown field"), "{msg}");

        let (line, field, msg) = config_error("[compare_sets.s]\n");
        assert_eq!((line, field.as_str()), (1, "compare_sets.s"));
        assert!(msg.contains("columns"), "{msg}");
    }

    #[test]
    fn mcp_servers_parse_and_are_checked() {
        let c = parse(
            r#"
[mcp.fs]
command = "npx"
args = ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/notes"]
env = { LOG_LEVEL = "warn" }
timeout_ms = 60000
approve = "ask"
always = ["read_file"]
never = ["write_file"]
disabled_tools = ["move_file"]

[mcp.remote]
url = "https://mcp.example.com/mcp"
auth_header = "Authorization"
enabled = false
"#,
        )
        .unwrap();
        let fs = c.mcp["fs"].get_ref();
        assert_eq!(fs.command.as_deref(), Some("npx"));
        assert_eq!(fs.env["LOG_LEVEL"], "warn");
        assert!(fs.enabled);
        assert_eq!(fs.approval("read_file"), crate::mcp::Approve::Always);
        assert_eq!(fs.approval("write_file"), crate::mcp::Approve::Never);
        assert!(!fs.offers("move_file"));
        let remote = c.mcp["remote"].get_ref();
        assert!(!remote.enabled);
        assert_eq!(remote.auth_header.as_deref(), Some("Authorization"));
        assert_eq!(c.mcp_servers().len(), 2);

        let cases: &[(&str, usize, &str, &str)] = &[
            ("[mcp.fs]\nargs = []\n", 1, "mcp.fs", "missing `command`"),
            (
                "# x\n[mcp.both]\ncommand = \"a\"\nurl = \"https://x.example/mcp\"\n",
                4,
                "mcp.both.url",
                "not both",
            ),
            (
                "[mcp.\"a.b\"]\ncommand = \"x\"\n",
                1,
                "mcp.a.b",
                "cannot name an MCP server",
            ),
            (
                "[mcp.a__b]\ncommand = \"x\"\n",
                1,
                "mcp.a__b",
                "without `__`",
            ),
            (
                "[mcp.r]\nurl = \"http://mcp.example.com/mcp\"\nauth_header = \"Authorization\"\n",
                2,
                "mcp.r.url",
                "unencrypted",
            ),
            (
                "[mcp.r]\nurl = \"ftp://x\"\n",
                2,
                "mcp.r.url",
                "not an http",
            ),
            (
                "[mcp.r]\nurl = \"https://x.example/\"\nauth_header = \"Mcp-Session-Id\"\n",
                3,
                "mcp.r.auth_header",
                "set by the MCP transport",
            ),
            (
                "[mcp.r]\nurl = \"https://x.example/\"\nauth_header = \"Bad Header\"\n",
                3,
                "mcp.r.auth_header",
                "not a valid header name",
            ),
            (
                "[mcp.s]\ncommand = \"x\"\nauth_header = \"Authorization\"\n",
                3,
                "mcp.s.auth_header",
                "for a `url` server",
            ),
            (
                "[mcp.s]\ncommand = \"x\"\n\ntimeout_ms = 0\n",
                4,
                "mcp.s.timeout_ms",
                "not a tool call deadline",
            ),
            (
                "[mcp.s]\ncommand = \"x\"\nalways = [\"a\"]\nnever = [\"a\"]\n",
                4,
                "mcp.s.never",
                "in both `always` and `never`",
            ),
            (
                "[mcp.s]\ncommand = \"x\"\napprove = \"maybe\"\n",
                3,
                "mcp.s.approve",
                "ask",
            ),
            (
                "[mcp.s]\ncommand = \"x\"\ntools = []\n",
                3,
                "mcp.s.tools",
                "unknown field",
            ),
            (
                "[mcp.r]\nurl = \"https://x.example/\"\nargs = [\"a\"]\n",
                3,
                "mcp.r.args",
                "for a `command` server",
            ),
        ];
        for (text, line, field, message) in cases {
            let (l, f, m) = config_error(text);
            assert_eq!((l, f.as_str()), (*line, *field), "{text}: {m}");
            assert!(m.contains(message), "{text}: {m}");
        }
    }

    #[test]
    fn data_dir_prefers_the_flag() {
        assert_eq!(data_dir(Some(Path::new("/x"))), PathBuf::from("/x"));
    }
}
