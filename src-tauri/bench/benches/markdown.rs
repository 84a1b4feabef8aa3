//! The streaming Markdown renderer on a 100 KB answer (prose, lists, code, tables) arriving in
//! 20,000 deltas: the total time of the incremental render against one full render of the final
//! text (goal ≤ 3×) and against the naive re-render of the whole text per delta, in one run.
//!
//! `cargo bench -p roundtable-bench --bench markdown` (env: BENCH_RUNS, BENCH_NAIVE=0 to skip the
//! naive run, which takes about a minute).

use std::time::Instant;

use roundtable_engine::markdown::{render, MarkdownStream};

const WORDS: &[&str] = &[
    "the",
    "model",
    "returns",
    "a",
    "stream",
    "of",
    "tokens",
    "and",
    "each",
    "request",
    "is",
    "routed",
    "through",
    "fallback",
    "chain",
    "when",
    "provider",
    "fails",
    "with",
    "rate",
    "limit",
    "error",
    "answer",
    "cost",
    "ledger",
    "records",
    "every",
    "cent",
    "spent",
    "on",
    "usage",
    "latency",
    "first",
    "token",
    "throughput",
    "context",
    "window",
    "prompt",
    "cache",
    "reasoning",
    "budget",
    "key",
    "keychain",
    "local",
    "database",
    "query",
    "index",
    "search",
    "history",
    "conversation",
    "message",
    "branch",
    "edit",
    "regenerate",
    "compare",
    "columns",
    "side",
    "by",
    "vote",
    "leaderboard",
    "dashboard",
    "chart",
    "daily",
    "spend",
    "per",
    "client",
];

fn sentence(rng: &mut fastrand::Rng, out: &mut String) {
    let n = rng.usize(8..20);
    for i in 0..n {
        let w = WORDS[rng.usize(..WORDS.len())];
        if i == 0 {
            let mut c = w.chars();
            let first = c.next().unwrap().to_ascii_uppercase();
            out.push(first);
            out.push_str(c.as_str());
        } else {
            out.push(' ');
            match rng.u8(..40) {
                0 => out.push_str(&format!("**{w}**")),
                1 => out.push_str(&format!("`{w}()`")),
                2 => out.push_str(&format!("[{w}](https://docs.example.com/{w})")),
                3 => out.push_str(&format!("*{w}*")),
                _ => out.push_str(w),
            }
            if rng.u8(..12) == 0 {
                out.push(',');
            }
        }
    }
    out.push_str(if rng.u8(..6) == 0 { "?" } else { "." });
}

fn paragraph(rng: &mut fastrand::Rng, out: &mut String) {
    for i in 0..rng.usize(3..6) {
        if i > 0 {
            out.push(' ');
        }
        sentence(rng, out);
    }
    out.push_str("\n\n");
}

/// A deterministic answer of about `size` bytes.
fn answer(size: usize) -> String {
    let mut rng = fastrand::Rng::with_seed(42);
    let mut out = String::new();
    let mut section = 0;
    while out.len() < size {
        section += 1;
        out.push_str(&format!("## Part {section}: routing and costs\n\n"));
        paragraph(&mut rng, &mut out);
        paragraph(&mut rng, &mut out);
        for _ in 0..rng.usize(3..7) {
            out.push_str("- ");
            sentence(&mut rng, &mut out);
            out.push('\n');
        }
        out.push('\n');
        out.push_str("```rust\n");
        for i in 0..rng.usize(8..24) {
            out.push_str(&format!(
                "    let {w}_{i} = router.{v}(\"{w}\", {i}); // {c}\n",
                w = WORDS[rng.usize(..WORDS.len())],
                v = WORDS[rng.usize(..WORDS.len())],
                c = WORDS[rng.usize(..WORDS.len())],
            ));
        }
        out.push_str("```\n\n");
        paragraph(&mut rng, &mut out);
        out.push_str("| Model | Tokens | Cost | Latency |\n|:--|--:|--:|--:|\n");
        for _ in 0..rng.usize(3..7) {
            out.push_str(&format!(
                "| {} | {} | ${}.{:02} | {} ms |\n",
                WORDS[rng.usize(..WORDS.len())],
                rng.u32(100..9000),
                rng.u8(..9),
                rng.u8(..100),
                rng.u32(80..900)
            ));
        }
        out.push('\n');
        for i in 1..rng.usize(3..6) {
            out.push_str(&format!("{i}. "));
            sentence(&mut rng, &mut out);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

/// Splits like a BPE tokenizer does: a word with its leading space, a run of one punctuation
/// character with its leading space (` **`, `` ` ``, ` |`), a run of spaces, a line break; then
/// joins neighbours until there are exactly `n` deltas.
fn deltas(text: &str, n: usize) -> Vec<String> {
    let mut tokens: Vec<String> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        if chars[j] == ' ' && chars.get(j + 1).is_some_and(|c| *c != ' ' && *c != '\n') {
            j += 1; // the leading space goes with what follows
        }
        let c = chars[j];
        j += 1;
        if c.is_alphanumeric() {
            while j < chars.len() && chars[j].is_alphanumeric() {
                j += 1;
            }
        } else if c != '\n' {
            while j < chars.len() && chars[j] == c {
                j += 1;
            }
        }
        tokens.push(chars[i..j].iter().collect());
        i = j;
    }
    let mut rng = fastrand::Rng::with_seed(7);
    while tokens.len() > n {
        let i = rng.usize(..tokens.len() - 1);
        let next = tokens.remove(i + 1);
        tokens[i].push_str(&next);
    }
    tokens
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn main() {
    let runs: usize = std::env::var("BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(15);
    let text = answer(100_000);
    let parts = deltas(&text, 20_000);
    assert_eq!(parts.concat(), text);
    println!(
        "answer: {} bytes, {} deltas (mean {:.1} bytes), {} code blocks, {} tables",
        text.len(),
        parts.len(),
        text.len() as f64 / parts.len() as f64,
        text.matches("```rust").count(),
        text.matches("|:--|").count()
    );
    let full_html = render(&text);

    let mut full = Vec::new();
    let mut incr = Vec::new();
    let mut per_delta = Vec::with_capacity(parts.len());
    for run in 0..runs {
        let t = Instant::now();
        let html = render(&text);
        full.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(html.len(), full_html.len());

        let t = Instant::now();
        let mut s = MarkdownStream::new();
        for d in &parts {
            if run == 0 {
                let t1 = Instant::now();
                std::hint::black_box(s.push(d));
                per_delta.push(t1.elapsed().as_secs_f64() * 1e6);
            } else {
                std::hint::black_box(s.push(d));
            }
        }
        std::hint::black_box(s.finish());
        incr.push(t.elapsed().as_secs_f64() * 1e3);
        assert_eq!(
            s.html(),
            full_html,
            "the incremental result equals the full render"
        );
    }
    let (f, i) = (median(full), median(incr));
    per_delta.sort_by(|a, b| a.total_cmp(b));
    let p = |q: f64| per_delta[((per_delta.len() as f64 * q) as usize).min(per_delta.len() - 1)];
    println!("full render of the final text: median {f:.2} ms ({runs} runs)");
    println!("incremental, 20,000 deltas:    median {i:.2} ms total = {:.2}x the full render (goal <= 3x)", i / f);
    println!(
        "  per delta: p50 {:.2} us, p99 {:.1} us, max {:.0} us",
        p(0.5),
        p(0.99),
        per_delta[per_delta.len() - 1]
    );
    if std::env::var("BENCH_NAIVE").as_deref() != Ok("0") {
        let t = Instant::now();
        let mut so_far = String::with_capacity(text.len());
        for d in &parts {
            so_far.push_str(d);
            std::hint::black_box(render(&so_far));
        }
        let n = t.elapsed().as_secs_f64() * 1e3;
        println!(
            "naive re-render per delta:     {n:.0} ms total (one run) = {:.0}x the full render, {:.0}x the incremental",
            n / f,
            n / i
        );
    }
}
