//! The real app window, started by WebKitWebDriver under Xvfb and driven over WebDriver.
//!
//! Run through `.ci/run` (it builds the app, and wraps this in `xvfb-run` and `dbus-run-session`).
//! `ROUNDTABLE_APP` names the app binary; by default it sits beside this test's target dir.

use std::path::PathBuf;
use std::time::Duration;

use fantoccini::Locator;
use roundtable_e2e::{
    artifacts, home_with_config, home_with_long_conversation, launch, require_app, require_cli,
    screenshot, session, tempfile_dir, wait_js, Driver,
};
use serde_json::json;

#[tokio::test]
async fn the_window_opens_and_shows_the_name_and_version_from_the_backend() {
    let app = require_app();
    let home = tempfile_dir();
    let driver = Driver::start(&home.0);

    let client = session(&driver, json!({"binary": app, "args": []})).await;

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
    // The web view may call only the app's own commands: the opener plugin (registered for
    // open_link's Rust side) and the core window commands are refused when called from the page.
    for (cmd, args) in [
        ("plugin:opener|open_url", "{url: 'https://example.com/'}"),
        ("plugin:window|close", "{}"),
    ] {
        let refused = client
            .execute_async(
                &format!(
                    "const done = arguments[0]; window.__TAURI_INTERNALS__.invoke('{cmd}', {args}) \
                     .then(() => done('allowed'), e => done(String(e)));"
                ),
                vec![],
            )
            .await
            .expect("invoke");
        let refused = refused.as_str().unwrap_or_default().to_string();
        assert!(
            refused != "allowed" && refused.contains("not allowed"),
            "{cmd}: {refused}"
        );
    }

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

/// The HTML export of a conversation holding hostile Markdown, opened in a real browser
/// (WebKitGTK's MiniBrowser, the engine of the app's web view): nothing runs, nothing loads,
/// the hostile text is shown as text.
#[tokio::test]
async fn the_html_export_opens_in_a_browser_and_runs_no_script() {
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "run under xvfb-run (see .ci/run): no DISPLAY"
    );
    let browser = PathBuf::from("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser");
    assert!(
        browser.exists(),
        "MiniBrowser ships with libwebkit2gtk-4.1 ({})",
        browser.display()
    );
    let home = tempfile_dir();
    let store = roundtable_engine::store::Store::open(&home.0).expect("a store");
    let id = store
        .create_conversation(
            "Hostile <b>title</b>",
            None,
            roundtable_engine::store::ConversationKind::Chat,
        )
        .expect("a conversation");
    use roundtable_engine::store::NewMessage;
    use roundtable_engine::Role;
    let q = store
        .add_message(&NewMessage::complete(
            id,
            None,
            Role::User,
            "Show me <script>window.pwned = 1</script>",
        ))
        .expect("a message");
    let answer = "# Answer\n\n<script>window.pwned = 2</script>\n\n<img src=x onerror=\"window.pwned = 3\"> \
        [click](javascript:window.pwned=4) ![pixel](https://tracker.invalid/p.gif)\n\n\
        ```rust\nfn main() { println!(\"hi\"); }\n```\n\n| a | b |\n|---|--:|\n| 1 | 2 |\n";
    let mut m = NewMessage::complete(id, Some(q), Role::Assistant, answer);
    m.model = Some("fake/model");
    store.add_message(&m).expect("an answer");
    let page = home.0.join("export.html");
    std::fs::write(&page, store.conversation(id).expect("read back").to_html())
        .expect("write the page");

    let driver = Driver::start(&home.0);
    let client = session(
        &driver,
        json!({"binary": browser, "args": ["--automation"]}),
    )
    .await;
    client
        .goto(&format!("file://{}", page.display()))
        .await
        .expect("open the page");
    let h1 = client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("section.assistant h1"))
        .await
        .expect("the rendered answer");
    assert_eq!(h1.text().await.expect("text"), "Answer");
    let checks = client
        .execute(
            "return [typeof window.pwned, document.scripts.length, document.images.length, \
             document.querySelectorAll('[onerror],[onclick],[onload],iframe,object,embed').length, \
             document.body.innerText]",
            vec![],
        )
        .await
        .expect("inspect the page");
    assert_eq!(checks[0], json!("undefined"), "no script ran");
    assert_eq!(checks[1], json!(0), "no script element");
    assert_eq!(checks[2], json!(0), "no image element: nothing was fetched");
    assert_eq!(checks[3], json!(0), "no handler or embedding element");
    let text = checks[4].as_str().unwrap_or("");
    assert!(
        text.contains("<script>window.pwned = 2</script>"),
        "the hostile HTML shown as text: {text}"
    );
    assert!(
        text.contains("[click](javascript:window.pwned=4)"),
        "{text}"
    );
    let _ = client
        .execute_async("const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done()));", vec![])
        .await;
    let png = client.screenshot().await.expect("a screenshot");
    std::fs::write(artifacts().join("export.png"), png).expect("save the screenshot");
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}

/// The real window against fake providers: a chat streams its answer (rendered by the engine's
/// Markdown renderer, hostile parts as text), stop keeps the partial answer, and a fallback
/// says who answered.
#[tokio::test]
async fn a_chat_streams_stops_and_falls_back_in_the_real_window() {
    use roundtable_fakes::{Answer, FakeServer, Protocol};
    require_app();
    let answer = Answer::new(
        "m1",
        &[
            "# Streamed\n\n",
            "Some **bold** text. ",
            "<script>window.pwned=1</script> ",
            "[x](javascript:window.pwned=2)",
        ],
    );
    let good = FakeServer::start(move |req| {
        if req.path.ends_with("/models") {
            Protocol::OpenAi.models(&["m1"])
        } else if req.json()["messages"].to_string().contains("slowly") {
            let words: Vec<String> = (0..300).map(|i| format!("word{i} ")).collect();
            let refs: Vec<&str> = words.iter().map(String::as_str).collect();
            Protocol::OpenAi
                .stream(&Answer::new("m1", &refs))
                .paced(Duration::from_millis(40))
        } else {
            Protocol::OpenAi
                .stream(&answer)
                .paced(Duration::from_millis(20))
        }
    });
    let bad = FakeServer::always(Protocol::OpenAi.error(429, "rate_limit_exceeded", "slow down"));
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[providers.bad]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [routes.smart]\ntargets = [\"bad/m\", \"fake/m1\"]\n\n[router]\nmax_retries = 0\n",
        good.url(),
        bad.url()
    ));
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent === 'fake/m1'",
        "the model list",
    )
    .await;

    // A chat streams its answer.
    let box_ = client
        .find(Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.send_keys("Hello there\u{E007}")
        .await
        .expect("type and Enter");
    wait_js(&client, "return !!document.querySelector('.live .meta')?.textContent.includes('answered by fake/m1')", "the answer").await;
    let checks = client
        .execute(
            "const a = document.querySelector('.live .answer'); return [a.querySelector('h1')?.textContent, \
             a.querySelector('strong')?.textContent, document.querySelectorAll('.messages script').length, \
             typeof window.pwned, a.textContent]",
            vec![],
        )
        .await
        .expect("inspect");
    assert_eq!(checks[0], json!("Streamed"));
    assert_eq!(checks[1], json!("bold"));
    assert_eq!(checks[2], json!(0), "no script element");
    assert_eq!(checks[3], json!("undefined"), "no script ran");
    let text = checks[4].as_str().unwrap_or("");
    assert!(
        text.contains("<script>window.pwned=1</script>")
            && text.contains("[x](javascript:window.pwned=2)"),
        "{text}"
    );
    wait_js(
        &client,
        "return document.querySelectorAll('.conversation').length === 1",
        "the sidebar lists it",
    )
    .await;
    screenshot(&client, "chat.png").await;

    // Stop mid-stream keeps the partial answer.
    let box_ = client
        .find(Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.send_keys("Answer slowly\u{E007}").await.expect("send");
    wait_js(
        &client,
        "return (document.querySelector('.live .tail')?.textContent || '').includes('word5')",
        "some words",
    )
    .await;
    box_.send_keys("\u{E00C}").await.expect("Esc");
    wait_js(
        &client,
        "return !!document.querySelector('.live .meta')?.textContent.includes('stopped')",
        "stopped",
    )
    .await;
    let partial = client
        .execute(
            "return document.querySelector('.live .answer').textContent",
            vec![],
        )
        .await
        .expect("text");
    let partial = partial.as_str().unwrap_or("");
    assert!(
        partial.contains("word5") && !partial.contains("word299"),
        "{partial}"
    );
    screenshot(&client, "stopped.png").await;

    // A fallback says who answered: pick @smart with Ctrl+M.
    box_.send_keys("\u{E009}m\u{E000}").await.expect("Ctrl+M");
    let filter = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(".picker-filter"))
        .await
        .expect("the picker");
    filter
        .send_keys("smart\u{E007}")
        .await
        .expect("pick @smart");
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent === '@smart'",
        "@smart picked",
    )
    .await;
    let box_ = client
        .find(Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.send_keys("Once more\u{E007}").await.expect("send");
    wait_js(
        &client,
        "return !!document.querySelector('.live .meta')?.textContent.includes('answered by fake/m1 after bad/m (rate_limited) failed')",
        "the fallback footer",
    )
    .await;
    screenshot(&client, "fallback.png").await;

    // Edit makes a branch you can switch to: edit the first message, then move between branches.
    // (A message's buttons exist while it is pointed at or focused.)
    client
        .execute(
            "document.querySelector('.messages .message.user').focus(); return true",
            vec![],
        )
        .await
        .expect("focus the first message");
    let first_edit = client
        .find(Locator::Css(".messages .message.user .edit"))
        .await
        .expect("the first message's Edit");
    first_edit.click().await.expect("Edit");
    let box_ = client
        .find(Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.clear().await.expect("clear");
    box_.send_keys("Hello edited\u{E007}")
        .await
        .expect("send the edit");
    wait_js(
        &client,
        "return document.querySelectorAll('.messages .message').length === 2 && \
         document.querySelector('.message.user .text')?.textContent === 'Hello edited' && \
         !!document.querySelector('.live .meta')?.textContent.includes('answered by')",
        "the edit's answer, on a branch of its own",
    )
    .await;
    // Clicked in the page: the sidebar may re-render between a WebDriver find and its click.
    wait_js(
        &client,
        "const c = document.querySelector('.conversation'); if (c) c.click(); return !!c",
        "the conversation, opened",
    )
    .await;
    wait_js(
        &client,
        "return document.querySelector('.message.user .text')?.textContent === 'Hello edited' && document.querySelector('.branch-index')?.textContent === '2/2'",
        "the new branch with arrows",
    )
    .await;
    screenshot(&client, "branch.png").await;
    client
        .find(Locator::Css(".message.user .prev"))
        .await
        .expect("‹")
        .click()
        .await
        .expect("previous branch");
    wait_js(
        &client,
        "return document.querySelector('.message.user .text')?.textContent === 'Hello there' && document.querySelectorAll('.message.user').length === 3",
        "the first branch, with its later turns",
    )
    .await;

    // History search finds an old message.
    client
        .find(Locator::Css(".new-chat"))
        .await
        .expect("New chat")
        .click()
        .await
        .expect("new chat");
    let search = client
        .find(Locator::Css(".search"))
        .await
        .expect("the search box");
    search.send_keys("Streamed").await.expect("type a search");
    wait_js(
        &client,
        "return !!document.querySelector('.hit')",
        "a search hit",
    )
    .await;
    screenshot(&client, "search.png").await;
    client
        .find(Locator::Css(".hit"))
        .await
        .expect("the hit")
        .click()
        .await
        .expect("open the hit");
    wait_js(
        &client,
        "return document.querySelectorAll('.messages .message').length >= 2",
        "the conversation from search",
    )
    .await;
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}

/// Settings in the real window with a real Secret Service (gnome-keyring, started by .ci/run): a
/// key added in settings goes to the keychain, works for the next chat, and is never shown — the
/// sentinel key is in no DOM and in no IPC answer or channel message.
#[tokio::test]
async fn a_key_added_in_settings_works_and_is_never_shown() {
    use roundtable_fakes::{Answer, FakeServer, Protocol};
    require_app();
    const SENTINEL: &str = "sentinel-e2e-key-51c7d0";
    let keyed = FakeServer::start(|req| {
        if req.header("authorization") != Some(&format!("Bearer {SENTINEL}")) {
            return Protocol::OpenAi.error(401, "invalid_api_key", "Incorrect API key provided");
        }
        if req.path.ends_with("/models") {
            Protocol::OpenAi.models(&["m1"])
        } else {
            Protocol::OpenAi.stream(&Answer::new("m1", &["Keyed ", "answer."]))
        }
    });
    let home = home_with_config(&format!(
        "[providers.keyed]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
        keyed.url()
    ));
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return !!document.querySelector('.open-settings')",
        "the app",
    )
    .await;
    // Keep everything the backend sends the web view (ui/src/backend.ts logs it with this flag).
    client
        .execute(
            "localStorage.setItem('roundtable.debug.ipc', '1'); location.reload(); return true",
            vec![],
        )
        .await
        .expect("turn the IPC log on");
    wait_js(
        &client,
        "return Array.isArray(window.__roundtableIpc) && !!document.querySelector('.open-settings')",
        "the app with its IPC log",
    )
    .await;
    client
        .find(Locator::Css(".open-settings"))
        .await
        .expect("Settings")
        .click()
        .await
        .expect("open settings");
    // Not in use yet (no key): it is in the "Add a provider" list, opened with a click. (The
    // keyring is shared by the whole e2e run: a provider of this name may hold another test's key.)
    wait_js(
        &client,
        "return !!document.querySelector(\".provider[data-id='keyed'] .provider-expand, .provider[data-id='keyed'] .key-input\")",
        "the keyed provider",
    )
    .await;
    client
        .execute(
            "document.querySelector(\".provider[data-id='keyed'] .provider-expand\")?.click(); return true",
            vec![],
        )
        .await
        .expect("open its card");
    let input = client
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::Css(".provider[data-id='keyed'] .key-input"))
        .await
        .expect("the keyed provider's key field");
    input.send_keys(SENTINEL).await.expect("type the key");
    client
        .find(Locator::Css(".provider[data-id='keyed'] .save-key"))
        .await
        .expect("Save")
        .click()
        .await
        .expect("save");
    wait_js(
        &client,
        "return (document.querySelector(\".provider[data-id='keyed'] .hint-text\")?.textContent || '').includes('…c7d0')",
        "the saved key's hint",
    )
    .await;
    screenshot(&client, "settings.png").await;
    // The key works: pick the provider's model and chat.
    client
        .find(Locator::Css(".new-chat"))
        .await
        .expect("New chat")
        .click()
        .await
        .expect("chat view");
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent === 'keyed/m1'",
        "the keyed model",
    )
    .await;
    let box_ = client
        .find(Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.send_keys("With my key\u{E007}").await.expect("send");
    wait_js(&client, "return !!document.querySelector('.live .meta')?.textContent.includes('answered by keyed/m1')", "the keyed answer").await;
    // The sentinel is nowhere the web view can see.
    let leaks = client
        .execute(
            &format!(
                "const s = '{SENTINEL}'; return [document.documentElement.outerHTML.includes(s), \
                 [...document.querySelectorAll('input, textarea')].some(e => e.value.includes(s)), \
                 window.__roundtableIpc.length, window.__roundtableIpc.some(m => m.includes(s)), JSON.stringify(localStorage).includes(s)]"
            ),
            vec![],
        )
        .await
        .expect("look for the sentinel");
    assert_eq!(leaks[0], json!(false), "the sentinel is in the DOM");
    assert_eq!(leaks[1], json!(false), "the sentinel is in a field");
    assert!(
        leaks[2].as_u64().unwrap_or(0) >= 4,
        "IPC was recorded: {leaks:?}"
    );
    assert_eq!(
        leaks[3],
        json!(false),
        "the sentinel crossed IPC to the web view"
    );
    assert_eq!(leaks[4], json!(false), "the sentinel is in localStorage");
    // Nor in any file of the data dir (it is in the keychain).
    for entry in std::fs::read_dir(&home.0).expect("the data dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            let bytes = std::fs::read(&path).expect("read");
            assert!(
                !bytes
                    .windows(SENTINEL.len())
                    .any(|w| w == SENTINEL.as_bytes()),
                "{}",
                path.display()
            );
        }
    }
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}

/// The settings editors in the real window: a route, a price override and a budget are saved to
/// `config.toml` (the user's comment kept), a refused route says why, and the edited config is in
/// force at once — the new route answers through its fallback, costed at the new price.
#[tokio::test]
async fn settings_editors_change_the_config_in_force() {
    use roundtable_fakes::{Answer, FakeServer, Protocol};
    require_app();
    let fake = FakeServer::start(|req| {
        if req.path.ends_with("/models") {
            Protocol::OpenAi.models(&["m1", "m2"])
        } else if req.json()["model"] == "m1" {
            Protocol::OpenAi.error(429, "rate_limit_exceeded", "slow down")
        } else {
            Protocol::OpenAi.stream(&Answer::new("m2", &["Routed ", "answer."]))
        }
    });
    let home = home_with_config(&format!(
        "# mine — keep me\n[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[router]\nmax_retries = 0\n",
        fake.url()
    ));
    let config = home.0.join("config.toml");
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return !!document.querySelector('.open-settings')",
        "the app",
    )
    .await;
    let run = |js: &'static str| {
        let client = client.clone();
        async move { client.execute(js, vec![]).await.expect(js) }
    };
    run("document.querySelector('.open-settings').click(); return true").await;
    wait_js(
        &client,
        "return !!document.querySelector('.settings-tab-routes')",
        "the settings' sections",
    )
    .await;
    run("document.querySelector('.settings-tab-routes').click(); return true").await;
    wait_js(
        &client,
        "return !!document.querySelector(\".route[data-name='']\")",
        "the routes editor",
    )
    .await;

    // A route naming a provider that does not exist is refused, and says why.
    run("const f = document.querySelector(\".route[data-name='']\"); \
         f.querySelector('.route-name').value = 'pair'; f.querySelector('.route-targets').value = 'nosuch/m1'; \
         f.querySelector('.save-route').click(); return true")
    .await;
    wait_js(&client, "return (document.querySelector(\".route[data-name=''] .status\")?.textContent || '').includes('`nosuch/m1` is not a provider/model')", "the refusal").await;
    assert!(!std::fs::read_to_string(&config)
        .expect("config")
        .contains("pair"));

    // Then the right route, a price override and a budget.
    run("const f = document.querySelector(\".route[data-name='']\"); \
         f.querySelector('.route-targets').value = 'fake/m1\\nfake/m2'; f.querySelector('.save-route').click(); return true")
    .await;
    wait_js(
        &client,
        "return !!document.querySelector(\".route[data-name='pair']\")",
        "the saved route",
    )
    .await;
    run("document.querySelector('.settings-tab-prices').click(); return true").await;
    wait_js(
        &client,
        "return !!document.querySelector(\".price[data-model='']\")",
        "the prices editor",
    )
    .await;
    run("const r = document.querySelector(\".price[data-model='']\"); r.querySelector('.price-model').value = 'fake/m2'; \
         r.querySelector('.price-input').value = '1000'; r.querySelector('.price-output').value = '2000'; \
         r.querySelector('.save-price').click(); return true")
    .await;
    wait_js(
        &client,
        "return !!document.querySelector(\".price[data-model='fake/m2']\")",
        "the saved price",
    )
    .await;
    run("document.querySelector('.settings-tab-budget').click(); return true").await;
    wait_js(
        &client,
        "return !!document.querySelector('.budget-input')",
        "the budget editor",
    )
    .await;
    run("document.querySelector('.budget-input').value = '50'; document.querySelector('.save-budget').click(); return true").await;
    wait_js(&client, "return (document.querySelector('.budget-progress')?.textContent || '').includes('of $50.00')", "the budget").await;
    screenshot(&client, "settings-editors.png").await;
    let text = std::fs::read_to_string(&config).expect("config");
    assert!(text.starts_with("# mine — keep me\n"), "{text}");
    assert!(
        text.contains("[routes.pair]") && text.contains("targets = [\"fake/m1\", \"fake/m2\"]"),
        "{text}"
    );
    assert!(
        text.contains("[prices.\"fake/m2\"]") && text.contains("output = 2000"),
        "{text}"
    );
    assert!(text.contains("[budget]\nmonthly_usd = 50"), "{text}");

    // In force at once: the route is in the picker and answers through its fallback, at the new price
    // (12 input tokens at $1000/M and 2 output at $2000/M = $0.016; a loopback model is free otherwise).
    run("document.querySelector('.new-chat').click(); return true").await;
    run("document.querySelector('.model-button').click(); return true").await;
    wait_js(
        &client,
        "return [...document.querySelectorAll('.picker .cmd-label')].some(e => e.textContent === '@pair')",
        "the route in the picker",
    )
    .await;
    run("document.querySelector(\".picker .cmd-item[data-id='@pair']\").click(); return true")
        .await;
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent === '@pair'",
        "the route picked",
    )
    .await;
    client
        .find(Locator::Css("textarea"))
        .await
        .expect("the composer")
        .send_keys("Through the route\u{E007}")
        .await
        .expect("send");
    wait_js(&client, "return !!document.querySelector('.live .meta')?.textContent.includes('answered by fake/m2')", "the routed answer").await;
    let meta = run("return document.querySelector('.live .meta').textContent").await;
    let meta = meta.as_str().unwrap_or_default();
    assert!(
        meta.contains("after fake/m1") && meta.contains("$0.0160"),
        "{meta}"
    );
    screenshot(&client, "settings-route-answer.png").await;
    // Opened again from history, the stored answer carries the same figures, read from the ledger.
    run("document.querySelector('.new-chat').click(); return true").await;
    run("document.querySelector('.conversation').click(); return true").await;
    wait_js(&client, "return !!document.querySelector('.message.assistant:not(.live) .meta')?.textContent.includes('$0.0160')", "the stored answer's figures").await;
    // The whole line, as a screen reader reads it (shown short, with this line as the tooltip).
    let stored = run(
        "return document.querySelector('.message.assistant:not(.live) .meta .visually-hidden').textContent",
    )
    .await;
    let stored = stored.as_str().unwrap_or_default();
    assert!(
        stored.starts_with("answered by fake/m2 after fake/m1 failed · 12 in · 2 out · $0.0160"),
        "{stored}"
    );
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}

/// A conversation of 10,000 messages in the real window: it opens at the newest, scrolls to the
/// oldest, and only the messages near the viewport are ever in the DOM.
#[tokio::test]
async fn a_ten_thousand_message_conversation_is_virtualised() {
    require_app();
    let (home, oldest, newest) = home_with_long_conversation(10_000);
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return !!document.querySelector('.conversation')",
        "the conversation list",
    )
    .await;
    client
        .execute(
            "document.querySelector('.conversation').click(); return true",
            vec![],
        )
        .await
        .expect("open it");
    wait_js(
        &client,
        &format!("return !!document.querySelector(\".message[data-id='{newest}']\")"),
        "the newest message",
    )
    .await;
    let count = "return document.querySelectorAll('.messages .message').length";
    let near_bottom = client
        .execute(
            "const m = document.querySelector('.messages'); return m.scrollHeight - m.scrollTop - m.clientHeight",
            vec![],
        )
        .await
        .expect("scroll position");
    assert!(
        near_bottom.as_f64().unwrap_or(1e9) < 80.0,
        "opens at the newest: {near_bottom}"
    );
    let shown = client.execute(count, vec![]).await.expect("count");
    assert!(
        (3..120).contains(&shown.as_u64().unwrap_or(0)),
        "{shown} messages in the DOM"
    );
    screenshot(&client, "long-newest.png").await;
    // Scroll to the top in steps, as a wheel would; the oldest message comes into view.
    client
        .execute_async(
            "const done = arguments[0]; const m = document.querySelector('.messages'); \
             const step = () => { m.scrollTop = Math.max(0, m.scrollTop - 40000); \
               if (m.scrollTop > 0) requestAnimationFrame(step); else requestAnimationFrame(() => done()); }; step();",
            vec![],
        )
        .await
        .expect("scroll up");
    wait_js(
        &client,
        &format!("document.querySelector('.messages').scrollTop = 0; return !!document.querySelector(\".message[data-id='{oldest}']\")"),
        "the oldest message",
    )
    .await;
    let shown = client.execute(count, vec![]).await.expect("count");
    assert!(
        (3..120).contains(&shown.as_u64().unwrap_or(0)),
        "{shown} messages in the DOM at the top"
    );
    assert_eq!(
        client
            .execute(
                &format!("return !!document.querySelector(\".message[data-id='{newest}']\")"),
                vec![]
            )
            .await
            .expect("newest"),
        json!(false),
        "the newest left the DOM"
    );
    screenshot(&client, "long-oldest.png").await;
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}

/// Picks `targets` in the compare view's slots (through the select elements, as a user would).
async fn pick_columns(client: &fantoccini::Client, targets: &[&str]) {
    for (i, t) in targets.iter().enumerate() {
        let js = format!(
            "const s = document.querySelectorAll('.compare .slot')[{i}]; s.value = '{t}'; \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value === '{t}'"
        );
        wait_js(client, &js, "a compare slot").await;
    }
    // Slots remembered from an earlier compare beyond these are removed.
    let n = targets.len();
    let js = format!(
        "const extra = [...document.querySelectorAll('.compare .slot')].slice({n}).filter(s => s.value);          if (extra.length) {{ extra[0].value = ''; extra[0].dispatchEvent(new Event('change', {{bubbles: true}})); }}          return [...document.querySelectorAll('.compare .slot')].filter(s => s.value).length === {n}"
    );
    wait_js(client, &js, "only these slots").await;
}

/// Types into the compare composer and sends.
async fn ask_all(client: &fantoccini::Client, text: &str) {
    client
        .find(Locator::Css(".compare-input"))
        .await
        .expect("the compare composer")
        .send_keys(&format!("{text}\u{E007}"))
        .await
        .expect("send");
}

/// Compare, votes, the leaderboard and the dashboard in the real window against fake providers:
/// a 3-column compare where one column falls over and another errors while the rest answer; a
/// column stopped alone; a blind vote, then the reveal; the leaderboard moving with votes; the
/// dashboard showing exactly what `roundtable usage` prints for the same day.
#[tokio::test]
async fn compare_votes_leaderboard_and_dashboard_in_the_real_window() {
    use roundtable_fakes::{Answer, FakeServer, Protocol};
    let cli = require_cli();
    let good = FakeServer::start(|req| {
        let model = req.json()["model"].as_str().unwrap_or("").to_string();
        match model.as_str() {
            "slow" => {
                let words: Vec<String> = (0..400).map(|i| format!("slow{i} ")).collect();
                let refs: Vec<&str> = words.iter().map(String::as_str).collect();
                Protocol::OpenAi
                    .stream(&Answer::new("slow", &refs))
                    .paced(Duration::from_millis(30))
            }
            _ if req.path.ends_with("/models") => Protocol::OpenAi.models(&["m1", "m2", "slow"]),
            m => Protocol::OpenAi
                .stream(&Answer::new(m, &["Answer ", "from ", m, "."]))
                .paced(Duration::from_millis(15)),
        }
    });
    let busy = FakeServer::always(Protocol::OpenAi.error(429, "rate_limit_exceeded", "slow down"));
    let broken = FakeServer::start(|req| {
        if req.path.ends_with("/models") {
            Protocol::OpenAi.models(&["m"])
        } else {
            Protocol::OpenAi.error(400, "invalid_request_error", "this model cannot")
        }
    });
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[providers.busy]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [providers.broken]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[routes.fallback]\ntargets = [\"busy/m\", \"fake/m1\"]\n\n\
         [prices.\"fake/m1\"]\ninput = 1000\noutput = 3000\n\n[prices.\"fake/m2\"]\ninput = 500\noutput = 1500\n\n[router]\nmax_retries = 0\n",
        good.url(),
        busy.url(),
        broken.url()
    ));
    let (driver, client) = launch(&home.0).await;
    let run = |js: String| {
        let client = client.clone();
        async move { client.execute(&js, vec![]).await.expect("script") }
    };
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent?.length > 0",
        "the app",
    )
    .await;
    run("document.querySelector('.to-compare').click(); return true".into()).await;
    wait_js(&client, "return [...document.querySelectorAll('.compare .slot option')].some(o => o.value === '@fallback')", "the models in the compare view").await;

    // 1. Three columns: A falls over from busy/m to fake/m1, B errors, C answers.
    pick_columns(&client, &["@fallback", "broken/m", "fake/m2"]).await;
    ask_all(&client, "Compare yourselves").await;
    wait_js(&client, "return document.querySelectorAll('.column-status.done').length === 2 && !!document.querySelector('.column-status.failed')", "two answers and a failure").await;
    let cols =
        run("return [...document.querySelectorAll('.column')].map(c => c.innerText)".into()).await;
    let cols: Vec<String> = serde_json::from_value(cols).expect("column texts");
    assert!(
        cols[0].contains("Answer from m1.")
            && cols[0].contains("answered by fake/m1")
            && cols[0].contains("after busy/m"),
        "{}",
        cols[0]
    );
    assert!(
        cols[1].contains("broken") && cols[1].contains("this model cannot"),
        "{}",
        cols[1]
    );
    assert!(
        cols[2].contains("Answer from m2.") && cols[2].contains("12 in · 4 out · $0.0120"),
        "{}",
        cols[2]
    );
    screenshot(&client, "compare.png").await;

    // 2. A new compare; one column is stopped, the other carries on.
    run("document.querySelector('.new-compare').click(); return true".into()).await;
    wait_js(
        &client,
        "return !!document.querySelector('.compare .slot')",
        "a new compare",
    )
    .await;
    pick_columns(&client, &["fake/slow", "fake/m1"]).await;
    ask_all(&client, "Race").await;
    wait_js(&client, "return (document.querySelector(\".column[data-column='0']\")?.innerText || '').includes('slow20')", "the slow column streaming").await;
    run(
        "document.querySelector(\".column[data-column='0'] .stop-column\").click(); return true"
            .into(),
    )
    .await;
    wait_js(&client, "return !!document.querySelector(\".column[data-column='0'] .column-status.stopped\") && !!document.querySelector(\".column[data-column='1'] .column-status.done\")", "one stopped, one done").await;
    let stopped =
        run("return document.querySelector(\".column[data-column='0']\").innerText".into()).await;
    assert!(
        stopped.as_str().unwrap_or_default().contains("slow20"),
        "the partial answer stays: {stopped}"
    );
    screenshot(&client, "compare-stop.png").await;

    // 3. Blind: names hidden until the vote; the vote is saved and reveals them.
    let mut ratings = Vec::new();
    for (round, pick) in [(0, "0"), (1, "1"), (2, "1")] {
        run("document.querySelector('.new-compare').click(); return true".into()).await;
        wait_js(
            &client,
            "return !!document.querySelector('.compare .slot')",
            "a new compare",
        )
        .await;
        pick_columns(&client, &["fake/m1", "fake/m2"]).await;
        run("const b = document.querySelector('.compare .blind'); if (!b.checked) b.click(); return b.checked".into()).await;
        ask_all(&client, &format!("Blind round {round}")).await;
        wait_js(
            &client,
            "return !!document.querySelector('.vote-winner')",
            "the vote bar",
        )
        .await;
        let heads = run("return [...document.querySelectorAll('.column-name')].map(e => e.textContent).join('|')".into()).await;
        assert_eq!(heads, json!("Model A|Model B"), "blind names");
        let names_hidden = run(
            "return !document.querySelector('.compare .columns').innerText.includes('fake/m')"
                .into(),
        )
        .await;
        assert_eq!(names_hidden, json!(true), "no model name before the vote");
        if round == 0 {
            screenshot(&client, "blind.png").await;
        }
        run(format!(
            "document.querySelector(\".vote-winner[data-column='{pick}']\").click(); return true"
        ))
        .await;
        wait_js(
            &client,
            "return !!document.querySelector('.voted')",
            "the reveal",
        )
        .await;
        let revealed = run("return [...document.querySelectorAll('.column-name')].map(e => e.textContent).sort().join('|')".into()).await;
        assert_eq!(
            revealed,
            json!("fake/m1|fake/m2"),
            "names revealed after the vote"
        );
        if round == 0 {
            screenshot(&client, "blind-revealed.png").await;
        }
        // The leaderboard after each vote.
        run("document.querySelector('.to-leaderboard').click(); return true".into()).await;
        let votes = if round == 0 {
            "1 vote".to_string()
        } else {
            format!("{} votes", round + 1)
        };
        wait_js(&client, &format!("return (document.querySelector('.leaderboard .total')?.textContent || '') === '{votes}'"), "the leaderboard").await;
        let board = run("return [...document.querySelectorAll('.rating')].map(r => r.dataset.model + '=' + r.querySelector('.score').textContent).join('|')".into()).await;
        ratings.push(board.as_str().unwrap_or_default().to_string());
        if round == 2 {
            screenshot(&client, "leaderboard.png").await;
        }
        run("document.querySelector('.to-compare').click(); return true".into()).await;
    }
    assert_eq!(ratings.len(), 3);
    assert_ne!(
        ratings[0], ratings[1],
        "a vote moved the board: {ratings:?}"
    );
    assert_ne!(
        ratings[1], ratings[2],
        "a vote moved the board: {ratings:?}"
    );

    // A stored compare reopens from the sidebar in the compare view, each column with its thread.
    run("document.querySelector('.new-chat').click(); return true".into()).await;
    wait_js(&client, "return (document.querySelector('.conversation')?.textContent || '').includes('Blind round 2')", "the compare in the sidebar").await;
    run("document.querySelector('.conversation').click(); return true".into()).await;
    wait_js(&client, "return !document.querySelector('.compare-view').hidden && document.querySelectorAll('.column').length === 2 \
        && [...document.querySelectorAll('.column .question')].every(q => q.textContent === 'Blind round 2') \
        && document.querySelector('.compare .columns').innerText.includes('Answer from m1.')", "the reopened compare").await;

    // 4. The dashboard shows exactly what the CLI prints for today.
    let today = run("return new Date().toISOString().slice(0, 10)".into()).await;
    let today = today.as_str().unwrap_or_default().to_string();
    let out = std::process::Command::new(&cli)
        .args([
            "usage", "--since", &today, "--until", &today, "--by", "model", "--json",
        ])
        .env("ROUNDTABLE_HOME", &home.0)
        .output()
        .expect("roundtable usage");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let cli_rows: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(cli_rows.len() >= 3, "{cli_rows:?}");
    run("document.querySelector('.to-usage').click(); return true".into()).await;
    wait_js(
        &client,
        "return document.querySelectorAll('.model-row').length > 0",
        "the dashboard",
    )
    .await;
    let shown = run("return [...document.querySelectorAll('.model-row')].map(r => [r.dataset.model, r.querySelector('.cost .usd').textContent, Number(r.querySelector('.requests').textContent)])".into()).await;
    let shown: Vec<(String, String, i64)> = serde_json::from_value(shown).expect("rows");
    let expected: Vec<(String, String, i64)> = cli_rows
        .iter()
        .map(|r| {
            let micros = r["cost_micros"].as_i64().unwrap_or(0);
            (
                r["key"].as_str().unwrap_or_default().to_string(),
                format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000),
                r["requests"].as_i64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(shown, expected, "the dashboard's table is the CLI's");
    let total: i64 = cli_rows
        .iter()
        .map(|r| r["cost_micros"].as_i64().unwrap_or(0))
        .sum();
    let shown_total = run("return document.querySelector('.total-usd').textContent".into()).await;
    assert_eq!(
        shown_total,
        json!(format!("${}.{:06}", total / 1_000_000, total % 1_000_000))
    );
    assert!(total > 0, "priced answers were recorded");
    wait_js(
        &client,
        "const c = document.querySelector('.spend-chart'); return !!c && c.width > 0",
        "the chart",
    )
    .await;
    screenshot(&client, "usage.png").await;
    client.close().await.expect("close the session");
    drop(driver);
    drop(home);
}
