// The app: a sidebar of conversations with search, the chat, the composer and the model picker.

import { createEffect, createMemo, createResource, createSignal, For, onCleanup, onMount, Show } from "solid-js";
import type { FullBackend } from "./backend";
import { AnswerView, decorate } from "./answer";
import { pathTo, pathWith, pick, type Shown } from "./branch";
import { answerLine, fromDone, fromStored } from "./figures";
import { Compare } from "./Compare";
import { LeaderboardView } from "./Leaderboard";
import { Settings } from "./Settings";
import { UsageView } from "./Usage";
import { createVirtual, estimate } from "./virtual";
import type { ConversationSummary, MessageView, ModelView, SearchHit, StreamMsg } from "./types";

/** How many messages of a conversation are in the DOM at first (and added per "earlier"). */

interface Live {
  turn: number | null;
  /** The user's message this answers, once saved. */
  user: number | null;
  /** Shown above the answer (not for a regeneration). */
  prompt: string | null;
  view: AnswerView;
  status: string;
  error: string | null;
  footer: string | null;
}

export function App(props: { backend: FullBackend }) {
  const b = props.backend;
  const [info] = createResource(() => b.appInfo());
  const [list, { refetch: refetchList }] = createResource(() => b.conversations(200, 0));
  const [models, { refetch: refetchModels }] = createResource(() => b.models());
  // A stored compare to show in the compare view.
  const [compareOpen, setCompareOpen] = createSignal<number | null>(null, { equals: false });
  const [view, setView] = createSignal<"chat" | "settings" | "compare" | "leaderboard" | "usage">("chat");
  const [theme, setTheme] = createSignal<string>(localStorage.getItem("roundtable.theme") ?? "system");
  createEffect(() => {
    localStorage.setItem("roundtable.theme", theme());
    if (theme() === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = theme();
  });
  const [current, setCurrent] = createSignal<number | null>(null);
  const [all, setAll] = createSignal<MessageView[]>([]);
  const [picks, setPicks] = createSignal(new Map<string, number>());
  // While an edit or a regeneration streams: the path ends at this message (or is empty).
  const [cut, setCut] = createSignal<{ through: number | null } | null>(null);
  const shown = createMemo<Shown[]>(() => {
    const c = cut();
    if (c) return c.through === null ? [] : pathTo(all(), c.through);
    return pathWith(all(), picks());
  });
  const [editing, setEditing] = createSignal<number | null>(null);
  const [live, setLive] = createSignal<Live | null>(null);
  const [model, setModel] = createSignal<string>(localStorage.getItem("roundtable.model") ?? "");
  const [picker, setPicker] = createSignal(false);
  const [query, setQuery] = createSignal("");
  const [hits, setHits] = createSignal<SearchHit[] | null>(null);
  const [draft, setDraft] = createSignal("");
  const [problem, setProblem] = createSignal<string | null>(null);
  let messagesEl: HTMLElement | undefined;
  // Long conversations stay smooth: only the messages near the viewport are in the DOM.
  const virt = createVirtual({
    items: shown, key: (s) => s.m.id, guess: (s) => estimate(s.m.text), scroller: () => messagesEl,
  });

  createEffect(() => {
    // The remembered model, if it is still offered; else the first.
    const all = models();
    if (all && all.length > 0 && !all.some((m) => m.id === model())) setModel(all[0].id);
  });
  createEffect(() => localStorage.setItem("roundtable.model", model()));

  async function open(id: number | null) {
    setCurrent(id);
    setLive(null);
    setCut(null);
    setPicks(new Map());
    setEditing(null);
    setAll(id === null ? [] : (await b.conversation(id)).messages);
    virt.toBottom();
  }

  let searchTimer: ReturnType<typeof setTimeout> | undefined;
  function onSearch(text: string) {
    setQuery(text);
    clearTimeout(searchTimer);
    if (!text.trim()) return setHits(null);
    searchTimer = setTimeout(async () => {
      try { setHits(await b.search(text)); } catch (e) { setProblem(String(e)); }
    }, 150);
  }

  async function send(
    text: string, conversation: number | null, opts: { editOf?: number; regenerate?: number; overBudget?: boolean } = {},
  ) {
    const prompt = text.trim();
    if ((!prompt && !opts.regenerate) || live()?.status === "streaming") return;
    if (!model()) return setProblem("Pick a model first (Ctrl+K).");
    // What was saved so far (the turn before this one too) is shown above; an edit or a
    // regeneration shows the path up to where the new branch starts.
    if (conversation !== null) {
      try { setAll((await b.conversation(conversation)).messages); } catch { /* keep what is shown */ }
    }
    const edited = opts.editOf === undefined ? undefined : all().find((m) => m.id === opts.editOf);
    if (edited) setCut({ through: edited.parentId });
    else if (opts.regenerate !== undefined) setCut({ through: opts.regenerate });
    else { setCut(null); setPicks(new Map()); }
    setEditing(null);
    const view = new AnswerView();
    const state: Live = {
      turn: null, user: opts.regenerate ?? null, prompt: opts.regenerate !== undefined ? null : prompt,
      view, status: "streaming", error: null, footer: null,
    };
    setLive({ ...state });
    setDraft("");
    const tried: string[] = [];
    const onEvent = (msg: StreamMsg) => {
      switch (msg.kind) {
        case "render": {
          const near = messagesEl ? messagesEl.scrollHeight - messagesEl.scrollTop - messagesEl.clientHeight < 80 : false;
          view.apply(msg);
          if (near && messagesEl) messagesEl.scrollTop = messagesEl.scrollHeight;
          break;
        }
        case "attempt":
          if (msg.outcome !== "ok") tried.push(`${msg.target} (${msg.class ?? "cooling down"})`);
          setLive((l) => l && { ...l, footer: msg.outcome === "ok" ? null : `${msg.target} failed (${msg.class ?? "cooling down"}), trying the next…` });
          break;
        case "done": {
          const footer = answerLine(fromDone(msg));
          setLive((l) => l && { ...l, status: "done", footer });
          void refetchList();
          break;
        }
        case "failed":
          setLive((l) => l && { ...l, status: "failed", error: msg.message });
          break;
        case "cancelled":
          setLive((l) => l && { ...l, status: "stopped", footer: "stopped — the partial answer is kept" });
          break;
      }
    };
    try {
      const started = await b.send(
        {
          conversation, prompt, targets: [model()], editOf: opts.editOf ?? null, regenerate: opts.regenerate ?? null,
          overBudget: opts.overBudget ?? null,
        },
        onEvent,
      );
      setLive((l) => l && { ...l, turn: started.turn, user: started.saved.userMessageId });
      if (conversation === null) {
        setCurrent(started.saved.conversationId);
        void refetchList();
      }
    } catch (e) {
      setLive((l) => l && { ...l, status: "failed", error: String(e) });
    }
  }

  function submit() {
    const edit = editing();
    void send(draft(), current(), edit === null ? {} : { editOf: edit });
  }

  async function stop() {
    const l = live();
    if (l?.turn != null && l.status === "streaming") await b.cancel(l.turn);
  }

  function onKey(e: KeyboardEvent) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      setPicker((p) => !p);
    } else if (e.key === "Escape") {
      if (picker()) setPicker(false);
      else if (editing() !== null) { setEditing(null); setDraft(""); }
      else void stop();
    }
  }
  onMount(() => document.addEventListener("keydown", onKey));
  onCleanup(() => document.removeEventListener("keydown", onKey));

  // Links in answers never navigate the web view: the shell opens http(s) and mailto links in
  // the OS's browser after checking the scheme again.
  function onClick(e: MouseEvent) {
    const a = (e.target as HTMLElement).closest("a");
    if (!a) return;
    e.preventDefault();
    const href = a.getAttribute("href");
    if (href && /^(https?:\/\/|mailto:)/i.test(href)) {
      b.openLink(href).catch((err) => setProblem(String(err)));
    }
  }

  return (
    <div class="app" onClick={onClick}>
      <aside class="sidebar">
        <header class="brand">
          <h1 id="app-name">{info()?.name ?? "Roundtable"}</h1>
          <p id="app-version" classList={{ error: !!info.error }}>
            {info.error ? `Could not reach the backend: ${info.error}` : info() ? `version ${info()!.version} · engine ${info()!.engineVersion}` : "…"}
          </p>
        </header>
        <button class="new-chat" onClick={() => { setView("chat"); void open(null); }}>New chat</button>
        <nav class="views">
          <button class="to-compare" classList={{ active: view() === "compare" }} onClick={() => setView("compare")}>Compare</button>
          <button class="to-leaderboard" classList={{ active: view() === "leaderboard" }} onClick={() => setView("leaderboard")}>Leaderboard</button>
          <button class="to-usage" classList={{ active: view() === "usage" }} onClick={() => setView("usage")}>Usage</button>
        </nav>
        <input class="search" type="search" placeholder="Search all messages" value={query()}
               onInput={(e) => onSearch(e.currentTarget.value)} aria-label="Search" />
        <Show when={hits()} fallback={
          <ul class="conversations">
            <For each={list() ?? []}>{(c: ConversationSummary) => (
              <ConversationItem c={c} active={current() === c.id} onOpen={() => {
                if (c.kind === "compare") { setView("compare"); setCompareOpen(c.id); } else { setView("chat"); void open(c.id); }
              }}
                onRename={async (t) => { await b.rename(c.id, t); void refetchList(); }}
                onDelete={async () => { await b.remove(c.id); if (current() === c.id) void open(null); void refetchList(); }} />
            )}</For>
          </ul>
        }>
          <ul class="hits">
            <For each={hits()!}>{(h) => (
              <li class="hit" onClick={() => { setHits(null); setQuery(""); void open(h.conversation_id); }}>
                <div class="hit-title">{h.title}</div>
                <div class="hit-snippet">{h.snippet}</div>
              </li>
            )}</For>
          </ul>
        </Show>
        <div class="sidebar-foot">
          <button class="open-settings" onClick={() => setView(view() === "settings" ? "chat" : "settings")}>Settings</button>
          <select class="theme" aria-label="Theme" value={theme()} onChange={(e) => setTheme(e.currentTarget.value)}>
            <option value="system">System theme</option>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
          </select>
        </div>
      </aside>
      <Show when={view() === "leaderboard"}>
        <main class="leaderboard-view"><LeaderboardView backend={b} /></main>
      </Show>
      <Show when={view() === "usage"}>
        <main class="usage-view"><UsageView backend={b} /></main>
      </Show>
      <Show when={view() === "settings"}>
        <main class="settings-view"><Settings backend={b} onChanged={() => void refetchModels()} theme={theme()} setTheme={setTheme} /></main>
      </Show>
      <main class="chat" hidden={view() !== "chat"}>
        <div class="topbar">
          <button class="model-button" onClick={() => setPicker(true)} title="Pick a model (Ctrl+K)">
            {model() || "Pick a model"}
          </button>
        </div>
        <Show when={problem()}>
          <div class="problem" role="alert">{problem()} <button onClick={() => setProblem(null)}>×</button></div>
        </Show>
        <section class="messages" aria-live="polite" ref={messagesEl} onScroll={virt.onScroll}>
          <div class="spacer" style={{ height: `${virt.before()}px` }} />
          <Show when={view() === "chat" && current() === null && !live() && models() && models()!.length === 0}>
            <FirstRun backend={b} onSettings={() => setView("settings")} />
          </Show>
          <For each={virt.slice()}>{(s) => (
            <Message s={s} busy={live()?.status === "streaming"} measure={virt.measure}
              onPick={(m) => { setCut(null); setLive(null); setPicks(pick(picks(), m)); }}
              onEdit={(m) => { setEditing(m.id); setDraft(m.text); }}
              onRegenerate={(m) => m.parentId !== null && void send("", current(), { regenerate: m.parentId })} />
          )}</For>
          <div class="spacer" style={{ height: `${virt.after()}px` }} />
          <Show when={live()}>{(l) => (
            <>
              <Show when={l().prompt}>
                <article class="message user"><div class="text">{l().prompt}</div>
                  <Show when={l().user !== null && l().status !== "streaming"}>
                    <div class="tools"><button class="edit" onClick={() => { setEditing(l().user); setDraft(l().prompt ?? ""); }}>Edit</button></div>
                  </Show>
                </article>
              </Show>
              <article class={`message assistant live ${l().status}`}>
                {l().view.root}
                <Show when={l().error}>
                  <div class="error" role="alert">
                    {l().error}
                    <button class="retry" onClick={() => l().user !== null
                      ? void send("", current(), { regenerate: l().user! })
                      : void send(l().prompt ?? "", current())}>Retry</button>
                    <Show when={l().error?.includes("budget is spent")}>
                      <button class="send-anyway" onClick={() => l().user !== null
                        ? void send("", current(), { regenerate: l().user!, overBudget: true })
                        : void send(l().prompt ?? "", current(), { overBudget: true })}>Send anyway</button>
                    </Show>
                  </div>
                </Show>
                <Show when={l().footer}><footer class="meta">{l().footer}</footer></Show>
                <Show when={l().user !== null && l().status !== "streaming"}>
                  <div class="tools"><button class="regenerate" onClick={() => void send("", current(), { regenerate: l().user! })}>Regenerate</button></div>
                </Show>
              </article>
            </>
          )}</Show>
        </section>
        <Show when={editing() !== null}>
          <div class="editing">Editing a message: sending makes a new branch (Esc cancels)</div>
        </Show>
        <form class="composer" onSubmit={(e) => { e.preventDefault(); submit(); }}>
          <textarea placeholder="Message — Enter sends, Shift+Enter for a new line" value={draft()}
            onInput={(e) => setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
            }} aria-label="Message" />
          <Show when={live()?.status === "streaming"} fallback={<button type="submit" class="send">Send</button>}>
            <button type="button" class="stop" onClick={() => void stop()}>Stop</button>
          </Show>
        </form>
      </main>
      {/* Kept mounted: a compare streams on while another view is shown. */}
      <main class="compare-view" hidden={view() !== "compare"}>
        <Compare backend={b} models={models() ?? []} open={compareOpen()} onSaved={() => void refetchList()}
          onContinue={(id) => { setView("chat"); void refetchList(); void open(id); }} />
      </main>
      <Show when={picker()}>
        <ModelPicker models={models() ?? []} onPick={(id) => { setModel(id); setPicker(false); }} onClose={() => setPicker(false)} />
      </Show>
    </div>
  );
}

function Message(props: {
  s: Shown; busy: boolean; measure: (el: HTMLElement, key: number) => void; onPick: (m: MessageView) => void; onEdit: (m: MessageView) => void;
  onRegenerate: (m: MessageView) => void;
}) {
  const m = props.s.m;
  const arrows = () => props.s.siblings.length > 1 && (
    <span class="branches">
      <button class="prev" disabled={props.s.index === 0 || props.busy}
        onClick={() => props.onPick(props.s.siblings[props.s.index - 1])} aria-label="Previous branch">‹</button>
      <span class="branch-index">{props.s.index + 1}/{props.s.siblings.length}</span>
      <button class="next" disabled={props.s.index === props.s.siblings.length - 1 || props.busy}
        onClick={() => props.onPick(props.s.siblings[props.s.index + 1])} aria-label="Next branch">›</button>
    </span>
  );
  if (m.role === "user") {
    return (
      <article class="message user" data-id={m.id} ref={(el) => props.measure(el, m.id)}>
        <div class="text">{m.text}</div>
        <div class="tools">{arrows()}<button class="edit" disabled={props.busy} onClick={() => props.onEdit(m)}>Edit</button></div>
      </article>
    );
  }
  return (
    <article class={`message assistant ${m.status}`} data-id={m.id} ref={(el) => props.measure(el, m.id)}>
      <Show when={m.reasoningHtml}>
        <details class="reasoning"><summary>Reasoning</summary><div class="markdown" innerHTML={m.reasoningHtml} /></details>
      </Show>
      <div class="markdown" innerHTML={m.html} ref={(el) => queueMicrotask(() => decorate(el))} />
      <Show when={m.error}><div class="error">{m.error}</div></Show>
      <footer class="meta">{m.figures ? answerLine(fromStored(m)!) : m.model ?? ""}{m.status !== "complete" ? ` · ${m.status}` : ""}</footer>
      <div class="tools">{arrows()}<button class="regenerate" disabled={props.busy} onClick={() => props.onRegenerate(m)}>Regenerate</button></div>
    </article>
  );
}

/** No model to talk to yet: look for a local server, and point at Settings for a key. */
function FirstRun(props: { backend: FullBackend; onSettings: () => void }) {
  const [found] = createResource(async () => {
    const out: string[] = [];
    for (const id of ["ollama", "lmstudio"]) {
      try { out.push(`${id}: running, ${await props.backend.testProvider(id)} models`); } catch { /* not running */ }
    }
    return out;
  });
  return (
    <section class="first-run">
      <h2>Welcome to Roundtable</h2>
      <p>No model is available yet. Roundtable talks to every provider directly with your own keys, kept in the OS keychain.</p>
      <Show when={found.loading}><p class="muted">Looking for a local Ollama or LM Studio…</p></Show>
      <Show when={found() && found()!.length > 0} fallback={
        <Show when={!found.loading}><p class="muted">No local Ollama (port 11434) or LM Studio (port 1234) is running.</p></Show>
      }>
        <ul class="found"><For each={found()}>{(f) => <li>{f}</li>}</For></ul>
      </Show>
      <button class="to-settings" onClick={() => props.onSettings()}>Add an API key in Settings</button>
    </section>
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

function ModelPicker(props: { models: ModelView[]; onPick: (id: string) => void; onClose: () => void }) {
  const [filter, setFilter] = createSignal("");
  const groups = () => {
    const f = filter().toLowerCase();
    const by = new Map<string, ModelView[]>();
    for (const m of props.models) {
      if (f && !m.id.toLowerCase().includes(f)) continue;
      by.set(m.provider, [...(by.get(m.provider) ?? []), m]);
    }
    return [...by.entries()];
  };
  const price = (m: ModelView) =>
    m.inputPerM == null ? "" : `$${m.inputPerM.toFixed(2)} / $${(m.outputPerM ?? 0).toFixed(2)} per M`;
  return (
    <div class="overlay" onClick={() => props.onClose()}>
      <div class="picker" onClick={(e) => e.stopPropagation()} role="dialog" aria-label="Pick a model">
        <input class="picker-filter" placeholder="Search models and routes" value={filter()} ref={(el) => setTimeout(() => el.focus())}
          onInput={(e) => setFilter(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === "Enter") { const first = groups()[0]?.[1][0]; if (first) props.onPick(first.id); } }} />
        <div class="picker-list">
          <For each={groups()}>{([provider, ms]) => (
            <section class="picker-group">
              <h3>{provider}</h3>
              <For each={ms}>{(m) => (
                <button class="picker-item" onClick={() => props.onPick(m.id)}>
                  <span class="picker-id">{m.id}</span>
                  <span class="picker-meta">{price(m)}{m.contextLength ? ` · ${Math.round(m.contextLength / 1000)}k ctx` : ""}</span>
                </button>
              )}</For>
            </section>
          )}</For>
        </div>
      </div>
    </div>
  );
}
