// One spend-limit rule as a table row: its scope (a kind and a name), window, limit and alert
// share as typed, with what is wrong beside each field, and the saved rule's spend in its
// current window (figures and a bar).

import { Show } from "solid-js";
import type { SetStoreFunction } from "solid-js/store";
import type { RuleStatus, Window } from "../types";
import { IconButton, Select, TextField } from "../design/controls";
import { Trash } from "../design/icons";
import { RuleMeter } from "../usage/RuleMeter";
import { spentText } from "../usage/limits";
import { type Draft, type DraftErrors, SCOPE_KINDS, type ScopeKind, splitScope, WINDOWS } from "./budgetRules";

const PLACEHOLDER: Record<ScopeKind, string> = { all: "", provider: "openai", model: "openai/gpt-4o", route: "smart", client: "client name" };

/** The suggestion list (a `<datalist>` id in the page) for each kind's name. */
export type NameLists = Partial<Record<ScopeKind, string>>;

export function BudgetRow(props: {
  row: Draft; index: number; set: SetStoreFunction<Draft[]>; errors: DraftErrors; status?: RuleStatus; lists: NameLists; onRemove: () => void;
}) {
  const n = () => props.index + 1;
  const put = <K extends keyof Draft>(key: K, v: Draft[K]) => props.set(props.index, key, v as never);
  /** Whether the row differs from the rule in force (whose spend it shows). */
  const changed = () => {
    const s = props.row.saved, r = props.row;
    if (!s) return true;
    const scope = splitScope(s.scope);
    return scope.kind !== r.kind || scope.name !== r.name.trim() || s.window !== r.window || s.limitUsd !== Number(r.limit) || s.alertPercent !== Number(r.alert);
  };
  /** A native select shows its value once its options are in (they are added after the value is first set). */
  const shows = (v: () => string) => (e: HTMLSelectElement) => queueMicrotask(() => (e.value = v()));
  return (
    <tr class="budget-rule" data-scope={props.row.saved?.scope ?? ""}>
      <td><div class="rule-scope">
        <Select label={`Scope of rule ${n()}`} hideLabel selectClass="budget-scope-kind" options={SCOPE_KINDS} value={props.row.kind}
          ref={shows(() => props.row.kind)}
          onChange={(e) => put("kind", e.currentTarget.value as ScopeKind)} />
        <Show when={props.row.kind !== "all"}>
          <TextField label={`Name of rule ${n()}'s ${props.row.kind}`} hideLabel inputClass="budget-scope-name" value={props.row.name}
            placeholder={PLACEHOLDER[props.row.kind]} spellcheck={false} list={props.lists[props.row.kind]} error={props.errors.name}
            onInput={(e) => put("name", e.currentTarget.value)} />
        </Show>
      </div></td>
      <td>
        <Select label={`Window of rule ${n()}`} hideLabel selectClass="budget-window" options={WINDOWS} value={props.row.window}
          ref={shows(() => props.row.window)}
          onChange={(e) => put("window", e.currentTarget.value as Window)} />
      </td>
      <td>
        <TextField label={`Limit of rule ${n()} in USD`} hideLabel inputClass="budget-limit" inputMode="decimal" value={props.row.limit}
          placeholder="2.50" error={props.errors.limit} onInput={(e) => put("limit", e.currentTarget.value)} />
      </td>
      <td>
        <TextField label={`Alert share of rule ${n()} in percent`} hideLabel inputClass="budget-alert" inputMode="decimal" value={props.row.alert}
          placeholder="80" error={props.errors.alert} onInput={(e) => put("alert", e.currentTarget.value)} />
      </td>
      <td><div class="rule-spend">
        <Show when={props.status} fallback={<span class="rule-unsaved">{props.row.saved ? "" : "not saved yet"}</span>}>{(s) => (<>
          <span class={`rule-spent ${s().state}`}>{spentText(s())}</span>
          <RuleMeter status={s()} />
          <Show when={changed()}><span class="rule-unsaved">as saved, before your changes</span></Show>
        </>)}</Show>
      </div></td>
      <td class="rule-remove">
        <IconButton icon={Trash} size="sm" class="remove-budget-rule" label={`Remove rule ${n()}`} onClick={() => props.onRemove()} />
      </td>
    </tr>
  );
}
