//! The gateway's accept loop: HTTP/1.1 over hyper with a deadline for each request head, a cap
//! on the head's size, and a cap on open connections (`axum::serve` has neither).
//!
//! Over the cap, a connection is answered 503 with `Retry-After` and closed, so a flood of idle or
//! half-sent connections cannot use up the process's file descriptors. So that the client can
//! read the 503 (a close with its request unread would reset the connection), up to 64 refused
//! connections at a time have their request drained for at most a second; beyond those, the 503
//! is written once and the connection dropped at once. An idle keep-alive connection is under the same head deadline, so
//! a held connection frees its place within it.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use super::{ApiError, Gateway};

/// The largest request head (request line and headers); a bigger one is answered 431.
pub const HEAD_BYTES: usize = 64 * 1024;
/// Refused connections drained at once, and for how long, and how much of each.
const REFUSING: usize = 64;
const REFUSE_FOR: Duration = Duration::from_secs(1);
const REFUSE_DRAIN: usize = 64 * 1024;
/// How long a stopping gateway waits for the requests in flight.
const DRAIN: Duration = Duration::from_secs(5);

/// What a connection over the cap is told before it is closed.
fn busy() -> Vec<u8> {
    let body = ApiError::new(
        503,
        "server_error",
        "too_many_connections",
        "the gateway has the most connections it keeps open; retry shortly",
    )
    .body()
    .to_string();
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves `gw` on `listener` until `shutdown` resolves, then waits up to 5 s for the requests in
/// flight.
pub(super) async fn serve(
    gw: &Arc<Gateway>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = gw.app();
    let busy: Arc<[u8]> = busy().into();
    let refusing = Arc::new(Semaphore::new(REFUSING));
    let open = Arc::new(Semaphore::new(gw.limits.connections.max(1)));
    let graceful = GracefulShutdown::new();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(gw.limits.header_read)
        .max_header_size(HEAD_BYTES)
        .max_buf_size(HEAD_BYTES);
    tokio::pin!(shutdown);
    loop {
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    // Out of file descriptors (or the like): wait rather than spin.
                    if !is_connection_error(&e) {
                        tracing::warn!("gateway: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                    }
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        let Ok(place) = open.clone().try_acquire_owned() else {
            match refusing.clone().try_acquire_owned() {
                Ok(p) => {
                    let busy = busy.clone();
                    tokio::spawn(async move {
                        refuse(tcp, &busy).await;
                        drop(p);
                    });
                }
                Err(_) => {
                    let _ = tcp.try_write(&busy);
                }
            }
            continue;
        };
        // Small SSE writes go out at once: without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms.
        let _ = tcp.set_nodelay(true);
        let conn = http.serve_connection(TokioIo::new(tcp), TowerToHyperService::new(app.clone()));
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            let _ = conn.await;
            drop(place);
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(DRAIN, graceful.shutdown()).await;
    Ok(())
}

/// Tells a connection over the cap to come back later and closes it, reading (and dropping) a
/// little of its request first so the close does not reset the answer away.
async fn refuse(mut tcp: TcpStream, busy: &[u8]) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout(REFUSE_FOR, async {
        tcp.write_all(busy).await?;
        tcp.shutdown().await?;
        let (mut sink, mut read) = ([0u8; 4096], 0);
        while read < REFUSE_DRAIN {
            match tcp.read(&mut sink).await? {
                0 => break,
                n => read += n,
            }
        }
        Ok::<_, std::io::Error>(())
    })
    .await;
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_busy_answer_is_well_formed() {
        let busy = super::busy();
        let text = std::str::from_utf8(&busy).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.contains(&format!("Content-Length: {}", body.len())));
        serde_json::from_str::<serde_json::Value>(body).unwrap();
    }
}
