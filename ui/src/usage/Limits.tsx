// The dashboard's spend limits: each rule's spend in its current window (not the chosen range),
// its bar coloured by state, and the forecast to the window's end at the pace so far. The rules
// are edited in Settings → Budgets.

import { For, Show } from "solid-js";
import { Badge } from "../design/controls";
import type { RuleStatus } from "../types";
import { forecastText, spentText, STATE_WORDS, TONE } from "./limits";
import { RuleMeter } from "./RuleMeter";

export function Limits(props: { rules: RuleStatus[] }) {
  return (
    <section class="card report-card budget-limits-card">
      <h3 class="report-card-title">Spend limits</h3>
      <ul class="budget-limits">
        <For each={props.rules}>{(s) => (
          <li class={`budget-status ${s.state}`} data-state={s.state} data-label={s.label}>
            <span class="limit-label">{s.label}<Show when={s.rule.legacy}> <span class="limit-legacy">(monthly budget)</span></Show></span>
            <Show when={s.state !== "fine"}><Badge tone={TONE[s.state]} class="limit-state">{STATE_WORDS[s.state]}</Badge></Show>
            <RuleMeter status={s} />
            <p class="limit-spent">{spentText(s)}</p>
            <p class="limit-forecast">{forecastText(s)}</p>
          </li>
        )}</For>
      </ul>
    </section>
  );
}
