//! `roundtable`: the command-line client of Roundtable's engine. It parses arguments, loads the
//! config from the data dir, runs one command, and maps failures to one line and an exit status.

mod args;
mod chat;
mod compare;
mod estimate;
mod eval;
mod export;
mod failure;
mod history;
mod keys;
mod mcp;
mod models;
mod output;
mod serve;
mod sets;
mod tools;
mod usage;

use clap::Parser;
use roundtable_engine::config::{data_dir, Config};
use roundtable_engine::keys::vault::Vault;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::Session;
use roundtable_engine::setup;
use roundtable_engine::store::Store;
use roundtable_engine::Router;

use args::{Cli, Command};
use output::Out;

fn main() {
    let cli = Cli::parse();
    init_logging();
    // The gateway serves many clients at once; every other command is one request.
    let mut builder = if matches!(cli.command, Command::Serve(_)) {
        tokio::runtime::Builder::new_multi_thread()
    } else {
        tokio::runtime::Builder::new_current_thread()
    };
    let runtime = match builder.enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("roundtable: could not start: {e}");
            std::process::exit(failure::EXIT_PROVIDER);
        }
    };
    let code = runtime.block_on(run(cli));
    std::process::exit(code);
}

/// `ROUNDTABLE_LOG=debug` (an env-filter) turns on logs on stderr. Keys are never logged.
fn init_logging() {
    if let Ok(filter) = std::env::var("ROUNDTABLE_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            .try_init();
    }
}

async fn run(cli: Cli) -> i32 {
    let json = match &cli.command {
        Command::Chat(a) => a.json,
        Command::Compare(a) => a.json,
        Command::Models(a) => a.json,
        Command::Keys(args::KeysCommand::List { json }) => *json,
        Command::Keys(_) => false,
        Command::History(
            args::HistoryCommand::List { json, .. }
            | args::HistoryCommand::Show { json, .. }
            | args::HistoryCommand::Search { json, .. },
        ) => *json,
        Command::History(_) => false,
        Command::Usage(a) => a.json,
        Command::Serve(_) => false,
        Command::Mcp(args::McpCommand::List { json, .. } | args::McpCommand::Test { json, .. }) => {
            *json
        }
        Command::Eval(a) => a.json,
        Command::Evals(
            args::EvalsCommand::List { json }
            | args::EvalsCommand::Show { json, .. }
            | args::EvalsCommand::Diff { json, .. },
        ) => *json,
    };
    let mut out = Out::new(json);
    let result = async {
        let dir = data_dir(cli.data_dir.as_deref());
        let config = Config::load(&dir)?;
        // Keys: the OS keychain first, then the environment (for one process).
        let vault = Vault::os();
        let engine = setup::engine(config, &vault)?;
        let router = Router::new(engine.clone());
        // History and the ledger: opened only by the commands that use them.
        let store = || Store::open(&dir);
        // Prices: overrides, then OpenRouter's catalog (saved by `models`), then the built-in table.
        let prices = |store: &Store| setup::prices(&engine, store);
        match cli.command {
            Command::Chat(mut args) => {
                if args.models.is_empty() {
                    if let Some(name) = &args.opts.preset {
                        args.models.extend(engine.config().preset(name)?.model);
                    }
                }
                if args.models.is_empty() {
                    args.models = vec![engine.default_model().ok_or_else(|| {
                        roundtable_engine::Error::InvalidRequest(
                            "no model given: name one with -m provider/model, set [defaults] model in config.toml, or get a local model with `roundtable models pull smollm2-135m`".into(),
                        )
                    })?];
                }
                let store = store()?;
                let prices = prices(&store)?;
                let servers = mcp::registry(engine.config());
                let done = async {
                    let host = tools::host(&servers, &dir, &args.opts).await?;
                    chat::run(session(&router, &store, &prices), args, host, &mut out).await
                }
                .await;
                // No server outlives the command (a kill leaves none either: see `mcp`).
                servers.shutdown().await;
                done
            }
            Command::Compare(mut args) => {
                if let Some(name) = &args.set {
                    args.models = sets::columns(engine.config(), &dir, name)?;
                }
                let store = store()?;
                let prices = prices(&store)?;
                let servers = mcp::registry(engine.config());
                let done = async {
                    let mut hosts = Vec::new();
                    for _ in 0..args.models.len() {
                        hosts.push(tools::host(&servers, &dir, &args.opts).await?);
                    }
                    compare::run(session(&router, &store, &prices), args, hosts, &mut out).await
                }
                .await;
                servers.shutdown().await;
                done
            }
            Command::Mcp(command) => mcp::run(engine.config(), command, &mut out).await,
            Command::Eval(args) => {
                let store = store()?;
                let prices = prices(&store)?;
                eval::run(session(&router, &store, &prices), args, &mut out).await
            }
            Command::Evals(command) => eval::stored(&store()?, command, &mut out),
            Command::History(command) => history::run(&store()?, command, &mut out),
            Command::Usage(args) => usage::run(&store()?, args, &mut out),
            Command::Models(args) => models::run(&engine, &dir, args, &mut out).await,
            Command::Keys(command) => keys::run(&engine, &vault, command, &mut out).await,
            Command::Serve(args) => {
                let store = store()?;
                let prices = prices(&store)?;
                serve::run(router, store, prices, args).await
            }
        }
    }
    .await;
    match result {
        Ok(()) => 0,
        Err(failure) => {
            if json && failure.needs_event() {
                let _ = out.event(&failure.event());
            }
            output::note(&failure.line());
            failure.exit_code()
        }
    }
}

/// What a chat or a compare runs on.
fn session<'a>(router: &'a Router, store: &'a Store, prices: &'a PriceBook) -> Session<'a> {
    Session {
        router,
        store,
        prices,
    }
}
