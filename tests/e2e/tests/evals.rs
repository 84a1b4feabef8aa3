//! The Evaluations view in the real window (Xvfb, WebDriver) against a fake provider on
//! loopback: a suite from the data dir's `evals/` folder run against two targets, the grid
//! filling in with each cell's verdict, a cell opened (its answer shown as text, never markup,
//! and its reasons), the run stored with its calls in the ledger, and a second run compared with
//! the first (the cell that changed named).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use roundtable_e2e::{home_with_config, launch, require_app, screenshot, wait_js};
use roundtable_fakes::{Answer, FakeServer, Protocol};
use serde_json::Value;

async fn run(client: &fantoccini::Client, js: &str) -> Value {
    client.execute(js, vec![]).await.expect(js)
}

/// Sets an input's value as typing would (Solid listens to `input`).
async fn type_into(client: &fantoccini::Client, selector: &str, value: &str) {
    let js = format!(
        "const el = document.querySelector({sel}); \
         const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; \
         set.call(el, {val}); el.dispatchEvent(new Event('input', {{bubbles: true}})); return true",
        sel = serde_json::to_string(selector).unwrap(),
        val = serde_json::to_string(value).unwrap()
    );
    run(client, &js).await;
}

async fn verdict(client: &fantoccini::Client, case: usize, target: usize) -> String {
    run(
        client,
        &format!("return document.querySelector('[data-testid=eval-cell-{case}-{target}]')?.dataset.verdict ?? ''"),
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_string()
}

/// Presses Run and waits for run `id` to end with its `cells` cells in the grid.
async fn run_and_wait(client: &fantoccini::Client, id: i64, cells: usize) {
    wait_js(
        client,
        "return !document.querySelector('[data-testid=eval-run]').disabled",
        "the Run button enabled",
    )
    .await;
    run(
        client,
        "document.querySelector('[data-testid=eval-run]').click(); return true",
    )
    .await;
    wait_js(
        client,
        &format!(
            "const p = document.querySelector('[data-testid=eval-progress]'); \
             const grid = [...document.querySelectorAll('button[data-testid^=eval-cell-]')]; \
             return !!document.querySelector('[data-testid=eval-run-{id}]') && !!p && p.max == {cells} && p.value == {cells} \
               && !document.querySelector('[data-testid=eval-stop]') \
               && grid.length == {cells} && grid.every(c => c.dataset.verdict !== 'pending')"
        ),
        "the run to end",
    )
    .await;
}

#[tokio::test]
async fn a_suite_runs_into_a_grid_and_two_runs_are_compared() {
    require_app();
    // `good` greets whoever it is asked to; `bad` answers with markup; after the flip, `good`
    // fails the second case.
    let flipped = Arc::new(AtomicBool::new(false));
    let flip = flipped.clone();
    let fake = FakeServer::start(move |req| {
        if req.path.ends_with("/models") {
            return Protocol::OpenAi.models(&["good", "bad"]);
        }
        let body = req.json();
        let prompt = body["messages"][0]["content"]
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| {
                body["messages"][0]["content"][0]["text"]
                    .as_str()
                    .unwrap_or("")
                    .to_string()
            });
        let text = match body["model"].as_str() {
            Some("bad") => "No. <img src=x onerror=\"document.title='pwned'\">".to_string(),
            _ if flip.load(Ordering::SeqCst) && prompt.contains("Bob") => "Goodbye.".to_string(),
            _ => format!(
                "Hello, {}!",
                prompt
                    .trim_start_matches("Say hello to ")
                    .trim_end_matches('.')
            ),
        };
        Protocol::OpenAi.stream(&Answer::new("m", &[text.as_str()]))
    });
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[router]\nmax_retries = 0\n",
        fake.url()
    ));
    let evals = home.0.join("evals");
    std::fs::create_dir_all(&evals).unwrap();
    std::fs::write(
        evals.join("greetings.toml"),
        "name = \"greetings\"\nprompt = \"Say hello to {name}.\"\nchecks = [{ type = \"contains\", value = \"Hello, {name}\" }]\n\
         [[cases]]\nvars = { name = \"Ada\" }\n[[cases]]\nvars = { name = \"Bob\" }\n[[cases]]\nvars = { name = \"Cy\" }\n",
    )
    .unwrap();
    let (driver, client) = launch(&home.0).await;

    run(
        &client,
        "document.querySelector('.to-evals').click(); return true",
    )
    .await;
    wait_js(
        &client,
        "return [...(document.querySelector('[data-testid=eval-suite]')?.options ?? [])].some(o => o.textContent.includes('greetings'))",
        "the suite listed",
    )
    .await;
    run(
        &client,
        "const s = document.querySelector('[data-testid=eval-suite]'); \
         s.value = [...s.options].find(o => o.textContent.includes('greetings')).value; \
         s.dispatchEvent(new Event('change', {bubbles: true})); return true",
    )
    .await;
    type_into(&client, "[data-testid=eval-targets]", "fake/good, fake/bad").await;
    run_and_wait(&client, 1, 6).await;
    screenshot(&client, "evals-grid.png").await;

    // The grid: the good target passes every case, the bad one fails every case.
    for case in 0..3 {
        assert_eq!(
            verdict(&client, case, 0).await,
            "pass",
            "case {case}, fake/good"
        );
        assert_eq!(
            verdict(&client, case, 1).await,
            "fail",
            "case {case}, fake/bad"
        );
    }
    let summary = run(
        &client,
        "return document.querySelector('[data-testid=eval-summary]').innerText",
    )
    .await;
    assert!(summary.as_str().unwrap().contains("100"), "{summary}");

    // A cell opens its answer (as text: the markup makes no element) and its reason.
    run(
        &client,
        "document.querySelector('[data-testid=eval-cell-0-1]').click(); return true",
    )
    .await;
    wait_js(
        &client,
        "return !!document.querySelector('[data-testid=eval-cell-detail][open]')",
        "the cell's detail",
    )
    .await;
    let detail = run(
        &client,
        "const d = document.querySelector('[data-testid=eval-cell-detail]'); \
         return {text: d.innerText, imgs: d.querySelectorAll('img').length, title: document.title}",
    )
    .await;
    assert!(
        detail["text"]
            .as_str()
            .unwrap()
            .contains("<img src=x onerror="),
        "{detail}"
    );
    assert!(
        detail["text"]
            .as_str()
            .unwrap()
            .contains("does not contain"),
        "{detail}"
    );
    assert_eq!(detail["imgs"], 0, "{detail}");
    assert_ne!(detail["title"], "pwned");
    run(
        &client,
        "document.querySelector('[data-testid=eval-cell-detail]').close(); return true",
    )
    .await;

    // The run is stored, every call in the ledger under it.
    let db = rusqlite::Connection::open(home.0.join("roundtable.db")).unwrap();
    let (cells, calls): (i64, i64) = db
        .query_row(
            "SELECT (SELECT COUNT(*) FROM eval_cells WHERE run_id = 1), (SELECT COUNT(*) FROM ledger WHERE client = 'eval #1')",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((cells, calls), (6, 6));

    // A fresh run after the flip, then the two compared: Bob's cell on fake/good changed.
    flipped.store(true, Ordering::SeqCst);
    run(
        &client,
        "document.querySelector('[data-testid=eval-fresh]').click(); return true",
    )
    .await;
    run_and_wait(&client, 2, 6).await;
    assert_eq!(verdict(&client, 1, 0).await, "fail");
    wait_js(
        &client,
        "return !!document.querySelector('[data-testid=eval-pick-1]') && !!document.querySelector('[data-testid=eval-pick-2]')",
        "both runs listed",
    )
    .await;
    run(
        &client,
        "document.querySelector('[data-testid=eval-pick-1]').click(); document.querySelector('[data-testid=eval-pick-2]').click(); return true",
    )
    .await;
    run(
        &client,
        "document.querySelector('[data-testid=eval-compare-runs]').click(); return true",
    )
    .await;
    wait_js(
        &client,
        "return !!document.querySelector('[data-testid=eval-diff]')",
        "the comparison",
    )
    .await;
    let diff = run(
        &client,
        "return document.querySelector('[data-testid=eval-diff]').innerText",
    )
    .await;
    let diff = diff.as_str().unwrap();
    assert!(diff.contains("6 cells compared, 1 changed"), "{diff}");
    assert!(diff.contains("fake/good"), "{diff}");
    screenshot(&client, "evals-diff.png").await;
    drop(client);
    drop(driver);
}
