//! A compare turn for the app: one prompt to 2–8 columns, each a model, a route or a fallback
//! chain, each keeping its own thread. The first prompt is one user message that every column
//! answers (as `roundtable compare` stores it); a follow-up is a user message in each column,
//! after that column's last message, so each column's history is its own. Each column then runs
//! as an ordinary [`Turn`] (recorded with its column index), so it streams, fails, falls over and
//! is stopped on its own while the others carry on.

use serde::Deserialize;
use ts_rs::TS;

use super::settings::ChatSettings;
use super::turn::{
    attached, check_budget, first_title, layered, spending, user_message, AttachmentRef, Place,
    Turn, TurnSpec,
};
use crate::chat::{ReasoningEffort, Role};
use crate::error::{Error, Result};
use crate::router::Router;
use crate::store::{ConversationKind, NewMessage, Store};

/// The most columns a compare has.
pub const MAX_COLUMNS: usize = 8;

/// One column of a compare turn.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct ColumnSpec {
    /// `provider/model`, `@route`, or several as a fallback chain.
    pub targets: Vec<String>,
    /// A follow-up: the column's last message (its answer, or its unanswered question).
    pub after: Option<i64>,
    /// This column's preset, over the compare's own settings.
    pub preset: Option<String>,
    /// This column's own values, over everything else (`-m MODEL#PRESET`, the app's column
    /// settings).
    pub settings: Option<ChatSettings>,
}

/// What the user asked of every column.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct CompareSpec {
    /// A follow-up in this compare; a new compare when missing.
    pub conversation: Option<i64>,
    pub prompt: String,
    /// A system prompt for every column (unless a column's own settings say otherwise).
    pub system: Option<String>,
    /// A preset for every column, under this spec's own values and each column's.
    pub preset: Option<String>,
    pub columns: Vec<ColumnSpec>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub top_p: Option<f32>,
    pub seed: Option<u64>,
    pub stop: Option<Vec<String>>,
    pub reasoning: Option<ReasoningEffort>,
    /// Send even though a spend limit is reached.
    pub over_budget: Option<bool>,
    /// Files attached to the message, sent to every column.
    #[serde(default)]
    pub attachments: Vec<AttachmentRef>,
}

/// A compare ready to run: one turn per column, in column order.
#[derive(Debug, Clone)]
pub struct Compared {
    pub conversation_id: i64,
    pub turns: Vec<Turn>,
}

/// Checks every column, then commits the user's message(s).
pub fn prepare(router: &Router, store: &Store, spec: CompareSpec) -> Result<Compared> {
    let n = spec.columns.len();
    if !(2..=MAX_COLUMNS).contains(&n) {
        return Err(Error::InvalidRequest(format!(
            "a compare takes 2 to {MAX_COLUMNS} columns, {n} given"
        )));
    }
    let attachments = attached(store, &spec.attachments)?;
    if spec.prompt.trim().is_empty() && attachments.is_empty() {
        return Err(Error::InvalidRequest("the message is empty".into()));
    }
    let stored = match spec.conversation {
        Some(id) => {
            let c = store.conversation(id)?;
            if c.kind != ConversationKind::Compare {
                return Err(Error::InvalidRequest(format!(
                    "conversation {id} is a chat, not a compare"
                )));
            }
            let own = store.column_settings(id)?;
            Some((c, own))
        }
        None => None,
    };
    let Columns {
        plans,
        settings,
        shared,
    } = columns(
        router,
        &spec,
        stored.as_ref().map(|(c, o)| (c, o.as_slice())),
    )?;
    let spends = spending_of(&plans);
    let budget = check_budget(router, store, spec.over_budget, &spends)?;
    let mut turns = Vec::with_capacity(n);
    let conversation_id = match stored {
        None => {
            // Each column's targets as picked, so a reopened compare follows up through them.
            let picked: Vec<Vec<String>> = plans
                .iter()
                .zip(&spec.columns)
                .map(|(p, c)| {
                    if c.targets.is_empty() {
                        p.targets.iter().map(|t| t.to_string()).collect()
                    } else {
                        c.targets.clone()
                    }
                })
                .collect();
            let id = store.create_compare(
                &first_title(&spec.prompt, &attachments),
                shared.system.as_deref(),
                &picked,
            )?;
            store.set_conversation_settings(id, &shared)?;
            for (i, s) in settings.iter().enumerate() {
                store.set_column_settings(id, i as i64, s)?;
            }
            let user = store.add_message_with(
                &NewMessage::complete(id, None, Role::User, &spec.prompt),
                &attachments,
            )?;
            let mut first = vec![user_message(&attachments, &spec.prompt)];
            store.blobs().load(&mut first)?;
            for (i, (plan, s)) in plans.into_iter().zip(&settings).enumerate() {
                turns.push(Turn {
                    place: Place::Conversation {
                        conversation_id: id,
                        user_message_id: user,
                        column: Some(i as i64),
                    },
                    budget: budget.clone(),
                    plan,
                    request: s.request(first.clone()),
                    settings: Some(s.clone()),
                    tools: None,
                });
            }
            id
        }
        Some((c, own)) => {
            let id = c.id;
            // Attachment bytes are read once for every column.
            let mut loaded = crate::attach::Loaded::default();
            // Every column's place is checked before anything is written.
            let mut afters = Vec::with_capacity(n);
            for (i, col) in spec.columns.iter().enumerate() {
                let after = col.after.ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "column {}: a follow-up needs the column's last message",
                        column_name(i)
                    ))
                })?;
                if !c.messages.iter().any(|m| m.id == after) {
                    return Err(Error::InvalidRequest(format!(
                        "column {}: message {after} is not in compare {id}",
                        column_name(i)
                    )));
                }
                afters.push(after);
            }
            for (i, ((plan, after), s)) in plans.into_iter().zip(afters).zip(&settings).enumerate()
            {
                let mut history = c.turns_to(after);
                let user = store.add_message_with(
                    &NewMessage {
                        column: Some(i as i64),
                        ..NewMessage::complete(id, Some(after), Role::User, &spec.prompt)
                    },
                    &attachments,
                )?;
                history.push(user_message(&attachments, &spec.prompt));
                store.blobs().load_shared(&mut history, &mut loaded)?;
                turns.push(Turn {
                    place: Place::Conversation {
                        conversation_id: id,
                        user_message_id: user,
                        column: Some(i as i64),
                    },
                    budget: budget.clone(),
                    plan,
                    request: s.request(history),
                    settings: Some(s.clone()),
                    tools: None,
                });
                // Only columns stored with the compare (schema 9 on) keep their own settings.
                if i < own.len() {
                    store.set_column_settings(id, i as i64, s)?;
                }
            }
            id
        }
    };
    // The alerts due, once every column is ready to send (the same for every column).
    let mut budget = budget;
    store.mark_alerts(&mut budget, crate::store::now_ms())?;
    for t in &mut turns {
        t.budget = budget.clone();
    }
    Ok(Compared {
        conversation_id,
        turns,
    })
}

/// Each column's plan and settings, and the compare's shared settings.
pub(crate) struct Columns {
    pub plans: Vec<crate::router::Plan>,
    pub settings: Vec<ChatSettings>,
    pub shared: ChatSettings,
}

/// Each column's targets and settings: what it had (a follow-up of `stored`: the compare and
/// its columns' own settings), under the compare's preset and values, under the column's own
/// preset and values. Checked; nothing is stored.
pub(crate) fn columns(
    router: &Router,
    spec: &CompareSpec,
    stored: Option<(&crate::store::Conversation, &[Option<ChatSettings>])>,
) -> Result<Columns> {
    let config = router.engine().config();
    let shared_preset = match spec
        .preset
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        Some(name) => Some(ChatSettings::preset(config, name)?),
        None => None,
    };
    let shape = TurnSpec {
        system: spec.system.clone(),
        temperature: spec.temperature,
        max_tokens: spec.max_tokens,
        top_p: spec.top_p,
        seed: spec.seed,
        stop: spec.stop.clone(),
        reasoning: spec.reasoning,
        ..Default::default()
    };
    let n = spec.columns.len();
    let mut plans = Vec::with_capacity(n);
    let mut settings = Vec::with_capacity(n);
    for (i, c) in spec.columns.iter().enumerate() {
        let name = column_name(i);
        let at = |e: Error| Error::InvalidRequest(format!("column {name}: {e}"));
        let own_preset = match c.preset.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => Some(ChatSettings::preset(config, p).map_err(at)?),
            None => None,
        };
        let mut targets = c.targets.clone();
        if targets.is_empty() {
            let model = own_preset
                .as_ref()
                .and_then(|p| p.1.clone())
                .or_else(|| shared_preset.as_ref().and_then(|p| p.1.clone()));
            targets.extend(model);
        }
        plans.push(router.plan(&targets).map_err(at)?);
        let base = match stored {
            Some((conv, own)) => own
                .get(i)
                .cloned()
                .flatten()
                .unwrap_or_else(|| conv.settings.clone()),
            None => ChatSettings::default(),
        };
        let mut s = layered(base, shared_preset.as_ref().map(|p| &p.0), &shape);
        if let Some((p, _)) = &own_preset {
            s = s.overlay(p);
        }
        if let Some(own) = &c.settings {
            s = s.overlay(own);
        }
        s.check().map_err(at)?;
        settings.push(s);
    }
    let shared = layered(
        ChatSettings::default(),
        shared_preset.as_ref().map(|p| &p.0),
        &shape,
    );
    shared.check()?;
    Ok(Columns {
        plans,
        settings,
        shared,
    })
}

/// What a compare's columns would spend on, together.
pub(crate) fn spending_of(plans: &[crate::router::Plan]) -> crate::store::Spending {
    let mut all = crate::store::Spending::default();
    for p in plans {
        let one = spending(p, None);
        all.targets.extend(one.targets);
        all.routes.extend(one.routes);
    }
    all
}

/// A, B, C…: how columns are named (also in blind mode, before the vote).
pub fn column_name(i: usize) -> char {
    char::from(b'A' + (i % 26) as u8)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::keys::MemoryKeys;
    use crate::{Config, Engine};

    fn setup() -> (tempfile::TempDir, Store, Router) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let config = Config::parse(
            "[providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let router = Router::new(Arc::new(
            Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
        ));
        (dir, store, router)
    }

    fn cols(targets: &[&str]) -> Vec<ColumnSpec> {
        targets
            .iter()
            .map(|t| ColumnSpec {
                targets: vec![t.to_string()],
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn refusals_store_nothing() {
        let (_dir, store, router) = setup();
        let spec = |prompt: &str, columns| CompareSpec {
            prompt: prompt.into(),
            columns,
            ..Default::default()
        };
        for (s, why) in [
            (spec("hi", cols(&["local/a"])), "2 to 8 columns, 1 given"),
            (spec("hi", cols(&["local/a"; 9])), "9 given"),
            (spec("  ", cols(&["local/a", "local/b"])), "empty"),
            (spec("hi", cols(&["local/a", "nosuch/b"])), "column B:"),
            // Every column overrides the shared temperature, which is still refused.
            (
                CompareSpec {
                    temperature: Some(3.0),
                    columns: ["local/a", "local/b"]
                        .iter()
                        .map(|t| ColumnSpec {
                            targets: vec![t.to_string()],
                            settings: Some(ChatSettings {
                                temperature: Some(0.5),
                                ..Default::default()
                            }),
                            ..Default::default()
                        })
                        .collect(),
                    ..spec("hi", Vec::new())
                },
                "temperature",
            ),
        ] {
            let err = prepare(&router, &store, s).unwrap_err().to_string();
            assert!(err.contains(why), "{err}");
        }
        assert!(store.list_conversations(10, 0).unwrap().is_empty());
    }

    #[test]
    fn a_compare_shares_its_first_question_and_each_column_keeps_its_thread() {
        let (_dir, store, router) = setup();
        let first = prepare(
            &router,
            &store,
            CompareSpec {
                prompt: "Which is best?".into(),
                columns: cols(&["local/a", "local/b", "local/c"]),
                ..Default::default()
            },
        )
        .unwrap();
        let id = first.conversation_id;
        assert_eq!(first.turns.len(), 3);
        let shared = first.turns[0].user_message_id().unwrap();
        assert!(first
            .turns
            .iter()
            .all(|t| t.user_message_id() == Some(shared)));
        assert_eq!(
            first.turns.iter().map(|t| t.column()).collect::<Vec<_>>(),
            [Some(0), Some(1), Some(2)]
        );
        assert_eq!(
            store.conversation(id).unwrap().kind,
            ConversationKind::Compare
        );
        assert_eq!(
            store.compare_columns(id).unwrap(),
            [["local/a"], ["local/b"], ["local/c"]],
            "each column's targets are kept as picked"
        );
        // Each column answered differently.
        let mut answers = Vec::new();
        for (i, text) in ["A says", "B says", "C says"].iter().enumerate() {
            answers.push(
                store
                    .add_message(&NewMessage {
                        column: Some(i as i64),
                        ..NewMessage::complete(id, Some(shared), Role::Assistant, text)
                    })
                    .unwrap(),
            );
        }
        let follow = prepare(
            &router,
            &store,
            CompareSpec {
                conversation: Some(id),
                prompt: "Why?".into(),
                columns: answers
                    .iter()
                    .zip(["local/a", "local/b", "local/c"])
                    .map(|(a, t)| ColumnSpec {
                        targets: vec![t.into()],
                        after: Some(*a),
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(follow.conversation_id, id);
        for (i, t) in follow.turns.iter().enumerate() {
            let texts: Vec<String> = t.request.messages.iter().map(|m| m.text()).collect();
            assert_eq!(
                texts,
                ["Which is best?", ["A says", "B says", "C says"][i], "Why?"]
            );
            assert_eq!(t.column(), Some(i as i64));
        }
        let c = store.conversation(id).unwrap();
        let questions: Vec<_> = c.messages.iter().filter(|m| m.text == "Why?").collect();
        assert_eq!(questions.len(), 3, "one follow-up per column");
        assert_eq!(questions[1].column, Some(1));
        assert_eq!(questions[1].parent_id, Some(answers[1]));

        // A follow-up must say where each column is; a chat is not a compare.
        let err = prepare(
            &router,
            &store,
            CompareSpec {
                conversation: Some(id),
                prompt: "And?".into(),
                columns: cols(&["local/a", "local/b"]),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("column A: a follow-up needs"),
            "{err}"
        );
        let chat = store
            .create_conversation("c", None, ConversationKind::Chat)
            .unwrap();
        let err = prepare(
            &router,
            &store,
            CompareSpec {
                conversation: Some(chat),
                prompt: "And?".into(),
                columns: cols(&["local/a", "local/b"]),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert!(
            err.to_string().contains("is a chat, not a compare"),
            "{err}"
        );
        assert_eq!(
            store.conversation(id).unwrap().messages.len(),
            7,
            "nothing added"
        );

        // "Continue with this one": column B's thread becomes a chat of its own.
        let chat = store.fork_thread(id, questions[1].id).unwrap();
        let forked = store.conversation(chat).unwrap();
        assert_eq!(forked.kind, ConversationKind::Chat);
        let texts: Vec<&str> = forked.messages.iter().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["Which is best?", "B says", "Why?"]);
        assert!(forked.messages.iter().all(|m| m.column.is_none()));
        assert_eq!(forked.messages[2].parent_id, Some(forked.messages[1].id));
        assert_eq!(
            store.conversation(id).unwrap().messages.len(),
            7,
            "the compare stays"
        );
        assert!(store.fork_thread(id, 99_999).is_err());
    }
}
