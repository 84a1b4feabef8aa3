// Settings → Models against a fake backend that keeps the models folder in memory and runs
// downloads the test steps through (progress, done, failed, cancelled).

import { createSignal } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { createTheme } from "../design/theme";
import { dismissToast, toasts } from "../design/toast";
import { progressText } from "../shared/downloads";
import { providerError } from "../test-errors";
import type { CatalogModel, InstalledModel, LocalView, PullEvent } from "../types";
import { paramsText } from "./Models";
import { Settings, type SettingsSection } from "./Settings";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 5)); }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; document.body.innerHTML = ""; for (const t of toasts()) dismissToast(t.id); });

const qwen: InstalledModel = {
  name: "qwen2.5-0.5b", size: 491_400_032, architecture: "qwen2", quantization: "Q4_K_M", contextLength: 32768, parameters: 494_032_768, loaded: true,
};
const smol: CatalogModel = {
  name: "smollm2-135m", title: "SmolLM2 135M Instruct", size: 98_362_432, parameters: "135M", quantization: "Q4_1", context: 8192,
  license: "Apache-2.0", notes: "tiny and fast; proves the path, weak answers", installed: false,
};

function fake(installed: InstalledModel[] = [qwen]) {
  let models = structuredClone(installed);
  const view = (): LocalView => ({
    installed: structuredClone(models),
    catalog: [{ ...smol, installed: models.some((m) => m.name === smol.name) }],
    pulling: [],
    defaultModel: models.length ? `local/${models[0].name}` : null,
  });
  const pulls: Record<string, (e: PullEvent) => void> = {};
  const calls: string[] = [];
  const backend = {
    providers: async () => [],
    settings: async () => ({ configPath: "/data/config.toml", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [], presets: [], budgets: [] }),
    localModels: async () => view(),
    localPull: async (name: string, onEvent: (e: PullEvent) => void) => { calls.push(`pull ${name}`); pulls[name] = onEvent; },
    localPullCancel: async (name: string) => { calls.push(`cancel ${name}`); pulls[name]?.({ kind: "cancelled" }); return true; },
    localRemove: async (name: string) => { calls.push(`remove ${name}`); models = models.filter((m) => m.name !== name); return view(); },
  } as unknown as FullBackend;
  /** Ends a download as installed. */
  const install = (name: string) => {
    models.push({ name, size: smol.size, architecture: "llama", quantization: "Q4_1", contextLength: 8192, parameters: 134_515_008, loaded: false });
    pulls[name]({ kind: "done", model: name });
  };
  return { backend, pulls, calls, install };
}

function mount(backend: FullBackend, changed: string[] = []) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => {
    const [section, setSection] = createSignal<SettingsSection>("providers");
    return <Settings backend={backend} onChanged={() => changed.push("models")} theme={createTheme()} section={section()} setSection={setSection} />;
  }, root);
  return root;
}
const $ = <T extends Element = HTMLElement>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
const id = <T extends Element = HTMLElement>(root: ParentNode, testid: string) => $<T>(root, `[data-testid="${testid}"]`);
const entry = (root: ParentNode) => $(root, `.catalog-model[data-name="smollm2-135m"]`);

async function open(root: HTMLElement) {
  id(root, "settings-models").click();
  await until(() => root.querySelector(".catalog-model") !== null, "the models");
}

describe("Settings → Models", () => {
  it("lists the installed models with size, quantisation and context, and the catalog with its size", async () => {
    const root = mount(fake().backend);
    await open(root);
    expect($(root, ".settings-tab-models").textContent).toBe("Models");
    const card = $(root, `.local-model[data-name="qwen2.5-0.5b"]`);
    expect($(card, ".local-model-name").textContent).toBe("local/qwen2.5-0.5b");
    expect($(card, ".local-size").textContent).toBe("491.4 MB");
    expect($(card, ".local-quant").textContent).toBe("Q4_K_M");
    expect($(card, ".local-context").textContent).toBe("32,768 tokens");
    expect(card.textContent).toContain("494M (qwen2)");
    expect(card.textContent).toContain("default");
    expect(card.textContent).toContain("loaded");
    expect($(entry(root), ".catalog-size").textContent).toBe("98.4 MB");
    expect(id(root, "local-download-smollm2-135m").textContent).toBe("Download (98.4 MB)");
  });

  it("a download shows its progress (percent, MB), then lists the model as installed and tells the app", async () => {
    const { backend, pulls, install } = fake([]);
    const changed: string[] = [];
    const root = mount(backend, changed);
    await open(root);
    expect($(root, ".models-none")).not.toBeNull();
    id(root, "local-download-smollm2-135m").click();
    await until(() => !!pulls["smollm2-135m"], "the pull");
    expect($(entry(root), ".download-text").textContent).toBe("Starting the download…");
    pulls["smollm2-135m"]({ kind: "progress", done: 41_300_000, total: 98_362_432 });
    await until(() => $(entry(root), ".download-text")?.textContent === "41% · 41.3 MB of 98.4 MB", "the progress");
    expect($<HTMLProgressElement>(entry(root), "progress").value).toBe(41_300_000);
    install("smollm2-135m");
    await until(() => root.querySelector(`.local-model[data-name="smollm2-135m"]`) !== null, "the installed model");
    expect(entry(root).textContent).toContain("installed");
    expect(entry(root).querySelector(".download")).toBeNull();
    expect(changed).toEqual(["models"]);
  });

  it("Cancel stops the download and offers Download again; a failure is said in the card, naming the model", async () => {
    const { backend, pulls, calls } = fake([]);
    const root = mount(backend);
    await open(root);
    id(root, "local-download-smollm2-135m").click();
    await until(() => !!pulls["smollm2-135m"], "the pull");
    pulls["smollm2-135m"]({ kind: "progress", done: 10_000_000, total: 98_362_432 });
    await until(() => id(root, "cancel-smollm2-135m") !== null, "the Cancel button");
    id(root, "cancel-smollm2-135m").click();
    await until(() => id(root, "local-download-smollm2-135m") !== null, "Download again");
    expect(calls).toEqual(["pull smollm2-135m", "cancel smollm2-135m"]);
    expect(entry(root).querySelector(".problem")).toBeNull();

    id(root, "local-download-smollm2-135m").click();
    await until(() => calls.length === 3, "the second pull");
    pulls["smollm2-135m"]({ kind: "failed", error: providerError("smollm2-135m: the mirror answered 404", "local", "model_not_found") });
    await until(() => $(entry(root), ".download-error") !== null, "the error");
    expect($(entry(root), ".download-error").textContent).toBe("Could not download smollm2-135m: smollm2-135m: the mirror answered 404");
    expect(id(root, "local-download-smollm2-135m")).not.toBeNull();
  });

  it("Delete asks first, then removes the model", async () => {
    const { backend, calls } = fake();
    const root = mount(backend);
    await open(root);
    id(root, "local-delete-qwen2.5-0.5b").click();
    await until(() => document.querySelector(".confirm-delete-model") !== null, "the confirmation");
    expect(calls).toEqual([]);
    id(document, "local-delete-confirm").click();
    await until(() => root.querySelector(".local-model") === null, "the model gone");
    expect(calls).toEqual(["remove qwen2.5-0.5b"]);
    expect($(root, ".models-none")).not.toBeNull();
    expect(toasts().some((t) => t.text === "local/qwen2.5-0.5b deleted")).toBe(true);
  });

  it("says sizes and counts for people", () => {
    expect(progressText({ done: 5_000_000, total: null })).toBe("5.0 MB");
    expect(progressText({ done: 98_362_432, total: 98_362_432 })).toBe("100% · 98.4 MB of 98.4 MB");
    expect(paramsText(134_515_008)).toBe("135M");
    expect(paramsText(1_543_714_304)).toBe("1.5B");
  });
});
