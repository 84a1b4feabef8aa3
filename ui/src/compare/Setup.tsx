// The set-up of a new compare: one select per column (a model or a route; one more to add a
// column, up to eight), the named compare sets, and blind mode. It wraps at any width.

import { createUniqueId, For, Index, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { ChevronDown } from "../design/icons";
import type { ModelView } from "../types";
import { column as letterOf } from "./compareLogic";
import { SetTools } from "./SetTools";

/**
 * An on/off switch that is a real checkbox underneath (`.checked` and `.click()` work as on any
 * checkbox), drawn as the design system's switch.
 */
export function Toggle(props: { class: string; label: string; hint?: string; checked: boolean; onChange: (on: boolean) => void }) {
  const hint = createUniqueId();
  return (
    <label class="toggle">
      <input type="checkbox" role="switch" class={props.class} checked={props.checked} aria-describedby={props.hint ? hint : undefined}
        onChange={(e) => props.onChange(e.currentTarget.checked)} />
      <span class="switch-track" aria-hidden="true" />
      <span class="toggle-text"><span class="toggle-label">{props.label}</span>
        <Show when={props.hint}><span class="toggle-hint" id={hint}>{props.hint}</span></Show></span>
    </label>
  );
}

/** A column's select: its options marked `selected`, so a pick survives the models arriving late. */
function Slot(props: { index: number; value: string; last: boolean; models: ModelView[]; onPick: (id: string) => void }) {
  const id = createUniqueId();
  const letter = () => letterOf(props.index);
  return (
    <div class="slot-field" classList={{ unset: !props.value }}>
      <label class="slot-letter" for={id}><span class="visually-hidden">Column </span>{letter()}<span class="visually-hidden"> model</span></label>
      <div class="select">
        <select id={id} class="slot" onChange={(e) => props.onPick(e.currentTarget.value)}>
          <option value="" selected={!props.value}>{props.last ? "+ Add a model" : "— Remove this column —"}</option>
          <For each={props.models}>{(m) => <option value={m.id} selected={m.id === props.value}>{m.id}</option>}</For>
        </select>
        <ChevronDown size={14} aria-hidden="true" />
      </div>
    </div>
  );
}

export function Setup(props: {
  backend: FullBackend; models: ModelView[]; picked: string[]; max: number;
  onPick: (i: number, id: string) => void; onLoad: (columns: string[]) => void; onProblem: (message: string) => void;
  blind: boolean; onBlind: (on: boolean) => void;
}) {
  return (
    <section class="compare-setup" aria-label="Columns to compare">
      <div class="slots">
        <Index each={[...props.picked, ""].slice(0, props.max)}>{(id, i) => (
          <Slot index={i} value={id()} last={i >= props.picked.length} models={props.models} onPick={(v) => props.onPick(i, v)} />
        )}</Index>
      </div>
      <div class="setup-row">
        <SetTools backend={props.backend} picked={props.picked} onProblem={props.onProblem} onLoad={props.onLoad} />
        <Toggle class="blind" label="Blind" hint="Shuffled, names hidden until you vote" checked={props.blind} onChange={props.onBlind} />
      </div>
    </section>
  );
}
