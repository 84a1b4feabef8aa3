//! [`ChatStream`]: an HTTP body turned into [`ChatEvent`]s, with the first-token, idle and
//! whole-answer deadlines and the size caps enforced. Dropping it closes the upstream connection.
//!
//! Once content has begun, only content resets the idle timer: a server that sends one token and
//! then only keep-alive comments or pings times out like a silent one.
//!
//! It owns no protocol knowledge (the decoders do) and makes no retry decisions (the router does).

use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::Stream;
use std::future::Future;
use tokio::time::{Instant, Sleep};

use crate::chat::ChatEvent;
use crate::error::{human_bytes, human_duration, Error, ErrorClass, ProviderError, Result};
use crate::providers::framing::Framer;
use crate::providers::{Decoder, Flow};

type Body = Pin<Box<dyn Stream<Item = reqwest::Result<Bytes>> + Send>>;

/// The timeouts that apply to a stream once its headers have arrived.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StreamTimeouts {
    /// When the first content token must have arrived.
    pub first_token_deadline: Instant,
    /// The longest silence between two chunks before the first content, and between two pieces
    /// of content after it.
    pub idle: Duration,
    /// The configured first-token timeout, for messages.
    pub first_token: Duration,
    /// When the whole answer must have arrived.
    pub answer_deadline: Instant,
    /// The configured answer timeout, for messages.
    pub answer_timeout: Duration,
}

/// A streamed answer: `Start`, then `Delta`/`Reasoning` pieces, then `End` — or an error, after
/// which the stream ends.
pub struct ChatStream {
    body: Option<Body>,
    /// A built-in local model's events (then `body` is unused).
    local: Option<tokio::sync::mpsc::Receiver<crate::local::runtime::Event>>,
    /// Before the first content, only the first-token and answer deadlines apply, not the idle
    /// timeout (a local model reading a long prompt sends nothing until it is read).
    patient_start: bool,
    framer: Framer,
    decoder: Box<dyn Decoder>,
    pending: VecDeque<ChatEvent>,
    provider: String,
    secret: Option<String>,
    timeouts: StreamTimeouts,
    timer: Pin<Box<Sleep>>,
    /// When the last bytes arrived (what keeps a stream alive before its first content).
    last_chunk: Instant,
    /// When the decoder last produced content; `None` before the first.
    last_content: Option<Instant>,
    /// Bytes read so far, and the most that may be.
    read: usize,
    max_bytes: usize,
    got_content: bool,
    finished: bool,
    /// An error to deliver once the events decoded before it are out.
    deferred: Option<ProviderError>,
}

impl ChatStream {
    pub(crate) fn new(
        body: Body,
        framer: Framer,
        decoder: Box<dyn Decoder>,
        provider: String,
        secret: Option<String>,
        timeouts: StreamTimeouts,
        max_bytes: usize,
    ) -> Self {
        let now = Instant::now();
        let mut s = ChatStream {
            body: Some(body),
            local: None,
            patient_start: false,
            framer,
            decoder,
            pending: VecDeque::new(),
            provider,
            secret,
            timeouts,
            timer: Box::pin(tokio::time::sleep_until(now)),
            last_chunk: now,
            last_content: None,
            read: 0,
            max_bytes,
            got_content: false,
            finished: false,
            deferred: None,
        };
        let deadline = s.deadline();
        s.timer.as_mut().reset(deadline);
        s
    }

    /// A stream of a built-in local model's events, under the same idle and answer deadlines
    /// (its first-token deadline covers the wait in the model's queue and its loading).
    pub(crate) fn local(
        events: tokio::sync::mpsc::Receiver<crate::local::runtime::Event>,
        provider: String,
        timeouts: StreamTimeouts,
    ) -> Self {
        let mut s = ChatStream::new(
            Box::pin(futures_util::stream::empty()),
            Framer::new(crate::providers::framing::Framing::Ndjson, 1),
            Box::new(NoFrames),
            provider,
            None,
            timeouts,
            usize::MAX,
        );
        s.local = Some(events);
        s.patient_start = true;
        let deadline = s.deadline();
        s.timer.as_mut().reset(deadline);
        s
    }

    /// When the stream times out if nothing more arrives.
    fn deadline(&self) -> Instant {
        let t = &self.timeouts;
        match self.last_content {
            Some(at) => (at + t.idle).min(t.answer_deadline),
            None if self.patient_start => t.first_token_deadline.min(t.answer_deadline),
            None => (self.last_chunk + t.idle)
                .min(t.first_token_deadline)
                .min(t.answer_deadline),
        }
    }

    /// Ends the stream with `err`, after the events already decoded.
    fn fail(&mut self, err: ProviderError) {
        self.finished = true;
        self.body = None;
        self.local = None;
        self.deferred = Some(err.seal(self.secret.as_deref()));
    }

    /// With nothing to read: sets the timer to the deadline now in force and, when it has
    /// passed, ends the stream with the timeout's error (then `true`).
    fn timed_out(&mut self, cx: &mut Context<'_>) -> bool {
        let deadline = self.deadline();
        if self.timer.deadline() != deadline {
            self.timer.as_mut().reset(deadline);
        }
        if self.timer.as_mut().poll(cx).is_ready() {
            let err = self.timeout_error();
            self.fail(err);
            return true;
        }
        false
    }

    fn timeout_error(&self) -> ProviderError {
        let now = Instant::now();
        let message = if now >= self.timeouts.answer_deadline {
            format!(
                "the answer took longer than {} (answer_timeout_ms in [router])",
                human_duration(self.timeouts.answer_timeout)
            )
        } else if self.last_content.is_some() {
            format!(
                "the stream stalled: no content for {} (keep-alives do not count)",
                human_duration(self.timeouts.idle)
            )
        } else if Instant::now() >= self.timeouts.first_token_deadline {
            format!(
                "no answer within {} (first-token timeout)",
                human_duration(self.timeouts.first_token)
            )
        } else {
            format!(
                "no data for {} before the first token (idle timeout)",
                human_duration(self.timeouts.idle)
            )
        };
        ProviderError::new(&self.provider, ErrorClass::Timeout, message)
    }
}

/// The decoder of a stream that has no frames (a local model's events come decoded).
struct NoFrames;

impl Decoder for NoFrames {
    fn frame(
        &mut self,
        _event: Option<&str>,
        _data: &str,
        _out: &mut VecDeque<ChatEvent>,
    ) -> Result<Flow, ProviderError> {
        Ok(Flow::Done)
    }

    fn eof(&mut self, _out: &mut VecDeque<ChatEvent>) -> Result<(), ProviderError> {
        Ok(())
    }
}

/// Whether an event is content (what resets the idle timer once an answer has begun).
fn is_content(event: &ChatEvent) -> bool {
    matches!(
        event,
        ChatEvent::Delta(_) | ChatEvent::Reasoning(_) | ChatEvent::End(_)
    )
}

impl Stream for ChatStream {
    type Item = Result<ChatEvent>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        loop {
            if let Some(event) = this.pending.pop_front() {
                if matches!(event, ChatEvent::Delta(_) | ChatEvent::Reasoning(_)) {
                    this.got_content = true;
                }
                return Poll::Ready(Some(Ok(event)));
            }
            if let Some(err) = this.deferred.take() {
                return Poll::Ready(Some(Err(Error::Provider(err))));
            }
            if this.finished {
                return Poll::Ready(None);
            }
            if let Some(events) = this.local.as_mut() {
                match events.poll_recv(cx) {
                    Poll::Ready(Some(Ok(event))) => {
                        let now = Instant::now();
                        this.last_chunk = now;
                        if is_content(&event) {
                            this.last_content = Some(now);
                        }
                        if matches!(event, ChatEvent::End(_)) {
                            this.finished = true;
                            this.local = None;
                        }
                        this.pending.push_back(event);
                    }
                    Poll::Ready(Some(Err(e))) => this.fail(e),
                    Poll::Ready(None) => {
                        let err = ProviderError::new(
                            &this.provider,
                            ErrorClass::MalformedStream,
                            "the local model stopped before the answer was complete",
                        );
                        this.fail(err);
                    }
                    Poll::Pending if this.timed_out(cx) => continue,
                    Poll::Pending => return Poll::Pending,
                }
                continue;
            }
            let Some(body) = this.body.as_mut() else {
                return Poll::Ready(None);
            };
            match body.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    let now = Instant::now();
                    this.last_chunk = now;
                    this.read = this.read.saturating_add(bytes.len());
                    if this.read > this.max_bytes {
                        let err = crate::client::too_large(&this.provider, this.max_bytes);
                        this.fail(err);
                        continue;
                    }
                    let before = this.pending.len();
                    let (decoder, pending) = (&mut this.decoder, &mut this.pending);
                    let mut on_frame =
                        |event: Option<&str>, data: &str| decoder.frame(event, data, pending);
                    let pushed = this.framer.push(&bytes, &mut on_frame);
                    if this.pending.range(before..).any(is_content) {
                        this.last_content = Some(now);
                    }
                    match pushed {
                        Ok(Flow::More) => {}
                        Ok(Flow::Done) if this.framer.overflowed() => {
                            let err = ProviderError::new(
                                &this.provider,
                                ErrorClass::MalformedStream,
                                format!(
                                    "a stream event is larger than {} (max_event_bytes in [router]); the stream was stopped there",
                                    human_bytes(this.framer.cap())
                                ),
                            );
                            this.fail(err);
                        }
                        // The protocol's end marker: stop reading, release the connection.
                        Ok(Flow::Done) => {
                            this.finished = true;
                            this.body = None;
                        }
                        Err(e) => this.fail(e),
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    let what = if this.got_content || !this.pending.is_empty() {
                        "the connection broke mid-stream"
                    } else {
                        "the connection broke before the answer"
                    };
                    let detail = crate::providers::describe_reqwest(&e);
                    let err = ProviderError::new(
                        &this.provider,
                        ErrorClass::Network,
                        format!("{what} ({detail})"),
                    );
                    this.fail(err);
                }
                Poll::Ready(None) => {
                    this.finished = true;
                    this.body = None;
                    let (decoder, pending) = (&mut this.decoder, &mut this.pending);
                    let mut on_frame =
                        |event: Option<&str>, data: &str| decoder.frame(event, data, pending);
                    let result = match this.framer.finish(&mut on_frame) {
                        Ok(Flow::Done) => Ok(()),
                        Ok(Flow::More) => this.decoder.eof(&mut this.pending),
                        Err(e) => Err(e),
                    };
                    if let Err(e) = result {
                        this.fail(e);
                    }
                }
                Poll::Pending if this.timed_out(cx) => continue,
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

/// An answer over `max_answer_bytes`.
pub(crate) fn too_large(provider: &str, cap: usize) -> ProviderError {
    ProviderError::new(
        provider,
        ErrorClass::MalformedStream,
        format!(
            "the answer is larger than {} (max_answer_bytes in [router]); the rest was not read",
            crate::error::human_bytes(cap)
        ),
    )
    .with_hint("raise max_answer_bytes in [router] of config.toml if such answers are expected")
}
