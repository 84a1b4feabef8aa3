//! What a run came to: per target, the pass rate (with its spread over repetitions), the mean
//! judge score, the median latency and the cost; two runs compared cell by cell; and the run
//! written out as CSV, JSON or one standalone HTML page.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use ts_rs::TS;

use super::suite::Suite;
use crate::markdown::escape::{escape_attr, escape_text};
use crate::store::{EvalRun, StoredCell};

/// One target's figures.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct TargetSummary {
    pub target: String,
    /// Cells ended (answered or failed).
    pub cells: usize,
    pub passed: usize,
    /// Checks failed or no answer.
    pub failed: usize,
    /// Cells with no answer (their requests failed).
    pub errors: usize,
    /// Passed ÷ ended.
    pub pass_rate: f64,
    /// The standard deviation of the pass rate over repetitions (with `--repeat` 2 or more).
    pub pass_rate_sd: Option<f64>,
    pub mean_score: Option<f64>,
    /// The standard deviation of the judge scores: of each repetition's mean over the
    /// repetitions (`--repeat` 2 or more), else over the cells.
    pub score_sd: Option<f64>,
    #[ts(type = "number | null")]
    pub p50_ms: Option<u64>,
    /// The answers' cost.
    #[ts(type = "number")]
    pub cost_micros: i64,
    /// What judging this target's answers cost.
    #[ts(type = "number")]
    pub judge_micros: i64,
}

/// Per target, in the run's order.
pub fn summarize(targets: &[String], repeat: u32, cells: &[StoredCell]) -> Vec<TargetSummary> {
    targets
        .iter()
        .map(|t| {
            let mine: Vec<&StoredCell> = cells.iter().filter(|c| &c.target == t).collect();
            let passed = mine.iter().filter(|c| c.passed).count();
            let errors = mine.iter().filter(|c| c.error.is_some()).count();
            let scores: Vec<f64> = mine.iter().filter_map(|c| c.score).collect();
            // The spread of a repetition's mean score over the repetitions (with one
            // repetition, over the cells).
            let rep_scores: Vec<f64> = (0..repeat)
                .filter_map(|r| {
                    let s: Vec<f64> = mine
                        .iter()
                        .filter(|c| c.rep == r)
                        .filter_map(|c| c.score)
                        .collect();
                    (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64)
                })
                .collect();
            let spread = if repeat > 1 { &rep_scores } else { &scores };
            let mut ms: Vec<u64> = mine
                .iter()
                .filter(|c| c.error.is_none())
                .map(|c| c.ms)
                .collect();
            ms.sort_unstable();
            let rates: Vec<f64> = (0..repeat)
                .filter_map(|r| {
                    let rep: Vec<_> = mine.iter().filter(|c| c.rep == r).collect();
                    (!rep.is_empty())
                        .then(|| rep.iter().filter(|c| c.passed).count() as f64 / rep.len() as f64)
                })
                .collect();
            TargetSummary {
                target: t.clone(),
                cells: mine.len(),
                passed,
                failed: mine.len() - passed,
                errors,
                pass_rate: if mine.is_empty() {
                    0.0
                } else {
                    passed as f64 / mine.len() as f64
                },
                pass_rate_sd: (rates.len() > 1).then(|| sd(&rates)),
                mean_score: (!scores.is_empty())
                    .then(|| scores.iter().sum::<f64>() / scores.len() as f64),
                score_sd: (spread.len() > 1).then(|| sd(spread)),
                p50_ms: (!ms.is_empty()).then(|| ms[(ms.len() - 1) / 2]),
                cost_micros: mine.iter().map(|c| c.cost_micros).sum(),
                judge_micros: mine.iter().map(|c| c.judge_micros).sum(),
            }
        })
        .collect()
}

/// The sample standard deviation.
fn sd(xs: &[f64]) -> f64 {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
}

/// A cell whose verdict or score differs between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct CellChange {
    pub case: usize,
    pub label: String,
    pub target: String,
    pub rep: u32,
    /// The verdict in the first run (`None`: no cell there; `after` is `None` for a cell the
    /// second run lacks).
    pub before: Option<bool>,
    pub after: Option<bool>,
    pub before_score: Option<f64>,
    pub after_score: Option<f64>,
}

/// Two runs compared.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RunDiff {
    /// Both runs ran the same suite (same hash): cases match by index.
    pub same_suite: bool,
    /// Cells in both runs.
    pub compared: usize,
    pub changes: Vec<CellChange>,
}

/// The cells that changed from run `a` to run `b`, and those in one run only. The same suite's
/// cases match by index; across suites by their prompt and its occurrence (so a suite with cases
/// added or reordered still compares, and repeated prompts pair in order); targets by name.
pub fn diff(
    (a_suite, a): (&Suite, &[StoredCell]),
    (b_suite, b): (&Suite, &[StoredCell]),
) -> RunDiff {
    let same_suite = a_suite.hash == b_suite.hash;
    // Each case's key: its index, or its prompt and which occurrence of that prompt it is.
    let keys = |s: &Suite| -> Vec<String> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        s.cases
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if same_suite {
                    return i.to_string();
                }
                let n = seen.entry(c.prompt.as_str()).or_insert(0);
                *n += 1;
                format!("{}#{n}", c.prompt)
            })
            .collect()
    };
    let (ka, kb) = (keys(a_suite), keys(b_suite));
    let key = |ks: &[String], c: &StoredCell| {
        (
            ks.get(c.case).cloned().unwrap_or_default(),
            c.target.clone(),
            c.rep,
        )
    };
    let label = |s: &Suite, c: &StoredCell| {
        s.cases
            .get(c.case)
            .map_or_else(String::new, |k| k.label.clone())
    };
    let before: HashMap<_, &StoredCell> = a.iter().map(|c| (key(&ka, c), c)).collect();
    let mut matched = std::collections::HashSet::new();
    let mut compared = 0;
    let mut changes = Vec::new();
    for c in b {
        let k = key(&kb, c);
        let old = before.get(&k).copied();
        if old.is_some() {
            compared += 1;
            matched.insert(k);
        }
        let changed = old.is_none_or(|o| o.passed != c.passed || o.score != c.score);
        if changed {
            changes.push(CellChange {
                case: c.case,
                label: label(b_suite, c),
                target: c.target.clone(),
                rep: c.rep,
                before: old.map(|o| o.passed),
                after: Some(c.passed),
                before_score: old.and_then(|o| o.score),
                after_score: c.score,
            });
        }
    }
    // Cells of the first run with none in the second.
    for c in a {
        if !matched.contains(&key(&ka, c)) {
            changes.push(CellChange {
                case: c.case,
                label: label(a_suite, c),
                target: c.target.clone(),
                rep: c.rep,
                before: Some(c.passed),
                after: None,
                before_score: c.score,
                after_score: None,
            });
        }
    }
    RunDiff {
        same_suite,
        compared,
        changes,
    }
}

/// `3 cases × 2 targets` (`× 5 repeats` when repeated).
pub fn shape(cases: usize, targets: usize, repeat: u32) -> String {
    let mut s = format!("{cases} cases × {targets} targets");
    if repeat > 1 {
        s.push_str(&format!(" × {repeat} repeats"));
    }
    s
}

fn usd(micros: i64) -> String {
    format!("{:.6}", micros as f64 / 1e6)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// A run written out by a file extension: `csv`, `html`/`htm` (the standalone report), else
/// JSON.
pub fn render(ext: &str, run: &EvalRun, suite: &Suite, cells: &[StoredCell]) -> String {
    match ext.to_ascii_lowercase().as_str() {
        "csv" => to_csv(suite, cells),
        "html" | "htm" => to_html(run, suite, cells),
        _ => to_json(run, suite, cells),
    }
}

/// Every cell as a CSV row.
pub fn to_csv(suite: &Suite, cells: &[StoredCell]) -> String {
    let mut out = String::from(
        "case,label,target,rep,passed,score,ms,cost_usd,judge_usd,model,error,answer,reasons\n",
    );
    for c in cells {
        let label = suite.cases.get(c.case).map_or("", |k| k.label.as_str());
        let reasons: Vec<String> = c
            .checks
            .iter()
            .map(|r| {
                format!(
                    "{} {}: {}",
                    if r.passed { "✓" } else { "✗" },
                    r.kind,
                    r.reason
                )
            })
            .collect();
        let row = [
            c.case.to_string(),
            csv_field(label),
            csv_field(&c.target),
            c.rep.to_string(),
            c.passed.to_string(),
            c.score.map(|s| format!("{s:.2}")).unwrap_or_default(),
            c.ms.to_string(),
            usd(c.cost_micros),
            usd(c.judge_micros),
            csv_field(c.model.as_deref().unwrap_or("")),
            csv_field(c.error.as_deref().unwrap_or("")),
            csv_field(&c.answer),
            csv_field(&reasons.join("\n")),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

/// The run, its suite's cases, every cell and the summary, as one JSON document.
pub fn to_json(run: &EvalRun, suite: &Suite, cells: &[StoredCell]) -> String {
    let doc = serde_json::json!({
        "run": run,
        "suite": {"name": suite.name, "hash": suite.hash, "settings": suite.settings,
                  "cases": suite.cases.iter().map(|c| serde_json::json!({"label": c.label, "prompt": c.prompt, "vars": c.vars})).collect::<Vec<_>>()},
        "cells": cells,
        "summary": summarize(&run.targets, run.repeat, cells),
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

/// One standalone HTML page: the summary, the grid of cases × targets coloured by verdict, and
/// each cell's answer and reasons (every text escaped; no script, no outside resource).
pub fn to_html(run: &EvalRun, suite: &Suite, cells: &[StoredCell]) -> String {
    let esc = |s: &str| {
        let mut o = String::new();
        escape_text(s, &mut o);
        o
    };
    let attr = |s: &str| {
        let mut o = String::new();
        escape_attr(s, &mut o);
        o
    };
    let mut h = String::new();
    h.push_str("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">");
    h.push_str(&format!(
        "<title>{} — run {}</title>",
        esc(&suite.name),
        run.id
    ));
    h.push_str("<style>body{font:14px system-ui,sans-serif;margin:2em;color:#1d1d1f}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left;vertical-align:top}.pass{background:#d9f2dd}.fail{background:#f8d7d7}.error{background:#eee}pre{white-space:pre-wrap;max-width:80ch}details{margin:.5em 0}</style></head><body>");
    h.push_str(&format!(
        "<h1>{}</h1><p>Run {} · {} · {}</p>",
        esc(&suite.name),
        run.id,
        esc(match run.status {
            crate::store::RunStatus::Done => "done",
            crate::store::RunStatus::Stopped => "stopped",
            crate::store::RunStatus::Running => "not finished",
        }),
        shape(suite.cases.len(), run.targets.len(), run.repeat)
    ));
    h.push_str("<table><tr><th>Target</th><th>Pass rate</th><th>Mean score</th><th>p50 latency</th><th>Cost</th></tr>");
    for s in summarize(&run.targets, run.repeat, cells) {
        h.push_str(&format!(
            "<tr><td>{}</td><td>{}/{} ({:.0}%)</td><td>{}</td><td>{}</td><td>${}</td></tr>",
            esc(&s.target),
            s.passed,
            s.cells,
            s.pass_rate * 100.0,
            s.mean_score
                .map(|m| format!("{m:.2}"))
                .unwrap_or_else(|| "—".into()),
            s.p50_ms
                .map(|m| format!("{m} ms"))
                .unwrap_or_else(|| "—".into()),
            usd(s.cost_micros + s.judge_micros)
        ));
    }
    h.push_str("</table><h2>Cells</h2><table><tr><th>Case</th>");
    for t in &run.targets {
        h.push_str(&format!("<th>{}</th>", esc(t)));
    }
    h.push_str("</tr>");
    let by: BTreeMap<(usize, &str), Vec<&StoredCell>> =
        cells.iter().fold(BTreeMap::new(), |mut m, c| {
            m.entry((c.case, c.target.as_str()))
                .or_insert_with(Vec::new)
                .push(c);
            m
        });
    for (i, case) in suite.cases.iter().enumerate() {
        h.push_str(&format!(
            "<tr><td title=\"{}\">{}</td>",
            attr(&case.prompt),
            esc(&case.label)
        ));
        for t in &run.targets {
            let mine = by.get(&(i, t.as_str())).cloned().unwrap_or_default();
            let class = if mine.is_empty() {
                ""
            } else if mine.iter().any(|c| c.error.is_some()) {
                "error"
            } else if mine.iter().all(|c| c.passed) {
                "pass"
            } else {
                "fail"
            };
            h.push_str(&format!("<td class=\"{class}\">"));
            for c in mine {
                let verdict = match (&c.error, c.passed) {
                    (Some(_), _) => "error",
                    (None, true) => "pass",
                    (None, false) => "fail",
                };
                h.push_str(&format!(
                    "<details><summary>{verdict}{} · {} ms</summary>",
                    c.score.map(|s| format!(" · {s:.1}/5")).unwrap_or_default(),
                    c.ms
                ));
                if let Some(e) = &c.error {
                    h.push_str(&format!("<p>{}</p>", esc(e)));
                }
                h.push_str(&format!("<pre>{}</pre><ul>", esc(&c.answer)));
                for r in &c.checks {
                    h.push_str(&format!(
                        "<li>{} {}: {}</li>",
                        if r.passed { "✓" } else { "✗" },
                        esc(&r.kind),
                        esc(&r.reason)
                    ));
                }
                h.push_str("</ul></details>");
            }
            h.push_str("</td>");
        }
        h.push_str("</tr>");
    }
    h.push_str("</table></body></html>\n");
    h
}
