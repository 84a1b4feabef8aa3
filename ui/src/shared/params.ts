// A conversation's system prompt and parameters (`ChatSettings`) as the UI reads, checks and
// words them: each field's check (the engine's ranges, so nothing it refuses is sent), a preset
// as settings, what a turn sends of them, and the labels that tell compare columns apart (the
// engine's `differences` in session/settings.rs, word for word). No backend calls here.

import type { ChatSettings, PresetSetting, ReasoningEffort, TurnSpec } from "../types";

/** At most this many stop sequences (the engine's MAX_STOP). */
export const MAX_STOP = 4;

/** The number fields of the settings. */
export type NumberField = "temperature" | "topP" | "maxTokens" | "seed";

/** A field's text read: its value (null: cleared, the provider's default), or why it is refused. */
export type Read = { ok: true; value: number | null } | { ok: false; error: string };

const RULES: Record<NumberField, { whole: boolean; ok: (n: number) => boolean; error: string }> = {
  temperature: { whole: false, ok: (n) => n >= 0 && n <= 2, error: "Between 0 and 2" },
  topP: { whole: false, ok: (n) => n > 0 && n <= 1, error: "Above 0, at most 1" },
  maxTokens: { whole: true, ok: (n) => n >= 1 && n <= 4_294_967_295, error: "A whole number, 1 or more" },
  seed: { whole: true, ok: (n) => n >= 0 && n <= Number.MAX_SAFE_INTEGER, error: "A whole number, 0 or more" },
};

/** Reads a number field as typed (empty is cleared). */
export function readNumber(field: NumberField, text: string): Read {
  const t = text.trim();
  if (!t) return { ok: true, value: null };
  const rule = RULES[field];
  const n = Number(t.replace(",", "."));
  if (!Number.isFinite(n)) return { ok: false, error: rule.whole ? rule.error : `Not a number: ${rule.error.toLowerCase()}` };
  if (rule.whole && !Number.isInteger(n)) return { ok: false, error: rule.error };
  if (!rule.ok(n)) return { ok: false, error: rule.error };
  return { ok: true, value: n };
}

/** A stop sequence as shown: newlines and tabs as `\n` and `\t` (they are the usual ones). */
export function showStop(s: string): string {
  return s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
}

/** A stop sequence as typed: `\n`, `\t`, `\r` and `\\` are read as the characters. */
export function readStop(text: string): string {
  return text.replace(/\\([ntr\\])/g, (_, c: string) => ({ n: "\n", t: "\t", r: "\r", "\\": "\\" })[c] ?? c);
}

/** Why a stop list is refused, if it is. */
export function stopProblem(stop: string[]): string | null {
  if (stop.length > MAX_STOP) return `At most ${MAX_STOP} stop sequences`;
  if (stop.some((s) => s === "")) return "A stop sequence cannot be empty";
  return null;
}

/** Why these settings would be refused (the first problem), if they would. */
export function settingsProblem(s: ChatSettings): string | null {
  for (const f of ["temperature", "topP", "maxTokens", "seed"] as const) {
    const v = s[f];
    if (v != null && !readNumber(f, String(v)).ok) return `${LABELS[f]}: ${RULES[f].error.toLowerCase()}`;
  }
  return s.stop ? stopProblem(s.stop) : null;
}

export const LABELS: Record<NumberField | "system" | "reasoning" | "stop", string> = {
  system: "System prompt", temperature: "Temperature", topP: "Top P", maxTokens: "Max tokens", reasoning: "Reasoning", stop: "Stop sequences", seed: "Seed",
};

export const REASONING: ReasoningEffort[] = ["low", "medium", "high"];

/** Settings with empty values made none (as the engine tidies them). */
export function tidy(s: ChatSettings): ChatSettings {
  return {
    preset: s.preset || null,
    system: s.system?.trim() ? s.system : null,
    temperature: s.temperature ?? null,
    topP: s.topP ?? null,
    maxTokens: s.maxTokens ?? null,
    reasoning: s.reasoning ?? null,
    stop: s.stop?.length ? [...s.stop] : null,
    seed: s.seed ?? null,
  };
}

/** Whether two settings hold the same values (the preset label aside). */
export function sameValues(a: ChatSettings, b: ChatSettings): boolean {
  const x = tidy(a);
  const y = tidy(b);
  return x.system === y.system && x.temperature === y.temperature && x.topP === y.topP && x.maxTokens === y.maxTokens
    && x.reasoning === y.reasoning && x.seed === y.seed && JSON.stringify(x.stop) === JSON.stringify(y.stop);
}

/** Whether nothing is set (every field the provider's default). */
export function isDefault(s: ChatSettings): boolean {
  return !s.preset && sameValues(s, {});
}

/** A preset's values as settings, labelled with its name (its model is `presetModel`'s). */
export function fromPreset(p: PresetSetting): ChatSettings {
  const f = p.fields;
  return tidy({
    preset: p.name, system: f.system ?? null, temperature: f.temperature ?? null, topP: f.top_p ?? null, maxTokens: f.max_tokens ?? null,
    reasoning: f.reasoning ?? null, stop: f.stop ?? null, seed: f.seed ?? null,
  });
}

/** The model (or `@route`) a preset names, if any. */
export const presetModel = (p: PresetSetting): string | null => p.fields.model?.trim() || null;

/** Whether settings labelled with a preset were changed since it was applied. */
export function edited(s: ChatSettings, presets: PresetSetting[]): boolean {
  const p = s.preset ? presets.find((x) => x.name === s.preset) : undefined;
  return !!p && !sameValues(s, fromPreset(p));
}

type Fields = Pick<TurnSpec, "preset" | "system" | "temperature" | "topP" | "maxTokens" | "reasoning" | "stop" | "seed">;

/**
 * What a new conversation's first turn sends of the panel's settings: the values as shown, all of
 * them, and never the preset by name — the engine would lay the preset as it is *now* in the
 * config under them (changed or deleted since it was picked, it is not what the panel shows).
 * `exact` is false when the settings carry a preset label: the caller then stores the settings
 * with their label itself once the conversation exists.
 */
export function turnFields(s: ChatSettings): { fields: Fields; exact: boolean } {
  const t = tidy(s);
  const fields: Fields = {
    preset: null, system: t.system, temperature: t.temperature, topP: t.topP, maxTokens: t.maxTokens, reasoning: t.reasoning, stop: t.stop, seed: t.seed,
  };
  return { fields, exact: !t.preset };
}

/**
 * Settings as a cost preview lays them over the stored ones (the engine's overlay: a value given
 * replaces the stored one, a missing one keeps it): the values as shown, no preset label, and an
 * empty system prompt and stop list for "none" (they clear the stored ones). A number cleared
 * cannot be said this way: it counts once the settings are saved.
 */
export function overlayOf(s: ChatSettings): ChatSettings {
  const t = tidy(s);
  return { ...t, preset: null, system: t.system ?? "", stop: t.stop ?? [] };
}

/** A stop list as Rust's `{:?}` prints it (`["\n\n", "END"]`): the engine's words for it. */
function debugList(stop: string[]): string {
  return `[${stop.map((s) => JSON.stringify(s)).join(", ")}]`;
}

/** The parameters as short phrases (`temperature 0.2`, `seed 7`), keyed; not the system prompt or preset. */
export function phrases(s: ChatSettings): [string, string][] {
  const out: [string, string][] = [];
  if (s.temperature != null) out.push(["temperature", `temperature ${s.temperature}`]);
  if (s.topP != null) out.push(["top_p", `top_p ${s.topP}`]);
  if (s.maxTokens != null) out.push(["max_tokens", `max ${s.maxTokens} tokens`]);
  if (s.reasoning != null) out.push(["reasoning", `reasoning ${s.reasoning}`]);
  if (s.stop?.length) out.push(["stop", `stop ${debugList(s.stop)}`]);
  if (s.seed != null) out.push(["seed", `seed ${s.seed}`]);
  return out;
}

/** A one-line summary of settings (`terse · temperature 0.2 · system prompt`); empty when default. */
export function summary(s: ChatSettings): string {
  const t = tidy(s);
  return [t.preset, ...phrases(t).map((p) => p[1]), t.system ? "system prompt" : null].filter(Boolean).join(" · ");
}

const same = (a: ChatSettings, b: ChatSettings) => a.preset === b.preset && sameValues(a, b);

/**
 * What tells each column's settings apart, one label per column (empty when all are alike): the
 * preset's name when the presets differ, else the parameters that differ, else "system prompt N"
 * when only the system prompts do. The engine's `differences`, so the app and the votes agree.
 */
export function differences(columns: ChatSettings[]): string[] {
  const cols = columns.map(tidy);
  const n = cols.length;
  if (n < 2 || cols.every((c) => same(c, cols[0]))) return cols.map(() => "");
  const presetsDiffer = cols.some((c) => c.preset !== cols[0].preset);
  const ph = cols.map(phrases);
  const value = (i: number, key: string) => ph[i].find((p) => p[0] === key)?.[1] ?? null;
  const keys = ["temperature", "top_p", "max_tokens", "reasoning", "stop", "seed"];
  const differing = keys.filter((k) => cols.some((_, i) => value(i, k) !== value(0, k)));
  const systems: (string | null)[] = [];
  for (const c of cols) if (!systems.includes(c.system ?? null)) systems.push(c.system ?? null);
  return cols.map((c, i) => {
    if (presetsDiffer) return c.preset ?? "no preset";
    const parts = differing.map((k) => value(i, k) ?? `${k.replace("_", " ")} default`);
    if (systems.length > 1) parts.push(c.system != null ? `system prompt ${systems.indexOf(c.system) + 1}` : "no system prompt");
    return parts.join(" · ");
  });
}

/**
 * What a compare column sends of its own settings: its values as shown, labelled with their preset
 * (a plain label the engine stores), and never the preset by name (the engine would lay the preset
 * as it is now in the config under them). Nothing for a column left at the compare's settings.
 */
export function columnFields(s: ChatSettings): { preset: string | null; settings: ChatSettings | null } {
  if (isDefault(s)) return { preset: null, settings: null };
  return { preset: null, settings: tidy(s) };
}
