// Settings → Presets: one card per preset (the built-in examples marked, until the first change
// writes them into config.toml) and one to add a preset. The models offered for a preset are the
// ones the backend lists, with the routes; any provider/model or @route can be typed.

import { createResource, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import type { PresetSetting, SettingsView } from "../types";
import { type EditFn, SectionHead } from "./common";
import { PresetForm } from "./PresetForm";

const LIST = "preset-models";

export function Presets(props: { c: SettingsView; edit: EditFn; backend: FullBackend }) {
  const blank: PresetSetting = { name: "", builtIn: false, fields: {} };
  const [models] = createResource(async () => (props.backend.models ? (await props.backend.models()).map((m) => m.id) : []));
  const offered = () => [...new Set([...(models.error ? [] : models() ?? []), ...props.c.routes.map((r) => `@${r.name}`)])];
  return (
    <div class="presets-editor">
      <SectionHead title="Presets">
        A named system prompt, model and parameters: pick one by the composer, or use <code>-p NAME</code> with the CLI.
        Every field is optional; one left empty is the provider's default.
      </SectionHead>
      <Show when={props.c.presets.some((p) => p.builtIn)}>
        <p class="hint presets-examples">Those marked <em>example</em> are built in. Change or delete them like your own:
          the first change writes them into the config file.</p>
      </Show>
      <div class="stack">
        {/* Keyed by name: a delete or a rename above leaves what is typed in the other cards with them. */}
        <For each={props.c.presets.map((p) => p.name)}>{(name) => (
          <Show when={props.c.presets.find((p) => p.name === name)}>{(p) => <PresetForm preset={p()} edit={props.edit} models={LIST} />}</Show>
        )}</For>
        <PresetForm preset={blank} edit={props.edit} models={LIST} fresh />
      </div>
      <datalist id={LIST}><For each={offered()}>{(m) => <option value={m} />}</For></datalist>
    </div>
  );
}
