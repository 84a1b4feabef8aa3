//! `roundtable models`: every usable provider's models, asked live and in parallel, with the
//! local models on disk; and the local models' own commands — `pull` (with progress), `add`,
//! `rm`, `catalog`. The engine owns the folder, the catalog and the download; this renders.
//!
//! Cloud presets with no key are skipped (and named once); a local server that is not running is
//! a note, not a failure, unless it was the one provider asked for.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::future::join_all;
use roundtable_engine::config::Provider;
use roundtable_engine::local::catalog::CATALOG;
use roundtable_engine::local::library::{human_bytes, Library, LocalModel};
use roundtable_engine::local::pull::{self, Progress, Pulled};
use roundtable_engine::local::PROVIDER as LOCAL;
use roundtable_engine::store::Store;
use roundtable_engine::{Engine, ModelInfo};
use serde_json::{json, Value};

use crate::args::{ModelsArgs, ModelsCommand};
use crate::failure::Failure;
use crate::output::{self, Out};

/// Runs `models` and its subcommands.
pub async fn run(
    engine: &Engine,
    data_dir: &Path,
    args: ModelsArgs,
    out: &mut Out,
) -> Result<(), Failure> {
    let library = Library::new(
        engine
            .config()
            .models_dir()
            .unwrap_or_else(|| data_dir.join("models")),
    );
    if args.provider.is_some() && !matches!(args.command, None | Some(ModelsCommand::List { .. })) {
        return Err(Failure::Input(
            "--provider goes with the listing (`roundtable models list --provider ID`)".into(),
        ));
    }
    match args.command {
        None => list(engine, data_dir, &library, args.provider, out).await,
        Some(ModelsCommand::List { provider }) => {
            list(engine, data_dir, &library, provider.or(args.provider), out).await
        }
        Some(ModelsCommand::Pull { source }) => {
            pull(&library, &source, &engine.config().local.mirror, out).await
        }
        Some(ModelsCommand::Add { file, name }) => {
            let model = library.add(&file, name.as_deref())?;
            if out.is_json() {
                out.event(&with_type("added", local_json(&model)))
            } else {
                out.raw(&format!("added {}\n", local_line(&model)))
            }
        }
        Some(ModelsCommand::Rm { name }) => {
            library.remove(&name)?;
            if out.is_json() {
                out.event(&json!({"type": "removed", "name": name}))
            } else {
                out.raw(&format!("removed {name}\n"))
            }
        }
        Some(ModelsCommand::Catalog) => catalog(&library, out),
    }
}

/// The listing: the providers' models live, then the local models on disk. Listing OpenRouter
/// saves its catalog's prices for the ledger.
async fn list(
    engine: &Engine,
    data_dir: &Path,
    library: &Library,
    provider: Option<String>,
    out: &mut Out,
) -> Result<(), Failure> {
    if let Some(id) = &provider {
        if id == LOCAL {
            return print_local(out, &library.list()?);
        }
        let models = engine.list_models(id).await?;
        save_prices(data_dir, id, &models);
        return print(out, &models);
    }
    let mut skipped = Vec::new();
    let mut asked: Vec<Arc<Provider>> = Vec::new();
    // The local models are listed from the folder below, with their sizes.
    for p in engine
        .registry()
        .all()
        .filter(|p| p.enabled && p.id != LOCAL)
    {
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
            Err(e) => output::note(&format!("skipped {e}")),
        }
    }
    match library.list() {
        Ok(models) => print_local(out, &models)?,
        Err(e) => output::note(&format!("skipped the local models: {e}")),
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
        output::note(&format!("could not save OpenRouter's prices: {e}"));
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

fn print_local(out: &mut Out, models: &[LocalModel]) -> Result<(), Failure> {
    for m in models {
        if out.is_json() {
            out.event(&local_json(m))?;
        } else {
            let ctx = m
                .info
                .context_length
                .map(|c| format!("ctx {c}"))
                .unwrap_or_default();
            let line = format!(
                "{:<48} {:<12} {:>9}  {:<8} {}\n",
                format!("{LOCAL}/{}", m.name),
                ctx,
                human_bytes(m.size),
                m.info.quantization,
                m.info.architecture
            );
            out.raw(&line)?;
        }
    }
    Ok(())
}

/// A local model as a listing row (the same keys as a provider's, and what the file says).
fn local_json(m: &LocalModel) -> Value {
    json!({
        "id": format!("{LOCAL}/{}", m.name),
        "provider": LOCAL,
        "name": m.name,
        "context_length": m.info.context_length,
        "pricing": null,
        "size": m.size,
        "quantization": m.info.quantization,
        "architecture": m.info.architecture,
        "parameters": m.info.parameters,
        "path": m.path,
    })
}

fn local_line(m: &LocalModel) -> String {
    let ctx = m
        .info
        .context_length
        .map(|c| format!(", ctx {c}"))
        .unwrap_or_default();
    format!(
        "{LOCAL}/{} ({}, {}, {}{ctx})",
        m.name,
        human_bytes(m.size),
        m.info.quantization,
        m.info.architecture
    )
}

fn with_type(kind: &str, mut v: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        map.insert("type".into(), json!(kind));
    }
    v
}

fn catalog(library: &Library, out: &mut Out) -> Result<(), Failure> {
    for e in CATALOG {
        let installed = library.contains(e.name);
        if out.is_json() {
            let mut v = json!(e);
            v["installed"] = json!(installed);
            out.event(&v)?;
        } else {
            out.raw(&format!(
                "{:<16} {:>9}  {:<5} {:<7} ctx {:<7} {:<10} {} [{}]\n",
                e.name,
                human_bytes(e.size),
                e.parameters,
                e.quantization,
                e.context,
                if installed { "installed" } else { "" },
                e.notes,
                e.license
            ))?;
        }
    }
    Ok(())
}

/// `models pull`: the engine downloads; this shows progress (a bar on a terminal, lines
/// otherwise, events under `--json`). Ctrl-C stops it and keeps what was downloaded.
async fn pull(library: &Library, text: &str, mirror: &str, out: &mut Out) -> Result<(), Failure> {
    let source = pull::parse_source(text)?;
    let name = source.name();
    if library.contains(&name) {
        let model = library.get(&name)?;
        return if out.is_json() {
            let mut v = with_type("pulled", local_json(&model));
            v["already_installed"] = json!(true);
            out.event(&v)
        } else {
            out.raw(&format!("{} is already installed\n", local_line(&model)))
        };
    }
    let json = out.is_json();
    let mut meter = Meter::new(&name, json);
    let result = {
        let mut report = |p: Progress| {
            if let Some(event) = meter.update(p) {
                let _ = out.event(&event);
            }
        };
        let download = pull::pull(library, &source, mirror, &mut report);
        tokio::select! {
            r = download => Some(r),
            _ = tokio::signal::ctrl_c() => None,
        }
    };
    meter.end_line();
    let Some(pulled) = result else {
        output::note("stopped; what was downloaded is kept: run the same command again to resume");
        return Err(Failure::Interrupted);
    };
    let pulled = pulled?;
    finished(out, &pulled)
}

fn finished(out: &mut Out, p: &Pulled) -> Result<(), Failure> {
    if out.is_json() {
        let mut v = with_type("pulled", local_json(&p.model));
        v["sha256"] = json!(p.sha256);
        v["verified"] = json!(p.verified);
        v["resumed_from"] = json!(p.resumed_from);
        return out.event(&v);
    }
    let check = if p.verified {
        "SHA-256 verified"
    } else {
        "no published hash to check against; SHA-256"
    };
    out.raw(&format!(
        "pulled {} — {check} {}\n",
        local_line(&p.model),
        p.sha256
    ))
}

/// Renders download progress: throttled JSON events, a bar on a terminal's stderr, or a plain
/// line every tenth (or every 100 MB when the size is unknown).
struct Meter {
    name: String,
    json: bool,
    bar: bool,
    started: Instant,
    first: Option<u64>,
    last_draw: Option<Instant>,
    last_step: u64,
    drawn: bool,
}

impl Meter {
    fn new(name: &str, json: bool) -> Meter {
        Meter {
            name: name.into(),
            json,
            bar: !json && std::io::stderr().is_terminal(),
            started: Instant::now(),
            first: None,
            last_draw: None,
            last_step: 0,
            drawn: false,
        }
    }

    /// Draws `p` if it is time; returns a JSON event to print, if one is due.
    fn update(&mut self, p: Progress) -> Option<Value> {
        let first = *self.first.get_or_insert(p.done);
        let complete = p.total == Some(p.done);
        let due = self
            .last_draw
            .is_none_or(|t| t.elapsed() >= Duration::from_millis(200));
        if self.json {
            if !(due || complete) {
                return None;
            }
            self.last_draw = Some(Instant::now());
            return Some(
                json!({"type": "progress", "name": self.name, "done": p.done, "total": p.total}),
            );
        }
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let speed = (p.done - first) as f64 / secs;
        if self.bar {
            if due || complete {
                self.last_draw = Some(Instant::now());
                self.drawn = true;
                let line = bar_line(&self.name, p, speed);
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r{line}\x1b[K").and_then(|_| err.flush());
            }
            return None;
        }
        let step = match p.total {
            Some(t) if t > 0 => p.done.saturating_mul(10) / t,
            _ => p.done / 100_000_000,
        };
        if step > self.last_step || self.last_draw.is_none() {
            self.last_step = step;
            self.last_draw = Some(Instant::now());
            output::note(&format!("pulling {}: {}", self.name, amount(p, speed)));
        }
        None
    }

    /// Ends the bar's line so what follows starts on its own.
    fn end_line(&mut self) {
        if self.drawn {
            self.drawn = false;
            eprintln!();
        }
    }
}

fn amount(p: Progress, speed: f64) -> String {
    let mb = |n: u64| n as f64 / 1e6;
    let rate = format!("{:.1} MB/s", speed / 1e6);
    match p.total {
        Some(t) if t > 0 => format!(
            "{:>3}% {:.1}/{:.1} MB {rate}",
            p.done.saturating_mul(100) / t,
            mb(p.done),
            mb(t)
        ),
        _ => format!("{:.1} MB {rate}", mb(p.done)),
    }
}

fn bar_line(name: &str, p: Progress, speed: f64) -> String {
    const WIDTH: u64 = 30;
    let filled = match p.total {
        Some(t) if t > 0 => (p.done.min(t) * WIDTH / t) as usize,
        _ => 0,
    };
    format!(
        "{name} [{}{}] {}",
        "#".repeat(filled),
        "-".repeat(WIDTH as usize - filled),
        amount(p, speed)
    )
}
