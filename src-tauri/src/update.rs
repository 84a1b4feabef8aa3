//! The app's own updates (Settings → Updates): check a release manifest, show what is new, and
//! install on consent.
//!
//! The engine fetches (https only, size caps, deadlines); tauri-plugin-updater picks this
//! package kind's entry, checks its minisign signature against the public key built into the app
//! (with the version it was signed for, so an old signed release cannot pose as a new one), and
//! installs it: a `.deb` or `.rpm` through the package manager (pkexec, else sudo), an AppImage by
//! replacing its file. A copy built from source cannot update itself and says how to.

use std::sync::Mutex;

use roundtable_engine::config::updates;
use roundtable_engine::error::{ErrorKind, ErrorView};
use serde::Serialize;
use tauri::utils::config::BundleType;
use tauri::{AppHandle, State};
use tauri_plugin_updater::{Update, UpdaterExt};
use ts_rs::TS;

use crate::commands::Reply;
use crate::state::AppState;

/// The update the last check found, kept for "Install", and whether an install is running (one
/// at a time).
#[derive(Default)]
pub struct Pending(Mutex<Option<Found>>, std::sync::atomic::AtomicBool);

/// A release a check found, and the manifest address it came from (a package may be plain http
/// only if the manifest was).
#[derive(Clone)]
pub struct Found {
    update: Update,
    manifest: tauri::Url,
}

/// Clears the "installing" mark when an install ends, however it ends.
struct Installing<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Installing<'_> {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

/// What "Check now" found.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCheck {
    /// The running version.
    pub current: String,
    /// How this copy can be updated.
    pub install: InstallKind,
    /// A newer release, if there is one.
    pub offer: Option<UpdateOffer>,
}

/// A newer release.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateOffer {
    pub version: String,
    /// The release notes, as plain text.
    pub notes: Option<String>,
    /// When it was published (RFC 3339), if the manifest says.
    pub date: Option<String>,
}

/// How this copy of the app is updated.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum InstallKind {
    /// Installed from a `.deb` or `.rpm`: the package manager installs the new one (it asks for
    /// an administrator's password).
    Package { format: String },
    /// An AppImage: its file is replaced.
    AppImage,
    /// Not installable from here; `how` says what to do instead.
    Manual { how: String },
}

/// What "Install" did.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Installed {
    /// The version now installed; it runs from the next start.
    pub version: String,
}

fn install_kind() -> InstallKind {
    match tauri::utils::platform::bundle_type() {
        Some(BundleType::Deb) => InstallKind::Package {
            format: "deb".into(),
        },
        Some(BundleType::Rpm) => InstallKind::Package {
            format: "rpm".into(),
        },
        Some(BundleType::AppImage) => InstallKind::AppImage,
        _ => InstallKind::Manual {
            how: "This copy was built from source, so it cannot replace itself: update it with \
                  `git pull` and `bash .ci/app`, or install a package (see the README)."
                .into(),
        },
    }
}

fn bad(message: impl Into<String>) -> ErrorView {
    ErrorView::new(ErrorKind::BadInput, message)
}

/// Looks for a newer release at the configured address.
#[tauri::command]
pub async fn update_check(
    app: AppHandle,
    state: State<'_, AppState>,
    pending: State<'_, Pending>,
) -> Reply<UpdateCheck> {
    let text = state
        .ready()?
        .router
        .engine()
        .config()
        .updates
        .url()
        .to_owned();
    let url = updates::parse_url(&text).map_err(|why| bad(format!("updates.url: {why}")))?;
    let body = updates::fetch(&url, updates::MANIFEST_CAP, updates::MANIFEST_DEADLINE)
        .await
        .map_err(|why| bad(format!("Could not check for updates: {why}")))?;
    let manifest: serde_json::Value = serde_json::from_slice(&body)
        .map_err(|e| bad(format!("The update manifest at {url} is not JSON: {e}")))?;
    let mut builder = app.updater_builder();
    if let InstallKind::Manual { .. } = install_kind() {
        // Built from source: no package kind to look up, so the .deb's entry tells what is new.
        builder = builder.target(format!("linux-{}-deb", std::env::consts::ARCH));
    }
    let update = builder
        .endpoints(vec![url.clone()])
        .and_then(|b| b.build())
        .and_then(|u| u.restore_update(manifest.clone()))
        .map_err(|e| bad(format!("The update manifest at {url} is not usable: {e}")))?;
    let offer = update.as_ref().map(|u| UpdateOffer {
        version: u.version.clone(),
        notes: u.body.clone().filter(|n| !n.trim().is_empty()),
        date: manifest
            .get("pub_date")
            .and_then(|d| d.as_str())
            .map(str::to_owned),
    });
    *pending.0.lock().unwrap_or_else(|p| p.into_inner()) = update.map(|update| Found {
        update,
        manifest: url.clone(),
    });
    Ok(UpdateCheck {
        current: app.package_info().version.to_string(),
        install: install_kind(),
        offer,
    })
}

/// Downloads the release the last check found, checks its signature and installs it. Nothing is
/// replaced unless the signature matches; the new version runs from the next start.
#[tauri::command]
pub async fn update_install(pending: State<'_, Pending>) -> Reply<Installed> {
    if pending.1.swap(true, std::sync::atomic::Ordering::SeqCst) {
        return Err(bad("An update is being installed already."));
    }
    let _installing = Installing(&pending.1);
    let Found { update, manifest } = pending
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .ok_or_else(|| bad("There is no update to install: check for one first."))?;
    let kind = install_kind();
    if let InstallKind::Manual { how } = &kind {
        return Err(bad(how.clone()));
    }
    let url = update.download_url.clone();
    updates::allowed_after(&manifest, &url)
        .map_err(|why| bad(format!("The update's package address is refused: {why}")))?;
    let bytes = updates::fetch(&url, updates::PACKAGE_CAP, updates::PACKAGE_DEADLINE)
        .await
        .map_err(|why| bad(format!("Could not download the update: {why}")))?;
    let version = update.version.clone();
    let installing = update.clone();
    let outcome = tauri::async_runtime::spawn_blocking(move || installing.install(&bytes))
        .await
        .map_err(|e| ErrorView::new(ErrorKind::Internal, format!("the install stopped: {e}")))?;
    outcome.map_err(|e| bad(install_error(&e, &version, &url, &kind)))?;
    Ok(Installed { version })
}

/// Starts the installed version in place of this one.
#[tauri::command]
pub fn update_restart(app: AppHandle) {
    app.restart()
}

/// One line on why an install failed, and what to do.
fn install_error(
    e: &tauri_plugin_updater::Error,
    version: &str,
    url: &tauri::Url,
    kind: &InstallKind,
) -> String {
    use tauri_plugin_updater::Error as E;
    match e {
        E::Minisign(_) | E::Base64(_) | E::SignatureUtf8(_) => format!(
            "The update to {version} failed its signature check against Roundtable's release \
             key ({e}): nothing was installed."
        ),
        E::SignedVersionMismatch { .. } | E::MissingSignedVersion => format!(
            "The update to {version} is signed for another version ({e}): nothing was installed."
        ),
        E::InvalidUpdaterFormat => {
            format!("The file at {url} is not a package of this kind: nothing was installed.")
        }
        _ => {
            let how = match kind {
                InstallKind::Package { format } if format == "rpm" => {
                    "sudo dnf install ./<file>.rpm"
                }
                InstallKind::Package { .. } => "sudo apt install ./<file>.deb",
                _ => {
                    return format!(
                        "Roundtable {version} could not be installed from here ({e}). Download \
                         the new AppImage from {url} and put it in place of this one."
                    )
                }
            };
            format!(
                "Roundtable {version} could not be installed from here ({e}). Download it from \
                 {url} and install it with `{how}`."
            )
        }
    }
}
