//! `[updates]`: whether the app looks for a new version of itself, and where.
//!
//! Off until the person turns it on. The manifest is fetched over https, or over plain http from
//! this machine only (a local mirror, and the tests); what it points at is trusted only once its
//! minisign signature matches the public key built into the app, so the address is not a secret
//! and carries none.

use std::time::Duration;

use futures_util::StreamExt;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

/// The most an update manifest may be.
pub const MANIFEST_CAP: usize = 1 << 20;
/// The most an update package may be.
pub const PACKAGE_CAP: usize = 256 << 20;
/// How long a manifest may take, start to end.
pub const MANIFEST_DEADLINE: Duration = Duration::from_secs(30);
/// How long a package may take, start to end.
pub const PACKAGE_DEADLINE: Duration = Duration::from_secs(15 * 60);
const MAX_REDIRECTS: usize = 5;

/// Where releases are announced unless `[updates] url` says otherwise.
pub const DEFAULT_URL: &str =
    "https://github.com/roundtable-app/roundtable/releases/latest/download/latest.json";

/// `[updates]` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdatesConfig {
    /// Look for updates (at start and on "Check now"); off by default.
    #[serde(default)]
    pub enabled: bool,
    /// The update manifest's address; [`DEFAULT_URL`] when absent.
    pub url: Option<Spanned<String>>,
}

impl UpdatesConfig {
    /// The manifest address in force.
    pub fn url(&self) -> &str {
        self.url
            .as_ref()
            .map_or(DEFAULT_URL, |u| u.get_ref().as_str())
    }
}

/// Checks an update manifest address: https anywhere, http only to this machine (127.0.0.0/8,
/// ::1, localhost), no user name or password in it.
pub fn parse_url(text: &str) -> std::result::Result<Url, String> {
    let url = Url::parse(text.trim()).map_err(|e| format!("`{text}` is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("an update address must not hold a user name or password".into());
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        "http" => Err(format!(
            "`{text}` uses plain http: updates come over https (http only from this machine)"
        )),
        other => Err(format!("`{text}`: `{other}` is not https")),
    }
}

/// Reads `url` whole, refusing more than `cap` bytes and anything slower than `deadline`
/// (redirects: at most 5, each to an address [`allowed_after`] takes). Nothing secret is sent: no key,
/// no cookie. The error names the address and what went wrong.
pub async fn fetch(url: &Url, cap: usize, deadline: Duration) -> Result<Vec<u8>, String> {
    let from = url.clone();
    let policy = reqwest::redirect::Policy::custom(move |attempt| {
        // `previous` holds the first address and each redirect so far.
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error("more than 5 redirects")
        } else if let Err(why) = allowed_after(&from, attempt.url()) {
            attempt.error(format!("redirected to a refused address: {why}"))
        } else {
            attempt.follow()
        }
    });
    let client = reqwest::Client::builder()
        .redirect(policy)
        .connect_timeout(Duration::from_secs(10))
        .user_agent(concat!(
            "Roundtable/",
            env!("CARGO_PKG_VERSION"),
            " (updates)"
        ))
        .build()
        .map_err(|e| format!("the HTTP client could not start: {e}"))?;
    let read = async {
        let response = client.get(url.clone()).send().await.map_err(|e| {
            format!(
                "{url} could not be reached: {}",
                crate::providers::describe_reqwest(&e)
            )
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("{url} answered {status}"));
        }
        if response.content_length().is_some_and(|n| n > cap as u64) {
            return Err(format!("{url} is larger than the {} MB allowed", cap >> 20));
        }
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| {
                format!(
                    "{url} broke off: {}",
                    crate::providers::describe_reqwest(&e)
                )
            })?;
            if body.len() + chunk.len() > cap {
                return Err(format!("{url} is larger than the {} MB allowed", cap >> 20));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    };
    match tokio::time::timeout(deadline, read).await {
        Ok(result) => result,
        Err(_) => Err(format!("{url} took longer than {} s", deadline.as_secs())),
    }
}

/// Whether `next` (a redirect, or the package a manifest names) may be fetched after `first`:
/// an address [`parse_url`] takes, and plain http only when `first` was plain http (on this
/// machine) — an https manifest never leads to plain http, even on loopback.
pub fn allowed_after(first: &Url, next: &Url) -> std::result::Result<(), String> {
    parse_url(next.as_str())?;
    if next.scheme() == "http" && first.scheme() != "http" {
        return Err(format!(
            "`{next}` is plain http after the https address `{first}`"
        ));
    }
    Ok(())
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert!(parse_url(DEFAULT_URL).is_ok());
        assert!(parse_url("http://127.0.0.1:8080/latest.json").is_ok());
        assert!(parse_url("http://[::1]:9/l.json").is_ok());
        assert!(parse_url("http://localhost/l.json").is_ok());
        for bad in [
            "http://example.com/latest.json",
            "http://127.0.0.1.example.com/l.json",
            "ftp://example.com/l.json",
            "file:///etc/passwd",
            "https://user:pw@example.com/l.json",
            "not a url",
            "",
        ] {
            assert!(parse_url(bad).is_err(), "{bad} was taken");
        }
        assert!(parse_url("http://example.com/")
            .unwrap_err()
            .contains("plain http"));
    }

    #[test]
    fn https_never_leads_to_plain_http() {
        let https = Url::parse("https://example.com/latest.json").unwrap();
        let local = Url::parse("http://127.0.0.1:9/latest.json").unwrap();
        let local_pkg = Url::parse("http://127.0.0.1:9/x.deb").unwrap();
        assert!(allowed_after(&https, &Url::parse("https://cdn.example/x.deb").unwrap()).is_ok());
        assert!(allowed_after(&https, &local_pkg)
            .unwrap_err()
            .contains("after the https"));
        assert!(allowed_after(&local, &local_pkg).is_ok());
        assert!(allowed_after(&local, &Url::parse("http://example.com/x").unwrap()).is_err());
    }

    #[test]
    fn default_until_set() {
        let c = UpdatesConfig::default();
        assert!(!c.enabled);
        assert_eq!(c.url(), DEFAULT_URL);
    }

    /// An HTTP server on 127.0.0.1:0 answering every request with `reply`, then holding the
    /// connection open for `hold`.
    async fn serve_holding(reply: Vec<u8>, hold: Duration) -> Url {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut s, _)) = listener.accept().await {
                let reply = reply.clone();
                tokio::spawn(async move {
                    let mut buf = [0u8; 4096];
                    let _ = s.read(&mut buf).await;
                    let _ = s.write_all(&reply).await;
                    tokio::time::sleep(hold).await;
                });
            }
        });
        Url::parse(&format!("http://{addr}/latest.json")).unwrap()
    }

    async fn serve(reply: Vec<u8>) -> Url {
        serve_holding(reply, Duration::ZERO).await
    }

    fn response(head: &str, body: &[u8]) -> Vec<u8> {
        let mut r = format!("HTTP/1.1 {head}\r\nconnection: close\r\n\r\n").into_bytes();
        r.extend_from_slice(body);
        r
    }

    #[tokio::test]
    async fn fetch_keeps_its_limits() {
        let small = serve(response("200 OK\r\ncontent-length: 5", b"hello")).await;
        assert_eq!(
            fetch(&small, 5, Duration::from_secs(5)).await.unwrap(),
            b"hello"
        );
        // Over the cap, whether announced or not.
        let announced = fetch(&small, 4, Duration::from_secs(5)).await.unwrap_err();
        assert!(announced.contains("larger than"), "{announced}");
        let unannounced = serve(response("200 OK", &[b'x'; 5000])).await;
        let e = fetch(&unannounced, 4096, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(e.contains("larger than"), "{e}");
        // A redirect to plain http elsewhere is not followed.
        let away = serve(response(
            "302 Found\r\nlocation: http://example.com/x\r\ncontent-length: 0",
            b"",
        ))
        .await;
        let e = fetch(&away, 1024, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(e.contains("plain http"), "{e}");
        // An error status names itself.
        let missing = serve(response("404 Not Found\r\ncontent-length: 0", b"")).await;
        let e = fetch(&missing, 1024, Duration::from_secs(5))
            .await
            .unwrap_err();
        assert!(e.contains("404"), "{e}");
        // A server that never finishes is left at the deadline.
        let slow = serve(response("200 OK\r\ncontent-length: 100", b"partial")).await;
        let e = fetch(&slow, 1024, Duration::from_millis(300))
            .await
            .unwrap_err();
        assert!(e.contains("took longer") || e.contains("broke off"), "{e}");
    }
}
