// Every shortcut, from the one table in keys.ts (opened with ?).

import { For } from "solid-js";
import { Dialog } from "../design/Dialog";
import { keyName, OTHER_KEYS, SHORTCUTS } from "./keys";

export function Shortcuts(props: { onClose: () => void }) {
  const groups = [...new Set(SHORTCUTS.map((s) => s.group))];
  return (
    <Dialog title="Keyboard shortcuts" onClose={props.onClose} class="shortcuts">
      <For each={groups}>{(g) => (
        <section class="shortcut-group">
          <h3>{g}</h3>
          <dl>
            <For each={SHORTCUTS.filter((s) => s.group === g)}>{(s) => (
              <div class="shortcut"><dt>{s.label}</dt><dd><kbd>{keyName(s.keys)}</kbd></dd></div>
            )}</For>
          </dl>
        </section>
      )}</For>
      <section class="shortcut-group">
        <h3>Everywhere</h3>
        <dl>
          <For each={OTHER_KEYS}>{(s) => <div class="shortcut"><dt>{s.label}</dt><dd><kbd>{s.keys}</kbd></dd></div>}</For>
        </dl>
      </section>
    </Dialog>
  );
}
