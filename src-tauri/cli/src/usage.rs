//! `roundtable usage`: spend and tokens from the ledger, by day, model or provider, as a table,
//! JSON lines (`cost_usd`) or CSV.

use roundtable_engine::dates;
use roundtable_engine::reports::dashboard::usage_csv;
use roundtable_engine::store::{Store, UsageBy};
use serde_json::json;

use crate::args::{By, UsageArgs};
use crate::failure::Failure;
use crate::output::Out;

/// Runs `usage`.
pub fn run(store: &Store, args: UsageArgs, out: &mut Out) -> Result<(), Failure> {
    // Checked as dates (naming the flag); compared as YYYY-MM-DD days (inclusive).
    let since = args.since.as_deref();
    let until = args.until.as_deref();
    for (flag, day) in [("--since", since), ("--until", until)] {
        if let Some(d) = day {
            dates::day_start(flag, d)?;
        }
    }
    if let (Some(a), Some(b)) = (since, until) {
        if a > b {
            return Err(Failure::Input(
                "--since must be on or before --until".into(),
            ));
        }
    }
    let by = match args.by {
        By::Day => UsageBy::Day,
        By::Model => UsageBy::Model,
        By::Provider => UsageBy::Provider,
        By::Client => UsageBy::Client,
    };
    let rows = store.usage(since, until, by)?;
    let total: i64 = rows.iter().map(|r| r.cost_micros).sum();
    if args.csv {
        return out.raw(&usage_csv(&rows));
    }
    for r in &rows {
        if out.is_json() {
            out.event(&json!({
                "key": r.key,
                "requests": r.requests,
                "errors": r.errors,
                "input_tokens": r.input_tokens,
                "output_tokens": r.output_tokens,
                "cache_read_tokens": r.cache_read_tokens,
                "cache_write_tokens": r.cache_write_tokens,
                "reasoning_tokens": r.reasoning_tokens,
                "cost_micros": r.cost_micros,
                "cost_usd": r.cost_micros as f64 / 1e6,
                "estimated": r.estimated,
            }))?;
        } else {
            out.raw(&format!(
                "{:<40} {:>6} req {:>10} in {:>10} out   ${}\n",
                r.key,
                r.requests,
                r.input_tokens,
                r.output_tokens,
                usd(r.cost_micros)
            ))?;
        }
    }
    if !out.is_json() {
        out.raw(&format!("{:<40} total ${}\n", "", usd(total)))?;
    }
    Ok(())
}

/// Micro-dollars as dollars with six decimals, exactly (the dashboard prints the same).
pub use roundtable_engine::reports::dashboard::usd;
