// The cost before you send, under a composer: for each target (a chat has one, a compare one per
// column) the prompt's tokens ("≈" when estimated, how in the tooltip), their input cost, how
// much of the context window they fill (a warning past 90%, a refusal past 100% saying how much
// to cut — or, the count being an estimate, a warning that it may be refused) and the answer's
// cost range; then the spend limit the worst case may cross. Blind, the columns' figures are not
// told apart (a price would name a model): only the totals show.

import { For, Show } from "solid-js";
import { Coins, TriangleAlert } from "../design/icons";
import type { Estimate, Preview } from "../types";
import { answerText, count, countedTip, fillText, mayBeOver, overText, tokensText, usd } from "./cost";
import "./cost.css";

export function CostLine(props: {
  preview: Preview | null; error?: string | null; stale?: boolean;
  /** A name for column `i` (compare: its letter); none for a chat. */
  name?: (i: number) => string;
  /** Blind: totals only. */
  blind?: boolean;
}) {
  const cols = () => props.preview?.columns ?? [];
  const overs = () => cols().map((e, i) => ({ e, i })).filter((x) => x.e.fit === "over");
  // Estimated past the window: a warning, not a refusal (the engine holds only an exact count).
  const maybe = () => cols().map((e, i) => ({ e, i })).filter((x) => mayBeOver(x.e));
  const said = (x: { e: Estimate; i: number }) => `${props.name && !props.blind ? `${props.name(x.i)}: ` : ""}${
    overText(props.blind ? { ...x.e, target: "a column's model" } : x.e) ?? ""}`;
  return (
    <Show when={props.preview || props.error}>
      <div class="cost-line" classList={{ stale: !!props.stale }} aria-label="The cost before sending">
        <Show when={props.preview} fallback={<span class="cost-unknown">Cost not known: {props.error}</span>}>
          <Coins size={13} aria-hidden="true" class="cost-icon" />
          <Show when={!props.blind || cols().length < 2} fallback={<Totals columns={cols()} />}>
            <For each={cols()}>{(e, i) => <CostColumn e={e} name={props.name?.(i())} />}</For>
          </Show>
          <Show when={props.preview!.crosses}>{(rule) => (
            <span class="cost-crosses" role="note"><TriangleAlert size={13} aria-hidden="true" /> This may cross {rule()}</span>
          )}</Show>
          <For each={overs()}>{(x) => (
            <p class="cost-refusal" role="status">
              <TriangleAlert size={14} aria-hidden="true" />
              <span>{said(x)}</span>
            </p>
          )}</For>
          <For each={maybe()}>{(x) => (
            <p class="cost-may-refuse" role="status">
              <TriangleAlert size={14} aria-hidden="true" />
              <span>{said(x)}</span>
            </p>
          )}</For>
        </Show>
      </div>
    </Show>
  );
}

function CostColumn(props: { e: Estimate; name?: string }) {
  const e = () => props.e;
  const tip = () => countedTip(e().counted);
  return (
    <span class={`cost-column fit-${e().fit}`} data-target={e().target}>
      <Show when={props.name}><span class="cost-name">{props.name}</span></Show>
      <span class="cost-tokens" classList={{ estimated: e().counted.kind === "estimated" }} data-tip={tip()} tabIndex={0}>
        {tokensText(e())}<span class="visually-hidden"> ({tip()})</span>
      </span>
      <span class="cost-input">{e().inputMicros == null ? "input price unknown" : `${usd(e().inputMicros!)} in`}</span>
      <Show when={fillText(e())}>{(f) => (
        <span class="cost-fill" classList={{ warn: e().fit === "tight", over: e().fit === "over" }}>
          <Show when={e().fit !== "fits"}><TriangleAlert size={12} aria-hidden="true" /></Show>{f()}
        </span>
      )}</Show>
      <Show when={answerText(e())}>{(a) => <span class="cost-answer">{a()}</span>}</Show>
    </span>
  );
}

/** Blind: the columns together, none told apart. */
function Totals(props: { columns: Estimate[] }) {
  const input = () => props.columns.reduce((s, e) => (s === null || e.inputMicros == null ? null : s + e.inputMicros), 0 as number | null);
  const answers = () => props.columns.reduce((s, e) => (s === null || e.maxAnswerMicros == null ? null : s + e.maxAnswerMicros), 0 as number | null);
  const most = () => Math.max(0, ...props.columns.map((e) => e.fillPercent ?? 0));
  return (
    <span class="cost-column cost-total" classList={{ "fit-tight": props.columns.some((e) => e.fit === "tight") }}>
      <span class="cost-tokens">{props.columns.some((e) => e.counted.kind === "estimated") ? "≈" : ""}{count(Math.max(...props.columns.map((e) => e.promptTokens)))} tokens a column</span>
      <Show when={input() !== null}><span class="cost-input">{usd(input()!)} in for all {props.columns.length}</span></Show>
      <Show when={most() > 0}><span class="cost-fill" classList={{ warn: most() > 90 }}>up to {Math.round(most())}% of a context</span></Show>
      <Show when={answers() !== null}><span class="cost-answer">answers up to {usd(answers()!)} in all</span></Show>
    </span>
  );
}
