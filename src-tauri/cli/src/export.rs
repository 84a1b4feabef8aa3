//! `roundtable history export ID --format md|json|html`: a conversation as Markdown (its latest
//! branch, readable), JSON (every message and branch, with ids and parents), or one standalone
//! HTML document (the latest branch rendered by the engine's Markdown renderer, inline CSS, no
//! script, and a Content-Security-Policy that forbids any script or fetch).

use roundtable_engine::store::Store;

use crate::failure::Failure;
use crate::output::Out;

/// Export formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Markdown: the latest branch as a transcript.
    Md,
    /// JSON: the whole tree.
    Json,
    /// HTML: one standalone page of the latest branch, with no script.
    Html,
}

/// Runs `history export`.
pub fn run(
    store: &Store,
    id: i64,
    format: Format,
    file: Option<&std::path::Path>,
    out: &mut Out,
) -> Result<(), Failure> {
    let c = store.conversation(id)?;
    let text = match format {
        Format::Md => c.to_markdown(),
        Format::Html => c.to_html(),
        Format::Json => {
            serde_json::to_string_pretty(&c)
                .map_err(|e| Failure::Input(format!("could not write JSON: {e}")))?
                + "\n"
        }
    };
    match file {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::Input(format!("could not write {}: {e}", path.display()))),
        None => out.file_text(&text),
    }
}
