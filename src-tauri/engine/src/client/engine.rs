//! [`Engine`]: resolves `provider/model` names, attaches keys, sends requests on one shared HTTP
//! client, and hands back streams or whole answers.
//!
//! It sends one request to one target; choosing among targets (fallbacks, retries) is the
//! router's job, recording history is the store's.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::{HeaderName, HeaderValue};
use tokio::time::Instant;

use crate::attach::send::{self, Capabilities, Inputs, Prepared};
use crate::chat::{ChatRequest, ChatResponse};
use crate::client::{ChatStream, StreamTimeouts};
use crate::config::Config;
use crate::config::{ProviderKind, Registry};
use crate::error::{human_duration, Error, ErrorClass, ProviderError, Result};
use crate::keys::{ApiKey, KeyLookup, KeySource};
use crate::models::ModelInfo;
use crate::providers::framing::Framer;
use crate::providers::{self, errors, Provider, WireRequest};

/// One model at one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    /// The provider.
    pub provider: Arc<Provider>,
    /// The model name passed upstream as is.
    pub model: String,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.provider.id, self.model)
    }
}

/// The most of an error body that is read.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// The engine. Cheap to share behind an `Arc`; all methods take `&self`.
pub struct Engine {
    config: Config,
    registry: Registry,
    keys: Arc<dyn KeyLookup>,
    http: reqwest::Client,
    capabilities: Capabilities,
}

impl Engine {
    /// Builds an engine from a config and a key lookup.
    pub fn new(config: Config, keys: Arc<dyn KeyLookup>) -> Result<Engine> {
        let registry = Registry::new(&config)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_millis(config.router.connect_timeout_ms))
            // A redirect is never followed: reqwest strips `Authorization` on a cross-origin
            // hop but not `x-api-key`, `x-goog-api-key` or a config's extra headers, and the
            // prompt would go along in any case. A 3xx is an error of its own class instead.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("roundtable/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::InvalidRequest(format!("could not set up the HTTP client: {e}")))?;
        Ok(Engine {
            config,
            registry,
            keys,
            http,
            capabilities: Capabilities::default(),
        })
    }

    /// What is known of which models read images and PDFs.
    pub fn capabilities(&self) -> &Capabilities {
        &self.capabilities
    }

    /// `req` made fit for `target` when it carries attachments (images resized, PDFs as text
    /// where they cannot go as PDFs: see [`send::prepare`]); `None` when it goes as it is. A
    /// model known to read no images is refused here, class `unsupported_input`.
    pub async fn prepare(&self, target: &Target, req: &ChatRequest) -> Result<Option<Prepared>> {
        let attachments = req.messages.iter().any(|m| m.has_attachments());
        if !attachments && req.tools.is_empty() {
            return Ok(None);
        }
        let provider = target.provider.clone();
        let name = target.to_string();
        let images = req.messages.iter().any(|m| {
            m.parts
                .iter()
                .any(|p| matches!(p, crate::chat::Part::Image(_)))
        });
        if provider.kind == ProviderKind::Ollama && (images || !req.tools.is_empty()) {
            self.learn_from_ollama(target).await;
        }
        let inputs = self.capabilities.of(provider.kind, &name, &target.model);
        send::check(req, &provider.id, &name, inputs)?;
        if !attachments {
            return Ok(None);
        }
        let req = req.clone();
        let prepared = tokio::task::spawn_blocking(move || {
            send::prepare(&req, &provider.id, provider.kind, inputs)
        })
        .await
        .map_err(|e| Error::Internal(format!("preparing attachments failed: {e}")))??;
        Ok(Some(prepared))
    }

    /// What Ollama says a model reads (`/api/show` → `capabilities`, `vision` among them or
    /// not), asked once per model; nothing is learned when it does not answer within 3 s.
    async fn learn_from_ollama(&self, target: &Target) {
        let name = target.to_string();
        if self.capabilities.knows(&name) {
            return;
        }
        let provider = &target.provider;
        let show = self.fetch_whole(provider, |key| {
            Ok(WireRequest {
                url: provider.url("/api/show"),
                headers: providers::bearer(key),
                body: Some(serde_json::json!({"model": target.model})),
            })
        });
        let Ok(Ok(w)) = tokio::time::timeout(Duration::from_secs(3), show).await else {
            return;
        };
        let shown: serde_json::Value = serde_json::from_slice(&w.body).unwrap_or_default();
        if let Some(list) = shown["capabilities"].as_array() {
            let mut words: Vec<&str> = list.iter().filter_map(|c| c.as_str()).collect();
            // Ollama lists every capability a model has: no `tools` means none.
            if !words.contains(&"tools") {
                words.push("no_tools");
            }
            self.capabilities
                .learn(&name, Inputs::from_modalities(&words));
        }
    }

    /// The config in force.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Every provider.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Resolves `provider/model` to a target.
    pub fn resolve(&self, name: &str) -> Result<Target> {
        check_model_name(name)?;
        let name = name.trim();
        let known = || self.registry.ids();
        if name.is_empty() {
            return Err(Error::InvalidModel {
                given: name.into(),
                reason: "the model name is empty; use provider/model, e.g. openai/gpt-4o".into(),
            });
        }
        if let Some(route) = name.strip_prefix('@') {
            return Err(if self.config.routes.contains_key(route) {
                Error::InvalidModel {
                    given: name.into(),
                    reason: "routes are run by the router; call it with this route".into(),
                }
            } else {
                Error::UnknownRoute {
                    name: route.into(),
                    known: self.config.routes.keys().cloned().collect(),
                }
            });
        }
        let Some((provider_id, model)) = name.split_once('/') else {
            return Err(Error::InvalidModel {
                given: name.into(),
                reason: format!(
                    "name the provider first, as provider/{name}; providers: {}",
                    known().join(", ")
                ),
            });
        };
        let provider = self
            .registry
            .get(provider_id)
            .ok_or_else(|| Error::UnknownProvider {
                given: provider_id.into(),
                model: name.into(),
                known: known(),
            })?;
        if model.trim().is_empty() {
            return Err(Error::InvalidModel {
                given: name.into(),
                reason: format!("no model after `{provider_id}/`"),
            });
        }
        if !provider.enabled {
            return Err(Error::InvalidModel {
                given: name.into(),
                reason: format!(
                    "provider `{provider_id}` is disabled in {}",
                    self.config_path()
                ),
            });
        }
        Ok(Target {
            provider: provider.clone(),
            model: model.to_string(),
        })
    }

    /// Whether a key for this provider can be found (keychain or environment).
    pub fn has_key(&self, provider_id: &str) -> bool {
        self.keys.lookup(provider_id).ok().flatten().is_some()
    }

    fn config_path(&self) -> String {
        self.config
            .path
            .as_ref()
            .map_or_else(|| "config.toml".into(), |p| p.display().to_string())
    }

    /// The key for a provider: an error if it needs one and has none, or if its key is bound to
    /// another origin than the one the provider now points to.
    fn key_for(&self, provider: &Provider) -> Result<Option<ApiKey>> {
        let key = self.keys.lookup(&provider.id)?;
        if let Some(bound) = key.as_ref().and_then(|k| k.origin.as_deref()) {
            let now = crate::keys::vault::origin_of(provider);
            if bound != now {
                return Err(ProviderError::new(
                    &provider.id,
                    ErrorClass::Auth,
                    format!("the key in the keychain is bound to {bound}, but `{}` now points to {now}; the key was not sent", provider.id),
                )
                .with_hint(format!("if {now} is right, confirm it by saving the key again: `roundtable keys set {}`", provider.id))
                .into());
            }
        }
        if key.is_none() && provider.needs_key {
            let vars = crate::keys::env_var_names(&provider.id).join(" or ");
            let mut hint = format!(
                "add one with `roundtable keys set {}`, or set {vars}",
                provider.id
            );
            if let Some(note) = self.keys.note() {
                hint.push_str(&format!(" ({note})"));
            }
            return Err(
                ProviderError::new(&provider.id, ErrorClass::Auth, "no API key is set")
                    .with_hint(hint)
                    .into(),
            );
        }
        Ok(key)
    }

    fn timeouts(&self) -> (Duration, Duration) {
        let r = &self.config.router;
        (
            Duration::from_millis(r.first_token_timeout_ms),
            Duration::from_millis(r.idle_timeout_ms),
        )
    }

    /// The limits on one answer's body, counted from `sent`.
    fn limits(&self, sent: Instant) -> BodyLimits {
        let r = &self.config.router;
        BodyLimits {
            max_bytes: usize::try_from(r.max_answer_bytes).unwrap_or(usize::MAX),
            max_event: usize::try_from(r.max_event_bytes).unwrap_or(usize::MAX),
            deadline: sent + Duration::from_millis(r.answer_timeout_ms),
            answer_timeout: Duration::from_millis(r.answer_timeout_ms),
        }
    }

    /// Sends a request and waits for its headers until `deadline`; a non-2xx answer is read and
    /// classified.
    async fn send(
        &self,
        provider: &Provider,
        key: Option<&ApiKey>,
        wire: WireRequest,
        deadline: Instant,
    ) -> Result<reqwest::Response> {
        let secret = key.map(|k| k.secret.expose().as_str());
        check_origin(provider, key, &wire.url)?;
        let mut rb = match &wire.body {
            Some(body) => self.http.post(wire.url.clone()).json(body),
            None => self.http.get(wire.url.clone()),
        };
        for (name, value, sensitive) in &wire.headers {
            let mut v = HeaderValue::from_str(value).map_err(|_| {
                ProviderError::new(
                    &provider.id,
                    ErrorClass::Auth,
                    "the key holds characters that cannot be sent in a header",
                )
            })?;
            v.set_sensitive(*sensitive);
            rb = rb.header(*name, v);
        }
        for (name, value) in &provider.headers {
            let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) else {
                return Err(ProviderError::new(
                    &provider.id,
                    ErrorClass::BadRequest,
                    format!("the configured header `{name}` is invalid"),
                )
                .with_hint(format!(
                    "fix providers.{}.headers in {}",
                    provider.id,
                    self.config_path()
                ))
                .into());
            };
            rb = rb.header(n, v);
        }
        tracing::debug!(provider = %provider.id, url = %wire.url, "sending request");
        let started = Instant::now();
        let response = match tokio::time::timeout_at(deadline, rb.send()).await {
            Err(_) => {
                let waited = human_duration(
                    deadline
                        .saturating_duration_since(started)
                        .max(Duration::from_millis(1)),
                );
                return Err(ProviderError::new(
                    &provider.id,
                    ErrorClass::Timeout,
                    format!("no response within {waited}"),
                )
                .into());
            }
            Ok(Err(e)) => return Err(network_error(provider, &e).into()),
            Ok(Ok(r)) => r,
        };
        let status = response.status();
        tracing::debug!(provider = %provider.id, status = status.as_u16(), "response headers");
        if status.is_success() {
            return Ok(response);
        }
        if status.is_redirection() {
            return Err(redirect_error(provider, &response).into());
        }
        let headers = response.headers().clone();
        let (_, idle) = self.timeouts();
        let body = read_capped(response, MAX_ERROR_BODY, idle).await;
        let err = errors::from_response(
            provider.kind,
            &provider.id,
            status.as_u16(),
            &headers,
            &body,
        );
        let err = err.seal(secret);
        Err(match (err.class, key) {
            (ErrorClass::Auth, Some(k)) => {
                let from = match &k.source {
                    KeySource::Env(var) => format!("the key from ${var}"),
                    KeySource::Keychain => "the key in the keychain".into(),
                    KeySource::Memory => "the key given".into(),
                };
                let hint = format!(
                    "{from} was rejected by `{}`; check or replace it",
                    provider.id
                );
                err.with_hint(hint).into()
            }
            _ => err.into(),
        })
    }

    /// Starts a streamed answer from `target`.
    pub async fn stream(&self, target: &Target, req: &ChatRequest) -> Result<ChatStream> {
        check_request(req)?;
        let provider = &target.provider;
        if provider.kind == ProviderKind::Local {
            return self.stream_local(target, req);
        }
        let key = self.key_for(provider)?;
        let (first_token, idle) = self.timeouts();
        let sent = Instant::now();
        let limits = self.limits(sent);
        let deadline = (sent + first_token).min(limits.deadline);
        let secret = key.as_ref().map(|k| k.secret.expose().clone());
        let wire = providers::chat_request(provider, secret.as_deref(), &target.model, req, true)?;
        let response = self.send(provider, key.as_ref(), wire, deadline).await?;
        if is_html(&response) {
            let body = read_capped(response, MAX_ERROR_BODY, idle).await;
            let err = html_instead_of_stream(provider, &body).seal(secret.as_deref());
            return Err(err.into());
        }
        let body = Box::pin(response.bytes_stream());
        let timeouts = StreamTimeouts {
            first_token_deadline: deadline,
            idle,
            first_token,
            answer_deadline: limits.deadline,
            answer_timeout: limits.answer_timeout,
        };
        Ok(ChatStream::new(
            body,
            Framer::new(providers::framing(provider.kind), limits.max_event),
            providers::decoder(provider),
            provider.id.clone(),
            secret,
            timeouts,
            limits.max_bytes,
        ))
    }

    /// A built-in local model's answer: queued on the model's worker thread (loaded first if it
    /// is not), read as a stream under the idle and answer deadlines.
    fn stream_local(&self, target: &Target, req: &ChatRequest) -> Result<ChatStream> {
        let provider = &target.provider;
        let path = self.local_path(&target.model)?;
        let plain = providers::tools::history_as_text(req);
        let req = plain.unwrap_or_else(|| req.clone());
        if !req.tools.is_empty() {
            return Err(ProviderError::new(
                &provider.id,
                ErrorClass::UnsupportedInput,
                format!("local/{} cannot call tools", target.model),
            )
            .with_hint("choose a cloud or Ollama model for tools")
            .into());
        }
        let events = crate::local::runtime::start(&path, &target.model, req, &self.config.local)?;
        let (_, idle) = self.timeouts();
        let limits = self.limits(Instant::now());
        let timeouts = StreamTimeouts {
            // Waiting in the model's queue and loading it count against the whole answer only.
            first_token_deadline: limits.deadline,
            idle,
            first_token: limits.answer_timeout,
            answer_deadline: limits.deadline,
            answer_timeout: limits.answer_timeout,
        };
        Ok(ChatStream::local(events, provider.id.clone(), timeouts))
    }

    /// The file of local model `name`: an error naming the models there are when it is absent.
    /// The file of the local model `name` (`local/NAME`); an error says which are installed.
    pub fn local_path(&self, name: &str) -> Result<std::path::PathBuf> {
        let not_found = |message: String| -> Error {
            ProviderError::new(crate::local::PROVIDER, ErrorClass::ModelNotFound, message)
                .with_hint("list them with `roundtable models list`; get one with `roundtable models pull smollm2-135m`")
                .into()
        };
        let Some(dir) = self.config.models_dir() else {
            return Err(not_found(format!(
                "local/{name}: this engine has no data dir, so no local models"
            )));
        };
        if crate::local::library::check_name(name).is_err() {
            return Err(not_found(format!("local/{name}: not a local model name")));
        }
        let library = crate::local::library::Library::new(dir);
        let path = library.path_of(name);
        if path.is_file() {
            return Ok(path);
        }
        let have = library
            .list()
            .map(|l| l.into_iter().map(|m| m.name).collect::<Vec<_>>())
            .unwrap_or_default();
        Err(not_found(if have.is_empty() {
            format!("local/{name} is not installed, and no local model is")
        } else {
            format!(
                "local/{name} is not installed; installed: {}",
                have.join(", ")
            )
        }))
    }

    /// The model a chat uses when none is named: `[defaults] model`, else the first local model
    /// on disk (`local/NAME`); `None` when there is neither.
    pub fn default_model(&self) -> Option<String> {
        if let Some(m) = self
            .config
            .defaults
            .model
            .as_ref()
            .filter(|m| !m.trim().is_empty())
        {
            return Some(m.trim().to_string());
        }
        let dir = self.config.models_dir()?;
        let local = self.registry.get(crate::local::PROVIDER)?;
        if !local.enabled || local.kind != ProviderKind::Local {
            return None;
        }
        let models = crate::local::library::Library::new(dir).list().ok()?;
        models
            .into_iter()
            .next()
            .map(|m| format!("{}/{}", crate::local::PROVIDER, m.name))
    }

    /// A whole answer from `target`, without streaming.
    pub async fn complete(&self, target: &Target, req: &ChatRequest) -> Result<ChatResponse> {
        check_request(req)?;
        let provider = &target.provider;
        if provider.kind == ProviderKind::Local {
            let mut stream = self.stream_local(target, req)?;
            let mut events = Vec::new();
            while let Some(event) = stream.next().await {
                events.push(event?);
            }
            return ChatResponse::from_events(events)
                .ok_or_else(|| errors::malformed(&provider.id, "the answer had no end").into());
        }
        let w = self
            .fetch_whole(provider, |key| {
                providers::chat_request(provider, key, &target.model, req, false)
            })
            .await?;
        if w.html {
            return Err(w.seal(html_instead_of_stream(provider, &w.body)));
        }
        let mut events = VecDeque::new();
        providers::decode_whole(provider, &w.body, &mut events).map_err(|e| w.seal(e))?;
        ChatResponse::from_events(events)
            .ok_or_else(|| w.seal(errors::malformed(&provider.id, "the answer had no end")))
    }

    /// The models a provider offers, asked live.
    pub async fn list_models(&self, provider_id: &str) -> Result<Vec<ModelInfo>> {
        let provider = self
            .registry
            .get(provider_id)
            .ok_or_else(|| Error::UnknownProvider {
                given: provider_id.into(),
                model: provider_id.into(),
                known: self.registry.ids(),
            })?;
        if provider.kind == ProviderKind::Local {
            return Ok(self.local_models(provider));
        }
        let w = self
            .fetch_whole(provider, |key| Ok(providers::models_request(provider, key)))
            .await?;
        let mut models = providers::parse_models(provider, &w.body).map_err(|e| w.seal(e))?;
        models.sort_by(|a, b| a.id.cmp(&b.id));
        for m in &models {
            if let Some(inputs) = &m.inputs {
                self.capabilities
                    .learn(&m.id, Inputs::from_modalities(inputs));
            }
        }
        Ok(models)
    }

    /// Sends the request `wire` builds (given the key) and reads its whole answer: the head
    /// under the first-token deadline, the body under the answer's size cap and deadline.
    async fn fetch_whole(
        &self,
        provider: &Provider,
        wire: impl FnOnce(Option<&str>) -> Result<WireRequest, ProviderError>,
    ) -> Result<WholeBody> {
        let key = self.key_for(provider)?;
        let (first_token, idle) = self.timeouts();
        let secret = key.as_ref().map(|k| k.secret.expose().clone());
        let wire = wire(secret.as_deref())?;
        let sent = Instant::now();
        let limits = self.limits(sent);
        let deadline = (sent + first_token).min(limits.deadline);
        let response = self.send(provider, key.as_ref(), wire, deadline).await?;
        let html = is_html(&response);
        let body = read_all(provider, response, idle, &limits)
            .await
            .map_err(|e| Error::from(e.seal(secret.as_deref())))?;
        Ok(WholeBody { body, html, secret })
    }

    /// The local models on disk, as a model list (free: priced at 0).
    fn local_models(&self, provider: &Provider) -> Vec<ModelInfo> {
        let Some(dir) = self.config.models_dir() else {
            return Vec::new();
        };
        let list = crate::local::library::Library::new(dir)
            .list()
            .unwrap_or_default();
        list.into_iter()
            .map(|m| ModelInfo {
                id: format!("{}/{}", provider.id, m.name),
                name: m.info.name.clone(),
                context_length: m.info.context_length,
                pricing: Some(crate::models::Pricing {
                    input: 0.0,
                    output: 0.0,
                    cache_read: None,
                    cache_write: None,
                }),
                inputs: Some(vec!["text".into()]),
            })
            .collect()
    }

    /// The models of every enabled provider that has a key (or needs none), asked at once;
    /// providers that fail or take longer than `limit` are left out.
    pub async fn reachable_models(&self, limit: Duration) -> Vec<(String, Vec<ModelInfo>)> {
        let usable = self
            .registry
            .all()
            .filter(|p| p.enabled && (!p.needs_key || self.has_key(&p.id)));
        let lists = futures_util::future::join_all(usable.map(|p| async move {
            let list = tokio::time::timeout(limit, self.list_models(&p.id)).await;
            list.ok().and_then(Result::ok).map(|m| (p.id.clone(), m))
        }))
        .await;
        lists.into_iter().flatten().collect()
    }
}

/// The longest model name (`provider/model` or `@route`) accepted, in bytes.
pub(crate) const MODEL_NAME_BYTES: usize = 256;

/// Refuses a model name over [`MODEL_NAME_BYTES`]; the error shows its start only.
pub(crate) fn check_model_name(name: &str) -> Result<()> {
    if name.len() <= MODEL_NAME_BYTES {
        return Ok(());
    }
    let mut cut = 40;
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    Err(Error::InvalidModel {
        given: format!("{}…", &name[..cut]),
        reason: format!(
            "the name is {} bytes; model names are at most {MODEL_NAME_BYTES} bytes",
            name.len()
        ),
    })
}

fn check_request(req: &ChatRequest) -> Result<()> {
    match req.messages.last() {
        None => Err(Error::InvalidRequest(
            "the conversation is empty: give a prompt".into(),
        )),
        // A message of tool results is a prompt too (a tool loop's next model call).
        Some(m)
            if m.text().trim().is_empty()
                && !m.has_attachments()
                && !m
                    .parts
                    .iter()
                    .any(|p| matches!(p, crate::chat::Part::ToolResult(_))) =>
        {
            Err(Error::InvalidRequest(
                "the prompt is empty: give a message to send".into(),
            ))
        }
        Some(_) => {
            let unloaded = req
                .messages
                .iter()
                .flat_map(|m| m.parts.iter().filter_map(crate::chat::Part::attachment))
                .find(|a| !a.prepared || (a.data.is_none() && a.url.is_none()));
            match unloaded {
                Some(a) => Err(Error::Internal(format!(
                    "{} was not prepared for sending (Engine::prepare)",
                    a.name
                ))),
                None => Ok(()),
            }
        }
    }
}

/// A whole answer's body, whether it was an HTML page, and the key to scrub its errors of.
struct WholeBody {
    body: Vec<u8>,
    html: bool,
    secret: Option<String>,
}

impl WholeBody {
    /// An error about this body, fit to leave the engine.
    fn seal(&self, e: ProviderError) -> Error {
        e.seal(self.secret.as_deref()).into()
    }
}

/// Limits on one answer's body.
struct BodyLimits {
    /// The most bytes read.
    max_bytes: usize,
    /// The most bytes of one stream line or event.
    max_event: usize,
    /// When the whole answer must have arrived.
    deadline: Instant,
    /// The configured answer timeout, for messages.
    answer_timeout: Duration,
}

/// The request about to be sent goes to the provider's own origin, and a key bound to an origin
/// goes only there. Checked on the URL actually sent, not only on the configured `base_url`.
fn check_origin(provider: &Provider, key: Option<&ApiKey>, url: &url::Url) -> Result<()> {
    let sending_to = url.origin().ascii_serialization();
    let own = crate::keys::vault::origin_of(provider);
    let bound = key.and_then(|k| k.origin.as_deref()).unwrap_or(&own);
    if sending_to != own || sending_to != bound {
        return Err(ProviderError::new(
            &provider.id,
            ErrorClass::Auth,
            format!("a request for `{}` would have gone to {sending_to}, not to {bound}; nothing was sent", provider.id),
        )
        .into());
    }
    Ok(())
}

/// A 3xx answer: named with its status and the host it pointed to, never followed.
fn redirect_error(provider: &Provider, response: &reqwest::Response) -> ProviderError {
    let status = response.status().as_u16();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // Only the host is named: a Location may carry a path or a query the user need not see.
    let to = response
        .url()
        .join(location)
        .ok()
        .map(|u| u.origin().ascii_serialization())
        .filter(|o| o != "null")
        .unwrap_or_else(|| "an address it did not give".to_string());
    ProviderError::new(
        &provider.id,
        ErrorClass::Redirected,
        format!(
            "the provider answered HTTP {status}, a redirect to {to}; it was not followed, so neither the key nor the prompt went there"
        ),
    )
    .with_status(status)
}

fn is_html(response: &reqwest::Response) -> bool {
    response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("text/html"))
}

fn html_instead_of_stream(provider: &Provider, body: &[u8]) -> ProviderError {
    let mut e = errors::from_response(provider.kind, &provider.id, 502, &Default::default(), body);
    e.class = ErrorClass::MalformedStream;
    e.status = Some(200);
    e.with_hint(format!(
        "check the base_url of `{}` ({})",
        provider.id, provider.base_url
    ))
}

/// A network failure, described without the request's headers.
fn network_error(provider: &Provider, e: &reqwest::Error) -> ProviderError {
    let origin = provider.base_url.origin().ascii_serialization();
    let what = if e.is_connect() {
        format!("could not connect to {origin}")
    } else {
        format!("the request to {origin} failed")
    };
    ProviderError::new(
        &provider.id,
        ErrorClass::Network,
        format!("{what} ({})", providers::describe_reqwest(e)),
    )
}

/// Reads at most `cap` bytes of a body; a stall or failure ends the read with what came.
async fn read_capped(response: reqwest::Response, cap: usize, idle: Duration) -> Vec<u8> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    while let Ok(Some(Ok(chunk))) = tokio::time::timeout(idle, stream.next()).await {
        body.extend_from_slice(&chunk[..chunk.len().min(cap - body.len())]);
        if body.len() >= cap {
            break;
        }
    }
    body
}

/// Reads a whole body with the idle timeout between chunks, the answer's deadline and its size
/// cap.
async fn read_all(
    provider: &Provider,
    response: reqwest::Response,
    idle: Duration,
    limits: &BodyLimits,
) -> Result<Vec<u8>, ProviderError> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    loop {
        let wait = (Instant::now() + idle).min(limits.deadline);
        match tokio::time::timeout_at(wait, stream.next()).await {
            Err(_) if Instant::now() >= limits.deadline => {
                return Err(ProviderError::new(
                    &provider.id,
                    ErrorClass::Timeout,
                    format!(
                        "the answer took longer than {} (answer_timeout_ms in [router])",
                        human_duration(limits.answer_timeout)
                    ),
                ))
            }
            Err(_) => {
                return Err(ProviderError::new(
                    &provider.id,
                    ErrorClass::Timeout,
                    format!("the answer stalled: no data for {}", human_duration(idle)),
                ))
            }
            Ok(None) => return Ok(body),
            Ok(Some(Err(e))) => {
                return Err(ProviderError::new(
                    &provider.id,
                    ErrorClass::Network,
                    format!(
                        "the connection broke while reading the answer ({})",
                        providers::describe_reqwest(&e)
                    ),
                ))
            }
            Ok(Some(Ok(chunk))) => {
                if body.len() + chunk.len() > limits.max_bytes {
                    return Err(super::too_large(&provider.id, limits.max_bytes));
                }
                body.extend_from_slice(&chunk);
            }
        }
    }
}
