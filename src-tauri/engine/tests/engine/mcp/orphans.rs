//! No server outlives us, even when we are killed with SIGKILL: this test binary runs itself
//! again as a helper that starts servers, prints their pids, and waits; the test SIGKILLs the
//! helper and checks the servers go too. The helpers are ordinary tests that do nothing unless
//! their environment variable is set.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use roundtable_engine::mcp::Options;
use serde_json::json;

use super::{eventually, everything, gone, misbehave, registry, registry_with, text};

const HELPER: &str = "ROUNDTABLE_MCP_TEST_HELPER";

/// Runs the test `name` of this binary as a helper process with `HELPER=role`.
fn helper(name: &str, role: &str) -> std::process::Child {
    // `/proc/self/exe`, not `current_exe()`: the shared target dir may have replaced the file
    // since this binary started, and the kernel still has this one.
    Command::new("/proc/self/exe")
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(HELPER, role)
        .env("ROUNDTABLE_KEY_OPENAI", "sk-test-FAKE-withheld")
        .env("OPENAI_API_KEY", "sk-test-FAKE-withheld-too")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap()
}

/// Reads the helper's stdout until a line with `marker` (the harness may have written the
/// test's name before it on the same line); the words after it.
fn line_after(child: &mut std::process::Child, marker: &str) -> Vec<String> {
    let stdout = child.stdout.as_mut().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        if let Some((_, rest)) = line.split_once(marker) {
            return rest.split_whitespace().map(str::to_string).collect();
        }
    }
    panic!("the helper ended without printing `{marker}`");
}

#[test]
fn helper_starts_servers_and_waits() {
    if std::env::var(HELPER).as_deref() != Ok("orphans") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let mcp = registry(vec![
            ("everything", everything()),
            ("stubborn", misbehave("stubborn")),
        ]);
        mcp.tools("everything").await.unwrap();
        let out = mcp
            .call("stubborn", "spawn_child", json!({}), None)
            .await
            .unwrap();
        let grandchild = text(&out);
        // Our keys stay out of a server's environment.
        let env = mcp
            .call("everything", "get-env", json!({}), None)
            .await
            .unwrap();
        let leaked = text(&env).contains("sk-test-FAKE-withheld");
        let pids: Vec<String> = mcp
            .status()
            .iter()
            .map(|s| s.pid.unwrap().to_string())
            .collect();
        println!("PIDS {} {grandchild} leaked={leaked}", pids.join(" "));
        // Wait to be killed; the registry is never dropped.
        tokio::time::sleep(Duration::from_secs(120)).await;
        std::mem::forget(mcp);
    });
}

#[test]
fn sigkill_of_our_process_leaves_no_server_behind() {
    let mut child = helper("mcp::orphans::helper_starts_servers_and_waits", "orphans");
    let words = line_after(&mut child, "PIDS ");
    let pids: Vec<u32> = words[..3].iter().map(|w| w.parse().unwrap()).collect();
    let (everything, stubborn, grandchild) = (pids[0], pids[1], pids[2]);
    assert_eq!(
        words[3], "leaked=false",
        "a key reached a server's environment"
    );
    for pid in [everything, stubborn] {
        assert!(!gone(pid), "server {pid} runs before the kill");
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no shutdown runs
    child.wait().unwrap();
    for pid in [everything, stubborn] {
        assert!(
            eventually(Duration::from_secs(5), || gone(pid)),
            "server {pid} outlived the SIGKILLed process"
        );
    }
    // A process the server started gets no parent-death signal of its own; the stubborn
    // server's `sleep` ignores stdin, so end it here rather than leave it behind.
    if !gone(grandchild) {
        let _ = Command::new("kill")
            .args(["-KILL", &grandchild.to_string()])
            .status();
    }
}

#[test]
fn helper_floods() {
    if std::env::var(HELPER).as_deref() != Ok("flood") {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let options = Options {
            max_message_bytes: 4 << 20,
            ..Options::default()
        };
        let mcp = registry_with(vec![("mis", misbehave(""))], options);
        mcp.tools("mis").await.unwrap();
        let before = peak_kb();
        let out = mcp
            .call("mis", "flood", json!({"mb": 64.0}), None)
            .await
            .unwrap();
        let after = peak_kb();
        println!("FLOOD {} {before} {after}", out.is_error);
        mcp.shutdown().await;
    });
}

/// This process's peak resident memory, in KB.
fn peak_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_64_mb_line_does_not_grow_our_memory() {
    let mut child = helper("mcp::orphans::helper_floods", "flood");
    let words = line_after(&mut child, "FLOOD ");
    child.wait().unwrap();
    assert_eq!(words[0], "true", "the flood comes back as an error");
    let (before, after): (u64, u64) = (words[1].parse().unwrap(), words[2].parse().unwrap());
    assert!(
        after - before < 32 * 1024,
        "peak memory grew by {} KB reading a 64 MB line (limit 4 MB)",
        after - before
    );
}
