//! `roundtable serve`: the local OpenAI-compatible gateway.

use std::io::Write;
use std::sync::Arc;

use roundtable_engine::gateway::{self, Gateway, Limits, TokenSource};
use roundtable_engine::keys::vault;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::store::Store;
use roundtable_engine::Router;

use crate::args::ServeArgs;
use crate::failure::Failure;

/// Serves until Ctrl-C.
pub async fn run(
    router: Router,
    store: Store,
    prices: PriceBook,
    args: ServeArgs,
) -> Result<(), Failure> {
    let loopback = args.host.is_loopback();
    if !loopback && !args.allow_remote {
        return Err(Failure::Input(format!(
            "--host {} is not a loopback address: other machines could reach the gateway and spend your keys; add --allow-remote if you mean it",
            args.host
        )));
    }
    for (flag, n) in [
        ("--per-client", args.per_client),
        ("--max-in-flight", args.max_in_flight),
        ("--max-connections", args.max_connections),
    ] {
        if n == 0 {
            return Err(Failure::Input(format!("{flag} must be at least 1")));
        }
    }
    let (token, source) = gateway::token(&vault::token_store()).map_err(|e| {
        Failure::Input(format!(
            "{e}. For this process alone, set {} instead",
            gateway::TOKEN_ENV
        ))
    })?;
    let listener = tokio::net::TcpListener::bind((args.host, args.port))
        .await
        .map_err(|e| {
            Failure::Input(format!(
                "could not listen on {}:{}: {e}",
                args.host, args.port
            ))
        })?;
    let addr = listener
        .local_addr()
        .map_err(|e| Failure::Input(format!("could not read the bound address: {e}")))?;
    if !loopback {
        eprintln!(
            "roundtable: warning: the gateway listens on {addr}, reachable from other machines; anyone with the token can spend your keys"
        );
    }
    let from = match source {
        TokenSource::Environment => format!("from {}", gateway::TOKEN_ENV),
        TokenSource::Keychain => "from the keychain".into(),
        TokenSource::Generated => "new, saved in the keychain".into(),
    };
    let mut stdout = std::io::stdout();
    let _ = writeln!(stdout, "Roundtable gateway on http://{addr}/v1");
    let _ = writeln!(stdout, "token ({from}): {token}");
    let _ = writeln!(
        stdout,
        "Use it as an OpenAI base URL and API key; Ctrl-C stops it."
    );
    let _ = stdout.flush();
    let limits = Limits {
        per_client: args.per_client,
        in_flight: args.max_in_flight,
        connections: args.max_connections,
        ..Limits::default()
    };
    let gw = Gateway::new(
        router,
        Arc::new(store),
        Arc::new(prices),
        token,
        loopback,
        limits,
    );
    gw.serve(listener, async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .map_err(|e| Failure::Input(format!("the gateway stopped: {e}")))
}
