//! Presets and per-conversation settings against fake providers over loopback: a preset's system
//! prompt and parameters reach the wire body of each of the four protocols, a flag beside it
//! wins, follow-ups and regenerations carry what the conversation stored, and compare columns
//! each send their own settings (one model at two temperatures; `-m MODEL#PRESET`).

use std::path::Path;
use std::sync::Arc;

use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::{
    compare, differences, ChatSettings, ColumnSpec, CompareSpec, Finished, Session, Turn,
    TurnEvent, TurnSpec,
};
use roundtable_engine::store::Store;
use roundtable_engine::{Config, Engine, Error, Router};
use roundtable_fakes::{Answer, FakeServer, Protocol, ALL};
use serde_json::{json, Value};

/// A store in a scratch dir, and the router and prices of a config.
pub(crate) struct Setup {
    pub _dir: tempfile::TempDir,
    pub store: Store,
    pub prices: PriceBook,
    pub router: Router,
}

pub(crate) fn setup(config: &str) -> Setup {
    let config = Config::parse(config, Path::new("config.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    Setup {
        store: Store::open(dir.path()).unwrap(),
        prices: PriceBook::new(&config),
        router: Router::new(Arc::new(
            Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
        )),
        _dir: dir,
    }
}

/// Runs a prepared turn to its end; it must answer.
pub(crate) async fn answer(s: &Setup, turn: &Turn) -> Finished {
    let session = Session {
        router: &s.router,
        store: &s.store,
        prices: &s.prices,
    };
    let mut events = Vec::new();
    turn.run(session, std::future::pending(), |e| events.push(e))
        .await;
    match events.pop() {
        Some(TurnEvent::Done(done)) => *done,
        other => panic!("the turn did not answer: {other:?}"),
    }
}

/// `[providers.fake]` of this protocol at this fake, with no retries.
pub(crate) fn provider(protocol: Protocol, server: &FakeServer) -> String {
    format!(
        "[providers.fake]\nkind = \"{}\"\nbase_url = \"{}\"\n\n[router]\nmax_retries = 0\n\n",
        protocol.kind(),
        protocol.base_url(&server.url())
    )
}

const PRESETS: &str = r#"
[presets.sharp]
system = "You are sharp."
model = "fake/m"
temperature = 0.25
top_p = 0.5
max_tokens = 64
stop = ["END", "STOP"]
seed = 7

[presets.thinker]
system = "Think first."
reasoning = "low"

[presets.hot]
system = "Be wild."
temperature = 1.5

[presets.cold]
system = "Be careful."
temperature = 0.25
"#;

/// What a wire body says, in one shape for every protocol (absent: `Null`).
#[derive(Debug, PartialEq)]
struct Sent {
    system: Value,
    temperature: Value,
    top_p: Value,
    max_tokens: Value,
    stop: Value,
    seed: Value,
    /// The protocol's own reasoning field, as sent.
    reasoning: Value,
    /// The texts of the turns sent (system prompt apart).
    turns: Vec<String>,
}

fn sent(protocol: Protocol, body: &Value) -> Sent {
    let get = |v: &Value, k: &str| v.get(k).cloned().unwrap_or(Value::Null);
    let text_of = |content: &Value| match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<String>(),
        _ => String::new(),
    };
    match protocol {
        Protocol::OpenAi | Protocol::Ollama => {
            let messages = body["messages"].as_array().unwrap();
            let system = messages
                .iter()
                .find(|m| m["role"] == "system")
                .map_or(Value::Null, |m| m["content"].clone());
            let turns = messages
                .iter()
                .filter(|m| m["role"] != "system")
                .map(|m| text_of(&m["content"]))
                .collect();
            if protocol == Protocol::OpenAi {
                Sent {
                    system,
                    temperature: get(body, "temperature"),
                    top_p: get(body, "top_p"),
                    max_tokens: body
                        .get("max_tokens")
                        .or(body.get("max_completion_tokens"))
                        .cloned()
                        .unwrap_or(Value::Null),
                    stop: get(body, "stop"),
                    seed: get(body, "seed"),
                    reasoning: get(body, "reasoning_effort"),
                    turns,
                }
            } else {
                let options = get(body, "options");
                Sent {
                    system,
                    temperature: get(&options, "temperature"),
                    top_p: get(&options, "top_p"),
                    max_tokens: get(&options, "num_predict"),
                    stop: get(&options, "stop"),
                    seed: get(&options, "seed"),
                    reasoning: get(body, "think"),
                    turns,
                }
            }
        }
        Protocol::Anthropic => Sent {
            system: match get(body, "system") {
                Value::Array(blocks) => json!(text_of(&Value::Array(blocks))),
                other => other,
            },
            temperature: get(body, "temperature"),
            top_p: get(body, "top_p"),
            max_tokens: get(body, "max_tokens"),
            stop: get(body, "stop_sequences"),
            seed: get(body, "seed"),
            reasoning: get(body, "thinking"),
            turns: body["messages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| text_of(&m["content"]))
                .collect(),
        },
        Protocol::Gemini => {
            let g = get(body, "generationConfig");
            Sent {
                system: body["systemInstruction"]["parts"][0]
                    .get("text")
                    .cloned()
                    .unwrap_or(Value::Null),
                temperature: get(&g, "temperature"),
                top_p: get(&g, "topP"),
                max_tokens: get(&g, "maxOutputTokens"),
                stop: get(&g, "stopSequences"),
                seed: get(&g, "seed"),
                reasoning: get(&g, "thinkingConfig"),
                turns: body["contents"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| text_of(&c["parts"]))
                    .collect(),
            }
        }
    }
}

/// The last body the fake received.
fn last_body(server: &FakeServer) -> Value {
    let requests = server.requests();
    let last = requests.last().expect("the fake was sent a request");
    last.json()
}

/// What the `sharp` preset sends over `protocol`, with these turns.
fn sharp(protocol: Protocol, turns: &[&str]) -> Sent {
    Sent {
        system: json!("You are sharp."),
        temperature: json!(0.25),
        top_p: json!(0.5),
        max_tokens: json!(64),
        stop: json!(["END", "STOP"]),
        // The Messages API takes no seed.
        seed: if protocol == Protocol::Anthropic {
            Value::Null
        } else {
            json!(7)
        },
        reasoning: Value::Null,
        turns: turns.iter().map(|t| t.to_string()).collect(),
    }
}

#[tokio::test]
async fn a_presets_prompt_and_parameters_reach_every_protocols_wire_body() {
    for protocol in ALL {
        let server = FakeServer::always(protocol.stream(&Answer::new("m", &["Fine."])));
        let s = setup(&format!("{}{PRESETS}", provider(protocol, &server)));
        // No model named: the preset's own.
        let first = Turn::prepare(
            &s.router,
            &s.store,
            TurnSpec {
                prompt: "one".into(),
                preset: Some("sharp".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let done = answer(&s, &first).await;
        assert_eq!(done.requested, "fake/m", "{protocol:?}");
        assert_eq!(
            sent(protocol, &last_body(&server)),
            sharp(protocol, &["one"]),
            "{protocol:?}: the first turn"
        );
        let id = first.conversation_id().unwrap();

        // A follow-up with no flags: the stored settings, and the history.
        let follow = Turn::prepare(
            &s.router,
            &s.store,
            TurnSpec {
                conversation: Some(id),
                prompt: "two".into(),
                targets: vec!["fake/m".into()],
                ..Default::default()
            },
        )
        .unwrap();
        answer(&s, &follow).await;
        assert_eq!(
            sent(protocol, &last_body(&server)),
            sharp(protocol, &["one", "Fine.", "two"]),
            "{protocol:?}: the follow-up"
        );

        // A regeneration of the follow-up: the same.
        let again = Turn::prepare(
            &s.router,
            &s.store,
            TurnSpec {
                conversation: Some(id),
                regenerate: follow.user_message_id(),
                targets: vec!["fake/m".into()],
                ..Default::default()
            },
        )
        .unwrap();
        answer(&s, &again).await;
        assert_eq!(
            sent(protocol, &last_body(&server)),
            sharp(protocol, &["one", "Fine.", "two"]),
            "{protocol:?}: the regeneration"
        );
        assert_eq!(server.requests().len(), 3);

        // Reasoning, where the protocol has it.
        let think = Turn::prepare(
            &s.router,
            &s.store,
            TurnSpec {
                prompt: "why".into(),
                preset: Some("thinker".into()),
                targets: vec!["fake/m".into()],
                ..Default::default()
            },
        )
        .unwrap();
        answer(&s, &think).await;
        let got = sent(protocol, &last_body(&server));
        assert_eq!(got.system, json!("Think first."), "{protocol:?}");
        let expected = match protocol {
            Protocol::OpenAi => json!("low"),
            Protocol::Anthropic => json!({"type": "enabled", "budget_tokens": 1024}),
            Protocol::Gemini => json!({"includeThoughts": true, "thinkingBudget": 1024}),
            Protocol::Ollama => json!(true),
        };
        assert_eq!(got.reasoning, expected, "{protocol:?}: reasoning");
        // Nothing of the other conversation's settings leaks into a new one.
        assert_eq!(got.temperature, Value::Null, "{protocol:?}");
        assert_eq!(got.stop, Value::Null, "{protocol:?}");
    }
}

#[tokio::test]
async fn a_flag_beside_the_preset_wins_and_is_carried_to_the_follow_ups() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["Fine."])));
    let s = setup(&format!("{}{PRESETS}", provider(Protocol::OpenAi, &server)));
    let turn = Turn::prepare(
        &s.router,
        &s.store,
        TurnSpec {
            prompt: "one".into(),
            preset: Some("sharp".into()),
            temperature: Some(1.5),
            system: Some("Flagged.".into()),
            ..Default::default()
        },
    )
    .unwrap();
    answer(&s, &turn).await;
    let expected = |turns: &[&str]| Sent {
        system: json!("Flagged."),
        temperature: json!(1.5),
        ..sharp(Protocol::OpenAi, turns)
    };
    assert_eq!(
        sent(Protocol::OpenAi, &last_body(&server)),
        expected(&["one"])
    );
    let id = turn.conversation_id().unwrap();
    let stored = s.store.conversation(id).unwrap().settings;
    assert_eq!(
        (
            stored.preset.as_deref(),
            stored.system.as_deref(),
            stored.temperature,
            stored.seed
        ),
        (Some("sharp"), Some("Flagged."), Some(1.5), Some(7))
    );
    let follow = Turn::prepare(
        &s.router,
        &s.store,
        TurnSpec {
            conversation: Some(id),
            prompt: "two".into(),
            targets: vec!["fake/m".into()],
            ..Default::default()
        },
    )
    .unwrap();
    answer(&s, &follow).await;
    assert_eq!(
        sent(Protocol::OpenAi, &last_body(&server)),
        expected(&["one", "Fine.", "two"])
    );
    // A later flag changes what is stored from then on; an empty system prompt clears it.
    let changed = Turn::prepare(
        &s.router,
        &s.store,
        TurnSpec {
            conversation: Some(id),
            prompt: "three".into(),
            targets: vec!["fake/m".into()],
            temperature: Some(0.5),
            system: Some(String::new()),
            ..Default::default()
        },
    )
    .unwrap();
    answer(&s, &changed).await;
    let got = sent(Protocol::OpenAi, &last_body(&server));
    assert_eq!((got.temperature, got.system), (json!(0.5), Value::Null));
    assert_eq!(got.seed, json!(7), "the rest stays");
    let stored = s.store.conversation(id).unwrap().settings;
    assert_eq!((stored.temperature, stored.system), (Some(0.5), None));
}

#[tokio::test]
async fn the_built_in_presets_are_offered_while_the_config_has_none() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["Fine."])));
    let s = setup(&provider(Protocol::OpenAi, &server));
    let turn = Turn::prepare(
        &s.router,
        &s.store,
        TurnSpec {
            prompt: "hi".into(),
            preset: Some("terse".into()),
            targets: vec!["fake/m".into()],
            ..Default::default()
        },
    )
    .unwrap();
    answer(&s, &turn).await;
    let got = sent(Protocol::OpenAi, &last_body(&server));
    assert!(
        got.system
            .as_str()
            .is_some_and(|s| s.starts_with("Answer in one or two sentences.")),
        "{got:?}"
    );
    assert_eq!(
        got.temperature.as_f64().map(|t| (t * 10.0).round()),
        Some(2.0)
    );

    // With a [presets] table, only its presets are there; an unknown name lists them.
    let s = setup(&format!("{}{PRESETS}", provider(Protocol::OpenAi, &server)));
    let err = Turn::prepare(
        &s.router,
        &s.store,
        TurnSpec {
            prompt: "hi".into(),
            preset: Some("terse".into()),
            targets: vec!["fake/m".into()],
            ..Default::default()
        },
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("no preset `terse`") && text.contains("sharp, thinker"),
        "{text}"
    );
    assert!(s.store.list_conversations(10, 0).unwrap().is_empty());
}

/// Runs every column of a compare in turn; each must answer.
async fn run_columns(s: &Setup, spec: CompareSpec) -> (i64, Vec<Finished>) {
    let prepared = compare::prepare(&s.router, &s.store, spec).unwrap();
    let mut done = Vec::new();
    for turn in &prepared.turns {
        done.push(answer(s, turn).await);
    }
    (prepared.conversation_id, done)
}

fn without(mut body: Value, key: &str) -> Value {
    body.as_object_mut().unwrap().remove(key);
    body
}

#[tokio::test]
async fn one_model_at_two_temperatures_sends_two_bodies_that_differ_only_in_temperature() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["Fine."])));
    let s = setup(&provider(Protocol::OpenAi, &server));
    let column = |t: f32, after: Option<i64>| ColumnSpec {
        targets: vec!["fake/m".into()],
        after,
        settings: Some(ChatSettings {
            temperature: Some(t),
            ..Default::default()
        }),
        ..Default::default()
    };
    let (id, done) = run_columns(
        &s,
        CompareSpec {
            prompt: "Name a colour.".into(),
            system: Some("Be brief.".into()),
            seed: Some(3),
            columns: vec![column(0.25, None), column(1.5, None)],
            ..Default::default()
        },
    )
    .await;
    let bodies: Vec<Value> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(bodies.len(), 2);
    assert_eq!(
        (&bodies[0]["temperature"], &bodies[1]["temperature"]),
        (&json!(0.25), &json!(1.5))
    );
    assert_eq!(
        without(bodies[0].clone(), "temperature"),
        without(bodies[1].clone(), "temperature"),
        "nothing else differs"
    );
    assert_eq!(bodies[0]["seed"], 3, "the compare's own values reach both");
    assert_eq!(bodies[0]["messages"][0]["content"], "Be brief.");

    // Each column's settings are stored with it, and what tells them apart is named.
    let stored: Vec<ChatSettings> = s
        .store
        .column_settings(id)
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(
        stored.iter().map(|c| c.temperature).collect::<Vec<_>>(),
        [Some(0.25), Some(1.5)]
    );
    assert_eq!(
        differences(&stored),
        ["temperature 0.25", "temperature 1.5"]
    );
    // Each answer keeps the settings it was made under: a vote after column B is changed
    // still counts B's answer as temperature 1.5.
    let answers: Vec<i64> = done.iter().map(|d| d.message_id.unwrap()).collect();
    let mut changed = stored[1].clone();
    changed.temperature = Some(0.5);
    s.store.set_column_settings(id, 1, &changed).unwrap();
    assert_eq!(
        s.store
            .settings_of(id, &answers[1..], &ChatSettings::default())
            .unwrap()[0]
            .temperature,
        Some(1.5)
    );
    let shown = s
        .store
        .vote(id, &answers, roundtable_engine::store::Verdict::Tie, None)
        .unwrap();
    assert_eq!(
        shown,
        ["fake/m · temperature 0.25", "fake/m · temperature 1.5"]
    );
    s.store.set_column_settings(id, 1, &stored[1]).unwrap();

    // A follow-up with no settings: each column keeps its own.
    let after = |i: usize| ColumnSpec {
        targets: vec!["fake/m".into()],
        after: done[i].message_id,
        ..Default::default()
    };
    run_columns(
        &s,
        CompareSpec {
            conversation: Some(id),
            prompt: "Another.".into(),
            columns: vec![after(0), after(1)],
            ..Default::default()
        },
    )
    .await;
    let bodies: Vec<Value> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(bodies.len(), 4);
    assert_eq!(
        (&bodies[2]["temperature"], &bodies[3]["temperature"]),
        (&json!(0.25), &json!(1.5))
    );
    assert_eq!(bodies[2]["messages"].as_array().unwrap().len(), 4);
    assert_eq!(
        without(bodies[2].clone(), "temperature"),
        without(bodies[3].clone(), "temperature")
    );
}

#[tokio::test]
async fn each_column_may_have_its_own_preset() {
    let server = FakeServer::always(Protocol::Gemini.stream(&Answer::new("m", &["Fine."])));
    let s = setup(&format!("{}{PRESETS}", provider(Protocol::Gemini, &server)));
    // `compare -m fake/m#hot -m fake/m#cold`.
    let column = |preset: &str| ColumnSpec {
        targets: vec!["fake/m".into()],
        preset: Some(preset.into()),
        ..Default::default()
    };
    let (id, _) = run_columns(
        &s,
        CompareSpec {
            prompt: "Describe rain.".into(),
            max_tokens: Some(32),
            columns: vec![column("hot"), column("cold")],
            ..Default::default()
        },
    )
    .await;
    let sent: Vec<Sent> = server
        .requests()
        .iter()
        .map(|r| sent(Protocol::Gemini, &r.json()))
        .collect();
    let expected = |system: &str, t: f64| Sent {
        system: json!(system),
        temperature: json!(t),
        top_p: Value::Null,
        max_tokens: json!(32),
        stop: Value::Null,
        seed: Value::Null,
        reasoning: Value::Null,
        turns: vec!["Describe rain.".into()],
    };
    assert_eq!(
        sent,
        [expected("Be wild.", 1.5), expected("Be careful.", 0.25)]
    );
    let stored: Vec<ChatSettings> = s
        .store
        .column_settings(id)
        .unwrap()
        .into_iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(differences(&stored), ["hot", "cold"]);

    // An unknown column preset is refused before anything is stored, naming the column.
    let err = compare::prepare(
        &s.router,
        &s.store,
        CompareSpec {
            prompt: "x".into(),
            columns: vec![column("hot"), column("lukewarm")],
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("column B") && err.to_string().contains("lukewarm"),
        "{err}"
    );
    assert_eq!(s.store.list_conversations(10, 0).unwrap().len(), 1);
}

#[test]
fn a_bad_preset_value_names_file_line_and_field() {
    let text = "[providers.fake]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\n\
                [presets.loud]\nsystem = \"Shout.\"\ntemperature = 3.5\n\n\
                [presets.fine]\ntemperature = 1.0\n";
    let err = Config::parse(text, Path::new("/data/config.toml")).unwrap_err();
    let Error::Config {
        file,
        line,
        field,
        message,
        ..
    } = &err
    else {
        panic!("not a config error: {err:?}");
    };
    assert_eq!(
        (file.as_str(), *line, field.as_str()),
        ("/data/config.toml", 7, "presets.loud.temperature")
    );
    assert!(
        message.contains("3.5") && message.contains("0 to 2"),
        "{message}"
    );
    let shown = err.to_string();
    assert!(
        shown.contains("/data/config.toml") && shown.contains("presets.loud.temperature"),
        "{shown}"
    );
    // Other values, each named by its field.
    for (line, field) in [
        ("top_p = 0", "presets.p.top_p"),
        ("max_tokens = 0", "presets.p.max_tokens"),
        (
            "stop = [\"a\", \"b\", \"c\", \"d\", \"e\"]",
            "presets.p.stop",
        ),
        ("model = \"gpt\"", "presets.p.model"),
        ("reasoning = \"extreme\"", "presets.p.reasoning"),
    ] {
        let text = format!("[presets.p]\nsystem = \"s\"\n{line}\n");
        match Config::parse(&text, Path::new("c.toml")) {
            Err(Error::Config {
                line: at, field: f, ..
            }) => assert_eq!((f.as_str(), at), (field, 3), "{line}"),
            other => panic!("{line}: {other:?}"),
        }
    }
}
