//! The tool loop end to end against fake providers of every protocol over loopback: the model
//! streams a call in pieces, the call runs through a host, its result goes back to the same
//! model (the fake checks it is there), and the answer, its stored parts and its ledger rows
//! are read back from the real SQLite file.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use roundtable_engine::chat::{Decision, ToolCall, ToolResult, ToolSpec};
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::{Session, Turn, TurnEvent, TurnSpec};
use roundtable_engine::store::{Store, StoredPart};
use roundtable_engine::tools::ToolHost;
use roundtable_engine::{Config, Engine, Router};
use roundtable_fakes::{Answer, FakeServer, Protocol, Request};

struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    prices: PriceBook,
    router: Router,
}

fn setup(protocol: Protocol, fake: &FakeServer, extra: &str) -> Setup {
    let text = format!(
        "[providers.fake]\nkind = \"{}\"\nbase_url = \"{}\"\n\n[prices.\"fake/m\"]\ninput = 1000\noutput = 2000\n\n[router]\nmax_retries = 0\n{extra}",
        protocol.kind(),
        protocol.base_url(&fake.url())
    );
    let config = Config::parse(&text, Path::new("config.toml")).unwrap();
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

/// A host with one tool, `echo`, that answers `Echo: <message>`, or denies, or hangs.
struct Echo {
    deny: bool,
    hang: bool,
    runs: AtomicUsize,
    steps: usize,
}

impl Echo {
    fn new() -> Self {
        Echo {
            deny: false,
            hang: false,
            runs: AtomicUsize::new(0),
            steps: 10,
        }
    }
}

impl ToolHost for Echo {
    fn tools(&self) -> Vec<ToolSpec> {
        vec![ToolSpec {
            name: "echo".into(),
            description: "Echoes its message.".into(),
            parameters: serde_json::json!({"type":"object","properties":{"message":{"type":"string"}},"required":["message"]}),
        }]
    }

    fn max_steps(&self) -> usize {
        self.steps
    }

    fn run(&self, call: ToolCall) -> BoxFuture<'static, ToolResult> {
        self.runs.fetch_add(1, Ordering::SeqCst);
        let (deny, hang) = (self.deny, self.hang);
        Box::pin(async move {
            if hang {
                std::future::pending::<()>().await;
            }
            if deny {
                let mut r = ToolResult::text(&call, "the person denied this call", true);
                r.decision = Some(Decision::Denied);
                return r;
            }
            let args = call.parsed_arguments().unwrap();
            let mut r = ToolResult::text(
                &call,
                format!("Echo: {}", args["message"].as_str().unwrap_or("")),
                false,
            );
            r.decision = Some(Decision::Once);
            r
        })
    }
}

/// The request bodies the fake saw.
type Seen = Arc<Mutex<Vec<String>>>;

/// A fake that calls `echo` (twice at once where `parallel`) until the request carries a result,
/// then answers with the result's text.
fn calling_fake(protocol: Protocol, calls: Vec<(String, String)>) -> (FakeServer, Seen) {
    let seen: Seen = Arc::default();
    let kept = seen.clone();
    let fake = FakeServer::start(move |req: &Request| {
        if req.path.ends_with("/api/show") {
            // Ollama is asked once whether the model calls tools.
            return roundtable_fakes::Reply::json(
                200,
                &serde_json::json!({"capabilities": ["completion", "tools"]}),
            );
        }
        let body = String::from_utf8_lossy(&req.body).to_string();
        kept.lock().unwrap().push(body.clone());
        if body.contains("Echo: ") {
            Protocol::stream(protocol, &Answer::new("m", &["The tool ", "said hi."]))
        } else {
            let calls: Vec<(&str, &str, &str)> = calls
                .iter()
                .map(|(id, args)| (id.as_str(), "echo", args.as_str()))
                .collect();
            Protocol::stream(
                protocol,
                &Answer::new("m", &["Let me check. "]).with_tool_calls(calls),
            )
        }
    });
    (fake, seen)
}

async fn run(turn: &Turn, s: &Setup) -> Vec<TurnEvent> {
    let mut events = Vec::new();
    let session = Session {
        router: &s.router,
        store: &s.store,
        prices: &s.prices,
    };
    tokio::time::timeout(
        Duration::from_secs(20),
        turn.run(session, std::future::pending(), |e| events.push(e)),
    )
    .await
    .expect("the turn ended");
    events
}

/// A request's ledger rows, in order: (outcome, cost).
fn ledger(store: &Store, request: &str) -> Vec<(String, i64)> {
    let conn = rusqlite::Connection::open(store.path()).unwrap();
    let mut stmt = conn
        .prepare("SELECT outcome, cost_micros FROM ledger WHERE request_id = ?1 ORDER BY id")
        .unwrap();
    let rows = stmt
        .query_map([request], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    rows.map(Result::unwrap).collect()
}

fn spec(prompt: &str) -> TurnSpec {
    TurnSpec {
        prompt: prompt.into(),
        targets: vec!["fake/m".into()],
        ..Default::default()
    }
}

#[tokio::test]
async fn every_protocol_runs_a_parallel_call_and_answers_with_its_results() {
    for protocol in [
        Protocol::OpenAi,
        Protocol::Anthropic,
        Protocol::Gemini,
        Protocol::Ollama,
    ] {
        let (fake, seen) = calling_fake(
            protocol,
            vec![
                ("call_a".into(), r#"{"message":"hi"}"#.into()),
                ("call_b".into(), r#"{"message":"there"}"#.into()),
            ],
        );
        let s = setup(protocol, &fake, "");
        let mut turn = Turn::prepare(&s.router, &s.store, spec("Use the tool")).unwrap();
        let host = Arc::new(Echo::new());
        turn.use_tools(host.clone());
        let events = run(&turn, &s).await;
        let name = protocol.kind();
        let Some(TurnEvent::Done(done)) = events.last() else {
            panic!("{name}: {events:#?}")
        };
        assert_eq!(
            host.runs.load(Ordering::SeqCst),
            2,
            "{name}: both calls ran"
        );
        assert_eq!(done.steps, 2, "{name}");
        let calls = events
            .iter()
            .filter(|e| matches!(e, TurnEvent::ToolCall { .. }))
            .count();
        let results: Vec<&ToolResult> = events
            .iter()
            .filter_map(|e| match e {
                TurnEvent::ToolResult { result } => Some(result),
                _ => None,
            })
            .collect();
        assert_eq!((calls, results.len()), (2, 2), "{name}");
        assert_eq!(results[0].joined_text(), "Echo: hi", "{name}");
        assert_eq!(results[1].joined_text(), "Echo: there", "{name}");
        // The second request carried both results; the first offered the tool.
        let bodies = seen.lock().unwrap().clone();
        assert_eq!(bodies.len(), 2, "{name}");
        assert!(bodies[0].contains("echo") && bodies[0].contains("Echoes its message."));
        assert!(
            bodies[1].contains("Echo: hi") && bodies[1].contains("Echo: there"),
            "{name}: {}",
            bodies[1]
        );
        // Stored: the answer's text, then its calls and results, in order.
        let c = s.store.conversation(done.conversation_id.unwrap()).unwrap();
        let answer = c
            .messages
            .iter()
            .find(|m| Some(m.id) == done.message_id)
            .unwrap();
        assert_eq!(answer.text, "Let me check. The tool said hi.", "{name}");
        let kinds: Vec<&str> = answer
            .parts
            .iter()
            .map(|p| match p {
                StoredPart::ToolCall(_) => "call",
                StoredPart::ToolResult(_) => "result",
                _ => "other",
            })
            .collect();
        assert_eq!(kinds, ["call", "call", "result", "result"], "{name}");
        // Two ledger rows under one request, and the answer's cost totals them.
        let rows = ledger(&s.store, &done.request_id);
        assert_eq!(rows.len(), 2, "{name}: one row per model call");
        assert!(rows.iter().all(|(outcome, _)| outcome == "ok"), "{name}");
        let total: i64 = rows.iter().map(|(_, cost)| cost).sum();
        assert_eq!(done.cost_micros, total, "{name}");
        assert!(
            total > rows[0].1 && rows[0].1 > 0,
            "{name}: both calls cost"
        );
        let figures = s.store.answer_figures(c.id).unwrap();
        assert_eq!(
            figures[&answer.id].cost_micros, total,
            "{name}: the app's figure"
        );
    }
}

/// An OpenAI fake that answers each request by its number (0, 1, …) with `reply(n, body)`.
fn scripted(
    reply: impl Fn(usize, &str) -> roundtable_fakes::Reply + Send + Sync + 'static,
) -> (FakeServer, Seen) {
    let seen: Seen = Arc::default();
    let kept = seen.clone();
    let fake = FakeServer::start(move |req: &Request| {
        let body = String::from_utf8_lossy(&req.body).to_string();
        let n = {
            let mut all = kept.lock().unwrap();
            all.push(body.clone());
            all.len() - 1
        };
        reply(n, &body)
    });
    (fake, seen)
}

fn call_echo(args: &str) -> roundtable_fakes::Reply {
    Protocol::OpenAi.stream(&Answer::new("m", &[]).with_tool_calls(vec![("call_1", "echo", args)]))
}

fn text(t: &str) -> roundtable_fakes::Reply {
    Protocol::OpenAi.stream(&Answer::new("m", &[t]))
}

fn results(events: &[TurnEvent]) -> Vec<ToolResult> {
    events
        .iter()
        .filter_map(|e| match e {
            TurnEvent::ToolResult { result } => Some(result.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn bad_arguments_and_unknown_tools_go_back_to_the_model_as_errors() {
    let (fake, seen) = scripted(|n, _| match n {
        0 => call_echo(r#"{"message": "unterminated"#),
        1 => Protocol::OpenAi
            .stream(&Answer::new("m", &[]).with_tool_calls(vec![("call_2", "rm_rf", "{}")])),
        2 => call_echo(r#"{"mesage": "typo"}"#),
        _ => text("Sorry."),
    });
    let s = setup(Protocol::OpenAi, &fake, "");
    let mut turn = Turn::prepare(&s.router, &s.store, spec("go")).unwrap();
    let host = Arc::new(Echo::new());
    turn.use_tools(host.clone());
    let events = run(&turn, &s).await;
    assert!(
        matches!(events.last(), Some(TurnEvent::Done(_))),
        "{events:#?}"
    );
    assert_eq!(
        host.runs.load(Ordering::SeqCst),
        0,
        "no bad call reached the tool"
    );
    let r = results(&events);
    assert_eq!(r.len(), 3);
    assert!(r
        .iter()
        .all(|r| r.is_error && r.decision == Some(Decision::Invalid)));
    assert!(r[0].joined_text().contains("not valid JSON"), "{r:?}");
    assert!(
        r[1].joined_text().contains("no tool named `rm_rf`"),
        "{r:?}"
    );
    assert!(r[2].joined_text().contains("missing message"), "{r:?}");
    let bodies = seen.lock().unwrap().clone();
    assert!(
        bodies[1].contains("not valid JSON"),
        "the model read the error"
    );
    // The malformed arguments went back exactly as the model wrote them.
    assert!(
        bodies[1].contains(r#"{\"message\": \"unterminated"#),
        "{}",
        bodies[1]
    );
}

#[tokio::test]
async fn a_denied_call_goes_back_as_denied_and_the_loop_stops_at_its_step_limit() {
    let (fake, seen) = scripted(|_, _| call_echo(r#"{"message":"again"}"#));
    let s = setup(Protocol::OpenAi, &fake, "");
    let mut turn = Turn::prepare(&s.router, &s.store, spec("loop forever")).unwrap();
    let host = Arc::new(Echo {
        deny: true,
        steps: 3,
        ..Echo::new()
    });
    turn.use_tools(host.clone());
    let events = run(&turn, &s).await;
    let Some(TurnEvent::Done(done)) = events.last() else {
        panic!("{events:#?}")
    };
    let bodies = seen.lock().unwrap().clone();
    assert_eq!(
        bodies.len(),
        4,
        "three steps, then one call asked to answer"
    );
    assert!(bodies[1].contains("the person denied this call"));
    let last: serde_json::Value = serde_json::from_str(&bodies[3]).unwrap();
    assert_eq!(
        last["tool_choice"], "none",
        "the last call is asked to answer"
    );
    assert!(!bodies[2].contains("\"tool_choice\":\"none\""));
    let r = results(&events);
    assert_eq!(r.len(), 4);
    assert!(r[..3].iter().all(|r| r.decision == Some(Decision::Denied)));
    assert!(
        r[3].joined_text().contains("limit of 3 tool steps"),
        "{r:?}"
    );
    assert_eq!(done.finish, "tool_calls");
    assert_eq!(done.steps, 4);
}

#[tokio::test]
async fn stop_while_a_tool_runs_keeps_the_call_and_says_it_was_stopped() {
    let (fake, _seen) = scripted(|_, _| call_echo(r#"{"message":"x"}"#));
    let s = setup(Protocol::OpenAi, &fake, "");
    let mut turn = Turn::prepare(&s.router, &s.store, spec("hang")).unwrap();
    turn.use_tools(Arc::new(Echo {
        hang: true,
        ..Echo::new()
    }));
    let session = Session {
        router: &s.router,
        store: &s.store,
        prices: &s.prices,
    };
    let mut events = Vec::new();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut stop_tx = Some(stop_tx);
    tokio::time::timeout(
        Duration::from_secs(20),
        turn.run(
            session,
            async {
                let _ = stop_rx.await;
            },
            |e| {
                if matches!(e, TurnEvent::ToolCall { .. }) {
                    // Stop shortly after the call starts running.
                    if let Some(tx) = stop_tx.take() {
                        tokio::spawn(async move {
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            let _ = tx.send(());
                        });
                    }
                }
                events.push(e)
            },
        ),
    )
    .await
    .expect("Stop ended the hanging tool");
    let Some(TurnEvent::Cancelled {
        message_id: Some(id),
    }) = events.last()
    else {
        panic!("{events:#?}")
    };
    let c = s
        .store
        .conversation(turn.conversation_id().unwrap())
        .unwrap();
    let m = c.messages.iter().find(|m| m.id == *id).unwrap();
    assert_eq!(m.status.as_str(), "cancelled");
    let Some(StoredPart::ToolResult(r)) = m.parts.last() else {
        panic!("{:?}", m.parts)
    };
    assert!(r.joined_text().contains("stopped"), "{r:?}");
}

#[tokio::test]
async fn a_follow_up_sends_the_calls_and_results_of_earlier_turns() {
    let (fake, seen) = scripted(|n, _| match n {
        0 => call_echo(r#"{"message":"remember me"}"#),
        _ => text("Done."),
    });
    let s = setup(Protocol::OpenAi, &fake, "");
    let mut turn = Turn::prepare(&s.router, &s.store, spec("first")).unwrap();
    turn.use_tools(Arc::new(Echo::new()));
    let events = run(&turn, &s).await;
    assert!(matches!(events.last(), Some(TurnEvent::Done(_))));
    let next = TurnSpec {
        conversation: turn.conversation_id(),
        ..spec("second")
    };
    let mut turn = Turn::prepare(&s.router, &s.store, next).unwrap();
    turn.use_tools(Arc::new(Echo::new()));
    let events = run(&turn, &s).await;
    assert!(matches!(events.last(), Some(TurnEvent::Done(_))));
    let bodies = seen.lock().unwrap().clone();
    let third: serde_json::Value = serde_json::from_str(&bodies[2]).unwrap();
    let roles: Vec<&str> = third["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["user", "assistant", "tool", "assistant", "user"]);
    assert_eq!(third["messages"][2]["content"], "Echo: remember me");
    assert_eq!(third["messages"][1]["tool_calls"][0]["id"], "call_1");
    // Continued without tools, the past calls and results go as text (Anthropic refuses
    // tool blocks in a request that declares no tools).
    let last = TurnSpec {
        conversation: turn.conversation_id(),
        ..spec("third, no tools")
    };
    let turn = Turn::prepare(&s.router, &s.store, last).unwrap();
    let events = run(&turn, &s).await;
    assert!(matches!(events.last(), Some(TurnEvent::Done(_))));
    let fourth: serde_json::Value = serde_json::from_str(&seen.lock().unwrap().clone()[3]).unwrap();
    assert!(fourth.get("tools").is_none());
    let said = fourth["messages"].to_string();
    assert!(
        !said.contains("tool_calls") && !said.contains("\"tool\""),
        "{said}"
    );
    assert!(
        said.contains("[the tool `echo` answered: Echo: remember me]"),
        "{said}"
    );
}

#[tokio::test]
async fn a_target_that_cannot_call_tools_is_skipped_and_none_falls_over_after_a_call() {
    // `o1-mini` calls no tools (the built-in table): with tools offered, the chain skips it.
    let (good, _seen) = scripted(|n, _| match n {
        0 => call_echo(r#"{"message":"x"}"#),
        _ => roundtable_fakes::Reply::body(
            500,
            "application/json",
            "{\"error\":{\"message\":\"boom\"}}",
        ),
    });
    let (spare, spare_seen) = scripted(|_, _| text("spare"));
    let text_cfg = format!(
        "[providers.good]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[providers.spare]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[router]\nmax_retries = 0\n",
        good.url(),
        spare.url()
    );
    let config = Config::parse(&text_cfg, Path::new("config.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let s = Setup {
        store: Store::open(dir.path()).unwrap(),
        prices: PriceBook::new(&config),
        router: Router::new(Arc::new(
            Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
        )),
        _dir: dir,
    };
    let chain = TurnSpec {
        prompt: "go".into(),
        targets: vec!["spare/o1-mini".into(), "good/m".into(), "spare/m".into()],
        ..Default::default()
    };
    let mut turn = Turn::prepare(&s.router, &s.store, chain).unwrap();
    turn.use_tools(Arc::new(Echo::new()));
    let events = run(&turn, &s).await;
    let skipped = events.iter().any(|e| {
        matches!(e, TurnEvent::Attempt(a) if a.target == "spare/o1-mini" && a.outcome.as_str() == "skipped")
    });
    assert!(skipped, "{events:#?}");
    let Some(TurnEvent::Failed { partial, .. }) = events.last() else {
        panic!("the loop's second call failed and nothing fell over: {events:#?}")
    };
    assert!(partial);
    assert!(
        spare_seen.lock().unwrap().is_empty(),
        "no request went to the spare after the call"
    );
}

#[tokio::test]
async fn exports_show_each_call_with_its_result_as_text() {
    let (fake, _seen) = scripted(|n, _| match n {
        0 => call_echo(r#"{"message":"<script>alert(1)</script> ```"}"#),
        _ => text("Done."),
    });
    let s = setup(Protocol::OpenAi, &fake, "");
    let mut turn = Turn::prepare(&s.router, &s.store, spec("export me")).unwrap();
    turn.use_tools(Arc::new(Echo::new()));
    let events = run(&turn, &s).await;
    assert!(matches!(events.last(), Some(TurnEvent::Done(_))));
    let c = s
        .store
        .conversation(turn.conversation_id().unwrap())
        .unwrap();
    let md = c.to_markdown();
    assert!(md.contains("**Tool call** `echo` (allowed once"), "{md}");
    // The result holds three backticks: its fence is longer, so it cannot close early.
    assert!(
        md.contains("````\nEcho: <script>alert(1)</script> ```\n````"),
        "{md}"
    );
    let html = c.to_html();
    assert!(html.contains("Tool call <code>echo</code>"), "{html}");
    assert!(
        html.contains("Echo: &lt;script&gt;alert(1)&lt;/script&gt;") && !html.contains("<script>"),
        "tool output is text in the page: {html}"
    );
}
