// One line under an answer: who answered (and who failed before), tokens, cost, time to first
// token. The same words for a live answer (from its `done` event) and a stored one (from the ledger).

export interface Figures {
  model: string | null; fellOver: string[]; input: number | null; output: number | null; reasoning: number;
  costMicros: number; ttftMs: number | null; estimated: boolean;
}

export function answerLine(f: Figures): string {
  const parts = [`answered by ${f.model ?? "?"}${f.fellOver.length ? ` after ${f.fellOver.join(", ")} failed` : ""}`];
  if (f.input === null || f.output === null) parts.push("tokens unknown");
  else parts.push(`${f.input} in · ${f.output} out${f.reasoning ? ` (${f.reasoning} reasoning)` : ""}`);
  parts.push(`${f.estimated ? "≈ " : ""}$${(f.costMicros / 1e6).toFixed(4)}`);
  if (f.ttftMs !== null) parts.push(`first token ${(f.ttftMs / 1000).toFixed(2)} s`);
  return parts.join(" · ");
}
