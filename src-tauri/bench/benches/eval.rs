//! An evaluation run at scale: 200 cases × 4 targets (one provider) against a loopback fake that
//! answers each request after 300 ms, at concurrency 16, through the engine's runner exactly as
//! `roundtable eval` runs it (current-thread runtime, the real SQLite file, the ledger, a
//! `contains` and a `regex` check per cell). Reported: the run's wall time against the ideal
//! (cells ÷ concurrency × latency) and their ratio; Roundtable's own time per cell, two ways —
//! the same run with the fake answering at once (wall time ÷ cells: every cost of a
//! cell but the wait, on the runner's one thread, so an upper bound), and the slack of the 300 ms
//! run per cell ((wall × concurrency − cells × latency) ÷ cells).
//!
//! `cargo bench -p roundtable-bench --bench eval` (env: BENCH_ROUNDS, BENCH_CASES, BENCH_MS).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use roundtable_engine::eval::{self, RunSpec, Suite};
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::Session;
use roundtable_engine::store::Store;
use roundtable_engine::{Config, Engine, Router};
use roundtable_fakes::{Answer, FakeServer, Protocol, Reply, Step};

const TARGETS: usize = 4;
const CONCURRENCY: usize = 16;

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn fake(latency: Duration) -> FakeServer {
    FakeServer::start(move |_req| {
        let a = Answer::new("m", &["Hello, ", "Ada", "!"]);
        match Protocol::OpenAi.stream(&a) {
            Reply::Http {
                status,
                headers,
                mut steps,
                chunked,
            } => {
                steps.insert(0, Step::Sleep(latency));
                Reply::Http {
                    status,
                    headers,
                    steps,
                    chunked,
                }
            }
            other => other,
        }
    })
}

fn suite(cases: usize) -> Suite {
    let mut text = String::from(
        "name = \"bench\"\nchecks = [{ type = \"contains\", value = \"{name}\" }, { type = \"regex\", value = '^Hello, \\w+!$' }]\n",
    );
    for i in 0..cases {
        text.push_str(&format!(
            "[[cases]]\nprompt = \"Say hello to {{name}} ({i}).\"\nvars = {{ name = \"Ada\" }}\n"
        ));
    }
    Suite::parse(&text, Path::new("bench.toml")).expect("suite")
}

/// One run: its wall time and how many cells passed.
fn one_run(latency: Duration, cases: usize) -> (f64, usize) {
    let server = fake(latency);
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\n[router]\nmax_retries = 0\n",
        Protocol::OpenAi.base_url(&server.url())
    );
    let config = Config::parse(&text, Path::new("bench.toml")).expect("config");
    let engine =
        Arc::new(Engine::new(config.clone(), Arc::new(MemoryKeys::new())).expect("engine"));
    let router = Router::new(engine);
    let store = Store::open(dir.path()).expect("store");
    let prices = PriceBook::new(&config);
    let spec = RunSpec {
        suite: suite(cases),
        targets: (0..TARGETS).map(|i| format!("fake/m{i}")).collect(),
        preset: None,
        repeat: 1,
        concurrency: CONCURRENCY,
        fresh: true,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let s = Session {
        router: &router,
        store: &store,
        prices: &prices,
    };
    let start = Instant::now();
    let mut passed = 0;
    let end = rt
        .block_on(eval::run(s, spec, std::future::pending(), |e| {
            if let eval::EvalEvent::Cell(c) = e {
                passed += usize::from(c.passed);
            }
        }))
        .expect("run");
    let secs = start.elapsed().as_secs_f64();
    assert_eq!(end.errors, 0);
    (secs, passed)
}

/// The same requests from a bare HTTP client (reqwest, the body read to its end) at the same
/// concurrency: what the fake and loopback cost without Roundtable.
fn bare(cases: usize) -> f64 {
    use futures_util::StreamExt;
    let server = fake(Duration::ZERO);
    let url = format!(
        "{}/chat/completions",
        Protocol::OpenAi.base_url(&server.url())
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = reqwest::Client::new();
    let start = Instant::now();
    rt.block_on(async {
        futures_util::stream::iter(0..cases * TARGETS)
            .map(|i| {
                let client = client.clone();
                let url = url.clone();
                async move {
                    let body = serde_json::json!({"model": format!("m{}", i % TARGETS), "stream": true,
                        "messages": [{"role": "user", "content": format!("Say hello to Ada ({i}).")}]});
                    let r = client.post(&url).json(&body).send().await.expect("bare request");
                    r.bytes().await.expect("bare body").len()
                }
            })
            .buffer_unordered(CONCURRENCY)
            .for_each(|_| async {})
            .await;
    });
    start.elapsed().as_secs_f64()
}

fn main() {
    let rounds = env_or("BENCH_ROUNDS", 3);
    let cases = env_or("BENCH_CASES", 200);
    let ms = env_or("BENCH_MS", 300) as f64;
    let cells = (cases * TARGETS) as f64;
    let ideal = cells / CONCURRENCY as f64 * ms / 1000.0;
    let mut slow = Vec::new();
    let mut fast = Vec::new();
    let mut bare_runs = Vec::new();
    for _ in 0..rounds {
        bare_runs.push(bare(cases));
        let (secs, passed) = one_run(Duration::from_millis(ms as u64), cases);
        assert_eq!(passed, cells as usize, "every cell passes");
        slow.push(secs);
        let (secs, passed) = one_run(Duration::ZERO, cases);
        assert_eq!(passed, cells as usize);
        fast.push(secs);
    }
    let wall = median(slow.clone());
    let instant = median(fast.clone());
    println!(
        "eval: {cases} cases × {TARGETS} targets = {cells} cells, concurrency {CONCURRENCY}, fake latency {ms} ms, {rounds} rounds"
    );
    println!(
        "  run time: median {wall:.3} s (all: {}); ideal {ideal:.3} s; ratio {:.3}",
        slow.iter()
            .map(|s| format!("{s:.3}"))
            .collect::<Vec<_>>()
            .join(" "),
        wall / ideal
    );
    println!(
        "  with an instant fake: median {instant:.3} s (all: {}) = {:.3} ms per cell (the runner is one thread: this is its work per cell, the fake's share included)",
        fast.iter().map(|s| format!("{s:.3}")).collect::<Vec<_>>().join(" "),
        instant * 1000.0 / cells
    );
    let base = median(bare_runs.clone());
    println!(
        "  a bare HTTP client, the same requests: median {base:.3} s (all: {}) = {:.3} ms per request",
        bare_runs.iter().map(|s| format!("{s:.3}")).collect::<Vec<_>>().join(" "),
        base * 1000.0 / cells
    );
    println!(
        "  Roundtable's own work per cell (instant-fake run − bare client) ÷ cells: {:.3} ms",
        (instant - base) * 1000.0 / cells
    );
    println!(
        "  slack of the {ms} ms run: {:.3} ms per cell ((wall × concurrency − cells × latency) ÷ cells)",
        (wall * CONCURRENCY as f64 - cells * ms / 1000.0) * 1000.0 / cells
    );
}
