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
            message: one_line(&message.into(), 300),
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

    /// Removes every occurrence of `secret` from the message (a provider may echo a key back).
    pub(crate) fn scrub(mut self, secret: &str) -> Self {
        if secret.len() >= 4 && self.message.contains(secret) {
            self.message = self.message.replace(secret, "<redacted>");
        }
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
}

impl Error {
    /// The provider error inside, if this is one.
    pub fn as_provider(&self) -> Option<&ProviderError> {
        match self {
            Error::Provider(e) => Some(e),
            _ => None,
        }
    }
}

fn default_hint(provider: &str, class: ErrorClass) -> String {
    let env = crate::keys::env_var_names(provider).join(" or ");
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
    }
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
        let e = ProviderError::new("x", ErrorClass::Auth, "bad key sk-fake-123456")
            .scrub("sk-fake-123456");
        assert!(!e.message.contains("sk-fake"));
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
