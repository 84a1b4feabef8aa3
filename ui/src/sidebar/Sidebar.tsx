// The sidebar: the app's sections as an icon + label list, new chat, search (matches marked),
// and the conversations grouped by date with pin, rename and delete in a menu (the ⋯ button, a
// right click, or Shift+F10). Collapsed (Ctrl/Cmd+B), only the section icons remain.

import { createSignal, For, type JSX, type Resource, Show } from "solid-js";
import type { AppInfo, FullBackend } from "../backend";
import { Button, IconButton } from "../design/controls";
import { Dialog } from "../design/Dialog";
import {
  ChartColumn, Columns, Ellipsis, Keyboard, ListChecks, MessageSquare, MessageSquarePlus, Monitor, Moon, PanelLeft, Pencil, Pin, PinOff,
  Search, Settings, Sun, Trash, Trophy, X, type Icon,
} from "../design/icons";
import { Menu, type MenuEntry } from "../design/Menu";
import type { Theme } from "../design/theme";
import { guard, report } from "../shared/problems";
import { shortcutOf } from "../shell/keys";
import type { ConversationSummary, SearchHit } from "../types";
import { groupByDate, highlight, marked } from "./groups";

export type View = "chat" | "settings" | "compare" | "leaderboard" | "evals" | "usage";

export const SECTIONS: { view: View; label: string; icon: Icon; class: string }[] = [
  { view: "chat", label: "Chat", icon: MessageSquare, class: "to-chat" },
  { view: "compare", label: "Compare", icon: Columns, class: "to-compare" },
  { view: "leaderboard", label: "Leaderboard", icon: Trophy, class: "to-leaderboard" },
  { view: "evals", label: "Evaluations", icon: ListChecks, class: "to-evals" },
  { view: "usage", label: "Usage", icon: ChartColumn, class: "to-usage" },
  { view: "settings", label: "Settings", icon: Settings, class: "open-settings" },
];

export function Sidebar(props: {
  backend: FullBackend; info: Resource<AppInfo>; list: ConversationSummary[]; current: number | null; view: View; setView: (v: View) => void;
  theme: Theme; collapsed: boolean; onToggle: () => void; onShortcuts: () => void;
  onNewChat: () => void; onOpen: (c: ConversationSummary) => void; onOpenHit: (conversation: number) => void;
  onChanged: () => void; onDeleted: (id: number) => void;
}) {
  const b = props.backend;
  const info = props.info;
  const [query, setQuery] = createSignal("");
  const [hits, setHits] = createSignal<SearchHit[] | null>(null);
  const [renaming, setRenaming] = createSignal<number | null>(null);
  const [deleting, setDeleting] = createSignal<ConversationSummary | null>(null);
  const [menu, setMenu] = createSignal<{ c: ConversationSummary; at: { x: number; y: number } } | null>(null);

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  function onSearch(text: string) {
    setQuery(text);
    clearTimeout(searchTimer);
    if (!text.trim()) return setHits(null);
    searchTimer = setTimeout(async () => {
      try {
        const found = await b.search(text);
        if (query() === text) setHits(found); // a reply to an older query (or a cleared box) is dropped
      } catch (e) { report(e); }
    }, 150);
  }
  const clearSearch = () => { clearTimeout(searchTimer); setQuery(""); setHits(null); };
  /** Focus for a row that is gone (deleted) or changed (renamed): that row, else New chat. */
  const focusRow = (id: number | null) => queueMicrotask(() => {
    const row = id === null ? null : document.querySelector<HTMLElement>(`.conversation[data-id="${id}"] .conversation-open`);
    (row ?? document.querySelector<HTMLElement>(".conversation-open") ?? document.querySelector<HTMLElement>(".sidebar .new-chat"))?.focus();
  });

  const items = (c: ConversationSummary): MenuEntry[] => [
    { label: c.pinned ? "Unpin" : "Pin", icon: c.pinned ? PinOff : Pin, class: "pin",
      onSelect: () => guard(b.pin(c.id, !c.pinned).then(props.onChanged)) },
    { label: "Rename", icon: Pencil, class: "rename-item", onSelect: () => setRenaming(c.id) },
    "separator",
    { label: "Delete…", icon: Trash, danger: true, class: "delete", onSelect: () => setDeleting(c) },
  ];
  const themeIcon = () => (props.theme.choice() === "system" ? Monitor : props.theme.choice() === "dark" ? Moon : Sun);
  const nextTheme = () => ({ system: "light", light: "dark", dark: "system" } as const)[props.theme.choice()];

  return (
    <aside class="sidebar" classList={{ collapsed: props.collapsed }} aria-label="Sidebar">
      <header class="sidebar-head">
        <div class="brand" classList={{ "visually-hidden": props.collapsed }}>
          <h1 id="app-name">{info()?.name ?? "Roundtable"}</h1>
          <p id="app-version" classList={{ error: !!info.error }}>
            {info.error ? `Could not reach the backend: ${info.error}` : info() ? `version ${info()!.version} · engine ${info()!.engineVersion}` : "…"}
          </p>
        </div>
        <IconButton icon={PanelLeft} label={props.collapsed ? "Show the sidebar" : "Hide the sidebar"} shortcut={shortcutOf("toggle-sidebar")}
          class="toggle-sidebar" aria-expanded={!props.collapsed} tipSide={props.collapsed ? "right" : "bottom"} onClick={() => props.onToggle()} />
      </header>
      <div class="sidebar-new">
        <Show when={!props.collapsed} fallback={
          <IconButton icon={MessageSquarePlus} label="New chat" shortcut={shortcutOf("new-chat")} class="new-chat" variant="primary"
            tipSide="right" onClick={() => props.onNewChat()} />
        }>
          <Button variant="primary" icon={MessageSquarePlus} class="new-chat" onClick={() => props.onNewChat()}>New chat</Button>
        </Show>
      </div>
      <nav class="sections" aria-label="Sections">
        <ul>
          <For each={SECTIONS}>{(s) => (
            <li>
              <button type="button" class={`nav-item ${s.class}`} aria-current={props.view === s.view ? "page" : undefined}
                aria-label={props.collapsed ? s.label : undefined} data-tip={props.collapsed ? s.label : undefined} data-tip-side="right"
                onClick={() => props.setView(s.view)}>
                <s.icon size={17} aria-hidden="true" />
                <span class="nav-label">{s.label}</span>
              </button>
            </li>
          )}</For>
        </ul>
      </nav>
      <Show when={!props.collapsed}>
        <div class="sidebar-search" role="search">
          <Search size={15} aria-hidden="true" />
          <input class="search" type="search" placeholder="Search all messages" value={query()} aria-label="Search all messages"
            onInput={(e) => onSearch(e.currentTarget.value)}
            onKeyDown={(e) => { if (e.key === "Escape" && query()) { e.preventDefault(); clearSearch(); } }} />
          <Show when={query()}><IconButton icon={X} label="Clear the search" size="sm" onClick={clearSearch} /></Show>
        </div>
        <Show when={hits()} fallback={
          <nav class="history" aria-label="Conversations">
            <Show when={props.list.length === 0}><p class="history-empty">No conversations yet.</p></Show>
            <For each={groupByDate(props.list)}>{(g) => (
              <section class="history-group">
                <h2 class="history-title">{g.group}</h2>
                <ul class="conversations">
                  <For each={g.items}>{(c) => (
                    <ConversationItem c={c} active={props.current === c.id} renaming={renaming() === c.id}
                      onOpen={() => props.onOpen(c)}
                      onMenu={(at) => setMenu((m) => (m?.c.id === c.id ? null : { c, at }))}
                      onRename={(t) => {
                        setRenaming(null);
                        focusRow(c.id);
                        if (t !== null && t.trim() && t !== c.title) guard(b.rename(c.id, t).then(props.onChanged));
                      }} />
                  )}</For>
                </ul>
              </section>
            )}</For>
          </nav>
        }>
          <section class="hits-box" aria-label="Search results">
            <p class="hits-count" role="status">{hits()!.length === 0 ? "No message matches." : `${hits()!.length} match${hits()!.length === 1 ? "" : "es"}`}</p>
            <ul class="hits">
              <For each={hits()!}>{(h) => (
                <li>
                  <button type="button" class="hit" onClick={() => { clearSearch(); props.onOpenHit(h.conversationId); }}>
                    <span class="hit-title"><Marks parts={highlight(h.title, query())} /></span>
                    <span class="hit-snippet"><Marks parts={marked(h.snippet)} /></span>
                  </button>
                </li>
              )}</For>
            </ul>
          </section>
        </Show>
      </Show>
      <footer class="sidebar-foot">
        <IconButton icon={themeIcon()} label={`Theme: ${props.theme.choice()} (switch to ${nextTheme()})`} class="theme-toggle"
          tipSide={props.collapsed ? "right" : "top"} onClick={() => props.theme.setChoice(nextTheme())} />
        <IconButton icon={Keyboard} label="Keyboard shortcuts" shortcut="?" class="show-shortcuts"
          tipSide={props.collapsed ? "right" : "top"} onClick={() => props.onShortcuts()} />
      </footer>
      <Show when={menu()}>{(m) => (
        <Menu label={`Actions for “${m().c.title}”`} items={items(m().c)} at={m().at} onClose={() => setMenu(null)} />
      )}</Show>
      <Show when={deleting()}>{(c) => (
        <Dialog title="Delete this conversation?" onClose={() => setDeleting(null)} class="confirm-delete"
          footer={<>
            <Button onClick={() => setDeleting(null)}>Cancel</Button>
            <Button variant="danger" class="confirm" onClick={() => {
              const id = c().id;
              setDeleting(null);
              guard(b.remove(id).then(() => { props.onDeleted(id); focusRow(null); }));
            }}>Delete</Button>
          </>}>
          <p>“{c().title}” and every branch in it will be deleted. What it cost stays in the usage ledger.</p>
        </Dialog>
      )}</Show>
    </aside>
  );
}

function Marks(props: { parts: { text: string; mark: boolean }[] }): JSX.Element {
  return <For each={props.parts}>{(p) => (p.mark ? <mark>{p.text}</mark> : p.text)}</For>;
}

function ConversationItem(props: {
  c: ConversationSummary; active: boolean; renaming: boolean; onOpen: () => void;
  onMenu: (at: { x: number; y: number }) => void; onRename: (t: string | null) => void;
}) {
  let more!: HTMLButtonElement;
  const fromButton = () => { const r = more.getBoundingClientRect(); props.onMenu({ x: r.left, y: r.bottom + 4 }); };
  return (
    <li class="conversation" classList={{ active: props.active, pinned: props.c.pinned }} data-id={props.c.id}
      onClick={() => { if (!props.renaming) props.onOpen(); }}
      onContextMenu={(e) => { e.preventDefault(); props.onMenu({ x: e.clientX, y: e.clientY }); }}>
      <Show when={props.renaming} fallback={
        <button type="button" class="conversation-open" aria-current={props.active ? "page" : undefined}
          onKeyDown={(e) => { if ((e.shiftKey && e.key === "F10") || e.key === "ContextMenu") { e.preventDefault(); fromButton(); } }}>
          <Show when={props.c.kind === "compare"}><Columns size={14} aria-hidden="true" class="kind-icon" /></Show>
          <Show when={props.c.pinned}><Pin size={12} aria-hidden="true" class="pin-icon" /></Show>
          <span class="title">{props.c.title}</span>
        </button>
      }>
        <RenameInput title={props.c.title} onDone={props.onRename} />
      </Show>
      <IconButton ref={more} icon={Ellipsis} label={`More for “${props.c.title}”`} size="sm" class="more" aria-haspopup="menu"
        tipSide="left" onClick={(e) => { e.stopPropagation(); fromButton(); }} />
    </li>
  );
}

/** The title being renamed: Enter saves, Escape keeps the old one, leaving the field saves; once. */
function RenameInput(props: { title: string; onDone: (t: string | null) => void }) {
  let done = false;
  const finish = (t: string | null) => { if (!done) { done = true; props.onDone(t); } };
  return (
    <input class="rename" value={props.title} aria-label="New title" ref={(el) => setTimeout(() => { el.focus(); el.select(); })}
      onClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        if (e.key === "Enter") { e.preventDefault(); finish(e.currentTarget.value); }
        if (e.key === "Escape") { e.preventDefault(); finish(null); }
      }} onBlur={(e) => finish(e.currentTarget.value)} />
  );
}
