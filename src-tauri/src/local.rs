//! The built-in local models in the app: what Settings → Models and the first-run screen show
//! (the models on disk, the catalog, which are loaded, the default), downloads with their
//! progress on a per-pull Channel, cancelling one, and removing a model. The engine does the
//! work (`roundtable_engine::local`); this file only holds the downloads in flight, one per name.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use roundtable_engine::error::{ErrorKind, ErrorView};
use roundtable_engine::local::catalog::CATALOG;
use roundtable_engine::local::library::{Library, LocalModel};
use roundtable_engine::local::pull::{self, parse_source, Progress, Source};
use roundtable_engine::local::runtime;
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::oneshot;
use ts_rs::TS;

use crate::commands::{blocking, refused, text, Reply};
use crate::state::{AppState, Ready};

/// At most this many progress events a second reach the window.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// The local models as Settings → Models shows them.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct LocalView {
    /// The models on disk, by name.
    pub installed: Vec<InstalledModel>,
    /// The built-in catalog, in its order.
    pub catalog: Vec<CatalogModel>,
    /// The names being downloaded now.
    pub pulling: Vec<String>,
    /// The model a chat uses when none is named (`provider/model` or `@route`), if any.
    pub default_model: Option<String>,
}

/// A model on disk.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InstalledModel {
    /// Its name (the model is `local/NAME`).
    pub name: String,
    /// The file's size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    pub architecture: String,
    pub quantization: String,
    /// The context window it was trained for, in tokens.
    #[ts(type = "number | null")]
    pub context_length: Option<u64>,
    /// Its parameter count.
    #[ts(type = "number")]
    pub parameters: u64,
    /// Whether it is loaded in memory now.
    pub loaded: bool,
}

/// A catalog entry, and whether it is installed.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CatalogModel {
    pub name: String,
    pub title: String,
    /// The file's size in bytes.
    #[ts(type = "number")]
    pub size: u64,
    /// Its parameter count as people say it (`135M`).
    pub parameters: String,
    pub quantization: String,
    /// Its context window in tokens.
    pub context: u32,
    pub license: String,
    pub notes: String,
    pub installed: bool,
}

/// One message of a download's channel: progress (at most ten a second), then how it ended.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum PullEvent {
    /// Bytes on disk so far, of `total` when known.
    Progress {
        #[ts(type = "number")]
        done: u64,
        #[ts(type = "number | null")]
        total: Option<u64>,
    },
    /// Installed as `local/{model}`.
    Done { model: String },
    /// It failed; the engine's error (what was downloaded is kept when a retry can resume).
    Failed { error: ErrorView },
    /// Stopped by `local_pull_cancel`; the partial file is kept for the next pull to resume.
    Cancelled,
}

/// The downloads in flight, by model name, each with its number and the switch that stops it.
#[derive(Default)]
pub struct Pulls {
    running: Mutex<HashMap<String, (u64, oneshot::Sender<()>)>>,
    next: AtomicU64,
}

type Table = HashMap<String, (u64, oneshot::Sender<()>)>;

impl Pulls {
    fn lock(&self) -> std::sync::MutexGuard<'_, Table> {
        self.running.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Registers a download of `name`, or refuses a second one: the guard that takes it off the
    /// list when dropped, and the receiver that fires on cancel.
    fn begin(self: &Arc<Self>, name: &str) -> Reply<(Running, oneshot::Receiver<()>)> {
        let mut running = self.lock();
        if running.contains_key(name) {
            let why = format!("{name} is already being downloaded");
            return Err(refused(ErrorKind::BadInput, why));
        }
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = oneshot::channel();
        running.insert(name.to_string(), (id, tx));
        let guard = Running {
            pulls: self.clone(),
            name: name.to_string(),
            id,
        };
        Ok((guard, rx))
    }

    fn cancel(&self, name: &str) -> bool {
        self.lock()
            .remove(name)
            .is_some_and(|(_, tx)| tx.send(()).is_ok())
    }

    fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.lock().keys().cloned().collect();
        names.sort();
        names
    }
}

/// Takes a download off the list when its task ends, however it ends (unless a cancel took it
/// off already and a new download of the name took its place).
struct Running {
    pulls: Arc<Pulls>,
    name: String,
    id: u64,
}

impl Drop for Running {
    fn drop(&mut self) {
        let mut running = self.pulls.lock();
        if running
            .get(&self.name)
            .is_some_and(|(id, _)| *id == self.id)
        {
            running.remove(&self.name);
        }
    }
}

/// The models folder of the config in force.
fn library(ready: &Ready) -> Reply<Library> {
    let dir: Option<PathBuf> = ready.router.engine().config().models_dir();
    dir.map(Library::new)
        .ok_or_else(|| refused(ErrorKind::Internal, "the data dir has no models folder"))
}

fn installed(m: LocalModel, loaded: &[PathBuf]) -> InstalledModel {
    InstalledModel {
        loaded: loaded.contains(&m.path),
        name: m.name,
        size: m.size,
        architecture: m.info.architecture,
        quantization: m.info.quantization,
        context_length: m.info.context_length,
        parameters: m.info.parameters,
    }
}

/// Reads the folder and puts the view together (blocking file work).
fn view(
    ready: Arc<Ready>,
    pulls: Vec<String>,
) -> impl FnOnce() -> roundtable_engine::Result<LocalView> {
    move || {
        let engine = ready.router.engine();
        let models = match engine.config().models_dir() {
            Some(dir) => Library::new(dir).list()?,
            None => Vec::new(),
        };
        let loaded = runtime::loaded();
        let catalog = CATALOG
            .iter()
            .map(|e| CatalogModel {
                name: e.name.into(),
                title: e.title.into(),
                size: e.size,
                parameters: e.parameters.into(),
                quantization: e.quantization.into(),
                context: e.context,
                license: e.license.into(),
                notes: e.notes.into(),
                installed: models.iter().any(|m| m.name == e.name),
            })
            .collect();
        Ok(LocalView {
            installed: models.into_iter().map(|m| installed(m, &loaded)).collect(),
            catalog,
            pulling: pulls,
            default_model: engine.default_model(),
        })
    }
}

/// The local models: installed, in the catalog, being downloaded, and the default.
#[tauri::command]
pub async fn local_models(
    state: State<'_, AppState>,
    pulls: State<'_, Arc<Pulls>>,
) -> Reply<LocalView> {
    let ready = state.ready()?;
    blocking(view(ready, pulls.names())).await
}

/// Downloads a model (a catalog name, or `hf:OWNER/REPO[@REV]/FILE.gguf`) from `[local] mirror`;
/// its progress and its end arrive on `on_event`. Answers at once; one download per name.
#[tauri::command]
pub fn local_pull(
    state: State<'_, AppState>,
    pulls: State<'_, Arc<Pulls>>,
    name: String,
    on_event: Channel<PullEvent>,
) -> Reply<()> {
    let ready = state.ready()?;
    let source = parse_source(&name).map_err(text)?;
    let library = library(&ready)?;
    let mirror = ready.router.engine().config().local.mirror.clone();
    let (running, cancelled) = pulls.begin(&source.name())?;
    tauri::async_runtime::spawn(async move {
        let _running = running;
        let end = download(&library, &source, &mirror, cancelled, &on_event).await;
        let _ = on_event.send(end);
    });
    Ok(())
}

/// Runs one download to its end: done, failed, or cancelled (dropping the download keeps its
/// partial file for the next pull).
async fn download(
    library: &Library,
    source: &Source,
    mirror: &str,
    cancelled: oneshot::Receiver<()>,
    channel: &Channel<PullEvent>,
) -> PullEvent {
    let mut throttle = Throttle::new(channel.clone());
    let mut on_progress = |p| throttle.progress(p);
    let work = pull::pull(library, source, mirror, &mut on_progress);
    tokio::select! {
        r = work => match r {
            Ok(p) => PullEvent::Done { model: p.model.name },
            Err(e) => PullEvent::Failed { error: ErrorView::from(&e) },
        },
        _ = cancelled => PullEvent::Cancelled,
    }
}

/// Sends progress at most every [`PROGRESS_EVERY`], and always the last byte.
struct Throttle {
    channel: Channel<PullEvent>,
    last: Option<Instant>,
}

impl Throttle {
    fn new(channel: Channel<PullEvent>) -> Throttle {
        Throttle {
            channel,
            last: None,
        }
    }

    fn progress(&mut self, p: Progress) {
        let whole = p.total == Some(p.done);
        if !whole && self.last.is_some_and(|t| t.elapsed() < PROGRESS_EVERY) {
            return;
        }
        self.last = Some(Instant::now());
        let _ = self.channel.send(PullEvent::Progress {
            done: p.done,
            total: p.total,
        });
    }
}

/// Stops a download; false if none of that name runs. What arrived stays for the next pull.
#[tauri::command]
pub fn local_pull_cancel(pulls: State<'_, Arc<Pulls>>, name: String) -> Reply<bool> {
    Ok(pulls.cancel(&name))
}

/// Removes a model (and any unfinished download of it); answers the new view.
#[tauri::command]
pub async fn local_remove(
    state: State<'_, AppState>,
    pulls: State<'_, Arc<Pulls>>,
    name: String,
) -> Reply<LocalView> {
    let ready = state.ready()?;
    if pulls.names().contains(&name) {
        let why = format!("{name} is being downloaded: cancel the download first");
        return Err(refused(ErrorKind::BadInput, why));
    }
    let library = library(&ready)?;
    blocking(move || library.remove(&name)).await?;
    blocking(view(ready, pulls.names())).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_download_per_name_and_a_cancel_frees_the_name() {
        let pulls = Arc::new(Pulls::default());
        let (first, mut cancelled) = pulls.begin("smollm2-135m").unwrap();
        let twice = pulls.begin("smollm2-135m").err().unwrap();
        assert_eq!(twice.message, "smollm2-135m is already being downloaded");
        assert!(
            pulls.begin("other").is_ok(),
            "another name may download meanwhile"
        );
        assert_eq!(pulls.names(), ["smollm2-135m"]);

        assert!(pulls.cancel("smollm2-135m"));
        assert!(cancelled.try_recv().is_ok(), "the task hears the cancel");
        assert!(!pulls.cancel("smollm2-135m"), "nothing left to cancel");
        // A new download of the name while the cancelled task ends: its end does not take the
        // new one off the list.
        let (_second, _) = pulls.begin("smollm2-135m").unwrap();
        drop(first);
        assert_eq!(pulls.names(), ["smollm2-135m"]);
    }

    #[test]
    fn progress_is_throttled_but_the_last_byte_always_sent() {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let seen = sent.clone();
        let channel = Channel::new(move |body| {
            if let tauri::ipc::InvokeResponseBody::Json(text) = body {
                seen.lock().unwrap().push(text);
            }
            Ok(())
        });
        let mut throttle = Throttle::new(channel);
        for done in [1, 2, 3, 10] {
            throttle.progress(Progress {
                done,
                total: Some(10),
            });
        }
        let sent = sent.lock().unwrap();
        assert_eq!(sent.len(), 2, "the first and the last: {sent:?}");
        assert!(
            sent[1].contains(r#""kind":"progress","done":10,"total":10"#),
            "{}",
            sent[1]
        );
    }
}
