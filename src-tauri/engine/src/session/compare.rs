//! A compare turn for the app: one prompt to 2–8 columns, each a model, a route or a fallback
//! chain, each keeping its own thread. The first prompt is one user message that every column
//! answers (as `roundtable compare` stores it); a follow-up is a user message in each column,
//! after that column's last message, so each column's history is its own. Each column then runs
//! as an ordinary [`Turn`] (recorded with its column index), so it streams, fails, falls over and
//! is stopped on its own while the others carry on.

use serde::Deserialize;
use ts_rs::TS;

use super::turn::{
    attached, check_budget, first_title, request, user_message, AttachmentRef, Place, Turn,
    TurnSpec,
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
}

/// What the user asked of every column.
#[derive(Debug, Clone, Default, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct CompareSpec {
    /// A follow-up in this compare; a new compare when missing.
    pub conversation: Option<i64>,
    pub prompt: String,
    /// A system prompt for a new compare.
    pub system: Option<String>,
    pub columns: Vec<ColumnSpec>,
    pub temperature: Option<f32>,
    pub max_tokens: Option<u32>,
    pub top_p: Option<f32>,
    pub seed: Option<u64>,
    pub stop: Option<Vec<String>>,
    pub reasoning: Option<ReasoningEffort>,
    /// Send even though this month's budget is spent.
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
    let plans = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            router
                .plan(&c.targets)
                .map_err(|e| Error::InvalidRequest(format!("column {}: {e}", column_name(i))))
        })
        .collect::<Result<Vec<_>>>()?;
    let reasoning = spec.reasoning;
    let budget = check_budget(router, store, spec.over_budget)?;
    let shape = TurnSpec {
        temperature: spec.temperature,
        max_tokens: spec.max_tokens,
        top_p: spec.top_p,
        seed: spec.seed,
        stop: spec.stop.clone(),
        ..Default::default()
    };
    let mut turns = Vec::with_capacity(n);
    let conversation_id = match spec.conversation {
        None => {
            // Each column's targets as picked, so a reopened compare follows up through them.
            let picked: Vec<Vec<String>> = spec.columns.iter().map(|c| c.targets.clone()).collect();
            let id = store.create_compare(
                &first_title(&spec.prompt, &attachments),
                spec.system.as_deref(),
                &picked,
            )?;
            let user = store.add_message_with(
                &NewMessage::complete(id, None, Role::User, &spec.prompt),
                &attachments,
            )?;
            let mut first = vec![user_message(&attachments, &spec.prompt)];
            store.blobs().load(&mut first)?;
            for (i, plan) in plans.into_iter().enumerate() {
                turns.push(Turn {
                    place: Place::Conversation {
                        conversation_id: id,
                        user_message_id: user,
                        column: Some(i as i64),
                    },
                    budget,
                    plan,
                    request: request(&shape, spec.system.clone(), first.clone(), reasoning),
                    tools: None,
                });
            }
            id
        }
        Some(id) => {
            let c = store.conversation(id)?;
            if c.kind != ConversationKind::Compare {
                return Err(Error::InvalidRequest(format!(
                    "conversation {id} is a chat, not a compare"
                )));
            }
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
            for (i, (plan, after)) in plans.into_iter().zip(afters).enumerate() {
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
                    budget,
                    plan,
                    request: request(&shape, c.system.clone(), history, reasoning),
                    tools: None,
                });
            }
            id
        }
    };
    Ok(Compared {
        conversation_id,
        turns,
    })
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
                after: None,
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
