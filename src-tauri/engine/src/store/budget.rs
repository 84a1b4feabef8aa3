//! Spend limits against the ledger: each rule's spend in its window (day, week or month, in the
//! person's time zone), whether a request falls under it, a warning once per window from its
//! alert share, and a refusal at its limit. The tightest rule that applies decides.
//!
//! The rule for a request's worst case: a request is refused when a rule that applies is
//! already at its limit. One that starts under the limit is sent and is never cut off mid-answer,
//! so it may cross the limit by its own cost; the cost shown before sending says when its worst
//! case (its max tokens at the output price) would cross, and the next request is refused.

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use rusqlite::params;
use serde::Serialize;
use ts_rs::TS;

use super::Store;
use crate::config::{BudgetRule, Config, Scope, Window};
use crate::error::{Error, Result};

/// The time and time zone budgets are counted in; tests move it, the app and CLI use
/// [`BudgetClock::system`].
#[derive(Debug, Clone)]
pub struct BudgetClock {
    /// Unix ms.
    pub now_ms: i64,
    pub tz: TimeZone,
}

impl BudgetClock {
    /// Now, in the system's time zone (`TZ`, else `/etc/localtime`; UTC if neither says).
    pub fn system() -> Self {
        BudgetClock {
            now_ms: super::now_ms(),
            tz: TimeZone::try_system().unwrap_or(TimeZone::UTC),
        }
    }

    /// The unix-ms start and end of the window that holds now.
    pub fn window(&self, window: Window) -> (i64, i64) {
        let Ok(ts) = Timestamp::from_millisecond(self.now_ms) else {
            return (0, i64::MAX);
        };
        let now = ts.to_zoned(self.tz.clone());
        let date = now.date();
        let (start, end) = match window {
            Window::Day => (date, date.checked_add(1.day())),
            Window::Week => {
                let back = i64::from(date.weekday().since(Weekday::Monday));
                let monday = date.checked_sub(back.days()).unwrap_or(date);
                (monday, monday.checked_add(1.week()))
            }
            Window::Month => {
                let first = date.first_of_month();
                (first, first.checked_add(1.month()))
            }
        };
        let at = |d: jiff::civil::Date| {
            d.to_zoned(self.tz.clone())
                .map(|z| z.timestamp().as_millisecond())
        };
        match (at(start), end.ok().map(at)) {
            (Ok(s), Some(Ok(e))) => (s, e),
            (Ok(s), _) => (s, i64::MAX),
            _ => (0, i64::MAX),
        }
    }
}

/// What a request would spend on: its possible targets (`provider/model`, every one of a
/// fallback chain), its route and its client.
#[derive(Debug, Clone, Default)]
pub struct Spending {
    pub targets: Vec<String>,
    pub routes: Vec<String>,
    pub client: Option<String>,
}

impl Spending {
    /// Whether `scope` counts this request.
    pub fn falls_under(&self, scope: &Scope) -> bool {
        match scope {
            Scope::All => true,
            Scope::Provider(p) => self
                .targets
                .iter()
                .any(|t| t.split('/').next() == Some(p.as_str())),
            Scope::Model(m) => self.targets.iter().any(|t| t == m),
            Scope::Route(r) => self.routes.iter().any(|x| x == r),
            Scope::Client(c) => self.client.as_deref() == Some(c.as_str()),
        }
    }
}

/// Where a rule stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum RuleState {
    /// Under its alert share.
    Fine,
    /// At or past its alert share.
    Alert,
    /// At or past its limit.
    Exceeded,
}

/// One rule's spend in its current window.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RuleStatus {
    pub rule: BudgetRule,
    /// `provider:openai per day ($2.50)`.
    pub label: String,
    #[ts(type = "number")]
    pub window_start: i64,
    #[ts(type = "number")]
    pub window_end: i64,
    #[ts(type = "number")]
    pub spent_micros: i64,
    /// Spent as a share of the limit, in percent (100 or more when exceeded; a zero limit is
    /// always exceeded).
    pub percent: f64,
    pub state: RuleState,
    /// The spend at the window's end at the pace so far.
    #[ts(type = "number")]
    pub forecast_micros: i64,
}

impl RuleStatus {
    /// What is left before the limit, micro-dollars (0 when spent).
    pub fn left_micros(&self) -> i64 {
        (self.rule.limit_micros - self.spent_micros).max(0)
    }

    /// The refusal this rule gives.
    pub fn refusal(&self) -> Error {
        Error::BudgetExceeded {
            rule: self.label.clone(),
            spent_micros: self.spent_micros,
            cap_micros: self.rule.limit_micros,
        }
    }
}

/// The rules that apply to one request.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BudgetCheck {
    /// Each rule that counts the request.
    pub rules: Vec<RuleStatus>,
    /// Those past their alert share whose warning is due (the first time in the window).
    pub alerts: Vec<RuleStatus>,
}

impl BudgetCheck {
    /// The tightest rule: exceeded first, then the highest share spent.
    pub fn tightest(&self) -> Option<&RuleStatus> {
        self.rules.iter().max_by(|a, b| {
            (a.state == RuleState::Exceeded, a.percent)
                .partial_cmp(&(b.state == RuleState::Exceeded, b.percent))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    }

    /// The rule that refuses the request, if one is at its limit.
    pub fn exceeded(&self) -> Option<&RuleStatus> {
        self.tightest().filter(|r| r.state == RuleState::Exceeded)
    }

    /// The least left under any rule that applies, micro-dollars (`None`: no rule).
    pub fn headroom_micros(&self) -> Option<i64> {
        self.rules.iter().map(RuleStatus::left_micros).min()
    }
}

impl Store {
    /// This calendar month's spend (in the computer's time zone, as the legacy monthly budget
    /// counts it), in micro-dollars.
    pub fn month_spent(&self) -> Result<i64> {
        let (start, end) = BudgetClock::system().window(Window::Month);
        self.scope_spent(&Scope::All, start, end)
    }

    /// The spend since `since` (unix ms), in micro-dollars.
    pub fn spent_since(&self, since: i64) -> Result<i64> {
        self.scope_spent(&Scope::All, since, i64::MAX)
    }

    /// The spend under `scope` in `[since, until)`, micro-dollars.
    pub fn scope_spent(&self, scope: &Scope, since: i64, until: i64) -> Result<i64> {
        let (column, value) = match scope {
            Scope::All => ("1", None),
            Scope::Provider(p) => ("provider", Some(p.as_str())),
            Scope::Model(m) => ("model_requested", Some(m.as_str())),
            Scope::Route(r) => ("route", Some(r.as_str())),
            Scope::Client(c) => ("client", Some(c.as_str())),
        };
        let sql = format!(
            "SELECT COALESCE(SUM(cost_micros), 0) FROM ledger
             WHERE started_at >= ?1 AND started_at < ?2 AND ({column} = ?3 OR ?3 IS NULL)"
        );
        self.conn()
            .query_row(&sql, params![since, until, value], |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// Every rule's status now (the dashboard and Settings → Budgets).
    pub fn budget_statuses(
        &self,
        rules: &[BudgetRule],
        clock: &BudgetClock,
    ) -> Result<Vec<RuleStatus>> {
        rules.iter().map(|r| self.rule_status(r, clock)).collect()
    }

    fn rule_status(&self, rule: &BudgetRule, clock: &BudgetClock) -> Result<RuleStatus> {
        let (start, end) = clock.window(rule.window);
        let spent = self.scope_spent(&rule.scope, start, end)?;
        let limit = rule.limit_micros;
        let percent = if limit <= 0 {
            f64::INFINITY
        } else {
            spent as f64 * 100.0 / limit as f64
        };
        let state = if limit <= 0 || spent >= limit {
            RuleState::Exceeded
        } else if percent >= rule.alert_percent {
            RuleState::Alert
        } else {
            RuleState::Fine
        };
        let elapsed = (clock.now_ms - start).max(1);
        let length = end.saturating_sub(start).max(1);
        let forecast = (spent as f64 * length as f64 / elapsed as f64).min(i64::MAX as f64) as i64;
        Ok(RuleStatus {
            label: rule.label(),
            rule: rule.clone(),
            window_start: start,
            window_end: end,
            spent_micros: spent,
            percent: if percent.is_finite() { percent } else { 100.0 },
            state,
            forecast_micros: forecast.max(spent),
        })
    }

    /// The rules of `config` that count `spending`, and the alerts now due (each rule's first
    /// in its window; remembered in the file, so a second process does not repeat it).
    pub fn check_spending(
        &self,
        config: &Config,
        spending: &Spending,
        clock: &BudgetClock,
    ) -> Result<BudgetCheck> {
        let mut check = BudgetCheck {
            rules: self.applicable(config, spending, clock)?,
            alerts: Vec::new(),
        };
        self.mark_alerts(&mut check, clock.now_ms)?;
        Ok(check)
    }

    /// Fills `check.alerts` with the rules past their alert share whose warning is due (the
    /// first time in their window), and remembers them as given. Called once a request will
    /// be sent, so a refused or failed one uses up no warning.
    pub fn mark_alerts(&self, check: &mut BudgetCheck, now: i64) -> Result<()> {
        check.alerts.clear();
        for status in &check.rules {
            if status.state != RuleState::Fine && self.first_alert(status, now)? {
                check.alerts.push(status.clone());
            }
        }
        Ok(())
    }

    /// The rules of `config` that count `spending`, as they stand (nothing recorded).
    pub fn applicable(
        &self,
        config: &Config,
        spending: &Spending,
        clock: &BudgetClock,
    ) -> Result<Vec<RuleStatus>> {
        config
            .budget_rules()
            .iter()
            .filter(|r| spending.falls_under(&r.scope))
            .map(|r| self.rule_status(r, clock))
            .collect()
    }

    /// Records the rule's alert for its window; true the first time.
    fn first_alert(&self, status: &RuleStatus, now: i64) -> Result<bool> {
        let n = self
            .conn()
            .execute(
                "INSERT OR IGNORE INTO budget_alerts (rule, window_start, alerted_at) VALUES (?1, ?2, ?3)",
                params![status.rule.key(), status.window_start, now],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{LedgerOutcome, LedgerRow};
    use std::path::Path;

    fn at(tz: &TimeZone, y: i16, mo: i8, d: i8, h: i8) -> i64 {
        jiff::civil::date(y, mo, d)
            .at(h, 0, 0, 0)
            .to_zoned(tz.clone())
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    #[test]
    fn windows_follow_the_local_calendar() {
        let tz = TimeZone::get("America/New_York").unwrap();
        // Wednesday 2026-11-25, 22:00 in New York (03:00 UTC on the 26th).
        let clock = BudgetClock {
            now_ms: at(&tz, 2026, 11, 25, 22),
            tz: tz.clone(),
        };
        assert_eq!(
            clock.window(Window::Day),
            (at(&tz, 2026, 11, 25, 0), at(&tz, 2026, 11, 26, 0))
        );
        assert_eq!(
            clock.window(Window::Week),
            (at(&tz, 2026, 11, 23, 0), at(&tz, 2026, 11, 30, 0))
        );
        assert_eq!(
            clock.window(Window::Month),
            (at(&tz, 2026, 11, 1, 0), at(&tz, 2026, 12, 1, 0))
        );
        // A day that has 25 hours (the end of daylight time) is still one window.
        let fall = BudgetClock {
            now_ms: at(&tz, 2026, 11, 1, 12),
            tz: tz.clone(),
        };
        let (s, e) = fall.window(Window::Day);
        assert_eq!(e - s, 25 * 3_600_000);
    }

    #[test]
    fn the_legacy_monthly_budget_is_one_rule() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let config = Config::parse("[budget]\nmonthly_usd = 1.0\n", Path::new("c.toml")).unwrap();
        let clock = BudgetClock {
            now_ms: super::super::now_ms(),
            tz: TimeZone::UTC,
        };
        store
            .record_attempt(&LedgerRow {
                request_id: "r".into(),
                provider: "p".into(),
                model_requested: "p/m".into(),
                attempt: 1,
                outcome: LedgerOutcome::Ok,
                started_at: clock.now_ms,
                cost_micros: 1_000_000,
                ..Default::default()
            })
            .unwrap();
        let check = store
            .check_spending(&config, &Spending::default(), &clock)
            .unwrap();
        let r = check.exceeded().unwrap();
        assert_eq!(r.label, "all per month ($1.00)");
        assert!(r.rule.legacy);
        assert!(r.refusal().to_string().contains("all per month ($1.00)"));
    }
}
