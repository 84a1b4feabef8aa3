import { render } from "solid-js/web";
import { createTheme } from "../design/theme";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { Settings } from "./Settings";
import type { Edit, SettingsView } from "../types";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A fake backend holding settings in memory; it refuses what the real one refuses for unknown providers. */
function fake(start: SettingsView) {
  let view = structuredClone(start);
  const edits: Edit[] = [];
  const providers = [{ id: "openai", kind: "openai", baseUrl: "https://api.openai.com/v1", enabled: true, needsKey: true,
    key: { source: "keychain" as const, hint: "…wxyz", origin: "https://api.openai.com" }, keychainError: null }];
  const backend = {
    providers: async () => structuredClone(providers),
    settings: async () => structuredClone(view),
    editSettings: async (e: Edit) => {
      edits.push(e);
      if (e.kind === "route") {
        const bad = e.route.targets.find((t) => !t.startsWith("openai/") && !t.startsWith("@"));
        if (bad) throw `routes.${e.route.name}.targets: \`${bad}\` is not a provider/model of a known provider, nor another route`;
        view = { ...view, routes: [...view.routes.filter((r) => r.name !== (e.previous ?? e.route.name)), e.route] };
      } else if (e.kind === "removeRoute") view = { ...view, routes: view.routes.filter((r) => r.name !== e.name) };
      else if (e.kind === "price") view = { ...view, prices: [...view.prices.filter((p) => p.model !== e.price.model), e.price] };
      else if (e.kind === "budget") view = { ...view, budget: { ...view.budget, monthlyUsd: e.monthlyUsd } };
      else if (e.kind === "provider") providers[0] = { ...providers[0], enabled: e.enabled, baseUrl: e.baseUrl ?? providers[0].baseUrl };
      return structuredClone(view);
    },
  } as unknown as FullBackend;
  return { backend, edits };
}

const empty: SettingsView = { configPath: "/data/config.toml", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 3 } };
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); document.body.innerHTML = ""; });

function mount(backend: FullBackend, changed: string[] = []) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Settings backend={backend} onChanged={() => changed.push("x")} theme={createTheme()}
    section="providers" setSection={() => {}} />, root);
  return root;
}
const $ = <T extends Element>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
const set = (el: HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement, v: string) => { el.value = v; };

describe("Settings editors", () => {
  it("adds a route, shows it, renames it; the model list is told", async () => {
    const { backend, edits } = fake(empty);
    const changed: string[] = [];
    const root = mount(backend, changed);
    await until(() => root.querySelector(".routes-editor") !== null, "the routes editor");
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
    const saved = $<HTMLElement>(root, ".route[data-name='smart']");
    expect($<HTMLTextAreaElement>(saved, ".route-targets").value).toBe("openai/gpt-4o\nopenai/gpt-4o-mini");
    set($(saved, ".route-name"), "clever");
    $<HTMLButtonElement>(saved, ".save-route").click();
    await until(() => root.querySelector(".route[data-name='clever']") !== null, "the renamed route");
    expect(edits[1]).toMatchObject({ kind: "route", previous: "smart", route: { name: "clever" } });
  });

  it("a refused edit shows why and keeps what was typed", async () => {
    const { backend } = fake(empty);
    const root = mount(backend);
    await until(() => root.querySelector(".routes-editor") !== null, "the routes editor");
    const form = $<HTMLElement>(root, ".route[data-name='']");
    set($(form, ".route-name"), "r");
    set($(form, ".route-targets"), "nosuch/model");
    $<HTMLButtonElement>(form, ".save-route").click();
    await until(() => $<HTMLElement>(form, ".status").textContent !== "", "the refusal");
    expect($<HTMLElement>(form, ".status").textContent).toContain("`nosuch/model` is not a provider/model");
    expect($<HTMLTextAreaElement>(form, ".route-targets").value).toBe("nosuch/model");
    set($(form, ".route-targets"), "openai/x");
    set($(form, ".route-weights"), "two");
    $<HTMLButtonElement>(form, ".save-route").click();
    await until(() => $<HTMLElement>(form, ".status").textContent!.includes("weights"), "the weights check");
    expect(root.querySelector(".route[data-name='r']")).toBeNull();
  });

  it("price overrides: added with optional cache prices; bad numbers named", async () => {
    const { backend, edits } = fake(empty);
    const root = mount(backend);
    await until(() => root.querySelector(".prices-editor") !== null, "the prices editor");
    const row = $<HTMLElement>(root, ".price[data-model='']");
    set($(row, ".price-model"), "openai/gpt-4o");
    set($(row, ".price-input"), "abc");
    set($(row, ".price-output"), "10");
    $<HTMLButtonElement>(row, ".save-price").click();
    await until(() => $<HTMLElement>(row, ".status").textContent !== "", "the number check");
    expect($<HTMLElement>(row, ".status").textContent).toBe('input: "abc" is not a number');
    expect(edits.length).toBe(0);
    set($(row, ".price-input"), "2.5");
    set($(row, ".price-cache-read"), "1.25");
    $<HTMLButtonElement>(row, ".save-price").click();
    await until(() => root.querySelector(".price[data-model='openai/gpt-4o']") !== null, "the saved price");
    expect(edits[0]).toEqual({ kind: "price", price: { model: "openai/gpt-4o", input: 2.5, output: 10, cacheRead: 1.25, cacheWrite: null } });
  });

  it("budget: progress against the cap, warned from 80%", async () => {
    const { backend, edits } = fake(empty);
    const root = mount(backend);
    await until(() => root.querySelector(".budget-editor") !== null, "the budget editor");
    expect($<HTMLElement>(root, ".budget-progress").textContent).toContain("no budget set");
    set($(root, ".budget-input"), "3.5");
    $<HTMLButtonElement>(root, ".save-budget").click();
    await until(() => root.querySelector(".budget-progress .cap") !== null, "the cap");
    expect(edits[0]).toEqual({ kind: "budget", monthlyUsd: 3.5 });
    expect($<HTMLElement>(root, ".budget-progress").textContent).toContain("$3.00 spent this month of $3.50 (86%)");
    expect($<HTMLElement>(root, ".budget-progress").classList.contains("warn")).toBe(true);
    $<HTMLButtonElement>(root, ".clear-budget").click();
    await until(() => root.querySelector(".budget-progress .no-budget") !== null, "no budget");
    expect(edits[1]).toEqual({ kind: "budget", monthlyUsd: null });
  });

  it("a provider is turned off and given a new address; the key's binding is explained", async () => {
    const { backend, edits } = fake(empty);
    const root = mount(backend);
    await until(() => root.querySelector(".provider[data-id='openai']") !== null, "the provider");
    const row = $<HTMLElement>(root, ".provider[data-id='openai']");
    set($(row, ".base-url"), "https://proxy.example/v1");
    $<HTMLButtonElement>(row, ".save-url").click();
    await until(() => $<HTMLElement>(row, ".status").textContent !== "", "the status");
    expect(edits[0]).toEqual({ kind: "provider", id: "openai", enabled: true, baseUrl: "https://proxy.example/v1" });
    expect($<HTMLElement>(row, ".status").textContent).toContain("not sent to this one");
    const box = $<HTMLInputElement>(root, ".provider[data-id='openai'] .enabled input");
    box.checked = false;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    await until(() => edits.length === 2, "the switch");
    expect(edits[1]).toEqual({ kind: "provider", id: "openai", enabled: false, baseUrl: null });
  });
});
