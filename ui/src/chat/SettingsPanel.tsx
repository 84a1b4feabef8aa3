// The composer's settings button and its panel: the conversation's system prompt and parameters
// (the shared ParamsForm), the preset they came from, and "Reset to defaults". A new chat's go
// with its first message; an open conversation's are saved as they are edited. The button says
// what is set. Escape, a click elsewhere or Tab out of the panel closes it.

import { createSignal, createUniqueId, onCleanup, Show } from "solid-js";
import { Button } from "../design/controls";
import { RefreshCw, SlidersHorizontal } from "../design/icons";
import { ParamsForm } from "../shared/ParamsForm";
import { edited, isDefault, summary } from "../shared/params";
import type { ChatParams } from "./params";

export function SettingsPanel(props: { params: ChatParams; saved: boolean }) {
  const p = props.params;
  const [open, setOpen] = createSignal(false);
  const panel = createUniqueId();
  let wrap!: HTMLDivElement;
  let button!: HTMLButtonElement;
  const said = () => summary(p.value());
  const label = () => `Settings for this conversation: ${said() || "the model's defaults"}`;

  const onDown = (e: PointerEvent) => { if (!wrap.contains(e.target as Node)) close(false); };
  onCleanup(() => document.removeEventListener("pointerdown", onDown, true));
  function close(refocus: boolean) {
    setOpen(false);
    document.removeEventListener("pointerdown", onDown, true);
    if (refocus) button.focus();
  }
  function show() {
    setOpen(true);
    document.addEventListener("pointerdown", onDown, true);
    queueMicrotask(() => wrap.querySelector<HTMLElement>(".params-panel textarea, .params-panel input")?.focus());
  }

  return (
    <div class="params-menu" ref={wrap}
      onFocusOut={(e) => { if (open() && e.relatedTarget && !wrap.contains(e.relatedTarget as Node)) close(false); }}>
      <button type="button" ref={button} class="params-button tools-button" classList={{ on: !isDefault(p.value()) }}
        aria-expanded={open()} aria-controls={panel} aria-label={label()} data-tip={said() || "System prompt and parameters"}
        onClick={() => (open() ? close(false) : show())}>
        <SlidersHorizontal size={14} aria-hidden="true" />
        <Show when={!isDefault(p.value())}><span class="params-dot" aria-hidden="true" /></Show>
      </button>
      {/* Kept while closed: text not yet valid stays (and holds the send) until it is fixed. */}
      <div id={panel} class="params-panel" role="group" hidden={!open()} aria-label="System prompt and parameters for this conversation"
        onKeyDown={(e) => {
          if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); close(true); }
          // Enter in a field is not a send (the panel sits in the composer's form).
          else if (e.key === "Enter" && (e.target as HTMLElement).tagName === "INPUT") e.preventDefault();
        }}>
        <div class="params-panel-head">
          <p class="params-panel-title">Conversation settings</p>
          <Show when={p.value().preset}>{(name) => (
            <span class="params-from">from the preset <strong>{name()}</strong>{edited(p.value(), p.presets()) ? ", edited" : ""}</span>
          )}</Show>
        </div>
        <p class="params-panel-note">{props.saved
          ? "Saved with this conversation: the next message, regenerations and edits use them."
          : "Sent with the first message and kept with the conversation. Empty is the model's default."}</p>
        <ParamsForm value={p.value()} onChange={(v) => p.set(v)} idPrefix="chat-params" onValidity={p.setValid} />
        <div class="params-panel-foot">
          <Button size="sm" variant="ghost" icon={RefreshCw} class="params-reset" disabled={isDefault(p.value())}
            onClick={() => p.apply(null)}>Reset to defaults</Button>
        </div>
      </div>
    </div>
  );
}
