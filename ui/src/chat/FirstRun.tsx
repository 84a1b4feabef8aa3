// No model to talk to yet: chat now with a built-in model (one on disk, else the smallest of the
// catalog, downloaded here with its progress and a Cancel), add a key in Settings, or use a local
// Ollama or LM Studio found running.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Button, EmptyState } from "../design/controls";
import { Cpu, KeyRound, Server } from "../design/icons";
import { createDownloads, DownloadBar, megabytes } from "../shared/downloads";
import { describe } from "../shared/problems";
import type { LocalView } from "../types";

/** The model "Chat now" uses: the default if it is local, else the first on disk; null when none is installed. */
export function installedModel(v: LocalView): string | null {
  const d = v.defaultModel;
  if (d?.startsWith("local/") && v.installed.some((m) => `local/${m.name}` === d)) return d;
  return v.installed.length ? `local/${v.installed[0].name}` : null;
}

export function FirstRun(props: { backend: FullBackend; onSettings: () => void; onUse: (model: string) => void }) {
  const b = props.backend;
  const [found] = createResource(async () => {
    const out: string[] = [];
    for (const id of ["ollama", "lmstudio"]) {
      try { out.push(`${id}: running, ${await b.testProvider(id)} models`); } catch { /* not running */ }
    }
    return out;
  });
  const downloads = createDownloads(b, () => {});
  /** The catalog model being downloaded, with its size. */
  const [pulling, setPulling] = createSignal<{ name: string; size: number } | null>(null);
  const [error, setError] = createSignal("");
  const [busy, setBusy] = createSignal(false);

  async function chatNow() {
    setError("");
    setBusy(true);
    try {
      const v = await b.localModels();
      const have = installedModel(v);
      if (have) return props.onUse(have);
      const smallest = [...v.catalog].sort((a, z) => a.size - z.size)[0];
      if (!smallest) return setError("The catalog of built-in models is empty.");
      setPulling({ name: smallest.name, size: smallest.size });
      if (await downloads.start(smallest.name)) props.onUse(`local/${smallest.name}`);
      else setError(downloads.error(smallest.name) ?? "");
    } catch (e) {
      setError(`Could not open the built-in models: ${describe(e)}`);
    } finally {
      setPulling(null);
      setBusy(false);
    }
  }

  return (
    <section class="first-run" aria-label="Getting started">
      <EmptyState icon={Server} title="Welcome to Roundtable" action={
        <div class="first-run-actions">
          <Button variant="primary" icon={Cpu} class="chat-local" data-testid="first-run-local" disabled={busy()}
            onClick={() => void chatNow()}>Chat now with a built-in model</Button>
          <Button icon={KeyRound} class="to-settings" onClick={() => props.onSettings()}>Add an API key in Settings</Button>
        </div>
      }>
        <p>No model is available yet. Chat now with a small model that runs on this computer (no key, nothing leaves it),
          or talk to any provider directly with your own keys, kept in the OS keychain.</p>
        <Show when={pulling()}>{(p) => (
          <div class="first-run-download">
            <p>Downloading {p().name} ({megabytes(p().size)}), once.</p>
            <Show when={downloads.progress(p().name)}>{(prog) => (
              <DownloadBar name={p().name} progress={prog()} onCancel={() => void downloads.cancel(p().name)} />
            )}</Show>
          </div>
        )}</Show>
        <Show when={error()}><p class="problem first-run-error" role="alert">{error()}</p></Show>
        <Show when={found.loading}><p class="muted" role="status">Looking for a local Ollama or LM Studio…</p></Show>
        <Show when={found() && found()!.length > 0} fallback={
          <Show when={!found.loading}><p class="muted">No local Ollama (port 11434) or LM Studio (port 1234) is running.</p></Show>
        }>
          <ul class="found"><For each={found()}>{(f) => <li>{f}</li>}</For></ul>
        </Show>
      </EmptyState>
    </section>
  );
}
