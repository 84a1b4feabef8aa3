//! Prices and costs: a built-in dated table for the direct providers' flagship models, prices
//! imported from OpenRouter's catalog, and `[prices."provider/model"]` overrides; costs in integer
//! micro-dollars from the normalised usage, so nothing is counted twice.
//!
//! It only computes; the ledger stores the price used with each row.

use std::collections::HashMap;

use crate::chat::Usage;
use crate::config::Config;
use crate::models::Pricing;

/// The date the built-in table was last checked against the providers' price pages.
pub const TABLE_DATE: &str = "2025-06-01";

/// Micro-dollars per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Price {
    /// Uncached input.
    pub input: i64,
    /// Output, reasoning included.
    pub output: i64,
    /// Input read from the cache.
    pub cache_read: i64,
    /// Input written to the cache.
    pub cache_write: i64,
}

/// Where a price came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PriceSource {
    /// `[prices]` in config.toml.
    Override,
    /// OpenRouter's catalog.
    Catalog,
    /// The built-in table.
    Builtin,
    /// A local model: free.
    Local,
    /// The provider reported the cost itself (OpenRouter's `usage.cost`).
    Provider,
    /// No price known: cost 0, and said so.
    Unknown,
}

impl PriceSource {
    /// The name stored in the ledger.
    pub fn as_str(self) -> &'static str {
        match self {
            PriceSource::Override => "override",
            PriceSource::Catalog => "catalog",
            PriceSource::Builtin => "builtin",
            PriceSource::Local => "local",
            PriceSource::Provider => "provider",
            PriceSource::Unknown => "unknown",
        }
    }
}

/// USD per million tokens → micro-dollars per million tokens.
pub fn micros(usd_per_million: f64) -> i64 {
    (usd_per_million * 1_000_000.0).round() as i64
}

impl Price {
    /// From USD per million tokens; missing cache prices default to the input price.
    pub fn usd(
        input: f64,
        output: f64,
        cache_read: Option<f64>,
        cache_write: Option<f64>,
    ) -> Price {
        Price {
            input: micros(input),
            output: micros(output),
            cache_read: micros(cache_read.unwrap_or(input)),
            cache_write: micros(cache_write.unwrap_or(input)),
        }
    }

    /// The cost of `usage` in micro-dollars, rounded to the nearest: uncached input, cache reads,
    /// cache writes and output each at their own rate (reasoning is part of output).
    pub fn cost(&self, usage: &Usage) -> i64 {
        let cached = usage.cache_read_tokens + usage.cache_write_tokens;
        let uncached = usage.input_tokens.saturating_sub(cached);
        let total: i128 = i128::from(uncached) * i128::from(self.input)
            + i128::from(usage.cache_read_tokens) * i128::from(self.cache_read)
            + i128::from(usage.cache_write_tokens) * i128::from(self.cache_write)
            + i128::from(usage.output_tokens) * i128::from(self.output);
        // Prices are per million tokens.
        ((total + 500_000) / 1_000_000) as i64
    }
}

/// (model prefix, input, output, cache read, cache write) in USD per million tokens.
type Row = (&'static str, f64, f64, Option<f64>, Option<f64>);

/// The built-in table ([`TABLE_DATE`]). Keys are `provider/model`; a longer key wins, and a dated
/// model name (`gpt-4o-2024-08-06`) matches its base name.
const BUILTIN: &[Row] = &[
    ("openai/gpt-4o", 2.50, 10.00, Some(1.25), None),
    ("openai/gpt-4o-mini", 0.15, 0.60, Some(0.075), None),
    ("openai/gpt-4.1", 2.00, 8.00, Some(0.50), None),
    ("openai/gpt-4.1-mini", 0.40, 1.60, Some(0.10), None),
    ("openai/gpt-4.1-nano", 0.10, 0.40, Some(0.025), None),
    ("openai/o3", 2.00, 8.00, Some(0.50), None),
    ("openai/o4-mini", 1.10, 4.40, Some(0.275), None),
    (
        "anthropic/claude-opus-4",
        15.00,
        75.00,
        Some(1.50),
        Some(18.75),
    ),
    (
        "anthropic/claude-sonnet-4",
        3.00,
        15.00,
        Some(0.30),
        Some(3.75),
    ),
    (
        "anthropic/claude-3-7-sonnet",
        3.00,
        15.00,
        Some(0.30),
        Some(3.75),
    ),
    (
        "anthropic/claude-3-5-sonnet",
        3.00,
        15.00,
        Some(0.30),
        Some(3.75),
    ),
    (
        "anthropic/claude-haiku-4-5",
        1.00,
        5.00,
        Some(0.10),
        Some(1.25),
    ),
    (
        "anthropic/claude-3-5-haiku",
        0.80,
        4.00,
        Some(0.08),
        Some(1.00),
    ),
    ("gemini/gemini-2.5-pro", 1.25, 10.00, Some(0.31), None),
    ("gemini/gemini-2.5-flash", 0.30, 2.50, Some(0.075), None),
    ("gemini/gemini-2.0-flash", 0.10, 0.40, Some(0.025), None),
    ("deepseek/deepseek-chat", 0.27, 1.10, Some(0.07), None),
    ("deepseek/deepseek-reasoner", 0.55, 2.19, Some(0.14), None),
    ("mistral/mistral-large", 2.00, 6.00, None, None),
    ("mistral/mistral-small", 0.10, 0.30, None, None),
    ("xai/grok-3", 3.00, 15.00, Some(0.75), None),
    ("xai/grok-3-mini", 0.30, 0.50, Some(0.075), None),
];

/// Providers whose models run on the user's machine.
const LOCAL_PROVIDERS: &[&str] = &["ollama", "lmstudio", "local"];

/// The price list in force: overrides, the catalog, the built-in table.
#[derive(Debug, Clone, Default)]
pub struct PriceBook {
    overrides: HashMap<String, Price>,
    catalog: HashMap<String, Price>,
    local_providers: Vec<String>,
}

impl PriceBook {
    /// From the config's overrides; custom providers (not presets) on a loopback address are local
    /// and free. A preset keeps its prices wherever it points.
    pub fn new(config: &Config) -> PriceBook {
        let overrides = config
            .prices
            .iter()
            .map(|(k, p)| {
                (
                    k.clone(),
                    Price::usd(p.input, p.output, p.cache_read, p.cache_write),
                )
            })
            .collect();
        let local_providers = config
            .providers
            .iter()
            .filter(|(id, p)| {
                crate::config::preset(id).is_none()
                    && p.get_ref().base_url.as_ref().is_some_and(|u| {
                        let u = u.get_ref();
                        u.contains("://127.")
                            || u.contains("://localhost")
                            || u.contains("://[::1]")
                    })
            })
            .map(|(id, _)| id.clone())
            .collect();
        PriceBook {
            overrides,
            catalog: HashMap::new(),
            local_providers,
        }
    }

    /// Adds OpenRouter catalog prices (`openrouter/…` ids, from `/api/v1/models`).
    pub fn with_catalog<'a>(
        mut self,
        models: impl IntoIterator<Item = (&'a str, Pricing)>,
    ) -> PriceBook {
        for (id, p) in models {
            self.catalog.insert(
                id.to_string(),
                Price::usd(p.input, p.output, p.cache_read, p.cache_write),
            );
        }
        self
    }

    /// The price of `provider/model` and where it came from.
    pub fn price(&self, model: &str) -> (Option<Price>, PriceSource) {
        self.price_of(&[model])
    }

    /// The price of an answer known by several names, in order: the model that answered (as the
    /// provider reported it), then the model requested (the route's target). Each source is asked
    /// about every name before the next source: a person's override for any name wins over the
    /// catalog, the free-local rule and the built-in table. (A local server may name its answer
    /// after its model file; the override the person wrote for the requested name still holds.)
    pub fn price_of(&self, models: &[&str]) -> (Option<Price>, PriceSource) {
        if let Some(p) = models
            .iter()
            .find_map(|m| longest_prefix(&self.overrides, m))
        {
            return (Some(p), PriceSource::Override);
        }
        if let Some(p) = models.iter().find_map(|m| self.catalog.get(*m)) {
            return (Some(*p), PriceSource::Catalog);
        }
        if models.iter().any(|m| self.is_local(m)) {
            return (
                Some(Price {
                    input: 0,
                    output: 0,
                    cache_read: 0,
                    cache_write: 0,
                }),
                PriceSource::Local,
            );
        }
        let builtin = models.iter().find_map(|model| {
            BUILTIN
                .iter()
                .filter(|(key, ..)| matches_model(key, model))
                .max_by_key(|(key, ..)| key.len())
                .map(|&(_, i, o, r, w)| Price::usd(i, o, r, w))
        });
        match builtin {
            Some(p) => (Some(p), PriceSource::Builtin),
            None => (None, PriceSource::Unknown),
        }
    }
}

impl PriceBook {
    /// Whether `provider/model` runs on the user's machine.
    fn is_local(&self, model: &str) -> bool {
        let provider = model.split('/').next().unwrap_or("");
        LOCAL_PROVIDERS.contains(&provider) || self.local_providers.iter().any(|l| l == provider)
    }
}

/// `key` names `model` exactly, or `model` is `key` followed by a version (`-2024-08-06`,
/// `-latest`, `-20250514`).
pub(crate) fn matches_model(key: &str, model: &str) -> bool {
    model == key
        || model.strip_prefix(key).is_some_and(|rest| {
            rest.starts_with('-')
                && rest[1..]
                    .chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_digit() || rest == "-latest")
        })
}

fn longest_prefix(map: &HashMap<String, Price>, model: &str) -> Option<Price> {
    map.iter()
        .filter(|(k, _)| matches_model(k, model))
        .max_by_key(|(k, _)| k.len())
        .map(|(_, p)| *p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn usage(input: u64, output: u64, cache_read: u64, cache_write: u64, reasoning: u64) -> Usage {
        Usage {
            input_tokens: input,
            output_tokens: output,
            cache_read_tokens: cache_read,
            cache_write_tokens: cache_write,
            reasoning_tokens: reasoning,
            image_tokens: 0,
        }
    }

    fn book() -> PriceBook {
        PriceBook::new(&Config::default())
    }

    #[test]
    fn openai_cached_tokens_are_part_of_prompt_tokens() {
        // gpt-4o: 1,000 prompt tokens of which 400 cached, 200 completion.
        // 600 × $2.50/M + 400 × $1.25/M + 200 × $10/M = 1500 + 500 + 2000 µ$ = 4000 µ$.
        let (price, source) = book().price("openai/gpt-4o-2024-08-06");
        assert_eq!(source, PriceSource::Builtin);
        assert_eq!(price.unwrap().cost(&usage(1000, 200, 400, 0, 0)), 4000);
    }

    #[test]
    fn anthropic_cache_reads_and_writes_are_counted_once() {
        // The §3b capture: Anthropic's input_tokens 9 (uncached) + cache_read 4202 = our input 4211;
        // 5 output. claude-haiku-4-5: 9 × $1 + 4202 × $0.10 + 5 × $5 = 9 + 420.2 + 25 = 454.2 µ$ → 454.
        let (price, _) = book().price("anthropic/claude-haiku-4-5-20251001");
        assert_eq!(price.unwrap().cost(&usage(4211, 5, 4202, 0, 0)), 454);
        // A cache write: 100 uncached + 3000 written, sonnet: 100×3 + 3000×3.75 + 50×15 = 300+11250+750.
        let (price, _) = book().price("anthropic/claude-3-5-sonnet-latest");
        assert_eq!(price.unwrap().cost(&usage(3100, 50, 0, 3000, 0)), 12_300);
    }

    #[test]
    fn gemini_thoughts_are_billed_as_output() {
        // §4a: prompt 9, candidates 23, thoughts 185 → our output 208 (185 reasoning).
        // gemini-2.5-flash: 9 × $0.30 + 208 × $2.50 = 2.7 + 520 = 522.7 µ$ → 523.
        let (price, _) = book().price("gemini/gemini-2.5-flash");
        assert_eq!(price.unwrap().cost(&usage(9, 208, 0, 0, 185)), 523);
    }

    #[test]
    fn deepseek_cache_hits_and_local_models() {
        // deepseek-chat: 1,000,000 prompt tokens, 600,000 cache hits, 1,000 output:
        // 400,000 × 0.27 + 600,000 × 0.07 + 1,000 × 1.10 = 108,000 + 42,000 + 1,100 µ$.
        let (price, _) = book().price("deepseek/deepseek-chat");
        assert_eq!(
            price.unwrap().cost(&usage(1_000_000, 1000, 600_000, 0, 0)),
            151_100
        );
        let (price, source) = book().price("ollama/llama3.2");
        assert_eq!(
            (price.unwrap().cost(&usage(500, 500, 0, 0, 0)), source),
            (0, PriceSource::Local)
        );
        assert_eq!(
            book().price("openai/some-new-model"),
            (None, PriceSource::Unknown)
        );
        assert_eq!(
            book().price("openai/gpt-4o-mini").0.unwrap().input,
            150_000,
            "the longer key wins over gpt-4o"
        );
    }

    #[test]
    fn overrides_then_catalog_then_table() {
        let config = Config::parse(
            "[providers.mine]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:8080/v1\"\n[prices.\"openai/gpt-4o\"]\ninput = 1.0\noutput = 2.0\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let book = PriceBook::new(&config).with_catalog([(
            "openrouter/anthropic/claude-3.5-sonnet",
            Pricing {
                input: 3.0,
                output: 15.0,
                cache_read: Some(0.3),
                cache_write: Some(3.75),
            },
        )]);
        let (p, s) = book.price("openai/gpt-4o");
        assert_eq!(
            (p.unwrap().input, p.unwrap().cache_read, s),
            (1_000_000, 1_000_000, PriceSource::Override)
        );
        let (p, s) = book.price("openrouter/anthropic/claude-3.5-sonnet");
        assert_eq!(
            (p.unwrap().cache_write, s),
            (3_750_000, PriceSource::Catalog)
        );
        assert_eq!(
            book.price("mine/whatever").1,
            PriceSource::Local,
            "a loopback provider is local"
        );
    }

    #[test]
    fn an_override_for_the_requested_model_wins_when_another_model_answers() {
        let config = Config::parse(
            "[providers.llo]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:8080/v1\"\n[prices.\"llo/smollm\"]\ninput = 1.0\noutput = 2.0\n",
            Path::new("c.toml"),
        )
        .unwrap();
        let book = PriceBook::new(&config);
        let answered = "llo//models/SmolLM2-135M-Instruct-Q8_0.gguf";
        assert_eq!(
            book.price(answered).1,
            PriceSource::Local,
            "alone, it is local"
        );
        let (p, s) = book.price_of(&[answered, "llo/smollm"]);
        assert_eq!((p.unwrap().output, s), (2_000_000, PriceSource::Override));
        let (_, s) = book.price_of(&["llo/other-file", "llo/other"]);
        assert_eq!(s, PriceSource::Local, "no override: still free");
        // The answering name first: a dated answer gets its table price, not the alias's.
        let (p, s) = book.price_of(&["openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o"]);
        assert_eq!((p.unwrap().input, s), (150_000, PriceSource::Builtin));
        let (p, _) = book.price_of(&["openai/unknown-alias", "openai/gpt-4o"]);
        assert_eq!(p.unwrap().input, 2_500_000, "then the requested name");
    }
}
