//! `roundtable keys`: save, list, remove and test API keys. Keys go into the OS keychain only;
//! they are read from stdin (hidden at a terminal), never from the command line, and never printed
//! beyond their last four characters.

use std::io::{IsTerminal, Read};

use roundtable_engine::keys::vault::{self, Vault};
use roundtable_engine::keys::{EnvKeys, KeyLookup, KeySource};
use roundtable_engine::{Engine, Error, ErrorClass};
use serde_json::json;

use crate::args::KeysCommand;
use crate::failure::Failure;
use crate::output::Out;

/// Runs a `keys` command.
pub async fn run(
    engine: &Engine,
    vault: &Vault,
    command: KeysCommand,
    out: &mut Out,
) -> Result<(), Failure> {
    match command {
        KeysCommand::Set { provider } => set(engine, vault, &provider, out),
        KeysCommand::List { .. } => list(engine, vault, out),
        KeysCommand::Rm { provider } => rm(engine, vault, &provider, out),
        KeysCommand::Test { provider } => test(engine, &provider, out).await,
    }
}

/// A configured provider by id; a reserved name or an unknown id is refused.
fn provider<'a>(
    engine: &'a Engine,
    id: &str,
) -> Result<&'a roundtable_engine::config::Provider, Failure> {
    if vault::is_reserved(id) {
        return Err(Failure::Input(format!(
            "`{id}` is reserved by Roundtable (it is not a provider); its keys cannot be set or removed here"
        )));
    }
    engine
        .registry()
        .get(id)
        .map(|p| p.as_ref())
        .ok_or_else(|| {
            Failure::Engine(Error::UnknownProvider {
                given: id.into(),
                model: id.into(),
                known: engine.registry().ids(),
            })
        })
}

fn set(engine: &Engine, vault: &Vault, id: &str, out: &mut Out) -> Result<(), Failure> {
    let provider = provider(engine, id)?;
    let key = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("Key for {id} (input hidden): "))
            .map_err(|e| Failure::Input(format!("could not read the key: {e}")))?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::Input(format!("could not read the key from stdin: {e}")))?;
        text
    };
    let saved = vault.save(provider, &key).map_err(keychain_failure)?;
    out.raw(&format!(
        "saved the key for {id} ({}) in the keychain, bound to {}\n",
        saved.secret.hint(),
        saved.origin
    ))?;
    warn_if_clear(id, &saved.origin);
    Ok(())
}

/// Warns when a key goes to its provider over unencrypted HTTP off this machine.
fn warn_if_clear(id: &str, origin: &str) {
    if vault::sent_in_clear(origin) {
        crate::output::note(&format!(
            "warning: the key for {id} is sent over plain http to {origin}, readable on the network; use https, or a loopback address"
        ));
    }
}

fn list(engine: &Engine, vault: &Vault, out: &mut Out) -> Result<(), Failure> {
    let mut note = None;
    let mut found = 0;
    for p in engine.registry().all() {
        let keychain = match vault.load(&p.id) {
            Ok(k) => k,
            Err(e) => {
                note.get_or_insert_with(|| e.to_string());
                None
            }
        };
        let (source, hint, origin, var) = match (keychain, EnvKeys.lookup(&p.id).ok().flatten()) {
            (Some(k), _) => ("keychain", k.secret.hint(), Some(k.origin), None),
            (None, Some(k)) => {
                let var = match &k.source {
                    KeySource::Env(v) => Some(v.clone()),
                    _ => None,
                };
                ("env", k.secret.hint(), None, var)
            }
            (None, None) => continue,
        };
        found += 1;
        // A key from the environment goes wherever its provider points now.
        let goes_to = origin.clone().unwrap_or_else(|| vault::origin_of(p));
        warn_if_clear(&p.id, &goes_to);
        if out.is_json() {
            out.event(&json!({"provider": p.id, "source": source, "last4": hint.trim_start_matches('…'), "origin": origin, "env_var": var}))?;
        } else {
            let place = origin.or(var.map(|v| format!("${v}"))).unwrap_or_default();
            out.raw(&format!(
                "{:<14} {:<9} {:<8} {}\n",
                p.id, source, hint, place
            ))?;
        }
    }
    if let Some(note) = note {
        crate::output::note(&format!("keychain not read: {note}"));
    }
    if found == 0 && !out.is_json() {
        eprintln!("roundtable: no keys found; add one with `roundtable keys set PROVIDER`");
    }
    Ok(())
}

fn rm(engine: &Engine, vault: &Vault, id: &str, out: &mut Out) -> Result<(), Failure> {
    provider(engine, id)?;
    let removed = vault.remove(id).map_err(keychain_failure)?;
    let what = if removed {
        format!("removed the key for {id} from the keychain")
    } else {
        format!("there was no key for {id} in the keychain")
    };
    out.raw(&format!("{what}\n"))?;
    if let Ok(Some(k)) = EnvKeys.lookup(id) {
        if let KeySource::Env(var) = k.source {
            eprintln!("roundtable: note: ${var} is still set in this environment");
        }
    }
    Ok(())
}

async fn test(engine: &Engine, id: &str, out: &mut Out) -> Result<(), Failure> {
    provider(engine, id)?;
    match engine.list_models(id).await {
        Ok(models) => out.raw(&format!("accepted: {id} listed {} models\n", models.len())),
        Err(Error::Provider(e)) => {
            let verdict = match e.class {
                ErrorClass::Auth => "rejected",
                ErrorClass::Network | ErrorClass::Timeout => "unreachable",
                _ => "failed",
            };
            out.raw(&format!("{verdict}: {}\n", e.message))?;
            Err(Failure::Engine(Error::Provider(e)))
        }
        Err(other) => Err(other.into()),
    }
}

fn keychain_failure(e: Error) -> Failure {
    match e {
        Error::InvalidRequest(m) => Failure::Input(m),
        other => Failure::Engine(other),
    }
}
