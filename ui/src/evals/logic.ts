// The Evaluations view's pure pieces: targets as typed, a grid cell's verdict over its
// repetitions, the per-target summary (the same rules as the engine's `report::summarize`, for a
// run still under way), and the figures as the view prints them.

import type { StoredCell, TargetSummary } from "../types";

/** Where a cell of the grid stands: every repetition passed, one failed its checks, a request
 *  got no answer, or nothing ended yet. */
export type GridVerdict = "pass" | "fail" | "error" | "pending";

/** The key of one cell of a run. */
export const cellKey = (caseIndex: number, target: string, rep: number) => `${caseIndex}|${target}|${rep}`;

/** Targets typed as `openai/gpt-4o-mini, @fast` (commas or spaces), each once, in order. */
export function parseTargets(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).filter(Boolean))];
}

/** A whole number typed in a field: null when empty, "bad" outside `lo`–`hi` or not a number. */
export function wholeIn(text: string, lo: number, hi: number): number | null | "bad" {
  const t = text.trim();
  if (!t) return null;
  const n = Number(t);
  return Number.isInteger(n) && n >= lo && n <= hi ? n : "bad";
}

/** The repetitions of one case × target that ended, in repetition order. */
export function repsOf(cells: ReadonlyMap<string, StoredCell>, caseIndex: number, target: string, repeat: number): StoredCell[] {
  const out: StoredCell[] = [];
  for (let r = 0; r < repeat; r++) {
    const c = cells.get(cellKey(caseIndex, target, r));
    if (c) out.push(c);
  }
  return out;
}

/**
 * A grid cell's verdict over its repetitions: pending with none ended; fail when an answer
 * failed its checks; error when a request got no answer; pending while repetitions are still to
 * come; pass only when every repetition passed.
 */
export function verdictOf(reps: StoredCell[], repeat: number): GridVerdict {
  if (!reps.length) return "pending";
  if (reps.some((c) => !c.error && !c.passed)) return "fail";
  if (reps.some((c) => c.error)) return "error";
  if (reps.length < repeat) return "pending";
  return "pass";
}

/** The mean of the judge scores among `reps` (null when none was judged). */
export function meanScore(reps: StoredCell[]): number | null {
  const s = reps.map((c) => c.score).filter((x): x is number => typeof x === "number");
  return s.length ? s.reduce((a, b) => a + b, 0) / s.length : null;
}

/** A judge score's band, for its colour: 4 and up good, 3 to 4 middling, below 3 bad. */
export const scoreBand = (score: number): "good" | "mid" | "bad" => (score >= 4 ? "good" : score >= 3 ? "mid" : "bad");

/** The sample standard deviation. */
function sd(xs: number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}

/** Each target's figures from the cells that ended: the engine's `report::summarize`, here. */
export function summarize(targets: string[], repeat: number, cells: Iterable<StoredCell>): TargetSummary[] {
  const all = [...cells];
  return targets.map((target) => {
    const mine = all.filter((c) => c.target === target);
    const passed = mine.filter((c) => c.passed).length;
    const errors = mine.filter((c) => c.error).length;
    const scores = mine.map((c) => c.score).filter((x): x is number => typeof x === "number");
    const ms = mine.filter((c) => !c.error).map((c) => c.ms).sort((a, b) => a - b);
    const rates: number[] = [];
    // The spread of a repetition's mean score over the repetitions (one repetition: the cells').
    const repScores: number[] = [];
    for (let r = 0; r < repeat; r++) {
      const rep = mine.filter((c) => c.rep === r);
      if (rep.length) rates.push(rep.filter((c) => c.passed).length / rep.length);
      const s = rep.map((c) => c.score).filter((x): x is number => typeof x === "number");
      if (s.length) repScores.push(s.reduce((a, b) => a + b, 0) / s.length);
    }
    const spread = repeat > 1 ? repScores : scores;
    return {
      target,
      cells: mine.length,
      passed,
      failed: mine.length - passed,
      errors,
      passRate: mine.length ? passed / mine.length : 0,
      passRateSd: rates.length > 1 ? sd(rates) : null,
      meanScore: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null,
      scoreSd: spread.length > 1 ? sd(spread) : null,
      p50Ms: ms.length ? ms[Math.floor((ms.length - 1) / 2)] : null,
      costMicros: mine.reduce((a, c) => a + c.costMicros, 0),
      judgeMicros: mine.reduce((a, c) => a + c.judgeMicros, 0),
    };
  });
}

/** Micro-dollars as dollars: four decimals, six below a cent (small runs cost fractions of one). */
export function dollars(micros: number): string {
  const d = micros / 1e6;
  return `$${d.toFixed(micros !== 0 && Math.abs(micros) < 10_000 ? 6 : 4)}`;
}

/** A share as a percentage, one decimal where it has one ("66.7%", "100%"). */
export const percent = (share: number) => `${(share * 100).toFixed(1).replace(/\.0$/, "")}%`;

/** Milliseconds as the tables show them. */
export const millis = (ms: number | null | undefined) => (ms == null ? "—" : `${ms.toLocaleString("en-US")} ms`);

/** A date and time from milliseconds since the epoch, short. */
export const when = (ms: number) =>
  new Date(ms).toLocaleString(undefined, { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

/** A verdict in words (what a screen reader hears, and the grid's tooltips). */
export const verdictWords: Record<GridVerdict, string> = { pass: "passed", fail: "failed", error: "no answer", pending: "not run yet" };

/** A verdict's mark: never colour alone. */
export const verdictMark: Record<GridVerdict, string> = { pass: "✓", fail: "✗", error: "!", pending: "·" };

/** A verdict before or after, in a run comparison. */
export const passWord = (v: boolean | null | undefined) => (v == null ? "—" : v ? "pass" : "fail");
