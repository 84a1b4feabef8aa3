// What the settings sections share: how an edit is sent, how its outcome is told (the card's
// inline status line, which the tests read, and a toast), and a section's heading.

import type { JSX } from "solid-js";
import { toast } from "../design/toast";
import type { Edit } from "../types";

/** Applies one change to config.toml; answers the error text, or "" when it was saved. */
export type EditFn = (e: Edit) => Promise<string>;

/**
 * Tells the outcome of a save: `err` (a refusal, shown as is) or `ok` on the card's status line,
 * and a toast (`note` on success, the refusal on failure).
 */
export function announce(setStatus: (s: string) => void, err: string, ok: string, note: string): void {
  setStatus(err || ok);
  toast(err || note, err ? "error" : "success");
}

/** A list typed as lines or commas. */
export const list = (text: string) => text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);

export function SectionHead(props: { title: string; children: JSX.Element }) {
  return (
    <header class="settings-head">
      <h2>{props.title}</h2>
      <p class="hint">{props.children}</p>
    </header>
  );
}
