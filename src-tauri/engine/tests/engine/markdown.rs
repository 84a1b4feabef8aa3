//! The Markdown renderer: streaming equals a full render at every split, and hostile input never
//! yields anything outside the allow-list, checked by a real HTML parser (html5ever via scraper).

use roundtable_engine::markdown::{render, safe_href, MarkdownStream, ALLOWED};
use scraper::{Html, Node};

/// Pieces the property test builds documents from: every block kind, constructs split across
/// deltas, forward and backward references, unclosed fences and hostile bits.
const PIECES: &[&str] = &[
    "# Heading with *em*\n\n",
    "Plain paragraph with **bold** and `code` and a [link](https://example.com/a_(b)).\n\n",
    "Setext\n===\n\n",
    "Text then\n---\n\n",
    "- one\n- two\n  - nested *x*\n- three\n\n",
    "1. a\n2. b\n\n3) c\n\n",
    "- [ ] todo\n- [x] done\n",
    "```rust\nfn main() {\n    let s = \"str\"; // c\n    /* a\n    b */\n}\n```\n\n",
    "```\nunclosed fence",
    "~~~py\nx = '''a\nb'''\n~~~\n\n",
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 |\n\n",
    "> quote\nlazy line\n> > nested\n\n",
    "> [!NOTE]\n> callout\n\n",
    "Footnote ref[^1] and [^n].\n\n[^1]: The note.\n\n",
    "see [ref] and [Ref][] and [other] here\n\n",
    "[ref]: https://example.com/ref \"T\"\n\n",
    "[other]: <https://example.com/o>\n",
    "<script>alert(1)</script>\n\n",
    "inline <b onclick=x>html</b> here <!-- c -->\n\n",
    "math $a^2+b^2$ and $$\\int x$$ done\n\n",
    "www.example.com/path and https://x.y/z?q=1. (see https://x.y/(a))\n\n",
    "[bad](javascript:alert(1)) ![img](https://x.y/p.png) ![x](data:x) [![i](https://x.y/i.png)](https://x.y)\n\n",
    "    indented code\n\n",
    "***\n\n",
    "a  \nhard break and a\\\nbackslash one\n\n",
    "~~strike~~ *unclosed **mixed _under_score_ x*y*z\n\n",
    "para\ncontinues\n- list interrupts\n",
    "10. ten\n11. eleven\n",
    "Words flowing on and on in a long paragraph, with commas, questions? and 'quotes' \"too\" ",
    "and then some more words",
    "\n\n",
    "\n",
    " ",
    "text",
    "*",
    "_",
    "`",
    "[",
    "]",
    "(",
    "|",
    "-",
    "#",
    ">",
    "$",
    "<",
    "&amp; &#x3C; &",
    "\u{e9}t\u{e9} \u{4e2d}\u{6587} \u{1F600}\u{a0}nbsp",
    "\r\n",
];

fn document(rng: &mut fastrand::Rng) -> String {
    let n = rng.usize(3..14);
    (0..n).map(|_| PIECES[rng.usize(..PIECES.len())]).collect()
}

/// Splits into deltas: sometimes single characters, sometimes word-like tokens, sometimes chunks.
fn deltas(text: &str, rng: &mut fastrand::Rng) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mode = rng.u8(..3);
    while i < chars.len() {
        let len = match mode {
            0 => 1,
            1 => {
                // A token: optional leading space, then up to the next space or punctuation.
                let mut j = i + 1;
                while j < chars.len() && chars[j].is_alphanumeric() {
                    j += 1;
                }
                j - i
            }
            _ => rng.usize(1..12),
        };
        let end = (i + len).min(chars.len());
        out.push(chars[i..end].iter().collect());
        i = end;
    }
    out
}

/// The UI's view of a stream: applies updates the way the app does.
#[derive(Default)]
struct View {
    blocks: Vec<String>,
    tail: String,
}

impl View {
    fn apply(&mut self, u: roundtable_engine::markdown::Update<'_>) {
        assert!(
            u.replace_from <= self.blocks.len(),
            "replace_from past the end"
        );
        self.blocks.truncate(u.replace_from);
        self.blocks.extend(u.blocks.iter().map(|b| b.to_string()));
        self.tail = u.tail.to_string();
    }
    fn html(&self) -> String {
        self.blocks.concat() + &self.tail
    }
}

#[test]
fn streaming_equals_full_render_at_every_split() {
    let seed = std::env::var("MD_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5eed_u64);
    let docs: usize = std::env::var("MD_DOCS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut checks = 0;
    for d in 0..docs {
        let doc = document(&mut rng);
        let mut stream = MarkdownStream::new();
        let mut view = View::default();
        let mut so_far = String::new();
        for delta in deltas(&doc, &mut rng) {
            so_far.push_str(&delta);
            view.apply(stream.push(&delta));
            let full = render(&so_far);
            assert_eq!(
                view.html(),
                full,
                "doc {d} (seed {seed}) diverged after {so_far:?}\nblocks: {:#?}",
                view.blocks
            );
            assert_eq!(stream.html(), full);
            checks += 1;
        }
        view.apply(stream.finish());
        assert_eq!(view.html(), render(&doc), "doc {d} after finish");
        assert!(view.tail.is_empty());
    }
    assert!(checks > docs * 10, "the test made {checks} checks");
}

#[test]
fn a_late_reference_definition_re_renders_the_block_that_used_it() {
    let mut s = MarkdownStream::new();
    let mut view = View::default();
    view.apply(s.push("see [docs]\n\nnext paragraph\n\n"));
    assert!(view.html().contains("<p>see [docs]</p>"), "{}", view.html());
    let final_before = view.blocks.len();
    assert!(final_before >= 1);
    let u = s.push("[docs]: https://example.com/docs\n\nmore");
    assert_eq!(u.replace_from, 0, "the first block is rendered again");
    view.apply(u);
    assert!(
        view.html()
            .contains("<a href=\"https://example.com/docs\">docs</a>"),
        "{}",
        view.html()
    );
    assert_eq!(view.html(), render(s.text()));
}

#[test]
fn plain_words_after_plain_text_take_the_fast_path_and_stay_exact() {
    let mut s = MarkdownStream::new();
    s.push("# T\n\nThe answer");
    for w in [" is", " forty", " two,", " or", " so", " they", " say"] {
        let u = s.push(w);
        assert!(u.blocks.is_empty());
        assert_eq!(s.html(), render(s.text()));
    }
    assert!(s
        .html()
        .ends_with("<p>The answer is forty two, or so they say</p>\n"));
}

// ----- the XSS corpus -----

/// Every element and attribute in `html`, parsed by html5ever, is on the allow-list; no comments,
/// no `on*`, `style` or `src` attributes, every `href` an http(s) or mailto URL.
fn assert_allowed(html: &str, vector: &str) {
    let doc = Html::parse_fragment(html);
    for node in doc.tree.nodes() {
        match node.value() {
            Node::Element(el) => {
                let name = el.name();
                // The parser's own wrappers around a fragment; they must have gained no attributes.
                if matches!(name, "html" | "head" | "body") {
                    assert_eq!(
                        el.attrs().count(),
                        0,
                        "<{name}> gained attributes from {vector:?}:\n{html}"
                    );
                    continue;
                }
                let spec = ALLOWED
                    .iter()
                    .find(|a| a.tag == name)
                    .unwrap_or_else(|| panic!("element <{name}> from {vector:?}:\n{html}"));
                for (attr, value) in el.attrs() {
                    let ok = match attr {
                        "class" => spec.classes.iter().any(|c| c == value),
                        "href" => {
                            spec.attrs.contains(&"href")
                                && safe_href(value).is_some()
                                && ["http://", "https://", "mailto:"]
                                    .iter()
                                    .any(|p| value.starts_with(p))
                        }
                        "start" => {
                            spec.attrs.contains(&"start")
                                && value.bytes().all(|b| b.is_ascii_digit())
                        }
                        _ => false,
                    };
                    assert!(
                        ok,
                        "attribute {attr}={value:?} on <{name}> from {vector:?}:\n{html}"
                    );
                    assert!(!attr.starts_with("on") && attr != "style" && attr != "src");
                }
            }
            Node::Comment(_) => panic!("a comment from {vector:?}:\n{html}"),
            Node::ProcessingInstruction(_) | Node::Doctype(_) => {
                panic!("markup declaration from {vector:?}:\n{html}")
            }
            _ => {}
        }
    }
}

fn corpus() -> Vec<String> {
    let raw = include_str!("../fixtures/xss-corpus.txt");
    raw.split("\n====\n")
        .map(|v| v.trim_matches('\n').replace("\\n", "\n"))
        .filter(|v| !v.is_empty() && !v.starts_with("#!"))
        .collect()
}

#[test]
fn the_xss_corpus_renders_inside_the_allow_list_whole_and_streamed() {
    let vectors = corpus();
    assert!(
        vectors.len() >= 100,
        "the corpus has {} vectors",
        vectors.len()
    );
    let mut rng = fastrand::Rng::with_seed(7);
    for v in &vectors {
        let html = render(v);
        assert_allowed(&html, v);
        // Streamed: character by character and in random chunks, every intermediate state.
        for mode in 0..2 {
            let mut s = MarkdownStream::new();
            let mut view = View::default();
            let chars: Vec<char> = v.chars().collect();
            let mut i = 0;
            while i < chars.len() {
                let n = if mode == 0 { 1 } else { rng.usize(1..8) };
                let end = (i + n).min(chars.len());
                let delta: String = chars[i..end].iter().collect();
                view.apply(s.push(&delta));
                assert_allowed(&view.html(), v);
                i = end;
            }
            view.apply(s.finish());
            assert_eq!(view.html(), html, "streamed render of {v:?} differs");
        }
    }
}

#[test]
fn hostile_markup_is_shown_as_text_not_dropped() {
    let html = render(
        "<script>alert('x')</script>\n\nhi <img src=x onerror=alert(1)> [a](javascript:alert(1))",
    );
    let doc = Html::parse_fragment(&html);
    let text: String = doc.root_element().text().collect();
    assert!(text.contains("<script>alert('x')</script>"), "{text}");
    assert!(text.contains("<img src=x onerror=alert(1)>"), "{text}");
    assert!(text.contains("[a](javascript:alert(1))"), "{text}");
}
