//! Who may ask, and how many at once: the checks made from a request's head (no web page, a
//! loopback `Host`, the right token) and the slots a request takes (one of the gateway's global
//! in-flight slots, and one of its label's).
//!
//! The label (`X-Title`, else `HTTP-Referer`, else `gateway`) is picked by the client, so the
//! per-label limit only keeps one well-behaved tool from crowding out the others; the global cap is
//! what bounds the work. The label table holds only labels with a request in flight: an entry
//! goes when its last request ends, so it never holds more than the global cap.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::http::{header, HeaderMap};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::wire::ApiError;

/// The longest label kept (characters); the rest is cut.
const LABEL_CHARS: usize = 100;

/// Checks who is asking from the head alone: no web page, a loopback `Host` (when bound to
/// loopback), the right token. Returns the client's label.
pub(super) fn admit(
    headers: &HeaderMap,
    token: &str,
    loopback: bool,
) -> std::result::Result<String, ApiError> {
    if headers.contains_key(header::ORIGIN) {
        return Err(ApiError::new(
            403,
            "permission_error",
            "origin_refused",
            "requests from web pages are refused: the gateway is for programs on this machine and sends no CORS headers",
        ));
    }
    if loopback {
        let host = headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let name = host.rsplit_once(':').map_or(host, |(h, p)| {
            if p.bytes().all(|b| b.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        if !matches!(name, "127.0.0.1" | "localhost" | "[::1]") {
            let shown: String = host.chars().take(80).collect();
            return Err(ApiError::new(
                403,
                "permission_error",
                "host_refused",
                format!("Host `{shown}` is refused: use http://127.0.0.1 (the gateway answers loopback names only)"),
            ));
        }
    }
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        None => return Err(ApiError::new(
            401,
            "invalid_request_error",
            "missing_api_key",
            "no bearer token: send `Authorization: Bearer <token>` (shown by `roundtable serve`)",
        )),
        Some(t) if !same(t.as_bytes(), token.as_bytes()) => {
            return Err(ApiError::new(
                401,
                "invalid_request_error",
                "invalid_api_key",
                "the bearer token is wrong: use the one `roundtable serve` shows",
            ))
        }
        Some(_) => {}
    }
    let named = |h: header::HeaderName| {
        headers
            .get(h)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.trim()
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(LABEL_CHARS)
                    .collect::<String>()
            })
            .filter(|v| !v.is_empty())
    };
    Ok(named(header::HeaderName::from_static("x-title"))
        .or_else(|| named(header::REFERER))
        .unwrap_or_else(|| "gateway".into()))
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The global in-flight slots and the per-label ones.
pub(super) struct Slots {
    global: Arc<Semaphore>,
    in_flight: usize,
    per_label: usize,
    labels: Mutex<HashMap<String, Arc<Semaphore>>>,
}

/// A request's place: released (and its label forgotten, if it was the last) when dropped.
pub(super) struct Slot {
    slots: Arc<Slots>,
    label: String,
    label_permit: Option<OwnedSemaphorePermit>,
    _global: OwnedSemaphorePermit,
}

impl Slots {
    pub(super) fn new(in_flight: usize, per_label: usize) -> Arc<Slots> {
        Arc::new(Slots {
            global: Arc::new(Semaphore::new(in_flight.max(1))),
            in_flight: in_flight.max(1),
            per_label: per_label.max(1),
            labels: Mutex::new(HashMap::new()),
        })
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Arc<Semaphore>>> {
        self.labels.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The labels with a request in flight.
    pub(super) fn labels(&self) -> usize {
        self.lock().len()
    }

    /// A slot for one more request of `label`: 503 when the gateway is full, 429 when the label is.
    pub(super) fn take(self: &Arc<Self>, label: &str) -> std::result::Result<Slot, ApiError> {
        let global = self.global.clone().try_acquire_owned().map_err(|_| {
            let mut e = ApiError::new(
                503,
                "server_error",
                "gateway_busy",
                format!(
                    "the gateway has {} requests in flight, the most it runs at once (all clients together); retry shortly",
                    self.in_flight
                ),
            );
            e.retry_after_s = Some(1);
            e
        })?;
        // Acquired under the lock, so a slot's drop sees every holder of its label.
        let label_permit = {
            let mut labels = self.lock();
            labels
                .entry(label.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.per_label)))
                .clone()
                .try_acquire_owned()
        };
        let label_permit = label_permit.map_err(|_| {
            let mut e = ApiError::new(
                429,
                "rate_limit_error",
                "too_many_concurrent_requests",
                format!(
                    "client `{label}` has {} requests in flight, the most the gateway allows at once per client label",
                    self.per_label
                ),
            );
            e.retry_after_s = Some(1);
            e
        })?;
        Ok(Slot {
            slots: self.clone(),
            label: label.to_string(),
            label_permit: Some(label_permit),
            _global: global,
        })
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut labels = self.slots.lock();
        drop(self.label_permit.take());
        if labels
            .get(&self.label)
            .is_some_and(|s| Arc::strong_count(s) == 1)
        {
            labels.remove(&self.label);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_global_cap_holds_whatever_the_labels_and_idle_labels_are_forgotten() {
        let slots = Slots::new(4, 2);
        let mut held = Vec::new();
        let mut refused = Vec::new();
        for i in 0..8 {
            match slots.take(&format!("t{i}")) {
                Ok(s) => held.push(s),
                Err(e) => refused.push(e.status),
            }
        }
        assert_eq!((held.len(), refused), (4, vec![503; 4]));
        drop(held);
        assert_eq!(slots.labels(), 0, "no label stays once its requests end");
        // The per-label limit still applies below the global cap.
        let a = slots.take("same").unwrap();
        let b = slots.take("same").unwrap();
        assert_eq!(slots.take("same").err().map(|e| e.status), Some(429));
        drop((a, b));
        // Many labels, one after the other: the table stays empty.
        for i in 0..10_000 {
            drop(slots.take(&format!("label-{i}")).unwrap());
        }
        assert_eq!(slots.labels(), 0);
    }
}
