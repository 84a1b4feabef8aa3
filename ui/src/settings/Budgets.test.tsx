import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { createTheme } from "../design/theme";
import { dismissToast, toasts } from "../design/toast";
import type { BudgetRuleSetting, Edit, RuleStatus, SettingsView } from "../types";
import { checkDraft, draftOf, splitScope, statusOf } from "./budgetRules";
import { Settings } from "./Settings";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const daily: BudgetRuleSetting = { scope: "provider:openai", window: "day", limitUsd: 2.5, alertPercent: 80 };
const local = (m: number, d: number) => new Date(2026, m - 1, d).getTime();
/** The standing of `rule` as the engine tells it (spent so far, micro-dollars). */
function standing(rule: BudgetRuleSetting, spent: number, legacy = false): RuleStatus {
  const { kind, name } = splitScope(rule.scope);
  const limit = Math.round(rule.limitUsd * 1e6);
  const percent = (100 * spent) / limit;
  return {
    rule: { scope: kind === "all" ? { kind } : { kind, name }, window: rule.window, limitMicros: limit, alertPercent: rule.alertPercent, legacy },
    label: `${rule.scope} per ${rule.window} ($${rule.limitUsd.toFixed(2)})`, windowStart: local(3, 3), windowEnd: local(3, 4), spentMicros: spent,
    percent, state: spent >= limit ? "exceeded" : percent >= rule.alertPercent ? "alert" : "fine", forecastMicros: spent * 2,
  };
}

/** A fake backend with the settings in memory; the rules' spend is `spent[scope]` (micro-dollars). */
function fake(start: SettingsView, spent: Record<string, number>) {
  let view = structuredClone(start);
  const edits: Edit[] = [];
  let asked = 0;
  const backend = {
    settings: async () => structuredClone(view),
    providers: async () => [{ id: "openai" }, { id: "anthropic" }],
    budgets: async () => {
      asked++;
      const rules = view.budgets.map((r) => standing(r, spent[r.scope] ?? 0));
      if (view.budget.monthlyUsd !== null) rules.push(standing({ scope: "all", window: "month", limitUsd: view.budget.monthlyUsd, alertPercent: 80 }, spent.all ?? 0, true));
      return rules;
    },
    editSettings: async (e: Edit) => {
      edits.push(e);
      if (e.kind === "budgets") {
        const bad = e.rules.findIndex((r) => r.scope === "provider:nosuch");
        if (bad >= 0) throw `budgets[${bad}].scope: there is no provider \`nosuch\``;
        view = { ...view, budgets: e.rules };
      } else if (e.kind === "budget") view = { ...view, budget: { ...view.budget, monthlyUsd: e.monthlyUsd } };
      return structuredClone(view);
    },
  } as unknown as FullBackend;
  return { backend, edits, asked: () => asked };
}

const base: SettingsView = {
  configPath: "/data/config.toml", routes: [{ name: "smart", strategy: "fallback", targets: ["openai/gpt-4o"], weights: null }], compareSets: [],
  prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [], presets: [], budgets: [daily],
  updates: { enabled: false, url: "https://updates.example/latest.json", defaultUrl: "https://updates.example/latest.json" },
};

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  document.body.innerHTML = "";
  for (const t of toasts()) dismissToast(t.id);
});
function mount(backend: FullBackend) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Settings backend={backend} onChanged={() => {}} theme={createTheme()} section="budget" setSection={() => {}} />, root);
  return root;
}
/** Serious or critical axe violations in the page (colour contrast is checked elsewhere). */
async function violations(): Promise<string[]> {
  const axe = (await import("axe-core")).default;
  const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`);
}
const $ = <T extends Element>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
const rows = (root: ParentNode) => [...root.querySelectorAll<HTMLElement>(".budgets-editor .budget-rule")];
/** Types into a field as a person does (the row keeps what is typed). */
function type(el: HTMLInputElement, v: string) {
  el.value = v;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}
function pick(el: HTMLSelectElement, v: string) {
  el.value = v;
  el.dispatchEvent(new Event("change", { bubbles: true }));
}

describe("Settings → Budgets", () => {
  it("a row per rule with its spend in its window; rows edited and added are saved as one edit of every rule", async () => {
    const { backend, edits, asked } = fake(base, { "provider:openai": 2_100_000 });
    const root = mount(backend);
    await until(() => root.querySelector(".budget-rule .rule-spent") !== null, "the rule's spend");
    const [first] = rows(root);
    expect($<HTMLSelectElement>(first, ".budget-scope-kind").value).toBe("provider");
    expect($<HTMLInputElement>(first, ".budget-scope-name").value).toBe("openai");
    await until(() => $<HTMLSelectElement>(first, ".budget-window").value === "day", "the window shown");
    expect([$<HTMLInputElement>(first, ".budget-limit").value, $<HTMLInputElement>(first, ".budget-alert").value]).toEqual(["2.5", "80"]);
    expect($(first, ".rule-spent").textContent).toBe("$2.10 of $2.50 today (84%)");
    expect($(first, ".rule-spent").classList.contains("alert")).toBe(true);
    expect($(first, "[role=progressbar]").getAttribute("aria-valuenow")).toBe("84");
    const notes = $<HTMLElement>(root, ".budget-notes").textContent!;
    expect(notes).toContain("time zone");
    expect(notes).toContain("the tightest decides");
    expect(notes).toContain("never cut off");
    // The providers are offered for a provider's name; the routes for a route's.
    expect([...root.querySelectorAll("#budget-providers option")].map((o) => o.getAttribute("value"))).toEqual(["anthropic", "openai"]);
    expect([...root.querySelectorAll("#budget-routes option")].map((o) => o.getAttribute("value"))).toEqual(["smart"]);

    type($(first, ".budget-limit"), "3");
    expect($(first, ".rule-unsaved").textContent).toBe("as saved, before your changes");
    $<HTMLButtonElement>(root, ".add-budget-rule").click();
    await until(() => rows(root).length === 2, "the new row");
    const added = rows(root)[1];
    expect($(added, ".rule-unsaved").textContent).toBe("not saved yet");
    expect(added.querySelector(".budget-scope-name")).toBeNull();
    pick($(added, ".budget-scope-kind"), "route");
    await until(() => added.querySelector(".budget-scope-name") !== null, "the name field");
    type($(added, ".budget-scope-name"), "@smart");
    pick($(added, ".budget-window"), "week");
    type($(added, ".budget-limit"), "10");
    type($(added, ".budget-alert"), "50");
    const before = asked();
    $<HTMLButtonElement>(root, ".save-budgets").click();
    await until(() => edits.length === 1, "the save");
    expect(edits[0]).toEqual({ kind: "budgets", rules: [
      { scope: "provider:openai", window: "day", limitUsd: 3, alertPercent: 80 },
      { scope: "route:smart", window: "week", limitUsd: 10, alertPercent: 50 },
    ] });
    await until(() => $(root, ".budgets-editor .status").textContent === "saved", "saved");
    await until(() => asked() > before && rows(root)[1].querySelector(".rule-spent") !== null, "the statuses asked again");
    expect($(rows(root)[0], ".rule-spent").textContent).toBe("$2.10 of $3.00 today (70%)");
    expect(rows(root)[0].querySelector(".rule-unsaved")).toBeNull();

    $<HTMLButtonElement>(rows(root)[0], ".remove-budget-rule").click();
    await until(() => rows(root).length === 1, "the row removed");
    $<HTMLButtonElement>(root, ".save-budgets").click();
    await until(() => edits.length === 2, "the second save");
    expect(edits[1]).toEqual({ kind: "budgets", rules: [{ scope: "route:smart", window: "week", limitUsd: 10, alertPercent: 50 }] });
    await until(() => toasts().some((t) => t.text === "Spend limits saved (1)"), "the toast");
  });

  it("bad input (a negative limit, an empty provider name, an alert past 100) is marked beside its field and nothing is sent", async () => {
    const { backend, edits } = fake(base, {});
    const root = mount(backend);
    await until(() => rows(root).length === 1, "the rule");
    type($(rows(root)[0], ".budget-limit"), "-1");
    type($(rows(root)[0], ".budget-scope-name"), " ");
    $<HTMLButtonElement>(root, ".add-budget-rule").click();
    await until(() => rows(root).length === 2, "the new row");
    const added = rows(root)[1];
    type($(added, ".budget-limit"), "5");
    type($(added, ".budget-alert"), "120");
    $<HTMLButtonElement>(root, ".save-budgets").click();
    await until(() => $(root, ".budgets-editor .status").textContent !== "", "the check");
    expect($(root, ".budgets-editor .status").textContent).toBe("Rule 1 needs fixing (see the marked field); nothing was saved");
    const first = rows(root)[0];
    expect($(first, ".field-error").textContent).toBe("name the provider");
    expect([...first.querySelectorAll(".field-error")].map((e) => e.textContent)).toEqual(["name the provider", '"-1" is not a limit (USD, 0 or more)']);
    expect($(first, ".budget-limit").getAttribute("aria-invalid")).toBe("true");
    expect($(added, ".field-error").textContent).toBe('"120" is not a share (above 0, at most 100)');
    expect(edits).toEqual([]);
    expect(await violations()).toEqual([]);

    // Fixed, the engine's own refusal is shown as it words it, and what was typed stays.
    type($(first, ".budget-scope-name"), "nosuch");
    type($(first, ".budget-limit"), "1");
    type($(added, ".budget-alert"), "");
    $<HTMLButtonElement>(root, ".save-budgets").click();
    await until(() => edits.length === 1, "the save");
    await until(() => $(root, ".budgets-editor .status").textContent!.includes("nosuch"), "the refusal");
    expect($(root, ".budgets-editor .status").textContent).toBe("budgets[0].scope: there is no provider `nosuch`");
    expect(root.querySelectorAll(".budgets-editor .field-error").length).toBe(0);
    expect($<HTMLInputElement>(rows(root)[0], ".budget-scope-name").value).toBe("nosuch");
    expect(edits[0]).toEqual({ kind: "budgets", rules: [
      { scope: "provider:nosuch", window: "day", limitUsd: 1, alertPercent: 80 },
      { scope: "all", window: "month", limitUsd: 5, alertPercent: 80 },
    ] });
  });

  it("the legacy monthly budget stays editable below the rules, its spend the engine's local month", async () => {
    const { backend, edits } = fake({ ...base, budgets: [], budget: { monthlyUsd: 4, spentUsd: 9 } }, { all: 3_000_000 });
    const root = mount(backend);
    await until(() => ($(root, ".budget-progress")?.textContent ?? "").includes("$3.00 spent this month of $4.00 (75%)"), "the legacy budget");
    expect($(root, ".no-rules").textContent).toBe("No spend limits yet.");
    expect($(root, ".budget-editor").textContent).toContain("all");
    ($(root, ".budget-input") as HTMLInputElement).value = "50";
    $<HTMLButtonElement>(root, ".save-budget").click();
    await until(() => ($(root, ".budget-progress")?.textContent ?? "").includes("of $50.00"), "the new cap");
    expect(edits).toEqual([{ kind: "budget", monthlyUsd: 50 }]);
  });
});

describe("budget rows", () => {
  it("scopes split and join as the engine reads them; a saved rule finds its status", () => {
    expect(splitScope(" route : @smart ")).toEqual({ kind: "route", name: "smart" });
    expect(splitScope("all")).toEqual({ kind: "all", name: "" });
    expect(splitScope("model:openai/gpt-4o")).toEqual({ kind: "model", name: "openai/gpt-4o" });
    const d = { ...draftOf(null), kind: "model" as const, name: "gpt-4o", limit: "2" };
    expect(checkDraft(d).errors).toEqual({ name: '"gpt-4o" is not provider/model (openai/gpt-4o)' });
    expect(checkDraft({ ...d, kind: "provider", name: "openai/gpt-4o" }).errors.name).toBe('"openai/gpt-4o" is a model: a provider is its id alone (openai)');
    expect(checkDraft({ ...d, kind: "all", limit: "0" }).rule).toEqual({ scope: "all", window: "month", limitUsd: 0, alertPercent: 80 });
    const statuses = [standing(daily, 1, true), standing(daily, 2)];
    expect(statusOf({ ...daily, scope: "provider: openai" }, statuses)?.spentMicros).toBe(2);
    expect(statusOf({ ...daily, limitUsd: 2.49 }, statuses)).toBeUndefined();
  });
});
