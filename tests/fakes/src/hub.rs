//! A fake Hugging Face file host: a real HTTP/1.1 server on `127.0.0.1:0` (its own thread and
//! runtime, so sync tests and spawned CLIs can use it) that serves files by path with `Range`
//! support, redirects like the Hub does to its CDN (with `X-Linked-Etag`/`X-Linked-Size`), and
//! injects faults: cut a body after N bytes, ignore ranges. It records every request and counts
//! the body bytes it sent.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;

/// A request the hub received.
#[derive(Debug, Clone)]
pub struct HubRequest {
    /// The path with its query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
}

impl HubRequest {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone)]
enum Entry {
    File {
        bytes: Arc<Vec<u8>>,
        headers: Vec<(String, String)>,
    },
    Redirect {
        to: String,
        headers: Vec<(String, String)>,
    },
}

/// How a body stops early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The connection is closed.
    Cut,
    /// Nothing more is sent; the connection stays open until the client leaves (a minute at most).
    Stall,
}

#[derive(Default)]
struct State {
    entries: Mutex<HashMap<String, Entry>>,
    requests: Mutex<Vec<HubRequest>>,
    sent: AtomicU64,
    /// The next file body stops after this many bytes (then disarmed): cut, or stalled.
    cut_next: Mutex<Option<(u64, Stop)>>,
    ignore_ranges: Mutex<bool>,
}

/// A running fake file host. Dropping it stops it.
pub struct Hub {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Hub {
    /// Starts an empty hub (every path is 404 until served).
    pub fn start() -> Hub {
        let state = Arc::new(State::default());
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
                addr_tx
                    .send(listener.local_addr().expect("addr"))
                    .expect("send addr");
                let accept = async {
                    loop {
                        if let Ok((socket, _)) = listener.accept().await {
                            tokio::spawn(serve(socket, st.clone()));
                        }
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop_rx => {}
                }
            });
        });
        let addr = addr_rx.recv().expect("the hub started");
        Hub {
            addr,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Serves `bytes` at `path` (with `Range` support).
    pub fn serve(&self, path: &str, bytes: Vec<u8>) {
        self.serve_with(path, bytes, &[]);
    }

    /// Serves `bytes` at `path` with extra response headers (an `ETag`, …).
    pub fn serve_with(&self, path: &str, bytes: Vec<u8>, headers: &[(&str, &str)]) {
        self.put(
            path,
            Entry::File {
                bytes: Arc::new(bytes),
                headers: own(headers),
            },
        );
    }

    /// Answers `path` with a 302 to `to` (a path on this hub or a URL), with extra headers —
    /// as the Hub answers `/resolve/` with `X-Linked-Etag` and `X-Linked-Size`.
    pub fn redirect(&self, path: &str, to: &str, headers: &[(&str, &str)]) {
        self.put(
            path,
            Entry::Redirect {
                to: to.into(),
                headers: own(headers),
            },
        );
    }

    /// The next file body sent is cut (the connection closed) after `n` bytes.
    pub fn cut_next_after(&self, n: u64) {
        *self.state.cut_next.lock().unwrap() = Some((n, Stop::Cut));
    }

    /// The next file body sent stops after `n` bytes, the connection left open (a stalled
    /// download, for cancelling).
    pub fn stall_next_after(&self, n: u64) {
        *self.state.cut_next.lock().unwrap() = Some((n, Stop::Stall));
    }

    /// Whether `Range` headers are ignored (a 200 with the whole file is sent instead).
    pub fn ignore_ranges(&self, ignore: bool) {
        *self.state.ignore_ranges.lock().unwrap() = ignore;
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<HubRequest> {
        self.state.requests.lock().unwrap().clone()
    }

    /// Body bytes of files sent so far.
    pub fn bytes_sent(&self) -> u64 {
        self.state.sent.load(Ordering::SeqCst)
    }

    fn put(&self, path: &str, entry: Entry) {
        self.state
            .entries
            .lock()
            .unwrap()
            .insert(path.into(), entry);
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn own(headers: &[(&str, &str)]) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
        .collect()
}

async fn serve(mut socket: TcpStream, state: Arc<State>) {
    let _ = socket.set_nodelay(true);
    let Some(request) = read_head(&mut socket).await else {
        return;
    };
    state.requests.lock().unwrap().push(request.clone());
    let entry = state.entries.lock().unwrap().get(&request.path).cloned();
    let (status, mut headers, body): (u16, Vec<(String, String)>, &[u8]) = match &entry {
        None => (404, vec![], b"Entry not found"),
        Some(Entry::Redirect { to, headers }) => {
            let mut h = headers.clone();
            h.push(("location".into(), to.clone()));
            (302, h, b"")
        }
        Some(Entry::File { bytes, headers }) => {
            let len = bytes.len() as u64;
            let ignore = *state.ignore_ranges.lock().unwrap();
            let start = request
                .header("range")
                .filter(|_| !ignore)
                .and_then(|r| r.strip_prefix("bytes="))
                .and_then(|r| r.strip_suffix('-'))
                .and_then(|n| n.parse::<u64>().ok());
            let mut h = headers.clone();
            h.push(("accept-ranges".into(), "bytes".into()));
            match start {
                Some(s) if s >= len => {
                    h.push(("content-range".into(), format!("bytes */{len}")));
                    (416, h, b"")
                }
                Some(s) => {
                    h.push((
                        "content-range".into(),
                        format!("bytes {s}-{}/{len}", len - 1),
                    ));
                    (206, h, &bytes[s as usize..])
                }
                None => (200, h, &bytes[..]),
            }
        }
    };
    let is_file = matches!(status, 200 | 206);
    headers.push(("content-length".into(), body.len().to_string()));
    headers.push(("connection".into(), "close".into()));
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in &headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    head.push_str("\r\n");
    if socket.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let limit = if is_file {
        state.cut_next.lock().unwrap().take()
    } else {
        None
    };
    let to_send = match limit {
        Some((n, _)) => &body[..body.len().min(n as usize)],
        None => body,
    };
    for piece in to_send.chunks(16 * 1024) {
        if socket.write_all(piece).await.is_err() {
            return;
        }
        if is_file {
            state.sent.fetch_add(piece.len() as u64, Ordering::SeqCst);
        }
    }
    let _ = socket.flush().await;
    if matches!(limit, Some((_, Stop::Stall))) {
        let mut buf = [0u8; 256];
        let _ = tokio::time::timeout(std::time::Duration::from_secs(60), async {
            while matches!(socket.read(&mut buf).await, Ok(n) if n > 0) {}
        })
        .await;
    }
    let _ = socket.shutdown().await;
}

async fn read_head(socket: &mut TcpStream) -> Option<HubRequest> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..end]).to_string();
    let mut lines = head.split("\r\n");
    let path = lines.next()?.split(' ').nth(1)?.to_string();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(HubRequest { path, headers })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        206 => "Partial Content",
        302 => "Found",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        _ => "Status",
    }
}
