// The legacy monthly budget (`[budget] monthly_usd`), which the engine reads as one more rule,
// "all per month" with its alert at 80%: this month's spend against the cap (a bar, warned from
// 80%, over at 100%) and the cap itself, read from its input when saved.

import { createSignal, Show } from "solid-js";
import type { RuleStatus, SettingsView } from "../types";
import { Badge, Button, Card, TextField } from "../design/controls";
import { announce, type EditFn } from "./common";

/** `legacy` is the monthly budget's rule status when the backend has told it (its month is the local one). */
export function MonthlyBudget(props: { c: SettingsView; edit: EditFn; legacy?: RuleStatus }) {
  const [status, setStatus] = createSignal("");
  let cap!: HTMLInputElement;
  const b = () => props.c.budget;
  const spent = () => (props.legacy ? props.legacy.spentMicros / 1e6 : b().spentUsd);
  const share = () => (b().monthlyUsd ? spent() / (b().monthlyUsd as number) : 0);
  const warn = () => share() >= 0.8 && share() < 1;
  const over = () => share() >= 1;
  const save = async (monthlyUsd: number | null) => {
    if (monthlyUsd !== null && !Number.isFinite(monthlyUsd)) {
      return announce(setStatus, `"${cap.value}" is not an amount in USD`, "", "");
    }
    const err = await props.edit({ kind: "budget", monthlyUsd });
    announce(setStatus, err, "saved", monthlyUsd === null ? "Budget removed" : `Budget set to $${monthlyUsd.toFixed(2)} a month`);
  };
  const typed = () => (cap.value.trim() === "" ? null : Number(cap.value));
  return (
    <div class="budget-editor">
      <Card head={<>
        <h3>Monthly budget</h3>
        <Show when={warn()}><Badge tone="warn">80% reached</Badge></Show>
        <Show when={over()}><Badge tone="danger">spent: requests refused</Badge></Show>
      </>}>
        <div class="budget-progress" classList={{ warn: warn(), over: over() }}>
          <p class="budget-figures">
            <span class="spent">${spent().toFixed(2)}</span> spent this month
            <Show when={b().monthlyUsd !== null} fallback={<span class="no-budget"> — no budget set</span>}>
              {" "}of <span class="cap">${(b().monthlyUsd as number).toFixed(2)}</span> ({Math.round(share() * 100)}%)
            </Show>
          </p>
          <Show when={b().monthlyUsd !== null}>
            <div class="meter" role="progressbar" aria-label="Share of the monthly budget spent" aria-valuemin={0}
              aria-valuemax={100} aria-valuenow={Math.min(Math.round(share() * 100), 100)}>
              <span class="meter-fill" style={{ width: `${Math.min(share(), 1) * 100}%` }} />
            </div>
          </Show>
        </div>
        <div class="field-row">
          <TextField label="USD per month" inputClass="budget-input" inputMode="decimal"
            value={b().monthlyUsd ?? ""} placeholder="no budget" ref={(e) => (cap = e)}
            onKeyDown={(e) => { if (e.key === "Enter") void save(typed()); }} />
          <Button variant="primary" class="save-budget" onClick={() => void save(typed())}>Save</Button>
          <Show when={b().monthlyUsd !== null}>
            <Button variant="ghost" class="clear-budget" onClick={() => void save(null)}>No budget</Button>
          </Show>
        </div>
        <p class="hint">The older <code>[budget] monthly_usd</code>: counted as one more rule, <code>all</code> per
          month, warned from 80%. A rule above does the same and more.</p>
        <div class="status">{status()}</div>
      </Card>
    </div>
  );
}
