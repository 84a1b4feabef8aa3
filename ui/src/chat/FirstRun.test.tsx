// The first-run screen's "Chat now with a built-in model": with a model on disk it is picked at
// once; without one the smallest catalog model is downloaded (progress, Cancel), then picked, and
// the chat is ready to type. The chat view is mounted with its real store over a fake backend.

import { createResource } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import type { CatalogModel, LocalView, ModelView, PullEvent } from "../types";
import { Chat } from "./Chat";
import { installedModel } from "./FirstRun";
import { createChat } from "./store";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 5)); }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; document.body.innerHTML = ""; localStorage.clear(); });

const entry = (name: string, size: number): CatalogModel => ({
  name, title: name, size, parameters: "?", quantization: "Q4_1", context: 8192, license: "Apache-2.0", notes: "", installed: false,
});

function setup(installed: string[]) {
  let models = [...installed];
  const calls: string[] = [];
  let emit: ((e: PullEvent) => void) | null = null;
  const view = (): LocalView => ({
    installed: models.map((name) => ({ name, size: 1, architecture: "llama", quantization: "Q4_1", contextLength: 8192, parameters: 1, loaded: false })),
    catalog: [entry("qwen2.5-0.5b", 491_400_032), entry("smollm2-135m", 98_362_432)],
    pulling: [],
    defaultModel: models.length ? `local/${models[0]}` : null,
  });
  const b = {
    // The app's models: the local ones on disk (no key, no other provider).
    models: async (): Promise<ModelView[]> => models.map((n) => ({ id: `local/${n}`, provider: "local", contextLength: 8192, inputPerM: 0, outputPerM: 0 })),
    testProvider: async () => { throw new Error("down"); },
    localModels: async () => view(),
    localPull: async (name: string, onEvent: (e: PullEvent) => void) => { calls.push(`pull ${name}`); emit = onEvent; },
    localPullCancel: async (name: string) => { calls.push(`cancel ${name}`); emit?.({ kind: "cancelled" }); return true; },
  } as unknown as FullBackend;
  const root = document.createElement("div");
  document.body.append(root);
  let chat!: ReturnType<typeof createChat>;
  dispose = render(() => {
    const [list, { refetch }] = createResource(() => b.models());
    chat = createChat(b, { models: list, onListChanged: () => {} });
    return <Chat chat={chat} backend={b} models={list()} visible onSettings={() => calls.push("settings")}
      onModelsChanged={() => { calls.push("models changed"); void refetch(); }} />;
  }, root);
  const pull = (e: PullEvent) => emit!(e);
  const finish = (name: string) => { models.push(name); pull({ kind: "done", model: name }); };
  return { root, calls, chat: () => chat, pull, finish, pulling: () => emit !== null };
}
const $ = <T extends Element = HTMLElement>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
const chatNow = (root: ParentNode) => $<HTMLButtonElement>(root, "[data-testid=first-run-local]");

describe("First run: chat now with a built-in model", () => {
  it("with no model at all, the first-run screen offers it beside adding a key", async () => {
    const { root } = setup([]);
    await until(() => chatNow(root) !== null, "the first-run screen");
    expect(chatNow(root).textContent).toBe("Chat now with a built-in model");
    expect(chatNow(root).classList.contains("btn-primary")).toBe(true);
    expect($(root, ".to-settings").textContent).toBe("Add an API key in Settings");
  });

  it("with a local model installed, the first-run screen is not shown", async () => {
    const { root, chat } = setup(["smollm2-135m"]);
    await until(() => $(root, ".chat-empty") !== null, "the empty chat");
    expect($(root, ".first-run")).toBeNull();
    expect(chat().model()).toBe("local/smollm2-135m");
  });

  it("downloads the smallest catalog model with progress, then picks it and the chat is ready to type", async () => {
    const { root, calls, chat, pull, finish, pulling } = setup([]);
    await until(() => chatNow(root) !== null, "the first-run screen");
    chatNow(root).click();
    await until(pulling, "the download");
    expect(calls).toEqual(["pull smollm2-135m"]);
    expect(chatNow(root).disabled).toBe(true);
    pull({ kind: "progress", done: 49_181_216, total: 98_362_432 });
    await until(() => $(root, ".first-run .download-text")?.textContent === "50% · 49.2 MB of 98.4 MB", "the progress");
    expect($<HTMLProgressElement>(root, ".first-run progress").max).toBe(98_362_432);
    finish("smollm2-135m");
    await until(() => $(root, ".first-run") === null, "the chat");
    expect(chat().model()).toBe("local/smollm2-135m");
    expect($(root, ".model-id").textContent).toBe("local/smollm2-135m");
    expect(calls).toEqual(["pull smollm2-135m", "models changed"]);
    expect(document.activeElement).toBe($(root, "textarea"));
  });

  it("Cancel stops the download and leaves the first-run screen as it was", async () => {
    const { root, calls, pull, pulling } = setup([]);
    await until(() => chatNow(root) !== null, "the first-run screen");
    chatNow(root).click();
    await until(pulling, "the download");
    pull({ kind: "progress", done: 1_000_000, total: 98_362_432 });
    await until(() => $(root, "[data-testid=cancel-smollm2-135m]") !== null, "Cancel");
    $<HTMLButtonElement>(root, "[data-testid=cancel-smollm2-135m]").click();
    await until(() => !chatNow(root).disabled, "the button again");
    expect(calls).toEqual(["pull smollm2-135m", "cancel smollm2-135m"]);
    expect($(root, ".first-run .download")).toBeNull();
    expect($(root, ".first-run-error")).toBeNull();
  });

  it("a failed download is said on the screen, naming the model", async () => {
    const { root, pull, pulling } = setup([]);
    await until(() => chatNow(root) !== null, "the first-run screen");
    chatNow(root).click();
    await until(pulling, "the download");
    pull({ kind: "failed", error: { kind: "io", message: "not enough disk space", provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null } });
    await until(() => $(root, ".first-run-error") !== null, "the error");
    expect($(root, ".first-run-error").textContent).toBe("Could not download smollm2-135m: not enough disk space");
  });

  it("picks the default model when it is local, else the first on disk", () => {
    const v = (names: string[], d: string | null): LocalView => ({
      installed: names.map((name) => ({ name, size: 1, architecture: "llama", quantization: "Q4_1", contextLength: null, parameters: 1, loaded: false })),
      catalog: [], pulling: [], defaultModel: d,
    });
    expect(installedModel(v(["a", "b"], "local/b"))).toBe("local/b");
    expect(installedModel(v(["a", "b"], "openai/gpt-4o"))).toBe("local/a");
    expect(installedModel(v([], null))).toBeNull();
  });
});
