//! The app's face in the real window (issue 16): the main journeys by keyboard alone; axe-core on
//! every view in light and dark; every view at the minimum window size (640 × 480) with nothing
//! clipped or overlapping; the window's size kept across launches; one instance per data dir.
//! Screenshots of each view go to `artifacts/face/`.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use roundtable_e2e::{
    artifacts, axe, descendants, home_with_config, keys, kill_and_wait, launch, layout_problems,
    require_app, screenshot, set_theme, tab_to, wait_js,
};
use roundtable_fakes::{Answer, FakeServer, Protocol};
use serde_json::json;

const CTRL: &str = "\u{E009}";
const SHIFT: &str = "\u{E008}";
const UP: &str = "\u{E000}";
const ENTER: &str = "\u{E007}";
const DOWN: &str = "\u{E015}";

/// A fake OpenAI-style provider with m1 and m2, each answering with a little Markdown.
fn provider() -> FakeServer {
    FakeServer::start(|req| {
        if req.path.ends_with("/models") {
            return Protocol::OpenAi.models(&["m1", "m2"]);
        }
        let model = req.json()["model"].as_str().unwrap_or("").to_string();
        let text = format!(
            "## From {model}\n\nA short answer with `code` and a list:\n\n- one\n- two\n\n```rust\nfn main() {{}}\n```\n"
        );
        Protocol::OpenAi
            .stream(&Answer::new(&model, &[&text]))
            .paced(Duration::from_millis(5))
    })
}

const SENTINEL: &str = "sentinel-face-key-9e41b7";

/// A provider that answers only with the sentinel key.
fn keyed() -> FakeServer {
    FakeServer::start(|req| {
        if req.header("authorization") != Some(&format!("Bearer {SENTINEL}")) {
            return Protocol::OpenAi.error(401, "invalid_api_key", "Incorrect API key provided");
        }
        if req.path.ends_with("/models") {
            Protocol::OpenAi.models(&["k1"])
        } else {
            Protocol::OpenAi.stream(&Answer::new("k1", &["Keyed."]))
        }
    })
}

fn config(fake: &FakeServer, keyed: &FakeServer) -> String {
    format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[providers.locked]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [prices.\"fake/m1\"]\ninput = 1\noutput = 2\n\n[prices.\"fake/m2\"]\ninput = 3\noutput = 4\n",
        fake.url(),
        keyed.url()
    )
}

fn shot(name: &str) -> String {
    std::fs::create_dir_all(artifacts().join("face")).expect("artifacts/face");
    format!("face/{name}.png")
}

async fn focused_is(client: &fantoccini::Client, selector: &str, what: &str) {
    wait_js(
        client,
        &format!("return !!document.activeElement?.matches({selector:?})"),
        what,
    )
    .await;
}

/// New chat → pick a model → send → copy the answer → compare → vote → settings → add a key,
/// with the keyboard only (no click, no script that changes the page).
#[tokio::test]
async fn the_main_journeys_by_keyboard_alone() {
    require_app();
    let (fake, keyed) = (provider(), keyed());
    let home = home_with_config(&config(&fake, &keyed));
    let (_driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return document.querySelector('.model-id')?.textContent === 'fake/m1'",
        "the models",
    )
    .await;

    // A new chat puts the cursor in the composer.
    keys(&client, &format!("{CTRL}n{UP}")).await;
    focused_is(&client, ".chat .composer textarea", "the composer focused").await;
    // Ctrl+M picks a model by typing; the cursor comes back to the composer.
    keys(&client, &format!("{CTRL}m{UP}")).await;
    wait_js(
        &client,
        "return !!document.querySelector('.picker .cmd-input')",
        "the picker",
    )
    .await;
    focused_is(&client, ".picker .cmd-input", "the picker's filter focused").await;
    keys(&client, &format!("m2{ENTER}")).await;
    wait_js(&client, "return document.querySelector('.model-id')?.textContent === 'fake/m2' && !document.querySelector('.picker')", "fake/m2 picked").await;
    focused_is(&client, ".chat .composer textarea", "the composer again").await;
    keys(&client, &format!("Hello from the keyboard{ENTER}")).await;
    wait_js(&client, "return !!document.querySelector('.live .meta')?.textContent.includes('answered by fake/m2')", "the answer").await;
    screenshot(&client, &shot("journey-chat")).await;

    // Copy the answer: Shift+Tab from the composer reaches its copy button.
    assert!(
        tab_to(&client, ".live .copy-message", true, 8).await,
        "Shift+Tab reaches the answer's copy button"
    );
    keys(&client, ENTER).await;
    wait_js(
        &client,
        "return [...document.querySelectorAll('.toast')].some(t => t.textContent === 'Copied')",
        "“Copied”",
    )
    .await;
    // What the X clipboard holds now (the page may not read it back: WebKit asks for a gesture).
    let clip = Command::new("xclip")
        .args(["-o", "-selection", "clipboard"])
        .output()
        .expect("xclip (package xclip; .ci/setup installs it)");
    let clip = String::from_utf8_lossy(&clip.stdout);
    assert!(
        clip.contains("From m2") && clip.contains("fn main()"),
        "the clipboard holds the answer: {clip:?}"
    );
    // The palette does it too.
    keys(&client, &format!("{CTRL}k{UP}")).await;
    focused_is(&client, ".palette .cmd-input", "the palette").await;
    keys(&client, &format!("copy the last{ENTER}")).await;
    wait_js(
        &client,
        "return !document.querySelector('.palette')",
        "the palette closed",
    )
    .await;

    // A compare: Ctrl+Shift+C, two columns picked with the arrow keys, asked, voted.
    keys(&client, &format!("{CTRL}{SHIFT}c{UP}")).await;
    focused_is(&client, ".compare-input", "the compare's composer").await;
    assert!(
        tab_to(&client, ".compare .slot", true, 20).await,
        "Shift+Tab reaches the first column's model"
    );
    keys(&client, DOWN).await;
    wait_js(&client, "return document.querySelectorAll('.compare .slot').length >= 2 && !!document.querySelectorAll('.compare .slot')[0].value", "the first column picked").await;
    assert!(
        tab_to(&client, ".compare .slot-field.unset .slot", false, 6).await,
        "Tab reaches the next column's model"
    );
    keys(&client, &format!("{DOWN}{DOWN}")).await;
    wait_js(&client, "const s = [...document.querySelectorAll('.compare .slot')].map(s => s.value).filter(Boolean); return s.length === 2 && s[0] !== s[1]", "two different models").await;
    assert!(
        tab_to(&client, ".compare-input", false, 30).await,
        "Tab reaches the compare's composer"
    );
    keys(&client, &format!("Which is better?{ENTER}")).await;
    wait_js(
        &client,
        "return document.querySelectorAll('.column-status.done').length === 2",
        "both columns answered",
    )
    .await;
    assert!(
        tab_to(&client, ".vote-winner[data-column='1']", true, 30).await,
        "Shift+Tab reaches the vote"
    );
    keys(&client, ENTER).await;
    wait_js(
        &client,
        "return (document.querySelector('.voted')?.textContent || '').includes('B won')",
        "the vote",
    )
    .await;
    screenshot(&client, &shot("journey-compare")).await;

    // Settings: add a key to the provider not in use yet.
    keys(&client, &format!("{CTRL},{UP}")).await;
    wait_js(
        &client,
        "return !!document.querySelector(\".provider[data-id='locked'] .provider-expand\")",
        "the providers",
    )
    .await;
    assert!(
        tab_to(
            &client,
            ".provider[data-id='locked'] .provider-expand",
            false,
            60
        )
        .await,
        "Tab reaches the locked provider"
    );
    keys(&client, ENTER).await;
    focused_is(
        &client,
        ".provider[data-id='locked'] .key-input",
        "its key field",
    )
    .await;
    keys(&client, &format!("{SENTINEL}{ENTER}")).await;
    let tail = &SENTINEL[SENTINEL.len() - 4..];
    wait_js(
        &client,
        &format!("return (document.querySelector(\".provider[data-id='locked'] .hint-text\")?.textContent || '').includes('…{tail}')"),
        "the key saved",
    )
    .await;
    let html = client.source().await.expect("the page");
    assert!(!html.contains(SENTINEL), "the key is never in the page");
    let left = client
        .execute("return [...document.querySelectorAll('input, textarea')].filter(e => e.value.includes(arguments[0])).length", vec![json!(SENTINEL)])
        .await
        .expect("the fields");
    assert_eq!(left, json!(0), "nor left in a field");
    screenshot(&client, &shot("journey-settings")).await;
    client.close().await.expect("close");
}

/// The main views, each as `(name, script that shows it, what to wait for)`.
const VIEWS: &[(&str, &str, &str)] = &[
    ("chat", "document.querySelector('.to-chat').click(); [...document.querySelectorAll('.conversation')].find(c => !c.querySelector('.kind-icon'))?.click()",
     "return !!document.querySelector('.messages .message.assistant')"),
    ("compare", "document.querySelector('.to-compare').click()", "return document.querySelectorAll('.column').length === 2"),
    ("leaderboard", "document.querySelector('.to-leaderboard').click()", "return !!document.querySelector('.leaderboard .rating')"),
    ("evals", "document.querySelector('.to-evals').click()", "return !!document.querySelector('[data-testid=eval-run]') && !!document.querySelector('[data-testid=eval-targets]')"),
    ("usage", "document.querySelector('.to-usage').click()", "return document.querySelectorAll('.model-row').length > 0"),
    ("settings-providers", "document.querySelector('.open-settings').click(); document.querySelector('.settings-tab-providers')?.click()",
     "return !!document.querySelector('.provider .key-input')"),
    ("settings-models", "document.querySelector('.settings-tab-models').click()", "return !!document.querySelector('.models-editor .local-catalog, .models-editor .catalog-model, .models-editor [data-name]')"),
    ("settings-routes", "document.querySelector('.settings-tab-routes').click()", "return !!document.querySelector('.routes-editor')"),
    ("settings-prices", "document.querySelector('.settings-tab-prices').click()", "return !!document.querySelector('.prices-editor')"),
    ("settings-presets", "document.querySelector('.settings-tab-presets').click()", "return !!document.querySelector('.presets-editor .preset')"),
    ("settings-budget", "document.querySelector('.settings-tab-budget').click()", "return !!document.querySelector('.budget-editor') && !!document.querySelector('.budgets-editor')"),
    ("settings-gateway", "document.querySelector('.settings-tab-gateway').click()", "return !!document.querySelector('.settings [role=tabpanel]')"),
    ("settings-appearance", "document.querySelector('.settings-tab-appearance').click()", "return !!document.querySelector('.theme-setting')"),
    ("settings-updates", "document.querySelector('.settings-tab-updates').click()", "return !!document.querySelector('#update-check') && !!document.querySelector('input.update-url')"),
    ("palette", "document.querySelector('.to-chat').click(); document.dispatchEvent(new KeyboardEvent('keydown', {key: 'k', ctrlKey: true, bubbles: true}))",
     "return !!document.querySelector('.palette .cmd-item')"),
    ("shortcuts", "document.querySelector('dialog .dialog-close')?.click(); document.querySelector('.show-shortcuts').click()",
     "return !!document.querySelector('.shortcuts .shortcut')"),
];

/// Every view, light and dark, at the usual size and at the minimum: axe-core finds no serious or
/// critical violation, and at 640 × 480 no control is clipped or overlaps another.
#[tokio::test]
async fn every_view_passes_axe_in_light_and_dark_and_fits_the_minimum_window() {
    require_app();
    let (fake, keyed) = (provider(), keyed());
    let home = home_with_config(&config(&fake, &keyed));
    let (_driver, client) = launch(&home.0).await;
    let run = |js: String| {
        let client = client.clone();
        async move {
            client
                .execute(&format!("{js}; return true"), vec![])
                .await
                .expect("script")
        }
    };
    wait_js(
        &client,
        "return document.querySelector('.model-id')?.textContent === 'fake/m1'",
        "the models",
    )
    .await;
    // Something in every view: a chat, a compare with a vote, spend in the ledger.
    run("const t = document.querySelector('.chat .composer textarea'); t.value = 'A question'; t.dispatchEvent(new Event('input', {bubbles: true})); \
         t.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}))".into()).await;
    wait_js(
        &client,
        "return !!document.querySelector('.live .meta')?.textContent.includes('answered by')",
        "the chat's answer",
    )
    .await;
    run("document.querySelector('.to-compare').click()".into()).await;
    for (i, m) in ["fake/m1", "fake/m2"].iter().enumerate() {
        run(format!("const s = document.querySelectorAll('.compare .slot')[{i}]; s.value = '{m}'; s.dispatchEvent(new Event('change', {{bubbles: true}}))")).await;
    }
    run("const t = document.querySelector('.compare-input'); t.value = 'Compare this'; t.dispatchEvent(new Event('input', {bubbles: true})); \
         t.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true}))".into()).await;
    wait_js(
        &client,
        "return document.querySelectorAll('.column-status.done').length === 2",
        "the compare",
    )
    .await;
    run("document.querySelector(\".vote-winner[data-column='0']\").click()".into()).await;
    wait_js(
        &client,
        "return !!document.querySelector('.voted')",
        "the vote",
    )
    .await;
    run(
        "document.querySelector('.to-chat').click(); document.querySelector('.new-chat').click()"
            .into(),
    )
    .await;
    wait_js(
        &client,
        "return document.querySelectorAll('.conversation').length === 2",
        "both in the sidebar",
    )
    .await;

    let mut failures = Vec::new();
    for (size, small) in [("full", false), ("small", true)] {
        if small {
            client
                .set_window_size(640, 480)
                .await
                .expect("the minimum size");
            wait_js(&client, "return innerWidth <= 640", "the small window").await;
        }
        for theme in ["light", "dark"] {
            set_theme(&client, theme).await;
            for (name, show, ready) in VIEWS {
                run(show.to_string()).await;
                wait_js(&client, ready, &format!("the {name} view")).await;
                // Let the layout, the chart and the tooltips settle.
                tokio::time::sleep(Duration::from_millis(250)).await;
                screenshot(
                    &client,
                    &shot(&format!(
                        "{name}-{theme}{}",
                        if small { "-640x480" } else { "" }
                    )),
                )
                .await;
                if !small {
                    for v in axe(&client).await {
                        failures.push(format!("axe, {name}, {theme}: {v}"));
                    }
                } else {
                    for p in layout_problems(&client).await {
                        failures.push(format!("640×480, {name}, {theme}: {p}"));
                    }
                }
            }
            run("document.querySelector('dialog .dialog-close')?.click()".into()).await;
        }
        let _ = size;
    }
    // At the minimum size the sidebar starts collapsed and opens over the view.
    let collapsed = client
        .execute(
            "return document.querySelector('.app').classList.contains('sidebar-collapsed')",
            vec![],
        )
        .await
        .expect("state");
    assert_eq!(
        collapsed,
        json!(true),
        "a 640-px window collapses the sidebar"
    );
    assert!(
        failures.is_empty(),
        "{} problem(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    client.close().await.expect("close");
}

/// The window comes back at the size it was left at, even when the app was killed.
#[tokio::test]
async fn the_window_keeps_its_size_across_launches() {
    require_app();
    let home = home_with_config("");
    let ready =
        "return (document.getElementById('app-version')?.textContent || '').startsWith('version')";
    {
        let (_driver, client) = launch(&home.0).await;
        wait_js(&client, ready, "the app").await;
        assert_eq!(
            client.get_window_size().await.expect("size"),
            (1100, 720),
            "the first launch's size"
        );
        client.set_window_size(900, 600).await.expect("resize");
        let state = home.0.join("window-state.json");
        let deadline = Instant::now() + Duration::from_secs(10);
        while !std::fs::read_to_string(&state).is_ok_and(|s| s.contains("\"width\": 900")) {
            assert!(
                Instant::now() < deadline,
                "the size saved in {}",
                state.display()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        // Killed: no clean exit to save on.
        let app: Vec<u32> = descendants(_driver.pid())
            .into_iter()
            .filter(|p| {
                std::fs::read_to_string(format!("/proc/{p}/comm"))
                    .is_ok_and(|c| c.trim() == "roundtable-app")
            })
            .collect();
        assert_eq!(app.len(), 1, "one app process");
        kill_and_wait(&app);
        let _ = client.close().await;
    }
    let (_driver, client) = launch(&home.0).await;
    wait_js(&client, ready, "the app again").await;
    assert_eq!(
        client.get_window_size().await.expect("size"),
        (900, 600),
        "the size it was left at"
    );
    client.close().await.expect("close");
}

/// A second launch on the same data dir hands over to the first and exits at once; another data
/// dir gets its own window.
#[tokio::test]
async fn a_second_launch_on_the_same_data_dir_exits_and_leaves_the_first() {
    let app = require_app();
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "run inside dbus-run-session (see .ci/run)"
    );
    let home = home_with_config("");
    let (_driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return (document.getElementById('app-version')?.textContent || '').startsWith('version')",
        "the first",
    )
    .await;
    let start = |dir: &std::path::Path| {
        Command::new(&app)
            .env("ROUNDTABLE_HOME", dir)
            .env("XDG_DATA_HOME", dir.join("xdg-data"))
            .env("XDG_CONFIG_HOME", dir.join("xdg-config"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the app starts")
    };
    let mut second = start(&home.0);
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = second.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            let _ = second.wait();
            panic!("the second launch on the same data dir was still running after 20 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "it exits cleanly: {status}");
    // The first still answers.
    let still = client
        .execute(
            "return document.getElementById('app-version').textContent",
            vec![],
        )
        .await
        .expect("the first answers");
    assert!(
        still.as_str().unwrap_or("").starts_with("version"),
        "{still}"
    );
    // Another data dir is another instance: it keeps running.
    let other = home_with_config("");
    let mut third = start(&other.0);
    std::thread::sleep(Duration::from_secs(3));
    let running = third.try_wait().expect("wait").is_none();
    let _ = third.kill();
    let _ = third.wait();
    assert!(running, "an app on another data dir runs alongside");
    client.close().await.expect("close");
}
