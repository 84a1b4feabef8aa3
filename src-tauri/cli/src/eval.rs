//! `roundtable eval SUITE -m A -m B`: every case × target through the engine's runner, a
//! progress bar on a terminal, then a table per target (pass rate, mean judge score, p50
//! latency, cost). `--json` prints one line per cell as it ends and a summary line; `-o FILE`
//! writes every cell (CSV, a standalone HTML report, or JSON). `roundtable evals` lists, shows
//! and compares stored runs.
//!
//! Exit status: 0 when every cell passed, 3 when some failed a check or got no answer, 1 when a
//! spend limit stopped the run (what was done is kept; run again to resume; with `--json` the
//! summary line, last, says why), 130 on Ctrl-C.

use std::io::{IsTerminal, Write};
use std::path::Path;

use roundtable_engine::eval::{self, report, EvalEvent, RunSpec, Suite, TargetSummary};
use roundtable_engine::session::Session;
use roundtable_engine::store::{EvalRun, RunStatus, Store, StoredCell};
use serde_json::json;

use crate::args::{EvalArgs, EvalsCommand};
use crate::failure::Failure;
use crate::output::Out;

/// Runs `eval`.
pub async fn run(s: Session<'_>, args: EvalArgs, out: &mut Out) -> Result<(), Failure> {
    let suite = Suite::load(&args.suite)?;
    let mut targets = args.models.clone();
    if targets.is_empty() {
        let preset = args.preset.as_deref().or(suite.preset.as_deref());
        if let Some(name) = preset {
            targets.extend(s.router.engine().config().preset(name)?.model);
        }
    }
    if targets.is_empty() {
        targets.extend(s.router.engine().default_model());
    }
    let spec = RunSpec {
        suite,
        targets,
        preset: args.preset.clone(),
        repeat: args.repeat,
        concurrency: args.concurrency,
        fresh: args.fresh,
    };
    if args.dry_run {
        return dry_run(s, &spec, out);
    }
    if let Some(path) = &args.output {
        // A bad output path is found before anything is spent.
        check_writable(path)?;
    }
    let progress = !out.is_json() && std::io::stderr().is_terminal();
    let mut bar = Bar::default();
    let mut broken = None;
    let cancel = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let end = eval::run(s, spec.clone(), cancel, |event| {
        if broken.is_some() {
            return;
        }
        let shown = match event {
            EvalEvent::Started {
                run_id,
                total,
                skipped,
                resumed,
            } => {
                bar.total = total;
                bar.done = skipped;
                if resumed && skipped > 0 && !out.is_json() {
                    crate::output::note(&format!(
                        "resuming run {run_id}: {skipped} of {total} cells already done (--fresh starts again)"
                    ));
                }
                if out.is_json() {
                    out.event(&json!({"type": "run", "run": run_id, "total": total, "skipped": skipped}))
                } else {
                    Ok(())
                }
            }
            EvalEvent::Cell(cell) => {
                bar.done += 1;
                bar.failed += usize::from(!cell.passed);
                bar.cost += cell.cost_micros + cell.judge_micros;
                if out.is_json() {
                    out.event(&cell_json(&cell))
                } else {
                    Ok(())
                }
            }
        };
        if let Err(e) = shown {
            broken = Some(e);
        } else if progress {
            bar.draw();
        }
    })
    .await;
    if progress {
        eprint!("\r\x1b[2K");
    }
    let end = end?;
    if let Some(e) = broken {
        return Err(e);
    }
    let store = s.store;
    let run = store.eval_run(end.run_id)?;
    let cells = store.eval_cells(end.run_id)?;
    let summary = report::summarize(&run.targets, run.repeat, &cells);
    if out.is_json() {
        // The summary is the last line, a spend limit's stop included (it says why).
        let mut line = summary_json(&run, &summary);
        line["stopped"] = json!(end.stopped);
        out.event(&line)?;
    } else {
        print_table(out, &run, &spec.suite, &summary, &cells)?;
    }
    if let Some(path) = &args.output {
        write_report(path, &run, &spec.suite, &cells)?;
        if !out.is_json() {
            crate::output::note(&format!("every cell written to {}", path.display()));
        }
    }
    if end.status == RunStatus::Stopped {
        let why = end.stopped.unwrap_or_default();
        let line = format!(
            "run {} stopped after {} of {} cells: {why}; what was done is kept, and the same command resumes it",
            run.id,
            cells.iter().filter(|c| c.error.is_none()).count(),
            run.cells
        );
        return Err(if end.budget {
            Failure::Budget(line)
        } else {
            Failure::Interrupted
        });
    }
    let failed = cells.iter().filter(|c| !c.passed).count();
    if failed > 0 {
        return Err(Failure::Checks(format!(
            "run {}: {failed} of {} cells failed (see `roundtable evals show {} -o report.html`)",
            run.id,
            cells.len(),
            run.id
        )));
    }
    Ok(())
}

/// The progress line on stderr.
#[derive(Default)]
struct Bar {
    total: usize,
    done: usize,
    failed: usize,
    cost: i64,
}

impl Bar {
    fn draw(&self) {
        let width = 30;
        let filled = (self.done * width).checked_div(self.total).unwrap_or(width);
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r\x1b[2K[{}{}] {}/{} cells · {} failed · ${:.4}",
            "█".repeat(filled),
            " ".repeat(width - filled.min(width)),
            self.done,
            self.total,
            self.failed,
            self.cost as f64 / 1e6
        );
        let _ = err.flush();
    }
}

fn usd(micros: i64) -> f64 {
    micros as f64 / 1e6
}

fn cell_json(c: &StoredCell) -> serde_json::Value {
    json!({
        "type": "cell",
        "case": c.case,
        "target": c.target,
        "rep": c.rep,
        "passed": c.passed,
        "answer": c.answer,
        "checks": c.checks,
        "score": c.score,
        "error": c.error,
        "model": c.model,
        "cost_usd": usd(c.cost_micros),
        "judge_cost_usd": usd(c.judge_micros),
        "ms": c.ms,
    })
}

fn summary_json(run: &EvalRun, summary: &[TargetSummary]) -> serde_json::Value {
    json!({
        "type": "summary",
        "run": run.id,
        "status": run.status,
        "targets": summary.iter().map(|t| json!({
            "target": t.target,
            "passed": t.passed,
            "failed": t.failed,
            "errors": t.errors,
            "pass_rate": t.pass_rate,
            "pass_rate_sd": t.pass_rate_sd,
            "mean_score": t.mean_score,
            "score_sd": t.score_sd,
            "p50_ms": t.p50_ms,
            "cost_usd": usd(t.cost_micros),
            "judge_cost_usd": usd(t.judge_micros),
        })).collect::<Vec<_>>(),
    })
}

fn print_table(
    out: &mut Out,
    run: &EvalRun,
    suite: &Suite,
    summary: &[TargetSummary],
    cells: &[StoredCell],
) -> Result<(), Failure> {
    let width = summary
        .iter()
        .map(|t| t.target.chars().count())
        .max()
        .unwrap_or(6)
        .max(6);
    let mut text = format!(
        "{} · run {} · {}\n\n{:width$}  {:>16}  {:>10}  {:>9}  {:>10}\n",
        suite.name,
        run.id,
        report::shape(suite.cases.len(), run.targets.len(), run.repeat),
        "target",
        "pass rate",
        "mean score",
        "p50",
        "cost",
    );
    for t in summary {
        let mut rate = format!("{}/{} {:.0}%", t.passed, t.cells, t.pass_rate * 100.0);
        if let Some(sd) = t.pass_rate_sd {
            rate.push_str(&format!(" ±{:.0}", sd * 100.0));
        }
        let score = match (t.mean_score, t.score_sd) {
            (Some(m), Some(sd)) => format!("{m:.2} ±{sd:.2}"),
            (Some(m), None) => format!("{m:.2}"),
            _ => "—".into(),
        };
        let p50 = t.p50_ms.map_or("—".into(), |m| format!("{m} ms"));
        text.push_str(&format!(
            "{:width$}  {rate:>16}  {score:>10}  {p50:>9}  {:>10}\n",
            t.target,
            format!("${:.6}", usd(t.cost_micros + t.judge_micros)),
        ));
    }
    let failed: Vec<&StoredCell> = cells.iter().filter(|c| !c.passed).collect();
    if !failed.is_empty() {
        text.push_str("\nfailed cells:\n");
        for c in failed.iter().take(50) {
            let label = suite.cases.get(c.case).map_or("?", |k| k.label.as_str());
            let why = match &c.error {
                Some(e) => e.clone(),
                None => c
                    .checks
                    .iter()
                    .filter(|r| !r.passed)
                    .map(|r| format!("{}: {}", r.kind, r.reason))
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            text.push_str(&format!("  [{}] {label} · {} · {why}\n", c.case, c.target));
        }
        if failed.len() > 50 {
            text.push_str(&format!("  … and {} more\n", failed.len() - 50));
        }
    }
    out.raw(&text)
}

fn dry_run(s: Session<'_>, spec: &RunSpec, out: &mut Out) -> Result<(), Failure> {
    let estimates = eval::estimate_run(s, spec)?;
    if out.is_json() {
        for e in &estimates {
            out.event(&json!({
                "type": "estimate",
                "target": e.target,
                "requests": e.requests,
                "prompt_tokens": e.prompt_tokens,
                "input_usd": e.input_micros.map(usd),
                "max_answers_usd": e.max_answer_micros.map(usd),
            }))?;
        }
        return Ok(());
    }
    let mut text = format!(
        "{}: {} — nothing sent\n",
        spec.suite.name,
        report::shape(spec.suite.cases.len(), spec.targets.len(), spec.repeat)
    );
    for e in &estimates {
        let input = e
            .input_micros
            .map_or("price unknown".into(), |m| format!("${:.6}", usd(m)));
        let most = e.max_answer_micros.map_or(String::new(), |m| {
            format!(
                ", up to ${:.6} with every answer at its max tokens",
                usd(m + e.input_micros.unwrap_or(0))
            )
        });
        text.push_str(&format!(
            "  {}: {} requests, {} prompt tokens, {input}{most}\n",
            e.target, e.requests, e.prompt_tokens
        ));
    }
    text.push_str("  (judges are not included: their cost depends on the answers)\n");
    out.raw(&text)
}

/// Refuses an output path whose folder does not exist (before anything is spent).
fn check_writable(path: &Path) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        return Err(Failure::Input(format!(
            "-o {}: the folder {} does not exist",
            path.display(),
            dir.display()
        )));
    }
    Ok(())
}

/// Writes a run by the file's extension: CSV, HTML, else JSON.
fn write_report(
    path: &Path,
    run: &EvalRun,
    suite: &Suite,
    cells: &[StoredCell],
) -> Result<(), Failure> {
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    let text = report::render(ext, run, suite, cells);
    std::fs::write(path, text).map_err(|e| Failure::Input(format!("-o {}: {e}", path.display())))
}

/// `roundtable evals …`.
pub fn stored(store: &Store, command: EvalsCommand, out: &mut Out) -> Result<(), Failure> {
    match command {
        EvalsCommand::List { .. } => {
            let runs = store.eval_runs()?;
            if out.is_json() {
                for r in &runs {
                    out.event(&serde_json::to_value(r).unwrap_or_default())?;
                }
                return Ok(());
            }
            if runs.is_empty() {
                return out.raw("no evaluation runs yet: `roundtable eval SUITE -m MODEL`\n");
            }
            let mut text = String::new();
            for r in &runs {
                text.push_str(&format!(
                    "{:>4}  {}  {:<8} {}/{} passed  ${:.6}  {} · {}\n",
                    r.id,
                    roundtable_engine::dates::day(r.started_at),
                    match r.status {
                        RunStatus::Done => "done",
                        RunStatus::Stopped => "stopped",
                        RunStatus::Running => "unfinished",
                    },
                    r.passed,
                    r.cells,
                    usd(r.cost_micros),
                    r.suite_name,
                    r.targets.join(", ")
                ));
            }
            out.raw(&text)
        }
        EvalsCommand::Show { run, output, .. } => {
            let r = store.eval_run(run)?;
            let suite = store.eval_run_suite(run)?;
            let cells = store.eval_cells(run)?;
            let summary = report::summarize(&r.targets, r.repeat, &cells);
            if let Some(path) = &output {
                check_writable(path)?;
                write_report(path, &r, &suite, &cells)?;
            }
            if out.is_json() {
                for c in &cells {
                    out.event(&cell_json(c))?;
                }
                out.event(&summary_json(&r, &summary))
            } else {
                print_table(out, &r, &suite, &summary, &cells)
            }
        }
        EvalsCommand::Diff { a, b, .. } => {
            let (sa, sb) = (store.eval_run_suite(a)?, store.eval_run_suite(b)?);
            let (ca, cb) = (store.eval_cells(a)?, store.eval_cells(b)?);
            let d = eval::diff((&sa, &ca), (&sb, &cb));
            if out.is_json() {
                return out.event(&serde_json::to_value(&d).unwrap_or_default());
            }
            let mut text = format!(
                "run {a} → run {b}: {} cells compared, {} changed{}\n",
                d.compared,
                d.changes.len(),
                if d.same_suite {
                    ""
                } else {
                    " (the suites differ: cases matched by prompt)"
                }
            );
            let word = |v: Option<bool>| match v {
                Some(true) => "pass",
                Some(false) => "fail",
                None => "—",
            };
            for c in &d.changes {
                text.push_str(&format!(
                    "  [{}] {} · {}: {} → {}\n",
                    c.case,
                    c.label,
                    c.target,
                    word(c.before),
                    word(c.after)
                ));
            }
            out.raw(&text)
        }
    }
}
