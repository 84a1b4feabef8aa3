//! `roundtable eval` against an OpenAI-protocol fake whose models answer by name: `good`
//! answers what the suite asks, `bad` answers badly (and slowly, and dearly), `judge` scores an
//! answer 5 when it greets Ada and 2 otherwise. Every check kind passes on one and fails on the
//! other; a run killed with SIGKILL resumes from its stored cells; a spend limit stops a run and
//! keeps what was done; `--dry-run` sends nothing; bad input is refused before anything is sent.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use roundtable_fakes::{Answer, FakeServer, Protocol, Reply, Request, Step};
use serde_json::Value;

mod common;
use common::{json_lines, run, stderr, stdout, BIN, NO_BUS};

/// The last user message's text.
fn prompt_of(req: &Request) -> String {
    let body = req.json();
    let last = body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .cloned()
        .unwrap_or(Value::Null);
    match &last["content"] {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

/// A reply of `text` as model `model`, streamed or whole as asked, after `delay`.
fn reply(req: &Request, model: &str, text: &str, input: u64, delay: Duration) -> Reply {
    let mut a = Answer::new(model, &[text]);
    a.input = input;
    let r = if req.json()["stream"] == Value::Bool(true) {
        Protocol::OpenAi.stream(&a)
    } else {
        Protocol::OpenAi.whole(&a)
    };
    match r {
        Reply::Http {
            status,
            headers,
            mut steps,
            chunked,
        } if !delay.is_zero() => {
            steps.insert(0, Step::Sleep(delay));
            Reply::Http {
                status,
                headers,
                steps,
                chunked,
            }
        }
        r => r,
    }
}

/// What `good` says to a prompt.
fn good_answer(prompt: &str) -> String {
    if let Some(name) = prompt.strip_prefix("Say hello to ") {
        format!("Hello, {}!", name.trim_end_matches('.'))
    } else if prompt.contains("JSON") {
        "```json\n{\"name\": \"Ada\", \"age\": 36}\n```".into()
    } else {
        format!("Answer: {prompt}")
    }
}

fn fake(bad_delay: Duration) -> FakeServer {
    FakeServer::start(move |req| {
        let model = req.json()["model"].as_str().unwrap_or("").to_string();
        let prompt = prompt_of(req);
        match model.as_str() {
            "judge" => {
                let verdict = if prompt.contains("<answer>\nHello, Ada") {
                    r#"{"score": 5, "reason": "greets Ada by name"}"#
                } else {
                    r#"Verdict: {"score": 2, "reason": "no greeting"}"#
                };
                reply(req, "judge", verdict, 50, Duration::ZERO)
            }
            "bad" => reply(
                req,
                "bad",
                "I cannot help. <img src=x onerror=alert(1)>",
                1000,
                bad_delay,
            ),
            _ => reply(req, "good", &good_answer(&prompt), 10, Duration::ZERO),
        }
    })
}

/// A data dir whose `fake` provider is `server`, with `extra` config after it.
fn data_dir(server: &FakeServer, extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\n\n\
         [prices.\"fake/bad\"]\ninput = 1000\noutput = 0\n\n\
         [prices.\"fake/good\"]\ninput = 0\noutput = 0\n\n\
         [prices.\"fake/judge\"]\ninput = 1\noutput = 0\n\n{extra}\n\
         [router]\nmax_retries = 0\nfirst_token_timeout_ms = 5000\nidle_timeout_ms = 5000\n",
        Protocol::OpenAi.base_url(&server.url())
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    dir
}

/// Writes `text` as `name` in `dir`; answers its path.
fn suite(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

const EVERY_CHECK: &str = r#"
name = "every check"
judge = { target = "fake/judge", rubric = "Greets {name} by name." }

[[cases]]
name = "greeting"
prompt = "Say hello to {name}."
vars = { name = "Ada" }
checks = [
  { type = "contains", value = "{name}" },
  { type = "not_contains", value = "cannot", ignore_case = true },
  { type = "regex", value = '^Hello, \w+!$' },
  { type = "equals", value = "Hello, Ada!" },
  { type = "latency", max_ms = 250 },
  { type = "cost", max_usd = 0.01 },
  { type = "judge" },
  { type = "command", run = "grep -q Ada" },
]

[[cases]]
name = "structured"
prompt = "Reply with JSON for Ada."
checks = [
  { type = "json" },
  { type = "json_schema", schema = { type = "object", required = ["name", "age"], properties = { name = { type = "string" }, age = { type = "integer", minimum = 0 } } } },
]
"#;

#[test]
fn every_check_kind_passes_on_a_good_answer_and_fails_on_a_bad_one() {
    let server = fake(Duration::from_millis(400));
    let dir = data_dir(&server, "");
    let d = dir.path();
    let path = suite(d, "every.toml", EVERY_CHECK);
    let report = d.join("report.html");
    let o = run(
        d,
        &[
            "eval",
            &path,
            "-m",
            "fake/good",
            "-m",
            "fake/bad",
            "--json",
            "-o",
            report.to_str().unwrap(),
        ],
    );
    // Some cells failed: exit 3, and a line saying so.
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("2 of 4 cells failed"), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines[0]["type"], "run");
    let cells: Vec<&Value> = lines.iter().filter(|l| l["type"] == "cell").collect();
    assert_eq!(cells.len(), 4);
    for cell in &cells {
        let good = cell["target"] == "fake/good";
        let checks = cell["checks"].as_array().unwrap();
        let case = cell["case"].as_u64().unwrap();
        assert_eq!(checks.len(), if case == 0 { 8 } else { 2 }, "{cell}");
        for c in checks {
            assert_eq!(
                c["passed"], good,
                "{} on {}: {c}",
                c["kind"], cell["target"]
            );
            assert!(!c["reason"].as_str().unwrap().is_empty(), "{c}");
        }
        assert_eq!(cell["passed"], good);
        assert!(cell["ms"].as_u64().is_some() && cell["cost_usd"].as_f64().is_some());
    }
    // The judge: its score, reason, model and whole prompt are kept with the verdict.
    let judged = cells
        .iter()
        .find(|c| c["target"] == "fake/good" && c["case"] == 0)
        .unwrap();
    let judge = judged["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "judge")
        .unwrap();
    assert_eq!(judge["score"], 5);
    assert!(judge["reason"].as_str().unwrap().contains("greets Ada"));
    assert_eq!(judge["judge"]["target"], "fake/judge");
    assert!(judge["judge"]["prompt"]
        .as_str()
        .unwrap()
        .contains("Greets Ada by name."));
    assert_eq!(judged["score"], 5.0);
    // The bad answer's cost: 1000 prompt tokens at $1000 per million.
    let bad = cells
        .iter()
        .find(|c| c["target"] == "fake/bad" && c["case"] == 0)
        .unwrap();
    assert!(
        (bad["cost_usd"].as_f64().unwrap() - 1.0).abs() < 1e-9,
        "{bad}"
    );
    // The summary line, last.
    let summary = lines.last().unwrap();
    assert_eq!(summary["type"], "summary");
    let targets = summary["targets"].as_array().unwrap();
    assert_eq!(targets[0]["target"], "fake/good");
    assert_eq!(
        (targets[0]["passed"].as_u64(), targets[0]["failed"].as_u64()),
        (Some(2), Some(0))
    );
    assert_eq!(
        (targets[1]["passed"].as_u64(), targets[1]["failed"].as_u64()),
        (Some(0), Some(2))
    );
    assert_eq!(targets[0]["mean_score"], 5.0);
    assert_eq!(targets[1]["mean_score"], 2.0);
    // The HTML report holds the answers as text: the bad answer's tag is escaped.
    let html = std::fs::read_to_string(&report).unwrap();
    assert!(
        html.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{html}"
    );
    assert!(!html.contains("<img") && !html.contains("<script"));
    // Every call is in the ledger under the run: 4 answers and 4 judges... of which 2 judged.
    let db = rusqlite::Connection::open(d.join("roundtable.db")).unwrap();
    let (calls, client): (i64, String) = db
        .query_row("SELECT COUNT(*), MAX(client) FROM ledger", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!(calls, 6, "4 answers and the 2 greetings judged");
    assert_eq!(client, format!("eval #{}", summary["run"]));
    // The plain table names each target with its pass rate and mean score.
    let o = run(d, &["evals", "show", &summary["run"].to_string()]);
    let table = stdout(&o);
    assert!(
        table.contains("fake/good") && table.contains("2/2 100%") && table.contains("5.00"),
        "{table}"
    );
    assert!(
        table.contains("failed cells:") && table.contains("[0] greeting · fake/bad"),
        "{table}"
    );
}

#[test]
fn the_smallest_suite_works_as_written() {
    let server = fake(Duration::ZERO);
    let dir = data_dir(&server, "");
    let d = dir.path();
    let path = suite(
        d,
        "smoke.toml",
        "name = \"smoke\"\n[[cases]]\nprompt = \"Say hello to {name}.\"\nvars = { name = \"Ada\" }\nchecks = [{ type = \"contains\", value = \"Ada\" }]\n",
    );
    let o = run(d, &["eval", &path, "-m", "fake/good"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let table = stdout(&o);
    assert!(
        table.starts_with("smoke · run 1 · 1 cases × 1 targets"),
        "{table}"
    );
    assert!(table.contains("1/1 100%"), "{table}");
    assert_eq!(prompt_of(&server.requests()[0]), "Say hello to Ada.");
    // A second run resumes the first: nothing is sent again.
    let o = run(d, &["eval", &path, "-m", "fake/good", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(json_lines(&o)[0]["skipped"], 1);
    assert_eq!(server.requests().len(), 1);
    // --fresh runs it again, as a new run.
    let o = run(d, &["eval", &path, "-m", "fake/good", "--json", "--fresh"]);
    assert_eq!(json_lines(&o)[0]["run"], 2);
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn repeats_give_a_mean_and_a_spread() {
    // `good` passes the first and third time a prompt is asked, fails the second.
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let n = asked.clone();
    let server = FakeServer::start(move |req| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let text = if i % 3 == 1 { "no" } else { "yes" };
        reply(req, "good", text, 10, Duration::ZERO)
    });
    let dir = data_dir(&server, "");
    let d = dir.path();
    let path = suite(
        d,
        "rep.toml",
        "name = \"rep\"\nseed = 7\ntemperature = 0.5\n[[cases]]\nprompt = \"Say yes.\"\nchecks = [{ type = \"equals\", value = \"yes\" }]\n",
    );
    let o = run(
        d,
        &[
            "eval",
            &path,
            "-m",
            "fake/good",
            "--repeat",
            "3",
            "--concurrency",
            "1",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let summary = json_lines(&o).pop().unwrap();
    let t = &summary["targets"][0];
    assert_eq!(
        (t["passed"].as_u64(), t["failed"].as_u64()),
        (Some(2), Some(1))
    );
    let sd = t["pass_rate_sd"].as_f64().unwrap();
    assert!((sd - 0.57735).abs() < 1e-3, "{t}");
    // The suite's seed and temperature are sent with every request.
    for r in server.requests() {
        assert_eq!(r.json()["seed"], 7, "{}", r.json());
        assert_eq!(r.json()["temperature"], 0.5);
    }
}

/// Cells stored for the run, by the database.
fn stored_cells(d: &Path) -> i64 {
    rusqlite::Connection::open(d.join("roundtable.db"))
        .ok()
        .and_then(|db| {
            db.query_row("SELECT COUNT(*) FROM eval_cells", [], |r| r.get(0))
                .ok()
        })
        .unwrap_or(0)
}

#[test]
fn a_run_killed_mid_way_resumes_from_its_stored_cells() {
    let server = FakeServer::start(|req| reply(req, "good", "ok", 10, Duration::from_millis(150)));
    let dir = data_dir(&server, "");
    let d = dir.path();
    let mut text = String::from("name = \"long\"\n");
    for i in 0..20 {
        text.push_str(&format!(
            "[[cases]]\nprompt = \"case {i}\"\nchecks = [{{ type = \"equals\", value = \"ok\" }}]\n"
        ));
    }
    let path = suite(d, "long.toml", &text);
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(d)
        .args(["eval", &path, "-m", "fake/good", "--concurrency", "2"])
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while stored_cells(d) < 6 {
        assert!(Instant::now() < deadline, "no cells stored");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the run ended before it was killed"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let done = stored_cells(d);
    assert!((6..20).contains(&done), "{done}");
    let sent_before = server.requests().len();
    let o = run(
        d,
        &[
            "eval",
            &path,
            "-m",
            "fake/good",
            "--concurrency",
            "2",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines[0]["skipped"].as_i64(), Some(done));
    assert_eq!(lines[0]["run"], 1, "the same run resumed");
    // Only the cells not stored were sent again.
    assert_eq!(server.requests().len() - sent_before, 20 - done as usize);
    assert_eq!(stored_cells(d), 20);
    assert_eq!(lines.last().unwrap()["targets"][0]["passed"], 20);
}

/// A data dir where `bad` costs $1.00 a request under a $2.50 daily limit, and a suite of `n`
/// cases without checks.
fn spend_limited(server: &FakeServer, n: usize) -> (tempfile::TempDir, String) {
    let dir = data_dir(
        server,
        "[[budgets]]\nscope = \"provider:fake\"\nwindow = \"day\"\nlimit_usd = 2.5\n",
    );
    let mut text = String::from("name = \"spend\"\n");
    for i in 0..n {
        text.push_str(&format!("[[cases]]\nprompt = \"case {i}\"\n"));
    }
    let path = suite(dir.path(), "spend.toml", &text);
    (dir, path)
}

#[test]
fn a_spend_limit_stops_the_run_and_keeps_what_was_done() {
    let server = fake(Duration::ZERO);
    let (dir, path) = spend_limited(&server, 8);
    let d = dir.path();
    let o = run(d, &["eval", &path, "-m", "fake/bad", "--concurrency", "1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("stopped after 3 of 8 cells"), "{err}");
    assert!(err.contains("provider:fake"), "{err}");
    assert!(err.contains("resumes"), "{err}");
    assert_eq!(server.requests().len(), 3);
    assert_eq!(stored_cells(d), 3);
    // The run is kept as stopped; the table still printed what was done.
    assert!(stdout(&o).contains("3/3 100%"), "{}", stdout(&o));
    let o = run(d, &["evals", "list", "--json"]);
    let runs = json_lines(&o);
    assert_eq!(runs[0]["status"], "stopped");
    assert_eq!(runs[0]["answered"], 3);
    // Still over the limit: a second run sends nothing and keeps the 3.
    let o = run(d, &["eval", &path, "-m", "fake/bad", "--concurrency", "1"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(server.requests().len(), 3);
    assert_eq!(stored_cells(d), 3);
}

#[test]
fn dry_run_prints_the_cost_per_target_and_sends_nothing() {
    let server = fake(Duration::ZERO);
    let dir = data_dir(&server, "");
    let d = dir.path();
    let path = suite(d, "every.toml", EVERY_CHECK);
    let o = run(
        d,
        &[
            "eval",
            &path,
            "-m",
            "fake/good",
            "-m",
            "fake/bad",
            "--dry-run",
            "--repeat",
            "2",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let text = stdout(&o);
    assert!(text.contains("nothing sent"), "{text}");
    assert!(text.contains("fake/good: 4 requests"), "{text}");
    assert!(text.contains("fake/bad: 4 requests"), "{text}");
    assert!(server.requests().is_empty());
    assert_eq!(stored_cells(d), 0);
}

#[test]
fn bad_input_is_refused_before_anything_is_sent() {
    let server = fake(Duration::ZERO);
    let dir = data_dir(&server, "");
    let d = dir.path();
    let ok = suite(d, "ok.toml", "name = \"ok\"\n[[cases]]\nprompt = \"hi\"\n");
    let typo = suite(
        d,
        "typo.toml",
        "name = \"t\"\n\n[[cases]]\nprompt = \"p\"\nchecks = [{ type = \"contians\", value = \"a\" }]\n",
    );
    let novar = suite(
        d,
        "novar.toml",
        "name = \"v\"\n[[cases]]\nprompt = \"hi {who}\"\n",
    );
    let csv_bad = suite(
        d,
        "csv.toml",
        "name = \"c\"\nprompt = \"{a}\"\ncases_csv = \"cases.csv\"\n",
    );
    std::fs::write(d.join("cases.csv"), "a,b\n1,2\n3\n").unwrap();
    let missing = d.join("missing.toml").display().to_string();
    let huge = d.join("huge.toml");
    std::fs::write(&huge, vec![b'#'; 5 << 20]).unwrap();
    let huge = huge.display().to_string();
    let binary = suite(d, "binary.toml", "");
    std::fs::write(&binary, [0xff, 0xfe, 0x00, 0x80]).unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["eval", &missing, "-m", "fake/good"], "missing.toml"),
        (vec!["eval", &huge, "-m", "fake/good"], "larger than 4 MB"),
        (vec!["eval", &binary, "-m", "fake/good"], "not UTF-8"),
        (vec!["eval", &typo, "-m", "fake/good"], "typo.toml:5"),
        (
            vec!["eval", &typo, "-m", "fake/good"],
            "unknown variant `contians`",
        ),
        (vec!["eval", &novar, "-m", "fake/good"], "{who}"),
        (
            vec!["eval", &csv_bad, "-m", "fake/good"],
            "cases.csv: line 3",
        ),
        (vec!["eval", &ok, "-m", "nope/x"], "unknown provider `nope`"),
        (
            vec!["eval", &ok, "-m", "fake/good", "-m", "fake/good"],
            "named twice",
        ),
        (
            vec!["eval", &ok, "-m", "fake/good", "--repeat", "0"],
            "repeat is 0",
        ),
        (
            vec!["eval", &ok, "-m", "fake/good", "--concurrency", "0"],
            "concurrency is 0",
        ),
        (
            vec!["eval", &ok, "-m", "fake/good", "-p", "nosuch"],
            "nosuch",
        ),
        (
            vec![
                "eval",
                &ok,
                "-m",
                "fake/good",
                "-o",
                "/nonexistent/dir/r.csv",
            ],
            "does not exist",
        ),
        (vec!["evals", "show", "99"], "no evaluation run 99"),
    ];
    let n = cases.len();
    for (args, says) in cases {
        let o = run(d, &args);
        assert!(!o.status.success(), "{args:?}");
        let err = stderr(&o);
        assert!(err.contains(says), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert!(server.requests().is_empty(), "{n} bad inputs sent nothing");
    let o = run(d, &["evals", "list", "--json"]);
    assert!(stdout(&o).is_empty(), "no run was stored: {}", stdout(&o));
}

#[test]
fn two_runs_compared_name_the_cells_that_changed() {
    let flip = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let f = flip.clone();
    let server = FakeServer::start(move |req| {
        let prompt = prompt_of(req);
        let text = if f.load(std::sync::atomic::Ordering::SeqCst) && prompt == "b" {
            "wrong"
        } else {
            "right"
        };
        reply(req, "good", text, 10, Duration::ZERO)
    });
    let dir = data_dir(&server, "");
    let d = dir.path();
    let path = suite(
        d,
        "two.toml",
        "name = \"two\"\nchecks = [{ type = \"equals\", value = \"right\" }]\n[[cases]]\nprompt = \"a\"\n[[cases]]\nprompt = \"b\"\n",
    );
    assert!(run(d, &["eval", &path, "-m", "fake/good"]).status.success());
    flip.store(true, std::sync::atomic::Ordering::SeqCst);
    assert_eq!(
        run(d, &["eval", &path, "-m", "fake/good", "--fresh"])
            .status
            .code(),
        Some(3)
    );
    let o = run(d, &["evals", "diff", "1", "2", "--json"]);
    let diff = &json_lines(&o)[0];
    assert_eq!(diff["compared"], 2);
    assert_eq!(diff["sameSuite"], true);
    let changes = diff["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 1, "{diff}");
    assert_eq!(changes[0]["case"], 1);
    assert_eq!(
        (
            changes[0]["before"].as_bool(),
            changes[0]["after"].as_bool()
        ),
        (Some(true), Some(false))
    );
    let o = run(d, &["evals", "diff", "1", "2"]);
    assert!(
        stdout(&o).contains("[1] case 2 · fake/good: pass → fail"),
        "{}",
        stdout(&o)
    );
    // CSV: one row per cell, the answer quoted as needed.
    let csv = d.join("r.csv");
    assert!(run(d, &["evals", "show", "2", "-o", csv.to_str().unwrap()])
        .status
        .success());
    let text = std::fs::read_to_string(&csv).unwrap();
    assert_eq!(text.lines().count(), 3, "{text}");
    assert!(
        text.lines()
            .nth(2)
            .unwrap()
            .starts_with("1,case 2,fake/good,0,false,"),
        "{text}"
    );
}

#[test]
fn a_case_sends_its_attachments_with_its_prompt() {
    let server = fake(Duration::ZERO);
    let dir = data_dir(&server, "");
    let d = dir.path();
    std::fs::write(d.join("dot.png"), roundtable_fakes::files::png(4, 4, false)).unwrap();
    let path = suite(
        d,
        "pic.toml",
        "name = \"pic\"\nsystem = \"Be brief.\"\n[[cases]]\nprompt = \"What is this?\"\nattach = [\"dot.png\"]\n",
    );
    let o = run(d, &["eval", &path, "-m", "fake/good"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let body = server.requests()[0].json();
    assert_eq!(body["messages"][0]["role"], "system");
    let parts = body["messages"][1]["content"].as_array().expect("parts");
    assert!(
        parts.iter().any(|p| p["type"] == "image_url"
            && p["image_url"]["url"]
                .as_str()
                .unwrap()
                .starts_with("data:image/")),
        "{body}"
    );
    assert!(parts.iter().any(|p| p["text"] == "What is this?"), "{body}");
    // A changed attachment is a changed suite: the next run does not resume the old one.
    std::fs::write(d.join("dot.png"), roundtable_fakes::files::png(5, 5, false)).unwrap();
    let o = run(d, &["eval", &path, "-m", "fake/good", "--json"]);
    assert_eq!(json_lines(&o)[0]["run"], 2);
}

#[test]
fn a_judge_that_fails_keeps_the_answer_and_judges_it_on_the_next_run() {
    let judge_down = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let down = judge_down.clone();
    let server = FakeServer::start(move |req| {
        let model = req.json()["model"].as_str().unwrap_or("").to_string();
        if model == "judge" {
            if down.load(std::sync::atomic::Ordering::SeqCst) {
                return Protocol::OpenAi.error(503, "server_error", "overloaded");
            }
            return reply(
                req,
                "judge",
                r#"{"score": 5, "reason": "fine"}"#,
                5,
                Duration::ZERO,
            );
        }
        reply(
            req,
            "good",
            &good_answer(&prompt_of(req)),
            10,
            Duration::ZERO,
        )
    });
    let dir = data_dir(&server, "");
    let d = dir.path();
    let path = suite(
        d,
        "judged.toml",
        "name = \"judged\"\njudge = { target = \"fake/judge\" }\n[[cases]]\nprompt = \"Say hello to Ada.\"\nchecks = [{ type = \"judge\" }]\n",
    );
    let answers = || {
        server
            .requests()
            .iter()
            .filter(|r| r.json()["model"] == "good")
            .count()
    };
    let o = run(d, &["eval", &path, "-m", "fake/good", "--json"]);
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    let cell = json_lines(&o)
        .into_iter()
        .find(|l| l["type"] == "cell")
        .unwrap();
    assert_eq!(cell["answer"], "Hello, Ada!");
    let reason = cell["checks"][0]["reason"].as_str().unwrap().to_string();
    assert!(
        reason.contains("not judged") && reason.contains("judges this answer again"),
        "{reason}"
    );
    assert_eq!(answers(), 1);
    // The judge is back: the same command judges the stored answer, without asking for it again.
    judge_down.store(false, std::sync::atomic::Ordering::SeqCst);
    let o = run(d, &["eval", &path, "-m", "fake/good", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = json_lines(&o);
    assert_eq!(lines[0]["run"], 1);
    let cell = lines.iter().find(|l| l["type"] == "cell").unwrap();
    assert_eq!(
        (cell["passed"].as_bool(), cell["score"].as_f64()),
        (Some(true), Some(5.0))
    );
    assert_eq!(answers(), 1, "the answer was not bought twice");
}

#[test]
fn at_several_requests_at_once_a_spend_limit_is_passed_by_at_most_those_under_way() {
    let server = fake(Duration::from_millis(100));
    // 3 requests at once.
    let (dir, path) = spend_limited(&server, 12);
    let d = dir.path();
    let o = run(
        d,
        &[
            "eval",
            &path,
            "-m",
            "fake/bad",
            "--concurrency",
            "3",
            "--json",
        ],
    );
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let sent = server.requests().len();
    // Every request sent was kept; no more than the limit's worth plus the 3 under way.
    assert_eq!(stored_cells(d) as usize, sent);
    assert!((3..=5).contains(&sent), "{sent}");
    let last = json_lines(&o).pop().unwrap();
    assert_eq!(last["type"], "summary", "the summary is the last line");
    assert!(
        last["stopped"].as_str().unwrap().contains("provider:fake"),
        "{last}"
    );
}
