//! `roundtable models`: every usable provider's models, asked live and in parallel.
//!
//! Cloud presets with no key are skipped (and named once); a local server that is not running is
//! a note, not a failure, unless it was the one provider asked for.

use std::sync::Arc;

use futures_util::future::join_all;
use roundtable_engine::providers::Provider;
use roundtable_engine::{Engine, ModelInfo};
use serde_json::json;

use crate::args::ModelsArgs;
use crate::failure::Failure;
use crate::output::Out;

/// Runs `models`.
pub async fn run(engine: &Engine, args: ModelsArgs, out: &mut Out) -> Result<(), Failure> {
    if let Some(id) = &args.provider {
        let models = engine.list_models(id).await?;
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
    for result in results {
        match result {
            Ok(models) => print(out, &models)?,
            Err(e) => eprintln!("roundtable: skipped {e}"),
        }
    }
    if !skipped.is_empty() {
        eprintln!("roundtable: skipped (no key set): {}", skipped.join(", "));
    }
    Ok(())
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
