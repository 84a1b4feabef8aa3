//! One turn of a conversation for an interactive client (the desktop app): the user's message
//! committed before anything is sent, the answer routed, streamed and recorded as it arrives
//! (history and ledger), and events for the client — until the answer ends, fails or the
//! client cancels it. The partial answer survives every failure.

use std::future::Future;
use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;

use crate::chat::{ChatEvent, ChatRequest, Message, ReasoningEffort, Role, Usage};
use crate::error::Result;
use crate::pricing::PriceBook;
use crate::router::{Attempt, Outcome, Plan, RouteEvent, Router};
use crate::store::{title_from, NewMessage, Recorder, Store};
use crate::Error;

/// What the user asked.
#[derive(Debug, Clone, Default, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
#[ts(optional_fields = nullable)]
pub struct TurnSpec {
    /// Continue this conversation (its latest branch, or after `parent`), or start one.
    pub conversation: Option<i64>,
    /// Answer after this message instead of the latest one.
    pub parent: Option<i64>,
    /// An edit: the new message becomes a sibling of this one (a new branch).
    pub edit_of: Option<i64>,
    /// Regenerate: answer this user message again (a sibling of its earlier answers); `prompt`
    /// is then ignored.
    pub regenerate: Option<i64>,
    /// The user's message.
    pub prompt: String,
    /// A system prompt for a new conversation.
    pub system: Option<String>,
    /// `provider/model`, `@route`, or several as a fallback chain.
    pub targets: Vec<String>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// The most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Reasoning effort: low, medium or high.
    pub reasoning: Option<String>,
    /// Send even though this month's budget is spent.
    pub over_budget: Option<bool>,
}

/// A turn ready to run: the user's message is in the store.
#[derive(Debug, Clone)]
pub struct Turn {
    /// The conversation.
    pub conversation_id: i64,
    /// The user's message.
    pub user_message_id: i64,
    /// The compare column this turn answers in.
    pub column: Option<i64>,
    pub(crate) plan: Plan,
    pub(crate) request: ChatRequest,
}

/// What happens while a turn runs.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum TurnEvent {
    /// An attempt ended (a failure, a skip, or the one that answers).
    Attempt(Attempt),
    /// A piece of the answer.
    Delta { text: String },
    /// A piece of reasoning.
    Reasoning { text: String },
    /// The answer is complete and recorded.
    #[serde(rename_all = "camelCase")]
    Done {
        message_id: Option<i64>,
        /// `provider/model` that answered.
        model: String,
        /// The targets that failed before it, with their classes.
        fell_over: Vec<String>,
        usage: Option<Usage>,
        cost_micros: i64,
        ttft_ms: Option<u64>,
        duration_ms: u64,
    },
    /// The answer failed; what arrived of it stays, marked.
    #[serde(rename_all = "camelCase")]
    Failed {
        message: String,
        provider: Option<String>,
        class: Option<String>,
        partial: bool,
        /// The answer message holding what arrived, if anything did.
        message_id: Option<i64>,
    },
    /// The client stopped it; what arrived of it stays (in `message_id`, if anything arrived).
    #[serde(rename_all = "camelCase")]
    Cancelled { message_id: Option<i64> },
}

impl Turn {
    /// Checks the targets, then commits the user's message (in a new conversation if none).
    pub fn prepare(router: &Router, store: &Store, spec: TurnSpec) -> Result<Turn> {
        if let Some(user) = spec.regenerate {
            return Turn::again(router, store, &spec, user);
        }
        if spec.prompt.trim().is_empty() {
            return Err(Error::InvalidRequest("the message is empty".into()));
        }
        let plan = router.plan(&spec.targets)?;
        check_budget(router, store, spec.over_budget)?;
        let reasoning = effort(spec.reasoning.as_deref())?;
        let (conversation_id, parent, history, system) = match spec.conversation {
            Some(id) => {
                let c = store.conversation(id)?;
                let parent = match spec.edit_of {
                    Some(edited) => {
                        c.messages
                            .iter()
                            .find(|m| m.id == edited)
                            .ok_or_else(|| {
                                Error::InvalidRequest(format!(
                                    "message {edited} is not in conversation {id}"
                                ))
                            })?
                            .parent_id
                    }
                    None => spec.parent.or(c.latest_leaf().map(|m| m.id)),
                };
                let history = parent.map(|p| c.turns_to(p)).unwrap_or_default();
                (id, parent, history, c.system)
            }
            None => {
                let id = store.create_conversation(
                    &title_from(&spec.prompt),
                    spec.system.as_deref(),
                    "chat",
                )?;
                (id, None, Vec::new(), spec.system.clone())
            }
        };
        let mut messages = history;
        messages.push(Message::user(spec.prompt.clone()));
        let user_message_id = store.add_message(&NewMessage::complete(
            conversation_id,
            parent,
            Role::User,
            &spec.prompt,
        ))?;
        Ok(Turn {
            conversation_id,
            user_message_id,
            column: None,
            plan,
            request: request(&spec, system, messages, reasoning),
        })
    }

    /// A new answer to an existing user message.
    fn again(router: &Router, store: &Store, spec: &TurnSpec, user: i64) -> Result<Turn> {
        let plan = router.plan(&spec.targets)?;
        check_budget(router, store, spec.over_budget)?;
        let reasoning = effort(spec.reasoning.as_deref())?;
        let id = spec
            .conversation
            .ok_or_else(|| Error::InvalidRequest("regenerate needs the conversation".into()))?;
        let c = store.conversation(id)?;
        if !c.messages.iter().any(|m| m.id == user && m.role == "user") {
            return Err(Error::InvalidRequest(format!(
                "message {user} is not a user message of conversation {id}"
            )));
        }
        let messages = c.turns_to(user);
        Ok(Turn {
            conversation_id: id,
            user_message_id: user,
            column: None,
            plan,
            request: request(spec, c.system, messages, reasoning),
        })
    }
}

/// Refuses when this month's budget is spent, unless the user said to send anyway.
pub(crate) fn check_budget(router: &Router, store: &Store, over: Option<bool>) -> Result<()> {
    if over == Some(true) {
        return Ok(());
    }
    match store.budget(router.engine().config(), crate::store::now_ms())? {
        crate::store::Budget::Exceeded { spent, cap } => Err(Error::InvalidRequest(format!(
            "this month's budget is spent (${:.2} of ${:.2}): raise it in Settings, or send anyway",
            spent as f64 / 1e6,
            cap as f64 / 1e6
        ))),
        _ => Ok(()),
    }
}

pub(crate) fn effort(name: Option<&str>) -> Result<Option<ReasoningEffort>> {
    Ok(match name {
        None | Some("") => None,
        Some("low") => Some(ReasoningEffort::Low),
        Some("medium") => Some(ReasoningEffort::Medium),
        Some("high") => Some(ReasoningEffort::High),
        Some(other) => {
            return Err(Error::InvalidRequest(format!(
                "reasoning `{other}`: use low, medium or high"
            )))
        }
    })
}

pub(crate) fn request(
    spec: &TurnSpec,
    system: Option<String>,
    messages: Vec<Message>,
    reasoning: Option<ReasoningEffort>,
) -> ChatRequest {
    ChatRequest {
        system: system.filter(|s| !s.trim().is_empty()),
        messages,
        temperature: spec.temperature,
        max_tokens: spec.max_tokens,
        reasoning,
    }
}

impl Turn {
    /// Runs the turn until it ends or `cancel` resolves, recording it and telling `emit`.
    pub async fn run(
        &self,
        router: &Router,
        store: &Store,
        prices: &PriceBook,
        cancel: impl Future<Output = ()>,
        mut emit: impl FnMut(TurnEvent),
    ) {
        let prompt_chars = self
            .request
            .messages
            .iter()
            .map(|m| m.text.chars().count())
            .sum::<usize>()
            + self
                .request
                .system
                .as_ref()
                .map_or(0, |s| s.chars().count());
        let mut rec = Recorder::new(
            store,
            prices,
            self.conversation_id,
            self.user_message_id,
            self.column,
            self.plan.route.clone(),
            prompt_chars,
        );
        let started = Instant::now();
        let mut stream = router.stream(&self.plan, &self.request);
        let mut fell_over = Vec::new();
        let mut ttft_ms = None;
        tokio::pin!(cancel);
        loop {
            let item = tokio::select! {
                item = stream.next() => item,
                _ = &mut cancel => {
                    // Dropping the stream closes the connection; the text so far stays.
                    let _ = rec.fail(None);
                    emit(TurnEvent::Cancelled {
                        message_id: rec.message_id(),
                    });
                    return;
                }
            };
            let failed = |e: &Error, partial: bool, message_id: Option<i64>| TurnEvent::Failed {
                message: e.to_string(),
                provider: e.as_provider().map(|p| p.provider.clone()),
                class: e.as_provider().map(|p| p.class.as_str().to_string()),
                partial,
                message_id,
            };
            match item {
                Some(Ok(RouteEvent::Attempt(a))) => {
                    if let Err(e) = rec.attempt(&a) {
                        emit(failed(&e, false, rec.message_id()));
                        return;
                    }
                    match a.outcome {
                        Outcome::Ok => ttft_ms = Some(a.ms),
                        _ => fell_over.push(format!(
                            "{} ({})",
                            a.target,
                            a.class.map_or("cooling down", |c| c.as_str())
                        )),
                    }
                    emit(TurnEvent::Attempt(a));
                }
                Some(Ok(RouteEvent::Chat(ChatEvent::Delta(text)))) => {
                    let _ = rec.delta(&text);
                    emit(TurnEvent::Delta { text });
                }
                Some(Ok(RouteEvent::Chat(ChatEvent::Reasoning(text)))) => {
                    let _ = rec.reasoning(&text);
                    emit(TurnEvent::Reasoning { text });
                }
                Some(Ok(RouteEvent::Chat(ChatEvent::Start { .. }))) => {}
                Some(Ok(RouteEvent::Chat(ChatEvent::End(end)))) => {
                    let Some(target) = stream.answered() else {
                        return;
                    };
                    match rec.finish(&end, target) {
                        Ok(row) => emit(TurnEvent::Done {
                            message_id: rec.message_id(),
                            model: row.model_answered.unwrap_or_else(|| target.to_string()),
                            fell_over,
                            usage: end.usage,
                            cost_micros: row.cost_micros,
                            ttft_ms,
                            duration_ms: started.elapsed().as_millis() as u64,
                        }),
                        Err(e) => emit(failed(&e, true, rec.message_id())),
                    }
                    return;
                }
                Some(Err(e)) => {
                    let _ = rec.fail(Some(&e));
                    emit(failed(&e, stream.has_content(), rec.message_id()));
                    return;
                }
                None => {
                    let e = Error::InvalidRequest("the answer ended without its end".into());
                    let _ = rec.fail(Some(&e));
                    emit(failed(&e, stream.has_content(), rec.message_id()));
                    return;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::keys::MemoryKeys;
    use crate::{Config, Engine};

    #[test]
    fn prepare_commits_the_message_and_refuses_empty_or_unknown() {
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
        let spec = |prompt: &str, target: &str| TurnSpec {
            prompt: prompt.into(),
            targets: vec![target.into()],
            ..Default::default()
        };
        assert!(Turn::prepare(&router, &store, spec("  ", "local/m")).is_err());
        assert!(Turn::prepare(&router, &store, spec("hi", "nosuch/m")).is_err());
        assert!(
            store.list_conversations(10, 0).unwrap().is_empty(),
            "nothing stored on refusal"
        );
        let t = Turn::prepare(&router, &store, spec("Hello there", "local/m")).unwrap();
        let c = store.conversation(t.conversation_id).unwrap();
        assert_eq!(c.title, "Hello there");
        assert_eq!(c.messages[0].id, t.user_message_id);
        // A second turn continues the latest branch.
        let mut next = spec("And more", "local/m");
        next.conversation = Some(t.conversation_id);
        let t2 = Turn::prepare(&router, &store, next).unwrap();
        let c = store.conversation(t2.conversation_id).unwrap();
        assert_eq!(c.messages[1].parent_id, Some(t.user_message_id));

        // An edit of the second message is its sibling, with the history before it.
        let mut edit = spec("And less", "local/m");
        edit.conversation = Some(t.conversation_id);
        edit.edit_of = Some(t2.user_message_id);
        let t3 = Turn::prepare(&router, &store, edit).unwrap();
        let c = store.conversation(t.conversation_id).unwrap();
        let m3 = c
            .messages
            .iter()
            .find(|m| m.id == t3.user_message_id)
            .unwrap();
        assert_eq!(m3.parent_id, Some(t.user_message_id));
        assert_eq!(
            t3.request.messages.len(),
            2,
            "the first message, then the edit"
        );
        assert_eq!(t3.request.messages[1].text, "And less");
        // An edit of the first message starts a new root.
        let mut root = spec("Hello again", "local/m");
        root.conversation = Some(t.conversation_id);
        root.edit_of = Some(t.user_message_id);
        let t4 = Turn::prepare(&router, &store, root).unwrap();
        assert_eq!(t4.request.messages.len(), 1);

        // Regenerate answers an existing user message again, adding no message.
        let before = store
            .conversation(t.conversation_id)
            .unwrap()
            .messages
            .len();
        let mut again = spec("", "local/m");
        again.conversation = Some(t.conversation_id);
        again.regenerate = Some(t3.user_message_id);
        let t5 = Turn::prepare(&router, &store, again).unwrap();
        assert_eq!(t5.user_message_id, t3.user_message_id);
        assert_eq!(t5.request.messages.last().unwrap().text, "And less");
        assert_eq!(
            store
                .conversation(t.conversation_id)
                .unwrap()
                .messages
                .len(),
            before
        );
        let mut bad = spec("", "local/m");
        bad.conversation = Some(t.conversation_id);
        bad.regenerate = Some(999);
        assert!(Turn::prepare(&router, &store, bad).is_err());
    }

    #[test]
    fn a_spent_budget_refuses_unless_told_to_send_anyway() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let config = Config::parse(
            "[providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[budget]\nmonthly_usd = 0.0000001\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let router = Router::new(Arc::new(
            Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
        ));
        let mut spec = TurnSpec {
            prompt: "hi".into(),
            targets: vec!["local/m".into()],
            ..Default::default()
        };
        let err = Turn::prepare(&router, &store, spec.clone()).unwrap_err();
        assert!(err.to_string().contains("budget is spent"), "{err}");
        assert!(store.list_conversations(10, 0).unwrap().is_empty());
        spec.over_budget = Some(true);
        assert!(Turn::prepare(&router, &store, spec).is_ok());
    }
}

#[cfg(test)]
mod spec_tests {
    #[test]
    fn the_app_s_spec_deserialises() {
        let s: super::TurnSpec = serde_json::from_str(
            r#"{"conversation":7,"prompt":"x","targets":["a/m"],"editOf":1,"regenerate":null}"#,
        )
        .unwrap();
        assert_eq!(s.edit_of, Some(1));
        assert_eq!(s.conversation, Some(7));
    }
}
