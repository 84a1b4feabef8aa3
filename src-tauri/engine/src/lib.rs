//! Roundtable's engine: one interface to every model.
//!
//! It owns the provider adapters (OpenAI-compatible, Anthropic, Gemini, Ollama), stream parsing,
//! errors, config and key lookup. It knows nothing of Tauri or of any UI: the desktop shell and
//! the `roundtable` CLI are thin clients of [`Engine`].

pub mod attach;
pub mod chat;
pub mod client;
pub mod config;
pub mod dates;
pub mod error;
pub mod estimate;
pub mod eval;
pub mod files;
pub mod gateway;
pub mod keys;
pub mod local;
pub mod markdown;
pub mod mcp;
pub mod models;
pub mod money;
pub mod names;
pub mod pricing;
pub mod providers;
pub mod reports;
pub mod router;
pub mod session;
pub mod setup;
pub mod store;
pub mod tools;

pub use chat::{
    ChatEvent, ChatRequest, ChatResponse, FinishReason, Message, ReasoningEffort, Role, StreamEnd,
    Usage,
};
pub use client::{ChatStream, Engine, Target};
pub use config::Config;
pub use error::{Error, ErrorClass, ProviderError, Result};
pub use models::{ModelInfo, Pricing};
pub use router::{Attempt, CompareStream, Outcome, Plan, RouteEvent, RoutedStream, Router};

/// The engine's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
