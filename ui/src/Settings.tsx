// Settings: providers and their keys. A key goes into the keychain and is never shown again:
// the backend answers with its last four characters only, and the field is cleared.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "./backend";
import type { ProviderView } from "./types";

export function Settings(props: { backend: FullBackend; onKeysChanged: () => void }) {
  const b = props.backend;
  const [providers, { refetch }] = createResource(() => b.providers());
  return (
    <section class="settings">
      <h2>Providers and keys</h2>
      <p class="hint">Keys are kept in the OS keychain, bound to the provider's address, and only their last four
        characters are ever shown. A key in an environment variable (ROUNDTABLE_KEY_&lt;ID&gt;) works too.</p>
      <Show when={providers.error}><div class="problem">{String(providers.error)}</div></Show>
      <table class="providers">
        <thead><tr><th>Provider</th><th>Address</th><th>Key</th><th /></tr></thead>
        <tbody>
          <For each={providers() ?? []}>{(p) => (
            <ProviderRow p={p} backend={b} onChange={() => { void refetch(); props.onKeysChanged(); }} />
          )}</For>
        </tbody>
      </table>
    </section>
  );
}

function ProviderRow(props: { p: ProviderView; backend: FullBackend; onChange: () => void }) {
  const [status, setStatus] = createSignal<string>("");
  let input!: HTMLInputElement;
  const save = async () => {
    const key = input.value;
    input.value = "";
    try {
      const saved = await props.backend.setKey(props.p.id, key);
      setStatus(`saved ${saved.hint}`);
      props.onChange();
    } catch (e) {
      setStatus(String(e));
    }
  };
  return (
    <tr class="provider" data-id={props.p.id}>
      <td><strong>{props.p.id}</strong> <span class="kind">{props.p.kind}</span></td>
      <td class="url">{props.p.baseUrl}</td>
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
            try { await props.backend.removeKey(props.p.id); setStatus("removed"); props.onChange(); } catch (e) { setStatus(String(e)); }
          }}>Remove</button>
        </Show>
        <button class="test" onClick={async () => {
          setStatus("testing…");
          try { setStatus(`works: ${await props.backend.testProvider(props.p.id)} models`); } catch (e) { setStatus(String(e)); }
        }}>Test</button>
        <div class="status" aria-live="polite">{status()}</div>
      </td>
    </tr>
  );
}
