//! Per-target health, shared by every concurrent request of one router: consecutive failures,
//! cooldowns with a single probe when they end, recent time to first token, and admission.
//!
//! Admission also bounds a target that has not proven itself (no success since its last failure,
//! or never used): at most `K - failures` attempts are in flight to it at once, and the rest wait
//! for their outcome. So a burst of requests sends at most K to a target that turns out to be
//! failing before its cooldown engages. A target that is answering has no limit.
//!
//! Target names come from clients (the gateway's `model`), so the table is bounded: at
//! [`MAX_TARGETS`] entries, the idle ones least recently used go (those cooling down last), down
//! to three quarters. A target with an attempt in flight is never forgotten.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

use crate::error::ErrorClass;

/// The most targets the table keeps.
pub(crate) const MAX_TARGETS: usize = 1024;

/// The weight of the newest sample in the moving average of time to first token.
const EWMA_ALPHA: f64 = 0.3;

#[derive(Debug, Default)]
struct State {
    failures: u32,
    proven: bool,
    cooldown_until: Option<Instant>,
    probing: bool,
    in_flight: u32,
    ttft_ms: Option<f64>,
    last_class: Option<ErrorClass>,
    last_used: Option<Instant>,
}

/// `target`'s state, made (after making room) if it is new.
fn entry<'m>(states: &'m mut HashMap<String, State>, target: &str) -> &'m mut State {
    if !states.contains_key(target) && states.len() >= MAX_TARGETS {
        evict(states);
    }
    let s = states.entry(target.to_string()).or_default();
    s.last_used = Some(Instant::now());
    s
}

/// Forgets idle targets, least recently used first and cooling ones last, down to 3/4 full.
fn evict(states: &mut HashMap<String, State>) {
    let now = Instant::now();
    let mut idle: Vec<(bool, Option<Instant>, String)> = states
        .iter()
        .filter(|(_, s)| s.in_flight == 0 && !s.probing)
        .map(|(k, s)| {
            let cooling = s.cooldown_until.is_some_and(|u| now < u);
            (cooling, s.last_used, k.clone())
        })
        .collect();
    idle.sort();
    let excess = states.len().saturating_sub(MAX_TARGETS * 3 / 4);
    for (_, _, k) in idle.into_iter().take(excess) {
        states.remove(&k);
    }
}

/// The shared health table.
#[derive(Debug)]
pub(crate) struct Health {
    states: Mutex<HashMap<String, State>>,
    changed: Notify,
    threshold: u32,
    cooldown: Duration,
}

/// Whether a request may try a target now.
pub(crate) enum Admission {
    /// Go ahead; report the outcome through the guard.
    Go(AttemptGuard),
    /// The target is cooling down (for this long), or its probe is in flight.
    Skip(Duration),
}

impl Health {
    pub(crate) fn new(threshold: u32, cooldown: Duration) -> Arc<Health> {
        Arc::new(Health {
            states: Mutex::new(HashMap::new()),
            changed: Notify::new(),
            threshold: threshold.max(1),
            cooldown,
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, State>> {
        // A panic elsewhere while holding the lock leaves plain counters behind: still usable.
        self.states
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Waits until `target` may be tried, or says to skip it.
    pub(crate) async fn admit(self: &Arc<Self>, target: &str) -> Admission {
        // The common case decides at once, without registering as a waiter.
        if let Some(decided) = self.try_admit(target) {
            return decided;
        }
        loop {
            let notified = self.changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            // Checked again after registering, so a change in between is not missed.
            if let Some(decided) = self.try_admit(target) {
                return decided;
            }
            notified.await;
        }
    }

    /// Admits, skips, or says to wait (`None`) for an outcome of the attempts in flight.
    fn try_admit(self: &Arc<Self>, target: &str) -> Option<Admission> {
        let mut states = self.lock();
        let s = entry(&mut states, target);
        match s.cooldown_until {
            Some(until) => {
                let now = Instant::now();
                if now < until {
                    Some(Admission::Skip(until - now))
                } else if s.probing {
                    Some(Admission::Skip(Duration::ZERO))
                } else {
                    // The cooldown is over: one request probes before traffic returns.
                    s.probing = true;
                    s.in_flight += 1;
                    Some(Admission::Go(self.guard(target, true)))
                }
            }
            None => {
                let limit = self.threshold.saturating_sub(s.failures).max(1);
                (s.proven || s.in_flight < limit).then(|| {
                    s.in_flight += 1;
                    Admission::Go(self.guard(target, false))
                })
            }
        }
    }

    /// Admits an attempt whatever the target's state (a last target's own retry).
    pub(crate) fn admit_anyway(self: &Arc<Self>, target: &str) -> AttemptGuard {
        entry(&mut self.lock(), target).in_flight += 1;
        self.guard(target, false)
    }

    fn guard(self: &Arc<Self>, target: &str, probe: bool) -> AttemptGuard {
        AttemptGuard {
            health: self.clone(),
            target: target.to_string(),
            probe,
            done: false,
        }
    }

    /// Whether `target` is cooling down now.
    pub(crate) fn cooling(&self, target: &str) -> bool {
        let states = self.lock();
        states
            .get(target)
            .and_then(|s| s.cooldown_until)
            .is_some_and(|until| Instant::now() < until)
    }

    /// The moving average of `target`'s time to first token, if it has answered.
    pub(crate) fn ttft_ms(&self, target: &str) -> Option<f64> {
        self.lock().get(target).and_then(|s| s.ttft_ms)
    }

    /// The class of `target`'s last failure.
    pub(crate) fn last_class(&self, target: &str) -> Option<ErrorClass> {
        self.lock().get(target).and_then(|s| s.last_class)
    }

    fn finish(
        &self,
        target: &str,
        probe: bool,
        outcome: Option<Result<Duration, (ErrorClass, Option<Duration>)>>,
    ) {
        {
            let mut states = self.lock();
            let s = entry(&mut states, target);
            s.in_flight = s.in_flight.saturating_sub(1);
            if probe {
                s.probing = false;
            }
            match outcome {
                Some(Ok(ttft)) => {
                    let ms = ttft.as_secs_f64() * 1000.0;
                    s.ttft_ms = Some(s.ttft_ms.map_or(ms, |old| old + EWMA_ALPHA * (ms - old)));
                    s.failures = 0;
                    s.proven = true;
                    s.cooldown_until = None;
                }
                Some(Err((class, retry_after))) => {
                    s.failures += 1;
                    s.proven = false;
                    s.last_class = Some(class);
                    let told_to_wait = if class == ErrorClass::RateLimited {
                        retry_after
                    } else {
                        None
                    };
                    let wait = if probe || s.failures >= self.threshold {
                        Some(retry_after.map_or(self.cooldown, |r| r.max(self.cooldown)))
                    } else {
                        // A 429 that says how long to wait: exactly that long.
                        told_to_wait
                    };
                    if let Some(wait) = wait {
                        s.cooldown_until = Some(Instant::now() + wait);
                    }
                }
                // Cancelled: no verdict.
                None => {}
            }
        }
        self.changed.notify_waiters();
    }
}

/// One admitted attempt. Report its outcome; dropping it unreported (a cancelled request) only
/// frees its place.
pub(crate) struct AttemptGuard {
    health: Arc<Health>,
    target: String,
    probe: bool,
    done: bool,
}

impl AttemptGuard {
    /// The target answered; `ttft` is its time to first token.
    pub(crate) fn success(mut self, ttft: Duration) {
        self.done = true;
        self.health.finish(&self.target, self.probe, Some(Ok(ttft)));
    }

    /// The target failed before its first token.
    pub(crate) fn failure(mut self, class: ErrorClass, retry_after: Option<Duration>) {
        self.done = true;
        self.health
            .finish(&self.target, self.probe, Some(Err((class, retry_after))));
    }
}

impl Drop for AttemptGuard {
    fn drop(&mut self) {
        if !self.done {
            self.health.finish(&self.target, self.probe, None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(a: Admission) -> AttemptGuard {
        match a {
            Admission::Go(g) => g,
            Admission::Skip(_) => panic!("expected to be admitted"),
        }
    }

    #[tokio::test]
    async fn the_table_is_bounded_and_keeps_what_is_in_flight_and_cooling() {
        let h = Health::new(1, Duration::from_secs(60));
        let busy = go(h.admit("busy").await);
        go(h.admit("cold").await).failure(ErrorClass::Upstream, None);
        assert!(h.cooling("cold"));
        for i in 0..5 * MAX_TARGETS {
            go(h.admit(&format!("junk/{i}")).await).success(Duration::from_millis(1));
        }
        let len = h.lock().len();
        assert!(len <= MAX_TARGETS, "{len} entries");
        assert!(h.lock().contains_key("busy"), "in flight: kept");
        assert!(h.cooling("cold"), "cooling: kept while idle ones can go");
        busy.success(Duration::from_millis(1));
    }

    #[tokio::test]
    async fn k_failures_cool_a_target_down_then_one_probe_goes() {
        let h = Health::new(2, Duration::from_millis(50));
        go(h.admit("t").await).failure(ErrorClass::Upstream, None);
        assert!(!h.cooling("t"));
        go(h.admit("t").await).failure(ErrorClass::Upstream, None);
        assert!(h.cooling("t"));
        assert!(matches!(h.admit("t").await, Admission::Skip(d) if d > Duration::ZERO));
        tokio::time::sleep(Duration::from_millis(60)).await;
        let probe = go(h.admit("t").await);
        assert!(
            matches!(h.admit("t").await, Admission::Skip(_)),
            "one probe at a time"
        );
        probe.success(Duration::from_millis(10));
        assert!(!h.cooling("t"));
        go(h.admit("t").await).success(Duration::from_millis(20));
        assert_eq!(h.ttft_ms("t").map(|v| v.round()), Some(13.0));
    }

    #[tokio::test]
    async fn a_429_with_retry_after_cools_down_at_once_for_at_least_that_long() {
        let h = Health::new(5, Duration::from_millis(10));
        go(h.admit("t").await).failure(ErrorClass::RateLimited, Some(Duration::from_secs(30)));
        match h.admit("t").await {
            Admission::Skip(d) => assert!(d > Duration::from_secs(29)),
            Admission::Go(_) => panic!("should cool down"),
        }
        assert_eq!(h.last_class("t"), Some(ErrorClass::RateLimited));
    }

    #[tokio::test]
    async fn an_unproven_target_admits_at_most_k_at_once() {
        let h = Health::new(2, Duration::from_secs(60));
        let a = go(h.admit("t").await);
        let b = go(h.admit("t").await);
        let h2 = h.clone();
        let waiter = tokio::spawn(async move { matches!(h2.admit("t").await, Admission::Skip(_)) });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished(), "the third waits for an outcome");
        a.failure(ErrorClass::Upstream, None);
        b.failure(ErrorClass::Upstream, None);
        assert!(
            waiter.await.unwrap(),
            "after K failures the waiter skips the cooled-down target"
        );
    }

    #[tokio::test]
    async fn a_proven_target_has_no_limit_and_cancelled_attempts_free_their_place() {
        let h = Health::new(1, Duration::from_secs(60));
        go(h.admit("t").await).success(Duration::from_millis(5));
        let guards: Vec<_> = futures_util::future::join_all((0..10).map(|_| h.admit("t"))).await;
        assert!(guards.iter().all(|a| matches!(a, Admission::Go(_))));
        drop(guards);
        assert!(!h.cooling("t"));
    }
}
