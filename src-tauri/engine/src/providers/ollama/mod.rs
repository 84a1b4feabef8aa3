//! Ollama's native `/api/chat`, streamed as NDJSON; local, with no key.

pub(crate) mod adapter;
pub(crate) mod stream;
