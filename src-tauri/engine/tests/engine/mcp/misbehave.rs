//! `tests/mcp/misbehave.py`: a server that fails to start, crashes mid-call, hangs, floods,
//! writes garbage, is killed from outside, or will not stop — each met with a clear error, a
//! bound, or a restart.

use std::time::{Duration, Instant};

use roundtable_engine::mcp::{McpError, State};
use serde_json::json;

use super::{eventually, gone, group_gone, misbehave, registry, text};

#[tokio::test]
async fn a_server_that_fails_to_start_is_named_with_its_exit_code_and_stderr() {
    let mcp = registry(vec![("broken", misbehave("exit3"))]);
    let error = mcp.tools("broken").await.unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, McpError::Start { .. }), "{error:?}");
    assert!(
        message.starts_with("MCP server `broken` could not be started ("),
        "{message}"
    );
    assert!(
        message.contains("misbehave.py exit3"),
        "names the command: {message}"
    );
    assert!(message.contains("exit code 3"), "{message}");
    assert!(
        message.contains("misbehave: refusing to start on purpose"),
        "{message}"
    );
    assert!(message.contains("start-up noise line 199"), "{message}");
    assert!(
        !message.contains("start-up noise line 100\n"),
        "only the tail: {message}"
    );
    let McpError::Start { stderr, .. } = &error else {
        unreachable!()
    };
    assert!(stderr.len() <= 2048, "{} bytes of stderr", stderr.len());

    let status = &mcp.status()[0];
    assert_eq!(status.state, State::Failed);
    assert_eq!(status.pid, None);
    assert_eq!(status.last_error.as_deref(), Some(message.as_str()));
    // A use right after gets the same error without starting it again; a test retries.
    assert_eq!(
        mcp.call("broken", "echo", json!({}), None)
            .await
            .unwrap_err(),
        error
    );
    assert!(matches!(
        mcp.test("broken").await,
        Err(McpError::Start { .. })
    ));
}

#[tokio::test]
async fn a_missing_command_is_named() {
    let mut config = misbehave("");
    config.command = Some("no-such-mcp-server-xyz".into());
    let mcp = registry(vec![("ghost", config)]);
    let message = mcp.tools("ghost").await.unwrap_err().to_string();
    assert!(
        message.contains("`no-such-mcp-server-xyz` was not found in PATH"),
        "{message}"
    );
}

#[tokio::test]
async fn a_crash_mid_call_is_reported_and_the_next_call_starts_it_again() {
    let mcp = registry(vec![("mis", misbehave(""))]);
    let first = mcp
        .call("mis", "echo", json!({"message": "a"}), None)
        .await
        .unwrap();
    assert_eq!(text(&first), "misbehave echo: a");
    let pid = mcp.status()[0].pid.unwrap();

    let error = mcp
        .call("mis", "crash", json!({"code": 7}), None)
        .await
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "MCP server `mis` exited during `crash` (exit code 7): misbehave: crashing on purpose with code 7"
    );
    assert_eq!(mcp.status()[0].state, State::Failed);
    assert!(eventually(Duration::from_secs(5), || gone(pid)));

    let again = mcp
        .call("mis", "echo", json!({"message": "b"}), None)
        .await
        .unwrap();
    assert_eq!(text(&again), "misbehave echo: b");
    let status = &mcp.status()[0];
    assert_eq!(status.state, State::Running);
    assert_ne!(status.pid, Some(pid), "a new process");
    mcp.shutdown().await;
}

#[tokio::test]
async fn a_server_killed_from_outside_is_started_again_on_next_use() {
    let mcp = registry(vec![("mis", misbehave(""))]);
    mcp.tools("mis").await.unwrap();
    let pid = mcp.status()[0].pid.unwrap();
    std::process::Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(eventually(Duration::from_secs(5), || mcp.status()[0].state
        == State::Failed));
    let status = &mcp.status()[0];
    assert!(
        status
            .last_error
            .as_deref()
            .is_some_and(|e| e.contains("signal 9")),
        "{status:?}"
    );
    let out = mcp
        .call("mis", "echo", json!({"message": "back"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "misbehave echo: back");
    assert_ne!(mcp.status()[0].pid, Some(pid));
    mcp.shutdown().await;
}

/// Waits until the server says `n` `hang` calls were cancelled (it got notifications/cancelled).
async fn assert_cancelled(mcp: &roundtable_engine::mcp::Mcp, n: u32) {
    for _ in 0..50 {
        let out = mcp.call("mis", "cancelled", json!({}), None).await.unwrap();
        if text(&out) == n.to_string() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the server never saw the call cancelled");
}

#[tokio::test]
async fn a_hung_call_times_out_and_the_server_keeps_working() {
    let mcp = registry(vec![("mis", misbehave(""))]);
    mcp.tools("mis").await.unwrap();
    let started = Instant::now();
    let error = mcp
        .call("mis", "hang", json!({}), Some(Duration::from_millis(1500)))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        error.to_string(),
        "MCP server `mis`: `hang` did not answer within 1.5 s"
    );
    assert!(took >= Duration::from_millis(1500), "{took:?}");
    assert!(
        took < Duration::from_secs(10),
        "ends at its deadline, took {took:?}"
    );
    assert_cancelled(&mcp, 1).await;
    let out = mcp
        .call(
            "mis",
            "slow_echo",
            json!({"message": "still here", "ms": 50}),
            None,
        )
        .await
        .unwrap();
    assert_eq!(text(&out), "slow echo: still here");
    mcp.shutdown().await;
}

#[tokio::test]
async fn a_dropped_call_leaves_the_server_usable() {
    let mcp = registry(vec![("mis", misbehave(""))]);
    mcp.tools("mis").await.unwrap();
    let call = mcp.call("mis", "hang", json!({}), None);
    // The person pressed Stop: the future is dropped mid-call.
    assert!(tokio::time::timeout(Duration::from_millis(500), call)
        .await
        .is_err());
    assert_cancelled(&mcp, 1).await;
    let out = mcp
        .call("mis", "echo", json!({"message": "next"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "misbehave echo: next");
    mcp.shutdown().await;
}

#[tokio::test]
async fn a_large_answer_is_cut_and_a_flood_is_dropped_with_a_reason() {
    let mcp = registry(vec![("mis", misbehave(""))]);
    let large = mcp
        .call("mis", "flood", json!({"mb": 1.0}), None)
        .await
        .unwrap();
    assert!(!large.is_error);
    let t = text(&large);
    assert!(
        t.ends_with("\n[output cut at 256 KB]"),
        "{}",
        &t[t.len() - 40..]
    );
    assert!(t.len() <= 256 * 1024 + 40, "{} bytes", t.len());

    let started = Instant::now();
    let flood = mcp
        .call("mis", "flood", json!({"mb": 20.0}), None)
        .await
        .unwrap();
    assert!(flood.is_error);
    assert_eq!(
        text(&flood),
        "MCP error -32603: MCP server `mis` answered with a message of 20.0 MB, over the 16 MB limit per message; the answer was dropped"
    );
    assert!(
        started.elapsed() < Duration::from_secs(30),
        "not left to time out"
    );
    let out = mcp
        .call("mis", "echo", json!({"message": "after"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "misbehave echo: after");
    mcp.shutdown().await;
}

#[tokio::test]
async fn garbage_on_stdout_is_skipped() {
    let mcp = registry(vec![("mis", misbehave("garbage"))]);
    let tools = mcp.tools("mis").await.unwrap();
    assert!(tools.iter().any(|t| t.name == "garbage"));
    let out = mcp.call("mis", "garbage", json!({}), None).await.unwrap();
    assert!(!out.is_error);
    assert_eq!(text(&out), "answered after garbage");
    let out = mcp
        .call("mis", "echo", json!({"message": "ok"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "misbehave echo: ok");
    mcp.shutdown().await;
}

#[tokio::test]
async fn its_env_is_passed_and_our_keys_are_not() {
    let mut config = misbehave("");
    config.env.insert("LOG_LEVEL".into(), "warn".into());
    let mcp = registry(vec![("mis", config)]);
    let out = mcp
        .call("mis", "env", json!({"name": "LOG_LEVEL"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "warn");
    mcp.shutdown().await;
}

#[tokio::test]
async fn shutdown_ends_the_server_and_what_it_started() {
    let mcp = registry(vec![("mis", misbehave(""))]);
    let out = mcp
        .call("mis", "spawn_child", json!({}), None)
        .await
        .unwrap();
    let grandchild: u32 = text(&out).trim().parse().unwrap();
    let pid = mcp.status()[0].pid.unwrap();
    assert!(!gone(pid) && !gone(grandchild));
    mcp.shutdown().await;
    assert!(gone(pid), "the server is gone when shutdown returns");
    assert!(
        eventually(Duration::from_secs(2), || gone(grandchild)),
        "its child too"
    );
    assert!(group_gone(pid), "no process is left in its group");
    let status = &mcp.status()[0];
    assert_eq!((status.state, status.pid), (State::Stopped, None));
    // Still usable: a use starts it again.
    let out = mcp
        .call("mis", "echo", json!({"message": "again"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "misbehave echo: again");
    mcp.shutdown().await;
}

#[tokio::test]
async fn a_server_that_ignores_eof_and_sigterm_is_killed() {
    let mcp = registry(vec![("stubborn", misbehave("stubborn"))]);
    mcp.tools("stubborn").await.unwrap();
    let pid = mcp.status()[0].pid.unwrap();
    let started = Instant::now();
    mcp.shutdown().await;
    assert!(gone(pid), "SIGKILL ended it");
    assert!(group_gone(pid));
    assert!(started.elapsed() < Duration::from_secs(10));
}

#[tokio::test]
async fn dropping_the_registry_ends_its_servers() {
    let mcp = registry(vec![("mis", misbehave(""))]);
    mcp.tools("mis").await.unwrap();
    let pid = mcp.status()[0].pid.unwrap();
    drop(mcp);
    assert!(
        eventually(Duration::from_secs(8), || gone(pid)),
        "the server outlived its registry"
    );
}

#[tokio::test]
async fn a_disabled_tool_is_listed_turned_off_and_not_called() {
    let mut config = misbehave("");
    config.disabled_tools = vec!["crash".into()];
    let mcp = registry(vec![("mis", config)]);
    let tools = mcp.tools("mis").await.unwrap();
    let crash = tools.iter().find(|t| t.name == "crash").unwrap();
    assert!(!crash.enabled);
    assert!(tools.iter().find(|t| t.name == "echo").unwrap().enabled);
    let pid = mcp.status()[0].pid;
    let out = mcp.call("mis", "crash", json!({}), None).await.unwrap();
    assert!(out.is_error);
    assert_eq!(
        text(&out),
        "the tool `crash` of MCP server `mis` is turned off (disabled_tools)"
    );
    assert_eq!(mcp.status()[0].pid, pid, "the server did not crash");
    mcp.shutdown().await;
}

#[tokio::test]
async fn an_edited_config_keeps_unchanged_servers_running_and_stops_the_changed_one() {
    let mcp = registry(vec![("kept", misbehave("")), ("edited", misbehave(""))]);
    mcp.tools("kept").await.unwrap();
    mcp.tools("edited").await.unwrap();
    let pid = |m: &roundtable_engine::mcp::Mcp, name: &str| {
        m.status()
            .into_iter()
            .find(|s| s.name == name)
            .and_then(|s| s.pid)
    };
    let (kept_pid, edited_pid) = (pid(&mcp, "kept").unwrap(), pid(&mcp, "edited").unwrap());
    let mut edited = misbehave("");
    edited.env.insert("MISBEHAVE_TAG".into(), "new".into());
    // Approvals are the tool host's: a changed `always` restarts nothing.
    let mut kept = misbehave("");
    kept.always = vec!["echo".into()];
    let servers = std::collections::BTreeMap::from([
        ("kept".to_string(), kept),
        ("edited".to_string(), edited),
    ]);
    let fresh = mcp.reconfigured(&servers);
    drop(mcp);
    assert_eq!(
        pid(&fresh, "kept"),
        Some(kept_pid),
        "the unchanged server still runs"
    );
    assert_eq!(
        pid(&fresh, "edited"),
        None,
        "the edited one starts again on first use"
    );
    assert!(
        eventually(Duration::from_secs(10), || gone(edited_pid)),
        "the old process of the edited server stopped"
    );
    assert!(!gone(kept_pid));
    let out = fresh
        .call("kept", "echo", json!({"message": "still here"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "misbehave echo: still here");
    let out = fresh
        .call("edited", "env", json!({"name": "MISBEHAVE_TAG"}), None)
        .await
        .unwrap();
    assert_eq!(text(&out), "new");
    fresh.shutdown().await;
    assert!(eventually(Duration::from_secs(10), || gone(kept_pid)));
}
