// A menu of actions (role="menu"): opened from a button or as a context menu at the pointer.
// Arrow keys, Home and End move between items; Enter or Space picks; Escape, Tab or a click
// elsewhere closes it, and focus goes back to where it was.

import { createSignal, For, type JSX, onCleanup, onMount, Show } from "solid-js";
import { Portal } from "solid-js/web";
import { type Icon } from "./icons";
import { IconButton } from "./controls";

export interface MenuAction { label: string; icon?: Icon; danger?: boolean; shortcut?: string; class?: string; onSelect: () => void }
export type MenuEntry = MenuAction | "separator";

export function Menu(props: { label: string; items: MenuEntry[]; at: { x: number; y: number }; onClose: () => void }) {
  let el!: HTMLDivElement;
  const back = document.activeElement as HTMLElement | null;
  const [pos, setPos] = createSignal(props.at);
  const items = () => Array.from(el.querySelectorAll<HTMLButtonElement>(".menu-item"));
  const close = (refocus = true) => {
    props.onClose();
    if (refocus) back?.focus?.();
  };
  // A press on a menu's own button is left to that button (it toggles the menu).
  const onDown = (e: PointerEvent) => {
    const t = e.target as HTMLElement;
    if (!el.contains(t) && !t.closest?.("[aria-haspopup=menu]")) close(false);
  };
  onMount(() => {
    // Keep it inside the window.
    const r = el.getBoundingClientRect();
    setPos({ x: Math.max(4, Math.min(props.at.x, innerWidth - r.width - 4)), y: Math.max(4, Math.min(props.at.y, innerHeight - r.height - 4)) });
    items()[0]?.focus();
    document.addEventListener("pointerdown", onDown, true);
  });
  onCleanup(() => document.removeEventListener("pointerdown", onDown, true));
  const onKey = (e: KeyboardEvent) => {
    const all = items();
    const i = all.indexOf(document.activeElement as HTMLButtonElement);
    const go = (n: number) => { e.preventDefault(); all[(n + all.length) % all.length]?.focus(); };
    if (e.key === "ArrowDown") go(i + 1);
    else if (e.key === "ArrowUp") go(i - 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(all.length - 1);
    else if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(); }
    else if (e.key === "Tab") close();
  };
  return (
    <Portal>
      <div ref={el} class="menu" role="menu" aria-label={props.label} tabIndex={-1} onKeyDown={onKey}
        style={{ left: `${pos().x}px`, top: `${pos().y}px` }}>
        <For each={props.items}>{(it) => (
          <Show when={it !== "separator" && it} fallback={<div class="menu-sep" role="separator" />}>{(a) => (
            <button type="button" role="menuitem" tabIndex={-1} class={`menu-item ${a().danger ? "danger" : ""} ${a().class ?? ""}`}
              onClick={() => { close(); a().onSelect(); }}>
              <Show when={a().icon}>{(I) => { const C = I(); return <C size={15} aria-hidden="true" />; }}</Show>
              <span>{a().label}</span>
              <Show when={a().shortcut}><kbd>{a().shortcut}</kbd></Show>
            </button>
          )}</Show>
        )}</For>
      </div>
    </Portal>
  );
}

/** An icon button that opens a menu under it. */
export function MenuButton(props: { label: string; icon: Icon; items: () => MenuEntry[]; class?: string; size?: "sm" | "md" }): JSX.Element {
  const [at, setAt] = createSignal<{ x: number; y: number } | null>(null);
  let button!: HTMLButtonElement;
  const open = () => {
    const r = button.getBoundingClientRect();
    setAt({ x: r.left, y: r.bottom + 4 });
  };
  return (
    <>
      <IconButton ref={button} icon={props.icon} label={props.label} class={props.class} size={props.size}
        aria-haspopup="menu" aria-expanded={at() !== null}
        onClick={(e) => { e.stopPropagation(); if (at()) setAt(null); else open(); }}
        onKeyDown={(e) => { if (e.key === "ArrowDown") { e.preventDefault(); open(); } }} />
      <Show when={at()}>{(p) => <Menu label={props.label} items={props.items()} at={p()} onClose={() => setAt(null)} />}</Show>
    </>
  );
}
