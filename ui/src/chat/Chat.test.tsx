// The chat view's own parts: hover actions (copy, delete with confirmation), the error card's
// actions, the live region, the composer growing with its text.

import { createResource } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { toasts } from "../design/toast";
import { providerError } from "../test-errors";
import type { MessageView, StreamMsg } from "../types";
import { Chat } from "./Chat";
import { errorTitle, settingsFix } from "./ErrorCard";
import { createChat } from "./store";

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 10)); }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); document.body.innerHTML = ""; localStorage.clear(); });

const msg = (id: number, parentId: number | null, role: "user" | "assistant", text: string): MessageView => ({
  id, parentId, role, text, html: `<p>${text}</p>`, reasoningHtml: "", model: role === "assistant" ? "a/m" : null, status: "complete",
  error: null, createdAt: id, figures: null, column: null, parts: [],
});

function setup(script: StreamMsg[] = []) {
  let messages = [msg(1, null, "user", "hello"), msg(2, 1, "assistant", "hi there"), msg(3, 2, "user", "more"), msg(4, 3, "assistant", "sure")];
  const calls: string[] = [];
  const b = {
    conversation: async (id: number) => ({ id, title: "T", kind: "chat", system: null, columnTargets: [], messages }),
    deleteMessage: async (id: number) => {
      calls.push(`delete ${id}`);
      const gone = new Set([id]);
      for (const m of messages) if (m.parentId !== null && gone.has(m.parentId)) gone.add(m.id);
      messages = messages.filter((m) => !gone.has(m.id));
    },
    send: async (_spec: unknown, _tools: unknown, onEvent: (m: StreamMsg) => void) => {
      calls.push("send");
      setTimeout(() => script.forEach(onEvent), 0);
      return { turn: 1, saved: { conversationId: 5, userMessageId: 10 } };
    },
    cancel: async () => true,
    testProvider: async () => { throw new Error("down"); },
  } as unknown as FullBackend;
  const settings: string[] = [];
  const root = document.createElement("div");
  document.body.append(root);
  let chat!: ReturnType<typeof createChat>;
  dispose = render(() => {
    const [models] = createResource(async () => [{ id: "a/m", provider: "a", contextLength: null, inputPerM: null, outputPerM: null }]);
    chat = createChat(b, { models, onListChanged: () => calls.push("list") });
    return <Chat chat={chat} backend={b} models={models()} visible onSettings={() => settings.push("open")} title="T" />;
  }, root);
  return { root, calls, settings, chat: () => chat };
}

describe("Chat", () => {
  it("copy puts the message's text (its Markdown, not the HTML) on the clipboard and says so", async () => {
    const copied: string[] = [];
    Object.defineProperty(navigator, "clipboard", { configurable: true, value: { writeText: async (t: string) => { copied.push(t); } } });
    const { root, chat } = setup();
    chat().open(5);
    await until(() => root.querySelectorAll(".message").length === 4, "the messages");
    root.querySelector(".message[data-id='2']")!.dispatchEvent(new Event("pointerenter"));
    await tick();
    (root.querySelector(".message[data-id='2'] .copy-message") as HTMLButtonElement).click();
    await until(() => copied.length === 1, "copied");
    expect(copied).toEqual(["hi there"]);
    await until(() => toasts().some((t) => t.text === "Copied"), "the toast");
    // The palette's "Copy the last answer" takes the newest answer on the path shown.
    expect(chat().lastAnswer()).toBe("sure");
  });

  it("delete asks first, then removes the message and every reply below it", async () => {
    const { root, calls, chat } = setup();
    chat().open(5);
    await until(() => root.querySelectorAll(".message").length === 4, "the messages");
    (root.querySelector(".message[data-id='2']") as HTMLElement).focus(); // by keyboard: the message, then its buttons
    await tick();
    (root.querySelector(".message[data-id='2'] .delete-message") as HTMLButtonElement).click();
    await tick();
    const dialog = document.querySelector(".confirm-delete")!;
    expect(dialog.textContent).toContain("every reply below it");
    expect(calls).not.toContain("delete 2");
    (dialog.querySelector(".confirm") as HTMLButtonElement).click();
    await until(() => root.querySelectorAll(".message").length === 1, "the rest gone");
    expect(calls).toContain("delete 2");
    expect(root.querySelector(".message .text")!.textContent).toBe("hello");
  });

  it("a message's actions exist while it is pointed at or focused, and always on the last one", async () => {
    const { root, chat } = setup();
    chat().open(5);
    await until(() => root.querySelectorAll(".message").length === 4, "the messages");
    const actions = (id: number) => root.querySelectorAll(`.message[data-id='${id}'] .msg-actions button`).length;
    expect([1, 2, 3, 4].map(actions)).toEqual([0, 0, 0, 3]);
    const m2 = root.querySelector(".message[data-id='2']") as HTMLElement;
    expect(m2.tabIndex).toBe(0);
    m2.dispatchEvent(new Event("pointerenter"));
    await tick();
    expect(actions(2)).toBe(3);
    m2.dispatchEvent(new Event("pointerleave"));
    await tick();
    expect(actions(2)).toBe(0);
    m2.focus();
    await tick();
    expect(actions(2)).toBe(3);
    (m2.querySelector(".regenerate") as HTMLElement).focus(); // focus moves within: they stay
    await tick();
    expect(actions(2)).toBe(3);
    (root.querySelector(".composer textarea") as HTMLElement).focus();
    await tick();
    expect(actions(2)).toBe(0);
  });

  it("a failed answer is a card with its class and an action; the live region says what happened", async () => {
    const { root, settings } = setup([{ kind: "failed", error: providerError("a: the key was refused (auth, HTTP 401)", "a", "auth"), partial: false, messageId: null }]);
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    const box = root.querySelector(".composer textarea") as HTMLTextAreaElement;
    box.value = "Hi";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await until(() => root.querySelector(".error-card") !== null, "the card");
    const card = root.querySelector(".error-card")!;
    expect(card.getAttribute("role")).toBe("alert");
    expect(card.querySelector(".error-title")!.textContent).toBe("The provider refused the key");
    expect(card.querySelector(".error-class")!.textContent).toBe("auth");
    expect(card.querySelector(".error")!.textContent).toBe("a: the key was refused (auth, HTTP 401)");
    expect(card.querySelector(".send-anyway")).toBeNull();
    (card.querySelector(".error-settings") as HTMLButtonElement).click();
    expect(settings).toEqual(["open"]);
    // Said once, by the card (an alert); the live region does not repeat it.
    expect(root.querySelector(".chat [role=status][aria-live=polite]")!.textContent).toBe("");
    // Not the stream itself: the messages list is not a live region.
    expect(root.querySelector(".messages")!.getAttribute("aria-live")).toBeNull();
  });

  it("errors name their kind; Settings is offered only where it can fix the failure", () => {
    const rate = providerError("slow down", "a", "rate_limited");
    expect(errorTitle(rate)).toBe("Rate limited");
    expect(settingsFix(rate)).toBe(false);
    expect(settingsFix(providerError("no model", "a", "model_not_found"))).toBe(true);
    expect(errorTitle({ ...rate, kind: "budget_exceeded", class: null })).toBe("Monthly budget reached");
  });

  it("the send button waits for text; the composer starts one line high", async () => {
    const { root } = setup();
    const send = root.querySelector(".send") as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    const box = root.querySelector(".composer textarea") as HTMLTextAreaElement;
    expect(box.rows).toBe(1);
    box.value = "x";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    await tick();
    expect((root.querySelector(".send") as HTMLButtonElement).disabled).toBe(false);
  });
});
