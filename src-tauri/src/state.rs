//! The app's state: the engine, router, store and prices, opened once from the data dir the CLI
//! uses too (`ROUNDTABLE_HOME` or the platform default), and the turns in flight. Settings edits
//! swap in a new engine and router built from the edited config; the store stays open, and turns
//! already running finish on the one they started with.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use roundtable_engine::config::{data_dir, Config};
use roundtable_engine::error::ErrorView;
use roundtable_engine::keys::vault::Vault;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::setup;
use roundtable_engine::store::Store;
use roundtable_engine::Router;
use tokio::sync::oneshot;

/// What the commands use.
pub struct Ready {
    pub router: Router,
    /// The keychain the engine reads keys from (settings write here).
    pub vault: Vault,
    pub store: Arc<Store>,
    pub prices: Arc<PriceBook>,
    /// The data dir (config, database).
    pub dir: PathBuf,
}

/// The app's state: ready, or why it could not open (shown by the UI, never a crash).
pub struct AppState {
    ready: RwLock<Result<Arc<Ready>, ErrorView>>,
    /// The turns in flight, across config reloads.
    pub turns: Arc<Turns>,
    /// The MCP servers and the tool calls waiting for an answer, across config reloads.
    pub tools: Arc<crate::tools::AppTools>,
}

impl AppState {
    /// Opens the data dir.
    pub fn load() -> AppState {
        let ready = Ready::open().map(Arc::new).map_err(|e| ErrorView::from(&e));
        let tools = match &ready {
            Ok(r) => crate::tools::AppTools::new(r.router.engine().config()),
            Err(_) => crate::tools::AppTools::new(&Config::default()),
        };
        AppState {
            ready: RwLock::new(ready),
            turns: Arc::new(Turns::default()),
            tools: Arc::new(tools),
        }
    }

    /// The ready state, or the reason it is not.
    pub fn ready(&self) -> Result<Arc<Ready>, ErrorView> {
        self.ready.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Puts an engine built from `config` in force.
    pub fn reload(&self, config: Config) -> Result<Arc<Ready>, ErrorView> {
        let old = self.ready()?;
        let fresh = Arc::new(
            Ready::build(
                config,
                old.vault.clone(),
                old.store.clone(),
                old.dir.clone(),
            )
            .map_err(|e| ErrorView::from(&e))?,
        );
        *self.ready.write().unwrap_or_else(|p| p.into_inner()) = Ok(fresh.clone());
        self.tools.reconfigure(fresh.router.engine().config());
        Ok(fresh)
    }
}

impl Ready {
    fn open() -> roundtable_engine::Result<Ready> {
        let dir = data_dir(None);
        let config = Config::load(&dir)?;
        let store = Arc::new(Store::open(&dir)?);
        Ready::build(config, Vault::os(), store, dir)
    }

    fn build(
        config: Config,
        vault: Vault,
        store: Arc<Store>,
        dir: PathBuf,
    ) -> roundtable_engine::Result<Ready> {
        let engine = setup::engine(config, &vault)?;
        let prices = setup::prices(&engine, &store)?;
        Ok(Ready {
            router: Router::new(engine),
            vault,
            store,
            prices: Arc::new(prices),
            dir,
        })
    }
}

/// The turns in flight, by id, each with the switch that cancels it.
#[derive(Default)]
pub struct Turns {
    running: Mutex<HashMap<u64, oneshot::Sender<()>>>,
    next: AtomicU64,
}

impl Turns {
    /// Registers a turn; its id and the future that resolves when it is cancelled.
    pub fn track(&self) -> (u64, impl std::future::Future<Output = ()> + Send + 'static) {
        let id = self.next.fetch_add(1, Ordering::Relaxed) + 1;
        let (tx, rx) = oneshot::channel();
        self.lock().insert(id, tx);
        (id, async move {
            // Resolves on cancel; a dropped sender (the turn ended) never cancels.
            if rx.await.is_err() {
                std::future::pending::<()>().await;
            }
        })
    }

    /// Cancels a turn; false if it is not running.
    pub fn cancel(&self, id: u64) -> bool {
        self.lock()
            .remove(&id)
            .is_some_and(|tx| tx.send(()).is_ok())
    }

    /// Forgets a finished turn.
    pub fn done(&self, id: u64) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u64, oneshot::Sender<()>>> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }
}
