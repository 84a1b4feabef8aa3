//! `roundtable chat --tools` with real MCP servers (`@modelcontextprotocol/server-everything`
//! from npm, and a misbehaving server on the Python `mcp` SDK, both installed by `.ci/setup`) and
//! a fake model that calls them: the call, its consent, its result back to the model, the stored
//! answer, `mcp list` / `mcp test`, and no server left behind when the CLI is killed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use roundtable_fakes::{Answer, FakeServer, Protocol, Reply, Request};
use serde_json::Value;

mod common;
use common::{json_lines as lines, run, BIN, NO_BUS};

fn cache() -> PathBuf {
    PathBuf::from(std::env::var("HOME").unwrap()).join(".cache/roundtable")
}

/// The npm server's program (installed by `.ci/setup`); a missing one fails the test, naming
/// the fix.
fn everything() -> String {
    let dir = std::env::var_os("ROUNDTABLE_MCP")
        .map(PathBuf::from)
        .unwrap_or_else(|| cache().join("mcp"));
    let bin = dir.join("node_modules/.bin/mcp-server-everything");
    assert!(
        bin.exists(),
        "{} is missing: run `bash .ci/setup` to install the test MCP servers",
        bin.display()
    );
    bin.display().to_string()
}

fn python() -> String {
    let py = std::env::var("ROUNDTABLE_PYTHON")
        .unwrap_or_else(|_| cache().join("venv/bin/python").display().to_string());
    assert!(
        Path::new(&py).exists(),
        "{py} is missing: run `bash .ci/setup`"
    );
    py
}

fn misbehave() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/mcp/misbehave.py")
        .canonicalize()
        .unwrap()
        .display()
        .to_string()
}

type Seen = Arc<Mutex<Vec<String>>>;

/// A fake OpenAI model: the first request gets a call of `tool` with `args`; later ones answer
/// with the text of the last tool message they carry.
fn model(tool: &str, args: &str) -> (FakeServer, Seen) {
    let seen: Seen = Arc::default();
    let kept = seen.clone();
    let (tool, args) = (tool.to_string(), args.to_string());
    let fake = FakeServer::start(move |req: &Request| {
        let body = req.json();
        kept.lock().unwrap().push(body.to_string());
        let last_tool = body["messages"]
            .as_array()
            .and_then(|m| m.iter().rev().find(|m| m["role"] == "tool"))
            .map(|m| m["content"].as_str().unwrap_or("").to_string());
        match last_tool {
            None => Protocol::OpenAi
                .stream(&Answer::new("m", &[]).with_tool_calls(vec![("call_1", &tool, &args)])),
            Some(result) => {
                let said = format!("The tool said: {result}");
                Protocol::OpenAi.stream(&Answer::new("m", &[&said]))
            }
        }
    });
    (fake, seen)
}

fn data_dir(model: &FakeServer, mcp: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let config = format!(
        "[providers.fake]\nkind = \"openai\"\nbase_url = \"{}/v1\"\n\n{mcp}",
        model.url()
    );
    std::fs::write(dir.path().join("config.toml"), config).unwrap();
    dir
}

fn everything_table() -> String {
    format!(
        "[mcp.everything]\ncommand = \"{}\"\nargs = [\"stdio\"]\n",
        everything()
    )
}

/// `roundtable chat -m fake/m` with `rest`.
fn chat(dir: &Path, rest: &[&str]) -> Output {
    let mut args = vec!["chat", "-m", "fake/m"];
    args.extend_from_slice(rest);
    run(dir, &args)
}

/// A `[mcp.NAME]` table running `misbehave.py` with `args` (a mode, a tag).
fn misbehave_table(name: &str, args: &[&str]) -> String {
    let mut all = vec![misbehave()];
    all.extend(args.iter().map(|a| a.to_string()));
    let quoted: Vec<String> = all.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        "[mcp.{name}]\ncommand = \"{}\"\nargs = [{}]\n",
        python(),
        quoted.join(", ")
    )
}

fn of_type<'a>(events: &'a [Value], kind: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["type"] == kind).collect()
}

#[test]
fn chat_calls_server_everythings_echo_and_the_model_answers_from_its_result() {
    let (fake, seen) = model("everything__echo", r#"{"message":"hi from the model"}"#);
    let dir = data_dir(&fake, &everything_table());
    let out = chat(
        dir.path(),
        &[
            "--tools",
            "everything",
            "--approve",
            "all",
            "--json",
            "Use the echo tool",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    let events = lines(&out);
    let call = of_type(&events, "tool_call");
    assert_eq!(call.len(), 1, "{events:#?}");
    assert_eq!(call[0]["name"], "everything__echo");
    assert_eq!(call[0]["arguments"]["message"], "hi from the model");
    let result = of_type(&events, "tool_result");
    assert_eq!(result[0]["text"], "Echo: hi from the model");
    assert_eq!(result[0]["is_error"], false);
    assert_eq!(result[0]["decision"], "always");
    assert!(result[0]["ms"].as_u64().is_some());
    let done = of_type(&events, "done");
    assert_eq!(done[0]["steps"], 2);
    let text: String = of_type(&events, "delta")
        .iter()
        .map(|d| d["text"].as_str().unwrap())
        .collect();
    assert_eq!(text, "The tool said: Echo: hi from the model");
    // The model was offered the server's tools, namespaced, with their schemas.
    let first: Value = serde_json::from_str(&seen.lock().unwrap()[0]).unwrap();
    let offered: Vec<&str> = first["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["function"]["name"].as_str().unwrap())
        .collect();
    assert!(offered.contains(&"everything__echo"), "{offered:?}");
    assert!(offered.iter().all(|n| n.starts_with("everything__")));
    // Stored and searchable: the call's arguments and its result.
    let found = run(
        dir.path(),
        &["history", "search", "hi from the model", "--json"],
    );
    assert_eq!(
        lines(&found).len(),
        1,
        "{}",
        String::from_utf8_lossy(&found.stdout)
    );
    let shown = run(dir.path(), &["history", "show", "1", "--json"]);
    let shown = String::from_utf8_lossy(&shown.stdout);
    assert!(shown.contains("tool_call") && shown.contains("Echo: hi from the model"));
}

#[test]
fn with_no_terminal_a_call_is_refused_and_the_model_is_told() {
    let (fake, seen) = model("everything__echo", r#"{"message":"x"}"#);
    let dir = data_dir(&fake, &everything_table());
    let out = chat(dir.path(), &["--tools", "everything", "--json", "go"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = lines(&out);
    let result = of_type(&events, "tool_result");
    assert_eq!(result[0]["is_error"], true);
    assert_eq!(result[0]["decision"], "never");
    let told = seen.lock().unwrap()[1].clone();
    assert!(
        told.contains("no one was there to allow this call"),
        "{told}"
    );
    // `--approve none` refuses too, and says so.
    let out = chat(
        dir.path(),
        &["--tools", "everything", "--approve", "none", "--json", "go"],
    );
    let events = lines(&out);
    assert!(of_type(&events, "tool_result")[0]["text"]
        .as_str()
        .unwrap()
        .contains("not allowed in this session"));
}

#[test]
fn a_remembered_never_refuses_and_an_always_runs_without_asking() {
    let (fake, _seen) = model("everything__echo", r#"{"message":"x"}"#);
    let table = format!("{}never = [\"echo\"]\n", everything_table());
    let dir = data_dir(&fake, &table);
    let out = chat(
        dir.path(),
        &["--tools", "everything", "--approve", "all", "--json", "go"],
    );
    let events = lines(&out);
    assert_eq!(of_type(&events, "tool_result")[0]["decision"], "never");
    let table = format!("{}always = [\"echo\"]\n", everything_table());
    let dir = data_dir(&fake, &table);
    let out = chat(dir.path(), &["--tools", "everything", "--json", "go"]);
    let events = lines(&out);
    let result = of_type(&events, "tool_result");
    assert_eq!(result[0]["decision"], "always", "{events:#?}");
    assert_eq!(result[0]["is_error"], false);
}

#[test]
fn a_server_that_does_not_start_stops_the_chat_before_anything_is_saved() {
    let (fake, seen) = model("broken__echo", "{}");
    let table = misbehave_table("broken", &["exit3"]);
    let dir = data_dir(&fake, &table);
    let out = chat(dir.path(), &["--tools", "broken", "--approve", "all", "go"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken") && err.contains('3'), "{err}");
    assert!(
        err.contains("refusing to start on purpose"),
        "its stderr's tail: {err}"
    );
    assert!(seen.lock().unwrap().is_empty(), "nothing was sent");
    let list = run(dir.path(), &["history", "list", "--json"]);
    assert!(list.stdout.is_empty(), "nothing was saved");
    // An unknown server is named with the known ones.
    let out = chat(dir.path(), &["--tools", "nope", "go"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("nope") && err.contains("broken"), "{err}");
}

#[test]
fn mcp_list_and_test_show_servers_and_their_tools() {
    let fake = FakeServer::always(Reply::body(500, "text/plain", "unused"));
    let table = format!(
        "{}\n[mcp.off]\ncommand = \"{}\"\nenabled = false\n",
        everything_table(),
        python()
    );
    let dir = data_dir(&fake, &table);
    let out = run(dir.path(), &["mcp", "list", "--json"]);
    let servers = lines(&out);
    assert_eq!(servers.len(), 2);
    assert_eq!(servers[0]["server"]["name"], "everything");
    assert_eq!(servers[0]["server"]["state"], "not_started");
    assert_eq!(servers[1]["server"]["enabled"], false);
    let out = run(dir.path(), &["mcp", "test", "everything", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let test = &lines(&out)[0];
    assert_eq!(test["server"]["state"], "running");
    assert!(test["server"]["coldStartMs"].as_u64().is_some());
    let echo = test["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "echo")
        .expect("echo is listed");
    assert_eq!(echo["namespaced"], "everything__echo");
    assert_eq!(
        echo["inputSchema"]["properties"]["message"]["type"],
        "string"
    );
    let out = run(dir.path(), &["mcp", "list"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("everything") && text.contains("turned off"),
        "{text}"
    );
}

/// Every process now: (pid, parent pid, command line), zombies left out (init reaps them).
fn processes() -> Vec<(u32, u32, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let (Ok(stat), Ok(cmd)) = (
            std::fs::read_to_string(format!("/proc/{pid}/stat")),
            std::fs::read(format!("/proc/{pid}/cmdline")),
        ) else {
            continue;
        };
        // `pid (comm) state ppid …`: the comm may hold spaces, so read after the last ')'.
        let after: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        if after[0] != "Z" {
            let ppid = after[1].parse().unwrap();
            found.push((pid, ppid, String::from_utf8_lossy(&cmd).into_owned()));
        }
    }
    found
}

/// Every process whose parent is `pid`.
fn children(pid: u32) -> Vec<u32> {
    processes()
        .into_iter()
        .filter(|(_, ppid, _)| *ppid == pid)
        .map(|(p, _, _)| p)
        .collect()
}

fn alive(pid: u32) -> bool {
    // A zombie is gone for our purpose (its parent, init, reaps it).
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .map(|s| !s[s.rfind(')').unwrap() + 2..].starts_with('Z'))
        .unwrap_or(false)
}

#[test]
fn killing_the_cli_mid_call_leaves_no_server_behind() {
    let (fake, _seen) = model("slow__hang", "{}");
    // `stubborn`: the server ignores SIGTERM and outlives its stdin closing, so only the
    // parent-death signal can end it when the CLI is killed.
    let table = misbehave_table("slow", &["stubborn"]);
    let dir = data_dir(&fake, &table);
    let mut cli = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir.path())
        .args([
            "chat",
            "-m",
            "fake/m",
            "--tools",
            "slow",
            "--approve",
            "all",
            "--json",
            "go",
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait for the tool call to be under way (its event printed).
    let stdout = cli.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("\"tool_call\"") {
                let _ = tx.send(());
            }
        }
    });
    rx.recv_timeout(Duration::from_secs(30))
        .expect("the model's call arrived");
    let servers = children(cli.id());
    assert!(!servers.is_empty(), "the MCP server runs under the CLI");
    assert!(servers.iter().all(|p| alive(*p)));
    cli.kill().unwrap(); // SIGKILL: no chance to clean up
    cli.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while servers.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<&u32> = servers.iter().filter(|p| alive(**p)).collect();
    assert!(left.is_empty(), "servers left behind: {left:?}");
}

/// The processes whose command line holds `tag`.
fn tagged(tag: &str) -> Vec<u32> {
    processes()
        .into_iter()
        .filter(|(_, _, cmd)| cmd.contains(tag))
        .map(|(p, _, _)| p)
        .collect()
}

#[test]
fn a_normal_exit_stops_the_servers_it_started() {
    let (fake, _seen) = model("tagged__echo", r#"{"message":"x"}"#);
    let dir_tag = format!("tag-{}", std::process::id());
    // `stubborn` outlives its stdin closing and ignores SIGTERM: only the group's SIGKILL at
    // shutdown ends it. The tag (an unknown mode word is ignored) finds it in /proc.
    let table = misbehave_table("tagged", &["stubborn", &dir_tag]);
    let dir = data_dir(&fake, &table);
    let out = chat(
        dir.path(),
        &["--tools", "tagged", "--approve", "all", "--json", "go"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events = lines(&out);
    assert_eq!(
        of_type(&events, "tool_result")[0]["text"],
        "misbehave echo: x",
        "the server ran the call"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    while !tagged(&dir_tag).is_empty() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(tagged(&dir_tag).is_empty(), "a server outlived the CLI");
}
