// The dashboard's small pure pieces: dollars as the CLI prints them, the range's days, and the
// chart's stacks of spend per provider.

import type { Dashboard } from "../types";

/** Micro-dollars as dollars with six decimals, exactly (as the CLI prints them). */
export function usd(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const m = Math.abs(micros);
  return `${sign}${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, "0")}`;
}

export const iso = (d: Date) => d.toISOString().slice(0, 10);

/** Every day of the range, for the chart's axis (days without spend included). */
export function daysOf(since: string, until: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${until}T00:00:00Z`);
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= end && out.length < 3700; t += 86_400_000) out.push(iso(new Date(t)));
  return out;
}

/** The chart's stacks: one series per provider, a value per day (dollars). */
export function stacks(d: Dashboard): { days: string[]; series: { provider: string; values: number[] }[] } {
  const days = daysOf(d.since, d.until);
  const index = new Map(days.map((day, i) => [day, i]));
  const by = new Map<string, number[]>();
  for (const s of d.days) {
    if (!by.has(s.provider)) by.set(s.provider, new Array(days.length).fill(0));
    const i = index.get(s.day);
    if (i !== undefined) by.get(s.provider)![i] += s.costMicros / 1e6;
  }
  return { days, series: [...by].map(([provider, values]) => ({ provider, values })) };
}
