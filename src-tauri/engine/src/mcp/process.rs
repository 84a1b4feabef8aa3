//! Starting a stdio MCP server as a child process we can always end: its own process group, a
//! parent-death signal, the tail of its stderr, and its exit status.
//!
//! No orphans, even when our process is killed with SIGKILL:
//!
//! - Each server is the leader of its own process group (`process_group(0)`, safe std), so a
//!   shutdown signals the server and whatever it started (`npx` → `node`) at once.
//! - On Linux it is started through util-linux's `setpriv --pdeathsig KILL`, which sets
//!   `PR_SET_PDEATHSIG` in the child and then executes the server in place (same pid). The
//!   workspace forbids `unsafe` code, which rules out a `pre_exec` hook calling `prctl`
//!   ourselves; `setpriv` does exactly that step in the child, between fork and exec. Without
//!   `setpriv` (another OS, a minimal container) the server still gets EOF on stdin when we die.
//! - The parent-death signal fires when the *thread* that forked the child exits, not the
//!   process. Tokio's blocking-pool threads exit after idling and a current-thread runtime's
//!   thread ends with its runtime, so every server is forked from one dedicated spawner thread
//!   that lives as long as the process (it waits on a channel whose sender is a static).
//! - Each child is reaped by its own waiter thread, which records the exit status; signals go
//!   to the process group through `rustix` (no pid is signalled after it was reaped).

use std::collections::VecDeque;
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use tokio::sync::Notify;

use super::config::McpServerConfig;

/// How much of a server's stderr is kept (its tail).
const STDERR_KEEP: usize = 8 * 1024;

/// How much of that tail an error message shows.
pub(crate) const STDERR_SHOWN: usize = 2 * 1024;

/// A running (or exited) server process.
pub(crate) struct Child {
    pid: u32,
    exit: Arc<ExitCell>,
    stderr: Arc<Tail>,
    /// Whether the parent-death signal is set (started through `setpriv`).
    pub(crate) pdeathsig: bool,
    /// Set once a stop has begun.
    stopped: AtomicBool,
}

/// The pipes of a started child, for the MCP transport.
pub(crate) struct Pipes {
    pub(crate) stdin: tokio::process::ChildStdin,
    pub(crate) stdout: tokio::process::ChildStdout,
}

impl Child {
    /// The server's pid (also its process group id).
    pub(crate) fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether a stop has begun.
    pub(crate) fn is_stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    /// Its exit status, once it has exited.
    pub(crate) fn exited(&self) -> Option<ExitStatus> {
        *lock(&self.exit.status)
    }

    /// Waits until it has exited.
    pub(crate) async fn wait(&self) -> ExitStatus {
        loop {
            let notified = self.exit.notify.notified();
            if let Some(status) = self.exited() {
                return status;
            }
            notified.await;
        }
    }

    /// Waits up to `limit` for it to exit, blocking this thread (for `Drop`).
    fn wait_blocking(&self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        let mut status = lock(&self.exit.status);
        while status.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            status = self
                .exit
                .cond
                .wait_timeout(status, left)
                .map(|(g, _)| g)
                .unwrap_or_else(|p| p.into_inner().0);
        }
        *status
    }

    /// The last lines of its stderr (at most [`STDERR_SHOWN`] bytes), one line per line.
    pub(crate) fn stderr_tail(&self) -> String {
        self.stderr.text(STDERR_SHOWN)
    }

    /// Waits up to `limit` for its stderr to end (all of what it wrote before exiting is read).
    pub(crate) async fn stderr_settled(&self, limit: Duration) {
        let _ = tokio::time::timeout(limit, async {
            loop {
                let ended = self.stderr.ended.notified();
                if self.stderr.closed.load(Ordering::SeqCst) {
                    return;
                }
                ended.await;
            }
        })
        .await;
    }

    /// Sends `signal` to the whole process group; quiet if it is gone.
    pub(crate) fn signal_group(&self, signal: rustix::process::Signal) {
        if let Some(pgid) = rustix::process::Pid::from_raw(self.pid as i32) {
            let _ = rustix::process::kill_process_group(pgid, signal);
        }
    }

    /// Ends it as the MCP spec says, once stdin is closed (the caller closes it first): wait
    /// `grace` for it to exit, then SIGTERM the group and wait `grace` again, then SIGKILL the
    /// group (which also ends anything it started that outlived it).
    pub(crate) async fn stop(&self, grace: Duration) {
        self.stopped.store(true, Ordering::SeqCst);
        if tokio::time::timeout(grace, self.wait()).await.is_err() {
            self.signal_group(rustix::process::Signal::TERM);
            let _ = tokio::time::timeout(grace, self.wait()).await;
        }
        self.signal_group(rustix::process::Signal::KILL);
        let _ = tokio::time::timeout(grace, self.wait()).await;
    }

    /// [`Child::stop`] without a runtime: on a thread of its own, so `Drop` never blocks.
    pub(crate) fn stop_in_background(self: Arc<Self>, grace: Duration) {
        self.stopped.store(true, Ordering::SeqCst);
        let child = self.clone();
        let spawned = std::thread::Builder::new()
            .name("mcp-stop".into())
            .spawn(move || {
                if child.wait_blocking(grace).is_none() {
                    child.signal_group(rustix::process::Signal::TERM);
                    child.wait_blocking(grace);
                }
                child.signal_group(rustix::process::Signal::KILL);
            });
        if spawned.is_err() {
            // No thread to wait on: end it at once rather than leave it running.
            self.signal_group(rustix::process::Signal::KILL);
        }
    }
}

/// "exit code 3" / "signal 9 (SIGKILL)".
pub(crate) fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit code {code}"),
        (None, Some(signal)) => match signal {
            9 => "killed by signal 9 (SIGKILL)".into(),
            15 => "killed by signal 15 (SIGTERM)".into(),
            6 => "killed by signal 6 (SIGABRT)".into(),
            11 => "killed by signal 11 (SIGSEGV)".into(),
            n => format!("killed by signal {n}"),
        },
        (None, None) => "an unknown exit status".into(),
    }
}

/// The exit status, set once by the waiter thread.
#[derive(Default)]
struct ExitCell {
    status: Mutex<Option<ExitStatus>>,
    cond: Condvar,
    notify: Notify,
}

/// The last bytes of a stream (stderr), never more than [`STDERR_KEEP`].
#[derive(Default)]
struct Tail {
    bytes: Mutex<VecDeque<u8>>,
    /// Set when the stream ended (every writer closed it).
    closed: AtomicBool,
    ended: Notify,
}

impl Tail {
    fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.ended.notify_waiters();
    }

    fn push(&self, chunk: &[u8]) {
        let mut bytes = lock(&self.bytes);
        let chunk = &chunk[chunk.len().saturating_sub(STDERR_KEEP)..];
        let over = (bytes.len() + chunk.len()).saturating_sub(STDERR_KEEP);
        bytes.drain(..over);
        bytes.extend(chunk);
    }

    /// The last whole lines that fit in `max` bytes, as text.
    fn text(&self, max: usize) -> String {
        let bytes = lock(&self.bytes);
        let (a, b) = bytes.as_slices();
        let all = [a, b].concat();
        let mut tail = &all[all.len().saturating_sub(max)..];
        if tail.len() < all.len() {
            // Start at a line boundary rather than mid-line.
            if let Some(nl) = tail.iter().position(|&b| b == b'\n') {
                tail = &tail[nl + 1..];
            }
        }
        String::from_utf8_lossy(tail).trim().to_string()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Where `setpriv` is, if this system has it (fixed paths, not `PATH`).
pub(crate) fn setpriv() -> Option<&'static Path> {
    static FOUND: OnceLock<Option<PathBuf>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            if !cfg!(target_os = "linux") {
                return None;
            }
            ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"]
                .iter()
                .map(PathBuf::from)
                .find(|p| is_executable(p))
        })
        .as_deref()
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// `command` as a path: itself when it has a `/`, else the first executable of that name in
/// `path` (the `PATH` the server will get).
pub(crate) fn find_program(command: &str, path: Option<&OsString>, cwd: &Path) -> Option<PathBuf> {
    if command.contains('/') {
        let p = cwd.join(command);
        return is_executable(&p).then_some(p);
    }
    std::env::split_paths(path?)
        .map(|dir| cwd.join(dir).join(command))
        .find(|p| is_executable(p))
}

/// Whether a variable of ours stays out of a server's environment: the keys Roundtable reads
/// from the environment (a server gets only what its `env` gives it of those).
pub(crate) fn is_withheld(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    upper.starts_with("ROUNDTABLE_KEY_")
        || upper == "ROUNDTABLE_GATEWAY_TOKEN"
        || upper.ends_with("_API_KEY")
}

/// The environment a server starts with: ours without the withheld keys, plus its `env`.
pub(crate) fn environment(
    ours: impl Iterator<Item = (OsString, OsString)>,
    config: &McpServerConfig,
) -> Vec<(OsString, OsString)> {
    let mut env: Vec<(OsString, OsString)> = ours
        .filter(|(k, _)| !is_withheld(&k.to_string_lossy()))
        .filter(|(k, _)| !config.env.contains_key(&*k.to_string_lossy()))
        .collect();
    env.extend(
        config
            .env
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v))),
    );
    env
}

type Job = Box<dyn FnOnce() + Send>;

/// The thread every server is forked from (see the module docs: it never exits).
fn spawner() -> &'static Mutex<mpsc::Sender<Job>> {
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        let started = std::thread::Builder::new()
            .name("mcp-spawner".into())
            .spawn(move || {
                for job in rx {
                    job();
                }
            });
        if let Err(e) = started {
            tracing::warn!(
                "no MCP spawner thread ({e}); servers will be started from the caller's thread"
            );
        }
        Mutex::new(tx)
    })
}

/// Starts `config`'s command. `Err` says what could not be started, for the person.
pub(crate) async fn start(config: &McpServerConfig) -> Result<(Arc<Child>, Pipes), String> {
    let command = config.command.as_deref().unwrap_or_default().trim();
    let ours: Vec<(OsString, OsString)> = std::env::vars_os().collect();
    let env = environment(ours.into_iter(), config);
    let cwd = match &config.cwd {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")),
    };
    if !cwd.is_dir() {
        return Err(format!(
            "its working directory {} is not a directory",
            cwd.display()
        ));
    }
    let path = env.iter().find(|(k, _)| k == "PATH").map(|(_, v)| v);
    let Some(program) = find_program(command, path, &cwd) else {
        return Err(if command.contains('/') {
            format!("`{command}` is not an executable file")
        } else {
            format!("`{command}` was not found in PATH")
        });
    };
    let guard = setpriv();
    let mut cmd = match guard {
        Some(setpriv) => {
            let mut c = Command::new(setpriv);
            c.arg("--pdeathsig").arg("KILL").arg("--").arg(&program);
            c
        }
        None => Command::new(&program),
    };
    cmd.args(&config.args)
        .env_clear()
        .envs(env)
        .current_dir(&cwd)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);

    let (tx, rx) = tokio::sync::oneshot::channel();
    let job: Job = Box::new(move || {
        // The start was given up (its caller dropped) between the fork and here: the child is
        // nobody's, so it is killed and reaped now rather than left running or a zombie.
        if let Err(Ok(mut orphan)) = tx.send(cmd.spawn()) {
            let _ = orphan.kill();
            let _ = orphan.wait();
        }
    });
    if let Err(mpsc::SendError(job)) = lock(spawner()).send(job) {
        // No spawner thread: fork from this one (its exit then also ends the server).
        job();
    }
    let spawned = rx
        .await
        .map_err(|_| "the MCP spawner thread is gone".to_string())?;
    let mut child =
        spawned.map_err(|e| format!("`{}` could not be started: {e}", program.display()))?;
    let pid = child.id();
    let (Some(stdin), Some(stdout), Some(stderr)) =
        (child.stdin.take(), child.stdout.take(), child.stderr.take())
    else {
        let _ = child.kill();
        return Err("its pipes could not be opened".into());
    };

    let exit = Arc::new(ExitCell::default());
    let tail = Arc::new(Tail::default());
    {
        let exit = exit.clone();
        let waiter = std::thread::Builder::new()
            .name(format!("mcp-wait-{pid}"))
            .spawn(move || {
                let status = child.wait();
                if let Ok(status) = status {
                    *lock(&exit.status) = Some(status);
                }
                exit.cond.notify_all();
                exit.notify.notify_waiters();
            });
        if let Err(e) = waiter {
            if let Some(pgid) = rustix::process::Pid::from_raw(pid as i32) {
                let _ = rustix::process::kill_process_group(pgid, rustix::process::Signal::KILL);
            }
            return Err(format!("no thread to wait for it: {e}"));
        }
    }
    {
        // stderr is read on a thread of its own (blocking reads of a pipe), kept as a tail, and
        // never read as a signal of anything.
        let tail = tail.clone();
        let mut stderr = stderr;
        let _ = std::thread::Builder::new()
            .name(format!("mcp-stderr-{pid}"))
            .spawn(move || {
                let mut buf = [0u8; 4096];
                while let Ok(n) = stderr.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    tail.push(&buf[..n]);
                }
                tail.close();
            });
    }
    let pipes = Pipes {
        stdin: tokio::process::ChildStdin::from_std(stdin)
            .map_err(|e| format!("its stdin could not be used: {e}"))?,
        stdout: tokio::process::ChildStdout::from_std(stdout)
            .map_err(|e| format!("its stdout could not be used: {e}"))?,
    };
    Ok((
        Arc::new(Child {
            pid,
            exit,
            stderr: tail,
            pdeathsig: guard.is_some(),
            stopped: AtomicBool::new(false),
        }),
        pipes,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_stay_out_of_a_server_environment_unless_given() {
        let ours = [
            ("PATH", "/usr/bin"),
            ("HOME", "/home/me"),
            ("ROUNDTABLE_KEY_OPENAI", "sk-test-FAKE-env-1"),
            ("OPENAI_API_KEY", "sk-test-FAKE-env-2"),
            ("roundtable_gateway_token", "t"),
            ("GITHUB_TOKEN", "gh"),
            ("LOG_LEVEL", "info"),
        ]
        .map(|(k, v)| (OsString::from(k), OsString::from(v)));
        let config = McpServerConfig {
            env: [("LOG_LEVEL", "warn"), ("ANTHROPIC_API_KEY", "given")]
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .into(),
            ..McpServerConfig::stdio("x", &[])
        };
        let env = environment(ours.into_iter(), &config);
        let get = |name: &str| {
            env.iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.to_string_lossy().to_string())
        };
        assert_eq!(get("PATH").as_deref(), Some("/usr/bin"));
        assert_eq!(get("GITHUB_TOKEN").as_deref(), Some("gh"));
        assert_eq!(get("LOG_LEVEL").as_deref(), Some("warn"));
        assert_eq!(get("ANTHROPIC_API_KEY").as_deref(), Some("given"));
        assert_eq!(get("ROUNDTABLE_KEY_OPENAI"), None);
        assert_eq!(get("OPENAI_API_KEY"), None);
        assert_eq!(get("roundtable_gateway_token"), None);
        assert_eq!(env.iter().filter(|(k, _)| k == "LOG_LEVEL").count(), 1);
    }

    #[test]
    fn the_stderr_tail_keeps_whole_last_lines() {
        let tail = Tail::default();
        for i in 0..2000 {
            tail.push(format!("line {i}\n").as_bytes());
        }
        let text = tail.text(100);
        assert!(text.ends_with("line 1999"), "{text}");
        assert!(text.starts_with("line "), "{text}");
        assert!(text.len() <= 100);
        assert!(lock(&tail.bytes).len() <= STDERR_KEEP);
        tail.push(&vec![b'x'; 3 * STDERR_KEEP]);
        assert_eq!(lock(&tail.bytes).len(), STDERR_KEEP);
    }

    #[test]
    fn programs_are_found_in_the_given_path() {
        let dir = Path::new("/");
        let path = OsString::from("/nonexistent:/bin:/usr/bin");
        let sh = find_program("sh", Some(&path), dir).unwrap();
        assert!(sh.ends_with("sh"));
        assert!(find_program("no-such-program-xyz", Some(&path), dir).is_none());
        assert!(find_program("sh", None, dir).is_none());
        assert!(find_program("/bin/sh", None, dir).is_some());
    }
}
