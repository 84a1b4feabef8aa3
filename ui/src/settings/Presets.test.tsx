import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { createTheme } from "../design/theme";
import { dismissToast, toasts } from "../design/toast";
import type { Edit, PresetSetting, SettingsView } from "../types";
import { fieldsOf, modelProblem, settingsOf } from "./presetFields";
import { Settings } from "./Settings";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const examples: PresetSetting[] = [
  { name: "terse", builtIn: true, fields: { system: "Answer in one or two sentences.", temperature: 0.2 } },
  { name: "precise", builtIn: true, fields: { system: "Be exact.", temperature: 0 } },
];
const base: SettingsView = {
  configPath: "/data/config.toml", routes: [{ name: "smart", strategy: "fallback", targets: ["openai/gpt-4o"], weights: null }], compareSets: [],
  prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [], presets: examples, budgets: [],
  updates: { enabled: false, url: "https://updates.example/latest.json", defaultUrl: "https://updates.example/latest.json" },
};

/** A fake backend holding the settings; like the engine, the first preset edit writes the built-in examples into the file. */
function fake(start: SettingsView) {
  let view = structuredClone(start);
  const edits: Edit[] = [];
  const written = () => view.presets.map((p) => ({ ...p, builtIn: false }));
  const backend = {
    settings: async () => structuredClone(view),
    models: async () => [{ id: "openai/gpt-4o" }, { id: "anthropic/claude-3-5-sonnet-latest" }],
    editSettings: async (e: Edit) => {
      edits.push(e);
      if (e.kind === "preset") {
        if (!/^[\w.-]{1,40}$/.test(e.preset.name)) throw `\`${e.preset.name}\` is not a preset name (1–40 letters, digits, \`-\`, \`_\` or \`.\`)`;
        const kept = written().filter((p) => p.name !== (e.previous ?? e.preset.name) && p.name !== e.preset.name);
        view = { ...view, presets: [...kept, e.preset] };
      } else if (e.kind === "removePreset") view = { ...view, presets: written().filter((p) => p.name !== e.name) };
      return structuredClone(view);
    },
  } as unknown as FullBackend;
  return { backend, edits };
}

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  document.body.innerHTML = "";
  for (const t of toasts()) dismissToast(t.id);
});
function mount(backend: FullBackend) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Settings backend={backend} onChanged={() => {}} theme={createTheme()} section="presets" setSection={() => {}} />, root);
  return root;
}
/** Serious or critical axe violations in the page (colour contrast is checked elsewhere). */
async function violations(): Promise<string[]> {
  const axe = (await import("axe-core")).default;
  const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`);
}
const $ = <T extends Element>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
const card = (root: ParentNode, name: string) => $<HTMLElement>(root, `.presets-editor .preset[data-name='${name}']`);
function type(el: HTMLInputElement | HTMLTextAreaElement, v: string) {
  el.value = v;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}
const status = (el: HTMLElement) => $(el, ".status").textContent;

describe("Settings → Presets", () => {
  it("lists the presets (the built-in ones marked example); an edit, a rename and an added preset send the right edits", async () => {
    const { backend, edits } = fake(base);
    const root = mount(backend);
    await until(() => card(root, "terse") !== null, "the presets");
    expect([...root.querySelectorAll<HTMLElement>(".preset")].map((c) => c.dataset.name)).toEqual(["terse", "precise", ""]);
    expect(root.querySelectorAll(".preset-example").length).toBe(2);
    expect($(root, ".presets-examples").textContent).toContain("the first change writes them into the config file");
    const terse = card(root, "terse");
    expect($<HTMLTextAreaElement>(terse, ".params-system-input").value).toBe("Answer in one or two sentences.");
    expect($<HTMLInputElement>(terse, ".params-temperature-input").value).toBe("0.2");
    expect($<HTMLInputElement>(terse, ".preset-model").value).toBe("");
    await until(() => root.querySelectorAll("#preset-models option").length === 3, "the models offered");
    expect([...root.querySelectorAll("#preset-models option")].map((o) => o.getAttribute("value")))
      .toEqual(["openai/gpt-4o", "anthropic/claude-3-5-sonnet-latest", "@smart"]);

    type($(terse, ".params-temperature-input"), "0.7");
    type($(terse, ".preset-model"), "openai/gpt-4o");
    const stop = $<HTMLInputElement>(terse, ".stop-input");
    type(stop, "\\n\\n");
    stop.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    $<HTMLButtonElement>(terse, ".save-preset").click();
    await until(() => edits.length === 1, "the save");
    expect(edits[0]).toEqual({ kind: "preset", previous: "terse", preset: { name: "terse", builtIn: false, fields: {
      system: "Answer in one or two sentences.", model: "openai/gpt-4o", temperature: 0.7, top_p: null, max_tokens: null, reasoning: null,
      stop: ["\n\n"], seed: null,
    } } });
    await until(() => root.querySelectorAll(".preset-example").length === 0, "the examples written to the file");
    await until(() => toasts().some((t) => t.text === "Preset terse saved"), "the toast");

    type($(card(root, "terse"), ".preset-name"), "brief");
    $<HTMLButtonElement>(card(root, "terse"), ".save-preset").click();
    await until(() => card(root, "brief") !== null, "the renamed preset");
    expect(edits[1]).toMatchObject({ kind: "preset", previous: "terse", preset: { name: "brief", fields: { temperature: 0.7, model: "openai/gpt-4o" } } });
    expect(card(root, "terse")).toBeNull();

    const fresh = card(root, "");
    type($(fresh, ".preset-name"), "json");
    type($(fresh, ".params-system-input"), "Answer in JSON.");
    type($(fresh, ".params-maxTokens-input"), "400");
    $<HTMLButtonElement>(fresh, ".save-preset").click();
    await until(() => card(root, "json") !== null, "the added preset");
    expect(edits[2]).toEqual({ kind: "preset", previous: null, preset: { name: "json", builtIn: false, fields: {
      system: "Answer in JSON.", model: null, temperature: null, top_p: null, max_tokens: 400, reasoning: null, stop: null, seed: null,
    } } });
    expect($<HTMLInputElement>(card(root, ""), ".preset-name").value).toBe("");
    expect($<HTMLTextAreaElement>(card(root, ""), ".params-system-input").value).toBe("");
  });

  it("deleting a built-in example asks first, then sends removePreset", async () => {
    const { backend, edits } = fake(base);
    const root = mount(backend);
    await until(() => card(root, "precise") !== null, "the presets");
    $<HTMLButtonElement>(card(root, "precise"), ".remove-preset").click();
    await until(() => root.querySelector(".confirm-remove-preset") !== null, "the question");
    expect($(root, ".confirm-remove-preset h2").textContent).toBe("Delete the preset precise?");
    [...root.querySelectorAll<HTMLButtonElement>(".confirm-remove-preset button")].find((b) => b.textContent === "Cancel")!.click();
    await until(() => root.querySelector(".confirm-remove-preset") === null, "the question closed");
    expect(edits).toEqual([]);
    $<HTMLButtonElement>(card(root, "precise"), ".remove-preset").click();
    await until(() => root.querySelector(".confirm-remove-preset .confirm") !== null, "the question again");
    $<HTMLButtonElement>(root, ".confirm-remove-preset .confirm").click();
    await until(() => card(root, "precise") === null, "the deleted preset");
    expect(edits).toEqual([{ kind: "removePreset", name: "precise" }]);
    await until(() => toasts().some((t) => t.text === "Preset precise deleted"), "the toast");
    expect(card(root, "terse")).not.toBeNull();
  });

  it("a bad model or parameter is marked and nothing is sent; the engine's refusal is shown with its text", async () => {
    const { backend, edits } = fake(base);
    const root = mount(backend);
    await until(() => card(root, "terse") !== null, "the presets");
    const terse = card(root, "terse");
    type($(terse, ".preset-model"), "gpt-4o");
    $<HTMLButtonElement>(terse, ".save-preset").click();
    await until(() => status(terse) !== "", "the model check");
    expect($(terse, ".preset-grid .field-error").textContent).toBe('"gpt-4o" is neither provider/model nor @route');
    expect(status(terse)).toBe('model: "gpt-4o" is neither provider/model nor @route');
    type($(terse, ".preset-model"), "@smart");
    expect(terse.querySelector(".preset-grid .field-error")).toBeNull();
    type($(terse, ".params-temperature-input"), "3");
    $<HTMLButtonElement>(terse, ".save-preset").click();
    await until(() => status(terse)!.startsWith("A parameter"), "the parameter check");
    expect(edits).toEqual([]);
    expect(await violations()).toEqual([]);

    type($(terse, ".params-temperature-input"), "1");
    type($(terse, ".preset-name"), "two words");
    $<HTMLButtonElement>(terse, ".save-preset").click();
    await until(() => edits.length === 1, "the save");
    await until(() => status(terse)!.includes("not a preset name"), "the refusal");
    expect(status(terse)).toBe("`two words` is not a preset name (1–40 letters, digits, `-`, `_` or `.`)");
    expect($<HTMLInputElement>(terse, ".preset-name").value).toBe("two words");
    expect(toasts().some((t) => t.tone === "error" && t.text.includes("not a preset name"))).toBe(true);
  });
});

describe("preset fields", () => {
  it("convert to the parameter form's settings and back; a model is provider/model or @route", () => {
    const fields = { system: "S", model: "openai/gpt-4o", temperature: 0.2, top_p: 0.9, max_tokens: 400, reasoning: "low" as const, stop: ["\n\n"], seed: 7 };
    const s = settingsOf(fields);
    expect(s).toEqual({ system: "S", temperature: 0.2, topP: 0.9, maxTokens: 400, reasoning: "low", stop: ["\n\n"], seed: 7 });
    expect(fieldsOf(s, " openai/gpt-4o ")).toEqual(fields);
    expect(fieldsOf({ system: "  ", stop: [] }, "")).toEqual({
      system: null, model: null, temperature: null, top_p: null, max_tokens: null, reasoning: null, stop: null, seed: null,
    });
    expect([modelProblem(""), modelProblem("@r"), modelProblem("ollama/llama3:8b")]).toEqual(["", "", ""]);
    expect(modelProblem("@")).not.toBe("");
    expect(modelProblem("openai/")).not.toBe("");
  });
});
