// A preset's fields as config.toml keeps them (`top_p`, `max_tokens`, a model) and as the
// parameter form edits them (a conversation's ChatSettings): the two conversions, and the check
// of a model typed by hand.

import type { ChatSettings, PresetFields } from "../types";

/** The parameters of a preset, for the parameter form (the model is edited beside it). */
export function settingsOf(f: PresetFields): ChatSettings {
  return {
    system: f.system ?? null, temperature: f.temperature ?? null, topP: f.top_p ?? null, maxTokens: f.max_tokens ?? null,
    reasoning: f.reasoning ?? null, stop: f.stop ?? null, seed: f.seed ?? null,
  };
}

/** The preset's fields from the form's parameters and the model typed (empty ones left out: the provider's default). */
export function fieldsOf(s: ChatSettings, model: string): PresetFields {
  const stop = (s.stop ?? []).filter((x) => x !== "");
  return {
    system: s.system?.trim() ? s.system : null, model: model.trim() || null, temperature: s.temperature ?? null, top_p: s.topP ?? null,
    max_tokens: s.maxTokens ?? null, reasoning: s.reasoning ?? null, stop: stop.length ? stop : null, seed: s.seed ?? null,
  };
}

/** What is wrong with a model typed for a preset ("" when it is `provider/model`, `@route` or empty). */
export function modelProblem(model: string): string {
  const m = model.trim();
  if (!m || /^@./.test(m) || /^[^/]+\/./.test(m)) return "";
  return `"${m}" is neither provider/model nor @route`;
}
