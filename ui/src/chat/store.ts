// The chat's state and actions: the open conversation and its message tree, the branch shown, the
// answer streaming now (with its tool calls and their questions), the draft (its text and
// attachments), the model, the conversation's settings (chat/params.ts), the MCP servers it may
// use, the cost of sending the draft (previewed as it is typed) and the spend-limit alerts of the
// last send. The sidebar and the chat view both read it; only these actions change it.

import { createEffect, createMemo, createSignal, type Accessor } from "solid-js";
import { createStore, produce, type SetStoreFunction } from "solid-js/store";
import { attachedOf, filesOf, refOf } from "../attachments/parts";
import { pictures } from "../attachments/pictures";
import { createAttachments } from "../attachments/store";
import type { FullBackend } from "../backend";
import { AnswerView } from "../shared/answer";
import { answerLine, fellOver, type Figures, fromDone } from "../shared/figures";
import { over, overNow, overWhenSettled, createPreview } from "../shared/preview";
import { describe, errorView, guard, report, tell } from "../shared/problems";
import { load, save } from "../shared/storage";
import { createVirtual, estimate } from "../shared/virtual";
import { createToolChoice } from "../tools/choice";
import { answered, applyTool, askAgain, runsOf, type ToolRun } from "../tools/runs";
import type { Approval, AttachedView, ErrorView, MessageView, ModelView, RuleStatus, StreamMsg, TurnSpec } from "../types";
import { pathTo, pathWith, pick, type Shown } from "./branch";
import { createChatParams } from "./params";

/** The answer streaming now (or the last one, until another conversation is opened). */
export interface Live {
  turn: number | null;
  /** The user's message this answers, once saved. */
  user: number | null;
  /** Shown above the answer (not for a regeneration). */
  prompt: string | null;
  /** What was attached to it (sent again by a retry). */
  attached: AttachedView[];
  view: AnswerView;
  status: "streaming" | "done" | "failed" | "stopped";
  /** The failure, typed: the error card branches on its kind and class. */
  error: ErrorView | null;
  footer: string | null;
  /** The model that answered (or is answering), once known. */
  model: string | null;
  /** The finished answer's figures. */
  figures: Figures | null;
  /** Its tool calls, as they come (a store: a block changes in place). */
  tools: ToolRun[];
  setTools: SetStoreFunction<ToolRun[]>;
}

export interface SendOptions { editOf?: number; regenerate?: number; overBudget?: boolean; attachments?: AttachedView[] }

export type ChatStore = ReturnType<typeof createChat>;

export function createChat(b: FullBackend, opts: { models: Accessor<ModelView[] | undefined>; onListChanged: () => void }) {
  const [current, setCurrent] = createSignal<number | null>(null);
  const [all, setAll] = createSignal<MessageView[]>([]);
  const [picks, setPicks] = createSignal(new Map<string, number>());
  // While an edit or a regeneration streams: the path ends at this message (or is empty).
  const [cut, setCut] = createSignal<{ through: number | null } | null>(null);
  const shown = createMemo<Shown[]>(() => {
    const c = cut();
    if (c) return c.through === null ? [] : pathTo(all(), c.through);
    return pathWith(all(), picks());
  });
  const [editing, setEditing] = createSignal<number | null>(null);
  const [live, setLive] = createSignal<Live | null>(null);
  const [model, setModel] = createSignal<string>(load("model"));
  const [picker, setPicker] = createSignal(false);
  const [draft, setDraft] = createSignal("");
  const files = createAttachments(b);
  const tools = createToolChoice(b);
  const params = createChatParams(b, current, setModel);
  // Spend limits the last send passed the alert share of (the banner, until dismissed).
  const [alerts, setAlerts] = createSignal<RuleStatus[]>([]);
  const attachedRefs = createMemo(() => files.ready().map(refOf));
  // The cost of sending the draft as it stands (in the conversation open, with the settings as
  // the panel shows them: an edit is costed at once, before it is saved; asked again once saved).
  const cost = createPreview<TurnSpec>(() => {
    const files = attachedRefs();
    if (!model() || (!draft().trim() && !files.length && current() === null)) return null;
    return {
      conversation: current(), prompt: draft(), targets: [model()], editOf: editing(), attachments: files,
      ...params.forPreview(current()),
    };
  }, (spec) => b.previewTurn(spec), undefined, params.saves);
  // What a screen reader hears: the answer's state changes, never each token.
  const [status, setStatus] = createSignal("");
  let scroller: HTMLElement | undefined;
  // Long conversations stay smooth: only the messages near the viewport are in the DOM.
  const virt = createVirtual({
    items: shown, key: (s) => s.m.id, scroller: () => scroller,
    guess: (s) => estimate(s.m.text) + (s.m.parts?.some((p) => p.type === "image") ? 132 : 0) + 46 * runsOf(s.m.parts).length,
  });

  createEffect(() => {
    // The remembered model, if it is still offered; else the first.
    const offered = opts.models();
    if (offered && offered.length > 0 && !offered.some((m) => m.id === model())) setModel(offered[0].id);
  });
  createEffect(() => save("model", model()));

  /** Leaves the live answer. One whose tool call still waits for the person is stopped: its
   *  question would otherwise be lost with the view, and the turn held open. */
  function leave() {
    const l = live();
    if (l?.turn != null && l.status === "streaming" && l.tools.some((r) => r.ask)) b.cancel(l.turn).catch(() => {});
    setLive(null);
  }

  async function open(id: number | null) {
    setCurrent(id);
    tools.open(id);
    leave();
    setCut(null);
    setPicks(new Map());
    setEditing(null);
    setAlerts([]);
    // An edit of the last one's settings still waiting is saved first: reopened, it shows them.
    try { await params.flush(); } catch (e) { report(e); }
    // Opened again meanwhile: that one's opening shows it.
    if (current() !== id) return;
    if (id === null) params.opened(null);
    let view: Awaited<ReturnType<typeof b.conversation>> | null = null;
    if (id !== null) {
      try {
        view = await b.conversation(id);
      } catch (e) {
        // Not the last one's settings under this one: none known, none editable.
        if (current() === id) { setAll([]); params.unknown(); }
        throw e;
      }
    }
    if (current() !== id) return;
    setAll(view?.messages ?? []);
    if (view) params.opened(view.settings ?? null, id);
    virt.toBottom();
  }

  function nearBottom(): boolean {
    return scroller ? scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 80 : false;
  }

  async function send(text: string, conversation: number | null, o: SendOptions = {}) {
    const prompt = text.trim();
    const attached = o.attachments ?? [];
    if ((!prompt && !attached.length && !o.regenerate) || live()?.status === "streaming") return;
    if (!model()) return tell("Pick a model first (Ctrl+K).");
    // An edit of the settings still waiting to be saved goes first: this turn uses it. Not saved,
    // nothing is sent (the draft stays; sending again retries the save).
    if (conversation !== null) {
      try { await params.flush(); } catch (e) { return tell(`Not sent: the settings could not be saved (${describe(e)}). Send again to retry.`); }
    }
    // What was saved so far (the turn before this one too) is shown above; an edit or a
    // regeneration shows the path up to where the new branch starts.
    if (conversation !== null) {
      try { setAll((await b.conversation(conversation)).messages); } catch { /* keep what is shown */ }
    }
    const edited = o.editOf === undefined ? undefined : all().find((m) => m.id === o.editOf);
    if (edited) setCut({ through: edited.parentId });
    else if (o.regenerate !== undefined) setCut({ through: o.regenerate });
    else { setCut(null); setPicks(new Map()); }
    setEditing(null);
    const view = new AnswerView();
    const [runs, setRuns] = createStore<ToolRun[]>([]);
    setLive({
      turn: null, user: o.regenerate ?? null, prompt: o.regenerate !== undefined ? null : prompt, attached,
      view, status: "streaming", error: null, footer: null, model: null, figures: null, tools: runs, setTools: setRuns,
    });
    setStatus(`Asking ${model()}…`);
    setDraft("");
    const onEvent = (msg: StreamMsg) => {
      switch (msg.kind) {
        case "render": {
          const near = nearBottom();
          view.apply(msg);
          if (near && scroller) scroller.scrollTop = scroller.scrollHeight;
          break;
        }
        case "attempt":
          setLive((l) => l && { ...l, model: msg.outcome === "ok" ? msg.target : l.model, footer: msg.outcome === "ok" ? null : `${fellOver(msg)} failed, trying the next…` });
          if (msg.outcome !== "ok") setStatus(`${fellOver(msg)} failed, trying the next`);
          break;
        case "done": {
          const figures = fromDone(msg);
          setLive((l) => l && { ...l, status: "done", footer: null, model: msg.model, figures });
          setStatus(`Answer complete: ${answerLine(figures)}`);
          opts.onListChanged();
          break;
        }
        case "failed":
          setLive((l) => l && { ...l, status: "failed", error: msg.error });
          setStatus(""); // the error card is an alert: said once, there
          break;
        case "cancelled":
          setLive((l) => l && { ...l, status: "stopped", footer: "stopped — the partial answer is kept" });
          setStatus("Stopped; the partial answer is kept");
          break;
        case "toolCall":
        case "toolResult":
        case "ask":
          setRuns(produce((r) => applyTool(r, msg)));
          if (msg.kind === "ask") setStatus(`${msg.pending.tool} from ${msg.pending.server} waits for your answer: allow or deny it`);
          else if (msg.kind === "toolCall") setStatus(`Calling the tool ${msg.call.name}…`);
          break;
      }
    };
    try {
      const servers = await tools.forSend();
      const settings = params.forTurn(conversation);
      const started = await b.send(
        {
          conversation, prompt, targets: [model()], editOf: o.editOf ?? null, regenerate: o.regenerate ?? null,
          overBudget: o.overBudget ?? null, attachments: attached.map(refOf), ...settings.fields,
        },
        servers,
        onEvent,
      );
      if (started.alerts?.length) setAlerts(started.alerts);
      // A preset's value cleared in the panel cannot be said by a turn: the settings are stored as shown.
      if (conversation === null && settings.fix) b.setConversationSettings(started.saved.conversationId, settings.fix).catch(report);
      // Started: they go with this message (until then they stay in the composer).
      files.sent(attached.map((a) => a.sha256));
      setLive((l) => l && { ...l, turn: started.turn, user: started.saved.userMessageId });
      if (conversation === null) {
        tools.started(started.saved.conversationId);
        params.started(started.saved.conversationId);
        setCurrent(started.saved.conversationId);
        opts.onListChanged();
      }
    } catch (e) {
      setLive((l) => l && { ...l, status: "failed", error: errorView(e) });
      setStatus("");
    }
  }

  const overText = (o: { target: string; cutTokens: number }) =>
    `The prompt is over ${o.target}'s context window: cut about ${o.cutTokens.toLocaleString("en-US")} tokens.`;

  /**
   * Why the draft cannot be sent now (a setting not valid, a prompt over the context window), if
   * so. A stale preview holds nothing: Send waits for it to be current (`submit`).
   */
  function blocked(): string | null {
    if (!params.valid()) return "A setting is not valid: fix it in the settings panel first.";
    const o = overNow(cost);
    return o ? overText(o.estimate) : null;
  }

  // A send waiting for the cost preview to be current (another Enter meanwhile is not a second send).
  let holding = false;

  /**
   * Sends the draft and its attachments (as an edit when one is being edited). With the preview
   * stale (just typed or pasted), it waits for it (up to a second) to know whether the prompt
   * fits; one that cannot be had does not hold the send (the provider refuses an oversize prompt).
   */
  async function submit() {
    if (holding) return;
    if (files.reading()) return tell("The files are still being read: send once they are attached.");
    if (!params.valid()) return tell("A setting is not valid: fix it in the settings panel first.");
    // Where Enter was pressed: another conversation opened (or another edit begun) meanwhile is not sent to.
    const conv = current();
    const edit = editing();
    holding = true;
    let o: Awaited<ReturnType<typeof overWhenSettled>>;
    try { o = await overWhenSettled(cost); } finally { holding = false; }
    if (current() !== conv || editing() !== edit) return tell("Not sent: another conversation or message was opened meanwhile. The draft is kept.");
    if (o) return tell(overText(o.estimate));
    // Checked again: what changed while the preview was awaited.
    if (files.reading()) return tell("The files are still being read: send once they are attached.");
    if (!params.valid()) return tell("A setting is not valid: fix it in the settings panel first.");
    guard(send(draft(), conv, { attachments: files.ready(), ...(edit === null ? {} : { editOf: edit }) }));
  }

  /** Sends again: a regeneration of what `l` answered, or its prompt once more. */
  function retry(l: Live, overBudget = false) {
    guard(l.user !== null
      ? send("", current(), { regenerate: l.user, overBudget })
      : send(l.prompt ?? "", current(), { overBudget, attachments: l.attached }));
  }

  /** The text of the newest answer shown: the live one, else the last stored answer on the path. */
  function lastAnswer(): string | null {
    const l = live();
    if (l && l.status !== "streaming") return l.view.text() || null;
    const m = [...shown()].reverse().find((s) => s.m.role === "assistant");
    return m ? m.m.text : null;
  }

  /** Deletes a stored message and everything below it, then shows what is left. */
  async function remove(id: number) {
    const conv = current();
    await b.deleteMessage(id);
    leave();
    setCut(null);
    if (conv !== null) setAll((await b.conversation(conv)).messages);
    opts.onListChanged();
  }

  /** The person's answer to a call waiting in the live answer; the question goes at once (back if it cannot be sent). */
  async function answerTool(call: string, approval: Approval) {
    const l = live();
    const run = l?.tools.find((r) => r.call.id === call);
    if (!l || !run?.ask) return;
    const asked = { ...run.ask };
    l.setTools(produce((r) => { answered(r, call, approval); }));
    try {
      if (!(await b.toolAnswer(asked.turn, call, approval))) tell("That tool call no longer waits for an answer.");
    } catch (e) {
      l.setTools(produce((r) => askAgain(r, call, asked)));
      throw e;
    }
  }

  async function stop() {
    const l = live();
    if (l?.turn != null && l.status === "streaming") await b.cancel(l.turn);
  }

  return {
    current, all, shown, editing, live, model, picker, draft, files, tools, virt, status, lastAnswer, params, cost, alerts, blocked,
    /** Whether sending is refused before asking (a prompt over its context window). */
    over: () => over(cost.preview()),
    dismissAlerts: () => setAlerts([]),
    /** Pictures of stored images, for the messages and the composer. */
    pictures: pictures(b),
    setModel, setPicker, setDraft,
    bindScroller: (el: HTMLElement) => { scroller = el; },
    open: (id: number | null) => guard(open(id)),
    send: (text: string, conversation: number | null, o?: SendOptions) => guard(send(text, conversation, o)),
    submit: () => guard(submit()), retry,
    stop: () => guard(stop()),
    answerTool: (call: string, approval: Approval) => guard(answerTool(call, approval)),
    remove: (id: number) => guard(remove(id)),
    /** Shows another branch at `m`. */
    pick: (m: MessageView) => { setCut(null); leave(); setPicks(pick(picks(), m)); },
    /** Puts a message back in the composer, its attachments too: sending makes a new branch. */
    edit: (id: number | null, text: string, attached: AttachedView[] = []) => { setEditing(id); setDraft(text); files.set(attached); },
    /** A stored message back in the composer. */
    editMessage: (m: MessageView) => { setEditing(m.id); setDraft(m.text); files.set(filesOf(m.parts).map(attachedOf)); },
    cancelEdit: () => { setEditing(null); setDraft(""); files.clear(); },
  };
}
