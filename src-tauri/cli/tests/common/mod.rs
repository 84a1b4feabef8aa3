//! What the CLI's test binaries share: running the real `roundtable` binary on a data dir with no
//! keychain and no key in the environment, bounded in time, and reading what it printed.
// Each test binary uses its own part of this.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_roundtable");

/// No session bus at this address: these tests never read a real keychain.
pub const NO_BUS: &str = "unix:path=/nonexistent/roundtable-test-bus";

/// The longest one run may take before it is killed and the test fails.
const LIMIT: Duration = Duration::from_secs(60);

/// Runs the CLI on `dir` with `args`: no keychain, no `OPENAI_API_KEY`, stdin closed; killed
/// (and the test failed) if it does not end within a minute.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("ROUNDTABLE_HOME")
        .env_remove("OPENAI_API_KEY")
        .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the roundtable binary runs");
    let deadline = Instant::now() + LIMIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("roundtable {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Stdout as JSON lines (`--json`); a line that is not JSON fails the test.
pub fn json_lines(o: &Output) -> Vec<Value> {
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l} ({e})")))
        .collect()
}
