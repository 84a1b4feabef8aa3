// Settings → Budgets: the spend limits (`[[budgets]]`) as a table of rules — scope, window,
// limit, alert share, and each saved rule's spend in its current window — saved all at once
// (one edit replaces every rule), and below it the legacy monthly budget, read as one more rule.
// Rows are checked here first; a row that is wrong is marked and nothing is sent.

import { createEffect, createResource, createSignal, For, on } from "solid-js";
import { createStore } from "solid-js/store";
import type { FullBackend } from "../backend";
import type { SettingsView } from "../types";
import { Button, Card } from "../design/controls";
import { Plus, Save } from "../design/icons";
import { MonthlyBudget } from "./Budget";
import { BudgetRow } from "./BudgetRow";
import { checkDraft, type Draft, type DraftErrors, draftOf, statusOf } from "./budgetRules";
import { announce, type EditFn, SectionHead } from "./common";

export function Budgets(props: { c: SettingsView; edit: EditFn; backend: FullBackend }) {
  // Every rule's standing, asked again after each change of the settings.
  const [statuses, { refetch }] = createResource(async () => (props.backend.budgets ? props.backend.budgets() : []));
  createEffect(on(() => props.c, () => void refetch(), { defer: true }));
  const known = () => (statuses.error ? [] : statuses() ?? []);

  const [rows, setRows] = createStore<Draft[]>([]);
  const [errors, setErrors] = createSignal<Record<number, DraftErrors>>({});
  const [status, setStatus] = createSignal("");
  // The rows follow the file: at first, and after each save (a refused save keeps what was typed).
  // Compared by value: another card's save (the monthly budget) brings the same rules anew, and
  // leaves the rows being edited alone.
  let shown: string | undefined;
  createEffect(on(() => props.c.budgets, (rules) => {
    const key = JSON.stringify(rules);
    if (key === shown) return;
    shown = key;
    setRows(rules.map(draftOf));
    setErrors({});
  }));

  const save = async () => {
    const checked = rows.map(checkDraft);
    setErrors(Object.fromEntries(rows.map((r, i) => [r.id, checked[i].errors])));
    const bad = checked.findIndex((c) => !c.rule);
    if (bad >= 0) return announce(setStatus, `Rule ${bad + 1} needs fixing (see the marked field); nothing was saved`, "", "");
    const rules = checked.map((c) => c.rule!);
    const err = await props.edit({ kind: "budgets", rules });
    announce(setStatus, err, "saved", rules.length ? `Spend limits saved (${rules.length})` : "Spend limits removed");
  };

  // Names offered while typing a scope: the providers, the models routes and prices name, the routes.
  const names = (xs: string[]) => [...new Set(xs)].sort();
  const [providers] = createResource(async () => (props.backend.providers ? (await props.backend.providers()).map((p) => p.id) : []));
  const models = () => names([...props.c.prices.map((p) => p.model), ...props.c.routes.flatMap((r) => r.targets)].filter((t) => !t.startsWith("@")));

  return (
    <div class="budgets-section">
      <SectionHead title="Budgets">
        Spend limits by scope — everything, a provider, a model, a route or a gateway client — over a day, a week or a
        month. At a rule's alert share you are warned once in its window; at its limit, requests it covers are refused.
      </SectionHead>
      <Card class="budgets-editor">
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Spend limits">
          <table class="budget-rules">
            <thead><tr>
              <th scope="col">Scope</th><th scope="col">Window</th><th scope="col">Limit (USD)</th><th scope="col">Alert at %</th>
              <th scope="col">Spent in its window</th><th scope="col"><span class="visually-hidden">Remove</span></th>
            </tr></thead>
            <tbody>
              <For each={rows} fallback={<tr><td colSpan={6} class="no-rules">No spend limits yet.</td></tr>}>{(row, i) => (
                <BudgetRow row={row} index={i()} set={setRows} errors={errors()[row.id] ?? {}}
                  status={row.saved ? statusOf(row.saved, known()) : undefined}
                  lists={{ provider: "budget-providers", model: "budget-models", route: "budget-routes" }}
                  onRemove={() => setRows((rs) => rs.filter((r) => r.id !== row.id))} />
              )}</For>
            </tbody>
          </table>
        </div>
        <datalist id="budget-providers"><For each={providers.error ? [] : names(providers() ?? [])}>{(p) => <option value={p} />}</For></datalist>
        <datalist id="budget-models"><For each={models()}>{(m) => <option value={m} />}</For></datalist>
        <datalist id="budget-routes"><For each={props.c.routes}>{(r) => <option value={r.name} />}</For></datalist>
        <div class="card-foot">
          <Button icon={Plus} class="add-budget-rule" onClick={() => setRows(rows.length, draftOf(null))}>Add a rule</Button>
          <Button variant="primary" icon={Save} class="save-budgets" onClick={() => void save()}>Save rules</Button>
          <div class="status" role="status">{status()}</div>
        </div>
        <ul class="budget-notes hint">
          <li>Windows follow this computer's time zone: a day from midnight, a week from Monday, a month from the 1st.</li>
          <li>Several rules can cover one request; the tightest decides.</li>
          <li>A request is refused only once a rule's limit is reached. One started under the limit is never cut off, so it
            may cross the limit by its own cost; the cost shown before sending warns when its worst case would.</li>
        </ul>
      </Card>
      <MonthlyBudget c={props.c} edit={props.edit} legacy={known().find((s) => s.rule.legacy)} />
    </div>
  );
}
