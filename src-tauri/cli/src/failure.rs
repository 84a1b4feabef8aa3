//! How the CLI fails: one line on stderr naming what went wrong and what to do, an `error` event
//! under `--json`, and an exit status by the error's kind — the CLI's one mapping of errors.

use roundtable_engine::error::{ErrorKind, ErrorView};
use roundtable_engine::Error;
use serde_json::json;

/// Exit status for provider failures.
pub const EXIT_PROVIDER: i32 = 1;
/// Exit status for bad input: usage, config, model names, an empty prompt.
pub const EXIT_INPUT: i32 = 2;
/// Exit status of an evaluation whose cells did not all pass.
pub const EXIT_CHECKS: i32 = 3;
/// Exit status after Ctrl-C.
pub const EXIT_INTERRUPTED: i32 = 130;

/// A failure of a command.
#[derive(Debug)]
pub enum Failure {
    /// An engine error.
    Engine(Error),
    /// A turn failed (as the driver reported it), maybe after part of it was shown.
    Turn {
        /// What failed.
        error: ErrorView,
        /// Whether part of the answer had been delivered.
        partial: bool,
    },
    /// Bad input found by the CLI itself.
    Input(String),
    /// The user pressed Ctrl-C.
    Interrupted,
    /// Writing the output failed (a closed pipe): nothing more to say.
    Output,
    /// Some columns of a compare failed (each already reported as an event): one line each.
    Columns(Vec<String>),
    /// An evaluation ran, and some of its cells failed their checks (or got no answer).
    Checks(String),
    /// A spend limit stopped an evaluation (what was done is kept).
    Budget(String),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Engine(e)
    }
}

/// The exit status of an error's kind.
fn exit_of(kind: ErrorKind) -> i32 {
    match kind {
        ErrorKind::Config | ErrorKind::BadInput => EXIT_INPUT,
        ErrorKind::Provider
        | ErrorKind::BudgetExceeded
        | ErrorKind::Store
        | ErrorKind::Io
        | ErrorKind::Keychain
        | ErrorKind::Internal => EXIT_PROVIDER,
    }
}

/// What the CLI adds to an error of a kind: how to act on it here.
fn advice(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::BudgetExceeded => {
            "; raise or remove the rule ([[budgets]] or [budget] in config.toml), or add --over-budget to send anyway"
        }
        _ => "",
    }
}

impl Failure {
    /// The exit status.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Engine(e) => exit_of(e.kind()),
            Failure::Turn { error, .. } => exit_of(error.kind),
            Failure::Input(_) => EXIT_INPUT,
            Failure::Interrupted => EXIT_INTERRUPTED,
            Failure::Output | Failure::Columns(_) | Failure::Budget(_) => EXIT_PROVIDER,
            Failure::Checks(_) => EXIT_CHECKS,
        }
    }

    /// The one line for stderr.
    pub fn line(&self) -> String {
        match self {
            Failure::Engine(e) => format!("{e}{}", advice(e.kind())),
            Failure::Turn { error, .. } => format!("{}{}", error.message, advice(error.kind)),
            Failure::Input(m) => m.clone(),
            Failure::Interrupted => "interrupted".into(),
            Failure::Output => "could not write the output".into(),
            Failure::Columns(lines) => lines.join("\nroundtable: "),
            Failure::Checks(m) | Failure::Budget(m) => m.clone(),
        }
    }

    /// Whether `--json` output still needs an `error` event for this failure.
    pub fn needs_event(&self) -> bool {
        !matches!(
            self,
            Failure::Output | Failure::Columns(_) | Failure::Checks(_) | Failure::Budget(_)
        )
    }

    /// The `--json` error event.
    pub fn event(&self) -> serde_json::Value {
        match self {
            Failure::Engine(e) => {
                let class = match e {
                    Error::UnknownProvider { .. } => "unknown_provider",
                    Error::InvalidModel { .. } | Error::UnknownRoute { .. } => "invalid_model",
                    _ => "",
                };
                let mut event = view_event(&ErrorView::from(e), self.line());
                if !class.is_empty() {
                    event["class"] = json!(class);
                }
                if let Error::UnknownProvider { given, .. } = e {
                    event["provider"] = json!(given);
                }
                event
            }
            Failure::Turn { error, partial } => {
                let mut event = view_event(error, self.line());
                event["partial"] = json!(partial);
                event
            }
            Failure::Columns(lines) => {
                json!({"type": "error", "kind": "provider", "provider": null, "class": "compare", "message": lines.join("; ")})
            }
            Failure::Checks(m) => {
                json!({"type": "error", "kind": "checks", "provider": null, "class": "checks", "message": m})
            }
            Failure::Budget(m) => {
                json!({"type": "error", "kind": "budget_exceeded", "provider": null, "class": "budget_exceeded", "message": m})
            }
            Failure::Input(m) => {
                json!({"type": "error", "kind": "bad_input", "provider": null, "class": "invalid_request", "message": m})
            }
            Failure::Interrupted => {
                json!({"type": "error", "kind": "cancelled", "provider": null, "class": "cancelled", "message": "interrupted"})
            }
            Failure::Output => {
                json!({"type": "error", "kind": "io", "provider": null, "class": "io", "message": "could not write the output"})
            }
        }
    }
}

/// An error event: a provider failure with its class, status, wait and hint; any other error
/// with its kind's class name.
fn view_event(v: &ErrorView, line: String) -> serde_json::Value {
    match v.class {
        Some(class) => json!({
            "type": "error",
            "kind": v.kind.as_str(),
            "provider": v.provider,
            "class": class.as_str(),
            "message": v.detail.as_deref().unwrap_or(&v.message),
            "status": v.status,
            "retry_after_ms": v.retry_after_ms,
            "hint": v.hint,
            "retryable": v.is_retryable(),
        }),
        None => {
            let class = match v.kind {
                ErrorKind::Config => "config",
                ErrorKind::BadInput => "invalid_request",
                ErrorKind::Store | ErrorKind::Io => "io",
                ErrorKind::Keychain => "key_store",
                ErrorKind::BudgetExceeded => "budget_exceeded",
                ErrorKind::Internal => "internal",
                ErrorKind::Provider => "provider",
            };
            json!({"type": "error", "kind": v.kind.as_str(), "provider": null, "class": class, "message": line})
        }
    }
}
