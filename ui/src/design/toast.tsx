// Toasts: short notes in the corner ("Saved", "Key removed", a failure). A note is polite
// (role="status"); a failure interrupts (role="alert") and stays longer. At most four at once.

import { createSignal, For } from "solid-js";
import { IconButton } from "./controls";
import { Check, CircleAlert, Info, X } from "./icons";

export type ToastTone = "info" | "success" | "error";
interface Note { id: number; text: string; tone: ToastTone }

const [notes, setNotes] = createSignal<Note[]>([]);
let next = 1;

/** Shows a note; answers its id. */
export function toast(text: string, tone: ToastTone = "info"): number {
  const id = next++;
  setNotes((n) => [...n.filter((x) => x.text !== text), { id, text, tone }].slice(-4));
  setTimeout(() => dismissToast(id), tone === "error" ? 10_000 : 4_000);
  return id;
}

export function dismissToast(id: number): void {
  setNotes((n) => n.filter((x) => x.id !== id));
}

/** The notes shown now (for tests). */
export const toasts = notes;

/** Two live regions that stay in the page (a region added with its text is often not read):
 *  notes are polite, failures assertive. */
export function Toaster() {
  return (
    <div class="toasts" role="region" aria-label="Notifications">
      <div class="toast-list" aria-live="polite"><For each={notes().filter((n) => n.tone !== "error")}>{(n) => <Toast n={n} />}</For></div>
      <div class="toast-list" aria-live="assertive"><For each={notes().filter((n) => n.tone === "error")}>{(n) => <Toast n={n} />}</For></div>
    </div>
  );
}

function Toast(props: { n: Note }) {
  const n = props.n;
  return (
        <div class={`toast ${n.tone}`}>
          {n.tone === "error" ? <CircleAlert size={16} aria-hidden="true" /> : n.tone === "success" ? <Check size={16} aria-hidden="true" /> : <Info size={16} aria-hidden="true" />}
          <span class="toast-text">{n.text}</span>
          <IconButton icon={X} label="Dismiss" size="sm" onClick={() => dismissToast(n.id)} />
        </div>
  );
}
