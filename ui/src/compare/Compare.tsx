// Compare: one composer, 2–8 columns streaming at once, each a model, a route or a fallback chain.
// Under each column: who answered, status, time to first token, tokens/s, tokens and cost — from
// the provider's usage as the engine recorded it. Stop per column; synced scrolling; follow-ups go
// to every column, each keeping its own thread. Blind mode shuffles the columns and calls them
// A, B, C… until the vote; the vote is saved and the names revealed.

import { createEffect, createMemo, createSignal, For, Index, on, Show } from "solid-js";
import { createStore, produce } from "solid-js/store";
import { AnswerView } from "../shared/answer";
import type { FullBackend } from "../backend";
import { column as columnName, shuffle, stats, threads, type StoredCell } from "./compareLogic";
import { answerLine, fellOver, fromStored } from "../shared/figures";
import { describe, isKind } from "../shared/problems";
import { load as loadKept, save } from "../shared/storage";
import { SetTools } from "./SetTools";
import "./compare.css";
import type { ColumnMsg, ErrorClass, ModelView, Verdict } from "../types";

export const MAX_COLUMNS = 8;

interface Cell {
  question: string;
  view: AnswerView;
  status: "waiting" | "streaming" | "done" | "failed" | "stopped";
  turn: number | null;
  /** The column's question (a follow-up's own, or the shared first one). */
  userId: number | null;
  messageId: number | null;
  model: string | null;
  ttftMs: number | null;
  line: string;
  error: string | null;
  errorClass: ErrorClass | null;
  tried: string[];
}
interface Column { targets: string[]; cells: Cell[] }

export function Compare(props: {
  backend: FullBackend; models: ModelView[]; onContinue: (conversation: number) => void;
  /** A stored compare to show (from the sidebar). */
  open?: number | null;
  /** A compare was saved (the sidebar lists it). */
  onSaved?: () => void;
  /** Changes when the user asks for a new compare (Ctrl/Cmd+Shift+C, the palette, the menu). */
  fresh?: number;
}) {
  const b = props.backend;
  const [picked, setPicked] = createSignal<string[]>(loadKept("compareLast"));
  const [blind, setBlind] = createSignal(false);
  const [sync, setSync] = createSignal(true);
  const [draft, setDraft] = createSignal("");
  const [problem, setProblem] = createSignal<string | null>(null);
  // The last send was refused for a spent budget: "Send anyway" is offered.
  const [overBudget, setOverBudget] = createSignal(false);
  const [conversation, setConversation] = createSignal<number | null>(null);
  const [columns, setColumns] = createStore<Column[]>([]);
  // Blind until the vote of the current question.
  const [revealed, setRevealed] = createSignal(true);
  const [voted, setVoted] = createSignal<string | null>(null);

  const busy = createMemo(() => columns.some((c) => c.cells.at(-1)?.status === "streaming" || c.cells.at(-1)?.status === "waiting"));
  const label = (i: number) => (blind() && !revealed() ? `Model ${columnName(i)}` : columns[i]?.targets.join(" → ") ?? "");

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
          break;
        case "failed":
          cell.status = "failed";
          cell.messageId = msg.messageId;
          cell.error = msg.error.message;
          cell.errorClass = msg.error.class;
          break;
        case "cancelled":
          cell.status = "stopped";
          cell.messageId = msg.messageId;
          break;
      }
    }));
  }

  async function send(overBudget = false) {
    const prompt = draft().trim();
    if (!prompt || busy()) return;
    setProblem(null);
    setOverBudget(false);
    const first = conversation() === null;
    let targets = columns.map((c) => [...c.targets]);
    if (first) {
      const chosen = picked().filter(Boolean);
      if (chosen.length < 2) return setProblem("Pick at least two models or routes to compare.");
      targets = (blind() ? shuffle(chosen) : chosen).map((t) => [t]);
    }
    const after = columns.map((c) => {
      const last = c.cells.at(-1);
      return last ? (last.messageId ?? last.userId) : null;
    });
    try {
      const cells = targets.map((): Cell => ({
        question: prompt, view: new AnswerView(), status: "waiting", turn: null, userId: null, messageId: null,
        model: null, ttftMs: null, line: "", error: null, errorClass: null, tried: [],
      }));
      if (first) setColumns(targets.map((t, i) => ({ targets: t, cells: [cells[i]] })));
      else setColumns(produce((cs: Column[]) => cs.forEach((c, i) => c.cells.push(cells[i]))));
      setRevealed(!blind());
      setVoted(null);
      setDraft("");
      const started = await b.compare({
        conversation: conversation(), prompt, overBudget: overBudget || null,
        columns: targets.map((t, i) => ({ targets: t, after: first ? null : after[i] })),
      }, onMsg);
      setConversation(started.conversationId);
      props.onSaved?.();
      setColumns(produce((cs: Column[]) => cs.forEach((c, i) => {
        const cell = c.cells[c.cells.length - 1];
        cell.turn = started.turns[i];
        cell.userId = started.userMessageIds[i];
      })));
    } catch (e) {
      if (first) setColumns([]);
      else setColumns(produce((cs: Column[]) => cs.forEach((c) => c.cells.pop())));
      setDraft(prompt);
      setProblem(describe(e));
      setOverBudget(isKind(e, "budget_exceeded"));
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
      setProblem(describe(e));
    }
  }

  function reset() {
    setConversation(null);
    setColumns([]);
    setVoted(null);
    setRevealed(true);
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
        return {
          question: question.text, view, turn: null, userId: question.id, messageId: answer?.id ?? null,
          status: !answer ? "failed" : answer.status === "complete" ? "done" : answer.status === "error" ? "failed" : "stopped",
          model: answer?.model ?? null, ttftMs: f?.ttftMs ?? null, tried: [], errorClass: null,
          error: answer ? answer.error : "no answer",
          line: f ? answerLine(f) : "",
        };
      };
      setBlind(false);
      setRevealed(true);
      setVoted(null);
      setConversation(id);
      setColumns(cols.map((cells, i) => ({
        targets: c.columnTargets[i]?.length
          ? [...c.columnTargets[i]]
          : [cells.map((x) => x.answer?.model).filter((m): m is string => !!m).at(-1) ?? "?"],
        cells: cells.map(cell),
      })));
    } catch (e) {
      setProblem(describe(e));
    }
  }
  createEffect(on(() => props.open, (id) => { if (id != null) void load(id); }));
  createEffect(on(() => props.fresh, (n) => { if (n && !busy()) reset(); }, { defer: true }));

  let bodies: HTMLElement[] = [];
  let syncing = false;
  function onScroll(i: number) {
    if (!sync() || syncing) return;
    const src = bodies[i];
    const ratio = src.scrollTop / Math.max(1, src.scrollHeight - src.clientHeight);
    syncing = true;
    bodies.forEach((el, k) => { if (k !== i && el) el.scrollTop = ratio * (el.scrollHeight - el.clientHeight); });
    requestAnimationFrame(() => { syncing = false; });
  }

  return (
    <section class="compare">
      <div class="compare-setup">
        <Show when={conversation() === null} fallback={
          <div class="compare-running">
            <span>{columns.length} columns{blind() ? " · blind" : ""}</span>
            <button class="new-compare" onClick={reset} disabled={busy()}>New compare</button>
          </div>
        }>
          <div class="slots">
            <Index each={[...picked(), ""].slice(0, MAX_COLUMNS)}>{(id, i) => (
              <select class="slot" aria-label={`Column ${columnName(i)} model`} value={id()}
                onChange={(e) => setSlot(i, e.currentTarget.value)}>
                <option value="">{i < picked().length ? "(remove)" : "+ add a model"}</option>
                <For each={props.models}>{(m) => <option value={m.id}>{m.id}</option>}</For>
              </select>
            )}</Index>
          </div>
          <div class="set-tools">
            <SetTools backend={b} picked={picked()} onProblem={setProblem}
              onLoad={(cols) => { setPicked(cols.slice(0, MAX_COLUMNS)); save("compareLast", picked()); }} />
            <label><input type="checkbox" class="blind" checked={blind()} onChange={(e) => setBlind(e.currentTarget.checked)} /> Blind (shuffle, hide names until you vote)</label>
          </div>
        </Show>
        <label class="sync"><input type="checkbox" checked={sync()} onChange={(e) => setSync(e.currentTarget.checked)} /> Synced scrolling</label>
      </div>
      <Show when={problem()}>
        <div class="problem" role="alert">{problem()}
          <Show when={overBudget()}>
            {" "}<button class="send-anyway" onClick={() => { setProblem(null); setOverBudget(false); void send(true); }}>Send anyway</button>
          </Show>
          {" "}<button onClick={() => setProblem(null)}>×</button>
        </div>
      </Show>
      <div class="columns" style={{ "grid-template-columns": `repeat(${Math.max(columns.length, 1)}, minmax(14rem, 1fr))` }}>
        <For each={columns}>{(col, i) => (
          <div class="column" data-column={i()}>
            <header class="column-head">
              <span class="column-name">{label(i())}</span>
              <span class={`column-status ${col.cells.at(-1)?.status ?? ""}`}>{col.cells.at(-1)?.status}</span>
              <Show when={col.cells.at(-1)?.status === "streaming" || col.cells.at(-1)?.status === "waiting"}>
                <button class="stop-column" onClick={() => { const t = col.cells.at(-1)?.turn; if (t != null) b.cancel(t).catch((e) => setProblem(describe(e))); }}>Stop</button>
              </Show>
            </header>
            <div class="column-body" ref={(el) => (bodies[i()] = el)} onScroll={() => onScroll(i())}>
              <For each={col.cells}>{(cell) => (
                <div class="cell">
                  <div class="question">{cell.question}</div>
                  {cell.view.root}
                  <Show when={cell.error}>
                    <div class="error" role="alert">{blind() && !revealed() ? `failed (${cell.errorClass ?? "error"})` : cell.error}</div>
                  </Show>
                  <footer class="meta">
                    <Show when={cell.ttftMs !== null && cell.status === "streaming"}>first token {((cell.ttftMs ?? 0) / 1000).toFixed(2)} s · </Show>
                    <Show when={cell.status === "done"}>{blind() && !revealed() ? cell.line.replace(/^answered by [^·]*· /, "") : cell.line}</Show>
                    <Show when={cell.tried.length && cell.status === "done" && (!blind() || revealed())}> (after {cell.tried.join(", ")} failed)</Show>
                    <Show when={cell.status === "stopped"}>stopped — the partial answer is kept</Show>
                  </footer>
                </div>
              )}</For>
            </div>
            <Show when={!busy() && col.cells.at(-1)?.messageId != null && (!blind() || revealed())}>
              <button class="continue" onClick={async () => {
                try { props.onContinue(await b.continueCompare(conversation()!, col.cells.at(-1)!.messageId!)); } catch (e) { setProblem(describe(e)); }
              }}>Continue with this one</button>
            </Show>
          </div>
        )}</For>
      </div>
      <Show when={!busy() && judged().length >= 2}>
        <div class="vote-bar">
          <Show when={voted()} fallback={<>
            <span>Which is better?</span>
            <For each={judged()}>{(x) => (
              <button class="vote-winner" data-column={x.i} onClick={() => void vote("winner", x.i)}>{columnName(x.i)} is better</button>
            )}</For>
            <button class="vote-tie" onClick={() => void vote("tie", null)}>Tie</button>
            <button class="vote-bad" onClick={() => void vote("bad", null)}>All bad</button>
          </>}>
            <span class="voted">Voted: {voted()} — {columns.map((c, i) => `${columnName(i)} = ${c.cells.at(-1)?.model ?? c.targets.join(" → ")}`).join(", ")}</span>
          </Show>
        </div>
      </Show>
      <form class="composer" onSubmit={(e) => { e.preventDefault(); void send(); }}>
        <textarea class="compare-input" placeholder={conversation() === null ? "Ask every column — Enter sends" : "A follow-up to every column — Enter sends"}
          value={draft()} onInput={(e) => setDraft(e.currentTarget.value)} aria-label="Compare message"
          onKeyDown={(e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); void send(); } }} />
        <button type="submit" class="send" disabled={busy()}>Send to all</button>
      </form>
    </section>
  );
}
