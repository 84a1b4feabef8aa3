//! Turns a provider's failed HTTP answer (status, headers, body) into a classified
//! [`ProviderError`], for all four protocols: their envelopes differ, the classes do not.
//!
//! Classification reads status codes and the providers' error codes first; message text is read
//! only where a provider gives no code (context-length errors, Ollama's bare strings).

use std::time::SystemTime;

use reqwest::header::HeaderMap;
use serde_json::Value;

use super::{hints, ProviderKind};
use crate::error::{ErrorClass, ProviderError};

/// A stream or body that is not the provider's protocol.
pub(crate) fn malformed(provider: &str, what: &str) -> ProviderError {
    ProviderError::new(provider, ErrorClass::MalformedStream, what)
}

/// A JSON frame that did not parse: names the frame's start so the user can see what came.
pub(crate) fn bad_json(provider: &str, data: &str, err: &serde_json::Error) -> ProviderError {
    let excerpt = crate::error::one_line(data, 60);
    malformed(
        provider,
        &format!("could not read a stream frame ({err}): `{excerpt}`"),
    )
}

/// The fields every provider's error envelope boils down to.
#[derive(Debug, Default)]
pub(crate) struct Envelope {
    pub message: String,
    /// Machine-readable codes and types found anywhere in the envelope, lower-cased.
    pub codes: Vec<String>,
    pub retry_delay: Option<std::time::Duration>,
    /// An HTTP status carried inside the body (OpenRouter's in-stream `error.code`).
    pub status: Option<u16>,
}

/// Reads an error envelope of any of the four protocols from JSON.
pub(crate) fn envelope(value: &Value) -> Envelope {
    let value = match value {
        Value::Array(items) => items.first().unwrap_or(value),
        v => v,
    };
    let mut env = Envelope::default();
    let err = value.get("error").unwrap_or(value);
    if let Value::String(s) = err {
        env.message = s.clone();
        return env;
    }
    env.message = ["message", "detail", "error_message"]
        .iter()
        .find_map(|k| {
            err.get(k)
                .and_then(Value::as_str)
                .or_else(|| value.get(k).and_then(Value::as_str))
        })
        .unwrap_or_default()
        .to_string();
    let mut push = |v: Option<&Value>| match v {
        Some(Value::String(s)) if !s.is_empty() => env.codes.push(s.to_ascii_lowercase()),
        _ => {}
    };
    push(err.get("type"));
    push(err.get("code"));
    push(err.get("status"));
    if let Some(meta) = err.get("metadata") {
        push(meta.get("error_type"));
        push(meta.get("reason"));
        push(meta.get("limit_source"));
    }
    if let Some(details) = err.get("details") {
        push(details.get("error_code"));
        for d in details.as_array().into_iter().flatten() {
            push(d.get("reason"));
            if let Some(delay) = d.get("retryDelay").and_then(Value::as_str) {
                env.retry_delay = hints::go_duration(delay);
            }
            for v in d
                .get("violations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                push(v.get("quotaId"));
            }
        }
    }
    env.status = err
        .get("code")
        .and_then(Value::as_u64)
        .and_then(|c| u16::try_from(c).ok());
    env
}

fn has_code(env: &Envelope, needle: &str) -> bool {
    env.codes.iter().any(|c| c.contains(needle))
}

fn says_context_too_long(env: &Envelope) -> bool {
    if has_code(env, "context_length") || has_code(env, "request_too_large") {
        return true;
    }
    let m = env.message.to_ascii_lowercase();
    [
        "context length",
        "context_length",
        "context window",
        "prompt is too long",
        "maximum context",
        "too many tokens",
        "exceeds the maximum number of tokens",
        "input is too long",
        "reduce the length",
    ]
    .iter()
    .any(|p| m.contains(p))
}

fn says_quota(env: &Envelope) -> bool {
    has_code(env, "insufficient_quota")
        || has_code(env, "billing")
        || has_code(env, "spend_limit")
        || env.codes.iter().any(|c| c.contains("perday"))
}

/// A refusal of an image or a document by a model that reads none: OpenAI's "image input is
/// not supported for this model" / `image_url is only supported by certain models`, Ollama's
/// "this model is missing data required for image input", Gemini's and Anthropic's wordings.
fn says_no_such_input(msg: &str) -> bool {
    let about = ["image", "vision", "multimodal", "pdf", "document"]
        .iter()
        .any(|w| msg.contains(w));
    let refused = [
        "not supported",
        "does not support",
        "doesn't support",
        "only supported by certain models",
        "missing data required for image input",
        "not a multimodal model",
        "unsupported",
    ]
    .iter()
    .any(|w| msg.contains(w));
    about && refused
}

/// The class of a failure from its status and envelope.
pub(crate) fn classify(
    kind: ProviderKind,
    status: u16,
    env: &Envelope,
    has_retry_after: bool,
) -> ErrorClass {
    let msg = env.message.to_ascii_lowercase();
    match status {
        401 => ErrorClass::Auth,
        403 if has_code(env, "moderation")
            || has_code(env, "flagged")
            || msg.contains("moderation") =>
        {
            ErrorClass::ContentFiltered
        }
        403 => ErrorClass::Auth,
        402 if has_retry_after && has_code(env, "in_flight") => ErrorClass::RateLimited,
        402 => ErrorClass::QuotaExceeded,
        404 => ErrorClass::ModelNotFound,
        408 => ErrorClass::Timeout,
        413 => ErrorClass::ContextLength,
        429 if says_quota(env) => ErrorClass::QuotaExceeded,
        429 => ErrorClass::RateLimited,
        400 | 422 if has_code(env, "api_key_invalid") || msg.contains("api key not valid") => {
            ErrorClass::Auth
        }
        400 | 422 if says_context_too_long(env) => ErrorClass::ContextLength,
        400 | 422 | 500 if says_no_such_input(&msg) => ErrorClass::UnsupportedInput,
        400 | 422 if says_quota(env) => ErrorClass::QuotaExceeded,
        400 | 422 if kind == ProviderKind::Ollama && msg.contains("not found") => {
            ErrorClass::ModelNotFound
        }
        500 if kind == ProviderKind::Ollama && msg.contains("not found") => {
            ErrorClass::ModelNotFound
        }
        503 | 529 => ErrorClass::Overloaded,
        504 => ErrorClass::Timeout,
        500..=599 => ErrorClass::Upstream,
        _ => ErrorClass::BadRequest,
    }
}

/// A failed HTTP answer, classified.
pub(crate) fn from_response(
    kind: ProviderKind,
    provider: &str,
    status: u16,
    headers: &HeaderMap,
    body: &[u8],
) -> ProviderError {
    let text = String::from_utf8_lossy(body);
    let header_wait = hints::from_headers(headers, SystemTime::now());
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let looks_html = content_type.contains("html") || text.trim_start().starts_with('<');
    let (class, message, body_wait) = match serde_json::from_slice::<Value>(body) {
        Ok(json) if !looks_html => {
            let env = envelope(&json);
            let class = classify(kind, status, &env, header_wait.is_some());
            let message = if env.message.is_empty() {
                format!("HTTP {status} with no message")
            } else {
                env.message.clone()
            };
            let wait = env
                .retry_delay
                .or_else(|| hints::from_message(&env.message));
            (class, message, wait)
        }
        _ if looks_html => {
            let class = classify(kind, status, &Envelope::default(), header_wait.is_some());
            let title = html_title(&text)
                .map(|t| format!(" (\"{t}\")"))
                .unwrap_or_default();
            let message = format!("received an HTML page{title} instead of an API answer — likely a proxy, CDN or wrong base_url");
            (class, message, None)
        }
        _ => {
            let class = classify(kind, status, &Envelope::default(), header_wait.is_some());
            let plain = crate::error::one_line(&text, 160);
            let message = if plain.is_empty() {
                format!("HTTP {status} with an empty body")
            } else {
                plain
            };
            (class, message, None)
        }
    };
    let mut err = ProviderError::new(provider, class, message)
        .with_status(status)
        .with_retry_after(header_wait.or(body_wait));
    if class == ErrorClass::ModelNotFound && looks_html {
        err = err.with_hint("the address answered 404: check the provider's base_url");
    }
    err
}

/// An error reported inside a stream as an `error` member (OpenRouter, Gemini, Ollama).
pub(crate) fn in_stream_member(kind: ProviderKind, provider: &str, error: &Value) -> ProviderError {
    in_stream(kind, provider, &serde_json::json!({ "error": error }))
}

/// An error reported inside a stream (after HTTP 200).
pub(crate) fn in_stream(kind: ProviderKind, provider: &str, value: &Value) -> ProviderError {
    let env = envelope(value);
    let status = env.status.or_else(|| match kind {
        // Anthropic's in-stream error carries only a type: map it to its HTTP status.
        ProviderKind::Anthropic => env.codes.first().map(|t| anthropic_status(t)),
        _ => None,
    });
    let class = match status {
        Some(s) => classify(kind, s, &env, false),
        None if kind == ProviderKind::Ollama
            && env.message.to_ascii_lowercase().contains("not found") =>
        {
            ErrorClass::ModelNotFound
        }
        None => ErrorClass::Upstream,
    };
    let message = if env.message.is_empty() {
        "the provider reported an error mid-stream".into()
    } else {
        env.message.clone()
    };
    let wait = env
        .retry_delay
        .or_else(|| hints::from_message(&env.message));
    ProviderError::new(provider, class, format!("mid-stream: {message}")).with_retry_after(wait)
}

fn anthropic_status(error_type: &str) -> u16 {
    match error_type {
        "invalid_request_error" => 400,
        "authentication_error" => 401,
        "billing_error" => 402,
        "permission_error" => 403,
        "not_found_error" => 404,
        "request_too_large" => 413,
        "rate_limit_error" => 429,
        "overloaded_error" => 529,
        _ => 500,
    }
}

fn html_title(html: &str) -> Option<String> {
    let lower = html.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower[start..].find("</title>")?;
    let title = crate::error::one_line(&html[start..end], 80);
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;
    use std::time::Duration;

    fn err(kind: ProviderKind, status: u16, body: &str) -> ProviderError {
        from_response(kind, "p", status, &HeaderMap::new(), body.as_bytes())
    }

    #[test]
    fn classes_from_the_reference_bodies() {
        use ErrorClass::*;
        use ProviderKind::*;
        let cases: &[(ProviderKind, u16, &str, ErrorClass)] = &[
            (
                OpenAi,
                401,
                r#"{"error":{"message":"Incorrect API key provided: sk-....","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#,
                Auth,
            ),
            (
                OpenAi,
                429,
                r#"{"error":{"message":"Rate limit reached … Please try again in 1.146s.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}"#,
                RateLimited,
            ),
            (
                OpenAi,
                429,
                r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
                QuotaExceeded,
            ),
            (
                OpenAi,
                500,
                r#"{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}"#,
                Upstream,
            ),
            (
                OpenAi,
                400,
                r#"{"error":{"message":"This model's maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}"#,
                ContextLength,
            ),
            (
                OpenAi,
                402,
                r#"{"error":{"code":402,"message":"This request would exceed your available credits"}}"#,
                QuotaExceeded,
            ),
            (
                OpenAi,
                403,
                r#"{"error":{"code":403,"message":"Input was flagged by moderation","metadata":{"reasons":["x"]}}}"#,
                ContentFiltered,
            ),
            (OpenAi, 400, r#"{"detail":"bad field"}"#, BadRequest),
            (
                Anthropic,
                400,
                r#"{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 205351 tokens > 200000 maximum"}}"#,
                ContextLength,
            ),
            (
                Anthropic,
                529,
                r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#,
                Overloaded,
            ),
            (
                Anthropic,
                401,
                r#"{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}"#,
                Auth,
            ),
            (
                Anthropic,
                429,
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"limit","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
                QuotaExceeded,
            ),
            (
                Gemini,
                400,
                r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID"}]}}"#,
                Auth,
            ),
            (
                Gemini,
                400,
                r#"{"error":{"code":400,"message":"Penalty is not enabled for models/gemini-2.5-flash","status":"INVALID_ARGUMENT"}}"#,
                BadRequest,
            ),
            (
                Gemini,
                429,
                r#"{"error":{"code":429,"message":"quota","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerDayPerProjectPerModel-FreeTier"}]}]}}"#,
                QuotaExceeded,
            ),
            (
                Gemini,
                503,
                r#"{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}"#,
                Overloaded,
            ),
            (
                Ollama,
                404,
                r#"{"error":"model 'llama3.2' not found"}"#,
                ModelNotFound,
            ),
            (
                Ollama,
                500,
                r#"{"error":"llama runner process has terminated"}"#,
                Upstream,
            ),
        ];
        for (kind, status, body, class) in cases {
            let e = err(*kind, *status, body);
            assert_eq!(e.class, *class, "{kind:?} {status} {body}");
            assert_eq!(e.status, Some(*status));
            assert!(!e.message.is_empty());
        }
    }

    #[test]
    fn retry_hints_from_bodies_and_headers() {
        let gemini = r#"{"error":{"code":429,"message":"You exceeded your current quota, please check your plan.","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaId":"GenerateRequestsPerMinutePerProjectPerModel-FreeTier"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"34.4s"}]}}"#;
        let e = err(ProviderKind::Gemini, 429, gemini);
        assert_eq!(e.class, ErrorClass::RateLimited);
        assert_eq!(e.retry_after, Some(Duration::from_millis(34_400)));

        let e = err(
            ProviderKind::OpenAi,
            429,
            r#"{"error":{"message":"Please try again in 1.146s.","code":"rate_limit_exceeded"}}"#,
        );
        assert_eq!(e.retry_after, Some(Duration::from_millis(1146)));

        let mut h = HeaderMap::new();
        h.insert("retry-after", HeaderValue::from_static("3"));
        let e = from_response(
            ProviderKind::Anthropic,
            "p",
            429,
            &h,
            br#"{"type":"error","error":{"type":"rate_limit_error","message":"x"}}"#,
        );
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
    }

    #[test]
    fn html_pages_and_garbage() {
        let mut h = HeaderMap::new();
        h.insert("content-type", HeaderValue::from_static("text/html"));
        let page = "<html><head><title>502 Bad Gateway</title></head><body><h1>cloudflare</h1></body></html>";
        let e = from_response(ProviderKind::OpenAi, "p", 502, &h, page.as_bytes());
        assert_eq!(e.class, ErrorClass::Upstream);
        assert!(
            e.message.contains("HTML page (\"502 Bad Gateway\")"),
            "{}",
            e.message
        );
        assert!(!e.message.contains("<h1>"));

        let e = err(ProviderKind::OpenAi, 500, "not json at all\nsecond line");
        assert_eq!(e.class, ErrorClass::Upstream);
        assert_eq!(e.message, "not json at all second line");
        let e = err(ProviderKind::OpenAi, 503, "");
        assert_eq!(e.class, ErrorClass::Overloaded);
        assert!(e.message.contains("empty body"));
    }

    #[test]
    fn in_stream_errors() {
        let or: Value = serde_json::from_str(r#"{"id":"gen","error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}},"choices":[]}"#).unwrap();
        assert_eq!(
            in_stream(ProviderKind::OpenAi, "openrouter", &or).class,
            ErrorClass::RateLimited
        );
        let an: Value = serde_json::from_str(
            r#"{"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}"#,
        )
        .unwrap();
        let e = in_stream(ProviderKind::Anthropic, "anthropic", &an);
        assert_eq!(e.class, ErrorClass::Overloaded);
        assert!(e.message.contains("Overloaded"));
        let ol: Value =
            serde_json::from_str(r#"{"error":"an error was encountered while running the model"}"#)
                .unwrap();
        assert_eq!(
            in_stream(ProviderKind::Ollama, "ollama", &ol).class,
            ErrorClass::Upstream
        );
    }
}
