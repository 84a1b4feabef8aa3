// Providers and their keys, as cards: those in use (a key, or a local server that answers when
// the section opens) first and open; the others in an "Add a provider" list of compact rows that
// open into the same card. A key is typed, handed to the backend (the keychain keeps it) and the
// field is cleared: the page only ever holds the last four characters the backend answers.

import { createEffect, createResource, createSignal, createUniqueId, For, on, Show } from "solid-js";
import type { FullBackend } from "../backend";
import type { ProviderView } from "../types";
import { describe } from "../shared/problems";
import { Button, Card, Dot, IconButton, Skeleton, Switch, TextField, type Tone } from "../design/controls";
import { ProviderMark } from "../design/ProviderMark";
import { ChevronUp, KeyRound, Plus, RefreshCw, Trash } from "../design/icons";
import { announce, type EditFn, SectionHead } from "./common";

/** What the last test or probe found: answering, not answering, or still asking. */
export type Reach = "ok" | "down" | "asking";

/** A keychain key is bound to the origin it was saved for: it is not sent to another address. */
export const boundElsewhere = (p: ProviderView) => !!p.key?.origin && !p.baseUrl.startsWith(p.key.origin);

/** The status beside a provider: its word and tone. */
export function providerState(p: ProviderView, reach?: Reach): { word: string; tone: Tone } {
  if (!p.enabled) return { word: "off", tone: "neutral" };
  if (boundElsewhere(p)) return { word: "key bound to another address", tone: "warn" };
  if (p.needsKey && !p.key) return { word: "no key", tone: "neutral" };
  if (reach === "down") return { word: "unreachable", tone: "danger" };
  if (reach === "asking") return { word: "checking…", tone: "neutral" };
  return { word: "ready", tone: "success" };
}

export function Providers(props: { backend: FullBackend; edit: EditFn; onChanged: () => void }) {
  const b = props.backend;
  const [providers, { refetch }] = createResource(() => b.providers());
  const all = () => (providers.error ? [] : providers() ?? []);
  const find = (id: string) => all().find((p) => p.id === id);
  const [reach, setReach] = createSignal<Record<string, Reach>>({});
  const reachOf = (id: string) => (r: Reach | undefined) => setReach((m) => {
    const n = { ...m };
    if (r) n[id] = r; else delete n[id];
    return n;
  });
  // The in-use group is decided when the section opens (and grows as local servers answer), not
  // on every change: a card someone is typing in never jumps to the other list under them.
  const [inUse, setInUse] = createSignal<string[] | null>(null);
  const [opened, setOpened] = createSignal<string[]>([]);
  const [focusId, setFocusId] = createSignal<string | null>(null);
  createEffect(on(all, (ps) => {
    if (inUse() || !providers() || providers.error) return;
    setInUse(ps.filter((p) => p.key).map((p) => p.id));
    for (const p of ps.filter((p) => !p.needsKey && p.enabled && !p.key)) {
      reachOf(p.id)("asking");
      b.testProvider(p.id).then(
        () => { reachOf(p.id)("ok"); setInUse((u) => [...(u ?? []), p.id]); },
        () => reachOf(p.id)("down"),
      );
    }
  }));
  const group = (used: boolean) => all().filter((p) => (inUse()?.includes(p.id) ?? false) === used).map((p) => p.id);
  const changed = () => { void refetch(); props.onChanged(); };
  const editProvider: EditFn = async (e) => {
    const err = await props.edit(e);
    if (!err) void refetch();
    return err;
  };
  const card = (id: string, extra: { compact?: boolean; onOpen?: () => void; onClose?: () => void } = {}) => (
    <Show when={find(id)}>{(p) => (
      <ProviderCard p={p()} backend={b} edit={editProvider} reach={reach()[id]} setReach={reachOf(id)} onChange={changed}
        focus={focusId() === id} {...extra} />
    )}</Show>
  );
  return (
    <>
      <SectionHead title="Providers and keys">
        Keys are kept in the OS keychain, bound to the provider's address, and only their last four characters are ever
        shown. A key in an environment variable (ROUNDTABLE_KEY_&lt;ID&gt;) works too.
      </SectionHead>
      <Show when={providers.error}><p class="problem" role="alert">{describe(providers.error)}</p></Show>
      <Show when={inUse()} fallback={<Show when={!providers.error}><Skeleton lines={4} label="Loading the providers" /></Show>}>
        <Show when={group(true).length} fallback={
          <p class="hint none-in-use">No provider is in use yet: add a key to one below, or start a local server (Ollama, LM
            Studio) and open this section again.</p>
        }>
          <div class="provider-cards in-use">
            <For each={group(true)}>{(id) => card(id)}</For>
          </div>
        </Show>
        <Show when={group(false).length}>
          <h3 class="add-title">Add a provider</h3>
          <ul class="provider-add" role="list">
            <For each={group(false)}>{(id) => (
              <li>{card(id, {
                get compact() { return !opened().includes(id); },
                onOpen: () => { setFocusId(id); setOpened((o) => [...o, id]); },
                onClose: () => { setFocusId(id); setOpened((o) => o.filter((x) => x !== id)); },
              })}</li>
            )}</For>
          </ul>
        </Show>
      </Show>
    </>
  );
}

function State(props: { p: ProviderView; reach?: Reach }) {
  const s = () => providerState(props.p, props.reach);
  return (
    <span class={`state ${s().tone}`}>
      <Dot tone={s().tone} label={`Status: ${s().word}`} /><span aria-hidden="true">{s().word}</span>
    </span>
  );
}

function ProviderCard(props: {
  p: ProviderView; backend: FullBackend; edit: EditFn; reach?: Reach; setReach: (r: Reach | undefined) => void;
  onChange: () => void; focus: boolean; compact?: boolean; onOpen?: () => void; onClose?: () => void;
}) {
  const id = () => props.p.id;
  const title = createUniqueId();
  const [status, setStatus] = createSignal("");
  let input!: HTMLInputElement;
  let url!: HTMLInputElement;
  const failed = (e: unknown) => announce(setStatus, describe(e), "", "");
  const saveKey = async () => {
    const key = input.value;
    input.value = "";
    try {
      const saved = await props.backend.setKey(id(), key);
      props.setReach(undefined);
      announce(setStatus, "", `saved ${saved.hint}`, `Key for ${id()} saved (${saved.hint})`);
      props.onChange();
    } catch (e) {
      failed(e);
    }
  };
  const removeKey = async () => {
    try {
      await props.backend.removeKey(id());
      announce(setStatus, "", "removed", `Key for ${id()} removed`);
      props.onChange();
    } catch (e) {
      failed(e);
    }
  };
  const test = async () => {
    setStatus("testing…");
    props.setReach("asking");
    try {
      const n = await props.backend.testProvider(id());
      props.setReach("ok");
      announce(setStatus, "", `works: ${n} models`, `${id()} works: ${n} models`);
    } catch (e) {
      props.setReach("down");
      failed(e);
    }
  };
  const setProvider = async (enabled: boolean, baseUrl: string | null) => {
    const err = await props.edit({ kind: "provider", id: id(), enabled, baseUrl });
    const bound = baseUrl !== null && !!props.p.key?.origin && !baseUrl.startsWith(props.p.key.origin);
    const ok = bound
      ? "address saved — the key is bound to its old address and is not sent to this one; save it again to use it here"
      : "saved";
    if (!err && baseUrl !== null) props.setReach(undefined);
    announce(setStatus, err, ok, bound ? `Address of ${id()} saved; save its key again to use it there`
      : baseUrl !== null ? `Address of ${id()} saved` : `${id()} turned ${enabled ? "on" : "off"}`);
  };
  const focusIf = (el: HTMLElement) => { if (props.focus) queueMicrotask(() => el.focus()); };
  return (
    <Show when={!props.compact} fallback={
      <div class="provider provider-row" data-id={id()} classList={{ disabled: !props.p.enabled }}>
        <button type="button" class="provider-expand" aria-expanded="false" ref={focusIf} onClick={() => props.onOpen?.()}>
          <ProviderMark id={id()} />
          <span class="provider-id">{id()}</span>
          <span class="kind">{props.p.kind}</span>
          <State p={props.p} reach={props.reach} />
          <Plus size={16} aria-hidden="true" class="expand-icon" />
        </button>
      </div>
    }>
      <Card class={`provider${props.p.enabled ? "" : " disabled"}`} data-id={id()} aria-labelledby={title} head={<>
        <ProviderMark id={id()} size="lg" />
        <div class="provider-title">
          <h3 id={title}>{id()}</h3>
          <span class="kind">{props.p.kind}</span>
        </div>
        <State p={props.p} reach={props.reach} />
        <Switch class="enabled" checked={props.p.enabled} label={`Use ${id()}`} hideLabel
          onChange={(on) => void setProvider(on, null)} />
        <Show when={props.onClose}>
          <IconButton icon={ChevronUp} label={`Fold ${id()}`} size="sm" aria-expanded="true" onClick={() => props.onClose?.()} />
        </Show>
      </>}>
        <div class="key-line">
          <KeyRound size={14} aria-hidden="true" />
          <Show when={props.p.key} fallback={<span class="nokey">{props.p.needsKey ? "no key" : "no key needed"}</span>}>
            {(k) => <span class="hint-text">{k().hint} <span class="source">({k().source})</span></span>}
          </Show>
          <Show when={props.p.key?.source === "keychain"}>
            <Button variant="ghost" size="sm" icon={Trash} class="remove-key" onClick={() => void removeKey()}>Remove key</Button>
          </Show>
        </div>
        <Show when={props.p.keychainError}><p class="problem">{props.p.keychainError}</p></Show>
        <div class="field-row">
          <TextField secret label="API key" aria-label={`API key for ${id()}`} class="grow" inputClass="key-input"
            placeholder={props.p.key ? "Replace the key" : "Paste a key"} autocomplete="off" spellcheck={false}
            ref={(e) => { input = e; focusIf(e); }} onKeyDown={(e) => { if (e.key === "Enter") void saveKey(); }} />
          <Button variant="primary" class="save-key" onClick={() => void saveKey()}>Save key</Button>
        </div>
        <div class="field-row">
          <TextField label="Address" aria-label={`Address of ${id()}`} class="grow" inputClass="base-url" value={props.p.baseUrl}
            spellcheck={false} ref={(e) => (url = e)}
            onKeyDown={(e) => { if (e.key === "Enter") void setProvider(props.p.enabled, url.value); }} />
          <Button class="save-url" onClick={() => void setProvider(props.p.enabled, url.value)}>Save address</Button>
        </div>
        <div class="card-foot">
          <Button class="test" icon={RefreshCw} onClick={() => void test()}>Test connection</Button>
          <div class="status">{status()}</div>
        </div>
      </Card>
    </Show>
  );
}
