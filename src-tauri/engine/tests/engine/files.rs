//! Roundtable's files on disk: owner-only modes for the data dir, the database and its backups;
//! a settings edit that keeps the config's mode and symlink and never leaves a temporary file.

#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

use roundtable_engine::config::settings::{apply, Edit};
use roundtable_engine::store::Store;

const CONFIG: &str = "# mine\n[router]\nmax_retries = 1\n";

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

fn set_mode(p: &Path, m: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
}

fn budget(usd: f64) -> Edit {
    Edit::Budget {
        monthly_usd: Some(usd),
    }
}

/// Names in `dir` that look like a temporary file of ours.
fn temps(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect()
}

#[test]
fn an_edit_keeps_the_configs_mode_and_a_new_config_is_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, CONFIG).unwrap();
    set_mode(&config, 0o600);
    apply(dir.path(), &budget(5.0)).unwrap();
    assert_eq!(mode(&config), 0o600, "a chmod 600 survives an edit");
    set_mode(&config, 0o640);
    apply(dir.path(), &budget(6.0)).unwrap();
    assert_eq!(mode(&config), 0o640, "whatever mode the user chose is kept");
    assert!(std::fs::read_to_string(&config).unwrap().contains("# mine"));

    let fresh = tempfile::tempdir().unwrap();
    let data = fresh.path().join("data");
    apply(&data, &budget(7.0)).unwrap();
    assert_eq!(mode(&data.join("config.toml")), 0o600);
    assert_eq!(mode(&data), 0o700);
    assert!(temps(&data).is_empty());
}

#[test]
fn an_edit_writes_through_a_symlinked_config_to_its_target() {
    let root = tempfile::tempdir().unwrap();
    let dotfiles = root.path().join("dotfiles");
    let data = root.path().join("data");
    std::fs::create_dir_all(&dotfiles).unwrap();
    std::fs::create_dir_all(&data).unwrap();
    let target = dotfiles.join("roundtable.toml");
    std::fs::write(&target, CONFIG).unwrap();
    set_mode(&target, 0o644);
    let link = data.join("config.toml");
    std::os::unix::fs::symlink("../dotfiles/roundtable.toml", &link).unwrap();

    apply(&data, &budget(9.5)).unwrap();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the config is still a symlink"
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("9.5") && text.contains("# mine"), "{text}");
    assert_eq!(mode(&target), 0o644, "the target keeps its mode");
    assert!(temps(&data).is_empty() && temps(&dotfiles).is_empty());
}

/// Clears the immutable flag even if the test fails.
struct Immutable<'a>(&'a Path);

impl Drop for Immutable<'_> {
    fn drop(&mut self) {
        let _ = Command::new("chattr").arg("-i").arg(self.0).status();
    }
}

#[test]
fn a_failed_write_changes_nothing_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, CONFIG).unwrap();
    // A real failure even as root (permission bits do not stop root): an immutable file cannot
    // be replaced, so the rename over it fails after the temporary file was written and synced.
    let ok = Command::new("chattr")
        .arg("+i")
        .arg(&config)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!(
            "SKIPPED: chattr +i is not possible here (no CAP_LINUX_IMMUTABLE or a filesystem without it)"
        );
        return;
    }
    let _guard = Immutable(&config);
    let e = apply(dir.path(), &budget(3.0)).unwrap_err().to_string();
    assert!(e.contains("config.toml"), "the error names the file: {e}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), CONFIG);
    assert!(
        temps(dir.path()).is_empty(),
        "no temporary file left: {:?}",
        temps(dir.path())
    );
}

/// Set in the child of [`a_write_that_fails_midway_leaves_no_temporary_file`]: the data dir.
const CHILD_DIR: &str = "ROUNDTABLE_TEST_FSIZE_CHILD_DIR";

/// Not a test of its own: the child process of the next test (a no-op otherwise).
#[test]
fn fsize_child_applies_an_edit() {
    if let Some(dir) = std::env::var_os(CHILD_DIR) {
        match apply(Path::new(&dir), &budget(4.0)) {
            Ok(_) => println!("RESULT: ok"),
            Err(e) => println!("RESULT: err {e}"),
        }
    }
}

#[test]
fn a_write_that_fails_midway_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    // A config larger than the child may write: its write(2) fails with EFBIG halfway, as on a
    // full disk. (SIGXFSZ is ignored through exec so the write fails rather than the process.)
    let big = format!("{CONFIG}# {}\n", "padding ".repeat(16 * 1024));
    std::fs::write(&config, &big).unwrap();
    let exe = std::env::current_exe().unwrap();
    let out = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; exec prlimit --fsize=65536 \"$0\" \"$@\"")
        .arg(&exe)
        .args([
            "files::fsize_child_applies_an_edit",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_DIR, dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() && !stdout.contains("RESULT:") {
        eprintln!(
            "SKIPPED: prlimit is not usable here: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return;
    }
    let result = stdout
        .lines()
        .find_map(|l| l.split_once("RESULT: ").map(|(_, r)| r))
        .unwrap_or_else(|| panic!("the child said nothing: {stdout}"));
    assert!(
        result.starts_with("err") && result.contains("config.toml"),
        "the edit failed with an error naming the file: {result}"
    );
    assert_eq!(std::fs::read_to_string(&config).unwrap(), big, "unchanged");
    assert!(
        temps(dir.path()).is_empty(),
        "no temporary file left: {:?}",
        temps(dir.path())
    );
}

#[test]
fn the_data_dir_database_and_backups_are_owner_only_and_loose_ones_are_tightened() {
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("data");
    std::fs::create_dir(&dir).unwrap();
    set_mode(&dir, 0o755);
    let db = dir.join("roundtable.db");
    {
        // A schema-1 database as an older Roundtable left it: world-readable.
        let conn = rusqlite::Connection::open(&db).unwrap();
        conn.execute_batch(include_str!("../../src/store/migrations/0001_init.sql"))
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
    }
    set_mode(&db, 0o644);
    let store = Store::open(&dir).unwrap();
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&db), 0o600);
    let names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let backups: Vec<&String> = names.iter().filter(|n| n.ends_with(".bak")).collect();
    assert_eq!(backups.len(), 1, "{names:?}");
    assert_eq!(mode(&dir.join(backups[0])), 0o600, "the backup");
    for side in ["roundtable.db-wal", "roundtable.db-shm"] {
        if dir.join(side).exists() {
            assert_eq!(mode(&dir.join(side)), 0o600, "{side}");
        }
    }
    assert!(store.integrity_ok().unwrap());
}
