// Compare: one composer, 2–8 columns streaming at once, each a model, a route or a fallback chain.
// Under each column: who answered, status, time to first token, tokens/s, tokens and cost — from
// the provider's usage as the engine recorded it. Stop per column; synced scrolling; follow-ups go
// to every column, each keeping its own thread; attachments go to every column too, and the MCP
// servers picked in the tools menu (each column runs its own tool calls and asks its own
// questions). Blind mode shuffles the columns and calls them A, B, C… until the vote; the vote is
// saved and the names revealed.

import { createEffect, createMemo, createSignal, For, on, Show } from "solid-js";
import { createStore, produce } from "solid-js/store";
import { DropFiles } from "../attachments/DropFiles";
import { filesOf, partOf, refOf } from "../attachments/parts";
import { pictures } from "../attachments/pictures";
import { createAttachments } from "../attachments/store";
import type { FullBackend } from "../backend";
import { Badge, Button, EmptyState, fit } from "../design/controls";
import { Columns, Eye, Plus, Shuffle } from "../design/icons";
import { AnswerView } from "../shared/answer";
import { answerLine, fellOver, fromDone, fromStored } from "../shared/figures";
import { describe, errorView } from "../shared/problems";
import { load as loadKept, save } from "../shared/storage";
import { createToolChoice } from "../tools/choice";
import { answered, applyTool, askAgain, runsOf } from "../tools/runs";
import type { Approval, ColumnMsg, ModelView, Verdict } from "../types";
import { type Cell, type Column as Col, column as columnName, shuffle, stats, threads, type StoredCell } from "./compareLogic";
import { Column } from "./Column";
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
}) {
  const b = props.backend;
  const [picked, setPicked] = createSignal<string[]>(loadKept("compareLast"));
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
  // The columns' widths: this compare's own (a new one starts even).
  const widths = createWidths();
  let box!: HTMLTextAreaElement;

  const status = (c: Col) => c.cells.at(-1)?.status;
  const busy = createMemo(() => columns.some((c) => status(c) === "streaming" || status(c) === "waiting"));
  const hidden = () => blind() && !revealed();
  const say = (text: string) => setProblem({ text, error: null });
  const fail = (e: unknown) => setProblem({ text: describe(e), error: e && typeof e === "object" ? errorView(e) : null });

  function setSlot(i: number, id: string) {
    const next = [...picked()];
    if (id) next[i] = id; else next.splice(i, 1);
    setPicked(next.filter(Boolean));
    save("compareLast", picked());
  }

  function onMsg(m: ColumnMsg) {
    const i = m.column;
    const msg = m.msg;
    if (!columns[i]) return;
    setColumns(i, "cells", columns[i].cells.length - 1, produce((cell: Cell) => {
      switch (msg.kind) {
        case "render":
          cell.view.apply(msg);
          cell.status = "streaming";
          break;
        case "attempt":
          if (msg.outcome === "ok") { cell.ttftMs = msg.ms; cell.status = "streaming"; } else cell.tried.push(fellOver(msg));
          break;
        case "done":
          cell.status = "done";
          cell.messageId = msg.messageId;
          cell.model = msg.model;
          cell.line = stats(msg);
          cell.figures = fromDone(msg);
          cell.ttftMs = msg.ttftMs;
          break;
        case "failed":
          cell.status = "failed";
          cell.messageId = msg.messageId;
          cell.error = msg.error;
          break;
        case "cancelled":
          cell.status = "stopped";
          cell.messageId = msg.messageId;
          break;
        case "toolCall":
        case "toolResult":
        case "ask":
          applyTool(cell.tools, msg);
          break;
      }
    }));
  }

  async function send(overBudget = false) {
    const prompt = draft().trim();
    const attached = files.ready();
    if ((!prompt && !attached.length) || busy()) return;
    if (files.reading()) return say("The files are still being read: send once they are attached.");
    setProblem(null);
    const first = conversation() === null;
    let targets = columns.map((c) => [...c.targets]);
    if (first) {
      const chosen = picked().filter(Boolean);
      if (chosen.length < 2) return say("Pick at least two models or routes to compare.");
      targets = (blind() ? shuffle(chosen) : chosen).map((t) => [t]);
    }
    const after = columns.map((c) => {
      const last = c.cells.at(-1);
      return last ? (last.messageId ?? last.userId) : null;
    });
    try {
      const cells = targets.map((): Cell => ({
        question: prompt, parts: attached.map(partOf), view: new AnswerView(), status: "waiting", turn: null, userId: null, messageId: null,
        model: null, ttftMs: null, line: "", figures: null, error: null, tried: [], tools: [],
      }));
      if (first) { widths.reset(); setColumns(targets.map((t, i) => ({ targets: t, cells: [cells[i]] }))); }
      else setColumns(produce((cs: Col[]) => cs.forEach((c, i) => c.cells.push(cells[i]))));
      setRevealed(!blind());
      setVoted(null);
      setDraft("");
      queueMicrotask(() => box && fit(box, 8));
      const servers = await tools.forSend();
      const started = await b.compare({
        conversation: conversation(), prompt, overBudget: overBudget || null, attachments: attached.map(refOf),
        columns: targets.map((t, i) => ({ targets: t, after: first ? null : after[i] })),
      }, servers, onMsg);
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
    setConversation(null);
    setColumns([]);
    setVoted(null);
    setRevealed(true);
    setProblem(null);
    widths.reset();
  }

  /**
   * A stored compare, reopened: each column's thread, ready for follow-ups through the targets
   * the column was started with (`@route`, a fallback chain); a compare stored before those were
   * kept follows up through the model that last answered in the column.
   */
  async function load(id: number) {
    try {
      const c = await b.conversation(id);
      const cols = threads(c.messages);
      const cell = ({ question, answer }: StoredCell): Cell => {
        const view = new AnswerView();
        if (answer) view.apply({ kind: "render", replaceFrom: 0, blocks: [answer.html], tail: "", reasoning: "" });
        const f = answer && fromStored(answer);
        const error = !answer ? "no answer" : answer.error;
        return {
          question: question.text, parts: filesOf(question.parts), view, turn: null, userId: question.id, messageId: answer?.id ?? null,
          status: !answer ? "failed" : answer.status === "complete" ? "done" : answer.status === "error" ? "failed" : "stopped",
          model: answer?.model ?? null, ttftMs: f?.ttftMs ?? null, tried: [], figures: f ?? null, tools: runsOf(answer?.parts),
          error: error ? errorView(error, "provider") : null,
          line: f ? answerLine(f) : "",
        };
      };
      setBlind(false);
      setRevealed(true);
      setVoted(null);
      setProblem(null);
      widths.reset();
      tools.open(id);
      setConversation(id);
      setColumns(cols.map((cells, i) => ({
        targets: c.columnTargets[i]?.length
          ? [...c.columnTargets[i]]
          : [cells.map((x) => x.answer?.model).filter((m): m is string => !!m).at(-1) ?? "?"],
        cells: cells.map(cell),
      })));
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
        <Show when={conversation() !== null}>
          <Button size="sm" icon={Plus} class="new-compare" onClick={reset} disabled={busy()}>New compare</Button>
        </Show>
      </header>
      <Show when={conversation() === null}>
        <Setup backend={b} models={props.models} picked={picked()} max={MAX_COLUMNS} onPick={setSlot} onProblem={say}
          onLoad={(cols) => { setPicked(cols.slice(0, MAX_COLUMNS)); save("compareLast", picked()); }}
          blind={blind()} onBlind={setBlind} />
      </Show>
      <Show when={problem()}>{(p) => (
        <ProblemNote problem={p()} onDismiss={() => setProblem(null)} onSendAnyway={() => void send(true)} />
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
              <Column col={col} index={i()} hidden={hidden()} widths={widths} pictures={pics}
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
          names={columns.map((c, i) => ({ letter: columnName(i), name: c.cells.at(-1)?.model ?? c.targets.join(" → ") }))} />
      </Show>
      <Show when={!busy() && hidden() && judged().length < 2 && columns.length > 0}>
        <div class="vote-bar">
          <span class="vote-question">Fewer than two answers to judge.</span>
          <Button size="sm" icon={Eye} class="reveal-names" onClick={() => { setRevealed(true); queueMicrotask(() => document.querySelector<HTMLElement>(".compare-input")?.focus()); }}>Show the names</Button>
        </div>
      </Show>
      <Composer draft={draft()} setDraft={setDraft} files={files} pictures={pics} busy={busy()} tools={tools} onToolSettings={props.onToolSettings} onSend={() => void send()} onStopAll={() => columns.forEach((_, i) => stop(i))}
        ref={(el) => (box = el)} note={conversation() === null
          ? `${Math.min(picked().length, MAX_COLUMNS)} of ${MAX_COLUMNS} columns picked`
          : `${columns.length} columns · each keeps its own thread`}
        placeholder={conversation() === null ? "Ask every column — Enter sends, Shift+Enter for a new line" : "A follow-up to every column — Enter sends"} />
      <DropFiles active={props.visible ?? true} onFiles={(dropped) => { files.add(dropped); box?.focus(); }} />
    </section>
  );
}
