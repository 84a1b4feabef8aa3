//! The second wall: an allow-list of elements, attributes and classes that the renderer's HTML
//! must fit, enforced by `ammonia` (html5ever underneath), plus a fast exact check of the same
//! list for the streaming tail, which falls back to `ammonia` whenever it is not sure.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::highlight;

/// One allowed element: its attributes (besides `class`) and the classes it may carry.
pub struct Allowed {
    pub tag: &'static str,
    pub attrs: &'static [&'static str],
    pub classes: HashSet<String>,
}

/// Everything the renderer may emit. Nothing else survives sanitising.
pub static ALLOWED: LazyLock<Vec<Allowed>> = LazyLock::new(|| {
    let plain = |tag| Allowed {
        tag,
        attrs: &[],
        classes: HashSet::new(),
    };
    let with = |tag, attrs, classes: &[&str]| Allowed {
        tag,
        attrs,
        classes: classes.iter().map(|c| c.to_string()).collect(),
    };
    let code_classes: HashSet<String> = highlight::LANGS
        .iter()
        .map(|l| format!("language-{}", l.id))
        .collect();
    let callouts =
        ["note", "tip", "important", "warning", "caution"].map(|k| format!("callout-{k}"));
    let aligns = ["align-left", "align-center", "align-right"];
    let mut span_classes: Vec<&str> = highlight::CLASSES.to_vec();
    span_classes.extend([
        "math-inline",
        "math-display",
        "task-open",
        "task-done",
        "md-image",
    ]);
    vec![
        plain("p"),
        plain("h1"),
        plain("h2"),
        plain("h3"),
        plain("h4"),
        plain("h5"),
        plain("h6"),
        Allowed {
            tag: "blockquote",
            attrs: &[],
            classes: callouts.into_iter().collect(),
        },
        plain("ul"),
        with("ol", &["start"], &[]),
        plain("li"),
        with("pre", &[], &["raw-html"]),
        Allowed {
            tag: "code",
            attrs: &[],
            classes: code_classes,
        },
        with("span", &[], &span_classes),
        with("div", &[], &["code-block", "code-lang", "footnote"]),
        plain("em"),
        plain("strong"),
        plain("del"),
        with("a", &["href"], &["md-image"]),
        plain("table"),
        plain("thead"),
        plain("tbody"),
        plain("tr"),
        with("th", &[], &aligns),
        with("td", &[], &aligns),
        plain("hr"),
        plain("br"),
        with("sup", &[], &["footnote-ref", "footnote-label"]),
    ]
});

/// The URL schemes a link may use.
pub const SCHEMES: &[&str] = &["http", "https", "mailto"];

fn allowed(tag: &str) -> Option<&'static Allowed> {
    // Every allowed tag is short; a linear scan over ~30 entries beats hashing here.
    ALLOWED
        .iter()
        .find(|a| a.tag.len() == tag.len() && a.tag == tag)
}

/// The scheme check on an `href` as written: `http://`, `https://` or `mailto:`, and nothing a
/// browser would strip or split on (spaces, controls).
fn href_ok(v: &str) -> bool {
    (v.starts_with("https://") || v.starts_with("http://") || v.starts_with("mailto:"))
        && !v.chars().any(|c| c.is_control() || c.is_whitespace())
}

/// A link target the renderer may emit: `http(s)://` with a host, or `mailto:`, normalised by
/// the URL parser. Anything else (`javascript:`, `data:`, relative paths, junk) is `None`.
pub fn safe_href(raw: &str) -> Option<String> {
    let lower = raw.get(..8).unwrap_or(raw).to_ascii_lowercase();
    if !(lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("mailto:"))
    {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    match url.scheme() {
        "http" | "https" if url.host_str().is_some_and(|h| !h.is_empty()) => Some(url.into()),
        "mailto" => Some(url.into()),
        _ => None,
    }
}

static AMMONIA: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut b = ammonia::Builder::empty();
    let mut tags = HashSet::new();
    let mut attrs = HashMap::new();
    let mut classes = HashMap::new();
    for a in ALLOWED.iter() {
        tags.insert(a.tag);
        if !a.attrs.is_empty() {
            attrs.insert(a.tag, a.attrs.iter().copied().collect::<HashSet<_>>());
        }
        if !a.classes.is_empty() {
            classes.insert(
                a.tag,
                a.classes.iter().map(String::as_str).collect::<HashSet<_>>(),
            );
        }
    }
    b.tags(tags)
        .tag_attributes(attrs)
        .allowed_classes(classes)
        .url_schemes(SCHEMES.iter().copied().collect())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(None)
        .strip_comments(true)
        .clean_content_tags(["script", "style"].into_iter().collect());
    b
});

/// Runs HTML through `ammonia` with the allow-list.
pub fn clean(html: &str) -> String {
    AMMONIA.clean(html).to_string()
}

/// HTML that fits the allow-list exactly as the renderer writes it passes unchanged; anything
/// else goes through `ammonia`.
pub fn fast_or_clean(html: String) -> String {
    if conforms(&html) {
        html
    } else {
        clean(&html)
    }
}

/// Whether `html` is made only of allowed tags with allowed attributes (double-quoted, escaped),
/// allowed classes, checked `href`s, and text whose only `&` are the escapes the renderer writes.
/// A strict recogniser of the renderer's own dialect: it says no rather than repair.
pub fn conforms(html: &str) -> bool {
    let b = html.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'<' => match tag_end(html, i) {
                Some(e) => i = e,
                None => return false,
            },
            b'>' => return false,
            b'&' => match entity_len(&html[i..]) {
                Some(n) => i += n,
                None => return false,
            },
            _ => i += 1,
        }
    }
    true
}

fn entity_len(s: &str) -> Option<usize> {
    ["&amp;", "&lt;", "&gt;", "&quot;", "&nbsp;"]
        .iter()
        .find(|e| s.starts_with(**e))
        .map(|e| e.len())
}

/// Checks one tag starting at `at` (`<`); returns the index after its `>`.
fn tag_end(html: &str, at: usize) -> Option<usize> {
    let b = html.as_bytes();
    let mut i = at + 1;
    let closing = b.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < b.len() && b[i].is_ascii_alphanumeric() {
        i += 1;
    }
    let spec = allowed(&html[name_start..i])?;
    if closing {
        return (b.get(i) == Some(&b'>')).then_some(i + 1);
    }
    loop {
        match b.get(i)? {
            b'>' => return Some(i + 1),
            b' ' => {
                i += 1;
                let n0 = i;
                while i < b.len() && b[i].is_ascii_lowercase() {
                    i += 1;
                }
                let name = &html[n0..i];
                if html.get(i..i + 2)? != "=\"" {
                    return None;
                }
                i += 2;
                let v0 = i;
                while *b.get(i)? != b'"' {
                    if b[i] == b'<' || b[i] == b'>' {
                        return None;
                    }
                    if b[i] == b'&' {
                        i += entity_len(&html[i..])?;
                    } else {
                        i += 1;
                    }
                }
                let raw = &html[v0..i];
                let value = if raw.contains('&') {
                    std::borrow::Cow::Owned(super::escape::unescape(raw))
                } else {
                    std::borrow::Cow::Borrowed(raw)
                };
                i += 1;
                let ok = match name {
                    "class" => spec.classes.contains(value.as_ref()),
                    "href" => spec.attrs.contains(&"href") && href_ok(&value),
                    "start" => {
                        spec.attrs.contains(&"start")
                            && !value.is_empty()
                            && value.bytes().all(|d| d.is_ascii_digit())
                    }
                    _ => false,
                };
                if !ok {
                    return None;
                }
            }
            _ => return None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hrefs_keep_only_web_and_mail_schemes() {
        assert_eq!(
            safe_href("https://example.com/a?b=1").as_deref(),
            Some("https://example.com/a?b=1")
        );
        assert_eq!(
            safe_href("HTTP://EXAMPLE.com").as_deref(),
            Some("http://example.com/")
        );
        assert_eq!(safe_href("mailto:a@b.c").as_deref(), Some("mailto:a@b.c"));
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "vbscript:msgbox",
            "data:text/html,<script>",
            "/relative",
            "#frag",
            "//evil.example",
            "https://",
            "file:///etc/passwd",
            "java\tscript:x",
        ] {
            assert_eq!(safe_href(bad), None, "{bad}");
        }
    }

    #[test]
    fn conforms_accepts_the_dialect_and_rejects_everything_else() {
        for ok in [
            "<p>a &amp; b</p>\n",
            "<a href=\"https://x.y/\">t</a>",
            "<ol start=\"3\">\n<li>x</li>\n</ol>\n",
            "<span class=\"hl-kw\">fn</span>",
            "<code class=\"language-rust\">x</code>",
        ] {
            assert!(conforms(ok), "{ok}");
            assert_eq!(clean(ok), ok, "ammonia leaves the dialect unchanged");
        }
        for bad in [
            "<script>x</script>",
            "<p onclick=\"x\">a</p>",
            "<a href=\"javascript:alert(1)\">t</a>",
            "<a href='https://x.y/'>t</a>",
            "<span class=\"evil\">x</span>",
            "<img src=\"x\">",
            "<!-- c -->",
            "a & b",
            "<p>a</p",
            "<ol start=\"1x\">",
            "<p >x</p>",
        ] {
            assert!(!conforms(bad), "{bad}");
        }
    }
}
