//! What the web view is sent: conversations with each message rendered by the engine, and the
//! model list with prices and context lengths.

use std::time::Duration;

use roundtable_engine::markdown::render;
use std::collections::HashMap;

use roundtable_engine::chat::Role;
use roundtable_engine::store::{
    AnswerFigures, Conversation, ConversationKind, ConversationSummary, MessageStatus, SearchHit,
    StoredPart,
};
use serde::Serialize;
use ts_rs::TS;

use crate::state::Ready;

/// A conversation in the sidebar's list.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "ConversationSummary")]
pub struct ListedView {
    pub id: i64,
    pub title: String,
    pub kind: ConversationKind,
    /// How many messages it holds (all branches).
    pub messages: i64,
    /// Unix ms.
    pub created_at: i64,
    /// Unix ms of the last change (pinning is not one).
    pub updated_at: i64,
    /// Pinned to the top of the list (the list comes pinned first).
    pub pinned: bool,
}

impl From<ConversationSummary> for ListedView {
    fn from(c: ConversationSummary) -> Self {
        ListedView {
            id: c.id,
            title: c.title,
            kind: c.kind,
            messages: c.messages,
            created_at: c.created_at,
            updated_at: c.updated_at,
            pinned: c.pinned,
        }
    }
}

/// A search result.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(rename = "SearchHit")]
pub struct HitView {
    pub conversation_id: i64,
    pub title: String,
    pub message_id: i64,
    pub role: Role,
    /// The matching text around the match, each matched term between U+0002 (start) and U+0003
    /// (end); brackets in it are the message's own.
    pub snippet: String,
    /// Unix ms.
    pub created_at: i64,
}

impl From<SearchHit> for HitView {
    fn from(h: SearchHit) -> Self {
        HitView {
            conversation_id: h.conversation_id,
            title: h.title,
            message_id: h.message_id,
            role: h.role,
            snippet: h.snippet,
            created_at: h.created_at,
        }
    }
}

/// A conversation for the web view.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct StoredView {
    pub id: i64,
    pub title: String,
    pub kind: ConversationKind,
    pub system: Option<String>,
    pub messages: Vec<MessageView>,
    /// A compare's columns as picked (`@route`, a fallback chain), in column order, for its
    /// follow-ups; empty for a chat and for a compare stored before they were kept.
    pub column_targets: Vec<Vec<String>>,
    /// The conversation's system prompt and parameters (a compare's shared ones).
    pub settings: roundtable_engine::session::ChatSettings,
    /// A compare's columns' own settings, in column order (`None`: the conversation's).
    pub column_settings: Vec<Option<roundtable_engine::session::ChatSettings>>,
}

/// A message: its text (for copy and edit) and its HTML (from the Markdown renderer).
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MessageView {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub role: Role,
    pub text: String,
    pub html: String,
    pub reasoning_html: String,
    pub model: Option<String>,
    pub status: MessageStatus,
    pub error: Option<String>,
    pub created_at: i64,
    /// An answer's tokens, cost and fallbacks, from the ledger.
    pub figures: Option<AnswerFigures>,
    /// The compare column, in a compare.
    pub column: Option<i64>,
    /// Its images and files (and, later, tool calls), before its text.
    pub parts: Vec<StoredPart>,
}

/// Renders every message, each answer with its figures; a compare with its columns as picked.
pub fn stored(
    c: Conversation,
    mut figures: HashMap<i64, AnswerFigures>,
    column_targets: Vec<Vec<String>>,
    column_settings: Vec<Option<roundtable_engine::session::ChatSettings>>,
) -> StoredView {
    StoredView {
        column_targets,
        column_settings,
        settings: c.settings.clone(),
        id: c.id,
        title: c.title,
        kind: c.kind,
        system: c.system,
        messages: c
            .messages
            .into_iter()
            .map(|m| MessageView {
                id: m.id,
                parent_id: m.parent_id,
                html: render(&m.text),
                reasoning_html: if m.reasoning.is_empty() {
                    String::new()
                } else {
                    render(&m.reasoning)
                },
                role: m.role,
                text: m.text,
                model: m.model,
                status: m.status,
                error: m.error,
                created_at: m.created_at,
                figures: figures.remove(&m.id),
                column: m.column,
                parts: m.parts,
            })
            .collect(),
    }
}

/// One entry of the model picker.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ModelView {
    /// `provider/model` or `@route`.
    pub id: String,
    pub provider: String,
    pub context_length: Option<u64>,
    /// Dollars per million tokens, when known.
    pub input_per_m: Option<f64>,
    pub output_per_m: Option<f64>,
}

/// Every enabled provider's models (providers that answer within `limit`), then the routes.
pub async fn models(ready: &Ready, limit: Duration) -> Vec<ModelView> {
    let engine = ready.router.engine();
    let lists = engine.reachable_models(limit).await;
    let mut out = Vec::new();
    for (provider, list) in lists {
        for m in list {
            let (price, _) = ready.prices.price(&m.id);
            out.push(ModelView {
                context_length: m.context_length,
                input_per_m: price.map(|p| p.input as f64 / 1e6),
                output_per_m: price.map(|p| p.output as f64 / 1e6),
                id: m.id,
                provider: provider.clone(),
            });
        }
    }
    for name in engine.config().routes.keys() {
        out.push(ModelView {
            id: format!("@{name}"),
            provider: "routes".into(),
            context_length: None,
            input_per_m: None,
            output_per_m: None,
        });
    }
    out
}

/// A provider in settings: where it is, and whether a key is there — as a masked hint only.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ProviderView {
    pub id: String,
    pub kind: String,
    pub base_url: String,
    pub enabled: bool,
    pub needs_key: bool,
    pub key: Option<KeyView>,
    /// Why the keychain could not be read, if it could not.
    pub keychain_error: Option<String>,
}

/// A key as the web view may see it: never the key, only its last four characters.
#[derive(Debug, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyView {
    /// Where the key is kept.
    pub source: KeySource,
    pub hint: String,
    /// The origin a keychain key is bound to.
    pub origin: Option<String>,
}

/// Where a key in force is kept.
#[derive(Debug, Clone, Copy, Serialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum KeySource {
    /// The OS keychain (set from settings or `roundtable keys set`).
    Keychain,
    /// A `ROUNDTABLE_KEY_<ID>` variable of this process.
    Environment,
}

/// Every provider with its key's hint.
pub fn providers(ready: &Ready) -> Vec<ProviderView> {
    use roundtable_engine::keys::{EnvKeys, KeyLookup};
    ready
        .router
        .engine()
        .registry()
        .all()
        .map(|p| {
            let (key, keychain_error) = match ready.vault.load(&p.id) {
                Ok(Some(k)) => (
                    Some(KeyView {
                        source: KeySource::Keychain,
                        hint: k.secret.hint(),
                        origin: Some(k.origin),
                    }),
                    None,
                ),
                Ok(None) => (None, None),
                Err(e) => (None, Some(e.to_string())),
            };
            let key = key.or_else(|| {
                EnvKeys.lookup(&p.id).ok().flatten().map(|k| KeyView {
                    source: KeySource::Environment,
                    hint: k.secret.hint(),
                    origin: None,
                })
            });
            ProviderView {
                id: p.id.clone(),
                kind: p.kind.as_str().to_string(),
                base_url: p.base_url.to_string(),
                enabled: p.enabled,
                needs_key: p.needs_key,
                key,
                keychain_error,
            }
        })
        .collect()
}
