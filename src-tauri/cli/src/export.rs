//! `roundtable history export ID --format md|json`: a conversation as Markdown (its latest
//! branch, readable) or JSON (every message and branch, with ids and parents).

use roundtable_engine::store::{Conversation, Store};

use crate::failure::Failure;
use crate::output::Out;

/// Export formats.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    /// Markdown: the latest branch as a transcript.
    Md,
    /// JSON: the whole tree.
    Json,
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
        Format::Md => markdown(&c),
        Format::Json => {
            serde_json::to_string_pretty(&c)
                .map_err(|e| Failure::Input(format!("could not write JSON: {e}")))?
                + "\n"
        }
    };
    match file {
        Some(path) => std::fs::write(path, text)
            .map_err(|e| Failure::Input(format!("could not write {}: {e}", path.display()))),
        None => out.raw(&text),
    }
}

/// The latest branch as Markdown.
pub fn markdown(c: &Conversation) -> String {
    let mut md = format!("# {}\n\n", c.title);
    if let Some(system) = &c.system {
        md.push_str(&format!(
            "> **System:** {}\n\n",
            system.replace('\n', "\n> ")
        ));
    }
    let mut path = Vec::new();
    let mut at = c.latest_leaf().map(|m| m.id);
    while let Some(id) = at {
        let Some(m) = c.messages.iter().find(|m| m.id == id) else {
            break;
        };
        path.push(m);
        at = m.parent_id;
    }
    for m in path.into_iter().rev() {
        let who = match (m.role.as_str(), &m.model) {
            ("assistant", Some(model)) => format!("Assistant ({model})"),
            ("assistant", None) => "Assistant".into(),
            ("user", _) => "You".into(),
            (other, _) => other.to_string(),
        };
        let status = if m.status == "complete" {
            String::new()
        } else {
            format!(" — *{}*", m.status)
        };
        md.push_str(&format!("## {who}{status}\n\n{}\n\n", m.text.trim_end()));
        if let Some(e) = &m.error {
            md.push_str(&format!("> Error: {e}\n\n"));
        }
    }
    let branches = c.messages.len();
    md.push_str(&format!(
        "---\n*Exported from Roundtable: conversation {}, {branches} messages in all branches.*\n",
        c.id
    ));
    md
}
