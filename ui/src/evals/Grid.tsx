// A run's results: the summary per target, the grid (a row per case, a column per target, each
// cell its verdict as a mark, a count over repetitions and the judge's score, coloured), one case
// side by side, and a cell's detail (the answer, each check's reason, the judge's prompt and
// reply). Every answer and reason is shown as plain text.

import { createMemo, For, type JSX, Show } from "solid-js";
import { Dynamic } from "solid-js/web";
import { Button } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { ArrowLeft } from "../design/icons";
import type { CheckResult, StoredCell, Suite, TargetSummary } from "../types";
import {
  dollars, type GridVerdict, meanScore, millis, percent, repsOf, scoreBand, verdictMark, verdictOf, verdictWords,
} from "./logic";

/** What the grid shows: a run's suite, targets and cells (live or stored). */
export interface GridData {
  runId: number | null;
  suite: Suite;
  targets: string[];
  repeat: number;
  cells: ReadonlyMap<string, StoredCell>;
}

/** The figures per target, one row each. */
export function Summary(props: { rows: TargetSummary[] }) {
  return (
    <div class="table-scroll eval-summary-box" tabIndex={0} role="region" aria-label="Summary per target">
      <table class="table eval-summary" data-testid="eval-summary">
        <caption class="visually-hidden">Summary per target</caption>
        <thead><tr>
          <th scope="col">Target</th><th scope="col" class="num">Passed</th><th scope="col" class="num">Pass rate</th>
          <th scope="col" class="num">Judge score</th><th scope="col" class="num">p50 latency</th><th scope="col" class="num">Cost (USD)</th>
        </tr></thead>
        <tbody><For each={props.rows}>{(r) => (
          <tr class="eval-summary-row" data-target={r.target}>
            <th scope="row" class="eval-target-name">{r.target}</th>
            <td class="num sum-passed">{r.passed}/{r.cells}<Show when={r.errors}><span class="sum-errors"> · {r.errors} no answer</span></Show></td>
            <td class="num sum-rate">{r.cells ? percent(r.passRate) : "—"}
              <Show when={r.passRateSd != null}><span class="sum-sd" title="spread over the repetitions (standard deviation)"> ± {percent(r.passRateSd!)}</span></Show>
            </td>
            <td class="num sum-score">{r.meanScore == null ? "—" : r.meanScore.toFixed(2)}
              <Show when={r.scoreSd != null}><span class="sum-sd"> ± {r.scoreSd!.toFixed(2)}</span></Show>
            </td>
            <td class="num sum-p50">{millis(r.p50Ms)}</td>
            <td class="num cost sum-cost" title={`answers ${dollars(r.costMicros)} + judges ${dollars(r.judgeMicros)}`}>{dollars(r.costMicros + r.judgeMicros)}</td>
          </tr>
        )}</For></tbody>
      </table>
    </div>
  );
}

/** One grid cell: its verdict over the repetitions, as a mark and words (never colour alone). */
function GridCell(props: { reps: StoredCell[]; repeat: number; caseIndex: number; targetIndex: number; label: string; target: string; onOpen: () => void }) {
  const verdict = (): GridVerdict => verdictOf(props.reps, props.repeat);
  const score = () => meanScore(props.reps);
  const passed = () => props.reps.filter((c) => c.passed).length;
  const tone = () => (score() != null ? `score-${scoreBand(score()!)}` : `verdict-${verdict()}`);
  const words = () => [
    `${props.label}, ${props.target}: ${verdictWords[verdict()]}`,
    props.repeat > 1 ? `${passed()} of ${props.repeat} passed` : "",
    score() != null ? `judge score ${score()!.toFixed(1)}` : "",
    props.reps.some((c) => c.judgePending) ? "not judged yet: the next run judges it" : "",
  ].filter(Boolean).join(", ");
  return (
    <button type="button" class={`eval-cell ${tone()}`} data-testid={`eval-cell-${props.caseIndex}-${props.targetIndex}`}
      data-verdict={verdict()} aria-label={words()} title={words()} disabled={!props.reps.length} onClick={() => props.onOpen()}>
      <span class="eval-mark" aria-hidden="true">{verdictMark[verdict()]}</span>
      <Show when={props.repeat > 1 && props.reps.length}><span class="eval-count">{passed()}/{props.repeat}</span></Show>
      <Show when={score() != null}><span class="eval-score">{score()!.toFixed(1)}</span></Show>
      <Show when={props.reps.some((c) => c.judgePending)}><span class="eval-pending">judge pending</span></Show>
    </button>
  );
}

/** The grid: a row per case (its label opens the case side by side), a column per target. */
export function Grid(props: { data: GridData; onCell: (caseIndex: number, target: string) => void; onCase: (caseIndex: number) => void }) {
  return (
    <div class="table-scroll eval-grid-box" tabIndex={0} role="region" aria-label="Results: a row per case, a column per target">
      <table class="table eval-grid" data-testid="eval-grid">
        <caption class="visually-hidden">Each case's verdict per target</caption>
        <thead><tr>
          <th scope="col" class="eval-grid-corner">Case</th>
          <For each={props.data.targets}>{(t) => <th scope="col" class="eval-grid-target" title={t}>{t}</th>}</For>
        </tr></thead>
        <tbody><For each={props.data.suite.cases}>{(c, i) => (
          <tr>
            <th scope="row" class="eval-grid-case">
              <button type="button" class="eval-case" data-testid={`eval-case-${i()}`} title={c.prompt} onClick={() => props.onCase(i())}>{c.label}</button>
            </th>
            <For each={props.data.targets}>{(t, j) => (
              <td class="eval-grid-cell">
                <GridCell reps={repsOf(props.data.cells, i(), t, props.data.repeat)} repeat={props.data.repeat} caseIndex={i()} targetIndex={j()}
                  label={c.label} target={t} onOpen={() => props.onCell(i(), t)} />
              </td>
            )}</For>
          </tr>
        )}</For></tbody>
      </table>
    </div>
  );
}

/** A verdict as a small badge: its mark and its words. */
function VerdictBadge(props: { verdict: GridVerdict; score: number | null; extra?: string }) {
  const tone = () => (props.score != null ? `score-${scoreBand(props.score)}` : `verdict-${props.verdict}`);
  return (
    <span class={`eval-verdict ${tone()}`} data-verdict={props.verdict}>
      <span aria-hidden="true">{verdictMark[props.verdict]}</span> {verdictWords[props.verdict]}
      <Show when={props.extra}> · {props.extra}</Show>
      <Show when={props.score != null}> · score {props.score!.toFixed(1)}</Show>
    </span>
  );
}

/** One case: its prompt, and every target's answer side by side. */
export function CaseView(props: { data: GridData; caseIndex: number; onBack: () => void; onCell: (caseIndex: number, target: string) => void }) {
  const c = () => props.data.suite.cases[props.caseIndex];
  return (
    <section class="eval-case-view" data-testid="eval-case-view" aria-label={`Case ${c()?.label ?? ""}, side by side`}>
      <div class="eval-case-head">
        <Button size="sm" icon={ArrowLeft} class="eval-case-back" data-testid="eval-case-back" onClick={() => props.onBack()}>Back to the grid</Button>
        <h4 class="eval-case-title">{c()?.label}</h4>
      </div>
      <p class="eval-label">Prompt</p>
      <pre class="eval-text eval-prompt">{c()?.prompt}</pre>
      <div class="eval-side" tabIndex={0} role="region" aria-label="The answers side by side">
        <For each={props.data.targets}>{(t, j) => {
          const reps = () => repsOf(props.data.cells, props.caseIndex, t, props.data.repeat);
          const passed = () => reps().filter((x) => x.passed).length;
          return (
            <article class="eval-side-col" data-testid={`eval-side-${j()}`} data-target={t}>
              <h5 class="eval-side-target">{t}</h5>
              <VerdictBadge verdict={verdictOf(reps(), props.data.repeat)} score={meanScore(reps())}
                extra={props.data.repeat > 1 && reps().length ? `${passed()}/${props.data.repeat}` : undefined} />
              <Show when={reps().length} fallback={<p class="muted">Not run yet.</p>}>
                <For each={reps()}>{(r) => (
                  <div class="eval-side-rep">
                    <Show when={props.data.repeat > 1}><p class="eval-label">Repetition {r.rep + 1}</p></Show>
                    <Show when={r.error}><p class="eval-cell-error">No answer: {r.error}</p></Show>
                    <Show when={!r.error}><pre class="eval-text eval-answer">{r.answer}</pre></Show>
                  </div>
                )}</For>
                <Button size="sm" class="eval-side-checks" onClick={() => props.onCell(props.caseIndex, t)}>Checks and figures</Button>
              </Show>
            </article>
          );
        }}</For>
      </div>
    </section>
  );
}

/** One check's verdict: its mark, kind and reason; a judge's score, model, prompt and reply. */
function CheckLine(props: { check: CheckResult }) {
  const k = () => props.check;
  return (
    <li class="eval-check" classList={{ ok: k().passed, bad: !k().passed }} data-kind={k().kind}>
      <span class="eval-check-mark" aria-hidden="true">{k().passed ? "✓" : "✗"}</span>
      <span class="visually-hidden">{k().passed ? "passed" : "failed"}: </span>
      <span class="eval-check-kind">{k().kind}</span>
      <span class="eval-check-reason">{k().reason}</span>
      <Show when={k().score != null}><span class="eval-check-score">score {k().score}</span></Show>
      <Show when={k().judge}>{(j) => (
        <div class="eval-judge">
          <span class="eval-judge-model">judged by {j().model}<Show when={j().target !== j().model}> (as {j().target})</Show> · {dollars(j().costMicros)}</span>
          <details class="eval-judge-more">
            <summary>The judge's prompt and reply</summary>
            <p class="eval-label">Prompt</p>
            <pre class="eval-text eval-judge-prompt">{j().prompt}</pre>
            <p class="eval-label">Reply</p>
            <pre class="eval-text eval-judge-reply">{j().reply}</pre>
          </details>
        </div>
      )}</Show>
    </li>
  );
}

/** A grid cell opened: every repetition's answer, figures and checks. */
export function CellDetail(props: { data: GridData; caseIndex: number; target: string; onClose: () => void }) {
  const c = () => props.data.suite.cases[props.caseIndex];
  const reps = createMemo(() => repsOf(props.data.cells, props.caseIndex, props.target, props.data.repeat));
  const many = () => props.data.repeat > 1;
  const sub = (): string => (many() ? "h4" : "h3");
  const Sub = (p: { children: JSX.Element; class?: string }) => <Dynamic component={sub()} class={p.class}>{p.children}</Dynamic>;
  return (
    <Dialog title={`${c()?.label ?? "Case"} · ${props.target}`} class="eval-detail" testId="eval-cell-detail" onClose={() => props.onClose()}>
      <Show when={reps().length} fallback={<p class="muted">Not run yet.</p>}>
        <For each={reps()}>{(r) => (
          <section class="eval-rep" data-rep={r.rep}>
            <Show when={many()}><h3 class="eval-rep-title">Repetition {r.rep + 1} of {props.data.repeat}</h3></Show>
            <dl class="eval-facts">
              <div><dt>Target</dt><dd class="eval-fact-target">{r.target}</dd></div>
              <div><dt>Answered by</dt><dd class="eval-fact-model">{r.model ?? "—"}</dd></div>
              <div><dt>Time</dt><dd class="eval-fact-ms">{millis(r.ms)}</dd></div>
              <div><dt>Cost</dt><dd class="eval-fact-cost">{dollars(r.costMicros)}<Show when={r.judgeMicros}> + judges {dollars(r.judgeMicros)}</Show></dd></div>
              <Show when={r.score != null}><div><dt>Judge score</dt><dd class="eval-fact-score">{r.score!.toFixed(1)} of 5</dd></div></Show>
              <div><dt>Verdict</dt><dd class="eval-fact-verdict">{r.error ? "no answer" : r.passed ? "passed" : "failed"}</dd></div>
            </dl>
            <Show when={r.error}><p class="eval-cell-error">No answer: {r.error}</p></Show>
            <Sub class="eval-sub">Answer</Sub>
            <pre class="eval-text eval-answer">{r.answer || "(empty)"}</pre>
            <Show when={r.checks.length}>
              <Sub class="eval-sub">Checks</Sub>
              <ul class="eval-checks"><For each={r.checks}>{(k) => <CheckLine check={k} />}</For></ul>
            </Show>
          </section>
        )}</For>
      </Show>
    </Dialog>
  );
}
