//! Evaluations: a suite of prompts run against several targets, each answer checked (text
//! checks, JSON Schema, latency, cost, a judge model, a command), every cell stored in SQLite and
//! every call in the ledger under its run. The CLI's `roundtable eval` and the app's
//! Evaluations view are fronts over this.
//!
//! - [`suite`]: the suite file (TOML, cases inline or from a CSV), loaded and resolved.
//! - [`checks`]: what each check does and how it says why.
//! - [`run`]: the runner (concurrency per provider, resume, spend limits).
//! - [`report`]: the summary per target, two runs compared, CSV / JSON / HTML.

pub mod checks;
mod csv;
pub mod report;
pub mod run;
pub mod schema;
pub mod suite;

use std::path::Path;

use serde::Serialize;
use ts_rs::TS;

pub use checks::{Check, CheckResult, JudgeRecord};
pub use report::{diff, summarize, CellChange, RunDiff, TargetSummary};
pub use run::{run, EvalEvent, RunEnd, RunSpec};
pub use suite::{Case, Suite};

use crate::error::{Error, Result};
use crate::estimate::estimate;
use crate::session::Session;

/// What a run would cost, per target, before anything is sent.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct CostEstimate {
    pub target: String,
    /// Requests it would send (cases × repeat).
    pub requests: usize,
    #[ts(type = "number")]
    pub prompt_tokens: u64,
    /// The prompts' cost; `None` when the price is unknown.
    #[ts(type = "number | null")]
    pub input_micros: Option<i64>,
    /// The most the answers could add (every answer at its max tokens), when known.
    #[ts(type = "number | null")]
    pub max_answer_micros: Option<i64>,
}

/// The estimated cost of running `spec` (judges not included: they depend on the answers).
pub fn estimate_run(s: Session<'_>, spec: &RunSpec) -> Result<Vec<CostEstimate>> {
    let checked = run::check_spec(s, spec)?;
    let settings = checked.settings;
    let mut out = Vec::new();
    for (t, plan) in spec.targets.iter().zip(&checked.plans) {
        let target = plan
            .targets
            .first()
            .ok_or_else(|| Error::InvalidRequest(format!("{t}: no model to send to")))?;
        let mut e = CostEstimate {
            target: t.clone(),
            requests: spec.suite.cases.len() * spec.repeat as usize,
            prompt_tokens: 0,
            input_micros: Some(0),
            max_answer_micros: Some(0),
        };
        for case in &spec.suite.cases {
            // Attachments are costed by their names only here (their parts are read at run time).
            let req = settings.request(vec![crate::chat::Message::user(case.prompt.clone())]);
            let one = estimate(s.router.engine(), s.store, s.prices, target, &req)?;
            let n = spec.repeat as i64;
            e.prompt_tokens += one.prompt_tokens * spec.repeat as u64;
            e.input_micros = e.input_micros.zip(one.input_micros).map(|(a, b)| a + b * n);
            e.max_answer_micros = e
                .max_answer_micros
                .zip(one.max_answer_micros)
                .map(|(a, b)| a + b * n);
        }
        out.push(e);
    }
    Ok(out)
}

/// A suite file found in a folder.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct SuiteFileInfo {
    pub path: String,
    /// Its name, when it loads.
    pub name: Option<String>,
    pub cases: usize,
    /// Why it does not load.
    pub error: Option<String>,
}

/// The suites (`*.toml`) in `dir`, by path (at most 500); a missing folder has none. Each is
/// only read for its name and number of cases (its attachments are not read: loading the one
/// picked checks everything).
pub fn list_suites(dir: &Path) -> Vec<SuiteFileInfo> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut paths: Vec<std::path::PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .take(500)
        .map(|p| match peek(&p) {
            Ok((name, cases)) => SuiteFileInfo {
                path: p.display().to_string(),
                name: Some(name),
                cases,
                error: None,
            },
            Err(e) => SuiteFileInfo {
                path: p.display().to_string(),
                name: None,
                cases: 0,
                error: Some(e.to_string()),
            },
        })
        .collect()
}

/// A suite's name and number of cases, read without resolving it.
fn peek(path: &Path) -> Result<(String, usize)> {
    #[derive(serde::Deserialize)]
    struct Peek {
        name: String,
        #[serde(default)]
        cases: Vec<toml::Value>,
        cases_csv: Option<String>,
    }
    let bytes = suite::read_capped(path, suite::MAX_SUITE_BYTES)?;
    let text = String::from_utf8_lossy(&bytes);
    let p: Peek = toml::from_str(&text).map_err(|e| {
        crate::config::ConfigErr::new(&text, path).at(
            e.span().unwrap_or(0..0),
            None,
            e.message().trim(),
        )
    })?;
    let mut n = p.cases.len();
    if let Some(csv_name) = p.cases_csv {
        let dir = path.parent().unwrap_or(Path::new("."));
        let csv = suite::read_capped(&dir.join(&csv_name), suite::MAX_CSV_BYTES)?;
        n += csv::parse(&String::from_utf8_lossy(&csv))
            .map_err(|e| Error::InvalidRequest(format!("{csv_name}: {e}")))?
            .len();
    }
    Ok((p.name, n))
}

/// Adds a case to a suite file (made, named after the file, when missing), keeping the file's
/// own text and comments; the result must load, or nothing is written.
pub fn append_case(path: &Path, prompt: &str, checks: &[Check]) -> Result<Suite> {
    if prompt.trim().is_empty() {
        return Err(Error::InvalidRequest("the case's prompt is empty".into()));
    }
    let text = match suite::read_capped(path, suite::MAX_SUITE_BYTES) {
        Ok(b) => String::from_utf8(b)
            .map_err(|_| Error::InvalidRequest(format!("{} is not UTF-8 text", path.display())))?,
        Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::NotFound => {
            let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("suite");
            let mut doc = toml_edit::DocumentMut::new();
            doc["name"] = toml_edit::value(name);
            doc.to_string()
        }
        Err(e) => return Err(e),
    };
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::InvalidRequest(format!("{}: {}", path.display(), e.message()))
    })?;
    let mut case = toml_edit::Table::new();
    // The prompt is kept as written: no `{word}` in it reads as a variable.
    case["prompt"] = toml_edit::value(suite::escape(prompt));
    if !checks.is_empty() {
        let json = serde_json::to_value(checks).map_err(|e| Error::Internal(e.to_string()))?;
        let as_toml: toml::Value =
            serde_json::from_value(json).map_err(|e| Error::Internal(e.to_string()))?;
        let text = format!("checks = {as_toml}");
        let parsed: toml_edit::DocumentMut = text
            .parse()
            .map_err(|e: toml_edit::TomlError| Error::Internal(e.to_string()))?;
        if let Some(item) = parsed.get("checks") {
            case["checks"] = item.clone();
        }
    }
    match doc.get_mut("cases") {
        Some(toml_edit::Item::ArrayOfTables(a)) => a.push(case),
        Some(_) => {
            return Err(Error::InvalidRequest(format!(
                "{}: `cases` is not written as [[cases]] tables; add the case by hand",
                path.display()
            )))
        }
        None => {
            let mut a = toml_edit::ArrayOfTables::new();
            a.push(case);
            doc["cases"] = toml_edit::Item::ArrayOfTables(a);
        }
    }
    let new_text = doc.to_string();
    let suite = Suite::parse(&new_text, path)?;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| Error::Io {
            path: dir.display().to_string(),
            source,
        })?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, &new_text)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|source| Error::Io {
            path: path.display().to_string(),
            source,
        })?;
    Ok(suite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_question_is_added_as_a_case_keeping_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evals/from-compare.toml");
        // A missing file is made, named after itself; braces in the question stay literal.
        let s = append_case(&path, "What is {x} in {\"a\": {\"b\": 1}}?", &[]).unwrap();
        assert_eq!(s.name, "from-compare");
        assert_eq!(s.cases[0].prompt, "What is {x} in {\"a\": {\"b\": 1}}?");
        // A hand-written file keeps its comments and gets the case at the end, with checks.
        std::fs::write(
            &path,
            "# mine\nname = \"mine\"\n[[cases]]\nprompt = \"one\" # first\n",
        )
        .unwrap();
        let check = Check::Contains {
            value: "Paris".into(),
            ignore_case: true,
        };
        let s = append_case(&path, "Capital of France?", &[check]).unwrap();
        assert_eq!(s.cases.len(), 2);
        assert_eq!(s.cases[1].checks.len(), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("# mine\n") && text.contains("# first"),
            "{text}"
        );
        // Refused, the file unchanged: an empty question, a file that does not parse.
        assert!(append_case(&path, "  ", &[]).is_err());
        std::fs::write(&path, "name = ").unwrap();
        assert!(append_case(&path, "q", &[]).is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "name = ");
    }
}
