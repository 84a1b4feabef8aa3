//! A plan: the targets a request may use and how to order them — a single target, a fallback
//! chain (`-m A -m B`), or a configured route (`@name`, fallback, balance or latency).

use super::health::Health;
use crate::client::{Engine, Target};
use crate::config::Strategy;
use crate::error::{Error, Result};

/// Targets and a strategy.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// How the order is chosen.
    pub strategy: Strategy,
    /// The targets, in their configured order.
    pub targets: Vec<Target>,
    /// Weights for `balance` (and `latency` without data), one per target.
    pub weights: Vec<u32>,
    /// The route's name, when the plan is one.
    pub route: Option<String>,
}

impl Plan {
    /// `provider/model` names and `@route`s, in order; several names make a fallback chain
    /// (routes among them contribute their targets in their configured order).
    pub fn resolve(engine: &Engine, names: &[String]) -> Result<Plan> {
        if names.is_empty() {
            return Err(Error::InvalidModel {
                given: String::new(),
                reason: "no model given; use -m provider/model".into(),
            });
        }
        for name in names {
            crate::client::check_model_name(name)?;
        }
        if let [only] = names {
            if let Some(name) = only.trim().strip_prefix('@') {
                return Plan::route(engine, name);
            }
        }
        let mut targets = Vec::new();
        for name in names {
            match name.trim().strip_prefix('@') {
                Some(route) => targets.extend(Plan::route(engine, route)?.targets),
                None => targets.push(engine.resolve(name)?),
            }
        }
        let weights = vec![1; targets.len()];
        Ok(Plan {
            strategy: Strategy::Fallback,
            targets,
            weights,
            route: None,
        })
    }

    fn route(engine: &Engine, name: &str) -> Result<Plan> {
        let routes = &engine.config().routes;
        let route = routes
            .get(name)
            .ok_or_else(|| Error::UnknownRoute {
                name: name.into(),
                known: routes.keys().cloned().collect(),
            })?
            .get_ref();
        let mut targets = Vec::new();
        for t in route.targets.get_ref() {
            if t.starts_with('@') {
                return Err(Error::InvalidModel {
                    given: t.clone(),
                    reason: format!(
                        "route `@{name}` names another route; list its targets instead"
                    ),
                });
            }
            targets.push(engine.resolve(t)?);
        }
        let weights = route
            .weights
            .as_ref()
            .map_or_else(|| vec![1; targets.len()], |w| w.get_ref().clone());
        Ok(Plan {
            strategy: route.strategy,
            targets,
            weights,
            route: Some(name.to_string()),
        })
    }

    /// The order to try the targets in for one request.
    pub(crate) fn order(&self, health: &Health, rng: &mut fastrand::Rng) -> Vec<Target> {
        match self.strategy {
            Strategy::Fallback => self.targets.clone(),
            Strategy::Balance => {
                let mut keyed = self.weighted_keys(rng);
                // Healthy targets first, each group in weighted-random order.
                keyed.sort_by(|a, b| {
                    health
                        .cooling(&a.1.to_string())
                        .cmp(&health.cooling(&b.1.to_string()))
                        .then(b.0.total_cmp(&a.0))
                });
                keyed.into_iter().map(|(_, t)| t).collect()
            }
            Strategy::Latency => {
                let mut keyed = self.weighted_keys(rng);
                // Targets with no data first (each is tried once), by weight; then the lowest
                // recent time to first token.
                keyed.sort_by(|a, b| {
                    let (la, lb) = (
                        health.ttft_ms(&a.1.to_string()),
                        health.ttft_ms(&b.1.to_string()),
                    );
                    health
                        .cooling(&a.1.to_string())
                        .cmp(&health.cooling(&b.1.to_string()))
                        .then(match (la, lb) {
                            (Some(x), Some(y)) => x.total_cmp(&y),
                            (Some(_), None) => std::cmp::Ordering::Greater,
                            (None, Some(_)) => std::cmp::Ordering::Less,
                            (None, None) => b.0.total_cmp(&a.0),
                        })
                });
                keyed.into_iter().map(|(_, t)| t).collect()
            }
        }
    }

    /// Efraimidis–Spirakis keys: sorting by `u^(1/w)` descending is a weighted random order.
    fn weighted_keys(&self, rng: &mut fastrand::Rng) -> Vec<(f64, Target)> {
        self.targets
            .iter()
            .zip(self.weights.iter().chain(std::iter::repeat(&1)))
            .map(|(t, w)| {
                let key = if *w == 0 {
                    -1.0
                } else {
                    rng.f64().powf(1.0 / f64::from(*w))
                };
                (key, t.clone())
            })
            .collect()
    }
}
