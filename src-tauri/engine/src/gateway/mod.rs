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
//! all three are checked from the request head, before any byte of the body is read.
//!
//! Limits ([`Limits`]): a deadline and a size cap on each request head, a cap on open
//! connections, a cap on requests in flight for all clients together and a smaller one per client
//! label, a body size cap with its own deadline, and a deadline on the whole request. No endpoint
//! touches a file.
//! Each request lands in the ledger tagged with its client (`X-Title`, else `HTTP-Referer`,
//! else `gateway`); a client that disconnects mid-stream cancels the upstream request and its
//! ledger row says `cancelled`.

mod access;
mod answer;
mod server;
#[cfg(test)]
mod tests;
mod wire;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::OwnedSemaphorePermit;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use futures_util::StreamExt;
use serde_json::{json, Value};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;

use crate::keys::vault::SecretStore;
use crate::pricing::PriceBook;
use crate::router::Router;
use crate::session::Turn;
use crate::store::Store;
use crate::{Error, Result};

use access::Slots;
pub use server::HEAD_BYTES;
pub use wire::ApiError;
use wire::CompletionRequest;

/// The environment variable that sets the token for one process.
pub const TOKEN_ENV: &str = "ROUNDTABLE_GATEWAY_TOKEN";
pub use crate::names::TOKEN_ACCOUNT;

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

/// The gateway's limits.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The largest request body.
    pub body_bytes: usize,
    /// Requests in flight at once per client label (`X-Title`, else `HTTP-Referer`, else
    /// `gateway`). The label is the client's to pick, so this is courtesy; `in_flight` is the cap.
    pub per_client: usize,
    /// Requests in flight at once, all clients together.
    pub in_flight: usize,
    /// Connections open at once; more are answered 503 and closed.
    pub connections: usize,
    /// How long a connection may take to send a request head (an idle keep-alive connection too).
    pub header_read: Duration,
    /// How long a body may take to arrive.
    pub body_read: Duration,
    /// How long a request may take in all, body to last chunk.
    pub request: Duration,
    /// Requests with a body over [`LARGE_BODY`] (images, PDFs) in flight at once: each holds
    /// its body, the decoded files and their fitted copies until it ends.
    pub large_bodies: usize,
}

/// A body over this is a large one (see [`Limits::large_bodies`]).
pub const LARGE_BODY: usize = 4 * 1024 * 1024;

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Room for images and PDFs as data: URLs (a provider takes 20–50 MB per request).
            body_bytes: 32 * 1024 * 1024,
            per_client: 16,
            in_flight: 64,
            connections: 256,
            header_read: Duration::from_secs(10),
            body_read: Duration::from_secs(30),
            request: Duration::from_secs(15 * 60),
            large_bodies: 4,
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
    slots: Arc<Slots>,
    large: Arc<tokio::sync::Semaphore>,
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
            slots: Slots::new(limits.in_flight, limits.per_client),
            large: Arc::new(tokio::sync::Semaphore::new(limits.large_bodies.max(1))),
            limits,
        })
    }

    /// The HTTP service.
    pub fn app(self: &Arc<Self>) -> axum::Router {
        axum::Router::new()
            .route("/v1/chat/completions", post(completions))
            .route("/v1/models", get(models))
            .fallback(not_found)
            .with_state(self.clone())
    }

    /// Serves on `listener` until `shutdown` resolves, then waits up to 5 s for the requests in
    /// flight.
    pub async fn serve(
        self: &Arc<Self>,
        listener: tokio::net::TcpListener,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        server::serve(self, listener, shutdown).await
    }

    /// Checks who is asking, from the head alone. Returns the client's label.
    fn admit(&self, headers: &HeaderMap) -> std::result::Result<String, ApiError> {
        access::admit(headers, &self.token, self.loopback)
    }

    /// The client labels with a request in flight (the label table's size).
    pub fn labels_in_flight(&self) -> usize {
        self.slots.labels()
    }
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
    // Listing asks every provider, so it takes a slot like a chat does.
    let _slot = match gw.admit(&headers).and_then(|client| gw.slots.take(&client)) {
        Ok(slot) => slot,
        Err(e) => return e.into_response(),
    };
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
async fn completions(State(gw): State<Arc<Gateway>>, request: Request) -> Response {
    match start(&gw, request).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    }
}

/// Checks the head, takes a slot, and only then reads the body (capped, with a deadline).
async fn start(gw: &Arc<Gateway>, request: Request) -> std::result::Result<Response, ApiError> {
    let deadline = Instant::now() + gw.limits.request;
    let (parts, body) = request.into_parts();
    let client = gw.admit(&parts.headers)?;
    let slot = gw.slots.take(&client)?;
    let (body, large) = read_body(
        body,
        &parts.headers,
        gw.limits.body_bytes,
        &gw.large,
        deadline.min(Instant::now() + gw.limits.body_read),
    )
    .await?;
    let req: CompletionRequest = serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(
            "body",
            format!("the body is not a chat completion request: {e}"),
        )
    })?;
    let names = req.targets()?;
    // Decoding base64 and reading image headers is CPU work: off the async threads.
    let (req, chat) = tokio::task::spawn_blocking(move || {
        let chat = req.to_chat();
        (req, chat)
    })
    .await
    .map_err(|e| {
        ApiError::new(
            500,
            "server_error",
            "internal",
            format!("reading the request failed: {e}"),
        )
    })?;
    let chat = chat?;
    let plan = gw.router.plan(&names).map_err(|e| ApiError::from(&e))?;
    let turn = Turn::for_ledger(&gw.router, &gw.store, plan, chat, &client)
        .map_err(|e| ApiError::from(&e))?;
    let (head_tx, head_rx) = oneshot::channel();
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let stream = req.stream;
    tokio::spawn(answer::answer(
        gw.clone(),
        answer::Job {
            turn,
            streaming: stream,
            deadline,
            _slot: slot,
            _large: large,
        },
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

/// Reads a body of at most `cap` bytes by `deadline`: 413 over the cap (at once when
/// `Content-Length` says so), 408 past the deadline.
async fn read_body(
    body: Body,
    headers: &HeaderMap,
    cap: usize,
    large: &Arc<tokio::sync::Semaphore>,
    deadline: Instant,
) -> std::result::Result<(Bytes, Option<OwnedSemaphorePermit>), ApiError> {
    let too_large = || {
        ApiError::new(
            413,
            "invalid_request_error",
            "request_too_large",
            format!("the body is over the gateway's limit of {cap} bytes"),
        )
    };
    // A large body takes one of the few places for large bodies first (or is refused, 503).
    let large_place = || {
        large.clone().try_acquire_owned().map_err(|_| {
            let mut e = ApiError::new(
                503,
                "server_error",
                "gateway_busy",
                format!(
                    "the gateway is reading as many large requests (over {} MiB: images, files) as it takes at once; retry shortly",
                    LARGE_BODY / (1024 * 1024)
                ),
            );
            e.retry_after_s = Some(1);
            e
        })
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut place = None;
    if declared.is_some_and(|n| n > LARGE_BODY as u64) {
        place = Some(large_place()?);
    }
    let mut data = Vec::with_capacity(declared.map_or(0, |n| (n as usize).min(LARGE_BODY)));
    let mut stream = body.into_data_stream();
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => {
                return Err(ApiError::new(
                    408,
                    "invalid_request_error",
                    "request_timeout",
                    "the body did not arrive in time: send it at once after the head",
                ))
            }
            Ok(None) => return Ok((Bytes::from(data), place)),
            Ok(Some(Err(e))) => {
                return Err(ApiError::invalid(
                    "body",
                    format!("could not read the body: {e}"),
                ))
            }
            Ok(Some(Ok(piece))) => {
                if data.len() + piece.len() > cap {
                    return Err(too_large());
                }
                if place.is_none() && data.len() + piece.len() > LARGE_BODY {
                    place = Some(large_place()?);
                }
                data.extend_from_slice(&piece);
            }
        }
    }
}
