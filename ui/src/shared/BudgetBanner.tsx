// The banner a send or compare shows when spend limits passed their alert share (the first time
// in their window; the OS notification is the shell's): each rule with its percent, a way to the
// limits in Settings, and a dismiss button. A status, not an alert: the message was sent.

import { For, Show } from "solid-js";
import { IconButton } from "../design/controls";
import { TriangleAlert, X } from "../design/icons";
import type { RuleStatus } from "../types";
import { alertText } from "./cost";
import "./cost.css";

export function BudgetBanner(props: { alerts: RuleStatus[]; onDismiss: () => void; onSettings?: () => void }) {
  return (
    <Show when={props.alerts.length}>
      <div class="budget-banner" role="status">
        <TriangleAlert size={16} aria-hidden="true" />
        <div class="budget-banner-main">
          <span class="budget-banner-title">{props.alerts.length === 1 ? "A spend limit is close" : "Spend limits are close"}</span>
          <ul>
            <For each={props.alerts}>{(r) => <li class="budget-alert" data-scope={r.label}>{alertText(r)}</li>}</For>
          </ul>
          <Show when={props.onSettings}>
            <button type="button" class="link budget-settings" onClick={() => props.onSettings?.()}>See the limits in Settings → Budgets</button>
          </Show>
        </div>
        <IconButton icon={X} label="Dismiss the spend limit alert" size="sm" class="dismiss-budget" tipSide="left" onClick={() => props.onDismiss()} />
      </div>
    </Show>
  );
}
