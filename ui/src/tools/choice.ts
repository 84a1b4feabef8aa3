// Which MCP servers' tools a conversation may use: picked in the composer's tools menu,
// remembered per conversation (a new chat starts with the last pick) through shared/storage, and
// checked against the servers that are on before a send (Settings may have turned one off since).
// The server list is read when the menu opens or a send with tools needs it, not at start
// (reading it asks the keychain whether auth is kept).

import { createSignal } from "solid-js";
import type { FullBackend } from "../backend";
import { describe } from "../shared/problems";
import { load, save } from "../shared/storage";
import type { ServerView } from "../types";

/** Conversations whose pick is remembered; past this the oldest (lowest ids) are forgotten. */
export const MAX_REMEMBERED = 200;

export type ToolChoice = ReturnType<typeof createToolChoice>;

const names = (v: unknown): string[] => (Array.isArray(v) ? v.filter((n): n is string => typeof n === "string") : []);

function remember(conversation: number, picked: string[]): void {
  const all = load("toolsByConversation");
  delete all[String(conversation)];
  if (picked.length) all[String(conversation)] = picked;
  // Integer keys iterate in ascending order: the first are the oldest conversations.
  const keys = Object.keys(all);
  for (const k of keys.slice(0, Math.max(0, keys.length - MAX_REMEMBERED))) delete all[k];
  save("toolsByConversation", all);
}

export function createToolChoice(b: FullBackend) {
  const [chosen, setChosen] = createSignal<string[]>(names(load("toolsLast")));
  const [servers, setServers] = createSignal<ServerView[] | null>(null);
  const [problem, setProblem] = createSignal<string | null>(null);
  let conversation: number | null = null;

  /** Reads the servers again; null when they cannot be read (the reason is in `problem`). */
  async function refresh(): Promise<ServerView[] | null> {
    try {
      const list = await b.mcpServers();
      setServers(list);
      setProblem(null);
      return list;
    } catch (e) {
      setProblem(describe(e));
      return null;
    }
  }

  return {
    chosen, servers, problem, refresh,
    /** The servers a person can pick: those that are on. */
    enabled: () => (servers() ?? []).filter((s) => s.setting.enabled),
    /** Shows a conversation's pick (null: a new one, which starts with the last pick). */
    open(id: number | null) {
      conversation = id;
      setChosen(id === null ? names(load("toolsLast")) : names(load("toolsByConversation")[String(id)]));
    },
    /** The person's pick: kept for this conversation and as the next new one's. */
    set(picked: string[]) {
      setChosen(picked);
      save("toolsLast", picked);
      if (conversation !== null) remember(conversation, picked);
    },
    /** A new conversation was saved: its pick is the one it was started with. */
    started(id: number) {
      if (conversation === id) return;
      conversation = id;
      remember(id, chosen());
    },
    /** What a send passes as `tools`: the picked servers that are on (null: none). */
    async forSend(): Promise<string[] | null> {
      if (!chosen().length) return null;
      const known = (await refresh()) ?? servers();
      // Unreadable: sent as picked, and the backend says what is wrong.
      const on = known ? chosen().filter((n) => known.some((s) => s.setting.name === n && s.setting.enabled)) : chosen();
      return on.length ? on : null;
    },
  };
}
