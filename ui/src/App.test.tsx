import { render } from "solid-js/web";
import { afterEach, describe, expect, it, vi } from "vitest";
import { App } from "./App";
import { estimate } from "./shared/virtual";
import { budgetSpent, providerError } from "./test-errors";
import type { FullBackend } from "./backend";
import type { MessageView, StoredView, StreamMsg, TurnSpec } from "./types";

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A fake backend: records calls; `send` plays a scripted turn. */
function fake(script: StreamMsg[]) {
  const sent: TurnSpec[] = [];
  const cancelled: number[] = [];
  const opened: string[] = [];
  const keys: Record<string, string> = {};
  let emit: ((m: StreamMsg) => void) | null = null;
  const backend: FullBackend = {
    appInfo: async () => ({ name: "Roundtable", version: "0.1.0", engineVersion: "0.1.0" }),
    conversations: async () => [{ id: 7, title: "Old chat", kind: "chat", messages: 2, createdAt: 1, updatedAt: 2, pinned: false }],
    conversation: async (id) => ({
      id, title: "Old chat", kind: "chat", system: null, columnTargets: [], settings: {}, columnSettings: [], messages: [
        { id: 1, parentId: null, role: "user", text: "hello", html: "<p>hello</p>", reasoningHtml: "", model: null, status: "complete", error: null, createdAt: 1, figures: null, column: null, parts: [] },
        { id: 2, parentId: 1, role: "assistant", text: "hi", html: "<p>hi <strong>there</strong></p>", reasoningHtml: "", model: "a/m", status: "complete", error: null, createdAt: 2,
          figures: { inputTokens: 12, outputTokens: 30, reasoningTokens: 0, costMicros: 4200, ttftMs: 350, durationMs: 900, estimated: false, fellOver: ["b/fast"], imageTokens: 0, note: null }, column: null, parts: [] },
      ],
    }),
    search: async () => [{ conversationId: 7, title: "Old chat", messageId: 2, role: "assistant", snippet: "hi [there]", createdAt: 2 }],
    rename: async () => {},
    remove: async () => {},
    pin: async () => {},
    deleteMessage: async () => {},
    onMenu: async () => {},
    models: async () => [
      { id: "a/m", provider: "a", contextLength: 128000, inputPerM: 2.5, outputPerM: 10, },
      { id: "b/fast", provider: "b", contextLength: null, inputPerM: null, outputPerM: null },
      { id: "@smart", provider: "routes", contextLength: null, inputPerM: null, outputPerM: null },
    ],
    send: async (spec, _tools, onEvent) => {
      sent.push(spec);
      emit = onEvent;
      setTimeout(() => script.forEach((m) => onEvent(m)), 0);
      return { turn: 42, saved: { conversationId: 9, userMessageId: 100 }, alerts: [] };
    },
    cancel: async (turn) => { cancelled.push(turn); emit?.({ kind: "cancelled", messageId: null }); return true; },
    openLink: async (url) => { opened.push(url); },
    providers: async () => [
      { id: "a", kind: "openai", baseUrl: "https://a.example/v1", enabled: true, needsKey: true,
        key: keys.a ? { source: "keychain", hint: keys.a, origin: "https://a.example" } : null, keychainError: null },
    ],
    setKey: async (provider, key) => { keys[provider] = `…${key.slice(-4)}`; return { source: "keychain", hint: keys[provider], origin: "https://a.example" }; },
    removeKey: async (provider) => { delete keys[provider]; return true; },
    testProvider: async () => 3,
    settings: async () => ({ configPath: "/data/config.toml", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [], presets: [], budgets: [],
      updates: { enabled: false, url: "https://updates.example/latest.json", defaultUrl: "https://updates.example/latest.json" } }),
    editSettings: async () => { throw new Error("not in this test"); },
    compare: async () => { throw new Error("not in this test"); },
    vote: async () => { throw new Error("not in this test"); },
    leaderboard: async () => ({ votes: 0, rows: [] }),
    continueCompare: async () => { throw new Error("not in this test"); },
    dashboard: async (since, until) => ({ since, until, totalMicros: 0, days: [], models: [], providers: [], clients: [], budgets: [] }),
    exportUsageCsv: async () => "/tmp/x.csv",
    attach: async (file) => ({ sha256: `sha-${file.name}`, name: file.name, mediaType: "text/plain", bytes: file.size, width: null, height: null, pages: null, thumbnail: null }),
    attachmentImage: async () => "data:image/png;base64,AA==",
    pasteImage: async () => null,
    mcpServers: async () => [],
    mcpTest: async () => { throw new Error("not in this test"); },
    mcpTools: async () => ({ tools: [], errors: [] }),
    mcpSave: async () => { throw new Error("not in this test"); },
    mcpRemove: async () => { throw new Error("not in this test"); },
    toolAnswer: async () => true,
    localModels: async () => ({ installed: [], catalog: [], pulling: [], defaultModel: null }),
    localPull: async () => { throw new Error("not in this test"); },
    localPullCancel: async () => false,
    localRemove: async () => { throw new Error("not in this test"); },
    previewTurn: async () => ({ columns: [], rules: [], crosses: null }),
    previewCompare: async () => ({ columns: [], rules: [], crosses: null }),
    budgets: async () => [],
    setConversationSettings: async () => {},
    setColumnSettings: async () => {},
    updateCheck: async () => { throw new Error("not in this test"); },
    updateInstall: async () => { throw new Error("not in this test"); },
    updateRestart: async () => {},
    evalSuites: async () => ({ dir: "/data/evals", suites: [] }),
    evalSuite: async () => { throw new Error("not in this test"); },
    evalStart: async () => { throw new Error("not in this test"); },
    evalStop: async () => false,
    evalRuns: async () => [],
    evalRun: async () => { throw new Error("not in this test"); },
    evalDiff: async () => { throw new Error("not in this test"); },
    evalDeleteRun: async () => {},
    evalExport: async () => "/tmp/x.csv",
    evalAddCase: async () => { throw new Error("not in this test"); },
  };
  return { backend, sent, cancelled, opened };
}

let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); document.body.innerHTML = ""; localStorage.clear(); });

function mount(backend: FullBackend) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <App backend={backend} />, root);
  return root;
}

function type(root: HTMLElement, text: string, key: Partial<KeyboardEventInit> = {}) {
  const box = root.querySelector(".chat textarea") as HTMLTextAreaElement;
  box.value = text;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, ...key }));
}

describe("App", () => {
  it("lists conversations and opens one rendered by the engine", async () => {
    const { backend } = fake([]);
    const root = mount(backend);
    await until(() => root.querySelector(".conversation") !== null, "the list");
    (root.querySelector(".conversation") as HTMLElement).click();
    await until(() => root.querySelector(".message.assistant strong") !== null, "the answer");
    expect(root.querySelector("#app-version")!.textContent).toBe("version 0.1.0 · engine 0.1.0");
    const meta = root.querySelector(".message.assistant .meta")!;
    // Shown short; the whole line is the tooltip and what a screen reader reads.
    expect(meta.querySelector(".visually-hidden")!.textContent)
      .toBe("answered by a/m after b/fast failed · 12 in · 30 out · $0.0042 · first token 0.35 s");
    expect(meta.getAttribute("data-tip")).toBe("answered by a/m after b/fast failed · 12 in · 30 out · $0.0042 · first token 0.35 s");
    expect([...meta.querySelectorAll(".meta-short > span:not(.mark)")].map((e) => e.textContent)).toEqual(["a/m", "after 1 failed", "0.35 s", "42 tok", "$0.0042"]);
  });

  it("Enter sends, Shift+Enter does not; the answer streams and says who answered after a fallback", async () => {
    const { backend, sent } = fake([
      { kind: "attempt", target: "a/m", number: 1, outcome: "failed", class: "rate_limited", status: 429, ms: 5, message: null },
      { kind: "attempt", target: "b/fast", number: 2, outcome: "ok", class: null, status: null, ms: 9, message: null },
      { kind: "render", replaceFrom: 0, blocks: [], tail: "<p>Par</p>", reasoning: "" },
      { kind: "render", replaceFrom: 0, blocks: ["<h2>Done</h2>"], tail: "<p>Partial answer</p>", reasoning: "" },
      { kind: "done", conversationId: 7, requestId: "r1", attempts: [], finish: "stop", providerCostUsd: null, priceSource: "override", requested: "b/fast", messageId: 101, model: "b/fast", fellOver: ["a/m (rate_limited)"], usage: { inputTokens: 12, outputTokens: 34, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, imageTokens: 0 }, costMicros: 1234, ttftMs: 9, durationMs: 20, steps: 1 },
    ]);
    const root = mount(backend);
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "a default model");
    type(root, "first line", { shiftKey: true });
    await tick();
    expect(sent).toHaveLength(0);
    type(root, "Tell me");
    await until(() => root.querySelector(".live .meta")?.textContent?.includes("answered by") ?? false, "the footer");
    expect(sent[0]).toMatchObject({ prompt: "Tell me", targets: ["a/m"], conversation: null });
    expect(root.querySelector(".live .answer")!.innerHTML).toContain("<h2>Done</h2>");
    expect(root.querySelector(".live .tail")!.innerHTML).toBe("<p>Partial answer</p>");
    const footer = root.querySelector(".live .meta")!.textContent!;
    expect(footer).toContain("answered by b/fast after a/m (rate_limited) failed");
    expect(footer).toContain("12 in · 34 out");
    expect(footer).toContain("$0.0012");
    // The tooltip says where the price came from.
    expect(root.querySelector(".live .meta")!.getAttribute("data-tip")).toMatch(/· price from your price override$/);
  });

  it("Esc stops a streaming answer and keeps what arrived", async () => {
    const { backend, cancelled } = fake([{ kind: "render", replaceFrom: 0, blocks: [], tail: "<p>half</p>", reasoning: "" }]);
    const root = mount(backend);
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "a model");
    type(root, "Go");
    await until(() => root.querySelector(".stop") !== null, "the stop button");
    await until(() => root.querySelector(".live .tail")!.innerHTML === "<p>half</p>", "the partial answer");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await until(() => cancelled.length === 1, "cancel");
    expect(cancelled).toEqual([42]);
    await until(() => root.querySelector(".live .meta")?.textContent?.includes("stopped") ?? false, "stopped");
    expect(root.querySelector(".live .tail")!.innerHTML).toBe("<p>half</p>");
  });

  it("an error is shown inline with a retry", async () => {
    const { backend, sent } = fake([{ kind: "failed", error: providerError("a: rate limited (rate_limited, HTTP 429)", "a", "rate_limited"), partial: false, messageId: null }]);
    const root = mount(backend);
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "a model");
    type(root, "Hi");
    await until(() => root.querySelector(".live .error") !== null, "the error");
    expect(root.querySelector(".live .error")!.textContent).toContain("rate_limited");
    (root.querySelector(".retry") as HTMLButtonElement).click();
    await until(() => sent.length === 2, "the retry");
  });

  it("a spent budget refuses with a way to send anyway", async () => {
    const { backend } = fake([]);
    const specs: TurnSpec[] = [];
    const root = mount({
      ...backend,
      send: async (spec, tools, onEvent) => {
        specs.push(spec);
        if (!spec.overBudget) throw budgetSpent("this month's budget is spent ($20.000000 of $20.000000)");
        return backend.send(spec, tools, onEvent);
      },
    });
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "a model");
    type(root, "Over budget?");
    await until(() => root.querySelector(".live .send-anyway") !== null, "the refusal");
    expect(root.querySelector(".live .error")!.textContent).toContain("budget is spent");
    (root.querySelector(".live .send-anyway") as HTMLButtonElement).click();
    await until(() => specs.length === 2, "sent anyway");
    expect(specs[1]).toMatchObject({ prompt: "Over budget?", overBudget: true });
    expect(specs[0].overBudget).toBeNull();
  });

  it("Ctrl+M opens a searchable model picker grouped by provider, with prices and routes", async () => {
    const { backend } = fake([]);
    const root = mount(backend);
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "models");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "m", ctrlKey: true, bubbles: true }));
    await until(() => document.querySelector(".picker") !== null, "the picker");
    const groups = [...document.querySelectorAll(".picker .cmd-group")].map((h) => h.textContent);
    expect(groups).toEqual(["a", "b", "Routes"]);
    expect(document.querySelector(".picker .cmd-item .cmd-hint")!.textContent).toBe("$2.50 / $10.00 per M · 128k ctx");
    const filter = document.querySelector(".picker-filter") as HTMLInputElement;
    expect(document.activeElement).toBe(filter);
    filter.value = "smart";
    filter.dispatchEvent(new Event("input", { bubbles: true }));
    await tick();
    expect([...document.querySelectorAll(".picker .cmd-label")].map((e) => e.textContent)).toEqual(["@smart"]);
    filter.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await until(() => document.querySelector(".picker") === null, "the picker closed");
    expect(root.querySelector(".model-button")!.textContent).toBe("@smart");
  });

  it("Ctrl+K opens the command palette: typing filters, arrows move, Enter runs", async () => {
    const { backend } = fake([]);
    const root = mount(backend);
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "models");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true }));
    await until(() => document.querySelector(".palette") !== null, "the palette");
    const input = document.querySelector(".palette .cmd-input") as HTMLInputElement;
    expect(document.activeElement).toBe(input);
    const groups = [...document.querySelectorAll(".palette .cmd-group")].map((h) => h.textContent);
    expect(groups).toEqual(["Actions", "Views", "Settings", "Models", "Conversations"]);
    input.value = "usage";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await tick();
    expect(document.querySelector(".palette .cmd-item[aria-selected='true']")!.textContent).toBe("Go to Usage");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await until(() => root.querySelector(".usage-view") !== null, "the usage view");
    expect(document.querySelector(".palette")).toBeNull();
    // A conversation by its title; ArrowDown moves the highlight.
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true }));
    await until(() => document.querySelector(".palette") !== null, "the palette again");
    const again = document.querySelector(".palette .cmd-input") as HTMLInputElement;
    again.value = "old chat";
    again.dispatchEvent(new Event("input", { bubbles: true }));
    await tick();
    expect([...document.querySelectorAll(".palette .cmd-item")].map((e) => e.textContent)).toEqual(["Old chat"]);
    again.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await until(() => root.querySelector(".message.assistant strong") !== null, "the conversation");
  });

  it("Evaluations: in the sidebar and the palette, loaded when first opened, kept (hidden) while another view is shown", async () => {
    const { backend } = fake([]);
    const root = mount(backend);
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "models");
    expect(root.querySelector(".evals-view")).toBeNull();
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "k", ctrlKey: true, bubbles: true }));
    await until(() => document.querySelector(".palette") !== null, "the palette");
    const input = document.querySelector(".palette .cmd-input") as HTMLInputElement;
    input.value = "evaluations";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await tick();
    expect(document.querySelector(".palette .cmd-item[aria-selected='true']")!.textContent).toBe("Go to Evaluations");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await until(() => root.querySelector(".evals-view [data-testid=eval-run]") !== null, "the evaluations view");
    const main = root.querySelector<HTMLElement>("main.evals-view")!;
    expect([main.getAttribute("aria-label"), main.tabIndex, main.hidden]).toEqual(["Evaluations", -1, false]);
    expect(root.querySelector(".to-evals")!.getAttribute("aria-current")).toBe("page");
    root.querySelector<HTMLButtonElement>(".to-chat")!.click();
    await tick();
    expect(main.hidden).toBe(true);
    root.querySelector<HTMLButtonElement>(".to-evals")!.click();
    await tick();
    expect(root.querySelector("main.evals-view")).toBe(main);
    expect(main.hidden).toBe(false);
  });

  it("the app's shortcuts: new chat, the sidebar, the composer, the shortcuts list; the native menu runs the same", async () => {
    const { backend } = fake([]);
    let menu: ((a: string) => void) | null = null;
    const root = mount({ ...backend, onMenu: async (h) => { menu = h; } });
    await until(() => root.querySelector(".model-button")!.textContent === "a/m" && menu !== null, "models and the menu");
    const key = (init: KeyboardEventInit, target: EventTarget = document.body) =>
      target.dispatchEvent(new KeyboardEvent("keydown", { bubbles: true, cancelable: true, ...init }));
    expect(root.querySelector(".app")!.classList.contains("sidebar-collapsed")).toBe(false);
    key({ key: "b", ctrlKey: true });
    await tick();
    expect(root.querySelector(".app")!.classList.contains("sidebar-collapsed")).toBe(true);
    menu!("toggle-sidebar");
    await tick();
    expect(root.querySelector(".app")!.classList.contains("sidebar-collapsed")).toBe(false);
    key({ key: "/" });
    await tick();
    expect(document.activeElement).toBe(root.querySelector(".chat .composer textarea"));
    // In a text field, "/" and "?" are text.
    key({ key: "?" }, document.activeElement!);
    await tick();
    expect(document.querySelector(".shortcuts")).toBeNull();
    (document.activeElement as HTMLElement).blur();
    key({ key: "?" });
    await until(() => document.querySelector(".shortcuts") !== null, "the shortcuts");
    expect(document.querySelector(".shortcuts")!.textContent).toContain("Command palette");
    expect(document.querySelector(".shortcuts")!.textContent).toContain("Ctrl+K");
    key({ key: "Escape" }, document.querySelector(".shortcuts")!);
    await until(() => document.querySelector(".shortcuts") === null, "closed");
    menu!("new-compare");
    await until(() => !(root.querySelector(".compare-view") as HTMLElement).hidden, "the compare view");
    key({ key: "n", ctrlKey: true });
    await until(() => !(root.querySelector(".chat") as HTMLElement).hidden, "a new chat");
  });

  it("search shows hits and opens the conversation", async () => {
    const search = vi.fn();
    const { backend } = fake([]);
    const b = { ...backend, search: async (q: string) => { search(q); return backend.search(q); } };
    const root = mount(b);
    const input = root.querySelector(".search") as HTMLInputElement;
    input.value = "there";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await until(() => root.querySelector(".hit") !== null, "a hit");
    expect(search).toHaveBeenCalledWith("there");
    (root.querySelector(".hit") as HTMLElement).click();
    await until(() => root.querySelector(".message.assistant strong") !== null, "the conversation");
  });

  it("edit sends a sibling of the edited message; arrows move between branches", async () => {
    const { backend, sent } = fake([]);
    const forked = {
      ...backend,
      conversation: async (id: number): Promise<StoredView> => ({
        id, title: "Forked", kind: "chat", system: null, columnTargets: [], settings: {}, columnSettings: [], messages: [
          { id: 1, parentId: null, role: "user", text: "first", html: "", reasoningHtml: "", model: null, status: "complete", error: null, createdAt: 1, figures: null, column: null, parts: [] },
          { id: 2, parentId: 1, role: "assistant", text: "one", html: "<p>one</p>", reasoningHtml: "", model: "a/m", status: "complete", error: null, createdAt: 2, figures: null, column: null, parts: [] },
          { id: 3, parentId: null, role: "user", text: "first, edited", html: "", reasoningHtml: "", model: null, status: "complete", error: null, createdAt: 3, figures: null, column: null, parts: [] },
          { id: 4, parentId: 3, role: "assistant", text: "two", html: "<p>two</p>", reasoningHtml: "", model: "a/m", status: "complete", error: null, createdAt: 4, figures: null, column: null, parts: [] },
        ],
      }),
    };
    const root = mount(forked);
    await until(() => root.querySelector(".conversation") !== null, "the list");
    (root.querySelector(".conversation") as HTMLElement).click();
    await until(() => root.querySelector(".branch-index") !== null, "branch arrows");
    expect(root.querySelector(".message.user .text")!.textContent).toBe("first, edited");
    expect(root.querySelector(".branch-index")!.textContent).toBe("2/2");
    (root.querySelector(".message.user .prev") as HTMLButtonElement).click();
    await until(() => root.querySelector(".message.user .text")!.textContent === "first", "the older branch");
    expect(root.querySelector(".message.assistant .markdown")!.innerHTML).toBe("<p>one</p>");
    // Edit the shown message: the composer takes its text; sending makes a sibling.
    root.querySelector(".message.user")!.dispatchEvent(new Event("pointerenter"));
    await tick();
    (root.querySelector(".message.user .edit") as HTMLButtonElement).click();
    await tick();
    expect(root.querySelector(".editing")).not.toBeNull();
    expect((root.querySelector("textarea") as HTMLTextAreaElement).value).toBe("first");
    type(root, "first, again");
    await until(() => sent.length === 1, "the edit sent");
    expect(sent[0]).toMatchObject({ conversation: 7, prompt: "first, again", editOf: 1, regenerate: null });
    // Regenerate answers the same user message again.
    await until(() => root.querySelector(".live") !== null, "the live turn");
  });

  it("a link in an answer opens through the backend, never in the web view", async () => {
    const { backend, opened } = fake([
      { kind: "render", replaceFrom: 0, blocks: ['<p><a href="https://example.com/x">site</a> <a class="md-image" href="https://img.example/p.png">pic</a></p>'], tail: "", reasoning: "" },
      { kind: "done", conversationId: 7, requestId: "r1", attempts: [], finish: "stop", providerCostUsd: null, priceSource: null, requested: "a/m", messageId: 1, model: "a/m", fellOver: [], usage: null, costMicros: 0, ttftMs: 1, durationMs: 2, steps: 1 },
    ]);
    const root = mount(backend);
    await until(() => root.querySelector(".model-button")!.textContent === "a/m", "a model");
    type(root, "links");
    await until(() => root.querySelector(".live a") !== null, "the link");
    const click = new MouseEvent("click", { bubbles: true, cancelable: true });
    root.querySelector(".live a")!.dispatchEvent(click);
    expect(click.defaultPrevented).toBe(true);
    expect(opened).toEqual(["https://example.com/x"]);
  });

  it("settings saves a key and only ever shows its hint", async () => {
    const { backend } = fake([]);
    const root = mount(backend);
    (root.querySelector(".open-settings") as HTMLButtonElement).click();
    // Provider "a" has no key yet: it is a compact row in the "Add a provider" list until opened.
    await until(() => root.querySelector(".provider .provider-expand") !== null, "the providers");
    (root.querySelector(".provider .provider-expand") as HTMLButtonElement).click();
    await until(() => root.querySelector(".provider .key-input") !== null, "the provider's card");
    expect(root.querySelector(".provider .nokey")!.textContent).toBe("no key");
    const input = root.querySelector(".provider .key-input") as HTMLInputElement;
    const sentinel = "sentinel-key-3f9c2d";
    input.value = sentinel;
    (root.querySelector(".provider .save-key") as HTMLButtonElement).click();
    await until(() => root.querySelector(".provider .hint-text") !== null, "the hint");
    expect(root.querySelector(".provider .hint-text")!.textContent).toContain("…9c2d");
    expect(input.value).toBe("");
    expect(document.documentElement.outerHTML).not.toContain(sentinel);
    (root.querySelector(".provider .test") as HTMLButtonElement).click();
    await until(() => root.querySelector(".provider .status")!.textContent === "works: 3 models", "the test");
  });

  it("updates: no check at start unless turned on", async () => {
    const { backend } = fake([]);
    let checks = 0;
    const root = mount({ ...backend, updateCheck: async () => { checks++; throw new Error("not asked"); } });
    await until(() => root.querySelector(".conversation") !== null, "the list");
    await new Promise((r) => setTimeout(r, 30));
    expect(checks).toBe(0);
    expect(root.querySelector(".update-banner")).toBeNull();
  });

  it("updates: turned on, one check at start; a newer release is a dismissible notice that opens Settings → Updates", async () => {
    const { backend } = fake([]);
    let checks = 0;
    const settings = await backend.settings();
    const b: FullBackend = {
      ...backend,
      settings: async () => ({ ...settings, updates: { ...settings.updates, enabled: true } }),
      updateCheck: async () => { checks++; return { current: "0.1.0", install: { kind: "appImage" }, offer: { version: "0.2.0", notes: null, date: null } }; },
    };
    const root = mount(b);
    await until(() => root.querySelector(".update-banner") !== null, "the notice");
    expect(root.querySelector(".update-banner")!.textContent).toBe("Roundtable 0.2.0 is available — Settings → Updates");
    expect(root.querySelector(".update-banner")!.getAttribute("role")).toBe("status");
    (root.querySelector(".update-banner .open-updates") as HTMLButtonElement).click();
    await until(() => root.querySelector(".updates-section #update-install") !== null, "Settings → Updates with the offer");
    expect(root.querySelector("[data-testid=settings-updates]")!.getAttribute("aria-selected")).toBe("true");
    expect(root.querySelector(".update-banner")).toBeNull();
    expect(checks).toBe(1);
  });

  it("updates: the notice can be dismissed", async () => {
    const { backend } = fake([]);
    const settings = await backend.settings();
    const root = mount({
      ...backend,
      settings: async () => ({ ...settings, updates: { ...settings.updates, enabled: true } }),
      updateCheck: async () => ({ current: "0.1.0", install: { kind: "appImage" }, offer: { version: "0.2.0", notes: null, date: null } }),
    });
    await until(() => root.querySelector(".update-banner") !== null, "the notice");
    (root.querySelector(".update-banner .dismiss-update") as HTMLButtonElement).click();
    await until(() => root.querySelector(".update-banner") === null, "the notice gone");
  });

  it("first run: with no model, looks for a local server and points at Settings", async () => {
    const { backend } = fake([]);
    const b = { ...backend, models: async () => [], testProvider: async (id: string) => { if (id === "ollama") return 2; throw new Error("down"); } };
    const root = mount(b);
    await until(() => root.querySelector(".first-run .found li") !== null, "the local server");
    expect(root.querySelector(".first-run .found")!.textContent).toBe("ollama: running, 2 models");
    (root.querySelector(".to-settings") as HTMLButtonElement).click();
    await until(() => root.querySelector(".settings") !== null, "settings");
  });

  it("a long conversation is virtualised: only messages near the viewport are in the DOM", async () => {
    const { backend } = fake([]);
    const many = Array.from({ length: 10000 }, (_, i): MessageView => ({
      id: i + 1, parentId: i === 0 ? null : i, role: i % 2 ? "assistant" : "user", text: `m${i + 1}`,
      html: `<p>m${i + 1}</p>`, reasoningHtml: "", model: null, status: "complete", error: null, createdAt: i, figures: null, column: null, parts: [],
    }));
    const root = mount({ ...backend, conversation: async (id: number) => ({ id, title: "Long", kind: "chat", system: null, columnTargets: [], settings: {}, columnSettings: [], messages: many }) });
    await until(() => root.querySelector(".conversation") !== null, "the list");
    const scroller = root.querySelector(".messages") as HTMLElement;
    // jsdom does no layout: give the scroller a viewport, a height (every message at its estimate, as
    // nothing is measured) and a scroll position.
    const each = estimate("m10000");
    let top = 0;
    Object.defineProperty(scroller, "clientHeight", { configurable: true, get: () => 600 });
    Object.defineProperty(scroller, "scrollHeight", { configurable: true, get: () => 10000 * each });
    Object.defineProperty(scroller, "scrollTop", { configurable: true, get: () => top, set: (v: number) => { top = v; } });
    (root.querySelector(".conversation") as HTMLElement).click();
    await until(() => root.querySelector(".messages .message:last-of-type")?.textContent?.includes("m10000") === true, "the newest");
    const count = root.querySelectorAll(".messages .message").length;
    expect(count).toBeGreaterThan(5);
    expect(count).toBeLessThan(60);
    const spacers = [...root.querySelectorAll<HTMLElement>(".messages .spacer")].map((e) => parseFloat(e.style.height));
    expect(spacers[0]).toBeGreaterThan(9900 * each);
    // Scroll to the middle: the messages there are shown, the newest gone.
    top = 5000 * each;
    scroller.dispatchEvent(new Event("scroll"));
    await until(() => root.querySelector(".messages .message[data-id='5001']") !== null, "the middle");
    expect(root.querySelector(".messages .message[data-id='10000']")).toBeNull();
    expect(root.querySelectorAll(".messages .message").length).toBeLessThan(60);
  });

  it("the theme follows the choice: system, light, dark", async () => {
    const { backend } = fake([]);
    const root = mount(backend);
    const toggle = root.querySelector(".theme-toggle") as HTMLButtonElement;
    await tick();
    expect(document.documentElement.dataset.theme).toBe("light"); // the system's (jsdom has no dark preference)
    toggle.click(); // system → light
    await tick();
    expect(localStorage.getItem("roundtable.theme")).toBe("light");
    toggle.click(); // light → dark
    await tick();
    expect(document.documentElement.dataset.theme).toBe("dark");
    document.dispatchEvent(new KeyboardEvent("keydown", { key: "L", ctrlKey: true, shiftKey: true, bubbles: true }));
    await tick();
    expect(document.documentElement.dataset.theme).toBe("light");
  });

  it("the tools menu, with no MCP server set up, opens Settings → Tools", async () => {
    const { backend } = fake([]);
    const root = mount(backend);
    root.querySelector<HTMLElement>(".chat [data-testid=tools-menu]")!.click();
    await until(() => root.querySelector(".tools-settings") !== null, "the menu's note");
    root.querySelector<HTMLElement>(".tools-settings")!.click();
    await until(() => root.querySelector(".tools-editor") !== null, "Settings → Tools");
    expect(root.querySelector("[data-testid=settings-tools]")!.getAttribute("aria-selected")).toBe("true");
    expect(root.querySelector(".tools-editor .mcp-none")!.textContent).toContain("No MCP server yet.");
  });
});
