//! The one driver of a routed, recorded answer. Every front — the CLI's `chat` (streamed and
//! whole) and `compare`, the app's chat and compare, the gateway — hands it a prepared [`Turn`]
//! and reads one typed event stream from [`Answer::next`]; none of them touches the recorder or
//! the budget itself. A compare is N drivers under one fan-out ([`fan_out`]).
//!
//! The rules, the same for every front:
//! - Every attempt lands in the ledger as it ends; the answering attempt opens the answer
//!   message (when the turn keeps a conversation), whose text is saved as it streams.
//! - A recorder write that fails ends the turn: the upstream stream is dropped, what was saved
//!   stays, and the turn fails with kind `store`. An answer is never shown as done if it was not
//!   saved.
//! - A stream that ends without its end event is a failure of class `malformed_stream`, stored
//!   as `error` with what arrived of it.
//! - The answering target is the router's (never found by comparing names).
//! - A cancel ([`Answer::cancel`]) drops the upstream stream and stores what arrived as
//!   `cancelled`; an `Answer` dropped before its end is stored as `interrupted`.
//! - The budget is checked once, when the turn is prepared ([`super::turn::check_budget`]).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::time::Instant;

use futures_util::StreamExt;
use serde::Serialize;

use super::recorder::Recorder;
use super::turn::{Place, Turn};
use crate::chat::{
    ChatEvent, ChatRequest, ChatResponse, Decision, Message, Part, Role, StreamEnd, ToolCall,
    ToolChoice, ToolResult, Usage,
};
use crate::client::Target;
use crate::error::{Error, ErrorClass, ErrorView, ProviderError, Result};
use crate::pricing::PriceBook;
use crate::router::Plan;
use crate::router::{Attempt, Outcome, RouteEvent, RoutedStream, Router};
use crate::store::Store;
use crate::tools::ToolHost;

/// What a turn runs on.
#[derive(Clone, Copy)]
pub struct Session<'a> {
    pub router: &'a Router,
    pub store: &'a Store,
    pub prices: &'a PriceBook,
}

/// How an answer is asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Delivery {
    /// Streamed (the default).
    #[default]
    Stream,
    /// One whole answer when the turn has a single target (a non-streaming request); a chain of
    /// several is still streamed, so each can fall over to the next.
    Whole,
}

/// A finished answer: where it is kept, who answered after whom, and its figures.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[serde(rename_all = "camelCase")]
pub struct Finished {
    /// The answer message (none for a turn kept in the ledger only).
    pub message_id: Option<i64>,
    /// The conversation (none for a turn kept in the ledger only).
    pub conversation_id: Option<i64>,
    /// Groups the request's ledger rows.
    pub request_id: String,
    /// `provider/model` that answered, as the provider named the model.
    pub model: String,
    /// The target that answered, as it was asked for.
    pub requested: String,
    /// The targets that failed before it, each as `target (class)`.
    pub fell_over: Vec<String>,
    /// Every attempt, the answering one and skips included.
    pub attempts: Vec<Attempt>,
    /// The provider's own usage; `None` when it sent none (the cost is then estimated).
    pub usage: Option<Usage>,
    /// Why the model stopped (`stop`, `length`, …).
    pub finish: String,
    /// The cost the provider itself reported (OpenRouter), the tool loop's calls totalled.
    pub provider_cost_usd: Option<f64>,
    /// The answer's cost (its answering attempt; a tool loop's model calls totalled), in
    /// micro-dollars.
    pub cost_micros: i64,
    /// Model calls made for this answer (more than one when it called tools).
    pub steps: u32,
    /// Where the price came from (`override`, `catalog`, `builtin`, `local`, `provider`).
    pub price_source: Option<String>,
    pub ttft_ms: Option<u64>,
    pub duration_ms: u64,
}

impl Finished {
    /// Output tokens per second after the first token, when usage was reported.
    pub fn tokens_per_s(&self) -> Option<f64> {
        let out = self.usage?.output_tokens as f64;
        let streaming = self
            .duration_ms
            .saturating_sub(self.ttft_ms.unwrap_or(0))
            .max(1) as f64;
        Some(out * 1000.0 / streaming)
    }
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
    /// The model called a tool (it runs next, once allowed, when the turn has tools).
    ToolCall { call: ToolCall },
    /// A tool call's result (or its refusal), as it goes back to the model.
    ToolResult { result: ToolResult },
    /// The answer is complete and recorded.
    Done(Box<Finished>),
    /// The answer failed; what arrived of it stays, marked.
    #[serde(rename_all = "camelCase")]
    Failed {
        error: ErrorView,
        /// Whether part of the answer had arrived.
        partial: bool,
        /// The answer message holding what arrived, if anything did.
        message_id: Option<i64>,
    },
    /// The client stopped it; what arrived of it stays (in `message_id`, if anything arrived).
    #[serde(rename_all = "camelCase")]
    Cancelled { message_id: Option<i64> },
}

impl TurnEvent {
    /// Whether this is the turn's last event.
    pub fn is_last(&self) -> bool {
        matches!(
            self,
            TurnEvent::Done(_) | TurnEvent::Failed { .. } | TurnEvent::Cancelled { .. }
        )
    }
}

type Whole<'a> = Pin<Box<dyn Future<Output = Result<ChatResponse>> + Send + 'a>>;

enum Source<'a> {
    Routed(RoutedStream),
    /// A non-streaming request to one target, and that target.
    Whole(Whole<'a>, &'a Target),
    /// A tool call running (its consent included).
    Tool(futures_util::future::BoxFuture<'static, ToolResult>),
    /// Nothing more to read.
    Over,
}

/// A tool loop in progress: the request so far, the calls still to run and the figures of the
/// model calls made.
struct Loop {
    host: std::sync::Arc<dyn ToolHost>,
    /// The next model call's request: the turn's, then each step's calls and results.
    request: Option<ChatRequest>,
    /// Calls the model made in the current model call.
    calls: Vec<ToolCall>,
    /// Calls waiting to run, and the one running.
    queue: VecDeque<ToolCall>,
    running: Option<ToolCall>,
    results: Vec<ToolResult>,
    /// Model calls that asked for tools so far.
    steps: usize,
    /// Where the current model call's text begins.
    text_from: usize,
    /// The target the loop stays on (no fall-over once a tool call has streamed).
    target: Option<Target>,
    cost_micros: i64,
    usage: Option<Usage>,
    provider_cost: Option<f64>,
}

fn add_usage(total: &mut Option<Usage>, u: Option<Usage>) {
    let Some(u) = u else { return };
    let t = total.get_or_insert_with(Usage::default);
    t.input_tokens += u.input_tokens;
    t.output_tokens += u.output_tokens;
    t.cache_read_tokens += u.cache_read_tokens;
    t.cache_write_tokens += u.cache_write_tokens;
    t.reasoning_tokens += u.reasoning_tokens;
    t.image_tokens += u.image_tokens;
}

/// One answer being driven: read its events with [`Answer::next`] until it returns `None`.
pub struct Answer<'a> {
    rec: Recorder<'a>,
    source: Source<'a>,
    turn: &'a Turn,
    router: &'a Router,
    tools: Option<Loop>,
    conversation_id: Option<i64>,
    pending: VecDeque<TurnEvent>,
    attempts: Vec<Attempt>,
    fell_over: Vec<String>,
    ttft_ms: Option<u64>,
    started: Instant,
    has_content: bool,
}

impl Turn {
    /// Starts driving this turn (nothing is sent until the first [`Answer::next`]).
    pub fn drive<'a>(&'a self, s: Session<'a>, delivery: Delivery) -> Answer<'a> {
        let prompt_chars = self.request.prompt_chars();
        let route = self.plan.route.clone();
        let (mut rec, conversation_id) = match &self.place {
            Place::Conversation {
                conversation_id,
                user_message_id,
                column,
            } => (
                Recorder::new(
                    s.store,
                    s.prices,
                    *conversation_id,
                    *user_message_id,
                    *column,
                    route,
                    prompt_chars,
                ),
                Some(*conversation_id),
            ),
            Place::Ledger { client } => (
                Recorder::ledger_only(s.store, s.prices, route, prompt_chars, client),
                None,
            ),
        };
        rec.set_calibrate(self.request.is_plain_text());
        if let Some(settings) = &self.settings {
            rec.set_settings(settings.clone());
        }
        let source = match (delivery, self.plan.targets.as_slice()) {
            // A tool loop streams, so each call is seen as it is made.
            (Delivery::Whole, [target]) if self.tools.is_none() => {
                // Attachments are made fit for the target here too (the router does it for a
                // routed answer).
                let engine = s.router.engine().clone();
                let request = &self.request;
                let whole = async move {
                    let prepared = engine.prepare(target, request).await?;
                    let sent = prepared.as_ref().map_or(request, |p| &p.request);
                    engine.complete(target, sent).await
                };
                Source::Whole(Box::pin(whole), target)
            }
            _ => Source::Routed(s.router.stream(&self.plan, &self.request)),
        };
        Answer {
            rec,
            source,
            turn: self,
            router: s.router,
            tools: self.tools.as_ref().map(|t| Loop {
                host: t.0.clone(),
                request: None,
                calls: Vec::new(),
                queue: VecDeque::new(),
                running: None,
                results: Vec::new(),
                steps: 0,
                text_from: 0,
                target: None,
                cost_micros: 0,
                usage: None,
                provider_cost: None,
            }),
            conversation_id,
            pending: VecDeque::new(),
            attempts: Vec::new(),
            fell_over: Vec::new(),
            ttft_ms: None,
            started: Instant::now(),
            has_content: false,
        }
    }
}

impl Turn {
    /// Drives this turn (streamed) to its end, telling `emit` each event; `cancel` resolving
    /// stops it (what arrived stays).
    pub async fn run(
        &self,
        s: Session<'_>,
        cancel: impl Future<Output = ()>,
        mut emit: impl FnMut(TurnEvent),
    ) {
        let mut answer = self.drive(s, Delivery::Stream);
        tokio::pin!(cancel);
        loop {
            let event = tokio::select! {
                e = answer.next() => e,
                _ = &mut cancel => answer.cancel(),
            };
            let Some(event) = event else { return };
            let last = event.is_last();
            emit(event);
            if last {
                return;
            }
        }
    }
}

impl<'a> Answer<'a> {
    /// The next event; `None` after the last (`Done`, `Failed` or `Cancelled`). Cancel-safe:
    /// it may be raced in `select!` (the only wait is for the upstream's next piece).
    pub async fn next(&mut self) -> Option<TurnEvent> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            match &mut self.source {
                Source::Over => return None,
                Source::Routed(stream) => {
                    let item = stream.next().await;
                    self.routed(item);
                }
                Source::Whole(fut, target) => {
                    let target: &'a Target = target;
                    let result = fut.await;
                    self.whole(result, target);
                }
                Source::Tool(fut) => {
                    let result = fut.await;
                    self.tool_done(result);
                }
            }
        }
    }

    /// The next event if one is ready now, without waiting (to gather deltas already read).
    pub fn ready(&mut self) -> Option<TurnEvent> {
        use futures_util::FutureExt;
        self.next().now_or_never().flatten()
    }

    /// The request id that groups the request's ledger rows.
    pub fn request_id(&self) -> &str {
        self.rec.request_id()
    }

    /// Stops the answer: the upstream connection is dropped, what arrived stays, stored as
    /// cancelled. `None` when it had already ended.
    pub fn cancel(&mut self) -> Option<TurnEvent> {
        if matches!(self.source, Source::Over) {
            return None;
        }
        self.source = Source::Over;
        self.pending.clear();
        // A tool that was running is stopped with the answer (its future is dropped above).
        if let Some(call) = self.tools.as_mut().and_then(|l| l.running.take()) {
            let r = ToolResult::text(&call, "stopped before the tool answered", true);
            let _ = self.rec.tool_parts(&[Part::ToolResult(r)]);
        }
        let _ = self.rec.fail(None);
        Some(TurnEvent::Cancelled {
            message_id: self.rec.message_id(),
        })
    }

    /// Ends the answer with `error` (recorded as it can be: a failing store still ends it).
    pub fn fail(&mut self, error: Error) -> Option<TurnEvent> {
        if matches!(self.source, Source::Over) {
            return None;
        }
        self.end_with(error);
        self.pending.pop_back()
    }

    fn routed(&mut self, item: Option<Result<RouteEvent>>) {
        match item {
            Some(Ok(RouteEvent::Attempt(a))) => self.attempt(a),
            Some(Ok(RouteEvent::Chat(ChatEvent::Delta(text)))) => {
                self.has_content = true;
                match self.rec.delta(&text) {
                    Ok(()) => self.pending.push_back(TurnEvent::Delta { text }),
                    Err(e) => self.end_with(e),
                }
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Reasoning(text)))) => {
                self.has_content = true;
                match self.rec.reasoning(&text) {
                    Ok(()) => self.pending.push_back(TurnEvent::Reasoning { text }),
                    Err(e) => self.end_with(e),
                }
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::Start { .. }))) => {}
            Some(Ok(RouteEvent::Chat(ChatEvent::ToolCall(mut call)))) => {
                self.has_content = true;
                call.at = self.rec.text_len();
                if let Some(l) = &mut self.tools {
                    // Ids the engine made up start again at each model call.
                    call.id = crate::providers::tools::made_up_in_step(&call.id, l.steps);
                    l.calls.push(call.clone());
                } else {
                    // No loop here (the gateway): the calls are stored and go to the client.
                    if let Err(e) = self.rec.tool_parts(&[Part::ToolCall(call.clone())]) {
                        return self.end_with(e);
                    }
                }
                self.pending.push_back(TurnEvent::ToolCall { call });
            }
            Some(Ok(RouteEvent::Chat(ChatEvent::End(end)))) => {
                let target = match &self.source {
                    Source::Routed(stream) => stream.answered().cloned(),
                    _ => None,
                };
                let calls = self.tools.as_ref().is_some_and(|l| !l.calls.is_empty());
                match target {
                    Some(t) if calls => self.tool_step(&end, t),
                    Some(t) => self.finish(&end, &t),
                    None => self.end_with(Error::Internal(
                        "the router ended an answer without naming its target".into(),
                    )),
                }
            }
            Some(Err(e)) => self.end_with(e),
            None => self.end_with(
                ProviderError::new(
                    "router",
                    ErrorClass::MalformedStream,
                    "the answer ended without its end",
                )
                .into(),
            ),
        }
    }

    fn whole(&mut self, result: Result<ChatResponse>, target: &Target) {
        let ms = self.started.elapsed().as_millis() as u64;
        let answer = match result {
            Ok(a) => a,
            Err(e) => {
                let failed = Attempt {
                    target: target.to_string(),
                    number: 1,
                    outcome: Outcome::Failed,
                    class: e.as_provider().map(|p| p.class),
                    status: e.as_provider().and_then(|p| p.status),
                    ms,
                    message: Some(e.to_string()),
                };
                self.attempt(failed);
                return self.end_with(e);
            }
        };
        self.attempt(Attempt {
            target: target.to_string(),
            number: 1,
            outcome: Outcome::Ok,
            class: None,
            status: None,
            ms,
            message: None,
        });
        if matches!(self.source, Source::Over) {
            return;
        }
        self.has_content = true;
        let saved = self
            .rec
            .reasoning(&answer.reasoning)
            .and_then(|()| self.rec.delta(&answer.text));
        if let Err(e) = saved {
            return self.end_with(e);
        }
        if !answer.reasoning.is_empty() {
            self.pending.push_back(TurnEvent::Reasoning {
                text: answer.reasoning,
            });
        }
        let at = self.rec.text_len();
        self.pending
            .push_back(TurnEvent::Delta { text: answer.text });
        let calls: Vec<ToolCall> = answer
            .tool_calls
            .into_iter()
            .map(|c| ToolCall { at, ..c })
            .collect();
        if !calls.is_empty() {
            let parts: Vec<Part> = calls.iter().cloned().map(Part::ToolCall).collect();
            if let Err(e) = self.rec.tool_parts(&parts) {
                return self.end_with(e);
            }
            for call in calls {
                self.pending.push_back(TurnEvent::ToolCall { call });
            }
        }
        self.finish(&answer.end, target);
    }

    fn attempt(&mut self, a: Attempt) {
        if let Err(e) = self.rec.attempt(&a) {
            return self.end_with(e);
        }
        match a.outcome {
            // A tool loop's later model calls keep the answer's first time to first token.
            Outcome::Ok => {
                self.ttft_ms.get_or_insert(a.ms);
            }
            Outcome::Failed | Outcome::Skipped => self.fell_over.push(fell_over(&a)),
        }
        self.attempts.push(a.clone());
        self.pending.push_back(TurnEvent::Attempt(a));
    }

    /// A model call of a tool loop ended asking for tools: its ledger row is closed, its calls
    /// stored, and they run one by one (each after its consent); past the step limit they are
    /// answered as not run and the answer ends.
    fn tool_step(&mut self, end: &StreamEnd, target: Target) {
        tracing::debug!(target: "roundtable::tools", "model call ended with tool calls");
        let Some(l) = &mut self.tools else { return };
        let calls = std::mem::take(&mut l.calls);
        let parts: Vec<Part> = calls.iter().cloned().map(Part::ToolCall).collect();
        let limit = l.host.max_steps();
        let over = l.steps >= limit;
        if let Err(e) = self.rec.tool_parts(&parts) {
            return self.end_with(e);
        }
        // The call that was asked to answer without tools called them anyway: they are not run,
        // and the answer ends here (its row closed by `finish`).
        if over {
            let results: Vec<Part> = calls
                .iter()
                .map(|c| {
                    let mut r = ToolResult::text(
                        c,
                        format!("not run: this answer reached its limit of {limit} tool steps"),
                        true,
                    );
                    r.decision = Some(Decision::Never);
                    Part::ToolResult(r)
                })
                .collect();
            if let Err(e) = self.rec.tool_parts(&results) {
                return self.end_with(e);
            }
            for p in results {
                if let Part::ToolResult(result) = p {
                    self.pending.push_back(TurnEvent::ToolResult { result });
                }
            }
            return self.finish(end, &target);
        }
        let row = match self.rec.step(end, &target) {
            Ok(row) => row,
            Err(e) => return self.end_with(e),
        };
        let l = self.tools.as_mut().expect("a tool loop");
        l.cost_micros += row.cost_micros;
        add_usage(&mut l.usage, end.usage);
        if let Some(usd) = end.provider_cost_usd {
            *l.provider_cost.get_or_insert(0.0) += usd;
        }
        l.steps += 1;
        let request = l.request.get_or_insert_with(|| self.turn.request.clone());
        let mut assistant: Vec<Part> = Vec::new();
        let text = self.rec.text_from(l.text_from);
        if !text.is_empty() {
            assistant.push(Part::Text(text.to_string()));
        }
        assistant.extend(parts);
        request.messages.push(Message {
            role: Role::Assistant,
            parts: assistant,
        });
        l.text_from = self.rec.text_len();
        l.target = Some(target);
        l.queue = calls.into();
        self.next_tool();
    }

    /// Runs the next queued call, or, when every call has its result, asks the model again.
    fn next_tool(&mut self) {
        let Some(l) = &mut self.tools else { return };
        let Some(call) = l.queue.pop_front() else {
            return self.next_model_call();
        };
        let request = l.request.as_ref().expect("a tool loop's request");
        let future: futures_util::future::BoxFuture<'static, ToolResult> =
            match crate::tools::check_call(&request.tools, &call) {
                Err(refused) => Box::pin(async move { refused }),
                Ok(_) => {
                    let started = Instant::now();
                    let run = l.host.run(call.clone());
                    Box::pin(async move {
                        let mut r = run.await;
                        // A call that ran has its time; a refused one has none (the wait for
                        // the person is not the tool's).
                        if r.decision.is_none_or(Decision::allows) {
                            r.ms.get_or_insert(started.elapsed().as_millis() as u64);
                        }
                        r
                    })
                }
            };
        l.running = Some(call);
        self.source = Source::Tool(future);
    }

    fn tool_done(&mut self, mut result: ToolResult) {
        let Some(l) = &mut self.tools else { return };
        if let Some(call) = l.running.take() {
            // The result answers the call it was run for, whatever the host wrote.
            result.id = call.id;
            result.name = call.name;
        }
        l.results.push(result.clone());
        if let Err(e) = self.rec.tool_parts(&[Part::ToolResult(result.clone())]) {
            return self.end_with(e);
        }
        self.pending.push_back(TurnEvent::ToolResult { result });
        self.next_tool();
    }

    /// Sends the calls' results back to the model that made them (the same target: no
    /// fall-over inside a loop); the call after the step limit's is asked to answer without
    /// tools.
    fn next_model_call(&mut self) {
        let Some(l) = &mut self.tools else { return };
        let Some(request) = l.request.as_mut() else {
            return;
        };
        let results: Vec<Part> = l.results.drain(..).map(Part::ToolResult).collect();
        request.messages.push(Message {
            role: Role::User,
            parts: results,
        });
        if l.steps >= l.host.max_steps() {
            request.tool_choice = Some(ToolChoice::None);
        }
        let Some(target) = l.target.clone() else {
            return self.end_with(Error::Internal("a tool loop without its target".into()));
        };
        let plan = Plan {
            strategy: crate::config::Strategy::Fallback,
            targets: vec![target],
            weights: vec![1],
            route: self.turn.plan.route.clone(),
        };
        self.rec.next_step(request.prompt_chars());
        self.source = Source::Routed(self.router.stream(&plan, request));
        tracing::debug!(target: "roundtable::tools", "next model call started");
    }

    fn finish(&mut self, end: &StreamEnd, target: &Target) {
        let row = match self.rec.finish(end, target) {
            Ok(row) => row,
            Err(e) => return self.end_with(e),
        };
        let (cost_micros, usage, provider_cost, steps) = match &mut self.tools {
            Some(l) if l.steps > 0 => {
                add_usage(&mut l.usage, end.usage);
                let provider = match (l.provider_cost, end.provider_cost_usd) {
                    (Some(a), Some(b)) => Some(a + b),
                    (a, b) => a.or(b),
                };
                (
                    l.cost_micros + row.cost_micros,
                    l.usage,
                    provider,
                    l.steps as u32 + 1,
                )
            }
            _ => (row.cost_micros, end.usage, end.provider_cost_usd, 1),
        };
        self.source = Source::Over;
        self.pending.push_back(TurnEvent::Done(Box::new(Finished {
            message_id: self.rec.message_id(),
            conversation_id: self.conversation_id,
            request_id: self.rec.request_id().to_string(),
            model: row.model_answered.unwrap_or_else(|| target.to_string()),
            requested: target.to_string(),
            fell_over: std::mem::take(&mut self.fell_over),
            attempts: std::mem::take(&mut self.attempts),
            usage,
            finish: end.finish.as_str().to_string(),
            provider_cost_usd: provider_cost,
            cost_micros,
            steps,
            price_source: row.price_source.map(|s| s.as_str().to_string()),
            ttft_ms: self.ttft_ms,
            duration_ms: self.started.elapsed().as_millis() as u64,
        })));
    }

    /// Ends the answer with `error`: the upstream is dropped, what arrived is stored as `error`.
    fn end_with(&mut self, error: Error) {
        self.source = Source::Over;
        // A store that failed may fail again here; the turn's error is still the one reported.
        let _ = self.rec.fail(Some(&error));
        self.pending.push_back(TurnEvent::Failed {
            error: ErrorView::from(&error),
            partial: self.has_content,
            message_id: self.rec.message_id(),
        });
    }
}

/// A failed or skipped attempt as the fronts name it: `target (class)`.
pub fn fell_over(a: &Attempt) -> String {
    format!(
        "{} ({})",
        a.target,
        a.class.map_or("cooling down", |c| c.as_str())
    )
}

/// Runs every turn at once (a compare's columns) until each ends, telling `emit` each event with
/// its column. `cancelled(column)` resolving stops that column alone; the others carry on.
pub async fn fan_out<'a, C, F>(
    turns: &'a [Turn],
    s: Session<'a>,
    cancelled: C,
    mut emit: impl FnMut(usize, TurnEvent),
) where
    C: Fn(usize) -> F,
    F: Future<Output = ()> + 'a,
{
    let columns = turns.iter().enumerate().map(|(i, t)| {
        let answer = t.drive(s, Delivery::Stream);
        let stop = Box::pin(cancelled(i));
        let column = futures_util::stream::unfold(
            (answer, stop, false),
            move |(mut a, mut stop, over)| async move {
                if over {
                    return None;
                }
                let e = tokio::select! {
                    e = a.next() => e,
                    _ = &mut stop => a.cancel(),
                }?;
                let last = e.is_last();
                Some(((i, e), (a, stop, last)))
            },
        );
        Box::pin(column)
    });
    let mut all = futures_util::stream::select_all(columns);
    while let Some((i, e)) = all.next().await {
        emit(i, e);
    }
}
