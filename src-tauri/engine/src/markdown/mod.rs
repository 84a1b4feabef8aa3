//! Safe, streaming Markdown rendering.
//!
//! GitHub-flavoured Markdown (tables, strikethrough, task lists, footnotes, autolinks, callouts)
//! parsed by `pulldown-cmark` and written in a small HTML dialect ([`writer`]): raw HTML in the
//! input is shown as text, links keep only `http`, `https` and `mailto` targets (anything else is
//! shown as its source text), images become links the user may choose to open, and no attribute
//! of the input passes but a checked `href`. Code blocks carry a language label and highlighting
//! classes; math spans are kept intact (`math-inline`, `math-display`) for the UI to typeset.
//! The result then goes through `ammonia` with the same allow-list ([`sanitize`]).
//!
//! [`MarkdownStream`] renders an answer as it streams: each delta returns the HTML of blocks that
//! became final and of the open tail block, so the work per delta follows the tail, not the whole
//! message; their concatenation always equals [`render`] of the text so far.

pub(crate) mod escape;
pub mod highlight;
pub mod sanitize;
mod stream;
mod writer;

use std::ops::Range;

use pulldown_cmark::{BrokenLink, CowStr, Event, Options, Parser};

pub use escape::{escape_attr, escape_text};
pub use sanitize::{safe_href, ALLOWED, SCHEMES};
pub use stream::{MarkdownStream, Update};

/// The parser's options: GFM and math. Footnote references render whether or not their
/// definition has arrived yet (the "old" footnote rule), so a reference never changes later.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_OLD_FOOTNOTES
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
}

/// Renders a whole Markdown text to sanitised HTML.
pub fn render(markdown: &str) -> String {
    let events = parse(markdown, |_| None);
    let mut w = writer::Writer::new(markdown, None);
    w.run(&events);
    sanitize::clean(&w.out)
}

/// Parses `src` into events with their source ranges, adjacent text merged into one event.
/// `broken` is asked about reference links whose label `src` does not define.
pub(crate) fn parse<'a>(
    src: &'a str,
    broken: impl FnMut(BrokenLink<'a>) -> Option<(CowStr<'a>, CowStr<'a>)>,
) -> Vec<(Event<'a>, Range<usize>)> {
    merge_text(
        Parser::new_with_broken_link_callback(src, options(), Some(broken)).into_offset_iter(),
    )
}

pub(crate) fn merge_text<'a>(
    events: impl Iterator<Item = (Event<'a>, Range<usize>)>,
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut out: Vec<(Event<'a>, Range<usize>)> = Vec::new();
    for (event, range) in events {
        if let (Event::Text(t), Some((Event::Text(prev), prev_range))) = (&event, out.last_mut()) {
            let mut joined = prev.to_string();
            joined.push_str(t);
            *prev = CowStr::from(joined);
            prev_range.end = range.end;
            continue;
        }
        out.push((event, range));
    }
    out
}

/// A reference label as Markdown matches it: trimmed, inner whitespace collapsed, case folded.
pub(crate) fn normalize_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests;
