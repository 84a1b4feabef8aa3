//! The installed package, for real: `tests/package/run` builds the packages, installs the `.deb`
//! with apt (as root, on the CI's throwaway machine) and runs these tests, which are ignored
//! anywhere else.
//!
//! - The installed app (`/usr/bin/roundtable-app`) shows its window, reports the package's
//!   version, and its window's WM_CLASS is the desktop entry's `StartupWMClass` (so the dock
//!   groups the window with its launcher).
//! - The `.AppImage` (`--appimage-extract-and-run`) shows the same window, and knows it is an
//!   AppImage (Settings → Updates offers to replace its file).
//! - It updates itself from a local server: "Check now" finds the newer signed build; a package
//!   signed by another key, a tampered package, and an old signed release announced as the new
//!   version are each refused and change nothing; the good one installs (the package manager's
//!   version changes), "Restart now" starts the new binary, and the app then reports the new
//!   version.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use roundtable_e2e::{
    descendants, home_with_config, kill_and_wait, launch, launch_with, require_app, screenshot,
    tempfile_dir, wait_js,
};
use roundtable_fakes::{FakeServer, Reply};
use serde_json::{json, Value};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is not set: run tests/package/run"))
}

async fn run(client: &fantoccini::Client, js: &str) -> Value {
    client.execute(js, vec![]).await.expect(js)
}

/// The installed package's version, as dpkg has it.
fn dpkg_version() -> String {
    let out = Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "roundtable"])
        .output()
        .expect("dpkg-query runs");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum")
        .arg(path)
        .output()
        .expect("sha256sum");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// Presses Install and waits until it has installed ("Restart now" is offered).
async fn install_now(client: &fantoccini::Client, what: &str) {
    run(
        client,
        "document.querySelector('#update-install').click(); return true",
    )
    .await;
    wait_js(
        client,
        "return !!document.querySelector('#update-restart')",
        what,
    )
    .await;
}

/// Opens Settings → Updates and waits for "Check now".
async fn open_updates(client: &fantoccini::Client) {
    run(
        client,
        "document.querySelector('.open-settings').click(); return true",
    )
    .await;
    wait_js(
        client,
        "return !!document.querySelector('.settings-tab-updates')",
        "the Updates tab",
    )
    .await;
    run(
        client,
        "document.querySelector('.settings-tab-updates').click(); return true",
    )
    .await;
    wait_js(
        client,
        "return !!document.querySelector('#update-check')",
        "Check now",
    )
    .await;
}

/// Waits for the version line in the sidebar and answers it.
async fn shown_version(client: &fantoccini::Client) -> String {
    wait_js(
        client,
        "return (document.querySelector('#app-version')?.textContent ?? '').startsWith('version ')",
        "the version line",
    )
    .await;
    run(
        client,
        "return document.querySelector('#app-version').textContent",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the installed package: tests/package/run"]
async fn the_installed_app_shows_its_window() {
    let app = require_app();
    assert_eq!(
        app,
        PathBuf::from("/usr/bin/roundtable-app"),
        "ROUNDTABLE_APP must be the installed app"
    );
    let expected = env("ROUNDTABLE_EXPECT_VERSION");
    let home = home_with_config("");
    let (_driver, client) = launch(&home.0).await;
    let version = shown_version(&client).await;
    assert!(
        version.starts_with(&format!("version {expected} ")),
        "{version}"
    );
    assert_eq!(client.title().await.expect("title"), "Roundtable");

    // The dock groups the window with its launcher: StartupWMClass is the window's class.
    let desktop = std::fs::read_to_string("/usr/share/applications/Roundtable.desktop")
        .expect("the desktop entry is installed");
    let wm_class_entry = desktop
        .lines()
        .find_map(|l| l.strip_prefix("StartupWMClass="))
        .expect("a StartupWMClass line");
    let out = Command::new("xprop")
        .args(["-name", "Roundtable", "WM_CLASS"])
        .output()
        .expect("xprop runs (package x11-utils)");
    let wm_class = String::from_utf8_lossy(&out.stdout).into_owned();
    // WM_CLASS(STRING) = "instance", "Class"
    let instance = wm_class.split('"').nth(1).unwrap_or_default();
    assert_eq!(
        instance, wm_class_entry,
        "window {wm_class:?} against the desktop entry"
    );
    for exec in [
        "Exec=roundtable-app",
        "Icon=roundtable-app",
        "Name=Roundtable",
        "Type=Application",
    ] {
        assert!(
            desktop.lines().any(|l| l == exec),
            "{exec} missing from:\n{desktop}"
        );
    }
    for size in [32, 64, 128, 256, 512] {
        let icon = format!("/usr/share/icons/hicolor/{size}x{size}/apps/roundtable-app.png");
        assert!(Path::new(&icon).exists(), "{icon} is not installed");
    }
    screenshot(&client, "installed-window.png").await;
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built packages: tests/package/run"]
async fn the_appimage_shows_its_window() {
    let appimage = PathBuf::from(env("ROUNDTABLE_APPIMAGE"));
    let expected = env("ROUNDTABLE_EXPECT_VERSION");
    // A manifest offering a newer version, so the section says how this copy would install it.
    let fake = FakeServer::start(|_| {
        Reply::json(
            200,
            &manifest("99.0.0", "http://127.0.0.1:9/x.AppImage", "c2ln"),
        )
    });
    let home = home_with_config(&format!(
        "[updates]\nurl = \"{}/latest.json\"\n",
        fake.url()
    ));
    let (driver, client) = launch_with(&home.0, &appimage, &["--appimage-extract-and-run"]).await;
    let version = shown_version(&client).await;
    assert!(
        version.starts_with(&format!("version {expected} ")),
        "{version}"
    );
    assert_eq!(client.title().await.expect("title"), "Roundtable");
    // The window's process runs the app from the AppImage's extraction.
    let exes: Vec<PathBuf> = descendants(driver.pid())
        .iter()
        .filter_map(|p| std::fs::read_link(format!("/proc/{p}/exe")).ok())
        .collect();
    assert!(
        exes.iter().any(|e| e.ends_with("usr/bin/roundtable-app")
            && e.to_string_lossy().contains("/roundtable/appimage/")),
        "no app from the AppImage among {exes:?}"
    );
    open_updates(&client).await;
    check_now(&client, "99.0.0").await;
    wait_js(
        &client,
        "return (document.querySelector('.update-install .hint')?.textContent ?? '').includes('Replaces this AppImage')",
        "the AppImage's way to update",
    )
    .await;
    screenshot(&client, "appimage-window.png").await;
}

/// The AppImage's own update: its file is replaced by the newer signed AppImage, which then
/// starts and reports the new version.
#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the built packages: tests/package/run"]
async fn the_appimage_updates_itself() {
    let new_version = env("ROUNDTABLE_UPDATE_VERSION");
    let new_dir = PathBuf::from(env("ROUNDTABLE_UPDATE_NEW"));
    let new_image = std::fs::read_dir(&new_dir)
        .expect("the signed build's folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "AppImage"))
        .expect("a newer .AppImage");
    let signature = std::fs::read_to_string(new_image.with_extension("AppImage.sig"))
        .expect("its .sig")
        .trim()
        .to_owned();
    let bytes = std::fs::read(&new_image).expect("read the newer AppImage");
    let place = tempfile_dir();
    let copy = place.0.join("Roundtable.AppImage");
    std::fs::copy(env("ROUNDTABLE_APPIMAGE"), &copy).expect("copy the AppImage");
    let served = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let base = served.clone();
    let version = new_version.clone();
    let fake = FakeServer::start(move |req| {
        let base = base.lock().unwrap().clone();
        match req.path.as_str() {
            "/latest.json" => Reply::json(
                200,
                &manifest(&version, &format!("{base}/new.AppImage"), &signature),
            ),
            "/new.AppImage" => Reply::body(200, "application/octet-stream", bytes.clone()),
            _ => Reply::body(404, "text/plain", "not here"),
        }
    });
    *served.lock().unwrap() = fake.url();
    let home = home_with_config(&format!(
        "[updates]\nurl = \"{}/latest.json\"\n",
        fake.url()
    ));
    {
        let (_driver, client) = launch_with(&home.0, &copy, &["--appimage-extract-and-run"]).await;
        shown_version(&client).await;
        open_updates(&client).await;
        check_now(&client, &new_version).await;
        install_now(&client, "the AppImage's install").await;
    }
    assert_eq!(
        sha256(&copy),
        sha256(&new_image),
        "the AppImage's file was not replaced"
    );
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&copy)
        .expect("the AppImage")
        .permissions()
        .mode();
    assert_eq!(
        mode & 0o111,
        0o111,
        "the replaced AppImage is not executable ({mode:o})"
    );
    let (_driver, client) = launch_with(&home.0, &copy, &["--appimage-extract-and-run"]).await;
    let shown = shown_version(&client).await;
    assert!(
        shown.starts_with(&format!("version {new_version} ")),
        "{shown}"
    );
}

/// One release manifest, as `.ci/sign-update` writes them, with this package's entry pointing at
/// `url` and signed by `signature`.
fn manifest(version: &str, url: &str, signature: &str) -> Value {
    json!({
        "version": version,
        "notes": "Faster answers.\n<img src=x onerror=alert(1)> stays text.",
        "pub_date": "2026-11-30T12:00:00Z",
        "platforms": {
            "linux-x86_64-deb": { "signature": signature, "url": url },
            "linux-x86_64-appimage": { "signature": signature, "url": url }
        }
    })
}

/// The one `.deb` and its signature in a folder `.ci/sign-update` signed.
fn signed_deb(dir: &Path) -> (Vec<u8>, String) {
    let deb = std::fs::read_dir(dir)
        .expect("the signed build's folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|x| x == "deb"))
        .expect("a .deb");
    let sig = std::fs::read_to_string(deb.with_extension("deb.sig")).expect("its .sig");
    (
        std::fs::read(&deb).expect("read the .deb"),
        sig.trim().to_owned(),
    )
}

/// Whether `pid` runs (a zombie does not).
fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit_once(')')
            .is_some_and(|(_, r)| !r.trim_start().starts_with('Z'))
    })
}

/// The processes running `/usr/bin/roundtable-app` (the file now there, not a replaced one).
fn running_installed_apps() -> Vec<u32> {
    std::fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_link(format!("/proc/{pid}/exe"))
                .is_ok_and(|exe| exe == Path::new("/usr/bin/roundtable-app"))
        })
        .collect()
}

/// Saves another update address in Settings → Updates, and waits until the config file has it
/// (the app writes the file, then puts it in force, then answers).
async fn set_update_address(client: &fantoccini::Client, home: &Path, url: &str) {
    let js = format!(
        "const i = document.querySelector('input.update-url'); \
         const set = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value').set; \
         set.call(i, {url:?}); i.dispatchEvent(new Event('input', {{bubbles: true}})); \
         document.querySelector('.save-update-url').click(); return true"
    );
    run(client, &js).await;
    for _ in 0..100 {
        let config = std::fs::read_to_string(home.join("config.toml")).unwrap_or_default();
        if config.contains(&format!("url = \"{url}\"")) {
            tokio::time::sleep(Duration::from_millis(300)).await;
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the address {url} was not saved");
}

/// "Check now", waiting for its own answer (the button is disabled from the click until the
/// answer, and the earlier answer is gone meanwhile).
async fn check_now(client: &fantoccini::Client, version: &str) {
    run(
        client,
        "document.querySelector('#update-check').click(); return true",
    )
    .await;
    wait_js(
        client,
        &format!("return !document.querySelector('#update-check').disabled && (document.querySelector('#update-status .update-offer')?.textContent ?? '').includes({version:?}) && !!document.querySelector('#update-install')"),
        "the offer",
    )
    .await;
}

/// Install, expecting a refusal that names what was wrong; nothing may change.
async fn install_refused(client: &fantoccini::Client, what: &str, expected: &str) {
    let before = (dpkg_version(), sha256(Path::new("/usr/bin/roundtable-app")));
    run(
        client,
        "document.querySelector('#update-install').click(); return true",
    )
    .await;
    wait_js(
        client,
        "return !!document.querySelector('#update-error') && !document.querySelector('#update-install').disabled",
        what,
    )
    .await;
    let error = run(
        client,
        "return document.querySelector('#update-error').textContent",
    )
    .await;
    let error = error.as_str().unwrap_or_default();
    assert!(error.contains(expected), "{what}: {error}");
    assert!(
        error.contains("nothing was installed") || error.contains("Nothing was installed"),
        "{what}: {error}"
    );
    assert!(
        run(client, "return !document.querySelector('#update-restart')").await == json!(true),
        "{what}: offered a restart"
    );
    let after = (dpkg_version(), sha256(Path::new("/usr/bin/roundtable-app")));
    assert_eq!(before, after, "{what} changed the installed app");
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the installed package: tests/package/run"]
async fn the_installed_app_updates_itself_and_refuses_bad_signatures() {
    require_app();
    let old_version = env("ROUNDTABLE_EXPECT_VERSION");
    let (new_deb, new_sig) = signed_deb(Path::new(&env("ROUNDTABLE_UPDATE_NEW")));
    let (old_deb, old_sig) = signed_deb(Path::new(&env("ROUNDTABLE_UPDATE_OLD")));
    let other_key_sig = std::fs::read_to_string(env("ROUNDTABLE_UPDATE_OTHER_SIG"))
        .expect("the other key's signature");
    let new_version = env("ROUNDTABLE_UPDATE_VERSION");
    assert_eq!(
        dpkg_version(),
        old_version,
        "the old version is installed first"
    );

    let mut tampered = new_deb.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let server = std::sync::Arc::new(std::sync::Mutex::new(None::<String>));
    let base = server.clone();
    let fake = FakeServer::start(move |req| {
        let base = base.lock().unwrap().clone().unwrap_or_default();
        let pkg = |name: &str| format!("{base}/pkg/{name}");
        match req.path.as_str() {
            "/good.json" => Reply::json(200, &manifest(&new_version, &pkg("new.deb"), &new_sig)),
            "/other-key.json" => Reply::json(
                200,
                &manifest(&new_version, &pkg("new.deb"), other_key_sig.trim()),
            ),
            "/tampered.json" => {
                Reply::json(200, &manifest(&new_version, &pkg("tampered.deb"), &new_sig))
            }
            // An old release, genuinely signed, announced as the new version.
            "/downgrade.json" => {
                Reply::json(200, &manifest(&new_version, &pkg("old.deb"), &old_sig))
            }
            "/pkg/new.deb" => Reply::body(
                200,
                "application/vnd.debian.binary-package",
                new_deb.clone(),
            ),
            "/pkg/tampered.deb" => Reply::body(
                200,
                "application/vnd.debian.binary-package",
                tampered.clone(),
            ),
            "/pkg/old.deb" => Reply::body(
                200,
                "application/vnd.debian.binary-package",
                old_deb.clone(),
            ),
            _ => Reply::body(404, "text/plain", "not here"),
        }
    });
    let url = fake.url().trim_end_matches('/').to_owned();
    *server.lock().unwrap() = Some(url.clone());

    let home = home_with_config(&format!(
        "[updates]\nenabled = false\nurl = \"{url}/other-key.json\"\n"
    ));
    let (driver, client) = launch(&home.0).await;
    assert!(shown_version(&client)
        .await
        .starts_with(&format!("version {old_version} ")));
    open_updates(&client).await;

    // Signed by another key.
    check_now(&client, &env("ROUNDTABLE_UPDATE_VERSION")).await;
    let notes = run(&client, "return [document.querySelector('#update-notes').textContent, document.querySelectorAll('#update-status img').length]").await;
    assert!(
        notes[0]
            .as_str()
            .unwrap_or_default()
            .contains("<img src=x onerror=alert(1)>"),
        "{notes}"
    );
    assert_eq!(notes[1], json!(0), "release notes made markup");
    install_refused(
        &client,
        "a package signed by another key",
        "signature check",
    )
    .await;
    // The right signature over other bytes.
    set_update_address(&client, &home.0, &format!("{url}/tampered.json")).await;
    check_now(&client, &env("ROUNDTABLE_UPDATE_VERSION")).await;
    install_refused(&client, "a tampered package", "signature check").await;
    // A genuine old release posing as the new one.
    set_update_address(&client, &home.0, &format!("{url}/downgrade.json")).await;
    check_now(&client, &env("ROUNDTABLE_UPDATE_VERSION")).await;
    install_refused(
        &client,
        "an old release announced as new",
        "signed for another version",
    )
    .await;
    screenshot(&client, "installed-update-refused.png").await;

    // The good one.
    set_update_address(&client, &home.0, &format!("{url}/good.json")).await;
    check_now(&client, &env("ROUNDTABLE_UPDATE_VERSION")).await;
    install_now(&client, "the install").await;
    assert_eq!(
        dpkg_version(),
        env("ROUNDTABLE_UPDATE_VERSION"),
        "dpkg has the new version"
    );
    screenshot(&client, "installed-update-installed.png").await;

    // "Restart now": the old process goes and the new binary starts in its place.
    let before: Vec<u32> = descendants(driver.pid());
    // The app now running (its file was replaced, so its exe reads "… (deleted)").
    let old_apps: Vec<u32> = before
        .iter()
        .copied()
        .filter(|p| {
            std::fs::read_link(format!("/proc/{p}/exe"))
                .is_ok_and(|e| e.to_string_lossy().starts_with("/usr/bin/roundtable-app"))
        })
        .collect();
    run(
        &client,
        "setTimeout(() => document.querySelector('#update-restart').click(), 200); return true",
    )
    .await;
    let mut relaunched = Vec::new();
    for _ in 0..200 {
        relaunched = running_installed_apps()
            .into_iter()
            .filter(|p| !before.contains(p))
            .collect();
        if !relaunched.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !relaunched.is_empty(),
        "no new /usr/bin/roundtable-app process after Restart now"
    );
    // The old app is gone, and the new one stays up (it is not a second instance that quits).
    assert!(
        !old_apps.is_empty(),
        "no running app found before Restart now"
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    for pid in &old_apps {
        assert!(
            !alive(*pid),
            "the old app ({pid}) is still running after Restart now"
        );
    }
    assert!(
        relaunched.iter().any(|p| alive(*p)),
        "the relaunched app quit within 3 s"
    );
    // The relaunched app is outside WebDriver's reach: stop it (and what it started), then open
    // the same data dir in a new session, which reports the new version.
    let mut gone = relaunched.clone();
    for pid in &relaunched {
        gone.extend(descendants(*pid));
    }
    drop(client);
    drop(driver);
    kill_and_wait(&gone);
    let (_driver, client) = launch(&home.0).await;
    let version = shown_version(&client).await;
    assert!(
        version.starts_with(&format!("version {} ", env("ROUNDTABLE_UPDATE_VERSION"))),
        "{version}"
    );
}
