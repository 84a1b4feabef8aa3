// The theme: "system", "light" or "dark", kept in localStorage. The document always carries the
// resolved one (`data-theme="light" | "dark"`), so the stylesheet has one dark palette; with
// "system" it follows the OS live.

import { createEffect, createSignal, onCleanup } from "solid-js";
import { load, save } from "../shared/storage";

export type ThemeChoice = "system" | "light" | "dark";

const query = () => (typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null);

/** The theme as chosen, and the one in force. Call once, inside the app's root. */
export function createTheme() {
  const kept = load("theme");
  const [choice, setChoice] = createSignal<ThemeChoice>(kept === "light" || kept === "dark" ? kept : "system");
  const [systemDark, setSystemDark] = createSignal(query()?.matches ?? false);
  const mq = query();
  const onChange = (e: MediaQueryListEvent) => setSystemDark(e.matches);
  mq?.addEventListener?.("change", onChange);
  onCleanup(() => mq?.removeEventListener?.("change", onChange));
  const resolved = () => (choice() === "system" ? (systemDark() ? "dark" : "light") : choice());
  createEffect(() => {
    save("theme", choice());
    document.documentElement.dataset.theme = resolved();
  });
  return {
    choice, resolved, setChoice,
    /** Light ↔ dark (from "system", to the opposite of what is shown). */
    toggle: () => setChoice(resolved() === "dark" ? "light" : "dark"),
  };
}

export type Theme = ReturnType<typeof createTheme>;
