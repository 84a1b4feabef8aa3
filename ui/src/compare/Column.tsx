// One compare column: its header (letter, provider mark, model — or "Model A" while blind — what
// sets its settings apart from the other columns', status badge; its settings; stop while it answers, "continue as a chat" once it has), its thread of questions
// (with their images and files) and answers (with their tool calls and, while one waits, its
// question), each answer's figures in one line at its foot (the whole line in the tooltip and
// for screen readers), and a failure as the error card. Blind, nothing in the column names a
// model: no mark, no provider in an error, no "answered by" in the figures.

import { For, onCleanup, Show } from "solid-js";
import { Parts } from "../attachments/Parts";
import type { Pictures } from "../attachments/pictures";
import { ErrorCard } from "../chat/ErrorCard";
import { Badge, IconButton, type Tone } from "../design/controls";
import { MessageSquare, SlidersHorizontal, Square } from "../design/icons";
import { ProviderMark } from "../design/ProviderMark";
import { ToolSlot } from "../tools/ToolBlock";
import type { Approval } from "../types";
import { blindError, type Cell, type CellStatus, type Column as Col, column as letterOf, figuresRow } from "./compareLogic";
import { observeWidth, type Widths } from "./Resizer";

const STATUS: Record<CellStatus, { word: string; tone: Tone }> = {
  waiting: { word: "Waiting", tone: "neutral" },
  streaming: { word: "Streaming", tone: "accent" },
  done: { word: "Done", tone: "success" },
  failed: { word: "Failed", tone: "danger" },
  stopped: { word: "Stopped", tone: "warn" },
};

export function Column(props: {
  col: Col; index: number; hidden: boolean; widths: Widths; canContinue: boolean; pictures: Pictures;
  /** What sets this column's settings apart ("temperature 0.2"; empty when the columns' are alike). */
  diff: string;
  /** Opens the column's settings (for its follow-ups); none while blind or answering. */
  onSettings?: () => void;
  onStop: () => void; onContinue: () => void; body: (el: HTMLElement) => void; onScroll: () => void;
  onAnswer: (call: string, approval: Approval) => void;
}) {
  const letter = () => letterOf(props.index);
  const status = (): CellStatus => props.col.cells.at(-1)?.status ?? "waiting";
  const running = () => status() === "streaming" || status() === "waiting";
  const name = () => (props.hidden ? `Model ${letter()}` : props.col.targets.join(" → "));
  const width = () => props.widths.of(props.index);
  return (
    <section class="column" data-column={props.index} aria-label={`Column ${letter()}`}
      style={{ width: width() != null ? `${width()}px` : undefined, flex: width() != null ? "none" : undefined }}
      ref={(el) => onCleanup(observeWidth(el, (px) => props.widths.measure(props.index, px)))}>
      <header class="column-head">
        <span class="column-letter" aria-hidden="true">{letter()}</span>
        <Show when={!props.hidden}><ProviderMark id={props.col.targets[0]} /></Show>
        <span class="column-title">
          <span class="column-name" title={name()}>{name()}</span>
          <Show when={!props.hidden && props.diff}><span class="column-diff" title={props.diff}>{props.diff}</span></Show>
        </span>
        <Badge tone={STATUS[status()].tone} class={`column-status ${status()}`}>{STATUS[status()].word}</Badge>
        <Show when={running()}>
          <IconButton icon={Square} label={`Stop column ${letter()}`} size="sm" variant="danger" class="stop-column" tipSide="left"
            onClick={() => props.onStop()} />
        </Show>
        <Show when={props.onSettings && !props.hidden && !running()}>
          <IconButton icon={SlidersHorizontal} label={`Column ${letter()} settings`} size="sm" class="column-settings" tipSide="left"
            onClick={() => props.onSettings?.()} />
        </Show>
        <Show when={props.canContinue}>
          <IconButton icon={MessageSquare} label="Continue with this one as a chat" size="sm" class="continue" tipSide="left"
            onClick={() => props.onContinue()} />
        </Show>
      </header>
      <div class="column-body" tabIndex={0} ref={props.body} onScroll={() => props.onScroll()}>
        <For each={props.col.cells}>{(cell) => <CellView cell={cell} hidden={props.hidden} pictures={props.pictures} onAnswer={props.onAnswer} />}</For>
      </div>
    </section>
  );
}

/** A question, the column's answer (or its error card) and the answer's figures row. */
function CellView(props: { cell: Cell; hidden: boolean; pictures: Pictures; onAnswer: (call: string, approval: Approval) => void }) {
  const row = () => figuresRow(props.cell, props.hidden);
  return (
    <div class="cell">
      <Parts parts={props.cell.parts} pictures={props.pictures} />
      <Show when={props.cell.question}><div class="question">{props.cell.question}</div></Show>
      {props.cell.view.root}
      <ToolSlot view={props.cell.view} runs={props.cell.tools} live={props.cell.status === "waiting" || props.cell.status === "streaming"}
        onAnswer={props.onAnswer} />
      <Show when={props.cell.error}>{(e) => <ErrorCard error={props.hidden ? blindError(e()) : e()} />}</Show>
      <Show when={row().full}>
        <footer class="meta cell-meta" data-tip={row().full} tabIndex={0}>
          <span class="meta-short" aria-hidden="true">
            <Show when={row().fell}><span class="meta-fell">after {row().fell} failed</span></Show>
            <For each={row().short}>{(p) => <span class="meta-part">{p}</span>}</For>
          </span>
          <span class="visually-hidden meta-full">{row().full}</span>
        </footer>
      </Show>
    </div>
  );
}
