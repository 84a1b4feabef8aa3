//! The cost before you send: a turn (or each compare column) as it would be sent — the
//! conversation's history, the draft, the settings in force — estimated without storing
//! anything. The app asks as the person types; `roundtable chat --estimate` prints it.

use serde::Serialize;
use ts_rs::TS;

use super::compare::{column_name, columns, spending_of, CompareSpec};
use super::settings::ChatSettings;
use super::turn::{attached, resolve, spending, user_message, TurnSpec};
use crate::chat::Message;
use crate::error::{Error, Result};
use crate::estimate::{estimate, Estimate};
use crate::pricing::PriceBook;
use crate::router::{Plan, Router};
use crate::store::{BudgetClock, RuleStatus, Spending, Store};

/// What sending would cost, per target (or column), and the spend limits it falls under.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Preview {
    /// One per column (a chat has one).
    pub columns: Vec<Estimate>,
    /// The spend limits the request falls under, as they stand.
    pub rules: Vec<RuleStatus>,
    /// The tightest rule the worst case (every column's input and max answer) would cross.
    pub crosses: Option<String>,
}

/// The preview of a chat turn (its first target: what is tried first).
pub fn turn(
    router: &Router,
    store: &Store,
    prices: &PriceBook,
    spec: &TurnSpec,
) -> Result<Preview> {
    let (plan, stored, settings) = resolve(router, store, spec)?;
    let mut messages: Vec<Message> = match (&stored, spec.regenerate) {
        (Some(c), Some(user)) => c.turns_to(user),
        (Some(c), None) => {
            let parent = match spec.edit_of {
                Some(edited) => c
                    .messages
                    .iter()
                    .find(|m| m.id == edited)
                    .and_then(|m| m.parent_id),
                None => spec.parent.or(c.latest_leaf().map(|m| m.id)),
            };
            parent.map(|p| c.turns_to(p)).unwrap_or_default()
        }
        (None, _) => Vec::new(),
    };
    if spec.regenerate.is_none() {
        let files = attached(store, spec.attachments.as_deref().unwrap_or_default())?;
        messages.push(user_message(&files, &spec.prompt));
    }
    let est = one(router, store, prices, &plan, &settings, messages)?;
    finish(router, store, vec![est], &spending(&plan, None))
}

/// The preview of a compare: one estimate per column, with its own settings.
pub fn compare(
    router: &Router,
    store: &Store,
    prices: &PriceBook,
    spec: &CompareSpec,
) -> Result<Preview> {
    let stored = match spec.conversation {
        Some(id) => Some((store.conversation(id)?, store.column_settings(id)?)),
        None => None,
    };
    let set = columns(
        router,
        spec,
        stored.as_ref().map(|(c, o)| (c, o.as_slice())),
    )?;
    let files = attached(store, &spec.attachments)?;
    let mut estimates = Vec::with_capacity(set.plans.len());
    for (i, (plan, s)) in set.plans.iter().zip(&set.settings).enumerate() {
        let mut messages = match (&stored, spec.columns[i].after) {
            (Some((conv, _)), Some(after)) => conv.turns_to(after),
            _ => Vec::new(),
        };
        messages.push(user_message(&files, &spec.prompt));
        let at = |e: Error| Error::InvalidRequest(format!("column {}: {e}", column_name(i)));
        estimates.push(one(router, store, prices, plan, s, messages).map_err(at)?);
    }
    let spends = spending_of(&set.plans);
    finish(router, store, estimates, &spends)
}

fn one(
    router: &Router,
    store: &Store,
    prices: &PriceBook,
    plan: &Plan,
    settings: &ChatSettings,
    messages: Vec<Message>,
) -> Result<Estimate> {
    let target = plan
        .targets
        .first()
        .ok_or_else(|| Error::InvalidRequest("no model to send to".into()))?;
    estimate(
        router.engine(),
        store,
        prices,
        target,
        &settings.request(messages),
    )
}

fn finish(
    router: &Router,
    store: &Store,
    columns: Vec<Estimate>,
    spending: &Spending,
) -> Result<Preview> {
    let rules = store.applicable(router.engine().config(), spending, &BudgetClock::system())?;
    let worst: i64 = columns
        .iter()
        .map(|e| e.input_micros.unwrap_or(0) + e.max_answer_micros.unwrap_or(0))
        .sum();
    let crosses = rules
        .iter()
        .filter(|r| r.spent_micros + worst > r.rule.limit_micros)
        .min_by_key(|r| r.left_micros())
        .map(|r| r.label.clone());
    Ok(Preview {
        columns,
        rules,
        crosses,
    })
}
