//! The monthly budget: spend so far this calendar month (UTC) from the ledger against
//! `[budget] monthly_usd`; a warning from 80%, a refusal at 100% unless the request says to go over.

use rusqlite::params;

use super::Store;
use crate::config::Config;
use crate::error::Result;

/// Where spend stands against the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// No budget is set.
    Unset,
    /// Under 80%.
    Fine {
        /// Spent this month, micro-dollars.
        spent: i64,
        /// The cap, micro-dollars.
        cap: i64,
    },
    /// 80% or more: say so.
    Warning {
        /// Spent this month, micro-dollars.
        spent: i64,
        /// The cap, micro-dollars.
        cap: i64,
    },
    /// 100% or more: refuse unless told to go over.
    Exceeded {
        /// Spent this month, micro-dollars.
        spent: i64,
        /// The cap, micro-dollars.
        cap: i64,
    },
}

/// The share of the budget from which a warning is given.
pub const WARN_AT: f64 = 0.8;

/// Unix ms of the first instant of `now_ms`'s month (UTC).
pub fn month_start(now_ms: i64) -> i64 {
    let Ok(now) = time::OffsetDateTime::from_unix_timestamp(now_ms / 1000) else {
        return 0;
    };
    time::Date::from_calendar_date(now.year(), now.month(), 1)
        .map_or(0, |d| d.midnight().assume_utc().unix_timestamp() * 1000)
}

impl Store {
    /// This calendar month's spend (UTC), in micro-dollars.
    pub fn month_spent(&self) -> Result<i64> {
        self.spent_since(month_start(super::now_ms()))
    }

    /// The spend since `since` (unix ms), in micro-dollars.
    pub fn spent_since(&self, since: i64) -> Result<i64> {
        self.conn()
            .query_row(
                "SELECT COALESCE(SUM(cost_micros), 0) FROM ledger WHERE started_at >= ?1",
                params![since],
                |r| r.get(0),
            )
            .map_err(|e| self.err(e))
    }

    /// Where this month's spend stands against the config's budget.
    pub fn budget(&self, config: &Config, now_ms: i64) -> Result<Budget> {
        let Some(b) = &config.budget else {
            return Ok(Budget::Unset);
        };
        let cap = crate::pricing::micros(b.monthly_usd);
        let spent = self.spent_since(month_start(now_ms))?;
        Ok(if cap <= 0 || spent >= cap {
            Budget::Exceeded { spent, cap }
        } else if spent as f64 >= cap as f64 * WARN_AT {
            Budget::Warning { spent, cap }
        } else {
            Budget::Fine { spent, cap }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{LedgerOutcome, LedgerRow};
    use std::path::Path;

    #[test]
    fn month_boundaries_and_thresholds() {
        // 2026-11-24T06:00:00Z → 2026-11-01T00:00:00Z.
        assert_eq!(month_start(1_795_499_200_000), 1_793_491_200_000);
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let config = Config::parse("[budget]\nmonthly_usd = 1.0\n", Path::new("c.toml")).unwrap();
        let now = super::super::now_ms();
        assert_eq!(
            store.budget(&Config::default(), now).unwrap(),
            Budget::Unset
        );
        let spend = |micros: i64, at: i64| {
            store
                .record_attempt(&LedgerRow {
                    request_id: "r".into(),
                    provider: "p".into(),
                    model_requested: "p/m".into(),
                    attempt: 1,
                    outcome: LedgerOutcome::Ok,
                    started_at: at,
                    cost_micros: micros,
                    ..Default::default()
                })
                .unwrap();
        };
        spend(700_000, now);
        spend(5_000_000, month_start(now) - 1); // last month: not counted
        assert_eq!(
            store.budget(&config, now).unwrap(),
            Budget::Fine {
                spent: 700_000,
                cap: 1_000_000
            }
        );
        spend(100_000, now);
        assert_eq!(
            store.budget(&config, now).unwrap(),
            Budget::Warning {
                spent: 800_000,
                cap: 1_000_000
            }
        );
        spend(200_000, now);
        assert_eq!(
            store.budget(&config, now).unwrap(),
            Budget::Exceeded {
                spent: 1_000_000,
                cap: 1_000_000
            }
        );
    }
}
