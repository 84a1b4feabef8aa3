//! The runtime: GGUF models loaded by llama.cpp on worker threads.
//!
//! One worker thread per loaded model owns it and its context (its key/value cache); requests
//! to that model queue on the worker and run one at a time, while other providers (and other
//! local models) go on. Generation never runs on the async runtime: the worker sends events
//! over a bounded channel, and the stream that reads them is an ordinary [`ChatStream`].
//! Dropping the stream closes the channel; the worker sees it before decoding the next token.
//!
//! A worker keeps its model loaded until it has had no request for `[local] idle_unload_secs`,
//! then frees it and ends. Before loading, the memory it needs (weights, key/value cache, a
//! margin) is checked against what the system has free and `[local] max_memory_mb`.
//!
//! Between requests the worker keeps the tokens of the last prompt and answer in its cache:
//! a follow-up in the same conversation decodes only what is new.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::mpsc;

use super::gguf::{self, GgufInfo};
use super::prompt::{self, Stops, Utf8Pieces};
use super::PROVIDER;
use crate::chat::{ChatEvent, ChatRequest, FinishReason, StreamEnd, Usage};
use crate::config::LocalConfig;
use crate::error::{ErrorClass, ProviderError};

/// What one worker sends: events, or the error that ends the answer.
pub(crate) type Event = Result<ChatEvent, ProviderError>;

/// How many events may wait in the channel before the worker waits for the reader.
const CHANNEL: usize = 64;
/// Tokens decoded per batch while reading the prompt.
const BATCH: usize = 512;

/// Settings a worker is started with (a change starts a new worker for the model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    context: u32,
    threads: u32,
}

/// A request for a worker.
struct Job {
    path: PathBuf,
    req: ChatRequest,
    name: String,
    events: mpsc::Sender<Event>,
}

/// A running worker: where to send jobs.
struct Worker {
    /// Which worker this is (a file's entry may be replaced by a newer worker).
    id: u64,
    jobs: std_mpsc::Sender<Job>,
    shape: Shape,
    /// Bytes it was admitted with (counted against `max_memory_mb`).
    memory: u64,
}

/// Every worker of this process, by model file. Process-wide: llama.cpp's backend is
/// process-wide, and an engine rebuilt after a settings change keeps the models loaded.
fn workers() -> &'static Mutex<HashMap<PathBuf, Worker>> {
    static WORKERS: OnceLock<Mutex<HashMap<PathBuf, Worker>>> = OnceLock::new();
    WORKERS.get_or_init(Default::default)
}

/// llama.cpp's backend, initialised once per process (its logs go to `tracing`).
fn backend() -> Result<&'static LlamaBackend, String> {
    static BACKEND: OnceLock<Result<LlamaBackend, String>> = OnceLock::new();
    BACKEND
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaBackend::init().map_err(|e| format!("llama.cpp could not start: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// Which local models are loaded now (their files), for status displays and tests.
pub fn loaded() -> Vec<PathBuf> {
    let map = workers().lock().unwrap_or_else(|e| e.into_inner());
    let mut list: Vec<PathBuf> = map.keys().cloned().collect();
    list.sort();
    list
}

/// Bytes of memory the system has available (`MemAvailable`), if it says.
pub fn available_memory() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = text.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// The threads to use: the config's, or one per core.
fn threads(config: &LocalConfig) -> u32 {
    if config.threads > 0 {
        return config.threads;
    }
    std::thread::available_parallelism()
        .map(|n| n.get() as u32)
        .unwrap_or(2)
}

/// A model's name from its file (`models/NAME.gguf`): errors name the model, not the path.
fn model_name(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "the model".into())
}

/// Unloads the model in `path` once its queued requests are answered (its file was removed or
/// replaced): the next request loads the file as it is then.
pub fn unload(path: &Path) {
    let mut map = workers().lock().unwrap_or_else(|e| e.into_inner());
    map.remove(path);
}

/// Bytes as whole megabytes (MB of 2^20 bytes, as `max_memory_mb` counts them).
fn megabytes(bytes: u64) -> String {
    format!("{} MB", bytes.div_ceil(1 << 20))
}

fn error(class: ErrorClass, message: impl Into<String>) -> ProviderError {
    ProviderError::new(PROVIDER, class, message)
}

/// Starts an answer from the model in `path` (named `name`), queued behind the model's other
/// requests. The file is checked (a whole GGUF of a supported architecture) and, when the model
/// is not loaded yet, so is the memory it needs; both refusals come back here, before any
/// event.
pub(crate) fn start(
    path: &Path,
    name: &str,
    req: ChatRequest,
    config: &LocalConfig,
) -> Result<mpsc::Receiver<Event>, ProviderError> {
    let shape = Shape {
        context: config.context.max(256),
        threads: threads(config),
    };
    let (tx, rx) = mpsc::channel(CHANNEL);
    let job = Job {
        path: path.to_path_buf(),
        req,
        name: name.to_string(),
        events: tx,
    };
    // A loaded model takes the job at once; otherwise the file is read (outside the lock: it is
    // disk I/O) and the map asked again, in case another request started the worker meanwhile.
    let Some(job) = send_to_worker(path, shape, job) else {
        return Ok(rx);
    };
    let info = gguf::read_runnable(path).map_err(|e| {
        error(ErrorClass::ModelNotFound, format!("{name}: {e}"))
            .with_hint("remove it with `roundtable models rm` and pull or add it again")
    })?;
    let free = available_memory();
    let mut map = workers().lock().unwrap_or_else(|e| e.into_inner());
    let Some(job) = send_locked(&mut map, path, shape, job) else {
        return Ok(rx);
    };
    let context = u64::from(shape.context).min(info.context_length.unwrap_or(u64::MAX));
    let needed = info.memory_needed(context);
    let in_use: u64 = map.values().map(|w| w.memory).sum();
    // Loaded models are mapped file pages, which the system counts as available: take them off.
    let free = free.map(|f| f.saturating_sub(in_use));
    let cap = (config.max_memory_mb > 0).then(|| {
        config
            .max_memory_mb
            .saturating_mul(1 << 20)
            .saturating_sub(in_use)
    });
    let room = match (free, cap) {
        (Some(f), Some(c)) => Some(f.min(c)),
        (f, c) => f.or(c),
    };
    if let Some(room) = room.filter(|r| needed > *r) {
        let limit = if cap.is_some_and(|c| c <= free.unwrap_or(u64::MAX)) {
            format!(
                " under [local] max_memory_mb = {} ({} already used by loaded models)",
                config.max_memory_mb,
                megabytes(in_use)
            )
        } else {
            " free on this machine".to_string()
        };
        return Err(error(
            ErrorClass::UnsupportedInput,
            format!(
                "{name} needs about {} of memory with a {context}-token context, but only {} is available{limit}",
                megabytes(needed),
                megabytes(room)
            ),
        )
        .with_hint("close other programs, lower [local] context, or choose a smaller model"));
    }
    let (jobs, queue) = std_mpsc::channel();
    // The queue was just made and its receiver is alive.
    let _ = jobs.send(job);
    let idle = Duration::from_secs(config.idle_unload_secs);
    let file = path.to_path_buf();
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let id = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let spawned = std::thread::Builder::new()
        .name(format!("local-{name}"))
        .spawn(move || work(id, file, info, shape, idle, queue));
    if let Err(e) = spawned {
        return Err(error(
            ErrorClass::Upstream,
            format!("could not start a thread for {name}: {e}"),
        ));
    }
    map.insert(
        path.to_path_buf(),
        Worker {
            id,
            jobs,
            shape,
            memory: needed,
        },
    );
    Ok(rx)
}

/// Sends `job` to the model's running worker, if there is one with these settings; the job
/// comes back when there is none.
fn send_to_worker(path: &Path, shape: Shape, job: Job) -> Option<Job> {
    let mut map = workers().lock().unwrap_or_else(|e| e.into_inner());
    send_locked(&mut map, path, shape, job)
}

fn send_locked(
    map: &mut HashMap<PathBuf, Worker>,
    path: &Path,
    shape: Shape,
    job: Job,
) -> Option<Job> {
    // A worker of the same model with other settings is left to finish its queue and unload.
    if map.get(path).is_some_and(|w| w.shape != shape) {
        map.remove(path);
    }
    match map.get(path) {
        Some(w) => match w.jobs.send(job) {
            Ok(()) => None,
            // It ended on its own (idle, or a failure) since: start another.
            Err(std_mpsc::SendError(job)) => {
                map.remove(path);
                Some(job)
            }
        },
        None => Some(job),
    }
}

/// A worker: loads the model, answers jobs in order, unloads when idle.
fn work(
    id: u64,
    path: PathBuf,
    info: GgufInfo,
    shape: Shape,
    idle: Duration,
    queue: std_mpsc::Receiver<Job>,
) {
    let started = Instant::now();
    let (model, params, backend) = match load(&path, &info, shape) {
        Ok(loaded) => loaded,
        Err(e) => return fail_all(id, &path, &queue, e),
    };
    // The context borrows the model, so both live in this frame.
    let mut ctx = match model.new_context(backend, params) {
        Ok(ctx) => ctx,
        Err(e) => {
            let e = error(
                ErrorClass::Upstream,
                format!("llama.cpp could not make a context: {e}"),
            );
            return fail_all(id, &path, &queue, e);
        }
    };
    tracing::info!(
        model = %path.display(),
        ms = started.elapsed().as_millis() as u64,
        "local model loaded"
    );
    let mut cached: Vec<LlamaToken> = Vec::new();
    let controls = control_texts(&model);
    loop {
        let job = match recv(&queue, idle) {
            Some(job) => job,
            None => {
                // Idle: leave the map, unless a job came meanwhile (jobs are sent under the
                // map's lock, so none can come between this check and the removal).
                let mut map = workers().lock().unwrap_or_else(|e| e.into_inner());
                match queue.try_recv() {
                    Ok(job) => {
                        drop(map);
                        job
                    }
                    Err(_) => {
                        if map.get(&path).is_some_and(|w| w.id == id) {
                            map.remove(&path);
                        }
                        tracing::info!(model = %path.display(), "local model unloaded (idle)");
                        return;
                    }
                }
            }
        };
        answer(&model, &controls, &mut ctx, &mut cached, job);
    }
}

/// A model that does not load: every queued request gets the error, and the worker leaves the
/// map so that the next request tries again.
fn fail_all(id: u64, path: &Path, queue: &std_mpsc::Receiver<Job>, e: ProviderError) {
    tracing::warn!(model = %path.display(), error = %e, "local model failed to load");
    let mut map = workers().lock().unwrap_or_else(|e| e.into_inner());
    if map.get(path).is_some_and(|w| w.id == id) {
        map.remove(path);
    }
    while let Ok(job) = queue.try_recv() {
        let _ = job.events.try_send(Err(e.clone()));
    }
}

/// The next job, or `None` after `idle` without one (never, when `idle` is zero).
fn recv(queue: &std_mpsc::Receiver<Job>, idle: Duration) -> Option<Job> {
    if idle.is_zero() {
        queue.recv().ok()
    } else {
        queue.recv_timeout(idle).ok()
    }
}

/// Loads the model and makes its context parameters.
fn load(
    path: &Path,
    info: &GgufInfo,
    shape: Shape,
) -> Result<(LlamaModel, LlamaContextParams, &'static LlamaBackend), ProviderError> {
    let backend = backend().map_err(|e| error(ErrorClass::Upstream, e))?;
    let model =
        LlamaModel::load_from_file(backend, path, &LlamaModelParams::default()).map_err(|e| {
            error(
                ErrorClass::ModelNotFound,
                format!(
                    "llama.cpp could not load {} ({}, {}): {e}",
                    model_name(path),
                    info.architecture,
                    info.quantization
                ),
            )
        })?;
    let trained = model.n_ctx_train().max(1);
    let context = shape.context.min(trained);
    let threads = i32::try_from(shape.threads).unwrap_or(2);
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(context))
        .with_n_batch(BATCH as u32)
        .with_n_ubatch(BATCH as u32)
        .with_n_threads(threads)
        .with_n_threads_batch(threads);
    Ok((model, params, backend))
}

/// Tokens generated so far in this process, by model file (what shows that a cancelled answer
/// stopped: see the tests).
fn generated() -> &'static Mutex<HashMap<PathBuf, u64>> {
    static GENERATED: OnceLock<Mutex<HashMap<PathBuf, u64>>> = OnceLock::new();
    GENERATED.get_or_init(Default::default)
}

/// Tokens the model in `path` has generated in this process so far.
pub fn tokens_generated(path: &Path) -> u64 {
    let map = generated().lock().unwrap_or_else(|e| e.into_inner());
    map.get(path).copied().unwrap_or(0)
}

/// A model's vocabulary (no weights) and its control-token texts, loaded once and kept for the
/// eight models last asked about (a compare's columns: the cost before sending counts as the
/// person types); a file replaced on disk is read again.
#[allow(clippy::type_complexity)]
fn vocabulary(path: &Path) -> Result<(Arc<LlamaModel>, Arc<Vec<String>>), ProviderError> {
    static KEPT: Mutex<
        Vec<(
            PathBuf,
            Option<std::time::SystemTime>,
            Arc<LlamaModel>,
            Arc<Vec<String>>,
        )>,
    > = Mutex::new(Vec::new());
    let stamp = std::fs::metadata(path).and_then(|m| m.modified()).ok();
    {
        let kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, _, m, c)) = kept.iter().find(|k| k.0 == path && k.1 == stamp) {
            return Ok((m.clone(), c.clone()));
        }
    }
    gguf::read_runnable(path).map_err(|e| {
        error(
            ErrorClass::ModelNotFound,
            format!("{}: {e}", model_name(path)),
        )
    })?;
    let backend = backend().map_err(|e| error(ErrorClass::Upstream, e))?;
    let params = LlamaModelParams::default().with_vocab_only(true);
    let model = LlamaModel::load_from_file(backend, path, &params).map_err(|e| {
        error(
            ErrorClass::ModelNotFound,
            format!("llama.cpp could not read {}: {e}", model_name(path)),
        )
    })?;
    let controls = Arc::new(control_texts(&model));
    let model = Arc::new(model);
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    kept.retain(|k| k.0 != path);
    kept.insert(
        0,
        (path.to_path_buf(), stamp, model.clone(), controls.clone()),
    );
    kept.truncate(crate::session::MAX_COLUMNS);
    Ok((model, controls))
}

/// The context the model in `path` was trained on, in tokens (from its cached vocabulary).
pub fn trained_context(path: &Path) -> Option<u64> {
    vocabulary(path)
        .ok()
        .map(|(model, _)| u64::from(model.n_ctx_train()))
        .filter(|&n| n > 0)
}

/// The prompt `req` becomes for the model in `path` — in its own chat template, or in the
/// llama.cpp template named `template` (`chatml`, `llama3`, `gemma`, `phi3`, …) — and its length
/// in the model's own tokens. Only the vocabulary is loaded, not the weights.
pub fn prompt_tokens(
    path: &Path,
    template: Option<&str>,
    req: &ChatRequest,
) -> Result<(String, usize), ProviderError> {
    let (model, controls) = vocabulary(path)?;
    let model = model.as_ref();
    let text = match template {
        Some(name) => {
            let template = LlamaChatTemplate::new(name)
                .map_err(|e| error(ErrorClass::BadRequest, e.to_string()))?;
            apply(model, &controls, &template, req)?
        }
        None => render(model, &controls, req)?,
    };
    let count = model.vocab().tokenize(text.as_bytes(), true, true).len();
    Ok((text, count))
}

/// `req` in one chat template.
fn apply(
    model: &LlamaModel,
    controls: &[String],
    template: &LlamaChatTemplate,
    req: &ChatRequest,
) -> Result<String, ProviderError> {
    let messages = prompt::turns(req)
        .into_iter()
        .map(|(role, content)| {
            let content = prompt::defuse(&content.replace('\0', ""), controls);
            LlamaChatMessage::new(role, content).map_err(|e| {
                error(
                    ErrorClass::BadRequest,
                    format!("a message cannot be sent: {e}"),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    model
        .apply_chat_template(template, &messages, true)
        .map_err(|e| {
            error(
                ErrorClass::BadRequest,
                format!("the chat template failed: {e}"),
            )
        })
}

/// The texts of the model's control tokens (`<|im_start|>`, `<|eot_id|>`, `<start_of_turn>`, …):
/// a message that holds one must not become that token (it would forge a turn).
fn control_texts(model: &LlamaModel) -> Vec<String> {
    let vocab = model.vocab();
    vocab
        .tokens()
        .filter(|t| vocab.is_control(*t))
        .filter_map(|t| vocab.text(t).map(|c| c.to_string_lossy().into_owned()))
        .filter(|t| t.chars().count() >= 2)
        .collect()
}

/// The prompt text: the conversation in the model's own chat template (ChatML when it has none
/// or llama.cpp does not know it).
fn render(
    model: &LlamaModel,
    controls: &[String],
    req: &ChatRequest,
) -> Result<String, ProviderError> {
    if let Ok(template) = model.chat_template(None) {
        match apply(model, controls, &template, req) {
            Ok(text) => return Ok(text),
            Err(e) => {
                tracing::warn!(error = %e, "the model's chat template is not one llama.cpp knows; using ChatML")
            }
        }
    }
    let chatml =
        LlamaChatTemplate::new("chatml").map_err(|e| error(ErrorClass::Upstream, e.to_string()))?;
    apply(model, controls, &chatml, req)
}

/// The sampler a request asks for: greedy at temperature 0; otherwise llama.cpp's usual chain
/// (top-k 40, top-p, min-p 0.05, temperature, then a seeded draw).
fn sampler(req: &ChatRequest) -> LlamaSampler {
    let temperature = req.temperature.unwrap_or(0.8);
    if temperature <= 0.0 {
        return LlamaSampler::greedy();
    }
    let seed = req
        .seed
        .map(|s| (s & u64::from(u32::MAX)) as u32)
        .unwrap_or_else(|| fastrand::u32(..));
    LlamaSampler::chain_simple([
        LlamaSampler::top_k(40),
        LlamaSampler::top_p(req.top_p.unwrap_or(0.95).clamp(0.0, 1.0), 1),
        LlamaSampler::min_p(0.05, 1),
        LlamaSampler::temp(temperature),
        LlamaSampler::dist(seed),
    ])
}

/// Answers one job on a loaded model.
fn answer(
    model: &LlamaModel,
    controls: &[String],
    ctx: &mut LlamaContext<'_>,
    cached: &mut Vec<LlamaToken>,
    job: Job,
) {
    let events = job.events.clone();
    if events.is_closed() {
        return;
    }
    let result = generate(model, controls, ctx, cached, &job);
    if let Err(e) = result {
        // The cache may hold a half-decoded prompt: start clean next time.
        ctx.clear_kv_cache();
        cached.clear();
        let _ = events.blocking_send(Err(e));
    }
}

/// Why generation stopped early: the reader went away.
fn gone() -> ProviderError {
    error(ErrorClass::Network, "the answer's reader went away")
}

fn generate(
    model: &LlamaModel,
    controls: &[String],
    ctx: &mut LlamaContext<'_>,
    cached: &mut Vec<LlamaToken>,
    job: &Job,
) -> Result<(), ProviderError> {
    let send = |event: ChatEvent| -> Result<(), ProviderError> {
        job.events.blocking_send(Ok(event)).map_err(|_| gone())
    };
    let text = render(model, controls, &job.req)?;
    let vocab = model.vocab();
    let tokens = vocab.tokenize(text.as_bytes(), true, true);
    if tokens.is_empty() {
        return Err(error(ErrorClass::BadRequest, "the prompt has no tokens"));
    }
    let n_ctx = ctx.n_ctx() as usize;
    if tokens.len() >= n_ctx {
        return Err(error(
            ErrorClass::ContextLength,
            format!(
                "the conversation is {} tokens, but {} is loaded with a context of {n_ctx} tokens; cut at least {} tokens",
                tokens.len(),
                job.name,
                tokens.len() + 1 - n_ctx
            ),
        )
        .with_hint("shorten the conversation, or raise [local] context (up to what the model was trained for)"));
    }
    let room = (n_ctx - tokens.len()) as u32;
    let max_tokens = job.req.max_tokens.map_or(room, |m| m.min(room)).max(1);
    send(ChatEvent::Start {
        model: Some(job.name.clone()),
    })?;

    // Reuse the cached prefix; at least the last prompt token is decoded again for its logits.
    let mut keep = cached
        .iter()
        .zip(&tokens)
        .take_while(|(a, b)| a == b)
        .count();
    if keep == tokens.len() {
        keep -= 1;
    }
    let trimmed = ctx
        .clear_kv_cache_seq(Some(0), Some(keep as u32), None)
        .map_err(|e| {
            error(
                ErrorClass::Upstream,
                format!("the cache could not be trimmed: {e}"),
            )
        })?;
    // Recurrent models (Mamba, RWKV, hybrids) cannot drop part of their state: start over.
    if !trimmed {
        ctx.clear_kv_cache();
        keep = 0;
    }
    cached.truncate(keep);
    let mut batch = LlamaBatch::new(BATCH, 1);
    let mut pos = keep;
    for chunk in tokens[keep..].chunks(BATCH) {
        if job.events.is_closed() {
            return Err(gone());
        }
        batch.clear();
        for (i, t) in chunk.iter().enumerate() {
            let last = pos + i + 1 == tokens.len();
            batch
                .add(*t, (pos + i) as i32, &[0], last)
                .map_err(|e| error(ErrorClass::Upstream, e.to_string()))?;
        }
        ctx.decode(&mut batch).map_err(|e| {
            error(
                ErrorClass::Upstream,
                format!("llama.cpp failed on the prompt: {e}"),
            )
        })?;
        pos += chunk.len();
        cached.extend_from_slice(chunk);
    }

    let mut sampler = sampler(&job.req);
    let mut utf8 = Utf8Pieces::default();
    let mut stops = Stops::new(&job.req.stop);
    let mut piece = Vec::with_capacity(32);
    let mut count: u64 = 0;
    let mut logits_at = batch.n_tokens() - 1;
    let mut stop_hit = false;
    let finish = loop {
        if job.events.is_closed() {
            return Err(gone());
        }
        let token = sampler.sample(ctx, logits_at);
        if vocab.is_eog(token) {
            break FinishReason::Stop;
        }
        count += 1;
        *generated()
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(job.path.clone())
            .or_default() += 1;
        piece.clear();
        vocab.token_to_piece_into(token, &mut piece, false, None);
        let (shown, stopped) = stops.push(&utf8.push(&piece));
        if !shown.is_empty() {
            send(ChatEvent::Delta(shown))?;
        }
        if stopped {
            stop_hit = true;
            break FinishReason::Stop;
        }
        if count >= u64::from(max_tokens) {
            break FinishReason::Length;
        }
        batch.clear();
        batch
            .add(token, pos as i32, &[0], true)
            .map_err(|e| error(ErrorClass::Upstream, e.to_string()))?;
        ctx.decode(&mut batch).map_err(|e| {
            error(
                ErrorClass::Upstream,
                format!("llama.cpp failed while generating: {e}"),
            )
        })?;
        cached.push(token);
        pos += 1;
        logits_at = 0;
    };
    // What was held back (an unfinished character, a possible start of a stop sequence) is
    // part of the answer unless a stop sequence ended it.
    if !stop_hit {
        let (shown, stopped) = stops.push(&utf8.finish());
        let tail = if stopped {
            shown
        } else {
            shown + &stops.finish()
        };
        if !tail.is_empty() {
            send(ChatEvent::Delta(tail))?;
        }
    }
    send(ChatEvent::End(StreamEnd {
        usage: Some(Usage {
            input_tokens: tokens.len() as u64,
            output_tokens: count,
            ..Default::default()
        }),
        finish,
        model: Some(job.name.clone()),
        provider_cost_usd: None,
    }))
}
