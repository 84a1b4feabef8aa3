//! Where a provider's API key comes from: the [`KeyLookup`] trait, and its environment and
//! in-memory implementations.
//!
//! The OS keychain plugs in behind the same trait; this module never stores a key anywhere.

pub mod sensitive;
pub mod vault;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::error::{Error, Result};
pub use crate::names::env_var_names;
use sensitive::Sensitive;

/// Where a key was found, shown to the user (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// An environment variable, by name.
    Env(String),
    /// The OS keychain.
    Keychain,
    /// Memory (tests, or a key given for one process).
    Memory,
}

/// A key and where it came from.
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// The secret.
    pub secret: Sensitive<String>,
    /// Where it was found.
    pub source: KeySource,
    /// The origin (`scheme://host[:port]`) the key may be sent to; `None` for a key given for one
    /// process (the environment), which goes to whatever its provider is configured as.
    pub origin: Option<String>,
}

/// Finds the key for a provider id. `Ok(None)` means there is none (fine for local providers).
pub trait KeyLookup: Send + Sync {
    /// The key for `provider_id`, if any.
    fn lookup(&self, provider_id: &str) -> Result<Option<ApiKey>>;

    /// Why a source of keys could not be read, if one could not (for "no key" messages).
    fn note(&self) -> Option<String> {
        None
    }
}

/// Keys from this process's environment.
#[derive(Debug, Default, Clone)]
pub struct EnvKeys;

impl KeyLookup for EnvKeys {
    fn lookup(&self, provider_id: &str) -> Result<Option<ApiKey>> {
        for name in env_var_names(provider_id) {
            if let Ok(value) = std::env::var(&name) {
                let value = value.trim().to_string();
                if !value.is_empty() {
                    return Ok(Some(ApiKey {
                        secret: Sensitive::new(value),
                        source: KeySource::Env(name),
                        origin: None,
                    }));
                }
            }
        }
        Ok(None)
    }
}

/// Keys held in memory: for tests, and for a key given to one process.
#[derive(Debug, Default, Clone)]
pub struct MemoryKeys {
    keys: Arc<RwLock<HashMap<String, Sensitive<String>>>>,
}

impl MemoryKeys {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the key for a provider.
    pub fn set(&self, provider_id: &str, key: &str) -> Result<()> {
        self.keys
            .write()
            .map_err(|_| Error::KeyStore("memory store poisoned".into()))?
            .insert(provider_id.to_string(), Sensitive::new(key.to_string()));
        Ok(())
    }
}

impl KeyLookup for MemoryKeys {
    fn lookup(&self, provider_id: &str) -> Result<Option<ApiKey>> {
        let keys = self
            .keys
            .read()
            .map_err(|_| Error::KeyStore("memory store poisoned".into()))?;
        Ok(keys.get(provider_id).map(|secret| ApiKey {
            secret: secret.clone(),
            source: KeySource::Memory,
            origin: None,
        }))
    }
}

/// Tries each lookup in turn (the keychain first, then the environment). A source that fails
/// (no keychain on a server) is passed over, so local providers and environment keys still work;
/// why it failed is kept for the "no key" message.
pub struct ChainKeys {
    sources: Vec<Box<dyn KeyLookup>>,
    note: RwLock<Option<String>>,
}

impl ChainKeys {
    /// Sources, in the order they are tried.
    pub fn new(sources: Vec<Box<dyn KeyLookup>>) -> Self {
        ChainKeys {
            sources,
            note: RwLock::new(None),
        }
    }
}

impl KeyLookup for ChainKeys {
    fn lookup(&self, provider_id: &str) -> Result<Option<ApiKey>> {
        for source in &self.sources {
            match source.lookup(provider_id) {
                Ok(Some(key)) => return Ok(Some(key)),
                Ok(None) => {}
                Err(e) => {
                    tracing::debug!(provider = provider_id, "a key source failed: {e}");
                    if let Ok(mut note) = self.note.write() {
                        *note = Some(e.to_string());
                    }
                }
            }
        }
        Ok(None)
    }

    fn note(&self) -> Option<String> {
        self.note.read().ok().and_then(|n| n.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_for_presets_and_custom_ids() {
        assert_eq!(
            env_var_names("openai"),
            ["ROUNDTABLE_KEY_OPENAI", "OPENAI_API_KEY"]
        );
        assert_eq!(
            env_var_names("my-local.llm"),
            ["ROUNDTABLE_KEY_MY_LOCAL_LLM"]
        );
    }

    #[test]
    fn chain_takes_the_first_hit() {
        let a = MemoryKeys::new();
        let b = MemoryKeys::new();
        b.set("x", "from-b").unwrap();
        a.set("y", "from-a").unwrap();
        let chain = ChainKeys::new(vec![Box::new(a), Box::new(b)]);
        assert_eq!(
            chain.lookup("x").unwrap().unwrap().secret.expose(),
            "from-b"
        );
        assert_eq!(
            chain.lookup("y").unwrap().unwrap().secret.expose(),
            "from-a"
        );
        assert!(chain.lookup("z").unwrap().is_none());
    }

    struct Broken;
    impl KeyLookup for Broken {
        fn lookup(&self, _: &str) -> Result<Option<ApiKey>> {
            Err(Error::KeyStore("no keychain here".into()))
        }
    }

    #[test]
    fn a_failing_source_is_passed_over_and_noted() {
        let env = MemoryKeys::new();
        env.set("x", "from-env").unwrap();
        let chain = ChainKeys::new(vec![Box::new(Broken), Box::new(env)]);
        assert_eq!(
            chain.lookup("x").unwrap().unwrap().secret.expose(),
            "from-env"
        );
        assert!(
            chain.lookup("local").unwrap().is_none(),
            "a provider without a key still works"
        );
        assert!(chain.note().unwrap().contains("no keychain here"));
    }
}
