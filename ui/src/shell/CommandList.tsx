// A filter box over a list of commands (the command palette and the model picker): the box is a
// combobox, the list a listbox; ↑ ↓ move, Enter runs, Escape closes, a click runs.

import { createEffect, createMemo, createSignal, createUniqueId, For, on, Show } from "solid-js";
import { Search } from "../design/icons";
import { type Command, filter } from "./commands";

export function CommandList(props: {
  commands: Command[]; placeholder: string; label: string; onDone: () => void; perGroup?: number; class?: string;
  /** The filter box's own class (kept for older selectors). */
  inputClass?: string;
}) {
  const [query, setQuery] = createSignal("");
  const [active, setActive] = createSignal(0);
  const shown = createMemo(() => filter(props.commands, query(), props.perGroup));
  createEffect(on(query, () => setActive(0)));
  /** The shown commands by group, each with its index in the whole list (the active one's). */
  const groups = createMemo(() => {
    const out: { name: string; index: number; items: { c: Command; i: number }[] }[] = [];
    shown().forEach((c, i) => {
      if (out.at(-1)?.name !== c.group) out.push({ name: c.group, index: out.length, items: [] });
      out.at(-1)!.items.push({ c, i });
    });
    return out;
  });
  const listId = createUniqueId();
  let list!: HTMLDivElement;
  const run = (c: Command | undefined) => {
    if (!c) return;
    props.onDone();
    c.run();
  };
  const move = (d: number) => {
    const n = shown().length;
    if (!n) return;
    setActive((i) => (i + d + n) % n);
    list.querySelector(`[data-index="${active()}"]`)?.scrollIntoView?.({ block: "nearest" });
  };
  return (
    <div class={`cmd ${props.class ?? ""}`}>
      <div class="cmd-search">
        <Search size={16} aria-hidden="true" />
        <input class={`cmd-input ${props.inputClass ?? ""}`} role="combobox" aria-expanded="true" aria-controls={listId}
          aria-autocomplete="list" aria-label={props.label} placeholder={props.placeholder} value={query()}
          aria-activedescendant={shown().length ? `${listId}-${active()}` : undefined}
          onInput={(e) => setQuery(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === "ArrowDown") { e.preventDefault(); move(1); }
            else if (e.key === "ArrowUp") { e.preventDefault(); move(-1); }
            else if (e.key === "Enter" && !e.isComposing) { e.preventDefault(); run(shown()[active()]); }
          }} />
      </div>
      <div class="cmd-list" role="listbox" id={listId} ref={list} aria-label={props.label}>
        <Show when={shown().length} fallback={<p class="cmd-empty">Nothing matches “{query()}”.</p>}>
          <For each={groups()}>{(g) => (
            <div role="group" aria-labelledby={`${listId}-g-${g.index}`}>
              <div class="cmd-group" id={`${listId}-g-${g.index}`} role="presentation">{g.name}</div>
              <For each={g.items}>{({ c, i }) => (
                <div role="option" id={`${listId}-${i}`} data-index={i} data-id={c.id} class="cmd-item"
                  aria-selected={i === active()} onClick={() => run(c)} onMouseMove={() => setActive(i)}>
                  <span class="cmd-label">{c.label}</span>
                  <Show when={c.hint}><span class="cmd-hint">{c.hint}</span></Show>
                </div>
              )}</For>
            </div>
          )}</For>
        </Show>
      </div>
    </div>
  );
}
