//! The router against fake providers: the fault matrix (every fault, failing target first or
//! last), cooldowns under 50 concurrent requests, probes, balance and latency strategies, and
//! compare fan-out with a failing and a cancelled column.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::{
    ChatEvent, ChatRequest, Config, Engine, Error, Outcome, RouteEvent, Router, StreamEnd,
};
use roundtable_fakes::{Answer, FakeServer, Fault, Protocol, Reply, ALL, FAULTS};

/// An engine with providers p0, p1, … at these fakes, small timeouts, K = 3.
fn engine(providers: &[(Protocol, &FakeServer)], extra: &str) -> Arc<Engine> {
    let mut text = String::new();
    for (i, (protocol, server)) in providers.iter().enumerate() {
        text.push_str(&format!(
            "[providers.p{i}]\nkind = \"{}\"\nbase_url = \"{}\"\n\n",
            protocol.kind(),
            protocol.base_url(&server.url())
        ));
    }
    text.push_str(extra);
    if !extra.contains("[router]") {
        text.push_str(
            "\n[router]\nfirst_token_timeout_ms = 700\nidle_timeout_ms = 300\nmax_retries = 2\nbackoff_base_ms = 10\nbackoff_cap_ms = 3000\ncooldown_failures = 3\ncooldown_ms = 60000\n",
        );
    }
    let config = Config::parse(&text, Path::new("config.toml")).expect("config");
    Arc::new(Engine::new(config, Arc::new(MemoryKeys::new())).expect("engine"))
}

#[derive(Debug)]
struct Run {
    attempts: Vec<(String, Outcome, Option<String>)>,
    text: String,
    result: Result<StreamEnd, Error>,
    answered: Option<String>,
}

async fn run(router: &Router, names: &[&str]) -> Run {
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    let plan = router.plan(&names).expect("a plan");
    let mut stream = router.stream(&plan, &ChatRequest::new("hi"));
    let mut attempts = Vec::new();
    let mut text = String::new();
    let fut = async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(RouteEvent::Attempt(a)) => {
                    attempts.push((a.target, a.outcome, a.class.map(|c| c.as_str().to_string())))
                }
                Ok(RouteEvent::Chat(ChatEvent::Delta(t))) => text.push_str(&t),
                Ok(RouteEvent::Chat(ChatEvent::End(end))) => return Ok(end),
                Ok(RouteEvent::Chat(_)) => {}
                Err(e) => return Err(e),
            }
        }
        panic!("the routed stream ended with neither End nor an error");
    };
    let result = tokio::time::timeout(Duration::from_secs(30), fut)
        .await
        .expect("no hang");
    let answered = stream.answered().map(|t| t.to_string());
    Run {
        attempts,
        text,
        result,
        answered,
    }
}

fn class_of(result: &Result<StreamEnd, Error>) -> String {
    match result {
        Err(Error::Provider(e)) => e.class.as_str().to_string(),
        other => panic!("expected a provider error, got {other:?}"),
    }
}

#[tokio::test]
async fn fault_matrix_with_the_failing_target_first_or_last() {
    let mut cases = 0;
    for (i, fault) in FAULTS.into_iter().enumerate() {
        let protocol = ALL[i % ALL.len()];
        let class = protocol.expected_class(fault);
        for failing_first in [true, false] {
            let failing = FakeServer::always(
                protocol.fault(fault, &Answer::new("bad-model", &["Partial ", "answer"])),
            );
            let healthy =
                FakeServer::always(protocol.stream(&Answer::new("good-model", &["All ", "good"])));
            let (first, second) = if failing_first {
                (&failing, &healthy)
            } else {
                (&healthy, &failing)
            };
            let router = Router::new(engine(&[(protocol, first), (protocol, second)], ""));
            let r = run(&router, &["p0/m", "p1/m"]).await;
            let label = format!(
                "{protocol:?} {fault:?} failing {}",
                if failing_first { "first" } else { "last" }
            );

            if !failing_first {
                assert_eq!(
                    r.attempts,
                    vec![("p0/m".into(), Outcome::Ok, None)],
                    "{label}"
                );
                assert_eq!(r.text, "All good", "{label}");
                assert!(r.result.is_ok(), "{label}");
                assert!(
                    failing.requests().is_empty(),
                    "{label}: the failing target is never asked"
                );
            } else if fault.mid_stream() {
                // After the first token: never fall over; the partial answer stays.
                assert_eq!(
                    r.attempts,
                    vec![("p0/m".into(), Outcome::Ok, None)],
                    "{label}"
                );
                assert_eq!(r.text, "Partial ", "{label}");
                assert_eq!(class_of(&r.result), class, "{label}");
                assert!(healthy.requests().is_empty(), "{label}");
            } else {
                let expected_failures = match class {
                    "bad_request" | "auth" | "model_not_found" | "context_length" => 1,
                    // Waits its Retry-After, is probed once, then cools down: fall over.
                    "rate_limited" => 2,
                    _ => 3,
                };
                let failed: Vec<_> = r
                    .attempts
                    .iter()
                    .filter(|a| a.1 == Outcome::Failed)
                    .collect();
                assert_eq!(failed.len(), expected_failures, "{label}: {:?}", r.attempts);
                assert!(
                    failed
                        .iter()
                        .all(|a| a.0 == "p0/m" && a.2.as_deref() == Some(class)),
                    "{label}: {:?}",
                    r.attempts
                );
                assert_eq!(failing.requests().len(), expected_failures, "{label}");
                if class == "bad_request" {
                    assert_eq!(
                        class_of(&r.result),
                        "bad_request",
                        "{label}: other bad requests stop"
                    );
                    assert!(healthy.requests().is_empty(), "{label}");
                } else {
                    assert_eq!(
                        r.attempts.last().unwrap(),
                        &("p1/m".to_string(), Outcome::Ok, None),
                        "{label}"
                    );
                    assert_eq!(r.text, "All good", "{label}");
                    assert_eq!(
                        r.result.unwrap().model.as_deref(),
                        Some("good-model"),
                        "{label}"
                    );
                    assert_eq!(r.answered.as_deref(), Some("p1/m"), "{label}");
                }
            }
            cases += 1;
        }
    }
    assert_eq!(cases, 30);
}

#[tokio::test]
async fn errors_before_the_first_token_fall_over_and_every_failure_is_named() {
    let early_error = Reply::stream(
        "text/event-stream",
        [": OPENROUTER PROCESSING\n\n", "data: {\"id\":\"gen-1\",\"error\":{\"code\":502,\"message\":\"Provider returned error\"},\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\"},\"finish_reason\":\"error\"}]}\n\n"],
    );
    let garbage = Reply::stream("text/event-stream", ["data: {\"choices\": [{oops\n\n"]);
    let healthy = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("good", &["fine"])));
    for (reply, class) in [(early_error, "upstream"), (garbage, "malformed_stream")] {
        let failing = FakeServer::always(reply);
        let router = Router::new(engine(
            &[(Protocol::OpenAi, &failing), (Protocol::OpenAi, &healthy)],
            "",
        ));
        let r = run(&router, &["p0/m", "p1/m"]).await;
        assert_eq!(
            r.attempts
                .iter()
                .filter(|a| a.2.as_deref() == Some(class))
                .count(),
            3,
            "{class}: {:?}",
            r.attempts
        );
        assert_eq!(r.text, "fine");
    }

    // Every target failing: one error naming them all.
    let a = FakeServer::always(Protocol::OpenAi.fault(Fault::Auth, &Answer::new("m", &["x"])));
    let b = FakeServer::always(
        Protocol::Anthropic.fault(Fault::ModelNotFound, &Answer::new("m", &["x"])),
    );
    let router = Router::new(engine(
        &[(Protocol::OpenAi, &a), (Protocol::Anthropic, &b)],
        "",
    ));
    let r = run(&router, &["p0/m", "p1/m"]).await;
    let msg = r.result.unwrap_err().to_string();
    assert!(
        msg.contains("every target failed: p0 (auth), p1 (model_not_found)"),
        "{msg}"
    );
}

#[tokio::test]
async fn fifty_concurrent_requests_send_at_most_k_to_a_failing_target() {
    let failing =
        FakeServer::always(Protocol::OpenAi.fault(Fault::ServerError, &Answer::new("m", &["x"])));
    let healthy = FakeServer::always(
        Protocol::OpenAi
            .stream(&Answer::new("good", &["fine"]))
            .paced(Duration::from_millis(5)),
    );
    let routes = "[routes.smart]\nstrategy = \"fallback\"\ntargets = [\"p0/m\", \"p1/m\"]\n";
    let router = Router::new(engine(
        &[(Protocol::OpenAi, &failing), (Protocol::OpenAi, &healthy)],
        routes,
    ));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let router = router.clone();
            tokio::spawn(async move { run(&router, &["@smart"]).await })
        })
        .collect();
    let mut skipped = 0;
    for t in tasks {
        let r = t.await.expect("a task");
        assert!(r.result.is_ok(), "{:?}", r.result);
        assert_eq!(r.answered.as_deref(), Some("p1/m"));
        skipped += r
            .attempts
            .iter()
            .filter(|a| a.1 == Outcome::Skipped)
            .count();
    }
    assert_eq!(
        failing.requests().len(),
        3,
        "K = 3 requests reach the failing target, no more"
    );
    assert!(
        skipped >= 45,
        "the rest skip it while it cools down ({skipped} skipped)"
    );
    assert_eq!(healthy.requests().len(), 50);
}

#[tokio::test]
async fn a_cooled_down_target_is_probed_by_one_request_then_traffic_returns() {
    let broken = Arc::new(AtomicBool::new(true));
    let flag = broken.clone();
    let flaky = FakeServer::start(move |_| {
        if flag.load(Ordering::SeqCst) {
            Protocol::Ollama.fault(Fault::Overloaded, &Answer::new("m", &["x"]))
        } else {
            Protocol::Ollama.stream(&Answer::new("back", &["I'm back"]))
        }
    });
    let other = FakeServer::always(Protocol::Ollama.stream(&Answer::new("other", &["other"])));
    let router_cfg = "[router]\nfirst_token_timeout_ms = 700\nidle_timeout_ms = 300\nmax_retries = 2\nbackoff_base_ms = 5\ncooldown_failures = 3\ncooldown_ms = 300\n";
    let router = Router::new(engine(
        &[(Protocol::Ollama, &flaky), (Protocol::Ollama, &other)],
        router_cfg,
    ));
    let r = run(&router, &["p0/m", "p1/m"]).await;
    assert_eq!(r.answered.as_deref(), Some("p1/m"));
    assert_eq!(flaky.requests().len(), 3);
    for _ in 0..3 {
        let r = run(&router, &["p0/m", "p1/m"]).await;
        assert_eq!(
            r.attempts[0].1,
            Outcome::Skipped,
            "skipped while cooling down"
        );
        assert_eq!(r.answered.as_deref(), Some("p1/m"));
    }
    assert_eq!(flaky.requests().len(), 3, "no traffic during the cooldown");
    broken.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(350)).await;
    let r = run(&router, &["p0/m", "p1/m"]).await;
    assert_eq!(r.answered.as_deref(), Some("p0/m"), "the probe succeeded");
    let r = run(&router, &["p0/m", "p1/m"]).await;
    assert_eq!(r.answered.as_deref(), Some("p0/m"), "traffic returned");
}

#[tokio::test]
async fn balance_spreads_by_weight_and_latency_prefers_the_fastest() {
    let a = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("a", &["a"])));
    let b = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("b", &["b"])));
    let routes = "[routes.spread]\nstrategy = \"balance\"\ntargets = [\"p0/m\", \"p1/m\"]\nweights = [3, 1]\n";
    let router = Router::with_seed(
        engine(&[(Protocol::OpenAi, &a), (Protocol::OpenAi, &b)], routes),
        42,
    );
    let n = 400;
    let mut first = 0;
    for _ in 0..n {
        if run(&router, &["@spread"]).await.answered.as_deref() == Some("p0/m") {
            first += 1;
        }
    }
    let share = first as f64 / n as f64;
    assert!(
        (0.68..=0.82).contains(&share),
        "weights 3:1 should give about 0.75, got {share}"
    );
    assert_eq!(
        a.requests().len() + b.requests().len(),
        n,
        "one request each, no retries"
    );

    let slow = FakeServer::always(
        Protocol::OpenAi
            .stream(&Answer::new("slow", &["s"]))
            .paced(Duration::from_millis(60)),
    );
    let fast = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("fast", &["f"])));
    let routes = "[routes.quick]\nstrategy = \"latency\"\ntargets = [\"p0/m\", \"p1/m\"]\n";
    let router = Router::with_seed(
        engine(
            &[(Protocol::OpenAi, &slow), (Protocol::OpenAi, &fast)],
            routes,
        ),
        7,
    );
    let mut answered = Vec::new();
    for _ in 0..12 {
        answered.push(run(&router, &["@quick"]).await.answered.unwrap());
    }
    assert!(
        answered[..2].contains(&"p0/m".to_string()) && answered[..2].contains(&"p1/m".to_string()),
        "each is tried once: {answered:?}"
    );
    assert!(
        answered[2..].iter().all(|t| t == "p1/m"),
        "then the fastest: {answered:?}"
    );
}

#[tokio::test]
async fn compare_runs_columns_at_once_a_failure_or_cancel_leaves_the_others_running() {
    let good = FakeServer::always(
        Protocol::Anthropic
            .stream(&Answer::new("claude", &["one ", "two ", "three"]))
            .paced(Duration::from_millis(10)),
    );
    let down =
        FakeServer::always(Protocol::OpenAi.fault(Fault::ServerError, &Answer::new("m", &["x"])));
    let backup = FakeServer::always(Protocol::Gemini.stream(&Answer::new("gemini", &["backup"])));
    let refused =
        FakeServer::always(Protocol::Ollama.fault(Fault::BadRequest, &Answer::new("m", &["x"])));
    let slow = FakeServer::always(
        Protocol::OpenAi
            .stream(&Answer::new("slow", &vec!["tick "; 500]))
            .paced(Duration::from_millis(20)),
    );
    let engine = engine(
        &[
            (Protocol::Anthropic, &good),
            (Protocol::OpenAi, &down),
            (Protocol::Gemini, &backup),
            (Protocol::Ollama, &refused),
            (Protocol::OpenAi, &slow),
        ],
        "[routes.chain]\ntargets = [\"p1/m\", \"p2/m\"]\n",
    );
    let router = Router::new(engine);
    let names = [vec!["p0/m"], vec!["@chain"], vec!["p3/m"], vec!["p4/m"]];
    let plans: Vec<_> = names
        .iter()
        .map(|n| {
            router
                .plan(&n.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap()
        })
        .collect();
    let mut compare = router.compare(&plans, &ChatRequest::new("hi"));
    let mut text = vec![String::new(); 4];
    let mut ended = [false; 4];
    let mut errors: Vec<Option<String>> = vec![None; 4];
    let mut failed_attempts = [0; 4];
    let work = async {
        while let Some((col, item)) = compare.next().await {
            match item {
                Ok(RouteEvent::Chat(ChatEvent::Delta(t))) => {
                    text[col].push_str(&t);
                    if col == 3 && text[3].len() >= 10 && compare.is_running(3) {
                        compare.cancel(3);
                    }
                }
                Ok(RouteEvent::Chat(ChatEvent::End(_))) => ended[col] = true,
                Ok(RouteEvent::Attempt(a)) if a.outcome == Outcome::Failed => {
                    failed_attempts[col] += 1
                }
                Ok(_) => {}
                Err(e) => errors[col] = Some(e.as_provider().unwrap().class.as_str().to_string()),
            }
        }
    };
    tokio::time::timeout(Duration::from_secs(20), work)
        .await
        .expect("no hang");
    assert_eq!((text[0].as_str(), ended[0]), ("one two three", true));
    assert_eq!(
        (text[1].as_str(), ended[1], failed_attempts[1]),
        ("backup", true, 3),
        "fell over inside its column"
    );
    assert_eq!(
        errors[2].as_deref(),
        Some("bad_request"),
        "the failing column says why"
    );
    assert!(
        !ended[3] && text[3].starts_with("tick tick"),
        "cancelled mid-stream: {}",
        text[3]
    );
    assert!(
        slow.wait_for_disconnect(Duration::from_secs(5)).await,
        "cancelling a column closes only its connection"
    );
    assert_eq!(good.disconnects(), 0);
}
