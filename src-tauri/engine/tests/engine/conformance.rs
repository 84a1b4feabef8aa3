//! Conformance: the engine against fake providers over real loopback HTTP: one conformance suite run against
//! each of the four protocols, every fault, cancellation, and key hygiene.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::{
    ChatEvent, ChatRequest, Config, Engine, Error, FinishReason, Message, ReasoningEffort,
    StreamEnd, Usage,
};
use roundtable_fakes::{Answer, FakeServer, Protocol, Reply, Step, ALL, FAULTS};

const FAKE_KEY: &str = "sk-test-FAKE-0000";

fn engine_for(protocol: Protocol, server: &FakeServer, keys: &MemoryKeys) -> Engine {
    let text = format!(
        "[providers.fake]\nkind = \"{}\"\nbase_url = \"{}\"\n\n[router]\nconnect_timeout_ms = 1000\nfirst_token_timeout_ms = 1500\nidle_timeout_ms = 400\n",
        protocol.kind(),
        protocol.base_url(&server.url())
    );
    let config = Config::parse(&text, Path::new("config.toml")).expect("a valid config");
    Engine::new(config, Arc::new(keys.clone())).expect("an engine")
}

fn answer() -> Answer {
    let mut a = Answer::new("fake-model-2026", &["Hel", "lo, ", "wörld", " 🎉"]);
    a.reasoning = vec!["Thinking ".into(), "hard.".into()];
    a.input = 120;
    a.cache_read = 100;
    a.output = 40;
    a.reasoning_tokens = 30;
    a
}

fn request() -> ChatRequest {
    ChatRequest {
        system: Some("You are terse.".into()),
        messages: vec![
            Message::user("first"),
            Message::assistant("reply"),
            Message::user("second"),
        ],
        temperature: Some(0.25),
        max_tokens: Some(333),
        reasoning: Some(ReasoningEffort::Low),
        ..Default::default()
    }
}

async fn collect(engine: &Engine, req: &ChatRequest) -> (Vec<ChatEvent>, Result<StreamEnd, Error>) {
    let target = engine.resolve("fake/fake-model").unwrap();
    let mut stream = match engine.stream(&target, req).await {
        Ok(s) => s,
        Err(e) => return (Vec::new(), Err(e)),
    };
    let mut events = Vec::new();
    while let Some(item) = stream.next().await {
        match item {
            Ok(ChatEvent::End(end)) => {
                assert!(stream.next().await.is_none(), "nothing after End");
                return (events, Ok(end));
            }
            Ok(e) => events.push(e),
            Err(e) => {
                assert!(stream.next().await.is_none(), "nothing after an error");
                return (events, Err(e));
            }
        }
    }
    panic!("the stream ended with neither End nor an error");
}

fn text(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| {
            if let ChatEvent::Delta(t) = e {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect()
}

fn reasoning(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| {
            if let ChatEvent::Reasoning(t) = e {
                Some(t.as_str())
            } else {
                None
            }
        })
        .collect()
}

#[tokio::test]
async fn conformance_streams_a_full_answer_on_every_protocol() {
    for protocol in ALL {
        let a = answer();
        let reply = protocol.stream(&a);
        let server = FakeServer::always(reply);
        let keys = MemoryKeys::new();
        keys.set("fake", FAKE_KEY).unwrap();
        let engine = engine_for(protocol, &server, &keys);
        let (events, end) = collect(&engine, &request()).await;
        let end = end.unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        assert_eq!(
            events[0],
            ChatEvent::Start {
                model: Some(a.model.clone())
            },
            "{protocol:?}"
        );
        assert_eq!(text(&events), "Hello, wörld 🎉", "{protocol:?}");
        assert_eq!(reasoning(&events), "Thinking hard.", "{protocol:?}");
        assert_eq!(end.finish, FinishReason::Stop, "{protocol:?}");
        assert_eq!(
            end.model.as_deref(),
            Some("fake-model-2026"),
            "{protocol:?}"
        );
        assert_eq!(
            end.usage,
            Some(Usage {
                input_tokens: 120,
                output_tokens: 40,
                cache_read_tokens: 100,
                cache_write_tokens: 0,
                reasoning_tokens: if protocol == Protocol::Ollama { 0 } else { 30 },
                image_tokens: 0,
            }),
            "{protocol:?}"
        );

        // What was sent: the path, the key in the protocol's own header, the whole conversation.
        let sent = server.requests();
        assert_eq!(sent.len(), 1);
        let req = &sent[0];
        assert_eq!(req.method, "POST");
        let body = req.json();
        let body_text = body.to_string();
        for needle in ["You are terse.", "first", "reply", "second"] {
            assert!(
                body_text.contains(needle),
                "{protocol:?} body lacks {needle}: {body_text}"
            );
        }
        match protocol {
            Protocol::OpenAi => {
                assert_eq!(req.path, "/v1/chat/completions");
                assert_eq!(
                    req.header("authorization"),
                    Some(format!("Bearer {FAKE_KEY}").as_str())
                );
                assert_eq!(body["stream_options"]["include_usage"], true);
                assert_eq!(body["max_tokens"], 333);
                assert_eq!(body["messages"][0]["role"], "system");
            }
            Protocol::Anthropic => {
                assert_eq!(req.path, "/v1/messages");
                assert_eq!(req.header("x-api-key"), Some(FAKE_KEY));
                assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
                assert_eq!(body["system"], "You are terse.");
                assert_eq!(body["thinking"]["type"], "enabled");
            }
            Protocol::Gemini => {
                assert_eq!(
                    req.path,
                    "/v1beta/models/fake-model:streamGenerateContent?alt=sse"
                );
                assert_eq!(req.header("x-goog-api-key"), Some(FAKE_KEY));
                assert_eq!(body["contents"][1]["role"], "model");
                assert_eq!(body["generationConfig"]["maxOutputTokens"], 333);
            }
            Protocol::Ollama => {
                assert_eq!(req.path, "/api/chat");
                assert_eq!(body["options"]["num_predict"], 333);
                assert_eq!(body["stream"], true);
            }
        }
        assert!(!req.path.contains(FAKE_KEY), "the key never goes in a URL");
    }
}

#[tokio::test]
async fn conformance_whole_answers_and_model_lists() {
    for protocol in ALL {
        let a = answer();
        let whole = protocol.whole(&a);
        let models = protocol.models(&["m-one", "m-two"]);
        let server = FakeServer::start(move |req| {
            if req.method == "GET" {
                models.clone()
            } else {
                whole.clone()
            }
        });
        let engine = engine_for(protocol, &server, &MemoryKeys::new());
        let target = engine.resolve("fake/fake-model").unwrap();
        let r = engine
            .complete(&target, &request())
            .await
            .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        assert_eq!(r.text, "Hello, wörld 🎉", "{protocol:?}");
        assert_eq!(r.reasoning, "Thinking hard.", "{protocol:?}");
        let u = r.end.usage.unwrap();
        assert_eq!(
            (u.input_tokens, u.output_tokens, u.cache_read_tokens),
            (120, 40, 100),
            "{protocol:?}"
        );
        let listed = engine
            .list_models("fake")
            .await
            .unwrap_or_else(|e| panic!("{protocol:?}: {e}"));
        let ids: Vec<_> = listed.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["fake/m-one", "fake/m-two"], "{protocol:?}");
        let paths: Vec<_> = server.requests().iter().map(|r| r.path.clone()).collect();
        let expected_list_path = match protocol {
            Protocol::OpenAi => "/v1/models",
            Protocol::Anthropic => "/v1/models?limit=1000",
            Protocol::Gemini => "/v1beta/models?pageSize=1000",
            Protocol::Ollama => "/api/tags",
        };
        assert_eq!(paths[1], expected_list_path);
    }
}

#[tokio::test]
async fn every_fault_on_every_protocol_is_classified_and_never_hangs() {
    let mut tried = 0;
    for protocol in ALL {
        for fault in FAULTS {
            let a = Answer::new("fake-model", &["Partial ", "answer"]);
            let server = FakeServer::always(protocol.fault(fault, &a));
            let engine = engine_for(protocol, &server, &MemoryKeys::new());
            let req = ChatRequest::new("hi");
            let run = collect(&engine, &req);
            let (events, end) = tokio::time::timeout(Duration::from_secs(10), run)
                .await
                .unwrap_or_else(|_| panic!("{protocol:?} {fault:?}: hung"));
            let err = match end {
                Err(Error::Provider(e)) => e,
                other => panic!("{protocol:?} {fault:?}: expected a provider error, got {other:?}"),
            };
            assert_eq!(
                err.class.as_str(),
                protocol.expected_class(fault),
                "{protocol:?} {fault:?}: {err}"
            );
            assert_eq!(err.provider, "fake");
            let line = err.to_string();
            assert!(line.starts_with("fake: "), "{line}");
            assert!(!line.contains('\n'), "one line: {line}");
            assert!(!err.hint.is_empty());
            if fault.mid_stream() {
                assert_eq!(
                    text(&events),
                    "Partial ",
                    "{protocol:?} {fault:?}: the partial answer is delivered before the error"
                );
            }
            tried += 1;
        }
    }
    assert_eq!(tried, 60);
}

#[tokio::test]
async fn connection_refused_is_a_network_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let config = Config::parse(
        &format!(
            "[providers.gone]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\n"
        ),
        Path::new("c.toml"),
    )
    .unwrap();
    let engine = Engine::new(config, Arc::new(MemoryKeys::new())).unwrap();
    let target = engine.resolve("gone/m").unwrap();
    let err = engine
        .stream(&target, &ChatRequest::new("hi"))
        .await
        .err()
        .unwrap();
    let e = err.as_provider().unwrap();
    assert_eq!(e.class.as_str(), "network");
    assert!(e.message.contains(&format!("127.0.0.1:{port}")), "{e}");
}

#[tokio::test]
async fn dropping_the_stream_closes_the_upstream_connection() {
    for protocol in ALL {
        let a = Answer::new("m", &vec!["tick "; 200]);
        let reply = protocol.stream(&a).paced(Duration::from_millis(20));
        let server = FakeServer::always(reply);
        let engine = engine_for(protocol, &server, &MemoryKeys::new());
        let target = engine.resolve("fake/m").unwrap();
        let mut stream = engine
            .stream(&target, &ChatRequest::new("hi"))
            .await
            .unwrap();
        let mut deltas = 0;
        while deltas < 2 {
            if let Some(Ok(ChatEvent::Delta(_))) = stream.next().await {
                deltas += 1;
            }
        }
        drop(stream);
        assert!(
            server.wait_for_disconnect(Duration::from_secs(5)).await,
            "{protocol:?}: the fake saw the client leave"
        );
    }
}

#[tokio::test]
async fn keys_are_needed_by_cloud_presets_scrubbed_from_errors_and_bound_to_their_provider() {
    // A cloud preset without a key fails before sending anything.
    let engine = Engine::new(Config::default(), Arc::new(MemoryKeys::new())).unwrap();
    let target = engine.resolve("openai/gpt-4o").unwrap();
    let e = engine
        .stream(&target, &ChatRequest::new("hi"))
        .await
        .err()
        .unwrap();
    let e = e.as_provider().unwrap();
    assert_eq!(e.class.as_str(), "auth");
    assert!(e.hint.contains("OPENAI_API_KEY"), "{e}");

    // A provider that echoes the key back in its error: the key is redacted.
    let echo = Protocol::OpenAi.error(
        401,
        "invalid_api_key",
        &format!("Incorrect API key provided: {FAKE_KEY}"),
    );
    let server = FakeServer::always(echo);
    let keys = MemoryKeys::new();
    keys.set("fake", FAKE_KEY).unwrap();
    keys.set("other", "sk-test-FAKE-OTHER-key-1111").unwrap();
    let engine = engine_for(Protocol::OpenAi, &server, &keys);
    let (_, end) = collect(&engine, &ChatRequest::new("hi")).await;
    let err = end.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains(FAKE_KEY), "{shown}");
    assert!(shown.contains("<redacted>"), "{shown}");
    assert!(
        shown.contains("was rejected"),
        "says which key was rejected: {shown}"
    );
    // Only this provider's key went to this provider.
    let sent = server.requests();
    assert_eq!(
        sent[0].header("authorization"),
        Some(format!("Bearer {FAKE_KEY}").as_str())
    );
    assert!(!format!("{:?}", sent[0]).contains("OTHER"));
}

#[tokio::test]
async fn anthropic_long_system_prompts_are_cached() {
    let server = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let engine = engine_for(Protocol::Anthropic, &server, &MemoryKeys::new());
    let mut req = ChatRequest::new("hi");
    req.system = Some("Rules. ".repeat(1000));
    let (_, end) = collect(&engine, &req).await;
    assert!(end.is_ok());
    let body = server.requests()[0].json();
    assert_eq!(body["system"][0]["cache_control"]["type"], "ephemeral");
    assert_eq!(body["system"][0]["text"], req.system.unwrap());
}

#[tokio::test]
async fn html_with_status_200_and_stream_split_everywhere() {
    let server = FakeServer::always(Reply::body(
        200,
        "text/html",
        "<html><title>Captive portal</title></html>",
    ));
    let engine = engine_for(Protocol::OpenAi, &server, &MemoryKeys::new());
    let (_, end) = collect(&engine, &ChatRequest::new("hi")).await;
    let err = end.unwrap_err();
    let e = err.as_provider().unwrap();
    assert_eq!(e.class.as_str(), "malformed_stream");
    assert!(e.message.contains("Captive portal"), "{e}");

    // The same recorded stream, written one byte per HTTP chunk.
    let fixture = roundtable_fakes::fixtures::ANTHROPIC_CACHE.as_bytes();
    let reply = Reply::stream("text/event-stream", fixture.chunks(1).map(|c| c.to_vec()));
    let server = FakeServer::always(reply);
    let engine = engine_for(Protocol::Anthropic, &server, &MemoryKeys::new());
    let (events, end) = collect(&engine, &ChatRequest::new("hi")).await;
    assert_eq!(text(&events), "OK.");
    assert_eq!(end.unwrap().usage.unwrap().cache_read_tokens, 4202);
}

#[tokio::test]
async fn bad_input_gets_clear_errors() {
    let engine = Engine::new(Config::default(), Arc::new(MemoryKeys::new())).unwrap();
    fn msg<T>(r: Result<T, Error>) -> String {
        r.err().map(|e| e.to_string()).unwrap_or_default()
    }
    let m = msg(engine.resolve("nope/model"));
    assert!(
        m.contains("unknown provider `nope`") && m.contains("openai") && m.contains("ollama"),
        "{m}"
    );
    let m = msg(engine.resolve("gpt-4o"));
    assert!(m.contains("provider/gpt-4o"), "{m}");
    let m = msg(engine.resolve("openai/"));
    assert!(m.contains("no model"), "{m}");
    let m = msg(engine.resolve("@smart"));
    assert!(m.contains("unknown route `@smart`"), "{m}");
    let target = engine.resolve("ollama/llama3.2").unwrap();
    let m = msg(engine
        .stream(&target, &ChatRequest::new("   "))
        .await
        .map(|_| ()));
    assert!(m.contains("prompt is empty"), "{m}");

    // A slow stream paced under the idle timeout is not cut.
    let a = Answer::new("m", &["a", "b", "c", "d"]);
    let server = FakeServer::always(
        Protocol::Ollama
            .stream(&a)
            .paced(Duration::from_millis(150))
            .then([Step::Sleep(Duration::from_millis(10))]),
    );
    let engine = engine_for(Protocol::Ollama, &server, &MemoryKeys::new());
    let (events, end) = collect(&engine, &ChatRequest::new("hi")).await;
    assert!(end.is_ok());
    assert_eq!(text(&events), "abcd");
}

#[tokio::test]
async fn a_keychain_key_goes_only_to_the_origin_it_was_saved_for() {
    use roundtable_engine::keys::vault::{MemoryStore, Vault};
    let first = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let moved = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let vault = Vault::new(Arc::new(MemoryStore::new()));
    let engine_at = |server: &FakeServer| {
        let text = format!(
            "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
            server.url()
        );
        Engine::new(
            Config::parse(&text, Path::new("c.toml")).unwrap(),
            Arc::new(vault.clone()),
        )
        .unwrap()
    };
    let engine = engine_at(&first);
    let provider = engine.registry().get("fake").unwrap().clone();
    vault.save(&provider, FAKE_KEY).unwrap();
    let (_, end) = collect(&engine, &ChatRequest::new("hi")).await;
    assert!(end.is_ok());
    assert_eq!(
        first.requests()[0].header("authorization"),
        Some(format!("Bearer {FAKE_KEY}").as_str())
    );

    // The provider now points elsewhere: the key is not sent, and the error says why.
    let engine = engine_at(&moved);
    let (_, end) = collect(&engine, &ChatRequest::new("hi")).await;
    let err = end.unwrap_err().to_string();
    assert!(
        err.contains(&format!("bound to {}", first.url()))
            && err.contains("roundtable keys set fake"),
        "{err}"
    );
    assert!(!err.contains(FAKE_KEY));
    assert!(
        moved.requests().is_empty(),
        "nothing was sent to the new origin"
    );

    // Saving it again confirms the new origin.
    vault
        .save(engine.registry().get("fake").unwrap(), FAKE_KEY)
        .unwrap();
    let (_, end) = collect(&engine, &ChatRequest::new("hi")).await;
    assert!(end.is_ok());
    assert_eq!(moved.requests().len(), 1);
}
