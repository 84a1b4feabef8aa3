// Settings: providers (on/off, address, test) and their keys, routes, price overrides, the budget
// and the theme. A key goes into the keychain and is never shown again: the backend answers with
// its last four characters only, and the field is cleared. Every other edit is one change to
// config.toml that the backend checks before writing; a refused edit shows why and changes nothing.

import { createResource, createSignal, Index, Show } from "solid-js";
import type { FullBackend } from "../backend";
import type { Edit, PriceSetting, ProviderView, RouteSetting, SettingsView, Strategy } from "../types";
import { describe } from "../shared/problems";
import type { Theme } from "../design/theme";
import "./settings.css";

export type SettingsSection = "providers" | "routes" | "prices" | "budget" | "gateway" | "appearance";

/** The sections, in the order of their navigation (the palette offers each). */
export const SETTINGS_SECTIONS: { id: SettingsSection; label: string; keywords: string }[] = [
  { id: "providers", label: "Providers and keys", keywords: "api key keychain address openai anthropic ollama" },
  { id: "routes", label: "Routes", keywords: "fallback balance latency chain" },
  { id: "prices", label: "Prices", keywords: "cost override per million" },
  { id: "budget", label: "Budget", keywords: "monthly limit spend" },
  { id: "gateway", label: "Gateway", keywords: "serve local api openai compatible token" },
  { id: "appearance", label: "Appearance", keywords: "theme dark light" },
];

export function Settings(props: {
  backend: FullBackend; onChanged: () => void; theme: Theme; section: SettingsSection; setSection: (s: SettingsSection) => void;
}) {
  const b = props.backend;
  const [providers, { refetch }] = createResource(() => b.providers());
  const [config, { mutate }] = createResource(() => b.settings());
  /** Applies an edit; answers the error text, or "" when it was saved. */
  const edit = async (e: Edit): Promise<string> => {
    try {
      mutate(await b.editSettings(e));
      if (e.kind === "provider") void refetch();
      props.onChanged();
      return "";
    } catch (err) {
      return describe(err);
    }
  };
  return (
    <section class="settings">
      <h2>Providers and keys</h2>
      <p class="hint">Keys are kept in the OS keychain, bound to the provider's address, and only their last four
        characters are ever shown. A key in an environment variable (ROUNDTABLE_KEY_&lt;ID&gt;) works too.</p>
      <Show when={providers.error}><div class="problem">{String(providers.error)}</div></Show>
      <table class="providers">
        <thead><tr><th>Provider</th><th>Address</th><th>Key</th><th /></tr></thead>
        <tbody>
          <Index each={providers() ?? []}>{(p) => (
            <ProviderRow p={p()} backend={b} edit={edit} onChange={() => { void refetch(); props.onChanged(); }} />
          )}</Index>
        </tbody>
      </table>

      <Show when={config.error}><div class="problem">{String(config.error)}</div></Show>
      <Show when={config()}>{(c) => (<>
        <Routes c={c()} edit={edit} />
        <Prices c={c()} edit={edit} />
        <Budget c={c()} edit={edit} />
        <p class="hint config-path">These settings live in <code>{c().configPath}</code>, which the CLI reads too; comments
          you write there are kept.</p>
      </>)}</Show>

      <h2>Appearance</h2>
      <label class="theme-setting">Theme{" "}
        <select aria-label="Theme setting" value={props.theme.choice()} onChange={(e) => props.theme.setChoice(e.currentTarget.value as "system" | "light" | "dark")}>
          <option value="system">Follow the system</option><option value="light">Light</option><option value="dark">Dark</option>
        </select>
      </label>
    </section>
  );
}

type EditFn = (e: Edit) => Promise<string>;

function ProviderRow(props: { p: ProviderView; backend: FullBackend; edit: EditFn; onChange: () => void }) {
  const [status, setStatus] = createSignal<string>("");
  let input!: HTMLInputElement;
  let url!: HTMLInputElement;
  const save = async () => {
    const key = input.value;
    input.value = "";
    try {
      const saved = await props.backend.setKey(props.p.id, key);
      setStatus(`saved ${saved.hint}`);
      props.onChange();
    } catch (e) {
      setStatus(describe(e));
    }
  };
  const setProvider = async (enabled: boolean, baseUrl: string | null) => {
    const err = await props.edit({ kind: "provider", id: props.p.id, enabled, baseUrl });
    setStatus(err || (baseUrl !== null && props.p.key?.origin && !baseUrl.startsWith(props.p.key.origin)
      ? "address saved — the key is bound to its old address and is not sent to this one; save it again to use it here"
      : "saved"));
  };
  return (
    <tr class="provider" data-id={props.p.id} classList={{ disabled: !props.p.enabled }}>
      <td>
        <label class="enabled"><input type="checkbox" checked={props.p.enabled} aria-label={`Use ${props.p.id}`}
          onChange={(e) => void setProvider(e.currentTarget.checked, null)} /> <strong>{props.p.id}</strong></label>{" "}
        <span class="kind">{props.p.kind}</span>
      </td>
      <td class="url">
        <input ref={url} class="base-url" value={props.p.baseUrl} aria-label={`Address of ${props.p.id}`}
          onKeyDown={(e) => { if (e.key === "Enter") void setProvider(props.p.enabled, url.value); }} />
        <button class="save-url" onClick={() => void setProvider(props.p.enabled, url.value)}>Save address</button>
      </td>
      <td class="key">
        <Show when={props.p.key} fallback={<span class="nokey">{props.p.needsKey ? "no key" : "no key needed"}</span>}>
          {(k) => <span class="hint-text">{k().hint} <span class="source">({k().source})</span></span>}
        </Show>
        <Show when={props.p.keychainError}><div class="problem">{props.p.keychainError}</div></Show>
      </td>
      <td class="actions">
        <input ref={input} type="password" class="key-input" placeholder={props.p.key ? "Replace key" : "Add key"} autocomplete="off"
          onKeyDown={(e) => { if (e.key === "Enter") void save(); }} aria-label={`Key for ${props.p.id}`} />
        <button class="save-key" onClick={() => void save()}>Save</button>
        <Show when={props.p.key?.source === "keychain"}>
          <button class="remove-key" onClick={async () => {
            try { await props.backend.removeKey(props.p.id); setStatus("removed"); props.onChange(); } catch (e) { setStatus(describe(e)); }
          }}>Remove</button>
        </Show>
        <button class="test" onClick={async () => {
          setStatus("testing…");
          try { setStatus(`works: ${await props.backend.testProvider(props.p.id)} models`); } catch (e) { setStatus(describe(e)); }
        }}>Test connection</button>
        <div class="status" aria-live="polite">{status()}</div>
      </td>
    </tr>
  );
}

const list = (text: string) => text.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);

function Routes(props: { c: SettingsView; edit: EditFn }) {
  const blank: RouteSetting = { name: "", strategy: "fallback", targets: [], weights: null };
  return (
    <section class="routes-editor">
      <h2>Routes</h2>
      <p class="hint">A route is a name (used as <code>@name</code>) for several models: tried in order (fallback), picked by
        weight (balance) or by the fastest recent first token (latency).</p>
      <Index each={props.c.routes}>{(r) => <RouteForm route={r()} edit={props.edit} />}</Index>
      <RouteForm route={blank} edit={props.edit} fresh />
    </section>
  );
}

function RouteForm(props: { route: RouteSetting; edit: EditFn; fresh?: boolean }) {
  const [status, setStatus] = createSignal("");
  let name!: HTMLInputElement, strategy!: HTMLSelectElement, targets!: HTMLTextAreaElement, weights!: HTMLInputElement;
  const save = async () => {
    const w = list(weights.value).map(Number);
    const route: RouteSetting = {
      name: name.value.trim(), strategy: strategy.value as Strategy, targets: list(targets.value), weights: w.length ? w : null,
    };
    if (w.some((n) => !Number.isInteger(n) || n < 0)) return setStatus(`weights: "${weights.value}" — give whole numbers, one per target`);
    const err = await props.edit({ kind: "route", route, previous: props.fresh ? null : props.route.name });
    setStatus(err || "saved");
    if (!err && props.fresh) { name.value = ""; targets.value = ""; weights.value = ""; }
  };
  return (
    <div class="route" data-name={props.route.name}>
      <input ref={name} class="route-name" value={props.route.name} placeholder="new route name" aria-label="Route name" />
      <select ref={strategy} class="route-strategy" value={props.route.strategy} aria-label="Strategy">
        <option value="fallback">fallback</option><option value="balance">balance</option><option value="latency">latency</option>
      </select>
      <textarea ref={targets} class="route-targets" rows={2} aria-label="Targets"
        placeholder="provider/model, one per line, in order" value={props.route.targets.join("\n")} />
      <input ref={weights} class="route-weights" value={props.route.weights?.join(", ") ?? ""} placeholder="weights (balance)"
        aria-label="Weights" />
      <button class="save-route" onClick={() => void save()}>{props.fresh ? "Add route" : "Save"}</button>
      <Show when={!props.fresh}>
        <button class="remove-route" onClick={async () => setStatus(await props.edit({ kind: "removeRoute", name: props.route.name }) || "removed")}>Delete</button>
      </Show>
      <div class="status" aria-live="polite">{status()}</div>
    </div>
  );
}

function Prices(props: { c: SettingsView; edit: EditFn }) {
  const blank: PriceSetting = { model: "", input: 0, output: 0, cacheRead: null, cacheWrite: null };
  return (
    <section class="prices-editor">
      <h2>Price overrides</h2>
      <p class="hint">USD per million tokens. An override wins over OpenRouter's catalog and the built-in table; spend
        already recorded keeps the price it was recorded at.</p>
      <table class="prices">
        <thead><tr><th>Model</th><th>Input</th><th>Output</th><th>Cache read</th><th>Cache write</th><th /></tr></thead>
        <tbody>
          <Index each={props.c.prices}>{(p) => <PriceRow price={p()} edit={props.edit} />}</Index>
          <PriceRow price={blank} edit={props.edit} fresh />
        </tbody>
      </table>
    </section>
  );
}

function PriceRow(props: { price: PriceSetting; edit: EditFn; fresh?: boolean }) {
  const [status, setStatus] = createSignal("");
  let model!: HTMLInputElement, input!: HTMLInputElement, output!: HTMLInputElement, read!: HTMLInputElement, write!: HTMLInputElement;
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
        model: model.value.trim(), input: num(input, "input") ?? NaN, output: num(output, "output") ?? NaN,
        cacheRead: num(read, "cache read"), cacheWrite: num(write, "cache write"),
      };
      if (Number.isNaN(price.input) || Number.isNaN(price.output)) return setStatus("input and output prices are needed");
      const err = await props.edit({ kind: "price", price });
      setStatus(err || "saved");
      if (!err && props.fresh) [model, input, output, read, write].forEach((el) => (el.value = ""));
    } catch (e) {
      setStatus(describe(e));
    }
  };
  const cell = (v: number | null) => (v === null || (props.fresh && v === 0) ? "" : String(v));
  return (
    <tr class="price" data-model={props.price.model}>
      <td><input ref={model} class="price-model" value={props.price.model} placeholder="provider/model" aria-label="Model"
        readOnly={!props.fresh} /></td>
      <td><input ref={input} class="price-input" value={cell(props.price.input)} inputMode="decimal" aria-label="Input price" /></td>
      <td><input ref={output} class="price-output" value={cell(props.price.output)} inputMode="decimal" aria-label="Output price" /></td>
      <td><input ref={read} class="price-cache-read" value={cell(props.price.cacheRead)} inputMode="decimal" aria-label="Cache read price" /></td>
      <td><input ref={write} class="price-cache-write" value={cell(props.price.cacheWrite)} inputMode="decimal" aria-label="Cache write price" /></td>
      <td>
        <button class="save-price" onClick={() => void save()}>{props.fresh ? "Add" : "Save"}</button>
        <Show when={!props.fresh}>
          <button class="remove-price" onClick={async () => setStatus(await props.edit({ kind: "removePrice", model: props.price.model }) || "removed")}>Delete</button>
        </Show>
        <div class="status" aria-live="polite">{status()}</div>
      </td>
    </tr>
  );
}

function Budget(props: { c: SettingsView; edit: EditFn }) {
  const [status, setStatus] = createSignal("");
  let cap!: HTMLInputElement;
  const b = () => props.c.budget;
  const share = () => (b().monthlyUsd ? b().spentUsd / (b().monthlyUsd as number) : 0);
  const save = async (monthlyUsd: number | null) => {
    if (monthlyUsd !== null && !Number.isFinite(monthlyUsd)) return setStatus(`"${cap.value}" is not an amount in USD`);
    setStatus(await props.edit({ kind: "budget", monthlyUsd }) || "saved");
  };
  return (
    <section class="budget-editor">
      <h2>Monthly budget</h2>
      <p class="hint">From 80% of it you are warned; at 100% requests are refused until the next calendar month (UTC).</p>
      <div class="budget-progress" classList={{ warn: share() >= 0.8 && share() < 1, over: share() >= 1 }}>
        <span class="spent">${b().spentUsd.toFixed(2)}</span> spent this month
        <Show when={b().monthlyUsd !== null} fallback={<span class="no-budget"> — no budget set</span>}>
          {" "}of <span class="cap">${(b().monthlyUsd as number).toFixed(2)}</span> ({Math.round(share() * 100)}%)
          <progress max={1} value={Math.min(share(), 1)} />
        </Show>
      </div>
      <label>USD per month <input ref={cap} class="budget-input" inputMode="decimal" value={b().monthlyUsd ?? ""} aria-label="Monthly budget in USD"
        onKeyDown={(e) => { if (e.key === "Enter") void save(Number(cap.value)); }} /></label>
      <button class="save-budget" onClick={() => void save(cap.value.trim() === "" ? null : Number(cap.value))}>Save</button>
      <Show when={b().monthlyUsd !== null}><button class="clear-budget" onClick={() => void save(null)}>No budget</button></Show>
      <div class="status" aria-live="polite">{status()}</div>
    </section>
  );
}
