import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { dismissToast, toasts } from "../design/toast";
import type { CheckResult, EvalMsg, EvalRun, EvalStart, RunDetail, RunDiff, StoredCell, Suite, SuitesView } from "../types";
import { EvaluationsView } from "./Evaluations";
import { dollars, parseTargets, summarize, verdictOf, wholeIn } from "./logic";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 300; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
const tick = () => new Promise((r) => setTimeout(r, 0));

let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; document.body.innerHTML = ""; toasts().forEach((t) => dismissToast(t.id)); });
function mount(backend: FullBackend) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <EvaluationsView backend={backend} visible />, root);
  return root;
}

const SUITE_PATH = "/data/evals/smoke.toml";
const suite: Suite = {
  name: "smoke", description: null, path: SUITE_PATH, settings: {}, preset: null, judge: { target: null, rubric: null }, hash: "h1",
  cases: [
    { label: "greet", prompt: "Say hello to Ada.", vars: { name: "Ada" }, attach: [], checks: [{ type: "contains", value: "Ada", ignore_case: false }] },
    { label: "sum", prompt: "What is 2+2?", vars: {}, attach: [], checks: [{ type: "equals", value: "4", ignore_case: false }] },
  ],
};
const suites: SuitesView = {
  dir: "/data/evals",
  suites: [
    { path: SUITE_PATH, name: "smoke", cases: 2, error: null },
    { path: "/data/evals/bad.toml", name: null, cases: 0, error: "bad.toml:3: cases[0].checks[0].type: unknown check \"contain\"" },
  ],
};
const check = (kind: string, passed: boolean, reason: string, extra: Partial<CheckResult> = {}): CheckResult => ({ kind, passed, reason, score: null, judge: null, ...extra });
const cell = (c: number, target: string, over: Partial<StoredCell> = {}): StoredCell => ({
  case: c, target, rep: 0, passed: true, error: null, answer: `answer ${c} from ${target}`, checks: [check("contains", true, "found \"Ada\"")],
  score: null, costMicros: 1200, judgeMicros: 0, ms: 100, model: target, requestId: null, finishedAt: 1_700_000_000_000, judgePending: false, ...over,
});
const run = (id: number, over: Partial<EvalRun> = {}): EvalRun => ({
  id, suiteName: "smoke", suitePath: SUITE_PATH, suiteHash: "h1", targets: ["a/x", "b/y"], preset: null, repeat: 1, cells: 4, answered: 4,
  passed: 3, status: "done", note: null, costMicros: 4800, startedAt: Date.UTC(2026, 2, 1, 12), finishedAt: Date.UTC(2026, 2, 1, 12, 5), ...over,
});
const detailOf = (r: EvalRun, cells: StoredCell[]): RunDetail => ({ run: r, suite, cells, summary: summarize(r.targets, r.repeat, cells) });

/** A fake backend: records what it is asked; a run's messages are delivered by the test through `emit`. */
function fake(opts: { runs?: EvalRun[]; details?: Record<number, RunDetail>; diff?: RunDiff } = {}) {
  const calls = {
    suite: [] as string[], starts: [] as EvalStart[], stops: [] as number[], runs: 0, run: [] as number[], diffs: [] as [number, number][],
    deleted: [] as number[], exports: [] as [number, string][],
  };
  let runs = opts.runs ?? [];
  let emit: ((m: EvalMsg) => void) | null = null;
  const backend = {
    models: async () => [{ id: "a/x", provider: "a", contextLength: null, inputPerM: null, outputPerM: null }],
    evalSuites: async () => suites,
    evalSuite: async (path: string) => {
      calls.suite.push(path);
      if (path === SUITE_PATH) return suite;
      throw { kind: "config", message: `${path}:4: cases[1].prompt: missing field \`prompt\``, provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null };
    },
    evalStart: async (start: EvalStart, onMsg: (m: EvalMsg) => void) => {
      calls.starts.push(structuredClone(start));
      if (start.targets.includes("zz/none")) throw { kind: "bad_input", message: "unknown target zz/none", provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null };
      emit = onMsg;
      return 77;
    },
    evalStop: async (handle: number) => { calls.stops.push(handle); return true; },
    evalRuns: async () => { calls.runs++; return runs; },
    evalRun: async (id: number) => {
      calls.run.push(id);
      const d = opts.details?.[id];
      if (!d) throw new Error(`no run ${id}`);
      return d;
    },
    evalDiff: async (a: number, b: number) => { calls.diffs.push([a, b]); return opts.diff!; },
    evalDeleteRun: async (id: number) => { calls.deleted.push(id); runs = runs.filter((r) => r.id !== id); },
    evalExport: async (id: number, format: string) => { calls.exports.push([id, format]); return `/home/u/Downloads/roundtable-eval-${id}.${format}`; },
  } as unknown as FullBackend;
  return { backend, calls, emit: (m: EvalMsg) => emit!(m) };
}

const q = <T extends Element = HTMLElement>(root: ParentNode, id: string) => root.querySelector<T & Element>(`[data-testid="${id}"]`) as unknown as T;
function set(el: HTMLInputElement | HTMLSelectElement, value: string, event = "input") {
  el.value = value;
  el.dispatchEvent(new Event(event, { bubbles: true }));
}
const verdicts = (root: HTMLElement) =>
  [...root.querySelectorAll<HTMLElement>("[data-testid^='eval-cell-']")].map((c) => `${c.dataset.testid!.slice(10)}:${c.dataset.verdict}`);

/** Picks the smoke suite and types the targets. */
async function ready(root: HTMLElement, targets = "a/x, b/y") {
  await until(() => root.querySelectorAll("[data-testid=eval-suite] option").length === 3, "the suites");
  set(q<HTMLSelectElement>(root, "eval-suite"), SUITE_PATH, "change");
  set(q<HTMLInputElement>(root, "eval-targets"), targets);
  await until(() => !!q(root, "eval-suite-info"), "the suite loaded");
}

describe("Evaluations", () => {
  it("lists the suites (one that does not load disabled, with its error) and shows a suite's load error verbatim", async () => {
    const { backend, calls } = fake();
    const root = mount(backend);
    await until(() => root.querySelectorAll("[data-testid=eval-suite] option").length === 3, "the suites");
    const options = [...root.querySelectorAll<HTMLOptionElement>("[data-testid=eval-suite] option")];
    expect(options.map((o) => [o.value, o.disabled])).toEqual([["", false], [SUITE_PATH, false], ["/data/evals/bad.toml", true]]);
    expect(options[1].textContent).toBe("smoke (2 cases)");
    expect(options[2].textContent).toContain("unknown check \"contain\"");
    expect(root.querySelector(".eval-dir")!.textContent).toBe("/data/evals");
    expect(q<HTMLSelectElement>(root, "eval-suite").labels?.[0]?.textContent).toBe("Suite");

    set(q<HTMLSelectElement>(root, "eval-suite"), SUITE_PATH, "change");
    await until(() => !!q(root, "eval-suite-info"), "the suite");
    expect(q(root, "eval-suite-info").textContent).toBe("smoke · 2 cases");
    set(q<HTMLInputElement>(root, "eval-targets"), "a/x b/y,, a/x");
    await until(() => q(root, "eval-suite-info").textContent!.includes("targets"), "the cell count");
    expect(q(root, "eval-suite-info").textContent).toBe("smoke · 2 cases × 2 targets = 4 cells");
    expect(q<HTMLButtonElement>(root, "eval-run").disabled).toBe(false);

    // A typed path wins over the pick; its error is shown as the engine words it.
    set(q<HTMLInputElement>(root, "eval-suite-path"), "/tmp/broken.toml");
    await until(() => !!q(root, "eval-suite-error"), "the load error");
    expect(q(root, "eval-suite-error").getAttribute("role")).toBe("alert");
    expect(q(root, "eval-suite-error").textContent).toBe("/tmp/broken.toml:4: cases[1].prompt: missing field `prompt`");
    expect(calls.suite.at(-1)).toBe("/tmp/broken.toml");
    expect(q<HTMLButtonElement>(root, "eval-run").disabled).toBe(true);
  });

  it("Run sends the suite and targets; progress and the grid fill in as cells arrive; the summary is computed live", async () => {
    const f = fake({ details: { 9: detailOf(run(9), []) } });
    const root = mount(f.backend);
    expect(q<HTMLButtonElement>(root, "eval-run").disabled).toBe(true);
    await ready(root);
    set(q<HTMLInputElement>(root, "eval-preset"), " strict ");
    q<HTMLButtonElement>(root, "eval-run").click();
    await until(() => f.calls.starts.length === 1, "the start");
    expect(f.calls.starts[0]).toEqual({ path: SUITE_PATH, targets: ["a/x", "b/y"], preset: "strict", repeat: null, concurrency: 4, fresh: false });
    await until(() => !!q(root, "eval-grid"), "the grid");
    expect(q<HTMLButtonElement>(root, "eval-run").disabled).toBe(true);
    expect(verdicts(root)).toEqual(["0-0:pending", "0-1:pending", "1-0:pending", "1-1:pending"]);

    f.emit({ kind: "started", runId: 9, total: 4, skipped: 0, resumed: false });
    await tick();
    const progress = q<HTMLProgressElement>(root, "eval-progress");
    expect([progress.value, progress.max]).toEqual([0, 4]);
    expect(q(root, "eval-progress-text").textContent).toBe("0 of 4 cells · 0 failed");
    expect(q(root, "eval-resumed")).toBeNull();

    f.emit({ kind: "cell", cell: cell(0, "a/x", { ms: 100 }) });
    f.emit({ kind: "cell", cell: cell(0, "b/y", { passed: false, ms: 300, checks: [check("contains", false, "\"Ada\" not found")] }) });
    await tick();
    expect(progress.value).toBe(2);
    expect(q(root, "eval-progress-text").textContent).toBe("2 of 4 cells · 1 failed");
    f.emit({ kind: "cell", cell: cell(1, "a/x", { passed: false, error: "a: timed out after 60 s", answer: "", checks: [], ms: 60_000 }) });
    f.emit({ kind: "cell", cell: cell(1, "b/y", { ms: 200, score: 4.5, checks: [check("judge", true, "correct", { score: 4.5 })] }) });
    await tick();
    expect(progress.value).toBe(4);
    expect(q(root, "eval-progress-text").textContent).toBe("4 of 4 cells · 2 failed");
    expect(verdicts(root)).toEqual(["0-0:pass", "0-1:fail", "1-0:error", "1-1:pass"]);
    // Never colour alone: a mark (and the judge's score) in every cell.
    expect(q(root, "eval-cell-0-0").textContent).toBe("✓");
    expect(q(root, "eval-cell-0-1").textContent).toBe("✗");
    expect(q(root, "eval-cell-1-0").textContent).toBe("!");
    expect(q(root, "eval-cell-1-1").textContent).toBe("✓4.5");
    expect(q(root, "eval-cell-1-1").classList.contains("score-good")).toBe(true);
    expect(q(root, "eval-cell-0-1").classList.contains("verdict-fail")).toBe(true);

    const rows = [...q(root, "eval-summary").querySelectorAll<HTMLElement>(".eval-summary-row")];
    const row = (t: string) => rows.find((r) => r.dataset.target === t)!;
    const text = (r: HTMLElement, cls: string) => r.querySelector(cls)!.textContent;
    expect([text(row("a/x"), ".sum-passed"), text(row("a/x"), ".sum-rate"), text(row("a/x"), ".sum-p50"), text(row("a/x"), ".sum-score")])
      .toEqual(["1/2 · 1 no answer", "50%", "100 ms", "—"]);
    // The lower median of 200 and 300 ms (as the engine's summary), not their mean.
    expect([text(row("b/y"), ".sum-passed"), text(row("b/y"), ".sum-rate"), text(row("b/y"), ".sum-p50"), text(row("b/y"), ".sum-score")])
      .toEqual(["1/2", "50%", "200 ms", "4.50"]);
    expect(text(row("b/y"), ".sum-cost")).toBe("$0.002400");

    f.emit({ kind: "ended", end: { runId: 9, status: "done", stopped: null, budget: false, errors: 1 } });
    await until(() => f.calls.run.includes(9), "the stored run opened");
    expect(q(root, "eval-note").textContent).toBe("Done: 4 of 4 cells · 1 cell got no answer; run again to retry them.");
    expect(q(root, "eval-stop")).toBeNull();
    expect(f.calls.runs).toBeGreaterThanOrEqual(2);
  });

  it("Stop stops the run by its handle; a run a spend limit stopped says so and that running again resumes; a failure is shown", async () => {
    const f = fake();
    const root = mount(f.backend);
    await ready(root, "a/x");
    set(q<HTMLInputElement>(root, "eval-repeat"), "3");
    set(q<HTMLInputElement>(root, "eval-concurrency"), "2");
    q<HTMLInputElement>(root, "eval-fresh").click();
    q<HTMLButtonElement>(root, "eval-run").click();
    await until(() => f.calls.starts.length === 1, "the start");
    expect(f.calls.starts[0]).toMatchObject({ targets: ["a/x"], repeat: 3, concurrency: 2, fresh: true });
    await until(() => !!q(root, "eval-stop") && !q<HTMLButtonElement>(root, "eval-stop").disabled, "the handle");
    f.emit({ kind: "started", runId: 4, total: 6, skipped: 2, resumed: true });
    await tick();
    expect(q(root, "eval-resumed").textContent).toBe("resumed: 2 cells already done");
    expect(q(root, "eval-progress-text").textContent).toBe("2 of 6 cells · 0 failed");

    // Repetitions: a cell passes only when every one did.
    f.emit({ kind: "cell", cell: cell(0, "a/x", { rep: 0 }) });
    f.emit({ kind: "cell", cell: cell(0, "a/x", { rep: 1 }) });
    await tick();
    expect(q(root, "eval-cell-0-0").dataset.verdict).toBe("pending");
    expect(q(root, "eval-cell-0-0").textContent).toBe("·2/3");
    f.emit({ kind: "cell", cell: cell(0, "a/x", { rep: 2, passed: false }) });
    await tick();
    expect(q(root, "eval-cell-0-0").dataset.verdict).toBe("fail");
    expect(q(root, "eval-cell-0-0").textContent).toBe("✗2/3");

    q<HTMLButtonElement>(root, "eval-stop").click();
    await tick();
    expect(f.calls.stops).toEqual([77]);
    f.emit({ kind: "ended", end: { runId: 4, status: "stopped", stopped: "budget exceeded: all per day ($1.00)", budget: true, errors: 0 } });
    await tick();
    const note = q(root, "eval-note");
    expect(note.getAttribute("role")).toBe("status");
    expect(note.textContent).toContain("A spend limit stopped the run: budget exceeded: all per day ($1.00).");
    expect(note.textContent).toContain("Running it again resumes where it stopped");
    expect(q(root, "eval-stop")).toBeNull();

    // Another run, refused midway.
    q<HTMLButtonElement>(root, "eval-run").click();
    await until(() => f.calls.starts.length === 2, "the second start");
    f.emit({ kind: "failed", error: { kind: "store", message: "the database is locked", provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null } });
    await until(() => !!q(root, "eval-failed"), "the failure");
    expect(q(root, "eval-failed").getAttribute("role")).toBe("alert");
    expect(q(root, "eval-failed").textContent).toContain("the database is locked");
    expect(q<HTMLButtonElement>(root, "eval-run").disabled).toBe(false);
  });

  it("a run refused before it starts says why, with no grid", async () => {
    const f = fake();
    const root = mount(f.backend);
    await ready(root, "a/x zz/none");
    q<HTMLButtonElement>(root, "eval-run").click();
    await until(() => !!q(root, "eval-failed"), "the refusal");
    expect(q(root, "eval-failed").textContent).toBe("The run could not go on: unknown target zz/none");
    expect(q(root, "eval-grid")).toBeNull();
    expect(q<HTMLButtonElement>(root, "eval-run").disabled).toBe(false);
  });

  it("a cell opens its answer (as plain text), figures and every check's reason, with the judge's model, prompt and reply", async () => {
    const judged = cell(0, "b/y", {
      passed: false, answer: "Hi <img src=x onerror=alert(1)> there", model: "b/y-2026", ms: 1234, costMicros: 2500, judgeMicros: 700, score: 2,
      checks: [
        check("contains", true, "found \"Ada\""),
        check("judge", false, "score 2 below 4: it greets the wrong person", {
          score: 2, judge: { target: "@judge", model: "j/big", prompt: "Rate this <b>answer</b>", reply: "SCORE: 2 <script>x()</script>", costMicros: 700 },
        }),
      ],
    });
    const r = run(5);
    const f = fake({ runs: [r], details: { 5: detailOf(r, [cell(0, "a/x"), judged, cell(1, "a/x"), cell(1, "b/y")]) } });
    const root = mount(f.backend);
    await until(() => !!q(root, "eval-run-5"), "the runs");
    q(root, "eval-run-5").click();
    await until(() => !!q(root, "eval-grid"), "the grid");
    expect(f.calls.run).toEqual([5]);
    expect(verdicts(root)).toEqual(["0-0:pass", "0-1:fail", "1-0:pass", "1-1:pass"]);
    expect(q(root, "eval-cell-0-1").classList.contains("score-bad")).toBe(true);
    q<HTMLButtonElement>(root, "eval-cell-0-1").click();
    await until(() => !!q(document, "eval-cell-detail"), "the detail");
    const d = q(document, "eval-cell-detail");
    expect(d.tagName).toBe("DIALOG");
    expect(d.querySelector(".eval-fact-target")!.textContent).toBe("b/y");
    expect(d.querySelector(".eval-fact-model")!.textContent).toBe("b/y-2026");
    expect(d.querySelector(".eval-fact-ms")!.textContent).toBe("1,234 ms");
    expect(d.querySelector(".eval-fact-cost")!.textContent).toBe("$0.002500 + judges $0.000700");
    expect(d.querySelector(".eval-answer")!.textContent).toBe("Hi <img src=x onerror=alert(1)> there");
    expect(d.querySelector("img")).toBeNull();
    expect(d.querySelector("script")).toBeNull();
    expect(d.querySelector("b")).toBeNull();
    const checks = [...d.querySelectorAll(".eval-check")];
    expect(checks.map((c) => [c.querySelector(".eval-check-mark")!.textContent, c.querySelector(".eval-check-kind")!.textContent, c.querySelector(".eval-check-reason")!.textContent]))
      .toEqual([["✓", "contains", "found \"Ada\""], ["✗", "judge", "score 2 below 4: it greets the wrong person"]]);
    expect(checks[1].querySelector(".eval-check-score")!.textContent).toBe("score 2");
    expect(checks[1].querySelector(".eval-judge-model")!.textContent).toContain("judged by j/big (as @judge)");
    expect(checks[1].querySelector("details .eval-judge-prompt")!.textContent).toBe("Rate this <b>answer</b>");
    expect(checks[1].querySelector("details .eval-judge-reply")!.textContent).toBe("SCORE: 2 <script>x()</script>");
    (d.querySelector(".dialog-close") as HTMLButtonElement).click();
    await until(() => !q(document, "eval-cell-detail"), "the detail closed");
  });

  it("a case's row opens it side by side: the prompt and each target's answer with its verdict, and back to the grid", async () => {
    const r = run(5);
    const f = fake({ runs: [r], details: { 5: detailOf(r, [cell(0, "a/x"), cell(0, "b/y", { passed: false, answer: "<i>nope</i>" })]) } });
    const root = mount(f.backend);
    await until(() => !!q(root, "eval-run-5"), "the runs");
    q(root, "eval-run-5").click();
    await until(() => !!q(root, "eval-case-0"), "the grid");
    expect(q(root, "eval-case-0").textContent).toBe("greet");
    expect(q(root, "eval-case-0").title).toBe("Say hello to Ada.");
    q<HTMLButtonElement>(root, "eval-case-0").click();
    await until(() => !!q(root, "eval-case-view"), "the case");
    const v = q(root, "eval-case-view");
    expect(q(root, "eval-grid")).toBeNull();
    expect(v.querySelector(".eval-prompt")!.textContent).toBe("Say hello to Ada.");
    const cols = [...v.querySelectorAll<HTMLElement>(".eval-side-col")];
    expect(cols.map((c) => [c.dataset.target, c.querySelector<HTMLElement>(".eval-verdict")!.dataset.verdict, c.querySelector(".eval-answer")!.textContent]))
      .toEqual([["a/x", "pass", "answer 0 from a/x"], ["b/y", "fail", "<i>nope</i>"]]);
    expect(v.querySelector("i")).toBeNull();
    q<HTMLButtonElement>(root, "eval-case-back").click();
    await until(() => !!q(root, "eval-grid"), "the grid again");
  });

  it("lists the runs (an abandoned one as unfinished); two picked compare older against newer; a run is deleted after a confirmation", async () => {
    const runs = [run(3, { status: "running", passed: 1, cells: 4, costMicros: 1_234_567 }), run(2, { suiteName: "smoke v1" })];
    const diff: RunDiff = {
      sameSuite: false, compared: 4,
      changes: [{ case: 0, label: "greet", target: "a/x", rep: 0, before: true, after: false, beforeScore: 4, afterScore: 2 },
        { case: 1, label: "sum", target: "b/y", rep: 0, before: null, after: true, beforeScore: null, afterScore: null }],
    };
    const f = fake({ runs, diff });
    const root = mount(f.backend);
    await until(() => !!q(root, "eval-runs"), "the runs");
    const item = q(root, "eval-run-3");
    expect(item.querySelector(".eval-run-name")!.textContent).toBe("smoke #3");
    expect(item.querySelector(".eval-run-targets")!.textContent).toBe("a/x, b/y");
    expect(item.querySelector(".eval-run-status")!.textContent).toBe("unfinished");
    expect(item.querySelector(".eval-run-passed")!.textContent).toBe("1/4 passed");
    expect(item.querySelector(".eval-run-cost")!.textContent).toBe("$1.2346");
    expect(item.querySelector(".eval-run-when")!.textContent).toContain("2026");
    expect(q(root, "eval-run-2").querySelector(".eval-run-status")!.textContent).toBe("done");

    const compare = q<HTMLButtonElement>(root, "eval-compare-runs");
    expect(compare.disabled).toBe(true);
    q<HTMLInputElement>(root, "eval-pick-3").click();
    q<HTMLInputElement>(root, "eval-pick-2").click();
    await tick();
    expect(compare.disabled).toBe(false);
    compare.click();
    await until(() => !!q(root, "eval-diff"), "the comparison");
    expect(f.calls.diffs).toEqual([[2, 3]]);
    expect(f.calls.run).toEqual([]); // ticking a run does not open it
    const d = q(root, "eval-diff");
    expect(d.querySelector(".eval-diff-count")!.textContent).toBe("4 cells compared, 2 changed");
    expect(d.querySelector(".eval-diff-warn")!.textContent).toContain("The suites differ");
    const changes = [...d.querySelectorAll(".eval-change")].map((r) => [...r.querySelectorAll("td")].map((td) => td.textContent));
    expect(changes).toEqual([["greet", "a/x", "pass → fail", "4.0 → 2.0"], ["sum", "b/y", "not in run #2 → pass", "— → —"]]);

    q<HTMLButtonElement>(root, "eval-delete-2").click();
    await until(() => !!q(document, "eval-delete-dialog"), "the confirmation");
    expect(f.calls.deleted).toEqual([]);
    q<HTMLButtonElement>(document, "eval-delete-confirm").click();
    await until(() => !q(root, "eval-run-2"), "the run gone");
    expect(f.calls.deleted).toEqual([2]);
    expect(q(root, "eval-diff")).toBeNull();
    expect(q<HTMLButtonElement>(root, "eval-compare-runs").disabled).toBe(true);
  });

  it("exports the open run as CSV, JSON or an HTML report and says where the file went", async () => {
    const r = run(5);
    const f = fake({ runs: [r], details: { 5: detailOf(r, [cell(0, "a/x")]) } });
    const root = mount(f.backend);
    await until(() => !!q(root, "eval-run-5"), "the runs");
    expect(q(root, "eval-export-csv")).toBeNull();
    q(root, "eval-run-5").click();
    await until(() => !!q(root, "eval-export-html"), "the exports");
    q<HTMLButtonElement>(root, "eval-export-html").click();
    await until(() => f.calls.exports.length === 1, "the export");
    expect(f.calls.exports).toEqual([[5, "html"]]);
    await until(() => toasts().some((t) => t.text === "Saved to /home/u/Downloads/roundtable-eval-5.html"), "the toast");
    q<HTMLButtonElement>(root, "eval-export-csv").click();
    q<HTMLButtonElement>(root, "eval-export-json").click();
    await until(() => f.calls.exports.length === 3, "two more");
    expect(f.calls.exports.slice(1)).toEqual([[5, "csv"], [5, "json"]]);
  });

  it("with no runs, shows the smallest suite and the CLI command; labelled, no axe violations", async () => {
    const f = fake();
    const root = mount(f.backend);
    await until(() => !!root.querySelector(".eval-empty"), "the empty state");
    expect(root.querySelector(".eval-example")!.textContent).toBe(
      'name = "smoke"\n[[cases]]\nprompt = "Say hello to {name}."\nvars = { name = "Ada" }\nchecks = [{ type = "contains", value = "Ada" }]');
    expect(root.querySelector(".eval-empty")!.textContent).toContain("roundtable eval SUITE -m MODEL");
    for (const id of ["eval-suite", "eval-suite-path", "eval-targets", "eval-preset", "eval-repeat", "eval-concurrency", "eval-fresh"]) {
      const el = q<HTMLInputElement>(root, id);
      expect(el.labels?.[0]?.textContent, id).toBeTruthy();
    }
    const axe = (await import("axe-core")).default;
    const check = async (what: string) => {
      const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
      const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`), what).toEqual([]);
    };
    await check("the empty view");
  });

  it("a run's grid passes the axe checks", async () => {
    const r = run(5, { repeat: 2, cells: 8 });
    const cells = [cell(0, "a/x"), cell(0, "a/x", { rep: 1, passed: false }), cell(0, "b/y", { score: 3 }), cell(1, "a/x", { error: "down", passed: false })];
    const f = fake({ runs: [r], details: { 5: detailOf(r, cells) } });
    const root = mount(f.backend);
    await until(() => !!q(root, "eval-run-5"), "the runs");
    q(root, "eval-run-5").click();
    await until(() => !!q(root, "eval-grid"), "the grid");
    expect(verdicts(root)).toEqual(["0-0:fail", "0-1:pending", "1-0:error", "1-1:pending"]);
    expect(q(root, "eval-cell-0-1").classList.contains("score-mid")).toBe(true);
    // Spread over repetitions, from the engine's summary.
    expect(q(root, "eval-summary").querySelector("[data-target='a/x'] .sum-rate")!.textContent).toBe("33.3% ± 35.4%");
    const axe = (await import("axe-core")).default;
    const res = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
    expect(res.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => v.id)).toEqual([]);
  });
});

describe("the evaluations' pure pieces", () => {
  it("parses targets, checks numbers, decides verdicts and prints dollars", () => {
    expect(parseTargets(" openai/gpt-4o-mini, @fast  a/b,a/b ")).toEqual(["openai/gpt-4o-mini", "@fast", "a/b"]);
    expect([wholeIn("", 1, 100), wholeIn("3", 1, 100), wholeIn("0", 1, 100), wholeIn("2.5", 1, 100), wholeIn("x", 1, 100)]).toEqual([null, 3, "bad", "bad", "bad"]);
    expect(verdictOf([], 1)).toBe("pending");
    expect(verdictOf([cell(0, "a")], 1)).toBe("pass");
    expect(verdictOf([cell(0, "a", { passed: false, error: "x" })], 1)).toBe("error");
    expect(verdictOf([cell(0, "a"), cell(0, "a", { rep: 1, passed: false, error: "x" })], 2)).toBe("error");
    expect(verdictOf([cell(0, "a"), cell(0, "a", { rep: 1 })], 2)).toBe("pass");
    expect([dollars(0), dollars(1200), dollars(1_234_567)]).toEqual(["$0.0000", "$0.001200", "$1.2346"]);
  });

  it("summarizes as the engine does: pass rate, its spread over repetitions, the lower median latency, costs", () => {
    const cells = [
      cell(0, "a", { ms: 400 }), cell(1, "a", { ms: 100, passed: false }), cell(2, "a", { ms: 300 }), cell(3, "a", { ms: 200 }),
      cell(0, "a", { rep: 1, ms: 900, passed: false, error: "x" }), cell(1, "a", { rep: 1, ms: 50 }),
    ];
    const [s] = summarize(["a"], 2, cells);
    expect(s).toMatchObject({ target: "a", cells: 6, passed: 4, failed: 2, errors: 1, p50Ms: 200, costMicros: 7200, meanScore: null });
    expect(s.passRate).toBeCloseTo(4 / 6);
    // rep 0: 3/4, rep 1: 1/2 → sd of [0.75, 0.5]
    expect(s.passRateSd).toBeCloseTo(Math.SQRT1_2 * 0.25);
    expect(summarize(["b"], 1, cells)[0]).toMatchObject({ cells: 0, passRate: 0, p50Ms: null, passRateSd: null });
  });
});
