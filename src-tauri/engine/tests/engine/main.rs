//! The engine's integration tests, one binary: protocol conformance and the router, against fake
//! providers over real loopback HTTP.

mod attachments;
mod budgets;
mod conformance;
mod curation;
mod dashboard;
mod estimate;
mod files;
mod hardening;
mod limits;
mod local;
mod local_models;
mod markdown;
mod mcp;
mod presets;
mod recording;
mod router;
mod settings;
mod tool_loop;
mod turn;
