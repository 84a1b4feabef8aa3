//! `compare --set NAME`: a compare set from `config.toml` (`[compare_sets.NAME]`, the same sets
//! the app saves) as the compare's columns. The config checks the sets' shape; this only finds one.

use std::path::Path;

use roundtable_engine::config::{Config, CONFIG_FILE};

use crate::failure::Failure;

/// The columns of set `name`; an unknown set is bad input naming the sets there are.
pub fn columns(config: &Config, data_dir: &Path, name: &str) -> Result<Vec<String>, Failure> {
    if let Some(set) = config.compare_sets.get(name) {
        return Ok(set.get_ref().columns.get_ref().clone());
    }
    let file = config
        .path
        .clone()
        .unwrap_or_else(|| data_dir.join(CONFIG_FILE));
    let known: Vec<&str> = config.compare_sets.keys().map(String::as_str).collect();
    Err(Failure::Input(if known.is_empty() {
        format!(
            "there is no compare set `{name}`: {} has none; add one as [compare_sets.{name}] with columns = [\"provider/model\", \"@route\", …]",
            file.display()
        )
    } else {
        format!(
            "there is no compare set `{name}` in {}; the sets are: {}",
            file.display(),
            known.join(", ")
        )
    }))
}
