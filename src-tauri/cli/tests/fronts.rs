//! Issue 15's acceptance test: the same faults — a recorder write that fails, a stream that ends
//! without its end event, a spent budget, a 429 in the middle of a fallback chain, a cancel —
//! driven through all four fronts of the one answer pipeline: the CLI's `chat` and `compare`
//! (the real binary), the app's turn (`Turn::prepare` then `Turn::run`, in process, as the
//! shell's `run.rs` does) and the gateway (the real `roundtable serve`). Each front gets its own
//! data dir; the rows it stored are read back with plain SQL and must be the same, and each
//! front must report the same kind.
//!
//! Where fronts legitimately differ it is asserted: the gateway keeps no messages (only ledger
//! rows); a compare has a second, healthy column (provider `other`) whose rows are checked apart.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver};
use std::sync::Arc;
use std::time::{Duration, Instant};

use roundtable_engine::error::ErrorView;
use roundtable_engine::keys::MemoryKeys;
use roundtable_engine::pricing::PriceBook;
use roundtable_engine::session::{Session, Turn, TurnEvent, TurnSpec};
use roundtable_engine::store::Store;
use roundtable_engine::{Config, Engine, Router};
use roundtable_fakes::{Answer, FakeServer, Fault, Protocol};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_roundtable");
const NO_BUS: &str = "unix:path=/nonexistent/roundtable-test-bus";
const TOKEN: &str = "fronts-gateway-token";
/// The longest any one front may take over one fault (a child is killed past it).
const LIMIT: Duration = Duration::from_secs(30);
const PROMPT: &str = "What is the answer?";
const FULL: &str = "The answer is 42.";

// ---------------------------------------------------------------------------------------------
// Fake providers

fn answerer() -> FakeServer {
    FakeServer::start(|req| {
        let a = Answer::new("m1", &["The ", "answer ", "is 42."]);
        if req.json()["stream"] == Value::Bool(true) {
            Protocol::OpenAi.stream(&a)
        } else {
            Protocol::OpenAi.whole(&a)
        }
    })
}

/// Sends "Partial " then closes the stream cleanly, without a finish reason or `[DONE]`.
fn truncated() -> FakeServer {
    let a = Answer::new("m", &["Partial ", "answer"]);
    FakeServer::always(Protocol::OpenAi.fault(Fault::Truncated, &a))
}

fn limited() -> FakeServer {
    FakeServer::always(
        Protocol::OpenAi
            .error(
                429,
                "rate_limit_exceeded",
                "Rate limit reached for requests",
            )
            .with_header("retry-after", "7"),
    )
}

/// 400 pieces, one per 50 ms: long enough to be stopped mid-answer.
fn slow_text() -> String {
    (0..400).map(|i| format!("w{i} ")).collect()
}

fn slow() -> FakeServer {
    let pieces: Vec<String> = (0..400).map(|i| format!("w{i} ")).collect();
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    FakeServer::always(
        Protocol::OpenAi
            .stream(&Answer::new("slow", &refs))
            .paced(Duration::from_millis(50)),
    )
}

/// Chat requests a fake received (not model lists).
fn chats(f: &FakeServer) -> usize {
    f.requests()
        .iter()
        .filter(|r| r.path.ends_with("/chat/completions"))
        .count()
}

// ---------------------------------------------------------------------------------------------
// Data dirs and the rows they keep

/// A data dir whose config names `providers` (and `extra`), its database already made.
fn data_dir(providers: &[(&str, &FakeServer)], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for (id, s) in providers {
        config.push_str(&format!(
            "[providers.{id}]\nkind = \"openai\"\nbase_url = \"{}\"\n\n",
            Protocol::OpenAi.base_url(&s.url())
        ));
    }
    config.push_str(
        "[router]\nfirst_token_timeout_ms = 5000\nidle_timeout_ms = 5000\nbackoff_base_ms = 10\nmax_retries = 0\n\n",
    );
    config.push_str(extra);
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    drop(Store::open(dir.path()).unwrap());
    dir
}

fn db(dir: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(dir.join("roundtable.db")).unwrap();
    c.busy_timeout(Duration::from_secs(5)).unwrap();
    c
}

/// Adds SQL (a trigger, a seeded row) to a data dir's database.
fn inject(dir: &Path, sql: &str) {
    db(dir).execute_batch(sql).unwrap();
}

/// A ledger row as compared: target, outcome, error class, HTTP status.
type Row = (String, String, Option<String>, Option<i64>);
/// An answer message as compared: status and text.
type Msg = (String, String);

/// What a front stored: the faulty answer's rows, and (a compare) the healthy column's apart.
#[derive(Debug, Default, PartialEq)]
struct Stored {
    ledger: Vec<Row>,
    answers: Vec<Msg>,
    users: i64,
    conversations: i64,
    other_ledger: Vec<Row>,
    other_answers: Vec<Msg>,
}

fn stored(dir: &Path) -> Stored {
    let c = db(dir);
    let ledger = |other: bool| -> Vec<Row> {
        let mut q = c
            .prepare(
                "SELECT model_requested, outcome, error_class, http_status FROM ledger
                 WHERE request_id != 'seed' AND (provider = 'other') = ?1 ORDER BY id",
            )
            .unwrap();
        q.query_map([other], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    };
    let answers = |other: bool| -> Vec<Msg> {
        let mut q = c
            .prepare(
                "SELECT status, text FROM messages
                 WHERE role = 'assistant' AND (COALESCE(column_index, 0) = 1) = ?1 ORDER BY id",
            )
            .unwrap();
        q.query_map([other], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let count = |sql: &str| -> i64 { c.query_row(sql, [], |r| r.get(0)).unwrap() };
    Stored {
        ledger: ledger(false),
        answers: answers(false),
        users: count("SELECT COUNT(*) FROM messages WHERE role = 'user'"),
        conversations: count("SELECT COUNT(*) FROM conversations"),
        other_ledger: ledger(true),
        other_answers: answers(true),
    }
}

fn row(target: &str, outcome: &str, class: Option<&str>, status: Option<i64>) -> Row {
    (target.into(), outcome.into(), class.map(Into::into), status)
}

fn msg(status: &str, text: &str) -> Msg {
    (status.into(), text.into())
}

/// The healthy compare column's rows.
fn other_column(s: &mut Stored) {
    assert_eq!(s.other_ledger, vec![row("other/m1", "ok", None, None)]);
    assert_eq!(s.other_answers, vec![msg("complete", FULL)]);
    s.other_ledger.clear();
    s.other_answers.clear();
}

/// A cancelled answer's text depends on when the cancel landed: it must be a non-empty prefix of
/// the slow answer; it is then compared as `<partial>`.
fn partial_slow(s: &mut Stored) {
    let full = slow_text();
    for (_, text) in &mut s.answers {
        assert!(
            text.starts_with("w0 ") && full.starts_with(text.as_str()) && *text != full,
            "a cancelled answer keeps what arrived: {text:?}"
        );
        *text = "<partial>".into();
    }
}

// ---------------------------------------------------------------------------------------------
// What a front reported, in one shape

#[derive(Debug, Clone, PartialEq)]
enum Seen {
    /// The turn failed (or was refused) with this kind; a provider failure's class.
    Failed {
        kind: String,
        class: Option<String>,
    },
    /// The answer is done: its text and the targets it fell over from.
    Done {
        text: String,
        fell_over: Vec<String>,
    },
    Cancelled,
}

// ---------------------------------------------------------------------------------------------
// The CLI (the real binary)

/// A running `roundtable` command, its stdout lines read as they come; killed when dropped.
struct Cli {
    child: Child,
    lines: Receiver<String>,
    events: Vec<Value>,
    deadline: Instant,
}

impl Drop for Cli {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Cli {
    fn start(dir: &Path, args: &[&str]) -> Cli {
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
            .env_remove("ROUNDTABLE_HOME")
            .env_remove("OPENAI_API_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the roundtable binary runs");
        let (tx, lines) = channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Cli {
            child,
            lines,
            events: Vec::new(),
            deadline: Instant::now() + LIMIT,
        }
    }

    /// Reads events until those read so far satisfy `until` (panics past the deadline or at
    /// the end).
    fn read_until(&mut self, until: impl Fn(&[Value]) -> bool) {
        while !until(&self.events) {
            let left = self.deadline.saturating_duration_since(Instant::now());
            let line = self.lines.recv_timeout(left).unwrap_or_else(|e| {
                let last = &self.events[self.events.len().saturating_sub(3)..];
                panic!("no awaited event ({e}); the last: {last:?}")
            });
            let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}"));
            self.events.push(v);
        }
    }

    /// Sends Ctrl-C (SIGINT), as a terminal would.
    fn interrupt(&self) {
        let sent = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success());
    }

    /// Waits (by the deadline) for the exit; its code and every event.
    fn finish(mut self) -> (Option<i32>, Vec<Value>) {
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < self.deadline, "roundtable hung");
            std::thread::sleep(Duration::from_millis(5));
        };
        // The reader ends at EOF, which follows the exit.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.events
                .push(serde_json::from_str(&line).unwrap_or_else(|e| panic!("{line}: {e}")));
        }
        (status.code(), std::mem::take(&mut self.events))
    }
}

fn cli(dir: &Path, args: &[&str]) -> (Option<i32>, Vec<Value>) {
    Cli::start(dir, args).finish()
}

/// What one column's (or a chat's) events came to; `column` None is a chat.
fn seen_in(events: &[Value], column: Option<u64>) -> Seen {
    let mine = |e: &&Value| column.is_none_or(|c| e["column"] == json!(c));
    let text: String = events
        .iter()
        .filter(mine)
        .filter(|e| e["type"] == "delta")
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    let fell_over: Vec<String> = events
        .iter()
        .filter(mine)
        .filter(|e| e["type"] == "attempt" && e["outcome"] != "ok")
        .map(|e| {
            format!(
                "{} ({})",
                e["target"].as_str().unwrap(),
                e["class"].as_str().unwrap()
            )
        })
        .collect();
    if events.iter().filter(mine).any(|e| e["type"] == "done") {
        return Seen::Done { text, fell_over };
    }
    // A refusal before any column ran (a spent budget) or a Ctrl-C is the command's, unnumbered.
    let error = events
        .iter()
        .find(|e| e["type"] == "error" && (e["column"] == json!(column) || e["column"].is_null()))
        .unwrap_or_else(|| panic!("an error event in {events:?}"));
    error_seen(error)
}

fn error_seen(e: &Value) -> Seen {
    let kind = e["kind"].as_str().unwrap().to_string();
    if kind == "cancelled" {
        return Seen::Cancelled;
    }
    let class = (kind == "provider").then(|| e["class"].as_str().unwrap().to_string());
    Seen::Failed { kind, class }
}

fn chat(dir: &Path, target: &str) -> (Option<i32>, Seen) {
    let (code, events) = cli(dir, &["chat", "--json", "-m", target, PROMPT]);
    (code, seen_in(&events, None))
}

/// A compare of `target` (column 0) beside the healthy `other/m1` (column 1).
fn compare(dir: &Path, target: &str) -> (Option<i32>, Seen, Vec<Value>) {
    let (code, events) = cli(
        dir,
        &["compare", "--json", "-m", target, "-m", "other/m1", PROMPT],
    );
    (code, seen_in(&events, Some(0)), events)
}

/// The healthy column of a compare answered in full.
fn other_done(events: &[Value]) {
    assert_eq!(
        seen_in(events, Some(1)),
        Seen::Done {
            text: FULL.into(),
            fell_over: vec![]
        }
    );
}

// ---------------------------------------------------------------------------------------------
// The app's turn (in process, as the shell runs it)

fn app(dir: &Path, target: &str, cancel_on_delta: bool) -> Seen {
    let config = Config::load(dir).unwrap();
    let engine = Arc::new(Engine::new(config, Arc::new(MemoryKeys::new())).unwrap());
    let router = Router::new(engine);
    let store = Store::open(dir).unwrap();
    let prices = PriceBook::new(router.engine().config());
    let spec = TurnSpec {
        prompt: PROMPT.into(),
        targets: vec![target.into()],
        ..Default::default()
    };
    let turn = match Turn::prepare(&router, &store, spec) {
        Ok(t) => t,
        Err(e) => return view_seen(&ErrorView::from(&e)),
    };
    let session = Session {
        router: &router,
        store: &store,
        prices: &prices,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let mut stop = Some(stop);
    let mut events = Vec::new();
    let run = turn.run(
        session,
        async {
            let _ = stopped.await;
        },
        |e| {
            if cancel_on_delta && matches!(e, TurnEvent::Delta { .. }) {
                if let Some(s) = stop.take() {
                    let _ = s.send(());
                }
            }
            events.push(e);
        },
    );
    rt.block_on(async { tokio::time::timeout(LIMIT, run).await })
        .expect("the app's turn ended in time");
    let text: String = events
        .iter()
        .filter_map(|e| match e {
            TurnEvent::Delta { text } => Some(text.as_str()),
            _ => None,
        })
        .collect();
    match events.last().expect("events") {
        TurnEvent::Done(f) => Seen::Done {
            text,
            fell_over: f.fell_over.clone(),
        },
        TurnEvent::Failed { error, .. } => view_seen(error),
        TurnEvent::Cancelled { .. } => Seen::Cancelled,
        other => panic!("the turn ended on {other:?}"),
    }
}

fn view_seen(v: &ErrorView) -> Seen {
    Seen::Failed {
        kind: v.kind.as_str().into(),
        class: v.class.map(|c| c.as_str().to_string()),
    }
}

// ---------------------------------------------------------------------------------------------
// The gateway (the real `roundtable serve`)

struct Gateway {
    child: Child,
    port: u16,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(dir: &Path) -> Gateway {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(["serve", "--port", "0"])
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .env("ROUNDTABLE_GATEWAY_TOKEN", TOKEN)
        .env_remove("ROUNDTABLE_HOME")
        .env_remove("OPENAI_API_KEY")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the roundtable binary runs");
    let out = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        let mut first = String::new();
        let _ = BufReader::new(out).read_line(&mut first);
        let _ = tx.send(first);
    });
    let mut gw = Gateway { child, port: 0 };
    let first = rx.recv_timeout(LIMIT).expect("serve names its address");
    gw.port = first
        .trim()
        .strip_suffix("/v1")
        .and_then(|s| s.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("serve's first line names its address: {first:?}"));
    gw
}

fn request(port: u16, target: &str, stream: bool) -> TcpStream {
    let body =
        json!({"model": target, "stream": stream, "messages": [{"role": "user", "content": PROMPT}]})
            .to_string();
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nAuthorization: Bearer {TOKEN}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(LIMIT)).unwrap();
    s.write_all(head.as_bytes()).unwrap();
    s
}

/// A whole (non-streamed) completion: its status and JSON body.
fn completion(gw: &Gateway, target: &str) -> (u16, Value) {
    let mut s = request(gw.port, target, false);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap();
    (status, serde_json::from_str(body).unwrap_or(Value::Null))
}

/// Waits (bounded) until no ledger row of a data dir is still streaming.
fn settled(dir: &Path) {
    let deadline = Instant::now() + LIMIT;
    loop {
        let streaming: i64 = db(dir)
            .query_row(
                "SELECT COUNT(*) FROM ledger WHERE outcome = 'streaming'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let any: i64 = db(dir)
            .query_row("SELECT COUNT(*) FROM ledger", [], |r| r.get(0))
            .unwrap();
        if streaming == 0 && any > 0 {
            return;
        }
        assert!(Instant::now() < deadline, "the ledger row never settled");
        std::thread::sleep(Duration::from_millis(10));
    }
}

// ---------------------------------------------------------------------------------------------
// The faults

/// Every front of one fault stored the same rows (the gateway: no messages, its ledger the same).
fn same_rows(fault: &str, fronts: &[(&str, Stored)]) {
    let (first, want) = &fronts[0];
    for (front, got) in &fronts[1..] {
        if *front == "gateway" {
            assert_eq!(
                got.answers,
                vec![],
                "{fault}: the gateway keeps no messages"
            );
            assert_eq!((got.users, got.conversations), (0, 0), "{fault}: gateway");
            assert_eq!(
                got.ledger, want.ledger,
                "{fault}: gateway's ledger vs {first}'s"
            );
        } else {
            assert_eq!(got, want, "{fault}: {front} stored otherwise than {first}");
        }
    }
}

/// Runs `bad/m` through the CLI's chat, the CLI's compare (beside a healthy `other/m1` column) and
/// the app's turn, each in a fresh data dir of `bad` and `other` that `prepare` may change first.
/// Each must fail as `seen` (the CLI with exit 1); answers what each stored.
fn conversation_fronts(
    bad: &FakeServer,
    other: &FakeServer,
    prepare: impl Fn(&Path),
    seen: &Seen,
) -> Vec<(&'static str, Stored)> {
    let fresh = || {
        let dir = data_dir(&[("bad", bad), ("other", other)], "");
        prepare(dir.path());
        dir
    };
    let dir = fresh();
    let (code, got) = chat(dir.path(), "bad/m");
    assert_eq!((code, &got), (Some(1), seen), "chat");
    let mut fronts = vec![("chat", stored(dir.path()))];

    let dir = fresh();
    let (code, got, events) = compare(dir.path(), "bad/m");
    assert_eq!((code, &got), (Some(1), seen), "compare");
    other_done(&events);
    let mut s = stored(dir.path());
    other_column(&mut s);
    fronts.push(("compare", s));

    let dir = fresh();
    assert_eq!(&app(dir.path(), "bad/m", false), seen, "app");
    fronts.push(("app", stored(dir.path())));
    fronts
}

#[test]
fn a_failing_answer_write_fails_every_conversation_front_with_kind_store() {
    // Writing the answer message of `bad/m` fails in the real database (the provider is fine).
    // The gateway keeps no messages: its equivalent, a failing ledger write, is the next test.
    let bad = answerer();
    let other = answerer();
    let trigger = "CREATE TRIGGER injected BEFORE INSERT ON messages
        WHEN NEW.role = 'assistant' AND NEW.model = 'bad/m'
        BEGIN SELECT RAISE(ABORT, 'injected'); END;";
    let store = Seen::Failed {
        kind: "store".into(),
        class: None,
    };
    let fronts = conversation_fronts(&bad, &other, |d| inject(d, trigger), &store);

    // The user's message stays; no answer; the answering attempt's ledger row (written before
    // its message, since the provider answered and may bill) says `error`.
    let want = Stored {
        ledger: vec![row("bad/m", "error", None, None)],
        users: 1,
        conversations: 1,
        ..Default::default()
    };
    assert_eq!(fronts[0].1, want);
    same_rows("answer write", &fronts);
}

#[test]
fn a_failing_ledger_write_fails_every_front_with_kind_store() {
    // Writing `bad/m`'s ledger row fails: the write all four fronts make.
    let bad = answerer();
    let other = answerer();
    let trigger = "CREATE TRIGGER injected BEFORE INSERT ON ledger
        WHEN NEW.model_requested = 'bad/m'
        BEGIN SELECT RAISE(ABORT, 'injected'); END;";
    let store = Seen::Failed {
        kind: "store".into(),
        class: None,
    };
    let mut fronts = conversation_fronts(&bad, &other, |d| inject(d, trigger), &store);

    let dir = data_dir(&[("bad", &bad), ("other", &other)], "");
    inject(dir.path(), trigger);
    let gw = serve(dir.path());
    let (status, body) = completion(&gw, "bad/m");
    // A store failure is the gateway's own: a 500 server error whose code names the kind.
    assert_eq!(status, 500, "{body}");
    assert_eq!(body["error"]["type"], "server_error", "{body}");
    assert_eq!(body["error"]["code"], "store_error", "{body}");
    drop(gw);
    fronts.push(("gateway", stored(dir.path())));

    // The ledger row is written before the answer message: it failed, so no message was
    // opened, and one error message keeps the failure in the conversation.
    let want = Stored {
        answers: vec![msg("error", "")],
        users: 1,
        conversations: 1,
        ..Default::default()
    };
    assert_eq!(fronts[0].1, want);
    same_rows("ledger write", &fronts);
}

#[test]
fn a_stream_without_its_end_is_a_malformed_stream_stored_as_error_everywhere() {
    let bad = truncated();
    let other = answerer();
    let malformed = Seen::Failed {
        kind: "provider".into(),
        class: Some("malformed_stream".into()),
    };
    let mut fronts = conversation_fronts(&bad, &other, |_| {}, &malformed);

    let dir = data_dir(&[("bad", &bad), ("other", &other)], "");
    let gw = serve(dir.path());
    let (status, body) = completion(&gw, "bad/m");
    assert_eq!(status, 502, "{body}");
    assert_eq!(body["error"]["code"], "malformed_stream", "{body}");
    drop(gw);
    fronts.push(("gateway", stored(dir.path())));

    let (_, first) = &fronts[0];
    assert_eq!(first.ledger.len(), 1, "{first:?}");
    let (target, outcome, class, _) = &first.ledger[0];
    assert_eq!(
        (target.as_str(), outcome.as_str(), class.as_deref()),
        ("bad/m", "error", Some("malformed_stream"))
    );
    assert_eq!(first.answers, vec![msg("error", "Partial ")]);
    same_rows("malformed stream", &fronts);
}

#[test]
fn a_spent_budget_refuses_on_every_front_and_stores_nothing() {
    let bad = answerer();
    let other = answerer();
    let budget = "[budget]\nmonthly_usd = 0.000001\n";
    // A priced answer earlier this month spent it.
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis();
    let seed = format!(
        "INSERT INTO ledger (request_id, provider, model_requested, attempt, outcome, started_at, cost_micros)
         VALUES ('seed', 'bad', 'bad/m', 1, 'ok', {now}, 1000);"
    );
    let spent = Seen::Failed {
        kind: "budget_exceeded".into(),
        class: None,
    };
    let mut fronts = Vec::new();

    let dir = data_dir(&[("bad", &bad), ("other", &other)], budget);
    inject(dir.path(), &seed);
    let (code, events) = cli(dir.path(), &["chat", "--json", "-m", "bad/m", PROMPT]);
    assert_eq!((code, seen_in(&events, None)), (Some(1), spent.clone()));
    assert_eq!(events.last().unwrap()["class"], "budget_exceeded");
    fronts.push(("chat", stored(dir.path())));

    let dir = data_dir(&[("bad", &bad), ("other", &other)], budget);
    inject(dir.path(), &seed);
    let (code, seen, events) = compare(dir.path(), "bad/m");
    assert_eq!((code, seen), (Some(1), spent.clone()), "compare");
    assert_eq!(events.len(), 1, "one refusal, no column ran: {events:?}");
    assert_eq!(events[0]["class"], "budget_exceeded");
    fronts.push(("compare", stored(dir.path())));

    let dir = data_dir(&[("bad", &bad), ("other", &other)], budget);
    inject(dir.path(), &seed);
    assert_eq!(
        app(dir.path(), "bad/m", false),
        spent,
        "app: prepare refuses"
    );
    fronts.push(("app", stored(dir.path())));

    let dir = data_dir(&[("bad", &bad), ("other", &other)], budget);
    inject(dir.path(), &seed);
    let gw = serve(dir.path());
    let (status, body) = completion(&gw, "bad/m");
    assert_eq!(status, 402, "{body}");
    assert_eq!(body["error"]["code"], "budget_exceeded", "{body}");
    drop(gw);
    fronts.push(("gateway", stored(dir.path())));

    assert_eq!(fronts[0].1, Stored::default(), "nothing stored");
    same_rows("spent budget", &fronts);
    assert_eq!(chats(&bad) + chats(&other), 0, "nothing was sent");
}

#[test]
fn a_429_mid_chain_falls_over_with_the_same_rows_everywhere() {
    let limited = limited();
    let healthy = answerer();
    let other = answerer();
    let route =
        "[routes.smart]\nstrategy = \"fallback\"\ntargets = [\"limited/m\", \"healthy/m1\"]\n";
    let providers = [
        ("limited", &limited),
        ("healthy", &healthy),
        ("other", &other),
    ];
    let answered = Seen::Done {
        text: FULL.into(),
        fell_over: vec!["limited/m (rate_limited)".into()],
    };
    let mut fronts = Vec::new();

    let dir = data_dir(&providers, route);
    let (code, seen) = chat(dir.path(), "@smart");
    assert_eq!((code, seen), (Some(0), answered.clone()), "chat");
    fronts.push(("chat", stored(dir.path())));

    let dir = data_dir(&providers, route);
    let (code, seen, events) = compare(dir.path(), "@smart");
    assert_eq!((code, seen), (Some(0), answered.clone()), "compare");
    other_done(&events);
    let mut s = stored(dir.path());
    other_column(&mut s);
    fronts.push(("compare", s));

    let dir = data_dir(&providers, route);
    assert_eq!(app(dir.path(), "@smart", false), answered, "app");
    fronts.push(("app", stored(dir.path())));

    let dir = data_dir(&providers, route);
    let gw = serve(dir.path());
    let (status, body) = completion(&gw, "@smart");
    assert_eq!(status, 200, "{body}");
    // OpenAI's completion has no place for the fallover: it names the model that answered, and
    // the ledger keeps the failed attempt.
    assert_eq!(body["model"], "healthy/m1", "{body}");
    assert_eq!(body["choices"][0]["message"]["content"], FULL, "{body}");
    drop(gw);
    fronts.push(("gateway", stored(dir.path())));

    let want = Stored {
        ledger: vec![
            row("limited/m", "failed", Some("rate_limited"), Some(429)),
            row("healthy/m1", "ok", None, None),
        ],
        answers: vec![msg("complete", FULL)],
        users: 1,
        conversations: 1,
        ..Default::default()
    };
    assert_eq!(fronts[0].1, want);
    same_rows("429 mid-chain", &fronts);
}

#[test]
fn a_cancel_keeps_what_arrived_as_cancelled_everywhere() {
    let slow = slow();
    let other = answerer();
    let providers = [("slow", &slow), ("other", &other)];
    let delta = |column: Option<u64>| {
        move |events: &[Value]| {
            events
                .iter()
                .any(|e| e["type"] == "delta" && column.is_none_or(|c| e["column"] == json!(c)))
        }
    };
    let mut fronts = Vec::new();

    // The CLI's chat: Ctrl-C once part of the answer was shown.
    let dir = data_dir(&providers, "");
    let mut c = Cli::start(dir.path(), &["chat", "--json", "-m", "slow/m", PROMPT]);
    c.read_until(delta(None));
    c.interrupt();
    let (code, events) = c.finish();
    assert_eq!((code, seen_in(&events, None)), (Some(130), Seen::Cancelled));
    let mut s = stored(dir.path());
    partial_slow(&mut s);
    fronts.push(("chat", s));

    // The CLI's compare: Ctrl-C once the slow column streams and the healthy one is done.
    let dir = data_dir(&providers, "");
    let mut c = Cli::start(
        dir.path(),
        &[
            "compare", "--json", "-m", "slow/m", "-m", "other/m1", PROMPT,
        ],
    );
    c.read_until(|events: &[Value]| {
        delta(Some(0))(events)
            && events
                .iter()
                .any(|e| e["type"] == "done" && e["column"] == 1)
    });
    c.interrupt();
    let (code, events) = c.finish();
    assert_eq!(
        (code, seen_in(&events, Some(0))),
        (Some(130), Seen::Cancelled)
    );
    let mut s = stored(dir.path());
    other_column(&mut s);
    partial_slow(&mut s);
    fronts.push(("compare", s));

    // The app: its cancel future resolves once a delta arrived.
    let dir = data_dir(&providers, "");
    assert_eq!(app(dir.path(), "slow/m", true), Seen::Cancelled, "app");
    let mut s = stored(dir.path());
    partial_slow(&mut s);
    fronts.push(("app", s));

    // The gateway: the client goes away mid-stream.
    let dir = data_dir(&providers, "");
    let gw = serve(dir.path());
    let mut sock = request(gw.port, "slow/m", true);
    let mut got = Vec::new();
    let deadline = Instant::now() + LIMIT;
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).contains("\"content\":\"w0 \"") {
        assert!(Instant::now() < deadline, "no content from the gateway");
        let n = sock.read(&mut buf).unwrap();
        assert!(
            n > 0,
            "the gateway closed early: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
    }
    let _ = sock.shutdown(std::net::Shutdown::Both);
    drop(sock);
    settled(dir.path());
    drop(gw);
    fronts.push(("gateway", stored(dir.path())));

    let want = Stored {
        ledger: vec![row("slow/m", "cancelled", None, None)],
        answers: vec![msg("cancelled", "<partial>")],
        users: 1,
        conversations: 1,
        ..Default::default()
    };
    assert_eq!(fronts[0].1, want);
    same_rows("cancel", &fronts);
}
