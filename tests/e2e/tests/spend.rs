//! Presets, settings and spend limits in the real window (Xvfb, WebDriver), against fake
//! providers on loopback: a preset picked changes the wire body; the cost shown before sending
//! equals the ledger's after the answer (the fake counts the prompt with tiktoken, as OpenAI
//! does); a compare of one model at two temperatures; a spend limit's banner, its refusal and
//! "Send anyway".

use std::sync::{Arc, Mutex};

use fantoccini::Locator;
use roundtable_e2e::{home_with_config, launch, require_app, screenshot, wait_js};
use roundtable_fakes::{Answer, FakeServer, Protocol};
use serde_json::{json, Value};

const ENTER: &str = "\u{E007}";

/// A chat's prompt tokens as OpenAI counts them: 3 a message plus its role and text, 3 more to
/// prime the reply (tiktoken's o200k_base, independent of the app's own counter).
fn openai_prompt_tokens(body: &Value) -> u64 {
    let bpe = tiktoken_rs::o200k_base().expect("tiktoken tables");
    let mut n = 3;
    for m in body["messages"].as_array().into_iter().flatten() {
        let text = match &m["content"] {
            Value::String(s) => s.clone(),
            Value::Array(parts) => parts
                .iter()
                .filter_map(|p| p["text"].as_str())
                .collect::<String>(),
            _ => String::new(),
        };
        let role = m["role"].as_str().unwrap_or("");
        n += 3 + bpe.encode_ordinary(role).len() + bpe.encode_ordinary(&text).len();
    }
    n as u64
}

/// A fake OpenAI serving `gpt-4o`, whose usage is the prompt as tiktoken counts it and `output`
/// answer tokens; it keeps every chat body it was sent.
fn counting_fake(output: u64) -> (FakeServer, Arc<Mutex<Vec<Value>>>) {
    let bodies = Arc::new(Mutex::new(Vec::new()));
    let seen = bodies.clone();
    let fake = FakeServer::start(move |req| {
        if req.path.ends_with("/models") {
            return Protocol::OpenAi.models(&["gpt-4o"]);
        }
        let body = req.json();
        seen.lock().unwrap().push(body.clone());
        let mut a = Answer::new("gpt-4o", &["Fine, ", "thanks."]);
        a.input = openai_prompt_tokens(&body);
        a.output = output;
        Protocol::OpenAi.stream(&a)
    });
    (fake, bodies)
}

async fn run(client: &fantoccini::Client, js: &str) -> Value {
    client.execute(js, vec![]).await.expect(js)
}

async fn type_prompt(client: &fantoccini::Client, text: &str) {
    client
        .find(Locator::Css("textarea"))
        .await
        .expect("the composer")
        .send_keys(text)
        .await
        .expect("type");
}

/// The digits of the first number in `text` (`1,204 tokens` → 1204).
fn number(text: &str) -> u64 {
    let digits: String = text
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect();
    digits
        .parse()
        .unwrap_or_else(|_| panic!("no number in {text:?}"))
}

#[tokio::test]
async fn a_preset_changes_the_wire_body_and_the_cost_shown_is_the_ledgers() {
    require_app();
    let (fake, bodies) = counting_fake(0);
    // $10,000 per million input tokens: a cent a token, so the shown cost is exact to 4 places.
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [prices.\"fake/gpt-4o\"]\ninput = 10000\noutput = 0\n\n\
         [presets.terse]\nsystem = \"Answer in one sentence.\"\ntemperature = 0.2\nmax_tokens = 300\n",
        fake.url()
    ));
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent?.includes('fake/gpt-4o')",
        "the model",
    )
    .await;

    // The preset picked by the composer.
    run(
        &client,
        "document.querySelector('.preset-picker').click(); return true",
    )
    .await;
    wait_js(
        &client,
        "return !!document.querySelector('.preset-item.preset-terse')",
        "the preset menu",
    )
    .await;
    run(
        &client,
        "document.querySelector('.preset-item.preset-terse').click(); return true",
    )
    .await;
    wait_js(
        &client,
        "return document.querySelector('.preset-picker .preset-name')?.textContent === 'terse'",
        "the preset in force",
    )
    .await;

    // The cost before sending, as the prompt is typed.
    type_prompt(
        &client,
        "What does it cost to run a comparison of three models?",
    )
    .await;
    wait_js(
        &client,
        "const c = document.querySelector('.cost-line:not(.stale) .cost-column[data-target=\"fake/gpt-4o\"]'); \
         return !!c && /tokens/.test(c.querySelector('.cost-tokens')?.textContent ?? '') \
           && !document.querySelector('.cost-line.stale')",
        "the cost before sending",
    )
    .await;
    // Typing more updates it.
    let shown = run(
        &client,
        "const c = document.querySelector('.cost-column[data-target=\"fake/gpt-4o\"]'); \
         return [c.querySelector('.cost-tokens').textContent, c.querySelector('.cost-input').textContent, \
                 c.querySelector('.cost-answer')?.textContent ?? '']",
    )
    .await;
    let tokens_text = shown[0].as_str().unwrap_or("").to_string();
    assert!(
        !tokens_text.contains('≈'),
        "an OpenAI model is counted exactly: {tokens_text}"
    );
    let shown_tokens = number(&tokens_text);
    let shown_cost = shown[1].as_str().unwrap_or("").to_string();
    screenshot(&client, "cost-before-sending.png").await;
    type_prompt(&client, ENTER).await;
    wait_js(
        &client,
        "return !!document.querySelector('.message.assistant.live.done .meta')",
        "the answer",
    )
    .await;

    // The preset reached the wire.
    let sent = bodies.lock().unwrap().clone();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let body = &sent[0];
    assert_eq!(body["messages"][0]["role"], "system", "{body}");
    assert_eq!(body["messages"][0]["content"], "Answer in one sentence.");
    assert!(
        (body["temperature"].as_f64().unwrap_or(-1.0) - 0.2).abs() < 1e-6,
        "{body}"
    );
    assert_eq!(body["max_tokens"], 300, "{body}");

    // What was shown is what the ledger says (the fake counted with tiktoken).
    let store = roundtable_engine::store::Store::open(&home.0).expect("the store");
    let rows = store
        .usage(None, None, roundtable_engine::store::UsageBy::Model)
        .expect("usage");
    let row = rows
        .iter()
        .find(|r| r.key == "fake/gpt-4o")
        .expect("a ledger row");
    assert_eq!(row.input_tokens, shown_tokens as i64, "shown {tokens_text}");
    let ledger_cost = format!("${:.4} in", row.cost_micros as f64 / 1e6);
    assert_eq!(shown_cost, ledger_cost);
    assert_eq!(row.cost_micros, shown_tokens as i64 * 10_000);

    // The follow-up carries the conversation's settings without picking the preset again.
    type_prompt(&client, &format!("And in one word?{ENTER}")).await;
    wait_js(
        &client,
        "return document.querySelectorAll('.message.assistant').length >= 2 && !!document.querySelector('.message.assistant.live.done .meta')",
        "the second answer",
    )
    .await;
    let sent = bodies.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["messages"][0]["content"], "Answer in one sentence.");
    assert!((sent[1]["temperature"].as_f64().unwrap_or(-1.0) - 0.2).abs() < 1e-6);

    client.close().await.expect("close");
    drop(driver);
}

#[tokio::test]
async fn a_spend_limit_warns_once_then_refuses_and_send_anyway_sends() {
    require_app();
    // Each answer is one output token at $600,000 a million: $0.60.
    let (fake, bodies) = counting_fake(1);
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [prices.\"fake/gpt-4o\"]\ninput = 0\noutput = 600000\n\n\
         [[budgets]]\nscope = \"provider:fake\"\nwindow = \"day\"\nlimit_usd = 1.0\nalert_percent = 50\n",
        fake.url()
    ));
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent?.includes('fake/gpt-4o')",
        "the model",
    )
    .await;
    let answers = |n: usize| {
        format!(
            "return document.querySelectorAll('.message.assistant').length + (document.querySelector('.message.assistant.live.done') ? 0 : -1) >= {n} \
             && !!document.querySelector('.message.assistant.live.done .meta')"
        )
    };

    // $0 spent: no alert.
    type_prompt(&client, &format!("One{ENTER}")).await;
    wait_js(&client, &answers(1), "the first answer").await;
    assert_eq!(
        run(&client, "return !!document.querySelector('.budget-banner')").await,
        json!(false)
    );
    // $0.60 of $1.00 spent (60%, past the 50% alert): the banner, once.
    type_prompt(&client, &format!("Two{ENTER}")).await;
    wait_js(
        &client,
        "return (document.querySelector('.budget-banner')?.textContent ?? '').includes('provider:fake per day')",
        "the spend limit's banner",
    )
    .await;
    wait_js(&client, &answers(2), "the second answer").await;
    screenshot(&client, "budget-banner.png").await;
    assert_eq!(bodies.lock().unwrap().len(), 2);

    // $1.20 spent: refused before anything is sent, naming the rule; "Send anyway" sends.
    type_prompt(&client, &format!("Three{ENTER}")).await;
    wait_js(
        &client,
        "const card = document.querySelector('.error-card'); \
         return !!card && card.querySelector('.error-title')?.textContent === 'Spend limit reached' \
           && card.textContent.includes('provider:fake per day') && !!card.querySelector('.send-anyway')",
        "the refusal",
    )
    .await;
    screenshot(&client, "budget-refusal.png").await;
    assert_eq!(bodies.lock().unwrap().len(), 2, "nothing was sent");
    run(
        &client,
        "document.querySelector('.error-card .send-anyway').click(); return true",
    )
    .await;
    wait_js(
        &client,
        "return !document.querySelector('.error-card') && !!document.querySelector('.message.assistant.live.done .meta')",
        "the answer sent anyway",
    )
    .await;
    let sent = bodies.lock().unwrap().clone();
    assert_eq!(sent.len(), 3);
    assert_eq!(
        sent[2]["messages"]
            .as_array()
            .and_then(|m| m.last())
            .map(|m| m["content"].clone()),
        Some(json!("Three"))
    );

    client.close().await.expect("close");
    drop(driver);
}

#[tokio::test]
async fn a_compare_of_one_model_at_two_temperatures_sends_two_bodies_differing_only_there() {
    require_app();
    let (fake, bodies) = counting_fake(3);
    let home = home_with_config(&format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
        fake.url()
    ));
    let (driver, client) = launch(&home.0).await;
    wait_js(
        &client,
        "return document.querySelector('.model-button')?.textContent?.includes('fake/gpt-4o')",
        "the model",
    )
    .await;
    run(
        &client,
        "document.querySelector('.to-compare').click(); return true",
    )
    .await;
    wait_js(
        &client,
        "return [...document.querySelectorAll('.compare .slot option')].some(o => o.value === 'fake/gpt-4o')",
        "the models in the compare view",
    )
    .await;
    // The same model in two columns, each with its own temperature.
    for i in 0..2 {
        let js = format!(
            "const s = document.querySelectorAll('.compare .slot')[{i}]; s.value = 'fake/gpt-4o'; \
             s.dispatchEvent(new Event('change', {{bubbles: true}})); return s.value === 'fake/gpt-4o'"
        );
        wait_js(&client, &js, "a compare slot").await;
    }
    for (i, t) in ["0.2", "1"].iter().enumerate() {
        run(
            &client,
            &format!(
                "document.querySelectorAll('.compare-setup .column-params-button')[{i}].click(); return true"
            ),
        )
        .await;
        wait_js(
            &client,
            "return !!document.querySelector('.column-params .params-temperature-input')",
            "the column's settings",
        )
        .await;
        run(
            &client,
            &format!(
                "const el = document.querySelector('.column-params .params-temperature-input'); el.value = '{t}'; \
                 el.dispatchEvent(new Event('input', {{bubbles: true}})); \
                 document.querySelector('.column-params-done').click(); return true"
            ),
        )
        .await;
        wait_js(
            &client,
            "return !document.querySelector('.column-params')",
            "the dialog closed",
        )
        .await;
    }
    wait_js(
        &client,
        "return [...document.querySelectorAll('.slot-settings')].map(e => e.textContent).join('|') === 'temperature 0.2|temperature 1'",
        "each column's settings in the set-up",
    )
    .await;
    client
        .find(Locator::Css(".compare-input"))
        .await
        .expect("the compare composer")
        .send_keys(&format!("Name a colour.{ENTER}"))
        .await
        .expect("send");
    wait_js(
        &client,
        "return document.querySelectorAll('.column-status.done').length === 2",
        "both answers",
    )
    .await;
    let heads = run(
        &client,
        "return [...document.querySelectorAll('.column-diff')].map(e => e.textContent)",
    )
    .await;
    assert_eq!(heads, json!(["temperature 0.2", "temperature 1"]));
    screenshot(&client, "compare-two-temperatures.png").await;

    let mut sent = bodies.lock().unwrap().clone();
    assert_eq!(sent.len(), 2, "{sent:?}");
    let mut temps: Vec<f64> = sent
        .iter()
        .map(|b| b["temperature"].as_f64().expect("a temperature"))
        .collect();
    temps.sort_by(f64::total_cmp);
    assert!(
        (temps[0] - 0.2).abs() < 1e-6 && (temps[1] - 1.0).abs() < 1e-6,
        "{temps:?}"
    );
    for b in &mut sent {
        b.as_object_mut().expect("a body").remove("temperature");
    }
    assert_eq!(sent[0], sent[1], "the bodies differ only in temperature");

    client.close().await.expect("close");
    drop(driver);
}
