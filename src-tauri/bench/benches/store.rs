//! The store on a database seeded with 1,000,000 ledger rows and 1,000,000 messages (the seeding
//! tool is `Store::seed`): the dashboard's aggregation (90 days by day × model), search (newest
//! first, top 50; and ranked), opening a 10,000-message conversation, and the insert rate while
//! streaming 8 answers at once through the crash-safe recorder.
//!
//! `cargo bench -p roundtable-bench --bench store` (env: BENCH_ROWS, BENCH_RUNS).

use std::time::{Duration, Instant};

use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::Recorder;
use roundtable_engine::store::{seed_word, SeedSpec, Store};
use roundtable_engine::{Attempt, Config, Outcome};

fn env_or(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median_ms(mut f: impl FnMut(), runs: usize) -> (f64, f64) {
    let mut t: Vec<f64> = (0..runs)
        .map(|_| {
            let s = Instant::now();
            f();
            s.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    t.sort_by(|a, b| a.total_cmp(b));
    (t[t.len() / 2], t[(t.len() * 95 / 100).min(t.len() - 1)])
}

fn main() {
    let rows = env_or("BENCH_ROWS", 1_000_000);
    let runs = env_or("BENCH_RUNS", 30);
    let dir = tempfile::tempdir().expect("a temp dir");
    let store = Store::open(dir.path()).expect("a store");
    let t = Instant::now();
    let big = store
        .seed(SeedSpec {
            ledger_rows: rows,
            messages: rows,
            messages_per_conversation: 10_000,
            days: 120,
            seed: 7,
        })
        .expect("seeded");
    println!(
        "seeded {rows} ledger rows and {rows} messages in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let today = time::OffsetDateTime::now_utc().date();
    let since = today - time::Duration::days(89);
    let (s, u) = (since.to_string(), today.to_string());
    let (mut cells, mut cost) = (0, 0i64);
    let (med, p95) = median_ms(
        || {
            let grid = store.usage_by_day_and_model(&s, &u).expect("grid");
            cells = grid.len();
            cost = grid.iter().map(|(_, r)| r.cost_micros).sum();
        },
        runs,
    );
    println!("dashboard aggregation, 90 days by day x model ({cells} cells, ${:.2}): median {med:.2} ms, p95 {p95:.2} ms (goal <= 50 ms)", cost as f64 / 1e6);

    // Words of the Zipf-like vocabulary: two moderately common ones (ranks 100 and 400, each in a
    // few percent of messages), and the most common word (in most messages) as a worst case.
    let typical = format!("{} {}", seed_word(100), seed_word(400));
    let common = seed_word(0);
    let mut hits = 0;
    for (label, q) in [
        ("two typical words", typical.as_str()),
        ("the most common word", common.as_str()),
    ] {
        let (med, p95) = median_ms(
            || hits = store.search(q, false, 50).expect("search").len(),
            runs,
        );
        println!("search newest first, top 50, {label} ({hits} hits): median {med:.2} ms, p95 {p95:.2} ms (goal <= 20 ms)");
        let (med, p95) = median_ms(
            || hits = store.search(q, true, 50).expect("search").len(),
            runs.min(10),
        );
        println!("search ranked (bm25), top 50, {label} ({hits} hits): median {med:.2} ms, p95 {p95:.2} ms");
    }

    let mut n = 0;
    let (med, p95) = median_ms(
        || {
            n = store
                .conversation(big)
                .expect("conversation")
                .messages
                .len()
        },
        runs,
    );
    println!(
        "open a {n}-message conversation: median {med:.2} ms, p95 {p95:.2} ms (goal <= 50 ms)"
    );

    // 8 answers streaming at once, 4-character deltas, through the recorder (flushes included).
    let prices = PriceBook::new(&Config::default());
    let conv = store
        .create_conversation(
            "bench",
            None,
            roundtable_engine::store::ConversationKind::Compare,
        )
        .expect("conversation");
    let user = store
        .add_message(&roundtable_engine::store::NewMessage::complete(
            conv,
            None,
            roundtable_engine::Role::User,
            "go",
        ))
        .expect("user");
    let mut recs: Vec<Recorder<'_>> = (0..8)
        .map(|i| Recorder::new(&store, &prices, conv, user, Some(i), None, 2))
        .collect();
    for (i, r) in recs.iter_mut().enumerate() {
        r.attempt(&Attempt {
            target: format!("openai/gpt-4o-{i}"),
            number: 1,
            outcome: Outcome::Ok,
            class: None,
            status: None,
            ms: 5,
            message: None,
        })
        .expect("attempt");
    }
    let deltas = 200_000;
    let t = Instant::now();
    for d in 0..deltas {
        recs[d % 8].delta("tok ").expect("delta");
    }
    let secs = t
        .elapsed()
        .as_secs_f64()
        .max(Duration::from_micros(1).as_secs_f64());
    println!(
        "recording 8 streams at once: {:.0} deltas/s ({deltas} deltas of 4 bytes, a flush per {} bytes or {} ms per stream)",
        deltas as f64 / secs,
        roundtable_engine::store::FLUSH_BYTES,
        roundtable_engine::store::FLUSH_INTERVAL.as_millis()
    );
}
