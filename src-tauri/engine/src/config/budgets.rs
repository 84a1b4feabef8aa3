//! `[[budgets]]`: spend limits by scope (everything, a provider, a model, a route, a gateway
//! client) over a window (day, week, month in the person's time zone). The old
//! `[budget] monthly_usd` is read as one more rule (`all`, `month`, alert at 80%).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What a rule counts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, TS)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Scope {
    /// Every request.
    All,
    /// One provider's requests (`provider:openai`).
    Provider(String),
    /// One model's (`model:openai/gpt-4o`).
    Model(String),
    /// One route's (`route:smart`).
    Route(String),
    /// One gateway client's (`client:NAME`).
    Client(String),
}

impl Scope {
    /// Parses `all`, `provider:ID`, `model:PROVIDER/MODEL`, `route:NAME` or `client:NAME`.
    pub fn parse(s: &str) -> Result<Scope, String> {
        let s = s.trim();
        if s == "all" {
            return Ok(Scope::All);
        }
        let bad = || {
            format!(
                "`{s}` is not a scope (all, provider:ID, model:PROVIDER/MODEL, route:NAME or client:NAME)"
            )
        };
        let (kind, name) = s.split_once(':').ok_or_else(bad)?;
        let name = name.trim();
        if name.is_empty() {
            return Err(bad());
        }
        let name = name.to_string();
        match kind.trim() {
            "provider" if !name.contains('/') => Ok(Scope::Provider(name)),
            "model"
                if name
                    .split_once('/')
                    .is_some_and(|(p, m)| !p.is_empty() && !m.is_empty()) =>
            {
                Ok(Scope::Model(name))
            }
            "route" => Ok(Scope::Route(name.trim_start_matches('@').to_string())),
            "client" => Ok(Scope::Client(name)),
            _ => Err(bad()),
        }
    }

    /// As written in the config.
    pub fn as_config(&self) -> String {
        match self {
            Scope::All => "all".into(),
            Scope::Provider(n) => format!("provider:{n}"),
            Scope::Model(n) => format!("model:{n}"),
            Scope::Route(n) => format!("route:{n}"),
            Scope::Client(n) => format!("client:{n}"),
        }
    }
}

/// The period a rule's spend is counted over, in the person's time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum Window {
    /// From local midnight.
    Day,
    /// From Monday's local midnight.
    Week,
    /// From the 1st's local midnight.
    Month,
}

impl Window {
    /// `day`, `week`, `month`.
    pub fn as_str(self) -> &'static str {
        match self {
            Window::Day => "day",
            Window::Week => "week",
            Window::Month => "month",
        }
    }
}

/// One `[[budgets]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BudgetRuleConfig {
    pub scope: String,
    pub window: Window,
    pub limit_usd: f64,
    /// The share of the limit at which a warning is given once per window (default 80).
    pub alert_percent: Option<f64>,
}

/// The alert share when a rule gives none.
pub const DEFAULT_ALERT_PERCENT: f64 = 80.0;

/// A checked rule.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BudgetRule {
    pub scope: Scope,
    pub window: Window,
    /// The limit, micro-dollars.
    #[ts(type = "number")]
    pub limit_micros: i64,
    pub alert_percent: f64,
    /// Read from `[budget] monthly_usd` rather than `[[budgets]]`.
    pub legacy: bool,
}

impl BudgetRule {
    /// How errors and banners name it: `provider:openai per day ($2.50)`.
    pub fn label(&self) -> String {
        format!(
            "{} per {} (${})",
            self.scope.as_config(),
            self.window.as_str(),
            crate::money::usd_short(self.limit_micros)
        )
    }

    /// A stable identity for "alerted once in this window".
    pub fn key(&self) -> String {
        format!(
            "{}|{}|{}",
            self.scope.as_config(),
            self.window.as_str(),
            self.limit_micros
        )
    }
}

impl BudgetRuleConfig {
    /// The rule, or (field, why).
    pub fn check(&self) -> Result<BudgetRule, (&'static str, String)> {
        let scope = Scope::parse(&self.scope).map_err(|e| ("scope", e))?;
        if !self.limit_usd.is_finite() || self.limit_usd < 0.0 {
            return Err((
                "limit_usd",
                format!("{} is not a limit (USD, 0 or more)", self.limit_usd),
            ));
        }
        let alert = self.alert_percent.unwrap_or(DEFAULT_ALERT_PERCENT);
        if !(alert.is_finite() && alert > 0.0 && alert <= 100.0) {
            return Err((
                "alert_percent",
                format!("{alert} is not a share (above 0, at most 100)"),
            ));
        }
        Ok(BudgetRule {
            scope,
            window: self.window,
            limit_micros: crate::pricing::micros(self.limit_usd),
            alert_percent: alert,
            legacy: false,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_parse_and_print_back() {
        for s in [
            "all",
            "provider:openai",
            "model:openai/gpt-4o",
            "route:smart",
            "client:ci",
        ] {
            assert_eq!(Scope::parse(s).unwrap().as_config(), s);
        }
        assert_eq!(
            Scope::parse("route:@smart").unwrap(),
            Scope::Route("smart".into())
        );
        for bad in [
            "",
            "everything",
            "provider:",
            "provider:a/b",
            "model:gpt",
            "model:/x",
            "team:x",
        ] {
            assert!(Scope::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_and_alerts_are_checked() {
        let rule = |limit: f64, alert: Option<f64>| BudgetRuleConfig {
            scope: "all".into(),
            window: Window::Day,
            limit_usd: limit,
            alert_percent: alert,
        };
        let r = rule(2.5, None).check().unwrap();
        assert_eq!((r.limit_micros, r.alert_percent), (2_500_000, 80.0));
        assert_eq!(r.label(), "all per day ($2.50)");
        assert_eq!(rule(-1.0, None).check().unwrap_err().0, "limit_usd");
        assert_eq!(rule(f64::NAN, None).check().unwrap_err().0, "limit_usd");
        assert_eq!(rule(1.0, Some(0.0)).check().unwrap_err().0, "alert_percent");
        assert_eq!(
            rule(1.0, Some(101.0)).check().unwrap_err().0,
            "alert_percent"
        );
        assert!(
            rule(0.0, Some(100.0)).check().is_ok(),
            "a zero limit blocks all"
        );
    }
}
