//! The seeding tool for benchmarks: fills a store with synthetic history and ledger rows in bulk
//! (one transaction, prepared statements), spread over a span of days. Behind the `seed` feature:
//! the bench crate and the e2e benches turn it on; the app and the CLI are built without it.

use rusqlite::params;

use super::{LedgerOutcome, Store};
use crate::chat::Role;
use crate::error::Result;

/// What to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedSpec {
    /// Ledger rows.
    pub ledger_rows: usize,
    /// Messages in all.
    pub messages: usize,
    /// Messages per conversation (the first conversation gets this many too).
    pub messages_per_conversation: usize,
    /// Days the rows spread over, ending now.
    pub days: i64,
    /// The RNG seed.
    pub seed: u64,
}

/// Syllables of the synthetic vocabulary.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "dan", "or", "el", "ix", "bu", "quo",
    "zen",
];

/// The vocabulary's size; words are drawn with a Zipf-like (log-uniform) rank distribution, like
/// natural text, so a few words are very common and most are rare.
pub const VOCABULARY: usize = 20_000;

/// The word of a rank (0 is the most common).
pub fn seed_word(rank: usize) -> String {
    let (mut n, mut w) = (rank + 1, String::new());
    while n > 0 {
        w.push_str(SYLLABLES[n % SYLLABLES.len()]);
        n /= SYLLABLES.len();
    }
    w
}

fn zipf_rank(rng: &mut fastrand::Rng) -> usize {
    ((VOCABULARY as f64).powf(rng.f64()) as usize)
        .saturating_sub(1)
        .min(VOCABULARY - 1)
}

const MODELS: &[&str] = &[
    "openai/gpt-4o",
    "openai/gpt-4o-mini",
    "anthropic/claude-3-5-sonnet-latest",
    "anthropic/claude-haiku-4-5",
    "gemini/gemini-2.5-flash",
    "deepseek/deepseek-chat",
    "openrouter/meta-llama/llama-3.3-70b-instruct",
    "ollama/llama3.2",
];

impl Store {
    /// Seeds synthetic rows; returns the id of the first (largest) conversation.
    pub fn seed(&self, spec: SeedSpec) -> Result<i64> {
        let mut rng = fastrand::Rng::with_seed(spec.seed);
        let now = super::now_ms();
        let span = spec.days.max(1) * 86_400_000;
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let mut first = 0;
        {
            let mut conv = tx
                .prepare(
                    "INSERT INTO conversations (title, created_at, updated_at) VALUES (?1, ?2, ?2)",
                )
                .map_err(|e| self.err(e))?;
            let mut msg = tx
                .prepare(
                    "INSERT INTO messages (conversation_id, parent_id, role, text, model, status, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, ?5, 'complete', ?6, ?6)",
                )
                .map_err(|e| self.err(e))?;
            let per = spec.messages_per_conversation.max(1);
            let mut made = 0;
            while made < spec.messages {
                let start = now - span + (made as i64 * span / spec.messages.max(1) as i64);
                let title = format!(
                    "{} {}",
                    seed_word(zipf_rank(&mut rng)),
                    seed_word(zipf_rank(&mut rng))
                );
                conv.execute(params![title, start])
                    .map_err(|e| self.err(e))?;
                let c = tx.last_insert_rowid();
                if first == 0 {
                    first = c;
                }
                let mut parent: Option<i64> = None;
                for i in 0..per.min(spec.messages - made) {
                    let words: Vec<String> = (0..rng.usize(8..40))
                        .map(|_| seed_word(zipf_rank(&mut rng)))
                        .collect();
                    let (role, model) = if i % 2 == 0 {
                        (Role::User, None)
                    } else {
                        (Role::Assistant, Some(MODELS[rng.usize(..MODELS.len())]))
                    };
                    msg.execute(params![
                        c,
                        parent,
                        role,
                        words.join(" "),
                        model,
                        start + i as i64
                    ])
                    .map_err(|e| self.err(e))?;
                    parent = Some(tx.last_insert_rowid());
                }
                made += per.min(spec.messages - made);
            }
            let mut led = tx
                .prepare(
                    "INSERT INTO ledger (request_id, provider, model_requested, model_answered, attempt, outcome, error_class, started_at,
                        ttft_ms, duration_ms, input_tokens, output_tokens, cache_read_tokens, reasoning_tokens, cost_micros, price_source)
                     VALUES (?1, ?2, ?3, ?3, 1, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'builtin')",
                )
                .map_err(|e| self.err(e))?;
            for i in 0..spec.ledger_rows {
                let model = MODELS[rng.usize(..MODELS.len())];
                let failed = rng.u8(..100) < 3;
                let (input, output) = (
                    rng.i64(100..20_000),
                    if failed { 0 } else { rng.i64(10..2_000) },
                );
                led.execute(params![
                    format!("{i:x}"),
                    model.split('/').next().unwrap_or("p"),
                    model,
                    if failed {
                        LedgerOutcome::Failed
                    } else {
                        LedgerOutcome::Ok
                    },
                    failed.then_some("rate_limited"),
                    now - span + (i as i64 * span / spec.ledger_rows.max(1) as i64),
                    rng.i64(100..3_000),
                    rng.i64(500..30_000),
                    input,
                    output,
                    input / 4,
                    output / 10,
                    (input * 3 + output * 15) / 1000,
                ])
                .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(first)
    }
}
