//! `roundtable models` and its local-model subcommands, on the real binary with a temp data dir:
//! add / list / rm / catalog with a tiny generated GGUF, and pull from a fake Hugging Face
//! mirror (`[local] mirror`) — progress, a cut download resumed, JSON events, clear failures.

use std::process::Output;

use roundtable_fakes::gguf;
use roundtable_fakes::hub::Hub;
use serde_json::Value;

mod common;
use common::{json_lines, run, stderr, stdout};

/// A data dir whose models come from `mirror`, with the keyless local servers (Ollama, LM
/// Studio) turned off so the listing asks no server (the cloud presets have no key).
fn data_dir(mirror: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("config.toml"),
        format!(
            "[local]\nmirror = \"{mirror}\"\n\n[providers.ollama]\nenabled = false\n\n[providers.lmstudio]\nenabled = false\n"
        ),
    )
    .unwrap();
    dir
}

fn local_rows(o: &Output) -> Vec<Value> {
    json_lines(o)
        .into_iter()
        .filter(|v| v["provider"] == "local")
        .collect()
}

#[test]
fn add_list_catalog_and_rm_a_local_model() {
    let dir = data_dir("https://huggingface.co");
    let file = dir.path().join("Tiny.Q8_0.gguf");
    std::fs::write(&file, gguf::tiny()).unwrap();

    let o = run(
        dir.path(),
        &["models", "add", file.to_str().unwrap(), "--name", "tiny"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("added local/tiny ("),
        "{}",
        stdout(&o)
    );
    assert!(dir.path().join("models/tiny.gguf").is_file());
    // The file's own name by default, as JSON.
    let o = run(
        dir.path(),
        &["models", "add", file.to_str().unwrap(), "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let added = &json_lines(&o)[0];
    assert_eq!(added["type"], "added");
    assert_eq!(added["name"], "tiny.q8_0");

    for args in [
        &["models", "list", "--json"][..],
        &["models", "--json"],
        &["models", "list", "--provider", "local", "--json"],
    ] {
        let o = run(dir.path(), args);
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        let rows = local_rows(&o);
        assert_eq!(rows.len(), 2, "{args:?}: {}", stdout(&o));
        let tiny = &rows[0];
        assert_eq!(tiny["id"], "local/tiny");
        assert_eq!(tiny["quantization"], "Q8_0");
        assert_eq!(tiny["context_length"], 2048);
        assert_eq!(tiny["architecture"], "llama");
        assert_eq!(tiny["size"], gguf::tiny().len() as u64);
    }
    let o = run(dir.path(), &["models", "list", "--provider", "local"]);
    let text = stdout(&o);
    assert!(
        text.contains("local/tiny ") && text.contains("ctx 2048"),
        "{text}"
    );
    assert!(text.contains("Q8_0") && text.contains("llama"), "{text}");

    let o = run(dir.path(), &["models", "catalog", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let entry = &json_lines(&o)[0];
    assert_eq!(entry["name"], "smollm2-135m");
    assert_eq!(entry["size"], 98_362_432);
    assert_eq!(entry["installed"], false);
    let o = run(dir.path(), &["models", "catalog"]);
    assert!(stdout(&o).contains("smollm2-135m") && stdout(&o).contains("98.4 MB"));

    // The same name again, and a file that is no model: one line, exit 2, nothing written.
    let o = run(
        dir.path(),
        &["models", "add", file.to_str().unwrap(), "--name", "tiny"],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already installed"), "{}", stderr(&o));
    let junk = dir.path().join("page.gguf");
    std::fs::write(&junk, gguf::not_gguf()).unwrap();
    let o = run(dir.path(), &["models", "add", junk.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("page.gguf") && err.contains("not a GGUF file"),
        "{err}"
    );
    assert!(!dir.path().join("models/page.gguf").exists());

    let o = run(dir.path(), &["models", "rm", "tiny"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "removed tiny\n");
    assert!(!dir.path().join("models/tiny.gguf").exists());
    let o = run(dir.path(), &["models", "rm", "tiny"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("no such local model") && err.contains("tiny.q8_0"),
        "{err}"
    );
    let o = run(
        dir.path(),
        &["models", "list", "--provider", "local", "--json"],
    );
    assert_eq!(local_rows(&o).len(), 1);
}

#[test]
fn pull_from_the_mirror_resumes_a_cut_download_and_reports_progress() {
    let hub = Hub::start();
    let dir = data_dir(&hub.url());
    let bytes = gguf::of_size(400_000);
    hub.serve("/owner/repo/resolve/main/Model.gguf", bytes.clone());
    hub.cut_next_after(150_000);

    let o = run(dir.path(), &["models", "pull", "hf:owner/repo/Model.gguf"]);
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    let err = stderr(&o);
    assert!(
        err.contains("run the same command again to resume"),
        "{err}"
    );
    assert!(!dir.path().join("models/model.gguf").exists());

    let o = run(
        dir.path(),
        &["models", "pull", "hf:owner/repo/Model.gguf", "--json"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let events = json_lines(&o);
    let progress: Vec<&Value> = events.iter().filter(|e| e["type"] == "progress").collect();
    assert!(!progress.is_empty());
    assert_eq!(
        progress[0]["done"], 150_000,
        "it starts where the cut left it"
    );
    let last = events.last().unwrap();
    assert_eq!(last["type"], "pulled");
    assert_eq!(last["id"], "local/model");
    assert_eq!(last["resumed_from"], 150_000);
    assert_eq!(last["verified"], false, "no hash published: computed only");
    assert_eq!(last["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(last["quantization"], "Q8_0");
    assert_eq!(
        std::fs::read(dir.path().join("models/model.gguf")).unwrap(),
        bytes
    );
    let reqs = hub.requests();
    assert_eq!(reqs[1].header("range"), Some("bytes=150000-"));
    assert!(hub.bytes_sent() < 2 * bytes.len() as u64);

    // Plain output: progress lines on stderr (not a terminal), the result on stdout.
    hub.serve("/owner/repo/resolve/main/other.gguf", gguf::of_size(1000));
    let o = run(dir.path(), &["models", "pull", "hf:owner/repo/other.gguf"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).starts_with("pulled local/other ("),
        "{}",
        stdout(&o)
    );
    assert!(stderr(&o).contains("pulling other: 100%"), "{}", stderr(&o));
    let o = run(dir.path(), &["models", "pull", "hf:owner/repo/other.gguf"]);
    assert!(o.status.success());
    assert!(stdout(&o).contains("already installed"), "{}", stdout(&o));
}

#[test]
fn pull_failures_are_one_line_with_exit_2() {
    let hub = Hub::start();
    let dir = data_dir(&hub.url());
    for (args, says) in [
        (
            &["models", "pull", "no-such-model"][..],
            "not in the catalog",
        ),
        (
            &["models", "pull", "hf:owner/repo"],
            "hf:OWNER/REPO/FILE.gguf",
        ),
        (&["models", "pull", "hf:owner/repo/gone.gguf"], "HTTP 404"),
    ] {
        let o = run(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        let err = stderr(&o);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(says), "{args:?}: {err}");
    }
    let bad = data_dir("ftp://mirror.example");
    let o = run(bad.path(), &["models", "pull", "smollm2-135m", "--json"]);
    assert_eq!(o.status.code(), Some(2));
    let event = &json_lines(&o)[0];
    assert_eq!(event["type"], "error");
    assert!(
        event["message"]
            .as_str()
            .unwrap()
            .contains("[local] mirror"),
        "{event}"
    );
    let o = run(dir.path(), &["models", "--provider", "x", "rm", "a"]);
    assert_eq!(o.status.code(), Some(2));
}
