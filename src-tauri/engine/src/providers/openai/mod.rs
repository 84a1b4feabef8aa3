//! OpenAI chat completions: OpenAI itself and every compatible service (OpenRouter, DeepSeek,
//! Mistral, Groq, xAI, LM Studio, vLLM, llama.cpp server, …).

pub(crate) mod adapter;
pub(crate) mod stream;
pub(crate) mod tools;
