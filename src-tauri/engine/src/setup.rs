//! What a front opens from its data dir, the same way for the CLI and the app: the engine with
//! its key chain (the OS keychain first, then the environment, for one process) and the price
//! book (overrides, then OpenRouter's catalog as saved by `models`, then the built-in table).

use std::sync::Arc;

use crate::attach::send::Inputs;
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

/// The price book for `engine`'s config, with the catalog saved in `store`; what that catalog
/// says of which models read images and files is taught to the engine on the way.
pub fn prices(engine: &Engine, store: &Store) -> Result<PriceBook> {
    for (model, inputs) in store.catalog_inputs()? {
        engine
            .capabilities()
            .learn(&model, Inputs::from_modalities(&inputs));
    }
    let catalog = store.catalog()?;
    Ok(PriceBook::new(engine.config())
        .with_catalog(catalog.iter().map(|(id, p)| (id.as_str(), *p))))
}
