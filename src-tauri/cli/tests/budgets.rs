//! The real `roundtable` binary with spend limits and presets, against an OpenAI-protocol fake
//! that keeps every body it is sent: a reached `[[budgets]]` rule refuses `chat` (exit 1, the
//! rule named, nothing sent or stored), its alert is printed once per window, `-p NAME` sends
//! the preset's model, system prompt and parameters, and `compare -m MODEL#PRESET` sends each
//! column's own and says in its headers what tells them apart.

use std::path::Path;
use std::process::Output;

use roundtable_fakes::{Answer, FakeServer, Protocol};
use serde_json::{json, Value};

mod common;
use common::{run, stderr, stdout};

/// A data dir whose `fake` provider is this server, with `extra` config after it.
fn data_dir(server: &FakeServer, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\n\n{extra}\n\
         [router]\nmax_retries = 0\nfirst_token_timeout_ms = 3000\nidle_timeout_ms = 3000\n",
        Protocol::OpenAi.base_url(&server.url())
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    dir
}

/// Answers every chat; 100 prompt tokens, so $0.10 a request at $1,000 per million.
fn fake() -> FakeServer {
    let mut answer = Answer::new("m", &["Fine."]);
    answer.input = 100;
    FakeServer::always(Protocol::OpenAi.stream(&answer))
}

fn conversations(dir: &Path) -> i64 {
    rusqlite::Connection::open(dir.join("roundtable.db"))
        .unwrap()
        .query_row("SELECT COUNT(*) FROM conversations", [], |r| r.get(0))
        .unwrap()
}

#[test]
fn chat_is_refused_at_a_reached_limit_and_its_alert_is_printed_once() {
    let server = fake();
    let dir = data_dir(
        &server,
        "[prices.\"fake/m\"]\ninput = 1000\noutput = 0\n\n\
         [[budgets]]\nscope = \"provider:fake\"\nwindow = \"day\"\nlimit_usd = 0.35\nalert_percent = 50\n",
    );
    let d = dir.path();
    let chat = |extra: &[&str]| {
        let mut args = vec!["chat", "-m", "fake/m"];
        args.extend(extra);
        args.push("spend");
        run(d, &args)
    };
    let alerts = |o: &Output| -> Vec<String> {
        stderr(o)
            .lines()
            .filter(|l| l.contains("budget:"))
            .map(str::to_string)
            .collect()
    };
    // $0, then $0.10 (29%): under the alert share.
    for _ in 0..2 {
        let o = chat(&[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(alerts(&o).is_empty(), "{}", stderr(&o));
    }
    // $0.20 of $0.35 (57%): one alert naming the rule.
    let o = chat(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        alerts(&o),
        ["roundtable: budget: provider:fake per day ($0.35): $0.20 spent (57%)"],
        "{}",
        stderr(&o)
    );
    // $0.30 (86%): past the share again, the same window: no second alert.
    let o = chat(&[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(alerts(&o).is_empty(), "{}", stderr(&o));
    assert_eq!(server.requests().len(), 4);
    assert_eq!(conversations(d), 4);

    // $0.40: refused, exit 1, the rule named; nothing sent, nothing stored.
    let o = chat(&[]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("provider:fake per day ($0.35)") && err.contains("--over-budget"),
        "{err}"
    );
    let o = chat(&["--json"]);
    assert_eq!(o.status.code(), Some(1));
    let event: Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    assert_eq!(
        (&event["type"], &event["kind"], &event["class"]),
        (
            &json!("error"),
            &json!("budget_exceeded"),
            &json!("budget_exceeded")
        ),
        "{event}"
    );
    assert!(
        event["message"]
            .as_str()
            .unwrap()
            .contains("provider:fake per day ($0.35)"),
        "{event}"
    );
    assert_eq!(server.requests().len(), 4, "nothing was sent");
    assert_eq!(conversations(d), 4, "nothing was stored");

    // --over-budget sends anyway.
    let o = chat(&["--over-budget"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o).trim(), "Fine.");
    assert_eq!(server.requests().len(), 5);
}

const PRESETS: &str = "[presets.brief]\nsystem = \"Be brief.\"\nmodel = \"fake/m\"\n\
                       temperature = 0.25\nmax_tokens = 50\nstop = [\"END\"]\n\n\
                       [presets.hot]\ntemperature = 1.5\n\n\
                       [presets.cold]\ntemperature = 0.25\n";

#[test]
fn a_preset_gives_chat_its_model_system_prompt_and_parameters() {
    let server = fake();
    let dir = data_dir(&server, PRESETS);
    let d = dir.path();
    // No -m: the preset's model.
    let o = run(d, &["chat", "-p", "brief", "--json", "hi"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let body = server.requests().last().unwrap().json();
    assert_eq!(body["model"], "m");
    assert_eq!(
        body["messages"],
        json!([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}])
    );
    assert_eq!(
        (
            &body["temperature"],
            &body["max_tokens"],
            &body["stop"],
            &body["seed"]
        ),
        (&json!(0.25), &json!(50), &json!(["END"]), &Value::Null)
    );
    let done: Value = serde_json::from_str(stdout(&o).lines().last().unwrap()).unwrap();
    let id = done["conversation_id"].as_i64().unwrap().to_string();

    // A flag beside the preset wins.
    let o = run(
        d,
        &["chat", "--preset", "brief", "--temperature", "1.5", "hi"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let body = server.requests().last().unwrap().json();
    assert_eq!(
        (&body["temperature"], &body["max_tokens"]),
        (&json!(1.5), &json!(50))
    );

    // Continuing the first conversation with no flags: what it stored.
    let o = run(d, &["chat", "--continue", &id, "-m", "fake/m", "more"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let body = server.requests().last().unwrap().json();
    assert_eq!(body["temperature"], 0.25);
    assert_eq!(body["messages"][0]["content"], "Be brief.");
    assert_eq!(body["messages"].as_array().unwrap().len(), 4);

    // An unknown preset: bad input (exit 2), the presets named, nothing sent.
    let sent = server.requests().len();
    let o = run(d, &["chat", "-p", "nope", "-m", "fake/m", "hi"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("no preset `nope`") && stderr(&o).contains("brief, cold, hot"),
        "{}",
        stderr(&o)
    );
    assert_eq!(server.requests().len(), sent);
}

#[test]
fn compare_model_hash_preset_sends_each_columns_own_and_names_what_differs() {
    let server = fake();
    let dir = data_dir(&server, PRESETS);
    let d = dir.path();
    let o = run(
        d,
        &[
            "compare",
            "-m",
            "fake/m#hot",
            "-m",
            "fake/m#cold",
            "Describe rain.",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut bodies: Vec<Value> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(bodies.len(), 2);
    // The columns run at once: in either order.
    bodies.sort_by(|a, b| {
        a["temperature"]
            .as_f64()
            .partial_cmp(&b["temperature"].as_f64())
            .unwrap()
    });
    assert_eq!(
        (&bodies[0]["temperature"], &bodies[1]["temperature"]),
        (&json!(0.25), &json!(1.5))
    );
    for b in &mut bodies {
        b.as_object_mut().unwrap().remove("temperature");
    }
    assert_eq!(bodies[0], bodies[1], "nothing but the temperature differs");

    let out = stdout(&o);
    let heads: Vec<&str> = out.lines().filter(|l| l.starts_with("── [")).collect();
    assert_eq!(heads.len(), 2, "{out}");
    assert!(
        heads[0].starts_with("── [0] fake/m (hot) ·")
            && heads[1].starts_with("── [1] fake/m (cold) ·"),
        "{out}"
    );

    // An unknown column preset is refused before anything is sent.
    let o = run(
        d,
        &["compare", "-m", "fake/m#hot", "-m", "fake/m#lukewarm", "x"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("lukewarm"), "{}", stderr(&o));
    assert_eq!(server.requests().len(), 2);
}
