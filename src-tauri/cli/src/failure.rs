//! How the CLI fails: one line on stderr naming what went wrong and what to do, an `error` event
//! under `--json`, and an exit status by kind.

use roundtable_engine::Error;
use serde_json::json;

/// Exit status for provider failures.
pub const EXIT_PROVIDER: i32 = 1;
/// Exit status for bad input: usage, config, model names, an empty prompt.
pub const EXIT_INPUT: i32 = 2;
/// Exit status after Ctrl-C.
pub const EXIT_INTERRUPTED: i32 = 130;

/// A failure of a command.
#[derive(Debug)]
pub enum Failure {
    /// An engine error.
    Engine(Error),
    /// Bad input found by the CLI itself.
    Input(String),
    /// The user pressed Ctrl-C.
    Interrupted,
    /// Writing the output failed (a closed pipe): nothing more to say.
    Output,
    /// A routed answer failed, maybe after part of it was shown.
    Routed {
        /// What failed.
        error: Error,
        /// Whether part of the answer had been delivered.
        partial: bool,
    },
    /// The monthly budget is spent.
    Budget(String),
    /// Some columns of a compare failed (each already reported as an event): one line each.
    Columns(Vec<String>),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Engine(e)
    }
}

impl Failure {
    /// The exit status.
    pub fn exit_code(&self) -> i32 {
        match self {
            Failure::Engine(Error::Provider(_)) => EXIT_PROVIDER,
            Failure::Engine(Error::Io { .. } | Error::KeyStore(_)) => EXIT_PROVIDER,
            Failure::Engine(_) | Failure::Input(_) => EXIT_INPUT,
            Failure::Interrupted => EXIT_INTERRUPTED,
            Failure::Output | Failure::Columns(_) | Failure::Budget(_) => EXIT_PROVIDER,
            Failure::Routed { error, .. } => Failure::Engine(clone_shallow(error)).exit_code(),
        }
    }

    /// The one line for stderr.
    pub fn line(&self) -> String {
        match self {
            Failure::Engine(e) => e.to_string(),
            Failure::Input(m) => m.clone(),
            Failure::Interrupted => "interrupted".into(),
            Failure::Output => "could not write the output".into(),
            Failure::Routed { error, .. } => error.to_string(),
            Failure::Columns(lines) => lines.join("\nroundtable: "),
            Failure::Budget(m) => m.clone(),
        }
    }

    /// Whether `--json` output still needs an `error` event for this failure.
    pub fn needs_event(&self) -> bool {
        !matches!(self, Failure::Output | Failure::Columns(_))
    }

    /// The `--json` error event.
    pub fn event(&self) -> serde_json::Value {
        match self {
            Failure::Routed { error, partial } => {
                crate::chat::with_partial(Failure::Engine(clone_shallow(error)).event(), *partial)
            }
            Failure::Columns(lines) => {
                json!({"type": "error", "provider": null, "class": "compare", "message": lines.join("; ")})
            }
            Failure::Engine(Error::Provider(p)) => json!({
                "type": "error",
                "provider": p.provider,
                "class": p.class.as_str(),
                "message": p.message,
                "status": p.status,
                "retry_after_ms": p.retry_after.map(|d| d.as_millis() as u64),
                "hint": p.hint,
                "retryable": p.is_retryable(),
            }),
            Failure::Engine(e) => {
                let (class, provider) = match e {
                    Error::Config { .. } => ("config", None),
                    Error::UnknownProvider { given, .. } => {
                        ("unknown_provider", Some(given.clone()))
                    }
                    Error::InvalidModel { .. } | Error::UnknownRoute { .. } => {
                        ("invalid_model", None)
                    }
                    Error::InvalidRequest(_) => ("invalid_request", None),
                    Error::Io { .. } => ("io", None),
                    Error::KeyStore(_) => ("key_store", None),
                    Error::Provider(_) => unreachable!("handled above"),
                };
                json!({"type": "error", "provider": provider, "class": class, "message": e.to_string()})
            }
            Failure::Budget(m) => {
                json!({"type": "error", "provider": null, "class": "budget_exceeded", "message": m})
            }
            Failure::Input(m) => {
                json!({"type": "error", "provider": null, "class": "invalid_request", "message": m})
            }
            Failure::Interrupted => {
                json!({"type": "error", "provider": null, "class": "cancelled", "message": "interrupted"})
            }
            Failure::Output => {
                json!({"type": "error", "provider": null, "class": "io", "message": "could not write the output"})
            }
        }
    }
}

/// A copy of the parts of an error the CLI reports (engine errors are not `Clone`).
fn clone_shallow(e: &Error) -> Error {
    match e {
        Error::Provider(p) => Error::Provider(p.clone()),
        other => Error::InvalidRequest(other.to_string()),
    }
}
