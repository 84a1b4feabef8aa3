//! Compare under load and the dashboard at scale, in the real window:
//!
//! - 8 compare columns at 1,000 tokens/s each for 30 s (a pacing server that counts what it has
//!   sent): how far the window's text is behind what was sent, sampled each second (a growing
//!   backlog would show as a growing lag), how long a click takes to be handled while it streams,
//!   and whether every token ends up on screen;
//! - the usage dashboard over 1,000,000 ledger rows: the engine's query, and click → table shown.
//!
//! ```text
//! cargo build --release -p roundtable-app --features custom-protocol
//! xvfb-run -a -s "-screen 0 1280x800x24" cargo bench -p roundtable-e2e --bench compare
//! ```
//! `COMPARE_SECONDS` shortens the stream (default 30). Figures go to stdout and
//! `artifacts/compare-bench.json`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use roundtable_e2e::{app_binary, artifacts, home_with_config, launch, median, poll, tempfile_dir};
use roundtable_engine::store::{SeedSpec, Store};
use roundtable_fakes::{Answer, Protocol};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const COLUMNS: usize = 8;
/// Words per SSE chunk; one chunk every 10 ms is 1,000 words a second.
const PER_CHUNK: u64 = 10;

#[tokio::main]
async fn main() {
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("compare bench: no DISPLAY; run it under xvfb-run (see the header)");
        return;
    }
    let app = app_binary();
    if !app.exists() {
        eprintln!(
            "compare bench: build the app first ({} is missing)",
            app.display()
        );
        std::process::exit(1);
    }
    let seconds: u64 = std::env::var("COMPARE_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(30);
    let mut report = serde_json::Map::new();
    report.insert("app".into(), json!(app));
    report.insert("compare".into(), compare_under_load(seconds).await);
    report.insert("dashboard".into(), dashboard_at_scale().await);
    std::fs::write(
        artifacts().join("compare-bench.json"),
        serde_json::to_string_pretty(&Value::Object(report)).expect("json"),
    )
    .expect("write the report");
}

/// The words of column `c`'s answer: `c{c}w{i}`, a paragraph every 100 words.
fn pieces(column: usize, words: u64) -> Vec<String> {
    (0..words / PER_CHUNK)
        .map(|k| {
            let mut s = String::new();
            for i in k * PER_CHUNK..(k + 1) * PER_CHUNK {
                s.push_str(&format!("c{column}w{i}"));
                s.push_str(if i % 100 == 99 { "\n\n" } else { " " });
            }
            s
        })
        .collect()
}

/// A loopback OpenAI-compatible server: `/v1/models` lists m0…m7; a chat for `mN` streams
/// `words` words at 1,000 a second (a chunk each 10 ms, catching up if a tick is late), counting
/// in `sent[N]` the words written so far.
async fn pacer(words: u64, sent: Arc<Vec<AtomicU64>>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let _ = sock.set_nodelay(true);
            let sent = sent.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                let (head_end, length) = loop {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&buf[..end]).to_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .and_then(|v| v.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        break (end + 4, length);
                    }
                };
                while buf.len() < head_end + length {
                    let Ok(n) = sock.read(&mut chunk).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                }
                let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
                if head.starts_with("GET") {
                    let models: Vec<String> = (0..COLUMNS).map(|i| format!("m{i}")).collect();
                    let refs: Vec<&str> = models.iter().map(String::as_str).collect();
                    let body = Protocol::OpenAi.models_body(&refs);
                    let _ = sock
                        .write_all(format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}", body.len()).as_bytes())
                        .await;
                    return;
                }
                let body: Value = serde_json::from_slice(&buf[head_end..]).unwrap_or(Value::Null);
                let model = body["model"].as_str().unwrap_or("m0").to_string();
                let column: usize = model.trim_start_matches('m').parse().unwrap_or(0);
                let texts = pieces(column, words);
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                let mut answer = Answer::new(&model, &refs);
                answer.output = words;
                let frames = Protocol::OpenAi.stream_frames(&answer);
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n")
                    .await;
                let mut tick = tokio::time::interval(Duration::from_millis(10));
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
                let n = frames.len();
                for (k, frame) in frames.into_iter().enumerate() {
                    // Frame 0 is the role; the last three close the answer.
                    if k > 0 && k < n - 3 {
                        tick.tick().await;
                    }
                    if sock.write_all(frame.as_bytes()).await.is_err() {
                        return;
                    }
                    if k > 0 && k < n - 3 {
                        sent[column].fetch_add(PER_CHUNK, Ordering::Relaxed);
                    }
                }
            });
        }
    });
    url
}

async fn compare_under_load(seconds: u64) -> Value {
    let words = seconds * 1000;
    let sent: Arc<Vec<AtomicU64>> = Arc::new((0..COLUMNS).map(|_| AtomicU64::new(0)).collect());
    let url = pacer(words, sent.clone()).await;
    let home = home_with_config(&format!(
        "[providers.pace]\nkind = \"openai\"\nbase_url = \"{url}/v1\"\n"
    ));
    let (_driver, client) = launch(&home.0).await;
    poll(&client, "return !!document.querySelector('.to-compare')").await;
    client
        .execute(
            "document.querySelector('.to-compare').click(); return true",
            vec![],
        )
        .await
        .expect("compare view");
    poll(&client, "return [...document.querySelectorAll('.compare .slot option')].some(o => o.value === 'pace/m7')").await;
    for i in 0..COLUMNS {
        let js = format!(
            "const s = document.querySelectorAll('.compare .slot')[{i}]; s.value = 'pace/m{i}'; \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value === 'pace/m{i}'"
        );
        poll(&client, &js).await;
    }
    // In-page input delay of each click: handler start minus the event's own time.
    client
        .execute(
            "window.__clickDelays = []; document.querySelector('.compare .sync input').addEventListener('click', \
             e => window.__clickDelays.push(performance.now() - e.timeStamp)); return true",
            vec![],
        )
        .await
        .expect("click probe");
    client
        .find(Locator::Css(".compare-input"))
        .await
        .expect("composer")
        .send_keys("Stream\u{E007}")
        .await
        .expect("send");
    // How far each column's text is behind what was sent: the highest word index shown.
    let shown_js = "return [...document.querySelectorAll('.column')].map(c => { \
        const t = c.querySelector('.answer')?.textContent || ''; const m = t.match(/w(\\d+)\\s*$/); return m ? Number(m[1]) + 1 : 0; })";
    let started = Instant::now();
    let mut samples: Vec<(f64, u64, u64)> = Vec::new(); // (seconds, max lag words, total shown)
    let mut clicks = Vec::new();
    let mut next_click = Instant::now() + Duration::from_millis(1500);
    loop {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        let shown: Vec<u64> = client
            .execute(shown_js, vec![])
            .await
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let lag = (0..COLUMNS)
            .map(|i| {
                sent[i]
                    .load(Ordering::Relaxed)
                    .saturating_sub(*shown.get(i).unwrap_or(&0))
            })
            .max()
            .unwrap_or(0);
        samples.push((started.elapsed().as_secs_f64(), lag, shown.iter().sum()));
        if Instant::now() >= next_click {
            // A real click through WebDriver; handled when the checkbox has flipped.
            let before = client
                .execute(
                    "return document.querySelector('.compare .sync input').checked",
                    vec![],
                )
                .await
                .expect("state");
            let t0 = Instant::now();
            client
                .find(Locator::Css(".compare .sync input"))
                .await
                .expect("the checkbox")
                .click()
                .await
                .expect("click");
            let flipped = format!(
                "return document.querySelector('.compare .sync input').checked !== {before}"
            );
            poll(&client, &flipped).await;
            clicks.push(t0.elapsed().as_secs_f64() * 1000.0);
            next_click = Instant::now() + Duration::from_millis(2000);
        }
        let all_sent = (0..COLUMNS).all(|i| sent[i].load(Ordering::Relaxed) >= words);
        if all_sent && lag == 0 {
            break;
        }
        if started.elapsed() > Duration::from_secs(seconds * 4 + 60) {
            break;
        }
    }
    poll(
        &client,
        "return document.querySelectorAll('.column-status.done').length === 8",
    )
    .await;
    let complete = client
        .execute(
            &format!(
                "return [...document.querySelectorAll('.column')].map(c => (c.querySelector('.answer').textContent.match(/w\\d+/g) || []).length === {words})"
            ),
            vec![],
        )
        .await
        .expect("count");
    let every_token = complete
        .as_array()
        .is_some_and(|a| a.len() == COLUMNS && a.iter().all(|v| v == &json!(true)));
    let delays: Vec<f64> = client
        .execute("return window.__clickDelays", vec![])
        .await
        .ok()
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let _ = client.close().await;

    let lags: Vec<f64> = samples.iter().map(|s| s.1 as f64).collect();
    let streaming: Vec<f64> = samples
        .iter()
        .filter(|s| s.0 <= seconds as f64)
        .map(|s| s.1 as f64)
        .collect();
    let half = streaming.len() / 2;
    let (early, late) = (
        median(&streaming[..half.max(1).min(streaming.len())]),
        median(&streaming[half..]),
    );
    let max_lag = lags.iter().cloned().fold(0.0, f64::max);
    let mut sorted = clicks.clone();
    sorted.sort_by(f64::total_cmp);
    let p95 = sorted
        .get(((sorted.len() as f64 - 1.0) * 0.95).round() as usize)
        .copied()
        .unwrap_or(f64::NAN);
    println!(
        "compare: {COLUMNS} columns × 1,000 words/s × {seconds} s = {} words; every word shown: {every_token}; done {:.1} s after the start",
        COLUMNS as u64 * words,
        samples.last().map_or(0.0, |s| s.0)
    );
    println!(
        "  lag behind the server (worst column, words; 1,000 words = 1 s): median first half {early:.0}, second half {late:.0}, max {max_lag:.0}"
    );
    println!(
        "  click while streaming (WebDriver click → handled): median {:.0} ms, p95 {p95:.0} ms, max {:.0} ms over {} clicks; in-page input delay median {:.1} ms",
        median(&clicks),
        sorted.last().copied().unwrap_or(f64::NAN),
        clicks.len(),
        median(&delays)
    );
    json!({
        "columns": COLUMNS, "seconds": seconds, "every_word_shown": every_token,
        "lag_words": {"first_half_median": early, "second_half_median": late, "max": max_lag, "samples": samples},
        "click_ms": clicks, "click_median": median(&clicks), "click_p95": p95, "input_delay_ms": delays,
    })
}

async fn dashboard_at_scale() -> Value {
    let home = tempfile_dir();
    let t0 = Instant::now();
    let store = Store::open(&home.0).expect("store");
    store
        .seed(SeedSpec {
            ledger_rows: 1_000_000,
            messages: 0,
            messages_per_conversation: 1,
            days: 90,
            seed: 3,
        })
        .expect("seed");
    let seeded = t0.elapsed().as_secs_f64();
    let today = time::OffsetDateTime::now_utc().date();
    let since = (today - time::Duration::days(89)).to_string();
    let until = today.to_string();
    let config = roundtable_engine::Config::default();
    let mut engine_ms = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let d = roundtable_engine::reports::dashboard::dashboard(&store, &config, &since, &until)
            .expect("dashboard");
        engine_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        assert!(d.total_micros > 0);
    }
    drop(store);
    let (_driver, client) = launch(&home.0).await;
    poll(&client, "return !!document.querySelector('.to-usage')").await;
    let mut open_ms = Vec::new();
    let mut range_ms = Vec::new();
    for _ in 0..3 {
        client
            .execute(
                "document.querySelector('.new-chat').click(); return true",
                vec![],
            )
            .await
            .expect("away");
        let t = Instant::now();
        client
            .execute(
                "document.querySelector('.to-usage').click(); return true",
                vec![],
            )
            .await
            .expect("usage");
        poll(&client, "return document.querySelectorAll('.model-row').length > 0 && document.querySelector('.spend-chart').width > 0").await;
        open_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        // The whole 90 days.
        let t = Instant::now();
        let js = format!(
            "const i = document.querySelector('.usage-since'); i.value = '{since}'; i.dispatchEvent(new Event('change', {{bubbles: true}})); \
             return true"
        );
        client.execute(&js, vec![]).await.expect("range");
        poll(&client, &format!("return document.querySelector('.usage .total')?.textContent.includes('from {since}')")).await;
        range_ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    let _ = client.close().await;
    println!(
        "dashboard over 1,000,000 ledger rows (90 days; seeded in {seeded:.1} s): engine query median {:.1} ms; \
         in the window, click → table and chart shown median {:.0} ms (30 days), range changed to 90 days → shown median {:.0} ms",
        median(&engine_ms),
        median(&open_ms),
        median(&range_ms)
    );
    json!({"rows": 1_000_000, "engine_ms": engine_ms, "open_ms": open_ms, "range_90_days_ms": range_ms})
}
