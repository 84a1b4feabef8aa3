//! The real `roundtable` binary, pointed by `config.toml` at fake providers of each protocol:
//! full answers with usage, every fault as one line with a non-zero exit and no hang, bad input.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use roundtable_fakes::{Answer, FakeServer, Protocol, Reply, ALL, FAULTS};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_roundtable");

/// No session bus at this address: the hermetic tests never read a real keychain.
const NO_BUS: &str = "unix:path=/nonexistent/roundtable-test-bus";

/// Runs the CLI with a data dir and no keychain, killing it (and failing) after 20 s.
fn run(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    run_with(dir, args, stdin, &[("DBUS_SESSION_BUS_ADDRESS", NO_BUS)])
}

/// Runs the CLI with extra environment variables (the keychain suite keeps the real bus).
fn run_with(dir: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--data-dir").arg(dir).args(args);
    cmd.env_remove("ROUNDTABLE_HOME")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ROUNDTABLE_KEY_FAKE");
    cmd.envs(env.iter().copied());
    cmd.stdin(if stdin.is_some() {
        Stdio::piped()
    } else {
        Stdio::null()
    })
    .stdout(Stdio::piped())
    .stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the roundtable binary runs");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("roundtable {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

fn data_dir(protocol: Protocol, server: &FakeServer) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[providers.fake]\nkind = \"{}\"\nbase_url = \"{}\"\n\n[router]\nfirst_token_timeout_ms = 600\nidle_timeout_ms = 300\nbackoff_base_ms = 10\n",
        protocol.kind(),
        protocol.base_url(&server.url())
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    dir
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json_lines(o: &Output) -> Vec<Value> {
    stdout(o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l} ({e})")))
        .collect()
}

fn answer() -> Answer {
    let mut a = Answer::new("fake-answerer-1", &["The ", "answer ", "is 42."]);
    a.reasoning = vec!["Let me think.".into()];
    a.input = 50;
    a.cache_read = 20;
    a.output = 30;
    a.reasoning_tokens = 10;
    a
}

#[test]
fn streams_a_full_answer_with_usage_on_every_protocol() {
    for protocol in ALL {
        let server = FakeServer::always(protocol.stream(&answer()));
        let dir = data_dir(protocol, &server);
        let o = run(
            dir.path(),
            &["chat", "-m", "fake/some-model", "What is the answer?"],
            None,
        );
        assert!(o.status.success(), "{protocol:?}: {}", stderr(&o));
        assert_eq!(stdout(&o), "The answer is 42.\n", "{protocol:?}");
        assert_eq!(stderr(&o), "", "{protocol:?}");

        let o = run(
            dir.path(),
            &[
                "chat",
                "-m",
                "fake/some-model",
                "--json",
                "What is the answer?",
            ],
            None,
        );
        assert!(o.status.success(), "{protocol:?}: {}", stderr(&o));
        let events = json_lines(&o);
        let deltas: String = events
            .iter()
            .filter(|e| e["type"] == "delta")
            .map(|e| e["text"].as_str().unwrap())
            .collect();
        assert_eq!(deltas, "The answer is 42.");
        let reasoning: Vec<_> = events.iter().filter(|e| e["type"] == "reasoning").collect();
        assert_eq!(reasoning.len(), 1, "{protocol:?}");
        assert_eq!(reasoning[0]["text"], "Let me think.");
        let done = events.last().unwrap();
        assert_eq!(done["type"], "done");
        assert_eq!(done["model"], "fake/fake-answerer-1", "{protocol:?}");
        assert_eq!(done["finish_reason"], "stop");
        let u = &done["usage"];
        assert_eq!(u["input_tokens"], 50, "{protocol:?}");
        assert_eq!(u["output_tokens"], 30, "{protocol:?}");
        assert_eq!(u["cache_read_tokens"], 20, "{protocol:?}");
        assert_eq!(u["cache_write_tokens"], 0, "{protocol:?}");
        let reasoning_tokens = if protocol == Protocol::Ollama { 0 } else { 10 };
        assert_eq!(u["reasoning_tokens"], reasoning_tokens, "{protocol:?}");

        let server_whole = FakeServer::always(protocol.whole(&answer()));
        let dir_whole = data_dir(protocol, &server_whole);
        let o = run(
            dir_whole.path(),
            &["chat", "-m", "fake/some-model", "--no-stream", "hi"],
            None,
        );
        assert_eq!(
            stdout(&o),
            "The answer is 42.\n",
            "{protocol:?} --no-stream: {}",
            stderr(&o)
        );
        let o = run(
            dir_whole.path(),
            &[
                "chat",
                "-m",
                "fake/some-model",
                "--no-stream",
                "--json",
                "hi",
            ],
            None,
        );
        assert_eq!(
            json_lines(&o).last().unwrap()["usage"]["input_tokens"],
            50,
            "{protocol:?}"
        );
    }
}

#[test]
fn every_fault_is_one_line_naming_provider_and_class_with_a_nonzero_exit() {
    let threads: Vec<_> = ALL
        .into_iter()
        .map(|protocol| {
            std::thread::spawn(move || {
                for fault in FAULTS {
                    let a = Answer::new("m", &["Partial ", "answer"]);
                    let server = FakeServer::always(protocol.fault(fault, &a));
                    let dir = data_dir(protocol, &server);
                    let class = protocol.expected_class(fault);

                    let o = run(dir.path(), &["chat", "-m", "fake/m", "hi"], None);
                    assert_eq!(o.status.code(), Some(1), "{protocol:?} {fault:?}");
                    let err = stderr(&o);
                    assert_eq!(
                        err.lines().count(),
                        1,
                        "{protocol:?} {fault:?}: one line: {err}"
                    );
                    assert!(
                        err.starts_with("roundtable: fake: "),
                        "{protocol:?} {fault:?}: {err}"
                    );
                    assert!(
                        err.contains(&format!("({class}")),
                        "{protocol:?} {fault:?}: names {class}: {err}"
                    );
                    if fault.mid_stream() {
                        assert_eq!(
                            stdout(&o),
                            "Partial \n",
                            "{protocol:?} {fault:?}: the partial answer stays"
                        );
                    }

                    let o = run(dir.path(), &["chat", "-m", "fake/m", "--json", "hi"], None);
                    assert_eq!(o.status.code(), Some(1));
                    let events = json_lines(&o);
                    let last = events.last().unwrap();
                    assert_eq!(last["type"], "error", "{protocol:?} {fault:?}");
                    assert_eq!(last["provider"], "fake");
                    assert_eq!(last["class"], class, "{protocol:?} {fault:?}: {last}");
                    assert!(!last["message"].as_str().unwrap().is_empty());
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("every protocol's faults pass");
    }
}

#[test]
fn the_documented_config_shape_and_models() {
    for protocol in ALL {
        let server = FakeServer::start(move |req| {
            if req.method == "GET" {
                protocol.models(&["alpha", "beta"])
            } else {
                protocol.stream(&answer())
            }
        });
        let dir = data_dir(protocol, &server);
        let o = run(
            dir.path(),
            &["models", "--provider", "fake", "--json"],
            None,
        );
        assert!(o.status.success(), "{protocol:?}: {}", stderr(&o));
        let ids: Vec<_> = json_lines(&o)
            .iter()
            .map(|m| m["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(ids, ["fake/alpha", "fake/beta"]);
        let o = run(dir.path(), &["models"], None);
        assert!(
            stdout(&o).contains("fake/alpha"),
            "{protocol:?}: {}",
            stdout(&o)
        );
        assert!(
            stderr(&o).contains("skipped (no key set): anthropic"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn bad_input_gets_a_clear_error_and_exit_2() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let cases: &[(&[&str], Option<&str>, &str)] = &[
        (&["chat", "-m", "fake/m", ""], None, "the prompt is empty"),
        (
            &["chat", "-m", "fake/m", "   \n"],
            None,
            "the prompt is empty",
        ),
        (&["chat", "-m", "fake/m"], Some(""), "the prompt is empty"),
        (
            &["chat", "-m", "nope/m", "hi"],
            None,
            "unknown provider `nope` in model `nope/m`; providers: anthropic",
        ),
        (
            &["chat", "-m", "gpt-4o", "hi"],
            None,
            "name the provider first, as provider/gpt-4o",
        ),
        (
            &["chat", "-m", "fake/", "hi"],
            None,
            "no model after `fake/`",
        ),
        (
            &["chat", "-m", "@smart", "hi"],
            None,
            "unknown route `@smart`",
        ),
        (
            &["chat", "-m", "fake/a", "-m", "nope/b", "hi"],
            None,
            "unknown provider `nope`",
        ),
        (
            &["compare", "-m", "fake/a", "hi"],
            None,
            "compare takes 2 to 8 models",
        ),
        (
            &["compare", "-m", "fake/a", "-m", "@nope", "hi"],
            None,
            "unknown route `@nope`",
        ),
    ];
    for (args, stdin, expected) in cases {
        let o = run(d, args, *stdin);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert!(server.requests().is_empty(), "{args:?}: nothing was sent");
    }
    // The prompt on stdin.
    let o = run(d, &["chat", "-m", "fake/m"], Some("from stdin\n"));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(server.requests()[0]
        .json()
        .to_string()
        .contains("from stdin"));

    // A cloud preset with no key: an auth error before anything is sent, naming the variables.
    let o = run(d, &["chat", "-m", "openai/gpt-4o", "hi"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("OPENAI_API_KEY"), "{}", stderr(&o));

    // A model the provider does not know: its 404, named.
    let nf = FakeServer::always(Protocol::Ollama.error(404, "", "model 'nope' not found"));
    let dir = data_dir(Protocol::Ollama, &nf);
    let o = run(dir.path(), &["chat", "-m", "fake/nope", "hi"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("model 'nope' not found") && stderr(&o).contains("model_not_found"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn config_errors_name_file_line_and_field() {
    let cases = [
        (
            "[providers.local]\nkind = \"opneai\"\nbase_url = \"http://127.0.0.1:1/v1\"\n",
            ":2:",
            "providers.local.kind",
        ),
        (
            "[providers.local]\nkind = \"openai\"\nbase_url = \"not a url\"\n",
            ":3:",
            "providers.local.base_url",
        ),
        (
            "[providers.local]\nkind = \"openai\"\nbase_url = \"http://x/v1\"\ntimeout = 3\n",
            ":4:",
            "providers.local.timeout",
        ),
        (
            "[router]\nidle_timeout_ms = -5\n",
            ":2:",
            "router.idle_timeout_ms",
        ),
        ("[providers.local\n", ":1:", "providers.local"),
    ];
    for (text, line, field) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).unwrap();
        let o = run(dir.path(), &["chat", "-m", "local/m", "hi"], None);
        assert_eq!(o.status.code(), Some(2), "{text}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains(&format!("{}{line}", path.display())),
            "names file and line {line}: {err}"
        );
        assert!(err.contains(field), "names {field}: {err}");
    }
}

#[test]
fn a_key_from_the_environment_goes_to_its_provider_only() {
    let server = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let dir = data_dir(Protocol::Anthropic, &server);
    let o = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["chat", "-m", "fake/m", "hi"])
        .env("ROUNDTABLE_KEY_FAKE", "sk-ant-test-FAKE-0000")
        .env("ANTHROPIC_API_KEY", "sk-ant-test-FAKE-OTHER-1111")
        .env("ROUNDTABLE_LOG", "trace")
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        server.requests()[0].header("x-api-key"),
        Some("sk-ant-test-FAKE-0000")
    );
    assert!(
        !stderr(&o).contains("FAKE-0000"),
        "the key is not in trace logs"
    );
    assert!(!stdout(&o).contains("FAKE-0000"));

    // And a reply that is a plain 200 JSON error from a misconfigured proxy is not a panic.
    let odd = FakeServer::always(Reply::json(200, &serde_json::json!({"unexpected": true})));
    let dir = data_dir(Protocol::OpenAi, &odd);
    let o = run(dir.path(), &["chat", "-m", "fake/m", "hi"], None);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("malformed_stream"), "{}", stderr(&o));
}

/// A data dir with providers p0, p1, … at these fakes (small timeouts, fast backoff) plus `extra`.
fn fleet_dir(providers: &[(Protocol, &FakeServer)], extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut config = String::new();
    for (i, (protocol, server)) in providers.iter().enumerate() {
        config.push_str(&format!(
            "[providers.p{i}]\nkind = \"{}\"\nbase_url = \"{}\"\n\n",
            protocol.kind(),
            protocol.base_url(&server.url())
        ));
    }
    config.push_str(extra);
    config.push_str(
        "\n[router]\nfirst_token_timeout_ms = 800\nidle_timeout_ms = 300\nbackoff_base_ms = 10\n",
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    dir
}

#[test]
fn a_fallback_chain_reports_its_attempts_and_answers_from_the_healthy_target() {
    let failing =
        FakeServer::always(Protocol::OpenAi.fault(roundtable_fakes::Fault::ServerError, &answer()));
    let healthy = FakeServer::always(Protocol::Gemini.stream(&answer()));
    let dir = fleet_dir(
        &[(Protocol::OpenAi, &failing), (Protocol::Gemini, &healthy)],
        "[routes.smart]\ntargets = [\"p0/a\", \"p1/b\"]\n",
    );
    for names in [vec!["-m", "p0/a", "-m", "p1/b"], vec!["-m", "@smart"]] {
        let mut args = vec!["chat"];
        args.extend(&names);
        args.extend(["--json", "hi"]);
        let o = run(dir.path(), &args, None);
        assert!(o.status.success(), "{}", stderr(&o));
        let events = json_lines(&o);
        let attempts: Vec<_> = events.iter().filter(|e| e["type"] == "attempt").collect();
        assert_eq!(
            attempts.len(),
            4,
            "3 failed tries of p0, then p1: {attempts:?}"
        );
        for a in &attempts[..3] {
            assert_eq!(
                (
                    a["target"].as_str(),
                    a["outcome"].as_str(),
                    a["class"].as_str(),
                    a["status"].as_u64()
                ),
                (Some("p0/a"), Some("failed"), Some("upstream"), Some(500))
            );
            assert!(a["ms"].is_u64());
        }
        assert_eq!(
            (
                attempts[3]["target"].as_str(),
                attempts[3]["outcome"].as_str()
            ),
            (Some("p1/b"), Some("ok"))
        );
        let done = events.last().unwrap();
        assert_eq!(
            done["model"], "p1/fake-answerer-1",
            "done names the model that answered"
        );
        assert_eq!(done["attempts"], 4);
        let tried: Vec<_> = done["tried"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["target"].as_str().unwrap(),
                    t["outcome"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            tried,
            [
                ("p0/a", "failed"),
                ("p0/a", "failed"),
                ("p0/a", "failed"),
                ("p1/b", "ok")
            ],
            "the final result lists every attempt"
        );
    }
    // Plain mode: the answer on stdout, and the fallback said on stderr.
    let o = run(
        dir.path(),
        &["chat", "-m", "p0/a", "-m", "p1/b", "hi"],
        None,
    );
    assert_eq!(stdout(&o), "The answer is 42.\n");
    assert!(
        stderr(&o).contains("answered by p1/fake-answerer-1 after p0/a (upstream)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn compare_streams_columns_and_one_broken_column_does_not_disturb_the_others() {
    let a = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let broken =
        FakeServer::always(Protocol::OpenAi.fault(roundtable_fakes::Fault::Auth, &answer()));
    let c =
        FakeServer::always(Protocol::Ollama.stream(&Answer::new("llama", &["Ollama ", "says hi"])));
    let dir = fleet_dir(
        &[
            (Protocol::Anthropic, &a),
            (Protocol::OpenAi, &broken),
            (Protocol::Ollama, &c),
        ],
        "",
    );
    let o = run(
        dir.path(),
        &[
            "compare", "-m", "p0/x", "-m", "p1/y", "-m", "p2/z", "--json", "hi",
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(1), "a column failed");
    let events = json_lines(&o);
    assert!(
        events.iter().all(|e| e["column"].is_u64()),
        "every event has its column"
    );
    let text = |col: u64| -> String {
        events
            .iter()
            .filter(|e| e["column"] == col && e["type"] == "delta")
            .map(|e| e["text"].as_str().unwrap())
            .collect()
    };
    assert_eq!(text(0), "The answer is 42.");
    assert_eq!(text(2), "Ollama says hi");
    let done: Vec<_> = events
        .iter()
        .filter(|e| e["type"] == "done")
        .map(|e| e["column"].as_u64().unwrap())
        .collect();
    assert_eq!(done.len(), 2);
    assert!(done.contains(&0) && done.contains(&2));
    let err = events.iter().find(|e| e["type"] == "error").unwrap();
    assert_eq!(
        (
            err["column"].as_u64(),
            err["class"].as_str(),
            err["provider"].as_str()
        ),
        (Some(1), Some("auth"), Some("p1"))
    );
    assert_eq!(stderr(&o).lines().count(), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("column 1 (p1/y)"));

    let o = run(
        dir.path(),
        &["compare", "-m", "p0/x", "-m", "p2/z", "hi"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let s = stdout(&o);
    assert!(
        s.contains("── [0] p0/fake-answerer-1") && s.contains("The answer is 42."),
        "{s}"
    );
    assert!(
        s.contains("── [1] p2/llama") && s.contains("Ollama says hi"),
        "{s}"
    );
    assert!(s.contains("ms to first token"), "{s}");
}

#[test]
fn compare_set_runs_the_configured_columns_and_keeps_them_as_named() {
    use roundtable_engine::store::Store;
    let a = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let c =
        FakeServer::always(Protocol::Ollama.stream(&Answer::new("llama", &["Ollama ", "says hi"])));
    let dir = fleet_dir(
        &[(Protocol::Anthropic, &a), (Protocol::Ollama, &c)],
        "[routes.smart]\ntargets = [\"p1/z\"]\n\n[compare_sets.duo]\ncolumns = [\"p0/x\", \"@smart\"]\n\n[compare_sets.trio]\ncolumns = [\"p0/x\", \"p1/y\", \"@smart\"]\n",
    );
    let o = run(
        dir.path(),
        &["compare", "--set", "duo", "--json", "hi"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let events = json_lines(&o);
    let done: Vec<_> = events.iter().filter(|e| e["type"] == "done").collect();
    let mut models: Vec<_> = done
        .iter()
        .map(|e| (e["column"].as_u64().unwrap(), e["model"].as_str().unwrap()))
        .collect();
    models.sort();
    assert_eq!(models, [(0, "p0/fake-answerer-1"), (1, "p1/llama")]);
    // The columns are kept as the set names them: the route, not the model that answered.
    let id = done[0]["conversation_id"].as_i64().unwrap();
    let store = Store::open(dir.path()).unwrap();
    assert_eq!(
        store.compare_columns(id).unwrap(),
        [vec!["p0/x".to_string()], vec!["@smart".to_string()]]
    );
    drop(store);

    // An unknown set names the sets there are.
    let o = run(dir.path(), &["compare", "--set", "nosuch", "hi"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("there is no compare set `nosuch`") && err.contains("the sets are: duo, trio"),
        "{err}"
    );
    assert!(err.contains("config.toml"), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    // `-m` beside `--set` is refused, naming both; neither is refused too.
    let o = run(
        dir.path(),
        &["compare", "--set", "duo", "-m", "p0/x", "hi"],
        None,
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("--set") && err.contains("--model"), "{err}");
    let o = run(dir.path(), &["compare", "hi"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--model"), "{}", stderr(&o));

    // With no sets at all, the error says how to add one.
    let bare = fleet_dir(&[(Protocol::Anthropic, &a)], "");
    let o = run(bare.path(), &["compare", "--set", "duo", "hi"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("[compare_sets.duo]"), "{}", stderr(&o));
    assert!(
        run(dir.path(), &["history", "list"], None).status.success(),
        "the refused runs left the database usable"
    );
}

#[test]
fn without_a_keychain_keys_set_is_a_clear_error_and_environment_keys_still_work() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let dir = data_dir(Protocol::OpenAi, &server);
    let o = run(
        dir.path(),
        &["keys", "set", "fake"],
        Some("sk-test-FAKE-nokc-1234\n"),
    );
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("keychain is not available") && err.contains("ROUNDTABLE_KEY_"),
        "{err}"
    );
    assert!(!err.contains("sk-test-FAKE-nokc"), "{err}");
    assert!(
        !dir.path()
            .read_dir()
            .unwrap()
            .any(|f| f.unwrap().file_name() != "config.toml"),
        "no plaintext fallback file"
    );

    let o = run_with(
        dir.path(),
        &["chat", "-m", "fake/m", "hi"],
        None,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
            ("ROUNDTABLE_KEY_FAKE", "sk-test-FAKE-env-5678"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk-test-FAKE-env-5678")
    );

    let o = run(dir.path(), &["chat", "-m", "openai/gpt-4o", "hi"], None);
    let err = stderr(&o);
    assert!(
        err.contains("roundtable keys set openai") && err.contains("keychain is not available"),
        "{err}"
    );

    let o = run(dir.path(), &["keys", "list"], None);
    assert!(o.status.success());
    assert!(stderr(&o).contains("keychain not read"), "{}", stderr(&o));
    let o = run(dir.path(), &["keys", "set", "nope"], Some("k"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown provider `nope`"));
}

/// The real session bus, for the keychain suite (run inside `dbus-run-session` by .ci/run).
fn real_bus() -> String {
    std::env::var("DBUS_SESSION_BUS_ADDRESS")
        .expect("run inside dbus-run-session with an unlocked gnome-keyring (see .ci/run)")
}

fn write_config(dir: &Path, providers: &[(&str, Protocol, &FakeServer)]) {
    let mut config = String::new();
    for (id, protocol, server) in providers {
        config.push_str(&format!(
            "[providers.{id}]\nkind = \"{}\"\nbase_url = \"{}\"\n\n",
            protocol.kind(),
            protocol.base_url(&server.url())
        ));
    }
    std::fs::write(dir.join("config.toml"), config).unwrap();
}

#[test]
#[ignore = "needs a real Secret Service: .ci/run runs it inside dbus-run-session with gnome-keyring"]
fn keychain_keys_set_then_chat_with_no_environment_then_rm() {
    let bus = real_bus();
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.as_str())];
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let dir = tempfile::tempdir().unwrap();
    write_config(dir.path(), &[("kcflow", Protocol::OpenAi, &server)]);
    let d = dir.path();

    let o = run_with(
        d,
        &["keys", "set", "kcflow"],
        Some("sk-test-FAKE-KCFLOW-1111\n"),
        &env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("…1111") && stdout(&o).contains(&server.url()),
        "{}",
        stdout(&o)
    );
    assert!(!stdout(&o).contains("KCFLOW"), "the key is never echoed");

    let o = run_with(d, &["keys", "list", "--json"], None, &env);
    let listed = json_lines(&o);
    let entry = listed
        .iter()
        .find(|e| e["provider"] == "kcflow")
        .expect("listed");
    assert_eq!(
        (entry["source"].as_str(), entry["last4"].as_str()),
        (Some("keychain"), Some("1111"))
    );
    assert_eq!(entry["origin"].as_str(), Some(server.url().as_str()));

    let o = run_with(d, &["chat", "-m", "kcflow/m", "hi"], None, &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Bearer sk-test-FAKE-KCFLOW-1111")
    );

    let o = run_with(d, &["keys", "rm", "kcflow"], None, &env);
    assert!(
        stdout(&o).contains("removed the key for kcflow"),
        "{}",
        stdout(&o)
    );
    let o = run_with(d, &["keys", "list", "--json"], None, &env);
    assert!(
        !json_lines(&o).iter().any(|e| e["provider"] == "kcflow"),
        "gone from the keychain"
    );
    let o = run_with(d, &["chat", "-m", "kcflow/m", "hi"], None, &env);
    assert!(o.status.success());
    assert_eq!(
        server.requests()[1].header("authorization"),
        None,
        "no key is sent once removed"
    );
}

#[test]
#[ignore = "needs a real Secret Service: .ci/run runs it inside dbus-run-session with gnome-keyring"]
fn keychain_key_is_bound_to_its_origin() {
    let bus = real_bus();
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.as_str())];
    let first = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let moved = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_config(d, &[("kcbind", Protocol::Anthropic, &first)]);
    assert!(run_with(
        d,
        &["keys", "set", "kcbind"],
        Some("sk-ant-test-FAKE-BIND-2222"),
        &env
    )
    .status
    .success());
    assert!(run_with(d, &["chat", "-m", "kcbind/m", "hi"], None, &env)
        .status
        .success());
    assert_eq!(
        first.requests()[0].header("x-api-key"),
        Some("sk-ant-test-FAKE-BIND-2222")
    );

    write_config(d, &[("kcbind", Protocol::Anthropic, &moved)]);
    let o = run_with(d, &["chat", "-m", "kcbind/m", "hi"], None, &env);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("bound to {}", first.url()))
            && err.contains("roundtable keys set kcbind"),
        "{err}"
    );
    assert!(
        moved.requests().is_empty(),
        "the key was not sent to the new origin"
    );

    assert!(run_with(
        d,
        &["keys", "set", "kcbind"],
        Some("sk-ant-test-FAKE-BIND-2222"),
        &env
    )
    .status
    .success());
    assert!(run_with(d, &["chat", "-m", "kcbind/m", "hi"], None, &env)
        .status
        .success());
    assert_eq!(
        moved.requests()[0].header("x-api-key"),
        Some("sk-ant-test-FAKE-BIND-2222")
    );
    run_with(d, &["keys", "rm", "kcbind"], None, &env);
}

#[test]
#[ignore = "needs a real Secret Service: .ci/run runs it inside dbus-run-session with gnome-keyring"]
fn keychain_secret_hygiene_with_a_sentinel_key() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    const SENTINEL: &str = "sk-test-FAKE-SENTINEL-7777";
    let bus = real_bus();
    let reject = Arc::new(AtomicBool::new(false));
    let flag = reject.clone();
    // Its own provider: answers, or rejects the key with a 401 that echoes it back.
    let own = FakeServer::start(move |req| {
        if flag.load(Ordering::SeqCst) {
            let sent = req.header("authorization").unwrap_or("").to_string();
            Protocol::OpenAi.error(
                401,
                "invalid_api_key",
                &format!("Incorrect API key provided: {sent}"),
            )
        } else {
            Protocol::OpenAi.stream(&answer())
        }
    });
    let other = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write_config(
        d,
        &[
            ("hyg", Protocol::OpenAi, &own),
            ("other", Protocol::Anthropic, &other),
        ],
    );
    let mut outputs = Vec::new();
    let mut go = |args: &[&str], stdin: Option<&str>, extra: &[(&str, &str)]| {
        let mut env = vec![("DBUS_SESSION_BUS_ADDRESS", bus.as_str())];
        env.extend_from_slice(extra);
        let o = run_with(d, args, stdin, &env);
        outputs.push(format!("{}{}", stdout(&o), stderr(&o)));
        o
    };
    assert!(go(&["keys", "set", "hyg"], Some(SENTINEL), &[])
        .status
        .success());
    assert!(go(&["chat", "-m", "hyg/m", "hi"], None, &[])
        .status
        .success());
    assert!(go(
        &["chat", "-m", "hyg/m", "--json", "hi"],
        None,
        &[("ROUNDTABLE_LOG", "trace")]
    )
    .status
    .success());
    assert!(go(
        &["compare", "-m", "hyg/m", "-m", "other/m", "--json", "hi"],
        None,
        &[]
    )
    .status
    .success());
    go(&["keys", "list"], None, &[]);
    go(&["keys", "list", "--json"], None, &[]);
    reject.store(true, Ordering::SeqCst);
    let o = go(
        &["chat", "-m", "hyg/m", "--json", "hi"],
        None,
        &[("ROUNDTABLE_LOG", "trace")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("<redacted>"),
        "the echoed key is redacted: {}",
        stderr(&o)
    );
    assert_eq!(
        go(&["keys", "test", "hyg"], None, &[]).status.code(),
        Some(1)
    );
    let config = std::fs::read_to_string(d.join("config.toml")).unwrap();
    std::fs::write(
        d.join("config.toml"),
        format!("{config}\n[router]\nidle_timeout_ms = \"soon\"\n"),
    )
    .unwrap();
    assert_eq!(
        go(&["chat", "-m", "hyg/m", "hi"], None, &[]).status.code(),
        Some(2)
    );
    std::fs::write(d.join("config.toml"), &config).unwrap();
    go(&["keys", "rm", "hyg"], None, &[]);

    for (i, text) in outputs.iter().enumerate() {
        assert!(!text.contains(SENTINEL), "run {i} printed the key: {text}");
    }
    for entry in walk(d) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(SENTINEL),
            "{} holds the key",
            entry.display()
        );
    }
    assert!(
        own.requests()
            .iter()
            .all(|r| r.header("authorization") == Some(&format!("Bearer {SENTINEL}"))),
        "sent to its own provider"
    );
    for r in other.requests() {
        assert!(
            !format!("{r:?}").contains(SENTINEL),
            "another provider saw the key: {r:?}"
        );
    }
}

/// Every file under a directory.
fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

/// Runs with keys for the three direct providers in the environment (and no keychain).
fn run_keys(dir: &Path, args: &[&str]) -> Output {
    run_with(
        dir,
        args,
        None,
        &[
            ("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
            ("ROUNDTABLE_KEY_OPENAI", "sk-test-FAKE-oa"),
            ("ROUNDTABLE_KEY_ANTHROPIC", "sk-test-FAKE-an"),
            ("ROUNDTABLE_KEY_GEMINI", "test-ge"),
        ],
    )
}

#[test]
fn usage_equals_the_hand_computed_cost_of_a_scripted_session() {
    let mut oa = Answer::new("gpt-4o-2024-08-06", &["Paris."]);
    (oa.input, oa.cache_read, oa.output) = (1000, 400, 200);
    let mut an = Answer::new("claude-haiku-4-5-20251001", &["OK."]);
    (an.input, an.cache_read, an.output) = (4211, 4202, 5);
    let mut ge = Answer::new("gemini-2.5-flash", &["Three."]);
    (ge.input, ge.output, ge.reasoning_tokens) = (9, 208, 185);
    let openai = FakeServer::always(Protocol::OpenAi.stream(&oa));
    let anthropic = FakeServer::always(Protocol::Anthropic.stream(&an));
    let gemini = FakeServer::always(Protocol::Gemini.stream(&ge));
    let down = FakeServer::always(Protocol::OpenAi.fault(roundtable_fakes::Fault::Auth, &oa));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("config.toml"),
        format!(
            "[providers.openai]\nbase_url = \"{}/v1\"\n[providers.anthropic]\nbase_url = \"{}/v1\"\n[providers.gemini]\nbase_url = \"{}/v1beta\"\n[providers.down]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
            openai.url(),
            anthropic.url(),
            gemini.url(),
            down.url()
        ),
    )
    .unwrap();
    // Hand-computed (USD per million tokens from the built-in table):
    // gpt-4o: 600 uncached × 2.50 + 400 cached × 1.25 + 200 out × 10.00 = 1500 + 500 + 2000 = 4000 µ$
    // claude-haiku-4-5: 9 × 1.00 + 4202 cache reads × 0.10 + 5 × 5.00 = 9 + 420.2 + 25 = 454.2 → 454 µ$
    // gemini-2.5-flash: 9 × 0.30 + 208 out (185 of them thoughts) × 2.50 = 2.7 + 520 = 522.7 → 523 µ$
    let runs: [(&[&str], i64); 3] = [
        (
            &[
                "chat",
                "-m",
                "down/x",
                "-m",
                "openai/gpt-4o",
                "--json",
                "capital?",
            ],
            4000,
        ),
        (
            &["chat", "-m", "anthropic/claude-haiku-4-5", "--json", "ok?"],
            454,
        ),
        (
            &[
                "chat",
                "-m",
                "gemini/gemini-2.5-flash",
                "--json",
                "how many?",
            ],
            523,
        ),
    ];
    for (args, cost) in runs {
        let o = run_keys(d, args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let done = json_lines(&o).pop().unwrap();
        assert_eq!(done["cost_micros"], cost, "{args:?}: {done}");
        assert_eq!(done["price_source"], "builtin");
    }
    let o = run_keys(d, &["usage", "--by", "provider", "--json"]);
    let rows = json_lines(&o);
    let cost_of = |key: &str| {
        rows.iter()
            .find(|r| r["key"] == key)
            .map(|r| r["cost_micros"].as_i64().unwrap())
    };
    assert_eq!(
        (
            cost_of("openai"),
            cost_of("anthropic"),
            cost_of("gemini"),
            cost_of("down")
        ),
        (Some(4000), Some(454), Some(523), Some(0))
    );
    let down_row = rows.iter().find(|r| r["key"] == "down").unwrap();
    assert_eq!(
        (down_row["requests"].as_i64(), down_row["errors"].as_i64()),
        (Some(1), Some(1)),
        "the failed attempt is in the ledger"
    );
    let total: f64 = json_lines(&run_keys(d, &["usage", "--json"]))
        .iter()
        .map(|r| r["cost_usd"].as_f64().unwrap())
        .sum();
    assert!((total - 0.004977).abs() < 1e-9, "{total}");
    let by_model = json_lines(&run_keys(d, &["usage", "--by", "model", "--json"]));
    let gemini_row = by_model
        .iter()
        .find(|r| r["key"] == "gemini/gemini-2.5-flash")
        .unwrap();
    assert_eq!(
        (
            gemini_row["output_tokens"].as_i64(),
            gemini_row["reasoning_tokens"].as_i64()
        ),
        (Some(208), Some(185))
    );
    let csv = stdout(&run_keys(d, &["usage", "--by", "provider", "--csv"]));
    assert!(
        csv.lines()
            .any(|l| l.starts_with("openai,1,0,1000,200,400,0,0,0.004000,0")),
        "{csv}"
    );
    let o = run_keys(d, &["usage", "--since", "2026-13-01"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not a date"));
}

#[test]
fn history_lists_shows_searches_and_continues_conversations() {
    let server = FakeServer::start(|req| {
        let turns = req.json()["messages"].as_array().map_or(0, Vec::len);
        Protocol::OpenAi.stream(&Answer::new(
            "m",
            &[&format!("Answer to {turns} turns about zebras")],
        ))
    });
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let o = run(
        d,
        &["chat", "-m", "fake/m", "--json", "Tell me about zebras"],
        None,
    );
    let first = json_lines(&o).pop().unwrap();
    let conv = first["conversation_id"].as_i64().unwrap();
    let o = run(
        d,
        &[
            "chat",
            "-m",
            "fake/m",
            "--continue",
            &conv.to_string(),
            "And their stripes?",
        ],
        None,
    );
    assert_eq!(
        stdout(&o),
        "Answer to 3 turns about zebras\n",
        "the history was sent: {}",
        stderr(&o)
    );
    let sent = server.requests()[1].json();
    assert_eq!(sent["messages"][0]["content"], "Tell me about zebras");
    assert_eq!(
        sent["messages"][1]["content"],
        "Answer to 1 turns about zebras"
    );

    let list = json_lines(&run(d, &["history", "list", "--json"], None));
    assert_eq!(
        (
            list[0]["id"].as_i64(),
            list[0]["title"].as_str(),
            list[0]["messages"].as_i64()
        ),
        (Some(conv), Some("Tell me about zebras"), Some(4))
    );
    let shown = json_lines(&run(
        d,
        &["history", "show", &conv.to_string(), "--json"],
        None,
    ))
    .pop()
    .unwrap();
    let messages = shown["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 4);
    assert_eq!(
        (
            messages[1]["role"].as_str(),
            messages[1]["status"].as_str(),
            messages[1]["model"].as_str()
        ),
        (Some("assistant"), Some("complete"), Some("fake/m"))
    );
    assert_eq!(messages[2]["parent_id"], messages[1]["id"]);
    let hits = json_lines(&run(d, &["history", "search", "stripes", "--json"], None));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0]["conversation_id"].as_i64(), Some(conv));
    assert!(hits[0]["snippet"].as_str().unwrap().contains("[stripes]"));
    let o = run(d, &["history", "show", "999"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no conversation 999"));
    assert!(run(
        d,
        &["history", "rename", &conv.to_string(), "Zebra", "facts"],
        None
    )
    .status
    .success());
    assert_eq!(
        json_lines(&run(d, &["history", "list", "--json"], None))[0]["title"],
        "Zebra facts"
    );
    assert!(run(d, &["history", "rm", &conv.to_string()], None)
        .status
        .success());
    assert!(json_lines(&run(d, &["history", "list", "--json"], None)).is_empty());
}

#[test]
fn kill_9_at_random_moments_loses_at_most_a_flush_and_never_corrupts_the_file() {
    use roundtable_engine::store::{MessageStatus, Store};
    let pieces: Vec<String> = (0..150).map(|i| format!("word{i} ")).collect();
    let full: String = pieces.concat();
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let server = FakeServer::always(
        Protocol::OpenAi
            .stream(&Answer::new("slow", &refs))
            .paced(Duration::from_millis(15)),
    );
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    let mut with_text = 0;
    for round in 0..20u32 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let wait = Duration::from_millis(150 + rng % 1900);
        let mut child = Command::new(BIN)
            .arg("--data-dir")
            .arg(d)
            .args(["chat", "-m", "fake/m", &format!("prompt number {round}")])
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(wait);
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();

        // The next start recovers: the file is whole, the prompt is there, the answer so far too.
        let store = Store::open(d).unwrap();
        assert!(
            store.integrity_ok().unwrap(),
            "round {round}: integrity_check"
        );
        let newest = store.list_conversations(1, 0).unwrap().pop().unwrap();
        let c = store.conversation(newest.id).unwrap();
        assert_eq!(
            c.messages[0].text,
            format!("prompt number {round}"),
            "round {round}: the user's message survived"
        );
        if let Some(answer) = c.messages.get(1) {
            assert!(
                matches!(
                    answer.status,
                    MessageStatus::Interrupted | MessageStatus::Complete
                ),
                "round {round}: {}",
                answer.status
            );
            assert!(
                full.starts_with(&answer.text),
                "round {round}: the saved text is a prefix of the answer"
            );
            if answer.status == MessageStatus::Interrupted && !answer.text.is_empty() {
                with_text += 1;
            }
        }
    }
    assert!(
        with_text >= 10,
        "most kills left a partial answer marked interrupted ({with_text} of 20)"
    );
}

#[test]
fn export_import_and_budget() {
    let server =
        FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &["**Bold** answer"])));
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let done = json_lines(&run(
        d,
        &[
            "chat",
            "-m",
            "fake/m",
            "--system",
            "Be brief",
            "--json",
            "Question one",
        ],
        None,
    ))
    .pop()
    .unwrap();
    let id = done["conversation_id"].as_i64().unwrap().to_string();
    let md = stdout(&run(d, &["history", "export", &id, "--format", "md"], None));
    assert!(md.starts_with("# Question one\n"), "{md}");
    assert!(
        md.contains("> **System:** Be brief")
            && md.contains("## You\n\nQuestion one")
            && md.contains("## Assistant (fake/m)\n\n**Bold** answer"),
        "{md}"
    );
    let file = d.join("out.json");
    assert!(run(
        d,
        &[
            "history",
            "export",
            &id,
            "--format",
            "json",
            "-o",
            file.to_str().unwrap()
        ],
        None
    )
    .status
    .success());
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["messages"][1]["text"], "**Bold** answer");
    assert_eq!(json["messages"][1]["parent_id"], json["messages"][0]["id"]);

    // HTML: one standalone page, the answer rendered, no script and nothing that loads.
    let html = stdout(&run(
        d,
        &["history", "export", &id, "--format", "html"],
        None,
    ));
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<strong>Bold</strong> answer"), "{html}");
    assert!(html.contains("default-src 'none'"), "{html}");
    let page = scraper::Html::parse_document(&html);
    let script = scraper::Selector::parse("script, iframe, object, embed, img, link[rel]").unwrap();
    assert_eq!(page.select(&script).count(), 0);

    // ChatGPT's export: imported with branches, skips counted, never twice.
    let export = d.join("conversations.json");
    std::fs::write(&export, roundtable_fakes::fixtures::CHATGPT_EXPORT).unwrap();
    let o = run(
        d,
        &["history", "import", "chatgpt", export.to_str().unwrap()],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("imported 2 conversations (4 messages)")
            && stdout(&o).contains("skipped 1 unreadable conversations and 1 messages"),
        "{}",
        stdout(&o)
    );
    let o = run(
        d,
        &["history", "import", "chatgpt", export.to_str().unwrap()],
        None,
    );
    assert!(
        stdout(&o).contains("imported 0 conversations (0 messages)")
            && stdout(&o).contains("2 already imported"),
        "{}",
        stdout(&o)
    );
    assert_eq!(
        json_lines(&run(d, &["history", "search", "Porto", "--json"], None)).len(),
        1
    );
    let o = run(
        d,
        &[
            "history",
            "import",
            "chatgpt",
            d.join("missing.json").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("could not read"));

    // Budget (`[budget] monthly_usd`, read as the rule `all per month`): a warning from 80%, a
    // refusal at 100% unless --over-budget.
    let mut priced = Answer::new("gpt-4o", &["priced"]);
    (priced.input, priced.output) = (1_000_000, 0); // 1M uncached input tokens of gpt-4o: $2.50
    let paid = FakeServer::always(Protocol::OpenAi.stream(&priced));
    let config = format!(
        "[providers.openai]\nbase_url = \"{}/v1\"\n[budget]\nmonthly_usd = 3.0\n",
        paid.url()
    );
    std::fs::write(d.join("config.toml"), config).unwrap();
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
        ("ROUNDTABLE_KEY_OPENAI", "sk-test-FAKE-b"),
    ];
    let o = run_with(d, &["chat", "-m", "openai/gpt-4o", "spend"], None, &env);
    assert!(
        o.status.success() && stderr(&o).is_empty(),
        "under 80%: {}",
        stderr(&o)
    );
    let o = run_with(d, &["chat", "-m", "openai/gpt-4o", "spend"], None, &env);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("budget: all per month ($3.00): $2.50 spent (83%)"),
        "{}",
        stderr(&o)
    );
    let o = run_with(
        d,
        &["chat", "-m", "openai/gpt-4o", "--json", "spend"],
        None,
        &env,
    );
    assert_eq!(o.status.code(), Some(1), "refused at 100%");
    assert_eq!(json_lines(&o).pop().unwrap()["class"], "budget_exceeded");
    assert!(stderr(&o).contains("--over-budget"), "{}", stderr(&o));
    assert_eq!(paid.requests().len(), 2, "nothing was sent when refused");
    let o = run_with(
        d,
        &["chat", "-m", "openai/gpt-4o", "--over-budget", "spend"],
        None,
        &env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(paid.requests().len(), 3);
}

#[test]
fn openrouter_catalog_prices_are_saved_by_models_and_used_by_the_ledger() {
    let mut a = Answer::new("anthropic/claude-3.5-sonnet", &["Hi"]);
    (a.input, a.output) = (2000, 100);
    let stream = Protocol::OpenAi.stream(&a);
    let catalog = Reply::json(
        200,
        &serde_json::json!({"data": [{"id": "anthropic/claude-3.5-sonnet", "name": "Claude 3.5 Sonnet", "context_length": 200000,
            "pricing": {"prompt": "0.000003", "completion": "0.000015", "input_cache_read": "0.0000003", "input_cache_write": "0.00000375"}}]}),
    );
    let server = FakeServer::start(move |req| {
        if req.method == "GET" {
            catalog.clone()
        } else {
            stream.clone()
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("config.toml"),
        format!(
            "[providers.openrouter]\nbase_url = \"{}/v1\"\n",
            server.url()
        ),
    )
    .unwrap();
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
        ("ROUNDTABLE_KEY_OPENROUTER", "sk-or-test-FAKE"),
    ];
    let o = run_with(
        d,
        &["models", "--provider", "openrouter", "--json"],
        None,
        &env,
    );
    let listed = json_lines(&o);
    assert_eq!(listed[0]["pricing"]["input"], 3.0);
    assert_eq!(listed[0]["context_length"], 200000);
    let o = run_with(
        d,
        &[
            "chat",
            "-m",
            "openrouter/anthropic/claude-3.5-sonnet",
            "--json",
            "hi",
        ],
        None,
        &env,
    );
    let done = json_lines(&o).pop().unwrap();
    // 2000 × $3/M + 100 × $15/M = 6000 + 1500 µ$.
    assert_eq!(
        (done["cost_micros"].as_i64(), done["price_source"].as_str()),
        (Some(7500), Some("catalog")),
        "{done}"
    );
    let sent = server
        .requests()
        .into_iter()
        .find(|r| r.method == "POST")
        .unwrap();
    assert_eq!(
        sent.header("x-title"),
        Some("Roundtable"),
        "OpenRouter's attribution headers"
    );
    assert_eq!(sent.json()["usage"]["include"], true);
}

#[test]
fn html_export_of_a_hostile_answer_shows_it_as_text_and_runs_nothing() {
    let hostile = "<script>alert(1)</script>\n\n[x](javascript:alert(1)) <img src=x onerror=alert(1)> ![t](https://tracker.example/p.gif)";
    let server = FakeServer::always(Protocol::OpenAi.stream(&Answer::new("m", &[hostile])));
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let done = json_lines(&run(
        d,
        &["chat", "-m", "fake/m", "--json", "Hi <b>there</b>"],
        None,
    ))
    .pop()
    .unwrap();
    let id = done["conversation_id"].as_i64().unwrap().to_string();
    let file = d.join("page.html");
    let o = run(
        d,
        &[
            "history",
            "export",
            &id,
            "--format",
            "html",
            "-o",
            file.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(&file).unwrap();
    let page = scraper::Html::parse_document(&html);
    for node in page.tree.nodes() {
        if let scraper::Node::Element(el) = node.value() {
            assert!(
                !matches!(
                    el.name(),
                    "script" | "img" | "iframe" | "object" | "embed" | "svg" | "form" | "input"
                ),
                "<{}> in the export",
                el.name()
            );
            for (attr, value) in el.attrs() {
                assert!(!attr.starts_with("on") && attr != "src", "{attr}={value}");
                if attr == "href" {
                    assert!(
                        value.starts_with("https://") || value.starts_with("http://"),
                        "{value}"
                    );
                }
            }
        }
    }
    let text: String = page.root_element().text().collect();
    assert!(
        text.contains("<script>alert(1)</script>"),
        "shown as text: {text}"
    );
    assert!(text.contains("[x](javascript:alert(1))"), "{text}");
    assert!(text.contains("Hi <b>there</b>"), "{text}");
    let tracker = scraper::Selector::parse("a.md-image").unwrap();
    assert_eq!(
        page.select(&tracker).next().map(|a| a.value().attr("href")),
        Some(Some("https://tracker.example/p.gif")),
        "a remote image is a link, not a fetch"
    );
}

// ---- Hardening: redirects (issue 14, point 1) ----

#[test]
fn a_redirect_to_another_host_is_an_error_and_nothing_reaches_that_host() {
    for protocol in ALL {
        let elsewhere = FakeServer::always(protocol.stream(&Answer::new("evil", &["pwned"])));
        let to = elsewhere.url();
        let server = FakeServer::start(move |req| {
            Reply::body(307, "text/plain", "").with_header("location", &format!("{to}{}", req.path))
        });
        let dir = data_dir(protocol, &server);
        let o = run_with(
            dir.path(),
            &["chat", "-m", "fake/m", "a private prompt"],
            None,
            &[
                ("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
                ("ROUNDTABLE_KEY_FAKE", "sk-test-FAKE-redirect-0000"),
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{protocol:?}: {}", stderr(&o));
        assert!(!stdout(&o).contains("pwned"), "{protocol:?}");
        let err = stderr(&o);
        assert!(err.contains("redirected"), "{protocol:?}: {err}");
        assert!(err.contains("307"), "{protocol:?}: {err}");
        let host = format!("127.0.0.1:{}", elsewhere.addr().port());
        assert!(err.contains(&host), "{protocol:?}: names the host: {err}");
        assert!(
            elsewhere.requests().is_empty(),
            "{protocol:?}: nothing sent there"
        );
        assert!(!err.contains("sk-test-FAKE"), "{protocol:?}");
    }
}
// ---- Issue 14 (hardening): terminal escapes, reserved names, prices by every name, key hints,
// keys sent in the clear. ----

/// Control characters that a terminal would obey, none of which may reach it raw.
const ESCAPES: [char; 7] = ['\x1b', '\x07', '\x08', '\r', '\u{9b}', '\u{9d}', '\x7f'];

#[test]
fn provider_text_cannot_drive_the_terminal() {
    let evil = Answer::new(
        "m\x1b]0;pwned\x07",
        &[
            "Hello\x1b[2J\x1b]52;c;ZXZpbA==\x07 ",
            "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",
            " done\rOVERWRITE\x08\u{9b}31m\u{9d}x\x7f\tend\n",
        ],
    );
    let down = FakeServer::always(Protocol::OpenAi.error(
        401,
        "auth",
        "bad key \x1b]8;;http://evil.example/\x07 see \u{9b}2J",
    ));
    let fine = FakeServer::always(Protocol::OpenAi.stream(&evil));
    let dir = fleet_dir(&[(Protocol::OpenAi, &down), (Protocol::OpenAi, &fine)], "");
    let d = dir.path();
    // Plain output (a pipe here; it is made safe whether or not stdout is a terminal).
    let o = run(d, &["chat", "-m", "p0/a", "-m", "p1/b", "hi"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let (out, err) = (stdout(&o), stderr(&o));
    for c in ESCAPES {
        assert!(!out.contains(c), "{c:?} reached stdout raw: {out:?}");
        assert!(!err.contains(c), "{c:?} reached stderr raw: {err:?}");
    }
    assert_eq!(
        out,
        "Hello␛[2J␛]52;c;ZXZpbA==␇ ␛]8;;http://evil.example/␛\\click␛]8;;␛\\ doneOVERWRITE␈<U+009B>31m<U+009D>x␡\tend\n"
    );
    assert!(
        err.contains("answered by p1/m␛]0;pwned␇ after"),
        "the model name shown: {err:?}"
    );
    // The error of a failed request, on stderr.
    let o = run(d, &["chat", "-m", "p0/a", "hi"], None);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("bad key") && !ESCAPES.iter().any(|c| err.contains(*c)),
        "{err:?}"
    );
    // JSON is unchanged: the text as the provider sent it (JSON escapes it).
    let o = run(d, &["chat", "-m", "p1/b", "--json", "hi"], None);
    let text: String = json_lines(&o)
        .iter()
        .filter(|e| e["type"] == "delta")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(text, evil.full_text());
    assert!(
        !stdout(&o).contains('\x1b'),
        "JSON lines carry \\u001b, not ESC"
    );
    // Stored text is kept as sent; history shows it made visible.
    let o = run(d, &["history", "show", "1"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !ESCAPES.iter().any(|c| stdout(&o).contains(*c)),
        "{}",
        stdout(&o)
    );
}

#[test]
fn the_gateway_token_s_name_is_no_provider_s() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    // A provider of that name is refused where it is written.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[providers.gateway-token]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
            server.url()
        ),
    )
    .unwrap();
    let o = run(dir.path(), &["keys", "list"], None);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("reserved")
            && err.contains("providers.gateway-token")
            && err.contains("config.toml"),
        "{err}"
    );
    // `keys set` and `keys rm` refuse the name before touching the keychain.
    let dir = data_dir(Protocol::OpenAi, &server);
    for args in [
        &["keys", "set", "gateway-token"][..],
        &["keys", "rm", "gateway-token"],
    ] {
        let o = run(dir.path(), args, Some("sk-test-FAKE-overwrite-0000\n"));
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("reserved") && !err.contains("keychain"),
            "{args:?}: {err}"
        );
    }
}

#[test]
fn a_price_override_holds_when_a_local_server_names_its_model_file() {
    // llama.cpp's server answers with the path of its model file, not the name asked for.
    let mut a = Answer::new("/models/SmolLM2-135M-Instruct-Q8_0.gguf", &["Hi", "."]);
    (a.input, a.output) = (1000, 500);
    let server = FakeServer::always(Protocol::OpenAi.stream(&a));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("config.toml"),
        format!(
            "[providers.llo]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n[routes.small]\ntargets = [\"llo/smollm\"]\n\n[prices.\"llo/smollm\"]\ninput = 1.0\noutput = 2.0\n",
            server.url()
        ),
    )
    .unwrap();
    // 1000 input × $1/M + 500 output × $2/M = 1000 + 1000 µ$.
    for model in ["llo/smollm", "@small"] {
        let o = run(d, &["chat", "-m", model, "--json", "hi"], None);
        assert!(o.status.success(), "{}", stderr(&o));
        let done = json_lines(&o).pop().unwrap();
        assert_eq!(done["model"], "llo//models/SmolLM2-135M-Instruct-Q8_0.gguf");
        assert_eq!(
            (done["cost_micros"].as_i64(), done["price_source"].as_str()),
            (Some(2000), Some("override")),
            "{model}: {done}"
        );
    }
    let rows = json_lines(&run(d, &["usage", "--by", "provider", "--json"], None));
    let llo = rows.iter().find(|r| r["key"] == "llo").expect("a llo row");
    assert_eq!(
        (llo["requests"].as_i64(), llo["cost_micros"].as_i64()),
        (Some(2), Some(4000)),
        "{rows:?}"
    );
    // Without an override a loopback server is still free.
    std::fs::write(
        d.join("config.toml"),
        format!(
            "[providers.llo]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n",
            server.url()
        ),
    )
    .unwrap();
    let done = json_lines(&run(d, &["chat", "-m", "llo/smollm", "--json", "hi"], None))
        .pop()
        .unwrap();
    assert_eq!(
        (done["cost_micros"].as_i64(), done["price_source"].as_str()),
        (Some(0), Some("local"))
    );
}

#[test]
fn a_short_key_s_hint_shows_none_of_it_and_plain_http_keys_are_warned_about() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("config.toml"),
        format!(
            "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n[providers.lan]\nkind = \"openai\"\nbase_url = \"http://192.0.2.7:8080/v1\"\n",
            server.url()
        ),
    )
    .unwrap();
    let env = [
        ("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
        ("ROUNDTABLE_KEY_FAKE", "k9Z"),
        ("ROUNDTABLE_KEY_LAN", "sk-test-FAKE-lan-4321"),
    ];
    let o = run_with(d, &["keys", "list"], None, &env);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    let fake = out
        .lines()
        .find(|l| l.starts_with("fake "))
        .expect("listed");
    assert!(!fake.contains("k9Z") && !fake.contains("9Z"), "{fake}");
    assert!(
        out.contains("…4321"),
        "a long key keeps its last four: {out}"
    );
    let o = run_with(d, &["keys", "list", "--json"], None, &env);
    let fake = json_lines(&o)
        .into_iter()
        .find(|e| e["provider"] == "fake")
        .unwrap();
    assert_eq!(fake["last4"], "", "{fake}");
    let err = stderr(&o);
    assert!(
        err.contains("warning: the key for lan is sent over plain http to http://192.0.2.7:8080"),
        "{err}"
    );
    assert!(
        !err.contains("key for fake"),
        "loopback http is fine: {err}"
    );
}

/// With a real Secret Service: a token an older version filed among the provider keys is moved
/// to the gateway's own service by `serve` and shown as before; `keys set` warns about a key that
/// would travel over plain http to another machine.
#[test]
#[ignore = "needs a real Secret Service: .ci/run runs it inside dbus-run-session with gnome-keyring"]
fn keychain_the_old_gateway_token_moves_apart_and_plain_http_keys_are_warned_about() {
    use std::io::{BufRead, BufReader};

    use roundtable_engine::gateway::TOKEN_ACCOUNT;
    use roundtable_engine::keys::vault::{OsKeychain, SecretStore, SERVICE, TOKEN_SERVICE};

    let bus = real_bus();
    let env = [("DBUS_SESSION_BUS_ADDRESS", bus.as_str())];
    let keys = OsKeychain::new(SERVICE);
    let tokens = OsKeychain::new(TOKEN_SERVICE);
    // Another suite's token (the gateway tests) is put back afterwards.
    let kept = tokens.get(TOKEN_ACCOUNT).unwrap();
    tokens.delete(TOKEN_ACCOUNT).unwrap();
    const OLD: &str = "rtg_old-FAKE-token-0001";
    keys.set(TOKEN_ACCOUNT, OLD).unwrap();

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.toml"), "").unwrap();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--port", "0"])
        .env_remove("ROUNDTABLE_GATEWAY_TOKEN")
        .envs(env)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let _addr = lines.next().unwrap().unwrap();
    let line = lines.next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let moved = (
        tokens.get(TOKEN_ACCOUNT).unwrap(),
        keys.get(TOKEN_ACCOUNT).unwrap(),
    );
    tokens.delete(TOKEN_ACCOUNT).unwrap();
    if let Some(t) = kept {
        tokens.set(TOKEN_ACCOUNT, &t).unwrap();
    }
    assert_eq!(line, format!("token (from the keychain): {OLD}"));
    assert_eq!(moved, (Some(OLD.to_string()), None), "moved, not copied");

    let d = dir.path();
    std::fs::write(
        d.join("config.toml"),
        "[providers.lan]\nkind = \"openai\"\nbase_url = \"http://192.0.2.7:8080/v1\"\n",
    )
    .unwrap();
    let o = run_with(
        d,
        &["keys", "set", "lan"],
        Some("sk-test-FAKE-lan-9876\n"),
        &env,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o)
            .contains("warning: the key for lan is sent over plain http to http://192.0.2.7:8080"),
        "{}",
        stderr(&o)
    );
    let o = run_with(d, &["keys", "list"], None, &env);
    assert!(stderr(&o).contains("plain http"), "{}", stderr(&o));
    assert!(run_with(d, &["keys", "rm", "lan"], None, &env)
        .status
        .success());
}

// ---- Recording and files on disk (issue 14: appends, timer flush, owned recovery, permissions) ----

/// A child's I/O counters, read from `/proc/<pid>/io` once it has exited but before it is reaped
/// (a zombie keeps its totals): `wchar` is every byte it passed to write(2) and friends.
fn wchar_at_exit(child: &mut std::process::Child, limit: Duration) -> u64 {
    let pid = child.id();
    let deadline = Instant::now() + limit;
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
        let state = stat.rsplit_once(") ").unwrap().1.chars().next().unwrap();
        if state == 'Z' {
            break;
        }
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("the child did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let io = std::fs::read_to_string(format!("/proc/{pid}/io")).unwrap();
    let wchar = io
        .lines()
        .find_map(|l| l.strip_prefix("wchar: "))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    child.wait().unwrap();
    wchar
}

#[test]
fn a_4_mib_answer_is_recorded_with_writes_linear_in_its_size() {
    use roundtable_engine::store::{MessageStatus, Store};
    // 4 MiB in 4,096 pieces of 1 KiB, as fast as the fake can send them.
    let pieces: Vec<String> = (0..4096)
        .map(|i| format!("{:>1023}\n", format!("line {i}")))
        .collect();
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let answer = Answer::new("big", &refs);
    let full = answer.full_text();
    assert_eq!(full.len(), 4 << 20);
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer));
    let dir = data_dir(Protocol::OpenAi, &server);
    let out = tempfile::NamedTempFile::new().unwrap();
    let err = tempfile::NamedTempFile::new().unwrap();
    let started = Instant::now();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["chat", "-m", "fake/m", "Say a lot"])
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .stdout(out.reopen().unwrap())
        .stderr(err.reopen().unwrap())
        .spawn()
        .unwrap();
    let wchar = wchar_at_exit(&mut child, Duration::from_secs(300));
    let took = started.elapsed();
    let printed =
        std::fs::metadata(out.path()).unwrap().len() + std::fs::metadata(err.path()).unwrap().len();
    // What the process wrote besides its terminal output: the database, its WAL and journal.
    let to_disk = wchar - printed;
    eprintln!(
        "4 MiB answer: {took:?}, wchar {wchar} bytes, printed {printed}, to the database {to_disk} ({:.2}x the answer)",
        to_disk as f64 / full.len() as f64
    );
    assert!(printed >= full.len() as u64, "the answer was printed");
    let store = Store::open(dir.path()).unwrap();
    let newest = store.list_conversations(1, 0).unwrap().pop().unwrap();
    let c = store.conversation(newest.id).unwrap();
    assert_eq!(c.messages[1].status, MessageStatus::Complete);
    assert!(c.messages[1].text == full, "the whole answer is stored");
    assert!(
        to_disk < 8 * full.len() as u64,
        "bytes written to the database ({to_disk}) stay a small multiple of the answer ({})",
        full.len()
    );
}

/// A chat whose provider sends `shown` and then stalls (the router told to wait a minute), the
/// CLI running until the text is on its stdout; the caller kills it.
fn stalled_chat(shown: &[&str]) -> (tempfile::TempDir, FakeServer, std::process::Child) {
    use std::io::Read;
    let answer = Answer::new("stalls", shown);
    let frames = Protocol::OpenAi.stream_frames(&answer);
    // The role frame and the text frames; no end, no usage: then silence.
    let server = FakeServer::always(
        Reply::stream("text/event-stream", frames[..=shown.len()].to_vec())
            .then([roundtable_fakes::Step::Stall]),
    );
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}\"\n\n[router]\nfirst_token_timeout_ms = 10000\nidle_timeout_ms = 60000\n",
            Protocol::OpenAi.base_url(&server.url())
        ),
    )
    .unwrap();
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["chat", "-m", "fake/m", "Start, then stall"])
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait (at most 20 s) until all of the text has been printed.
    let mut out = child.stdout.take().unwrap();
    let want = shown.concat();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 4096];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(seen) if seen.contains(&want) => break,
            Ok(_) => {}
            Err(_) => {
                child.kill().unwrap();
                panic!("the stalled chat never printed {want:?}");
            }
        }
    }
    (dir, server, child)
}

/// The newest conversation's answer: (status, text), read without recovering anything.
fn raw_answer(dir: &Path) -> (String, String) {
    let conn = rusqlite::Connection::open_with_flags(
        dir.join("roundtable.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let mut status: (String, String) = conn
        .query_row(
            "SELECT status, text FROM messages WHERE role = 'assistant' ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    // While it streams, the saved text is in pieces after messages.text.
    let pieces: String = conn
        .query_row(
            "SELECT COALESCE(group_concat(text, ''), '') FROM (SELECT text FROM message_pieces ORDER BY id)",
            [],
            |r| r.get(0),
        )
        .unwrap_or_default(); // (no such table before schema 7)
    status.1.push_str(&pieces);
    status
}

#[test]
fn text_shown_before_a_stall_is_saved_and_survives_kill_9() {
    use roundtable_engine::store::Store;
    let shown = ["Printed before ", "the provider went quiet."];
    let (dir, _server, mut child) = stalled_chat(&shown);
    // Well past the 500 ms flush deadline, with no more text arriving.
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let store = Store::open(dir.path()).unwrap();
    let newest = store.list_conversations(1, 0).unwrap().pop().unwrap();
    let c = store.conversation(newest.id).unwrap();
    let answer = &c.messages[1];
    assert_eq!(
        (answer.status.as_str(), answer.text.as_str()),
        ("interrupted", shown.concat().as_str()),
        "what was shown was stored within the flush interval, stall or not"
    );
    assert!(store.integrity_ok().unwrap());
}

#[test]
fn another_process_opening_the_database_leaves_a_live_answer_streaming() {
    use std::os::unix::fs::PermissionsExt;
    let shown = ["Still ", "being written."];
    let (dir, _server, mut child) = stalled_chat(&shown);
    std::thread::sleep(Duration::from_millis(800));
    let d = dir.path();

    // Another process opens the database (and would recover) while the answer streams.
    let o = run(d, &["history", "list"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        raw_answer(d),
        ("streaming".to_string(), shown.concat()),
        "a live writer's answer is not marked interrupted"
    );
    let o = run(d, &["history", "search", "anything"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(raw_answer(d).0, "streaming");

    // Owner-only files while the chat runs: the dir, the database, its WAL and shared memory.
    let mode = |name: &str| {
        std::fs::metadata(d.join(name))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    assert_eq!(mode(""), 0o700, "the data dir");
    for f in ["roundtable.db", "roundtable.db-wal", "roundtable.db-shm"] {
        assert_eq!(mode(f), 0o600, "{f}");
    }

    // Once its writer is gone, the next open recovers it.
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let o = run(d, &["history", "list"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        raw_answer(d),
        ("interrupted".to_string(), shown.concat()),
        "a dead writer's answer is recovered with its text"
    );
}

#[test]
fn an_old_world_readable_data_dir_and_database_are_made_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let set = |p: &Path, m: u32| std::fs::set_permissions(p, std::fs::Permissions::from_mode(m));
    // As an older Roundtable left them.
    set(d, 0o755).unwrap();
    let o = run(d, &["chat", "-m", "fake/m", "hello"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    set(&d.join("roundtable.db"), 0o644).unwrap();
    set(d, 0o755).unwrap();
    let o = run(d, &["history", "list"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(d), 0o700);
    assert_eq!(mode(&d.join("roundtable.db")), 0o600);
    // A fresh data dir is created owner-only, parents included.
    let fresh = d.join("new/nested");
    let o = run(&fresh, &["history", "list"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(mode(&fresh), 0o700);
    assert_eq!(mode(&fresh.join("roundtable.db")), 0o600);
}

/// A picture, a PDF and a text file in `dir`.
fn attachment_files(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf, std::path::PathBuf) {
    let shot = dir.join("shot.png");
    std::fs::write(&shot, roundtable_fakes::files::png(30, 20, false)).unwrap();
    let doc = dir.join("q3.pdf");
    std::fs::write(&doc, roundtable_fakes::files::pdf(2)).unwrap();
    let notes = dir.join("notes.txt");
    std::fs::write(&notes, "total: 42\n").unwrap();
    (shot, doc, notes)
}

#[test]
fn chat_sends_attachments_history_lists_them_and_exports_carry_them() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let files = tempfile::tempdir().unwrap();
    let (shot, doc, notes) = attachment_files(files.path());
    let (shot_s, doc_s, notes_s) = (
        shot.to_str().unwrap(),
        doc.to_str().unwrap(),
        notes.to_str().unwrap(),
    );
    let o = run(
        d,
        &[
            "chat",
            "-m",
            "fake/gpt-4o",
            "-a",
            shot_s,
            "-a",
            doc_s,
            "-a",
            notes_s,
            "--json",
            "What are these?",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        json_lines(&o).last().unwrap()["type"],
        "done",
        "--json events unchanged"
    );
    let sent = server.requests()[0].json();
    let content = &sent["messages"][0]["content"];
    assert_eq!(content[0]["type"], "image_url");
    assert_eq!(content[1]["file"]["filename"], "q3.pdf");
    assert_eq!(content[2]["text"], "```notes.txt\ntotal: 42\n```");
    assert_eq!(content[3]["text"], "What are these?");

    let shown = run(d, &["history", "show", "1", "--json"], None);
    let c: Value = serde_json::from_str(&stdout(&shown)).unwrap();
    let parts = &c["messages"][0]["parts"];
    let png_bytes = std::fs::read(&shot).unwrap();
    assert_eq!(parts[0]["type"], "image");
    assert_eq!(parts[0]["media_type"], "image/png");
    assert_eq!(parts[0]["name"], "shot.png");
    assert_eq!(parts[0]["bytes"], png_bytes.len());
    assert_eq!(parts[0]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(
        (parts[1]["type"].as_str(), parts[1]["pages"].as_u64()),
        (Some("file"), Some(2))
    );
    assert_eq!(parts[2]["media_type"], "text/plain");
    let text = stdout(&run(d, &["history", "show", "1"], None));
    assert!(
        text.contains("[attached: shot.png (PNG image, 30×20,"),
        "{text}"
    );

    // Markdown: the files in a folder beside it; --embed: data: URLs.
    let out = files.path().join("talk.md");
    let o = run(
        d,
        &[
            "history",
            "export",
            "1",
            "--format",
            "md",
            "-o",
            out.to_str().unwrap(),
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let md = std::fs::read_to_string(&out).unwrap();
    let sha = parts[0]["sha256"].as_str().unwrap();
    let copy = format!("talk_files/{}-shot.png", &sha[..12]);
    assert!(md.contains(&format!("](<{copy}>)")), "{md}");
    assert_eq!(std::fs::read(files.path().join(&copy)).unwrap(), png_bytes);
    let o = run(
        d,
        &["history", "export", "1", "--format", "md", "--embed"],
        None,
    );
    assert!(
        stdout(&o).contains("![shot.png (PNG image, 30×20"),
        "{}",
        stdout(&o)
    );
    assert!(stdout(&o).contains("data:image/png;base64,"));
    // JSON: parts, with their bytes only when embedded.
    let o = run(d, &["history", "export", "1", "--format", "json"], None);
    assert!(!stdout(&o).contains("\"data\""));
    let o = run(
        d,
        &["history", "export", "1", "--format", "json", "--embed"],
        None,
    );
    let j: Value = serde_json::from_str(&stdout(&o)).unwrap();
    use base64::Engine as _;
    let back = base64::engine::general_purpose::STANDARD
        .decode(j["messages"][0]["parts"][0]["data"].as_str().unwrap())
        .unwrap();
    assert_eq!(back, png_bytes);
    // HTML: the image inline, nothing else allowed to load.
    let html = stdout(&run(
        d,
        &["history", "export", "1", "--format", "html"],
        None,
    ));
    assert!(html.contains("<img src=\"data:image/png;base64,"), "{html}");
    assert!(html.contains("img-src data:"));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(html.contains("Attached: q3.pdf (PDF, 2 pages,"), "{html}");
}

#[test]
fn a_bad_attachment_stops_the_command_by_name_and_nothing_is_kept() {
    let server = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let dir = data_dir(Protocol::OpenAi, &server);
    let files = tempfile::tempdir().unwrap();
    let fake = files.path().join("fake.png");
    std::fs::write(&fake, b"GIF89a not really").unwrap();
    let cut = files.path().join("cut.jpg");
    let mut jpeg = std::io::Cursor::new(Vec::new());
    image::RgbImage::new(64, 64)
        .write_to(&mut jpeg, image::ImageFormat::Jpeg)
        .unwrap();
    let jpeg = jpeg.into_inner();
    std::fs::write(&cut, &jpeg[..jpeg.len() / 2]).unwrap();
    let missing = files.path().join("missing.pdf");
    for (path, needle) in [
        (&fake, "fake.png"),
        (&cut, "cut.jpg"),
        (&missing, "missing.pdf"),
    ] {
        let o = run(
            dir.path(),
            &[
                "chat",
                "-m",
                "fake/m",
                "-a",
                path.to_str().unwrap(),
                "hello",
            ],
            None,
        );
        assert_eq!(o.status.code(), Some(2), "{needle}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
        assert_eq!(stderr(&o).lines().count(), 1, "one line: {}", stderr(&o));
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    let listed = stdout(&run(dir.path(), &["history", "list", "--json"], None));
    assert!(
        listed.trim().is_empty() || listed.trim() == "[]",
        "no conversation was made: {listed}"
    );
    assert!(!dir.path().join("attachments").exists(), "no file was kept");
}

#[test]
fn kill_9_mid_answer_keeps_the_message_and_its_attachment_and_rm_frees_the_file() {
    use roundtable_engine::store::{MessageStatus, Store, StoredPart};
    let pieces: Vec<String> = (0..150).map(|i| format!("word{i} ")).collect();
    let refs: Vec<&str> = pieces.iter().map(String::as_str).collect();
    let server = FakeServer::always(
        Protocol::OpenAi
            .stream(&Answer::new("slow", &refs))
            .paced(Duration::from_millis(15)),
    );
    let dir = data_dir(Protocol::OpenAi, &server);
    let d = dir.path();
    let files = tempfile::tempdir().unwrap();
    let (shot, _, _) = attachment_files(files.path());
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(d)
        .args([
            "chat",
            "-m",
            "fake/gpt-4o",
            "-a",
            shot.to_str().unwrap(),
            "describe it",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while server.requests().is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    // Long enough for a flush of the answer so far (every 500 ms), short of its end (2.2 s).
    std::thread::sleep(Duration::from_millis(1000));
    child.kill().unwrap(); // SIGKILL, mid-answer
    child.wait().unwrap();

    let store = Store::open(d).unwrap();
    assert!(store.integrity_ok().unwrap());
    let c = store.conversation(1).unwrap();
    assert_eq!(c.messages[0].text, "describe it");
    let StoredPart::Image(meta) = &c.messages[0].parts[0] else {
        panic!("the attachment survived: {:?}", c.messages[0].parts)
    };
    let file = store.blobs().path(&meta.sha256).unwrap();
    assert_eq!(std::fs::read(&file).unwrap(), std::fs::read(&shot).unwrap());
    assert_eq!(c.messages[1].status, MessageStatus::Interrupted);
    assert!(
        c.messages[1].text.starts_with("word0 "),
        "the partial answer too"
    );
    drop(store);
    // Attached an hour ago (a file attached within 15 minutes is kept for a composer's sake).
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    let o = run(d, &["history", "rm", "1"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!file.exists(), "freed with its last message");
}

#[test]
fn compare_sends_the_attachment_to_every_column() {
    let a = FakeServer::always(Protocol::OpenAi.stream(&answer()));
    let b = FakeServer::always(Protocol::Anthropic.stream(&answer()));
    let dir = fleet_dir(&[(Protocol::OpenAi, &a), (Protocol::Anthropic, &b)], "");
    let files = tempfile::tempdir().unwrap();
    let (shot, _, _) = attachment_files(files.path());
    let o = run(
        dir.path(),
        &[
            "compare",
            "-m",
            "p0/gpt-4o",
            "-m",
            "p1/claude-sonnet-4-5",
            "-a",
            shot.to_str().unwrap(),
            "What is it?",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(
        a.requests()[0].json()["messages"][0]["content"][0]["type"],
        "image_url"
    );
    assert_eq!(
        b.requests()[0].json()["messages"][0]["content"][0]["type"],
        "image"
    );
}

#[test]
fn a_pdf_for_a_provider_that_takes_none_goes_as_its_text_and_the_figures_say_so() {
    let server = FakeServer::always(Protocol::Ollama.stream(&answer()));
    let dir = data_dir(Protocol::Ollama, &server);
    let files = tempfile::tempdir().unwrap();
    let (_, doc, _) = attachment_files(files.path());
    let o = run(
        dir.path(),
        &[
            "chat",
            "-m",
            "fake/llava",
            "-a",
            doc.to_str().unwrap(),
            "Sum it up.",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("q3.pdf went as its text (2 pages): this provider takes no PDFs"),
        "{}",
        stderr(&o)
    );
    let content = server.requests()[0].json()["messages"][0]["content"].clone();
    assert!(
        content.as_str().unwrap().contains("Page 2 says hello"),
        "{content}"
    );
    let store = roundtable_engine::store::Store::open(dir.path()).unwrap();
    let figures = store.answer_figures(1).unwrap();
    let f = figures.values().next().unwrap();
    assert!(
        f.note
            .as_deref()
            .unwrap()
            .starts_with("q3.pdf went as its text"),
        "{f:?}"
    );
}

#[test]
fn without_streaming_attachments_are_fitted_the_same_way() {
    let server = FakeServer::always(Protocol::Anthropic.whole(&answer()));
    let dir = data_dir(Protocol::Anthropic, &server);
    let files = tempfile::tempdir().unwrap();
    let wide = files.path().join("wide.png");
    std::fs::write(&wide, roundtable_fakes::files::png(3136, 200, false)).unwrap();
    let (_, _, notes) = attachment_files(files.path());
    let o = run(
        dir.path(),
        &[
            "chat",
            "--no-stream",
            "-m",
            "fake/claude-sonnet-4-5",
            "-a",
            wide.to_str().unwrap(),
            "-a",
            notes.to_str().unwrap(),
            "Read these.",
        ],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let content = server.requests()[0].json()["messages"][0]["content"].clone();
    use base64::Engine as _;
    let sent = base64::engine::general_purpose::STANDARD
        .decode(content[0]["source"]["data"].as_str().unwrap())
        .unwrap();
    let img = image::load_from_memory(&sent).unwrap();
    assert_eq!(
        (img.width(), img.height()),
        (1568, 100),
        "downscaled to Anthropic's longest side"
    );
    assert_eq!(
        content[1],
        serde_json::json!({"type": "text", "text": "```notes.txt\ntotal: 42\n```"})
    );
}
