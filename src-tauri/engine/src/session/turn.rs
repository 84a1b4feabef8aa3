//! One turn of a conversation, prepared: the targets checked, the budget checked, the user's
//! message committed before anything is sent (in a new conversation, after the latest branch of
//! one, as an edit's new branch, or as a regeneration), and the request built from the history.
//! The CLI and the app prepare their turns here; the [`super::driver`] runs them.

use super::settings::ChatSettings;
use crate::attach;
use crate::chat::{ChatRequest, Message, Part, ReasoningEffort, Role};
use crate::error::Result;
use crate::router::{Plan, Router};
use crate::store::{
    title_from, BudgetCheck, BudgetClock, ConversationKind, NewMessage, Spending, Store,
};
use crate::tools::ToolHost;
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
    /// A system prompt: a new conversation's, or (continuing one) its new one. Like every
    /// parameter below, it is stored with the conversation and carried to its next turns.
    pub system: Option<String>,
    /// A preset (`[presets.NAME]`) under this turn's own parameters: its values are copied into
    /// the conversation's settings; its model is used when `targets` is empty.
    pub preset: Option<String>,
    /// `provider/model`, `@route`, or several as a fallback chain.
    pub targets: Vec<String>,
    /// Sampling temperature.
    pub temperature: Option<f32>,
    /// The most tokens to generate.
    pub max_tokens: Option<u32>,
    /// Nucleus sampling.
    pub top_p: Option<f32>,
    /// A sampling seed.
    pub seed: Option<u64>,
    /// Sequences that end the answer.
    pub stop: Option<Vec<String>>,
    /// Reasoning effort: low, medium or high.
    pub reasoning: Option<ReasoningEffort>,
    /// Send even though a spend limit is reached.
    pub over_budget: Option<bool>,
    /// Files attached to the message (already stored: see `attach::Blobs::put`), before its
    /// text. An edit without this field keeps the edited message's; with an empty list it has
    /// none.
    pub attachments: Option<Vec<AttachmentRef>>,
}

/// An attachment already stored under the data dir, by its hash, with the name to show.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, serde::Serialize, ts_rs::TS)]
pub struct AttachmentRef {
    /// The SHA-256 of its bytes, hex.
    pub sha256: String,
    /// The file's name.
    pub name: String,
}

/// The parts of stored attachments: each file read back and checked again (what it is, its
/// size), so the parts never rest on a front's word.
pub(crate) fn attached(store: &Store, refs: &[AttachmentRef]) -> Result<Vec<Part>> {
    let blobs = store.blobs();
    refs.iter()
        .map(|r| {
            let bytes = blobs.get(&r.sha256, &r.name)?;
            let mut part = attach::ingest(&r.name, &bytes, false)?.part;
            // `get` checked the bytes against this hash.
            if let Part::Image(a) | Part::File(a) = &mut part {
                a.sha256 = r.sha256.clone();
            }
            Ok(part)
        })
        .collect()
}

/// A user message: its attachments, then its text (left out when empty).
pub(crate) fn user_message(attachments: &[Part], prompt: &str) -> Message {
    let mut parts = attachments.to_vec();
    if !prompt.is_empty() || parts.is_empty() {
        parts.push(Part::Text(prompt.to_string()));
    }
    Message {
        role: Role::User,
        parts,
    }
}

/// A title for a new conversation: from the text, else the first attachment's name.
pub(crate) fn first_title(prompt: &str, attachments: &[Part]) -> String {
    match attachments.first().and_then(Part::attachment) {
        Some(a) if prompt.trim().is_empty() => title_from(&a.name),
        _ => title_from(prompt),
    }
}

/// A turn ready to run: the user's message is in the store (or, for the gateway, the turn is
/// kept in the ledger only).
#[derive(Debug, Clone)]
pub struct Turn {
    /// Where the answer is kept.
    pub place: Place,
    /// The spend limits that apply, as they stood when the turn was prepared (with the alerts
    /// now due, for the front to show).
    pub budget: BudgetCheck,
    pub(crate) plan: Plan,
    pub(crate) request: ChatRequest,
    /// A compare column's settings, kept with its answer (for the votes).
    pub(crate) settings: Option<ChatSettings>,
    /// What runs the model's tool calls (none: a call ends the answer).
    pub(crate) tools: Option<Tools>,
}

/// A turn's tool host.
#[derive(Clone)]
pub struct Tools(pub(crate) std::sync::Arc<dyn ToolHost>);

impl std::fmt::Debug for Tools {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<String> = self.0.tools().into_iter().map(|t| t.name).collect();
        f.debug_tuple("Tools").field(&names).finish()
    }
}

/// Where a turn's answer is kept.
#[derive(Debug, Clone, PartialEq)]
pub enum Place {
    /// In a conversation, after the user's message (in a compare column, with its index).
    Conversation {
        conversation_id: i64,
        user_message_id: i64,
        column: Option<i64>,
    },
    /// In the ledger only, tagged with the client (the gateway's requests).
    Ledger { client: String },
}

impl Turn {
    /// Checks the targets, then commits the user's message (in a new conversation if none).
    pub fn prepare(router: &Router, store: &Store, spec: TurnSpec) -> Result<Turn> {
        if let Some(user) = spec.regenerate {
            return Turn::again(router, store, &spec, user);
        }
        let mut attachments = attached(store, spec.attachments.as_deref().unwrap_or_default())?;
        if spec.prompt.trim().is_empty() && attachments.is_empty() && spec.edit_of.is_none() {
            return Err(Error::InvalidRequest("the message is empty".into()));
        }
        let (plan, stored, settings) = resolve(router, store, &spec)?;
        settings.check()?;
        let budget = check_budget(router, store, spec.over_budget, &spending(&plan, None))?;
        let (conversation_id, parent, history) = match stored {
            Some(c) => {
                let id = c.id;
                let parent = match spec.edit_of {
                    Some(edited) => {
                        let m = c.messages.iter().find(|m| m.id == edited).ok_or_else(|| {
                            Error::InvalidRequest(format!(
                                "message {edited} is not in conversation {id}"
                            ))
                        })?;
                        if spec.attachments.is_none() {
                            attachments = m.parts.iter().map(|p| p.part()).collect();
                        }
                        m.parent_id
                    }
                    None => spec.parent.or(c.latest_leaf().map(|m| m.id)),
                };
                let history = parent.map(|p| c.turns_to(p)).unwrap_or_default();
                (id, parent, history)
            }
            None => {
                let id = store.create_conversation(
                    &first_title(&spec.prompt, &attachments),
                    settings.system.as_deref(),
                    ConversationKind::Chat,
                )?;
                (id, None, Vec::new())
            }
        };
        if spec.prompt.trim().is_empty() && attachments.is_empty() {
            return Err(Error::InvalidRequest("the message is empty".into()));
        }
        let mut messages = history;
        messages.push(user_message(&attachments, &spec.prompt));
        // The settings first: if they cannot be stored, the message is not committed either.
        store.set_conversation_settings(conversation_id, &settings)?;
        let user_message_id = store.add_message_with(
            &NewMessage::complete(conversation_id, parent, Role::User, &spec.prompt),
            &attachments,
        )?;
        store.blobs().load(&mut messages)?;
        let mut budget = budget;
        store.mark_alerts(&mut budget, crate::store::now_ms())?;
        Ok(Turn {
            place: Place::Conversation {
                conversation_id,
                user_message_id,
                column: None,
            },
            budget,
            plan,
            request: settings.request(messages),
            settings: None,
            tools: None,
        })
    }

    /// A turn kept in the ledger only, tagged with `client` (the gateway's requests): no
    /// conversation; refused (kind `budget_exceeded`) when a spend limit that applies is
    /// reached (never sent anyway: the gateway does not override).
    pub fn for_ledger(
        router: &Router,
        store: &Store,
        plan: Plan,
        request: ChatRequest,
        client: &str,
    ) -> Result<Turn> {
        let mut budget = check_budget(router, store, None, &spending(&plan, Some(client)))?;
        store.mark_alerts(&mut budget, crate::store::now_ms())?;
        for a in &budget.alerts {
            tracing::warn!(rule = %a.label, percent = a.percent, client, "spend limit alert");
        }
        Ok(Turn {
            place: Place::Ledger {
                client: client.to_string(),
            },
            budget,
            plan,
            request,
            settings: None,
            tools: None,
        })
    }

    /// Offers `host`'s tools to the model; its calls run through `host` (consent included),
    /// up to its step limit. A host with no tools changes nothing.
    pub fn use_tools(&mut self, host: std::sync::Arc<dyn ToolHost>) {
        let tools = host.tools();
        if tools.is_empty() {
            return;
        }
        self.request.tools = tools;
        self.tools = Some(Tools(host));
    }

    /// The tools offered to the model.
    pub fn tools(&self) -> &[crate::chat::ToolSpec] {
        &self.request.tools
    }

    /// What will be sent (before each target's own fitting of attachments).
    pub fn request_messages(&self) -> &[Message] {
        &self.request.messages
    }

    /// The conversation, for a turn kept in one.
    pub fn conversation_id(&self) -> Option<i64> {
        match self.place {
            Place::Conversation {
                conversation_id, ..
            } => Some(conversation_id),
            Place::Ledger { .. } => None,
        }
    }

    /// The compare column this turn answers in.
    pub fn column(&self) -> Option<i64> {
        match self.place {
            Place::Conversation { column, .. } => column,
            Place::Ledger { .. } => None,
        }
    }

    /// The user's message this turn answers, for a turn kept in a conversation.
    pub fn user_message_id(&self) -> Option<i64> {
        match self.place {
            Place::Conversation {
                user_message_id, ..
            } => Some(user_message_id),
            Place::Ledger { .. } => None,
        }
    }

    /// A new answer to an existing user message.
    fn again(router: &Router, store: &Store, spec: &TurnSpec, user: i64) -> Result<Turn> {
        let (preset, targets) = resolve_preset(router, spec)?;
        let plan = router.plan(&targets)?;
        let id = spec
            .conversation
            .ok_or_else(|| Error::InvalidRequest("regenerate needs the conversation".into()))?;
        let c = store.conversation(id)?;
        if !c
            .messages
            .iter()
            .any(|m| m.id == user && m.role == Role::User)
        {
            return Err(Error::InvalidRequest(format!(
                "message {user} is not a user message of conversation {id}"
            )));
        }
        let settings = layered(c.settings.clone(), preset.as_ref(), spec);
        settings.check()?;
        let budget = check_budget(router, store, spec.over_budget, &spending(&plan, None))?;
        let mut messages = c.turns_to(user);
        store.set_conversation_settings(id, &settings)?;
        store.blobs().load(&mut messages)?;
        let mut budget = budget;
        store.mark_alerts(&mut budget, crate::store::now_ms())?;
        Ok(Turn {
            place: Place::Conversation {
                conversation_id: id,
                user_message_id: user,
                column: None,
            },
            budget,
            plan,
            request: settings.request(messages),
            settings: None,
            tools: None,
        })
    }
}

/// The spend limits that apply to `spending`: refused (kind `budget_exceeded`, naming the
/// tightest rule) when one is reached, unless the user said to send anyway; otherwise where
/// they stand. The one budget check of every front (the gateway's ledger-only turns included);
/// the alerts due are marked by [`Store::mark_alerts`] once the turn is ready to send.
pub fn check_budget(
    router: &Router,
    store: &Store,
    over: Option<bool>,
    spending: &Spending,
) -> Result<BudgetCheck> {
    let check = BudgetCheck {
        rules: store.applicable(router.engine().config(), spending, &BudgetClock::system())?,
        alerts: Vec::new(),
    };
    match check.exceeded() {
        Some(rule) if over != Some(true) => Err(rule.refusal()),
        _ => Ok(check),
    }
}

/// What a plan would spend on, for the budget rules.
pub(crate) fn spending(plan: &Plan, client: Option<&str>) -> Spending {
    Spending {
        targets: plan.targets.iter().map(|t| t.to_string()).collect(),
        routes: plan.route.iter().cloned().collect(),
        client: client.map(str::to_string),
    }
}

/// The turn's named preset (its settings, labelled) and the targets: the turn's own, else the
/// preset's model.
pub(crate) fn resolve_preset(
    router: &Router,
    spec: &TurnSpec,
) -> Result<(Option<ChatSettings>, Vec<String>)> {
    let Some(name) = spec
        .preset
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty())
    else {
        return Ok((None, spec.targets.clone()));
    };
    let (settings, model) = ChatSettings::preset(router.engine().config(), name)?;
    let targets = if spec.targets.is_empty() {
        model.into_iter().collect()
    } else {
        spec.targets.clone()
    };
    Ok((Some(settings), targets))
}

/// A turn's plan, its conversation (when it continues one) and the settings it runs under.
pub(crate) fn resolve(
    router: &Router,
    store: &Store,
    spec: &TurnSpec,
) -> Result<(Plan, Option<crate::store::Conversation>, ChatSettings)> {
    let (preset, targets) = resolve_preset(router, spec)?;
    let plan = router.plan(&targets)?;
    let stored = match spec.conversation {
        Some(id) => Some(store.conversation(id)?),
        None => None,
    };
    let base = stored
        .as_ref()
        .map(|c| c.settings.clone())
        .unwrap_or_default();
    let settings = layered(base, preset.as_ref(), spec);
    Ok((plan, stored, settings))
}

/// The turn's own values as settings (no preset label).
pub(crate) fn own_settings(spec: &TurnSpec) -> ChatSettings {
    ChatSettings {
        preset: None,
        system: spec.system.clone(),
        temperature: spec.temperature,
        top_p: spec.top_p,
        max_tokens: spec.max_tokens,
        reasoning: spec.reasoning,
        stop: spec.stop.clone(),
        seed: spec.seed,
    }
}

/// Stored settings, under a preset, under the turn's own values.
pub(crate) fn layered(
    base: ChatSettings,
    preset: Option<&ChatSettings>,
    spec: &TurnSpec,
) -> ChatSettings {
    let base = match preset {
        Some(p) => base.overlay(p),
        None => base,
    };
    base.overlay(&own_settings(spec))
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
        let c = store.conversation(t.conversation_id().unwrap()).unwrap();
        assert_eq!(c.title, "Hello there");
        assert_eq!(c.messages[0].id, t.user_message_id().unwrap());
        // A second turn continues the latest branch.
        let mut next = spec("And more", "local/m");
        next.conversation = Some(t.conversation_id().unwrap());
        let t2 = Turn::prepare(&router, &store, next).unwrap();
        let c = store.conversation(t2.conversation_id().unwrap()).unwrap();
        assert_eq!(c.messages[1].parent_id, Some(t.user_message_id().unwrap()));

        // An edit of the second message is its sibling, with the history before it.
        let mut edit = spec("And less", "local/m");
        edit.conversation = Some(t.conversation_id().unwrap());
        edit.edit_of = Some(t2.user_message_id().unwrap());
        let t3 = Turn::prepare(&router, &store, edit).unwrap();
        let c = store.conversation(t.conversation_id().unwrap()).unwrap();
        let m3 = c
            .messages
            .iter()
            .find(|m| m.id == t3.user_message_id().unwrap())
            .unwrap();
        assert_eq!(m3.parent_id, Some(t.user_message_id().unwrap()));
        assert_eq!(
            t3.request.messages.len(),
            2,
            "the first message, then the edit"
        );
        assert_eq!(t3.request.messages[1].text(), "And less");
        // An edit of the first message starts a new root.
        let mut root = spec("Hello again", "local/m");
        root.conversation = Some(t.conversation_id().unwrap());
        root.edit_of = Some(t.user_message_id().unwrap());
        let t4 = Turn::prepare(&router, &store, root).unwrap();
        assert_eq!(t4.request.messages.len(), 1);

        // Regenerate answers an existing user message again, adding no message.
        let before = store
            .conversation(t.conversation_id().unwrap())
            .unwrap()
            .messages
            .len();
        let mut again = spec("", "local/m");
        again.conversation = Some(t.conversation_id().unwrap());
        again.regenerate = Some(t3.user_message_id().unwrap());
        let t5 = Turn::prepare(&router, &store, again).unwrap();
        assert_eq!(t5.user_message_id().unwrap(), t3.user_message_id().unwrap());
        assert_eq!(t5.request.messages.last().unwrap().text(), "And less");
        assert_eq!(
            store
                .conversation(t.conversation_id().unwrap())
                .unwrap()
                .messages
                .len(),
            before
        );
        let mut bad = spec("", "local/m");
        bad.conversation = Some(t.conversation_id().unwrap());
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
        assert!(
            err.to_string().contains("all per month") && err.to_string().contains("is spent"),
            "{err}"
        );
        assert!(store.list_conversations(10, 0).unwrap().is_empty());
        spec.over_budget = Some(true);
        assert!(Turn::prepare(&router, &store, spec).is_ok());
    }

    #[test]
    fn a_turn_refused_for_another_reason_uses_up_no_alert() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        let config = Config::parse(
            "[providers.local]\nkind = \"openai\"\nbase_url = \"http://127.0.0.1:9/v1\"\n\n[[budgets]]\nscope = \"all\"\nwindow = \"day\"\nlimit_usd = 1.0\nalert_percent = 50\n",
            std::path::Path::new("t.toml"),
        )
        .unwrap();
        let router = Router::new(Arc::new(
            Engine::new(config, Arc::new(MemoryKeys::new())).unwrap(),
        ));
        store
            .record_attempt(&crate::store::LedgerRow {
                request_id: "r".into(),
                provider: "local".into(),
                model_requested: "local/m".into(),
                attempt: 1,
                outcome: crate::store::LedgerOutcome::Ok,
                started_at: crate::store::now_ms(),
                cost_micros: 600_000,
                ..Default::default()
            })
            .unwrap();
        let first = Turn::prepare(
            &router,
            &store,
            TurnSpec {
                prompt: "hi".into(),
                targets: vec!["local/m".into()],
                ..Default::default()
            },
        )
        .unwrap();
        // An edit of a message that is not there is refused: the alert is not used up.
        let bad = TurnSpec {
            conversation: first.conversation_id(),
            edit_of: Some(999_999),
            prompt: "x".into(),
            targets: vec!["local/m".into()],
            ..Default::default()
        };
        assert_eq!(first.budget.alerts.len(), 1, "60% of $1 alerts once");
        assert!(Turn::prepare(&router, &store, bad).is_err());
        let again = Turn::prepare(
            &router,
            &store,
            TurnSpec {
                prompt: "more".into(),
                targets: vec!["local/m".into()],
                ..Default::default()
            },
        )
        .unwrap();
        assert!(again.budget.alerts.is_empty(), "once per window");
        assert_eq!(again.budget.rules.len(), 1);
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
