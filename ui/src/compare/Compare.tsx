// Compare: one composer, 2–8 columns streaming at once, each a model, a route or a fallback chain
// with its own settings (one model at two temperatures, under three system prompts, or models
// with different presets); each column's header says what sets its settings apart. Under each column: who answered, status, time to first token, tokens/s, tokens and cost — from
// the provider's usage as the engine recorded it. Stop per column; synced scrolling; follow-ups go
// to every column, each keeping its own thread; attachments go to every column too, and the MCP
// servers picked in the tools menu (each column runs its own tool calls and asks its own
// questions). Blind mode shuffles the columns and calls them A, B, C… until the vote; the vote is
// saved and the names revealed (blind hides the settings too). Under the composer, the cost of
// sending to every column; a send that passed a spend limit's alert share shows a banner. The
// question shown can be added to an evaluation suite as a case ("Add as eval case").

import { createEffect, createMemo, createSignal, For, on, onMount, Show } from "solid-js";
import { createStore, produce } from "solid-js/store";
import { DropFiles } from "../attachments/DropFiles";
import { partOf, refOf } from "../attachments/parts";
import { pictures } from "../attachments/pictures";
import { createAttachments } from "../attachments/store";
import type { FullBackend } from "../backend";
import { Badge, Button, EmptyState, fit, TextField } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { Columns, Eye, ListChecks, Plus, Shuffle } from "../design/icons";
import { toast } from "../design/toast";
import { AnswerView } from "../shared/answer";
import { BudgetBanner } from "../shared/BudgetBanner";
import { CostLine } from "../shared/CostLine";
import { differences, overlayOf, tidy } from "../shared/params";
import { createPreview, overNow, overWhenSettled } from "../shared/preview";
import { describe, errorView } from "../shared/problems";
import { createToolChoice } from "../tools/choice";
import { answered, askAgain } from "../tools/runs";
import type { Approval, ChatSettings, ColumnMsg, ColumnSpec, CompareSpec, ModelView, RuleStatus, Verdict } from "../types";
import { applyMsg, storedColumns } from "./cells";
import { type Cell, type Column as Col, column as columnName, shuffle } from "./compareLogic";
import { Column } from "./Column";
import { ColumnParams } from "./ColumnParams";
import { createPicks } from "./picks";
import { Composer, type Problem, ProblemNote } from "./Composer";
import { createWidths, Resizer } from "./Resizer";
import { Setup, Toggle } from "./Setup";
import { VoteBar } from "./VoteBar";
import "../chat/chat.css";
import "./compare.css";

export const MAX_COLUMNS = 8;

export function Compare(props: {
  backend: FullBackend; models: ModelView[]; onContinue: (conversation: number) => void;
  /** A stored compare to show (from the sidebar). */
  open?: number | null;
  /** A compare was saved (the sidebar lists it). */
  onSaved?: () => void;
  /** Changes when the user asks for a new compare (Ctrl/Cmd+Shift+C, the palette, the menu). */
  fresh?: number;
  /** Shown now (files dropped on the window are its own); shown unless told otherwise. */
  visible?: boolean;
  /** Opens Settings → Tools (the tools menu's way to add a server). */
  onToolSettings?: () => void;
  /** Opens Settings → Presets. */
  onPresetSettings?: () => void;
  /** Opens Settings → Budgets. */
  onBudgetSettings?: () => void;
}) {
  const b = props.backend;
  const picks = createPicks(b, MAX_COLUMNS);
  const picked = picks.picked;
  const [blind, setBlind] = createSignal(false);
  const [sync, setSync] = createSignal(true);
  const [draft, setDraft] = createSignal("");
  const files = createAttachments(b);
  const tools = createToolChoice(b);
  const pics = pictures(b);
  const [problem, setProblem] = createSignal<Problem | null>(null);
  const [conversation, setConversation] = createSignal<number | null>(null);
  const [columns, setColumns] = createStore<Col[]>([]);
  // Blind until the vote of the current question.
  const [revealed, setRevealed] = createSignal(true);
  const [voted, setVoted] = createSignal<string | null>(null);
  // Spend limits the last send passed the alert share of (the banner, until dismissed).
  const [alerts, setAlerts] = createSignal<RuleStatus[]>([]);
  // A started compare's column whose settings are being edited.
  const [editingCol, setEditingCol] = createSignal<number | null>(null);
  // The columns' widths: this compare's own (a new one starts even).
  const widths = createWidths();
  // The question being added to an eval suite (the dialog asking which suite), and the suite last named.
  const [addingCase, setAddingCase] = createSignal<string | null>(null);
  const [caseSuite, setCaseSuite] = createSignal("from-compare");
  let box!: HTMLTextAreaElement;

  const status = (c: Col) => c.cells.at(-1)?.status;
  const busy = createMemo(() => columns.some((c) => status(c) === "streaming" || status(c) === "waiting"));
  const hidden = () => blind() && !revealed();
  const say = (text: string) => setProblem({ text, error: null });
  const fail = (e: unknown) => setProblem({ text: describe(e), error: e && typeof e === "object" ? errorView(e) : null });

  /** What sets each column's settings apart (the headers, the reveal). */
  const diffs = createMemo(() => differences(columns.map((c) => c.settings)));
  onMount(() => void picks.loadPresets());

  /** A column's last message: where its follow-up goes. */
  const lastOf = (c: Col) => {
    const last = c.cells.at(-1);
    return last ? (last.messageId ?? last.userId) : null;
  };
  const attachedRefs = createMemo(() => files.ready().map(refOf));
  // A started compare's column settings saves not yet known to have gone through, by column: a
  // follow-up waits for them (and, one having failed, tries it again before going).
  const saving = new Map<number, Promise<void>>();
  // Counts the column settings saved: the cost preview is asked again after each.
  const [saves, setSaves] = createSignal(0);
  // The cost of sending the draft to every column, as it is typed; a follow-up's with each
  // column's settings as shown (laid over the stored ones: an edit is costed before it is saved).
  const cost = createPreview<CompareSpec>(() => {
    const prompt = draft();
    const attachments = attachedRefs();
    if ((!prompt.trim() && !attachments.length) || busy()) return null;
    if (conversation() === null) {
      const pairs = picks.pairs();
      return pairs.length ? { conversation: null, prompt, attachments, columns: pairs.map(picks.spec) } : null;
    }
    return {
      conversation: conversation(), prompt, attachments,
      columns: columns.map((c) => ({ targets: [...c.targets], after: lastOf(c), settings: overlayOf(c.settings) })),
    };
  }, (spec) => b.previewCompare(spec), undefined, saves);
  const overWords = (i: number) => `column ${columnName(i)}'s prompt is over its context window`;
  /** Why Send is held now: a column over its window on a current preview (a stale one holds nothing). */
  const blocked = () => {
    const o = overNow(cost);
    return o ? overWords(o.index) : null;
  };

  /** Stores column `i`'s settings (the follow-ups read them from the store). */
  function saveColumn(conv: number, i: number): Promise<void> {
    const p = b.setColumnSettings(conv, i, tidy(columns[i].settings));
    saving.set(i, p);
    p.then(() => {
      if (saving.get(i) === p) saving.delete(i);
      setSaves((n) => n + 1);
    }, () => { /* kept: the follow-up tries it again, and says why if it fails again */ });
    return p;
  }

  /** Waits for the column settings being saved; one that failed is tried again (and throws if it fails again). */
  async function saved(conv: number) {
    for (const [i, p] of [...saving]) {
      try { await p; } catch { await saveColumn(conv, i); }
    }
  }

  // A send waiting for the cost preview or the settings (another Enter meanwhile is not a second send).
  let holding = false;

  function onMsg(m: ColumnMsg) {
    const i = m.column;
    const msg = m.msg;
    if (!columns[i]) return;
    setColumns(i, "cells", columns[i].cells.length - 1, produce((cell: Cell) => applyMsg(cell, msg)));
  }

  async function send(overBudget = false) {
    if (holding || (!draft().trim() && !files.ready().length) || busy()) return;
    if (files.reading()) return say("The files are still being read: send once they are attached.");
    // Where Send was pressed: another compare opened meanwhile is not sent to.
    const at = conversation();
    const shape = columnsKey();
    holding = true;
    try {
      // Whether a column is over its window, on a current preview (a stale one is waited for, up
      // to a second; one not had in time does not hold the send: the provider refuses it anyway).
      if (!overBudget) {
        const o = await overWhenSettled(cost);
        if (o) return say(`Not sent: ${overWords(o.index)}. Shorten the message or drop attachments.`);
      }
      // A follow-up uses each column's stored settings: an edit still being saved goes first.
      if (at !== null) {
        try {
          await saved(at);
        } catch (e) {
          return setProblem({ text: `Not sent: a column's settings could not be saved (${describe(e)}). Send again to retry.`, error: null });
        }
      }
    } finally {
      holding = false;
    }
    if (busy()) return;
    if (conversation() !== at || columnsKey() !== shape) return say(MOVED);
    if (files.reading()) return say("The files are still being read: send once they are attached.");
    await go(overBudget, at);
  }

  /** The compare's columns, to tell whether another compare was opened meanwhile. */
  const columnsKey = () => JSON.stringify(columns.map((c) => c.targets));
  const MOVED = "Not sent: another compare was opened meanwhile. The draft is kept.";

  /** Sends the draft to `conv` (null: a new compare), the compare shown. */
  async function go(overBudget: boolean, conv: number | null) {
    const prompt = draft().trim();
    const attached = files.ready();
    if (!prompt && !attached.length) return;
    setProblem(null);
    const first = conv === null;
    let targets = columns.map((c) => [...c.targets]);
    let own: ChatSettings[] = columns.map((c) => c.settings);
    let specs: ColumnSpec[] = columns.map((c) => ({ targets: [...c.targets], after: lastOf(c) }));
    if (first) {
      const chosen = picks.pairs();
      if (chosen.length < 2) return say("Pick at least two models or routes to compare.");
      // Blind: the columns are shuffled with their settings.
      const order = blind() ? shuffle(chosen) : chosen;
      targets = order.map((p) => [p.target]);
      own = order.map((p) => tidy(p.settings));
      specs = order.map(picks.spec);
    }
    try {
      const cells = targets.map((): Cell => ({
        question: prompt, parts: attached.map(partOf), view: new AnswerView(), status: "waiting", turn: null, userId: null, messageId: null,
        model: null, ttftMs: null, line: "", figures: null, error: null, tried: [], tools: [],
      }));
      if (first) { widths.reset(); setColumns(targets.map((t, i) => ({ targets: t, settings: own[i], cells: [cells[i]] }))); }
      else setColumns(produce((cs: Col[]) => cs.forEach((c, i) => c.cells.push(cells[i]))));
      setRevealed(!blind());
      setVoted(null);
      setDraft("");
      queueMicrotask(() => box && fit(box, 8));
      const servers = await tools.forSend();
      // Another compare opened while the tools were asked: not sent there (its columns are its own now).
      if (conversation() !== conv) { setDraft(prompt); return say(MOVED); }
      const started = await b.compare({
        conversation: conv, prompt, overBudget: overBudget || null, attachments: attached.map(refOf),
        columns: specs,
      }, servers, onMsg);
      if (started.alerts?.length) setAlerts(started.alerts);
      files.sent(attached.map((a) => a.sha256)); // started: they went with it
      tools.started(started.conversationId);
      setConversation(started.conversationId);
      props.onSaved?.();
      setColumns(produce((cs: Col[]) => cs.forEach((c, i) => {
        const cell = c.cells[c.cells.length - 1];
        cell.turn = started.turns[i];
        cell.userId = started.userMessageIds[i];
      })));
    } catch (e) {
      if (first) setColumns([]);
      else setColumns(produce((cs: Col[]) => cs.forEach((c) => c.cells.pop())));
      setDraft(prompt);
      fail(e);
    }
  }

  /** The question shown (the latest asked), which "Add as eval case" adds. */
  const question = () => columns[0]?.cells.at(-1)?.question ?? "";
  const canAddCase = () => typeof b.evalAddCase === "function" && !!question().trim();

  async function addCase() {
    const prompt = addingCase();
    const suite = caseSuite().trim();
    if (prompt === null || !suite) return;
    setAddingCase(null);
    try {
      const s = await b.evalAddCase(suite, prompt);
      toast(`Added to ${s.name} — ${s.cases.length} ${s.cases.length === 1 ? "case" : "cases"}`, "success");
    } catch (e) {
      fail(e);
    }
  }

  /** The current question's answers that can be judged. */
  const judged = createMemo(() => columns
    .map((c, i) => ({ i, cell: c.cells.at(-1) }))
    .filter((x) => x.cell?.status === "done" && x.cell.messageId !== null));

  async function vote(verdict: Verdict, winner: number | null) {
    const conv = conversation();
    if (conv === null) return;
    const answers = judged().map((x) => x.cell!.messageId!);
    try {
      await b.vote(conv, answers, verdict, winner === null ? null : columns[winner].cells.at(-1)!.messageId);
      setVoted(verdict === "winner" ? `${columnName(winner!)} won` : verdict === "tie" ? "a tie" : "all bad");
      setRevealed(true);
    } catch (e) {
      fail(e);
    }
  }

  /** The person's answer to a call waiting in column `i`; the question goes at once (back if it cannot be sent). */
  async function answerTool(i: number, call: string, approval: Approval) {
    const col = columns[i];
    if (!col) return;
    const at = col.cells.length - 1;
    const asked = col.cells[at]?.tools.find((r) => r.call.id === call)?.ask;
    if (!asked) return;
    const copy = { ...asked };
    setColumns(i, "cells", at, "tools", produce((r) => { answered(r, call, approval); }));
    try {
      if (!(await b.toolAnswer(copy.turn, call, approval))) say("That tool call no longer waits for an answer.");
    } catch (e) {
      setColumns(i, "cells", at, "tools", produce((r) => askAgain(r, call, copy)));
      fail(e);
    }
  }

  function stop(i: number) {
    const t = columns[i]?.cells.at(-1)?.turn;
    if (t != null) b.cancel(t).catch(fail);
  }

  function reset() {
    // A column whose tool call still waits for the person is stopped: its question goes with
    // the view.
    for (const col of columns) {
      const cell = col.cells.at(-1);
      if (cell?.turn != null && cell.tools.some((r) => r.ask)) b.cancel(cell.turn).catch(() => {});
    }
    tools.open(null);
    saving.clear();
    setConversation(null);
    setColumns([]);
    setVoted(null);
    setRevealed(true);
    setProblem(null);
    setAlerts([]);
    widths.reset();
  }

  /** A stored compare, reopened (its columns as `storedColumns` reads them), ready for follow-ups. */
  async function load(id: number) {
    try {
      const c = await b.conversation(id);
      setBlind(false);
      setRevealed(true);
      setVoted(null);
      setProblem(null);
      setAlerts([]);
      widths.reset();
      tools.open(id);
      saving.clear();
      setConversation(id);
      setColumns(storedColumns(c));
    } catch (e) {
      fail(e);
    }
  }
  createEffect(on(() => props.open, (id) => { if (id != null) void load(id); }));
  createEffect(on(() => props.fresh, (n) => { if (n && !busy()) reset(); }, { defer: true }));

  const bodies: HTMLElement[] = [];
  let syncing = false;
  function onScroll(i: number) {
    if (!sync() || syncing) return;
    const src = bodies[i];
    const ratio = src.scrollTop / Math.max(1, src.scrollHeight - src.clientHeight);
    syncing = true;
    bodies.forEach((el, k) => { if (k !== i && el) el.scrollTop = ratio * (el.scrollHeight - el.clientHeight); });
    requestAnimationFrame(() => { syncing = false; });
  }

  /** What a screen reader hears as the columns finish (not every token). */
  const progress = () => {
    if (!columns.length) return "";
    const done = columns.filter((c) => status(c) === "done").length;
    const failed = columns.filter((c) => status(c) === "failed").length;
    return busy() ? `Answering: ${done + failed} of ${columns.length} columns finished`
      : `All columns finished: ${done} answered${failed ? `, ${failed} failed` : ""}`;
  };

  return (
    <section class="compare" classList={{ "blind-mode": blind() && columns.length > 0, hiding: hidden() && columns.length > 0 }}>
      <header class="view-head compare-head">
        <h2>Compare</h2>
        <Show when={columns.length}>
          <Badge class="column-count">{columns.length} columns</Badge>
          <Show when={blind()}>
            <Badge tone="accent" class="blind-badge"><Shuffle size={12} aria-hidden="true" /> Blind{hidden() ? " — names hidden until you vote" : ""}</Badge>
          </Show>
        </Show>
        <span class="head-spacer" />
        <Toggle class="sync-scroll" label="Synced scrolling" checked={sync()} onChange={setSync} />
        <Show when={canAddCase()}>
          <Button size="sm" icon={ListChecks} class="add-case" data-testid="compare-add-case" onClick={() => setAddingCase(question())}>Add as eval case</Button>
        </Show>
        <Show when={conversation() !== null}>
          <Button size="sm" icon={Plus} class="new-compare" onClick={reset} disabled={busy()}>New compare</Button>
        </Show>
      </header>
      <Show when={conversation() === null}>
        <Setup backend={b} models={props.models} picked={picked()} max={MAX_COLUMNS} onPick={picks.setSlot} onProblem={say}
          onLoad={picks.loadSet} blind={blind()} onBlind={setBlind}
          settings={picks.settings()} presets={picks.presets()} onSettings={picks.setOwn} />
      </Show>
      <BudgetBanner alerts={alerts()} onDismiss={() => setAlerts([])} onSettings={props.onBudgetSettings} />
      <Show when={problem()}>{(p) => (
        <ProblemNote problem={p()} onDismiss={() => setProblem(null)} onSendAnyway={() => void send(true)} onBudgets={props.onBudgetSettings} />
      )}</Show>
      <Show when={columns.length} fallback={
        <div class="compare-empty">
          <EmptyState icon={Columns} title="Ask several models at once">
            <p>Pick two to eight models or routes above, then ask: the answers stream side by side with their cost and speed.
              Turn on <strong>Blind</strong> to judge them without their names, then vote.</p>
          </EmptyState>
        </div>
      }>
        <div class="columns">
          <For each={columns}>{(col, i) => (
            <>
              <Show when={i() > 0}><Resizer index={i() - 1} name={columnName(i() - 1)} widths={widths} /></Show>
              <Column col={col} index={i()} hidden={hidden()} widths={widths} pictures={pics} diff={diffs()[i()] ?? ""}
                onSettings={() => setEditingCol(i())}
                canContinue={!busy() && col.cells.at(-1)?.messageId != null && !hidden()}
                onStop={() => stop(i())} body={(el) => (bodies[i()] = el)} onScroll={() => onScroll(i())}
                onAnswer={(call, approval) => void answerTool(i(), call, approval)}
                onContinue={async () => {
                  try { props.onContinue(await b.continueCompare(conversation()!, col.cells.at(-1)!.messageId!)); } catch (e) { fail(e); }
                }} />
            </>
          )}</For>
        </div>
      </Show>
      <div class="visually-hidden" role="status" aria-live="polite">{progress()}</div>
      <Show when={!busy() && judged().length >= 2}>
        <VoteBar judged={judged().map((x) => x.i)} voted={voted()} onVote={vote}
          names={columns.map((c, i) => ({
            letter: columnName(i), name: [c.cells.at(-1)?.model ?? c.targets.join(" → "), diffs()[i]].filter(Boolean).join(" · "),
          }))} />
      </Show>
      <Show when={!busy() && hidden() && judged().length < 2 && columns.length > 0}>
        <div class="vote-bar">
          <span class="vote-question">Fewer than two answers to judge.</span>
          <Button size="sm" icon={Eye} class="reveal-names" onClick={() => { setRevealed(true); queueMicrotask(() => document.querySelector<HTMLElement>(".compare-input")?.focus()); }}>Show the names</Button>
        </div>
      </Show>
      <Show when={editingCol() !== null && columns[editingCol()!] ? { i: editingCol()! } : null}>{(at) => (
        <ColumnParams letter={columnName(at().i)} target={columns[at().i].targets.join(" → ")} value={columns[at().i].settings} presets={picks.presets()}
          note="used by this column's next follow-ups"
          onChange={(v) => setColumns(at().i, "settings", v)}
          onClose={() => {
            const i = at().i;
            const conv = conversation();
            setEditingCol(null);
            if (conv !== null) saveColumn(conv, i).catch(fail);
          }} />
      )}</Show>
      <Show when={addingCase()}>{(q) => (
        <Dialog title="Add this question to an eval suite" class="add-case-dialog" testId="compare-add-case-dialog" onClose={() => setAddingCase(null)}
          footer={<>
            <Button onClick={() => setAddingCase(null)}>Cancel</Button>
            <Button variant="primary" class="confirm" data-testid="compare-case-confirm" disabled={!caseSuite().trim()} onClick={() => void addCase()}>Add case</Button>
          </>}>
          <p class="add-case-question">{q()}</p>
          <TextField label="Suite" data-testid="compare-case-suite" value={caseSuite()} spellcheck={false} autocomplete="off"
            hint="A suite in the suites folder (evals/NAME.toml): made when missing, else the case is added at its end."
            onInput={(e) => setCaseSuite(e.currentTarget.value)}
            onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); void addCase(); } }} />
        </Dialog>
      )}</Show>
      <Composer draft={draft()} setDraft={setDraft} files={files} pictures={pics} busy={busy()} tools={tools} onToolSettings={props.onToolSettings} onSend={() => void send()} onStopAll={() => columns.forEach((_, i) => stop(i))}
        ref={(el) => (box = el)} note={conversation() === null
          ? `${Math.min(picked().length, MAX_COLUMNS)} of ${MAX_COLUMNS} columns picked`
          : `${columns.length} columns · each keeps its own thread`}
        placeholder={conversation() === null ? "Ask every column — Enter sends, Shift+Enter for a new line" : "A follow-up to every column — Enter sends"}
        blocked={blocked()}
        cost={<CostLine preview={cost.preview()} error={cost.error()} stale={cost.stale()} name={columnName} blind={hidden()} />} />
      <DropFiles active={props.visible ?? true} onFiles={(dropped) => { files.add(dropped); box?.focus(); }} />
    </section>
  );
}
