//! The router: a policy over an ordered list of targets. Before the first content token it
//! retries transient failures (backoff with jitter, Retry-After up to a cap) and falls over to the
//! next target; after it, it never falls over. Every attempt is an event. Health (cooldowns,
//! probes, time to first token) is shared by all requests of one [`Router`].
//!
//! It decides from the error's class, never from message text; sending is the engine's job.

mod compare;
mod health;
mod plan;

use std::collections::VecDeque;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream, StreamExt};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::chat::{ChatEvent, ChatRequest};
use crate::client::ChatStream;
use crate::client::{Engine, Target};
use crate::error::{human_duration, Error, ErrorClass, ProviderError, Result};

pub use compare::CompareStream;
use health::{Admission, Health};
pub use plan::Plan;

/// How an attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// The target sent its first content token (or a complete empty answer).
    Ok,
    /// The target failed before its first token.
    Failed,
    /// The target was not tried: it was cooling down, or its model cannot take the request's
    /// attachments (class `unsupported_input`).
    Skipped,
}

impl Outcome {
    /// `ok`, `failed`, `skipped`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Failed => "failed",
            Outcome::Skipped => "skipped",
        }
    }
}

/// One attempt at one target.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct Attempt {
    /// `provider/model`.
    pub target: String,
    /// 1-based, counting every attempt of the request (skips excluded).
    pub number: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// The failure's class.
    pub class: Option<ErrorClass>,
    /// The failure's HTTP status.
    pub status: Option<u16>,
    /// Milliseconds to the first token, or to the failure.
    pub ms: u64,
    /// What happened, for failures and skips; for the answering attempt, what was changed to
    /// send it (a PDF that went as its text).
    pub message: Option<String>,
}

/// An event of a routed answer: attempts as they end, then the answering target's events.
#[derive(Debug, Clone, PartialEq)]
pub enum RouteEvent {
    /// An attempt ended (or a target was skipped).
    Attempt(Attempt),
    /// An event from the target that answered.
    Chat(ChatEvent),
}

/// The router. Cheap to clone; clones share health.
#[derive(Clone)]
pub struct Router {
    engine: Arc<Engine>,
    health: Arc<Health>,
    rng: Arc<Mutex<fastrand::Rng>>,
}

impl Router {
    /// A router over an engine, with health settings from its `[router]` config.
    pub fn new(engine: Arc<Engine>) -> Router {
        let r = &engine.config().router;
        let health = Health::new(r.cooldown_failures, Duration::from_millis(r.cooldown_ms));
        Router {
            engine,
            health,
            rng: Arc::new(Mutex::new(fastrand::Rng::new())),
        }
    }

    /// The same, with a seeded random source (balance order, jitter): for reproducible tests.
    pub fn with_seed(engine: Arc<Engine>, seed: u64) -> Router {
        let router = Router::new(engine);
        *router.rng.lock().unwrap_or_else(|p| p.into_inner()) = fastrand::Rng::with_seed(seed);
        router
    }

    /// The engine.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// Resolves `-m` names (`provider/model` or `@route`) into a plan.
    pub fn plan(&self, names: &[String]) -> Result<Plan> {
        Plan::resolve(&self.engine, names)
    }

    /// Streams an answer through the plan's targets.
    pub fn stream(&self, plan: &Plan, req: &ChatRequest) -> RoutedStream {
        let order = plan.order(
            &self.health,
            &mut self.rng.lock().unwrap_or_else(|p| p.into_inner()),
        );
        let (tx, rx) = mpsc::unbounded_channel();
        let jitter_seed = self.rng.lock().unwrap_or_else(|p| p.into_inner()).u64(..);
        let run = connect(
            self.engine.clone(),
            self.health.clone(),
            order,
            req.clone(),
            tx,
            jitter_seed,
        );
        RoutedStream {
            rx,
            phase: Phase::Connecting(run.boxed()),
            pending: VecDeque::new(),
            answered: None,
            content: false,
            attempts: Vec::new(),
        }
    }

    /// Streams one answer per plan, all at once; each column can be cancelled alone.
    pub fn compare(&self, plans: &[Plan], req: &ChatRequest) -> CompareStream {
        CompareStream::new(plans.iter().map(|p| self.stream(p, req)).collect())
    }
}

/// What the connect phase hands over: the answering target, its stream, and the events read
/// up to and including its first content token.
struct Connected {
    target: Target,
    stream: ChatStream,
    first: Vec<ChatEvent>,
}

enum Decision {
    Retry(Duration),
    NextTarget,
    Stop,
}

fn decide(
    e: &ProviderError,
    retry: u32,
    r: &crate::config::RouterConfig,
    rng: &mut fastrand::Rng,
) -> Decision {
    match e.class {
        ErrorClass::BadRequest => Decision::Stop,
        ErrorClass::Auth
        | ErrorClass::ModelNotFound
        | ErrorClass::QuotaExceeded
        | ErrorClass::ContextLength
        | ErrorClass::ContentFiltered
        | ErrorClass::Redirected
        | ErrorClass::UnsupportedInput => Decision::NextTarget,
        ErrorClass::RateLimited
        | ErrorClass::Overloaded
        | ErrorClass::Upstream
        | ErrorClass::Network
        | ErrorClass::Timeout
        | ErrorClass::MalformedStream => {
            if retry >= r.max_retries {
                return Decision::NextTarget;
            }
            let cap = Duration::from_millis(r.backoff_cap_ms);
            let wait = match e.retry_after {
                Some(asked) if asked > cap => return Decision::NextTarget,
                Some(asked) => asked,
                None => {
                    // Exponential backoff with "equal jitter": half fixed, half random.
                    let full =
                        Duration::from_millis(r.backoff_base_ms.saturating_mul(1 << retry.min(16)))
                            .min(cap);
                    full / 2 + full.mul_f64(rng.f64() / 2.0)
                }
            };
            Decision::Retry(wait)
        }
    }
}

/// Opens `target`'s stream and reads until its first content token.
async fn first_content(
    engine: &Engine,
    target: &Target,
    req: &ChatRequest,
) -> Result<(ChatStream, Vec<ChatEvent>)> {
    let mut stream = engine.stream(target, req).await?;
    let mut first = Vec::new();
    loop {
        match stream.next().await {
            Some(Ok(event)) => {
                let content = matches!(
                    event,
                    ChatEvent::Delta(_)
                        | ChatEvent::Reasoning(_)
                        | ChatEvent::ToolCall(_)
                        | ChatEvent::End(_)
                );
                first.push(event);
                if content {
                    return Ok((stream, first));
                }
            }
            Some(Err(e)) => return Err(e),
            None => {
                return Err(crate::providers::errors::malformed(
                    &target.provider.id,
                    "the stream ended without an answer",
                )
                .into())
            }
        }
    }
}

/// Tries the targets in order until one sends its first token.
async fn connect(
    engine: Arc<Engine>,
    health: Arc<Health>,
    order: Vec<Target>,
    req: ChatRequest,
    events: mpsc::UnboundedSender<RouteEvent>,
    jitter_seed: u64,
) -> Result<Connected> {
    let cfg = engine.config().router.clone();
    let mut rng = fastrand::Rng::with_seed(jitter_seed);
    let mut number = 0;
    let mut tried: Vec<ProviderError> = Vec::new();
    let mut skipped: Vec<(Target, Duration, Option<ErrorClass>)> = Vec::new();
    let emit = |a: Attempt| {
        let _ = events.send(RouteEvent::Attempt(a));
    };
    let count = order.len();
    'targets: for (index, target) in order.into_iter().enumerate() {
        let name = target.to_string();
        let last_target = index + 1 == count;
        let mut retry = 0;
        let mut last_error: Option<ProviderError> = None;
        // Attachments made fit for this target; a model known to read none is skipped.
        let prepared = match engine.prepare(&target, &req).await {
            Ok(p) => p,
            Err(Error::Provider(e)) if e.class == ErrorClass::UnsupportedInput => {
                emit(Attempt {
                    target: name.clone(),
                    number,
                    outcome: Outcome::Skipped,
                    class: Some(e.class),
                    status: None,
                    ms: 0,
                    message: Some(e.to_string()),
                });
                tried.push(e);
                continue 'targets;
            }
            Err(other) => return Err(other),
        };
        let (sent, notes) = match &prepared {
            Some(p) => (
                &p.request,
                (!p.notes.is_empty()).then(|| p.notes.join("; ")),
            ),
            None => (&req, None),
        };
        loop {
            let guard = match (health.admit(&name).await, last_error.take()) {
                (Admission::Go(guard), _) => guard,
                (Admission::Skip(left), None) => {
                    emit(Attempt {
                        target: name.clone(),
                        number,
                        outcome: Outcome::Skipped,
                        class: health.last_class(&name),
                        status: None,
                        ms: 0,
                        message: Some(format!(
                            "cooling down after failures ({} left)",
                            human_duration(left)
                        )),
                    });
                    skipped.push((target.clone(), left, health.last_class(&name)));
                    continue 'targets;
                }
                // A retry of the last target honours its wait even if it is cooling down: there
                // is nothing else to try.
                (Admission::Skip(_), Some(_)) if last_target => health.admit_anyway(&name),
                // Cooling down since this request's own failure: fall over rather than wait.
                (Admission::Skip(_), Some(e)) => {
                    tried.push(e);
                    continue 'targets;
                }
            };
            number += 1;
            let started = Instant::now();
            match first_content(&engine, &target, sent).await {
                Ok((stream, first)) => {
                    let ttft = started.elapsed();
                    guard.success(ttft);
                    emit(Attempt {
                        target: name,
                        number,
                        outcome: Outcome::Ok,
                        class: None,
                        status: None,
                        ms: ttft.as_millis() as u64,
                        message: notes,
                    });
                    return Ok(Connected {
                        target,
                        stream,
                        first,
                    });
                }
                Err(Error::Provider(e)) => {
                    guard.failure(e.class, e.retry_after);
                    emit(Attempt {
                        target: name.clone(),
                        number,
                        outcome: Outcome::Failed,
                        class: Some(e.class),
                        status: e.status,
                        ms: started.elapsed().as_millis() as u64,
                        message: Some(e.to_string()),
                    });
                    match decide(&e, retry, &cfg, &mut rng) {
                        Decision::Retry(wait) => {
                            tokio::time::sleep(wait).await;
                            retry += 1;
                            last_error = Some(e);
                        }
                        Decision::NextTarget => {
                            tried.push(e);
                            continue 'targets;
                        }
                        Decision::Stop => return Err(Error::Provider(e)),
                    }
                }
                // Not the provider's fault (an empty prompt, …): no other target would do better.
                Err(other) => return Err(other),
            }
        }
    }
    Err(Error::Provider(all_failed(tried, skipped)))
}

/// The error when no target answered: the last failure, naming every target tried.
fn all_failed(
    tried: Vec<ProviderError>,
    skipped: Vec<(Target, Duration, Option<ErrorClass>)>,
) -> ProviderError {
    let summary: Vec<String> = tried
        .iter()
        .map(|e| format!("{} ({})", e.provider, e.class.as_str()))
        .chain(
            skipped
                .iter()
                .map(|(t, _, _)| format!("{t} (cooling down)")),
        )
        .collect();
    match tried.into_iter().last() {
        Some(last) if summary.len() == 1 => last,
        Some(mut last) => {
            last.message = format!(
                "{} [every target failed: {}]",
                last.message,
                summary.join(", ")
            );
            last
        }
        None => {
            let (target, left, class) = skipped
                .into_iter()
                .min_by_key(|(_, left, _)| *left)
                .expect("a plan has a target");
            // A target cooling down after a 429 is still rate limited, for as long as it said.
            let class = match class {
                Some(ErrorClass::RateLimited) => ErrorClass::RateLimited,
                _ => ErrorClass::Overloaded,
            };
            let mut e = ProviderError::new(
                &target.provider.id,
                class,
                format!(
                    "every target is cooling down after failures ({})",
                    summary.join(", ")
                ),
            )
            .with_hint(format!(
                "try again in {}, or add another model with -m",
                human_duration(left)
            ));
            e.retry_after = Some(left);
            e
        }
    }
}

enum Phase {
    Connecting(BoxFuture<'static, Result<Connected>>),
    Streaming(Box<ChatStream>),
    Done,
}

/// A routed answer: [`RouteEvent::Attempt`]s as they end, then the answering target's events.
/// Dropping it cancels whatever is in flight and closes the connection.
pub struct RoutedStream {
    rx: mpsc::UnboundedReceiver<RouteEvent>,
    phase: Phase,
    pending: VecDeque<Result<RouteEvent>>,
    answered: Option<Target>,
    content: bool,
    attempts: Vec<Attempt>,
}

impl RoutedStream {
    /// The attempts delivered so far (skips included), in order.
    pub fn attempts(&self) -> &[Attempt] {
        &self.attempts
    }

    /// The target that answered, once one has.
    pub fn answered(&self) -> Option<&Target> {
        self.answered.as_ref()
    }

    /// Whether part of an answer has been delivered (an error after it leaves a partial answer).
    pub fn has_content(&self) -> bool {
        self.content
    }
}

impl Stream for RoutedStream {
    type Item = Result<RouteEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Poll::Ready(Some(event)) = this.rx.poll_recv(cx) {
                if let RouteEvent::Attempt(a) = &event {
                    this.attempts.push(a.clone());
                }
                return Poll::Ready(Some(Ok(event)));
            }
            if let Some(item) = this.pending.pop_front() {
                if let Ok(RouteEvent::Attempt(a)) = &item {
                    this.attempts.push(a.clone());
                }
                if let Ok(RouteEvent::Chat(ChatEvent::Delta(_) | ChatEvent::Reasoning(_))) = &item {
                    this.content = true;
                }
                return Poll::Ready(Some(item));
            }
            match &mut this.phase {
                Phase::Connecting(run) => match run.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(result) => {
                        // Attempts sent before the end are delivered before what follows.
                        while let Ok(event) = this.rx.try_recv() {
                            this.pending.push_back(Ok(event));
                        }
                        match result {
                            Ok(c) => {
                                this.pending
                                    .extend(c.first.into_iter().map(|e| Ok(RouteEvent::Chat(e))));
                                this.answered = Some(c.target);
                                this.phase = Phase::Streaming(Box::new(c.stream));
                            }
                            Err(e) => {
                                this.pending.push_back(Err(e));
                                this.phase = Phase::Done;
                            }
                        }
                    }
                },
                Phase::Streaming(stream) => {
                    return match stream.poll_next_unpin(cx) {
                        Poll::Pending => Poll::Pending,
                        Poll::Ready(None) => {
                            this.phase = Phase::Done;
                            Poll::Ready(None)
                        }
                        Poll::Ready(Some(Ok(event))) => {
                            if matches!(event, ChatEvent::Delta(_) | ChatEvent::Reasoning(_)) {
                                this.content = true;
                            }
                            Poll::Ready(Some(Ok(RouteEvent::Chat(event))))
                        }
                        Poll::Ready(Some(Err(e))) => {
                            this.phase = Phase::Done;
                            Poll::Ready(Some(Err(e)))
                        }
                    };
                }
                Phase::Done => return Poll::Ready(None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::RouterConfig;

    fn err(class: ErrorClass, retry_after: Option<Duration>) -> ProviderError {
        ProviderError::new("p", class, "x").with_retry_after(retry_after)
    }

    #[test]
    fn decisions_follow_the_class() {
        let cfg = RouterConfig {
            max_retries: 2,
            backoff_base_ms: 100,
            backoff_cap_ms: 1000,
            ..Default::default()
        };
        let mut rng = fastrand::Rng::with_seed(7);
        assert!(matches!(
            decide(&err(ErrorClass::BadRequest, None), 0, &cfg, &mut rng),
            Decision::Stop
        ));
        for class in [
            ErrorClass::Auth,
            ErrorClass::ModelNotFound,
            ErrorClass::ContextLength,
            ErrorClass::QuotaExceeded,
        ] {
            assert!(
                matches!(
                    decide(&err(class, None), 0, &cfg, &mut rng),
                    Decision::NextTarget
                ),
                "{class}"
            );
        }
        for class in [
            ErrorClass::RateLimited,
            ErrorClass::Overloaded,
            ErrorClass::Upstream,
            ErrorClass::Network,
            ErrorClass::Timeout,
        ] {
            match decide(&err(class, None), 1, &cfg, &mut rng) {
                Decision::Retry(w) => assert!(
                    w >= Duration::from_millis(100) && w <= Duration::from_millis(200),
                    "{class}: {w:?}"
                ),
                _ => panic!("{class} retries"),
            }
            assert!(
                matches!(
                    decide(&err(class, None), 2, &cfg, &mut rng),
                    Decision::NextTarget
                ),
                "{class} after max retries"
            );
        }
        match decide(
            &err(ErrorClass::RateLimited, Some(Duration::from_millis(700))),
            0,
            &cfg,
            &mut rng,
        ) {
            Decision::Retry(w) => assert_eq!(w, Duration::from_millis(700), "Retry-After honoured"),
            _ => panic!("retries"),
        }
        assert!(
            matches!(
                decide(
                    &err(ErrorClass::RateLimited, Some(Duration::from_secs(60))),
                    0,
                    &cfg,
                    &mut rng
                ),
                Decision::NextTarget
            ),
            "a wait over the cap falls over instead"
        );
        match decide(
            &err(ErrorClass::Upstream, None),
            9,
            &RouterConfig {
                max_retries: 20,
                ..cfg.clone()
            },
            &mut rng,
        ) {
            Decision::Retry(w) => assert!(w <= Duration::from_millis(1000), "capped: {w:?}"),
            _ => panic!("retries"),
        }
    }
}
