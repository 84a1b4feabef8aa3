// The compare view's small pure pieces: column names, the blind shuffle and the line of figures
// under a column (from the `done` event: the provider's usage as the engine recorded it).

import { fromDone } from "../shared/figures";
import type { MessageView, TurnEvent } from "../types";

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
