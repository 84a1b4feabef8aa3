//! The usage dashboard: for a range of days (UTC, inclusive), spend per day by provider, a table
//! per model (spend, tokens, requests, error rate, p50/p95 time to first token, answers that came
//! after a failed attempt), spend per gateway client, and the spend limits — all from the ledger's
//! rollups, with the same queries as `roundtable usage`, so the figures are the CLI's.

use std::collections::BTreeMap;

use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use crate::config::Config;
use crate::error::{Error, Result};
use crate::store::{Store, UsageBy, UsageRow};

/// Spend on one day for one provider.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DaySpend {
    /// `YYYY-MM-DD`.
    pub day: String,
    pub provider: String,
    pub cost_micros: i64,
}

/// One row of a usage table (per model, provider or client): the `usage` totals, and for models
/// the first-token percentiles and the answers after a failure.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UsageLine {
    #[serde(flatten)]
    pub usage: UsageRow,
    /// Time to first token, ms (to 10 ms under 1 s, 100 ms under 10 s).
    pub ttft_p50: Option<i64>,
    pub ttft_p95: Option<i64>,
    /// Answers that came after a failed attempt (a retry or a fallover).
    pub after_failure: i64,
}

/// Everything the dashboard shows for a range.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Dashboard {
    pub since: String,
    pub until: String,
    pub total_micros: i64,
    pub days: Vec<DaySpend>,
    pub models: Vec<UsageLine>,
    pub providers: Vec<UsageLine>,
    pub clients: Vec<UsageLine>,
    /// Every spend limit's spend in its current window (whatever the range), with a forecast
    /// to the window's end at the pace so far.
    pub budgets: Vec<crate::store::RuleStatus>,
}

pub use crate::dates::day_start;

/// The dashboard for the days `since..=until`.
pub fn dashboard(store: &Store, config: &Config, since: &str, until: &str) -> Result<Dashboard> {
    day_start("from", since)?;
    day_start("to", until)?;
    if since > until {
        return Err(Error::InvalidRequest(format!(
            "the range starts ({since}) after it ends ({until})"
        )));
    }
    let latency = store.latency(since, until)?;
    let line = |usage: UsageRow, with_latency: bool| {
        let l = with_latency.then(|| latency.get(&usage.key)).flatten();
        UsageLine {
            ttft_p50: l.and_then(|l| l.percentile(0.5)),
            ttft_p95: l.and_then(|l| l.percentile(0.95)),
            after_failure: l.map_or(0, |l| l.late),
            usage,
        }
    };
    let models: Vec<UsageLine> = store
        .usage(Some(since), Some(until), UsageBy::Model)?
        .into_iter()
        .map(|r| line(r, true))
        .collect();
    let providers = store
        .usage(Some(since), Some(until), UsageBy::Provider)?
        .into_iter()
        .map(|r| line(r, false))
        .collect();
    let clients = store
        .usage(Some(since), Some(until), UsageBy::Client)?
        .into_iter()
        .map(|r| line(r, false))
        .collect();
    let budgets =
        store.budget_statuses(&config.budget_rules(), &crate::store::BudgetClock::system())?;
    Ok(Dashboard {
        since: since.into(),
        until: until.into(),
        total_micros: models.iter().map(|m| m.usage.cost_micros).sum(),
        days: store.spend_by_day_and_provider(since, until)?,
        models,
        providers,
        clients,
        budgets,
    })
}

/// A model's first-token times as a histogram.
#[derive(Debug, Default)]
pub(crate) struct Latency {
    /// (bucket's lower edge in ms, count), ascending.
    buckets: Vec<(i64, i64)>,
    /// Answers after a failed attempt.
    pub(crate) late: i64,
}

impl Latency {
    pub(crate) fn percentile(&self, p: f64) -> Option<i64> {
        let total: i64 = self.buckets.iter().map(|b| b.1).sum();
        if total <= 0 {
            return None;
        }
        let rank = ((total as f64) * p).ceil().max(1.0) as i64;
        let mut seen = 0;
        for &(edge, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return Some(edge);
            }
        }
        self.buckets.last().map(|b| b.0)
    }
}

impl Store {
    /// Spend per day and provider for the days `since..=until`.
    pub fn spend_by_day_and_provider(&self, since: &str, until: &str) -> Result<Vec<DaySpend>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT day, provider, SUM(cost_micros) FROM ledger_daily
                 WHERE day >= ?1 AND day <= ?2 AND requests > 0 GROUP BY day, provider ORDER BY day, provider",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since, until], |r| {
                Ok(DaySpend {
                    day: r.get(0)?,
                    provider: r.get(1)?,
                    cost_micros: r.get(2)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// First-token histograms per model for the days `since..=until`.
    pub(crate) fn latency(&self, since: &str, until: &str) -> Result<BTreeMap<String, Latency>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT model, bucket, SUM(n), SUM(late) FROM ledger_latency
                 WHERE day >= ?1 AND day <= ?2 GROUP BY model, bucket ORDER BY model, bucket",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since, until], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(|e| self.err(e))?;
        let mut out: BTreeMap<String, Latency> = BTreeMap::new();
        for row in rows {
            let (model, bucket, n, late) = row.map_err(|e| self.err(e))?;
            let l = out.entry(model).or_default();
            if n > 0 {
                l.buckets.push((bucket, n));
            }
            l.late += late;
        }
        Ok(out)
    }
}

/// The dashboard's model table as CSV (what `usage --by model --csv` writes, with the latency and
/// fallback columns added).
pub fn to_csv(d: &Dashboard) -> String {
    let mut out = String::from(
        "model,requests,errors,input_tokens,output_tokens,cache_read_tokens,reasoning_tokens,cost_usd,estimated,ttft_p50_ms,ttft_p95_ms,after_failure\n",
    );
    let opt = |v: Option<i64>| v.map_or(String::new(), |v| v.to_string());
    for line in &d.models {
        let m = &line.usage;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&m.key),
            m.requests,
            m.errors,
            m.input_tokens,
            m.output_tokens,
            m.cache_read_tokens,
            m.reasoning_tokens,
            usd(m.cost_micros),
            m.estimated,
            opt(line.ttft_p50),
            opt(line.ttft_p95),
            line.after_failure
        ));
    }
    out
}

/// The rows of `roundtable usage --csv`: one line per key (day, model, provider or client).
pub fn usage_csv(rows: &[crate::store::UsageRow]) -> String {
    let mut out = String::from("key,requests,errors,input_tokens,output_tokens,cache_read_tokens,cache_write_tokens,reasoning_tokens,cost_usd,estimated\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{}\n",
            csv_field(&r.key),
            r.requests,
            r.errors,
            r.input_tokens,
            r.output_tokens,
            r.cache_read_tokens,
            r.cache_write_tokens,
            r.reasoning_tokens,
            usd(r.cost_micros),
            r.estimated
        ));
    }
    out
}

/// A CSV field: quoted (with quotes doubled) when it holds a comma, a quote or a line break.
pub fn csv_field(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\"")).into()
    } else {
        text.into()
    }
}

pub use crate::money::usd;
