import { createSignal } from "solid-js";
import { render } from "solid-js/web";
import { createTheme, type Theme } from "../design/theme";
import { dismissToast, toasts } from "../design/toast";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { Settings, type SettingsSection } from "./Settings";
import type { Edit, ProviderView, SettingsView } from "../types";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const openai: ProviderView = { id: "openai", kind: "openai", baseUrl: "https://api.openai.com/v1", enabled: true, needsKey: true,
  key: { source: "keychain", hint: "…wxyz", origin: "https://api.openai.com" }, keychainError: null };

/** Providers of every kind of state: keyed, local and running, local and down, keyless, bound elsewhere, off. */
const many: ProviderView[] = [
  { id: "groq", kind: "openai", baseUrl: "https://api.groq.com/openai/v1", enabled: true, needsKey: true, key: null, keychainError: null },
  { id: "lmstudio", kind: "openai", baseUrl: "http://127.0.0.1:1234/v1", enabled: true, needsKey: false, key: null, keychainError: null },
  { id: "mistral", kind: "mistral", baseUrl: "https://api.mistral.ai/v1", enabled: false, needsKey: true, key: null, keychainError: null },
  { id: "ollama", kind: "ollama", baseUrl: "http://127.0.0.1:11434", enabled: true, needsKey: false, key: null, keychainError: null },
  openai,
  { id: "proxy", kind: "openai", baseUrl: "https://elsewhere.example/v1", enabled: true, needsKey: true,
    key: { source: "keychain", hint: "…prox", origin: "https://api.proxy.example" }, keychainError: null },
];

/** A fake backend holding settings and providers in memory; it refuses what the real one refuses for unknown providers. */
function fake(start: SettingsView, list: ProviderView[] = [openai]) {
  let view = structuredClone(start);
  const edits: Edit[] = [];
  const providers = structuredClone(list);
  /** Which providers answer a test (with their model count); the others fail. */
  const answers: Record<string, number> = { openai: 5, ollama: 2, groq: 7, proxy: 1 };
  const at = (id: string) => providers.findIndex((p) => p.id === id);
  const backend = {
    providers: async () => structuredClone(providers),
    settings: async () => structuredClone(view),
    setKey: async (id: string, key: string) => {
      const p = providers[at(id)];
      p.key = { source: "keychain", hint: `…${key.slice(-4)}`, origin: new URL(p.baseUrl).origin };
      return structuredClone(p.key);
    },
    removeKey: async (id: string) => { providers[at(id)].key = null; return true; },
    localModels: async () => ({ installed: [], catalog: [], pulling: [], defaultModel: null }),
    testProvider: async (id: string) => {
      if (answers[id] === undefined) throw `${id}: could not connect to ${providers[at(id)].baseUrl}`;
      return answers[id];
    },
    editSettings: async (e: Edit) => {
      edits.push(e);
      if (e.kind === "route") {
        const bad = e.route.targets.find((t) => !t.startsWith("openai/") && !t.startsWith("@"));
        if (bad) throw `routes.${e.route.name}.targets: \`${bad}\` is not a provider/model of a known provider, nor another route`;
        view = { ...view, routes: [...view.routes.filter((r) => r.name !== (e.previous ?? e.route.name)), e.route] };
      } else if (e.kind === "removeRoute") view = { ...view, routes: view.routes.filter((r) => r.name !== e.name) };
      else if (e.kind === "price") view = { ...view, prices: [...view.prices.filter((p) => p.model !== e.price.model), e.price] };
      else if (e.kind === "removePrice") view = { ...view, prices: view.prices.filter((p) => p.model !== e.model) };
      else if (e.kind === "budget") view = { ...view, budget: { ...view.budget, monthlyUsd: e.monthlyUsd } };
      else if (e.kind === "provider") {
        const i = at(e.id);
        providers[i] = { ...providers[i], enabled: e.enabled, baseUrl: e.baseUrl ?? providers[i].baseUrl };
      }
      return structuredClone(view);
    },
  } as unknown as FullBackend;
  return { backend, edits, answers };
}

const empty: SettingsView = {
  configPath: "/data/config.toml", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 3 }, mcp: [], presets: [], budgets: [],
  updates: { enabled: false, url: "https://updates.example/latest.json", defaultUrl: "https://updates.example/latest.json" },
};
let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  document.body.innerHTML = "";
  for (const t of toasts()) dismissToast(t.id);
});

/** Renders Settings with the section in a real signal, as the app holds it; `moves` records setSection. */
function mount(backend: FullBackend, opts: { changed?: string[]; section?: SettingsSection } = {}) {
  const root = document.createElement("div");
  document.body.append(root);
  const moves: SettingsSection[] = [];
  let theme!: Theme;
  dispose = render(() => {
    const [section, setSection] = createSignal<SettingsSection>(opts.section ?? "providers");
    theme = createTheme();
    return <Settings backend={backend} onChanged={() => opts.changed?.push("x")} theme={theme}
      section={section()} setSection={(s) => { moves.push(s); setSection(s); }} />;
  }, root);
  return { root, moves, theme };
}
const $ = <T extends Element>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
const set = (el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, v: string) => { el.value = v; };
const click = (root: ParentNode, sel: string) => $<HTMLElement>(root, sel).click();
/** Opens a section by its tab, as a person (or the e2e suite) does. */
async function section(root: HTMLElement, id: SettingsSection, editor: string) {
  click(root, `.settings-tab-${id}`);
  await until(() => root.querySelector(editor) !== null, `the ${id} section`);
}
const toasted = (text: string, tone: "success" | "error" | "info") => toasts().some((t) => t.text.includes(text) && t.tone === tone);
const word = (root: ParentNode, id: string) => root.querySelector(`.provider[data-id='${id}'] .state`)?.textContent;

describe("Settings sections", () => {
  it("the section nav: a tab per section; a click and the arrow keys change the section through setSection", async () => {
    const { backend } = fake(empty);
    const { root, moves } = mount(backend);
    const tabs = [...root.querySelectorAll<HTMLElement>("[role=tab]")];
    expect(tabs.map((t) => t.textContent)).toEqual(["Providers and keys", "Models", "Presets", "Routes", "Prices", "Budgets", "Tools", "Gateway", "Appearance", "Updates"]);
    expect(tabs.map((t) => t.classList.contains(`settings-tab-${t.dataset.tab}`))).toEqual(tabs.map(() => true));
    expect($(root, "[role=tablist]").getAttribute("aria-orientation")).toBe("vertical");
    await section(root, "routes", ".routes-editor");
    expect(moves).toEqual(["routes"]);
    expect($(root, ".settings-tab-routes").getAttribute("aria-selected")).toBe("true");
    expect($(root, ".settings-tab-providers").getAttribute("aria-selected")).toBe("false");
    const panel = $<HTMLElement>(root, "[role=tabpanel]");
    expect(panel.getAttribute("aria-labelledby")).toBe($(root, ".settings-tab-routes").id);
    expect(root.querySelector(".provider")).toBeNull();

    const key = (k: string) => $(root, "[role=tablist]").dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true }));
    key("ArrowDown");
    await until(() => root.querySelector(".prices-editor") !== null, "the prices section");
    key("ArrowUp");
    key("ArrowUp");
    key("ArrowUp");
    key("ArrowUp");
    await until(() => root.querySelector(".provider[data-id='openai']") !== null, "the providers section");
    key("End");
    await until(() => root.querySelector(".updates-section") !== null, "the updates section");
    key("ArrowDown");
    await until(() => root.querySelector(".settings-tab-providers")!.getAttribute("aria-selected") === "true", "the wrap to the first");
    expect(moves).toEqual(["routes", "prices", "routes", "presets", "models", "providers", "updates", "providers"]);
    await new Promise((r) => setTimeout(r, 0));
    expect(document.activeElement).toBe($(root, ".settings-tab-providers"));
  });

  it("opens on the section it is given; the config path is shown under the config's sections", async () => {
    const { backend } = fake(empty);
    const { root } = mount(backend, { section: "budget" });
    await until(() => root.querySelector(".budget-editor") !== null, "the budget editor");
    expect($(root, ".config-path").textContent).toContain("/data/config.toml");
    await section(root, "gateway", ".gateway-info");
    const text = $<HTMLElement>(root, ".gateway-info").textContent!;
    expect(text).toContain("roundtable serve");
    expect(text).toContain("http://127.0.0.1:4747/v1");
    expect(text).toContain("ROUNDTABLE_GATEWAY_TOKEN");
    expect(text).toContain("Usage");
    expect(root.querySelector(".config-path")).toBeNull();
  });

  it("appearance: the theme as a segmented choice", async () => {
    const { backend } = fake(empty);
    const { root, theme } = mount(backend, { section: "appearance" });
    const radios = [...root.querySelectorAll<HTMLInputElement>(".theme-setting input[type=radio]")];
    expect(radios.map((r) => r.closest("label")!.textContent)).toEqual(["System", "Light", "Dark"]);
    expect(radios[0].checked).toBe(true);
    radios[2].click();
    expect(theme.choice()).toBe("dark");
    expect(document.documentElement.dataset.theme).toBe("dark");
    theme.setChoice("light");
    expect(radios[1].checked).toBe(true);
    localStorage.clear();
  });
});

describe("Settings editors", () => {
  it("adds a route, shows it, renames it; the model list is told", async () => {
    const { backend, edits } = fake(empty);
    const changed: string[] = [];
    const { root } = mount(backend, { changed });
    await section(root, "routes", ".routes-editor");
    const form = $<HTMLElement>(root, ".route[data-name='']");
    set($(form, ".route-name"), "smart");
    set($(form, ".route-strategy"), "balance");
    set($(form, ".route-targets"), "openai/gpt-4o\nopenai/gpt-4o-mini");
    set($(form, ".route-weights"), "3, 1");
    $<HTMLButtonElement>(form, ".save-route").click();
    await until(() => root.querySelector(".route[data-name='smart']") !== null, "the new route");
    expect(edits[0]).toEqual({ kind: "route", previous: null,
      route: { name: "smart", strategy: "balance", targets: ["openai/gpt-4o", "openai/gpt-4o-mini"], weights: [3, 1] } });
    expect(changed.length).toBe(1);
    expect(toasted("Route @smart saved", "success")).toBe(true);
    const saved = $<HTMLElement>(root, ".route[data-name='smart']");
    expect($<HTMLTextAreaElement>(saved, ".route-targets").value).toBe("openai/gpt-4o\nopenai/gpt-4o-mini");
    await until(() => $<HTMLSelectElement>(saved, ".route-strategy").value === "balance", "the strategy shown");
    expect($<HTMLInputElement>(form, ".route-name").value).toBe("");
    set($(saved, ".route-name"), "clever");
    $<HTMLButtonElement>(saved, ".save-route").click();
    await until(() => root.querySelector(".route[data-name='clever']") !== null, "the renamed route");
    expect(edits[1]).toMatchObject({ kind: "route", previous: "smart", route: { name: "clever", strategy: "balance" } });
    click(root, ".route[data-name='clever'] .remove-route");
    await until(() => root.querySelector(".route[data-name='clever']") === null, "the deleted route");
    expect(edits[2]).toEqual({ kind: "removeRoute", name: "clever" });
    expect(toasted("Route @clever deleted", "success")).toBe(true);
  });

  it("deleting a route leaves no stale status on the route shown in its place", async () => {
    const two: SettingsView = { ...empty, routes: [
      { name: "first", strategy: "fallback", targets: ["openai/a"], weights: null },
      { name: "second", strategy: "latency", targets: ["openai/b"], weights: null },
    ] };
    const { backend } = fake(two);
    const { root } = mount(backend);
    await section(root, "routes", ".routes-editor");
    click(root, ".route[data-name='first'] .remove-route");
    await until(() => root.querySelector(".route[data-name='first']") === null, "the deleted route");
    const left = $<HTMLElement>(root, ".route[data-name='second']");
    expect($<HTMLElement>(left, ".status").textContent).toBe("");
    await until(() => $<HTMLSelectElement>(left, ".route-strategy").value === "latency", "its own strategy");
    expect($<HTMLTextAreaElement>(left, ".route-targets").value).toBe("openai/b");
  });

  it("a refused edit shows why, toasts it and keeps what was typed", async () => {
    const { backend } = fake(empty);
    const { root } = mount(backend);
    await section(root, "routes", ".routes-editor");
    const form = $<HTMLElement>(root, ".route[data-name='']");
    set($(form, ".route-name"), "r");
    set($(form, ".route-targets"), "nosuch/model");
    $<HTMLButtonElement>(form, ".save-route").click();
    await until(() => $<HTMLElement>(form, ".status").textContent !== "", "the refusal");
    expect($<HTMLElement>(form, ".status").textContent).toContain("`nosuch/model` is not a provider/model");
    expect(toasted("`nosuch/model` is not a provider/model", "error")).toBe(true);
    expect($<HTMLTextAreaElement>(form, ".route-targets").value).toBe("nosuch/model");
    set($(form, ".route-targets"), "openai/x");
    set($(form, ".route-weights"), "two");
    $<HTMLButtonElement>(form, ".save-route").click();
    await until(() => $<HTMLElement>(form, ".status").textContent!.includes("weights"), "the weights check");
    expect($<HTMLElement>(form, ".status").textContent).toBe('weights: "two" — give whole numbers, one per target');
    expect(root.querySelector(".route[data-name='r']")).toBeNull();
  });

  it("price overrides: added with optional cache prices; bad numbers named", async () => {
    const { backend, edits } = fake(empty);
    const { root } = mount(backend);
    await section(root, "prices", ".prices-editor");
    const row = $<HTMLElement>(root, ".price[data-model='']");
    set($(row, ".price-model"), "openai/gpt-4o");
    set($(row, ".price-input"), "abc");
    set($(row, ".price-output"), "10");
    $<HTMLButtonElement>(row, ".save-price").click();
    await until(() => $<HTMLElement>(row, ".status").textContent !== "", "the number check");
    expect($<HTMLElement>(row, ".status").textContent).toBe('input: "abc" is not a number');
    expect(toasted('input: "abc" is not a number', "error")).toBe(true);
    expect(edits.length).toBe(0);
    set($(row, ".price-input"), "");
    $<HTMLButtonElement>(row, ".save-price").click();
    await until(() => $<HTMLElement>(row, ".status").textContent === "input and output prices are needed", "the needed prices");
    set($(row, ".price-input"), "2.5");
    set($(row, ".price-cache-read"), "1.25");
    $<HTMLButtonElement>(row, ".save-price").click();
    await until(() => root.querySelector(".price[data-model='openai/gpt-4o']") !== null, "the saved price");
    expect(edits[0]).toEqual({ kind: "price", price: { model: "openai/gpt-4o", input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: null } });
    expect(toasted("Price of openai/gpt-4o saved", "success")).toBe(true);
    expect($<HTMLInputElement>(row, ".price-model").value).toBe("");
    const saved = $<HTMLElement>(root, ".price[data-model='openai/gpt-4o']");
    expect($<HTMLInputElement>(saved, ".price-cache-read").value).toBe("1.25");
    expect($<HTMLInputElement>(saved, ".price-cache-write").value).toBe("");
    set($(saved, ".price-output"), "12");
    $<HTMLButtonElement>(saved, ".save-price").click();
    await until(() => edits.length === 2, "the changed price");
    expect(edits[1]).toEqual({ kind: "price", price: { model: "openai/gpt-4o", input: 2.5, output: 12, cacheRead: 1.25, cacheWrite: null } });
    click(root, ".price[data-model='openai/gpt-4o'] .remove-price");
    await until(() => root.querySelector(".price[data-model='openai/gpt-4o']") === null, "the deleted price");
  });

  it("the legacy monthly budget: progress against the cap, warned from 80%, over at 100%", async () => {
    const { backend, edits } = fake(empty);
    const { root } = mount(backend);
    await section(root, "budget", ".budget-editor");
    expect($<HTMLElement>(root, ".budget-progress").textContent).toContain("no budget set");
    expect(root.querySelector(".budget-progress [role=progressbar]")).toBeNull();
    set($(root, ".budget-input"), "lots");
    click(root, ".save-budget");
    await until(() => $<HTMLElement>(root, ".budget-editor .status").textContent !== "", "the amount check");
    expect($<HTMLElement>(root, ".budget-editor .status").textContent).toBe('"lots" is not an amount in USD');
    set($(root, ".budget-input"), "3.5");
    click(root, ".save-budget");
    await until(() => root.querySelector(".budget-progress .cap") !== null, "the cap");
    expect(edits[0]).toEqual({ kind: "budget", monthlyUsd: 3.5 });
    expect(toasted("Budget set to $3.50 a month", "success")).toBe(true);
    const progress = $<HTMLElement>(root, ".budget-progress");
    expect(progress.textContent).toContain("$3.00 spent this month of $3.50 (86%)");
    expect(progress.classList.contains("warn")).toBe(true);
    expect($(progress, "[role=progressbar]").getAttribute("aria-valuenow")).toBe("86");
    expect($<HTMLElement>(root, ".budget-editor .badge.warn").textContent).toBe("80% reached");
    set($(root, ".budget-input"), "2");
    click(root, ".save-budget");
    await until(() => $<HTMLElement>(root, ".budget-progress").classList.contains("over"), "over the budget");
    expect($<HTMLElement>(root, ".budget-progress").classList.contains("warn")).toBe(false);
    expect($(root, ".budget-progress [role=progressbar]").getAttribute("aria-valuenow")).toBe("100");
    expect(root.querySelector(".budget-editor .badge.danger")).not.toBeNull();
    click(root, ".clear-budget");
    await until(() => root.querySelector(".budget-progress .no-budget") !== null, "no budget");
    expect(edits[2]).toEqual({ kind: "budget", monthlyUsd: null });
  });

  it("a provider is turned off and given a new address; the key's binding is explained", async () => {
    const { backend, edits } = fake(empty);
    const { root } = mount(backend);
    await until(() => root.querySelector(".provider[data-id='openai'] .base-url") !== null, "the provider");
    const card = $<HTMLElement>(root, ".provider[data-id='openai']");
    set($(card, ".base-url"), "https://proxy.example/v1");
    $<HTMLButtonElement>(card, ".save-url").click();
    await until(() => $<HTMLElement>(card, ".status").textContent !== "", "the status");
    expect(edits[0]).toEqual({ kind: "provider", id: "openai", enabled: true, baseUrl: "https://proxy.example/v1" });
    expect($<HTMLElement>(card, ".status").textContent).toContain("not sent to this one");
    await until(() => word(root, "openai") === "key bound to another address", "the bound key's status");
    const box = $<HTMLButtonElement>(root, ".provider[data-id='openai'] .enabled");
    expect(box.getAttribute("role")).toBe("switch");
    expect(box.getAttribute("aria-checked")).toBe("true");
    expect(box.getAttribute("aria-label")).toBe("Use openai");
    box.click();
    await until(() => edits.length === 2, "the switch");
    expect(edits[1]).toEqual({ kind: "provider", id: "openai", enabled: false, baseUrl: null });
    await until(() => box.getAttribute("aria-checked") === "false", "the switch off");
    expect(word(root, "openai")).toBe("off");
    expect(toasted("openai turned off", "success")).toBe(true);
  });
});

describe("Settings providers", () => {
  it("those in use come first and open; the others are compact rows in an add list, opened on demand", async () => {
    const { backend } = fake(empty, many);
    const { root } = mount(backend);
    // ollama needs no key and answers the probe made when the section opens: it joins the in-use cards.
    await until(() => root.querySelector(".in-use .provider[data-id='ollama']") !== null, "the running local server");
    const ids = (sel: string) => [...root.querySelectorAll<HTMLElement>(sel)].map((e) => e.dataset.id);
    expect(ids(".in-use .provider")).toEqual(["ollama", "openai", "proxy"]);
    await until(() => word(root, "lmstudio") === "unreachable", "the probe's failure");
    expect(ids(".provider-add .provider")).toEqual(["groq", "lmstudio", "mistral"]);
    const all = [...root.querySelectorAll<HTMLElement>(".provider")].map((e) => e.dataset.id);
    expect(all.indexOf("proxy")).toBeLessThan(all.indexOf("groq"));
    for (const id of ["ollama", "openai", "proxy"]) expect(root.querySelector(`.provider[data-id='${id}'] .key-input`)).not.toBeNull();
    for (const id of ["groq", "lmstudio", "mistral"]) {
      expect(root.querySelector(`.provider[data-id='${id}'] .key-input`)).toBeNull();
      expect($(root, `.provider[data-id='${id}'] .provider-expand`).getAttribute("aria-expanded")).toBe("false");
    }
    expect($(root, ".add-title").textContent).toBe("Add a provider");

    click(root, ".provider[data-id='groq'] .provider-expand");
    await until(() => root.querySelector(".provider[data-id='groq'] .key-input") !== null, "the opened card");
    await until(() => document.activeElement === $(root, ".provider[data-id='groq'] .key-input"), "the key field focused");
    expect(ids(".provider-add .provider")).toEqual(["groq", "lmstudio", "mistral"]);
    expect($(root, ".provider[data-id='groq']").classList.contains("card")).toBe(true);
    click(root, ".provider[data-id='groq'] [aria-label='Fold groq']");
    await until(() => root.querySelector(".provider[data-id='groq'] .key-input") === null, "the folded card");
    await until(() => document.activeElement === $(root, ".provider[data-id='groq'] .provider-expand"), "the row focused");
  });

  it("status words: ready, no key, key bound to another address, off, unreachable after a failed probe or test", async () => {
    const { backend, answers } = fake(empty, many);
    const { root } = mount(backend);
    await until(() => word(root, "lmstudio") === "unreachable" && root.querySelector(".in-use .provider[data-id='ollama']") !== null, "the probes");
    expect(word(root, "openai")).toBe("ready");
    expect(word(root, "ollama")).toBe("ready");
    expect(word(root, "proxy")).toBe("key bound to another address");
    expect(word(root, "groq")).toBe("no key");
    expect(word(root, "mistral")).toBe("off");
    // The dot has its words for screen readers too.
    expect($(root, ".provider[data-id='proxy'] .dot").getAttribute("aria-label")).toBe("Status: key bound to another address");
    expect($(root, ".provider[data-id='openai'] .nokey")).toBeNull();
    expect($(root, ".provider[data-id='ollama'] .nokey").textContent).toBe("no key needed");

    delete answers.openai;
    click(root, ".provider[data-id='openai'] .test");
    await until(() => word(root, "openai") === "unreachable", "the failed test");
    expect($(root, ".provider[data-id='openai'] .status").textContent).toBe("openai: could not connect to https://api.openai.com/v1");
    expect($(root, ".provider[data-id='openai'] .dot").classList.contains("danger")).toBe(true);
    expect(toasted("openai: could not connect", "error")).toBe(true);
    answers.openai = 4;
    click(root, ".provider[data-id='openai'] .test");
    await until(() => word(root, "openai") === "ready", "the test that works");
    expect($(root, ".provider[data-id='openai'] .status").textContent).toBe("works: 4 models");
    expect(toasted("openai works: 4 models", "success")).toBe(true);
  });

  it("a key is masked, revealed only while typing, saved, and never in the page; removing it toasts too", async () => {
    const { backend } = fake(empty, many);
    const { root } = mount(backend);
    await until(() => root.querySelector(".provider[data-id='groq'] .provider-expand") !== null, "the add list");
    click(root, ".provider[data-id='groq'] .provider-expand");
    await until(() => root.querySelector(".provider[data-id='groq'] .key-input") !== null, "the opened card");
    const card = $<HTMLElement>(root, ".provider[data-id='groq']");
    const input = $<HTMLInputElement>(card, ".key-input");
    expect(input.type).toBe("password");
    expect(input.getAttribute("aria-label")).toBe("API key for groq");
    expect($(card, ".nokey").textContent).toBe("no key");
    const reveal = $<HTMLButtonElement>(card, ".reveal");
    reveal.click();
    expect(input.type).toBe("text");
    expect(reveal.getAttribute("aria-pressed")).toBe("true");
    reveal.click();
    expect(input.type).toBe("password");
    reveal.click();
    const secret = "gsk-FAKE-sentinel-8e41";
    input.value = secret;
    $<HTMLButtonElement>(card, ".save-key").click();
    await until(() => card.querySelector(".hint-text") !== null, "the hint");
    expect($(card, ".hint-text").textContent).toContain("…8e41");
    expect($(card, ".status").textContent).toBe("saved …8e41");
    expect(input.value).toBe("");
    expect(document.documentElement.outerHTML).not.toContain(secret);
    expect([...document.querySelectorAll("input")].some((e) => e.value.includes(secret))).toBe(false);
    expect(toasted("Key for groq saved (…8e41)", "success")).toBe(true);
    expect(toasts().some((t) => t.text.includes(secret))).toBe(false);
    expect(word(root, "groq")).toBe("ready");
    // Saved, the card stays where it is (it joins the in-use cards the next time the section opens).
    expect(card.isConnected).toBe(true);
    await until(() => card.querySelector(".remove-key") !== null, "remove");
    $<HTMLButtonElement>(card, ".remove-key").click();
    await until(() => card.querySelector(".nokey") !== null, "the key removed");
    expect(toasted("Key for groq removed", "success")).toBe(true);
    expect(card.querySelector(".remove-key")).toBeNull();
  });
});
