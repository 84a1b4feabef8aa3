//! Tools in the real window (issue 18): a chat offers the real `server-everything` MCP server's
//! tools; the model calls its `echo`; the person allows it once, the result shows in the answer
//! and the model answers from it; then the same call denied. When the window closes, the app
//! stops the server: no MCP process is left.

use std::time::Duration;

use roundtable_e2e::{descendants, home_with_config, launch, screenshot, wait_js};
use roundtable_fakes::{Answer, FakeServer, Protocol};

const ENTER: &str = "\u{E007}";

fn everything() -> String {
    let dir = std::env::var_os("ROUNDTABLE_MCP").map_or_else(
        || std::path::PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/roundtable/mcp"),
        std::path::PathBuf::from,
    );
    let bin = dir.join("node_modules/.bin/mcp-server-everything");
    assert!(
        bin.exists(),
        "{} is missing: run `bash .ci/setup`",
        bin.display()
    );
    bin.display().to_string()
}

/// The MCP server processes below `root` (by their command line).
fn mcp_servers(root: u32) -> Vec<u32> {
    descendants(root)
        .into_iter()
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("mcp-server-everything"))
        })
        .collect()
}

fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, r)| !r.trim_start().starts_with('Z'))
    })
}

/// The app on a data dir whose model is `model` and whose MCP server is server-everything,
/// with the server picked in the chat's tools menu.
async fn chat_with_everything(
    model: &FakeServer,
) -> (
    roundtable_e2e::TempHome,
    roundtable_e2e::Driver,
    fantoccini::Client,
) {
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[router]\nmax_retries = 0\n\n[mcp.everything]\ncommand = \"{}\"\nargs = [\"stdio\"]\n",
        model.url(),
        everything()
    ));
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent === 'fake/m1'",
        "the app",
    )
    .await;
    let click = |selector: &str| {
        let (client, js) = (
            client.clone(),
            format!("document.querySelector('{selector}').click(); return true"),
        );
        async move { client.execute(&js, vec![]).await.expect("script") }
    };
    click("[data-testid=tools-menu]").await;
    wait_js(
        &client,
        "return !!document.querySelector('[data-testid=tools-server-everything]')",
        "the tools menu",
    )
    .await;
    click("[data-testid=tools-server-everything]").await;
    wait_js(
        &client,
        "return document.querySelector('[data-testid=tools-server-everything]').checked",
        "the server picked",
    )
    .await;
    click("[data-testid=tools-menu]").await;
    (home, driver, client)
}

#[tokio::test]
async fn a_chat_calls_server_everythings_echo_allowed_once_then_denied() {
    // The model: with a tool result last, it answers from it; otherwise it calls echo.
    let model = FakeServer::start(|req| {
        if req.path.ends_with("/models") {
            return Protocol::OpenAi.models(&["m1"]);
        }
        let body = req.json();
        let last = body["messages"]
            .as_array()
            .and_then(|m| m.last())
            .cloned()
            .unwrap_or_default();
        if last["role"] == "tool" {
            let result = last["content"].as_str().unwrap_or("").to_string();
            let said = if result.contains("denied") {
                "OK, I will not use it.".to_string()
            } else {
                format!("The echo said: {result}")
            };
            Protocol::OpenAi.stream(&Answer::new("m1", &[&said]))
        } else {
            Protocol::OpenAi.stream(
                &Answer::new("m1", &["Let me check. "]).with_tool_calls(vec![(
                    "call_1",
                    "everything__echo",
                    r#"{"message":"hello from the window"}"#,
                )]),
            )
        }
    });
    let (_home, driver, client) = chat_with_everything(&model).await;
    let run = |js: &str| {
        let (client, js) = (client.clone(), js.to_string());
        async move { client.execute(&js, vec![]).await.expect("script") }
    };

    // 1. The model calls echo; Allow once; the result shows and the answer uses it.
    let box_ = client
        .find(fantoccini::Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.send_keys(&format!("Use the echo tool{ENTER}"))
        .await
        .expect("send");
    wait_js(
        &client,
        "return !!document.querySelector('.tool-block[data-tool-name=\"everything__echo\"] [data-testid=tool-allow-once]')",
        "the call waiting for consent",
    )
    .await;
    screenshot(&client, "tools-ask.png").await;
    let asked = run("return document.querySelector('.tool-block').innerText").await;
    assert!(
        asked
            .as_str()
            .unwrap_or("")
            .contains("hello from the window"),
        "the block shows the arguments: {asked}"
    );
    let servers = mcp_servers(driver.pid());
    assert_eq!(servers.len(), 1, "one server-everything runs for the app");
    run("document.querySelector('[data-testid=tool-allow-once]').click(); return true").await;
    wait_js(
        &client,
        "return [...document.querySelectorAll('.tool-result')].some(r => r.textContent.includes('Echo: hello from the window'))",
        "the tool's result",
    )
    .await;
    wait_js(
        &client,
        "return document.body.innerText.includes('The echo said: Echo: hello from the window')",
        "the answer from the result",
    )
    .await;
    screenshot(&client, "tools-allowed.png").await;

    // 2. The same call, denied: the model is told and answers without it.
    box_.send_keys(&format!("Again please{ENTER}"))
        .await
        .expect("send again");
    wait_js(
        &client,
        "return document.querySelectorAll('[data-testid=tool-deny]').length === 1",
        "the second call waiting",
    )
    .await;
    run("document.querySelector('[data-testid=tool-deny]').click(); return true").await;
    wait_js(
        &client,
        "return document.body.innerText.includes('OK, I will not use it.')",
        "the answer after the denial",
    )
    .await;
    let denied = run(
        "return [...document.querySelectorAll('.tool-result')].map(r => r.className + ' ' + r.textContent)",
    )
    .await;
    assert!(
        denied.to_string().contains("tool-error") && denied.to_string().contains("denied"),
        "the denied call shows as refused: {denied}"
    );
    // The model got the denial as the call's result.
    let asked: Vec<String> = model
        .requests()
        .iter()
        .filter(|r| !r.path.ends_with("/models"))
        .map(|r| String::from_utf8_lossy(&r.body).to_string())
        .collect();
    assert_eq!(asked.len(), 4, "two turns of two model calls each");
    assert!(
        asked[3].contains("the person denied this call"),
        "{}",
        asked[3]
    );
    screenshot(&client, "tools-denied.png").await;

    // 3. Closing the window ends the app, which stops the server.
    let _ = client.close_window().await;
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while servers.iter().any(|p| alive(*p)) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left: Vec<&u32> = servers.iter().filter(|p| alive(**p)).collect();
    assert!(
        left.is_empty(),
        "MCP servers left after the app closed: {left:?}"
    );
    drop(driver);
}

#[tokio::test]
async fn killing_the_app_mid_question_leaves_no_server_behind() {
    let model = FakeServer::start(|req| {
        if req.path.ends_with("/models") {
            return Protocol::OpenAi.models(&["m1"]);
        }
        Protocol::OpenAi.stream(&Answer::new("m1", &[]).with_tool_calls(vec![(
            "call_1",
            "everything__echo",
            r#"{"message":"x"}"#,
        )]))
    });
    let (_home, driver, client) = chat_with_everything(&model).await;
    let box_ = client
        .find(fantoccini::Locator::Css("textarea"))
        .await
        .expect("the composer");
    box_.send_keys(&format!("go{ENTER}")).await.expect("send");
    wait_js(
        &client,
        "return !!document.querySelector('[data-testid=tool-allow-once]')",
        "the question",
    )
    .await;
    let servers = mcp_servers(driver.pid());
    assert_eq!(servers.len(), 1);
    let app: Vec<u32> = descendants(driver.pid())
        .into_iter()
        .filter(|p| {
            std::fs::read(format!("/proc/{p}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains("roundtable-app"))
        })
        .collect();
    assert!(!app.is_empty(), "the app runs under the driver");
    for pid in &app {
        let _ = std::process::Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status();
    }
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while servers.iter().any(|p| alive(*p)) && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let left: Vec<&u32> = servers.iter().filter(|p| alive(**p)).collect();
    assert!(
        left.is_empty(),
        "MCP servers left after the app was killed: {left:?}"
    );
    drop(client);
    drop(driver);
}
