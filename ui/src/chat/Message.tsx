// One stored message of the conversation: its images and files, an answer's tool calls (folded), its text (an answer as safe HTML from the engine), the
// meta row (model and its mark, first token, tokens, cost; the whole line in its tooltip and for
// screen readers), and its actions as icon buttons: copy, edit, regenerate, delete, branch arrows.

import { createSignal, Show } from "solid-js";
import { filesOf } from "../attachments/parts";
import { Parts } from "../attachments/Parts";
import type { Pictures } from "../attachments/pictures";
import { IconButton } from "../design/controls";
import { ChevronLeft, ChevronRight, Copy, Pencil, RefreshCw, Trash } from "../design/icons";
import { ProviderMark } from "../design/ProviderMark";
import { toast } from "../design/toast";
import { decorate } from "../shared/answer";
import { answerLine, compact, details, type Figures, fromStored } from "../shared/figures";
import { ToolCalls } from "../tools/ToolBlock";
import { runsOf } from "../tools/runs";
import type { MessageView } from "../types";
import type { Shown } from "./branch";

/** Copies text to the clipboard and says so. */
export function copyText(text: string, what = "Copied"): void {
  const done = navigator.clipboard?.writeText(text);
  if (!done) return void toast("The clipboard is not available here", "error");
  done.then(() => toast(what, "success"), () => toast("Could not copy", "error"));
}

export function Branches(props: { s: Shown; busy: boolean; onPick: (m: MessageView) => void }) {
  return (
    <Show when={props.s.siblings.length > 1}>
      <span class="branches" role="group" aria-label="Branches">
        <IconButton icon={ChevronLeft} label="Previous branch" size="sm" class="prev" disabled={props.s.index === 0 || props.busy}
          onClick={() => props.onPick(props.s.siblings[props.s.index - 1])} />
        <span class="branch-index">{props.s.index + 1}/{props.s.siblings.length}</span>
        <IconButton icon={ChevronRight} label="Next branch" size="sm" class="next" disabled={props.s.index === props.s.siblings.length - 1 || props.busy}
          onClick={() => props.onPick(props.s.siblings[props.s.index + 1])} />
      </span>
    </Show>
  );
}

/** An answer's meta row: short figures shown, the whole line as the tooltip and for screen readers. */
export function Meta(props: { model: string | null; figures: Figures | null; note?: string | null }) {
  const full = () => (props.figures ? answerLine(props.figures) : props.model ?? "");
  return (
    <footer class="meta" data-tip={props.figures ? details(props.figures) : undefined} tabIndex={props.figures ? 0 : undefined}>
      <span class="meta-short" aria-hidden="true">
        <Show when={props.model}>{(m) => <><ProviderMark id={m()} /><span class="meta-model">{m()}</span></>}</Show>
        <Show when={props.figures}>{(f) => <>
          <Show when={f().fellOver.length}><span class="meta-fell">after {f().fellOver.length} failed</span></Show>
          {compact(f()).map((p) => <span class="meta-part">{p}</span>)}
        </>}</Show>
        <Show when={props.note}><span class="meta-note">{props.note}</span></Show>
      </span>
      <span class="visually-hidden">{full()}{props.note ? ` · ${props.note}` : ""}</span>
    </footer>
  );
}

export function Message(props: {
  s: Shown; busy: boolean; last: boolean; measure: (el: HTMLElement, key: number) => void; pictures: Pictures; onPick: (m: MessageView) => void;
  onEdit: (m: MessageView) => void; onRegenerate: (m: MessageView) => void; onDelete: (m: MessageView) => void;
}) {
  const m = props.s.m;
  const files = filesOf(m.parts);
  const runs = runsOf(m.parts);
  // The action buttons exist only while the message is pointed at or has focus (and on the last
  // one): a long conversation mounts and drops messages as it scrolls, and these are most of a
  // message's elements. The message itself is a tab stop (the feed pattern), so Tab reaches them.
  const [active, setActive] = createSignal(false);
  const shown = () => active() || props.last;
  const hover = {
    tabIndex: 0,
    onPointerEnter: () => setActive(true),
    onPointerLeave: () => setActive(false),
    onFocusIn: () => setActive(true),
    onFocusOut: (e: FocusEvent) => { if (!(e.currentTarget as HTMLElement).contains(e.relatedTarget as Node | null)) setActive(false); },
  };
  if (m.role === "user") {
    return (
      <article class="message user" classList={{ last: props.last }} data-id={m.id} ref={(el) => props.measure(el, m.id)} aria-label="You"
        {...hover}>
        <Parts parts={files} pictures={props.pictures} />
        <Show when={m.text}><div class="text">{m.text}</div></Show>
        {/* Right-aligned: the buttons appear to the left of the branch arrows, which stay put under the pointer. */}
        <div class="msg-actions">
          <Show when={shown()}>
            <IconButton icon={Copy} label="Copy" size="sm" class="copy-message" onClick={() => copyText(m.text)} />
            <IconButton icon={Pencil} label="Edit" size="sm" class="edit" disabled={props.busy} onClick={() => props.onEdit(m)} />
            <IconButton icon={Trash} label="Delete this message and its replies" size="sm" class="delete-message" variant="danger"
              disabled={props.busy} onClick={() => props.onDelete(m)} />
          </Show>
          <Branches s={props.s} busy={props.busy} onPick={props.onPick} />
        </div>
      </article>
    );
  }
  const status = m.status !== "complete" ? m.status : null;
  return (
    <article class={`message assistant ${m.status}`} classList={{ last: props.last }} data-id={m.id} ref={(el) => props.measure(el, m.id)}
      aria-label={`Answer${m.model ? ` from ${m.model}` : ""}`} {...hover}>
      <Parts parts={files} pictures={props.pictures} />
      <Show when={m.reasoningHtml}>
        <details class="reasoning"><summary>Reasoning</summary><div class="markdown" innerHTML={m.reasoningHtml} /></details>
      </Show>
      <ToolCalls runs={runs} live={false} />
      <div class="markdown" innerHTML={m.html} ref={(el) => queueMicrotask(() => decorate(el))} />
      <Show when={m.error}><div class="error-card stored" role="note"><p class="error">{m.error}</p></div></Show>
      <div class="msg-foot">
        <Meta model={m.model} figures={fromStored(m)} note={status} />
        <div class="msg-actions">
          <Branches s={props.s} busy={props.busy} onPick={props.onPick} />
          <Show when={shown()}>
            <IconButton icon={Copy} label="Copy the answer" size="sm" class="copy-message" onClick={() => copyText(m.text)} />
            <IconButton icon={RefreshCw} label="Regenerate" size="sm" class="regenerate" disabled={props.busy} onClick={() => props.onRegenerate(m)} />
            <IconButton icon={Trash} label="Delete this answer and its replies" size="sm" class="delete-message" variant="danger"
              disabled={props.busy} onClick={() => props.onDelete(m)} />
          </Show>
        </div>
      </div>
    </article>
  );
}
