//! A fake provider: a real HTTP/1.1 server on `127.0.0.1:0`, on its own thread and runtime (so
//! sync tests and spawned processes can use it), that answers each request with a scripted
//! [`Reply`] — including the faults no well-behaved server would produce: resets, stalls, cut
//! streams, garbage.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, Notify};

/// A request as the fake received it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path with its query.
    pub path: String,
    /// Headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Request {
    /// The first header with this (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    /// The body as JSON (`Null` if it is not).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }
}

/// One step of writing a response body.
#[derive(Debug, Clone)]
pub enum Step {
    /// Write these bytes (as one HTTP chunk when chunked).
    Send(Vec<u8>),
    /// Wait.
    Sleep(Duration),
    /// Reset the connection (RST) now.
    Reset,
    /// Stop sending, keep the connection open until the client leaves.
    Stall,
    /// Close the connection now, without the terminating chunk.
    Cut,
    /// Record the instant this step is reached (benchmarks: when the first byte leaves).
    Mark,
}

/// What the fake answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An HTTP response.
    Http {
        /// Status code.
        status: u16,
        /// Headers (content-type included).
        headers: Vec<(String, String)>,
        /// The body, step by step.
        steps: Vec<Step>,
        /// Chunked transfer encoding (streams) rather than Content-Length.
        chunked: bool,
    },
    /// Reset the connection before sending any header.
    ResetBeforeHeaders,
    /// Never answer; keep the connection until the client leaves.
    StallBeforeHeaders,
}

impl Reply {
    /// A complete body with Content-Length.
    pub fn body(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Http {
            status,
            headers: vec![("content-type".into(), content_type.into())],
            steps: vec![Step::Send(body.into())],
            chunked: false,
        }
    }
    /// A JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Reply {
        Reply::body(status, "application/json", value.to_string())
    }
    /// A chunked stream, one HTTP chunk per piece.
    pub fn stream<S: Into<Vec<u8>>>(
        content_type: &str,
        pieces: impl IntoIterator<Item = S>,
    ) -> Reply {
        Reply::Http {
            status: 200,
            headers: vec![("content-type".into(), content_type.into())],
            steps: pieces.into_iter().map(|p| Step::Send(p.into())).collect(),
            chunked: true,
        }
    }
    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Http { headers, .. } = &mut self {
            headers.push((name.to_ascii_lowercase(), value.to_string()));
        }
        self
    }
    /// Adds steps after the body.
    pub fn then(mut self, more: impl IntoIterator<Item = Step>) -> Reply {
        if let Reply::Http { steps, .. } = &mut self {
            steps.extend(more);
        }
        self
    }
    /// Puts a pause before every body step (a slow stream).
    pub fn paced(mut self, pause: Duration) -> Reply {
        if let Reply::Http { steps, .. } = &mut self {
            let old = std::mem::take(steps);
            for s in old {
                if matches!(s, Step::Send(_)) {
                    steps.push(Step::Sleep(pause));
                }
                steps.push(s);
            }
        }
        self
    }
}

type Handler = dyn Fn(&Request) -> Reply + Send + Sync;

struct State {
    handler: Box<Handler>,
    requests: Mutex<Vec<Request>>,
    disconnects: AtomicUsize,
    changed: Notify,
    marks: Mutex<Vec<std::time::Instant>>,
}

/// A running fake provider. Dropping it stops it.
pub struct FakeServer {
    addr: SocketAddr,
    state: Arc<State>,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl FakeServer {
    /// Starts a fake that answers every request with `handler`'s reply.
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> FakeServer {
        let state = Arc::new(State {
            handler: Box::new(handler),
            requests: Mutex::new(Vec::new()),
            disconnects: AtomicUsize::new(0),
            changed: Notify::new(),
            marks: Mutex::new(Vec::new()),
        });
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = oneshot::channel();
        let st = state.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(async move {
                let listener = TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind 127.0.0.1:0");
                addr_tx
                    .send(listener.local_addr().expect("local addr"))
                    .expect("send addr");
                let accept = async {
                    loop {
                        let Ok((socket, _)) = listener.accept().await else {
                            continue;
                        };
                        tokio::spawn(serve(socket, st.clone()));
                    }
                };
                tokio::select! {
                    _ = accept => {}
                    _ = stop_rx => {}
                }
            });
        });
        let addr = addr_rx.recv().expect("the fake server started");
        FakeServer {
            addr,
            state,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// Starts a fake that gives the same reply to every request.
    pub fn always(reply: Reply) -> FakeServer {
        FakeServer::start(move |_| reply.clone())
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Request> {
        self.state
            .requests
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The instants at which [`Step::Mark`] steps were reached, in order.
    pub fn marks(&self) -> Vec<std::time::Instant> {
        self.state
            .marks
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// How many times a client went away while the fake was still sending or waiting.
    pub fn disconnects(&self) -> usize {
        self.state.disconnects.load(Ordering::SeqCst)
    }

    /// Waits up to `limit` for a client to go away mid-answer; true if one did. (Async, so that
    /// the client's own tasks on the same runtime keep running.)
    pub async fn wait_for_disconnect(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        while tokio::time::Instant::now() < deadline {
            if self.disconnects() > 0 {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        self.disconnects() > 0
    }

    /// [`FakeServer::wait_for_disconnect`] for sync tests (the client runs in another process).
    pub fn wait_for_disconnect_blocking(&self, limit: Duration) -> bool {
        let deadline = std::time::Instant::now() + limit;
        while std::time::Instant::now() < deadline {
            if self.disconnects() > 0 {
                return true;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        self.disconnects() > 0
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(socket: TcpStream, state: Arc<State>) {
    let _ = socket.set_nodelay(true);
    let (mut read, mut write) = socket.into_split();
    let Some(request) = read_request(&mut read).await else {
        return;
    };
    let reply = (state.handler)(&request);
    if let Ok(mut log) = state.requests.lock() {
        log.push(request);
    }
    state.changed.notify_waiters();
    let left = match reply {
        Reply::ResetBeforeHeaders => {
            reset(&write);
            false
        }
        Reply::StallBeforeHeaders => wait_for_close(&mut read).await,
        Reply::Http {
            status,
            headers,
            steps,
            chunked,
        } => {
            answer(
                &state, &mut read, &mut write, status, &headers, &steps, chunked,
            )
            .await
        }
    };
    if left {
        state.disconnects.fetch_add(1, Ordering::SeqCst);
        state.changed.notify_waiters();
    }
}

/// Writes the answer; true if the client went away before it was done.
async fn answer(
    state: &State,
    read: &mut OwnedReadHalf,
    write: &mut OwnedWriteHalf,
    status: u16,
    headers: &[(String, String)],
    steps: &[Step],
    chunked: bool,
) -> bool {
    let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if chunked {
        head.push_str("transfer-encoding: chunked\r\n");
    } else {
        let len: usize = steps
            .iter()
            .map(|s| if let Step::Send(b) = s { b.len() } else { 0 })
            .sum();
        head.push_str(&format!("content-length: {len}\r\n"));
    }
    head.push_str("connection: close\r\n\r\n");
    if write.write_all(head.as_bytes()).await.is_err() {
        return true;
    }
    for step in steps {
        match step {
            Step::Send(bytes) => {
                let ok = if chunked {
                    let mut frame = format!("{:x}\r\n", bytes.len()).into_bytes();
                    frame.extend_from_slice(bytes);
                    frame.extend_from_slice(b"\r\n");
                    write.write_all(&frame).await.is_ok()
                } else {
                    write.write_all(bytes).await.is_ok()
                };
                if !ok || write.flush().await.is_err() {
                    return true;
                }
            }
            Step::Sleep(d) => {
                let mut buf = [0u8; 64];
                tokio::select! {
                    _ = tokio::time::sleep(*d) => {}
                    n = read.read(&mut buf) => if matches!(n, Ok(0) | Err(_)) { return true },
                }
            }
            Step::Reset => {
                reset(write);
                return false;
            }
            Step::Stall => return wait_for_close(read).await,
            Step::Cut => {
                let _ = write.shutdown().await;
                return false;
            }
            Step::Mark => {
                if let Ok(mut marks) = state.marks.lock() {
                    marks.push(std::time::Instant::now());
                }
            }
        }
    }
    if chunked && write.write_all(b"0\r\n\r\n").await.is_err() {
        return true;
    }
    let _ = write.shutdown().await;
    false
}

/// Sets SO_LINGER to zero so that closing sends RST.
fn reset(write: &OwnedWriteHalf) {
    let stream: &TcpStream = write.as_ref();
    #[allow(deprecated)] // set_linger is the portable way to force an RST here.
    let _ = stream.set_linger(Some(Duration::ZERO));
}

/// Waits (at most a minute) for the client to close; true if it did.
async fn wait_for_close(read: &mut OwnedReadHalf) -> bool {
    let mut buf = [0u8; 1024];
    let waited = tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    })
    .await;
    waited.is_ok()
}

async fn read_request(read: &mut OwnedReadHalf) -> Option<Request> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 256 * 1024 {
            return None;
        }
        let n = read.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = read.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(len);
    Some(Request {
        method,
        path,
        headers,
        body,
    })
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        529 => "Overloaded",
        _ => "Status",
    }
}
