//! The cost before you send, as the person types: counting 50,000 tokens (goal ≤ 20 ms), beside
//! tiktoken-rs on the same text; the whole preview of a chat turn whose stored history is about
//! 50,000 tokens (SQLite read, settings, count, price, limits); and the calibrated estimate of a
//! model with no tokenizer (its ledger history read).
//!
//! `cargo bench -p roundtable-bench --bench tokens` (env: BENCH_RUNS, default 30). Medians.

use std::sync::Arc;
use std::time::{Duration, Instant};

use roundtable_engine::chat::Role;
use roundtable_engine::estimate::count_openai;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::{preview, TurnSpec};
use roundtable_engine::store::{ConversationKind, LedgerOutcome, LedgerRow, NewMessage, Store};
use roundtable_engine::{Config, Engine, Router};

/// Prose, code and other scripts: the engine's own sources and a few languages.
fn corpus() -> String {
    let parts = [
        include_str!("../../engine/src/chat.rs"),
        include_str!("../../engine/src/estimate.rs"),
        include_str!("../../engine/src/store/budget.rs"),
        include_str!("../../engine/src/session/settings.rs"),
        "Ünïcödé — ありがとうございます。 Привет, как дела? مرحبا بالعالم 🎉 Ça coûte 3,50 €.\n",
    ];
    parts.concat()
}

/// At least `tokens` o200k tokens of the corpus, repeated.
fn text_of(tokens: usize) -> String {
    let c = corpus();
    let mut out = String::new();
    while count_openai("o200k_base", &out) < tokens {
        out.push_str(&c);
    }
    out
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time(runs: usize, mut f: impl FnMut()) -> Duration {
    f(); // warm (tables loaded once per process)
    median(
        (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed()
            })
            .collect(),
    )
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30);
    let text = text_of(50_000);
    let n = count_openai("o200k_base", &text);
    let ours = time(runs, || {
        std::hint::black_box(count_openai("o200k_base", std::hint::black_box(&text)));
    });
    let tk = tiktoken_rs::o200k_base().expect("tiktoken tables");
    assert_eq!(tk.encode_ordinary(&text).len(), n, "the counts agree");
    let theirs = time(runs.min(10), || {
        std::hint::black_box(tk.encode_ordinary(std::hint::black_box(&text)).len());
    });
    println!(
        "count {n} tokens ({} KB): bpe-openai median {:.2} ms; tiktoken-rs {:.2} ms ({:.1}x)",
        text.len() / 1024,
        ours.as_secs_f64() * 1e3,
        theirs.as_secs_f64() * 1e3,
        theirs.as_secs_f64() / ours.as_secs_f64()
    );

    // The whole preview: a stored conversation of ~50,000 tokens in 40 messages, plus a draft.
    let dir = tempfile::tempdir().expect("temp dir");
    let config = Config::parse(
        "[providers.openai]\nbase_url = \"http://127.0.0.1:9/v1\"\n[providers.acme]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
        std::path::Path::new("bench.toml"),
    )
    .expect("config");
    let prices = PriceBook::new(&config);
    let router = Router::new(Arc::new(
        Engine::new(config, Arc::new(MemoryKeys::new())).expect("engine"),
    ));
    let store = Store::open(dir.path()).expect("store");
    let id = store
        .create_conversation("long", Some("Be brief."), ConversationKind::Chat)
        .expect("conversation");
    let piece = text.len() / 40;
    let boundary = |mut at: usize| {
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    let mut parent = None;
    for i in 0..40 {
        let start = boundary(i * piece);
        let end = boundary((i + 1) * piece);
        let role = if i % 2 == 0 {
            Role::User
        } else {
            Role::Assistant
        };
        let m = NewMessage::complete(id, parent, role, &text[start..end]);
        parent = Some(store.add_message(&m).expect("message"));
    }
    let spec = |model: &str| TurnSpec {
        conversation: Some(id),
        prompt: "And what does it cost?".into(),
        targets: vec![model.into()],
        ..Default::default()
    };
    let exact = spec("openai/gpt-4o");
    let p = preview::turn(&router, &store, &prices, &exact).expect("preview");
    let whole = time(runs, || {
        std::hint::black_box(preview::turn(&router, &store, &prices, &exact).expect("preview"));
    });
    println!(
        "preview of a chat turn with {} prompt tokens (gpt-4o, exact): median {:.2} ms",
        p.columns[0].prompt_tokens,
        whole.as_secs_f64() * 1e3
    );

    // The calibrated estimate: 200 answered requests of `acme/m` in the ledger.
    for i in 0..200 {
        store
            .record_attempt(&LedgerRow {
                request_id: format!("r{i}"),
                provider: "acme".into(),
                model_requested: "acme/m".into(),
                attempt: 1,
                outcome: LedgerOutcome::Ok,
                started_at: 1,
                input_tokens: 1000 + i,
                prompt_chars: 4100 + i * 3,
                ..Default::default()
            })
            .expect("ledger row");
    }
    let guess = spec("acme/m");
    let p = preview::turn(&router, &store, &prices, &guess).expect("preview");
    let calibrated = time(runs, || {
        std::hint::black_box(preview::turn(&router, &store, &prices, &guess).expect("preview"));
    });
    println!(
        "preview with the calibrated estimate (acme/m, ≈{} tokens): median {:.2} ms",
        p.columns[0].prompt_tokens,
        calibrated.as_secs_f64() * 1e3
    );
}
