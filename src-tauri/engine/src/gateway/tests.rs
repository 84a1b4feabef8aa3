//! The gateway in process on 127.0.0.1:0 with short limits, in front of a fake provider: real
//! sockets, a real SQLite ledger.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use roundtable_fakes::{Answer, FakeServer, Protocol};

use super::{Gateway, Limits};
use crate::pricing::PriceBook;
use crate::store::Store;
use crate::{Config, Engine, Router};

const TOKEN: &str = "sk-test-FAKE-gateway";

/// A fake that streams 400 pieces, one per 50 ms, whatever is asked.
fn slow() -> FakeServer {
    let pieces: Vec<String> = (0..400).map(|i| format!("w{i} ")).collect();
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    FakeServer::always(
        Protocol::OpenAi
            .stream(&Answer::new("slow", &refs))
            .paced(Duration::from_millis(50)),
    )
}

async fn serve(fake: &FakeServer, limits: Limits) -> (Arc<Gateway>, u16, tempfile::TempDir) {
    let text = format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
        fake.url()
    );
    let config = Config::parse(&text, Path::new("t.toml")).unwrap();
    let prices = Arc::new(PriceBook::new(&config));
    let keys = Arc::new(crate::keys::MemoryKeys::new());
    let engine = Arc::new(Engine::new(config, keys).unwrap());
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(Store::open(dir.path()).unwrap());
    let gw = Gateway::new(
        Router::new(engine),
        store,
        prices,
        TOKEN.into(),
        true,
        limits,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let g = gw.clone();
    tokio::spawn(async move { g.serve(listener, std::future::pending()).await });
    (gw, port, dir)
}

/// A raw exchange on a blocking socket (off the runtime): everything the server sent before it
/// closed the connection (a read timeout of ours fails the test).
async fn exchange(port: u16, request: String) -> String {
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        s.write_all(request.as_bytes()).unwrap();
        let mut out = Vec::new();
        s.read_to_end(&mut out)
            .unwrap_or_else(|e| panic!("the server did not close the connection: {e}"));
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .unwrap()
}

fn chat(port: u16, stream: bool) -> String {
    let body = format!(
        r#"{{"model":"fake/m","stream":{stream},"messages":[{{"role":"user","content":"go"}}]}}"#
    );
    format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_past_its_deadline_ends_with_a_timeout_and_frees_its_place() {
    let fake = slow();
    let limits = Limits {
        request: Duration::from_millis(600),
        in_flight: 1,
        ..Limits::default()
    };
    let (gw, port, dir) = serve(&fake, limits).await;
    // Streamed: the text so far, an error frame with the timeout class, then [DONE].
    let out = exchange(port, chat(port, true)).await;
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    assert!(out.contains("w0 "), "{out}");
    assert!(out.contains(r#""code":"timeout""#), "{out}");
    assert!(out.contains("limit of 600ms"), "{out}");
    assert!(out.contains("data: [DONE]"), "{out}");
    // Whole: a 504 in OpenAI's envelope.
    let out = exchange(port, chat(port, false)).await;
    assert!(out.starts_with("HTTP/1.1 504"), "{out}");
    assert!(out.contains(r#""code":"timeout""#), "{out}");
    // The one in-flight place is free again, and the ledger says why both ended.
    assert_eq!(gw.labels_in_flight(), 0);
    let db = rusqlite::Connection::open(dir.path().join("roundtable.db")).unwrap();
    let outcomes: Vec<String> = db
        .prepare("SELECT outcome || ':' || COALESCE(error_class, '') FROM ledger ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(outcomes, ["error:timeout", "error:timeout"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_body_that_does_not_arrive_in_time_is_refused_with_408() {
    let fake = slow();
    let limits = Limits {
        body_read: Duration::from_millis(300),
        ..Limits::default()
    };
    let (_gw, port, _dir) = serve(&fake, limits).await;
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\nContent-Length: 100\r\n\r\n{{\"model\""
    );
    let out = exchange(port, head).await;
    assert!(out.starts_with("HTTP/1.1 408"), "{out}");
    assert!(out.contains("request_timeout"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn heads_are_capped_in_size_and_time_and_idle_connections_are_closed() {
    let fake = slow();
    let limits = Limits {
        header_read: Duration::from_millis(300),
        ..Limits::default()
    };
    let (_gw, port, _dir) = serve(&fake, limits).await;
    // A head over 64 KiB: 431.
    let big = format!(
        "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Pad: {}\r\n\r\n",
        "p".repeat(super::HEAD_BYTES + 1024)
    );
    let out = exchange(port, big).await;
    assert!(out.starts_with("HTTP/1.1 431"), "{out}");
    // A keep-alive connection that answered once and then idles, and one that never finishes
    // its head: both are closed by the server after the header read timeout.
    let idle = format!("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    let half = format!("GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n");
    for (request, answered) in [(idle, true), (half, false)] {
        let out = exchange(port, request).await;
        assert_eq!(out.starts_with("HTTP/1.1 401"), answered, "{out}");
    }
}

/// Like [`exchange`], for a server that may answer and close before the whole body is sent: what
/// came back, a write or reset cut short notwithstanding.
async fn offer(port: u16, request: String) -> String {
    tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let _ = s.write_all(request.as_bytes());
        let mut out = Vec::new();
        let _ = s.read_to_end(&mut out);
        String::from_utf8_lossy(&out).into_owned()
    })
    .await
    .unwrap()
}

/// A chat request whose body is over 4 MiB (a long text standing in for images).
fn large_chat(port: u16) -> String {
    let body = format!(
        r#"{{"model":"fake/m","stream":true,"messages":[{{"role":"user","content":"{}"}}]}}"#,
        "x".repeat(super::LARGE_BODY + 1024)
    );
    format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_bodies_take_few_places_and_small_ones_are_not_held_up() {
    let fake = slow();
    let limits = Limits {
        large_bodies: 1,
        request: Duration::from_millis(1500),
        ..Limits::default()
    };
    let (_gw, port, _dir) = serve(&fake, limits).await;
    // The first large request holds the one place while it streams (slowly, until its deadline).
    let first = tokio::spawn(exchange(port, large_chat(port)));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while fake.requests().is_empty() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = offer(port, large_chat(port)).await;
    assert!(
        second.starts_with("HTTP/1.1 503"),
        "{}",
        &second[..second.len().min(300)]
    );
    assert!(second.contains("large requests"), "{second}");
    assert!(
        second.to_ascii_lowercase().contains("retry-after: 1"),
        "{second}"
    );
    let small = exchange(port, chat(port, true)).await;
    assert!(
        small.starts_with("HTTP/1.1 200"),
        "a small request still goes: {small}"
    );
    let first = first.await.unwrap();
    assert!(
        first.starts_with("HTTP/1.1 200"),
        "{}",
        &first[..first.len().min(300)]
    );
    // Its place is given back when it ends.
    let third = exchange(port, large_chat(port)).await;
    assert!(
        third.starts_with("HTTP/1.1 200"),
        "{}",
        &third[..third.len().min(300)]
    );
}
