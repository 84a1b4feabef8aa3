//! Roundtable's engine: one interface to every model.
//!
//! It owns the provider adapters (OpenAI-compatible, Anthropic, Gemini, Ollama), stream parsing,
//! errors, config and key lookup. It knows nothing of Tauri or of any UI: the desktop shell and
//! the `roundtable` CLI are thin clients of [`Engine`].

pub mod chat;
pub mod config;
pub mod dashboard;
mod engine;
pub mod error;
mod framing;
pub mod gateway;
pub mod keys;
pub mod leaderboard;
pub mod markdown;
pub mod models;
pub mod money;
pub mod pricing;
pub mod providers;
pub mod router;
pub mod sensitive;
pub mod session;
pub mod settings;
pub mod store;
mod streaming;
pub mod vault;

pub use chat::{
    ChatEvent, ChatRequest, ChatResponse, FinishReason, Message, ReasoningEffort, Role, StreamEnd,
    Usage,
};
pub use config::Config;
pub use engine::{Engine, Target};
pub use error::{Error, ErrorClass, ProviderError, Result};
pub use models::{ModelInfo, Pricing};
pub use router::{Attempt, CompareStream, Outcome, Plan, RouteEvent, RoutedStream, Router};
pub use streaming::ChatStream;

/// The engine's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
