// Failures the user must see: every rejected promise the UI starts ends here (never silently in
// the console), shown as a toast. `guard` wraps a promise started from an event handler.

import { toast } from "../design/toast";
import type { ErrorKind } from "../types";

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
