// The cost before sending, in words: an `Estimate`'s tokens (exact, or "≈" with how the estimate
// was calibrated), input cost, context fill, the answer's cost range and the refusal past the
// context window — or, for an estimated count past it, the warning that it may be refused (the
// engine refuses only on an exact count: its fit is then "tight", with the tokens to cut); and a
// spend limit's standing. The engine computes every figure; this only says them.

import type { Counted, Estimate, RuleStatus } from "../types";

/** Dollars from micro-dollars: four places under $10 (what a message costs), two above. */
export function usd(micros: number): string {
  const d = micros / 1e6;
  return `$${d < 10 ? d.toFixed(4) : d.toFixed(2)}`;
}

/** A whole number with thousands separators (`12,345`). */
export const count = (n: number): string => Math.round(n).toLocaleString("en-US");

/** A context window, short (`128k`, `1M`, `8,192`). */
export function windowSize(n: number): string {
  if (n >= 1_000_000 && n % 100_000 === 0) return `${n / 1_000_000}M`;
  if (n >= 10_000) return `${Math.round(n / 1000)}k`;
  return count(n);
}

/** The prompt's tokens as shown: "≈" when estimated. */
export function tokensText(e: Estimate): string {
  return `${e.counted.kind === "estimated" ? "≈" : ""}${count(e.promptTokens)} tokens`;
}

/** How the tokens were counted, for the tooltip. */
export function countedTip(c: Counted): string {
  if (c.kind === "exact") return `Counted exactly with ${c.tokenizer === "local" ? "the local model's own tokenizer" : `the ${c.tokenizer} tokenizer`}`;
  if (c.samples <= 0) return "Estimated at 4 characters a token (no answers from this model yet to calibrate from)";
  const rate = c.chars_per_token.toFixed(1);
  return `Estimated at ${rate} characters a token, calibrated from ${count(c.samples)} ${c.samples === 1 ? "answer" : "answers"} in your ledger`;
}

const estimated = (e: Estimate) => e.counted.kind === "estimated";

/**
 * The context window's fill (`12% of 128k context`), when the window is known; "≈" when the
 * tokens are estimated. Under 100% it never reads 100 (99.96 is `99.9%`), and an estimated count
 * past the window reads as it is (`≈104%`), with no refusal.
 */
export function fillText(e: Estimate): string | null {
  if (e.fillPercent == null || e.contextWindow == null) return null;
  const p = e.fillPercent;
  const shown = p > 0 && p < 1 ? "<1" : p >= 99 && p < 100 ? (Math.floor(p * 10) / 10).toFixed(1) : String(Math.round(p));
  return `${estimated(e) ? "≈" : ""}${shown}% of ${windowSize(e.contextWindow)} context`;
}

/** Whether an estimated count is past the window: it may be refused (Send is not held). */
export const mayBeOver = (e: Estimate): boolean => e.fit !== "over" && estimated(e) && e.cutTokens > 0;

/** The answer's cost range: "answer up to $X at N tokens" (or what is known of it). */
export function answerText(e: Estimate): string | null {
  if (e.maxAnswerTokens == null) return null;
  if (e.maxAnswerMicros == null) return `answer up to ${count(e.maxAnswerTokens)} tokens (price unknown)`;
  return `answer up to ${usd(e.maxAnswerMicros)} at ${count(e.maxAnswerTokens)} tokens`;
}

/**
 * Past the window: the refusal of a prompt counted exactly (how much to cut), or for an estimated
 * count the warning that it may be refused (by about how much it is over). Null when it fits.
 */
export function overText(e: Estimate): string | null {
  if (mayBeOver(e)) {
    return `≈ over ${e.target}'s context window by about ${count(e.cutTokens)} tokens — it may be refused `
      + "(the count is an estimate; shorten the message or drop attachments to be sure).";
  }
  if (e.fit !== "over") return null;
  return `Too long for ${e.target}: ${count(e.promptTokens)} tokens in a ${count(e.contextWindow ?? 0)}-token window. `
    + `Cut about ${count(e.cutTokens)} tokens (shorten the message, drop attachments, or start a new chat).`;
}

/** A spend limit past its alert share: its name, percent and spend. */
export function alertText(r: RuleStatus): string {
  return `${r.label} is at ${Math.round(r.percent)}% (${usd(r.spentMicros)} spent in this ${r.rule.window})`;
}
