//! The cost before you send: a request's prompt tokens for one target, their input cost, how much
//! of the context window they fill, and the answer's cost range up to its max tokens.
//!
//! Counts come from the real tokenizer where Rust has one: OpenAI's BPE (`o200k_base`,
//! `cl100k_base`, through `bpe-openai`, checked against `tiktoken-rs` in the tests) for OpenAI
//! models, a local model's own tokenizer through llama.cpp, and a Hugging Face `tokenizer.json`
//! when one is present for the model ([`hf`]). Otherwise the count is an
//! estimate, marked as one: characters times the tokens per character this model's (else this
//! provider's) answered requests reported in the ledger, else 4 characters a token.

pub mod hf;

use serde::Serialize;
use ts_rs::TS;

use crate::chat::{ChatRequest, Part, Usage};
use crate::client::{Engine, Target};
use crate::config::ProviderKind;
use crate::error::Result;
use crate::pricing::PriceBook;
use crate::store::Store;

/// How full a context may be before the estimate warns, in percent.
pub const WARN_FILL: f64 = 90.0;

/// Characters per token when nothing better is known.
pub const DEFAULT_CHARS_PER_TOKEN: f64 = 4.0;

/// The fewest answered requests a calibration rests on.
pub const MIN_SAMPLES: i64 = 3;

/// How the tokens were counted.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Counted {
    /// By the model's real tokenizer (`o200k_base`, `cl100k_base`, `local`).
    Exact { tokenizer: String },
    /// From characters, at a rate learnt from `samples` answered requests of this model (or
    /// provider); `samples` 0 means the 4-characters-a-token default.
    Estimated {
        #[ts(type = "number")]
        samples: i64,
        chars_per_token: f64,
    },
}

/// Whether the prompt fits the context window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Fit {
    /// Under 90%, or the window is unknown.
    Fits,
    /// Past 90%; or past 100% by an estimated count (a guess does not refuse a send: it may be
    /// refused by the provider; `cut_tokens` says by how much it may be over).
    Tight,
    /// Past 100% by an exact count: refused.
    Over,
}

/// The cost before sending, for one target.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    /// `provider/model` the request goes to first.
    pub target: String,
    #[ts(type = "number")]
    pub prompt_tokens: u64,
    pub counted: Counted,
    /// `None` when the price is unknown.
    #[ts(type = "number | null")]
    pub input_micros: Option<i64>,
    /// The context window, when known.
    #[ts(type = "number | null")]
    pub context_window: Option<u64>,
    /// The share of the window the prompt fills, in percent.
    pub fill_percent: Option<f64>,
    pub fit: Fit,
    /// Tokens to cut for the prompt to fit (with room for one answer token), when over.
    #[ts(type = "number")]
    pub cut_tokens: u64,
    /// The answer's most tokens: the request's max tokens, else the model's known limit.
    #[ts(type = "number | null")]
    pub max_answer_tokens: Option<u64>,
    /// The answer's cost at its max tokens (the range is 0 to this), when price and max known.
    #[ts(type = "number | null")]
    pub max_answer_micros: Option<i64>,
}

impl Estimate {
    /// The refusal a prompt over the window gets: what and how much to cut.
    pub fn over_error(&self) -> Option<crate::Error> {
        (self.fit == Fit::Over).then(|| {
            crate::Error::InvalidRequest(format!(
                "the prompt is {} tokens, over {}'s context window of {}: cut about {} tokens (older messages or attachments)",
                self.prompt_tokens,
                self.target,
                self.context_window.unwrap_or(0),
                self.cut_tokens
            ))
        })
    }
}

/// OpenAI's BPE for an OpenAI model name (`gpt-4o`, `openai/gpt-4.1-mini`, `o3`), if it is one.
pub fn openai_tokenizer(model: &str) -> Option<&'static str> {
    let name = model.rsplit('/').next().unwrap_or(model);
    let o200k = [
        "gpt-4o",
        "gpt-4.1",
        "gpt-4.5",
        "gpt-5",
        "chatgpt-4o",
        "gpt-oss",
        "o1",
        "o3",
        "o4",
    ];
    if o200k.iter().any(|p| {
        name == *p || name.starts_with(&format!("{p}-")) || name.starts_with(&format!("{p}."))
    }) {
        return Some("o200k_base");
    }
    if name.starts_with("gpt-4") || name.starts_with("gpt-3.5") {
        return Some("cl100k_base");
    }
    None
}

/// OpenAI's token ranks, as OpenAI publishes them (`*.tiktoken`, gzipped; SHA-256 of the
/// unpacked files: o200k 446a9538…a2d, cl100k 223921b7…2a7, the hashes tiktoken checks).
const O200K_RANKS: &[u8] = include_bytes!("../data/o200k_base.tiktoken.gz");
const CL100K_RANKS: &[u8] = include_bytes!("../data/cl100k_base.tiktoken.gz");
/// The hash factor that makes bpe's token hash collision-free for these two vocabularies (the
/// one bpe-openai builds its tables with).
const HASH_FACTOR: u64 = 17846336922010275747;

/// The pretokenizers, OpenAI's `pat_str` for each encoding with its negative look-ahead
/// `\s+(?!\S)` written as bpe-openai's positive pseudo look-ahead (`\s+\s`, whose last character
/// is dropped from the match).
const CL100K_PATTERN: &str = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+$";
const O200K_PATTERN: &str = concat!(
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
    "|\\p{N}{1,3}",
    "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*",
    "|\\s*[\\r\\n]+",
    "|\\s+$",
);

static O200K: std::sync::LazyLock<bpe_openai::Tokenizer> =
    std::sync::LazyLock::new(|| tokenizer(O200K_RANKS, O200K_PATTERN));
static CL100K: std::sync::LazyLock<bpe_openai::Tokenizer> =
    std::sync::LazyLock::new(|| tokenizer(CL100K_RANKS, CL100K_PATTERN));

/// Builds an OpenAI tokenizer from its ranks (o200k: about 1.7 s optimised, once per process;
/// the app starts it in the background at start, see [`warm_up`]). The data is built into the
/// binary and checked by the tests against tiktoken, so a failure here is a bug.
fn tokenizer(ranks: &[u8], pattern: &str) -> bpe_openai::Tokenizer {
    use std::io::Read;
    let mut text = String::new();
    flate2::read::GzDecoder::new(ranks)
        .read_to_string(&mut text)
        .expect("the built-in token ranks unpack");
    let tokens =
        bpe::byte_pair_encoding::read_tiktoken(&text).expect("the built-in token ranks parse");
    let encoding =
        bpe::byte_pair_encoding::BytePairEncoding::from_dictionary(tokens, Some(HASH_FACTOR));
    bpe_openai::Tokenizer::new_lookahead(
        encoding,
        &[(pattern, false), ("\\s+\\s", true), ("\\s+", false)],
        false,
    )
    .expect("the built-in pretokenizer compiles")
}

/// Builds both OpenAI tokenizers now, on the calling thread, so the first count does not wait.
pub fn warm_up() {
    std::sync::LazyLock::force(&O200K);
    std::sync::LazyLock::force(&CL100K);
}

fn bpe(name: &str) -> &'static bpe_openai::Tokenizer {
    match name {
        "cl100k_base" => &CL100K,
        _ => &O200K,
    }
}

/// Tokens of `text` under an OpenAI BPE.
pub fn count_openai(tokenizer: &str, text: &str) -> usize {
    bpe(tokenizer).count(text)
}

/// A chat request's prompt tokens under an OpenAI BPE, as OpenAI counts a chat: each message is
/// 3 tokens plus its role and text, and the reply is primed with 3 more. Text parts only.
pub fn count_openai_chat(tokenizer: &str, req: &ChatRequest) -> u64 {
    let t = bpe(tokenizer);
    let mut n = 3;
    let mut message = |role: &str, text: &str| {
        n += 3 + t.count(role) + t.count(text);
    };
    if let Some(system) = req.system.as_deref().filter(|s| !s.is_empty()) {
        message("system", system);
    }
    for m in &req.messages {
        let text: String = m.parts.iter().filter_map(Part::as_text).collect();
        message(m.role.as_str(), &text);
    }
    n as u64
}

/// Known context windows and answer limits: (`provider/model` prefix, window, max answer).
const WINDOWS: &[(&str, u64, u64)] = &[
    ("openai/gpt-4o", 128_000, 16_384),
    ("openai/gpt-4o-mini", 128_000, 16_384),
    ("openai/gpt-4.1", 1_047_576, 32_768),
    ("openai/gpt-4.1-mini", 1_047_576, 32_768),
    ("openai/gpt-4.1-nano", 1_047_576, 32_768),
    ("openai/gpt-5", 400_000, 128_000),
    ("openai/o1", 200_000, 100_000),
    ("openai/o3", 200_000, 100_000),
    ("openai/o4-mini", 200_000, 100_000),
    ("openai/gpt-4-turbo", 128_000, 4_096),
    ("openai/gpt-3.5-turbo", 16_385, 4_096),
    ("anthropic/claude-3-5-sonnet", 200_000, 8_192),
    ("anthropic/claude-3-5-haiku", 200_000, 8_192),
    ("anthropic/claude-3-7-sonnet", 200_000, 64_000),
    ("anthropic/claude-sonnet-4", 200_000, 64_000),
    ("anthropic/claude-sonnet-4-5", 200_000, 64_000),
    ("anthropic/claude-opus-4", 200_000, 32_000),
    ("anthropic/claude-haiku-4-5", 200_000, 64_000),
    ("anthropic/claude-3-opus", 200_000, 4_096),
    ("anthropic/claude-3-haiku", 200_000, 4_096),
    ("gemini/gemini-1.5-pro", 2_097_152, 8_192),
    ("gemini/gemini-1.5-flash", 1_048_576, 8_192),
    ("gemini/gemini-2.0-flash", 1_048_576, 8_192),
    ("gemini/gemini-2.5-pro", 1_048_576, 65_536),
    ("gemini/gemini-2.5-flash", 1_048_576, 65_536),
    ("groq/llama-3.3-70b-versatile", 131_072, 32_768),
    ("deepseek/deepseek-chat", 65_536, 8_192),
    ("deepseek/deepseek-reasoner", 65_536, 65_536),
    ("mistral/mistral-large-latest", 131_072, 131_072),
];

/// A model's context window and answer limit, when known (`openrouter/openai/gpt-4o` is looked
/// up as `openai/gpt-4o`).
pub fn known_window(model: &str) -> Option<(u64, u64)> {
    let find = |m: &str| {
        WINDOWS
            .iter()
            .filter(|(key, ..)| crate::pricing::matches_model(key, m))
            .max_by_key(|(key, ..)| key.len())
            .map(|&(_, w, a)| (w, a))
    };
    find(model).or_else(|| model.split_once('/').and_then(|(_, rest)| find(rest)))
}

/// The tokens per character this model's (else this provider's) answered requests reported, and
/// how many requests that rests on.
pub fn calibration(store: &Store, model: &str) -> Result<Option<(f64, i64)>> {
    let provider = model.split('/').next().unwrap_or(model);
    for (column, value) in [("model_requested", model), ("provider", provider)] {
        if let Some(c) = store.token_rate(column, value)? {
            if c.1 >= MIN_SAMPLES {
                return Ok(Some(c));
            }
        }
    }
    Ok(None)
}

/// The estimate for sending `req` to `target`.
pub fn estimate(
    engine: &Engine,
    store: &Store,
    prices: &PriceBook,
    target: &Target,
    req: &ChatRequest,
) -> Result<Estimate> {
    let name = target.to_string();
    let has_files = req
        .messages
        .iter()
        .flat_map(|m| &m.parts)
        .any(|p| !matches!(p, Part::Text(_)));
    let mut counted = None;
    let mut tokens = 0u64;
    let mut window = known_window(&name);
    if target.provider.kind == ProviderKind::Local {
        if let Ok(path) = engine.local_path(&target.model) {
            if let Ok((_, n)) = crate::local::runtime::prompt_tokens(&path, None, req) {
                tokens = n as u64;
                counted = Some(Counted::Exact {
                    tokenizer: "local".into(),
                });
            }
            // The context a model is loaded with: the configured one, capped at its training.
            let ctx = u64::from(engine.config().local.context);
            let trained = crate::local::runtime::trained_context(&path).unwrap_or(ctx);
            let w = ctx.min(trained).max(1);
            window = Some((w, w));
        }
    } else if let Some(tok) = openai_tokenizer(&target.model).filter(|_| !has_files) {
        tokens = count_openai_chat(tok, req);
        counted = Some(Counted::Exact {
            tokenizer: tok.into(),
        });
    } else if let Some(n) = (!has_files)
        .then(|| {
            hf::find(
                engine.config().data_dir.as_deref(),
                hf::hub_dir().as_deref(),
                &target.provider.id,
                &target.model,
            )
        })
        .flatten()
        .and_then(|path| hf::count_chat(&path, req))
    {
        tokens = n;
        counted = Some(Counted::Exact {
            tokenizer: "tokenizer.json".into(),
        });
    }
    let counted = match counted {
        Some(c) => c,
        None => {
            let chars = req.prompt_chars() as f64;
            let (rate, samples) =
                calibration(store, &name)?.unwrap_or((1.0 / DEFAULT_CHARS_PER_TOKEN, 0));
            tokens = (chars * rate).ceil() as u64;
            Counted::Estimated {
                samples,
                chars_per_token: if rate > 0.0 {
                    1.0 / rate
                } else {
                    DEFAULT_CHARS_PER_TOKEN
                },
            }
        }
    };
    let (price, _) = prices.price(&name);
    let input_micros = price.map(|p| {
        p.cost(&Usage {
            input_tokens: tokens,
            ..Default::default()
        })
    });
    let context_window = window.map(|w| w.0);
    let max_answer_tokens = req
        .max_tokens
        .map(u64::from)
        .or(window.map(|w| w.1))
        .map(|m| match context_window {
            Some(w) => m.min(w.saturating_sub(tokens)),
            None => m,
        });
    let max_answer_micros = price.zip(max_answer_tokens).map(|(p, m)| {
        p.cost(&Usage {
            output_tokens: m,
            ..Default::default()
        })
    });
    let fill_percent = context_window.map(|w| tokens as f64 * 100.0 / w.max(1) as f64);
    let exact = matches!(counted, Counted::Exact { .. });
    let fit = match fill_percent {
        Some(f) if f >= 100.0 && exact => Fit::Over,
        Some(f) if f > WARN_FILL => Fit::Tight,
        _ => Fit::Fits,
    };
    // With room for one answer token.
    let cut_tokens = match context_window {
        Some(w) if tokens >= w => tokens + 1 - w,
        _ => 0,
    };
    Ok(Estimate {
        target: name,
        prompt_tokens: tokens,
        counted,
        input_micros,
        context_window,
        fill_percent,
        fit,
        cut_tokens,
        max_answer_tokens,
        max_answer_micros,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_names_pick_their_bpe() {
        for (m, t) in [
            ("gpt-4o", Some("o200k_base")),
            ("gpt-4o-mini-2024-07-18", Some("o200k_base")),
            ("openai/gpt-4.1-nano", Some("o200k_base")),
            ("o3-mini", Some("o200k_base")),
            ("o1", Some("o200k_base")),
            ("gpt-5", Some("o200k_base")),
            ("gpt-4-turbo", Some("cl100k_base")),
            ("gpt-3.5-turbo", Some("cl100k_base")),
            ("claude-3-5-sonnet-latest", None),
            ("llama3.2", None),
            ("omni", None),
        ] {
            assert_eq!(openai_tokenizer(m), t, "{m}");
        }
    }

    #[test]
    fn windows_match_dated_and_routed_names() {
        assert_eq!(
            known_window("openai/gpt-4o-2024-08-06"),
            Some((128_000, 16_384))
        );
        assert_eq!(
            known_window("openrouter/openai/gpt-4o"),
            Some((128_000, 16_384))
        );
        assert_eq!(known_window("acme/x"), None);
    }

    #[test]
    fn counts_equal_tiktoken() {
        let texts = [
            "Hello, world!",
            "fn main() { println!(\"{}\", 1 + 2); }\n\n  indented\ttabs",
            "Ünïcödé — ありがとう 🎉🎉 مرحبا",
            include_str!("chat.rs"),
        ];
        let o200k = tiktoken_rs::o200k_base().unwrap();
        let cl100k = tiktoken_rs::cl100k_base().unwrap();
        for t in texts {
            assert_eq!(
                count_openai("o200k_base", t),
                o200k.encode_ordinary(t).len()
            );
            assert_eq!(
                count_openai("cl100k_base", t),
                cl100k.encode_ordinary(t).len()
            );
        }
    }
}
