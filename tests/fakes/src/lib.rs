//! Fake LLM providers for Roundtable's tests: real HTTP servers on `127.0.0.1:0` that replay the
//! providers' wire formats (`wire-formats.md`) and inject faults. No network, no real keys.

pub mod files;
pub mod fixtures;
pub mod gguf;
pub mod hub;
pub mod server;
pub mod wire;

pub use server::{FakeServer, Reply, Request, Step};
pub use wire::{Answer, FakeCall, Fault, Protocol, ALL, FAULTS, GEMINI_SIGNATURE};
