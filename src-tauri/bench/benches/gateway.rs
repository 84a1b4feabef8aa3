//! What going through `roundtable serve` adds, against calling the same fake provider directly:
//! time to first token and throughput at 1, 16 and 64 concurrent streams, p50 and p99, in one
//! run. The same client code (reqwest, SSE lines, first non-empty `content`) reads both; rounds
//! alternate direct and gateway. The gateway runs in process with its ledger on a real SQLite
//! file, as `serve` does.
//!
//! `cargo bench -p roundtable-bench --bench gateway` (env: BENCH_CHUNKS, BENCH_REQUESTS).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use roundtable_engine::gateway::{Gateway, Limits};
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::store::Store;
use roundtable_engine::{Config, Engine, Router};
use roundtable_fakes::{Answer, FakeServer, Protocol};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One streamed request: (time to the first content, total time, content chunks).
async fn one(client: &reqwest::Client, url: &str, token: &str) -> (f64, f64, usize) {
    let start = Instant::now();
    let resp = client
        .post(url)
        .bearer_auth(token)
        .header("content-type", "application/json")
        .body(r#"{"model":"fake/m","stream":true,"messages":[{"role":"user","content":"go"}]}"#)
        .send()
        .await
        .expect("a response");
    assert!(resp.status().is_success(), "{}", resp.status());
    let mut body = resp.bytes_stream();
    let (mut ttft, mut chunks, mut buf) = (None, 0usize, Vec::<u8>::new());
    while let Some(bytes) = body.next().await {
        buf.extend_from_slice(&bytes.expect("body"));
        while let Some(nl) = buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = buf.drain(..=nl).collect();
            if line.starts_with(b"data: {")
                && line.windows(11).any(|w| w == b"\"content\":\"")
                && !line.windows(13).any(|w| w == b"\"content\":\"\"")
            {
                chunks += 1;
                ttft.get_or_insert_with(|| start.elapsed().as_secs_f64());
            }
        }
    }
    (
        ttft.expect("content arrived"),
        start.elapsed().as_secs_f64(),
        chunks,
    )
}

/// `c` streams at once; per-stream (ttft, total) and the round's chunks per second.
async fn round(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    c: usize,
) -> (Vec<(f64, f64)>, f64) {
    let start = Instant::now();
    let results = futures_util::future::join_all((0..c).map(|_| one(client, url, token))).await;
    let wall = start.elapsed().as_secs_f64();
    let chunks: usize = results.iter().map(|r| r.2).sum();
    (
        results.iter().map(|r| (r.0, r.1)).collect(),
        chunks as f64 / wall,
    )
}

fn pct(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

fn main() {
    let chunks = env_or("BENCH_CHUNKS", 100);
    let requests = env_or("BENCH_REQUESTS", 320);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async move {
        let pieces: Vec<String> = (0..chunks).map(|i| format!("tok{i} ")).collect();
        let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
        let fake = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &refs)));
        let text = format!(
            "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
            fake.url()
        );
        let config = Config::parse(&text, Path::new("bench.toml")).expect("config");
        let prices = Arc::new(PriceBook::new(&config));
        let engine = Arc::new(Engine::new(config, Arc::new(MemoryKeys::new())).expect("engine"));
        let dir = tempfile::tempdir().expect("a temp dir");
        let store = Arc::new(Store::open(dir.path()).expect("a store"));
        // Room for every stream at once (the default global cap is 64, this bench's top load).
        let limits = Limits {
            per_client: 1024,
            in_flight: 1024,
            ..Limits::default()
        };
        let gw = Gateway::new(
            Router::new(engine),
            store.clone(),
            prices,
            "bench-token".into(),
            true,
            limits,
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        tokio::spawn({
            let gw = gw.clone();
            async move {
                gw.serve(listener, std::future::pending())
                    .await
                    .expect("serve")
            }
        });
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(128)
            .build()
            .expect("client");
        let direct = format!("{}/v1/chat/completions", fake.url());
        let via = format!("http://127.0.0.1:{port}/v1/chat/completions");
        // Warm both paths (connections, SQLite pages).
        for _ in 0..20 {
            one(&client, &direct, "x").await;
            one(&client, &via, "bench-token").await;
        }
        println!(
            "{chunks} chunks per stream; {requests} streams per path and concurrency; 2 cores"
        );
        println!("conc | path    | TTFT p50 ms | TTFT p99 ms | total p50 ms | chunks/s");
        for c in [1usize, 16, 64] {
            let rounds = (requests / c).max(3);
            let (mut d, mut g) = (Vec::new(), Vec::new());
            let (mut dt, mut gt) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                let (r, t) = round(&client, &direct, "x", c).await;
                d.extend(r);
                dt.push(t);
                let (r, t) = round(&client, &via, "bench-token", c).await;
                g.extend(r);
                gt.push(t);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            let stats = |v: &[(f64, f64)], tp: &mut Vec<f64>| {
                let mut ttft: Vec<f64> = v.iter().map(|x| x.0 * 1e3).collect();
                let mut total: Vec<f64> = v.iter().map(|x| x.1 * 1e3).collect();
                (
                    pct(&mut ttft, 0.5),
                    pct(&mut ttft, 0.99),
                    pct(&mut total, 0.5),
                    pct(tp, 0.5),
                )
            };
            let ds = stats(&d, &mut dt);
            let gs = stats(&g, &mut gt);
            println!(
                "{c:>4} | direct  | {:>11.3} | {:>11.3} | {:>12.3} | {:>8.0}",
                ds.0, ds.1, ds.2, ds.3
            );
            println!(
                "{c:>4} | gateway | {:>11.3} | {:>11.3} | {:>12.3} | {:>8.0}",
                gs.0, gs.1, gs.2, gs.3
            );
            println!(
                "{c:>4} | added   | {:>11.3} | {:>11.3} | {:>12.3} | {:>7.2}x",
                gs.0 - ds.0,
                gs.1 - ds.1,
                gs.2 - ds.2,
                gs.3 / ds.3
            );
        }
        let rows: i64 = store
            .usage(None, None, roundtable_engine::store::UsageBy::Model)
            .map(|r| r.iter().map(|u| u.requests).sum())
            .unwrap_or(0);
        println!("ledger: {rows} gateway requests recorded");
    });
}
