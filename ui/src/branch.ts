// Branches: a conversation is a tree of messages; the view shows the latest branch.

import type { MessageView } from "./types";

/** The messages from the root to the newest leaf, oldest first. */
export function latestBranch(messages: MessageView[]): MessageView[] {
  if (messages.length === 0) return [];
  const parents = new Set(messages.map((m) => m.parentId).filter((p): p is number => p !== null));
  const leaves = messages.filter((m) => !parents.has(m.id));
  const leaf = leaves.reduce((a, b) => (b.id > a.id ? b : a));
  const byId = new Map(messages.map((m) => [m.id, m]));
  const path: MessageView[] = [];
  for (let at: MessageView | undefined = leaf; at; at = at.parentId === null ? undefined : byId.get(at.parentId)) {
    path.push(at);
  }
  return path.reverse();
}
