//! The real app window, started by WebKitWebDriver under Xvfb and driven over WebDriver.
//!
//! Run through `.ci/run` (it builds the app, and wraps this in `xvfb-run` and `dbus-run-session`).
//! `ROUNDTABLE_APP` names the app binary; by default it sits beside this test's target dir.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::json;

fn app_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("ROUNDTABLE_APP") {
        return PathBuf::from(path);
    }
    // target/debug/deps/window-… → target/debug/roundtable-app
    let exe = std::env::current_exe().expect("the test's own path");
    exe.parent()
        .and_then(|d| d.parent())
        .expect("target/debug")
        .join("roundtable-app")
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// WebKitWebDriver, stopped (SIGTERM via kill) when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Starts the driver; the app it launches inherits `home` as its data dir.
    fn start(home: &std::path::Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::fs::File::create(artifacts().join("webdriver.log")).expect("driver log");
        let child = Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("ROUNDTABLE_HOME", home)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("WebKitWebDriver runs (package webkit2gtk-driver)");
        Driver { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn the_window_opens_and_shows_the_name_and_version_from_the_backend() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run under xvfb-run (see .ci/run): no DISPLAY"
    );
    let app = app_binary();
    assert!(
        app.exists(),
        "build the app first: cargo build -p roundtable-app ({} is missing)",
        app.display()
    );
    let home = tempfile_dir();
    let driver = Driver::start(&home.0);

    let mut caps = serde_json::Map::new();
    caps.insert(
        "webkitgtk:browserOptions".into(),
        json!({"binary": app, "args": []}),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    // The driver takes a moment to listen; the session hangs forever if the app cannot start.
    let client = tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            let mut builder = ClientBuilder::rustls().expect("a TLS connector");
            match builder.capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })
    .await
    .expect("a WebDriver session with the app within 90 s");

    let version = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Id("app-version"))
        .await
        .expect("#app-version");
    let expected = format!(
        "version {} · engine {}",
        env!("CARGO_PKG_VERSION"),
        env!("CARGO_PKG_VERSION")
    );
    let mut shown = String::new();
    for _ in 0..100 {
        shown = version.text().await.expect("its text");
        if shown == expected {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        shown, expected,
        "the version came from the app_info command"
    );
    let name = client
        .find(Locator::Id("app-name"))
        .await
        .expect("#app-name")
        .text()
        .await
        .expect("text");
    assert_eq!(name, "Roundtable");
    assert_eq!(client.title().await.expect("title"), "Roundtable");

    // Two frames later the screen shows the new DOM; save a screenshot for people to look at.
    let _ = client
        .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));", vec![])
        .await;
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(artifacts().join("window.png"), png).expect("save the screenshot");
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}

/// A scratch data dir for the app, removed at the end.
fn tempfile_dir() -> TempHome {
    let dir = std::env::temp_dir().join(format!("roundtable-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    TempHome(dir)
}

struct TempHome(PathBuf);

impl Drop for TempHome {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
