// Typed backend errors for the UI tests' fake backends, shaped as the shell sends them.

import type { ErrorClass, ErrorView } from "./types";

/** A provider failure as the driver reports it. */
export function providerError(message: string, provider: string, cls: ErrorClass): ErrorView {
  return { kind: "provider", message, provider, class: cls, status: null, retryAfterMs: null, detail: null, hint: null };
}

/** The refusal of a spent budget. */
export function budgetSpent(message: string): ErrorView {
  return { kind: "budget_exceeded", message, provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null };
}
