// Every keyboard shortcut in one table: the handler matches keys against it, the shortcuts
// dialog (?) lists it, and the palette and tooltips show the same key names.

export type Action =
  | "command-palette" | "pick-model" | "new-chat" | "new-compare" | "toggle-sidebar" | "focus-composer"
  | "shortcuts" | "open-settings" | "toggle-theme" | "stop";

export interface Shortcut { action: Action; keys: string; label: string; group: "General" | "Chat" | "Navigation" }

/** `Mod` is Ctrl (⌘ on macOS). */
export const SHORTCUTS: Shortcut[] = [
  { action: "command-palette", keys: "Mod+K", label: "Command palette", group: "General" },
  { action: "shortcuts", keys: "?", label: "Keyboard shortcuts", group: "General" },
  { action: "toggle-theme", keys: "Mod+Shift+L", label: "Toggle light / dark", group: "General" },
  { action: "new-chat", keys: "Mod+N", label: "New chat", group: "Navigation" },
  { action: "new-compare", keys: "Mod+Shift+C", label: "New compare", group: "Navigation" },
  { action: "toggle-sidebar", keys: "Mod+B", label: "Show or hide the sidebar", group: "Navigation" },
  { action: "open-settings", keys: "Mod+,", label: "Settings", group: "Navigation" },
  { action: "pick-model", keys: "Mod+M", label: "Pick a model", group: "Chat" },
  { action: "focus-composer", keys: "/", label: "Focus the message box", group: "Chat" },
  { action: "stop", keys: "Esc", label: "Stop the answer (or close a dialog)", group: "Chat" },
];

/** Keys not in the table (shown in the dialog only). */
export const OTHER_KEYS: { keys: string; label: string }[] = [
  { keys: "Enter", label: "Send" },
  { keys: "Shift+Enter", label: "New line" },
  { keys: "↑ ↓ Enter", label: "Move and pick in a list or menu" },
  { keys: "Shift+F10", label: "Open a conversation's menu" },
];

const mac = typeof navigator !== "undefined" && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** The keys as this platform names them ("Ctrl+K", "⌘K"). */
export function keyName(keys: string): string {
  return mac ? keys.replace(/Mod\+/g, "⌘").replace(/Shift\+/g, "⇧") : keys.replace(/Mod\+/g, "Ctrl+");
}

/** The shortcut of an action, as shown. */
export function shortcutOf(action: Action): string | undefined {
  const s = SHORTCUTS.find((x) => x.action === action);
  return s && keyName(s.keys);
}

/** Whether a key event is this shortcut. */
export function matches(e: KeyboardEvent, keys: string): boolean {
  const parts = keys.split("+");
  const key = parts.pop()!;
  const mod = parts.includes("Mod");
  const shift = parts.includes("Shift");
  if (key === "?" ) return e.key === "?" && !e.ctrlKey && !e.metaKey && !e.altKey;
  if (key === "/") return e.key === "/" && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey;
  if (key === "Esc") return e.key === "Escape";
  const hasMod = mac ? e.metaKey : e.ctrlKey;
  if (hasMod !== mod || e.shiftKey !== shift || e.altKey) return false;
  return e.key.toLowerCase() === key.toLowerCase() || (key === "," && e.key === ",");
}

/** Whether focus is in a place where typing goes to text (so `/` and `?` are just characters). */
export function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable;
}

/** The action a key event asks for, if any. */
export function actionOf(e: KeyboardEvent): Action | null {
  for (const s of SHORTCUTS) {
    if (s.action === "stop") continue; // Escape is handled where it applies
    if ((s.keys === "?" || s.keys === "/") && typing(e.target)) continue;
    if (matches(e, s.keys)) return s.action;
  }
  return null;
}
