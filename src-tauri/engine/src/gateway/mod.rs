//! The local OpenAI-compatible gateway (`roundtable serve`): one endpoint for every model, with
//! the router's fallbacks, the keychain's keys and the ledger, for any script or tool on the
//! machine.
//!
//! - `POST /v1/chat/completions`, streamed (OpenAI's SSE chunks, a final usage chunk, `[DONE]`)
//!   or whole; `model` is `provider/model` or `@route`, OpenRouter's `models` list is a fallback
//!   chain, and the response's `model` names the model that answered.
//! - `GET /v1/models`: the models of every enabled provider, and the routes.
//! - Errors in OpenAI's envelope with a fitting status (a provider's 429 stays a 429 with its
//!   Retry-After; an unknown provider is a 404 naming the ones that exist).
//!
//! Access: a bearer token (kept in the keychain, or `ROUNDTABLE_GATEWAY_TOKEN` for one process);
//! loopback only unless asked; the `Host` header must be loopback too (no DNS rebinding); a
//! request carrying an `Origin` header (a web page) is refused and no CORS header is ever sent;
//! a body size limit and a per-client concurrency limit. No endpoint touches a file.
//! Each request lands in the ledger tagged with its client (`X-Title`, else `HTTP-Referer`,
//! else `gateway`); a client that disconnects mid-stream cancels the upstream request and its
//! ledger row says `cancelled`.

mod wire;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot, OwnedSemaphorePermit, Semaphore};

use crate::chat::{ChatEvent, ChatRequest};
use crate::pricing::PriceBook;
use crate::router::{Outcome, Plan, RouteEvent, Router};
use crate::store::{now_ms, Budget, Recorder, Store};
use crate::vault::SecretStore;
use crate::{Error, Result};

pub use wire::ApiError;
use wire::{chunk, finish_reason, usage, CompletionRequest};

/// The environment variable that sets the token for one process.
pub const TOKEN_ENV: &str = "ROUNDTABLE_GATEWAY_TOKEN";
/// The keychain account the token is filed under.
pub const TOKEN_ACCOUNT: &str = "gateway-token";
/// The default port.
pub const DEFAULT_PORT: u16 = 4747;

/// Where the token came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `ROUNDTABLE_GATEWAY_TOKEN`.
    Environment,
    /// The keychain, as saved by an earlier run.
    Keychain,
    /// Generated now and saved in the keychain.
    Generated,
}

/// The gateway's bearer token: the environment's, or the keychain's, or a new one (32 random
/// bytes from the OS) saved in the keychain.
pub fn token(keychain: &dyn SecretStore) -> Result<(String, TokenSource)> {
    if let Ok(t) = std::env::var(TOKEN_ENV) {
        if !t.trim().is_empty() {
            return Ok((t.trim().to_string(), TokenSource::Environment));
        }
    }
    if let Some(t) = keychain.get(TOKEN_ACCOUNT)? {
        return Ok((t, TokenSource::Keychain));
    }
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| Error::KeyStore(format!("no randomness for a gateway token: {e}")))?;
    let t = format!(
        "rtg_{}",
        bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()
    );
    keychain.set(TOKEN_ACCOUNT, &t)?;
    Ok((t, TokenSource::Generated))
}

/// Limits on what one client may ask.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body.
    pub body_bytes: usize,
    /// Requests in flight at once per client.
    pub per_client: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            body_bytes: 4 * 1024 * 1024,
            per_client: 16,
        }
    }
}

/// The gateway's shared state.
pub struct Gateway {
    router: Router,
    store: Arc<Store>,
    prices: Arc<PriceBook>,
    token: String,
    /// Bound to a loopback address: the `Host` header must be loopback too.
    loopback: bool,
    limits: Limits,
    clients: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl Gateway {
    /// A gateway over `router`, recording into `store`.
    pub fn new(
        router: Router,
        store: Arc<Store>,
        prices: Arc<PriceBook>,
        token: String,
        loopback: bool,
        limits: Limits,
    ) -> Arc<Gateway> {
        Arc::new(Gateway {
            router,
            store,
            prices,
            token,
            loopback,
            limits,
            clients: Mutex::new(HashMap::new()),
        })
    }

    /// The HTTP service.
    pub fn app(self: &Arc<Self>) -> axum::Router {
        axum::Router::new()
            .route("/v1/chat/completions", post(completions))
            .route("/v1/models", get(models))
            .fallback(not_found)
            .layer(DefaultBodyLimit::max(self.limits.body_bytes))
            .with_state(self.clone())
    }

    /// Serves on `listener` until `shutdown` resolves.
    pub async fn serve(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        use axum::serve::ListenerExt;
        // Small SSE writes go out at once: without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms.
        let listener = listener.tap_io(|tcp| {
            let _ = tcp.set_nodelay(true);
        });
        axum::serve(listener, self.app())
            .with_graceful_shutdown(shutdown)
            .await
    }

    /// Checks who is asking: no web page, a loopback `Host`, the right token. Returns the client.
    fn admit(&self, headers: &HeaderMap) -> std::result::Result<String, ApiError> {
        if headers.contains_key(header::ORIGIN) {
            return Err(ApiError::new(
                403,
                "permission_error",
                "origin_refused",
                "requests from web pages are refused: the gateway is for programs on this machine and sends no CORS headers",
            ));
        }
        if self.loopback {
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
                return Err(ApiError::new(
                    403,
                    "permission_error",
                    "host_refused",
                    format!("Host `{host}` is refused: use http://127.0.0.1 (the gateway answers loopback names only)"),
                ));
            }
        }
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|h| h.to_str().ok())
            .and_then(|h| h.strip_prefix("Bearer "))
            .map(str::trim);
        match given {
            None => {
                return Err(ApiError::new(
                    401,
                    "invalid_request_error",
                    "missing_api_key",
                    "no bearer token: send `Authorization: Bearer <token>` (shown by `roundtable serve`)",
                ))
            }
            Some(t) if !same(t.as_bytes(), self.token.as_bytes()) => {
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
                        .take(100)
                        .collect::<String>()
                })
                .filter(|v| !v.is_empty())
        };
        Ok(named(header::HeaderName::from_static("x-title"))
            .or_else(|| named(header::REFERER))
            .unwrap_or_else(|| "gateway".into()))
    }

    /// A slot for one more request of `client`.
    fn permit(&self, client: &str) -> std::result::Result<OwnedSemaphorePermit, ApiError> {
        let sem = {
            let mut clients = self.clients.lock().unwrap_or_else(|p| p.into_inner());
            clients
                .entry(client.to_string())
                .or_insert_with(|| Arc::new(Semaphore::new(self.limits.per_client)))
                .clone()
        };
        sem.try_acquire_owned().map_err(|_| {
            let mut e = ApiError::new(
                429,
                "rate_limit_error",
                "too_many_concurrent_requests",
                format!(
                    "client `{client}` has {} requests in flight, the most the gateway allows at once",
                    self.limits.per_client
                ),
            );
            e.retry_after_s = Some(1);
            e
        })
    }
}

/// Compares without stopping at the first difference.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_GATEWAY),
            axum::Json(self.body()),
        )
            .into_response();
        if let Some(s) = self.retry_after_s {
            if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}

async fn not_found() -> ApiError {
    ApiError::new(
        404,
        "invalid_request_error",
        "not_found",
        "no such endpoint: the gateway serves POST /v1/chat/completions and GET /v1/models",
    )
}

/// `GET /v1/models`.
async fn models(State(gw): State<Arc<Gateway>>, headers: HeaderMap) -> Response {
    if let Err(e) = gw.admit(&headers) {
        return e.into_response();
    }
    let engine = gw.router.engine();
    let lists = engine.reachable_models(Duration::from_secs(10)).await;
    let mut data: Vec<Value> = Vec::new();
    for (provider, list) in lists {
        for m in list {
            data.push(
                json!({"id": m.id, "object": "model", "created": 0, "owned_by": provider,
                             "context_length": m.context_length}),
            );
        }
    }
    for name in engine.config().routes.keys() {
        data.push(json!({"id": format!("@{name}"), "object": "model", "created": 0, "owned_by": "roundtable"}));
    }
    axum::Json(json!({"object": "list", "data": data})).into_response()
}

/// What the request's task tells the handler first.
enum Head {
    /// An attempt answered: stream the chunks from the channel.
    Stream,
    /// The whole answer.
    Whole(Value),
    /// It failed before any answer.
    Error(ApiError),
}

/// `POST /v1/chat/completions`.
async fn completions(
    State(gw): State<Arc<Gateway>>,
    headers: HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Response {
    match start(&gw, &headers, body).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

async fn start(
    gw: &Arc<Gateway>,
    headers: &HeaderMap,
    body: std::result::Result<Bytes, BytesRejection>,
) -> std::result::Result<Response, ApiError> {
    let client = gw.admit(headers)?;
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::new(
                413,
                "invalid_request_error",
                "request_too_large",
                format!(
                    "the body is over the gateway's limit of {} bytes",
                    gw.limits.body_bytes
                ),
            )
        } else {
            ApiError::invalid("body", format!("could not read the body: {e}"))
        }
    })?;
    let req: CompletionRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(
            "body",
            format!("the body is not a chat completion request: {e}"),
        )
    })?;
    let names = req.targets()?;
    let chat = req.to_chat()?;
    let plan = gw.router.plan(&names).map_err(|e| ApiError::from(&e))?;
    match gw.store.budget(gw.router.engine().config(), now_ms()) {
        Ok(Budget::Exceeded { spent, cap }) => {
            return Err(ApiError::new(
                402,
                "insufficient_quota",
                "budget_exceeded",
                format!(
                    "this month's budget is spent (${:.2} of ${:.2}); raise [budget] monthly_usd in the config",
                    spent as f64 / 1e6,
                    cap as f64 / 1e6
                ),
            ))
        }
        Err(e) => return Err(ApiError::from(&e)),
        Ok(_) => {}
    }
    let permit = gw.permit(&client)?;
    let (head_tx, head_rx) = oneshot::channel();
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let stream = req.stream;
    tokio::spawn(answer(
        gw.clone(),
        plan,
        chat,
        stream,
        client,
        permit,
        head_tx,
        tx,
    ));
    match head_rx.await {
        Ok(Head::Stream) => {
            // Chunks that are already waiting go out in one write.
            let body = futures_util::stream::unfold(rx, |mut rx| async move {
                let first = rx.recv().await?;
                let mut more = Vec::new();
                while more.len() < 64 * 1024 {
                    match rx.try_recv() {
                        Ok(b) => {
                            if more.is_empty() {
                                more.extend_from_slice(&first);
                            }
                            more.extend_from_slice(&b);
                        }
                        Err(_) => break,
                    }
                }
                let out = if more.is_empty() {
                    first
                } else {
                    Bytes::from(more)
                };
                Some((Ok::<_, Infallible>(out), rx))
            });
            Ok((
                [
                    (header::CONTENT_TYPE, "text/event-stream"),
                    (header::CACHE_CONTROL, "no-cache"),
                ],
                Body::from_stream(body),
            )
                .into_response())
        }
        Ok(Head::Whole(v)) => Ok(axum::Json(v).into_response()),
        Ok(Head::Error(e)) => Err(e),
        Err(_) => Err(ApiError::new(
            500,
            "server_error",
            "gateway_error",
            "the request's task ended without an answer",
        )),
    }
}

fn sse(v: &Value) -> Bytes {
    Bytes::from(format!("data: {v}\n\n"))
}

/// Runs one request through the router, recording it, and feeds the handler: the head, then
/// (streaming) the chunks. Ends as soon as the client is gone, which drops the upstream stream.
#[allow(clippy::too_many_arguments)]
async fn answer(
    gw: Arc<Gateway>,
    plan: Plan,
    chat: ChatRequest,
    streaming: bool,
    client: String,
    _permit: OwnedSemaphorePermit,
    head_tx: oneshot::Sender<Head>,
    tx: mpsc::Sender<Bytes>,
) {
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
    loop {
        let item = {
            let gone = async {
                match head.as_mut() {
                    Some(h) => h.closed().await,
                    None => tx.closed().await,
                }
            };
            tokio::select! {
                item = routed.next() => Some(item),
                _ = gone => None,
            }
        };
        let Some(item) = item else {
            // The client went away: dropping `routed` closes the upstream connection.
            let _ = rec.fail(None);
            return;
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
                    // The hot path: the chunk's fixed parts are written once per answer.
                    let (pre, post) =
                        frame.get_or_insert_with(|| content_frame(&id, created, &model));
                    let text = serde_json::to_string(&t).unwrap_or_default();
                    let mut b = Vec::with_capacity(pre.len() + text.len() + post.len());
                    b.extend_from_slice(pre.as_bytes());
                    b.extend_from_slice(text.as_bytes());
                    b.extend_from_slice(post.as_bytes());
                    if tx.send(Bytes::from(b)).await.is_err() {
                        let _ = rec.fail(None);
                        return;
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
                        if tx.send(sse(&v)).await.is_err() {
                            return;
                        }
                    }
                    let _ = tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
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
                        let _ = tx.send(sse(&v)).await;
                        let _ = tx.send(Bytes::from_static(b"data: [DONE]\n\n")).await;
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
            if tx.send(sse(&v)).await.is_err() {
                let _ = rec.fail(None);
                return;
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
