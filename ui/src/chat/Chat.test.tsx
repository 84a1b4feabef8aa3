// The chat view's own parts: hover actions (copy, delete with confirmation), the error card's
// actions, the live region, the composer growing with its text.

import { createResource } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { toasts } from "../design/toast";
import { providerError } from "../test-errors";
import type { ChatSettings, Estimate, MessageView, PresetSetting, Preview, RuleStatus, StreamMsg, TurnSpec } from "../types";
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

interface Options {
  presets?: PresetSetting[];
  stored?: ChatSettings;
  preview?: (spec: TurnSpec) => Preview;
  alerts?: RuleStatus[];
}

function setup(script: StreamMsg[] = [], o: Options = {}) {
  let messages = [msg(1, null, "user", "hello"), msg(2, 1, "assistant", "hi there"), msg(3, 2, "user", "more"), msg(4, 3, "assistant", "sure")];
  const calls: string[] = [];
  const sent: TurnSpec[] = [];
  const previews: TurnSpec[] = [];
  const saved: [number, ChatSettings][] = [];
  const b = {
    conversation: async (id: number) => ({ id, title: "T", kind: "chat", system: null, columnTargets: [], messages, settings: o.stored ?? {}, columnSettings: [] }),
    settings: async () => ({ presets: o.presets ?? [] }),
    previewTurn: async (spec: TurnSpec) => {
      previews.push(structuredClone(spec));
      if (!o.preview) throw new Error("no preview in this test");
      return o.preview(spec);
    },
    setConversationSettings: async (id: number, settings: ChatSettings) => { saved.push([id, structuredClone(settings)]); },
    deleteMessage: async (id: number) => {
      calls.push(`delete ${id}`);
      const gone = new Set([id]);
      for (const m of messages) if (m.parentId !== null && gone.has(m.parentId)) gone.add(m.id);
      messages = messages.filter((m) => !gone.has(m.id));
    },
    send: async (spec: TurnSpec, _tools: unknown, onEvent: (m: StreamMsg) => void) => {
      calls.push("send");
      sent.push(structuredClone(spec));
      setTimeout(() => script.forEach(onEvent), 0);
      return { turn: 1, saved: { conversationId: 5, userMessageId: 10 }, alerts: o.alerts ?? [] };
    },
    cancel: async () => true,
    testProvider: async () => { throw new Error("down"); },
  } as unknown as FullBackend;
  const settings: string[] = [];
  const root = document.createElement("div");
  document.body.append(root);
  let chat!: ReturnType<typeof createChat>;
  dispose = render(() => {
    const [models] = createResource(async () => ["a/m", "a/big"].map((id) => ({ id, provider: "a", contextLength: null, inputPerM: null, outputPerM: null })));
    chat = createChat(b, { models, onListChanged: () => calls.push("list") });
    return <Chat chat={chat} backend={b} models={models()} visible onSettings={() => settings.push("open")} title="T" />;
  }, root);
  return { root, calls, settings, sent, previews, saved, chat: () => chat };
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
    expect(errorTitle({ ...rate, kind: "budget_exceeded", class: null })).toBe("Spend limit reached");
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

const est = (e: Partial<Estimate> = {}): Estimate => ({
  target: "a/m", promptTokens: 1234, counted: { kind: "exact", tokenizer: "o200k_base" }, inputMicros: 3085, contextWindow: 128000, fillPercent: 1,
  fit: "fits", cutTokens: 0, maxAnswerTokens: 4096, maxAnswerMicros: 40960, ...e,
});
const draft = (root: HTMLElement, text: string) => {
  const box = root.querySelector(".composer textarea") as HTMLTextAreaElement;
  box.value = text;
  box.dispatchEvent(new Event("input", { bubbles: true }));
};
const enter = (root: HTMLElement) =>
  root.querySelector(".composer textarea")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true, cancelable: true }));
const field = (root: HTMLElement, cls: string, value: string) => {
  const el = root.querySelector(cls) as HTMLInputElement;
  el.value = value;
  el.dispatchEvent(new Event("input", { bubbles: true }));
};
const terse: PresetSetting = {
  name: "terse", builtIn: true,
  fields: { system: "Answer in one sentence.", model: "a/big", temperature: 0.2, top_p: null, max_tokens: 400, reasoning: null, stop: ["\n\n"], seed: null },
};
const rule = (label: string, percent: number): RuleStatus => ({
  rule: { scope: { kind: "provider", name: "a" }, window: "day", limitMicros: 2_500_000, alertPercent: 80, legacy: false },
  label, windowStart: 0, windowEnd: 1, spentMicros: 2_125_000, percent, state: "alert", forecastMicros: 3_000_000,
});

describe("Chat settings, presets and the cost before sending", () => {
  it("picking a preset sets the model and the settings; the first turn sends their values (never the preset by name), the label stored after", async () => {
    const { root, sent, saved } = setup([], { presets: [terse] });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    const chip = root.querySelector(".preset-picker") as HTMLButtonElement;
    expect(chip.textContent).toBe("No preset");
    chip.click();
    await until(() => document.querySelector(".menu .preset-terse") !== null, "the presets menu");
    expect(document.querySelector(".menu .preset-terse")!.textContent).toBe("terse · a/big");
    (document.querySelector(".menu .preset-terse") as HTMLButtonElement).click();
    await tick();
    expect(root.querySelector(".model-id")!.textContent).toBe("a/big");
    expect(root.querySelector(".preset-picker")!.textContent).toBe("terse");
    // The panel shows the preset's values and name.
    (root.querySelector(".params-button") as HTMLButtonElement).click();
    await tick();
    const panel = root.querySelector(".params-panel")!;
    expect(panel.querySelector(".params-from")!.textContent).toBe("from the preset terse");
    expect((panel.querySelector(".params-temperature-input") as HTMLInputElement).value).toBe("0.2");
    expect((panel.querySelector(".params-system-input") as HTMLTextAreaElement).value).toBe("Answer in one sentence.");
    expect([...panel.querySelectorAll(".stop-chip code")].map((c) => c.textContent)).toEqual(["\\n\\n"]);
    // An edit keeps the label, marked edited.
    field(root, ".params-seed-input", "7");
    await tick();
    expect(root.querySelector(".preset-picker")!.textContent).toBe("terse (edited)");
    draft(root, "Hi");
    enter(root);
    await until(() => sent.length === 1, "the send");
    expect(sent[0]).toMatchObject({
      conversation: null, prompt: "Hi", targets: ["a/big"], preset: null, system: "Answer in one sentence.", temperature: 0.2,
      maxTokens: 400, stop: ["\n\n"], seed: 7, topP: null, reasoning: null,
    });
    // The label is kept: the settings are stored as shown, with it.
    await until(() => saved.length === 1, "the settings stored");
    expect(saved[0]).toEqual([5, {
      preset: "terse", system: "Answer in one sentence.", temperature: 0.2, topP: null, maxTokens: 400, reasoning: null, stop: ["\n\n"], seed: 7,
    }]);
  });

  it("a new chat sends the panel's settings; nothing at all when none is set", async () => {
    const { root, sent } = setup();
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    draft(root, "Plain");
    enter(root);
    await until(() => sent.length === 1, "the first send");
    expect(sent[0]).toMatchObject({ preset: null, system: null, temperature: null, topP: null, maxTokens: null, seed: null, stop: null, reasoning: null });
  });

  it("an open conversation's panel shows its stored settings; edits replace them in the store", async () => {
    const { root, chat, saved, sent } = setup([], { stored: { preset: null, system: "Be brief.", temperature: 0.7, topP: null, maxTokens: null, reasoning: "low", stop: null, seed: null } });
    chat().open(5);
    await until(() => root.querySelectorAll(".message").length === 4, "the messages");
    (root.querySelector(".params-button") as HTMLButtonElement).click();
    await tick();
    expect((root.querySelector(".params-temperature-input") as HTMLInputElement).value).toBe("0.7");
    expect((root.querySelector(".params-reasoning-input") as HTMLSelectElement).value).toBe("low");
    expect(root.querySelector(".params-panel-note")!.textContent).toContain("Saved with this conversation");
    // Cleared with its button, and another value typed: one save after the pause in typing.
    (root.querySelector(".params-temperature .params-clear") as HTMLButtonElement).click();
    field(root, ".params-maxTokens-input", "300");
    await until(() => saved.length === 1, "the save");
    expect(saved[0]).toEqual([5, { preset: null, system: "Be brief.", temperature: null, topP: null, maxTokens: 300, reasoning: "low", stop: null, seed: null }]);
    // The next turn sends none of them: the stored ones are used. An edit not yet saved goes first.
    field(root, ".params-seed-input", "3");
    draft(root, "Next");
    enter(root);
    await until(() => sent.length === 1, "the send");
    expect(saved.at(-1)![1].seed).toBe(3);
    expect(sent[0].conversation).toBe(5);
    expect(sent[0].temperature).toBeUndefined();
    expect(sent[0].preset).toBeUndefined();
  });

  it("a value out of range is said under its field, never sent, and holds the send", async () => {
    const { root, sent } = setup();
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    (root.querySelector(".params-button") as HTMLButtonElement).click();
    await tick();
    field(root, ".params-temperature-input", "3");
    field(root, ".params-topP-input", "0");
    await tick();
    expect(root.querySelector(".params-temperature .field-error")!.textContent).toBe("Between 0 and 2");
    expect(root.querySelector(".params-topP .field-error")!.textContent).toBe("Above 0, at most 1");
    expect(root.querySelector(".params-temperature-input")!.getAttribute("aria-invalid")).toBe("true");
    draft(root, "Hi");
    await tick();
    expect((root.querySelector(".send") as HTMLButtonElement).disabled).toBe(true);
    enter(root);
    await tick();
    expect(sent).toHaveLength(0);
    field(root, ".params-temperature-input", "1.5");
    field(root, ".params-topP-input", "");
    await tick();
    expect(root.querySelector(".params-temperature .field-error")).toBeNull();
    enter(root);
    await until(() => sent.length === 1, "the send");
    expect(sent[0]).toMatchObject({ temperature: 1.5, topP: null });
  });

  it("the cost line: exact tokens, input cost, fill and the answer's range; ≈ with how it was estimated", async () => {
    let next = est();
    const { root, previews } = setup([], { preview: () => ({ columns: [next], rules: [], crosses: null }) });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    expect(root.querySelector(".cost-line")).toBeNull(); // nothing typed, nothing to cost
    draft(root, "H");
    draft(root, "Hello");
    await until(() => root.querySelector(".cost-column") !== null, "the cost");
    // Debounced: one preview for what was typed in a burst, with what would be sent.
    expect(previews).toHaveLength(1);
    expect(previews[0]).toMatchObject({ conversation: null, prompt: "Hello", targets: ["a/m"] });
    const col = root.querySelector(".cost-line .cost-column")!;
    expect(col.querySelector(".cost-tokens")!.childNodes[0].textContent).toBe("1,234 tokens");
    expect(col.querySelector(".cost-tokens")!.getAttribute("data-tip")).toBe("Counted exactly with the o200k_base tokenizer");
    expect(col.querySelector(".cost-input")!.textContent).toBe("$0.0031 in");
    expect(col.querySelector(".cost-fill")!.textContent).toBe("1% of 128k context");
    expect(col.querySelector(".cost-answer")!.textContent).toBe("answer up to $0.0410 at 4,096 tokens");
    next = est({ counted: { kind: "estimated", samples: 12, chars_per_token: 3.6 } });
    draft(root, "Hello there");
    await until(() => root.querySelector(".cost-tokens.estimated") !== null, "the estimate");
    expect(root.querySelector(".cost-tokens")!.childNodes[0].textContent).toBe("≈1,234 tokens");
    expect(root.querySelector(".cost-tokens")!.getAttribute("data-tip")).toBe("Estimated at 3.6 characters a token, calibrated from 12 answers in your ledger");
    next = est({ counted: { kind: "estimated", samples: 0, chars_per_token: 4 } });
    draft(root, "Hello there!");
    await until(() => root.querySelector(".cost-tokens")!.getAttribute("data-tip")!.includes("4 characters a token"), "the default rate");
  });

  it("past 90% of the window a warning; past 100% a refusal saying what to cut, and Send is held", async () => {
    let next = est({ fillPercent: 93.4, fit: "tight" });
    const { root, sent } = setup([], { preview: () => ({ columns: [next], rules: [], crosses: "provider:a per day ($2.50)" }) });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    draft(root, "Long");
    await until(() => root.querySelector(".cost-fill") !== null, "the cost");
    expect(root.querySelector(".cost-fill")!.classList.contains("warn")).toBe(true);
    expect(root.querySelector(".cost-fill")!.textContent).toBe("93% of 128k context");
    expect(root.querySelector(".cost-crosses")!.textContent).toContain("This may cross provider:a per day ($2.50)");
    expect(root.querySelector(".cost-refusal")).toBeNull();
    expect((root.querySelector(".send") as HTMLButtonElement).disabled).toBe(false);
    next = est({ promptTokens: 130000, contextWindow: 128000, fillPercent: 101.6, fit: "over", cutTokens: 2001 });
    draft(root, "Longer");
    await until(() => root.querySelector(".cost-refusal") !== null, "the refusal");
    expect(root.querySelector(".cost-refusal")!.textContent).toContain("Cut about 2,001 tokens");
    expect(root.querySelector(".cost-fill")!.classList.contains("over")).toBe(true);
    const send = root.querySelector(".send") as HTMLButtonElement;
    expect(send.disabled).toBe(true);
    expect(send.getAttribute("aria-label")).toContain("cut about 2,001 tokens");
    enter(root);
    await tick();
    expect(sent).toHaveLength(0);
  });

  it("a send past a spend limit's alert share shows a dismissable banner naming the rule and its percent", async () => {
    const { root } = setup([], { alerts: [rule("provider:a per day ($2.50)", 85)] });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    draft(root, "Spend");
    enter(root);
    await until(() => root.querySelector(".budget-banner") !== null, "the banner");
    const banner = root.querySelector(".budget-banner")!;
    expect(banner.getAttribute("role")).toBe("status");
    expect(banner.querySelector(".budget-alert")!.textContent).toBe("provider:a per day ($2.50) is at 85% ($2.1250 spent in this day)");
    (banner.querySelector(".dismiss-budget") as HTMLButtonElement).click();
    await tick();
    expect(root.querySelector(".budget-banner")).toBeNull();
  });
});

describe("Chat composer's accessibility", () => {
  it("has no serious or critical axe violations: the panel open, the cost line, the banner, the presets menu", async () => {
    const axe = (await import("axe-core")).default;
    const check = async (what: string) => {
      const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
      const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`), what).toEqual([]);
    };
    let fit: Estimate["fit"] = "fits";
    const { root, chat, sent } = setup([], {
      presets: [terse], alerts: [rule("all per month ($20.00)", 92)],
      preview: () => ({ columns: [est({ counted: { kind: "estimated", samples: 3, chars_per_token: 3.9 }, fit, fillPercent: 104, cutTokens: 99 })], rules: [], crosses: "all per month ($20.00)" }),
    });
    chat().open(5);
    await until(() => root.querySelectorAll(".message").length === 4, "the messages");
    draft(root, "Spend");
    await until(() => root.querySelector(".cost-column") !== null, "the cost");
    enter(root);
    await until(() => sent.length === 1 && root.querySelector(".budget-banner") !== null, "the banner");
    fit = "over";
    draft(root, "Check");
    await until(() => root.querySelector(".cost-refusal") !== null, "the refusal");
    (root.querySelector(".params-button") as HTMLButtonElement).click();
    await tick();
    field(root, ".params-temperature-input", "9");
    await tick();
    await check("the panel open with an error, the cost line with a refusal");
    (root.querySelector(".preset-picker") as HTMLButtonElement).click();
    await until(() => document.querySelector(".menu .preset-terse") !== null, "the menu");
    await check("the presets menu");
    (document.querySelector(".menu .preset-terse") as HTMLButtonElement).click();
    await tick();
    // A preset's values replace what was typed (the error too).
    expect((root.querySelector(".params-panel") as HTMLElement).hidden, "closed as focus went to the menu").toBe(true);
    expect(root.querySelector(".params-temperature .field-error")).toBeNull();
    expect((root.querySelector(".params-temperature-input") as HTMLInputElement).value).toBe("0.2");
  });
});

describe("Chat's cost preview, kept current", () => {
  const later = async (cond: () => boolean, what: string, ms = 3000) => {
    for (let t = 0; t < ms; t += 10) { if (cond()) return; await new Promise((r) => setTimeout(r, 10)); }
    throw new Error(`timed out waiting for ${what}`);
  };

  it("an open conversation's preview carries the panel's settings as edited, before the save, and is asked again once saved", async () => {
    const savedWhenAsked: number[] = [];
    // The answer's range follows the max tokens asked (the engine's overlay on the stored ones, 100).
    const f = setup([], {
      stored: { preset: null, system: "Be brief.", temperature: null, topP: null, maxTokens: 100, reasoning: null, stop: ["END"], seed: null },
      preview: (spec) => {
        savedWhenAsked.push(f.saved.length);
        return { columns: [est({ maxAnswerTokens: spec.maxTokens ?? 100, maxAnswerMicros: null })], rules: [], crosses: null };
      },
    });
    const { root, chat, previews, saved } = f;
    chat().open(5);
    await until(() => root.querySelectorAll(".message").length === 4, "the messages");
    await later(() => root.querySelector(".cost-answer")?.textContent === "answer up to 100 tokens (price unknown)", "the first preview");
    expect(previews.at(-1)).toMatchObject({ conversation: 5, preset: null, system: "Be brief.", maxTokens: 100, stop: ["END"] });
    (root.querySelector(".params-button") as HTMLButtonElement).click();
    await tick();
    field(root, ".params-maxTokens-input", "300");
    await later(() => root.querySelector(".cost-answer")?.textContent === "answer up to 300 tokens (price unknown)", "the edit costed");
    // Asked before the edit was saved: the engine lays the panel's values over the stored ones.
    expect(previews.at(-1)).toMatchObject({ conversation: 5, maxTokens: 300, system: "Be brief." });
    expect(savedWhenAsked.at(-1)).toBe(0);
    // The system prompt cleared: said as empty (it clears the stored one), the stop list too.
    field(root, ".params-system-input", "");
    (root.querySelector(".stop-chip .stop-remove") as HTMLButtonElement).click();
    await later(() => previews.at(-1)?.system === "", "the system prompt costed");
    expect(previews.at(-1)).toMatchObject({ system: "", stop: [], maxTokens: 300 });
    await later(() => saved.length === 1, "the save");
    expect(saved[0][1]).toMatchObject({ system: null, stop: null, maxTokens: 300 });
    // Saved: asked again (a value cleared can only be costed from the stored settings).
    const asked = previews.length;
    await later(() => previews.length === asked + 1, "the preview after the save");
    expect(previews.at(-1)).toEqual(previews.at(-2));
  });

  it("a stale 'over' does not hold a draft since shortened: Send waits for the current preview, then goes", async () => {
    const over = est({ promptTokens: 130000, contextWindow: 128000, fillPercent: 101.6, fit: "over", cutTokens: 2001 });
    const { root, sent, previews } = setup([], { preview: (spec) => ({ columns: [spec.prompt.startsWith("Huge") ? over : est()], rules: [], crosses: null }) });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    draft(root, "Huge paste");
    await later(() => root.querySelector(".cost-refusal") !== null, "the refusal");
    expect((root.querySelector(".send") as HTMLButtonElement).disabled).toBe(true);
    // Shortened, and Enter at once: the old refusal (stale) holds nothing; the send waits for the preview.
    draft(root, "Short");
    expect((root.querySelector(".send") as HTMLButtonElement).disabled).toBe(false);
    enter(root);
    await later(() => sent.length === 1, "the send");
    expect(sent[0].prompt).toBe("Short");
    // Decided on the shortened draft's own preview, asked at once rather than after the debounce.
    expect(previews.map((p) => p.prompt)).toEqual(["Huge paste", "Short"]);
  });

  it("Enter right after a huge paste waits for its preview (not the debounce) and is held when it is over", async () => {
    const over = est({ promptTokens: 130000, contextWindow: 128000, fillPercent: 101.6, fit: "over", cutTokens: 2001 });
    const { root, sent, previews } = setup([], { preview: (spec) => ({ columns: [spec.prompt.startsWith("Huge") ? over : est()], rules: [], crosses: null }) });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    draft(root, "Huge paste");
    expect(previews).toHaveLength(0); // still in the debounce
    enter(root);
    enter(root); // a second Enter while it waits is not a second send
    await later(() => toasts().some((t) => t.text.includes("over a/m's context window")), "the refusal said");
    expect(previews).toHaveLength(1);
    expect(sent).toHaveLength(0);
    expect(root.querySelector(".cost-refusal")).not.toBeNull();
    // Typing is never held.
    draft(root, "Huge paste, cut down");
    expect((root.querySelector(".composer textarea") as HTMLTextAreaElement).value).toBe("Huge paste, cut down");
  });

  it("a preview that cannot be had in time does not hold the send", async () => {
    const { root, sent, previews } = setup([], { preview: () => new Promise<Preview>(() => {}) as unknown as Preview });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    draft(root, "Anything");
    const at = Date.now();
    enter(root);
    await later(() => sent.length === 1, "the send");
    expect(Date.now() - at).toBeGreaterThanOrEqual(900);
    expect(previews).toHaveLength(1);
  });

  it("an estimated count past the window is a warning, not a refusal: Send stays enabled and sends", async () => {
    const guess = est({ counted: { kind: "estimated", samples: 4, chars_per_token: 3.7 }, promptTokens: 133000, contextWindow: 128000, fillPercent: 103.9, fit: "tight", cutTokens: 5001 });
    const { root, sent } = setup([], { preview: () => ({ columns: [guess], rules: [], crosses: null }) });
    await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
    draft(root, "Long, by estimate");
    await later(() => root.querySelector(".cost-may-refuse") !== null, "the warning");
    expect(root.querySelector(".cost-may-refuse")!.textContent).toContain("≈ over a/m's context window by about 5,001 tokens — it may be refused");
    expect(root.querySelector(".cost-refusal")).toBeNull();
    expect(root.querySelector(".cost-fill")!.textContent).toBe("≈104% of 128k context");
    expect(root.querySelector(".cost-fill")!.classList.contains("warn")).toBe(true);
    const send = root.querySelector(".send") as HTMLButtonElement;
    expect(send.disabled).toBe(false);
    enter(root);
    await later(() => sent.length === 1, "the send");
  });
});
