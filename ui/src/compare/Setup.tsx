// The set-up of a new compare: one select per column (a model or a route; one more to add a
// column, up to eight; the same model may be picked twice), each column's own settings (a preset,
// a system prompt, parameters: the button beside its select, what is set said under it), the
// named compare sets, and blind mode. It wraps at any width.

import { createSignal, createUniqueId, For, Index, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { IconButton } from "../design/controls";
import { ChevronDown, SlidersHorizontal } from "../design/icons";
import { summary } from "../shared/params";
import type { ChatSettings, ModelView, PresetSetting } from "../types";
import { ColumnParams } from "./ColumnParams";
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

/** A column's select (its options marked `selected`, so a pick survives the models arriving late) and its settings button. */
function Slot(props: {
  index: number; value: string; last: boolean; models: ModelView[]; settings: ChatSettings; onPick: (id: string) => void; onSettings: () => void;
}) {
  const id = createUniqueId();
  const letter = () => letterOf(props.index);
  const said = () => summary(props.settings);
  return (
    <div class="slot-wrap" classList={{ unset: !props.value }}>
      <div class="slot-field" classList={{ unset: !props.value }}>
        <label class="slot-letter" for={id}><span class="visually-hidden">Column </span>{letter()}<span class="visually-hidden"> model</span></label>
        <div class="select">
          <select id={id} class="slot" onChange={(e) => props.onPick(e.currentTarget.value)}>
            <option value="" selected={!props.value}>{props.last ? "+ Add a model" : "— Remove this column —"}</option>
            <For each={props.models}>{(m) => <option value={m.id} selected={m.id === props.value}>{m.id}</option>}</For>
          </select>
          <ChevronDown size={14} aria-hidden="true" />
        </div>
        <Show when={props.value}>
          <IconButton icon={SlidersHorizontal} class={said() ? "column-params-button on" : "column-params-button"} tipSide="bottom"
            label={`Column ${letter()} settings: ${said() || "the compare's defaults"}`} onClick={() => props.onSettings()} />
        </Show>
      </div>
      <Show when={props.value && said()}>
        <button type="button" class="slot-settings" onClick={() => props.onSettings()} title={said()}>{said()}</button>
      </Show>
    </div>
  );
}

export function Setup(props: {
  backend: FullBackend; models: ModelView[]; picked: string[]; max: number;
  onPick: (i: number, id: string) => void; onLoad: (columns: string[]) => void; onProblem: (message: string) => void;
  blind: boolean; onBlind: (on: boolean) => void;
  /** Each picked column's own settings (by index; missing is none). */
  settings: ChatSettings[]; presets: PresetSetting[]; onSettings: (i: number, s: ChatSettings) => void;
}) {
  const [editing, setEditing] = createSignal<number | null>(null);
  return (
    <section class="compare-setup" aria-label="Columns to compare">
      <div class="slots">
        <Index each={[...props.picked, ""].slice(0, props.max)}>{(id, i) => (
          <Slot index={i} value={id()} last={i >= props.picked.length} models={props.models} settings={props.settings[i] ?? {}}
            onPick={(v) => props.onPick(i, v)} onSettings={() => setEditing(i)} />
        )}</Index>
      </div>
      {/* An object, not the index: column A's 0 would read as "none". */}
      <Show when={editing() !== null && props.picked[editing()!] ? { i: editing()! } : null}>{(at) => (
        <ColumnParams letter={letterOf(at().i)} target={props.picked[at().i]} value={props.settings[at().i] ?? {}} presets={props.presets}
          note="sent with this column's first question and kept for its follow-ups"
          onChange={(v) => props.onSettings(at().i, v)} onClose={() => setEditing(null)} />
      )}</Show>
      <div class="setup-row">
        <SetTools backend={props.backend} picked={props.picked} onProblem={props.onProblem} onLoad={props.onLoad} />
        <Toggle class="blind" label="Blind" hint="Shuffled, names hidden until you vote" checked={props.blind} onChange={props.onBlind} />
      </div>
    </section>
  );
}
