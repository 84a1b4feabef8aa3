//! Anthropic Messages: requests with prompt caching and extended thinking, streams of typed events.

pub(crate) mod adapter;
pub(crate) mod stream;
pub(crate) mod tools;
