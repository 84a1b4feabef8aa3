//! Limits on what a provider can make the engine do: redirects are never followed (a key and a
//! prompt go only to the provider's own origin), a model name cannot choose the URL path, streams
//! and whole answers have size caps and deadlines, keep-alives do not keep a stalled answer
//! alive, and a key echoed back is scrubbed before any cut. Real loopback servers throughout.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::{ChatEvent, ChatRequest, Config, Engine, Error, ErrorClass, StreamEnd};
use roundtable_fakes::{Answer, FakeServer, Protocol, Reply, Step, ALL};

const FAKE_KEY: &str = "sk-test-FAKE-limits-0123456789abcdefghij";

fn make_engine(protocol: Protocol, server: &FakeServer, extra: &str) -> Engine {
    let text = format!(
        "[providers.fake]\nkind = \"{}\"\nbase_url = \"{}\"\nheaders = {{ \"X-Team\" = \"team-secret-header\" }}\n\n[router]\nconnect_timeout_ms = 1000\nfirst_token_timeout_ms = 3000\nidle_timeout_ms = 400\n{extra}",
        protocol.kind(),
        protocol.base_url(&server.url())
    );
    let config = Config::parse(&text, Path::new("config.toml")).expect("a valid config");
    let keys = MemoryKeys::new();
    keys.set("fake", FAKE_KEY).unwrap();
    Engine::new(config, Arc::new(keys)).expect("an engine")
}

/// The text streamed, and how the stream ended.
async fn run(engine: &Engine, model: &str) -> (String, Result<StreamEnd, Error>) {
    let target = engine.resolve(model).unwrap();
    let mut stream = match engine.stream(&target, &ChatRequest::new("hello")).await {
        Ok(s) => s,
        Err(e) => return (String::new(), Err(e)),
    };
    let mut text = String::new();
    // A stream that never ended would hang the test: bound it.
    let result = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(item) = stream.next().await {
            match item {
                Ok(ChatEvent::Delta(t)) => text.push_str(&t),
                Ok(ChatEvent::End(end)) => return Ok(end),
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        panic!("the stream ended with neither End nor an error")
    })
    .await
    .expect("the stream ended within 20 s");
    (text, result)
}

fn provider_error(result: Result<StreamEnd, Error>) -> roundtable_engine::ProviderError {
    match result {
        Err(Error::Provider(p)) => p,
        other => panic!("expected a provider error, got {other:?}"),
    }
}

fn sse(data: &str) -> Vec<u8> {
    format!("data: {data}\n\n").into_bytes()
}

/// An OpenAI stream that opens and sends `first` as its first piece of text, then `rest`.
fn openai_opening(first: &str, rest: Vec<Step>) -> Reply {
    let chunk = |content: &str| {
        sse(
            &serde_json::json!({"id":"c","object":"chat.completion.chunk","created":1,"model":"m",
            "choices":[{"index":0,"delta":{"content":content},"finish_reason":null}]})
            .to_string(),
        )
    };
    Reply::stream("text/event-stream", [chunk(""), chunk(first)]).then(rest)
}

#[tokio::test]
async fn redirects_are_never_followed_and_the_key_stays_home() {
    for protocol in ALL {
        // B is another origin: whatever reaches it has leaked.
        let elsewhere = FakeServer::always(protocol.stream(&Answer::new("evil", &["pwned"])));
        let target = elsewhere.url();
        let redirecting = FakeServer::start(move |req| {
            Reply::body(307, "text/plain", "moved")
                .with_header("location", &format!("{target}{}", req.path))
        });
        let engine = make_engine(protocol, &redirecting, "");
        let (text, result) = run(&engine, "fake/some-model").await;
        let err = provider_error(result);
        assert_eq!(err.class, ErrorClass::Redirected, "{protocol:?}: {err}");
        assert_eq!(err.status, Some(307));
        let host = format!("127.0.0.1:{}", elsewhere.addr().port());
        assert!(
            err.message.contains(&host),
            "{protocol:?}: names where: {err}"
        );
        assert!(text.is_empty());

        // The whole answer and the model list do not follow either.
        let target = engine.resolve("fake/some-model").unwrap();
        let whole = engine.complete(&target, &ChatRequest::new("hello")).await;
        let err = whole.expect_err("a redirect is an error");
        assert_eq!(
            err.as_provider().map(|p| p.class),
            Some(ErrorClass::Redirected)
        );
        let models = engine.list_models("fake").await;
        let err = models.expect_err("a redirect is an error");
        assert_eq!(
            err.as_provider().map(|p| p.class),
            Some(ErrorClass::Redirected)
        );

        assert!(
            elsewhere.requests().is_empty(),
            "{protocol:?}: the other origin got {:?}",
            elsewhere.requests()
        );
        assert_eq!(redirecting.requests().len(), 3, "{protocol:?}");
        // The key went to the provider's own origin, in the protocol's header.
        let first = &redirecting.requests()[0];
        let sent = first.headers.iter().any(|(_, v)| v.contains(FAKE_KEY));
        assert!(sent, "{protocol:?}: the key went to its own origin");
    }
}

#[tokio::test]
async fn a_gemini_model_name_is_one_path_segment() {
    let server = FakeServer::always(Protocol::Gemini.stream(&Answer::new("m", &["ok"])));
    let engine = make_engine(Protocol::Gemini, &server, "");
    // The answer itself may be anything; what matters is the path that was asked for.
    let _ = run(&engine, "fake/../../admin/delete?x=").await;
    let paths: Vec<String> = server.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/v1beta/models/..%2F..%2Fadmin%2Fdelete%3Fx%3D:streamGenerateContent?alt=sse"]
    );
}

#[tokio::test]
async fn an_event_over_the_cap_stops_the_stream_and_keeps_the_partial_answer() {
    // One `data:` line of 8 MiB that never ends, after the first piece of text.
    let mut rest = vec![Step::Send(b"data: ".to_vec())];
    rest.extend((0..128).map(|_| Step::Send(vec![b'x'; 64 * 1024])));
    let server = FakeServer::always(openai_opening("Partial", rest).then([Step::Stall]));
    let engine = make_engine(Protocol::OpenAi, &server, "max_event_bytes = 1048576\n");
    let (text, result) = run(&engine, "fake/m").await;
    assert_eq!(text, "Partial");
    let err = provider_error(result);
    assert_eq!(err.class, ErrorClass::MalformedStream);
    assert!(err.message.contains("1 MiB"), "{err}");
    assert!(err.message.contains("max_event_bytes"), "{err}");
}

#[tokio::test]
async fn an_answer_over_the_cap_stops_and_keeps_the_partial_answer() {
    let chunk = |content: &str| {
        sse(&serde_json::json!({"choices":[{"index":0,"delta":{"content":content}}]}).to_string())
    };
    let piece = "y".repeat(1000);
    let rest: Vec<Step> = (0..400).map(|_| Step::Send(chunk(&piece))).collect();
    let server = FakeServer::always(openai_opening("Start ", rest));
    let engine = make_engine(Protocol::OpenAi, &server, "max_answer_bytes = 100000\n");
    let (text, result) = run(&engine, "fake/m").await;
    assert!(text.starts_with("Start yyy"), "the partial answer is kept");
    assert!(text.len() < 100_000, "reading stopped at the cap");
    let err = provider_error(result);
    assert!(err.message.contains("max_answer_bytes"), "{err}");

    // A whole answer and a model list over the cap are refused the same way.
    let huge = format!(
        "{{\"choices\":[{{\"message\":{{\"content\":\"{}\"}}}}]}}",
        "z".repeat(300_000)
    );
    let server = FakeServer::always(Reply::body(200, "application/json", huge));
    let engine = make_engine(Protocol::OpenAi, &server, "max_answer_bytes = 100000\n");
    let target = engine.resolve("fake/m").unwrap();
    let err = engine
        .complete(&target, &ChatRequest::new("hi"))
        .await
        .expect_err("over the cap");
    assert!(err.to_string().contains("max_answer_bytes"), "{err}");
    let err = engine.list_models("fake").await.expect_err("over the cap");
    assert!(err.to_string().contains("max_answer_bytes"), "{err}");
}

#[tokio::test]
async fn keepalives_do_not_keep_a_stalled_answer_alive() {
    // One piece of text, then only comments every 100 ms for 6 s: the idle time-out is 400 ms.
    let pings: Vec<Step> = (0..60)
        .flat_map(|_| {
            [
                Step::Sleep(Duration::from_millis(100)),
                Step::Send(b": keepalive\n\n".to_vec()),
            ]
        })
        .collect();
    let server = FakeServer::always(openai_opening("Half an answer", pings));
    let engine = make_engine(Protocol::OpenAi, &server, "");
    let (text, result) = run(&engine, "fake/m").await;
    assert_eq!(text, "Half an answer");
    let err = provider_error(result);
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
    assert!(err.message.contains("no content for 400ms"), "{err}");
}

#[tokio::test]
async fn an_answer_has_an_overall_deadline() {
    // A piece of text every 100 ms for 10 s, against a 1.5 s answer time-out.
    let chunk = |content: &str| {
        sse(&serde_json::json!({"choices":[{"index":0,"delta":{"content":content}}]}).to_string())
    };
    let drip: Vec<Step> = (0..100)
        .flat_map(|_| {
            [
                Step::Sleep(Duration::from_millis(100)),
                Step::Send(chunk("more ")),
            ]
        })
        .collect();
    let server = FakeServer::always(openai_opening("Go: ", drip));
    let engine = make_engine(Protocol::OpenAi, &server, "answer_timeout_ms = 1500\n");
    let (text, result) = run(&engine, "fake/m").await;
    assert!(text.starts_with("Go: more "), "{text}");
    let err = provider_error(result);
    assert_eq!(err.class, ErrorClass::Timeout, "{err}");
    assert!(err.message.contains("answer_timeout_ms"), "{err}");
}

#[tokio::test]
async fn a_key_echoed_near_the_cut_leaves_no_prefix() {
    for pad in [235, 245, 255, 265] {
        let message = format!(
            "{} Incorrect API key provided: {FAKE_KEY}.",
            "x".repeat(pad)
        );
        let server = FakeServer::always(Protocol::OpenAi.error(401, "invalid_api_key", &message));
        let engine = make_engine(Protocol::OpenAi, &server, "");
        let (_, result) = run(&engine, "fake/m").await;
        let err = provider_error(result);
        assert_eq!(err.class, ErrorClass::Auth);
        let shown = err.to_string();
        assert!(!shown.contains("sk-t"), "pad {pad}: {shown}");
        for run in 0..=FAKE_KEY.len() - 8 {
            assert!(
                !shown.contains(&FAKE_KEY[run..run + 8]),
                "pad {pad}: {shown}"
            );
        }
    }
}
