// One preset as a card: its name (changing it renames the preset), its model or route (picked
// from the list or typed), and its system prompt and parameters (the parameter form the
// composer's panel uses). Delete asks first. A refused save shows the engine's reason on the
// card and keeps what was typed.

import { createEffect, createSignal, createUniqueId, on, Show } from "solid-js";
import type { ChatSettings, PresetSetting } from "../types";
import { Badge, Button, Card, TextField } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { Plus, Trash } from "../design/icons";
import { ParamsForm } from "../shared/ParamsForm";
import { announce, type EditFn } from "./common";
import { fieldsOf, modelProblem, settingsOf } from "./presetFields";

export function PresetForm(props: { preset: PresetSetting; edit: EditFn; models: string; fresh?: boolean }) {
  const [name, setName] = createSignal(props.preset.name);
  const [model, setModel] = createSignal(props.preset.fields.model ?? "");
  const [params, setParams] = createSignal<ChatSettings>(settingsOf(props.preset.fields));
  const [modelError, setModelError] = createSignal("");
  const [status, setStatus] = createSignal("");
  const [confirming, setConfirming] = createSignal(false);
  /** Whether every parameter field holds a value that can be sent (the form marks the others). */
  const [valid, setValid] = createSignal(true);
  const fill = (p: PresetSetting) => { setName(p.name); setModel(p.fields.model ?? ""); setParams(settingsOf(p.fields)); setModelError(""); };
  // The form follows the preset it shows (the list reuses forms: after a save, a rename or a delete
  // above); another preset's save leaves what is typed here alone.
  createEffect(on(() => JSON.stringify(props.preset), () => fill(props.preset), { defer: true }));
  createEffect(on(() => props.preset.name, () => setStatus(""), { defer: true }));
  const id = `preset-${createUniqueId()}`;

  const save = async () => {
    const problem = modelProblem(model());
    setModelError(problem);
    if (problem) return announce(setStatus, `model: ${problem}`, "", "");
    if (!valid()) return announce(setStatus, "A parameter needs fixing (see the marked field); nothing was saved", "", "");
    const preset: PresetSetting = { name: name().trim(), builtIn: false, fields: fieldsOf(params(), model()) };
    const err = await props.edit({ kind: "preset", preset, previous: props.fresh ? null : props.preset.name });
    announce(setStatus, err, "saved", `Preset ${preset.name} saved`);
    if (!err && props.fresh) fill(props.preset);
  };
  const remove = async () => {
    setConfirming(false);
    const err = await props.edit({ kind: "removePreset", name: props.preset.name });
    announce(setStatus, err, "", `Preset ${props.preset.name} deleted`);
  };

  return (
    <Card class="preset" data-name={props.preset.name} head={<>
      <h3 class="preset-title">{props.fresh ? "Add a preset" : props.preset.name}</h3>
      <Show when={props.preset.builtIn}><Badge class="preset-example" title="Built in: change or delete it like your own">example</Badge></Show>
    </>}>
      <div class="preset-grid">
        <TextField label="Name" aria-label="Preset name" inputClass="preset-name" value={name()} placeholder="new preset name"
          spellcheck={false} hint="used as -p NAME in the CLI" onInput={(e) => setName(e.currentTarget.value)} />
        <TextField label="Model" aria-label="Preset model" inputClass="preset-model" value={model()} list={props.models} spellcheck={false}
          placeholder="any (the one picked)" hint="provider/model or @route; empty: the one picked" error={modelError()}
          onInput={(e) => { setModel(e.currentTarget.value); setModelError(""); }} />
      </div>
      <ParamsForm value={params()} onChange={setParams} idPrefix={id} showSystem onValidity={setValid} />
      <div class="card-foot">
        <Button variant="primary" class="save-preset" icon={props.fresh ? Plus : undefined} onClick={() => void save()}>
          {props.fresh ? "Add preset" : "Save"}
        </Button>
        <Show when={!props.fresh}>
          <Button variant="ghost" icon={Trash} class="remove-preset" onClick={() => setConfirming(true)}>Delete</Button>
        </Show>
        <div class="status">{status()}</div>
      </div>
      <Show when={confirming()}>
        <Dialog title={`Delete the preset ${props.preset.name}?`} class="confirm-remove-preset" onClose={() => setConfirming(false)} footer={<>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
          <Button variant="danger" class="confirm" onClick={() => void remove()}>Delete</Button>
        </>}>
          <p>It is removed from config.toml. Conversations that used it keep their own copy of its settings.</p>
        </Dialog>
      </Show>
    </Card>
  );
}
