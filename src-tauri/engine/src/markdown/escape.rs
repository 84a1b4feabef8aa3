//! HTML escaping exactly as html5ever serialises, so that the sanitiser's output of our own HTML
//! is byte-for-byte what we wrote. Line endings become `\n`, as an HTML parser reads them.

/// Escapes text content: `&`, `<`, `>` and the no-break space.
pub fn escape_text(s: &str, out: &mut String) {
    escape(s, out, false);
}

/// Escapes an attribute value in double quotes: `&`, `"` and the no-break space.
pub fn escape_attr(s: &str, out: &mut String) {
    escape(s, out, true);
}

fn escape(s: &str, out: &mut String, attr: bool) {
    let mut last = 0;
    for (i, c) in s.char_indices() {
        let rep = match c {
            '&' => "&amp;",
            '<' if !attr => "&lt;",
            '>' if !attr => "&gt;",
            '"' if attr => "&quot;",
            '\u{a0}' => "&nbsp;",
            '\r' if s[i + 1..].starts_with('\n') => "",
            '\r' => "\n",
            _ => continue,
        };
        out.push_str(&s[last..i]);
        out.push_str(rep);
        last = i + c.len_utf8();
    }
    out.push_str(&s[last..]);
}

/// The text content of escaped HTML text (only the entities the escapers write).
pub fn unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&")
}
