//! Records one routed request as it streams: a ledger row per attempt, the answer message from
//! its first token, its text appended (never rewritten) at least every 500 ms — by a timer, so a
//! stalled stream is saved too — or every 16 KB, then finalised once with the whole text, the
//! provider's usage and the cost at the price in force. Work and bytes written are linear in the
//! answer: pieces are appended, the token estimate is a running count, the ledger's estimated
//! figures are refreshed at most every 500 ms. A crash loses at most one flush interval; the next
//! open marks what its dead writer left streaming as interrupted (with estimated figures).

use std::time::Instant;

use crate::chat::{Role, StreamEnd, Usage};
use crate::client::Target;
use crate::error::{Error, Result};
use crate::pricing::{PriceBook, PriceSource};
use crate::router::{Attempt, Outcome};
use crate::store::flusher::{Flusher, FLUSH_INTERVAL};
use crate::store::{now_ms, LedgerOutcome, LedgerRow, MessageStatus, NewMessage, Store};

/// A rough token count for figures a stream never reported (about four characters a token).
fn estimate_tokens(chars: usize) -> i64 {
    chars.div_ceil(4) as i64
}

/// Records one request (one compare column) into a store.
pub struct Recorder<'a> {
    store: &'a Store,
    prices: &'a PriceBook,
    request_id: String,
    /// The conversation and the user message answered; `None` when only the ledger is kept
    /// (the gateway's requests).
    conversation_id: Option<i64>,
    parent_id: Option<i64>,
    client: Option<String>,
    column: Option<i64>,
    route: Option<String>,
    prompt_chars: usize,
    /// Whether the prompt was text alone, so its characters may calibrate the token estimate.
    calibrate: bool,
    /// The settings the answer is made under, kept with it (a compare column's).
    settings: Option<crate::session::ChatSettings>,
    message_id: Option<i64>,
    /// The whole answer so far, written once when it ends.
    text: String,
    reasoning: String,
    /// Running character count of text and reasoning, for the estimate.
    chars: usize,
    /// The unsaved tail and its timer, while the message streams.
    flusher: Option<Flusher>,
    /// When the ledger row's estimated figures were last saved.
    last_flush: Instant,
    answering: Option<(i64, LedgerRow)>,
    last_target: Option<String>,
    started: Instant,
    /// The characters of text and reasoning before this model call (a tool loop's later steps
    /// estimate their own output only).
    step_chars: usize,
    /// Which model call of a tool loop this is (0: the first).
    loop_step: u32,
}

impl<'a> Recorder<'a> {
    /// Starts recording an answer to the user message `parent_id` (already committed).
    pub fn new(
        store: &'a Store,
        prices: &'a PriceBook,
        conversation_id: i64,
        parent_id: i64,
        column: Option<i64>,
        route: Option<String>,
        prompt_chars: usize,
    ) -> Self {
        Recorder {
            store,
            prices,
            request_id: format!("{:016x}", fastrand::u64(..)),
            conversation_id: Some(conversation_id),
            parent_id: Some(parent_id),
            client: None,
            column,
            route,
            prompt_chars,
            calibrate: true,
            settings: None,
            message_id: None,
            text: String::new(),
            reasoning: String::new(),
            chars: 0,
            flusher: None,
            last_flush: Instant::now(),
            answering: None,
            last_target: None,
            started: Instant::now(),
            step_chars: 0,
            loop_step: 0,
        }
    }

    /// Records only ledger rows, tagged with `client`: no conversation, no messages.
    pub fn ledger_only(
        store: &'a Store,
        prices: &'a PriceBook,
        route: Option<String>,
        prompt_chars: usize,
        client: &str,
    ) -> Self {
        let mut r = Recorder::new(store, prices, 0, 0, None, route, prompt_chars);
        r.conversation_id = None;
        r.parent_id = None;
        r.client = Some(client.to_string());
        r
    }

    /// The request id that groups this request's ledger rows.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The answer message, once the first token has arrived.
    pub fn message_id(&self) -> Option<i64> {
        self.message_id
    }

    /// The bytes of answer text so far (where a tool call sits in it).
    pub fn text_len(&self) -> usize {
        self.text.len()
    }

    /// The answer text from byte `from` on.
    pub fn text_from(&self, from: usize) -> &str {
        self.text.get(from..).unwrap_or("")
    }

    /// Keeps `settings` with the answer when it is stored.
    pub fn set_settings(&mut self, settings: crate::session::ChatSettings) {
        self.settings = Some(settings);
    }

    /// Stores the answer message (with its settings, when kept).
    fn new_answer(&self, target: Option<&str>) -> Result<i64> {
        let id = self.store.add_message(&self.answer_message(target))?;
        if let Some(s) = &self.settings {
            self.store.set_message_settings(id, s)?;
        }
        Ok(id)
    }

    /// Whether the prompt is text alone (its characters then calibrate the token estimate;
    /// otherwise the ledger keeps 0 characters for it).
    pub fn set_calibrate(&mut self, text_alone: bool) {
        self.calibrate = text_alone;
    }

    /// The next model call of a tool loop sends this many prompt characters (for its estimate).
    pub fn next_step(&mut self, prompt_chars: usize) {
        self.prompt_chars = prompt_chars;
        // A later step carries tool calls and results: not text alone.
        self.calibrate = false;
        self.step_chars = self.chars;
        self.loop_step += 1;
    }

    /// Stores tool calls or results in the answer message, after its other parts (nothing for a
    /// turn kept in the ledger only).
    pub fn tool_parts(&mut self, parts: &[crate::chat::Part]) -> Result<()> {
        match self.message_id {
            Some(id) => self.store.append_parts(id, parts),
            None => Ok(()),
        }
    }

    /// The (empty, streaming) answer message.
    fn answer_message<'m>(&self, model: Option<&'m str>) -> NewMessage<'m> {
        NewMessage {
            conversation: self.conversation_id.unwrap_or_default(),
            parent: self.parent_id,
            role: Role::Assistant,
            text: "",
            status: MessageStatus::Streaming,
            model,
            column: self.column,
        }
    }

    fn row(&self, a: &Attempt, outcome: LedgerOutcome) -> LedgerRow {
        LedgerRow {
            request_id: self.request_id.clone(),
            conversation_id: self.conversation_id,
            client: self.client.clone(),
            provider: a.target.split('/').next().unwrap_or("").to_string(),
            model_requested: a.target.clone(),
            route: self.route.clone(),
            attempt: i64::from(a.number),
            outcome,
            error_class: a.class.map(|c| c.as_str().to_string()),
            http_status: a.status.map(i64::from),
            started_at: now_ms() - a.ms as i64,
            note: (a.outcome == Outcome::Ok)
                .then(|| a.message.clone())
                .flatten(),
            prompt_chars: if self.calibrate {
                self.prompt_chars as i64
            } else {
                0
            },
            ..Default::default()
        }
    }

    /// An attempt ended: a failed one is a ledger row; the answering one opens the message.
    pub fn attempt(&mut self, a: &Attempt) -> Result<()> {
        self.last_target = Some(a.target.clone());
        match a.outcome {
            Outcome::Skipped => Ok(()),
            Outcome::Failed => {
                let mut row = self.row(a, LedgerOutcome::Failed);
                row.duration_ms = Some(a.ms as i64);
                self.store.record_attempt(&row)?;
                Ok(())
            }
            Outcome::Ok => {
                // The ledger row first: a provider that answered may bill, so its row must exist
                // even if the answer message cannot be written (found by tests/fronts.rs).
                let mut row = self.row(a, LedgerOutcome::Streaming);
                row.ttft_ms = Some(a.ms as i64);
                row.estimated = true;
                let rid = self.store.record_attempt(&row)?;
                self.store.own_attempt(rid)?;
                self.answering = Some((rid, row));
                self.last_flush = Instant::now();
                if let Some(id) = self.message_id {
                    // A tool loop's next model call: the answer message is open already.
                    if let Some((rid, row)) = &mut self.answering {
                        row.message_id = Some(id);
                        self.store.update_attempt(*rid, row)?;
                    }
                } else if self.conversation_id.is_some() {
                    let id = self.new_answer(Some(&a.target))?;
                    self.message_id = Some(id);
                    self.flusher = Some(Flusher::start(self.store.shared_conn(), id));
                    if let Some((rid, row)) = &mut self.answering {
                        row.message_id = Some(id);
                        self.store.update_attempt(*rid, row)?;
                    }
                }
                Ok(())
            }
        }
    }

    /// A piece of the answer.
    pub fn delta(&mut self, text: &str) -> Result<()> {
        self.text.push_str(text);
        self.chars += text.chars().count();
        if let Some(f) = &self.flusher {
            f.push(text, "").map_err(|e| self.store.err(e))?;
        }
        self.maybe_flush()
    }

    /// A piece of reasoning.
    pub fn reasoning(&mut self, text: &str) -> Result<()> {
        self.reasoning.push_str(text);
        self.chars += text.chars().count();
        if let Some(f) = &self.flusher {
            f.push("", text).map_err(|e| self.store.err(e))?;
        }
        self.maybe_flush()
    }

    /// The text saves itself (the flusher's timer); the ledger's estimated figures are
    /// refreshed at most every interval, so a crash keeps them too.
    fn maybe_flush(&mut self) -> Result<()> {
        if self.last_flush.elapsed() < FLUSH_INTERVAL {
            return Ok(());
        }
        if let Some((rid, mut row)) = self.answering.take() {
            self.estimate(&mut row);
            self.store.update_attempt(rid, &row)?;
            self.answering = Some((rid, row));
        }
        self.last_flush = Instant::now();
        Ok(())
    }

    fn estimate(&self, row: &mut LedgerRow) {
        let usage = Usage {
            input_tokens: estimate_tokens(self.prompt_chars) as u64,
            output_tokens: estimate_tokens(self.chars - self.step_chars) as u64,
            ..Default::default()
        };
        self.price_into(row, &usage, &row.model_requested.clone(), None);
        row.estimated = true;
        row.duration_ms = Some(self.row_ms(row));
    }

    /// A ledger row's time: the first model call's from the request's start (fall-overs
    /// included), a tool loop's later calls' from their own request.
    fn row_ms(&self, row: &LedgerRow) -> i64 {
        if self.loop_step == 0 {
            self.started.elapsed().as_millis() as i64
        } else {
            (now_ms() - row.started_at).max(0)
        }
    }

    fn price_into(
        &self,
        row: &mut LedgerRow,
        usage: &Usage,
        model: &str,
        provider_cost: Option<f64>,
    ) {
        row.input_tokens = usage.input_tokens as i64;
        row.output_tokens = usage.output_tokens as i64;
        row.cache_read_tokens = usage.cache_read_tokens as i64;
        row.cache_write_tokens = usage.cache_write_tokens as i64;
        row.reasoning_tokens = usage.reasoning_tokens as i64;
        row.image_tokens = usage.image_tokens as i64;
        let (price, source) = self.prices.price_of(&[model, &row.model_requested]);
        row.price = price;
        match provider_cost {
            // The provider's own figure is its bill.
            Some(usd) => {
                row.cost_micros = (usd * 1_000_000.0).round() as i64;
                row.price_source = Some(PriceSource::Provider);
            }
            None => {
                row.cost_micros = price.map_or(0, |p| p.cost(usage));
                row.price_source = Some(source);
            }
        }
    }

    fn answered_model(end: &StreamEnd, answered: &Target) -> String {
        format!(
            "{}/{}",
            answered.provider.id,
            end.model.as_deref().unwrap_or(&answered.model)
        )
    }

    /// The answer ended well: final text, the provider's usage and the cost.
    pub fn finish(&mut self, end: &StreamEnd, answered: &Target) -> Result<LedgerRow> {
        let model = Self::answered_model(end, answered);
        if self.answering.is_none() {
            return Err(Error::InvalidRequest(
                "an answer ended before any attempt succeeded".into(),
            ));
        }
        if let Some(f) = self.flusher.take() {
            f.stop();
        }
        if let Some(id) = self.message_id {
            self.store.finish_message(
                id,
                &self.text,
                &self.reasoning,
                MessageStatus::Complete,
                Some(&model),
                None,
            )?;
        }
        self.close_row(end, &model)
    }

    /// One model call of a tool loop ended well (it asked for tools): its ledger row gets the
    /// provider's usage and cost; the answer message stays open for the next call.
    pub fn step(&mut self, end: &StreamEnd, answered: &Target) -> Result<LedgerRow> {
        let model = Self::answered_model(end, answered);
        self.close_row(end, &model)
    }

    fn close_row(&mut self, end: &StreamEnd, model: &str) -> Result<LedgerRow> {
        let (rid, mut row) = self
            .answering
            .take()
            .ok_or_else(|| Error::InvalidRequest("no answering attempt".into()))?;
        let model = model.to_string();
        row.outcome = LedgerOutcome::Ok;
        row.model_answered = Some(model.clone());
        row.duration_ms = Some(self.row_ms(&row));
        match end.usage {
            Some(usage) => {
                self.price_into(&mut row, &usage, &model, end.provider_cost_usd);
                row.estimated = false;
            }
            None => self.estimate(&mut row),
        }
        self.store.update_attempt(rid, &row)?;
        Ok(row)
    }

    /// The request failed, or was cancelled: the partial answer (or the error) stays, marked.
    pub fn fail(&mut self, error: Option<&Error>) -> Result<()> {
        let (status, outcome) = if error.is_some() {
            (MessageStatus::Error, LedgerOutcome::Error)
        } else {
            (MessageStatus::Cancelled, LedgerOutcome::Cancelled)
        };
        let message = error.map(|e| e.to_string());
        if let Some(f) = self.flusher.take() {
            f.stop();
        }
        // The answer message keeps what arrived; when no answer began at all, an error message
        // keeps the failure in the conversation.
        match self.message_id {
            Some(id) => self.store.finish_message(
                id,
                &self.text,
                &self.reasoning,
                status,
                None,
                message.as_deref(),
            )?,
            None if self.answering.is_none() && self.conversation_id.is_some() => {
                let id = self.new_answer(self.last_target.as_deref())?;
                self.store
                    .finish_message(id, "", "", status, None, message.as_deref())?;
                self.message_id = Some(id);
            }
            None => {}
        }
        if let Some((rid, mut row)) = self.answering.take() {
            self.estimate(&mut row);
            row.outcome = outcome;
            if let Some(Error::Provider(p)) = error {
                row.error_class = Some(p.class.as_str().into());
                row.http_status = p.status.map(i64::from);
            }
            self.store.update_attempt(rid, &row)?;
        }
        Ok(())
    }
}

impl Drop for Recorder<'_> {
    /// Dropped mid-answer (its loop gave up without `finish` or `fail`): the answer is saved and
    /// marked interrupted now, as recovery would after a crash, rather than left streaming while
    /// this process (the app) keeps running.
    fn drop(&mut self) {
        // The message is open while its flusher runs: mid-answer, or between a tool loop's
        // model calls (when no ledger row is answering).
        let answering = self.answering.take();
        let open = self.flusher.take();
        if let Some(f) = open {
            f.stop();
            if let Some(id) = self.message_id {
                let saved = self.store.finish_message(
                    id,
                    &self.text,
                    &self.reasoning,
                    MessageStatus::Interrupted,
                    None,
                    None,
                );
                if let Err(e) = saved {
                    tracing::warn!(message = id, "saving an abandoned answer: {e}");
                }
            }
        }
        let Some((rid, mut row)) = answering else {
            return;
        };
        self.estimate(&mut row);
        row.outcome = LedgerOutcome::Interrupted;
        if let Err(e) = self.store.update_attempt(rid, &row) {
            tracing::warn!(ledger = rid, "saving an abandoned answer's figures: {e}");
        }
    }
}
