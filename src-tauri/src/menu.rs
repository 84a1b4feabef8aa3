//! The native menu bar (File, Edit, View, Window, Help) and where its clicks go. App actions are
//! forwarded to the web view as their id over a Channel the UI hands over once at start
//! (`menu_events`): the web view holds no `core:event` permission, only the app's own commands.
//! Window and quit items are handled here; the menu never holds logic of its own.
//!
//! Edit on Linux (muda 0.20, GTK 3): the predefined Cut, Copy, Paste and Select All items only
//! *show* their accelerators — muda does not bind them, so Ctrl+X/C/V/A go on reaching WebKit's
//! text fields. Clicking them does nothing unless Tauri's `linux-libxdo` feature is on (it
//! replays the keys through libxdo, X11 only), which we leave off. Predefined Undo, Redo,
//! Minimize, Maximize, Close Window and Quit are not supported on GTK: muda draws them greyed out,
//! and binds their accelerators to the greyed item (GTK does not fire an insensitive item's
//! accelerator, so Ctrl+Z still reaches the web view, but predefined Minimize would also claim
//! Ctrl+M). So Undo and Redo are left out on Linux, and the window items and Quit are our own.
//! Custom accelerators *are* bound by GTK before the web view sees the key: Ctrl+N, Ctrl+K and
//! the rest below arrive over the channel, not as a keydown.

use std::sync::Mutex;

use tauri::ipc::Channel;
use tauri::menu::{Menu, MenuEvent, MenuItemBuilder, SubmenuBuilder};
use tauri::{AppHandle, Manager, Runtime, State, WebviewWindow};

use crate::commands::Reply;

/// The actions the menu forwards to the web view, with their labels and accelerators.
const NEW_CHAT: (&str, &str, Option<&str>) = ("new-chat", "New chat", Some("CmdOrCtrl+N"));
const NEW_COMPARE: (&str, &str, Option<&str>) =
    ("new-compare", "New compare", Some("CmdOrCtrl+Shift+C"));
const SETTINGS: (&str, &str, Option<&str>) =
    ("open-settings", "Settings…", Some("CmdOrCtrl+Comma"));
const SIDEBAR: (&str, &str, Option<&str>) =
    ("toggle-sidebar", "Toggle sidebar", Some("CmdOrCtrl+B"));
const PALETTE: (&str, &str, Option<&str>) =
    ("command-palette", "Command palette…", Some("CmdOrCtrl+K"));
const PICK_MODEL: (&str, &str, Option<&str>) = ("pick-model", "Pick model…", Some("CmdOrCtrl+M"));
const THEME: (&str, &str, Option<&str>) =
    ("toggle-theme", "Toggle theme", Some("CmdOrCtrl+Shift+L"));
// `?` opens it in the web view; a menu accelerator would take the key from every text field.
const SHORTCUTS: (&str, &str, Option<&str>) = ("shortcuts", "Keyboard shortcuts", None);
const ABOUT: (&str, &str, Option<&str>) = ("about", "About Roundtable", None);

/// Every id forwarded to the web view.
pub const ACTIONS: [&str; 9] = [
    NEW_CHAT.0,
    NEW_COMPARE.0,
    SETTINGS.0,
    SIDEBAR.0,
    PALETTE.0,
    PICK_MODEL.0,
    THEME.0,
    SHORTCUTS.0,
    ABOUT.0,
];

/// The items handled here.
const QUIT: &str = "quit";
const MINIMIZE: &str = "minimize";
const MAXIMIZE: &str = "maximize";
const CLOSE: &str = "close-window";

/// The web view's channel for menu actions: the latest one it handed over (a reload hands over
/// a new one), dropped when a send fails.
#[derive(Default)]
pub struct MenuEvents(Mutex<Option<Channel<String>>>);

impl MenuEvents {
    fn forward(&self, action: &str) {
        let mut channel = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if channel
            .as_ref()
            .is_some_and(|c| c.send(action.to_string()).is_err())
        {
            *channel = None;
        }
    }
}

/// Where the web view wants menu actions sent: each click sends the action's id.
#[tauri::command]
pub fn menu_events(menu: State<'_, MenuEvents>, events: Channel<String>) -> Reply<()> {
    *menu.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(events);
    Ok(())
}

/// The menu bar.
pub fn build<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<Menu<R>> {
    let item = |(id, label, accelerator): (&str, &str, Option<&str>)| {
        let b = MenuItemBuilder::with_id(id, label);
        match accelerator {
            Some(a) => b.accelerator(a),
            None => b,
        }
        .build(app)
    };
    let file = SubmenuBuilder::new(app, "File")
        .item(&item(NEW_CHAT)?)
        .item(&item(NEW_COMPARE)?)
        .item(&item(SETTINGS)?)
        .separator()
        .item(&item((QUIT, "Quit", Some("CmdOrCtrl+Q")))?)
        .build()?;
    let edit = SubmenuBuilder::new(app, "Edit");
    // Greyed out and inert on GTK (see the module's note).
    #[cfg(not(target_os = "linux"))]
    let edit = edit.undo().redo().separator();
    let edit = edit.cut().copy().paste().separator().select_all().build()?;
    let view = SubmenuBuilder::new(app, "View")
        .item(&item(SIDEBAR)?)
        .item(&item(PALETTE)?)
        .item(&item(PICK_MODEL)?)
        .item(&item(THEME)?)
        .separator()
        .item(&item(SHORTCUTS)?)
        .build()?;
    let window = SubmenuBuilder::new(app, "Window")
        .item(&item((MINIMIZE, "Minimize", None))?)
        .item(&item((MAXIMIZE, "Maximize", None))?)
        .separator()
        .item(&item((CLOSE, "Close Window", None))?)
        .build()?;
    let help = SubmenuBuilder::new(app, "Help")
        .item(&item(SHORTCUTS)?)
        .item(&item(ABOUT)?)
        .build()?;
    Menu::with_items(app, &[&file, &edit, &view, &window, &help])
}

/// A click: window items and quit here, app actions to the web view.
pub fn clicked<R: Runtime>(app: &AppHandle<R>, event: MenuEvent) {
    let id = event.id().as_ref();
    match (id, app.get_webview_window("main")) {
        (QUIT, _) => app.exit(0),
        (action, _) if ACTIONS.contains(&action) => app.state::<MenuEvents>().forward(action),
        // A window call that fails (the window is going away) has nothing left to do.
        (MINIMIZE | MAXIMIZE | CLOSE, Some(w)) => drop(window_item(id, &w)),
        _ => {}
    }
}

fn window_item<R: Runtime>(id: &str, w: &WebviewWindow<R>) -> tauri::Result<()> {
    match id {
        MINIMIZE => w.minimize(),
        MAXIMIZE if w.is_maximized()? => w.unmaximize(),
        MAXIMIZE => w.maximize(),
        _ => w.close(),
    }
}
