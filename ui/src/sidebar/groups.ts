// The sidebar's conversation groups and search highlights: pure functions, tested on their own.

import type { ConversationSummary } from "../types";

export type Group = "Pinned" | "Today" | "Yesterday" | "Previous 7 days" | "Previous 30 days" | "Older";

const DAY = 86_400_000;

/** Conversations in groups by their last change (local days), pinned ones first; empty groups left out. */
export function groupByDate(list: ConversationSummary[], now: number = Date.now()): { group: Group; items: ConversationSummary[] }[] {
  const midnight = new Date(now);
  midnight.setHours(0, 0, 0, 0);
  const today = midnight.getTime();
  const order: Group[] = ["Pinned", "Today", "Yesterday", "Previous 7 days", "Previous 30 days", "Older"];
  const by = new Map<Group, ConversationSummary[]>(order.map((g) => [g, []]));
  for (const c of list) {
    const t = c.updatedAt;
    const g: Group = c.pinned ? "Pinned"
      : t >= today ? "Today"
      : t >= today - DAY ? "Yesterday"
      : t >= today - 7 * DAY ? "Previous 7 days"
      : t >= today - 30 * DAY ? "Previous 30 days"
      : "Older";
    by.get(g)!.push(c);
  }
  return order.map((group) => ({ group, items: by.get(group)! })).filter((g) => g.items.length > 0);
}

/** A search snippet split at the engine's match markers (U+0002 … U+0003). */
export function marked(snippet: string): { text: string; mark: boolean }[] {
  const out: { text: string; mark: boolean }[] = [];
  let mark = false;
  let text = "";
  for (const ch of snippet) {
    if (ch === "\u0002" || ch === "\u0003") {
      if (text) out.push({ text, mark });
      text = "";
      mark = ch === "\u0002";
    } else text += ch;
  }
  if (text) out.push({ text, mark });
  return out;
}

/** `text` split where any word of `query` occurs (case-insensitive), for highlighting a title. */
export function highlight(text: string, query: string): { text: string; mark: boolean }[] {
  const words = query.toLowerCase().split(/\s+/).filter((w) => w.length > 0);
  if (!words.length) return [{ text, mark: false }];
  const lower = text.toLowerCase();
  if (lower.length !== text.length) return [{ text, mark: false }]; // a case change that moves letters
  const hit = new Array<boolean>(text.length).fill(false);
  for (const w of words) for (let i = lower.indexOf(w); i >= 0; i = lower.indexOf(w, i + 1)) hit.fill(true, i, i + w.length);
  const out: { text: string; mark: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const last = out.at(-1);
    if (last && last.mark === hit[i]) last.text += text[i];
    else out.push({ text: text[i], mark: hit[i] });
  }
  return out;
}
