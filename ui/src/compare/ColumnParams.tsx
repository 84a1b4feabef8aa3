// One compare column's own settings, in a dialog: a preset (its values replace the column's) and
// the system prompt and parameters (the shared ParamsForm). Edits apply as they are made; the
// column keeps its model (a preset's model is for a column left without one, as in the engine).

import { createUniqueId, For } from "solid-js";
import { Button } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { ChevronDown, RefreshCw } from "../design/icons";
import { ParamsForm } from "../shared/ParamsForm";
import { edited, fromPreset, isDefault } from "../shared/params";
import type { ChatSettings, PresetSetting } from "../types";

export function ColumnParams(props: {
  letter: string; target: string; value: ChatSettings; presets: PresetSetting[];
  onChange: (v: ChatSettings) => void; onClose: () => void;
  /** A note under the title (what happens to the edits). */
  note: string;
}) {
  const id = createUniqueId();
  const pick = (name: string) => {
    const p = props.presets.find((x) => x.name === name);
    props.onChange(p ? fromPreset(p) : {});
  };
  return (
    <Dialog title={`Column ${props.letter} settings`} onClose={props.onClose} class="column-params"
      footer={<>
        <Button variant="ghost" icon={RefreshCw} class="column-params-reset" disabled={isDefault(props.value)} onClick={() => props.onChange({})}>Reset</Button>
        <Button variant="primary" class="column-params-done" onClick={props.onClose}>Done</Button>
      </>}>
      <p class="column-params-note muted">{props.target} · {props.note}</p>
      <div class="field column-preset-field">
        <label class="field-label" for={`${id}-preset`}>Preset</label>
        <div class="select">
          <select id={`${id}-preset`} class="column-preset" onChange={(e) => pick(e.currentTarget.value)}>
            <option value="" selected={!props.value.preset}>No preset</option>
            <For each={props.presets}>{(p) => <option value={p.name} selected={p.name === props.value.preset}>{p.name}</option>}</For>
          </select>
          <ChevronDown size={14} aria-hidden="true" />
        </div>
        <span class="field-hint">{props.value.preset && edited(props.value, props.presets)
          ? `From ${props.value.preset}, edited`
          : "Its values replace the column's; the column keeps its model"}</span>
      </div>
      <ParamsForm value={props.value} onChange={props.onChange} idPrefix={`column-${props.letter.toLowerCase()}-${id}`} />
    </Dialog>
  );
}
