//! A tool round trip inside Roundtable, with `@modelcontextprotocol/server-everything`'s `echo`
//! (installed by `.ci/setup`) and a loopback fake model. The overhead is Roundtable's two legs
//! around the tool: from the driver seeing the model's answer end with its call (a debug event of
//! the driver's own) to the MCP request being written, and from the MCP answer being read to the
//! next model request arriving at the fake (request built, sent and read: an upper bound). Also
//! reported apart: the whole gap from the fake's last byte to the next request, minus the MCP
//! call, which adds the loopback delivery and decoding of the model's last bytes; and the
//! server's cold start (spawn to end of handshake).
//!
//! `cargo bench -p roundtable-bench --bench tool_loop` (env: BENCH_ROUNDS, BENCH_COLD).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::future::BoxFuture;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::mcp::{Mcp, McpOutput, McpServerConfig};
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::{Session, Turn, TurnEvent, TurnSpec};
use roundtable_engine::store::Store;
use roundtable_engine::tools::{self, Backend, McpHost, Mode};
use roundtable_engine::{Config, Engine, Router};
use roundtable_fakes::{Answer, FakeServer, Protocol, Request, Step};
use tracing_subscriber::Layer as _;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn everything() -> String {
    let dir = std::env::var_os("ROUNDTABLE_MCP").map_or_else(
        || PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/roundtable/mcp"),
        PathBuf::from,
    );
    let bin = dir.join("node_modules/.bin/mcp-server-everything");
    assert!(
        bin.exists(),
        "run `bash .ci/setup` first: {} is missing",
        bin.display()
    );
    bin.display().to_string()
}

fn servers() -> std::collections::BTreeMap<String, McpServerConfig> {
    let mut s = std::collections::BTreeMap::new();
    s.insert(
        "everything".to_string(),
        McpServerConfig::stdio(everything(), &["stdio"]),
    );
    s
}

/// Times each MCP call from just before the request is written to just after the answer.
struct Timed {
    mcp: Arc<Mcp>,
    calls: Arc<Mutex<Vec<(Instant, Instant)>>>,
}

/// The instants of the driver's tool-loop debug events.
#[derive(Clone, Default)]
struct Moments(Arc<Mutex<Vec<(Instant, String)>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Moments {
    fn on_event(
        &self,
        event: &tracing::Event<'_>,
        _ctx: tracing_subscriber::layer::Context<'_, S>,
    ) {
        if event.metadata().target() == "roundtable::tools" {
            let now = Instant::now();
            let mut text = String::new();
            struct Msg<'a>(&'a mut String);
            impl tracing::field::Visit for Msg<'_> {
                fn record_debug(&mut self, _f: &tracing::field::Field, v: &dyn std::fmt::Debug) {
                    self.0.push_str(&format!("{v:?}"));
                }
            }
            event.record(&mut Msg(&mut text));
            self.0.lock().unwrap().push((now, text));
        }
    }
}

impl Backend for Timed {
    fn call(
        &self,
        server: &str,
        tool: &str,
        arguments: serde_json::Value,
        timeout: Duration,
    ) -> BoxFuture<'static, Result<McpOutput, String>> {
        // The engine's own backend for a registry, timed around.
        let call = self.mcp.call(server, tool, arguments, timeout);
        let calls = self.calls.clone();
        Box::pin(async move {
            let start = Instant::now();
            let out = call.await;
            calls.lock().unwrap().push((start, Instant::now()));
            out
        })
    }
}

fn main() {
    use tracing_subscriber::layer::SubscriberExt;
    let moments = Moments::default();
    let subscriber = tracing_subscriber::registry().with(
        moments.clone().with_filter(
            tracing_subscriber::filter::Targets::new()
                .with_target("roundtable::tools", tracing::Level::DEBUG),
        ),
    );
    tracing::subscriber::set_global_default(subscriber).unwrap();
    MOMENTS.set(moments).ok();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(run());
}

static MOMENTS: std::sync::OnceLock<Moments> = std::sync::OnceLock::new();

async fn run() {
    let moments = MOMENTS.get().unwrap().clone();
    let cold_runs = env_or("BENCH_COLD", 5);
    let rounds = env_or("BENCH_ROUNDS", 200);

    // Cold start: a fresh registry each time, started by listing its tools.
    let mut cold = Vec::new();
    for _ in 0..cold_runs {
        let mcp = Mcp::new(
            &servers(),
            Arc::new(roundtable_engine::keys::vault::MemoryStore::new()),
        );
        let t = mcp
            .test("everything")
            .await
            .expect("server-everything starts");
        cold.push(t.status.cold_start_ms.unwrap_or(0) as f64);
        mcp.shutdown().await;
    }

    // The fake model: a call of echo until it is sent a result; it notes when each request came.
    let arrivals: Arc<Mutex<Vec<Instant>>> = Arc::default();
    let seen = arrivals.clone();
    let fake = FakeServer::start(move |req: &Request| {
        seen.lock().unwrap().push(Instant::now());
        let body = String::from_utf8_lossy(&req.body);
        let reply = if body.contains("Echo: ") {
            Protocol::OpenAi.stream(&Answer::new("m", &["ok"]))
        } else {
            Protocol::OpenAi.stream(&Answer::new("m", &[]).with_tool_calls(vec![(
                "call_1",
                "everything__echo",
                r#"{"message":"hi"}"#,
            )]))
        };
        reply.then([Step::Mark])
    });
    let text = format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
        fake.url()
    );
    let config = Config::parse(&text, Path::new("bench.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let prices = PriceBook::new(&config);
    let router = Router::new(Arc::new(
        Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
    ));
    let mcp = Mcp::new(
        &servers(),
        Arc::new(roundtable_engine::keys::vault::MemoryStore::new()),
    );
    let listed = mcp.tools("everything").await.unwrap();
    let offered = tools::offered(&mcp, &listed);
    let calls: Arc<Mutex<Vec<(Instant, Instant)>>> = Arc::default();
    let backend = Arc::new(Timed {
        mcp: mcp.clone(),
        calls: calls.clone(),
    });
    let session = Session {
        router: &router,
        store: &store,
        prices: &prices,
    };
    let mut overheads = Vec::new();
    let mut whole = Vec::new();
    let mut echo = Vec::new();
    for round in 0..rounds + 5 {
        arrivals.lock().unwrap().clear();
        calls.lock().unwrap().clear();
        moments.0.lock().unwrap().clear();
        let before = fake.marks().len();
        let mut turn = Turn::prepare(
            &router,
            &store,
            TurnSpec {
                prompt: "echo".into(),
                targets: vec!["fake/m".into()],
                ..Default::default()
            },
        )
        .unwrap();
        let host =
            McpHost::new(offered.clone(), backend.clone(), tools::rules_of(&mcp)).mode(Mode::All);
        turn.use_tools(Arc::new(host));
        let mut done = false;
        turn.run(session, std::future::pending(), |e| {
            done |= matches!(e, TurnEvent::Done(_));
        })
        .await;
        assert!(done, "round {round} finished");
        let marks = fake.marks();
        let call_sent = marks[before];
        let next_request = arrivals.lock().unwrap()[1];
        let (mcp_start, mcp_end) = calls.lock().unwrap()[0];
        let ended = moments
            .0
            .lock()
            .unwrap()
            .iter()
            .find(|(_, m)| m.contains("ended with tool calls"))
            .map(|(at, _)| *at)
            .expect("the driver's event");
        if round >= 5 {
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            let legs = mcp_start.duration_since(ended) + next_request.duration_since(mcp_end);
            overheads.push(ms(legs));
            let gap = next_request.duration_since(call_sent);
            whole.push(ms(gap.saturating_sub(mcp_end - mcp_start)));
            echo.push(ms(mcp_end - mcp_start));
        }
    }
    mcp.shutdown().await;
    println!(
        "server-everything cold start (spawn to handshake): median {:.0} ms over {cold_runs} starts",
        percentile(cold.clone(), 0.5)
    );
    println!(
        "tool round trip overhead inside Roundtable (answer end seen -> MCP request; MCP answer -> next model request arrived): p50 {:.3} ms, p90 {:.3} ms, max {:.3} ms over {rounds} rounds (goal p50 <= 2 ms)",
        percentile(overheads.clone(), 0.5),
        percentile(overheads.clone(), 0.9),
        percentile(overheads, 1.0)
    );
    println!(
        "with the loopback delivery of the model's last bytes (fake's last write -> next request, minus the MCP call): p50 {:.3} ms, p90 {:.3} ms",
        percentile(whole.clone(), 0.5),
        percentile(whole, 0.9)
    );
    println!(
        "the MCP echo call itself (write request .. read answer): p50 {:.3} ms, p90 {:.3} ms",
        percentile(echo.clone(), 0.5),
        percentile(echo, 0.9)
    );
}
