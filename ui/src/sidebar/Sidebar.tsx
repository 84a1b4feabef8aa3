// The sidebar: the app's name, new chat, the views, search over every message, the conversations
// (rename, delete), settings and the theme.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { guard, report } from "../shared/problems";
import type { ConversationSummary, SearchHit } from "../types";

export type View = "chat" | "settings" | "compare" | "leaderboard" | "usage";

export function Sidebar(props: {
  backend: FullBackend; list: ConversationSummary[]; current: number | null; view: View; setView: (v: View) => void;
  theme: string; setTheme: (t: string) => void;
  onNewChat: () => void; onOpen: (c: ConversationSummary) => void; onOpenHit: (conversation: number) => void;
  onChanged: () => void; onDeleted: (id: number) => void;
}) {
  const b = props.backend;
  const [info] = createResource(() => b.appInfo());
  const [query, setQuery] = createSignal("");
  const [hits, setHits] = createSignal<SearchHit[] | null>(null);

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  function onSearch(text: string) {
    setQuery(text);
    clearTimeout(searchTimer);
    if (!text.trim()) return setHits(null);
    searchTimer = setTimeout(async () => {
      try { setHits(await b.search(text)); } catch (e) { report(e); }
    }, 150);
  }

  const to = (v: View) => () => props.setView(v);
  return (
    <aside class="sidebar">
      <header class="brand">
        <h1 id="app-name">{info()?.name ?? "Roundtable"}</h1>
        <p id="app-version" classList={{ error: !!info.error }}>
          {info.error ? `Could not reach the backend: ${info.error}` : info() ? `version ${info()!.version} · engine ${info()!.engineVersion}` : "…"}
        </p>
      </header>
      <button class="new-chat" onClick={() => props.onNewChat()}>New chat</button>
      <nav class="views">
        <button class="to-compare" classList={{ active: props.view === "compare" }} onClick={to("compare")}>Compare</button>
        <button class="to-leaderboard" classList={{ active: props.view === "leaderboard" }} onClick={to("leaderboard")}>Leaderboard</button>
        <button class="to-usage" classList={{ active: props.view === "usage" }} onClick={to("usage")}>Usage</button>
      </nav>
      <input class="search" type="search" placeholder="Search all messages" value={query()}
             onInput={(e) => onSearch(e.currentTarget.value)} aria-label="Search" />
      <Show when={hits()} fallback={
        <ul class="conversations">
          <For each={props.list}>{(c) => (
            <ConversationItem c={c} active={props.current === c.id} onOpen={() => props.onOpen(c)}
              onRename={(t) => guard(b.rename(c.id, t).then(props.onChanged))}
              onDelete={() => guard(b.remove(c.id).then(() => props.onDeleted(c.id)))} />
          )}</For>
        </ul>
      }>
        <ul class="hits">
          <For each={hits()!}>{(h) => (
            <li class="hit" onClick={() => { setHits(null); setQuery(""); props.onOpenHit(h.conversationId); }}>
              <div class="hit-title">{h.title}</div>
              <div class="hit-snippet">{h.snippet}</div>
            </li>
          )}</For>
        </ul>
      </Show>
      <div class="sidebar-foot">
        <button class="open-settings" onClick={() => props.setView(props.view === "settings" ? "chat" : "settings")}>Settings</button>
        <select class="theme" aria-label="Theme" value={props.theme} onChange={(e) => props.setTheme(e.currentTarget.value)}>
          <option value="system">System theme</option>
          <option value="light">Light</option>
          <option value="dark">Dark</option>
        </select>
      </div>
    </aside>
  );
}

function ConversationItem(props: {
  c: ConversationSummary; active: boolean; onOpen: () => void; onRename: (t: string) => void; onDelete: () => void;
}) {
  const [editing, setEditing] = createSignal(false);
  return (
    <li classList={{ conversation: true, active: props.active }} onClick={() => props.onOpen()}>
      <Show when={editing()} fallback={<span class="title" onDblClick={() => setEditing(true)}>{props.c.title}</span>}>
        <input class="rename" value={props.c.title} ref={(el) => setTimeout(() => el.select())}
          onKeyDown={(e) => {
            if (e.key === "Enter") { props.onRename(e.currentTarget.value); setEditing(false); }
            if (e.key === "Escape") setEditing(false);
          }} onBlur={() => setEditing(false)} />
      </Show>
      <button class="delete" title="Delete" onClick={(e) => { e.stopPropagation(); if (confirm(`Delete “${props.c.title}”?`)) props.onDelete(); }}>×</button>
    </li>
  );
}
