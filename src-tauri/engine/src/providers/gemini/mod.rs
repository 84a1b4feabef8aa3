//! Google Gemini `generateContent` / `streamGenerateContent?alt=sse`.

pub(crate) mod adapter;
pub(crate) mod stream;
pub(crate) mod tools;
