// Settings → Models: the built-in local models. Those on this computer (size, quantisation,
// context length, whether loaded; Delete after a confirmation), and the catalog, each with its
// size and a Download button that shows the download's progress with a Cancel. A failure is
// said in the model's own card, naming it. The backend does everything; the list is its answer.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Badge, Button, Card, Skeleton } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { Download, Trash } from "../design/icons";
import { createDownloads, DownloadBar, megabytes } from "../shared/downloads";
import { describe } from "../shared/problems";
import type { CatalogModel, InstalledModel, LocalView } from "../types";
import { announce, SectionHead } from "./common";

/** `135M`, `1.5B` parameters, from a count. */
export function paramsText(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${Math.round(n / 1e6)}M`;
  return `${n}`;
}

export function Models(props: { backend: FullBackend; onChanged: () => void }) {
  const b = props.backend;
  const [view, { mutate, refetch }] = createResource(() => b.localModels());
  const downloads = createDownloads(b, () => { void refetch(); props.onChanged(); });
  const v = (): LocalView | undefined => (view.error ? undefined : view.latest);

  return (
    <div class="models-editor">
      <SectionHead title="Models">
        Built-in models run on this computer (llama.cpp): no key, nothing leaves the machine, and they cost nothing.
        They read text only. Pick one as <code>local/NAME</code> like any other model.
      </SectionHead>
      <Show when={view.error}><p class="problem" role="alert">{describe(view.error)}</p></Show>
      <Show when={v()} fallback={<Show when={!view.error}><Skeleton lines={3} label="Loading the local models" /></Show>}>{(v) => (
        <div class="stack">
          <h3>On this computer</h3>
          <Show when={v().installed.length} fallback={<p class="hint models-none">No model downloaded yet: pick one below.</p>}>
            <For each={v().installed}>{(m) => (
              <Installed model={m} isDefault={v().defaultModel === `local/${m.name}`} backend={b}
                onList={(next) => { mutate(next); props.onChanged(); }} />
            )}</For>
          </Show>
          <h3>Catalog</h3>
          <For each={v().catalog}>{(e) => (
            <Entry entry={e} elsewhere={v().pulling.includes(e.name)} downloads={downloads} />
          )}</For>
        </div>
      )}</Show>
    </div>
  );
}

function Installed(props: { model: InstalledModel; isDefault: boolean; backend: FullBackend; onList: (v: LocalView) => void }) {
  const m = () => props.model;
  const [confirming, setConfirming] = createSignal(false);
  const [error, setError] = createSignal("");
  async function remove() {
    setConfirming(false);
    try {
      props.onList(await props.backend.localRemove(m().name));
      announce(() => {}, "", "", `local/${m().name} deleted`);
    } catch (e) {
      setError(`Could not delete local/${m().name}: ${describe(e)}`);
    }
  }
  return (
    <Card class="local-model" data-name={m().name} head={<>
      <div class="provider-title">
        <h3 class="local-model-name">local/{m().name}</h3>
        <Show when={props.isDefault}><Badge tone="accent">default</Badge></Show>
        <Show when={m().loaded}><Badge tone="success">loaded</Badge></Show>
      </div>
    </>}>
      <dl class="facts">
        <dt>Size</dt><dd class="local-size">{megabytes(m().size)}</dd>
        <dt>Quantisation</dt><dd class="local-quant">{m().quantization}</dd>
        <dt>Context</dt><dd class="local-context">{m().contextLength ? `${m().contextLength!.toLocaleString("en")} tokens` : "unknown"}</dd>
        <dt>Parameters</dt><dd>{paramsText(m().parameters)} ({m().architecture})</dd>
      </dl>
      <Show when={error()}><p class="problem" role="alert">{error()}</p></Show>
      <div class="card-foot">
        <Button variant="ghost" icon={Trash} class="local-delete" data-testid={`local-delete-${m().name}`} onClick={() => setConfirming(true)}>Delete</Button>
      </div>
      <Show when={confirming()}>
        <Dialog title={`Delete local/${m().name}?`} class="confirm-delete-model" onClose={() => setConfirming(false)} footer={<>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
          <Button variant="danger" class="confirm" data-testid="local-delete-confirm" onClick={() => void remove()}>Delete</Button>
        </>}>
          <p>Its file ({megabytes(m().size)}) is deleted from this computer. Conversations with it stay; download it again to use it.</p>
        </Dialog>
      </Show>
    </Card>
  );
}

function Entry(props: { entry: CatalogModel; elsewhere: boolean; downloads: ReturnType<typeof createDownloads> }) {
  const e = () => props.entry;
  const d = props.downloads;
  return (
    <Card class="catalog-model" data-name={e().name} head={<>
      <div class="provider-title">
        <h3>{e().title}</h3>
        <span class="kind">local/{e().name}</span>
        <Show when={e().installed}><Badge tone="success">installed</Badge></Show>
      </div>
    </>}>
      <dl class="facts">
        <dt>Size</dt><dd class="catalog-size">{megabytes(e().size)}</dd>
        <dt>Parameters</dt><dd>{e().parameters}</dd>
        <dt>Quantisation</dt><dd>{e().quantization}</dd>
        <dt>Context</dt><dd>{e().context.toLocaleString("en")} tokens</dd>
        <dt>License</dt><dd>{e().license}</dd>
      </dl>
      <p class="hint">{e().notes}</p>
      <Show when={d.error(e().name)}>{(err) => <p class="problem download-error" role="alert">{err()}</p>}</Show>
      <Show when={!e().installed}>
        <div class="card-foot">
          <Show when={d.progress(e().name)} fallback={
            <Show when={props.elsewhere} fallback={
              <Button icon={Download} class="local-download" data-testid={`local-download-${e().name}`}
                onClick={() => void d.start(e().name)}>Download ({megabytes(e().size)})</Button>
            }>
              <span class="status">Downloading…</span>
              <Button size="sm" variant="ghost" onClick={() => void d.cancel(e().name)}>Cancel</Button>
            </Show>
          }>{(p) => <DownloadBar name={e().name} progress={p()} onCancel={() => void d.cancel(e().name)} />}</Show>
        </div>
      </Show>
    </Card>
  );
}
