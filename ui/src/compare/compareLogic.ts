// The compare view's small pure pieces: its cells and columns, column names, the blind shuffle,
// the line of figures under a column (from the `done` event: the provider's usage as the engine
// recorded it) and what the figures row shows of it, short and in full.

import type { Part } from "../attachments/parts";
import type { AnswerView } from "../shared/answer";
import { compact, type Figures, fromDone } from "../shared/figures";
import type { ToolRun } from "../tools/runs";
import type { ChatSettings, ErrorView, MessageView, TurnEvent } from "../types";

export type CellStatus = "waiting" | "streaming" | "done" | "failed" | "stopped";

/** One question of a column and the column's answer to it. */
export interface Cell {
  question: string;
  /** The images and files asked about with it. */
  parts: Part[];
  view: AnswerView;
  status: CellStatus;
  turn: number | null;
  /** The column's question (a follow-up's own, or the shared first one). */
  userId: number | null;
  messageId: number | null;
  model: string | null;
  ttftMs: number | null;
  /** The whole line of figures (`stats`, or the stored answer's line). */
  line: string;
  figures: Figures | null;
  error: ErrorView | null;
  tried: string[];
  /** The answer's tool calls (each column runs its own and asks its own questions). */
  tools: ToolRun[];
}
/** A column: its targets, its settings (system prompt and parameters, as stored) and its thread. */
export interface Column { targets: string[]; settings: ChatSettings; cells: Cell[] }

/** A, B, C…: a column's name. */
export const column = (i: number): string => String.fromCharCode(65 + (i % 26));

/** A shuffled copy (Fisher–Yates), so in blind mode a column's place says nothing of its model. */
export function shuffle<T>(items: readonly T[], random: () => number = Math.random): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

type Done = Extract<TurnEvent, { kind: "done" }>;

/** Who answered, time to first token, tokens per second while generating, tokens and cost. */
export function stats(d: Done): string {
  const f = fromDone(d);
  const parts = [`answered by ${f.model}`];
  if (f.ttftMs !== null) parts.push(`first token ${(f.ttftMs / 1000).toFixed(2)} s`);
  if (f.input !== null && f.output !== null) {
    const generating = (d.durationMs - (f.ttftMs ?? 0)) / 1000;
    if (generating > 0 && f.output > 0) parts.push(`${(f.output / generating).toFixed(1)} tok/s`);
    parts.push(`${f.input} in · ${f.output} out`);
  } else {
    parts.push("tokens unknown");
  }
  parts.push(`$${(f.costMicros / 1e6).toFixed(4)}`);
  return parts.join(" · ");
}

/** One question of a stored compare column, and that column's answer to it (if any). */
export interface StoredCell { question: MessageView; answer: MessageView | null }

/**
 * A stored compare's columns, each its own thread: the shared first question, the column's
 * answer to it, then each follow-up asked in that column (after its answer, or after its
 * unanswered question) with the column's answer.
 */
export function threads(messages: MessageView[]): StoredCell[][] {
  const root = messages.find((m) => m.parentId === null && m.role === "user");
  if (!root) return [];
  const n = 1 + Math.max(-1, ...messages.map((m) => m.column ?? -1));
  const out: StoredCell[][] = [];
  for (let i = 0; i < n; i++) {
    const cells: StoredCell[] = [];
    let question: MessageView | undefined = root;
    while (question) {
      const q: MessageView = question;
      const answer = messages.find((m) => m.parentId === q.id && m.role === "assistant" && m.column === i) ?? null;
      cells.push({ question: q, answer });
      const after = answer ?? q;
      question = messages.find((m) => m.parentId === after.id && m.role === "user" && m.column === i);
    }
    out.push(cells);
  }
  return out;
}


/** A column's error with everything that could name its model left out (blind, before the vote). */
export function blindError(e: ErrorView): ErrorView {
  return {
    ...e, provider: null, detail: null, hint: null,
    message: `This column failed (${e.class ?? e.kind}); the provider's own words are shown after the vote.`,
  };
}

/**
 * A cell's figures row: `short` is shown (one line, no model: the header names it), `full` is the
 * tooltip and what screen readers read. Blind, neither names who answered or who failed before.
 */
export function figuresRow(cell: Cell, blind: boolean): { short: string[]; full: string; fell: number } {
  const first = cell.ttftMs !== null ? `first token ${(cell.ttftMs / 1000).toFixed(2)} s` : null;
  switch (cell.status) {
    case "waiting":
      return { short: ["waiting…"], full: "waiting for the first token", fell: 0 };
    case "streaming":
      return {
        short: [...(cell.ttftMs !== null ? [`${(cell.ttftMs / 1000).toFixed(2)} s`] : []), "streaming…"],
        full: [first, "streaming"].filter(Boolean).join(" · "), fell: 0,
      };
    case "done": {
      const tried = !blind && cell.tried.length ? ` (after ${cell.tried.join(", ")} failed)` : "";
      const line = blind ? cell.line.replace(/^answered by [^·]*· /, "") : cell.line;
      return { short: cell.figures ? compact(cell.figures) : [], full: line + tried, fell: blind ? 0 : cell.tried.length };
    }
    case "stopped": {
      const note = "stopped — the partial answer is kept";
      if (!cell.figures) return { short: ["stopped"], full: note, fell: 0 };
      const line = blind ? cell.line.replace(/^answered by [^·]*· /, "") : cell.line;
      return { short: [...compact(cell.figures), "stopped"], full: `${line} · ${note}`, fell: 0 };
    }
    case "failed":
      return { short: [], full: "", fell: 0 };
  }
}

/** Column widths the user may set (px): the narrowest, the widest, and the keyboard's steps. */
export const WIDTH = { min: 240, max: 1600, fallback: 360, step: 16, bigStep: 64 } as const;

export const clampWidth = (px: number): number => Math.round(Math.min(WIDTH.max, Math.max(WIDTH.min, px)));

/** The width a key asks for (null: not a resizing key). */
export function keyWidth(key: string, now: number, shift: boolean): number | null {
  const step = shift ? WIDTH.bigStep : WIDTH.step;
  switch (key) {
    case "ArrowLeft": case "ArrowDown": return clampWidth(now - step);
    case "ArrowRight": case "ArrowUp": return clampWidth(now + step);
    case "PageDown": return clampWidth(now - WIDTH.bigStep);
    case "PageUp": return clampWidth(now + WIDTH.bigStep);
    case "Home": return WIDTH.min;
    case "End": return WIDTH.max;
    default: return null;
  }
}
