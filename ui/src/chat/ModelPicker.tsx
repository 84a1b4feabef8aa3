// The model picker (Ctrl/Cmd+M, or the model chip): every model and route, grouped by provider,
// with prices and context lengths; typing filters, Enter takes the highlighted one.

import { Dialog } from "../design/Dialog";
import type { Command } from "../shell/commands";
import { CommandList } from "../shell/CommandList";
import type { ModelView } from "../types";

/** A model's price and context, as the picker shows them. */
export function modelHint(m: ModelView): string {
  const price = m.inputPerM == null ? "" : `$${m.inputPerM.toFixed(2)} / $${(m.outputPerM ?? 0).toFixed(2)} per M`;
  const ctx = m.contextLength ? `${Math.round(m.contextLength / 1000)}k ctx` : "";
  return [price, ctx].filter(Boolean).join(" · ");
}

export function ModelPicker(props: { models: ModelView[]; onPick: (id: string) => void; onClose: () => void }) {
  const commands = (): Command[] => props.models.map((m) => ({
    id: m.id, label: m.id, group: m.provider === "routes" ? "Routes" : m.provider, hint: modelHint(m), run: () => props.onPick(m.id),
  }));
  return (
    <Dialog title="Pick a model" hideTitle onClose={props.onClose} class="palette picker">
      <CommandList commands={commands()} label="Search models and routes" placeholder="Search models and routes…"
        onDone={() => { /* the pick closes it */ }} perGroup={50} inputClass="picker-filter" />
    </Dialog>
  );
}
