//! The provider registry: the closed set of wire protocols ([`ProviderKind`]), the built-in
//! presets, and the providers the config adds or changes. It knows which providers exist and
//! where they are; speaking their protocols is `providers/`'s job.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde::Deserialize;
use url::Url;

use super::presets::{preset, PRESET_IDS};
use super::Config;
use crate::error::{Error, Result};

/// The wire protocol a provider speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
pub enum ProviderKind {
    /// OpenAI chat completions (and every compatible service).
    #[serde(rename = "openai")]
    OpenAi,
    /// Anthropic Messages.
    #[serde(rename = "anthropic")]
    Anthropic,
    /// Google Gemini `generateContent`.
    #[serde(rename = "gemini")]
    Gemini,
    /// Ollama's native `/api/chat`.
    #[serde(rename = "ollama")]
    Ollama,
    /// The built-in local models: GGUF files run in this process (no HTTP).
    #[serde(rename = "local")]
    Local,
}

impl ProviderKind {
    /// The config name (`openai`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Gemini => "gemini",
            ProviderKind::Ollama => "ollama",
            ProviderKind::Local => "local",
        }
    }
}

/// Small differences between services that speak the same protocol.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Quirks {
    /// OpenRouter: ask for usage accounting, read its cost and error chunks.
    pub openrouter: bool,
    /// OpenAI itself wants `max_completion_tokens` rather than `max_tokens`.
    pub max_completion_tokens: bool,
}

/// A provider, resolved from its preset and the config.
#[derive(Debug, Clone, PartialEq)]
pub struct Provider {
    /// Its id, the first segment of a model name.
    pub id: String,
    /// Its protocol.
    pub kind: ProviderKind,
    /// What the protocol's paths are appended to.
    pub base_url: Url,
    /// Extra headers on every request.
    pub headers: Vec<(String, String)>,
    /// Hidden when false.
    pub enabled: bool,
    /// Whether a request without a key is pointless (cloud services); local servers need none.
    pub needs_key: bool,
    /// Built in (not only from the config).
    pub builtin: bool,
    /// Service differences.
    pub quirks: Quirks,
}

impl Provider {
    /// `base_url` joined with a path that starts with `/`.
    pub(crate) fn url(&self, path: &str) -> Url {
        let base = self.base_url.as_str().trim_end_matches('/');
        // The base URL was checked when the provider was built, and `path` is ours.
        Url::parse(&format!("{base}{path}")).unwrap_or_else(|_| self.base_url.clone())
    }
}

/// Checks a base URL from the config: http or https, with a host.
pub(crate) fn parse_base_url(text: &str) -> std::result::Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{text}` must start with http:// or https://"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("`{text}` has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("`{text}` must not have a query or fragment"));
    }
    Ok(url)
}

/// Every provider: the presets, changed or extended by the config.
#[derive(Debug, Clone, Default)]
pub struct Registry {
    providers: BTreeMap<String, Arc<Provider>>,
}

impl Registry {
    /// Builds the registry from the presets and the config.
    pub fn new(config: &Config) -> Result<Registry> {
        let mut providers: BTreeMap<String, Provider> = PRESET_IDS
            .iter()
            .filter_map(|id| preset(id))
            .map(|p| (p.id.clone(), p))
            .collect();
        for (id, spanned) in &config.providers {
            let c = spanned.get_ref();
            let mut p = match providers.remove(id) {
                Some(p) => p,
                None => {
                    let kind = c.kind.ok_or_else(|| Error::InvalidModel {
                        given: id.clone(),
                        reason: "a custom provider needs a `kind`".into(),
                    })?;
                    Provider {
                        id: id.clone(),
                        kind,
                        base_url: Url::parse("http://127.0.0.1/").expect("static URL"),
                        headers: Vec::new(),
                        enabled: true,
                        needs_key: false,
                        builtin: false,
                        quirks: Quirks::default(),
                    }
                }
            };
            if let Some(kind) = c.kind {
                p.kind = kind;
            }
            if let Some(url) = &c.base_url {
                p.base_url =
                    parse_base_url(url.get_ref()).map_err(|reason| Error::InvalidModel {
                        given: id.clone(),
                        reason,
                    })?;
            } else if !p.builtin {
                return Err(Error::InvalidModel {
                    given: id.clone(),
                    reason: "a custom provider needs a `base_url`".into(),
                });
            }
            for (name, value) in &c.headers {
                p.headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
                p.headers.push((name.clone(), value.clone()));
            }
            if let Some(enabled) = c.enabled {
                p.enabled = enabled;
            }
            providers.insert(id.clone(), p);
        }
        Ok(Registry {
            providers: providers
                .into_iter()
                .map(|(k, v)| (k, Arc::new(v)))
                .collect(),
        })
    }

    /// The provider with this id.
    pub fn get(&self, id: &str) -> Option<&Arc<Provider>> {
        self.providers.get(id)
    }

    /// Every provider, by id.
    pub fn all(&self) -> impl Iterator<Item = &Arc<Provider>> {
        self.providers.values()
    }

    /// Every provider id, sorted.
    pub fn ids(&self) -> Vec<String> {
        self.providers.keys().cloned().collect()
    }
}
