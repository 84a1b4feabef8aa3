//! `roundtable models`: every usable provider's models, asked live and in parallel.
//!
//! Cloud presets with no key are skipped (and named once); a local server that is not running is
//! a note, not a failure, unless it was the one provider asked for.

use std::sync::Arc;

use futures_util::future::join_all;
use roundtable_engine::config::Provider;
use std::path::Path;

use roundtable_engine::store::Store;
use roundtable_engine::{Engine, ModelInfo};
use serde_json::json;

use crate::args::ModelsArgs;
use crate::failure::Failure;
use crate::output::Out;

/// Runs `models`. Listing OpenRouter saves its catalog's prices for the ledger.
pub async fn run(
    engine: &Engine,
    data_dir: &Path,
    args: ModelsArgs,
    out: &mut Out,
) -> Result<(), Failure> {
    if let Some(id) = &args.provider {
        let models = engine.list_models(id).await?;
        save_prices(data_dir, id, &models);
        return print(out, &models);
    }
    let mut skipped = Vec::new();
    let mut asked: Vec<Arc<Provider>> = Vec::new();
    for p in engine.registry().all().filter(|p| p.enabled) {
        let has_key = engine.has_key(&p.id);
        if p.needs_key && !has_key {
            skipped.push(p.id.clone());
        } else {
            asked.push(p.clone());
        }
    }
    let results = join_all(asked.iter().map(|p| engine.list_models(&p.id))).await;
    for (p, result) in asked.iter().zip(results) {
        match result {
            Ok(models) => {
                save_prices(data_dir, &p.id, &models);
                print(out, &models)?
            }
            Err(e) => crate::output::note(&format!("skipped {e}")),
        }
    }
    if !skipped.is_empty() {
        eprintln!("roundtable: skipped (no key set): {}", skipped.join(", "));
    }
    Ok(())
}

/// OpenRouter's prices go into the store; a failure to save them is said, not fatal.
fn save_prices(data_dir: &Path, provider: &str, models: &[ModelInfo]) {
    if provider != "openrouter" || models.iter().all(|m| m.pricing.is_none()) {
        return;
    }
    if let Err(e) = Store::open(data_dir).and_then(|s| s.save_catalog(models)) {
        crate::output::note(&format!("could not save OpenRouter's prices: {e}"));
    }
}

fn print(out: &mut Out, models: &[ModelInfo]) -> Result<(), Failure> {
    for m in models {
        if out.is_json() {
            out.event(&json!({
                "id": m.id,
                "provider": m.id.split('/').next(),
                "name": m.name,
                "context_length": m.context_length,
                "pricing": m.pricing,
            }))?;
        } else {
            let ctx = m
                .context_length
                .map(|c| format!("ctx {c}"))
                .unwrap_or_default();
            let price = m
                .pricing
                .map(|p| format!("${:.2}/${:.2} per Mtok", p.input, p.output))
                .unwrap_or_default();
            out.text(&format!("{:<48} {:<12} {}\n", m.id, ctx, price).replace("  \n", "\n"))?;
        }
    }
    Ok(())
}
