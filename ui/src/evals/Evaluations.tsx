// Evaluations: run a suite (a TOML file of cases and checks) against several models or routes and
// read the results as a grid — a row per case, a column per target — with a summary per target.
// A run streams its cells in as they end and can be stopped (running it again resumes); stored
// runs are listed, opened, compared two at a time, exported (CSV, JSON, an HTML report) and
// deleted. The engine does the work (the same as `roundtable eval`); this view only shows it.

import { createEffect, createMemo, createSignal, createUniqueId, For, on, onCleanup, onMount, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Badge, Button, Checkbox, EmptyState, IconButton, Skeleton, TextField, type Tone } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { ChevronDown, Download, GitCompare, ListChecks, Play, Square, Trash } from "../design/icons";
import { toast } from "../design/toast";
import { describe } from "../shared/problems";
import type { EvalMsg, EvalRun, EvalStart, ModelView, RunDetail, RunDiff, RunEnd, StoredCell, Suite, SuitesView } from "../types";
import { CaseView, CellDetail, Grid, type GridData, Summary } from "./Grid";
import { cellKey, dollars, parseTargets, passWord, summarize, when, wholeIn } from "./logic";
import "../usage/report.css";
import "./evals.css";

/** The smallest suite, shown while there are no runs. */
export const EXAMPLE_SUITE = `name = "smoke"
[[cases]]
prompt = "Say hello to {name}."
vars = { name = "Ada" }
checks = [{ type = "contains", value = "Ada" }]`;

/** A run started in this window: its handle, its figures as they arrive, how it ended. */
interface Live {
  handle: number | null;
  runId: number | null;
  suite: Suite;
  targets: string[];
  repeat: number;
  total: number;
  skipped: number;
  resumed: boolean;
  received: number;
  ended: RunEnd | null;
  failed: string | null;
}

const fileName = (path: string) => path.split(/[\\/]/).pop() || path;
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function EvaluationsView(props: { backend: FullBackend; visible?: boolean }) {
  const b = props.backend;
  const ids = { suite: createUniqueId(), models: createUniqueId(), runs: createUniqueId(), results: createUniqueId() };

  // The suites folder and its files.
  const [suites, setSuites] = createSignal<SuitesView | null>(null);
  const [suitesError, setSuitesError] = createSignal<string | null>(null);
  const loadSuites = () => b.evalSuites().then((v) => { setSuites(v); setSuitesError(null); }, (e) => setSuitesError(describe(e)));
  const [models, setModels] = createSignal<ModelView[]>([]);

  // The suite: picked in the list, or a path typed (which wins when set).
  const [chosen, setChosen] = createSignal("");
  const [typed, setTyped] = createSignal("");
  const path = () => typed().trim() || chosen();
  const [loaded, setLoaded] = createSignal<{ path: string; suite: Suite | null; error: string | null } | null>(null);
  let loadTimer: ReturnType<typeof setTimeout> | undefined;
  let loadSeq = 0;
  createEffect(on(path, (p) => {
    clearTimeout(loadTimer);
    const n = ++loadSeq;
    if (!p) return setLoaded(null);
    // A typed path is loaded once the typing pauses; a pick at once.
    loadTimer = setTimeout(() => {
      b.evalSuite(p).then(
        (suite) => { if (n === loadSeq) setLoaded({ path: p, suite, error: null }); },
        (e) => { if (n === loadSeq) setLoaded({ path: p, suite: null, error: describe(e) }); },
      );
    }, typed().trim() ? 250 : 0);
  }));
  onCleanup(() => clearTimeout(loadTimer));
  const current = () => (loaded()?.path === path() ? loaded() : null);

  // What a run is started with.
  const [targetsText, setTargetsText] = createSignal("");
  const targets = createMemo(() => parseTargets(targetsText()));
  const [preset, setPreset] = createSignal("");
  const [repeatText, setRepeatText] = createSignal("");
  const [concurrencyText, setConcurrencyText] = createSignal("4");
  const [fresh, setFresh] = createSignal(false);
  const repeat = () => wholeIn(repeatText(), 1, 100);
  const concurrency = () => wholeIn(concurrencyText(), 1, 64);

  // The run started here, and what the results area shows: that run ("live") or a stored one.
  const [live, setLive] = createSignal<Live | null>(null);
  const [liveCells, setLiveCells] = createSignal(new Map<string, StoredCell>(), { equals: false });
  const [shown, setShown] = createSignal<"live" | RunDetail | null>(null);
  const [caseView, setCaseView] = createSignal<number | null>(null);
  const [detail, setDetail] = createSignal<{ caseIndex: number; target: string } | null>(null);
  const running = () => { const l = live(); return !!l && !l.ended && !l.failed; };
  const runningId = () => (running() ? live()!.runId : null);

  const storedCells = createMemo(() => {
    const s = shown();
    return new Map(s && s !== "live" ? s.cells.map((c) => [cellKey(c.case, c.target, c.rep), c] as const) : []);
  });
  const grid = createMemo((): (GridData & { summary: ReturnType<typeof summarize>; stored: boolean }) | null => {
    const s = shown();
    if (s === "live") {
      const l = live();
      if (!l) return null;
      const cells = liveCells();
      return { runId: l.runId, suite: l.suite, targets: l.targets, repeat: l.repeat, cells, summary: summarize(l.targets, l.repeat, cells.values()), stored: false };
    }
    if (!s) return null;
    return { runId: s.run.id, suite: s.suite, targets: s.run.targets, repeat: s.run.repeat, cells: storedCells(), summary: s.summary, stored: true };
  });

  // The stored runs.
  const [runs, setRuns] = createSignal<EvalRun[] | null>(null);
  const [runsError, setRunsError] = createSignal<string | null>(null);
  const loadRuns = () => b.evalRuns().then((r) => { setRuns(r); setRunsError(null); }, (e) => setRunsError(describe(e)));
  const [picked, setPicked] = createSignal<number[]>([]);
  const [diff, setDiff] = createSignal<{ a: number; b: number; diff: RunDiff } | null>(null);
  const [deleting, setDeleting] = createSignal<EvalRun | null>(null);
  const [problem, setProblem] = createSignal<string | null>(null);

  onMount(() => {
    void loadSuites();
    void loadRuns();
    b.models?.().then(setModels, () => { /* the list only helps typing */ });
  });
  // Shown again: runs made meanwhile (the CLI, another window) are listed; a dialog left open goes.
  createEffect(on(() => props.visible, (v) => {
    if (v) { void loadRuns(); void loadSuites(); } else { setDetail(null); setDeleting(null); }
  }, { defer: true }));

  const canRun = () => !running() && !starting() && !!path() && targets().length > 0 && repeat() !== "bad" && concurrency() !== "bad" && !current()?.error;

  // A run's messages: only the run started last is listened to.
  let token = 0;
  // Set at once when Run is pressed, so a second press cannot start the same run twice.
  const [starting, setStarting] = createSignal(false);
  async function start() {
    if (!canRun() || starting()) return;
    setStarting(true);
    try {
      await begin();
    } finally {
      setStarting(false);
    }
  }
  async function begin() {
    const p = path();
    const list = targets();
    setProblem(null);
    let suite: Suite;
    try {
      // Loaded again at Run: the file may have changed since it was picked, and the backend
      // reads it now too.
      suite = await b.evalSuite(p);
      setLoaded({ path: p, suite, error: null });
    } catch (e) {
      setLoaded({ path: p, suite: null, error: describe(e) });
      return;
    }
    const rep = (repeat() as number | null) ?? 1;
    const spec: EvalStart = {
      path: p, targets: list, preset: preset().trim() || null, repeat: repeat() as number | null,
      concurrency: (concurrency() as number | null) ?? 4, fresh: fresh(),
    };
    const mine = ++token;
    setLive({
      handle: null, runId: null, suite, targets: list, repeat: rep, total: suite.cases.length * list.length * rep,
      skipped: 0, resumed: false, received: 0, ended: null, failed: null,
    });
    setLiveCells(new Map());
    setShown("live");
    setCaseView(null);
    setDiff(null);
    try {
      const handle = await b.evalStart(spec, (m) => { if (mine === token) onMsg(m); });
      if (mine === token) setLive((l) => l && { ...l, handle });
    } catch (e) {
      // Refused before it started (a target unknown, the suite gone): no grid to show.
      if (mine !== token) return;
      setLive((l) => l && { ...l, failed: describe(e) });
      if (live()?.runId == null && shown() === "live") setShown(null);
    }
  }

  function onMsg(m: EvalMsg) {
    switch (m.kind) {
      case "started": {
        setLive((l) => l && { ...l, runId: m.runId, total: m.total, skipped: m.skipped, resumed: m.resumed });
        void loadRuns();
        // Resumed: the cells ended before are the stored run's (the failed ones are run again).
        if (m.skipped > 0) {
          const mine = token;
          b.evalRun(m.runId).then((d) => {
            if (mine !== token) return;
            const cells = liveCells();
            for (const c of d.cells) {
              const k = cellKey(c.case, c.target, c.rep);
              if (!c.error && !cells.has(k)) cells.set(k, c);
            }
            setLiveCells(cells);
          }, () => { /* the grid fills in as the run goes; the stored run opens when it ends */ });
        }
        break;
      }
      case "cell": {
        const c = m.cell;
        const cells = liveCells();
        cells.set(cellKey(c.case, c.target, c.rep), c);
        setLiveCells(cells);
        setLive((l) => l && { ...l, received: l.received + 1 });
        break;
      }
      case "ended":
        setLive((l) => l && { ...l, ended: m.end });
        void loadRuns();
        if (shown() === "live") void openRun(m.end.runId, true);
        break;
      case "failed":
        setLive((l) => l && { ...l, failed: m.error.message });
        void loadRuns();
        break;
    }
  }

  function stop() {
    const h = live()?.handle;
    if (h != null) b.evalStop(h).catch((e) => setProblem(describe(e)));
  }

  /** Opens a run's grid (the run under way here: its live grid). */
  async function openRun(id: number, keepCase = false) {
    if (id === runningId()) { setShown("live"); if (!keepCase) setCaseView(null); return; }
    try {
      const d = await b.evalRun(id);
      setShown(d);
      if (!keepCase) setCaseView(null);
      setProblem(null);
    } catch (e) {
      setProblem(describe(e));
    }
  }

  const done = () => { const l = live(); return l ? l.skipped + l.received : 0; };
  const failedCount = () => [...liveCells().values()].filter((c) => !c.passed).length;
  const endNote = () => {
    const l = live();
    const e = l?.ended;
    if (!e) return "";
    if (e.stopped) {
      return e.budget
        ? `A spend limit stopped the run: ${e.stopped}. Running it again resumes where it stopped (the cells that ended are kept).`
        : `Stopped: ${e.stopped}. Running it again resumes where it stopped.`;
    }
    return `Done: ${done()} of ${l!.total} cells${e.errors ? ` · ${plural(e.errors, "cell")} got no answer; run again to retry them` : ""}.`;
  };

  async function exportRun(format: "csv" | "json" | "html") {
    const id = grid()?.runId;
    if (id == null) return;
    try {
      const saved = await b.evalExport(id, format);
      toast(`Saved to ${saved}`, "success");
    } catch (e) {
      toast(describe(e), "error");
    }
  }

  function pick(id: number, on: boolean) {
    setPicked((p) => (on ? [...p.filter((x) => x !== id), id] : p.filter((x) => x !== id)));
  }
  async function compareRuns() {
    const two = picked();
    if (two.length !== 2) return;
    const [a, z] = [Math.min(...two), Math.max(...two)];
    try {
      setDiff({ a, b: z, diff: await b.evalDiff(a, z) });
      setProblem(null);
    } catch (e) {
      setProblem(describe(e));
    }
  }
  async function remove(r: EvalRun) {
    setDeleting(null);
    try {
      await b.evalDeleteRun(r.id);
      setPicked((p) => p.filter((x) => x !== r.id));
      setDiff((d) => (d && (d.a === r.id || d.b === r.id) ? null : d));
      const s = shown();
      if (s && s !== "live" && s.run.id === r.id) setShown(null);
      toast(`Run #${r.id} deleted`, "success");
      await loadRuns();
    } catch (e) {
      toast(describe(e), "error");
    }
  }

  const statusOf = (r: EvalRun): { label: string; tone: Tone } =>
    r.status === "running"
      ? (r.id === runningId() ? { label: "running", tone: "accent" } : { label: "unfinished", tone: "warn" })
      : r.status === "stopped" ? { label: "stopped", tone: "warn" } : { label: "done", tone: "success" };
  const openId = () => grid()?.runId ?? null;

  return (
    <section class="evals report">
      <header class="view-head report-head">
        <h2>Evaluations</h2>
      </header>
      <div class="report-body">
        <section class="card report-card eval-setup" aria-labelledby={`${ids.suite}-title`}>
          <h3 class="report-card-title" id={`${ids.suite}-title`}>Run a suite</h3>
          <div class="eval-row">
            <div class="field eval-suite-field">
              <label class="field-label" for={ids.suite}>Suite</label>
              <div class="select">
                <select id={ids.suite} data-testid="eval-suite" onChange={(e) => setChosen(e.currentTarget.value)}>
                  <option value="" selected={!chosen()}>
                    {suites() ? (suites()!.suites.length ? "— Pick a suite —" : "No suites in the folder yet") : "Loading the suites…"}
                  </option>
                  <For each={suites()?.suites ?? []}>{(s) => (
                    <option value={s.path} disabled={!!s.error} selected={s.path === chosen()} title={s.error ?? s.path}>
                      {s.error ? `${fileName(s.path)} — does not load: ${s.error}` : `${s.name ?? fileName(s.path)} (${plural(s.cases, "case")})`}
                    </option>
                  )}</For>
                </select>
                <ChevronDown size={14} aria-hidden="true" />
              </div>
            </div>
            <TextField label="Or a suite file's path" class="eval-path-field" data-testid="eval-suite-path" placeholder="/path/to/suite.toml"
              value={typed()} onInput={(e) => setTyped(e.currentTarget.value)} spellcheck={false} autocomplete="off" />
          </div>
          <p class="eval-hint">
            Suites are TOML files in <code class="eval-dir">{suites()?.dir ?? "the data folder's evals/"}</code>; the list shows the files there.
          </p>
          <Show when={suitesError()}><p class="eval-error" role="alert">Could not list the suites: {suitesError()}</p></Show>
          <Show when={path()}>
            <Show when={current()} fallback={<p class="eval-suite-info muted">Loading the suite…</p>}>{(c) => (
              <Show when={c().suite} fallback={<p class="eval-error eval-suite-error" role="alert" data-testid="eval-suite-error">{c().error}</p>}>{(s) => (
                <p class="eval-suite-info" data-testid="eval-suite-info">
                  <strong class="eval-suite-name">{s().name}</strong> · {plural(s().cases.length, "case")}
                  <Show when={targets().length}>
                    {" "}× {plural(targets().length, "target")}<Show when={typeof repeat() === "number" && (repeat() as number) > 1}> × {repeat() as number}</Show>
                    {" "}= {plural(s().cases.length * targets().length * ((repeat() as number | null) || 1), "cell")}
                  </Show>
                  <Show when={s().description}><span class="eval-suite-desc"> — {s().description}</span></Show>
                </p>
              )}</Show>
            )}</Show>
          </Show>
          <TextField label="Targets" class="eval-targets-field" data-testid="eval-targets" list={ids.models} placeholder="openai/gpt-4o-mini, @fast"
            hint="Models or routes, separated by commas or spaces: a column of the grid each." value={targetsText()}
            onInput={(e) => setTargetsText(e.currentTarget.value)} spellcheck={false} autocomplete="off" />
          <datalist id={ids.models}><For each={models()}>{(m) => <option value={m.id} />}</For></datalist>
          <div class="eval-options">
            <TextField label="Preset" data-testid="eval-preset" placeholder="the suite's own" value={preset()}
              onInput={(e) => setPreset(e.currentTarget.value)} spellcheck={false} autocomplete="off" />
            <TextField label="Repeat" type="number" min={1} max={100} step={1} data-testid="eval-repeat" placeholder="1" value={repeatText()}
              error={repeat() === "bad" ? "A whole number from 1 to 100" : null} onInput={(e) => setRepeatText(e.currentTarget.value)} />
            <TextField label="Requests at once per provider" type="number" min={1} max={64} step={1} data-testid="eval-concurrency" value={concurrencyText()}
              error={concurrency() === "bad" ? "A whole number from 1 to 64" : null} onInput={(e) => setConcurrencyText(e.currentTarget.value)} />
          </div>
          <div class="eval-fresh">
            <Checkbox label="Start fresh" data-testid="eval-fresh" checked={fresh()} onChange={(e) => setFresh(e.currentTarget.checked)}
              aria-describedby={`${ids.suite}-fresh`} />
            <span class="field-hint" id={`${ids.suite}-fresh`}>Otherwise a run of the same suite and targets picks up where it stopped.</span>
          </div>
          <div class="eval-actions">
            <Button variant="primary" icon={Play} class="eval-run" data-testid="eval-run" disabled={!canRun()} onClick={() => void start()}>Run</Button>
            <Show when={running()}>
              <Button icon={Square} class="eval-stop" data-testid="eval-stop" disabled={live()?.handle == null} onClick={stop}>Stop</Button>
            </Show>
          </div>
          <Show when={live()}>{(l) => (
            <div class="eval-progress">
              <progress data-testid="eval-progress" value={done()} max={l().total} aria-label="Cells ended" />
              <span class="eval-progress-text" data-testid="eval-progress-text">
                {l().runId === null && !l().failed ? "Starting… " : ""}{done()} of {plural(l().total, "cell")} · {failedCount()} failed
              </span>
              <Show when={l().resumed && l().skipped > 0}>
                <span class="eval-resumed" data-testid="eval-resumed">resumed: {plural(l().skipped, "cell")} already done</span>
              </Show>
            </div>
          )}</Show>
          <p class="eval-note" role="status" data-testid="eval-note">{endNote()}</p>
          <Show when={live()?.failed}>{(f) => <p class="eval-error" role="alert" data-testid="eval-failed">The run could not go on: {f()}</p>}</Show>
        </section>

        <Show when={problem()}><p class="eval-error" role="alert">{problem()}</p></Show>

        <Show when={grid()}>{(g) => (
          <section class="card report-card eval-results" aria-labelledby={ids.results}>
            <div class="eval-results-head">
              <h3 class="report-card-title" id={ids.results}>
                {g().suite.name}<Show when={g().runId != null}> <span class="eval-run-id">run #{g().runId}</span></Show>
              </h3>
              <Show when={!g().stored}><Badge tone="accent">{running() ? "running" : "ended"}</Badge></Show>
              <span class="head-spacer" />
              <Show when={g().stored && g().runId != null}>
                <div class="eval-exports" role="group" aria-label="Export this run">
                  <Button size="sm" icon={Download} data-testid="eval-export-csv" onClick={() => void exportRun("csv")}>CSV</Button>
                  <Button size="sm" icon={Download} data-testid="eval-export-json" onClick={() => void exportRun("json")}>JSON</Button>
                  <Button size="sm" icon={Download} data-testid="eval-export-html" onClick={() => void exportRun("html")}>HTML report</Button>
                </div>
              </Show>
            </div>
            <Summary rows={g().summary} />
            <Show when={caseView() !== null && g().suite.cases[caseView()!]} fallback={
              <Grid data={g()} onCell={(caseIndex, target) => setDetail({ caseIndex, target })} onCase={setCaseView} />
            }>
              <CaseView data={g()} caseIndex={caseView()!} onBack={() => setCaseView(null)} onCell={(caseIndex, target) => setDetail({ caseIndex, target })} />
            </Show>
            <Show when={detail()}>{(d) => (
              <CellDetail data={g()} caseIndex={d().caseIndex} target={d().target} onClose={() => setDetail(null)} />
            )}</Show>
          </section>
        )}</Show>

        <section class="card report-card eval-runs-card" aria-labelledby={ids.runs}>
          <h3 class="report-card-title" id={ids.runs}>Runs</h3>
          <Show when={runsError()}><p class="eval-error" role="alert">Could not list the runs: {runsError()}</p></Show>
          <Show when={runs()} fallback={<Show when={!runsError()}><Skeleton lines={2} label="Loading the runs" /></Show>}>{(list) => (
            <Show when={list().length} fallback={
              <EmptyState icon={ListChecks} title="No runs yet" class="eval-empty">
                <p>A suite is a TOML file of cases, each a prompt and the checks its answer must pass. The smallest:</p>
                <pre class="eval-text eval-example">{EXAMPLE_SUITE}</pre>
                <p>Save it in the suites folder, pick it above with a model or two and press Run — or run the same from a terminal:
                  {" "}<code>roundtable eval SUITE -m MODEL</code>.</p>
              </EmptyState>
            }>
              <div class="eval-runs-tools">
                <Button size="sm" icon={GitCompare} data-testid="eval-compare-runs" disabled={picked().length !== 2} onClick={() => void compareRuns()}>
                  Compare runs
                </Button>
                <span class="field-hint">{picked().length === 2 ? "the older against the newer" : "Tick two runs to compare them."}</span>
              </div>
              <ul class="eval-runs" data-testid="eval-runs">
                <For each={list()}>{(r) => (
                  <li class="eval-run" classList={{ open: openId() === r.id }} data-testid={`eval-run-${r.id}`}
                    onClick={(e) => { if (!(e.target as HTMLElement).closest("input, .eval-run-delete")) void openRun(r.id); }}>
                    <input type="checkbox" class="eval-pick" data-testid={`eval-pick-${r.id}`} aria-label={`Pick run #${r.id} (${r.suiteName}) to compare`}
                      checked={picked().includes(r.id)} onChange={(e) => pick(r.id, e.currentTarget.checked)} />
                    <button type="button" class="eval-run-open" aria-current={openId() === r.id ? "true" : undefined}>
                      <span class="eval-run-name">{r.suiteName} <span class="eval-run-id">#{r.id}</span></span>
                      <span class="eval-run-when">{when(r.startedAt)}</span>
                      <span class="eval-run-targets">{r.targets.join(", ")}<Show when={r.repeat > 1}> · ×{r.repeat}</Show><Show when={r.preset}> · preset {r.preset}</Show></span>
                    </button>
                    <span class="eval-run-figures">
                      <Badge tone={statusOf(r).tone} class="eval-run-status">{statusOf(r).label}</Badge>
                      <span class="eval-run-passed">{r.passed}/{r.cells} passed</span>
                      <span class="eval-run-cost">{dollars(r.costMicros)}</span>
                    </span>
                    <IconButton icon={Trash} size="sm" variant="danger" class="eval-run-delete" data-testid={`eval-delete-${r.id}`}
                      label={`Delete run #${r.id}`} tipSide="left" disabled={r.id === runningId()} onClick={() => setDeleting(r)} />
                  </li>
                )}</For>
              </ul>
            </Show>
          )}</Show>
          <Show when={diff()}>{(d) => (
            <section class="eval-diff" data-testid="eval-diff" aria-label={`Run #${d().a} against run #${d().b}`}>
              <h4 class="eval-diff-title">Run #{d().a} → run #{d().b}</h4>
              <p class="eval-diff-count">{plural(d().diff.compared, "cell")} compared, {d().diff.changes.length} changed</p>
              <Show when={!d().diff.sameSuite}><p class="eval-diff-warn">The suites differ: cases are matched by their prompt.</p></Show>
              <Show when={d().diff.changes.length}>
                <div class="table-scroll" tabIndex={0} role="region" aria-label="Changed cells">
                  <table class="table eval-diff-table">
                    <thead><tr><th scope="col">Case</th><th scope="col">Target</th><th scope="col">Verdict</th><th scope="col" class="num">Score</th></tr></thead>
                    <tbody><For each={d().diff.changes}>{(c) => (
                      <tr class="eval-change" data-case={c.case} data-target={c.target}>
                        <td>{c.label}<Show when={c.rep > 0}> (repetition {c.rep + 1})</Show></td>
                        <td>{c.target}</td>
                        <td class="eval-change-verdict">{c.before == null ? `not in run #${d().a}` : passWord(c.before)} → {c.after == null ? `not in run #${d().b}` : passWord(c.after)}</td>
                        <td class="num eval-change-score">{c.beforeScore == null ? "—" : c.beforeScore.toFixed(1)} → {c.afterScore == null ? "—" : c.afterScore.toFixed(1)}</td>
                      </tr>
                    )}</For></tbody>
                  </table>
                </div>
              </Show>
            </section>
          )}</Show>
        </section>
      </div>
      <Show when={deleting()}>{(r) => (
        <Dialog title={`Delete run #${r().id}?`} class="confirm-delete" testId="eval-delete-dialog" onClose={() => setDeleting(null)}
          footer={<>
            <Button onClick={() => setDeleting(null)}>Cancel</Button>
            <Button variant="danger" class="confirm" data-testid="eval-delete-confirm" onClick={() => void remove(r())}>Delete</Button>
          </>}>
          <p>The run of “{r().suiteName}” on {r().targets.join(", ")} and its cells will be deleted. What it cost stays in the usage ledger.</p>
        </Dialog>
      )}</Show>
    </section>
  );
}
