// Settings → Budgets' rows as typed (a scope's kind and name, a window, the limit and alert as
// text) and the rules they make: checked here first so a typing slip is named beside its field
// and nothing is sent; the engine checks the same again before it writes.

import type { BudgetRuleSetting, RuleStatus, Scope, Window } from "../types";

export type ScopeKind = Scope["kind"];

export const SCOPE_KINDS: { value: ScopeKind; label: string }[] = [
  { value: "all", label: "everything" },
  { value: "provider", label: "provider" },
  { value: "model", label: "model" },
  { value: "route", label: "route" },
  { value: "client", label: "gateway client" },
];

export const WINDOWS: { value: Window; label: string }[] = [
  { value: "day", label: "day" }, { value: "week", label: "week" }, { value: "month", label: "month" },
];

/** One row as typed. `saved` is the rule it shows from the file (null for a row not saved yet). */
export interface Draft { id: number; kind: ScopeKind; name: string; window: Window; limit: string; alert: string; saved: BudgetRuleSetting | null }

/** What is wrong with a row, by field. */
export type DraftErrors = Partial<Record<"name" | "limit" | "alert", string>>;

const WHAT: Record<ScopeKind, string> = { all: "", provider: "provider", model: "model (provider/model)", route: "route", client: "gateway client" };
const KINDS = new Set<string>(SCOPE_KINDS.map((k) => k.value));

/** `provider:openai` → its kind and name (a route's `@` dropped, spaces trimmed, as the engine reads it). */
export function splitScope(scope: string): { kind: ScopeKind; name: string } {
  const s = scope.trim();
  const at = s.indexOf(":");
  const kind = (at < 0 ? s : s.slice(0, at)).trim();
  if (at < 0 || !KINDS.has(kind) || kind === "all") return { kind: "all", name: "" };
  const name = s.slice(at + 1).trim();
  return { kind: kind as ScopeKind, name: kind === "route" ? name.replace(/^@/, "") : name };
}

/** The scope as written in config.toml. */
export const joinScope = (kind: ScopeKind, name: string) => (kind === "all" ? "all" : `${kind}:${name.trim()}`);

let next = 0;
export function draftOf(rule: BudgetRuleSetting | null): Draft {
  const { kind, name } = splitScope(rule?.scope ?? "all");
  return {
    id: ++next, kind, name, window: rule?.window ?? "month",
    limit: rule ? String(rule.limitUsd) : "", alert: String(rule?.alertPercent ?? 80), saved: rule,
  };
}

/** The rule a row makes, or what is wrong with it. */
export function checkDraft(d: Draft): { rule: BudgetRuleSetting | null; errors: DraftErrors } {
  const errors: DraftErrors = {};
  const name = d.kind === "route" ? d.name.trim().replace(/^@/, "") : d.name.trim();
  if (d.kind !== "all" && !name) errors.name = `name the ${WHAT[d.kind]}`;
  else if (d.kind === "provider" && name.includes("/")) errors.name = `"${name}" is a model: a provider is its id alone (openai)`;
  else if (d.kind === "model" && !/^[^/]+\/.+$/.test(name)) errors.name = `"${name}" is not provider/model (openai/gpt-4o)`;
  const limit = d.limit.trim() === "" ? NaN : Number(d.limit);
  if (!Number.isFinite(limit) || limit < 0) errors.limit = `"${d.limit.trim()}" is not a limit (USD, 0 or more)`;
  const alert = d.alert.trim() === "" ? 80 : Number(d.alert);
  if (!(Number.isFinite(alert) && alert > 0 && alert <= 100)) errors.alert = `"${d.alert.trim()}" is not a share (above 0, at most 100)`;
  if (Object.keys(errors).length) return { rule: null, errors };
  return { rule: { scope: joinScope(d.kind, name), window: d.window, limitUsd: limit, alertPercent: alert }, errors };
}

/** A checked scope as written in config.toml. */
const scopeText = (s: Scope) => (s.kind === "all" ? "all" : `${s.kind}:${s.name}`);

/** The status of a saved `[[budgets]]` rule among every rule's (none for the legacy monthly budget's). */
export function statusOf(rule: BudgetRuleSetting, statuses: RuleStatus[]): RuleStatus | undefined {
  const { kind, name } = splitScope(rule.scope);
  const scope = joinScope(kind, name);
  const limit = Math.round(rule.limitUsd * 1e6);
  return statuses.find((s) => !s.rule.legacy && scopeText(s.rule.scope) === scope && s.rule.window === rule.window && s.rule.limitMicros === limit);
}
