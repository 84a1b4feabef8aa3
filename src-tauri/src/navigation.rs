//! The web view never leaves the app: a navigation guard, in Rust, that refuses every navigation
//! away from the app's own origin. The UI's click handler already sends links to `open_link`
//! (the OS's browser); this is the second wall for whatever slips past it (a form, a script,
//! `window.location`, a link the handler missed).

use tauri::plugin::{Builder, TauriPlugin};
use tauri::{Manager, Runtime, Url};

/// Whether the web view may navigate to `url`: only the app's own pages, served by Tauri's
/// custom protocol (`tauri://localhost` on Linux and macOS, `http(s)://tauri.localhost` on
/// Windows), the dev server's origin in a debug build that has one (`build.devUrl`), and
/// `about:blank`/`about:srcdoc` that web views load for themselves.
pub fn allowed(url: &Url, dev_url: Option<&Url>) -> bool {
    if let Some(dev) = dev_url {
        if dev.origin() == url.origin() && url.origin().is_tuple() {
            return true;
        }
    }
    match url.scheme() {
        "tauri" => url.host_str() == Some("localhost") && url.port().is_none(),
        "http" | "https" => url.host_str() == Some("tauri.localhost") && url.port().is_none(),
        "about" => matches!(url.path(), "blank" | "srcdoc"),
        _ => false,
    }
}

/// The guard, as a plugin so it covers every web view the app opens.
pub fn guard<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("navigation-guard")
        .on_navigation(|webview, url| {
            let config = webview.app_handle().config();
            let dev_url = config
                .build
                .dev_url
                .as_ref()
                .filter(|_| cfg!(debug_assertions));
            let ok = allowed(url, dev_url);
            if !ok {
                eprintln!(
                    "roundtable: refused to navigate the window to {}",
                    url.origin().ascii_serialization()
                );
            }
            ok
        })
        .build()
}

#[cfg(test)]
mod tests {
    use super::allowed;
    use tauri::Url;

    #[test]
    fn only_the_app_s_own_origin() {
        for ok in [
            "tauri://localhost/",
            "tauri://localhost/index.html#/settings",
            "http://tauri.localhost/",
            "https://tauri.localhost/assets/x.js",
            "about:blank",
        ] {
            assert!(allowed(&Url::parse(ok).unwrap(), None), "{ok}");
        }
        for bad in [
            "https://example.com/",
            "http://localhost:1420/",
            "http://tauri.localhost.evil.com/",
            "http://tauri.localhost:8080/",
            "tauri://evil/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "mailto:a@b.c",
            "about:config",
            "http://127.0.0.1:4747/v1",
        ] {
            assert!(!allowed(&Url::parse(bad).unwrap(), None), "{bad}");
        }
        let dev = Url::parse("http://localhost:1420").unwrap();
        let page = Url::parse("http://localhost:1420/index.html").unwrap();
        assert!(
            allowed(&page, Some(&dev)),
            "the dev server, when there is one"
        );
        let other = Url::parse("http://localhost:1421/").unwrap();
        assert!(
            !allowed(&other, Some(&dev)),
            "another port is another origin"
        );
    }
}
