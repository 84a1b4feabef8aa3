// Spend limits as people read them (the dashboard and Settings → Budgets): short dollars, the
// window in words, its last day, the forecast's sentence and each state's tone. The figures
// themselves (spend, percent, forecast) are the engine's; nothing here computes a rule.

import type { RuleState, RuleStatus, Window } from "../types";

/** Micro-dollars for people, as the engine names limits: cents when whole cents (`$2.50`), else as many decimals as needed (`$0.0035`). */
export function dollars(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const m = Math.abs(Math.round(micros));
  const frac = String(m % 1e6).padStart(6, "0").replace(/0+$/, "").padEnd(2, "0");
  return `${sign}$${Math.floor(m / 1e6)}.${frac}`;
}

/** The current window in words. */
export const WINDOW_WORDS: Record<Window, string> = { day: "today", week: "this week", month: "this month" };

/** The last day of a window that ends (exclusively) at `windowEnd` unix ms, in this computer's time zone. */
export function lastDay(windowEnd: number): string {
  return new Date(windowEnd - 1).toLocaleDateString("en-US", { weekday: "short", month: "short", day: "numeric" });
}

/** "on pace for $X by <the window's last day>" (at the pace so far). */
export const forecastText = (s: RuleStatus) => `on pace for ${dollars(s.forecastMicros)} by ${lastDay(s.windowEnd)}`;

/** The design tone of each state. */
export const TONE: Record<RuleState, "success" | "warn" | "danger"> = { fine: "success", alert: "warn", exceeded: "danger" };

/** What each state means, for its badge. */
export const STATE_WORDS: Record<RuleState, string> = { fine: "within", alert: "alert reached", exceeded: "limit reached: requests refused" };

/** Spent, of the limit, in the window: `$1.20 of $2.50 today (48%)`. */
export function spentText(s: RuleStatus): string {
  return `${dollars(s.spentMicros)} of ${dollars(s.rule.limitMicros)} ${WINDOW_WORDS[s.rule.window]} (${Math.round(s.percent)}%)`;
}
