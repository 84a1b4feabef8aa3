//! Prices imported from OpenRouter's `/api/v1/models` catalog, kept between runs.

use rusqlite::params;

use super::{now_ms, Store};
use crate::error::Result;
use crate::models::{ModelInfo, Pricing};
use crate::pricing::micros;

impl Store {
    /// Saves the prices of every priced model in a list; returns how many.
    pub fn save_catalog(&self, models: &[ModelInfo]) -> Result<usize> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        let mut saved = 0;
        {
            let mut stmt = tx
                .prepare(
                    "INSERT INTO catalog_prices (model, input, output, cache_read, cache_write, fetched_at, input_modalities) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                     ON CONFLICT (model) DO UPDATE SET input = excluded.input, output = excluded.output, cache_read = excluded.cache_read,
                         cache_write = excluded.cache_write, fetched_at = excluded.fetched_at, input_modalities = excluded.input_modalities",
                )
                .map_err(|e| self.err(e))?;
            let now = now_ms();
            for m in models {
                if let Some(p) = m.pricing {
                    stmt.execute(params![
                        m.id,
                        micros(p.input),
                        micros(p.output),
                        p.cache_read.map(micros),
                        p.cache_write.map(micros),
                        now,
                        m.inputs.as_ref().map(|i| serde_json::json!(i).to_string())
                    ])
                    .map_err(|e| self.err(e))?;
                    saved += 1;
                }
            }
        }
        tx.commit().map_err(|e| self.err(e))?;
        Ok(saved)
    }

    /// What the saved catalog says each model reads (`provider/model` → input modalities).
    pub fn catalog_inputs(&self) -> Result<Vec<(String, Vec<String>)>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT model, input_modalities FROM catalog_prices WHERE input_modalities IS NOT NULL")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (model, json) = row.map_err(|e| self.err(e))?;
            if let Ok(list) = serde_json::from_str::<Vec<String>>(&json) {
                out.push((model, list));
            }
        }
        Ok(out)
    }

    /// The saved catalog prices, USD per million tokens.
    pub fn catalog(&self) -> Result<Vec<(String, Pricing)>> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT model, input, output, cache_read, cache_write FROM catalog_prices")
            .map_err(|e| self.err(e))?;
        let usd = |m: i64| m as f64 / 1e6;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    Pricing {
                        input: usd(r.get(1)?),
                        output: usd(r.get(2)?),
                        cache_read: r.get::<_, Option<i64>>(3)?.map(usd),
                        cache_write: r.get::<_, Option<i64>>(4)?.map(usd),
                    },
                ))
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }
}
