//! The spend ledger: one row per attempt with the provider's own usage, the cost in integer
//! micro-dollars at the price in force then (stored with the row), and usage totals by day,
//! model or provider.

use rusqlite::params;
use serde::Serialize;

use super::{LedgerOutcome, Store};
use crate::error::Result;
use crate::pricing::{Price, PriceSource};

/// What one stored answer cost, from the ledger: the answering attempt's usage, with the cost of
/// the attempts that failed before it added in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct AnswerFigures {
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub reasoning_tokens: i64,
    /// The whole request's cost, failed attempts included, micro-dollars.
    pub cost_micros: i64,
    pub ttft_ms: Option<i64>,
    pub duration_ms: Option<i64>,
    /// Counted by us because the provider sent no usage (an interrupted answer, say).
    pub estimated: bool,
    /// The targets that failed before this one answered, in order.
    pub fell_over: Vec<String>,
    /// Prompt tokens the provider counted for images and documents, when it said.
    pub image_tokens: i64,
    /// What was changed to send the request (a PDF that went as its text), if anything.
    pub note: Option<String>,
}

/// One attempt, as recorded.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LedgerRow {
    /// Groups the attempts of one request.
    pub request_id: String,
    /// The conversation, when the request was part of one.
    pub conversation_id: Option<i64>,
    /// The answer message, for the attempt that answered.
    pub message_id: Option<i64>,
    /// The provider id.
    pub provider: String,
    /// `provider/model` as requested.
    pub model_requested: String,
    /// `provider/model` that answered.
    pub model_answered: Option<String>,
    /// The route, when the request named one.
    pub route: Option<String>,
    /// 1-based attempt number within the request.
    pub attempt: i64,
    /// `ok`, `failed`, `streaming`, `interrupted`, `cancelled`, `error`.
    pub outcome: LedgerOutcome,
    /// The error class of a failure.
    pub error_class: Option<String>,
    /// The HTTP status of a failure.
    pub http_status: Option<i64>,
    /// Unix ms.
    pub started_at: i64,
    /// Time to first token.
    pub ttft_ms: Option<i64>,
    /// Time to the end.
    pub duration_ms: Option<i64>,
    /// Tokens (normalised: input includes cache parts, output includes reasoning).
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cache reads.
    pub cache_read_tokens: i64,
    /// Cache writes.
    pub cache_write_tokens: i64,
    /// Reasoning tokens.
    pub reasoning_tokens: i64,
    /// Cost in micro-dollars.
    pub cost_micros: i64,
    /// The price used.
    pub price: Option<Price>,
    /// Where the price came from.
    pub price_source: Option<PriceSource>,
    /// True when the figures are estimated (a stream that ended before its usage arrived).
    pub estimated: bool,
    /// The client (the gateway's `X-Title`), if any.
    pub client: Option<String>,
    /// Prompt tokens counted for images and documents, when the provider said.
    pub image_tokens: i64,
    /// What was changed to send the request (a PDF that went as its text).
    pub note: Option<String>,
    /// The characters of the prompt sent (system and messages), for the token estimate.
    pub prompt_chars: i64,
}

fn usage_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<UsageRow> {
    Ok(UsageRow {
        key: r.get(0)?,
        requests: r.get(1)?,
        errors: r.get(2)?,
        input_tokens: r.get(3)?,
        output_tokens: r.get(4)?,
        cache_read_tokens: r.get(5)?,
        cache_write_tokens: r.get(6)?,
        reasoning_tokens: r.get(7)?,
        cost_micros: r.get(8)?,
        estimated: r.get(9)?,
    })
}

/// How usage is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsageBy {
    /// Calendar day (UTC).
    Day,
    /// `provider/model` that answered (else requested).
    Model,
    /// Provider id.
    Provider,
    /// The gateway's client (`X-Title`…); the app's and the CLI's own requests are `(local)`.
    Client,
}

/// Totals for one group.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct UsageRow {
    /// The day (`YYYY-MM-DD`), model or provider.
    pub key: String,
    /// Attempts.
    pub requests: i64,
    /// Failed attempts.
    pub errors: i64,
    /// Input tokens.
    pub input_tokens: i64,
    /// Output tokens.
    pub output_tokens: i64,
    /// Cache reads.
    pub cache_read_tokens: i64,
    /// Cache writes.
    pub cache_write_tokens: i64,
    /// Reasoning tokens.
    pub reasoning_tokens: i64,
    /// Cost in micro-dollars.
    pub cost_micros: i64,
    /// Rows whose figures are estimated.
    pub estimated: i64,
}

impl Store {
    /// Each answer's figures in a conversation, by message id: a tool loop's model calls (one
    /// row each) totalled, the failed attempts before it included in the cost.
    pub fn answer_figures(
        &self,
        conversation_id: i64,
    ) -> Result<std::collections::HashMap<i64, AnswerFigures>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare(
                "SELECT a.message_id, SUM(a.input_tokens), SUM(a.output_tokens), SUM(a.reasoning_tokens),
                        SUM(a.cost_micros) + COALESCE((SELECT SUM(f.cost_micros) FROM ledger f
                                                  WHERE f.request_id = a.request_id AND f.message_id IS NULL), 0),
                        (SELECT t.ttft_ms FROM ledger t WHERE t.message_id = a.message_id ORDER BY t.id LIMIT 1),
                        SUM(a.duration_ms), MAX(a.estimated),
                        (SELECT GROUP_CONCAT(model_requested, char(10)) FROM
                           (SELECT f.model_requested FROM ledger f
                            WHERE f.request_id = a.request_id AND f.outcome = 'failed' ORDER BY f.attempt)),
                        SUM(a.image_tokens), MAX(a.note)
                 FROM ledger a
                 WHERE a.conversation_id = ?1 AND a.message_id IS NOT NULL
                 GROUP BY a.message_id",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([conversation_id], |r| {
                let failed: Option<String> = r.get(8)?;
                Ok((
                    r.get::<_, i64>(0)?,
                    AnswerFigures {
                        input_tokens: r.get(1)?,
                        output_tokens: r.get(2)?,
                        reasoning_tokens: r.get(3)?,
                        cost_micros: r.get(4)?,
                        ttft_ms: r.get(5)?,
                        duration_ms: r.get(6)?,
                        estimated: r.get::<_, i64>(7)? != 0,
                        fell_over: failed
                            .map(|f| f.split('\n').map(str::to_string).collect())
                            .unwrap_or_default(),
                        image_tokens: r.get(9)?,
                        note: r.get(10)?,
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// Records an attempt; returns its row id.
    pub fn record_attempt(&self, r: &LedgerRow) -> Result<i64> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO ledger (request_id, conversation_id, message_id, provider, model_requested, model_answered, route, attempt,
                outcome, error_class, http_status, started_at, ttft_ms, duration_ms, input_tokens, output_tokens, cache_read_tokens,
                cache_write_tokens, reasoning_tokens, cost_micros, price_input, price_output, price_cache_read, price_cache_write,
                price_source, estimated, client, image_tokens, note, prompt_chars)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30)",
            params![
                r.request_id,
                r.conversation_id,
                r.message_id,
                r.provider,
                r.model_requested,
                r.model_answered,
                r.route,
                r.attempt,
                r.outcome,
                r.error_class,
                r.http_status,
                r.started_at,
                r.ttft_ms,
                r.duration_ms,
                r.input_tokens,
                r.output_tokens,
                r.cache_read_tokens,
                r.cache_write_tokens,
                r.reasoning_tokens,
                r.cost_micros,
                r.price.map(|p| p.input),
                r.price.map(|p| p.output),
                r.price.map(|p| p.cache_read),
                r.price.map(|p| p.cache_write),
                r.price_source.map(|s| s.as_str()),
                r.estimated,
                r.client,
                r.image_tokens,
                r.note,
                r.prompt_chars,
            ],
        )
        .map_err(|e| self.err(e))?;
        Ok(conn.last_insert_rowid())
    }

    /// Rewrites an attempt's outcome, figures and cost (a streaming row as it goes and ends).
    pub fn update_attempt(&self, id: i64, r: &LedgerRow) -> Result<()> {
        self.conn()
            .execute(
                "UPDATE ledger SET message_id = ?1, model_answered = ?2, outcome = ?3, error_class = ?4, http_status = ?5, duration_ms = ?6,
                    input_tokens = ?7, output_tokens = ?8, cache_read_tokens = ?9, cache_write_tokens = ?10, reasoning_tokens = ?11,
                    cost_micros = ?12, price_input = ?13, price_output = ?14, price_cache_read = ?15, price_cache_write = ?16,
                    price_source = ?17, estimated = ?18, image_tokens = ?20
                 WHERE id = ?19",
                params![
                    r.message_id,
                    r.model_answered,
                    r.outcome,
                    r.error_class,
                    r.http_status,
                    r.duration_ms,
                    r.input_tokens,
                    r.output_tokens,
                    r.cache_read_tokens,
                    r.cache_write_tokens,
                    r.reasoning_tokens,
                    r.cost_micros,
                    r.price.map(|p| p.input),
                    r.price.map(|p| p.output),
                    r.price.map(|p| p.cache_read),
                    r.price.map(|p| p.cache_write),
                    r.price_source.map(|s| s.as_str()),
                    r.estimated,
                    id,
                    r.image_tokens
                ],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Usage totals for the days `since..=until` (`YYYY-MM-DD`, UTC; open ends when `None`),
    /// grouped; biggest spend first (days in order). Read from the daily rollup.
    pub fn usage(
        &self,
        since: Option<&str>,
        until: Option<&str>,
        by: UsageBy,
    ) -> Result<Vec<UsageRow>> {
        let sums = "SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens), SUM(cache_write_tokens),
                    SUM(reasoning_tokens), SUM(cost_micros) AS cost, SUM(estimated)";
        let (key, order) = match by {
            UsageBy::Day => ("day", "key"),
            UsageBy::Model => ("model", "cost DESC, key"),
            UsageBy::Provider => ("provider", "cost DESC, key"),
            UsageBy::Client => ("client", "cost DESC, key"),
        };
        let sql = format!(
            "SELECT {key} AS key, SUM(requests), SUM(errors), {sums}
             FROM ledger_daily WHERE day >= ?1 AND day <= ?2 AND requests > 0 GROUP BY key ORDER BY {order}"
        );
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&sql).map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(
                params![since.unwrap_or("0000-00-00"), until.unwrap_or("9999-99-99")],
                usage_row,
            )
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The dashboard's grid: totals per day and model for the days `since..=until`.
    pub fn usage_by_day_and_model(
        &self,
        since: &str,
        until: &str,
    ) -> Result<Vec<(String, UsageRow)>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare_cached(
                "SELECT model, SUM(requests), SUM(errors), SUM(input_tokens), SUM(output_tokens), SUM(cache_read_tokens),
                        SUM(cache_write_tokens), SUM(reasoning_tokens), SUM(cost_micros), SUM(estimated), day
                 FROM ledger_daily WHERE day >= ?1 AND day <= ?2 AND requests > 0 GROUP BY day, model ORDER BY day, model",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![since, until], |r| Ok((r.get(10)?, usage_row(r)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}
