//! The HTTP side of a pull: one client (no credentials, no automatic redirects), a GET with an
//! optional `Range` that follows redirects by hand, and what the response headers say.

use reqwest::header::{HeaderMap, CONTENT_RANGE, LOCATION, RANGE};
use url::Url;

use super::{model_error, CONNECT_TIMEOUT, HEADERS_TIMEOUT, IDLE_TIMEOUT, MAX_REDIRECTS};
use crate::error::Result;

pub(super) fn client(name: &str) -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("roundtable/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .referer(false)
        .connect_timeout(CONNECT_TIMEOUT)
        .read_timeout(IDLE_TIMEOUT)
        .build()
        .map_err(|e| model_error(name, format!("cannot start an HTTP client: {e}")))
}

/// A response after redirects, with the hash and size Hugging Face puts on its redirect.
pub(super) struct Answer {
    pub(super) response: reqwest::Response,
    pub(super) linked_sha: Option<String>,
    pub(super) linked_size: Option<u64>,
}

/// GETs `url` from `offset`, following at most [`MAX_REDIRECTS`] redirects by hand (so the
/// hop's `X-Linked-Etag` is seen and no credentials ride along).
pub(super) async fn request(
    client: &reqwest::Client,
    url: &Url,
    offset: u64,
    name: &str,
) -> Result<Answer> {
    let mut url = url.clone();
    let mut linked_sha = None;
    let mut linked_size = None;
    for hop in 0..=MAX_REDIRECTS {
        let mut req = client.get(url.clone());
        if offset > 0 {
            req = req.header(RANGE, format!("bytes={offset}-"));
        }
        let response = match tokio::time::timeout(HEADERS_TIMEOUT, req.send()).await {
            Ok(Ok(r)) => r,
            Ok(Err(e)) => {
                return Err(model_error(name, format!("cannot reach {}: {}; check the connection and [local] mirror, then run the same command again", host(&url), reqwest_reason(&e))))
            }
            Err(_) => {
                return Err(model_error(name, format!("{} sent no answer within {} s; run the same command again", host(&url), HEADERS_TIMEOUT.as_secs())))
            }
        };
        let headers = response.headers();
        linked_sha = linked_sha.or_else(|| header_sha(headers, "x-linked-etag"));
        linked_size = linked_size.or_else(|| header_u64(headers, "x-linked-size"));
        if !response.status().is_redirection() {
            return Ok(Answer {
                linked_sha: linked_sha.or_else(|| header_sha(headers, "etag")),
                linked_size,
                response,
            });
        }
        if hop == MAX_REDIRECTS {
            break;
        }
        let next = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|l| url.join(l).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .ok_or_else(|| {
                model_error(
                    name,
                    format!(
                        "{} redirected to no usable address (HTTP {})",
                        host(&url),
                        response.status().as_u16()
                    ),
                )
            })?;
        if url.scheme() == "https" && next.scheme() == "http" {
            return Err(model_error(
                name,
                format!(
                    "{} redirected from https to plain http; refused",
                    host(&url)
                ),
            ));
        }
        url = next;
        // A redirect's own credentials are never used.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
    Err(model_error(
        name,
        format!("more than {MAX_REDIRECTS} redirects from {}", host(&url)),
    ))
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL).
pub(super) fn content_range(headers: &HeaderMap) -> Option<(u64, Option<u64>)> {
    let v = headers.get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((start.parse().ok()?, total))
}

/// A header holding a SHA-256 (an ETag of 64 hex digits, quoted or weak or not).
fn header_sha(headers: &HeaderMap, name: &str) -> Option<String> {
    let v = headers.get(name)?.to_str().ok()?.trim();
    let v = v.strip_prefix("W/").unwrap_or(v).trim_matches('"');
    (v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit())).then(|| v.to_ascii_lowercase())
}

fn header_u64(headers: &HeaderMap, name: &str) -> Option<u64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

pub(super) fn host(url: &Url) -> String {
    match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or("?")),
        None => url.host_str().unwrap_or("?").to_string(),
    }
}

/// What went wrong with a request, in a few words: the kind, and the innermost cause.
pub(super) fn reqwest_reason(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the body broke off"
    } else {
        "the request failed"
    };
    let mut cause: Option<&dyn std::error::Error> = std::error::Error::source(e);
    let mut innermost = None;
    while let Some(c) = cause {
        innermost = Some(c.to_string());
        cause = c.source();
    }
    match innermost {
        Some(c) => format!("{kind}: {}", c.chars().take(120).collect::<String>()),
        None => kind.to_string(),
    }
}
