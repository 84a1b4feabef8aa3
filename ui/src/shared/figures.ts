// One line under an answer: who answered (and who failed before), tokens, cost, time to first
// token. The same words for a live answer (from its `done` event) and a stored one (from the ledger).

import type { Attempt, MessageView, TurnEvent } from "../types";

export interface Figures {
  model: string | null; fellOver: string[]; input: number | null; output: number | null; reasoning: number;
  costMicros: number; ttftMs: number | null; estimated: boolean;
  /** Where the price came from (a live answer only: `override`, `catalog`, `builtin`, `local`, `provider`). */
  priceSource?: string | null;
  /** Prompt tokens the provider counted for images and documents (0 when it did not say). */
  imageTokens?: number;
  /** What was changed to send the request ("q3.pdf went as its text (12 pages): …"). */
  note?: string | null;
  /** Model calls made for the answer (more than one when it called tools; a live answer only). */
  steps?: number;
}

/** A failed or skipped attempt as the UI names it (the driver's own words in Rust). */
export function fellOver(a: Attempt): string {
  return `${a.target} (${a.class ?? "cooling down"})`;
}

export function answerLine(f: Figures): string {
  const parts = [`answered by ${f.model ?? "?"}${f.fellOver.length ? ` after ${f.fellOver.join(", ")} failed` : ""}`];
  if (f.input === null || f.output === null) parts.push("tokens unknown");
  else parts.push(`${f.input} in${f.imageTokens ? ` (${f.imageTokens} for images and files)` : ""} · ${f.output} out${f.reasoning ? ` (${f.reasoning} reasoning)` : ""}`);
  parts.push(`${f.estimated ? "≈ " : ""}$${(f.costMicros / 1e6).toFixed(4)}`);
  if (f.ttftMs !== null) parts.push(`first token ${(f.ttftMs / 1000).toFixed(2)} s`);
  if (f.steps && f.steps > 1) parts.push(`${f.steps} model calls`);
  if (f.note) parts.push(f.note);
  return parts.join(" · ");
}

/** The figures of a live answer's `done` event (the provider's usage; estimated when it sent none). */
export function fromDone(d: Extract<TurnEvent, { kind: "done" }>): Figures {
  return {
    model: d.model, fellOver: d.fellOver, input: d.usage?.inputTokens ?? null, output: d.usage?.outputTokens ?? null,
    reasoning: d.usage?.reasoningTokens ?? 0, costMicros: d.costMicros, ttftMs: d.ttftMs, estimated: !d.usage,
    priceSource: d.priceSource, imageTokens: d.usage?.imageTokens ?? 0, steps: d.steps,
    note: d.attempts.find((a) => a.outcome === "ok")?.message ?? null,
  };
}

/** The figures of a stored answer, from the ledger; null when it has none. */
export function fromStored(m: MessageView): Figures | null {
  const f = m.figures;
  return f && {
    model: m.model, fellOver: f.fellOver, input: f.inputTokens, output: f.outputTokens, reasoning: f.reasoningTokens,
    costMicros: f.costMicros, ttftMs: f.ttftMs, estimated: f.estimated, imageTokens: f.imageTokens, note: f.note,
  };
}

/** The meta row's short form: model, first token, tokens, cost (the full line goes in its tooltip). */
export function compact(f: Figures): string[] {
  const parts: string[] = [];
  if (f.ttftMs !== null) parts.push(`${(f.ttftMs / 1000).toFixed(2)} s`);
  if (f.input !== null && f.output !== null) parts.push(`${f.input + f.output} tok`);
  parts.push(`${f.estimated ? "≈ " : ""}$${(f.costMicros / 1e6).toFixed(4)}`);
  if (f.imageTokens) parts.push(`${f.imageTokens} image tok`);
  if (f.note) parts.push(f.note.includes("went as its text") ? "PDF sent as text" : "attachments adjusted");
  return parts;
}

const SOURCES: Record<string, string> = {
  override: "your price override", catalog: "OpenRouter's catalog", builtin: "the built-in price table",
  local: "a local model (free)", provider: "the provider's own figure",
};

/** The tooltip of an answer's meta row: the whole line, and where its price came from. */
export function details(f: Figures): string {
  const from = f.priceSource ? ` · price from ${SOURCES[f.priceSource] ?? f.priceSource}` : "";
  return answerLine(f) + from;
}
