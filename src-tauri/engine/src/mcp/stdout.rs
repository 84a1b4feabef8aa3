//! What stands between a stdio server's stdout and rmcp: it bounds every message and notes the
//! tools that require tasks.
//!
//! rmcp's line reader drops a line longer than its limit (we give it the same limit) and keeps
//! reading, so memory stays bounded — but the request that line answered would then wait for
//! its deadline. This reader counts each line as it passes; when one is over the limit it finds
//! the line's JSON-RPC `id` in its first or last bytes and, right after the dropped line, hands
//! rmcp an error response for that id, so the call ends at once with a message that says why.
//!
//! rmcp 3.11's `Tool` has no `execution` field, so `execution.taskSupport: "required"` (a tool a
//! plain `tools/call` cannot run) would be lost in parsing. Lines that mention `taskSupport` (a
//! `tools/list` page) are read here too, and the names of such tools are noted.

use std::collections::HashSet;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use tokio::io::{AsyncRead, ReadBuf};

/// How many bytes of an over-long line's start and end are kept to find its `id`.
const EDGE: usize = 512;

/// The longest line read again here for `taskSupport` (a `tools/list` page is far smaller).
const TAP_MAX: usize = 1 << 20;

/// What the reader tells its connection.
#[derive(Default)]
pub(crate) struct Seen {
    /// Tools whose `execution.taskSupport` is `"required"`.
    pub(crate) task_required: Mutex<HashSet<String>>,
    /// Lines dropped for being over the limit.
    pub(crate) oversized: AtomicU64,
}

/// A bounded, observing reader of a server's stdout.
pub(crate) struct Bounded<R> {
    inner: R,
    limit: usize,
    server: String,
    seen: Arc<Seen>,
    buf: Box<[u8]>,
    pos: usize,
    end: usize,
    /// An error response to hand out before reading on.
    inject: Vec<u8>,
    injected: usize,
    /// The current line so far.
    len: usize,
    head: Vec<u8>,
    tail: Vec<u8>,
    copy: Option<Vec<u8>>,
}

impl<R> Bounded<R> {
    pub(crate) fn new(inner: R, limit: usize, server: &str, seen: Arc<Seen>) -> Self {
        Bounded {
            inner,
            limit,
            server: server.to_string(),
            seen,
            buf: vec![0u8; 64 * 1024].into_boxed_slice(),
            pos: 0,
            end: 0,
            inject: Vec::new(),
            injected: 0,
            len: 0,
            head: Vec::new(),
            tail: Vec::new(),
            copy: Some(Vec::new()),
        }
    }

    /// Takes in a piece of the current line (ending with its `\n` if `ends`).
    fn observe(&mut self, piece: &[u8], ends: bool) {
        self.len = self.len.saturating_add(piece.len());
        if self.head.len() < EDGE {
            let take = (EDGE - self.head.len()).min(piece.len());
            self.head.extend_from_slice(&piece[..take]);
        }
        self.tail
            .extend_from_slice(&piece[piece.len().saturating_sub(EDGE)..]);
        if self.tail.len() > 2 * EDGE {
            let cut = self.tail.len() - EDGE;
            self.tail.drain(..cut);
        }
        if let Some(copy) = &mut self.copy {
            if copy.len() + piece.len() <= TAP_MAX {
                copy.extend_from_slice(piece);
            } else {
                self.copy = None;
            }
        }
        if ends {
            self.finish_line();
        }
    }

    fn finish_line(&mut self) {
        if self.len > self.limit {
            self.seen.oversized.fetch_add(1, Ordering::Relaxed);
            let id = id_in_head(&self.head).or_else(|| id_in_tail(&self.tail));
            tracing::warn!(
                server = %self.server,
                bytes = self.len,
                "an MCP message over the size limit was dropped"
            );
            if let Some(id) = id {
                let message = format!(
                    "MCP server `{}` answered with a message of {}, over the {} limit per message; the answer was dropped",
                    self.server,
                    size(self.len),
                    size(self.limit)
                );
                let error = serde_json::json!({
                    "jsonrpc": "2.0",
                    "id": id,
                    "error": {"code": -32603, "message": message},
                });
                self.inject = format!("{error}\n").into_bytes();
                self.injected = 0;
            }
        } else if let Some(copy) = &self.copy {
            if memchr::memmem::find(copy, b"\"taskSupport\"").is_some() {
                note_task_tools(copy, &self.seen);
            }
        }
        self.len = 0;
        self.head.clear();
        self.tail.clear();
        self.copy = Some(self.copy.take().map_or_else(Vec::new, |mut v| {
            v.clear();
            if v.capacity() > 64 * 1024 {
                v.shrink_to(64 * 1024);
            }
            v
        }));
    }
}

/// "20.0 MB", "16 MB", "300 KB".
pub(crate) fn size(bytes: usize) -> String {
    const MB: usize = 1 << 20;
    if bytes >= MB {
        if bytes.is_multiple_of(MB) {
            format!("{} MB", bytes / MB)
        } else {
            format!("{:.1} MB", bytes as f64 / MB as f64)
        }
    } else {
        format!("{} KB", bytes.div_ceil(1024))
    }
}

/// Collects the names of tools with `execution.taskSupport == "required"` from a line.
fn note_task_tools(line: &[u8], seen: &Seen) {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(line) else {
        return;
    };
    let Some(tools) = value
        .get("result")
        .and_then(|r| r.get("tools"))
        .and_then(|t| t.as_array())
    else {
        return;
    };
    let mut noted = seen.task_required.lock().unwrap_or_else(|p| p.into_inner());
    for tool in tools {
        let required = tool
            .pointer("/execution/taskSupport")
            .and_then(|s| s.as_str())
            == Some("required");
        if let (true, Some(name)) = (required, tool.get("name").and_then(|n| n.as_str())) {
            if noted.len() < 4096 {
                noted.insert(name.to_string());
            }
        }
    }
}

/// A JSON-RPC id (a number or a string) parsed from the start of `s`, and what follows it.
fn scalar(s: &str) -> Option<(serde_json::Value, &str)> {
    let s = s.trim_start();
    if let Some(rest) = s.strip_prefix('"') {
        let mut escaped = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    let raw = &s[..i + 2];
                    let value = serde_json::from_str(raw).ok()?;
                    return Some((value, &rest[i + 1..]));
                }
                _ => escaped = false,
            }
        }
        return None;
    }
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '-'))
        .unwrap_or(s.len());
    let value = serde_json::from_str(&s[..end]).ok()?;
    Some((value, &s[end..]))
}

/// The `id` of a message that starts `{"jsonrpc":"2.0","id":…` or `{"id":…` (Python's SDK).
fn id_in_head(head: &[u8]) -> Option<serde_json::Value> {
    let text = String::from_utf8_lossy(head);
    let mut s = text.trim_start().strip_prefix('{')?.trim_start();
    for _ in 0..2 {
        let (key, rest) = scalar(s)?;
        let rest = rest.trim_start().strip_prefix(':')?;
        let (value, rest) = scalar(rest)?;
        if key == "id" {
            return Some(value);
        }
        s = rest.trim_start().strip_prefix(',')?.trim_start();
    }
    None
}

/// The `id` of a message that ends `…,"id":N}` or `…,"jsonrpc":"2.0","id":N}` (Node's SDK writes
/// `result` first).
fn id_in_tail(tail: &[u8]) -> Option<serde_json::Value> {
    let text = String::from_utf8_lossy(tail);
    let body = text.trim_end().strip_suffix('}')?;
    // Try each `"id"` from the last one back; the one whose value reaches the end (possibly
    // followed by `"jsonrpc":"2.0"`) is the message's own.
    let mut search = body.len();
    while let Some(at) = body[..search].rfind("\"id\"") {
        let after = body[at + 4..].trim_start();
        if let Some(rest) = after.strip_prefix(':') {
            if let Some((value, rest)) = scalar(rest) {
                let rest = rest.trim();
                let ends = rest.is_empty()
                    || rest
                        .strip_prefix(',')
                        .map(|r| r.split_whitespace().collect::<String>())
                        .is_some_and(|r| r == "\"jsonrpc\":\"2.0\"");
                if ends {
                    return Some(value);
                }
            }
        }
        search = at;
    }
    None
}

impl<R: AsyncRead + Unpin> AsyncRead for Bounded<R> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        out: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if out.remaining() == 0 {
            return Poll::Ready(Ok(()));
        }
        loop {
            if this.injected < this.inject.len() {
                let n = (this.inject.len() - this.injected).min(out.remaining());
                out.put_slice(&this.inject[this.injected..this.injected + n]);
                this.injected += n;
                if this.injected == this.inject.len() {
                    this.inject.clear();
                    this.injected = 0;
                }
                return Poll::Ready(Ok(()));
            }
            if this.pos < this.end {
                let available = &this.buf[this.pos..this.end];
                let newline = memchr::memchr(b'\n', available);
                let mut n = newline.map_or(available.len(), |i| i + 1);
                n = n.min(out.remaining());
                let ends = newline == Some(n - 1);
                let buf = std::mem::take(&mut this.buf);
                let piece = &buf[this.pos..this.pos + n];
                out.put_slice(piece);
                this.observe(piece, ends);
                this.buf = buf;
                this.pos += n;
                return Poll::Ready(Ok(()));
            }
            let mut read = ReadBuf::new(&mut this.buf);
            match Pin::new(&mut this.inner).poll_read(cx, &mut read) {
                Poll::Ready(Ok(())) => {
                    let n = read.filled().len();
                    if n == 0 {
                        return Poll::Ready(Ok(()));
                    }
                    this.pos = 0;
                    this.end = n;
                }
                Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    #[test]
    fn ids_are_found_at_either_end() {
        let cases: [(&str, Option<serde_json::Value>); 6] = [
            (
                r#"{"jsonrpc":"2.0","id":7,"result":{"content":[{"text":"xx"#,
                Some(7.into()),
            ),
            (
                r#"{"id":"a\"b","jsonrpc":"2.0","result":"#,
                Some("a\"b".into()),
            ),
            (r#"{ "result" : {"content": []}, "#, None),
            (
                r#"{"jsonrpc":"2.0","method":"notifications/x","params":"#,
                None,
            ),
            (r#"{"jsonrpc": "2.0", "id": -3, "#, Some((-3).into())),
            ("garbage", None),
        ];
        for (head, want) in cases {
            assert_eq!(id_in_head(head.as_bytes()), want, "{head}");
        }
        let tails: [(&str, Option<serde_json::Value>); 5] = [
            (r#"xxx"}]},"jsonrpc":"2.0","id":12}"#, Some(12.into())),
            (r#"xxx"}]},"id":"r-1"}"#, Some("r-1".into())),
            (r#"xx","id":5}]},"id":9,"jsonrpc":"2.0"}"#, Some(9.into())),
            (r#"xx","id":5}]}}"#, None),
            (r#"xxxx"#, None),
        ];
        for (tail, want) in tails {
            assert_eq!(id_in_tail(tail.as_bytes()), want, "{tail}");
        }
    }

    async fn read_all(input: Vec<u8>, limit: usize, seen: Arc<Seen>) -> Vec<u8> {
        let mut r = Bounded::new(&input[..], limit, "s", seen);
        let mut out = Vec::new();
        r.read_to_end(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn an_oversized_answer_is_followed_by_an_error_for_its_id() {
        let big = format!(
            "{{\"result\":{{\"content\":[{{\"type\":\"text\",\"text\":\"{}\"}}]}},\"jsonrpc\":\"2.0\",\"id\":4}}\n",
            "x".repeat(300_000)
        );
        let input = [
            b"{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":{}}\n".to_vec(),
            big.clone().into_bytes(),
            b"after\n".to_vec(),
        ]
        .concat();
        let seen = Arc::new(Seen::default());
        let out = read_all(input, 100_000, seen.clone()).await;
        let text = String::from_utf8(out).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            4,
            "the dropped line is passed on, then the error, then the rest"
        );
        assert_eq!(lines[1], big.trim_end());
        let error: serde_json::Value = serde_json::from_str(lines[2]).unwrap();
        assert_eq!(error["id"], 4);
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains("over the 98 KB limit"), "{message}");
        assert_eq!(lines[3], "after");
        assert_eq!(seen.oversized.load(Ordering::Relaxed), 1);
    }

    #[tokio::test]
    async fn task_required_tools_are_noted() {
        let page = r#"{"result":{"tools":[{"name":"a","execution":{"taskSupport":"forbidden"}},{"name":"b","execution":{"taskSupport":"required"}},{"name":"c"}]},"jsonrpc":"2.0","id":2}"#;
        let seen = Arc::new(Seen::default());
        let out = read_all(format!("{page}\n").into_bytes(), 1 << 20, seen.clone()).await;
        assert_eq!(out, format!("{page}\n").into_bytes());
        let noted = seen.task_required.lock().unwrap().clone();
        assert_eq!(noted, HashSet::from(["b".to_string()]));
    }

    #[test]
    fn sizes_read_plainly() {
        assert_eq!(size(16 << 20), "16 MB");
        assert_eq!(size(20_971_520 + 1), "20.0 MB");
        assert_eq!(size(256 * 1024), "256 KB");
    }
}
