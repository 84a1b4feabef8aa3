//! What a provider's model list says about a model: id, name, context length, prices.
//!
//! Listing is done by the adapters; pricing policy (the built-in table, overrides) lives elsewhere.

use serde::Serialize;

/// Prices in USD per million tokens.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Pricing {
    /// Uncached input.
    pub input: f64,
    /// Output, reasoning included.
    pub output: f64,
    /// Cache reads, when the provider prices them.
    pub cache_read: Option<f64>,
    /// Cache writes, when the provider prices them.
    pub cache_write: Option<f64>,
}

/// One model a provider offers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelInfo {
    /// `provider/model`, as given to `-m`.
    pub id: String,
    /// A display name, when the provider gives one.
    pub name: Option<String>,
    /// The context window in tokens, when known.
    pub context_length: Option<u64>,
    /// Prices, when the provider lists them (OpenRouter).
    pub pricing: Option<Pricing>,
    /// What it reads, when the list says (OpenRouter's `architecture.input_modalities`:
    /// `text`, `image`, `file`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inputs: Option<Vec<String>>,
}
