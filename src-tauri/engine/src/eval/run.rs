//! Running a suite: every case × target × repetition, as ledger-only turns through the router
//! (its retries, fallbacks and cool-downs), at most `concurrency` requests at once per provider.
//! Each cell is written when it ends; a run resumes from the cells that have an answer. A spend
//! limit reached stops the run cleanly: nothing new starts, the cells under way finish and are
//! kept, and the run is marked stopped (a later run resumes it).

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;
use tokio::sync::Semaphore;
use ts_rs::TS;

use super::checks::{self, Check, CheckResult, JudgeRecord};
use super::suite::{read_capped, Suite};
use crate::attach::MAX_FILE_BYTES;
use crate::chat::{ChatRequest, Message, Part};
use crate::error::{Error, ErrorKind, Result};
use crate::router::Plan;
use crate::session::{ChatSettings, Delivery, Session, Turn, TurnEvent};
use crate::store::{eval_client, now_ms, NewEvalRun, RunStatus, StoredCell};

/// The default number of requests at once per provider.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// The most requests at once per provider.
pub const MAX_CONCURRENCY: usize = 64;
/// The most repetitions of a run.
pub const MAX_REPEAT: u32 = 100;
/// The most tokens a judge may answer with.
const JUDGE_MAX_TOKENS: u32 = 400;

/// What to run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    pub suite: Suite,
    /// `provider/model` or `@route`, one per column of the grid.
    pub targets: Vec<String>,
    /// A preset over the suite's (the suite's own values win over either).
    pub preset: Option<String>,
    pub repeat: u32,
    /// Requests at once per provider.
    pub concurrency: usize,
    /// Start a new run even when an earlier one of the same suite and targets can resume.
    pub fresh: bool,
}

/// What happens while a run runs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum EvalEvent {
    /// The run is under way: its id, its cells in all, and how many were done before.
    #[serde(rename_all = "camelCase")]
    Started {
        #[ts(type = "number")]
        run_id: i64,
        total: usize,
        skipped: usize,
        resumed: bool,
    },
    /// A cell ended (its answer and verdicts are stored).
    Cell(Box<StoredCell>),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunEnd {
    #[ts(type = "number")]
    pub run_id: i64,
    pub status: RunStatus,
    /// Why it stopped early (a spend limit's refusal, or the person).
    pub stopped: Option<String>,
    /// Whether a spend limit stopped it.
    pub budget: bool,
    /// Cells that got no answer this time (tried again on the next run).
    pub errors: usize,
}

/// The settings a run sends with: the preset (the run's, else the suite's) under the suite's own.
pub fn settings_for(s: Session<'_>, suite: &Suite, preset: Option<&str>) -> Result<ChatSettings> {
    let base = match preset.or(suite.preset.as_deref()) {
        Some(name) => ChatSettings::preset(s.router.engine().config(), name)?.0,
        None => ChatSettings::default(),
    };
    let settings = base.overlay(&suite.settings);
    settings.check()?;
    Ok(settings)
}

/// What checking a run works out: the settings it sends with, each target's plan and each
/// judge's plan.
pub struct Checked {
    pub settings: ChatSettings,
    pub plans: Vec<Plan>,
    pub judge_plans: Vec<Plan>,
}

/// Checks a run's targets and limits before anything is stored or sent.
pub fn check_spec(s: Session<'_>, spec: &RunSpec) -> Result<Checked> {
    if spec.targets.is_empty() {
        return Err(Error::InvalidRequest(
            "no targets: name one or more with -m provider/model".into(),
        ));
    }
    let mut seen = HashSet::new();
    let mut plans = Vec::new();
    for t in &spec.targets {
        if !seen.insert(t) {
            return Err(Error::InvalidRequest(format!("target {t} is named twice")));
        }
        plans.push(s.router.plan(std::slice::from_ref(t))?);
    }
    if !(1..=MAX_REPEAT).contains(&spec.repeat) {
        return Err(Error::InvalidRequest(format!(
            "repeat is {}; it is 1 to {MAX_REPEAT}",
            spec.repeat
        )));
    }
    if !(1..=MAX_CONCURRENCY).contains(&spec.concurrency) {
        return Err(Error::InvalidRequest(format!(
            "concurrency is {}; it is 1 to {MAX_CONCURRENCY}",
            spec.concurrency
        )));
    }
    let mut judges = HashSet::new();
    let mut judge_plans = Vec::new();
    for case in &spec.suite.cases {
        for c in &case.checks {
            if let Check::Judge {
                target: Some(t), ..
            } = c
            {
                let plan = s
                    .router
                    .plan(std::slice::from_ref(t))
                    .map_err(|e| Error::InvalidRequest(format!("{}: judge: {e}", case.label)))?;
                if judges.insert(t) {
                    judge_plans.push(plan);
                }
            }
        }
    }
    Ok(Checked {
        settings: settings_for(s, &spec.suite, spec.preset.as_deref())?,
        plans,
        judge_plans,
    })
}

struct Cell {
    case: usize,
    target: usize,
    rep: u32,
    /// The stored cell whose answer waits for its judge.
    prior: Option<StoredCell>,
}

/// The runs going in this process.
fn active() -> &'static Mutex<HashSet<i64>> {
    static ACTIVE: std::sync::OnceLock<Mutex<HashSet<i64>>> = std::sync::OnceLock::new();
    ACTIVE.get_or_init(Default::default)
}

/// A run claimed as going, released when dropped.
struct Active(i64);

impl Active {
    fn claim(id: i64) -> Result<Active> {
        let mut set = active().lock().unwrap_or_else(|p| p.into_inner());
        if !set.insert(id) {
            return Err(Error::InvalidRequest(format!(
                "run {id} is already going; wait for it or stop it (or start fresh)"
            )));
        }
        Ok(Active(id))
    }
}

impl Drop for Active {
    fn drop(&mut self) {
        active()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.0);
    }
}

/// The most attachment bytes kept read at once.
const ATTACHMENT_CACHE: usize = 256 << 20;

/// What a resumed run must match, hashed: the suite, the settings in force, the targets as
/// resolved (a route's members and strategy), the preset's name and the repeat count.
fn run_key(spec: &RunSpec, settings: &ChatSettings, plans: &[Plan]) -> String {
    use sha2::Digest;
    let targets: Vec<String> = plans
        .iter()
        .zip(&spec.targets)
        .map(|(p, name)| {
            let members: Vec<String> = p.targets.iter().map(|t| t.to_string()).collect();
            format!(
                "{name}={:?}:{}:{:?}",
                p.strategy,
                members.join(","),
                p.weights
            )
        })
        .collect();
    let key = serde_json::json!({
        "suite": spec.suite.hash,
        "settings": settings,
        "preset": spec.preset,
        "targets": targets,
        "repeat": spec.repeat,
    });
    super::suite::hex(&sha2::Sha256::digest(key.to_string().as_bytes()))
}

impl Shared<'_> {
    /// A case's attachments as parts, their bytes with them (read off the async threads).
    async fn parts_of(&self, case: &super::suite::Case) -> Result<Vec<Part>> {
        let mut parts = Vec::new();
        for a in &case.attach {
            let key = (a.sha256.clone(), a.name.clone());
            let cached = self
                .attachments
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(&key)
                .cloned();
            if let Some(p) = cached {
                parts.push(p);
                continue;
            }
            let path = a.path.clone();
            let bytes = tokio::task::spawn_blocking(move || read_capped(&path, MAX_FILE_BYTES))
                .await
                .map_err(|e| Error::Internal(format!("reading {}: {e}", a.name)))??;
            let sha = crate::attach::blobs::sha256_hex(&bytes);
            if sha != a.sha256 {
                return Err(Error::InvalidRequest(format!(
                    "{} changed since the suite was loaded; load it again",
                    a.name
                )));
            }
            let mut part = crate::attach::ingest(&a.name, &bytes, false)?.part;
            // The bytes go with the part (a suite's files are not kept in the blob store).
            if let Part::Image(att) | Part::File(att) = &mut part {
                att.sha256 = sha;
                att.data = Some(Arc::new(bytes));
            }
            let mut cache = self.attachments.lock().unwrap_or_else(|p| p.into_inner());
            let held: usize = cache.values().map(part_bytes).sum();
            if held + part_bytes(&part) > ATTACHMENT_CACHE {
                cache.clear();
            }
            cache.insert(key, part.clone());
            parts.push(part);
        }
        Ok(parts)
    }
}

fn part_bytes(p: &Part) -> usize {
    match p {
        Part::Image(a) | Part::File(a) => a.data.as_ref().map_or(0, |d| d.len()),
        _ => 0,
    }
}

/// What is shared by a run's cells.
struct Shared<'a> {
    s: Session<'a>,
    suite: &'a Suite,
    targets: &'a [String],
    plans: Vec<Plan>,
    settings: ChatSettings,
    /// Attachments read, by hash (a file attached to many cases is read once; the cache is
    /// dropped past [`ATTACHMENT_CACHE`] bytes).
    attachments: Mutex<HashMap<(String, String), Part>>,
    client: String,
    /// One semaphore per provider id.
    pools: HashMap<String, Arc<Semaphore>>,
    concurrency: usize,
    /// Set when a spend limit refuses a request: nothing new starts.
    stop: AtomicBool,
    why: Mutex<Option<String>>,
    dir: std::path::PathBuf,
}

impl Shared<'_> {
    /// The slots of the provider a plan tries first.
    fn pool(&self, plan: &Plan) -> Arc<Semaphore> {
        plan.targets
            .first()
            .and_then(|t| self.pools.get(&t.provider.id))
            .cloned()
            .unwrap_or_else(|| Arc::new(Semaphore::new(self.concurrency)))
    }

    fn stop_for(&self, e: &Error) {
        self.stop.store(true, Ordering::SeqCst);
        let mut why = self.why.lock().unwrap_or_else(|p| p.into_inner());
        if why.is_none() {
            *why = Some(e.to_string());
        }
    }
}

/// Runs (or resumes) a suite. `emit` hears each event; `cancel` resolving stops the run (the
/// cells under way are dropped, their calls recorded as interrupted; the run resumes later).
pub async fn run(
    s: Session<'_>,
    spec: RunSpec,
    cancel: impl Future<Output = ()>,
    mut emit: impl FnMut(EvalEvent),
) -> Result<RunEnd> {
    let Checked {
        settings,
        plans,
        judge_plans,
    } = check_spec(s, &spec)?;
    let preset = spec.preset.as_deref().or(spec.suite.preset.as_deref());
    let key = run_key(&spec, &settings, &plans);
    let new = NewEvalRun {
        suite: &spec.suite,
        key: &key,
        targets: &spec.targets,
        preset,
        repeat: spec.repeat,
    };
    let earlier = if spec.fresh {
        None
    } else {
        s.store.resumable_eval_run(&new)?
    };
    let run_id = match earlier {
        Some(id) => id,
        None => s.store.create_eval_run(&new)?,
    };
    // One runner per run in this process (a second Run pressed, say): it would pay for the
    // same cells twice.
    let _active = Active::claim(run_id)?;
    if earlier.is_some() {
        s.store.set_eval_status(run_id, RunStatus::Running, None)?;
    }
    // Cells with an answer are done; one whose judge could not run is judged again, its
    // answer kept.
    let mut done = HashSet::new();
    let mut pending = HashMap::new();
    for c in s.store.eval_cells(run_id)? {
        if c.error.is_some() {
            continue;
        }
        let key = (c.case, c.target.clone(), c.rep);
        if c.judge_pending {
            pending.insert(key, c);
        } else {
            done.insert(key);
        }
    }
    let mut cells = Vec::new();
    for rep in 0..spec.repeat {
        for case in 0..spec.suite.cases.len() {
            for (target, name) in spec.targets.iter().enumerate() {
                let key = (case, name.clone(), rep);
                if !done.contains(&key) {
                    let prior = pending.remove(&key);
                    cells.push(Cell {
                        case,
                        target,
                        rep,
                        prior,
                    });
                }
            }
        }
    }
    let total = spec.suite.cases.len() * spec.targets.len() * spec.repeat as usize;
    emit(EvalEvent::Started {
        run_id,
        total,
        skipped: total - cells.len(),
        resumed: earlier.is_some(),
    });

    // One pool of `concurrency` slots per provider a target or a judge may reach.
    let mut pools = HashMap::new();
    for plan in plans.iter().chain(&judge_plans) {
        for t in &plan.targets {
            pools
                .entry(t.provider.id.clone())
                .or_insert_with(|| Arc::new(Semaphore::new(spec.concurrency)));
        }
    }
    let in_flight = spec.concurrency * pools.len().max(1);
    let shared = Shared {
        s,
        suite: &spec.suite,
        targets: &spec.targets,
        plans,
        settings,
        attachments: Mutex::new(HashMap::new()),
        client: eval_client(run_id),
        pools,
        concurrency: spec.concurrency,
        stop: AtomicBool::new(false),
        why: Mutex::new(None),
        dir: super::suite::suite_dir(&spec.suite),
    };
    let mut errors = 0;
    let mut store_error = None;
    let cancelled = {
        let shared = &shared;
        let mut results = futures_util::stream::iter(cells)
            .map(|cell| run_cell(shared, cell))
            .buffer_unordered(in_flight);
        tokio::pin!(cancel);
        loop {
            let next = tokio::select! {
                n = results.next() => n,
                () = &mut cancel => break true,
            };
            let Some(result) = next else { break false };
            match result {
                Ok(Some(cell)) => {
                    if cell.error.is_some() {
                        errors += 1;
                    }
                    if let Err(e) = s.store.put_eval_cell(run_id, &cell) {
                        store_error = Some(e);
                        break false;
                    }
                    emit(EvalEvent::Cell(Box::new(cell)));
                }
                Ok(None) => {}
                Err(e) => {
                    store_error = Some(e);
                    break false;
                }
            }
        }
    };
    let why = shared.why.lock().map(|w| w.clone()).unwrap_or(None);
    let (status, stopped, budget) = if let Some(e) = store_error {
        let _ = s
            .store
            .set_eval_status(run_id, RunStatus::Stopped, Some(&e.to_string()));
        return Err(e);
    } else if cancelled {
        (
            RunStatus::Stopped,
            Some("stopped before the end".to_string()),
            false,
        )
    } else if let Some(why) = why {
        (RunStatus::Stopped, Some(why), true)
    } else {
        (RunStatus::Done, None, false)
    };
    let note = match (&stopped, errors) {
        (Some(w), _) => Some(w.clone()),
        (None, 0) => None,
        (None, n) => Some(format!("{n} cells got no answer; run again to retry them")),
    };
    s.store.set_eval_status(run_id, status, note.as_deref())?;
    Ok(RunEnd {
        run_id,
        status,
        stopped,
        budget,
        errors,
    })
}

/// One cell: its answer (or the stored one whose judge is pending), then its checks.
/// `Ok(None)` when a spend limit stopped it before its answer was sent (it is not stored, so the
/// run resumes it); `Err` only for the store failing.
async fn run_cell(sh: &Shared<'_>, cell: Cell) -> Result<Option<StoredCell>> {
    let plan = &sh.plans[cell.target];
    let target = &sh.targets[cell.target];
    let case = &sh.suite.cases[cell.case];
    // A resumed cell keeps its answer and every verdict but its pending judges.
    let (got, kept, kept_micros) = match cell.prior {
        Some(prior) => (
            Got {
                text: prior.answer,
                model: prior.model,
                request_id: prior.request_id,
                ms: prior.ms,
                error: None,
            },
            Some(prior.checks),
            prior.judge_micros,
        ),
        None => {
            let got = {
                let Ok(_permit) = sh.pool(plan).acquire_owned().await else {
                    return Ok(None);
                };
                if sh.stop.load(Ordering::SeqCst) {
                    return Ok(None);
                }
                let started = Instant::now();
                let failed = |e: Error| Got {
                    text: String::new(),
                    model: None,
                    request_id: None,
                    ms: started.elapsed().as_millis() as u64,
                    error: Some(e.to_string()),
                };
                match sh.parts_of(case).await {
                    Err(e) => failed(e),
                    Ok(mut message) => {
                        if !case.prompt.is_empty() || message.is_empty() {
                            message.push(Part::Text(case.prompt.clone()));
                        }
                        let request = sh.settings.request(vec![Message {
                            role: crate::chat::Role::User,
                            parts: message,
                        }]);
                        match ask(sh, plan.clone(), request, Delivery::Stream).await {
                            Ok(got) => got,
                            Err(e) if e.kind() == ErrorKind::BudgetExceeded => {
                                sh.stop_for(&e);
                                return Ok(None);
                            }
                            Err(e) if e.kind() == ErrorKind::Store => return Err(e),
                            Err(e) => failed(e),
                        }
                    }
                }
                // The slot is given back here, before any judge takes one.
            };
            (got, None, 0)
        }
    };
    let (cost_micros, priced) = match &got.request_id {
        Some(id) => sh.s.store.request_cost(id)?,
        None => (0, true),
    };
    let mut results = Vec::new();
    let mut judge_micros = kept_micros;
    let mut judge_pending = false;
    if got.error.is_none() {
        for (i, check) in case.checks.iter().enumerate() {
            // A resumed cell's verdicts stand, but for its judges that could not run.
            if let Some(prior) = kept.as_ref().and_then(|k| k.get(i)) {
                let pending =
                    prior.kind == "judge" && prior.judge.is_none() && prior.score.is_none();
                if !pending {
                    results.push(prior.clone());
                    continue;
                }
            }
            let known = priced.then_some(cost_micros);
            if let Some(r) = checks::verdict(check, &got.text, got.ms, known) {
                results.push(r);
                continue;
            }
            match check {
                Check::Command { run, timeout_s } => {
                    let mut env = vec![
                        ("ROUNDTABLE_TARGET".to_string(), target.clone()),
                        ("ROUNDTABLE_CASE".to_string(), cell.case.to_string()),
                    ];
                    for (k, v) in &case.vars {
                        env.push((format!("ROUNDTABLE_VAR_{}", k.to_uppercase()), v.clone()));
                    }
                    results
                        .push(checks::run_command(run, *timeout_s, &got.text, &sh.dir, &env).await);
                }
                Check::Judge {
                    rubric,
                    target: judge,
                    pass,
                } => {
                    let judge = judge.clone().unwrap_or_default();
                    let rubric = rubric.clone().unwrap_or_default();
                    let verdict = if sh.stop.load(Ordering::SeqCst) {
                        Err(None)
                    } else {
                        judged(
                            sh,
                            &judge,
                            &rubric,
                            pass.unwrap_or(4),
                            &case.prompt,
                            &got.text,
                        )
                        .await
                        .map_err(Some)
                    };
                    match verdict {
                        Ok(r) => {
                            judge_micros += r.judge.as_ref().map_or(0, |j| j.cost_micros);
                            results.push(r);
                        }
                        Err(Some(e)) if e.kind() == ErrorKind::Store => return Err(e),
                        Err(e) => {
                            // The answer is kept; the next run judges it again.
                            if let Some(e) = &e {
                                if e.kind() == ErrorKind::BudgetExceeded {
                                    sh.stop_for(e);
                                }
                            }
                            judge_pending = true;
                            let why = e.map_or_else(
                                || "the run stopped before it".to_string(),
                                |e| e.to_string(),
                            );
                            results.push(CheckResult {
                                kind: "judge".into(),
                                passed: false,
                                reason: format!(
                                    "not judged ({judge}): {why}; the next run judges this answer again"
                                ),
                                score: None,
                                judge: None,
                            });
                        }
                    }
                }
                _ => {}
            }
        }
    }
    let scores: Vec<f64> = results
        .iter()
        .filter_map(|r| r.score.map(f64::from))
        .collect();
    Ok(Some(StoredCell {
        case: cell.case,
        target: target.clone(),
        rep: cell.rep,
        passed: got.error.is_none() && results.iter().all(|r| r.passed),
        error: got.error,
        answer: got.text,
        checks: results,
        score: (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64),
        cost_micros,
        judge_micros,
        ms: got.ms,
        model: got.model,
        request_id: got.request_id,
        finished_at: now_ms(),
        judge_pending,
    }))
}

/// An answer as a cell (or a judge) sees it.
struct Got {
    text: String,
    model: Option<String>,
    request_id: Option<String>,
    ms: u64,
    error: Option<String>,
}

/// Sends one request as a ledger-only turn under the run's client and reads it to its end.
/// `Err` when the turn could not be prepared (a spend limit, the store); a failed answer is a
/// `Got` with its error (and what arrived).
async fn ask(sh: &Shared<'_>, plan: Plan, request: ChatRequest, delivery: Delivery) -> Result<Got> {
    let turn = Turn::for_ledger(sh.s.router, sh.s.store, plan, request, &sh.client)?;
    let started = Instant::now();
    let mut answer = turn.drive(sh.s, delivery);
    let request_id = answer.request_id().to_string();
    let mut text = String::new();
    while let Some(event) = answer.next().await {
        match event {
            TurnEvent::Delta { text: t } => text.push_str(&t),
            TurnEvent::Done(f) => {
                return Ok(Got {
                    text,
                    model: Some(f.model.clone()),
                    request_id: Some(request_id),
                    ms: f.duration_ms,
                    error: None,
                });
            }
            TurnEvent::Failed { error, .. } => {
                if error.kind == ErrorKind::Store {
                    return Err(Error::Store {
                        path: sh.s.store.path().display().to_string(),
                        message: error.message,
                    });
                }
                return Ok(Got {
                    text,
                    model: None,
                    request_id: Some(request_id),
                    ms: started.elapsed().as_millis() as u64,
                    error: Some(error.message),
                });
            }
            TurnEvent::Cancelled { .. } => break,
            _ => {}
        }
    }
    Ok(Got {
        text,
        model: None,
        request_id: Some(request_id),
        ms: started.elapsed().as_millis() as u64,
        error: Some("the answer ended without finishing".into()),
    })
}

/// Asks the judge for a score.
async fn judged(
    sh: &Shared<'_>,
    judge: &str,
    rubric: &str,
    pass: u8,
    question: &str,
    answer: &str,
) -> Result<CheckResult> {
    let plan = sh.s.router.plan(&[judge.to_string()])?;
    let _permit = sh.pool(&plan).acquire_owned().await;
    let prompt = checks::judge_prompt(question, answer, rubric);
    let request = ChatRequest {
        messages: vec![Message::user(&prompt)],
        temperature: Some(0.0),
        max_tokens: Some(JUDGE_MAX_TOKENS),
        seed: sh.settings.seed,
        ..Default::default()
    };
    let got = ask(sh, plan, request, Delivery::Whole).await?;
    let cost_micros = match &got.request_id {
        Some(id) => sh.s.store.request_cost(id)?.0,
        None => 0,
    };
    if let Some(e) = got.error {
        return Err(Error::InvalidRequest(e));
    }
    let record = JudgeRecord {
        target: judge.to_string(),
        model: got.model.unwrap_or_else(|| judge.to_string()),
        prompt,
        reply: got.text.clone(),
        cost_micros,
    };
    Ok(match checks::read_judgement(&got.text) {
        Ok((score, reason)) => CheckResult {
            kind: "judge".into(),
            passed: score >= pass,
            reason: format!("{score}/5 (pass {pass}): {reason}"),
            score: Some(score),
            judge: Some(record),
        },
        Err(why) => CheckResult {
            kind: "judge".into(),
            passed: false,
            reason: why,
            score: None,
            judge: Some(record),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_is_claimed_by_one_runner_at_a_time() {
        let first = Active::claim(-7).unwrap();
        let e = Active::claim(-7).err().unwrap().to_string();
        assert!(e.contains("already going"), "{e}");
        drop(first);
        Active::claim(-7).unwrap();
    }
}
