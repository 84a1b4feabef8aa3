//! The OpenAI streaming path — loopback HTTP → SSE framing → JSON → events — on a 100,000-chunk
//! stream, for Roundtable's engine and for a peer Rust client (async-openai's streaming chat),
//! side by side in one run on the same fake server and the same bytes. Also: the time from the
//! first byte leaving the server to the first delta event reaching the caller.
//!
//! `cargo bench -p roundtable-bench` (env: BENCH_CHUNKS, BENCH_ROUNDS, BENCH_LATENCY_RUNS).

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestUserMessageArgs, CreateChatCompletionRequestArgs,
};
use futures_util::StreamExt;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::{ChatEvent, ChatRequest, Config, Engine};
use roundtable_fakes::{FakeServer, Reply, Step};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// One realistic chat-completion chunk (the shape of `wire-formats.md` §1a).
fn chunk(i: usize) -> String {
    format!(
        "data: {{\"id\":\"chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0\",\"object\":\"chat.completion.chunk\",\"created\":1770933892,\"model\":\"gpt-4.1-nano-2025-04-14\",\"service_tier\":\"default\",\"system_fingerprint\":\"fp_de604bd877\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"tok{} \"}},\"logprobs\":null,\"finish_reason\":null}}],\"usage\":null,\"obfuscation\":\"yhjoJbEF\"}}\n\n",
        i % 1000
    )
}

fn tail() -> String {
    let finish = "data: {\"id\":\"chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0\",\"object\":\"chat.completion.chunk\",\"created\":1770933892,\"model\":\"gpt-4.1-nano-2025-04-14\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":null}\n\n";
    let usage = "data: {\"id\":\"chatcmpl-D8Z5oo6uDh67AD85p73ksdT1KxhE0\",\"object\":\"chat.completion.chunk\",\"created\":1770933892,\"model\":\"gpt-4.1-nano-2025-04-14\",\"choices\":[],\"usage\":{\"prompt_tokens\":16,\"completion_tokens\":100000,\"total_tokens\":100016}}\n\n";
    format!("{finish}{usage}data: [DONE]\n\n")
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn percentile(mut v: Vec<f64>, p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

fn engine(base: &str) -> Engine {
    let text = format!("[providers.bench]\nkind = \"openai\"\nbase_url = \"{base}/v1\"\n");
    let config = Config::parse(&text, Path::new("bench.toml")).expect("config");
    let keys = MemoryKeys::new();
    keys.set("bench", "sk-test-FAKE-bench").expect("key");
    Engine::new(config, Arc::new(keys)).expect("engine")
}

fn peer(base: &str) -> async_openai::Client<OpenAIConfig> {
    async_openai::Client::with_config(
        OpenAIConfig::new()
            .with_api_base(format!("{base}/v1"))
            .with_api_key("sk-test-FAKE-bench"),
    )
}

fn peer_request() -> async_openai::types::chat::CreateChatCompletionRequest {
    let message = ChatCompletionRequestUserMessageArgs::default()
        .content("go")
        .build()
        .expect("message");
    CreateChatCompletionRequestArgs::default()
        .model("m")
        .messages([message.into()])
        .stream(true)
        .build()
        .expect("request")
}

/// Ours: deltas seen, and the instant of the first.
async fn run_ours(engine: &Engine) -> (usize, Instant) {
    let target = engine.resolve("bench/m").expect("target");
    let mut stream = engine
        .stream(&target, &ChatRequest::new("go"))
        .await
        .expect("stream");
    let mut deltas = 0;
    let mut first = None;
    while let Some(event) = stream.next().await {
        match event.expect("no error") {
            ChatEvent::Delta(_) => {
                first.get_or_insert_with(Instant::now);
                deltas += 1;
            }
            ChatEvent::End(_) => break,
            _ => {}
        }
    }
    (deltas, first.expect("a delta"))
}

/// The peer: deltas seen, and the instant of the first.
async fn run_peer(client: &async_openai::Client<OpenAIConfig>) -> (usize, Instant) {
    let mut stream = client
        .chat()
        .create_stream(peer_request())
        .await
        .expect("peer stream");
    let mut deltas = 0;
    let mut first = None;
    while let Some(item) = stream.next().await {
        let chunk = item.expect("no peer error");
        if chunk
            .choices
            .first()
            .and_then(|c| c.delta.content.as_deref())
            .is_some_and(|c| !c.is_empty())
        {
            first.get_or_insert_with(Instant::now);
            deltas += 1;
        }
    }
    (deltas, first.expect("a peer delta"))
}

fn main() {
    let chunks = env_or("BENCH_CHUNKS", 100_000);
    let rounds = env_or("BENCH_ROUNDS", 7);
    let latency_runs = env_or("BENCH_LATENCY_RUNS", 200);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // Throughput: the whole stream, written in 64 KiB pieces so the server is never the limit.
    let mut body = String::with_capacity(chunks * 330);
    for i in 0..chunks {
        body.push_str(&chunk(i));
    }
    body.push_str(&tail());
    let bytes = body.into_bytes();
    let pieces: Vec<Vec<u8>> = bytes.chunks(64 * 1024).map(<[u8]>::to_vec).collect();
    let server = FakeServer::always(Reply::stream("text/event-stream", pieces));
    let ours = engine(&server.url());
    let theirs = peer(&server.url());
    println!("OpenAI streaming path, {chunks} chunks ({:.1} MB) over loopback, {rounds} rounds each, alternating", bytes.len() as f64 / 1e6);
    let (mut ours_rates, mut peer_rates) = (Vec::new(), Vec::new());
    rt.block_on(async {
        // One warm-up each.
        run_ours(&ours).await;
        run_peer(&theirs).await;
        for round in 0..rounds {
            let t = Instant::now();
            let (n, _) = run_ours(&ours).await;
            let ours_s = t.elapsed().as_secs_f64();
            assert_eq!(n, chunks, "ours saw every chunk");
            let t = Instant::now();
            let (m, _) = run_peer(&theirs).await;
            let peer_s = t.elapsed().as_secs_f64();
            assert_eq!(m, chunks, "the peer saw every chunk");
            println!(
                "  round {round}: roundtable {:>10.0} chunks/s   async-openai {:>10.0} chunks/s",
                n as f64 / ours_s,
                m as f64 / peer_s
            );
            ours_rates.push(n as f64 / ours_s);
            peer_rates.push(m as f64 / peer_s);
        }
    });
    let (o, p) = (median(ours_rates), median(peer_rates));
    println!(
        "median: roundtable {o:.0} chunks/s, async-openai {p:.0} chunks/s, ratio {:.2}x",
        o / p
    );

    // Latency: headers, a pause, then the first event; the server marks when its first byte leaves.
    let steps = vec![
        Step::Sleep(Duration::from_millis(5)),
        Step::Mark,
        Step::Send(chunk(0).into_bytes()),
        Step::Send(tail().into_bytes()),
    ];
    let server = FakeServer::always(Reply::Http {
        status: 200,
        headers: vec![("content-type".into(), "text/event-stream".into())],
        steps,
        chunked: true,
    });
    let ours = engine(&server.url());
    let theirs = peer(&server.url());
    let (mut ours_us, mut peer_us) = (Vec::new(), Vec::new());
    rt.block_on(async {
        for i in 0..latency_runs {
            let (_, first) = run_ours(&ours).await;
            let mark = server.marks()[2 * i];
            ours_us.push(first.duration_since(mark).as_secs_f64() * 1e6);
            let (_, first) = run_peer(&theirs).await;
            let mark = server.marks()[2 * i + 1];
            peer_us.push(first.duration_since(mark).as_secs_f64() * 1e6);
        }
    });
    println!(
        "first byte sent -> first delta event, {latency_runs} runs: roundtable median {:.0} µs (p99 {:.0} µs), async-openai median {:.0} µs (p99 {:.0} µs)",
        median(ours_us.clone()),
        percentile(ours_us, 0.99),
        median(peer_us.clone()),
        percentile(peer_us, 0.99)
    );
}
