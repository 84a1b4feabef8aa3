// Tabs (role="tablist"): one tab stop; arrow keys (up/down when vertical), Home and End move
// between tabs and select them. The panel is the caller's, in a <TabPanel> with the same id.

import { For, type JSX, Show } from "solid-js";
import { type Icon } from "./icons";

export interface TabItem { id: string; label: string; icon?: Icon }

export function Tabs(props: {
  id: string; label: string; items: TabItem[]; value: string; onChange: (id: string) => void;
  orientation?: "horizontal" | "vertical"; class?: string;
}) {
  let list!: HTMLDivElement;
  const vertical = () => props.orientation === "vertical";
  const onKey = (e: KeyboardEvent) => {
    const i = props.items.findIndex((t) => t.id === props.value);
    const next = vertical() ? "ArrowDown" : "ArrowRight";
    const prev = vertical() ? "ArrowUp" : "ArrowLeft";
    let to = -1;
    if (e.key === next) to = (i + 1) % props.items.length;
    else if (e.key === prev) to = (i - 1 + props.items.length) % props.items.length;
    else if (e.key === "Home") to = 0;
    else if (e.key === "End") to = props.items.length - 1;
    if (to < 0) return;
    e.preventDefault();
    props.onChange(props.items[to].id);
    queueMicrotask(() => list.querySelector<HTMLElement>(`[data-tab="${props.items[to].id}"]`)?.focus());
  };
  return (
    <div ref={list} role="tablist" class={`tabs ${props.class ?? ""}`} aria-label={props.label}
      aria-orientation={props.orientation ?? "horizontal"} onKeyDown={onKey}>
      <For each={props.items}>{(t) => (
        <button type="button" role="tab" class="tab" data-tab={t.id} id={`${props.id}-tab-${t.id}`}
          aria-selected={props.value === t.id} aria-controls={`${props.id}-panel-${t.id}`}
          tabIndex={props.value === t.id ? 0 : -1} onClick={() => props.onChange(t.id)}>
          <Show when={t.icon}>{(I) => { const C = I(); return <C size={16} aria-hidden="true" />; }}</Show>
          <span>{t.label}</span>
        </button>
      )}</For>
    </div>
  );
}

export function TabPanel(props: { tabs: string; id: string; class?: string; children: JSX.Element }) {
  return (
    <div role="tabpanel" id={`${props.tabs}-panel-${props.id}`} aria-labelledby={`${props.tabs}-tab-${props.id}`}
      class={props.class} tabIndex={0}>
      {props.children}
    </div>
  );
}
