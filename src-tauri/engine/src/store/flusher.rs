//! The streaming text not yet saved, and the timer that saves it: whatever the stream does (a
//! stall included), text handed to the recorder is appended to the database within
//! [`FLUSH_INTERVAL`]. The recorder appends here and flushes when [`FLUSH_BYTES`] are waiting;
//! a thread owned by the flusher writes what is left once the oldest unsaved byte is
//! `FLUSH_INTERVAL` old. Both write under one lock, so pieces land in order.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use rusqlite::Connection;

use super::writer::append_piece;

/// Flush the streaming text at least this often…
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(500);
/// …or when this many bytes are waiting (one appended piece; 16 KB keeps the pages written per
/// byte low, where 2 KB pieces cost a 4 KB page each).
pub const FLUSH_BYTES: usize = 16 * 1024;

#[derive(Default)]
struct Pending {
    text: String,
    reasoning: String,
    /// When the oldest unsaved byte arrived.
    since: Option<Instant>,
    closed: bool,
}

struct Shared {
    pending: Mutex<Pending>,
    wake: Condvar,
    conn: Arc<Mutex<Connection>>,
    message: i64,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Pending> {
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends what is waiting as one piece; kept waiting (and retried) if the write fails.
    fn write(&self, p: &mut Pending) -> rusqlite::Result<()> {
        if p.text.is_empty() && p.reasoning.is_empty() {
            p.since = None;
            return Ok(());
        }
        let conn = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        append_piece(&conn, self.message, &p.text, &p.reasoning)?;
        p.text.clear();
        p.reasoning.clear();
        p.since = None;
        Ok(())
    }
}

/// Unsaved text of one streaming message, and its timer thread.
pub(crate) struct Flusher {
    shared: Arc<Shared>,
    timer: Option<JoinHandle<()>>,
    stopped: bool,
}

impl Flusher {
    /// Starts the timer for `message`, written through `conn`.
    pub(crate) fn start(conn: Arc<Mutex<Connection>>, message: i64) -> Flusher {
        let shared = Arc::new(Shared {
            pending: Mutex::new(Pending::default()),
            wake: Condvar::new(),
            conn,
            message,
        });
        let s = shared.clone();
        let timer = std::thread::Builder::new()
            .name("roundtable-flush".into())
            .spawn(move || timer(&s))
            .ok();
        Flusher {
            shared,
            timer,
            stopped: false,
        }
    }

    /// Adds text (or reasoning); writes it at once when [`FLUSH_BYTES`] are waiting.
    pub(crate) fn push(&self, text: &str, reasoning: &str) -> rusqlite::Result<()> {
        let mut p = self.shared.lock();
        p.text.push_str(text);
        p.reasoning.push_str(reasoning);
        if p.since.is_none() {
            p.since = Some(Instant::now());
            self.shared.wake.notify_one();
        }
        if p.text.len() + p.reasoning.len() >= FLUSH_BYTES {
            self.shared.write(&mut p)?;
        }
        Ok(())
    }

    /// Saves what is waiting and stops the timer.
    pub(crate) fn stop(mut self) {
        self.close();
    }

    fn close(&mut self) {
        self.stopped = true;
        {
            let mut p = self.shared.lock();
            if let Err(e) = self.shared.write(&mut p) {
                tracing::warn!(message = self.shared.message, "saving streamed text: {e}");
            }
            p.closed = true;
            self.shared.wake.notify_one();
        }
        if let Some(t) = self.timer.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Flusher {
    /// A recorder dropped mid-answer (its loop gave up): what was shown is still saved.
    fn drop(&mut self) {
        if !self.stopped {
            self.close();
        }
    }
}

/// Sleeps until the oldest unsaved byte is due, then saves.
fn timer(s: &Shared) {
    let mut p = s.lock();
    loop {
        if p.closed {
            return;
        }
        p = match p.since {
            None => s.wake.wait(p).unwrap_or_else(|e| e.into_inner()),
            Some(since) => {
                let due = since + FLUSH_INTERVAL;
                let now = Instant::now();
                if now >= due {
                    if let Err(e) = s.write(&mut p) {
                        tracing::warn!(message = s.message, "saving streamed text: {e}");
                        // Try again an interval later rather than spinning.
                        p.since = Some(now);
                    }
                    p
                } else {
                    s.wake
                        .wait_timeout(p, due - now)
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
            }
        };
    }
}
