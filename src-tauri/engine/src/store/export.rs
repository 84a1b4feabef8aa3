//! A conversation exported: Markdown (its latest branch, readable) or one standalone HTML page
//! (the latest branch rendered by the Markdown renderer, inline CSS, no script, and a
//! Content-Security-Policy that lets nothing load).

use std::collections::HashMap;

use super::{AttachmentMeta, Conversation, MessageStatus, StoredMessage, StoredPart};
use crate::chat::{Decision, Role, ToolCall, ToolResult};
use crate::markdown::{escape_attr, escape_text, render};

/// The messages of the latest branch, oldest first.
fn latest_branch(c: &Conversation) -> Vec<&StoredMessage> {
    let mut path = Vec::new();
    let mut at = c.latest_leaf().map(|m| m.id);
    while let Some(id) = at {
        let Some(m) = c.messages.iter().find(|m| m.id == id) else {
            break;
        };
        path.push(m);
        at = m.parent_id;
    }
    path.reverse();
    path
}

/// The conversation's preset and parameters in one line (`preset terse · temperature 0.2`).
fn settings_line(c: &Conversation) -> Option<String> {
    let mut parts: Vec<String> = c
        .settings
        .preset
        .iter()
        .map(|p| format!("preset {p}"))
        .collect();
    parts.extend(c.settings.phrases().into_iter().map(|(_, p)| p));
    (!parts.is_empty()).then(|| parts.join(" · "))
}

/// Text that Markdown shows as written (its punctuation escaped).
fn escape_md(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        if "\\`*_{}[]<>()#+-.!|".contains(ch) {
            out.push('\\');
        }
        out.push(ch);
    }
    out
}

/// Who wrote a message, as a heading says it.
fn author(m: &StoredMessage) -> String {
    match (m.role, &m.model) {
        (Role::Assistant, Some(model)) => format!("Assistant ({model})"),
        (Role::Assistant, None) => "Assistant".into(),
        (Role::User, _) => "You".into(),
    }
}

/// Where an export finds each attachment: its SHA-256 → an address (a relative file name for
/// Markdown beside its folder, or a `data:` URL). An attachment with none is named, not shown.
pub type Links = HashMap<String, String>;

impl Conversation {
    /// The latest branch as Markdown.
    pub fn to_markdown(&self) -> String {
        markdown(self, &Links::new())
    }

    /// The latest branch as Markdown, attachments linked (images shown) through `links`.
    pub fn to_markdown_with(&self, links: &Links) -> String {
        markdown(self, links)
    }

    /// The latest branch as one standalone HTML page.
    pub fn to_html(&self) -> String {
        html(self, &Links::new())
    }

    /// The latest branch as one standalone HTML page, images shown from `images` (which must
    /// hold only `data:` URLs of images: the page's policy loads nothing else).
    pub fn to_html_with(&self, images: &Links) -> String {
        html(self, images)
    }

    /// Every attachment of the latest branch, once each, in order.
    pub fn attachments(&self) -> Vec<&AttachmentMeta> {
        let mut seen = std::collections::HashSet::new();
        latest_branch(self)
            .into_iter()
            .flat_map(|m| m.parts.iter().filter_map(|p| p.meta()))
            .filter(|a| seen.insert(a.sha256.clone()))
            .collect()
    }
}

/// A Markdown line for an attachment: an image shown, a file linked, or its label alone.
/// An answer's tool calls, each with its result (paired by id, in call order).
fn tool_runs(m: &StoredMessage) -> Vec<(&ToolCall, Option<&ToolResult>)> {
    let mut runs: Vec<(&ToolCall, Option<&ToolResult>)> = Vec::new();
    for p in &m.parts {
        match p {
            StoredPart::ToolCall(c) => runs.push((c, None)),
            StoredPart::ToolResult(r) => {
                if let Some(run) = runs
                    .iter_mut()
                    .find(|(c, res)| c.id == r.id && res.is_none())
                {
                    run.1 = Some(r);
                }
            }
            _ => {}
        }
    }
    runs
}

/// How a call went, in words: `allowed once · 12 ms`, `denied`, `error`.
fn tool_line(r: Option<&ToolResult>) -> String {
    let Some(r) = r else {
        return "no result".into();
    };
    let mut facts = Vec::new();
    match r.decision {
        Some(Decision::Once) => facts.push("allowed once"),
        Some(Decision::Always) => facts.push("allowed"),
        Some(Decision::Denied) => facts.push("denied"),
        Some(Decision::Never) => facts.push("refused"),
        Some(Decision::Invalid) => facts.push("not run"),
        None => {}
    }
    if r.is_error {
        facts.push("error");
    }
    let mut line = facts.join(", ");
    if let Some(ms) = r.ms {
        line.push_str(&format!(
            "{}{ms} ms",
            if line.is_empty() { "" } else { ", " }
        ));
    }
    line
}

/// The arguments as shown: indented JSON when they parse, else as the model wrote them.
fn shown_arguments(c: &ToolCall) -> String {
    serde_json::from_str::<serde_json::Value>(&c.arguments)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| c.arguments.clone())
}

/// `text` in a Markdown code fence longer than any run of backticks inside it.
fn fence(text: &str, lang: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for ch in text.chars() {
        run = if ch == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let ticks = "`".repeat(longest.max(2) + 1);
    format!("{ticks}{lang}\n{}\n{ticks}", text.trim_end())
}

fn markdown_tools(m: &StoredMessage) -> String {
    let mut md = String::new();
    for (c, r) in tool_runs(m) {
        md.push_str(&format!(
            "**Tool call** `{}` ({})\n\n{}\n\n",
            c.name,
            tool_line(r),
            fence(&shown_arguments(c), "json")
        ));
        if let Some(r) = r {
            let what = if r.is_error { "Error" } else { "Result" };
            md.push_str(&format!("{what}:\n\n{}\n\n", fence(&r.joined_text(), "")));
        }
    }
    md
}

fn markdown_attachment(a: &AttachmentMeta, links: &Links) -> String {
    let label = a.label();
    let alt = label.replace(['[', ']'], "");
    match links.get(&a.sha256) {
        Some(href) if a.media_type.starts_with("image/") => format!("![{alt}](<{href}>)"),
        Some(href) => format!("[{alt}](<{href}>)"),
        None => format!("*Attached: {alt}*"),
    }
}

fn markdown(c: &Conversation, links: &Links) -> String {
    let mut md = format!("# {}\n\n", c.title);
    if let Some(system) = &c.system {
        md.push_str(&format!(
            "> **System:** {}\n\n",
            system.replace('\n', "\n> ")
        ));
    }
    if let Some(line) = settings_line(c) {
        md.push_str(&format!("> **Settings:** {}\n\n", escape_md(&line)));
    }
    for m in latest_branch(c) {
        let who = author(m);
        let status = if m.status == MessageStatus::Complete {
            String::new()
        } else {
            format!(" — *{}*", m.status)
        };
        md.push_str(&format!("## {who}{status}\n\n"));
        for a in m.parts.iter().filter_map(|p| p.meta()) {
            md.push_str(&format!("{}\n\n", markdown_attachment(a, links)));
        }
        md.push_str(&markdown_tools(m));
        md.push_str(&format!("{}\n\n", m.text.trim_end()));
        if let Some(e) = &m.error {
            md.push_str(&format!("> Error: {e}\n\n"));
        }
    }
    let branches = c.messages.len();
    md.push_str(&format!(
        "---\n*Exported from Roundtable: conversation {}, {branches} messages in all branches.*\n",
        c.id
    ));
    md
}

/// The page's style: readable on screen and in print, light and dark.
const STYLE: &str = "\
:root{color-scheme:light dark;--fg:#1d1d1f;--bg:#fff;--muted:#6e6e73;--line:#d2d2d7;--code:#f5f5f7;--you:#eef4ff}\
@media (prefers-color-scheme:dark){:root{--fg:#f5f5f7;--bg:#1c1c1e;--muted:#a1a1a6;--line:#3a3a3c;--code:#2c2c2e;--you:#1f2a3d}}\
body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.55 system-ui,-apple-system,'Segoe UI',sans-serif}\
main{max-width:46rem;margin:0 auto;padding:2rem 1.25rem 4rem}\
h1.title{font-size:1.6rem;margin:0 0 .25rem}.meta{color:var(--muted);margin:0 0 2rem;font-size:.9rem}\
section.msg{border-top:1px solid var(--line);padding:1rem 0}section.msg.user .body{background:var(--you);border-radius:.6rem;padding:.1rem 1rem}\
section.msg>header{font-weight:600;font-size:.9rem;color:var(--muted);margin-bottom:.4rem}\
.error{color:#c0392b}.status{font-weight:400}\
pre{background:var(--code);padding:.75rem 1rem;border-radius:.5rem;overflow-x:auto}code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace}\
.code-block{margin:1rem 0}.code-lang{font-size:.75rem;color:var(--muted);margin-bottom:-.5rem;padding:0 .25rem}\
table{border-collapse:collapse}th,td{border:1px solid var(--line);padding:.3rem .6rem}.align-center{text-align:center}.align-right{text-align:right}\
blockquote{margin:1rem 0;padding:0 1rem;border-left:3px solid var(--line);color:var(--muted)}\
.math-inline,.math-display{font-family:ui-monospace,monospace}.math-display{display:block;text-align:center;margin:.5rem 0}\
.footnote{font-size:.9rem;color:var(--muted)}.raw-html{white-space:pre-wrap}\
.hl-kw{color:#a626a4}.hl-ty,.hl-tag{color:#c18401}.hl-str{color:#50a14f}.hl-com{color:#a0a1a7;font-style:italic}.hl-num,.hl-lit{color:#986801}\
.hl-fn{color:#4078f2}.hl-attr,.hl-var{color:#e45649}.hl-ins{color:#50a14f}.hl-del{color:#e45649}.hl-meta{color:#4078f2}\
details.reasoning{color:var(--muted);margin:.25rem 0 .5rem}details.tool{margin:.25rem 0 .5rem;border:1px solid var(--line);border-radius:.4rem;padding:.25rem .75rem}a{color:#0a66c2}\
figure.attachment{margin:.5rem 0}figure.attachment img{max-width:100%;max-height:32rem;border-radius:.4rem;border:1px solid var(--line)}\
figcaption,p.attachment{font-size:.85rem;color:var(--muted)}";

/// The latest branch as one standalone HTML page: every text rendered by the engine's Markdown
/// renderer (raw HTML shown as text, only http(s)/mailto links, images as links), attached
/// images inline as `data:` URLs, no script, and a CSP that lets nothing else load.
fn html(c: &Conversation, images: &Links) -> String {
    let esc = |s: &str| {
        let mut out = String::new();
        escape_text(s, &mut out);
        out
    };
    let attr = |s: &str| {
        let mut out = String::new();
        escape_attr(s, &mut out);
        out
    };
    let mut h =
        String::from("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!(
        "<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<main>\n",
        esc(&c.title)
    ));
    h.push_str(&format!("<h1 class=\"title\">{}</h1>\n", esc(&c.title)));
    let when = time::OffsetDateTime::from_unix_timestamp(c.created_at / 1000)
        .map(|t| format!("{}-{:02}-{:02}", t.year(), u8::from(t.month()), t.day()))
        .unwrap_or_default();
    h.push_str(&format!(
        "<p class=\"meta\">Exported from Roundtable · conversation {} · started {when} · {} messages in all branches</p>\n",
        c.id,
        c.messages.len()
    ));
    if let Some(system) = &c.system {
        h.push_str(
            "<section class=\"msg system\"><header>System prompt</header>\n<div class=\"body\">",
        );
        h.push_str(&render(system));
        h.push_str("</div></section>\n");
    }
    if let Some(line) = settings_line(c) {
        h.push_str(&format!(
            "<p class=\"settings\"><strong>Settings:</strong> {}</p>\n",
            esc(&line)
        ));
    }
    for m in latest_branch(c) {
        h.push_str(&format!(
            "<section class=\"msg {}\"><header>{}",
            m.role.as_str(),
            esc(&author(m))
        ));
        if m.status != MessageStatus::Complete {
            h.push_str(&format!(
                " <span class=\"status\">— {}</span>",
                esc(m.status.as_str())
            ));
        }
        h.push_str("</header>\n");
        if !m.reasoning.trim().is_empty() {
            h.push_str("<details class=\"reasoning\"><summary>Reasoning</summary>\n");
            h.push_str(&render(&m.reasoning));
            h.push_str("</details>\n");
        }
        for a in m.parts.iter().filter_map(|p| p.meta()) {
            match images.get(&a.sha256) {
                Some(url)
                    if a.media_type.starts_with("image/") && url.starts_with("data:image/") =>
                {
                    h.push_str(&format!(
                        "<figure class=\"attachment\"><img src=\"{}\" alt=\"{}\"><figcaption>{}</figcaption></figure>\n",
                        attr(url),
                        attr(&a.name),
                        esc(&a.label())
                    ));
                }
                _ => h.push_str(&format!(
                    "<p class=\"attachment\">Attached: {}</p>\n",
                    esc(&a.label())
                )),
            }
        }
        for (c, r) in tool_runs(m) {
            h.push_str(&format!(
                "<details class=\"tool\"><summary>Tool call <code>{}</code> <span class=\"status\">({})</span></summary>\n<pre><code>{}</code></pre>\n",
                esc(&c.name),
                esc(&tool_line(r)),
                esc(&shown_arguments(c))
            ));
            if let Some(r) = r {
                let class = if r.is_error { " class=\"error\"" } else { "" };
                h.push_str(&format!(
                    "<p{class}>{}</p>\n<pre><code>{}</code></pre>\n",
                    if r.is_error { "Error" } else { "Result" },
                    esc(&r.joined_text())
                ));
            }
            h.push_str("</details>\n");
        }
        h.push_str("<div class=\"body\">\n");
        h.push_str(&render(&m.text));
        h.push_str("</div>\n");
        if let Some(e) = &m.error {
            h.push_str(&format!("<p class=\"error\">Error: {}</p>\n", esc(e)));
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n</body>\n</html>\n");
    h
}
