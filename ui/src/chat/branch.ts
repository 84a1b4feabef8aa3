// Branches: a conversation is a tree of messages (edits and regenerations are siblings). The
// view shows one path from a root to a leaf: at each fork the picked child, else the newest.

import type { MessageView } from "../types";

/** A message on the shown path, with its siblings (itself included, oldest first). */
export interface Shown { m: MessageView; siblings: MessageView[]; index: number }

const key = (parent: number | null) => (parent === null ? "root" : String(parent));

function children(messages: MessageView[]): Map<string, MessageView[]> {
  const by = new Map<string, MessageView[]>();
  for (const m of [...messages].sort((a, b) => a.id - b.id)) {
    const k = key(m.parentId);
    by.set(k, [...(by.get(k) ?? []), m]);
  }
  return by;
}

/** The path through `picks` (parent key → picked child id), newest child where none is picked. */
export function pathWith(messages: MessageView[], picks: Map<string, number>): Shown[] {
  const by = children(messages);
  const out: Shown[] = [];
  let parent: number | null = null;
  for (;;) {
    const kids = by.get(key(parent));
    if (!kids || kids.length === 0) return out;
    const picked = picks.get(key(parent));
    let index = kids.findIndex((k) => k.id === picked);
    if (index < 0) index = kids.length - 1;
    out.push({ m: kids[index], siblings: kids, index });
    parent = kids[index].id;
  }
}

/** The path that ends at message `id` (its ancestors, then it). */
export function pathTo(messages: MessageView[], id: number): Shown[] {
  const byId = new Map(messages.map((m) => [m.id, m]));
  const by = children(messages);
  const out: Shown[] = [];
  for (let at = byId.get(id); at; at = at.parentId === null ? undefined : byId.get(at.parentId)) {
    const siblings = by.get(key(at.parentId)) ?? [at];
    out.push({ m: at, siblings, index: siblings.findIndex((s) => s.id === at!.id) });
  }
  return out.reverse();
}

/** The picks that show `m` instead of its current sibling. */
export function pick(picks: Map<string, number>, m: MessageView): Map<string, number> {
  return new Map(picks).set(key(m.parentId), m.id);
}

/** The messages from the root to the newest leaf, oldest first. */
export function latestBranch(messages: MessageView[]): MessageView[] {
  return pathWith(messages, new Map()).map((s) => s.m);
}
