// One spend limit's bar: the share of its limit spent in its window, coloured by its state
// (fine, alert, exceeded). Used by the dashboard and by Settings → Budgets.

import type { RuleStatus } from "../types";
import "./limits.css";

export function RuleMeter(props: { status: RuleStatus }) {
  const pct = () => Math.min(100, Math.max(0, Math.round(props.status.percent)));
  return (
    <div class={`limit-meter ${props.status.state}`} role="progressbar" aria-label={`Share of ${props.status.label} spent`}
      aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct()}>
      <span class="limit-meter-fill" style={{ width: `${pct()}%` }} />
    </div>
  );
}
