// The app: the sidebar, and the view it picks — chat, compare, leaderboard, usage or settings.
// Each view's state is its own (the chat's in chat/store.ts); this file only wires them.

import { createEffect, createResource, createSignal, Show } from "solid-js";
import type { FullBackend } from "./backend";
import { Chat } from "./chat/Chat";
import { createChat } from "./chat/store";
import { Compare } from "./compare/Compare";
import { LeaderboardView } from "./compare/Leaderboard";
import { Settings } from "./settings/Settings";
import { guard, report } from "./shared/problems";
import { load, save } from "./shared/storage";
import { Sidebar, type View } from "./sidebar/Sidebar";
import { UsageView } from "./usage/Usage";

export function App(props: { backend: FullBackend }) {
  const b = props.backend;
  const [list, { refetch: refetchList }] = createResource(() => b.conversations(200, 0));
  const [models, { refetch: refetchModels }] = createResource(() => b.models());
  const reloadList = () => guard(Promise.resolve(refetchList()));
  // A stored compare to show in the compare view.
  const [compareOpen, setCompareOpen] = createSignal<number | null>(null, { equals: false });
  const [view, setView] = createSignal<View>("chat");
  const [theme, setTheme] = createSignal<string>(load("theme"));
  createEffect(() => {
    save("theme", theme());
    if (theme() === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme();
  });
  const chat = createChat(b, { models, onListChanged: reloadList });

  // Links in answers never navigate the web view: the shell opens http(s) and mailto links in
  // the OS's browser after checking the scheme again (and refuses any navigation itself).
  function onClick(e: MouseEvent) {
    const a = (e.target as HTMLElement).closest("a");
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute("href");
    if (href && /^(https?:\/\/|mailto:)/i.test(href)) b.openLink(href).catch(report);
  }

  return (
    <div class="app" onClick={onClick}>
      <Sidebar backend={b} list={list() ?? []} current={chat.current()} view={view()} setView={setView}
        theme={theme()} setTheme={setTheme}
        onNewChat={() => { setView("chat"); chat.open(null); }}
        onOpen={(c) => {
          if (c.kind === "compare") { setView("compare"); setCompareOpen(c.id); } else { setView("chat"); chat.open(c.id); }
        }}
        onOpenHit={(id) => { setView("chat"); chat.open(id); }}
        onChanged={reloadList}
        onDeleted={(id) => { if (chat.current() === id) chat.open(null); reloadList(); }} />
      <Show when={view() === "leaderboard"}>
        <main class="leaderboard-view"><LeaderboardView backend={b} /></main>
      </Show>
      <Show when={view() === "usage"}>
        <main class="usage-view"><UsageView backend={b} /></main>
      </Show>
      <Show when={view() === "settings"}>
        <main class="settings-view">
          <Settings backend={b} onChanged={() => guard(Promise.resolve(refetchModels()))} theme={theme()} setTheme={setTheme} />
        </main>
      </Show>
      <Chat chat={chat} backend={b} models={models()} visible={view() === "chat"} onSettings={() => setView("settings")} />
      {/* Kept mounted: a compare streams on while another view is shown. */}
      <main class="compare-view" hidden={view() !== "compare"}>
        <Compare backend={b} models={models() ?? []} open={compareOpen()} onSaved={reloadList}
          onContinue={(id) => { setView("chat"); reloadList(); chat.open(id); }} />
      </main>
    </div>
  );
}
