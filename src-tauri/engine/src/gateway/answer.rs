//! One request's task: runs it through the router, records it in the ledger, and feeds the
//! handler the head, then (streaming) the SSE chunks. It ends when the answer does, when the
//! client is gone (which drops the upstream stream), or at the request's deadline.

use std::sync::Arc;

use axum::body::Bytes;
use futures_util::{FutureExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use super::access::Slot;
use super::wire::{chunk, finish_reason, usage, ApiError};
use super::{Gateway, Head};
use crate::chat::{ChatEvent, ChatRequest};
use crate::error::{ErrorClass, ProviderError};
use crate::router::{Outcome, Plan, RouteEvent};
use crate::store::{now_ms, Recorder};
use crate::Error;

fn sse(v: &Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

/// The most bytes of content chunks gathered into one piece for the client.
const COALESCE_BYTES: usize = 16 * 1024;

/// What one request asks, and its place in the gateway.
pub(super) struct Job {
    pub(super) plan: Plan,
    pub(super) chat: ChatRequest,
    pub(super) streaming: bool,
    pub(super) client: String,
    /// When the request must be over, body to last chunk.
    pub(super) deadline: Instant,
    /// Held until the answer ends.
    pub(super) _slot: Slot,
}

/// Why the chunks stopped going out early.
enum Stop {
    /// The client went away.
    Gone,
    /// The request's deadline passed (a client that stopped reading, or a very long answer).
    Late,
}

/// Sends one piece to the handler by the deadline.
async fn send(tx: &mpsc::Sender<Bytes>, b: Bytes, deadline: Instant) -> Result<(), Stop> {
    match tokio::time::timeout_at(deadline, tx.send(b)).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Stop::Gone),
        Err(_) => Err(Stop::Late),
    }
}

/// Ends a request early: the ledger row says why, and the client (if still there) is told.
fn stop(
    why: Stop,
    rec: &mut Recorder<'_>,
    head: Option<oneshot::Sender<Head>>,
    tx: &mpsc::Sender<Bytes>,
    limit: std::time::Duration,
) {
    let Stop::Late = why else {
        // The client went away: dropping the routed stream closes the upstream connection.
        let _ = rec.fail(None);
        return;
    };
    let mut p = ProviderError::new(
        "gateway",
        ErrorClass::Timeout,
        format!("the request ran past the gateway's limit of {limit:?}"),
    );
    p.hint = "ask for a shorter answer, or split the work into several requests".into();
    let e = Error::Provider(p);
    let _ = rec.fail(Some(&e));
    let api = ApiError::from(&e);
    match head {
        Some(h) => {
            let _ = h.send(Head::Error(api));
        }
        None => {
            // Best effort: a client that stopped reading is not waited for.
            let mut v = api.body();
            v["error"]["partial"] = json!(true);
            let _ = tx.try_send(sse(&v));
            let _ = tx.try_send(Bytes::from_static(b"data: [DONE]\n\n"));
        }
    }
}

/// Runs one request through the router, recording it, and feeds the handler: the head, then
/// (streaming) the chunks. Ends as soon as the client is gone, which drops the upstream stream,
/// or at the request's deadline.
pub(super) async fn answer(
    gw: Arc<Gateway>,
    job: Job,
    head_tx: oneshot::Sender<Head>,
    tx: mpsc::Sender<Bytes>,
) {
    let Job {
        plan,
        chat,
        streaming,
        client,
        deadline,
        _slot,
    } = job;
    let limit = gw.limits.request;
    let prompt_chars = chat
        .messages
        .iter()
        .map(|m| m.text.chars().count())
        .sum::<usize>()
        + chat.system.as_ref().map_or(0, |s| s.chars().count());
    let mut rec = Recorder::ledger_only(
        &gw.store,
        &gw.prices,
        plan.route.clone(),
        prompt_chars,
        &client,
    );
    let id = format!("chatcmpl-{}", rec.request_id());
    let created = now_ms() / 1000;
    let mut routed = gw.router.stream(&plan, &chat);
    let mut head = Some(head_tx);
    let mut model = String::new();
    let mut text = String::new();
    let mut reasoning = String::new();
    let mut frame: Option<(String, String)> = None;
    // An item read while coalescing deltas, to handle next.
    let mut ready = None;
    loop {
        let item = if let Some(next) = ready.take() {
            Ok(next)
        } else {
            let gone = async {
                match head.as_mut() {
                    Some(h) => h.closed().await,
                    None => tx.closed().await,
                }
            };
            tokio::select! {
                item = routed.next() => Ok(item),
                _ = gone => Err(Stop::Gone),
                _ = tokio::time::sleep_until(deadline) => Err(Stop::Late),
            }
        };
        let item = match item {
            Ok(item) => item,
            Err(why) => return stop(why, &mut rec, head.take(), &tx, limit),
        };
        let mut out: Vec<Value> = Vec::new();
        match item {
            Some(Ok(RouteEvent::Attempt(a))) => {
                let _ = rec.attempt(&a);
                if a.outcome == Outcome::Ok {
                    model = a.target.clone();
                    if streaming {
                        if let Some(h) = head.take() {
                            let _ = h.send(Head::Stream);
                        }
                        out.push(chunk(
                            &id,
                            created,
                            &model,
                            json!({"role": "assistant", "content": ""}),
                            None,
                        ));
                    }
                }
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Delta(t)))) => {
                let _ = rec.delta(&t);
                if streaming {
                    // The hot path: the chunk's fixed parts are written once per answer, and the
                    // deltas already read (an upstream read often carries several) go out in one
                    // piece, so one socket write carries them all rather than one each.
                    let (pre, post) =
                        frame.get_or_insert_with(|| content_frame(&id, created, &model));
                    let mut b = Vec::with_capacity(256);
                    let mut t = t;
                    loop {
                        b.extend_from_slice(pre.as_bytes());
                        let _ = serde_json::to_writer(&mut b, &t);
                        b.extend_from_slice(post.as_bytes());
                        if b.len() >= COALESCE_BYTES {
                            break;
                        }
                        match routed.next().now_or_never() {
                            Some(Some(Ok(RouteEvent::Chat(ChatEvent::Delta(more))))) => {
                                let _ = rec.delta(&more);
                                t = more;
                            }
                            Some(other) => {
                                ready = Some(other);
                                break;
                            }
                            None => break,
                        }
                    }
                    if let Err(why) = send(&tx, Bytes::from(b), deadline).await {
                        return stop(why, &mut rec, None, &tx, limit);
                    }
                } else {
                    text.push_str(&t);
                }
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Reasoning(t)))) => {
                let _ = rec.reasoning(&t);
                if streaming {
                    out.push(chunk(&id, created, &model, json!({"reasoning": t}), None));
                } else {
                    reasoning.push_str(&t);
                }
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Start { .. }))) => {}
            Some(Ok(RouteEvent::Chat(ChatEvent::End(end)))) => {
                let target = plan.targets.iter().find(|t| t.to_string() == model);
                let answered = match (target, rec_finish(&mut rec, &end, target)) {
                    (_, Some(m)) => m,
                    _ => model.clone(),
                };
                let finish = finish_reason(&end.finish).to_string();
                let usage = end.usage.as_ref().map(usage).unwrap_or(Value::Null);
                if streaming {
                    let mut last = chunk(&id, created, &answered, json!({}), Some(&finish));
                    let mut tail = chunk(&id, created, &answered, json!({}), None);
                    tail["choices"] = json!([]);
                    tail["usage"] = usage;
                    if let Some(cost) = end.provider_cost_usd {
                        last["provider_cost_usd"] = json!(cost);
                    }
                    for v in [last, tail] {
                        if send(&tx, sse(&v), deadline).await.is_err() {
                            return;
                        }
                    }
                    let _ = send(&tx, Bytes::from_static(b"data: [DONE]\n\n"), deadline).await;
                } else if let Some(h) = head.take() {
                    let mut message =
                        json!({"role": "assistant", "content": text, "refusal": null});
                    if !reasoning.is_empty() {
                        message["reasoning"] = json!(reasoning);
                    }
                    let _ = h.send(Head::Whole(json!({
                        "id": id,
                        "object": "chat.completion",
                        "created": created,
                        "model": answered,
                        "system_fingerprint": null,
                        "choices": [{"index": 0, "message": message, "logprobs": null, "finish_reason": finish}],
                        "usage": usage,
                    })));
                }
                return;
            }
            Some(Err(e)) => {
                let _ = rec.fail(Some(&e));
                let api = ApiError::from(&e);
                match head.take() {
                    Some(h) => {
                        let _ = h.send(Head::Error(api));
                    }
                    None => {
                        // Mid-stream: an error chunk, as OpenRouter sends, then the end.
                        let mut v = api.body();
                        v["error"]["partial"] = json!(true);
                        let _ = send(&tx, sse(&v), deadline).await;
                        let _ = send(&tx, Bytes::from_static(b"data: [DONE]\n\n"), deadline).await;
                    }
                }
                return;
            }
            None => {
                let e = Error::InvalidRequest("the answer ended without its end".into());
                let _ = rec.fail(Some(&e));
                if let Some(h) = head.take() {
                    let _ = h.send(Head::Error(ApiError::new(
                        502,
                        "upstream_error",
                        "malformed_stream",
                        e.to_string(),
                    )));
                }
                return;
            }
        }
        for v in out {
            if let Err(why) = send(&tx, sse(&v), deadline).await {
                return stop(why, &mut rec, None, &tx, limit);
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

/// Finishes the ledger row; the model that answered, as recorded.
fn rec_finish(
    rec: &mut Recorder<'_>,
    end: &crate::chat::StreamEnd,
    target: Option<&crate::Target>,
) -> Option<String> {
    let row = rec.finish(end, target?).ok()?;
    row.model_answered
}
