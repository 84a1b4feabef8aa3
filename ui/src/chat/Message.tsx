// One stored message of the conversation: its text (an answer as safe HTML from the engine), its
// figures, the branch arrows, and edit / regenerate.

import { Show } from "solid-js";
import { decorate } from "../shared/answer";
import { answerLine, fromStored } from "../shared/figures";
import type { MessageView } from "../types";
import type { Shown } from "./branch";

export function Message(props: {
  s: Shown; busy: boolean; measure: (el: HTMLElement, key: number) => void; onPick: (m: MessageView) => void; onEdit: (m: MessageView) => void;
  onRegenerate: (m: MessageView) => void;
}) {
  const m = props.s.m;
  const arrows = () => props.s.siblings.length > 1 && (
    <span class="branches">
      <button class="prev" disabled={props.s.index === 0 || props.busy}
        onClick={() => props.onPick(props.s.siblings[props.s.index - 1])} aria-label="Previous branch">‹</button>
      <span class="branch-index">{props.s.index + 1}/{props.s.siblings.length}</span>
      <button class="next" disabled={props.s.index === props.s.siblings.length - 1 || props.busy}
        onClick={() => props.onPick(props.s.siblings[props.s.index + 1])} aria-label="Next branch">›</button>
    </span>
  );
  if (m.role === "user") {
    return (
      <article class="message user" data-id={m.id} ref={(el) => props.measure(el, m.id)}>
        <div class="text">{m.text}</div>
        <div class="tools">{arrows()}<button class="edit" disabled={props.busy} onClick={() => props.onEdit(m)}>Edit</button></div>
      </article>
    );
  }
  return (
    <article class={`message assistant ${m.status}`} data-id={m.id} ref={(el) => props.measure(el, m.id)}>
      <Show when={m.reasoningHtml}>
        <details class="reasoning"><summary>Reasoning</summary><div class="markdown" innerHTML={m.reasoningHtml} /></details>
      </Show>
      <div class="markdown" innerHTML={m.html} ref={(el) => queueMicrotask(() => decorate(el))} />
      <Show when={m.error}><div class="error">{m.error}</div></Show>
      <footer class="meta">{m.figures ? answerLine(fromStored(m)!) : m.model ?? ""}{m.status !== "complete" ? ` · ${m.status}` : ""}</footer>
      <div class="tools">{arrows()}<button class="regenerate" disabled={props.busy} onClick={() => props.onRegenerate(m)}>Regenerate</button></div>
    </article>
  );
}
