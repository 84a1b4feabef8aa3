// Failures the user must see: every rejected promise the UI starts ends here (never silently in
// the console), shown as a toast. `guard` wraps a promise started from an event handler.

import { toast } from "../design/toast";
import type { ErrorKind, ErrorView } from "../types";

/** The words of a failure, whatever was thrown. */
export function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === "string") return e;
  if (e && typeof e === "object" && "message" in e && typeof (e as { message: unknown }).message === "string") {
    return (e as { message: string }).message;
  }
  return String(e);
}

/** Whether a failure is the backend's typed error of this kind (never decided from its words). */
export function isKind(e: unknown, kind: ErrorKind): boolean {
  return !!e && typeof e === "object" && (e as { kind?: unknown }).kind === kind;
}

/** Shows a failure. */
export function report(e: unknown): void {
  toast(describe(e), "error");
}

/** Shows a message that is not a thrown error (e.g. "Pick a model first"). */
export function tell(text: string): void {
  toast(text, "info");
}

/** Runs a promise for its effect; a rejection is shown, never lost. */
export function guard(p: Promise<unknown>): void {
  p.catch(report);
}

/** An error as the error card shows it, whatever was thrown (a typed backend error passes as is). */
export function errorView(e: unknown, kind: ErrorView["kind"] = "internal"): ErrorView {
  if (e && typeof e === "object" && typeof (e as ErrorView).kind === "string" && typeof (e as ErrorView).message === "string") {
    const v = e as Partial<ErrorView>;
    return { provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null, ...v } as ErrorView;
  }
  return { kind, message: describe(e), provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null };
}
