//! Incremental rendering of a streaming answer.
//!
//! The text so far is split into top-level blocks. Every block but the last is final: later text
//! cannot change it (a block ends only when the next one has begun), so it is rendered and
//! sanitised once. Each delta re-parses only the text from the last final block on. Two
//! refinements keep the cost per delta small and the result exact:
//!
//! - A delta of plain words (letters, digits, spaces, `,;?!'"`, ending in a letter or digit) that
//!   extends plain text ending the tail, itself ending in a letter or digit inside a plain word,
//!   cannot change any earlier markup: it is appended to the tail's HTML without parsing.
//! - Reference links are document-wide: a definition arriving later can turn an earlier `[label]`
//!   into a link. Final blocks remember the reference labels they used; when a definition of one
//!   is in the unfinished part (arriving, or still growing), rendering rolls back to that block
//!   and the update says so (`replace_from`).
//!   Definitions in final blocks resolve references in the tail through the parser's
//!   broken-link callback.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BrokenLink, CowStr, Event, LinkType, Parser, Tag};

use super::escape::escape_text;
use super::highlight::{self, Lang, LineCache, State};
use super::writer::Writer;
use super::{merge_text, normalize_label, options, sanitize};

/// What one delta changed: drop the final blocks from `replace_from` on (usually none: it is the
/// number of final blocks before the delta), append `blocks`, and show `tail` after them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Update<'a> {
    pub replace_from: usize,
    pub blocks: Vec<&'a str>,
    pub tail: &'a str,
}

struct Final {
    /// Where re-parsing starts if this block must be rendered again.
    start: usize,
    html: String,
    /// Reference labels this block used, resolved or not: a definition of one arriving later
    /// (or changing while it streams) means rendering this block again.
    uses: Vec<String>,
    /// Reference labels this block defined.
    defines: Vec<String>,
}

/// Where a delta that only extends the last line lands in the tail's HTML.
enum Fast {
    /// Plain text ends the tail, followed by `closing` bytes of end tags.
    Text { closing: usize },
    /// An open code block's last line ends the tail: its HTML starts at `line_at` and is
    /// followed by `closing` bytes; it is highlighted again from `state`.
    Code {
        line_at: usize,
        closing: usize,
        lang: Option<&'static Lang>,
        state: State,
        line: String,
        free: bool,
    },
}

/// Punctuation that means nothing to Markdown in the middle of a line.
const QUIET: &[char] = &['.', ',', ';', '?', '!', '\'', '"', '%', '/'];

/// Whether appending `delta` to `text`, whose tail ends in plain text, only appends that text:
/// the delta is words and quiet punctuation on the same line, not ending in a space (trailing
/// spaces of a paragraph are dropped); the word it extends is plain too (no markup, entity or
/// `www.` address forming); the line it is on already has a letter.
fn plain_words_fit(text: &str, delta: &str) -> bool {
    let quiet = |c: char| c.is_alphanumeric() || c == ' ' || QUIET.contains(&c);
    if !delta.chars().all(quiet) || delta.ends_with(' ') {
        return false;
    }
    let Some(prev) = text.chars().next_back() else {
        return false;
    };
    if !(prev.is_alphanumeric() || QUIET.contains(&prev)) {
        return false;
    }
    let word = text.rsplit(char::is_whitespace).next().unwrap_or("");
    if !word.chars().all(quiet) {
        return false;
    }
    // A `www.` address needs a dot; only then is the joined word looked at.
    if (word.contains('.') || delta.contains('.'))
        && [word, delta].concat().to_ascii_lowercase().contains("www.")
    {
        return false;
    }
    // A line is settled once it has a letter: what it is (list item, heading, underline,
    // table row…) depends on how it starts, and until then a `1` may become `1. a`.
    let line = text.rsplit(['\n', '\r']).next().unwrap_or("");
    line.contains(char::is_alphabetic)
}

/// Whether `delta` only extends an open code block: no fence character; and unless the fence
/// is a top-level one at the start of its line, no line break and a line that already has text
/// (so no indentation is left to strip).
fn code_fits(free: bool, line: &str, delta: &str) -> bool {
    if delta.contains(['\r', '`', '~']) || line.ends_with('\r') {
        return false;
    }
    let has_text = |s: &str| s.contains(|c: char| !c.is_whitespace());
    if !free {
        return !delta.contains('\n') && has_text(line);
    }
    // An open fence drops a last line of only spaces.
    let last = match delta.rfind('\n') {
        Some(p) => &delta[p + 1..],
        None => &[line, delta].concat(),
    };
    last.is_empty() || has_text(last)
}

struct TailDef {
    label: String,
    dest: String,
    title: String,
    at: usize,
}

/// Renders a Markdown text that arrives in pieces. See the module docs.
#[derive(Default)]
pub struct MarkdownStream {
    text: String,
    final_upto: usize,
    blocks: Vec<Final>,
    defs: HashMap<String, (String, String, usize)>,
    tail: String,
    /// The tail's HTML split where text appended to the source would go.
    fast: Option<Fast>,
    cache: LineCache,
    /// The earliest final block a rollback removed since the last update.
    last_rollback: Option<usize>,
}

impl MarkdownStream {
    /// An empty stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// The Markdown text so far.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The HTML of the final blocks so far.
    pub fn blocks(&self) -> impl Iterator<Item = &str> {
        self.blocks.iter().map(|b| b.html.as_str())
    }

    /// The HTML of the open tail block.
    pub fn tail(&self) -> &str {
        &self.tail
    }

    /// The whole HTML so far: the final blocks and the tail.
    pub fn html(&self) -> String {
        let mut out: String = self.blocks().collect();
        out.push_str(&self.tail);
        out
    }

    /// Adds a delta; returns what changed.
    pub fn push(&mut self, delta: &str) -> Update<'_> {
        let from = self.blocks.len();
        if !delta.is_empty() && !self.append_plain(delta) {
            self.text.push_str(delta);
            self.reparse();
        }
        self.update(from.min(self.rolled_back_to(from)))
    }

    /// Ends the stream: the tail becomes a final block.
    pub fn finish(&mut self) -> Update<'_> {
        let from = self.blocks.len();
        self.reparse();
        let from = from.min(self.rolled_back_to(from));
        if !self.tail.is_empty() {
            let html = sanitize::clean(&std::mem::take(&mut self.tail));
            self.blocks.push(Final {
                start: self.final_upto,
                html,
                uses: Vec::new(),
                defines: Vec::new(),
            });
            self.final_upto = self.text.len();
            self.fast = None;
        }
        self.update(from)
    }

    fn rolled_back_to(&self, from: usize) -> usize {
        self.last_rollback.unwrap_or(from)
    }

    fn update(&mut self, from: usize) -> Update<'_> {
        self.last_rollback = None;
        Update {
            replace_from: from,
            blocks: self.blocks[from..]
                .iter()
                .map(|b| b.html.as_str())
                .collect(),
            tail: &self.tail,
        }
    }

    /// The fast paths; false when neither applies.
    fn append_plain(&mut self, delta: &str) -> bool {
        match &mut self.fast {
            Some(Fast::Text { closing })
                if plain_words_fit(&self.text, delta)
                    // A quote can end the title of a link definition being written.
                    && !(delta.contains(['"', '\'']) && self.text[self.final_upto..].contains("]:")) =>
            {
                let tail = self.tail.split_off(self.tail.len() - *closing);
                self.tail.push_str(delta);
                self.tail.push_str(&tail);
            }
            Some(Fast::Code {
                line_at,
                closing,
                lang,
                state,
                line,
                free,
            }) if code_fits(*free, line, delta) => {
                let tail = self.tail.split_off(self.tail.len() - *closing);
                self.tail.truncate(*line_at);
                let joined = [line.as_str(), delta].concat();
                let mut lines = joined.split('\n').peekable();
                while let Some(text) = lines.next() {
                    if lines.peek().is_none() {
                        *line_at = self.tail.len();
                        *line = text.to_string();
                    }
                    let next = match lang {
                        Some(lang) => highlight::line(lang, text, *state, &mut self.tail),
                        None => {
                            escape_text(text, &mut self.tail);
                            State::Normal
                        }
                    };
                    if lines.peek().is_some() {
                        *state = next;
                        self.tail.push('\n');
                    }
                }
                self.tail.push_str(&tail);
            }
            _ => return false,
        }
        self.text.push_str(delta);
        true
    }

    /// Re-parses from the last final block: finalises the blocks that are done, renders the tail.
    fn reparse(&mut self) {
        loop {
            let src = &self.text[self.final_upto..];
            let defs = &self.defs;
            let mut broken: Vec<(Range<usize>, String)> = Vec::new();
            let parser = Parser::new_with_broken_link_callback(
                src,
                options(),
                Some(|link: BrokenLink<'_>| {
                    let key = normalize_label(&link.reference);
                    match defs.get(&key) {
                        Some((dest, title, _)) => {
                            Some((CowStr::from(dest.clone()), CowStr::from(title.clone())))
                        }
                        None => {
                            broken.push((link.span.clone(), key));
                            None
                        }
                    }
                }),
            );
            let iter = parser.into_offset_iter();
            let tail_defs: Vec<TailDef> = iter
                .reference_definitions()
                .iter()
                .map(|(label, def)| TailDef {
                    label: normalize_label(label),
                    dest: def.dest.to_string(),
                    title: def.title.as_deref().unwrap_or("").to_string(),
                    at: def.span.start,
                })
                .collect();
            // A definition for a label a final block used, or defined first: render again from there.
            let rollback = tail_defs
                .iter()
                .filter_map(|d| {
                    self.blocks
                        .iter()
                        .position(|b| b.uses.contains(&d.label) || b.defines.contains(&d.label))
                })
                .min();
            if let Some(i) = rollback {
                drop(iter);
                self.final_upto = self.blocks[i].start;
                self.blocks.truncate(i);
                self.defs.retain(|_, d| d.2 < i);
                self.last_rollback = Some(self.last_rollback.map_or(i, |r| r.min(i)));
                continue;
            }
            let events = merge_text(iter);
            let spans = top_level(&events);
            let line_start_before = |at: usize| src[..at].rfind(['\n', '\r']).map_or(0, |p| p + 1);
            // A block is final once the next one has begun on a complete line, or after a blank
            // line: a last line that follows directly may still be read differently when it
            // grows (`|` alone ends a table; `| 1` is its row).
            let last_line = line_start_before(src.len());
            let begins = |k: usize| line_start_before(events[spans[k].start].1.start);
            // The start of the line before the one starting at `at`.
            let line_before = |at: usize| {
                let end = if src[..at].ends_with("\r\n") {
                    at - 2
                } else {
                    at.saturating_sub(1)
                };
                line_start_before(end)
            };
            let after_blank = |at: usize| at > 0 && src[line_before(at)..at].trim().is_empty();
            // A list goes on after a blank line when a growing `1` becomes `1.`.
            let is_list = |k: usize| matches!(events[spans[k].start].0, Event::Start(Tag::List(_)));
            let mut done = (1..spans.len())
                .take_while(|&k| {
                    begins(k) < last_line || (after_blank(begins(k)) && !is_list(k - 1))
                })
                .count();
            // Block k owns the source from its first line back over the lines of definitions
            // just above it (a definition is read as the start of a paragraph: `[a]: /u` then
            // `10. x` is one paragraph, not a list), to the same bound of block k+1. Parsing
            // resumes at a bound. Definitions make no events, so they are found in the text,
            // below the last line block k-1 reaches.
            let bound = |k: usize| {
                if k == 0 {
                    return 0;
                }
                let at = begins(k);
                // The last line block k-1's content reaches (its end tags' ranges can run on
                // over the blank and definition lines after it, so only content counts).
                let prev = &events[spans[k - 1].clone()];
                let reach = prev
                    .iter()
                    .filter(|(e, _)| !matches!(e, Event::Start(_) | Event::End(_)))
                    .map(|(_, r)| r.end)
                    .chain([prev[0].1.start])
                    .filter(|&e| e <= at)
                    .max()
                    .unwrap_or(0);
                let floor = src[reach..at]
                    .find(['\n', '\r'])
                    .map_or(at, |p| reach + p + 1);
                let def_like = |line: &str| {
                    let t = line.trim_start_matches(' ');
                    line.len() - t.len() <= 3
                        && t.starts_with('[')
                        && t.lines().next().is_some_and(|l| l.contains("]:"))
                };
                let (mut top, mut bound) = (at, at);
                while top > floor {
                    let line = line_before(top);
                    if line < floor || src[line..top].trim().is_empty() {
                        break;
                    }
                    top = line;
                    if def_like(&src[line..]) {
                        bound = line;
                    }
                }
                bound
            };
            // Nor is a block final while a definition it uses is still in the unfinished part.
            let uses = |k: usize| -> Vec<String> {
                let (from, to) = (bound(k), bound(k + 1));
                broken
                    .iter()
                    .filter(|(r, _)| (from..to).contains(&r.start))
                    .map(|(_, l)| l.clone())
                    .chain(references(&events[spans[k].clone()]))
                    .collect()
            };
            while let Some(k) = (0..done).find(|&k| {
                let open = bound(done);
                uses(k)
                    .iter()
                    .any(|l| tail_defs.iter().any(|d| d.at >= open && d.label == *l))
            }) {
                done = k;
            }
            for k in 0..done {
                let (from, to) = (bound(k), bound(k + 1));
                let mut w = Writer::new(src, Some(&mut self.cache));
                w.run(&events[spans[k].clone()]);
                let index = self.blocks.len();
                let mine = || tail_defs.iter().filter(|d| (from..to).contains(&d.at));
                for d in mine() {
                    self.defs
                        .entry(d.label.clone())
                        .or_insert_with(|| (d.dest.clone(), d.title.clone(), index));
                }
                self.blocks.push(Final {
                    start: self.final_upto + from,
                    html: sanitize::clean(&w.out),
                    uses: uses(k),
                    defines: mine().map(|d| d.label.clone()).collect(),
                });
            }
            self.fast = None;
            self.tail.clear();
            let new_upto = self.final_upto + bound(done);
            if done < spans.len() {
                let first = spans[done].start;
                let mut w = Writer::new(src, Some(&mut self.cache));
                w.run(&events[first..]);
                if sanitize::conforms(&w.out) {
                    let len = w.out.len();
                    if let Some(at) = w.text_end {
                        self.fast = Some(Fast::Text { closing: len - at });
                    } else if let Some(c) = w.code_end.take() {
                        self.fast = Some(Fast::Code {
                            line_at: c.start,
                            closing: len - c.end,
                            lang: c.lang,
                            state: c.state,
                            line: c.line,
                            free: c.free,
                        });
                    }
                    self.tail = w.out;
                } else {
                    self.tail = sanitize::clean(&w.out);
                }
            }
            self.final_upto = new_upto;
            return;
        }
    }
}

/// The labels of the reference links and images among `events`.
fn references<'e>(events: &'e [(Event<'_>, Range<usize>)]) -> impl Iterator<Item = String> + 'e {
    events.iter().filter_map(|(event, _)| match event {
        Event::Start(Tag::Link { link_type, id, .. } | Tag::Image { link_type, id, .. })
            if !matches!(
                link_type,
                LinkType::Inline | LinkType::Autolink | LinkType::Email
            ) =>
        {
            Some(normalize_label(id))
        }
        _ => None,
    })
}

/// The event ranges of the top-level blocks.
fn top_level(events: &[(Event<'_>, Range<usize>)]) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (k, (event, _)) in events.iter().enumerate() {
        match event {
            Event::Start(_) => {
                if depth == 0 {
                    start = k;
                }
                depth += 1;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    spans.push(start..k + 1);
                }
            }
            _ if depth == 0 => spans.push(k..k + 1),
            _ => {}
        }
    }
    spans
}
