// The chat view: the conversation (a virtual list of the branch shown), the answer streaming now
// with its tool calls and its meta row or error card, a scroll-to-newest button, and the composer
// (it grows with its text; the model chip, the preset chip, the settings panel, the attach button
// and the tools menu sit in it, its attachments above the text; files can also be pasted or
// dropped on the window), the cost of sending under it, and a banner when a send passed a spend
// limit's alert share. State and actions are the chat store's.

import { createEffect, createSignal, For, on, onCleanup, onMount, Show } from "solid-js";
import { DropFiles } from "../attachments/DropFiles";
import { partOf } from "../attachments/parts";
import { Parts } from "../attachments/Parts";
import { AttachButton, onPasteFiles, Tray } from "../attachments/Tray";
import type { FullBackend } from "../backend";
import { Button, fit, IconButton } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { ArrowDown, ArrowUp, ChevronDown, Copy, MessageSquare, Pencil, RefreshCw, Square, X } from "../design/icons";
import { ProviderMark } from "../design/ProviderMark";
import { shortcutOf } from "../shell/keys";
import { ToolSlot } from "../tools/ToolBlock";
import { ToolsMenu } from "../tools/ToolsMenu";
import { BudgetBanner } from "../shared/BudgetBanner";
import { CostLine } from "../shared/CostLine";
import { PresetPicker } from "../shared/PresetPicker";
import { SettingsPanel } from "./SettingsPanel";
import type { MessageView, ModelView } from "../types";
import { ErrorCard } from "./ErrorCard";
import { FirstRun } from "./FirstRun";
import { copyText, Message, Meta } from "./Message";
import type { ChatStore } from "./store";
import "./chat.css";

export function Chat(props: {
  chat: ChatStore; backend: FullBackend; models: ModelView[] | undefined; visible: boolean; onSettings: () => void; title?: string;
  /** Opens Settings → Tools (the tools menu's way to add a server). */
  onToolSettings?: () => void;
  /** The list of models changed (a built-in model was downloaded): read it again. */
  onModelsChanged?: () => void;
  /** Opens Settings → Presets. */
  onPresetSettings?: () => void;
  /** Opens Settings → Budgets. */
  onBudgetSettings?: () => void;
}) {
  const c = props.chat;
  const busy = () => c.live()?.status === "streaming";
  const [away, setAway] = createSignal(false);
  const [deleting, setDeleting] = createSignal<MessageView | null>(null);
  let scroller!: HTMLElement;
  let box!: HTMLTextAreaElement;

  function onKey(e: KeyboardEvent) {
    if (!props.visible || e.key !== "Escape" || e.defaultPrevented) return;
    if ((e.target as HTMLElement | null)?.closest?.("dialog, [role=menu], .tools-panel, .params-panel")) return;
    if (c.editing() !== null) c.cancelEdit();
    else c.stop();
  }
  onMount(() => {
    document.addEventListener("keydown", onKey);
    void c.params.loadPresets();
  });
  onCleanup(() => document.removeEventListener("keydown", onKey));

  const onScroll = () => {
    c.virt.onScroll();
    setAway(scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight > 200);
  };
  const setDraft = (text: string) => { c.setDraft(text); queueMicrotask(() => fit(box, 12)); };
  // A send empties the composer when it goes (after the cost preview is current, maybe later than the key).
  createEffect(on(c.draft, (d) => { if (!d && box) queueMicrotask(() => fit(box, 12)); }, { defer: true }));
  const last = () => c.shown().at(-1)?.m.id;
  const empty = () => c.current() === null && !c.live();
  const reading = () => c.files.reading() > 0;
  const sendLabel = () => (reading() ? "Send (waiting for the files to be read)" : c.blocked() ? `Send — not now: ${c.blocked()}` : "Send");

  return (
    <>
      <main class="chat view" hidden={!props.visible} aria-label="Chat">
        <header class="view-head chat-head">
          <h2 class="chat-title">{props.title ?? "New chat"}</h2>
        </header>
        <div class="messages-wrap">
          <section class="messages" role="feed" aria-label="Messages" aria-busy={busy()} ref={(el) => { scroller = el; c.bindScroller(el); }} onScroll={onScroll}>
            <div class="thread">
              <div class="spacer" style={{ height: `${c.virt.before()}px` }} />
              <Show when={props.visible && empty()}>
                <Show when={props.models && props.models.length === 0} fallback={
                  <div class="chat-empty">
                    <MessageSquare size={28} aria-hidden="true" />
                    <h2>What shall we ask?</h2>
                    <p class="muted">Answers stream from <strong>{c.model() || "the model you pick"}</strong>. Press <kbd>{shortcutOf("command-palette")}</kbd> for
                      every command, <kbd>?</kbd> for the keys.</p>
                  </div>
                }>
                  <FirstRun backend={props.backend} onSettings={props.onSettings} onUse={(id) => {
                    c.setModel(id);
                    props.onModelsChanged?.();
                    queueMicrotask(() => box.focus());
                  }} />
                </Show>
              </Show>
              <For each={c.virt.slice()}>{(s) => (
                <Message s={s} busy={busy()} last={!c.live() && s.m.id === last()} measure={c.virt.measure} pictures={c.pictures}
                  onPick={(m) => c.pick(m)}
                  onEdit={(m) => { c.editMessage(m); queueMicrotask(() => { fit(box, 12); box.focus(); }); }}
                  onRegenerate={(m) => m.parentId !== null && c.send("", c.current(), { regenerate: m.parentId })}
                  onDelete={(m) => setDeleting(m)} />
              )}</For>
              <div class="spacer" style={{ height: `${c.virt.after()}px` }} />
              <Show when={c.live()}>{(l) => (
                <>
                  <Show when={l().prompt || l().attached.length}>
                    <article class="message user last" aria-label="You">
                      <Parts parts={l().attached.map(partOf)} pictures={c.pictures} />
                      <Show when={l().prompt}><div class="text">{l().prompt}</div></Show>
                      <Show when={l().user !== null && l().status !== "streaming"}>
                        <div class="msg-actions">
                          <IconButton icon={Pencil} label="Edit" size="sm" class="edit"
                            onClick={() => { c.edit(l().user, l().prompt ?? "", l().attached); queueMicrotask(() => box.focus()); }} />
                        </div>
                      </Show>
                    </article>
                  </Show>
                  <article class={`message assistant live last ${l().status}`} aria-label="Answer" aria-busy={l().status === "streaming"}>
                    {l().view.root}
                    <ToolSlot view={l().view} runs={l().tools} live={l().status === "streaming"} onAnswer={c.answerTool} />
                    <Show when={l().error}>{(err) => (
                      <ErrorCard error={err()} onRetry={() => c.retry(l())} onSendAnyway={() => c.retry(l(), true)} onSettings={props.onSettings}
                        onBudgets={props.onBudgetSettings} />
                    )}</Show>
                    <div class="msg-foot">
                      <Meta model={l().model ?? (l().status === "streaming" ? c.model() : null)} figures={l().figures}
                        note={l().footer ?? (l().status === "streaming" ? "answering…" : null)} />
                      <Show when={l().user !== null && l().status !== "streaming"}>
                        <div class="msg-actions">
                          <IconButton icon={Copy} label="Copy the answer" size="sm" class="copy-message" onClick={() => copyText(l().view.text())} />
                          <IconButton icon={RefreshCw} label="Regenerate" size="sm" class="regenerate"
                            onClick={() => c.send("", c.current(), { regenerate: l().user! })} />
                        </div>
                      </Show>
                    </div>
                  </article>
                </>
              )}</Show>
            </div>
          </section>
          <Show when={away()}>
            <IconButton icon={ArrowDown} label="Scroll to the newest" class="to-bottom" tipSide="left"
              onClick={() => {
                const still = typeof matchMedia === "function" && matchMedia("(prefers-reduced-motion: reduce)").matches;
                scroller.scrollTo({ top: scroller.scrollHeight, behavior: still ? "auto" : "smooth" });
                box.focus(); // the button goes once at the bottom
              }} />
          </Show>
        </div>
        <div class="visually-hidden" role="status" aria-live="polite">{c.status()}</div>
        <BudgetBanner alerts={c.alerts()} onDismiss={c.dismissAlerts} onSettings={props.onBudgetSettings} />
        <form class="composer" onSubmit={(e) => { e.preventDefault(); c.submit(); queueMicrotask(() => fit(box, 12)); }}>
          <Show when={c.editing() !== null}>
            <div class="editing">
              <Pencil size={14} aria-hidden="true" /> Editing a message: sending makes a new branch.
              <Button size="sm" variant="ghost" icon={X} onClick={() => c.cancelEdit()}>Cancel (Esc)</Button>
            </div>
          </Show>
          <div class="composer-box">
            <Tray files={c.files} pictures={c.pictures} />
            <textarea ref={box} rows={1} placeholder="Message — Enter sends, Shift+Enter for a new line" value={c.draft()}
              onInput={(e) => setDraft(e.currentTarget.value)} aria-label="Message" onPaste={onPasteFiles(c.files)}
              onKeyDown={(e) => {
                if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); c.submit(); queueMicrotask(() => fit(box, 12)); }
              }} />
            <div class="composer-bar">
              <AttachButton files={c.files} />
              <ToolsMenu choice={c.tools} onSettings={props.onToolSettings ?? props.onSettings} />
              <SettingsPanel params={c.params} saved={c.current() !== null} />
              <button type="button" class="model-button model-chip" onClick={() => c.setPicker(true)}
                aria-label={`Model: ${c.model() || "none"} — pick another (${shortcutOf("pick-model")})`} data-tip={`Pick a model (${shortcutOf("pick-model")})`}>
                <Show when={c.model()}>{(m) => <ProviderMark id={m()} />}</Show>
                <span class="model-id">{c.model() || "Pick a model"}</span>
                <ChevronDown size={14} aria-hidden="true" />
              </button>
              <PresetPicker value={c.params.value()} presets={c.params.presets()} onPick={(p) => c.params.apply(p)}
                onOpen={() => void c.params.loadPresets()} onManage={props.onPresetSettings} />
              <span class="composer-spacer" />
              <Show when={busy()} fallback={
                <IconButton type="submit" icon={ArrowUp} label={sendLabel()}
                  shortcut={reading() || c.blocked() ? undefined : "Enter"} variant="primary" class="send" tipSide={reading() || c.blocked() ? "left" : undefined}
                  disabled={reading() || !!c.blocked() || (!c.draft().trim() && !c.files.ready().length)} />
              }>
                <IconButton icon={Square} label="Stop" shortcut="Esc" variant="primary" class="stop" onClick={() => c.stop()} />
              </Show>
            </div>
          </div>
          <CostLine preview={c.cost.preview()} error={c.cost.error()} stale={c.cost.stale()} />
        </form>
        <DropFiles active={props.visible} onFiles={(files) => { c.files.add(files); box.focus(); }} />
      </main>
      <Show when={deleting()}>{(m) => (
        <Dialog title={m().role === "user" ? "Delete this message?" : "Delete this answer?"} onClose={() => setDeleting(null)} class="confirm-delete"
          footer={<>
            <Button onClick={() => setDeleting(null)}>Cancel</Button>
            <Button variant="danger" class="confirm" onClick={() => {
              const id = m().id;
              setDeleting(null);
              c.remove(id);
              queueMicrotask(() => box.focus()); // the message and its buttons are gone
            }}>Delete</Button>
          </>}>
          <p>It is deleted with every reply below it, in every branch. What the answers cost stays in the usage ledger.</p>
        </Dialog>
      )}</Show>
    </>
  );
}

