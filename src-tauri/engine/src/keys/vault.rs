//! The vault: API keys in the OS keychain (Secret Service on Linux, the macOS keychain, Windows
//! Credential Manager, through the `keyring` crate), one entry per provider id under the service
//! `roundtable`, each bound to the origin (scheme, host, port) its provider had when it was saved.
//!
//! The gateway's token is not a provider key: it is filed under its own service,
//! [`TOKEN_SERVICE`], so no provider id can read, overwrite or delete it; a token an older version
//! filed among the keys is moved there ([`token_store`]). The account names the token used to
//! have are [`RESERVED`] and refused as provider ids.
//!
//! There is no plaintext fallback: without a keychain the vault fails with a message that says
//! how to start one or use an environment variable. Reading keys for a request is `keys.rs`'s
//! [`KeyLookup`]; the vault is one implementation of it.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::config::Provider;
use crate::error::{Error, Result};
use crate::keys::sensitive::Sensitive;
use crate::keys::{ApiKey, KeyLookup, KeySource};
use crate::names::TOKEN_ACCOUNT;
/// The account the gateway token is filed under (in [`TOKEN_SERVICE`]; older versions filed it
/// in [`SERVICE`], among the provider keys).
pub use crate::names::{is_reserved, RESERVED};

/// The keychain service name every entry is filed under.
pub const SERVICE: &str = "roundtable";

/// The keychain service the gateway's token is filed under, apart from the provider keys.
pub const TOKEN_SERVICE: &str = "roundtable-gateway";

/// Refuses a reserved name as a provider id.
fn check_id(provider_id: &str) -> Result<()> {
    if is_reserved(provider_id) {
        return Err(Error::InvalidRequest(format!(
            "`{provider_id}` is reserved by Roundtable (it is not a provider); give the provider another id"
        )));
    }
    Ok(())
}

/// The store the gateway token lives in ([`TOKEN_SERVICE`] in the OS keychain), after moving a
/// token an older version filed among the provider keys.
pub fn token_store() -> OsKeychain {
    let store = OsKeychain::new(TOKEN_SERVICE);
    if let Err(e) = migrate_token(&OsKeychain::new(SERVICE), &store) {
        // Not fatal: without a keychain the token comes from the environment, or reading it
        // fails with a message that says what to do.
        tracing::debug!("the gateway token was not migrated: {e}");
    }
    store
}

/// Moves the gateway token from `keys` (where older versions filed it, under
/// [`TOKEN_ACCOUNT`]) to `tokens`, unless `tokens` has one already. A provider-key record found
/// there (a provider once named `gateway-token`) is not a token and stays where it is. True if
/// a token moved.
pub fn migrate_token(keys: &dyn SecretStore, tokens: &dyn SecretStore) -> Result<bool> {
    if tokens.get(TOKEN_ACCOUNT)?.is_some() {
        return Ok(false);
    }
    let Some(old) = keys.get(TOKEN_ACCOUNT)? else {
        return Ok(false);
    };
    let is_key_record = serde_json::from_str::<serde_json::Value>(&old)
        .is_ok_and(|v| v.get("key").is_some() && v.get("origin").is_some());
    if is_key_record || old.trim().is_empty() {
        return Ok(false);
    }
    tokens.set(TOKEN_ACCOUNT, &old)?;
    keys.delete(TOKEN_ACCOUNT)?;
    Ok(true)
}

/// Where secrets are kept: the OS keychain, or memory in tests.
pub trait SecretStore: Send + Sync {
    /// The secret filed under `account`, if any.
    fn get(&self, account: &str) -> Result<Option<String>>;
    /// Files `secret` under `account`, replacing what was there.
    fn set(&self, account: &str, secret: &str) -> Result<()>;
    /// Removes `account`'s secret; false if there was none.
    fn delete(&self, account: &str) -> Result<bool>;
}

/// The OS keychain.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    /// Entries under `service` (normally [`SERVICE`]).
    pub fn new(service: &str) -> Self {
        OsKeychain {
            service: service.to_string(),
        }
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, account).map_err(|e| unavailable(&e))
    }
}

/// Explains a keychain failure and what to do about it.
fn unavailable(e: &keyring::Error) -> Error {
    let (what, todo) = match e {
        keyring::Error::NoDefaultStore | keyring::Error::PlatformFailure(_) => (
            "the OS keychain is not available (no Secret Service answered on the D-Bus session bus)",
            "start one (a desktop session does; on a server: `dbus-run-session` with `gnome-keyring-daemon --unlock`)",
        ),
        keyring::Error::NoStorageAccess(_) => ("the OS keychain is locked", "unlock it (log in to the desktop, or `gnome-keyring-daemon --unlock`)"),
        _ => ("the OS keychain failed", "check that the Secret Service is running"),
    };
    let detail = crate::error::one_line(&e.to_string(), 200);
    Error::KeyStore(format!(
        "{what}: {detail}. To fix: {todo}, or give the key in an environment variable (ROUNDTABLE_KEY_<PROVIDER>) for one process"
    ))
}

impl SecretStore for OsKeychain {
    fn get(&self, account: &str) -> Result<Option<String>> {
        match self.entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(&e)),
        }
    }

    fn set(&self, account: &str, secret: &str) -> Result<()> {
        self.entry(account)?
            .set_password(secret)
            .map_err(|e| unavailable(&e))
    }

    fn delete(&self, account: &str) -> Result<bool> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(unavailable(&e)),
        }
    }
}

/// Secrets in memory, for tests.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    secrets: Arc<RwLock<HashMap<String, String>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, account: &str) -> Result<Option<String>> {
        Ok(self
            .secrets
            .read()
            .map_err(|_| Error::KeyStore("memory store poisoned".into()))?
            .get(account)
            .cloned())
    }
    fn set(&self, account: &str, secret: &str) -> Result<()> {
        self.secrets
            .write()
            .map_err(|_| Error::KeyStore("memory store poisoned".into()))?
            .insert(account.into(), secret.into());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool> {
        Ok(self
            .secrets
            .write()
            .map_err(|_| Error::KeyStore("memory store poisoned".into()))?
            .remove(account)
            .is_some())
    }
}

/// A key from the vault and the origin it is bound to.
#[derive(Debug, Clone)]
pub struct StoredKey {
    /// The key.
    pub secret: Sensitive<String>,
    /// `scheme://host[:port]` of the provider's base URL when the key was saved.
    pub origin: String,
}

/// The origin a provider's requests go to.
pub fn origin_of(provider: &Provider) -> String {
    provider.base_url.origin().ascii_serialization()
}

/// Whether a key bound to `origin` travels unencrypted over a network: plain `http://` to an
/// address that is not this machine's loopback (`127.0.0.0/8`, `::1`, `localhost`).
pub fn sent_in_clear(origin: &str) -> bool {
    let Ok(url) = url::Url::parse(origin) else {
        return false;
    };
    if url.scheme() != "http" {
        return false;
    }
    match url.host() {
        Some(url::Host::Ipv4(ip)) => !ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => !ip.is_loopback(),
        Some(url::Host::Domain(d)) => {
            let d = d.trim_end_matches('.').to_ascii_lowercase();
            d != "localhost" && !d.ends_with(".localhost")
        }
        None => true,
    }
}

/// Keys in a secret store, bound to origins.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn SecretStore>,
}

impl Vault {
    /// A vault over a store.
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Vault { store }
    }

    /// The OS keychain under the `roundtable` service.
    pub fn os() -> Self {
        Vault::new(Arc::new(OsKeychain::new(SERVICE)))
    }

    /// Saves `key` for `provider`, bound to its current origin.
    pub fn save(&self, provider: &Provider, key: &str) -> Result<StoredKey> {
        check_id(&provider.id)?;
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::InvalidRequest(format!(
                "the key for `{}` is empty",
                provider.id
            )));
        }
        if key.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(Error::InvalidRequest(format!(
                "the key for `{}` has spaces or line breaks inside; give the key alone",
                provider.id
            )));
        }
        let origin = origin_of(provider);
        // Stored as a small JSON record so the binding travels with the key.
        let record = serde_json::json!({"v": 1, "key": key, "origin": origin}).to_string();
        self.store.set(&provider.id, &record)?;
        Ok(StoredKey {
            secret: Sensitive::new(key.to_string()),
            origin,
        })
    }

    /// The key saved for a provider id.
    pub fn load(&self, provider_id: &str) -> Result<Option<StoredKey>> {
        if is_reserved(provider_id) {
            return Ok(None);
        }
        let Some(record) = self.store.get(provider_id)? else {
            return Ok(None);
        };
        let value: serde_json::Value = serde_json::from_str(&record).map_err(|_| {
            Error::KeyStore(format!("the keychain entry for `{provider_id}` is not Roundtable's; save the key again with `roundtable keys set {provider_id}`"))
        })?;
        match (value["key"].as_str(), value["origin"].as_str()) {
            (Some(key), Some(origin)) => Ok(Some(StoredKey { secret: Sensitive::new(key.to_string()), origin: origin.to_string() })),
            _ => Err(Error::KeyStore(format!(
                "the keychain entry for `{provider_id}` is incomplete; save the key again with `roundtable keys set {provider_id}`"
            ))),
        }
    }

    /// Removes a provider's key; false if there was none.
    pub fn remove(&self, provider_id: &str) -> Result<bool> {
        check_id(provider_id)?;
        self.store.delete(provider_id)
    }
}

impl KeyLookup for Vault {
    fn lookup(&self, provider_id: &str) -> Result<Option<ApiKey>> {
        Ok(self.load(provider_id)?.map(|k| ApiKey {
            secret: k.secret,
            source: KeySource::Keychain,
            origin: Some(k.origin),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::preset;

    fn vault() -> (Vault, MemoryStore) {
        let store = MemoryStore::new();
        (Vault::new(Arc::new(store.clone())), store)
    }

    #[test]
    fn save_load_remove_with_the_origin() {
        let (v, store) = vault();
        let p = preset("openai").unwrap();
        let saved = v.save(&p, "  sk-test-FAKE-abc123\n").unwrap();
        assert_eq!(saved.origin, "https://api.openai.com");
        let loaded = v.load("openai").unwrap().unwrap();
        assert_eq!(loaded.secret.expose(), "sk-test-FAKE-abc123");
        assert_eq!(loaded.origin, "https://api.openai.com");
        let raw = store.get("openai").unwrap().unwrap();
        assert!(
            raw.contains("\"origin\":\"https://api.openai.com\""),
            "{raw}"
        );
        let key = v.lookup("openai").unwrap().unwrap();
        assert_eq!(key.source, KeySource::Keychain);
        assert_eq!(key.origin.as_deref(), Some("https://api.openai.com"));
        assert!(v.remove("openai").unwrap());
        assert!(!v.remove("openai").unwrap());
        assert!(v.load("openai").unwrap().is_none());
    }

    #[test]
    fn bad_keys_and_foreign_entries_are_refused_clearly() {
        let (v, store) = vault();
        let p = preset("anthropic").unwrap();
        assert!(v.save(&p, "   ").unwrap_err().to_string().contains("empty"));
        assert!(v
            .save(&p, "sk-a sk-b")
            .unwrap_err()
            .to_string()
            .contains("spaces or line breaks"));
        store
            .set("anthropic", "plain-text-from-another-app")
            .unwrap();
        let e = v.load("anthropic").unwrap_err().to_string();
        assert!(
            e.contains("not Roundtable's") && !e.contains("plain-text-from-another-app"),
            "{e}"
        );
    }

    #[test]
    fn a_local_origin_keeps_its_port() {
        let (v, _) = vault();
        let mut p = preset("ollama").unwrap();
        p.base_url = url::Url::parse("http://127.0.0.1:8080/v1").unwrap();
        assert_eq!(v.save(&p, "k").unwrap().origin, "http://127.0.0.1:8080");
    }

    #[test]
    fn reserved_names_are_no_provider_s() {
        let (v, store) = vault();
        let mut p = preset("openai").unwrap();
        p.id = "gateway-token".into();
        store.set(TOKEN_ACCOUNT, "rtg_old-token").unwrap();
        let e = v
            .save(&p, "sk-test-FAKE-overwrite")
            .unwrap_err()
            .to_string();
        assert!(e.contains("reserved"), "{e}");
        assert!(v
            .remove("Gateway-Token")
            .unwrap_err()
            .to_string()
            .contains("reserved"));
        assert!(v.load("gateway-token").unwrap().is_none());
        assert_eq!(
            store.get(TOKEN_ACCOUNT).unwrap().as_deref(),
            Some("rtg_old-token")
        );
    }

    #[test]
    fn an_old_token_moves_to_its_own_store_once() {
        let keys = MemoryStore::new();
        let tokens = MemoryStore::new();
        assert!(!migrate_token(&keys, &tokens).unwrap(), "nothing to move");
        keys.set(TOKEN_ACCOUNT, "rtg_0123").unwrap();
        keys.set("openai", "{\"v\":1}").unwrap();
        assert!(migrate_token(&keys, &tokens).unwrap());
        assert_eq!(
            tokens.get(TOKEN_ACCOUNT).unwrap().as_deref(),
            Some("rtg_0123")
        );
        assert!(
            keys.get(TOKEN_ACCOUNT).unwrap().is_none(),
            "moved, not copied"
        );
        assert!(keys.get("openai").unwrap().is_some(), "keys stay");
        // A newer token is never replaced by an older one.
        keys.set(TOKEN_ACCOUNT, "rtg_stale").unwrap();
        assert!(!migrate_token(&keys, &tokens).unwrap());
        assert_eq!(
            tokens.get(TOKEN_ACCOUNT).unwrap().as_deref(),
            Some("rtg_0123")
        );
        // A provider key once saved under that name is not a token.
        let fresh = MemoryStore::new();
        let record = r#"{"v":1,"key":"sk-test-FAKE","origin":"https://x"}"#;
        keys.set(TOKEN_ACCOUNT, record).unwrap();
        assert!(!migrate_token(&keys, &fresh).unwrap());
        assert!(fresh.get(TOKEN_ACCOUNT).unwrap().is_none());
    }

    #[test]
    fn plain_http_off_this_machine_is_in_the_clear() {
        for clear in [
            "http://192.168.1.20:8080",
            "http://llm.example.com",
            "http://[fe80::1]:80",
            "http://localhost.evil.com",
        ] {
            assert!(sent_in_clear(clear), "{clear}");
        }
        for fine in [
            "https://api.openai.com",
            "http://127.0.0.1:11434",
            "http://127.8.0.1",
            "http://[::1]:8080",
            "http://localhost:1234",
            "http://LOCALHOST.",
        ] {
            assert!(!sent_in_clear(fine), "{fine}");
        }
    }
}
