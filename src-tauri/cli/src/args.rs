//! The command line's shape (clap). Parsing only; the commands live in their own modules.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use roundtable_engine::ReasoningEffort;

/// One interface to every model: chat, compare and manage models from the terminal.
#[derive(Debug, Parser)]
#[command(name = "roundtable", version, about, propagate_version = true)]
pub struct Cli {
    /// Where the config and database live [default: $ROUNDTABLE_HOME, else the platform's data dir].
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Send a prompt to a model and stream the answer.
    Chat(ChatArgs),
    /// Send one prompt to several models at once and show their answers side by side.
    Compare(CompareArgs),
    /// List the models providers offer.
    Models(ModelsArgs),
    /// Manage API keys in the OS keychain.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Browse, search and manage past conversations.
    #[command(subcommand)]
    History(HistoryCommand),
    /// Spend and tokens from the local ledger.
    Usage(UsageArgs),
    /// Serve an OpenAI-compatible API on this machine (the router, your keys, the ledger).
    Serve(ServeArgs),
    /// The MCP servers of config.toml: their status and tools.
    #[command(subcommand)]
    Mcp(McpCommand),
    /// Run a suite of prompts against models, check every answer, and compare the results.
    Eval(EvalArgs),
    /// Stored evaluation runs: list, show (and write out), compare two.
    #[command(subcommand)]
    Evals(EvalsCommand),
}

/// `roundtable eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// The suite file (TOML).
    #[arg(value_name = "SUITE")]
    pub suite: PathBuf,
    /// A target: `provider/model` or `@route` (repeat for each column of the grid).
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// A preset (`[presets.NAME]`) under the suite's own settings.
    #[arg(short = 'p', long, value_name = "NAME")]
    pub preset: Option<String>,
    /// Run every cell N times (the summary gives mean and spread).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub repeat: u32,
    /// Requests at once per provider.
    #[arg(long, default_value_t = 4, value_name = "K")]
    pub concurrency: usize,
    /// One JSON line per cell as it ends, then a summary line.
    #[arg(long)]
    pub json: bool,
    /// Write every cell to FILE: `.csv`, `.html` (a standalone report), else JSON.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Print the estimated cost per target and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Start a new run instead of resuming the last one of this suite and these targets.
    #[arg(long)]
    pub fresh: bool,
}

/// `roundtable evals …`.
#[derive(Debug, Subcommand)]
pub enum EvalsCommand {
    /// Every stored run, newest first.
    List {
        /// One JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// One run's summary; with -o, every cell written out.
    Show {
        /// The run's number.
        run: i64,
        /// Write every cell to FILE: `.csv`, `.html`, else JSON.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
        /// One JSON line per cell, then the summary.
        #[arg(long)]
        json: bool,
    },
    /// The cells whose verdict or score changed from run A to run B.
    Diff {
        a: i64,
        b: i64,
        /// One JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// `roundtable mcp …`.
#[derive(Debug, Subcommand)]
pub enum McpCommand {
    /// Every server: how it is reached, its state and (once started) its tools.
    List {
        /// Start each enabled server to list its tools (otherwise only the config is shown).
        #[arg(long)]
        start: bool,
        /// Print one JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Start a server, list its tools with their schemas, and stop it.
    Test {
        /// The server's name (`[mcp.NAME]`).
        name: String,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

/// How tool calls no remembered rule decides are decided.
#[derive(Debug, Clone, Copy, Default, ValueEnum)]
pub enum ApproveArg {
    /// Ask at the terminal (with no terminal, calls are refused and the model is told).
    #[default]
    Ask,
    /// Run every call.
    All,
    /// Refuse every call.
    None,
}

/// `roundtable serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The port (0 picks a free one).
    #[arg(long, default_value_t = roundtable_engine::gateway::DEFAULT_PORT)]
    pub port: u16,
    /// The address to listen on; anything but loopback needs --allow-remote.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Allow listening on a non-loopback address (other machines could then spend your keys).
    #[arg(long)]
    pub allow_remote: bool,
    /// Requests in flight at once per client label (X-Title, else HTTP-Referer); clients pick
    /// their label, so --max-in-flight is the cap.
    #[arg(long, default_value_t = 16)]
    pub per_client: usize,
    /// Requests in flight at once, all clients together (503 beyond).
    #[arg(long, default_value_t = 64)]
    pub max_in_flight: usize,
    /// Connections open at once (more are answered 503 and closed).
    #[arg(long, default_value_t = 256)]
    pub max_connections: usize,
}

/// `roundtable history …`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// Conversations, newest first.
    List {
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print one JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// A conversation with every message and branch.
    Show {
        /// The conversation id.
        id: i64,
        /// Print it as one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Full-text search, newest first (or best match first with --ranked).
    Search {
        /// Words to look for.
        #[arg(required = true)]
        query: Vec<String>,
        /// Best match first.
        #[arg(long)]
        ranked: bool,
        /// How many hits.
        #[arg(long, default_value_t = 50)]
        limit: i64,
        /// Print one JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Rename a conversation.
    Rename {
        /// The conversation id.
        id: i64,
        /// The new title.
        #[arg(required = true)]
        title: Vec<String>,
    },
    /// Delete a conversation (its spend stays in the ledger).
    Rm {
        /// The conversation id.
        id: i64,
    },
    /// Write a conversation as Markdown or HTML (its latest branch) or JSON (every branch).
    Export {
        /// The conversation id.
        id: i64,
        /// md, json or html (one standalone page, no script).
        #[arg(long, value_enum)]
        format: crate::export::Format,
        /// Write to this file instead of stdout (Markdown: attachments go in a folder beside
        /// it, `NAME_files/`).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<std::path::PathBuf>,
        /// Put attachments inside the export: data: URLs in Markdown, base64 in JSON. (HTML
        /// always shows images inline.)
        #[arg(long)]
        embed: bool,
    },
    /// Import conversations exported from another app.
    Import {
        /// Where they come from.
        #[arg(value_enum)]
        from: ImportFrom,
        /// The export file (ChatGPT: conversations.json).
        file: std::path::PathBuf,
    },
}

/// Import sources.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFrom {
    /// ChatGPT's data export (conversations.json).
    Chatgpt,
}

/// `roundtable usage`.
#[derive(Debug, Args)]
pub struct UsageArgs {
    /// From this day (YYYY-MM-DD, UTC), inclusive.
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// To this day (YYYY-MM-DD, UTC), inclusive.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// How to group.
    #[arg(long, value_enum, default_value_t = By::Day)]
    pub by: By,
    /// One JSON object per line (with cost_usd).
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV.
    #[arg(long)]
    pub csv: bool,
}

/// Usage grouping.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum By {
    /// Calendar day.
    Day,
    /// Model that answered.
    Model,
    /// Provider.
    Provider,
    /// The gateway's client (`X-Title`, else `HTTP-Referer`); the app's and CLI's own: `(local)`.
    Client,
}

/// `roundtable keys …`.
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Save a provider's key in the keychain (read from stdin, never from the command line),
    /// bound to the provider's current address.
    Set {
        /// The provider id (openai, anthropic, a custom one from config.toml, …).
        provider: String,
    },
    /// List the keys found: provider, source, last four characters, bound origin.
    List {
        /// Print one JSON object per line.
        #[arg(long)]
        json: bool,
    },
    /// Remove a provider's key from the keychain.
    Rm {
        /// The provider id.
        provider: String,
    },
    /// Ask the provider's models endpoint whether the key is accepted.
    Test {
        /// The provider id.
        provider: String,
    },
}

/// What every request takes, in `chat` and `compare` alike.
#[derive(Debug, Args)]
pub struct RequestOpts {
    /// A system prompt.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,
    /// Sampling temperature.
    #[arg(long, value_name = "T")]
    pub temperature: Option<f32>,
    /// The most tokens to generate.
    #[arg(long, value_name = "N")]
    pub max_tokens: Option<u32>,
    /// Nucleus sampling: only the likeliest tokens whose probabilities add up to P (0–1).
    #[arg(long, value_name = "P")]
    pub top_p: Option<f32>,
    /// A sampling seed (the same seed and settings repeat an answer where the provider allows).
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// End the answer where this text appears; repeat for more.
    #[arg(long = "stop", value_name = "TEXT")]
    pub stop: Vec<String>,
    /// Ask a reasoning model to think, and how hard.
    #[arg(long, value_name = "EFFORT", value_parser = effort())]
    pub reasoning: Option<ReasoningEffort>,
    /// Use a preset (`[presets.NAME]` in config.toml): its system prompt, model and parameters;
    /// a flag given beside it wins.
    #[arg(short = 'p', long = "preset", value_name = "NAME")]
    pub preset: Option<String>,
    /// Print what sending would cost (tokens, input cost, context fill, the answer's cost range)
    /// and send nothing.
    #[arg(long)]
    pub estimate: bool,
    /// Send even though a spend limit ([[budgets]]) is reached.
    #[arg(long)]
    pub over_budget: bool,
    /// Attach a file: an image (PNG, JPEG, GIF, WebP), a PDF, or a text or code file. Repeat
    /// for more.
    #[arg(short = 'a', long = "attach", value_name = "FILE")]
    pub attach: Vec<std::path::PathBuf>,
    /// Offer the tools of this MCP server (`[mcp.NAME]` in config.toml); repeat for more.
    #[arg(long = "tools", value_name = "NAME")]
    pub tools: Vec<String>,
    /// How tool calls are allowed when no remembered rule decides.
    #[arg(long, value_enum, default_value_t = ApproveArg::Ask)]
    pub approve: ApproveArg,
    /// The most tool steps of one answer (model calls that ask for tools); one more call then
    /// asks the model to answer without them.
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub max_steps: u16,
    /// The prompt; read from stdin when absent or `-`.
    #[arg(value_name = "PROMPT")]
    pub prompt: Option<String>,
}

/// `roundtable chat`.
#[derive(Debug, Args)]
pub struct ChatArgs {
    /// The model, as provider/model (e.g. openai/gpt-4o) or @route; give several for a fallback
    /// chain, tried in order. Without it: `[defaults] model`, else the first local model.
    #[arg(short = 'm', long = "model", value_name = "MODEL")]
    pub models: Vec<String>,
    /// Print the model's reasoning (to stderr) as it streams.
    #[arg(long)]
    pub show_reasoning: bool,
    /// Continue a conversation (its latest branch) instead of starting one.
    #[arg(long, value_name = "ID")]
    pub r#continue: Option<i64>,
    /// Wait for the whole answer instead of streaming it.
    #[arg(long)]
    pub no_stream: bool,
    /// Print one JSON object per line (events delta, reasoning, done, error).
    #[arg(long)]
    pub json: bool,
    /// The request.
    #[command(flatten)]
    pub opts: RequestOpts,
}

/// `roundtable compare`.
#[derive(Debug, Args)]
pub struct CompareArgs {
    /// A column's model (provider/model or @route); give 2 to 8. `MODEL#PRESET` gives the
    /// column its own preset (the same model twice under two presets compares the presets).
    #[arg(
        short = 'm',
        long = "model",
        value_name = "MODEL",
        required_unless_present = "set",
        conflicts_with = "set"
    )]
    pub models: Vec<String>,
    /// Run the columns of `[compare_sets.NAME]` in config.toml (instead of -m).
    #[arg(long, value_name = "NAME")]
    pub set: Option<String>,
    /// Print one JSON object per line, each with its `column` (0-based, in -m order).
    #[arg(long)]
    pub json: bool,
    /// The request, for every column.
    #[command(flatten)]
    pub opts: RequestOpts,
}

/// The engine's reasoning efforts as clap's possible values (listed in `--help`).
fn effort() -> impl clap::builder::TypedValueParser<Value = ReasoningEffort> {
    use clap::builder::TypedValueParser;
    let names = ReasoningEffort::ALL.map(ReasoningEffort::as_str);
    clap::builder::PossibleValuesParser::new(names).try_map(|s| s.parse::<ReasoningEffort>())
}

/// `roundtable models [list|pull|add|rm|catalog]`: without a subcommand, the listing.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// What to do (the listing when not given).
    #[command(subcommand)]
    pub command: Option<ModelsCommand>,
    /// Only this provider (for the listing).
    #[arg(long, value_name = "ID")]
    pub provider: Option<String>,
    /// Print one JSON object per line.
    #[arg(long, global = true)]
    pub json: bool,
}

/// `roundtable models …`.
#[derive(Debug, Subcommand)]
pub enum ModelsCommand {
    /// Every usable provider's models, asked live, and the local models on disk.
    List {
        /// Only this provider.
        #[arg(long, value_name = "ID")]
        provider: Option<String>,
    },
    /// Download a local model: a catalog name (see `models catalog`) or
    /// hf:OWNER/REPO[@REVISION]/FILE.gguf. An interrupted pull resumes when run again.
    Pull {
        /// The catalog name or hf:… source.
        source: String,
    },
    /// Import a GGUF file from disk as a local model (it is copied, checked first).
    Add {
        /// The .gguf file.
        file: PathBuf,
        /// The name to give it [default: the file name, lower-cased].
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// Remove a local model (and any unfinished download of it).
    Rm {
        /// The local model's name.
        name: String,
    },
    /// The built-in catalog of local models: sizes, and which are installed.
    Catalog,
}
