// Price overrides: one card per model and one to add a model. Numbers are read from the inputs
// when Save is pressed; a field that is not a number is named and nothing is sent.

import { createEffect, createSignal, Index, on, Show } from "solid-js";
import type { PriceSetting, SettingsView } from "../types";
import { describe } from "../shared/problems";
import { Button, Card, TextField } from "../design/controls";
import { ProviderMark } from "../design/ProviderMark";
import { Plus, Trash } from "../design/icons";
import { announce, type EditFn, SectionHead } from "./common";

export function Prices(props: { c: SettingsView; edit: EditFn }) {
  const blank: PriceSetting = { model: "", input: 0, output: 0, cacheRead: null, cacheWrite: null };
  return (
    <div class="prices-editor">
      <SectionHead title="Prices">
        USD per million tokens. An override wins over OpenRouter's catalog and the built-in table; spend already
        recorded keeps the price it was recorded at.
      </SectionHead>
      <div class="stack">
        <Index each={props.c.prices}>{(p) => <PriceForm price={p()} edit={props.edit} />}</Index>
        <PriceForm price={blank} edit={props.edit} fresh />
      </div>
    </div>
  );
}

function PriceForm(props: { price: PriceSetting; edit: EditFn; fresh?: boolean }) {
  const [status, setStatus] = createSignal("");
  // The list reuses forms (a deleted one's note is its toast): when this one shows another price (one above was deleted), its old status goes.
  createEffect(on(() => props.price.model, () => setStatus(""), { defer: true }));
  let model: HTMLInputElement | undefined;
  let input!: HTMLInputElement, output!: HTMLInputElement, read!: HTMLInputElement, write!: HTMLInputElement;
  const num = (el: HTMLInputElement, what: string): number | null => {
    const t = el.value.trim();
    if (t === "") return null;
    const n = Number(t);
    if (!Number.isFinite(n)) throw new Error(`${what}: "${t}" is not a number`);
    return n;
  };
  const save = async () => {
    try {
      const price: PriceSetting = {
        model: model ? model.value.trim() : props.price.model, input: num(input, "input") ?? NaN, output: num(output, "output") ?? NaN,
        cacheRead: num(read, "cache read"), cacheWrite: num(write, "cache write"),
      };
      if (Number.isNaN(price.input) || Number.isNaN(price.output)) {
        return announce(setStatus, "input and output prices are needed", "", "");
      }
      const err = await props.edit({ kind: "price", price });
      announce(setStatus, err, "saved", `Price of ${price.model} saved`);
      if (!err && props.fresh) [model, input, output, read, write].forEach((el) => el && (el.value = ""));
    } catch (e) {
      announce(setStatus, describe(e), "", "");
    }
  };
  const remove = async () => {
    const err = await props.edit({ kind: "removePrice", model: props.price.model });
    announce(setStatus, err, "", `Price override of ${props.price.model} deleted`);
  };
  const cell = (v: number | null) => (v === null || (props.fresh && v === 0) ? "" : String(v));
  return (
    <Card class="price" data-model={props.price.model} head={
      <Show when={!props.fresh} fallback={<h3>Add a price override</h3>}>
        <ProviderMark id={props.price.model} /><h3 class="price-title">{props.price.model}</h3>
      </Show>
    }>
      <div class="price-grid">
        <Show when={props.fresh}>
          <TextField label="Model" class="span-all" inputClass="price-model" value={props.price.model} placeholder="provider/model"
            spellcheck={false} ref={(e) => (model = e)} />
        </Show>
        <TextField label="Input" aria-label="Input price" inputClass="price-input" value={cell(props.price.input)} inputMode="decimal"
          hint="$ / M tokens" ref={(e) => (input = e)} />
        <TextField label="Output" aria-label="Output price" inputClass="price-output" value={cell(props.price.output)} inputMode="decimal"
          hint="$ / M tokens" ref={(e) => (output = e)} />
        <TextField label="Cache read" aria-label="Cache read price" inputClass="price-cache-read" value={cell(props.price.cacheRead)}
          inputMode="decimal" hint="optional" ref={(e) => (read = e)} />
        <TextField label="Cache write" aria-label="Cache write price" inputClass="price-cache-write" value={cell(props.price.cacheWrite)}
          inputMode="decimal" hint="optional" ref={(e) => (write = e)} />
      </div>
      <div class="card-foot">
        <Button variant="primary" class="save-price" icon={props.fresh ? Plus : undefined} onClick={() => void save()}>
          {props.fresh ? "Add" : "Save"}
        </Button>
        <Show when={!props.fresh}>
          <Button variant="ghost" icon={Trash} class="remove-price" onClick={() => void remove()}>Delete</Button>
        </Show>
        <div class="status">{status()}</div>
      </div>
    </Card>
  );
}
