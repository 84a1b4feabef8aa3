// The chat view: the model button, the conversation (a virtual list of the branch shown), the
// answer streaming now with its figures, and the composer. State and actions are the chat store's.

import { For, onCleanup, onMount, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { dismiss, problem } from "../shared/problems";
import type { ModelView } from "../types";
import { FirstRun } from "./FirstRun";
import { Message } from "./Message";
import { ModelPicker } from "./ModelPicker";
import type { ChatStore } from "./store";

export function Chat(props: {
  chat: ChatStore; backend: FullBackend; models: ModelView[] | undefined; visible: boolean; onSettings: () => void;
}) {
  const c = props.chat;
  const busy = () => c.live()?.status === "streaming";

  function onKey(e: KeyboardEvent) {
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
      e.preventDefault();
      c.setPicker((p) => !p);
    } else if (e.key === "Escape") {
      if (c.picker()) c.setPicker(false);
      else if (c.editing() !== null) c.cancelEdit();
      else c.stop();
    }
  }
  onMount(() => document.addEventListener("keydown", onKey));
  onCleanup(() => document.removeEventListener("keydown", onKey));

  return (
    <>
      <main class="chat" hidden={!props.visible}>
        <div class="topbar">
          <button class="model-button" onClick={() => c.setPicker(true)} title="Pick a model (Ctrl+K)">
            {c.model() || "Pick a model"}
          </button>
        </div>
        <Show when={problem()}>
          <div class="problem" role="alert">{problem()} <button onClick={() => dismiss()}>×</button></div>
        </Show>
        <section class="messages" aria-live="polite" ref={(el) => c.bindScroller(el)} onScroll={c.virt.onScroll}>
          <div class="spacer" style={{ height: `${c.virt.before()}px` }} />
          <Show when={props.visible && c.current() === null && !c.live() && props.models && props.models.length === 0}>
            <FirstRun backend={props.backend} onSettings={props.onSettings} />
          </Show>
          <For each={c.virt.slice()}>{(s) => (
            <Message s={s} busy={busy()} measure={c.virt.measure}
              onPick={(m) => c.pick(m)}
              onEdit={(m) => c.edit(m.id, m.text)}
              onRegenerate={(m) => m.parentId !== null && c.send("", c.current(), { regenerate: m.parentId })} />
          )}</For>
          <div class="spacer" style={{ height: `${c.virt.after()}px` }} />
          <Show when={c.live()}>{(l) => (
            <>
              <Show when={l().prompt}>
                <article class="message user"><div class="text">{l().prompt}</div>
                  <Show when={l().user !== null && l().status !== "streaming"}>
                    <div class="tools"><button class="edit" onClick={() => c.edit(l().user, l().prompt ?? "")}>Edit</button></div>
                  </Show>
                </article>
              </Show>
              <article class={`message assistant live ${l().status}`}>
                {l().view.root}
                <Show when={l().error}>
                  <div class="error" role="alert">
                    {l().error}
                    <button class="retry" onClick={() => c.retry(l())}>Retry</button>
                    <Show when={l().overBudget}>
                      <button class="send-anyway" onClick={() => c.retry(l(), true)}>Send anyway</button>
                    </Show>
                  </div>
                </Show>
                <Show when={l().footer}><footer class="meta">{l().footer}</footer></Show>
                <Show when={l().user !== null && l().status !== "streaming"}>
                  <div class="tools"><button class="regenerate" onClick={() => c.send("", c.current(), { regenerate: l().user! })}>Regenerate</button></div>
                </Show>
              </article>
            </>
          )}</Show>
        </section>
        <Show when={c.editing() !== null}>
          <div class="editing">Editing a message: sending makes a new branch (Esc cancels)</div>
        </Show>
        <form class="composer" onSubmit={(e) => { e.preventDefault(); c.submit(); }}>
          <textarea placeholder="Message — Enter sends, Shift+Enter for a new line" value={c.draft()}
            onInput={(e) => c.setDraft(e.currentTarget.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); c.submit(); }
            }} aria-label="Message" />
          <Show when={busy()} fallback={<button type="submit" class="send">Send</button>}>
            <button type="button" class="stop" onClick={() => c.stop()}>Stop</button>
          </Show>
        </form>
      </main>
      <Show when={c.picker()}>
        <ModelPicker models={props.models ?? []} onPick={(id) => { c.setModel(id); c.setPicker(false); }} onClose={() => c.setPicker(false)} />
      </Show>
    </>
  );
}
