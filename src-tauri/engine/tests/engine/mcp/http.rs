//! Streamable HTTP servers: the Python SDK's own HTTP transport (misbehave.py in `http` mode),
//! with the auth header's value from the keychain sent to that server only — never across a
//! redirect, never in a message.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use roundtable_engine::keys::vault::MemoryStore;
use roundtable_engine::mcp::{save_auth, Kind, Mcp, McpError, McpServerConfig, State};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{python, text};

const SECRET: &str = "Bearer sekrit-mcp-123";

/// misbehave.py serving streamable HTTP on a free port; killed on drop.
struct HttpServer {
    child: std::process::Child,
    url: String,
}

impl HttpServer {
    fn start() -> HttpServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let script = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/mcp/misbehave.py");
        let child = std::process::Command::new(python())
            .arg(script)
            .arg("http")
            .arg(port.to_string())
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let up = super::eventually(Duration::from_secs(20), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(up, "misbehave.py http did not listen on {port}");
        HttpServer {
            child,
            url: format!("http://127.0.0.1:{port}/mcp"),
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn remote(url: &str, header: Option<&str>, secret: Option<&str>) -> Arc<Mcp> {
    let store = MemoryStore::new();
    if let Some(secret) = secret {
        save_auth(&store, "remote", url, secret).unwrap();
    }
    let config = McpServerConfig {
        auth_header: header.map(str::to_string),
        ..McpServerConfig::http(url)
    };
    let servers = BTreeMap::from([("remote".to_string(), config)]);
    Mcp::new(&servers, Arc::new(store))
}

#[tokio::test]
async fn an_http_server_gets_its_auth_header_and_answers() {
    let server = HttpServer::start();
    let mcp = remote(&server.url, Some("Authorization"), Some(SECRET));
    let tools = mcp.tools("remote").await.unwrap();
    let echo = tools.iter().find(|t| t.name == "echo").unwrap();
    assert_eq!(echo.namespaced, "remote__echo");
    let out = mcp
        .call("remote", "echo", json!({"message": "over http"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "misbehave echo: over http");
    let headers = mcp
        .call("remote", "headers", json!({}), None)
        .await
        .unwrap();
    assert!(
        text(&headers)
            .lines()
            .any(|l| l == format!("authorization: {SECRET}")),
        "{}",
        text(&headers)
    );
    let status = &mcp.status()[0];
    assert_eq!((status.kind, status.state), (Kind::Http, State::Running));
    assert_eq!(status.pid, None);
    assert!(!format!("{status:?}").contains("sekrit"));
    mcp.shutdown().await;
}

#[tokio::test]
async fn a_missing_auth_value_is_named_without_starting() {
    let server = HttpServer::start();
    let mcp = remote(&server.url, Some("Authorization"), None);
    let error = mcp.tools("remote").await.unwrap_err();
    assert!(matches!(error, McpError::Start { .. }));
    assert!(
        error
            .to_string()
            .contains("no value for its auth header `Authorization` is saved in the keychain"),
        "{error}"
    );
}

#[tokio::test]
async fn a_redirect_is_not_followed_and_the_secret_goes_nowhere_else() {
    // Where the redirect points: it must never be reached.
    let elsewhere = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let elsewhere_port = elsewhere.local_addr().unwrap().port();
    let reached = Arc::new(AtomicUsize::new(0));
    {
        let reached = reached.clone();
        tokio::spawn(async move {
            while let Ok((_socket, _)) = elsewhere.accept().await {
                reached.fetch_add(1, Ordering::SeqCst);
            }
        });
    }
    // The configured server answers everything with a 307 to the other origin.
    let redirector = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = redirector.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = redirector.accept().await {
            tokio::spawn(async move {
                let mut buf = vec![0u8; 64 * 1024];
                let _ = tokio::time::timeout(Duration::from_secs(2), socket.read(&mut buf)).await;
                let reply = format!(
                    "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.1:{elsewhere_port}/mcp\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                );
                let _ = socket.write_all(reply.as_bytes()).await;
            });
        }
    });
    let mcp = remote(
        &format!("http://127.0.0.1:{port}/mcp"),
        Some("Authorization"),
        Some(SECRET),
    );
    let error = mcp.tools("remote").await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, McpError::Start { .. }), "{error:?}");
    assert!(!message.contains("sekrit"), "{message}");
    assert!(message.contains("307"), "{message}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}
