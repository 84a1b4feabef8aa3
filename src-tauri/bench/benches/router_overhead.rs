//! The router's overhead on the happy path: a three-target route whose first target is healthy,
//! against calling the adapter directly, on the same loopback stream in one run — throughput on a
//! 100,000-chunk stream and time to first token, as ratios.
//!
//! `cargo bench -p roundtable-bench --bench router_overhead` (env: BENCH_CHUNKS, BENCH_ROUNDS,
//! BENCH_LATENCY_RUNS).

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use futures_util::StreamExt;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::{ChatEvent, ChatRequest, Config, Engine, RouteEvent, Router};
use roundtable_fakes::{Answer, FakeServer, Protocol, Reply};

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

fn engine(healthy: &FakeServer, others: &FakeServer) -> Arc<Engine> {
    let text = format!(
        "[providers.a]\nkind = \"openai\"\nbase_url = \"{0}/v1\"\n[providers.b]\nkind = \"openai\"\nbase_url = \"{1}/v1\"\n[providers.c]\nkind = \"openai\"\nbase_url = \"{1}/v1\"\n\n[routes.three]\ntargets = [\"a/m\", \"b/m\", \"c/m\"]\n",
        healthy.url(),
        others.url()
    );
    let config = Config::parse(&text, Path::new("bench.toml")).expect("config");
    Arc::new(Engine::new(config, Arc::new(MemoryKeys::new())).expect("engine"))
}

/// Direct: deltas and the time to the first.
async fn direct(engine: &Engine) -> (usize, f64) {
    let start = Instant::now();
    let target = engine.resolve("a/m").expect("target");
    let mut stream = engine
        .stream(&target, &ChatRequest::new("go"))
        .await
        .expect("stream");
    let (mut n, mut ttft) = (0, 0.0);
    while let Some(e) = stream.next().await {
        match e.expect("no error") {
            ChatEvent::Delta(_) => {
                if n == 0 {
                    ttft = start.elapsed().as_secs_f64();
                }
                n += 1;
            }
            ChatEvent::End(_) => break,
            _ => {}
        }
    }
    (n, ttft)
}

/// Through the router and the route: deltas and the time to the first.
async fn routed(router: &Router) -> (usize, f64) {
    let start = Instant::now();
    let plan = router.plan(&["@three".to_string()]).expect("plan");
    let mut stream = router.stream(&plan, &ChatRequest::new("go"));
    let (mut n, mut ttft) = (0, 0.0);
    while let Some(e) = stream.next().await {
        match e.expect("no error") {
            RouteEvent::Chat(ChatEvent::Delta(_)) => {
                if n == 0 {
                    ttft = start.elapsed().as_secs_f64();
                }
                n += 1;
            }
            RouteEvent::Chat(ChatEvent::End(_)) => break,
            _ => {}
        }
    }
    (n, ttft)
}

fn main() {
    let chunks = env_or("BENCH_CHUNKS", 100_000);
    let rounds = env_or("BENCH_ROUNDS", 7);
    let latency_runs = env_or("BENCH_LATENCY_RUNS", 500);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let unused = FakeServer::always(Reply::body(500, "text/plain", "never asked"));

    // Throughput on a long stream, written in 64 KiB pieces.
    let pieces: Vec<String> =
        Protocol::OpenAi.stream_frames(&Answer::new("m", &vec!["tok "; chunks]));
    let bytes = pieces.concat().into_bytes();
    let big = FakeServer::always(Reply::stream(
        "text/event-stream",
        bytes.chunks(64 * 1024).map(<[u8]>::to_vec),
    ));
    let eng = engine(&big, &unused);
    let router = Router::new(eng.clone());
    let (mut d_rates, mut r_rates) = (Vec::new(), Vec::new());
    println!("router overhead: a 3-target route (first healthy) vs the adapter directly, {chunks} chunks, {rounds} rounds");
    rt.block_on(async {
        direct(&eng).await;
        routed(&router).await;
        for round in 0..rounds {
            let t = Instant::now();
            let (n, _) = direct(&eng).await;
            let d = n as f64 / t.elapsed().as_secs_f64();
            let t = Instant::now();
            let (m, _) = routed(&router).await;
            let r = m as f64 / t.elapsed().as_secs_f64();
            assert_eq!((n, m), (chunks, chunks), "every chunk seen");
            println!("  round {round}: direct {d:>10.0} chunks/s   routed {r:>10.0} chunks/s");
            d_rates.push(d);
            r_rates.push(r);
        }
    });
    let (d, r) = (median(d_rates), median(r_rates));
    println!(
        "throughput median: direct {d:.0} chunks/s, routed {r:.0} chunks/s, routed/direct {:.3}",
        r / d
    );

    // Time to first token on a short answer, alternating.
    let small =
        FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["hello", " world"])));
    let eng = engine(&small, &unused);
    let router = Router::new(eng.clone());
    let (mut d_ttft, mut r_ttft) = (Vec::new(), Vec::new());
    rt.block_on(async {
        for _ in 0..latency_runs {
            d_ttft.push(direct(&eng).await.1 * 1e6);
            r_ttft.push(routed(&router).await.1 * 1e6);
        }
    });
    let (d, r) = (median(d_ttft), median(r_ttft));
    println!("time to first token median, {latency_runs} runs: direct {d:.0} µs, routed {r:.0} µs, routed/direct {:.3}", r / d);
    assert!(
        unused.requests().is_empty(),
        "the fallbacks were never asked"
    );
}
