// The composer's tools menu: a button saying how many MCP servers this conversation may use, and a
// panel above it with a checkbox per server that is on (read when it opens). With none set up it
// says so and points at Settings → Tools. Escape, a click elsewhere or Tab out of it closes it.

import { createSignal, createUniqueId, For, onCleanup, Show } from "solid-js";
import { Skeleton } from "../design/controls";
import { Wrench } from "../design/icons";
import type { ServerView } from "../types";
import type { ToolChoice } from "./choice";
import "./tools.css";

/** A server's line in the menu: how many tools it listed when last started. */
const toolsLine = (s: ServerView) => (s.status?.tools != null ? `${s.status.tools} ${s.status.tools === 1 ? "tool" : "tools"}` : "");

export function ToolsMenu(props: { choice: ToolChoice; onSettings?: () => void }) {
  const c = props.choice;
  const [open, setOpen] = createSignal(false);
  const [loading, setLoading] = createSignal(false);
  const panel = createUniqueId();
  let wrap!: HTMLDivElement;
  let button!: HTMLButtonElement;
  /** The picked servers that are on (all picked ones until the list is read). */
  const shown = () => (c.servers() ? c.chosen().filter((n) => c.enabled().some((s) => s.setting.name === n)) : c.chosen());
  const label = () => (shown().length ? `Tools: ${shown().join(", ")}` : "Tools: none");

  const onDown = (e: PointerEvent) => { if (!wrap.contains(e.target as Node)) close(false); };
  onCleanup(() => document.removeEventListener("pointerdown", onDown, true));
  function close(refocus: boolean) {
    setOpen(false);
    document.removeEventListener("pointerdown", onDown, true);
    if (refocus) button.focus();
  }
  async function show() {
    setOpen(true);
    setLoading(c.servers() === null);
    document.addEventListener("pointerdown", onDown, true);
    await c.refresh();
    setLoading(false);
    if (open()) wrap.querySelector<HTMLElement>(".tools-panel input, .tools-panel button")?.focus();
  }
  const pick = (name: string, on: boolean) => {
    const rest = c.chosen().filter((n) => n !== name);
    c.set(on ? [...rest, name] : rest);
  };
  const settings = () => { close(false); props.onSettings?.(); };

  return (
    <div class="tools-menu" ref={wrap}
      onFocusOut={(e) => { if (open() && e.relatedTarget && !wrap.contains(e.relatedTarget as Node)) close(false); }}>
      <button type="button" ref={button} class="tools-button" classList={{ on: shown().length > 0 }} data-testid="tools-menu"
        aria-expanded={open()} aria-controls={open() ? panel : undefined} aria-label={label()} data-tip={label()}
        onClick={() => (open() ? close(false) : void show())}>
        <Wrench size={14} aria-hidden="true" />
        <Show when={shown().length}><span class="tools-count" aria-hidden="true">{shown().length}</span></Show>
      </button>
      <Show when={open()}>
        <div id={panel} class="tools-panel" role="group" aria-label="Tools for this conversation"
          onKeyDown={(e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(true); } }}>
          <p class="tools-panel-title">Tools the model may call</p>
          <Show when={c.problem()}>{(p) => <p class="tools-problem" role="alert">{p()}</p>}</Show>
          <Show when={!loading()} fallback={<Skeleton lines={2} label="Loading the MCP servers" />}>
            <Show when={c.enabled().length} fallback={
              <p class="tools-none">
                {c.servers()?.length ? "Every MCP server is off. " : "No MCP server is set up. "}
                <button type="button" class="link tools-settings" onClick={settings}>
                  {c.servers()?.length ? "Turn one on in Settings → Tools" : "Add one in Settings → Tools"}
                </button>
              </p>
            }>
              <div class="tools-list">
                <For each={c.enabled()}>{(s) => (
                  <label class="tools-server">
                    <input type="checkbox" data-testid={`tools-server-${s.setting.name}`} checked={c.chosen().includes(s.setting.name)}
                      onChange={(e) => pick(s.setting.name, e.currentTarget.checked)} />
                    <span class="tools-server-name">{s.setting.name}</span>
                    <span class="tools-server-line">{toolsLine(s)}</span>
                  </label>
                )}</For>
              </div>
            </Show>
          </Show>
        </div>
      </Show>
    </div>
  );
}
