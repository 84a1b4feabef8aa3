// No model to talk to yet: look for a local server, and point at Settings for a key.

import { createResource, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Button, EmptyState } from "../design/controls";
import { KeyRound, Server } from "../design/icons";

export function FirstRun(props: { backend: FullBackend; onSettings: () => void }) {
  const [found] = createResource(async () => {
    const out: string[] = [];
    for (const id of ["ollama", "lmstudio"]) {
      try { out.push(`${id}: running, ${await props.backend.testProvider(id)} models`); } catch { /* not running */ }
    }
    return out;
  });
  return (
    <section class="first-run" aria-label="Getting started">
      <EmptyState icon={Server} title="Welcome to Roundtable"
        action={<Button variant="primary" icon={KeyRound} class="to-settings" onClick={() => props.onSettings()}>Add an API key in Settings</Button>}>
        <p>No model is available yet. Roundtable talks to every provider directly with your own keys, kept in the OS keychain.</p>
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
