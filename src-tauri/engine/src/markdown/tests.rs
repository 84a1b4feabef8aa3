use super::*;

fn p(md: &str) -> String {
    render(md)
}

#[test]
fn gfm_tables_with_alignment() {
    let html = p("| a | b | c |\n|:--|:-:|--:|\n| 1 | **2** | 3 |\n");
    assert_eq!(
        html,
        "<table>\n<thead>\n<tr><th class=\"align-left\">a</th><th class=\"align-center\">b</th><th class=\"align-right\">c</th></tr>\n</thead>\n<tbody>\n<tr><td class=\"align-left\">1</td><td class=\"align-center\"><strong>2</strong></td><td class=\"align-right\">3</td></tr>\n</tbody>\n</table>\n"
    );
}

#[test]
fn strikethrough_task_lists_and_footnotes() {
    assert_eq!(p("~~gone~~"), "<p><del>gone</del></p>\n");
    assert_eq!(
        p("- [ ] todo\n- [x] done\n"),
        "<ul>\n<li><span class=\"task-open\">\u{2610}</span> todo</li>\n<li><span class=\"task-done\">\u{2611}</span> done</li>\n</ul>\n"
    );
    assert_eq!(
        p("Claim[^1].\n\n[^1]: Source.\n"),
        "<p>Claim<sup class=\"footnote-ref\">1</sup>.</p>\n<div class=\"footnote\"><sup class=\"footnote-label\">1</sup>\n<p>Source.</p>\n</div>\n"
    );
}

#[test]
fn autolinks_bare_urls_and_emails() {
    assert_eq!(
        p("<https://example.com/a> and <me@example.com>"),
        "<p><a href=\"https://example.com/a\">https://example.com/a</a> and <a href=\"mailto:me@example.com\">me@example.com</a></p>\n"
    );
    assert_eq!(
        p("See https://example.com/x?y=1. Or www.example.org, (https://e.com/a_(b))."),
        "<p>See <a href=\"https://example.com/x?y=1\">https://example.com/x?y=1</a>. Or <a href=\"http://www.example.org/\">www.example.org</a>, (<a href=\"https://e.com/a_(b)\">https://e.com/a_(b)</a>).</p>\n"
    );
    assert_eq!(
        p("`https://in.code`"),
        "<p><code>https://in.code</code></p>\n"
    );
}

#[test]
fn code_blocks_get_a_label_and_highlighting_classes() {
    assert_eq!(
        p("```rust\nlet x = 1;\n```\n"),
        "<div class=\"code-block\"><div class=\"code-lang\">rust</div><pre><code class=\"language-rust\"><span class=\"hl-kw\">let</span> x = <span class=\"hl-num\">1</span>;\n</code></pre></div>\n"
    );
    // An unknown language keeps its label as text, with no class from the input.
    assert_eq!(
        p("```klingon\nqapla'\n```\n"),
        "<div class=\"code-block\"><div class=\"code-lang\">klingon</div><pre><code>qapla'\n</code></pre></div>\n"
    );
    assert_eq!(
        p("    indented\n"),
        "<div class=\"code-block\"><pre><code>indented\n</code></pre></div>\n"
    );
}

#[test]
fn math_spans_are_kept_intact_for_the_ui() {
    assert_eq!(
        p("Euler: $e^{i\\pi} + 1 = 0$ and $$\\sum_{n} x_n < 1$$"),
        "<p>Euler: <span class=\"math-inline\">e^{i\\pi} + 1 = 0</span> and <span class=\"math-display\">\\sum_{n} x_n &lt; 1</span></p>\n"
    );
}

#[test]
fn raw_html_is_text_and_bad_links_show_their_source() {
    assert_eq!(
        p("<div onclick=x>hi</div>\n"),
        "<pre class=\"raw-html\"><code>&lt;div onclick=x&gt;hi&lt;/div&gt;\n</code></pre>\n"
    );
    assert_eq!(p("a <b>b</b>"), "<p>a &lt;b&gt;b&lt;/b&gt;</p>\n");
    assert_eq!(
        p("[x](javascript:alert(1))"),
        "<p>[x](javascript:alert(1))</p>\n"
    );
    assert_eq!(p("[x](/relative)"), "<p>[x](/relative)</p>\n");
    assert_eq!(
        p("[x](https://ok.example \"title dropped\")"),
        "<p><a href=\"https://ok.example/\">x</a></p>\n"
    );
}

#[test]
fn images_are_links_not_fetches() {
    assert_eq!(
        p("![a cat](https://img.example/cat.png)"),
        "<p><a class=\"md-image\" href=\"https://img.example/cat.png\">a cat</a></p>\n"
    );
    assert_eq!(
        p("![x](data:image/png;base64,AAAA)"),
        "<p>![x](data:image/png;base64,AAAA)</p>\n"
    );
    assert_eq!(
        p("[![logo](https://i.example/l.png)](https://site.example)"),
        "<p><a href=\"https://site.example/\"><span class=\"md-image\">logo</span></a></p>\n"
    );
}

#[test]
fn callouts_headings_quotes_and_ordered_lists() {
    assert_eq!(
        p("> [!WARNING]\n> Careful"),
        "<blockquote class=\"callout-warning\">\n<p>Careful</p>\n</blockquote>\n"
    );
    assert_eq!(p("## Two"), "<h2>Two</h2>\n");
    assert_eq!(
        p("3. c\n4. d"),
        "<ol start=\"3\">\n<li>c</li>\n<li>d</li>\n</ol>\n"
    );
    assert_eq!(p("a\\\nb  \nc"), "<p>a<br>\nb<br>\nc</p>\n");
}

#[test]
fn the_renderer_dialect_passes_the_sanitiser_unchanged() {
    let sample = "# T\n\n| a |\n|--|\n| <x> |\n\n```py\ns = \"\"\"a\n&b\"\"\"\n```\n\n- [x] y\n\n[^1]\n\n[^1]: n\n\n> [!TIP]\n> t\n\n$x$ https://a.example/b ![i](https://i.example/i.png) \u{a0}&amp;";
    let mut w = writer::Writer::new(sample, None);
    w.run(&parse(sample, |_| None));
    assert!(sanitize::conforms(&w.out), "{}", w.out);
    assert_eq!(sanitize::clean(&w.out), w.out);
}

#[test]
fn stream_updates_append_blocks_and_finish_flushes_the_tail() {
    let mut s = MarkdownStream::new();
    let u = s.push("# Title\n\nFirst para");
    assert_eq!(u.replace_from, 0);
    assert_eq!(u.blocks, vec!["<h1>Title</h1>\n"]);
    assert_eq!(u.tail, "<p>First para</p>\n");
    let u = s.push("graph.\n\n- item");
    assert_eq!(u.replace_from, 1);
    assert_eq!(u.blocks, vec!["<p>First paragraph.</p>\n"]);
    assert_eq!(u.tail, "<ul>\n<li>item</li>\n</ul>\n");
    let u = s.finish();
    assert_eq!(u.replace_from, 2);
    assert_eq!(u.blocks, vec!["<ul>\n<li>item</li>\n</ul>\n"]);
    assert_eq!(u.tail, "");
    assert_eq!(s.html(), render(s.text()));
}

#[test]
fn an_open_code_fence_stays_in_the_tail_and_reuses_highlighted_lines() {
    let mut s = MarkdownStream::new();
    s.push("```rust\nfn a() {}\n");
    let u = s.push("let b");
    assert!(u.blocks.is_empty());
    assert!(u.tail.contains("<span class=\"hl-kw\">fn</span>"));
    assert!(
        u.tail
            .ends_with("<span class=\"hl-kw\">let</span> b</code></pre></div>\n"),
        "{}",
        u.tail
    );
    let u = s.push("\n```\n\nafter");
    assert_eq!(u.blocks.len(), 1);
    assert_eq!(u.tail, "<p>after</p>\n");
}

#[test]
fn streaming_regressions_found_by_the_property_test() {
    for doc in [
        "3) c\n\n and then some more words\r\n",
        "> [!NOTE]\n> callout\n\n1. a\n2. b\n\n3) c\n\n[other]: <https://example.com/o>\n10. ten\n1",
        "11. eleven\n[ref]: https://example.com/ref \"T\"\n\n &amp; &#x3C; &Plain paragraph with **bold**.\n\n",
    ] {
        for step in [1usize, 2, 3, 5] {
            let chars: Vec<char> = doc.chars().collect();
            let mut s = MarkdownStream::new();
            let mut so_far = String::new();
            for c in chars.chunks(step) {
                let d: String = c.iter().collect();
                so_far.push_str(&d);
                s.push(&d);
                assert_eq!(s.html(), render(&so_far), "step {step} after {so_far:?}");
            }
        }
    }
}
