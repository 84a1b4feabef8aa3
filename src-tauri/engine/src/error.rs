//! The engine's one error type, and the classes a provider failure falls into.
//!
//! Callers (the router, the CLI, the shell) branch on [`ErrorClass`], never on message text.
//! Every message names what happened, to which provider, and what to do; none carries a key.

use std::fmt;
use std::time::Duration;

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of provider failure this is. Serialised in snake_case (`rate_limited`, …): scripts rely
/// on these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// The key was missing, rejected or lacks permission (401, 403, Gemini's `API_KEY_INVALID`).
    Auth,
    /// Too many requests; a retry after the hinted delay can succeed.
    RateLimited,
    /// Credits, quota or a spend cap used up (402, `insufficient_quota`, a daily quota): retrying
    /// the same provider will not help until the user acts.
    QuotaExceeded,
    /// The provider is overloaded (Anthropic 529, 503).
    Overloaded,
    /// The conversation does not fit the model's context window.
    ContextLength,
    /// The provider does not know the model (or the endpoint).
    ModelNotFound,
    /// The provider refused the request as malformed; retrying cannot help.
    BadRequest,
    /// The provider refused the content (moderation, safety block).
    ContentFiltered,
    /// The provider failed internally (5xx, an HTML error page from a proxy or CDN).
    Upstream,
    /// The connection failed or broke (refused, reset, DNS, TLS).
    Network,
    /// A connect, first-token or idle timeout ran out.
    Timeout,
    /// The provider sent data that is not its protocol, or the stream ended early.
    MalformedStream,
    /// The provider answered with a redirect (3xx). It is never followed: a key and a prompt go
    /// only to the provider's own address.
    Redirected,
    /// The model cannot take this kind of input (an image or a PDF for a text-only model): found
    /// before sending from what is known of the model, or from the provider's refusal.
    UnsupportedInput,
}

impl ErrorClass {
    /// The stable snake_case name used in `--json` output and at the IPC boundary.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorClass::Auth => "auth",
            ErrorClass::RateLimited => "rate_limited",
            ErrorClass::QuotaExceeded => "quota_exceeded",
            ErrorClass::Overloaded => "overloaded",
            ErrorClass::ContextLength => "context_length",
            ErrorClass::ModelNotFound => "model_not_found",
            ErrorClass::BadRequest => "bad_request",
            ErrorClass::ContentFiltered => "content_filtered",
            ErrorClass::Upstream => "upstream",
            ErrorClass::Network => "network",
            ErrorClass::Timeout => "timeout",
            ErrorClass::MalformedStream => "malformed_stream",
            ErrorClass::Redirected => "redirected",
            ErrorClass::UnsupportedInput => "unsupported_input",
        }
    }

    /// Whether retrying the same target later could succeed.
    pub fn is_retryable(self) -> bool {
        matches!(
            self,
            ErrorClass::RateLimited
                | ErrorClass::Overloaded
                | ErrorClass::Upstream
                | ErrorClass::Network
                | ErrorClass::Timeout
                | ErrorClass::MalformedStream
        )
    }

    /// A short human label ("rate limited").
    fn label(self) -> &'static str {
        match self {
            ErrorClass::Auth => "authentication failed",
            ErrorClass::RateLimited => "rate limited",
            ErrorClass::QuotaExceeded => "quota or credits used up",
            ErrorClass::Overloaded => "overloaded",
            ErrorClass::ContextLength => "context too long",
            ErrorClass::ModelNotFound => "model not found",
            ErrorClass::BadRequest => "bad request",
            ErrorClass::ContentFiltered => "content refused",
            ErrorClass::Upstream => "provider error",
            ErrorClass::Network => "network error",
            ErrorClass::Timeout => "timed out",
            ErrorClass::MalformedStream => "unreadable response",
            ErrorClass::Redirected => "redirected elsewhere",
            ErrorClass::UnsupportedInput => "cannot take this input",
        }
    }
}

impl fmt::Display for ErrorClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A failure of one request to one provider.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderError {
    /// The provider id (`openai`, `local`, …).
    pub provider: String,
    /// What kind of failure.
    pub class: ErrorClass,
    /// The HTTP status, when the provider answered with one.
    pub status: Option<u16>,
    /// What happened, in one line: the provider's own message where it gave one.
    pub message: String,
    /// How long the provider asked us to wait, when it said.
    pub retry_after: Option<Duration>,
    /// What the user can do about it.
    pub hint: String,
}

impl ProviderError {
    /// A new error with the default hint for its class.
    pub fn new(provider: &str, class: ErrorClass, message: impl Into<String>) -> Self {
        ProviderError {
            provider: provider.to_string(),
            class,
            status: None,
            // Folded but not yet cut: [`ProviderError::seal`] scrubs the key first, then cuts,
            // so a cut can never leave a piece of a key at the end.
            message: one_line(&message.into(), RAW_MESSAGE_CHARS),
            retry_after: None,
            hint: default_hint(provider, class),
        }
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the wait the provider asked for.
    pub fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        if let (Some(wait), ErrorClass::RateLimited) = (wait, self.class) {
            self.hint = format!(
                "wait {} and try again, or add a fallback model with another -m",
                human_duration(wait)
            );
        }
        self
    }

    /// Replaces the hint.
    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = hint.into();
        self
    }

    /// Whether retrying the same target could succeed.
    pub fn is_retryable(&self) -> bool {
        self.class.is_retryable()
    }

    /// Makes the error fit to leave the engine: removes the key from the message (a provider may
    /// echo it back, whole or in part), then cuts the message to [`MESSAGE_CHARS`]. Scrubbing
    /// comes first so that no cut can keep a prefix of the key.
    pub(crate) fn seal(mut self, secret: Option<&str>) -> Self {
        if let Some(secret) = secret {
            self.message = scrub(&self.message, secret);
            self.hint = scrub(&self.hint, secret);
        }
        self.message = one_line(&self.message, MESSAGE_CHARS);
        self
    }
}

impl fmt::Display for ProviderError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} ({}",
            self.provider,
            self.class.label(),
            self.class.as_str()
        )?;
        if let Some(status) = self.status {
            write!(f, ", HTTP {status}")?;
        }
        f.write_str(")")?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        if !self.hint.is_empty() {
            write!(f, " — {}", self.hint)?;
        }
        Ok(())
    }
}

impl std::error::Error for ProviderError {}

/// Everything that can go wrong in the engine.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A provider failed.
    #[error("{0}")]
    Provider(#[from] ProviderError),
    /// The config file is malformed.
    #[error("{file}:{line}:{column}: {field}: {message}")]
    Config {
        /// The config file's path.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// The dotted field path (`providers.local.base_url`).
        field: String,
        /// What is wrong and what is expected.
        message: String,
    },
    /// A model name names a provider that does not exist.
    #[error("unknown provider `{given}` in model `{model}`; providers: {}", known.join(", "))]
    UnknownProvider {
        /// The provider part given.
        given: String,
        /// The whole model string given.
        model: String,
        /// Every provider id that exists.
        known: Vec<String>,
    },
    /// A model name is not of the form `provider/model` or `@route`.
    #[error("invalid model `{given}`: {reason}")]
    InvalidModel {
        /// What was given.
        given: String,
        /// Why it is invalid and what the form is.
        reason: String,
    },
    /// A route `@name` that the config does not define.
    #[error("unknown route `@{name}`; routes in the config: {}", if known.is_empty() { "none".to_string() } else { known.join(", ") })]
    UnknownRoute {
        /// The route name given.
        name: String,
        /// The routes that exist.
        known: Vec<String>,
    },
    /// The request itself is unusable (empty prompt, …).
    #[error("{0}")]
    InvalidRequest(String),
    /// An attached file cannot be used (corrupt, not what its name says, too large, a format no
    /// provider takes): the file's name and what is wrong.
    #[error("{name}: {}", one_line(message, MESSAGE_CHARS))]
    Attachment {
        /// The file's name as the person gave it.
        name: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// A local model (a GGUF file, a download, the models folder) cannot be used: which model or
    /// file, what is wrong and what to do. Nothing half-installed is left behind.
    #[error("{model}: {}", one_line(message, MESSAGE_CHARS))]
    Model {
        /// The model's name, or the file's path.
        model: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// Reading or writing a local file failed.
    #[error("{path}: {source}")]
    Io {
        /// Which file.
        path: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A key store failed.
    #[error("key store: {0}")]
    KeyStore(String),
    /// The database (history, ledger) could not be read or written.
    #[error("the database {path}: {message}")]
    Store {
        /// The database file.
        path: String,
        /// What SQLite said.
        message: String,
    },
    /// A spend limit is reached and the request did not say to send anyway.
    #[error("the budget {rule} is spent (${} of ${} in this window)", crate::money::usd_short(*spent_micros), crate::money::usd_short(*cap_micros))]
    BudgetExceeded {
        /// The rule, as [`crate::config::BudgetRule::label`] names it.
        rule: String,
        /// The spend in the rule's window, in micro-dollars.
        spent_micros: i64,
        /// The rule's limit, in micro-dollars.
        cap_micros: i64,
    },
    /// Something that should not happen did (a bug): named, never a panic.
    #[error("internal error: {0}")]
    Internal(String),
}

/// What kind of failure an [`Error`] is: what every edge (the CLI's exit status, the gateway's
/// HTTP status, the app's IPC error) decides from. Serialised in snake_case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// A provider failed; its class says how.
    Provider,
    /// A spend limit is reached.
    BudgetExceeded,
    /// The config file is wrong (file, line, field).
    Config,
    /// The request is unusable: an unknown model, provider or route, an empty prompt, a
    /// message that is not there.
    BadInput,
    /// The database could not be read or written.
    Store,
    /// A local file could not be read or written.
    Io,
    /// The OS keychain failed.
    Keychain,
    /// A bug.
    Internal,
}

impl ErrorKind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Provider => "provider",
            ErrorKind::BudgetExceeded => "budget_exceeded",
            ErrorKind::Config => "config",
            ErrorKind::BadInput => "bad_input",
            ErrorKind::Store => "store",
            ErrorKind::Io => "io",
            ErrorKind::Keychain => "keychain",
            ErrorKind::Internal => "internal",
        }
    }
}

/// An error as an edge shows it: its kind, its words, and for a provider failure the provider,
/// class, status, wait and hint. The app's IPC error (generated to TypeScript) and the turn's
/// `failed` event carry it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct ErrorView {
    pub kind: ErrorKind,
    /// One line: what happened and what to do.
    pub message: String,
    pub provider: Option<String>,
    pub class: Option<ErrorClass>,
    pub status: Option<u16>,
    pub retry_after_ms: Option<u64>,
    /// A provider failure's own words (without provider, class or hint).
    pub detail: Option<String>,
    /// What the user can do about a provider failure.
    pub hint: Option<String>,
}

impl From<&Error> for ErrorView {
    fn from(e: &Error) -> Self {
        let p = e.as_provider();
        ErrorView {
            kind: e.kind(),
            message: e.to_string(),
            provider: p.map(|p| p.provider.clone()),
            class: p.map(|p| p.class),
            status: p.and_then(|p| p.status),
            retry_after_ms: p.and_then(|p| p.retry_after).map(|d| d.as_millis() as u64),
            detail: p.map(|p| p.message.clone()),
            hint: p.map(|p| p.hint.clone()),
        }
    }
}

impl ErrorView {
    /// A view of a failure found at an edge itself (not an engine error).
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ErrorView {
            kind,
            message: message.into(),
            provider: None,
            class: None,
            status: None,
            retry_after_ms: None,
            detail: None,
            hint: None,
        }
    }

    /// Whether retrying could succeed (a provider failure of a transient class).
    pub fn is_retryable(&self) -> bool {
        self.class.is_some_and(ErrorClass::is_retryable)
    }
}

impl Error {
    /// The provider error inside, if this is one.
    pub fn as_provider(&self) -> Option<&ProviderError> {
        match self {
            Error::Provider(e) => Some(e),
            _ => None,
        }
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::Provider(_) => ErrorKind::Provider,
            Error::BudgetExceeded { .. } => ErrorKind::BudgetExceeded,
            Error::Config { .. } => ErrorKind::Config,
            Error::UnknownProvider { .. }
            | Error::InvalidModel { .. }
            | Error::UnknownRoute { .. }
            | Error::InvalidRequest(_)
            | Error::Attachment { .. }
            | Error::Model { .. } => ErrorKind::BadInput,
            Error::Store { .. } => ErrorKind::Store,
            Error::Io { .. } => ErrorKind::Io,
            Error::KeyStore(_) => ErrorKind::Keychain,
            Error::Internal(_) => ErrorKind::Internal,
        }
    }
}

fn default_hint(provider: &str, class: ErrorClass) -> String {
    let env = crate::names::env_var_names(provider).join(" or ");
    match class {
        ErrorClass::Auth => format!("check the key for `{provider}` ({env})"),
        ErrorClass::RateLimited => "wait and try again, or add a fallback model with another -m".into(),
        ErrorClass::QuotaExceeded => format!("check the billing and limits of your `{provider}` account"),
        ErrorClass::Overloaded => "try again shortly, or add a fallback model with another -m".into(),
        ErrorClass::ContextLength => "shorten the conversation or use a model with a longer context".into(),
        ErrorClass::ModelNotFound => format!(
            "check the model name (`roundtable models --provider {provider}`) and the provider's base_url"
        ),
        ErrorClass::BadRequest => "the request was refused as invalid; check the options sent".into(),
        ErrorClass::ContentFiltered => "the provider refused this content; rephrase or use another model".into(),
        ErrorClass::Upstream => "the provider failed; try again later or add a fallback model".into(),
        ErrorClass::Network => format!("check that `{provider}` is reachable at its base_url"),
        ErrorClass::Timeout => "the provider stopped answering; try again or raise the [router] timeouts".into(),
        ErrorClass::MalformedStream => "the provider sent data Roundtable could not read; try again".into(),
        ErrorClass::Redirected => format!("redirects are not followed; set the provider's final address as the base_url of `{provider}` if you trust it"),
        ErrorClass::UnsupportedInput => "send it to a model that reads images and PDFs, or remove the attachment".into(),
    }
}

/// The longest message an error carries out of the engine, in characters.
pub const MESSAGE_CHARS: usize = 300;
/// The longest message kept before [`ProviderError::seal`] (upstream text, still to be scrubbed).
const RAW_MESSAGE_CHARS: usize = 4096;
/// Any run of this many characters of a key is redacted, wherever it appears.
const KEY_RUN: usize = 8;

/// `text` with every occurrence of `secret` replaced by `<redacted>`, and with every run of
/// [`KEY_RUN`] or more bytes that also appears in `secret` (a key cut short, or quoted in part)
/// replaced as well. A key shorter than that is replaced wherever it appears whole.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        return text.to_string();
    }
    let (hay, key) = (text.as_bytes(), secret.as_bytes());
    let mut hidden = vec![false; hay.len()];
    let window = KEY_RUN.min(key.len());
    let mut seen = std::collections::HashSet::new();
    for start in 0..=key.len() - window {
        let piece = &key[start..start + window];
        if !seen.insert(piece) {
            continue;
        }
        for at in memchr::memmem::find_iter(hay, piece) {
            hidden[at..at + window].iter_mut().for_each(|h| *h = true);
        }
    }
    if !hidden.contains(&true) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut in_run = false;
    for (i, c) in text.char_indices() {
        // A character is hidden if any of its bytes is (a key may hold non-ASCII).
        if hidden[i..i + c.len_utf8()].contains(&true) {
            if !in_run {
                out.push_str("<redacted>");
            }
            in_run = true;
        } else {
            out.push(c);
            in_run = false;
        }
    }
    out
}

/// Folds a message onto one line and cuts it to `max` characters.
pub(crate) fn one_line(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max + 1));
    let mut last_space = false;
    for c in text.trim().chars() {
        let c = if c.is_control() || c.is_whitespace() {
            ' '
        } else {
            c
        };
        if c == ' ' && last_space {
            continue;
        }
        last_space = c == ' ';
        if out.chars().count() >= max {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out
}

/// "512 bytes", "64 KiB", "16 MiB".
pub(crate) fn human_bytes(n: usize) -> String {
    match n {
        n if n >= 1 << 20 && n % (1 << 20) == 0 => format!("{} MiB", n >> 20),
        n if n >= 1 << 10 && n % (1 << 10) == 0 => format!("{} KiB", n >> 10),
        n => format!("{n} bytes"),
    }
}

/// "1.5s", "34s", "2m5s".
pub(crate) fn human_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms < 60_000 {
        let s = d.as_secs_f64();
        if (s - s.round()).abs() < 0.05 {
            format!("{}s", s.round() as u64)
        } else {
            format!("{s:.1}s")
        }
    } else {
        format!("{}m{}s", d.as_secs() / 60, d.as_secs() % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_folds_and_cuts() {
        assert_eq!(one_line("  a\n\n b\tc ", 100), "a b c");
        assert_eq!(one_line("abcdef", 3), "abc…");
    }

    #[test]
    fn display_names_provider_class_status_and_hint() {
        let e = ProviderError::new("openai", ErrorClass::RateLimited, "slow down")
            .with_status(429)
            .with_retry_after(Some(Duration::from_millis(1500)));
        let s = e.to_string();
        assert!(
            s.starts_with("openai: rate limited (rate_limited, HTTP 429): slow down — wait 1.5s"),
            "{s}"
        );
        assert!(!s.contains('\n'));
    }

    #[test]
    fn scrub_removes_the_key() {
        let e = ProviderError::new("x", ErrorClass::Auth, "bad key sk-FAKE-123456")
            .seal(Some("sk-FAKE-123456"));
        assert!(!e.message.contains("sk-FAKE"));
        assert_eq!(e.message, "bad key <redacted>");
    }

    #[test]
    fn a_key_at_the_cut_leaves_no_prefix() {
        let key = "sk-test-FAKE-0123456789abcdefghijklmnop";
        for pad in 240..300 {
            let body = format!("{} invalid key: {key} more text after it", "x".repeat(pad));
            let e = ProviderError::new("p", ErrorClass::Auth, body).seal(Some(key));
            assert!(e.message.chars().count() <= MESSAGE_CHARS + 1, "{pad}");
            // Nothing of the key is left: not even its first characters before the cut.
            assert!(!e.message.contains("sk-t"), "pad {pad}: {}", e.message);
            for run in 0..=key.len() - 8 {
                assert!(!e.message.contains(&key[run..run + 8]), "pad {pad}");
            }
        }
    }

    #[test]
    fn runs_of_a_key_are_redacted() {
        let key = "sk-test-FAKE-0123456789abcdef";
        let text = "first part sk-test-FAKE-01 and last part 456789abcdef and a short 89ab";
        let out = scrub(text, key);
        assert_eq!(
            out,
            "first part <redacted> and last part <redacted> and a short 89ab"
        );
        // A short key is still scrubbed whole, and its hint never shows it.
        assert_eq!(scrub("key abc rejected", "abc"), "key <redacted> rejected");
        assert_eq!(scrub("nothing here", "sk-test-FAKE-0123"), "nothing here");
        // Non-ASCII keys are cut on character boundaries.
        assert_eq!(
            scrub("é=ключ-ключ-ключ!", "ключ-ключ-ключ"),
            "é=<redacted>!"
        );
    }

    #[test]
    fn retryable_classes() {
        assert!(ErrorClass::RateLimited.is_retryable());
        assert!(ErrorClass::Timeout.is_retryable());
        assert!(!ErrorClass::Auth.is_retryable());
        assert!(!ErrorClass::BadRequest.is_retryable());
        assert!(!ErrorClass::QuotaExceeded.is_retryable());
    }
}
