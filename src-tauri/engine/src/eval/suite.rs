//! Suite files: a TOML file of prompts with variables, a table of cases (inline or a CSV file
//! beside it), the settings to send them with, and the checks each answer must pass. Loading
//! resolves everything a run needs — every prompt filled in, every check's text filled in,
//! attachments and schema files read and hashed — so a run never reads the suite again, and a
//! suite's hash changes whenever anything that decides a cell changes.
//!
//! The smallest suite:
//! ```toml
//! name = "smoke"
//! [[cases]]
//! prompt = "Say hello to {name}."
//! vars = { name = "Ada" }
//! checks = [{ type = "contains", value = "Ada" }]
//! ```
//! `{var}` is replaced by the case's variable (a name of letters, digits and `_`); `{{var}}` is the
//! literal text `{var}`; any other brace is kept as written, so JSON in a prompt needs no escaping.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::checks::Check;
use super::csv;
use crate::attach::MAX_FILE_BYTES;
use crate::config::ConfigErr;
use crate::error::{Error, Result};
use crate::session::ChatSettings;

/// The largest suite file read.
pub const MAX_SUITE_BYTES: u64 = 4 << 20;
/// The largest cases CSV read.
pub const MAX_CSV_BYTES: u64 = 16 << 20;
/// The largest JSON Schema file read.
pub const MAX_SCHEMA_BYTES: u64 = 1 << 20;
/// The most cases a suite may hold.
pub const MAX_CASES: usize = 20_000;

/// The file as written.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SuiteFile {
    name: String,
    description: Option<String>,
    system: Option<String>,
    preset: Option<String>,
    temperature: Option<f32>,
    top_p: Option<f32>,
    max_tokens: Option<u32>,
    seed: Option<u64>,
    /// The prompt of every case that has none of its own (and of every CSV row).
    prompt: Option<String>,
    /// A CSV file (relative to the suite) of cases: a header row naming the variables, then one
    /// case per row.
    cases_csv: Option<String>,
    /// Checks every case gets, before its own.
    #[serde(default)]
    checks: Vec<Check>,
    /// Defaults of every judge check.
    judge: Option<JudgeDefaults>,
    #[serde(default)]
    cases: Vec<CaseFile>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    name: Option<String>,
    prompt: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, toml::Value>,
    /// Files sent with the prompt, relative to the suite.
    #[serde(default)]
    attach: Vec<String>,
    #[serde(default)]
    checks: Vec<Check>,
}

/// The judge every judge check uses unless it names its own.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(optional_fields = nullable)]
pub struct JudgeDefaults {
    /// `provider/model` or `@route`.
    pub target: Option<String>,
    /// What a good answer is.
    pub rubric: Option<String>,
}

/// A loaded suite: every case resolved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Suite {
    pub name: String,
    pub description: Option<String>,
    /// The file it was read from.
    #[ts(type = "string | null")]
    pub path: Option<PathBuf>,
    /// The suite's own settings (system prompt, temperature, seed, …).
    pub settings: ChatSettings,
    /// Its preset (a run's `-p` wins).
    pub preset: Option<String>,
    pub judge: JudgeDefaults,
    pub cases: Vec<Case>,
    /// SHA-256 over everything that decides a cell.
    pub hash: String,
}

/// One case, its prompt and checks filled in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Case {
    /// Its name, or where it came from (`row 3` of the CSV).
    pub label: String,
    pub prompt: String,
    pub vars: BTreeMap<String, String>,
    pub attach: Vec<Attached>,
    pub checks: Vec<Check>,
}

/// A file sent with a case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Attached {
    /// As the suite names it.
    pub name: String,
    #[ts(type = "string")]
    pub path: PathBuf,
    pub sha256: String,
}

impl Suite {
    /// Reads and resolves a suite file.
    pub fn load(path: &Path) -> Result<Suite> {
        let text = read_capped(path, MAX_SUITE_BYTES)?;
        let text = String::from_utf8(text).map_err(|_| Error::Config {
            file: path.display().to_string(),
            line: 1,
            column: 1,
            field: String::new(),
            message: "the suite is not UTF-8 text".into(),
        })?;
        Suite::parse(&text, path)
    }

    /// Parses suite text; `path` names it in errors and is where relative files are found.
    pub fn parse(text: &str, path: &Path) -> Result<Suite> {
        let err = ConfigErr::new(text, path);
        let file: SuiteFile = toml::from_str(text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            err.at(span, None, e.message().trim())
        })?;
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let at = |field: &str, message: String| Error::Config {
            file: path.display().to_string(),
            line: line_of(text, field),
            column: 1,
            field: field.to_string(),
            message,
        };
        if file.name.trim().is_empty() {
            return Err(at("name", "the suite needs a name".into()));
        }
        let settings = ChatSettings {
            preset: None,
            system: file.system.clone(),
            temperature: file.temperature,
            top_p: file.top_p,
            max_tokens: file.max_tokens,
            seed: file.seed,
            ..Default::default()
        };
        settings
            .check()
            .map_err(|e| at("settings", e.to_string()))?;
        let mut raw: Vec<(String, String, CaseFile)> = Vec::new();
        for (i, c) in file.cases.into_iter().enumerate() {
            let label = c.name.clone().unwrap_or_else(|| format!("case {}", i + 1));
            raw.push((format!("cases[{i}]"), label, c));
        }
        if let Some(csv_name) = &file.cases_csv {
            let csv_path = dir.join(csv_name);
            let bytes = read_capped(&csv_path, MAX_CSV_BYTES)?;
            let text = String::from_utf8(bytes)
                .map_err(|_| at("cases_csv", format!("{csv_name} is not UTF-8 text")))?;
            let rows =
                csv::parse(&text).map_err(|e| at("cases_csv", format!("{csv_name}: {e}")))?;
            for (line, vars) in rows {
                raw.push((
                    format!("{csv_name} line {line}"),
                    format!("{csv_name} line {line}"),
                    CaseFile {
                        name: None,
                        prompt: None,
                        vars: vars
                            .into_iter()
                            .map(|(k, v)| (k, toml::Value::String(v)))
                            .collect(),
                        attach: Vec::new(),
                        checks: Vec::new(),
                    },
                ));
            }
        }
        if raw.is_empty() {
            return Err(at(
                "cases",
                "the suite has no cases: add [[cases]] or cases_csv".into(),
            ));
        }
        if raw.len() > MAX_CASES {
            return Err(at(
                "cases",
                format!("{} cases; a suite holds at most {MAX_CASES}", raw.len()),
            ));
        }
        let mut cases = Vec::with_capacity(raw.len());
        for (field, label, c) in raw {
            let vars: BTreeMap<String, String> = c
                .vars
                .into_iter()
                .map(|(k, v)| {
                    let s = match v {
                        toml::Value::String(s) => s,
                        other => other.to_string(),
                    };
                    (k, s)
                })
                .collect();
            let template = c.prompt.or_else(|| file.prompt.clone()).ok_or_else(|| {
                at(
                    &format!("{field}.prompt"),
                    "no prompt: give the case one or the suite a `prompt`".into(),
                )
            })?;
            let prompt = fill(&template, &vars).map_err(|m| at(&format!("{field}.prompt"), m))?;
            if prompt.trim().is_empty() && c.attach.is_empty() {
                return Err(at(&format!("{field}.prompt"), "the prompt is empty".into()));
            }
            let mut checks = Vec::new();
            for (j, check) in file.checks.iter().chain(c.checks.iter()).enumerate() {
                let where_ = format!("{field}.checks[{j}]");
                let filled = check
                    .resolved(&vars, dir, &file.judge)
                    .map_err(|m| at(&where_, m))?;
                checks.push(filled);
            }
            let mut attach = Vec::new();
            for name in &c.attach {
                let p = dir.join(name);
                let bytes = read_capped(&p, MAX_FILE_BYTES)
                    .map_err(|e| at(&format!("{field}.attach"), format!("{name}: {e}")))?;
                attach.push(Attached {
                    name: name.clone(),
                    path: p,
                    sha256: hex(&Sha256::digest(&bytes)),
                });
            }
            cases.push(Case {
                label,
                prompt,
                vars,
                attach,
                checks,
            });
        }
        let mut suite = Suite {
            name: file.name.trim().to_string(),
            description: file.description,
            path: Some(path.to_path_buf()),
            settings,
            preset: file.preset.filter(|p| !p.trim().is_empty()),
            judge: file.judge.unwrap_or_default(),
            cases,
            hash: String::new(),
        };
        suite.hash = suite.digest();
        Ok(suite)
    }

    /// SHA-256 of what decides the cells: settings, preset, judge and cases (attachments by
    /// their hashes); the file's path and description are left out.
    fn digest(&self) -> String {
        let decides = serde_json::json!({
            "settings": self.settings,
            "preset": self.preset,
            "judge": self.judge,
            "cases": self.cases.iter().map(|c| serde_json::json!({
                "prompt": c.prompt,
                "attach": c.attach.iter().map(|a| &a.sha256).collect::<Vec<_>>(),
                "checks": c.checks,
            })).collect::<Vec<_>>(),
        });
        hex(&Sha256::digest(decides.to_string().as_bytes()))
    }
}

/// The length of the variable name at the start of `s` (letters, digits and `_`, not starting
/// with a digit), when `s` starts with one.
fn name_len(s: &str) -> Option<usize> {
    let n = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    (n > 0 && !s.starts_with(|c: char| c.is_ascii_digit())).then_some(n)
}

/// `template` with each `{var}` replaced; `{{var}}` is the literal text `{var}`; every other
/// brace is kept as written (so JSON, nested or not, needs no escaping). A `{name}` the case
/// does not set is an error naming it and the variables it has.
pub fn fill(
    template: &str,
    vars: &BTreeMap<String, String>,
) -> std::result::Result<String, String> {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        // `{{name}}`: the braces themselves.
        if let Some(inner) = tail.strip_prefix("{{") {
            if let Some(n) = name_len(inner) {
                if inner[n..].starts_with("}}") {
                    out.push('{');
                    out.push_str(&inner[..n]);
                    out.push('}');
                    rest = &inner[n + 2..];
                    continue;
                }
            }
        }
        let after = &tail[1..];
        if let Some(n) = name_len(after).filter(|&n| after[n..].starts_with('}')) {
            let name = &after[..n];
            let value = vars.get(name).ok_or_else(|| {
                let known: Vec<&str> = vars.keys().map(String::as_str).collect();
                format!(
                    "uses {{{name}}}, which the case does not set (its variables: {}); write {{{{{name}}}}} for the braces themselves",
                    if known.is_empty() { "none".to_string() } else { known.join(", ") }
                )
            })?;
            out.push_str(value);
            rest = &after[n + 1..];
            continue;
        }
        out.push('{');
        rest = after;
    }
    out.push_str(rest);
    Ok(out)
}

/// `text` written so that [`fill`] gives it back unchanged: each `{name}` as `{{name}}`.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('{') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        match name_len(after).filter(|&n| after[n..].starts_with('}')) {
            Some(n) => {
                out.push_str("{{");
                out.push_str(&after[..n]);
                out.push_str("}}");
                rest = &after[n + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The line a field of the suite starts on, as near as the text shows it: a case's
/// `[[cases]]` header, a top-level key's line, else the first line.
fn line_of(text: &str, field: &str) -> usize {
    let lines = || {
        text.lines()
            .enumerate()
            .map(|(i, l)| (i + 1, l.trim_start()))
    };
    if let Some(i) = field
        .strip_prefix("cases[")
        .and_then(|r| r.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
    {
        return lines()
            .filter(|(_, l)| l.starts_with("[[cases]]"))
            .nth(i)
            .map_or(1, |(n, _)| n);
    }
    let key = field.split(['.', '[']).next().unwrap_or(field);
    lines()
        .find(|(_, l)| {
            l.strip_prefix(key)
                .is_some_and(|r| r.trim_start().starts_with('='))
        })
        .map_or(1, |(n, _)| n)
}

/// Reads a file of at most `cap` bytes (larger is an error naming the file and the cap).
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>> {
    use std::io::Read;
    let io = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(cap + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > cap {
        return Err(Error::InvalidRequest(format!(
            "{} is larger than {} MB",
            path.display(),
            cap >> 20
        )));
    }
    Ok(bytes)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The folder relative files of the suite are found in.
pub(crate) fn suite_dir(suite: &Suite) -> PathBuf {
    suite
        .path
        .as_deref()
        .and_then(Path::parent)
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
        .to_path_buf()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn fills_variables_and_keeps_other_braces() {
        let v = vars(&[("name", "Ada"), ("n_2", "two")]);
        assert_eq!(
            fill("Say hello to {name}.", &v).unwrap(),
            "Say hello to Ada."
        );
        assert_eq!(
            fill(r#"Reply {"a": 1} and {{name}} {n_2} {} {1x}"#, &v).unwrap(),
            r#"Reply {"a": 1} and {name} two {} {1x}"#
        );
        // Nested JSON keeps every brace.
        let json = r#"Return {"a": {"b": [{"c": 1}]}} for {name}"#;
        assert_eq!(
            fill(json, &v).unwrap(),
            r#"Return {"a": {"b": [{"c": 1}]}} for Ada"#
        );
        // What `escape` writes, `fill` gives back, whatever the text.
        for text in [json, "{x} {{y}} {{{z}}} {", "}}{{", "{é} {a-b}"] {
            assert_eq!(
                fill(&escape(text), &BTreeMap::new()).unwrap(),
                text,
                "{text}"
            );
        }
        let e = fill("Hi {who}", &v).unwrap_err();
        assert!(e.contains("{who}") && e.contains("n_2, name"), "{e}");
    }

    #[test]
    fn the_smallest_suite_loads() {
        let text = "name = \"smoke\"\n[[cases]]\nprompt = \"Say hello to {name}.\"\nvars = { name = \"Ada\" }\nchecks = [{ type = \"contains\", value = \"Ada\" }]\n";
        let s = Suite::parse(text, Path::new("smoke.toml")).unwrap();
        assert_eq!(s.name, "smoke");
        assert_eq!(s.cases.len(), 1);
        assert_eq!(s.cases[0].prompt, "Say hello to Ada.");
        assert_eq!(s.cases[0].label, "case 1");
        assert_eq!(s.hash.len(), 64);
    }

    #[test]
    fn errors_name_the_file_line_and_field() {
        let bad = [
            ("name = \"x\"\n[[cases]]\nprompt = \"p\"\nchecks = [{ type = \"contain\", value = \"a\" }]\n", "unknown variant"),
            ("name = \"x\"\n[[cases]]\nprompt = \"p {who}\"\n", "{who}"),
            ("name = \"x\"\n", "no cases"),
            ("name = \"x\"\n[[cases]]\nvars = {a = \"1\"}\n", "no prompt"),
            ("name = \"x\"\ntemperature = 9\n[[cases]]\nprompt = \"p\"\n", "temperature"),
            ("name = \"x\"\n[[cases]]\nprompt = \"p\"\nchecks = [{ type = \"regex\", value = \"(\" }]\n", "regex"),
            ("name = \"x\"\n[[cases]]\nprompt = \"p\"\nchecks = [{ type = \"judge\" }]\n", "judge"),
            ("name = \"x\"\n[[cases]]\nprompt = \"p\"\nattach = [\"missing.png\"]\n", "missing.png"),
            ("name = \"x\"\n[[cases]]\nprompt = \"p\"\nprompts = 3\n", "unknown field"),
        ];
        for (text, says) in bad {
            let e = Suite::parse(text, Path::new("/tmp/nowhere/s.toml"))
                .unwrap_err()
                .to_string();
            assert!(e.contains("s.toml"), "{e}");
            assert!(e.contains(says), "{text:?}: {e}");
        }
    }
}
