// The app: the sidebar, the view it picks (chat, compare, leaderboard, evaluations, usage, settings), the
// command palette, the shortcuts and the toasts. Each view's state is its own (the chat's in
// chat/store.ts); this file wires them and runs the app-wide actions — from a key (shell/keys.ts),
// the palette, or the native menu (the same action names).

import { createEffect, createMemo, createResource, createSignal, lazy, on, onCleanup, onMount, Show, Suspense } from "solid-js";
import type { FullBackend } from "./backend";
import { Chat } from "./chat/Chat";
import { ModelPicker, modelHint } from "./chat/ModelPicker";
import { createChat } from "./chat/store";
import { Compare } from "./compare/Compare";
import { LeaderboardView } from "./compare/Leaderboard";
import { Skeleton } from "./design/controls";
import { createTheme } from "./design/theme";
import { toast, Toaster } from "./design/toast";
import { Settings, SETTINGS_SECTIONS, type SettingsSection } from "./settings/Settings";
import { Palette } from "./shell/Palette";
import { Shortcuts } from "./shell/Shortcuts";
import type { Command } from "./shell/commands";
import { type Action, actionOf, shortcutOf } from "./shell/keys";
import { guard, report, tell } from "./shared/problems";
import { UpdateBanner } from "./shared/UpdateBanner";
import type { UpdateCheck } from "./types";
import { copyText } from "./chat/Message";
import { SECTIONS, Sidebar, type View } from "./sidebar/Sidebar";
import "./shell/shell.css";

// The dashboard (and its chart library) loads when first opened, not at start.
const UsageView = lazy(() => import("./usage/Usage").then((m) => ({ default: m.UsageView })));
// So do the evaluations.
const EvaluationsView = lazy(() => import("./evals/Evaluations").then((m) => ({ default: m.EvaluationsView })));

/** Below this width the sidebar starts collapsed and opens over the view. */
const NARROW = "(max-width: 820px)";

export function App(props: { backend: FullBackend }) {
  const b = props.backend;
  // First: the one answer the first paint waits for (the shell answers in the order asked).
  const [info] = createResource(() => b.appInfo().then((i) => { performance.mark("roundtable:ready"); return i; }));
  const [list, { refetch: refetchList }] = createResource(() => b.conversations(200, 0));
  const [models, { refetch: refetchModels }] = createResource(() => b.models());
  const reloadList = () => guard(Promise.resolve(refetchList()));
  // A stored compare to show in the compare view.
  const [compareOpen, setCompareOpen] = createSignal<number | null>(null, { equals: false });
  const [newCompare, setNewCompare] = createSignal(0);
  const [view, setView] = createSignal<View>("chat");
  const compareSeen = createMemo<boolean>((seen) => seen || view() === "compare", false);
  const evalsSeen = createMemo<boolean>((seen) => seen || view() === "evals", false);
  const [section, setSection] = createSignal<SettingsSection>("providers");
  const theme = createTheme();
  const chat = createChat(b, { models, onListChanged: reloadList });
  const [palette, setPalette] = createSignal(false);
  const [shortcuts, setShortcuts] = createSignal(false);

  const mq = typeof matchMedia === "function" ? matchMedia(NARROW) : null;
  const [narrow, setNarrow] = createSignal(mq?.matches ?? false);
  const onWidth = (e: MediaQueryListEvent) => setNarrow(e.matches);
  mq?.addEventListener?.("change", onWidth);
  onCleanup(() => mq?.removeEventListener?.("change", onWidth));
  // The user's choice wins until the width class changes.
  const [chosen, setChosen] = createSignal<boolean | null>(null);
  createEffect(on(narrow, () => setChosen(null), { defer: true }));
  const collapsed = () => chosen() ?? narrow();
  const overlay = () => narrow() && !collapsed();
  const toggleSidebar = () => {
    setChosen(!collapsed());
    // Opened over the view: focus goes into it (Escape or a pick closes it).
    if (overlay()) queueMicrotask(() => document.querySelector<HTMLElement>(".sidebar .nav-item[aria-current=page], .sidebar .nav-item")?.focus());
  };
  const toolSettings = () => { setSection("tools"); go("settings"); };
  const presetSettings = () => { setSection("presets"); go("settings"); };
  const budgetSettings = () => { setSection("budget"); go("settings"); };
  // What the update check at start found (it runs only when `[updates] enabled` is on), and
  // whether its notice was dismissed.
  const [updateFound, setUpdateFound] = createSignal<UpdateCheck | null>(null);
  const [updateNotice, setUpdateNotice] = createSignal(true);
  /** On a narrow window an open sidebar covers the view: it closes once something is picked. */
  const picked = () => { if (narrow()) setChosen(null); };

  /** Where focus goes in a view: its composer, else the view itself. */
  const focusView = () => {
    const sel = view() === "compare" ? ".compare-input" : view() === "chat" ? ".chat .composer textarea" : "main.view:not([hidden])";
    document.querySelector<HTMLElement>(sel)?.focus();
  };
  const focusComposer = () => queueMicrotask(focusView);
  const go = (v: View) => {
    setView(v);
    picked();
    // Focus left in a view now hidden (or on a button that went) moves into the new view.
    queueMicrotask(() => {
      const a = document.activeElement as HTMLElement | null;
      if (!a || a === document.body || a.closest("[hidden]") || !a.isConnected) focusView();
    });
  };

  function run(a: Action | string) {
    // Nothing runs behind a question the user has not answered (a delete's confirmation).
    if (document.querySelector("dialog[open]:not(.palette):not(.shortcuts)")) return;
    if (a !== "command-palette" && a !== "toggle-theme" && a !== "toggle-sidebar") chat.setPicker(false);
    switch (a) {
      case "command-palette": setShortcuts(false); setPalette((p) => !p); break;
      case "pick-model": setPalette(false); go("chat"); chat.setPicker(true); break;
      case "new-chat": setPalette(false); go("chat"); chat.open(null); focusComposer(); break;
      case "new-compare": setPalette(false); go("compare"); setNewCompare((n) => n + 1); focusComposer(); break;
      case "toggle-sidebar": toggleSidebar(); break;
      case "focus-composer": if (view() === "chat" || view() === "compare") focusComposer(); break;
      case "shortcuts": setPalette(false); setShortcuts(true); break;
      case "open-settings": go("settings"); break;
      case "toggle-theme": theme.toggle(); break;
      case "about": guard(b.appInfo().then((i) => { toast(`${i.name} ${i.version} · engine ${i.engineVersion}`); })); break;
    }
  }

  function onKey(e: KeyboardEvent) {
    if (e.defaultPrevented) return;
    if (e.key === "Escape" && overlay() && !document.querySelector("dialog[open], [role=menu], .tools-panel, .params-panel")) {
      e.preventDefault(); // not a stop for the chat
      setChosen(null);
      focusComposer();
      return;
    }
    // While a dialog is open, only its own keys (and the palette's toggle) apply.
    const inDialog = !!(e.target as HTMLElement | null)?.closest?.("dialog");
    const a = actionOf(e);
    if (!a || (inDialog && a !== "command-palette")) return;
    e.preventDefault();
    run(a);
  }
  onMount(() => {
    // Capture: the app's keys come before a view's own (Escape closes the sidebar before it stops an answer).
    document.addEventListener("keydown", onKey, true);
    // After the first paint: nothing on screen waits for it.
    setTimeout(() => b.onMenu(run).catch(() => { /* no native menu (a test's backend): the keys still work */ }), 0);
    // One quiet look for a new version, in the background. A failure is not shown here (a
    // computer offline at start is no news): "Check now" in Settings → Updates says why.
    setTimeout(() => {
      b.settings()
        .then((s) => (s.updates?.enabled ? b.updateCheck() : null))
        .then((found) => { if (found) setUpdateFound(found); })
        .catch(() => {});
    }, 0);
  });
  onCleanup(() => document.removeEventListener("keydown", onKey, true));

  // Links in answers never navigate the web view: the shell opens http(s) and mailto links in
  // the OS's browser after checking the scheme again (and refuses any navigation itself).
  function onClick(e: MouseEvent) {
    const a = (e.target as HTMLElement).closest("a");
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute("href");
    if (href && /^(https?:\/\/|mailto:)/i.test(href)) b.openLink(href).catch(report);
  }

  const commands = createMemo((): Command[] => {
    const action = (id: Action | "about", label: string, keywords = ""): Command =>
      ({ id, label, group: "Actions", hint: id === "about" ? undefined : shortcutOf(id), keywords, run: () => run(id) });
    return [
      action("new-chat", "New chat", "conversation start"),
      action("new-compare", "New compare", "side by side columns arena"),
      action("pick-model", "Switch model…", "pick choose model route"),
      { id: "copy-answer", label: "Copy the last answer", group: "Actions", keywords: "clipboard",
        run: () => { const t = chat.lastAnswer(); if (t) copyText(t); else tell("No answer to copy yet."); } },
      action("toggle-sidebar", "Show or hide the sidebar", "collapse"),
      action("toggle-theme", "Toggle light / dark theme", "appearance colour color"),
      action("shortcuts", "Keyboard shortcuts", "keys help"),
      ...(["system", "light", "dark"] as const).map((t): Command => ({
        id: `theme-${t}`, label: `Theme: ${t === "system" ? "follow the system" : t}`, group: "Actions", keywords: "appearance",
        run: () => theme.setChoice(t),
      })),
      action("about", "About Roundtable", "version"),
      ...SECTIONS.map((s): Command => ({ id: `view-${s.view}`, label: `Go to ${s.label}`, group: "Views", keywords: "open view", run: () => go(s.view) })),
      ...SETTINGS_SECTIONS.map((s): Command => ({
        id: `settings-${s.id}`, label: `Settings: ${s.label}`, group: "Settings", keywords: s.keywords,
        run: () => { setSection(s.id); go("settings"); },
      })),
      ...(models() ?? []).map((m): Command => ({
        id: `model-${m.id}`, label: m.id, group: "Models", hint: modelHint(m), keywords: "model use switch",
        run: () => { chat.setModel(m.id); go("chat"); },
      })),
      ...(list() ?? []).map((c): Command => ({
        id: `conversation-${c.id}`, label: c.title, group: "Conversations", keywords: c.kind,
        run: () => open(c.id, c.kind),
      })),
    ];
  });

  function open(id: number, kind: string) {
    if (kind === "compare") { go("compare"); setCompareOpen(id); } else { go("chat"); chat.open(id); }
  }

  return (
    <div class="app" classList={{ "sidebar-collapsed": collapsed(), narrow: narrow() }} onClick={onClick}>
      <Sidebar backend={b} info={info} list={list() ?? []} current={view() === "chat" ? chat.current() : null} view={view()} setView={go}
        theme={theme} collapsed={collapsed()} onToggle={toggleSidebar} onShortcuts={() => run("shortcuts")}
        onNewChat={() => run("new-chat")}
        onOpen={(c) => open(c.id, c.kind)}
        onOpenHit={(id) => { go("chat"); chat.open(id); }}
        onChanged={reloadList}
        onDeleted={(id) => { if (chat.current() === id) chat.open(null); reloadList(); }} />
      <Show when={narrow() && !collapsed()}>
        <div class="scrim" aria-hidden="true" onClick={() => setChosen(null)} />
      </Show>
      <div class="view-area">
        <UpdateBanner offer={updateNotice() ? updateFound()?.offer ?? null : null} onDismiss={() => setUpdateNotice(false)}
          onOpen={() => { setUpdateNotice(false); setSection("updates"); go("settings"); }} />
        <Show when={view() === "leaderboard"}>
          <main class="leaderboard-view view" aria-label="Leaderboard" tabIndex={-1}><LeaderboardView backend={b} /></main>
        </Show>
        {/* Mounted when first shown, then kept: a run goes on (and is shown) while another view is shown. */}
        <Show when={evalsSeen()}>
          <main class="evals-view view" aria-label="Evaluations" tabIndex={-1} hidden={view() !== "evals"}>
            <Suspense fallback={<div class="view-loading"><Skeleton lines={4} label="Loading the evaluations" /></div>}>
              <EvaluationsView backend={b} visible={view() === "evals"} />
            </Suspense>
          </main>
        </Show>
        <Show when={view() === "usage"}>
          <main class="usage-view view" aria-label="Usage" tabIndex={-1}>
            <Suspense fallback={<div class="view-loading"><Skeleton lines={4} label="Loading the dashboard" /></div>}><UsageView backend={b} /></Suspense>
          </main>
        </Show>
        <Show when={view() === "settings"}>
          <main class="settings-view view" aria-label="Settings" tabIndex={-1}>
            <Settings backend={b} onChanged={() => guard(Promise.resolve(refetchModels()))} theme={theme}
              section={section()} setSection={setSection} updateFound={updateFound()} />
          </main>
        </Show>
        <Chat chat={chat} backend={b} models={models()} visible={view() === "chat"} onSettings={() => go("settings")} onToolSettings={toolSettings}
          onModelsChanged={() => guard(Promise.resolve(refetchModels()))} onPresetSettings={presetSettings} onBudgetSettings={budgetSettings}
          title={list()?.find((c) => c.id === chat.current())?.title} />
        {/* Mounted when first shown (not at start), then kept: a compare streams on while another view is shown. */}
        <Show when={compareSeen()}>
          <main class="compare-view view" aria-label="Compare" hidden={view() !== "compare"}>
            <Compare backend={b} models={models() ?? []} visible={view() === "compare"} open={compareOpen()} fresh={newCompare()} onSaved={reloadList}
              onToolSettings={toolSettings} onPresetSettings={presetSettings} onBudgetSettings={budgetSettings}
              onContinue={(id) => { go("chat"); reloadList(); chat.open(id); }} />
          </main>
        </Show>
      </div>
      <Show when={palette()}><Palette commands={commands()} onClose={() => setPalette(false)} /></Show>
      <Show when={shortcuts()}><Shortcuts onClose={() => setShortcuts(false)} /></Show>
      <Show when={chat.picker()}>
        <ModelPicker models={models() ?? []} onPick={(id) => { chat.setModel(id); chat.setPicker(false); focusComposer(); }}
          onClose={() => chat.setPicker(false)} />
      </Show>
      <Toaster />
    </div>
  );
}
