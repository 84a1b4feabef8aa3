//! Reads how long a provider asks us to wait: `Retry-After`, OpenAI's reset headers and
//! "try again in 1.146s", Anthropic's RFC 3339 resets, Gemini's `RetryInfo.retryDelay`.
//!
//! It only parses; deciding whether and when to retry is the router's business.

use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The wait asked for by the headers of a rate-limited or overloaded answer, if any.
pub(crate) fn from_headers(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let get = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    if let Some(ms) = get("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        return non_negative_secs(ms / 1000.0);
    }
    if let Some(v) = get("retry-after") {
        if let Ok(secs) = v.parse::<f64>() {
            return non_negative_secs(secs);
        }
        if let Ok(at) = httpdate::parse_http_date(v) {
            return Some(at.duration_since(now).unwrap_or_default());
        }
    }
    // OpenAI: the later of the request and token resets, as Go durations.
    let openai = ["x-ratelimit-reset-requests", "x-ratelimit-reset-tokens"]
        .iter()
        .filter_map(|h| get(h).and_then(go_duration))
        .max();
    if openai.is_some() {
        return openai;
    }
    // Anthropic: RFC 3339 instants.
    let anthropic = [
        "anthropic-ratelimit-requests-reset",
        "anthropic-ratelimit-tokens-reset",
    ]
    .iter()
    .filter_map(|h| get(h).and_then(|v| rfc3339_from_now(v, now)))
    .max();
    if anthropic.is_some() {
        return anthropic;
    }
    // OpenRouter's platform 429s: X-RateLimit-Reset in epoch milliseconds.
    get("x-ratelimit-reset")
        .and_then(|v| v.parse::<u64>().ok())
        .map(|ms| {
            let at = SystemTime::UNIX_EPOCH + Duration::from_millis(ms);
            at.duration_since(now).unwrap_or_default()
        })
}

fn non_negative_secs(secs: f64) -> Option<Duration> {
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs.min(86_400.0)))
}

fn rfc3339_from_now(text: &str, now: SystemTime) -> Option<Duration> {
    let at =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    let at = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(at.unix_timestamp()).ok()?);
    Some(at.duration_since(now).unwrap_or_default())
}

/// Parses Go-style and Google-style durations: "12ms", "1.5s", "6m0s", "34.4s", "1h2m".
pub(crate) fn go_duration(text: &str) -> Option<Duration> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    let mut rest = text;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let value: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" | "" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    non_negative_secs(total)
}

/// OpenAI's body hint: "… Please try again in 1.146s." or "in 20ms".
pub(crate) fn from_message(message: &str) -> Option<Duration> {
    let lower = message.to_ascii_lowercase();
    let at = lower.find("try again in ")? + "try again in ".len();
    let tail = &lower[at..];
    let end = tail
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '.'))
        .unwrap_or(tail.len());
    go_duration(tail[..end].trim_end_matches('.'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderName, HeaderValue};

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        h
    }

    #[test]
    fn durations() {
        assert_eq!(go_duration("12ms"), Some(Duration::from_millis(12)));
        assert_eq!(go_duration("6m0s"), Some(Duration::from_secs(360)));
        assert_eq!(go_duration("34.4s"), Some(Duration::from_millis(34_400)));
        assert_eq!(go_duration("1h2m"), Some(Duration::from_secs(3720)));
        assert_eq!(go_duration("soon"), None);
        assert_eq!(go_duration(""), None);
    }

    #[test]
    fn headers_in_each_providers_style() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_755_780_000);
        assert_eq!(
            from_headers(&headers(&[("retry-after", "7")]), now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            from_headers(&headers(&[("retry-after-ms", "250")]), now),
            Some(Duration::from_millis(250))
        );
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        assert_eq!(
            from_headers(&headers(&[("retry-after", &date)]), now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            from_headers(
                &headers(&[
                    ("x-ratelimit-reset-requests", "12ms"),
                    ("x-ratelimit-reset-tokens", "1.5s")
                ]),
                now
            ),
            Some(Duration::from_millis(1500))
        );
        // 2025-08-21T12:40:59Z is 1755780059.
        assert_eq!(
            from_headers(
                &headers(&[("anthropic-ratelimit-requests-reset", "2025-08-21T12:40:59Z")]),
                now
            ),
            Some(Duration::from_secs(59))
        );
        assert_eq!(from_headers(&headers(&[("retry-after", "-3")]), now), None);
        assert_eq!(from_headers(&headers(&[]), now), None);
    }

    #[test]
    fn body_hint() {
        let m = "Rate limit reached for gpt-4o-mini … Please try again in 1.146s. Visit https://x to learn more.";
        assert_eq!(from_message(m), Some(Duration::from_millis(1146)));
        assert_eq!(
            from_message("try again in 20ms"),
            Some(Duration::from_millis(20))
        );
        assert_eq!(from_message("no hint"), None);
    }
}
