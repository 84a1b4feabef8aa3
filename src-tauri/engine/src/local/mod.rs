//! The built-in local model: GGUF files in the data dir's `models/`, run in this process on the
//! CPU by llama.cpp (the `llama-cpp-2` crate), as the provider `local` (`local/NAME`).
//!
//! - `gguf.rs` reads a file's header in Rust (what it is, whether it is whole);
//! - `library.rs` is the models folder: list, import, remove, atomically;
//! - `catalog.rs` is the built-in list of good small instruct models, pinned by revision,
//!   size and SHA-256;
//! - `pull.rs` downloads one (resumable, checked, moved into place only when whole);
//! - `runtime.rs` loads models on worker threads (one per model, kept while in use) and turns a
//!   chat request into streamed events;
//! - `prompt.rs` writes a conversation in the model's own chat template and watches for stops.

pub mod catalog;
pub mod gguf;
pub mod library;
pub(crate) mod prompt;
pub mod pull;
pub mod runtime;

/// The provider id of the built-in local models.
pub const PROVIDER: &str = "local";
