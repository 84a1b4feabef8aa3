//! Markdown events to HTML in the renderer's dialect: only allow-listed elements, no attribute
//! from the input but a checked `href`, raw HTML and unsafe links shown as text, images as links.

use std::ops::Range;

use pulldown_cmark::{
    Alignment, BlockQuoteKind, CodeBlockKind, Event, HeadingLevel, LinkType, Tag, TagEnd,
};

use super::escape::{escape_attr, escape_text};
use super::highlight::{self, Lang, LineCache, State};
use super::sanitize::safe_href;

/// What a link or image start tag turned into, so its end tag closes the same thing.
enum Open {
    Anchor,
    Nothing,
}

struct Code {
    lang: Option<&'static Lang>,
    label: String,
    text: String,
    /// Its text runs to the end of the source (an open fence being streamed).
    at_end: bool,
    /// A fence at the start of a top-level line: its lines are kept exactly, so text appended
    /// to the source, line breaks included, is appended to the code.
    free: bool,
}

/// The last line of an open code block that ends the source, as written.
pub struct CodeEnd {
    pub lang: Option<&'static Lang>,
    /// Where the line's HTML starts and ends in `out`.
    pub start: usize,
    pub end: usize,
    /// The lexer's state at the line's start, and the line's text.
    pub state: State,
    pub line: String,
    pub free: bool,
}

struct Image {
    /// `Some(href)` when it becomes a link to the image; `None` inside a link (plain text).
    href: Option<String>,
    alt: String,
    depth: usize,
}

/// Writes the HTML of a run of events.
pub struct Writer<'s, 'c> {
    pub out: String,
    src: &'s str,
    cache: Option<&'c mut LineCache>,
    code: Option<Code>,
    links: Vec<Open>,
    anchor_depth: usize,
    image: Option<Image>,
    /// Skipping the events inside a link or image shown as its source text.
    skip: usize,
    aligns: Vec<Alignment>,
    cell: usize,
    in_head: bool,
    body_open: bool,
    /// Where plain text ending at the end of the source ended in `out`, while only end tags
    /// have followed it: text appended to the source lands right there.
    pub text_end: Option<usize>,
    /// Likewise for a code block whose last line ends the source.
    pub code_end: Option<CodeEnd>,
    /// How many tags are open.
    nesting: usize,
}

impl<'s, 'c> Writer<'s, 'c> {
    pub fn new(src: &'s str, cache: Option<&'c mut LineCache>) -> Self {
        Writer {
            out: String::with_capacity(src.len() * 3 / 2 + 16),
            src,
            cache,
            code: None,
            links: Vec::new(),
            anchor_depth: 0,
            image: None,
            skip: 0,
            aligns: Vec::new(),
            cell: 0,
            in_head: false,
            body_open: false,
            text_end: None,
            code_end: None,
            nesting: 0,
        }
    }

    /// Writes every event.
    pub fn run(&mut self, events: &[(Event<'_>, Range<usize>)]) {
        for (event, range) in events {
            self.event(event, range);
        }
    }

    fn event(&mut self, event: &Event<'_>, range: &Range<usize>) {
        let top = self.nesting == 0;
        match event {
            Event::Start(_) => self.nesting += 1,
            Event::End(_) => self.nesting = self.nesting.saturating_sub(1),
            _ => {}
        }
        if self.skip > 0 {
            match event {
                Event::Start(_) => self.skip += 1,
                Event::End(_) => self.skip -= 1,
                _ => {}
            }
            return;
        }
        if !matches!(event, Event::End(_)) {
            self.text_end = None;
            self.code_end = None;
        }
        if let Some(img) = &mut self.image {
            match event {
                Event::Start(_) => img.depth += 1,
                Event::End(_) if img.depth > 0 => img.depth -= 1,
                Event::End(_) => self.end_image(),
                Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                    img.alt.push_str(t)
                }
                _ => {}
            }
            return;
        }
        match event {
            Event::Start(tag) => self.start(tag, range, top),
            Event::End(tag) => self.end(*tag),
            Event::Text(t) => {
                if let Some(code) = &mut self.code {
                    code.text.push_str(t);
                    code.at_end = range.end == self.src.len();
                } else if self.anchor_depth > 0 {
                    escape_text(t, &mut self.out);
                } else {
                    linkify(t, &mut self.out);
                    if range.end == self.src.len() {
                        self.text_end = Some(self.out.len());
                    }
                }
            }
            Event::Code(t) => self.wrap("<code>", t, "</code>"),
            Event::InlineMath(t) => self.wrap("<span class=\"math-inline\">", t, "</span>"),
            Event::DisplayMath(t) => self.wrap("<span class=\"math-display\">", t, "</span>"),
            Event::Html(t) | Event::InlineHtml(t) => escape_text(t, &mut self.out),
            Event::FootnoteReference(label) => {
                self.wrap("<sup class=\"footnote-ref\">", label, "</sup>")
            }
            Event::SoftBreak => self.out.push('\n'),
            Event::HardBreak => self.out.push_str("<br>\n"),
            Event::Rule => self.out.push_str("<hr>\n"),
            Event::TaskListMarker(done) => self.out.push_str(if *done {
                "<span class=\"task-done\">\u{2611}</span> "
            } else {
                "<span class=\"task-open\">\u{2610}</span> "
            }),
        }
    }

    fn wrap(&mut self, open: &str, text: &str, close: &str) {
        self.out.push_str(open);
        escape_text(text, &mut self.out);
        self.out.push_str(close);
    }

    fn start(&mut self, tag: &Tag<'_>, range: &Range<usize>, top: bool) {
        let out = &mut self.out;
        match tag {
            Tag::Paragraph => out.push_str("<p>"),
            Tag::Heading { level, .. } => {
                out.push_str(match level {
                    HeadingLevel::H1 => "<h1>",
                    HeadingLevel::H2 => "<h2>",
                    HeadingLevel::H3 => "<h3>",
                    HeadingLevel::H4 => "<h4>",
                    HeadingLevel::H5 => "<h5>",
                    HeadingLevel::H6 => "<h6>",
                });
            }
            Tag::BlockQuote(kind) => out.push_str(match kind {
                None => "<blockquote>\n",
                Some(BlockQuoteKind::Note) => "<blockquote class=\"callout-note\">\n",
                Some(BlockQuoteKind::Tip) => "<blockquote class=\"callout-tip\">\n",
                Some(BlockQuoteKind::Important) => "<blockquote class=\"callout-important\">\n",
                Some(BlockQuoteKind::Warning) => "<blockquote class=\"callout-warning\">\n",
                Some(BlockQuoteKind::Caution) => "<blockquote class=\"callout-caution\">\n",
            }),
            Tag::CodeBlock(kind) => {
                let free = top
                    && matches!(kind, CodeBlockKind::Fenced(_))
                    && (range.start == 0 || self.src[..range.start].ends_with('\n'));
                let info = match kind {
                    CodeBlockKind::Fenced(info) => info.trim(),
                    CodeBlockKind::Indented => "",
                };
                let label = info
                    .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
                    .next()
                    .unwrap_or("")
                    .chars()
                    .take(32)
                    .collect();
                self.code = Some(Code {
                    lang: highlight::lang(info),
                    label,
                    text: String::new(),
                    at_end: false,
                    free,
                });
            }
            Tag::HtmlBlock => out.push_str("<pre class=\"raw-html\"><code>"),
            Tag::List(Some(1)) => out.push_str("<ol>\n"),
            Tag::List(Some(n)) => {
                out.push_str("<ol start=\"");
                out.push_str(&n.to_string());
                out.push_str("\">\n");
            }
            Tag::List(None) => out.push_str("<ul>\n"),
            Tag::Item => out.push_str("<li>"),
            Tag::FootnoteDefinition(label) => {
                out.push_str("<div class=\"footnote\"><sup class=\"footnote-label\">");
                escape_text(label, out);
                out.push_str("</sup>\n");
            }
            Tag::Table(aligns) => {
                self.aligns = aligns.clone();
                self.body_open = false;
                out.push_str("<table>\n");
            }
            Tag::TableHead => {
                self.in_head = true;
                self.cell = 0;
                out.push_str("<thead>\n<tr>");
            }
            Tag::TableRow => {
                if !self.body_open {
                    self.body_open = true;
                    out.push_str("<tbody>\n");
                }
                self.cell = 0;
                out.push_str("<tr>");
            }
            Tag::TableCell => {
                out.push_str(if self.in_head { "<th" } else { "<td" });
                out.push_str(match self.aligns.get(self.cell) {
                    Some(Alignment::Left) => " class=\"align-left\">",
                    Some(Alignment::Center) => " class=\"align-center\">",
                    Some(Alignment::Right) => " class=\"align-right\">",
                    _ => ">",
                });
            }
            Tag::Emphasis => out.push_str("<em>"),
            Tag::Strong => out.push_str("<strong>"),
            Tag::Strikethrough => out.push_str("<del>"),
            Tag::Link {
                link_type,
                dest_url,
                ..
            } => {
                let href = if *link_type == LinkType::Email {
                    safe_href(&format!("mailto:{dest_url}"))
                } else {
                    safe_href(dest_url)
                };
                match href {
                    None => self.source_as_text(range),
                    Some(_) if self.anchor_depth > 0 => self.links.push(Open::Nothing),
                    Some(href) => {
                        out.push_str("<a href=\"");
                        escape_attr(&href, out);
                        out.push_str("\">");
                        self.anchor_depth += 1;
                        self.links.push(Open::Anchor);
                    }
                }
            }
            Tag::Image { dest_url, .. } => match safe_href(dest_url) {
                None => self.source_as_text(range),
                Some(href) => {
                    self.image = Some(Image {
                        href: (self.anchor_depth == 0).then_some(href),
                        alt: String::new(),
                        depth: 0,
                    })
                }
            },
            // Not enabled in the parser's options; their content is kept, without markup.
            Tag::MetadataBlock(_)
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition
            | Tag::Superscript
            | Tag::Subscript => {}
        }
    }

    /// Shows the source of a link or image whose target is not allowed, as text.
    fn source_as_text(&mut self, range: &Range<usize>) {
        escape_text(self.src.get(range.clone()).unwrap_or(""), &mut self.out);
        self.skip = 1;
    }

    fn end_image(&mut self) {
        let Some(img) = self.image.take() else { return };
        let alt = if img.alt.trim().is_empty() {
            "image"
        } else {
            img.alt.as_str()
        };
        match img.href {
            Some(href) => {
                self.out.push_str("<a class=\"md-image\" href=\"");
                escape_attr(&href, &mut self.out);
                self.out.push_str("\">");
                escape_text(alt, &mut self.out);
                self.out.push_str("</a>");
            }
            None => self.wrap("<span class=\"md-image\">", alt, "</span>"),
        }
    }

    fn end(&mut self, tag: TagEnd) {
        let out = &mut self.out;
        match tag {
            TagEnd::Paragraph => out.push_str("</p>\n"),
            TagEnd::Heading(level) => {
                out.push_str(match level {
                    HeadingLevel::H1 => "</h1>\n",
                    HeadingLevel::H2 => "</h2>\n",
                    HeadingLevel::H3 => "</h3>\n",
                    HeadingLevel::H4 => "</h4>\n",
                    HeadingLevel::H5 => "</h5>\n",
                    HeadingLevel::H6 => "</h6>\n",
                });
            }
            TagEnd::BlockQuote(_) => out.push_str("</blockquote>\n"),
            TagEnd::CodeBlock => {
                let Some(code) = self.code.take() else { return };
                out.push_str("<div class=\"code-block\">");
                if !code.label.is_empty() {
                    out.push_str("<div class=\"code-lang\">");
                    escape_text(&code.label, out);
                    out.push_str("</div>");
                }
                match code.lang {
                    Some(lang) => {
                        out.push_str("<pre><code class=\"language-");
                        out.push_str(lang.id);
                        out.push_str("\">");
                    }
                    None => out.push_str("<pre><code>"),
                }
                let (start, state) =
                    highlight::code_lines(code.lang, &code.text, out, self.cache.as_deref_mut());
                if code.at_end {
                    let line = code.text.rsplit('\n').next().unwrap_or("").to_string();
                    self.code_end = Some(CodeEnd {
                        lang: code.lang,
                        start,
                        end: out.len(),
                        state,
                        line,
                        free: code.free,
                    });
                }
                out.push_str("</code></pre></div>\n");
            }
            TagEnd::HtmlBlock => out.push_str("</code></pre>\n"),
            TagEnd::List(ordered) => out.push_str(if ordered { "</ol>\n" } else { "</ul>\n" }),
            TagEnd::Item => out.push_str("</li>\n"),
            TagEnd::FootnoteDefinition => out.push_str("</div>\n"),
            TagEnd::Table => {
                if self.body_open {
                    out.push_str("</tbody>\n");
                }
                out.push_str("</table>\n");
            }
            TagEnd::TableHead => {
                self.in_head = false;
                out.push_str("</tr>\n</thead>\n");
            }
            TagEnd::TableRow => out.push_str("</tr>\n"),
            TagEnd::TableCell => {
                out.push_str(if self.in_head { "</th>" } else { "</td>" });
                self.cell += 1;
            }
            TagEnd::Emphasis => out.push_str("</em>"),
            TagEnd::Strong => out.push_str("</strong>"),
            TagEnd::Strikethrough => out.push_str("</del>"),
            TagEnd::Link => {
                if let Some(Open::Anchor) = self.links.pop() {
                    self.anchor_depth -= 1;
                    out.push_str("</a>");
                }
            }
            TagEnd::Image
            | TagEnd::MetadataBlock(_)
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition
            | TagEnd::Superscript
            | TagEnd::Subscript => {}
        }
    }
}

/// Writes text, turning bare `http(s)://` and `www.` addresses into links (GFM's extended
/// autolinks), with GFM's trimming of trailing punctuation and unbalanced parentheses.
pub fn linkify(text: &str, out: &mut String) {
    let b = text.as_bytes();
    let mut plain = 0;
    let mut i = 0;
    while i < b.len() {
        // Only an ASCII `h` or `w` can start an address (and an ASCII byte is a char boundary).
        if !matches!(b[i], b'h' | b'H' | b'w' | b'W') {
            i += 1;
            continue;
        }
        let rest = &text[i..];
        let at_boundary =
            i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n' | b'(' | b'*' | b'_' | b'~');
        let www = rest
            .get(..4)
            .is_some_and(|s| s.eq_ignore_ascii_case("www."))
            && b.get(i + 4).is_some_and(u8::is_ascii_alphanumeric);
        let scheme = rest
            .get(..8)
            .is_some_and(|s| s.eq_ignore_ascii_case("https://"))
            || rest
                .get(..7)
                .is_some_and(|s| s.eq_ignore_ascii_case("http://"));
        if !(at_boundary && (www || scheme)) {
            i += 1;
            continue;
        }
        let mut end = rest
            .find(|c: char| c.is_whitespace() || c == '<')
            .map_or(b.len(), |p| i + p);
        loop {
            let url = &text[i..end];
            let last = url.as_bytes()[url.len() - 1];
            let trailing = matches!(
                last,
                b'?' | b'!' | b'.' | b',' | b':' | b'*' | b'_' | b'~' | b'\'' | b'"' | b';'
            );
            let unbalanced = last == b')' && url.matches(')').count() > url.matches('(').count();
            if !(trailing || unbalanced) {
                break;
            }
            end -= 1;
            if end <= i + 4 {
                break;
            }
        }
        let url = &text[i..end];
        let href = if www {
            safe_href(&format!("http://{url}"))
        } else {
            safe_href(url)
        };
        match href {
            Some(href) if end > i + 4 => {
                escape_text(&text[plain..i], out);
                out.push_str("<a href=\"");
                escape_attr(&href, out);
                out.push_str("\">");
                escape_text(url, out);
                out.push_str("</a>");
                plain = end;
                i = end;
            }
            _ => i = end.max(i + 1),
        }
        while !text.is_char_boundary(i) {
            i += 1;
        }
    }
    escape_text(&text[plain..], out);
}
