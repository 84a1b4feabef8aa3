// Routes: one card per route and one to add a route. The fields are read when Save is pressed
// (not kept in signals), so what is in the inputs is what is sent.

import { createEffect, createSignal, Index, on, Show } from "solid-js";
import type { RouteSetting, SettingsView, Strategy } from "../types";
import { Button, Card, Select, TextArea, TextField } from "../design/controls";
import { Plus, Trash } from "../design/icons";
import { announce, type EditFn, list, SectionHead } from "./common";

const STRATEGIES = [
  { value: "fallback", label: "fallback — in order" },
  { value: "balance", label: "balance — by weight" },
  { value: "latency", label: "latency — fastest first" },
];

export function Routes(props: { c: SettingsView; edit: EditFn }) {
  const blank: RouteSetting = { name: "", strategy: "fallback", targets: [], weights: null };
  return (
    <div class="routes-editor">
      <SectionHead title="Routes">
        A route is a name (used as <code>@name</code>) for several models: tried in order (fallback), picked by weight
        (balance) or by the fastest recent first token (latency).
      </SectionHead>
      <div class="stack">
        <Index each={props.c.routes}>{(r) => <RouteForm route={r()} edit={props.edit} />}</Index>
        <RouteForm route={blank} edit={props.edit} fresh />
      </div>
    </div>
  );
}

function RouteForm(props: { route: RouteSetting; edit: EditFn; fresh?: boolean }) {
  const [status, setStatus] = createSignal("");
  // The list reuses forms (a deleted one's note is its toast): when this one shows another route (one above was deleted), its old status goes.
  createEffect(on(() => props.route.name, () => setStatus(""), { defer: true }));
  let name!: HTMLInputElement, strategy!: HTMLSelectElement, targets!: HTMLTextAreaElement, weights!: HTMLInputElement;
  const save = async () => {
    const w = list(weights.value).map(Number);
    const route: RouteSetting = {
      name: name.value.trim(), strategy: strategy.value as Strategy, targets: list(targets.value), weights: w.length ? w : null,
    };
    if (w.some((n) => !Number.isInteger(n) || n < 0)) {
      return announce(setStatus, `weights: "${weights.value}" — give whole numbers, one per target`, "", "");
    }
    const err = await props.edit({ kind: "route", route, previous: props.fresh ? null : props.route.name });
    announce(setStatus, err, "saved", `Route @${route.name} saved`);
    if (!err && props.fresh) { name.value = ""; targets.value = ""; weights.value = ""; }
  };
  const remove = async () => {
    const err = await props.edit({ kind: "removeRoute", name: props.route.name });
    announce(setStatus, err, "", `Route @${props.route.name} deleted`);
  };
  return (
    <Card class="route" data-name={props.route.name} head={<h3>{props.fresh ? "Add a route" : `@${props.route.name}`}</h3>}>
      <div class="route-grid">
        <TextField label="Name" aria-label="Route name" inputClass="route-name" value={props.route.name}
          placeholder="new route name" spellcheck={false} ref={(e) => (name = e)} />
        <Select label="Strategy" selectClass="route-strategy" options={STRATEGIES} value={props.route.strategy}
          ref={(e: HTMLSelectElement) => { strategy = e; queueMicrotask(() => (e.value = props.route.strategy)); }} />
        <TextArea label="Targets" class="span-all" inputClass="route-targets" rows={2} spellcheck={false}
          hint="provider/model or @route, one per line, in order" placeholder="openai/gpt-4o"
          value={props.route.targets.join("\n")} ref={(e) => (targets = e)} />
        <TextField label="Weights" inputClass="route-weights" value={props.route.weights?.join(", ") ?? ""}
          placeholder="3, 1" hint="balance only: a whole number per target" ref={(e) => (weights = e)} />
      </div>
      <div class="card-foot">
        <Button variant="primary" class="save-route" icon={props.fresh ? Plus : undefined} onClick={() => void save()}>
          {props.fresh ? "Add route" : "Save"}
        </Button>
        <Show when={!props.fresh}>
          <Button variant="ghost" icon={Trash} class="remove-route" onClick={() => void remove()}>Delete</Button>
        </Show>
        <div class="status">{status()}</div>
      </div>
    </Card>
  );
}
