// A failed answer as a card: what went wrong in a few words, the class, the provider's message,
// what to do, and the action that helps (retry, send anyway past a spend limit, open Settings).

import { Show } from "solid-js";
import { Badge, Button } from "../design/controls";
import { KeyRound, RefreshCw, TriangleAlert } from "../design/icons";
import type { ErrorView } from "../types";

const TITLES: Partial<Record<string, string>> = {
  auth: "The provider refused the key", rate_limited: "Rate limited", quota_exceeded: "Out of credit at the provider",
  overloaded: "The provider is overloaded", context_length: "Too long for this model", model_not_found: "No such model",
  bad_request: "The provider refused the request", content_filtered: "Blocked by the provider's filter",
  upstream: "The provider failed", network: "Could not reach the provider", timeout: "The provider took too long",
  malformed_stream: "The provider's answer was malformed", redirected: "The provider redirected elsewhere",
  budget_exceeded: "Spend limit reached", config: "A setting is wrong", keychain: "The keychain could not be read",
  bad_input: "Not sent", store: "Could not save", io: "Could not read or write a file", internal: "Something went wrong",
};

/** The words at the top of the card. */
export function errorTitle(e: ErrorView): string {
  return (e.class && TITLES[e.class]) || TITLES[e.kind] || "The answer failed";
}

/** Whether Settings can fix it (a key, an address, a model name). */
export function settingsFix(e: ErrorView): boolean {
  return e.kind === "config" || e.kind === "keychain" || e.class === "auth" || e.class === "model_not_found" || e.class === "redirected";
}

/** The card's words: a spend limit's refusal names its rule (`the budget provider:openai per day ($2.50) is spent …`). */
export function words(e: ErrorView): string {
  if (e.kind !== "budget_exceeded") return e.message;
  const m = e.message.replace(/^the budget /, "The spend limit ");
  return `${m.charAt(0).toUpperCase()}${m.slice(1)}. “Send anyway” sends this one regardless.`;
}

export function ErrorCard(props: {
  error: ErrorView; onRetry?: () => void; onSendAnyway?: () => void; onSettings?: () => void;
  /** Opens Settings → Budgets (for a spend limit's refusal). */
  onBudgets?: () => void;
}) {
  const e = () => props.error;
  return (
    <div class="error-card" role="alert">
      <TriangleAlert size={18} aria-hidden="true" class="error-icon" />
      <div class="error-main">
        <div class="error-head">
          <strong class="error-title">{errorTitle(e())}</strong>
          <Show when={e().class ?? (e().kind !== "provider" ? e().kind : null)}>{(c) => <Badge tone="danger" class="error-class">{c()}</Badge>}</Show>
          <Show when={e().provider}>{(p) => <span class="error-provider">{p()}</span>}</Show>
        </div>
        <p class="error">{words(e())}</p>
        <div class="error-actions">
          <Show when={props.onRetry}><Button size="sm" icon={RefreshCw} class="retry" onClick={() => props.onRetry?.()}>Retry</Button></Show>
          <Show when={e().kind === "budget_exceeded" && props.onSendAnyway}>
            <Button size="sm" variant="primary" class="send-anyway" onClick={() => props.onSendAnyway?.()}>Send anyway</Button>
          </Show>
          <Show when={e().kind === "budget_exceeded" && props.onBudgets}>
            <Button size="sm" class="error-budgets" onClick={() => props.onBudgets?.()}>Edit spend limits</Button>
          </Show>
          <Show when={settingsFix(e()) && props.onSettings}>
            <Button size="sm" icon={KeyRound} class="error-settings" onClick={() => props.onSettings?.()}>Open Settings</Button>
          </Show>
        </div>
      </div>
    </div>
  );
}
