//! The main window's life across launches: one instance per data directory (a second launch
//! focuses the first and exits), and its size, position and maximized state remembered. What the
//! window shows is the UI's business, not this module's.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime, Window, WindowEvent};
use tauri_plugin_window_state::{AppHandleExt, StateFlags};

/// What is remembered of the window.
const KEPT: StateFlags = StateFlags::SIZE
    .union(StateFlags::POSITION)
    .union(StateFlags::MAXIMIZED);

/// The single-instance plugin, when it can work: `None` (with one line on stderr) on Linux
/// without a reachable D-Bus session bus, which is how it finds the first instance.
///
/// On Linux the D-Bus name includes a hash of the data directory, so apps with different data
/// directories in one session (the e2e suite's, a benchmark's) each run, and two launches on one
/// directory do not. Elsewhere the plugin keys on the bundle identifier alone.
pub fn single_instance<R: Runtime>(identifier: &str, data_dir: &Path) -> Option<TauriPlugin<R>> {
    if cfg!(target_os = "linux") && !session_bus_reachable() {
        eprintln!("roundtable: no D-Bus session bus, so a second window is not prevented");
        return None;
    }
    Some(
        tauri_plugin_single_instance::Builder::new()
            .dbus_id(dbus_id(identifier, data_dir))
            .callback(|app, _args, _cwd| focus_main(app))
            .build(),
    )
}

/// Remembers the main window's size, position and maximized state (not its visibility or
/// decorations). The plugin saves on exit into `app_config_dir()` joined with the file name;
/// an absolute name replaces that directory, so the state is kept in the data directory beside
/// the database: per data dir, and a test's `ROUNDTABLE_HOME` keeps its runs apart. (The plugin
/// still creates the empty `app_config_dir()` when it saves.) The restored size is a window
/// size, so `minWidth`/`minHeight` in tauri.conf.json still bound it.
pub fn state_keeper<R: Runtime>(data_dir: &Path) -> TauriPlugin<R> {
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(KEPT)
        .with_filename(data_dir.join(STATE_FILE).to_string_lossy())
        .build()
}

/// Saves the window's state half a second after it was last moved or resized, so a crash or a
/// kill keeps it too (the plugin itself saves only on a clean exit or close).
pub fn on_event<R: Runtime>(window: &Window<R>, event: &WindowEvent) {
    static LAST: AtomicU64 = AtomicU64::new(0);
    if !matches!(event, WindowEvent::Resized(_) | WindowEvent::Moved(_)) {
        return;
    }
    let n = LAST.fetch_add(1, Ordering::Relaxed) + 1;
    let app = window.app_handle().clone();
    tauri::async_runtime::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        if LAST.load(Ordering::Relaxed) == n {
            if let Err(e) = app.save_window_state(KEPT) {
                eprintln!("roundtable: the window's size and place were not saved: {e}");
            }
        }
    });
}

/// The window state's file in the data dir.
pub const STATE_FILE: &str = "window-state.json";

fn focus_main<R: Runtime>(app: &AppHandle<R>) {
    if let Some(w) = app.get_webview_window("main") {
        // A failure here leaves the first window as it was; the second launch exits anyway.
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
}

/// `DBUS_SESSION_BUS_ADDRESS` is set, or the bus's usual socket exists.
fn session_bus_reachable() -> bool {
    std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|a| !a.is_empty())
        || std::env::var_os("XDG_RUNTIME_DIR").is_some_and(|d| Path::new(&d).join("bus").exists())
}

/// `identifier.d<8 hex digits>`: a D-Bus name element may not start with a digit. FNV-1a, so
/// the hash is the same from one build to the next.
fn dbus_id(identifier: &str, data_dir: &Path) -> String {
    let dir = std::fs::canonicalize(data_dir).unwrap_or_else(|_| data_dir.to_path_buf());
    let hash = dir
        .as_os_str()
        .as_encoded_bytes()
        .iter()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
        });
    format!("{identifier}.d{:08x}", hash as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dbus_id_is_per_data_dir_and_a_valid_name() {
        let a = dbus_id("app.roundtable.desktop", Path::new("/nonexistent/a"));
        let b = dbus_id("app.roundtable.desktop", Path::new("/nonexistent/b"));
        assert_ne!(a, b);
        assert_eq!(
            a,
            dbus_id("app.roundtable.desktop", Path::new("/nonexistent/a"))
        );
        let last = a.rsplit('.').next().unwrap();
        assert!(last.starts_with('d') && last.len() == 9, "{a}");
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'));
    }
}
