//! Syntax highlighting for code blocks, as CSS classes (`hl-kw`, `hl-str`, …).
//!
//! A small table-driven lexer rather than a regex grammar engine: it is linear in the input
//! whatever the input (no backtracking for a hostile answer to exploit), works line by line with
//! an explicit state so a streaming code block re-highlights only its last line, and needs no
//! grammar files at start-up. Each language is a row of [`LANGS`]: its comment and string
//! syntax and its word lists.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::escape::escape_text;

/// The classes the highlighter emits (all on `<span>`).
pub const CLASSES: &[&str] = &[
    "hl-kw", "hl-ty", "hl-lit", "hl-str", "hl-com", "hl-num", "hl-fn", "hl-tag", "hl-attr",
    "hl-var", "hl-ins", "hl-del", "hl-meta",
];

/// How a language is lexed.
pub struct Lang {
    /// The canonical id, used in `class="language-…"`.
    pub id: &'static str,
    aliases: &'static [&'static str],
    line_comments: &'static [&'static str],
    block_comment: Option<(&'static str, &'static str)>,
    /// Quotes whose strings end at the end of the line.
    quotes: &'static [u8],
    /// Delimiters of strings that may span lines (`"""`, `` ` ``, Rust's `"`).
    multi: &'static [&'static str],
    keywords: &'static str,
    types: &'static str,
    literals: &'static str,
    /// Keywords match whatever their case (SQL).
    fold_case: bool,
    /// Capitalised identifiers are types (Rust, Java, TypeScript…).
    caps_are_types: bool,
    /// `$name` is a variable (shells, PHP).
    dollar_vars: bool,
    /// `<tag` and `attr=` are highlighted (HTML, XML).
    markup: bool,
    /// `key:` / `key =` at the start of a line is an attribute (YAML, TOML).
    keys: bool,
    /// `'` starts a character literal only when it closes within a few bytes (Rust lifetimes).
    short_char_quote: bool,
    words: OnceLock<HashMap<String, &'static str>>,
}

/// The lexer's state between lines: inside a block comment, or a multi-line string.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum State {
    #[default]
    Normal,
    Comment,
    Str(u8),
}

macro_rules! lang {
    ($id:expr, [$($alias:expr),*], lc: [$($lc:expr),*], bc: $bc:expr, q: $q:expr, multi: [$($m:expr),*],
     kw: $kw:expr, ty: $ty:expr, lit: $lit:expr $(, $flag:ident)*) => {{
        #[allow(unused_mut)]
        let mut l = Lang {
            id: $id, aliases: &[$($alias),*], line_comments: &[$($lc),*], block_comment: $bc,
            quotes: $q, multi: &[$($m),*], keywords: $kw, types: $ty, literals: $lit,
            fold_case: false, caps_are_types: false, dollar_vars: false, markup: false, keys: false,
            short_char_quote: false, words: OnceLock::new(),
        };
        $( l.$flag = true; )*
        l
    }};
}

const C_LIKE_TYPES: &str = "int long short char float double void bool unsigned signed size_t uint8_t uint16_t uint32_t uint64_t int8_t int16_t int32_t int64_t auto";

/// Every language the highlighter knows.
pub static LANGS: std::sync::LazyLock<Vec<Lang>> = std::sync::LazyLock::new(|| {
    vec![
        lang!("rust", ["rs"], lc: ["//"], bc: Some(("/*", "*/")), q: b"'", multi: ["\""],
            kw: "as async await break const continue crate dyn else enum extern fn for if impl in let loop match mod move mut pub ref return self Self static struct super trait type unsafe use where while yield",
            ty: "i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 bool char str String Vec Option Result Box",
            lit: "true false None Some Ok Err", caps_are_types, short_char_quote),
        lang!("python", ["py", "python3", "py3"], lc: ["#"], bc: None, q: b"\"'", multi: ["\"\"\"", "'''"],
            kw: "and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield match case",
            ty: "int float str bool list dict set tuple bytes object type",
            lit: "True False None self"),
        lang!("javascript", ["js", "jsx", "mjs", "cjs", "node"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: ["`"],
            kw: "async await break case catch class const continue debugger default delete do else export extends finally for from function if import in instanceof let new of return static super switch this throw try typeof var void while with yield",
            ty: "", lit: "true false null undefined NaN Infinity", caps_are_types, dollar_vars),
        lang!("typescript", ["ts", "tsx", "mts"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: ["`"],
            kw: "abstract as async await break case catch class const continue declare default delete do else enum export extends finally for from function if implements import in instanceof interface keyof let namespace new of private protected public readonly return satisfies static super switch this throw try type typeof var void while yield",
            ty: "string number boolean any unknown never object symbol bigint", lit: "true false null undefined", caps_are_types),
        lang!("json", ["jsonc", "json5"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"", multi: [],
            kw: "", ty: "", lit: "true false null"),
        lang!("c", ["h"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: [],
            kw: "break case const continue default do else enum extern for goto if inline register restrict return sizeof static struct switch typedef union volatile while #include #define #ifdef #ifndef #endif #if #else #pragma",
            ty: C_LIKE_TYPES, lit: "NULL true false"),
        lang!("cpp", ["c++", "cc", "cxx", "hpp", "hxx"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: [],
            kw: "alignas auto break case catch class const constexpr continue decltype default delete do else enum explicit export extern for friend goto if inline mutable namespace new noexcept operator private protected public return sizeof static struct switch template this throw try typedef typename union using virtual volatile while #include #define #ifdef #ifndef #endif #if #else #pragma",
            ty: C_LIKE_TYPES, lit: "nullptr NULL true false", caps_are_types),
        lang!("csharp", ["cs", "c#"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: [],
            kw: "abstract as async await base break case catch class const continue default delegate do else enum event explicit extern finally fixed for foreach if implicit in interface internal is lock namespace new operator out override params private protected public readonly record ref return sealed sizeof static struct switch this throw try typeof using var virtual void volatile while",
            ty: "int long short byte char float double decimal bool string object", lit: "true false null", caps_are_types),
        lang!("java", [], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: ["\"\"\""],
            kw: "abstract assert break case catch class const continue default do else enum extends final finally for if implements import instanceof interface native new package private protected public record return static super switch synchronized this throw throws try var void volatile while yield",
            ty: "int long short byte char float double boolean", lit: "true false null", caps_are_types),
        lang!("kotlin", ["kt", "kts"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: ["\"\"\""],
            kw: "as break class continue data do else enum for fun if import in interface is object override package private protected public return sealed super this throw try typealias val var when while suspend companion",
            ty: "", lit: "true false null", caps_are_types),
        lang!("swift", [], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"", multi: ["\"\"\""],
            kw: "as associatedtype break case catch class continue default defer do else enum extension fallthrough for func guard if import in init inout internal is let private protocol public repeat rethrows return self static struct subscript super switch throw throws try var where while async await",
            ty: "", lit: "true false nil", caps_are_types),
        lang!("go", ["golang"], lc: ["//"], bc: Some(("/*", "*/")), q: b"\"'", multi: ["`"],
            kw: "break case chan const continue default defer else fallthrough for func go goto if import interface map package range return select struct switch type var",
            ty: "int int8 int16 int32 int64 uint uint8 uint16 uint32 uint64 uintptr float32 float64 complex64 complex128 byte rune string bool error any",
            lit: "true false nil iota"),
        lang!("ruby", ["rb"], lc: ["#"], bc: None, q: b"\"'", multi: [],
            kw: "alias and begin break case class def defined? do else elsif end ensure for if in module next not or redo rescue retry return self super then undef unless until when while yield require",
            ty: "", lit: "true false nil", caps_are_types),
        lang!("php", [], lc: ["//", "#"], bc: Some(("/*", "*/")), q: b"\"'", multi: [],
            kw: "abstract and as break case catch class clone const continue declare default do echo else elseif empty enum extends final finally fn for foreach function global if implements include instanceof interface isset match namespace new or private protected public readonly require return static switch throw trait try unset use var while yield",
            ty: "", lit: "true false null TRUE FALSE NULL", dollar_vars),
        lang!("bash", ["sh", "shell", "zsh", "console", "shellscript"], lc: ["#"], bc: None, q: b"\"'", multi: [],
            kw: "if then else elif fi case esac for select while until do done in function return local export readonly declare set unset source alias exit",
            ty: "", lit: "true false", dollar_vars),
        lang!("powershell", ["ps1", "pwsh"], lc: ["#"], bc: Some(("<#", "#>")), q: b"\"'", multi: [],
            kw: "begin break catch class continue do else elseif end exit filter finally for foreach function if in param process return switch throw trap try until while",
            ty: "", lit: "$true $false $null", dollar_vars),
        lang!("sql", ["mysql", "postgresql", "postgres", "sqlite", "plsql"], lc: ["--"], bc: Some(("/*", "*/")), q: b"'\"", multi: [],
            kw: "select from where and or not insert into values update set delete create table index view drop alter add column primary key foreign references join inner left right outer full cross on group by order having limit offset as distinct union all case when then else end is null in exists between like begin commit rollback transaction with returning default unique check constraint if replace",
            ty: "int integer bigint smallint text varchar char boolean real float double numeric decimal date timestamp blob serial",
            lit: "true false null", fold_case),
        lang!("yaml", ["yml"], lc: ["#"], bc: None, q: b"\"'", multi: [],
            kw: "", ty: "", lit: "true false null yes no on off", keys),
        lang!("toml", ["ini", "cfg"], lc: ["#", ";"], bc: None, q: b"\"'", multi: ["\"\"\"", "'''"],
            kw: "", ty: "", lit: "true false", keys),
        lang!("html", ["xml", "svg", "xhtml", "vue", "svelte"], lc: [], bc: Some(("<!--", "-->")), q: b"\"'", multi: [],
            kw: "", ty: "", lit: "", markup),
        lang!("css", ["scss", "less", "sass"], lc: [], bc: Some(("/*", "*/")), q: b"\"'", multi: [],
            kw: "@media @import @keyframes @font-face @supports !important", ty: "", lit: ""),
        lang!("lua", [], lc: ["--"], bc: None, q: b"\"'", multi: [],
            kw: "and break do else elseif end for function goto if in local not or repeat return then until while",
            ty: "", lit: "true false nil"),
        lang!("haskell", ["hs"], lc: ["--"], bc: Some(("{-", "-}")), q: b"\"", multi: [],
            kw: "case class data deriving do else if import in infix instance let module newtype of then type where",
            ty: "", lit: "True False Nothing Just", caps_are_types),
        lang!("r", [], lc: ["#"], bc: None, q: b"\"'", multi: [],
            kw: "if else repeat while function for in next break return library", ty: "", lit: "TRUE FALSE NULL NA Inf NaN"),
        lang!("dockerfile", ["docker"], lc: ["#"], bc: None, q: b"\"'", multi: [],
            kw: "FROM RUN CMD LABEL EXPOSE ENV ADD COPY ENTRYPOINT VOLUME USER WORKDIR ARG ONBUILD STOPSIGNAL HEALTHCHECK SHELL AS",
            ty: "", lit: "", dollar_vars),
        lang!("diff", ["patch"], lc: [], bc: None, q: b"", multi: [], kw: "", ty: "", lit: ""),
        lang!("markdown", ["md"], lc: [], bc: None, q: b"", multi: [], kw: "", ty: "", lit: ""),
        lang!("text", ["txt", "plain", "plaintext"], lc: [], bc: None, q: b"", multi: [], kw: "", ty: "", lit: ""),
    ]
});

/// The language a fence's info string names (its first word, any case), if known.
pub fn lang(info: &str) -> Option<&'static Lang> {
    let word = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("");
    if word.is_empty() || word.len() > 24 {
        return None;
    }
    let word = word.to_ascii_lowercase();
    LANGS
        .iter()
        .find(|l| l.id == word || l.aliases.contains(&word.as_str()))
}

impl Lang {
    fn words(&self) -> &HashMap<String, &'static str> {
        self.words.get_or_init(|| {
            let mut m = HashMap::new();
            for (list, class) in [
                (self.literals, "hl-lit"),
                (self.types, "hl-ty"),
                (self.keywords, "hl-kw"),
            ] {
                for w in list.split_whitespace() {
                    let w = if self.fold_case {
                        w.to_ascii_lowercase()
                    } else {
                        w.to_string()
                    };
                    m.insert(w, class);
                }
            }
            m
        })
    }

    fn word_class(&self, word: &str) -> Option<&'static str> {
        if self.fold_case {
            self.words().get(&word.to_ascii_lowercase()).copied()
        } else {
            self.words().get(word).copied()
        }
    }
}

fn span(out: &mut String, class: &str, text: &str) {
    if text.is_empty() {
        return;
    }
    out.push_str("<span class=\"");
    out.push_str(class);
    out.push_str("\">");
    escape_text(text, out);
    out.push_str("</span>");
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Highlights one line (without its newline) starting in `state`; returns the state at its end.
pub fn line(lang: &Lang, line: &str, mut state: State, out: &mut String) -> State {
    if lang.id == "diff" {
        return diff_line(line, out);
    }
    let len = line.len();
    let mut i = 0;
    let mut plain = 0; // start of the pending plain run
    let flush = |out: &mut String, from: usize, to: usize| escape_text(&line[from..to], out);
    if lang.keys && state == State::Normal {
        if let Some((start, end)) = leading_key(line) {
            flush(out, 0, start);
            span(out, "hl-attr", &line[start..end]);
            (i, plain) = (end, end);
        }
    }
    while i < len {
        // A comment or string left open by an earlier line goes on until it closes.
        if state != State::Normal {
            let (end, next, class) = continue_open(lang, line, i, state);
            span(out, class, &line[i..end]);
            (state, i, plain) = (next, end, end);
            continue;
        }
        match token(lang, line, i) {
            Token::LineComment => {
                flush(out, plain, i);
                span(out, "hl-com", &line[i..]);
                return State::Normal;
            }
            Token::Span { end, class, next } => {
                flush(out, plain, i);
                span(out, class, &line[i..end]);
                (state, i, plain) = (next, end, end);
            }
            Token::Plain { end } => i = end,
        }
    }
    flush(out, plain, len.max(plain));
    state
}

/// A line of a diff: added, removed or a hunk header, else plain.
fn diff_line(line: &str, out: &mut String) -> State {
    let class = match line.as_bytes().first() {
        Some(b'+') => "hl-ins",
        Some(b'-') => "hl-del",
        Some(b'@') => "hl-meta",
        _ => {
            escape_text(line, out);
            return State::Normal;
        }
    };
    span(out, class, line);
    State::Normal
}

/// A leading key (`key:` in YAML, `key =` in TOML): its start and end.
fn leading_key(line: &str) -> Option<(usize, usize)> {
    let b = line.as_bytes();
    let start = b
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(b.len());
    let mut end = start;
    while end < b.len() && (is_ident(b[end]) || b[end] == b'-' || b[end] == b'.') {
        end += 1;
    }
    let rest = line[end..].trim_start();
    (end > start && (rest.starts_with(':') || rest.starts_with('='))).then_some((start, end))
}

/// Where a comment or string left open (`state`) closes on this line from `i`: its end, the state
/// after it, and its class.
fn continue_open(lang: &Lang, line: &str, i: usize, state: State) -> (usize, State, &'static str) {
    match state {
        State::Comment => {
            let close = lang.block_comment.map(|c| c.1).unwrap_or("");
            match line[i..].find(close) {
                Some(p) => (i + p + close.len(), State::Normal, "hl-com"),
                None => (line.len(), State::Comment, "hl-com"),
            }
        }
        State::Str(k) => {
            let delim = lang.multi[k as usize];
            match find_close(line.as_bytes(), i, delim.as_bytes()) {
                Some(e) => (e, State::Normal, "hl-str"),
                None => (line.len(), state, "hl-str"),
            }
        }
        State::Normal => (i, State::Normal, ""),
    }
}

/// What starts at a position of a line.
enum Token {
    /// A line comment: the rest of the line.
    LineComment,
    /// A highlighted run up to `end`, and the state after it (a comment or string may stay open).
    Span {
        end: usize,
        class: &'static str,
        next: State,
    },
    /// Nothing to highlight up to `end` (a plain word, or one character).
    Plain { end: usize },
}

/// Recognises the token at `i` (the line is in the normal state there).
fn token(lang: &Lang, line: &str, i: usize) -> Token {
    let b = line.as_bytes();
    let c = b[i];
    let rest = &line[i..];
    let span = |end: usize, class: &'static str| Token::Span {
        end,
        class,
        next: State::Normal,
    };
    if lang.line_comments.iter().any(|lc| rest.starts_with(lc)) {
        return Token::LineComment;
    }
    if let Some((open, close)) = lang.block_comment {
        if rest.starts_with(open) {
            let after = i + open.len();
            return match line[after..].find(close) {
                Some(p) => span(after + p + close.len(), "hl-com"),
                None => Token::Span {
                    end: b.len(),
                    class: "hl-com",
                    next: State::Comment,
                },
            };
        }
    }
    // Multi-line strings.
    if let Some(k) = lang.multi.iter().position(|m| rest.starts_with(m)) {
        let delim = lang.multi[k].as_bytes();
        return match find_close(b, i + delim.len(), delim) {
            Some(e) => span(e, "hl-str"),
            None => Token::Span {
                end: b.len(),
                class: "hl-str",
                next: State::Str(k as u8),
            },
        };
    }
    // One-line strings (a `'` that is a char quote only when short, where the language says so).
    if lang.quotes.contains(&c) {
        let end = find_close(b, i + 1, &[c]);
        let short_ok = !(lang.short_char_quote && c == b'\'')
            || end.is_some_and(|e| e - i <= 4 || (b.get(i + 1) == Some(&b'\\') && e - i <= 12));
        if short_ok {
            return span(end.unwrap_or(b.len()), "hl-str");
        }
    }
    // Markup tags.
    if lang.markup && c == b'<' {
        let mut e = i + 1;
        if b.get(e) == Some(&b'/') {
            e += 1;
        }
        let name_start = e;
        while e < b.len() && (is_ident(b[e]) || b[e] == b'-' || b[e] == b':') {
            e += 1;
        }
        if e > name_start {
            return span(e, "hl-tag");
        }
    }
    // Variables.
    if lang.dollar_vars
        && c == b'$'
        && b.get(i + 1)
            .is_some_and(|&n| is_ident_start(n) || n == b'{')
    {
        let mut e = i + 1;
        if b[e] == b'{' {
            e = line[e..].find('}').map(|p| e + p + 1).unwrap_or(b.len());
        } else {
            while e < b.len() && is_ident(b[e]) {
                e += 1;
            }
        }
        return span(e, "hl-var");
    }
    // Numbers.
    if c.is_ascii_digit() && (i == 0 || !is_ident(b[i - 1])) {
        let mut e = i + 1;
        while e < b.len()
            && (is_ident(b[e]) || (b[e] == b'.' && b.get(e + 1).is_some_and(u8::is_ascii_digit)))
        {
            e += 1;
        }
        return span(e, "hl-num");
    }
    // Words.
    if is_ident_start(c)
        || (c == b'#' || c == b'@' || c == b'!') && b.get(i + 1).is_some_and(|&n| is_ident_start(n))
    {
        let mut e = i + 1;
        while e < b.len() && (is_ident(b[e]) || (lang.fold_case && b[e] == b'?')) {
            e += 1;
        }
        // Stay on a character boundary whatever the bytes.
        while !line.is_char_boundary(e) {
            e += 1;
        }
        let word = &line[i..e];
        let class = lang.word_class(word).or_else(|| {
            if lang.markup && b.get(e) == Some(&b'=') {
                Some("hl-attr")
            } else if b.get(e) == Some(&b'(') && is_ident_start(c) {
                Some("hl-fn")
            } else if lang.caps_are_types && c.is_ascii_uppercase() {
                Some("hl-ty")
            } else {
                None
            }
        });
        return match class {
            Some(class) => span(e, class),
            None => Token::Plain { end: e },
        };
    }
    // Anything else: one character.
    Token::Plain {
        end: i + rest.chars().next().map_or(1, char::len_utf8),
    }
}

/// The index just past the closing `delim` at or after `from`, skipping backslash escapes.
fn find_close(b: &[u8], from: usize, delim: &[u8]) -> Option<usize> {
    let mut i = from;
    while i < b.len() {
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i..].starts_with(delim) {
            return Some(i + delim.len());
        }
        i += 1;
    }
    None
}

/// The lines of the code block highlighted last, with their starting states, so a streaming
/// code block only lexes the line that changed.
#[derive(Default)]
pub struct LineCache {
    lines: Vec<(State, String, String, State)>,
}

/// Highlights `code` (whole lines; plain escaped text without a language) into `out`, reusing
/// the cache's lines when given. Returns where the last line's HTML starts in `out` and the
/// lexer's state at that line's start, so the line can be extended without redoing the rest.
pub fn code_lines(
    lang: Option<&Lang>,
    code: &str,
    out: &mut String,
    mut cache: Option<&mut LineCache>,
) -> (usize, State) {
    let Some(lang) = lang else {
        let cut = code.rfind('\n').map_or(0, |p| p + 1);
        escape_text(&code[..cut], out);
        let at = out.len();
        escape_text(&code[cut..], out);
        return (at, State::Normal);
    };
    let mut state = State::Normal;
    let mut last = (out.len(), state);
    for (n, text) in code.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        last = (out.len(), state);
        if let Some(cache) = cache.as_deref_mut() {
            match cache.lines.get(n) {
                Some((s0, t, html, end)) if *s0 == state && t == text => {
                    out.push_str(html);
                    state = *end;
                }
                _ => {
                    let from = out.len();
                    let end = line(lang, text, state, out);
                    cache.lines.truncate(n);
                    cache
                        .lines
                        .push((state, text.to_string(), out[from..].to_string(), end));
                    state = end;
                }
            }
        } else {
            state = line(lang, text, state, out);
        }
    }
    last
}

/// Highlights `code` without a cache.
pub fn code(lang: &Lang, code: &str, out: &mut String) {
    code_lines(Some(lang), code, out, None);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hl(id: &str, src: &str) -> String {
        let mut out = String::new();
        code(lang(id).unwrap(), src, &mut out);
        out
    }

    #[test]
    fn rust_keywords_strings_comments_numbers_and_lifetimes() {
        let out = hl(
            "rs",
            "fn f<'a>(x: &'a str) -> u8 { let c = 'x'; 42 } // done",
        );
        assert!(
            out.starts_with("<span class=\"hl-kw\">fn</span> f&lt;'a&gt;("),
            "{out}"
        );
        assert!(out.contains("<span class=\"hl-ty\">u8</span>"), "{out}");
        assert!(out.contains("<span class=\"hl-str\">'x'</span>"), "{out}");
        assert!(out.contains("<span class=\"hl-num\">42</span>"), "{out}");
        assert!(
            out.ends_with("<span class=\"hl-com\">// done</span>"),
            "{out}"
        );
    }

    #[test]
    fn multi_line_strings_and_comments_carry_state_across_lines() {
        let out = hl("python", "x = \"\"\"a\n<b>\n\"\"\" + 1");
        assert_eq!(
            out,
            "x = <span class=\"hl-str\">\"\"\"a</span>\n<span class=\"hl-str\">&lt;b&gt;</span>\n<span class=\"hl-str\">\"\"\"</span> + <span class=\"hl-num\">1</span>"
        );
        let out = hl("c", "/* a\nb */ int");
        assert!(
            out.ends_with("<span class=\"hl-com\">b */</span> <span class=\"hl-ty\">int</span>"),
            "{out}"
        );
    }

    #[test]
    fn sql_keywords_fold_case_and_aliases_resolve() {
        assert!(hl("SQL", "SELECT 1").starts_with("<span class=\"hl-kw\">SELECT</span>"));
        assert_eq!(lang("py").unwrap().id, "python");
        assert_eq!(lang("TypeScript").unwrap().id, "typescript");
        assert!(lang("rust,ignore").is_some());
        assert!(lang("no-such-language").is_none());
        assert!(lang("").is_none());
    }

    #[test]
    fn markup_and_shell_variables() {
        let out = hl("html", "<a href=\"x\">t</a>");
        assert!(
            out.starts_with(
                "<span class=\"hl-tag\">&lt;a</span> <span class=\"hl-attr\">href</span>="
            ),
            "{out}"
        );
        assert!(hl("sh", "echo $HOME").contains("<span class=\"hl-var\">$HOME</span>"));
        assert!(hl("diff", "+added").starts_with("<span class=\"hl-ins\">"));
    }

    #[test]
    fn any_bytes_lex_in_linear_time_without_panicking() {
        let nasty = "\"\\\u{e9}'/*<\u{1F600}$#@0x1.2e3\u{a0}".repeat(500);
        for l in LANGS.iter() {
            let mut out = String::new();
            line(l, &nasty, State::Normal, &mut out);
            assert!(!out.contains('<') || out.contains("<span"), "{}", l.id);
        }
    }

    #[test]
    fn cache_gives_the_same_html_as_a_fresh_pass() {
        let src = "let s = \"a\nb\";\n/* c\n*/ fn x() {}";
        let l = lang("rust").unwrap();
        let mut cache = LineCache::default();
        let mut a = String::new();
        code_lines(Some(l), src, &mut a, Some(&mut cache));
        let mut b = String::new();
        let (at, state) = code_lines(Some(l), src, &mut b, Some(&mut cache));
        assert_eq!(state, State::Comment, "the state at the last line's start");
        assert_eq!(&b[at..], "<span class=\"hl-com\">*/</span> <span class=\"hl-kw\">fn</span> <span class=\"hl-fn\">x</span>() {}");
        assert_eq!(a, b);
        assert_eq!(a, hl("rust", src));
    }
}
