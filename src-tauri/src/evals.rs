//! The Evaluations view's commands, each a few lines over the engine's `eval`: the suites in the
//! data dir's `evals/` folder, a run started (its events on a channel) and stopped, the stored
//! runs, one run's grid, two runs compared, a run written out, and a compare's question added to
//! a suite as a case.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use roundtable_engine::error::{ErrorKind, ErrorView};
use roundtable_engine::eval::{
    self, report, EvalEvent, RunDiff, RunEnd, RunSpec, Suite, SuiteFileInfo, TargetSummary,
};
use roundtable_engine::session::Session;
use roundtable_engine::store::{EvalRun, StoredCell};
use serde::Serialize;
use tauri::ipc::Channel;
use tauri::State;
use tokio::sync::oneshot;
use ts_rs::TS;

use crate::commands::{blocking, refused, text, Reply};
use crate::state::AppState;

/// The suites folder and what is in it.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SuitesView {
    /// `evals/` in the data dir.
    pub dir: String,
    pub suites: Vec<SuiteFileInfo>,
}

/// A run's events as the window gets them.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EvalMsg {
    /// The run is under way (resumed when earlier cells were done).
    #[serde(rename_all = "camelCase")]
    Started {
        #[ts(type = "number")]
        run_id: i64,
        total: usize,
        skipped: usize,
        resumed: bool,
    },
    /// A cell ended.
    Cell { cell: Box<StoredCell> },
    /// The run ended (done, or stopped: a spend limit, the person).
    Ended { end: RunEnd },
    /// The run could not go on (a bad suite or target, the store).
    Failed { error: ErrorView },
}

/// One run with everything its grid shows.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunDetail {
    pub run: EvalRun,
    pub suite: Suite,
    pub cells: Vec<StoredCell>,
    pub summary: Vec<TargetSummary>,
}

/// What a run in the window is started with.
#[derive(Debug, serde::Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct EvalStart {
    pub path: String,
    pub targets: Vec<String>,
    pub preset: Option<String>,
    pub repeat: Option<u32>,
    pub concurrency: Option<usize>,
    pub fresh: Option<bool>,
}

/// Runs under way, by handle: their stop switches.
fn running() -> &'static Mutex<HashMap<u64, oneshot::Sender<()>>> {
    static RUNNING: OnceLock<Mutex<HashMap<u64, oneshot::Sender<()>>>> = OnceLock::new();
    RUNNING.get_or_init(Default::default)
}

fn suites_dir(dir: &std::path::Path) -> PathBuf {
    dir.join("evals")
}

/// The suites in the data dir's `evals/` folder.
#[tauri::command]
pub async fn eval_suites(state: State<'_, AppState>) -> Reply<SuitesView> {
    let r = state.ready()?;
    blocking(move || {
        let dir = suites_dir(&r.dir);
        Ok(SuitesView {
            dir: dir.display().to_string(),
            suites: eval::list_suites(&dir),
        })
    })
    .await
}

/// A suite file, loaded (refused with the file, line and field of what is wrong).
#[tauri::command]
pub async fn eval_suite(path: String) -> Reply<Suite> {
    blocking(move || Suite::load(std::path::Path::new(&path))).await
}

/// Starts (or resumes) a run; its events arrive on `events`. Answers a handle for `eval_stop`.
#[tauri::command]
pub async fn eval_start(
    state: State<'_, AppState>,
    start: EvalStart,
    events: Channel<EvalMsg>,
) -> Reply<u64> {
    let ready = state.ready()?;
    let path = PathBuf::from(&start.path);
    let suite = blocking(move || Suite::load(&path)).await?;
    let spec = RunSpec {
        suite,
        targets: start.targets,
        preset: start.preset.filter(|p| !p.is_empty()),
        repeat: start.repeat.unwrap_or(1),
        concurrency: start.concurrency.unwrap_or(eval::run::DEFAULT_CONCURRENCY),
        fresh: start.fresh.unwrap_or(false),
    };
    {
        let s = Session {
            router: &ready.router,
            store: &ready.store,
            prices: &ready.prices,
        };
        eval::run::check_spec(s, &spec).map_err(text)?;
    }
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let handle = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let (stop, stopped) = oneshot::channel();
    running()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(handle, stop);
    tauri::async_runtime::spawn(async move {
        let s = Session {
            router: &ready.router,
            store: &ready.store,
            prices: &ready.prices,
        };
        let cancel = async {
            // A dropped switch (never sent) is not a stop.
            if stopped.await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        let sent = |m: EvalMsg| {
            let _ = events.send(m);
        };
        let end = eval::run(s, spec, cancel, |e| {
            sent(match e {
                EvalEvent::Started {
                    run_id,
                    total,
                    skipped,
                    resumed,
                } => EvalMsg::Started {
                    run_id,
                    total,
                    skipped,
                    resumed,
                },
                EvalEvent::Cell(cell) => EvalMsg::Cell { cell },
            })
        })
        .await;
        running()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&handle);
        sent(match end {
            Ok(end) => EvalMsg::Ended { end },
            Err(e) => EvalMsg::Failed { error: text(e) },
        });
    });
    Ok(handle)
}

/// Stops a run (the cells under way are dropped; what ended is kept); false when it had ended.
#[tauri::command]
pub fn eval_stop(handle: u64) -> bool {
    let stop = running()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&handle);
    stop.is_some_and(|s| s.send(()).is_ok())
}

/// Every stored run, newest first.
#[tauri::command]
pub async fn eval_runs(state: State<'_, AppState>) -> Reply<Vec<EvalRun>> {
    let r = state.ready()?;
    blocking(move || r.store.eval_runs()).await
}

/// One run: its suite as it ran, its cells and the summary per target.
#[tauri::command]
pub async fn eval_run(state: State<'_, AppState>, id: i64) -> Reply<RunDetail> {
    let r = state.ready()?;
    blocking(move || {
        let run = r.store.eval_run(id)?;
        let suite = r.store.eval_run_suite(id)?;
        let cells = r.store.eval_cells(id)?;
        let summary = report::summarize(&run.targets, run.repeat, &cells);
        Ok(RunDetail {
            run,
            suite,
            cells,
            summary,
        })
    })
    .await
}

/// The cells whose verdict or score changed from run `a` to run `b`.
#[tauri::command]
pub async fn eval_diff(state: State<'_, AppState>, a: i64, b: i64) -> Reply<RunDiff> {
    let r = state.ready()?;
    blocking(move || {
        let (sa, sb) = (r.store.eval_run_suite(a)?, r.store.eval_run_suite(b)?);
        let (ca, cb) = (r.store.eval_cells(a)?, r.store.eval_cells(b)?);
        Ok(eval::diff((&sa, &ca), (&sb, &cb)))
    })
    .await
}

/// Deletes a run (its spend stays in the ledger).
#[tauri::command]
pub async fn eval_delete_run(state: State<'_, AppState>, id: i64) -> Reply<()> {
    let r = state.ready()?;
    blocking(move || r.store.delete_eval_run(id)).await
}

/// Writes a run as `csv`, `json` or `html` (a standalone report) into the Downloads folder
/// (else the data dir); answers the file's path.
#[tauri::command]
pub async fn eval_export(state: State<'_, AppState>, id: i64, format: String) -> Reply<String> {
    let r = state.ready()?;
    let ext = match format.as_str() {
        "csv" | "json" | "html" => format,
        other => {
            return Err(refused(
                ErrorKind::BadInput,
                format!("unknown report format {other:?}: csv, json or html"),
            ))
        }
    };
    let result = blocking(move || {
        let run = r.store.eval_run(id)?;
        let suite = r.store.eval_run_suite(id)?;
        let cells = r.store.eval_cells(id)?;
        let body = report::render(&ext, &run, &suite, &cells);
        let dir = roundtable_engine::config::download_dir().unwrap_or_else(|| r.dir.clone());
        let path = dir.join(format!("roundtable-eval-{id}.{ext}"));
        std::fs::write(&path, body).map_err(|source| roundtable_engine::Error::Io {
            path: path.display().to_string(),
            source,
        })?;
        Ok(path.display().to_string())
    })
    .await;
    result
}

/// Adds a question to a suite as a case: `suite` names a file in `evals/` (made when missing).
/// Answers the suite as it now loads.
#[tauri::command]
pub async fn eval_add_case(
    state: State<'_, AppState>,
    suite: String,
    prompt: String,
) -> Reply<Suite> {
    let r = state.ready()?;
    let name = suite.trim().trim_end_matches(".toml").to_string();
    if name.is_empty()
        || name.starts_with('.')
        || !name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | ' ' | '.'))
    {
        return Err(refused(
            ErrorKind::BadInput,
            format!("{suite:?} is not a suite name: letters, digits, spaces, - and _"),
        ));
    }
    blocking(move || {
        let path = suites_dir(&r.dir).join(format!("{name}.toml"));
        eval::append_case(&path, &prompt, &[])
    })
    .await
}
