//! What a front opens from its data dir, the same way for the CLI and the app: the engine with
//! its key chain (the OS keychain first, then the environment, for one process) and the price
//! book (overrides, then OpenRouter's catalog as saved by `models`, then the built-in table).

use std::sync::Arc;

use crate::client::Engine;
use crate::config::Config;
use crate::error::Result;
use crate::keys::vault::Vault;
use crate::keys::{ChainKeys, EnvKeys};
use crate::pricing::PriceBook;
use crate::store::Store;

/// The engine for `config`, its keys looked up in `vault`, then in the environment.
pub fn engine(config: Config, vault: &Vault) -> Result<Arc<Engine>> {
    let keys = ChainKeys::new(vec![Box::new(vault.clone()), Box::new(EnvKeys)]);
    Ok(Arc::new(Engine::new(config, Arc::new(keys))?))
}

/// The price book for `config`, with the catalog saved in `store`.
pub fn prices(config: &Config, store: &Store) -> Result<PriceBook> {
    let catalog = store.catalog()?;
    Ok(PriceBook::new(config).with_catalog(catalog.iter().map(|(id, p)| (id.as_str(), *p))))
}
