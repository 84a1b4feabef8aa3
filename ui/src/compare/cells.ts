// A compare column's cells as they change: a live answer's stream message applied to its cell,
// and a stored compare read back into columns (each column's thread, its targets as picked and
// its settings as stored).

import { filesOf } from "../attachments/parts";
import { AnswerView } from "../shared/answer";
import { answerLine, fellOver, fromDone, fromStored } from "../shared/figures";
import { tidy } from "../shared/params";
import { errorView } from "../shared/problems";
import { applyTool, runsOf } from "../tools/runs";
import type { StoredView, StreamMsg } from "../types";
import { type Cell, type Column, stats, type StoredCell, threads } from "./compareLogic";

/** One stream message of a column, applied to its answering cell (inside a store's `produce`). */
export function applyMsg(cell: Cell, msg: StreamMsg): void {
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
}

/** A stored question and the column's answer to it, as a cell. */
function storedCell({ question, answer }: StoredCell): Cell {
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
}

/**
 * A stored compare's columns: each its thread, ready for follow-ups through the targets it was
 * started with (`@route`, a fallback chain; a compare stored before those were kept follows up
 * through the model that last answered in the column), with its own settings (else the compare's).
 */
export function storedColumns(c: StoredView): Column[] {
  return threads(c.messages).map((cells, i) => ({
    settings: tidy(c.columnSettings?.[i] ?? c.settings ?? {}),
    targets: c.columnTargets[i]?.length
      ? [...c.columnTargets[i]]
      : [cells.map((x) => x.answer?.model).filter((m): m is string => !!m).at(-1) ?? "?"],
    cells: cells.map(storedCell),
  }));
}
