//! `roundtable history`: list, show (every branch), search, rename and delete conversations.

use roundtable_engine::store::{Conversation, MessageStatus, SearchHit, Store};

use crate::args::{HistoryCommand, ImportFrom};
use crate::failure::Failure;
use crate::output::Out;

/// Runs a `history` command.
pub fn run(store: &Store, command: HistoryCommand, out: &mut Out) -> Result<(), Failure> {
    match command {
        HistoryCommand::List { limit, .. } => {
            for c in store.list_conversations(limit, 0)? {
                if out.is_json() {
                    out.event(&serde_json::to_value(&c).unwrap_or_default())?;
                } else {
                    out.raw(&format!(
                        "{:>6}  {}  {:<7} {:>4} msgs  {}\n",
                        c.id,
                        day(c.updated_at),
                        c.kind,
                        c.messages,
                        c.title
                    ))?;
                }
            }
            Ok(())
        }
        HistoryCommand::Show { id, .. } => {
            let c = store.conversation(id)?;
            if out.is_json() {
                out.event(&serde_json::to_value(&c).unwrap_or_default())
            } else {
                show(&c, out)
            }
        }
        HistoryCommand::Search {
            query,
            ranked,
            limit,
            ..
        } => {
            let hits = store.search(&query.join(" "), ranked, limit)?;
            for h in hits {
                // Matches read as `[term]` here, as they always have; the app highlights the
                // engine's own markers instead.
                let h = SearchHit {
                    snippet: h.bracketed(),
                    ..h
                };
                if out.is_json() {
                    out.event(&serde_json::to_value(&h).unwrap_or_default())?;
                } else {
                    out.raw(&format!(
                        "{:>6}#{:<6} {}  {:<9} {} — {}\n",
                        h.conversation_id,
                        h.message_id,
                        day(h.created_at),
                        h.role,
                        h.title,
                        h.snippet
                    ))?;
                }
            }
            Ok(())
        }
        HistoryCommand::Rename { id, title } => {
            store.rename_conversation(id, &title.join(" "))?;
            out.raw(&format!("renamed conversation {id}\n"))
        }
        HistoryCommand::Rm { id } => {
            store.delete_conversation(id)?;
            out.raw(&format!("deleted conversation {id}\n"))
        }
        HistoryCommand::Export {
            id,
            format,
            output,
            embed,
        } => crate::export::run(store, id, format, output.as_deref(), embed, out),
        HistoryCommand::Import {
            from: ImportFrom::Chatgpt,
            file,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::Input(format!("could not read {}: {e}", file.display())))?;
            // The unpacked export's images and files sit beside conversations.json.
            let folder = file.parent().map(|p| {
                if p.as_os_str().is_empty() {
                    std::path::Path::new(".")
                } else {
                    p
                }
            });
            let r = store.import_chatgpt_from(&text, folder)?;
            out.raw(&format!(
                "imported {} conversations ({} messages) from {}; {} already imported; skipped {} unreadable conversations and {} messages; {} images and files attached, {} not found in the export folder\n",
                r.conversations, r.messages, file.display(), r.already_imported, r.skipped_conversations, r.skipped_messages, r.attachments, r.skipped_attachments
            ))
        }
    }
}

fn show(c: &Conversation, out: &mut Out) -> Result<(), Failure> {
    out.raw(&format!(
        "# {} (conversation {}, {})\n",
        c.title, c.id, c.kind
    ))?;
    if let Some(system) = &c.system {
        out.raw(&format!("system: {system}\n"))?;
    }
    for m in &c.messages {
        let siblings = c
            .messages
            .iter()
            .filter(|s| s.parent_id == m.parent_id && s.role == m.role)
            .count();
        let mut head = format!("\n[{}] {}", m.id, m.role);
        if let Some(model) = &m.model {
            head.push_str(&format!(" · {model}"));
        }
        if let Some(col) = m.column {
            head.push_str(&format!(" · column {col}"));
        }
        if siblings > 1 {
            head.push_str(&format!(
                " · branch of {}",
                m.parent_id.map_or("the start".into(), |p| format!("[{p}]"))
            ));
        }
        if m.status != MessageStatus::Complete {
            head.push_str(&format!(" · {}", m.status));
        }
        out.raw(&format!("{head}\n"))?;
        for p in &m.parts {
            if let Some(meta) = p.meta() {
                out.raw(&format!("[attached: {}]\n", meta.label()))?;
            }
        }
        out.raw(&format!("{}\n", m.text))?;
        if let Some(e) = &m.error {
            out.raw(&format!("(error: {e})\n"))?;
        }
    }
    Ok(())
}

pub use roundtable_engine::dates::day;
