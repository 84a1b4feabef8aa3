import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import { budgetSpent, providerError } from "../test-errors";
import { toasts } from "../design/toast";
import type { FullBackend } from "../backend";
import { Compare } from "./Compare";
import { LeaderboardView } from "./Leaderboard";
import { shuffle, stats, threads } from "./compareLogic";
import type { ChatSettings, ColumnMsg, CompareSetSetting, CompareSpec, Edit, Estimate, MessageView, PresetSetting, Role, RuleStatus, StreamMsg } from "../types";

/** What the fake previews for a target: 1,000 exact tokens at $1/M in, 10% of a 10k window. */
const estimate = (target: string): Estimate => ({
  target, promptTokens: 1000, counted: { kind: "exact", tokenizer: "o200k_base" }, inputMicros: 1000, contextWindow: 10000, fillPercent: 10,
  fit: "fits", cutTokens: 0, maxAnswerTokens: 500, maxAnswerMicros: 2000,
});

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const render1 = (html: string): StreamMsg => ({ kind: "render", replaceFrom: 0, blocks: [html], tail: "", reasoning: "" });
const done = (model: string, messageId: number): StreamMsg => ({
  kind: "done", conversationId: 7, requestId: "r1", attempts: [], finish: "stop", providerCostUsd: null, priceSource: null, requested: model, messageId, model, fellOver: [], costMicros: 1200, ttftMs: 200, durationMs: 1200, steps: 1,
  usage: { inputTokens: 10, outputTokens: 50, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, imageTokens: 0 },
});

/** A fake backend: column i's script is played when a compare starts. Compare sets live in its
 * "config", edited as the real one edits them (and refused as it refuses a bad set). */
function fake(scripts: (targets: string[], column: number) => StreamMsg[], start: CompareSetSetting[] = [], presets: PresetSetting[] = []) {
  const specs: CompareSpec[] = [];
  const edits: Edit[] = [];
  let sets = structuredClone(start);
  const view = () => ({ configPath: "/data/config.toml", routes: [], compareSets: structuredClone(sets), prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [], presets, budgets: [] });
  const cancelled: number[] = [];
  const votes: unknown[][] = [];
  const previews: CompareSpec[] = [];
  const alerts: RuleStatus[] = [];
  const columnSettings: [number, number, ChatSettings][] = [];
  let emit: ((m: ColumnMsg) => void) | null = null;
  let conv = 0;
  const backend = {
    compare: async (spec: CompareSpec, _tools: string[] | null, onMsg: (m: ColumnMsg) => void) => {
      specs.push(structuredClone(spec));
      emit = onMsg;
      conv = 5;
      setTimeout(() => spec.columns.forEach((c, i) => scripts(c.targets, i).forEach((msg) => onMsg({ column: i, msg }))), 0);
      return {
        conversationId: conv, turns: spec.columns.map((_, i) => 100 + i), userMessageIds: spec.columns.map((_, i) => 10 + specs.length * 10 + i),
        alerts: alerts.splice(0),
      };
    },
    cancel: async (turn: number) => { cancelled.push(turn); emit?.({ column: turn - 100, msg: { kind: "cancelled", messageId: 300 + turn } }); return true; },
    vote: async (...args: unknown[]) => { votes.push(args); return ["x/one", "x/two", "x/three"]; },
    continueCompare: async () => 77,
    previewCompare: async (spec: CompareSpec) => {
      previews.push(structuredClone(spec));
      return { columns: spec.columns.map((c) => estimate(c.targets[0])), rules: [], crosses: null };
    },
    setColumnSettings: async (conversation: number, column: number, settings: ChatSettings) => { columnSettings.push([conversation, column, settings]); },
    settings: async () => view(),
    editSettings: async (e: Edit) => {
      edits.push(structuredClone(e));
      if (e.kind === "compareSet") {
        if (!/^[A-Za-z0-9_-]+$/.test(e.set.name)) throw `compare set name \`${e.set.name}\`: use letters, digits, \`-\` and \`_\` only`;
        if (e.set.columns.length < 2) throw `compare_sets.${e.set.name}.columns: a compare set has 2 to 8 columns, ${e.set.columns.length} given`;
        sets = [...sets.filter((x) => x.name !== e.set.name), e.set].sort((a, b) => a.name.localeCompare(b.name));
      } else if (e.kind === "removeCompareSet") sets = sets.filter((x) => x.name !== e.name);
      return view();
    },
  } as unknown as FullBackend;
  return { backend, specs, cancelled, votes, edits, sets: () => sets, previews, alerts, columnSettings };
}

const models = ["x/one", "x/two", "x/three"].map((id) => ({ id, provider: "x", contextLength: null, inputPerM: null, outputPerM: null }));
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); document.body.innerHTML = ""; localStorage.clear(); });

function mount(backend: FullBackend, continued: number[] = []) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Compare backend={backend} models={models} onContinue={(id) => continued.push(id)} />, root);
  return root;
}
const pick = (root: HTMLElement, i: number, id: string) => {
  const s = root.querySelectorAll<HTMLSelectElement>(".slot")[i];
  s.value = id;
  s.dispatchEvent(new Event("change", { bubbles: true }));
};
const ask = (root: HTMLElement, text: string) => {
  const t = root.querySelector<HTMLTextAreaElement>(".compare-input")!;
  t.value = text;
  t.dispatchEvent(new Event("input", { bubbles: true }));
  t.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
};

describe("Compare", () => {
  it("streams every column; a failing column says why and the others carry on; follow-ups keep each thread", async () => {
    const { backend, specs } = fake((targets, i) => i === 1
      ? [{ kind: "failed", error: providerError("x: rate limited (429)", "x", "rate_limited"), partial: false, messageId: null } as StreamMsg]
      : [render1(`<p>answer ${targets[0]}</p>`), done(targets[0], 50 + i)]);
    const root = mount(backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    pick(root, 2, "x/three");
    ask(root, "Which is best?");
    await until(() => root.querySelectorAll(".column-status.done").length === 2, "two answers");
    expect(specs[0]).toMatchObject({ conversation: null, prompt: "Which is best?",
      columns: [{ targets: ["x/one"], after: null }, { targets: ["x/two"], after: null }, { targets: ["x/three"], after: null }] });
    const cols = root.querySelectorAll(".column");
    expect(cols[0].textContent).toContain("answer x/one");
    expect(cols[1].querySelector(".error")!.textContent).toBe("x: rate limited (429)");
    // The figures row: the whole line for screen readers (and in its tooltip), the short one shown.
    expect(cols[2].querySelector(".meta .meta-full")!.textContent).toBe("answered by x/three · first token 0.20 s · 50.0 tok/s · 10 in · 50 out · $0.0012");
    ask(root, "Why?");
    await until(() => specs.length === 2, "the follow-up");
    // Each column continues after its own last message: its answer, or its unanswered question.
    expect(specs[1].conversation).toBe(5);
    expect(specs[1].columns.map((c) => c.after)).toEqual([50, 21, 52]);
  });

  it("adds the question asked as a case of an eval suite (named in a dialog) and says how many cases the suite has", async () => {
    const { backend } = fake((targets) => [done(targets[0], 60)]);
    const added: [string, string][] = [];
    let refuse = false;
    (backend as unknown as { evalAddCase: unknown }).evalAddCase = async (suite: string, prompt: string) => {
      if (refuse) throw { kind: "bad_input", message: `"${suite}" is not a suite name: letters, digits, spaces, - and _`, provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null };
      added.push([suite, prompt]);
      return { name: suite, description: null, path: `/data/evals/${suite}.toml`, settings: {}, preset: null, judge: {}, hash: "h",
        cases: [1, 2, 3].map((i) => ({ label: `case ${i}`, prompt: "p", vars: {}, attach: [], checks: [] })) };
    };
    const root = mount(backend);
    expect(root.querySelector("[data-testid=compare-add-case]")).toBeNull();
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    ask(root, "Which is best?");
    await until(() => root.querySelector("[data-testid=compare-add-case]") !== null, "the button");
    root.querySelector<HTMLButtonElement>("[data-testid=compare-add-case]")!.click();
    await until(() => document.querySelector("[data-testid=compare-case-suite]") !== null, "the dialog");
    const name = document.querySelector<HTMLInputElement>("[data-testid=compare-case-suite]")!;
    expect(name.value).toBe("from-compare");
    expect(document.querySelector(".add-case-question")!.textContent).toBe("Which is best?");
    name.value = "regressions";
    name.dispatchEvent(new Event("input", { bubbles: true }));
    document.querySelector<HTMLButtonElement>("[data-testid=compare-case-confirm]")!.click();
    await until(() => added.length === 1, "the case added");
    expect(added).toEqual([["regressions", "Which is best?"]]);
    await until(() => toasts().some((t) => t.text === "Added to regressions — 3 cases"), "the toast");
    expect(document.querySelector("[data-testid=compare-case-suite]")).toBeNull();
    // A refusal is shown as the compare shows any failure.
    refuse = true;
    root.querySelector<HTMLButtonElement>("[data-testid=compare-add-case]")!.click();
    await until(() => document.querySelector("[data-testid=compare-case-suite]") !== null, "the dialog again");
    expect(document.querySelector<HTMLInputElement>("[data-testid=compare-case-suite]")!.value).toBe("regressions");
    document.querySelector<HTMLButtonElement>("[data-testid=compare-case-confirm]")!.click();
    await until(() => (root.textContent ?? "").includes("is not a suite name"), "the refusal");
  });

  it("stop ends one column only", async () => {
    const { backend, cancelled, specs } = fake((_, i) => (i === 0 ? [render1("<p>slow…</p>")] : [render1("<p>fast</p>"), done("x/two", 60)]));
    const root = mount(backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    ask(root, "Go");
    await until(() => root.querySelector(".column[data-column='1'] .column-status.done") !== null, "column B done");
    root.querySelector<HTMLButtonElement>(".column[data-column='0'] .stop-column")!.click();
    await until(() => root.querySelector(".column[data-column='0'] .column-status.stopped") !== null, "column A stopped");
    expect(cancelled).toEqual([100]);
    expect(root.querySelector(".column[data-column='0']")!.textContent).toContain("slow…");
    // A follow-up continues the stopped column after its partial answer.
    ask(root, "Go on");
    await until(() => specs.length === 2, "the follow-up");
    expect(specs[1].columns.map((c) => c.after)).toEqual([400, 60]);
  });

  it("blind mode hides names until the vote, which is saved and reveals them; a column can become a chat", async () => {
    const { backend, specs, votes } = fake((targets, i) => [render1(`<p>text ${i}</p>`), done(targets[0], 70 + i)]);
    const continued: number[] = [];
    const root = mount(backend, continued);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    pick(root, 2, "x/three");
    const blind = root.querySelector<HTMLInputElement>(".blind")!;
    blind.checked = true;
    blind.dispatchEvent(new Event("change", { bubbles: true }));
    ask(root, "Judge these");
    await until(() => root.querySelector(".vote-bar") !== null, "the vote bar");
    const heads = [...root.querySelectorAll(".column-name")].map((e) => e.textContent);
    expect(heads).toEqual(["Model A", "Model B", "Model C"]);
    expect(root.textContent).not.toMatch(/x\/(one|two|three)/);
    expect(root.querySelector(".continue")).toBeNull();
    expect(specs[0].columns.map((c) => c.targets[0]).sort()).toEqual(["x/one", "x/three", "x/two"]);
    root.querySelector<HTMLButtonElement>(".vote-winner[data-column='1']")!.click();
    await until(() => root.querySelector(".voted") !== null, "the reveal");
    expect(votes[0]).toEqual([5, [70, 71, 72], "winner", 71]);
    const shown = [...root.querySelectorAll(".column-name")].map((e) => e.textContent);
    expect(shown).toEqual(specs[0].columns.map((c) => c.targets[0]));
    expect(root.querySelector(".voted")!.textContent).toContain("B won");
    root.querySelector<HTMLButtonElement>(".column[data-column='2'] .continue")!.click();
    await until(() => continued.length === 1, "continue");
    expect(continued).toEqual([77]);
  });

  it("a spent budget refuses the compare with a way to send anyway", async () => {
    const { backend, specs } = fake((targets) => [done(targets[0], 1)]);
    const real = backend.compare;
    backend.compare = async (spec, tools, onMsg) => {
      if (!spec.overBudget) throw budgetSpent("this month's budget is spent ($5.000000 of $5.000000)");
      return real(spec, tools, onMsg);
    };
    const root = mount(backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    ask(root, "Over?");
    await until(() => root.querySelector(".compare .send-anyway") !== null, "the refusal");
    expect(root.querySelectorAll(".column").length).toBe(0);
    root.querySelector<HTMLButtonElement>(".compare .send-anyway")!.click();
    await until(() => specs.length === 1, "sent anyway");
    expect(specs[0]).toMatchObject({ prompt: "Over?", overBudget: true });
  });

  it("needs two models; sets are saved in the config, loaded from it and removed, never kept in localStorage", async () => {
    const { backend, specs, edits, sets } = fake((targets) => [done(targets[0], 60)], [{ name: "coders", columns: ["x/two", "@smart"] }]);
    const root = mount(backend);
    await until(() => root.querySelector(".load-set") !== null, "the sets from the config");
    pick(root, 0, "x/one");
    ask(root, "Alone?");
    await until(() => root.querySelector(".problem") !== null, "the refusal");
    expect(root.querySelector(".problem")!.textContent).toContain("at least two models");
    expect(specs.length).toBe(0);
    pick(root, 1, "x/three");
    const name = root.querySelector<HTMLInputElement>(".set-name")!;
    name.value = "pair";
    name.dispatchEvent(new Event("input", { bubbles: true }));
    root.querySelector<HTMLButtonElement>(".save-set")!.click();
    await until(() => sets().length === 2, "the saved set");
    expect(edits).toEqual([{ kind: "compareSet", set: { name: "pair", columns: ["x/one", "x/three"] }, previous: null }]);
    expect(Object.keys(localStorage).filter((k) => k.includes("compareSets"))).toEqual([]);
    await until(() => root.querySelectorAll(".load-set option").length === 3, "the set listed");

    // Loading a set picks its columns (a route too), and a compare runs them.
    const load = root.querySelector<HTMLSelectElement>(".load-set")!;
    load.value = "coders";
    load.dispatchEvent(new Event("change", { bubbles: true }));
    expect(JSON.parse(localStorage.getItem("roundtable.compareLast")!)).toEqual(["x/two", "@smart"]);

    // A refusal is shown and changes nothing.
    name.value = "my set";
    name.dispatchEvent(new Event("input", { bubbles: true }));
    root.querySelector<HTMLButtonElement>(".save-set")!.click();
    await until(() => root.querySelector(".problem")?.textContent?.includes("compare set name `my set`") ?? false, "the refusal");
    expect(sets().map((x) => x.name)).toEqual(["coders", "pair"]);

    root.querySelector<HTMLButtonElement>(".remove-set")!.click();
    await until(() => sets().length === 1, "the set removed");
    expect(edits.at(-1)).toEqual({ kind: "removeCompareSet", name: "coders" });
    expect(sets().map((x) => x.name)).toEqual(["pair"]);
    ask(root, "Both?");
    await until(() => specs.length === 1, "the compare");
    expect(specs[0].columns.map((c) => c.targets)).toEqual([["x/two"], ["@smart"]]);
  });

  it("moves an older version's localStorage sets into the config once", async () => {
    localStorage.setItem("roundtable.compareSets", JSON.stringify({ "my pair": ["x/one", "x/two"], coders: ["x/three", "x/one"], solo: ["x/one"] }));
    const { backend, edits, sets } = fake(() => [], [{ name: "coders", columns: ["x/two", "@smart"] }]);
    const root = mount(backend);
    await until(() => root.querySelector(".problem") !== null, "the refused one named");
    expect(root.querySelector(".problem")!.textContent).toContain("“solo”: compare_sets.solo.columns: a compare set has 2 to 8 columns, 1 given");
    expect(sets()).toEqual([{ name: "coders", columns: ["x/two", "@smart"] }, { name: "my-pair", columns: ["x/one", "x/two"] }]);
    expect(edits.length, "the config's own `coders` is kept, not overwritten").toBe(2);
    expect(localStorage.getItem("roundtable.compareSets")).toBeNull();
    dispose?.();
    mount(backend);
    await new Promise((r) => setTimeout(r, 20));
    expect(edits.length).toBe(2);
  });

  it("the shuffle is a permutation and the figures line reads the provider's usage", () => {
    let seed = 1;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    const items = [1, 2, 3, 4, 5, 6, 7, 8];
    const out = shuffle(items, random);
    expect([...out].sort()).toEqual(items);
    expect(out).not.toEqual(items);
    const d = done("p/m", 1) as Extract<StreamMsg, { kind: "done" }>;
    expect(stats({ ...d, usage: null })).toBe("answered by p/m · first token 0.20 s · tokens unknown · $0.0012");
  });

  it("a stored compare reopens with each column's thread, and a follow-up continues each", async () => {
    const msg = (id: number, parentId: number | null, role: Role, text: string, column: number | null, model: string | null = null): MessageView => ({
      id, parentId, role, text, html: `<p>${text}</p>`, reasoningHtml: "", model, status: "complete", error: null, createdAt: id,
      figures: model ? { inputTokens: 5, outputTokens: 7, reasoningTokens: 0, costMicros: 300, ttftMs: 100, durationMs: 400, estimated: false, fellOver: [], imageTokens: 0, note: null } : null,
      column, parts: [],
    });
    const messages = [
      msg(1, null, "user", "First?", null),
      msg(2, 1, "assistant", "A1", 0, "x/one"),
      // Column B failed on the first question, then was asked again.
      msg(4, 2, "user", "Then?", 0),
      msg(5, 1, "user", "Then?", 1),
      msg(6, 4, "assistant", "A2", 0, "x/one"),
      msg(7, 5, "assistant", "B2", 1, "x/two"),
    ];
    const cols = threads(messages);
    expect(cols.map((c) => c.map((x) => [x.question.text, x.answer?.text ?? null]))).toEqual([
      [["First?", "A1"], ["Then?", "A2"]],
      [["First?", null], ["Then?", "B2"]],
    ]);
    const { backend, specs } = fake((targets) => [done(targets[0], 90)]);
    (backend as unknown as { conversation: unknown }).conversation = async (id: number) => ({ id, title: "t", kind: "compare", system: null, messages, columnTargets: [], settings: {}, columnSettings: [] });
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <Compare backend={backend} models={models} onContinue={() => {}} open={12} />, root);
    await until(() => root.querySelectorAll(".column").length === 2, "the stored columns");
    expect([...root.querySelectorAll(".column-name")].map((e) => e.textContent)).toEqual(["x/one", "x/two"]);
    expect(root.querySelector(".column[data-column='1']")!.textContent).toContain("no answer");
    expect(root.querySelector(".column[data-column='1']")!.textContent).toContain("B2");
    expect(root.querySelector(".column[data-column='0'] .cell:last-child .meta .meta-full")!.textContent).toContain("5 in · 7 out · $0.0003");
    ask(root, "And now?");
    await until(() => specs.length === 1, "the follow-up");
    expect(specs[0]).toMatchObject({ conversation: 12, columns: [{ targets: ["x/one"], after: 6 }, { targets: ["x/two"], after: 7 }] });
  });

  it("a reopened compare follows up through each column's targets as picked, not the model that answered", async () => {
    const msg = (id: number, parentId: number | null, role: Role, text: string, column: number | null, model: string | null = null): MessageView => ({
      id, parentId, role, text, html: `<p>${text}</p>`, reasoningHtml: "", model, status: "complete", error: null, createdAt: id, figures: null, column, parts: [],
    });
    const messages = [msg(1, null, "user", "First?", null), msg(2, 1, "assistant", "A1", 0, "x/one"), msg(3, 1, "assistant", "B1", 1, "x/three")];
    const { backend, specs } = fake((targets) => [done(targets[0], 90)]);
    (backend as unknown as { conversation: unknown }).conversation = async (id: number) => ({
      id, title: "t", kind: "compare", system: null, messages, columnTargets: [["@smart"], ["x/two", "x/three"]], settings: {}, columnSettings: [],
    });
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <Compare backend={backend} models={models} onContinue={() => {}} open={12} />, root);
    await until(() => root.querySelectorAll(".column").length === 2, "the stored columns");
    expect([...root.querySelectorAll(".column-name")].map((e) => e.textContent)).toEqual(["@smart", "x/two → x/three"]);
    ask(root, "And now?");
    await until(() => specs.length === 1, "the follow-up");
    expect(specs[0]).toMatchObject({ conversation: 12, columns: [{ targets: ["@smart"], after: 2 }, { targets: ["x/two", "x/three"], after: 3 }] });
  });
});

describe("Compare's face", () => {
  const attempt = (target: string, outcome: "ok" | "failed", cls: string | null = null): StreamMsg =>
    ({ kind: "attempt", target, outcome, class: cls, ms: 200 } as unknown as StreamMsg);

  async function running(n: number, script: (targets: string[], i: number) => StreamMsg[], blind = false) {
    const f = fake(script);
    const root = mount(f.backend);
    ["x/one", "x/two", "x/three"].slice(0, n).forEach((id, i) => pick(root, i, id));
    if (blind) root.querySelector<HTMLInputElement>(".compare .blind")!.click();
    ask(root, "Compare");
    await until(() => root.querySelectorAll(".column-status.done, .column-status.failed").length === n, "every column finished");
    return { root, ...f };
  }

  it("a separator between columns resizes the column on its left by keyboard, and evens out on Enter", async () => {
    const { root } = await running(3, (targets, i) => [render1(`<p>${targets[0]}</p>`), done(targets[0], 80 + i)]);
    const handles = [...root.querySelectorAll<HTMLElement>(".columns > [role='separator']")];
    expect(handles.length).toBe(2);
    const h = handles[0];
    expect([h.getAttribute("aria-orientation"), h.tabIndex, h.getAttribute("aria-label")]).toEqual(["vertical", 0, "Width of column A"]);
    // Between column A and column B, in the grid's own order.
    expect(h.previousElementSibling!.getAttribute("data-column")).toBe("0");
    expect(h.nextElementSibling!.getAttribute("data-column")).toBe("1");
    const col = root.querySelector<HTMLElement>(".column[data-column='0']")!;
    const now = () => Number(h.getAttribute("aria-valuenow"));
    const key = (k: string, shiftKey = false) => h.dispatchEvent(new KeyboardEvent("keydown", { key: k, shiftKey, bubbles: true, cancelable: true }));
    const start = now();
    expect(start).toBeGreaterThanOrEqual(Number(h.getAttribute("aria-valuemin")));
    expect(col.style.width).toBe("");
    key("ArrowRight");
    expect(now()).toBe(start + 16);
    expect(col.style.width).toBe(`${start + 16}px`);
    key("ArrowLeft", true);
    expect(now()).toBe(start + 16 - 64);
    expect(col.style.width).toBe(`${start - 48}px`);
    key("Home");
    expect(now()).toBe(240);
    key("ArrowLeft");
    expect(now(), "never narrower than the minimum").toBe(240);
    expect(col.style.width).toBe("240px");
    // Only column A changed; B keeps its share.
    expect(root.querySelector<HTMLElement>(".column[data-column='1']")!.style.width).toBe("");
    key("Enter");
    expect(col.style.width).toBe("");
    // A new compare starts even.
    key("End");
    expect(col.style.width).toBe("1600px");
    root.querySelector<HTMLButtonElement>(".new-compare")!.click();
    ask(root, "Again");
    await until(() => root.querySelectorAll(".column-status.done").length === 3, "the new compare");
    expect(root.querySelector<HTMLElement>(".column[data-column='0']")!.style.width).toBe("");
  });

  it("blind mode shows the columns as big letters, no marks and no model anywhere until the vote", async () => {
    const { root } = await running(3, (targets, i) => i === 2
      ? [{ kind: "failed", error: providerError(`${targets[0]}: rate limited (429)`, targets[0], "rate_limited"), partial: false, messageId: null } as StreamMsg]
      : [attempt("x/other", "failed", "overloaded"), render1(`<p>text ${i}</p>`), done(targets[0], 70 + i)], true);
    const compare = root.querySelector(".compare")!;
    expect(compare.classList.contains("blind-mode")).toBe(true);
    expect([...root.querySelectorAll(".column-head .column-letter")].map((e) => e.textContent)).toEqual(["A", "B", "C"]);
    expect([...root.querySelectorAll(".column-name")].map((e) => e.textContent)).toEqual(["Model A", "Model B", "Model C"]);
    expect(root.querySelectorAll(".column .mark").length, "no provider mark").toBe(0);
    // Nowhere: not in the text, not in a tooltip, not in an accessible name.
    const columns = root.querySelector(".columns")!;
    const said = [columns.textContent, ...[...columns.querySelectorAll("*")].flatMap((e) =>
      ["data-tip", "aria-label", "title", "data-initials"].map((a) => e.getAttribute(a) ?? ""))].join(" ");
    expect(said).not.toMatch(/x\/(one|two|three|other)/);
    expect(root.querySelector(".column[data-column='2'] .error-card")!.textContent).toContain("rate_limited");
    root.querySelector<HTMLButtonElement>(".vote-tie")!.click();
    await until(() => root.querySelector(".voted") !== null, "the reveal");
    expect(root.querySelectorAll(".column .mark").length).toBe(3);
    expect(root.querySelector(".columns")!.textContent).toMatch(/x\/(one|two|three)/);
    expect(root.querySelector(".column[data-column='0'] .meta-full")!.textContent).toContain("(after x/other (overloaded) failed)");
    expect(root.querySelector(".voted")!.textContent).toContain("a tie");
  });

  it("the figures row is one short line, with the whole line in its tooltip and for screen readers", async () => {
    const { root } = await running(2, (targets) => [attempt("x/busy", "failed", "rate_limited"), attempt(targets[0], "ok"), render1("<p>hi</p>"), done(targets[0], 90)]);
    const meta = root.querySelector<HTMLElement>(".column[data-column='1'] .cell-meta")!;
    const full = "answered by x/two · first token 0.20 s · 50.0 tok/s · 10 in · 50 out · $0.0012 (after x/busy (rate_limited) failed)";
    expect(meta.getAttribute("data-tip")).toBe(full);
    expect(meta.querySelector(".visually-hidden.meta-full")!.textContent).toBe(full);
    expect(meta.tabIndex, "the tooltip opens from the keyboard too").toBe(0);
    const short = meta.querySelector(".meta-short")!;
    expect(short.getAttribute("aria-hidden")).toBe("true");
    expect([...short.querySelectorAll(".meta-fell, .meta-part")].map((e) => e.textContent)).toEqual(["after 1 failed", "0.20 s", "60 tok", "$0.0012"]);
    // The row sits after the answer (never inside its text).
    expect(meta.previousElementSibling!.classList.contains("answer")).toBe(true);
  });

  it("the vote bar is one segmented control: A | Tie | B | All bad, walked with the arrow keys", async () => {
    const { root, votes } = await running(2, (targets, i) => [render1("<p>x</p>"), done(targets[0], 60 + i)]);
    const group = root.querySelector<HTMLElement>(".vote-bar [role='group']")!;
    expect(document.getElementById(group.getAttribute("aria-labelledby")!)!.textContent).toBe("Which answer is better?");
    const segs = [...group.querySelectorAll<HTMLButtonElement>("button.seg")];
    expect(segs.map((b) => b.textContent)).toEqual(["A is better", "Tie", "B is better", "All bad"]);
    expect(segs.map((b) => b.className.split(" ")[1])).toEqual(["vote-winner", "vote-tie", "vote-winner", "vote-bad"]);
    expect(segs.every((b) => b.type === "button" && b.tabIndex === 0)).toBe(true);
    segs[0].focus();
    const key = (k: string) => document.activeElement!.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true }));
    key("ArrowRight");
    expect(document.activeElement).toBe(segs[1]);
    key("End");
    expect(document.activeElement).toBe(segs[3]);
    key("ArrowRight");
    expect(document.activeElement, "wraps around").toBe(segs[0]);
    key("ArrowLeft");
    key("ArrowLeft");
    expect(document.activeElement).toBe(segs[2]);
    segs[2].click();
    await until(() => root.querySelector(".voted") !== null, "the vote");
    expect(votes[0]).toEqual([5, [60, 61], "winner", 61]);
    expect(root.querySelector(".voted")!.textContent).toContain("B won");
    expect([...root.querySelectorAll(".reveal li")].map((l) => l.textContent)).toEqual(["AA: x/one", "BB: x/two"]);
  });

  it("a failed send is a card, and a column's status is a badge with its tone", async () => {
    const { backend } = fake(() => []);
    backend.compare = async () => { throw providerError("x: no key", "x", "auth"); };
    const root = mount(backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    ask(root, "Hello?");
    await until(() => root.querySelector(".problem .error-card") !== null, "the card");
    expect(root.querySelector(".problem .error-title")!.textContent).toBe("The provider refused the key");
    expect(root.querySelector(".problem .send-anyway")).toBeNull();
    expect(root.querySelector<HTMLTextAreaElement>(".compare-input")!.value, "the question is kept").toBe("Hello?");
    root.querySelector<HTMLButtonElement>(".problem .dismiss")!.click();
    expect(root.querySelector(".problem")).toBeNull();
    // Each column's status as a badge: streaming (with its stop button), then done.
    const f = fake((targets, i) => (i === 0 ? [render1("<p>…</p>")] : [render1("<p>ok</p>"), done(targets[0], 1)]));
    dispose?.();
    const other = mount(f.backend);
    pick(other, 0, "x/one");
    pick(other, 1, "x/two");
    ask(other, "Go");
    await until(() => other.querySelector(".column[data-column='1'] .column-status.done") !== null, "B done");
    await until(() => other.querySelector(".column[data-column='0'] .column-status.streaming") !== null, "A streaming");
    const badge = (i: number) => other.querySelector(`.column[data-column='${i}'] .column-status`)!;
    expect([badge(0).className, badge(0).textContent]).toEqual(["badge accent column-status streaming", "Streaming"]);
    expect([badge(1).className, badge(1).textContent]).toEqual(["badge success column-status done", "Done"]);
    const stop = other.querySelector<HTMLButtonElement>(".column[data-column='0'] .stop-column")!;
    expect([stop.getAttribute("aria-label"), other.querySelector(".column[data-column='1'] .stop-column")]).toEqual(["Stop column A", null]);
    stop.click();
    await until(() => badge(0).classList.contains("stopped"), "A stopped");
    expect([badge(0).className, badge(0).textContent]).toEqual(["badge warn column-status stopped", "Stopped"]);
  });
});

describe("Compare's accessibility", () => {
  it("has no serious or critical axe violations: set-up, running blind, voted", async () => {
    const axe = (await import("axe-core")).default;
    const check = async (what: string) => {
      const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
      const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`), what).toEqual([]);
    };
    const { backend } = fake((targets, i) => (i === 1
      ? [{ kind: "failed", error: providerError("x: boom", "x", "upstream"), partial: false, messageId: null } as StreamMsg]
      : [render1("<p>answer</p>"), done(targets[0], 40 + i)]), [{ name: "pair", columns: ["x/one", "x/two"] }]);
    const root = mount(backend);
    await until(() => root.querySelector(".load-set") !== null, "the sets");
    await check("the set-up");
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    pick(root, 2, "x/three");
    root.querySelector<HTMLInputElement>(".blind")!.click();
    ask(root, "Q");
    await until(() => root.querySelector(".vote-bar") !== null, "the vote bar");
    await check("blind, before the vote");
    root.querySelector<HTMLButtonElement>(".vote-bad")!.click();
    await until(() => root.querySelector(".voted") !== null, "the vote");
    await check("after the vote");
  });
});

describe("Compare columns with their own settings", () => {
  const field = (cls: string, value: string) => {
    const el = document.querySelector(cls) as HTMLInputElement;
    el.value = value;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const settingsOf = async (root: HTMLElement, i: number, edit: () => void) => {
    root.querySelectorAll<HTMLButtonElement>(".compare-setup .column-params-button")[i].click();
    await until(() => document.querySelector(".column-params") !== null, "the column's settings");
    expect(document.querySelector(".column-params h2")!.textContent).toBe(`Column ${"AB"[i]} settings`);
    edit();
    document.querySelector<HTMLButtonElement>(".column-params-done")!.click();
    await until(() => document.querySelector(".column-params") === null, "closed");
  };

  it("one model twice at two temperatures: two columns differing only in settings, and headers say so", async () => {
    const { backend, specs } = fake((targets, i) => [render1(`<p>${i}</p>`), done(targets[0], 80 + i)]);
    const root = mount(backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/one");
    await settingsOf(root, 0, () => field(".column-params .params-temperature-input", "0.2"));
    await settingsOf(root, 1, () => field(".column-params .params-temperature-input", "1"));
    expect([...root.querySelectorAll(".slot-settings")].map((e) => e.textContent)).toEqual(["temperature 0.2", "temperature 1"]);
    ask(root, "Same model, two temperatures");
    await until(() => root.querySelectorAll(".column-status.done").length === 2, "both answers");
    const [a, b] = specs[0].columns;
    const none = { preset: null, system: null, topP: null, maxTokens: null, reasoning: null, stop: null, seed: null };
    expect(a).toEqual({ targets: ["x/one"], after: null, preset: null, settings: { ...none, temperature: 0.2 } });
    expect(b).toEqual({ ...a, settings: { ...a.settings, temperature: 1 } });
    expect([...root.querySelectorAll(".column-diff")].map((e) => e.textContent)).toEqual(["temperature 0.2", "temperature 1"]);
    expect([...root.querySelectorAll(".column-name")].map((e) => e.textContent)).toEqual(["x/one", "x/one"]);
  });

  it("a column's preset goes as a label with its values (never by name); blind hides the settings until the vote, which reveals them", async () => {
    const terse: PresetSetting = { name: "terse", builtIn: true, fields: { system: "One sentence.", model: null, temperature: 0.2, top_p: null, max_tokens: null, reasoning: null, stop: null, seed: null } };
    const { backend, specs } = fake((targets, i) => [render1(`<p>${i}</p>`), done(targets[0], 90 + i)], [], [terse]);
    const root = mount(backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    await new Promise((r) => setTimeout(r, 10)); // the presets read
    await settingsOf(root, 0, () => {
      const s = document.querySelector<HTMLSelectElement>(".column-params .column-preset")!;
      expect([...s.options].map((o) => o.value)).toEqual(["", "terse"]);
      s.value = "terse";
      s.dispatchEvent(new Event("change", { bubbles: true }));
    });
    root.querySelector<HTMLInputElement>(".blind")!.click();
    ask(root, "Judge");
    await until(() => root.querySelector(".vote-bar .seg") !== null, "the vote bar");
    const withPreset = specs[0].columns.find((c) => c.targets[0] === "x/one")!;
    expect(withPreset).toMatchObject({ preset: null, settings: { preset: "terse", system: "One sentence.", temperature: 0.2 } });
    expect(specs[0].columns.find((c) => c.targets[0] === "x/two")).toMatchObject({ preset: null, settings: null });
    // Blind: neither the model nor the settings.
    expect(root.querySelector(".column-diff")).toBeNull();
    expect(root.querySelector(".compare .columns")!.textContent).not.toContain("terse");
    expect(root.querySelector(".column-settings")).toBeNull();
    root.querySelector<HTMLButtonElement>(".vote-tie")!.click();
    await until(() => root.querySelector(".voted") !== null, "the reveal");
    const order = specs[0].columns.map((c) => c.targets[0]);
    expect([...root.querySelectorAll(".column-diff")].map((e) => e.textContent)).toEqual(order.map((t) => (t === "x/one" ? "terse" : "no preset")));
    expect([...root.querySelectorAll(".reveal-name")].map((e) => e.textContent)).toEqual(order.map((t) => `${t} · ${t === "x/one" ? "terse" : "no preset"}`));
  });

  it("a started column's settings are edited for its follow-ups", async () => {
    const { backend, columnSettings } = fake((targets, i) => [done(targets[0], 60 + i)]);
    const root = mount(backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    ask(root, "First");
    await until(() => root.querySelectorAll(".column-status.done").length === 2, "both answers");
    root.querySelector<HTMLButtonElement>(".column[data-column='1'] .column-settings")!.click();
    await until(() => document.querySelector(".column-params") !== null, "the settings");
    field(".column-params .params-seed-input", "7");
    document.querySelector<HTMLButtonElement>(".column-params-done")!.click();
    await until(() => columnSettings.length === 1, "saved");
    expect(columnSettings[0]).toEqual([5, 1, { preset: null, system: null, temperature: null, topP: null, maxTokens: null, reasoning: null, stop: null, seed: 7 }]);
    expect([...root.querySelectorAll(".column-diff")].map((e) => e.textContent)).toEqual(["seed default", "seed 7"]);
  });

  it("the cost before sending, one per column; a column over its window holds the send", async () => {
    const f = fake((targets) => [done(targets[0], 1)]);
    const root = mount(f.backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    const t = root.querySelector<HTMLTextAreaElement>(".compare-input")!;
    t.value = "How much?";
    t.dispatchEvent(new Event("input", { bubbles: true }));
    await until(() => root.querySelectorAll(".cost-column").length === 2, "the cost");
    expect(f.previews.at(-1)).toMatchObject({ conversation: null, prompt: "How much?", columns: [{ targets: ["x/one"] }, { targets: ["x/two"] }] });
    expect([...root.querySelectorAll(".cost-column")].map((c) => [c.querySelector(".cost-name")!.textContent, c.querySelector(".cost-input")!.textContent]))
      .toEqual([["A", "$0.0010 in"], ["B", "$0.0010 in"]]);
    expect(root.querySelector(".cost-tokens")!.childNodes[0].textContent).toBe("1,000 tokens");
    (f.backend as unknown as { previewCompare: unknown }).previewCompare = async (spec: CompareSpec) => ({
      columns: spec.columns.map((c, i) => ({ ...estimateOver(c.targets[0]), fit: i === 1 ? "over" : "fits" })), rules: [], crosses: null,
    });
    t.value = "How much now?";
    t.dispatchEvent(new Event("input", { bubbles: true }));
    await until(() => root.querySelector(".cost-refusal") !== null, "the refusal");
    expect(root.querySelector(".cost-refusal")!.textContent).toContain("B: Too long for x/two");
    expect(root.querySelector<HTMLButtonElement>(".compare-composer .send")!.disabled).toBe(true);
  });

  it("a compare past a spend limit's alert share shows the banner", async () => {
    const f = fake((targets) => [done(targets[0], 1)]);
    f.alerts.push({
      rule: { scope: { kind: "all" }, window: "week", limitMicros: 10_000_000, alertPercent: 80, legacy: false },
      label: "all per week ($10.00)", windowStart: 0, windowEnd: 1, spentMicros: 9_000_000, percent: 90, state: "alert", forecastMicros: 12_000_000,
    });
    const root = mount(f.backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    ask(root, "Spend");
    await until(() => root.querySelector(".budget-banner") !== null, "the banner");
    expect(root.querySelector(".budget-banner")!.getAttribute("role")).toBe("status");
    expect(root.querySelector(".budget-alert")!.textContent).toBe("all per week ($10.00) is at 90% ($9.0000 spent in this week)");
    root.querySelector<HTMLButtonElement>(".dismiss-budget")!.click();
    await until(() => root.querySelector(".budget-banner") === null, "dismissed");
  });
});

describe("A stored compare's settings", () => {
  it("reopened, each column's header says what set it apart (its own settings, else the compare's)", async () => {
    const msg = (id: number, parentId: number | null, role: Role, column: number | null, model: string | null = null): MessageView => ({
      id, parentId, role, text: "t", html: "<p>t</p>", reasoningHtml: "", model, status: "complete", error: null, createdAt: id, figures: null, column, parts: [],
    });
    const { backend, specs } = fake((targets) => [done(targets[0], 90)]);
    (backend as unknown as { conversation: unknown }).conversation = async (id: number) => ({
      id, title: "t", kind: "compare", system: null, messages: [msg(1, null, "user", null), msg(2, 1, "assistant", 0, "x/one"), msg(3, 1, "assistant", 1, "x/one")],
      columnTargets: [["x/one"], ["x/one"]], settings: { temperature: 0.7 }, columnSettings: [{ temperature: 0.2 }, null],
    });
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <Compare backend={backend} models={models} onContinue={() => {}} open={12} />, root);
    await until(() => root.querySelectorAll(".column-diff").length === 2, "the headers");
    expect([...root.querySelectorAll(".column-diff")].map((e) => e.textContent)).toEqual(["temperature 0.2", "temperature 0.7"]);
    ask(root, "More");
    await until(() => specs.length === 1, "the follow-up");
    // A follow-up sends no settings: each column's stored ones are used.
    expect(specs[0].columns).toEqual([{ targets: ["x/one"], after: 2 }, { targets: ["x/one"], after: 3 }]);
  });
});

const estimateOver = (target: string): Estimate => ({ ...estimate(target), promptTokens: 12000, fillPercent: 120, cutTokens: 2001 });

describe("A compare's follow-ups, their settings and their cost", () => {
  const later = async (cond: () => boolean, what: string, ms = 3000) => {
    for (let t = 0; t < ms; t += 5) { if (cond()) return; await new Promise((r) => setTimeout(r, 5)); }
    throw new Error(`timed out waiting for ${what}`);
  };
  const field = (cls: string, value: string) => {
    const el = document.querySelector(cls) as HTMLInputElement;
    el.value = value;
    el.dispatchEvent(new Event("input", { bubbles: true }));
  };
  const type = (root: HTMLElement, text: string) => {
    const t = root.querySelector<HTMLTextAreaElement>(".compare-input")!;
    t.value = text;
    t.dispatchEvent(new Event("input", { bubbles: true }));
  };
  /** A compare of two columns, answered: ready for follow-ups. */
  async function started(f: ReturnType<typeof fake>) {
    const root = mount(f.backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    ask(root, "First");
    await later(() => root.querySelectorAll(".column-status.done").length === 2, "both answers");
    return root;
  }
  const editColumn = async (root: HTMLElement, i: number, edit: () => void) => {
    root.querySelector<HTMLButtonElement>(`.column[data-column='${i}'] .column-settings`)!.click();
    await later(() => document.querySelector(".column-params") !== null, "the settings");
    edit();
  };
  const done1 = () => document.querySelector<HTMLButtonElement>(".column-params-done")!.click();

  it("a follow-up's preview carries each column's settings as edited (before they are saved), and is asked again once saved", async () => {
    let answers = 0;
    const f = fake((targets) => [done(targets[0], 60 + answers++)]);
    const root = await started(f);
    type(root, "Next?");
    await later(() => f.previews.at(-1)?.prompt === "Next?", "the follow-up's preview");
    const none = { preset: null, system: "", temperature: null, topP: null, maxTokens: null, reasoning: null, stop: [], seed: null };
    expect(f.previews.at(-1)!.columns.map((c) => c.settings)).toEqual([none, none]);
    await editColumn(root, 1, () => field(".column-params .params-maxTokens-input", "64"));
    // Costed as edited while the dialog is open (nothing saved yet).
    await later(() => f.previews.at(-1)!.columns[1].settings?.maxTokens === 64, "the edit costed");
    expect(f.columnSettings).toHaveLength(0);
    expect(f.previews.at(-1)!.columns[0].settings).toEqual(none);
    const asked = f.previews.length;
    done1();
    await later(() => f.columnSettings.length === 1, "saved");
    await later(() => f.previews.length === asked + 1, "asked again once saved");
    expect(f.previews.at(-1)).toEqual(f.previews.at(-2));
  });

  it("a follow-up sent right after a column's settings are closed waits for their save", async () => {
    let answers = 0;
    const f = fake((targets) => [done(targets[0], 60 + answers++)]);
    const order: string[] = [];
    let release!: () => void;
    const backend = f.backend as unknown as { setColumnSettings: unknown; compare: (...a: unknown[]) => unknown };
    backend.setColumnSettings = (conv: number, column: number, settings: ChatSettings) => new Promise<void>((resolve) => {
      release = () => { order.push("saved"); f.columnSettings.push([conv, column, settings]); resolve(); };
    });
    const compare = backend.compare;
    backend.compare = (...a: unknown[]) => { order.push("sent"); return compare(...a); };
    const root = await started(f);
    order.length = 0;
    await editColumn(root, 0, () => field(".column-params .params-seed-input", "9"));
    done1();
    ask(root, "Follow-up");
    await new Promise((r) => setTimeout(r, 100));
    expect(f.specs).toHaveLength(1); // held for the save
    release();
    await later(() => f.specs.length === 2, "the follow-up");
    expect(order).toEqual(["saved", "sent"]);
    expect(f.columnSettings[0]).toEqual([5, 0, { preset: null, system: null, temperature: null, topP: null, maxTokens: null, reasoning: null, stop: null, seed: 9 }]);
  });

  it("a column's settings that cannot be saved hold the follow-up with why; the next send tries the save again", async () => {
    let answers = 0;
    const f = fake((targets) => [done(targets[0], 60 + answers++)]);
    let failing = true;
    const tries: number[] = [];
    (f.backend as unknown as { setColumnSettings: unknown }).setColumnSettings = async (_: number, column: number) => {
      tries.push(column);
      if (failing) throw new Error("the store is read-only");
    };
    const root = await started(f);
    await editColumn(root, 1, () => field(".column-params .params-seed-input", "4"));
    done1();
    ask(root, "Follow-up");
    await later(() => root.querySelector(".problem")?.textContent?.includes("Not sent: a column's settings could not be saved") ?? false, "the problem");
    expect(root.querySelector(".problem")!.textContent).toContain("the store is read-only");
    expect(f.specs).toHaveLength(1);
    expect(root.querySelector<HTMLTextAreaElement>(".compare-input")!.value).toBe("Follow-up"); // kept
    failing = false;
    root.querySelector<HTMLTextAreaElement>(".compare-input")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await later(() => f.specs.length === 2, "the follow-up");
    expect(tries).toEqual([1, 1, 1]); // on close, on the refused send, on this one
  });

  it("a stale 'over' does not hold a shortened follow-up; a current one does, and Enter is decided on the current one", async () => {
    let answers = 0;
    const f = fake((targets) => [done(targets[0], 60 + answers++)]);
    (f.backend as unknown as { previewCompare: unknown }).previewCompare = async (spec: CompareSpec) => {
      f.previews.push(structuredClone(spec));
      return { columns: spec.columns.map((c, i) => ({ ...estimateOver(c.targets[0]), fit: i === 1 && spec.prompt.startsWith("Huge") ? "over" : "fits" })), rules: [], crosses: null };
    };
    const root = await started(f);
    const send = () => root.querySelector<HTMLButtonElement>(".compare-composer .send")!;
    type(root, "Huge paste");
    await later(() => root.querySelector(".cost-refusal") !== null, "the refusal");
    expect(send().disabled).toBe(true);
    // Shortened and sent at once: the stale refusal holds nothing.
    ask(root, "Short");
    expect(send().disabled).toBe(false);
    await later(() => f.specs.length === 2, "the follow-up");
    expect(f.specs[1].prompt).toBe("Short");
    // A huge paste sent at once: its preview is waited for, and holds the send.
    await later(() => root.querySelectorAll(".column-status.done").length === 2, "the answers");
    ask(root, "Huge again");
    await later(() => root.querySelector(".problem")?.textContent?.includes("column B's prompt is over its context window") ?? false, "held");
    expect(f.specs).toHaveLength(2);
  });

  it("an estimated count past a column's window is a warning; the compare still goes", async () => {
    const f = fake((targets) => [done(targets[0], 1)]);
    (f.backend as unknown as { previewCompare: unknown }).previewCompare = async (spec: CompareSpec) => ({
      columns: spec.columns.map((c, i) => (i === 0
        ? { ...estimateOver(c.targets[0]), counted: { kind: "estimated", samples: 0, chars_per_token: 4 }, fit: "tight" }
        : estimate(c.targets[0]))),
      rules: [], crosses: null,
    });
    const root = mount(f.backend);
    pick(root, 0, "x/one");
    pick(root, 1, "x/two");
    type(root, "Long, by estimate");
    await later(() => root.querySelector(".cost-may-refuse") !== null, "the warning");
    expect(root.querySelector(".cost-may-refuse")!.textContent).toBe("A: ≈ over x/one's context window by about 2,001 tokens — it may be refused (the count is an estimate; shorten the message or drop attachments to be sure).");
    expect(root.querySelector(".cost-refusal")).toBeNull();
    expect(root.querySelector<HTMLButtonElement>(".compare-composer .send")!.disabled).toBe(false);
    ask(root, "Long, by estimate");
    await later(() => f.specs.length === 1, "the compare");
  });
});

describe("Leaderboard", () => {
  it("groups by model when toggled: the board is asked again with byModel", async () => {
    const asked: [string | null, string | null, boolean | undefined][] = [];
    const row = (model: string, rating: number) => ({ model, rating, low: rating - 50, high: rating + 50, votes: 4, wins: 2, ties: 1, losses: 1 });
    const backend = {
      leaderboard: async (since: string | null, until: string | null, byModel?: boolean) => {
        asked.push([since, until, byModel]);
        return byModel
          ? { votes: 4, rows: [row("x/one", 1010)] }
          : { votes: 4, rows: [row("x/one · temperature 0.2", 1040), row("x/one · temperature 1", 980)] };
      },
    } as unknown as FullBackend;
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <LeaderboardView backend={backend} />, root);
    await until(() => root.querySelectorAll(".rating").length === 2, "the board");
    expect([...root.querySelectorAll(".rating .model")].map((e) => e.textContent)).toEqual(["x/one · temperature 0.2", "x/one · temperature 1"]);
    const toggle = root.querySelector<HTMLInputElement>(".by-model")!;
    expect(toggle.checked).toBe(false);
    expect(toggle.getAttribute("role")).toBe("switch");
    toggle.click();
    await until(() => root.querySelectorAll(".rating").length === 1, "grouped by model");
    expect(asked).toEqual([[null, null, false], [null, null, true]]);
    expect(root.querySelector(".rating .model")!.textContent).toBe("x/one");
  });
});
