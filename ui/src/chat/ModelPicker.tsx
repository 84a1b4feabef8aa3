// The model picker (Ctrl/Cmd+K): every model and route, grouped by provider, with prices and
// context lengths; typing filters, Enter takes the first.

import { createSignal, For } from "solid-js";
import type { ModelView } from "../types";

export function ModelPicker(props: { models: ModelView[]; onPick: (id: string) => void; onClose: () => void }) {
  const [filter, setFilter] = createSignal("");
  const groups = () => {
    const f = filter().toLowerCase();
    const by = new Map<string, ModelView[]>();
    for (const m of props.models) {
      if (f && !m.id.toLowerCase().includes(f)) continue;
      by.set(m.provider, [...(by.get(m.provider) ?? []), m]);
    }
    return [...by.entries()];
  };
  const price = (m: ModelView) =>
    m.inputPerM == null ? "" : `$${m.inputPerM.toFixed(2)} / $${(m.outputPerM ?? 0).toFixed(2)} per M`;
  return (
    <div class="overlay" onClick={() => props.onClose()}>
      <div class="picker" onClick={(e) => e.stopPropagation()} role="dialog" aria-label="Pick a model">
        <input class="picker-filter" placeholder="Search models and routes" value={filter()} ref={(el) => setTimeout(() => el.focus())}
          onInput={(e) => setFilter(e.currentTarget.value)}
          onKeyDown={(e) => { if (e.key === "Enter") { const first = groups()[0]?.[1][0]; if (first) props.onPick(first.id); } }} />
        <div class="picker-list">
          <For each={groups()}>{([provider, ms]) => (
            <section class="picker-group">
              <h3>{provider}</h3>
              <For each={ms}>{(m) => (
                <button class="picker-item" onClick={() => props.onPick(m.id)}>
                  <span class="picker-id">{m.id}</span>
                  <span class="picker-meta">{price(m)}{m.contextLength ? ` · ${Math.round(m.contextLength / 1000)}k ctx` : ""}</span>
                </button>
              )}</For>
            </section>
          )}</For>
        </div>
      </div>
    </div>
  );
}
