//! A whole turn against fake providers over loopback: the answer and its figures as the app shows
//! them for a stored conversation — tokens, the request's cost (failed attempts included) and the
//! targets it fell over from — read back from the real SQLite ledger.

use std::path::Path;
use std::sync::Arc;

use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::{Finished, Session, Turn, TurnEvent, TurnSpec};
use roundtable_engine::store::{MessageStatus, Store};
use roundtable_engine::{Config, Engine, Router};
use roundtable_fakes::{Answer, FakeServer, Protocol};

/// A store in a scratch dir, and the router and prices of `config`.
struct Setup {
    _dir: tempfile::TempDir,
    store: Store,
    prices: PriceBook,
    router: Router,
}

fn setup(config: &str) -> Setup {
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

fn session<'a>(store: &'a Store, prices: &'a PriceBook, router: &'a Router) -> Session<'a> {
    Session {
        router,
        store,
        prices,
    }
}

#[tokio::test]
async fn a_stored_answer_carries_its_tokens_cost_and_fallbacks() {
    let busy = FakeServer::always(Protocol::OpenAi.error(429, "rate_limit_exceeded", "slow down"));
    let good = FakeServer::start(|_| {
        Protocol::OpenAi.stream(&Answer::new("m", &["Second ", "time ", "lucky."]))
    });
    let Setup {
        _dir: _kept,
        store,
        prices,
        router,
    } = setup(&format!(
        "[providers.busy]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [providers.good]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n\
         [prices.\"good/m\"]\ninput = 1000\noutput = 2000\n\n[router]\nmax_retries = 0\n",
        busy.url(),
        good.url()
    ));
    let spec = TurnSpec {
        prompt: "Try both".into(),
        targets: vec!["busy/m".into(), "good/m".into()],
        ..Default::default()
    };
    let turn = Turn::prepare(&router, &store, spec).unwrap();
    let mut events = Vec::new();
    turn.run(
        session(&store, &prices, &router),
        std::future::pending(),
        |e| events.push(e),
    )
    .await;
    let Some(TurnEvent::Done(done)) = events.last().cloned() else {
        panic!("no done event: {events:?}");
    };
    let Finished {
        message_id: Some(id),
        cost_micros,
        fell_over,
        ..
    } = *done
    else {
        panic!("no message: {done:?}");
    };
    assert_eq!(fell_over.len(), 1, "{fell_over:?}");

    let figures = store
        .answer_figures(turn.conversation_id().unwrap())
        .unwrap();
    assert_eq!(figures.len(), 1, "one answer: {figures:?}");
    let f = &figures[&id];
    assert_eq!((f.input_tokens, f.output_tokens), (12, 3));
    // 12 in at $1000/M + 3 out at $2000/M; the 429 cost nothing.
    assert_eq!(f.cost_micros, 12_000 + 6_000);
    assert_eq!(
        f.cost_micros, cost_micros,
        "the same figure as the live answer showed"
    );
    assert_eq!(f.fell_over, ["busy/m"]);
    assert!(!f.estimated);
    assert!(f.ttft_ms.is_some() && f.duration_ms.is_some());
    let c = store.conversation(turn.conversation_id().unwrap()).unwrap();
    assert_eq!(c.messages[1].text, "Second time lucky.");
}

#[tokio::test]
async fn a_stopped_answer_names_its_message_which_keeps_the_partial_text() {
    let words: Vec<String> = (0..200).map(|i| format!("w{i} ")).collect();
    let slow = FakeServer::start(move |_| {
        let refs: Vec<&str> = words.iter().map(String::as_str).collect();
        Protocol::OpenAi
            .stream(&Answer::new("m", &refs))
            .paced(std::time::Duration::from_millis(10))
    });
    let Setup {
        _dir: _kept,
        store,
        prices,
        router,
    } = setup(&format!(
        "[providers.slow]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
        slow.url()
    ));
    let spec = TurnSpec {
        prompt: "Go".into(),
        targets: vec!["slow/m".into()],
        ..Default::default()
    };
    let turn = Turn::prepare(&router, &store, spec).unwrap();
    let mut events = Vec::new();
    turn.run(
        session(&store, &prices, &router),
        tokio::time::sleep(std::time::Duration::from_millis(400)),
        |e| events.push(e),
    )
    .await;
    let Some(TurnEvent::Cancelled {
        message_id: Some(id),
    }) = events.last().cloned()
    else {
        panic!("no cancelled event with a message: {:?}", events.last());
    };
    let c = store.conversation(turn.conversation_id().unwrap()).unwrap();
    let answer = c.messages.iter().find(|m| m.id == id).unwrap();
    assert_eq!(answer.status, MessageStatus::Cancelled);
    assert!(
        answer.text.starts_with("w0 w1 ") && !answer.text.contains("w199"),
        "{}",
        answer.text
    );
}
