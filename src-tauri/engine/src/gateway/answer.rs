//! One request's task: drives it (the session's one driver: router, ledger, events) and feeds
//! the handler the head, then (streaming) the SSE chunks. It ends when the answer does, when the
//! client is gone (which drops the upstream stream and records the request as cancelled), or at
//! the request's deadline (recorded as a timeout).

use std::sync::Arc;

use axum::body::Bytes;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::access::Slot;
use super::wire::{chunk, usage, ApiError};
use super::{Gateway, Head};
use crate::chat::ToolCall;
use crate::error::{ErrorClass, ProviderError};
use crate::router::Outcome;
use crate::session::{Answer, Delivery, Finished, Session, Turn, TurnEvent};
use crate::store::now_ms;

fn sse(v: &Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

const DONE: &[u8] = b"data: [DONE]\n\n";

/// The most bytes of content chunks gathered into one piece for the client.
const COALESCE_BYTES: usize = 16 * 1024;

/// What one request asks, and its place in the gateway.
pub(super) struct Job {
    /// The request as a turn kept in the ledger (the budget already checked).
    pub(super) turn: Turn,
    pub(super) streaming: bool,
    /// When the request must be over, body to last chunk.
    pub(super) deadline: Instant,
    /// Held until the answer ends.
    pub(super) _slot: Slot,
    /// A place for a large body, held until the answer ends.
    pub(super) _large: Option<tokio::sync::OwnedSemaphorePermit>,
}

/// Why the chunks stopped going out early.
enum Stop {
    /// The client went away.
    Gone,
    /// The request's deadline passed (a client that stopped reading, or a very long answer).
    Late,
}

/// Where the answer goes: the head (until it is sent), then the chunks.
struct Out {
    head: Option<oneshot::Sender<Head>>,
    tx: mpsc::Sender<Bytes>,
    deadline: Instant,
    streaming: bool,
    id: String,
    created: i64,
    /// The answering model, once an attempt succeeded.
    model: String,
    /// A whole answer's text and reasoning.
    text: String,
    reasoning: String,
    /// A content chunk's fixed parts, written once per answer.
    frame: Option<(String, String)>,
    /// The model's tool calls so far (a whole answer's, in OpenAI's shape).
    calls: Vec<Value>,
}

impl Out {
    /// Sends one piece to the handler by the deadline.
    async fn send(&self, b: Bytes) -> Result<(), Stop> {
        match tokio::time::timeout_at(self.deadline, self.tx.send(b)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(Stop::Gone),
            Err(_) => Err(Stop::Late),
        }
    }

    /// Resolves when the client is gone.
    async fn gone(&mut self) {
        match self.head.as_mut() {
            Some(h) => h.closed().await,
            None => self.tx.closed().await,
        }
    }

    /// The answer failed: the head says so, or (mid-stream) an error chunk, as OpenRouter sends.
    async fn error(&mut self, api: ApiError) {
        match self.head.take() {
            Some(h) => {
                let _ = h.send(Head::Error(api));
            }
            None => {
                let mut v = api.body();
                v["error"]["partial"] = json!(true);
                let _ = self.send(sse(&v)).await;
                let _ = self.send(Bytes::from_static(DONE)).await;
            }
        }
    }

    /// A content delta; a whole answer gathers it.
    fn content(&mut self, text: &str, into: &mut Vec<u8>) {
        if !self.streaming {
            self.text.push_str(text);
            return;
        }
        let (id, created, model) = (&self.id, self.created, &self.model);
        let (pre, post) = self
            .frame
            .get_or_insert_with(|| content_frame(id, created, model));
        into.extend_from_slice(pre.as_bytes());
        let _ = serde_json::to_writer(&mut *into, text);
        into.extend_from_slice(post.as_bytes());
    }

    /// A tool call: streamed as OpenAI does (the call's id and name with empty arguments, then
    /// its arguments, under its `index`), or kept for the whole completion.
    async fn tool_call(&mut self, call: &ToolCall) -> Result<(), Stop> {
        let index = self.calls.len();
        self.calls.push(json!({
            "id": call.id,
            "type": "function",
            "function": {"name": call.name, "arguments": call.arguments},
        }));
        if !self.streaming {
            return Ok(());
        }
        let opening = json!({"tool_calls": [{
            "index": index, "id": call.id, "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }]});
        let arguments = json!({"tool_calls": [{
            "index": index, "function": {"arguments": call.arguments},
        }]});
        for delta in [opening, arguments] {
            self.send(sse(&chunk(
                &self.id,
                self.created,
                &self.model,
                delta,
                None,
            )))
            .await?;
        }
        Ok(())
    }

    /// The answer is done: the last chunks (streaming) or the whole completion.
    async fn done(&mut self, f: &Finished) -> Result<(), Stop> {
        // A model that called tools finished for them, whatever its provider said.
        let finish = if self.calls.is_empty() {
            f.finish.as_str()
        } else {
            "tool_calls"
        };
        let usage = f.usage.as_ref().map(usage).unwrap_or(Value::Null);
        if self.streaming {
            let mut last = chunk(&self.id, self.created, &f.model, json!({}), Some(finish));
            let mut tail = chunk(&self.id, self.created, &f.model, json!({}), None);
            tail["choices"] = json!([]);
            tail["usage"] = usage;
            if let Some(cost) = f.provider_cost_usd {
                last["provider_cost_usd"] = json!(cost);
            }
            for v in [last, tail] {
                self.send(sse(&v)).await?;
            }
            self.send(Bytes::from_static(DONE)).await
        } else {
            if let Some(h) = self.head.take() {
                let mut message =
                    json!({"role": "assistant", "content": self.text, "refusal": null});
                if !self.calls.is_empty() {
                    message["tool_calls"] = json!(self.calls);
                    if self.text.is_empty() {
                        message["content"] = Value::Null;
                    }
                }
                if !self.reasoning.is_empty() {
                    message["reasoning"] = json!(self.reasoning);
                }
                let _ = h.send(Head::Whole(json!({
                    "id": self.id,
                    "object": "chat.completion",
                    "created": self.created,
                    "model": f.model,
                    "system_fingerprint": null,
                    "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
                    "usage": usage,
                })));
            }
            Ok(())
        }
    }
}

/// Runs one request through the driver and feeds the handler: the head, then (streaming) the
/// chunks. Ends as soon as the client is gone, which drops the upstream stream, or at the
/// request's deadline.
pub(super) async fn answer(
    gw: Arc<Gateway>,
    job: Job,
    head_tx: oneshot::Sender<Head>,
    tx: mpsc::Sender<Bytes>,
) {
    let Job {
        turn,
        streaming,
        deadline,
        _slot,
        _large,
    } = job;
    let session = Session {
        router: &gw.router,
        store: &gw.store,
        prices: &gw.prices,
    };
    let mut answer = turn.drive(session, Delivery::Stream);
    let mut out = Out {
        head: Some(head_tx),
        tx,
        deadline,
        streaming,
        id: format!("chatcmpl-{}", answer.request_id()),
        created: now_ms() / 1000,
        model: String::new(),
        text: String::new(),
        reasoning: String::new(),
        frame: None,
        calls: Vec::new(),
    };
    if let Err(why) = run(&mut answer, &mut out).await {
        stop(why, &mut answer, &mut out, gw.limits.request).await;
    }
}

/// Forwards the answer's events until its last one.
async fn run(answer: &mut Answer<'_>, out: &mut Out) -> Result<(), Stop> {
    let mut ready: Option<TurnEvent> = None;
    let deadline = out.deadline;
    loop {
        let event = match ready.take() {
            Some(e) => e,
            None => tokio::select! {
                e = answer.next() => match e {
                    Some(e) => e,
                    None => return Ok(()),
                },
                _ = out.gone() => return Err(Stop::Gone),
                _ = tokio::time::sleep_until(deadline) => return Err(Stop::Late),
            },
        };
        match event {
            TurnEvent::Attempt(a) if a.outcome == Outcome::Ok => {
                out.model = a.target.clone();
                if out.streaming {
                    if let Some(h) = out.head.take() {
                        let _ = h.send(Head::Stream);
                    }
                    let role = json!({"role": "assistant", "content": ""});
                    out.send(sse(&chunk(&out.id, out.created, &out.model, role, None)))
                        .await?;
                }
            }
            TurnEvent::Attempt(_) => {}
            TurnEvent::Delta { text } => {
                // The hot path: deltas already read (an upstream read often carries several) go
                // out in one piece, so one socket write carries them all rather than one each.
                let mut b = Vec::with_capacity(256);
                out.content(&text, &mut b);
                while b.len() < COALESCE_BYTES {
                    match answer.ready() {
                        Some(TurnEvent::Delta { text }) => out.content(&text, &mut b),
                        other => {
                            ready = other;
                            break;
                        }
                    }
                }
                if !b.is_empty() {
                    out.send(Bytes::from(b)).await?;
                }
            }
            TurnEvent::Reasoning { text } => {
                if out.streaming {
                    let piece = json!({"reasoning": text});
                    out.send(sse(&chunk(&out.id, out.created, &out.model, piece, None)))
                        .await?;
                } else {
                    out.reasoning.push_str(&text);
                }
            }
            TurnEvent::Done(f) => return out.done(&f).await,
            TurnEvent::Failed { error, .. } => {
                out.error(ApiError::from(&error)).await;
                return Ok(());
            }
            TurnEvent::Cancelled { .. } => return Ok(()),
            // The client runs its tools: the calls go to it, and the answer ends with them.
            TurnEvent::ToolCall { call } => out.tool_call(&call).await?,
            TurnEvent::ToolResult { .. } => {}
        }
    }
}

/// Ends a request early: the ledger row says why, and the client (if still there) is told.
async fn stop(why: Stop, answer: &mut Answer<'_>, out: &mut Out, limit: std::time::Duration) {
    match why {
        // The client went away: dropping the upstream stream closes its connection.
        Stop::Gone => {
            answer.cancel();
        }
        Stop::Late => {
            let mut p = ProviderError::new(
                "gateway",
                ErrorClass::Timeout,
                format!("the request ran past the gateway's limit of {limit:?}"),
            );
            p.hint = "ask for a shorter answer, or split the work into several requests".into();
            let error = match answer.fail(p.into()) {
                Some(TurnEvent::Failed { error, .. }) => error,
                _ => return,
            };
            // Best effort: a client that stopped reading is not waited for.
            let api = ApiError::from(&error);
            match out.head.take() {
                Some(h) => {
                    let _ = h.send(Head::Error(api));
                }
                None => {
                    let mut v = api.body();
                    v["error"]["partial"] = json!(true);
                    let _ = out.tx.try_send(sse(&v));
                    let _ = out.tx.try_send(Bytes::from_static(DONE));
                }
            }
        }
    }
}

/// The SSE frame of a content chunk, split around the content string.
fn content_frame(id: &str, created: i64, model: &str) -> (String, String) {
    let whole = chunk(id, created, model, json!({"content": "\u{0}"}), None).to_string();
    let at = whole.find("\"\\u0000\"").unwrap_or(whole.len());
    (
        format!("data: {}", &whole[..at]),
        format!("{}\n\n", &whole[at + 8..]),
    )
}
