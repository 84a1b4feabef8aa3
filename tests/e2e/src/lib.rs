//! What the end-to-end tests and the window benchmark share: WebKitWebDriver started with a
//! scratch data dir, a WebDriver session on the app (or MiniBrowser), and waits and screenshots.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::ClientBuilder;
use serde_json::json;

/// The app binary: `ROUNDTABLE_APP`, else the debug build beside this target dir.
pub fn app_binary() -> PathBuf {
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

/// The app binary, after checking that there is a display (`xvfb-run`) and that it is built.
pub fn require_app() -> PathBuf {
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
    app
}

/// The `roundtable` CLI built beside the app, after [`require_app`]'s checks.
pub fn require_cli() -> PathBuf {
    let cli = require_app().with_file_name("roundtable");
    assert!(
        cli.exists(),
        "build the CLI first ({} is missing)",
        cli.display()
    );
    cli
}

/// Where screenshots and logs go (`tests/e2e/artifacts`, not committed).
pub fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("artifacts");
    std::fs::create_dir_all(&dir).expect("artifacts dir");
    dir
}

/// WebKitWebDriver, stopped (SIGTERM via kill) when dropped.
pub struct Driver {
    child: Child,
    /// Where it listens.
    pub port: u16,
}

impl Driver {
    /// Starts the driver; the app it launches inherits `home` as its data dir.
    pub fn start(home: &std::path::Path) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let log = std::fs::File::create(artifacts().join("webdriver.log")).expect("driver log");
        let child = Command::new("WebKitWebDriver")
            .arg(format!("--port={port}"))
            .env("TAURI_WEBVIEW_AUTOMATION", "true")
            .env("ROUNDTABLE_HOME", home)
            // The web view's storage too, so no run sees another's.
            .env("XDG_DATA_HOME", home.join("xdg-data"))
            .env("XDG_CACHE_HOME", home.join("xdg-cache"))
            .env("XDG_CONFIG_HOME", home.join("xdg-config"))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("WebKitWebDriver runs (package webkit2gtk-driver)");
        Driver { child, port }
    }

    /// The driver's process id (the app it starts is its child).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Driver {
    /// Stops the driver and whatever it started (the app and WebKit's processes): nothing is
    /// left running, and the next launch on the same data dir is not taken for a second instance.
    fn drop(&mut self) {
        let below = descendants(self.child.id());
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let _ = self.child.wait();
        kill_and_wait(&below);
    }
}

/// SIGKILLs `pids` and waits (up to 5 s) until they are gone.
pub fn kill_and_wait(pids: &[u32]) {
    for pid in pids {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    while pids.iter().any(|p| {
        // A zombie is gone for this purpose (its parent reaps it).
        std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| {
            s.rsplit_once(')')
                .is_some_and(|(_, r)| !r.trim_start().starts_with('Z'))
        })
    }) && std::time::Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Every process below `root`.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut parents = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        // pid (comm) state ppid …: comm may hold spaces, so read after the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<u32>().ok());
        if let Some(ppid) = ppid {
            parents.push((pid, ppid));
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(c, _)| *c));
        i += 1;
    }
    out.remove(0);
    out
}

/// A WebDriver session through `driver` with a browser (the app, or MiniBrowser).
pub async fn session(driver: &Driver, browser: serde_json::Value) -> fantoccini::Client {
    let mut caps = serde_json::Map::new();
    caps.insert("webkitgtk:browserOptions".into(), browser);
    let url = format!("http://127.0.0.1:{}", driver.port);
    // The driver takes a moment to listen; the session hangs forever if the browser cannot start.
    tokio::time::timeout(Duration::from_secs(90), async {
        loop {
            let mut builder = ClientBuilder::rustls().expect("a TLS connector");
            match builder.capabilities(caps.clone()).connect(&url).await {
                Ok(c) => break c,
                Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
            }
        }
    })
    .await
    .expect("a WebDriver session within 90 s")
}
/// A scratch data dir for the app, removed at the end.
pub fn tempfile_dir() -> TempHome {
    static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("roundtable-e2e-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    TempHome(dir)
}

pub struct TempHome(pub PathBuf);

impl Drop for TempHome {
    fn drop(&mut self) {
        // Kept after a failure, for a look at its database.
        if !std::thread::panicking() {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// Waits until `js` (a function body returning a boolean) holds in the page.
pub async fn wait_js(client: &fantoccini::Client, js: &str, what: &str) {
    for _ in 0..300 {
        if client.execute(js, vec![]).await.ok() == Some(json!(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let dom = client
        .execute(
            "return document.querySelector('.messages')?.innerText ?? ''",
            vec![],
        )
        .await
        .unwrap_or_default();
    let _ = std::fs::write(artifacts().join("timeout.txt"), dom.to_string());
    if let Ok(png) = client.screenshot().await {
        let _ = std::fs::write(artifacts().join("timeout.png"), png);
    }
    panic!("timed out waiting for {what}");
}

/// Saves a screenshot of the window, two frames after the last DOM change, as `artifacts/NAME`.
pub async fn screenshot(client: &fantoccini::Client, name: &str) {
    let _ = client
        .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));", vec![])
        .await;
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts().join(name), png).expect("save the screenshot");
}

/// The app (`app_binary`) in a new WebDriver session, with `home` as its data dir.
pub async fn launch(home: &Path) -> (Driver, fantoccini::Client) {
    launch_with(home, &app_binary(), &[]).await
}

/// `binary` (the app, or something that becomes it, such as the AppImage) started with `args`
/// in a new WebDriver session, with `home` as its data dir.
pub async fn launch_with(
    home: &Path,
    binary: &Path,
    args: &[&str],
) -> (Driver, fantoccini::Client) {
    let driver = Driver::start(home);
    let client = session(&driver, json!({"binary": binary, "args": args})).await;
    (driver, client)
}

/// A scratch data dir whose `config.toml` is `config`.
pub fn home_with_config(config: &str) -> TempHome {
    let home = tempfile_dir();
    std::fs::write(home.0.join("config.toml"), config).expect("write config.toml");
    home
}

/// A scratch data dir holding one conversation of `n` messages; answers it and the ids of its
/// oldest and newest messages.
pub fn home_with_long_conversation(n: usize) -> (TempHome, i64, i64) {
    use roundtable_engine::store::{SeedSpec, Store};
    let home = tempfile_dir();
    let store = Store::open(&home.0).expect("the store");
    let id = store
        .seed(SeedSpec {
            ledger_rows: 0,
            messages: n,
            messages_per_conversation: n,
            days: 1,
            seed: 7,
        })
        .expect("seed");
    let messages = store.conversation(id).expect("the conversation").messages;
    let (oldest, newest) = (messages[0].id, messages[messages.len() - 1].id);
    (home, oldest, newest)
}

/// Waits (10 ms polls, up to 60 s) until `js` returns true; for benchmarks, where `wait_js`'s
/// 100 ms polls are too coarse.
pub async fn poll(client: &fantoccini::Client, js: &str) {
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while std::time::Instant::now() < deadline {
        if client.execute(js, vec![]).await.ok() == Some(json!(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {js}");
}

/// The median (the upper one of an even count); NaN for none.
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    s.get(s.len() / 2).copied().unwrap_or(f64::NAN)
}

/// A script's answer that is a list of strings, as lines (anything else: none).
fn lines(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// Runs axe-core (the npm package in ui/node_modules) in the page; answers its serious and
/// critical violations, one line each: rule, impact, help and the first few elements.
pub async fn axe(client: &fantoccini::Client) -> Vec<String> {
    let loaded = client
        .execute("return typeof window.axe === 'object'", vec![])
        .await
        .ok()
        == Some(json!(true));
    if !loaded {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../../ui/node_modules/axe-core/axe.min.js");
        let source = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "axe-core from npm ({}): {e} — run npm ci in ui/",
                path.display()
            )
        });
        client
            .execute(&format!("{source}\n;return typeof window.axe"), vec![])
            .await
            .expect("axe-core loads in the page");
    }
    let out = client
        .execute_async(
            "const done = arguments[0];
             axe.run(document, { resultTypes: ['violations'],
                                 runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } })
               .then(r => done(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.length} element(s): ${v.nodes.slice(0, 4).map(n => n.target.join(' ') + (n.failureSummary ? ' [' + n.failureSummary.replace(/\\s+/g, ' ').slice(0, 160) + ']' : '')).join(' | ')}`)),
                     e => done(['axe failed: ' + e]));",
            vec![],
        )
        .await
        .expect("axe runs");
    lines(&out)
}

/// What is clipped or overlapping on screen now: every visible control (button, field, link,
/// tab, select) must lie inside the window (or inside a scrolling box, scrolled out of view), and
/// no two controls in the normal flow may overlap. Answers one line per problem.
pub async fn layout_problems(client: &fantoccini::Client) -> Vec<String> {
    let out = client
        .execute(
            r#"
            const W = innerWidth, H = innerHeight, out = [];
            const name = (e) => e.tagName.toLowerCase() + (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : '')
              + (e.getAttribute('aria-label') ? `[${e.getAttribute('aria-label')}]` : '') + (e.textContent ? ` "${e.textContent.trim().slice(0, 24)}"` : '');
            const shown = (e) => { const s = getComputedStyle(e); const r = e.getBoundingClientRect();
              return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !e.closest('[hidden], .visually-hidden') && s.display !== 'none'; };
            const scroller = (e) => { for (let p = e.parentElement; p; p = p.parentElement) { const s = getComputedStyle(p);
              if (/(auto|scroll)/.test(s.overflowX + s.overflowY) && (p.scrollWidth > p.clientWidth + 1 || p.scrollHeight > p.clientHeight + 1)) return p; } return null; };
            const floating = (e) => { for (let p = e; p; p = p.parentElement) { const s = getComputedStyle(p).position; if (s === 'absolute' || s === 'fixed') return true; } return false; };
            const all = [...document.querySelectorAll('button, input, select, textarea, a[href], [role=tab], [role=switch], [role=separator][tabindex]')].filter(shown);
            if (document.documentElement.scrollWidth > W + 1) out.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} > ${W}`);
            // What is seen of a control: inside a scrolling box, only the part in its viewport.
            const seen = new Map();
            for (const e of all) {
              const full = e.getBoundingClientRect();
              const sc = scroller(e);
              const b = sc ? sc.getBoundingClientRect() : { left: -Infinity, top: -Infinity, right: Infinity, bottom: Infinity };
              const r = { left: Math.max(full.left, b.left), top: Math.max(full.top, b.top), right: Math.min(full.right, b.right), bottom: Math.min(full.bottom, b.bottom) };
              if (r.right - r.left < 1 || r.bottom - r.top < 1) continue; // scrolled out of view: reachable by scrolling
              seen.set(e, r);
              if (r.left < -1 || r.top < -1 || r.right > W + 1 || r.bottom > H + 1) out.push(`outside the window: ${name(e)} at ${Math.round(r.left)},${Math.round(r.top)}–${Math.round(r.right)},${Math.round(r.bottom)}`);
              // Cut by a box that hides overflow without scrolling (up to the scrolling box, which is meant to cut).
              for (let p = e.parentElement; p && p !== document.body && p !== sc; p = p.parentElement) {
                const s = getComputedStyle(p);
                if ((s.overflowX === 'hidden' || s.overflowY === 'hidden') && !/(auto|scroll)/.test(s.overflowX + s.overflowY)) {
                  const q = p.getBoundingClientRect();
                  if (full.width > 4 && (full.left < q.left - 1 || full.right > q.right + 1 || full.top < q.top - 1 || full.bottom > q.bottom + 1)) {
                    out.push(`cut off by ${name(p).slice(0, 40)}: ${name(e)}`); break;
                  }
                }
              }
            }
            const flow = all.filter((e) => seen.has(e) && !floating(e));
            for (let i = 0; i < flow.length; i++) for (let j = i + 1; j < flow.length; j++) {
              const a = flow[i], b = flow[j];
              if (a.contains(b) || b.contains(a)) continue;
              const r = seen.get(a), q = seen.get(b);
              const w = Math.min(r.right, q.right) - Math.max(r.left, q.left), h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
              if (w > 2 && h > 2) out.push(`overlap: ${name(a)} and ${name(b)} (${Math.round(w)}×${Math.round(h)} px)`);
            }
            return out;
            "#,
            vec![],
        )
        .await
        .expect("the layout check runs");
    lines(&out)
}

/// Shows the page in a theme (`light` or `dark`) as the app's theme switch does, kept for the
/// session.
pub async fn set_theme(client: &fantoccini::Client, theme: &str) {
    client
        .execute(
            &format!(
                "localStorage.setItem('roundtable.theme', '{theme}'); document.documentElement.dataset.theme = '{theme}'; return true"
            ),
            vec![],
        )
        .await
        .expect("set the theme");
}

/// Types `keys` into whatever has focus, as a person at the keyboard would (WebDriver key codes:
/// `\u{E009}` Ctrl, `\u{E008}` Shift, `\u{E000}` releases them, `\u{E007}` Enter, `\u{E004}` Tab).
pub async fn keys(client: &fantoccini::Client, keys: &str) {
    let el = client.active_element().await.expect("the focused element");
    el.send_keys(keys).await.expect("type");
}

/// Presses Tab (or Shift+Tab with `back`) until the focused element matches `selector`; at most
/// `max` presses. Answers whether it got there.
pub async fn tab_to(client: &fantoccini::Client, selector: &str, back: bool, max: usize) -> bool {
    let check = format!("return !!document.activeElement?.matches({selector:?})");
    for _ in 0..max {
        if client.execute(&check, vec![]).await.ok() == Some(json!(true)) {
            return true;
        }
        keys(
            client,
            if back {
                "\u{E008}\u{E004}\u{E000}"
            } else {
                "\u{E004}"
            },
        )
        .await;
    }
    client.execute(&check, vec![]).await.ok() == Some(json!(true))
}
