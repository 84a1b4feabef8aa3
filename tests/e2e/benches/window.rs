//! The desktop window, measured: start to first interactive paint, memory idle and while an answer
//! streams, a 10,000-message conversation's open time and scroll frame times, the binary's size.
//!
//! ```text
//! cargo build --release -p roundtable-app --features custom-protocol   # the app measured
//! xvfb-run -a -s "-screen 0 1280x800x24" cargo bench -p roundtable-e2e --bench window
//! ```
//!
//! `ROUNDTABLE_APP` names another binary. Figures go to stdout and `artifacts/window-bench.json`.
//! Under Xvfb everything is drawn by the CPU (no GPU), on the same 2 cores as the app.

use std::time::{Duration, Instant};

use roundtable_e2e::{
    app_binary, artifacts, descendants, home_with_config, home_with_long_conversation, launch,
    median, poll, session, tempfile_dir, Driver,
};
use roundtable_fakes::{Answer, FakeServer, Protocol};
use serde_json::{json, Value};

const STARTS: usize = 5;
const OPENS: usize = 5;

#[tokio::main]
async fn main() {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("window bench: no DISPLAY; run it under xvfb-run (see the header)");
        return;
    }
    let app = app_binary();
    if !app.exists() {
        eprintln!(
            "window bench: build the app first ({} is missing)",
            app.display()
        );
        std::process::exit(1);
    }
    println!("app: {}", app.display());
    let mut report = serde_json::Map::new();
    report.insert("app".into(), json!(app));

    // Release binary size (and stripped, if `strip` is there).
    let size = std::fs::metadata(&app).map(|m| m.len()).unwrap_or(0);
    let stripped = std::env::temp_dir().join("roundtable-app.stripped");
    let stripped_size = std::process::Command::new("strip")
        .arg("-o")
        .arg(&stripped)
        .arg(&app)
        .status()
        .ok()
        .filter(|s| s.success())
        .and_then(|_| std::fs::metadata(&stripped).ok())
        .map(|m| m.len());
    let _ = std::fs::remove_file(&stripped);
    println!(
        "binary: {:.1} MB, stripped {}",
        mb(size),
        stripped_size.map_or("n/a".into(), |s| format!("{:.1} MB", mb(s)))
    );
    report.insert(
        "binary_bytes".into(),
        json!({"size": size, "stripped": stripped_size}),
    );

    // Start to first interactive paint, each start with an empty data dir.
    let mut starts = Vec::new();
    let mut page = Vec::new();
    let mut idle = Vec::new();
    let mut marks: Vec<(f64, f64, f64)> = Vec::new();
    for _ in 0..STARTS {
        let home = tempfile_dir();
        let driver = Driver::start(&home.0);
        wait_listening(driver.port).await;
        let t0 = Instant::now();
        let client = session(&driver, json!({"binary": app, "args": []})).await;
        // Interactive: the backend answered app_info and the UI drew it.
        poll(
            &client,
            "return (document.getElementById('app-version')?.textContent || '').startsWith('version')",
        )
        .await;
        starts.push(t0.elapsed().as_secs_f64() * 1000.0);
        let since_navigation = client
            .execute("return performance.now()", vec![])
            .await
            .ok()
            .and_then(|v| v.as_f64())
            .unwrap_or(f64::NAN);
        page.push(since_navigation);
        // The page's own marks (ui/src/main.tsx, the sidebar): script running, first render done,
        // backend answered. Absent in a build from before they were added.
        let mark = |name: &str| {
            let js = format!(
                "return performance.getEntriesByName('roundtable:{name}')[0]?.startTime ?? null"
            );
            let client = client.clone();
            async move {
                client
                    .execute(&js, vec![])
                    .await
                    .ok()
                    .and_then(|v| v.as_f64())
            }
        };
        if let (Some(s), Some(r), Some(a)) = (
            mark("script").await,
            mark("rendered").await,
            mark("ready").await,
        ) {
            marks.push((s, r, a));
        }
        tokio::time::sleep(Duration::from_secs(3)).await;
        idle.push(processes(driver.pid()));
        let _ = client.close().await;
    }
    let start_ms = median(&starts);
    println!(
        "start → interactive paint: median {start_ms:.0} ms over {STARTS} starts (all: {}); of which in the page after navigation: median {:.0} ms",
        list(&starts),
        median(&page)
    );
    if !marks.is_empty() {
        let m = |f: fn(&(f64, f64, f64)) -> f64| median(&marks.iter().map(f).collect::<Vec<_>>());
        println!(
            "  in the page (medians): script runs at {:.0} ms, first render done at {:.0} ms, backend answered at {:.0} ms",
            m(|x| x.0),
            m(|x| x.1),
            m(|x| x.2)
        );
    }
    let idle_app = median(&idle.iter().map(|p| p.app).collect::<Vec<_>>());
    let idle_web = median(&idle.iter().map(|p| p.web).collect::<Vec<_>>());
    let idle_net = median(&idle.iter().map(|p| p.network).collect::<Vec<_>>());
    println!(
        "memory idle (RSS, 3 s after start, empty data dir): app process {idle_app:.0} MB, WebKit web process {idle_web:.0} MB, network process {idle_net:.0} MB"
    );
    report.insert(
        "start_ms".into(),
        json!({"median": start_ms, "all": starts, "page_median": median(&page)}),
    );
    report.insert(
        "idle_rss_mb".into(),
        json!({"app": idle_app, "web": idle_web, "network": idle_net}),
    );

    // Memory while a long answer streams (4,000 pieces, 2 ms apart: about 8 s at 500 pieces/s).
    let streaming = stream_memory().await;
    println!(
        "memory while streaming 4,000 pieces at 500/s: app process peak {:.0} MB (idle before {:.0} MB), web process peak {:.0} MB; answer complete: {}",
        streaming.app_peak, streaming.app_before, streaming.web_peak, streaming.complete
    );
    report.insert(
        "streaming_rss_mb".into(),
        json!({"app_before": streaming.app_before, "app_peak": streaming.app_peak, "web_peak": streaming.web_peak, "complete": streaming.complete}),
    );

    // A conversation of 10,000 messages: open, then scroll; one of 200 as the baseline (the cost of
    // drawing a scrolled window under Xvfb at all).
    for n in [200, 10_000] {
        let long = long_conversation(n).await;
        println!(
            "{n}-message conversation: open (click → newest shown) median {:.0} ms over {OPENS} (all: {}); {} messages in the DOM",
            median(&long.opens),
            list(&long.opens),
            long.dom_messages
        );
        for s in &long.scrolls {
            println!(
                "  scroll {}: {} frames, frame time p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms, {} frames over 50 ms",
                s.name, s.frames, s.p50, s.p95, s.max, s.long
            );
        }
        report.insert(
            format!("conversation_{n}"),
            json!({
                "open_ms": long.opens, "open_median": median(&long.opens), "dom_messages": long.dom_messages,
                "scrolls": long.scrolls.iter().map(|s| json!({"name": s.name, "frames": s.frames, "p50": s.p50, "p95": s.p95, "max": s.max, "over_50ms": s.long})).collect::<Vec<_>>(),
            }),
        );
    }
    std::fs::write(
        artifacts().join("window-bench.json"),
        serde_json::to_string_pretty(&Value::Object(report)).expect("json"),
    )
    .expect("write the report");
}

struct Rss {
    app: f64,
    web: f64,
    network: f64,
}

/// Resident memory (MB) of the app under `driver` and its WebKit helper processes.
fn processes(driver: u32) -> Rss {
    let mut rss = Rss {
        app: 0.0,
        web: 0.0,
        network: 0.0,
    };
    for pid in descendants(driver) {
        let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let mb = rss_mb(pid);
        match comm.trim() {
            "roundtable-app" => rss.app += mb,
            c if c.starts_with("WebKitWebProces") => rss.web += mb,
            c if c.starts_with("WebKitNetworkPr") => rss.network += mb,
            _ => {}
        }
    }
    rss
}

fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(0.0, |kb| kb / 1024.0)
}

struct Streaming {
    app_before: f64,
    app_peak: f64,
    web_peak: f64,
    complete: bool,
}

async fn stream_memory() -> Streaming {
    let pieces: Vec<String> = (0..4000)
        .map(|i| {
            if i % 200 == 199 {
                "\n\n```rust\nfn main() { println!(\"hi\"); }\n```\n\n".to_string()
            } else if i % 40 == 39 {
                "\n\n- a **list** item with `code`\n".to_string()
            } else {
                format!("word{i} ")
            }
        })
        .collect();
    let fake = FakeServer::start(move |req| {
        if req.path.ends_with("/models") {
            Protocol::OpenAi.models(&["m1"])
        } else {
            let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
            Protocol::OpenAi
                .stream(&Answer::new("m1", &refs))
                .paced(Duration::from_millis(2))
        }
    });
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
        fake.url()
    ));
    let (driver, client) = launch(&home.0).await;
    poll(
        &client,
        "return document.querySelector('.model-button')?.textContent === 'fake/m1'",
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let before = processes(driver.pid());
    let (mut app_peak, mut web_peak) = (before.app, before.web);
    client
        .execute(
            "const t = document.querySelector('textarea'); t.value = 'Stream a long answer'; \
             t.dispatchEvent(new Event('input', {bubbles: true})); \
             t.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); return true",
            vec![],
        )
        .await
        .expect("send");
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut complete = false;
    while Instant::now() < deadline {
        let p = processes(driver.pid());
        app_peak = app_peak.max(p.app);
        web_peak = web_peak.max(p.web);
        let done = client
            .execute(
                "return !!document.querySelector('.live .meta')?.textContent.includes('answered by')",
                vec![],
            )
            .await
            .ok()
            == Some(json!(true));
        if done {
            complete = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = client.close().await;
    Streaming {
        app_before: before.app,
        app_peak,
        web_peak,
        complete,
    }
}

struct Scroll {
    name: &'static str,
    frames: usize,
    p50: f64,
    p95: f64,
    max: f64,
    long: usize,
}

struct Long {
    opens: Vec<f64>,
    dom_messages: u64,
    scrolls: Vec<Scroll>,
}

async fn long_conversation(n: usize) -> Long {
    let (home, oldest, newest) = home_with_long_conversation(n);
    let (_driver, client) = launch(&home.0).await;
    poll(&client, "return !!document.querySelector('.conversation')").await;
    let mut opens = Vec::new();
    for _ in 0..OPENS {
        client
            .execute(
                "document.querySelector('.new-chat').click(); return true",
                vec![],
            )
            .await
            .expect("new chat");
        poll(
            &client,
            "return !document.querySelector('.messages .message')",
        )
        .await;
        let t0 = Instant::now();
        client
            .execute(
                "document.querySelector('.conversation').click(); return true",
                vec![],
            )
            .await
            .expect("open");
        poll(
            &client,
            &format!("return !!document.querySelector(\".message[data-id='{newest}']\")"),
        )
        .await;
        opens.push(t0.elapsed().as_secs_f64() * 1000.0);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dom_messages = client
        .execute(
            "return document.querySelectorAll('.messages .message').length",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .unwrap_or(0);
    let mut scrolls = Vec::new();
    // A wheel-like scroll up (120 px a frame), then a drag of the scrollbar to the top (the whole
    // height in 120 frames), each timed frame by frame with requestAnimationFrame.
    for (name, script) in [
        (
            "wheel, 120 px a frame for 600 frames",
            "const per = () => 120; const n = 600;",
        ),
        (
            "scrollbar drag, bottom to top in 120 frames",
            "const per = (m) => m.scrollHeight / 120; const n = 120;",
        ),
    ] {
        let js = format!(
            "const done = arguments[0]; const m = document.querySelector('.messages'); {script} \
             const times = []; let last = performance.now(); let i = 0; \
             const step = (now) => {{ times.push(now - last); last = now; \
               if (i++ >= n || m.scrollTop <= 0) {{ done(times.slice(1)); return; }} \
               m.scrollTop = Math.max(0, m.scrollTop - per(m)); requestAnimationFrame(step); }}; \
             m.scrollTop = m.scrollHeight; requestAnimationFrame((now) => {{ last = now; requestAnimationFrame(step); }});"
        );
        let times: Vec<f64> = client
            .execute_async(&js, vec![])
            .await
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let mut sorted = times.clone();
        sorted.sort_by(f64::total_cmp);
        let pct = |q: f64| {
            sorted
                .get(((sorted.len() as f64 - 1.0) * q).round() as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        scrolls.push(Scroll {
            name,
            frames: times.len(),
            p50: pct(0.5),
            p95: pct(0.95),
            max: sorted.last().copied().unwrap_or(f64::NAN),
            long: times.iter().filter(|t| **t > 50.0).count(),
        });
    }
    // The oldest is reachable.
    client
        .execute(
            "document.querySelector('.messages').scrollTop = 0; return true",
            vec![],
        )
        .await
        .expect("top");
    poll(
        &client,
        &format!("document.querySelector('.messages').scrollTop = 0; return !!document.querySelector(\".message[data-id='{oldest}']\")"),
    )
    .await;
    let _ = client.close().await;
    Long {
        opens,
        dom_messages,
        scrolls,
    }
}

async fn wait_listening(port: u16) {
    for _ in 0..500 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn list(v: &[f64]) -> String {
    v.iter()
        .map(|x| format!("{x:.0}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}
