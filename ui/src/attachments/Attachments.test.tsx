// Attachments in the chat and compare composers and in messages, against a fake backend whose
// `attach` answers as the shell does (or refuses with its typed error) and whose pictures are
// `data:` URLs.

import { createResource } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { Chat } from "../chat/Chat";
import { createChat } from "../chat/store";
import { Compare } from "../compare/Compare";
import { toasts } from "../design/toast";
import type { AttachedView, CompareSpec, ErrorView, MessageView, StoredPart, TurnSpec } from "../types";
import { partLine } from "./parts";

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 5)); }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; document.body.innerHTML = ""; localStorage.clear(); });

const PNG = "data:image/png;base64,iVBORw0KGgo=";
const refused = (message: string): ErrorView =>
  ({ kind: "bad_input", message, provider: null, class: null, status: null, retryAfterMs: null, detail: null, hint: null });

/** What the fake shell makes of a file: by its name, as the engine would by its bytes. */
function view(name: string, bytes = 1000): AttachedView {
  const sha256 = `sha-${name.replace(/ \(again\)$/, "")}`;
  if (name.endsWith(".png")) return { sha256, name, mediaType: "image/png", bytes, width: 1200, height: 800, pages: null, thumbnail: PNG };
  if (name.endsWith(".pdf")) return { sha256, name, mediaType: "application/pdf", bytes, width: null, height: null, pages: 12, thumbnail: null };
  return { sha256, name, mediaType: "text/plain", bytes, width: null, height: null, pages: null, thumbnail: null };
}

/** The backend's attachments: `attach` (refusing any `.exe`, holding `slow` files until let go), pictures by side. */
function attachments() {
  const asked: { sha256: string; side: number }[] = [];
  const held: (() => void)[] = [];
  const methods = {
    attach: async (file: File) => {
      if (file.name.endsWith(".exe")) throw refused(`${file.name}: this kind of file cannot be attached`);
      if (file.name.startsWith("slow")) await new Promise<void>((go) => held.push(go));
      return view(file.name, file.size);
    },
    attachmentImage: async (sha256: string, _name: string, side: number) => { asked.push({ sha256, side }); return `${PNG}#${side}`; },
    /** The system clipboard: a screenshot until it is taken, then nothing. */
    pasteImage: async () => (clipboard.length ? view(clipboard.shift()!) : null),
  };
  const clipboard = ["screenshot.png"];
  return { methods, asked, release: () => held.splice(0).forEach((go) => go()) };
}

const file = (name: string, text = "0123456789") => new File([text], name, { type: name.endsWith(".png") ? "image/png" : "text/plain" });

function mountChat(messages: MessageView[] = []) {
  const sent: TurnSpec[] = [];
  const a = attachments();
  const b = {
    ...a.methods,
    conversation: async (id: number) => ({ id, title: "T", kind: "chat", system: null, columnTargets: [], messages }),
    send: async (spec: TurnSpec) => { sent.push(structuredClone(spec)); return { turn: 1, saved: { conversationId: 5, userMessageId: 10 } }; },
    cancel: async () => true,
  } as unknown as FullBackend;
  const root = document.createElement("div");
  document.body.append(root);
  let chat!: ReturnType<typeof createChat>;
  dispose = render(() => {
    const [models] = createResource(async () => [{ id: "a/m", provider: "a", contextLength: null, inputPerM: null, outputPerM: null }]);
    chat = createChat(b, { models, onListChanged: () => {} });
    return <Chat chat={chat} backend={b} models={models()} visible onSettings={() => {}} title="T" />;
  }, root);
  return { root, sent, chat: () => chat, ...a };
}

function pick(root: HTMLElement, files: File[]) {
  const input = root.querySelector<HTMLInputElement>(".composer-file-input")!;
  Object.defineProperty(input, "files", { configurable: true, value: files });
  input.dispatchEvent(new Event("change", { bubbles: true }));
}
function type(root: HTMLElement, text: string) {
  const box = root.querySelector<HTMLTextAreaElement>(".composer textarea")!;
  box.value = text;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  return box;
}
const chips = (root: HTMLElement) => [...root.querySelectorAll<HTMLElement>(".attachment-chip")];
const sendButton = (root: HTMLElement) => root.querySelector<HTMLButtonElement>(".composer .send")!;

describe("attachments in the chat composer", () => {
  it("a picked image shows as a thumbnail chip; sending passes its ref, even with no text, and empties the tray", async () => {
    const { root, sent, chat } = mountChat();
    await until(() => chat().model() === "a/m", "the model");
    expect(sendButton(root).disabled).toBe(true);
    // The attach button opens the hidden input.
    let opened = false;
    root.querySelector<HTMLInputElement>(".composer-file-input")!.addEventListener("click", () => { opened = true; });
    root.querySelector<HTMLButtonElement>(".composer-attach")!.click();
    expect(opened).toBe(true);
    expect(root.querySelector(".composer-attach")!.getAttribute("aria-label")).toBe("Attach files");

    pick(root, [file("cat.png"), file("notes.pdf")]);
    await until(() => chips(root).every((c) => c.dataset.sha256) && chips(root).length === 2, "both read");
    const [cat, notes] = chips(root);
    expect(cat.dataset.sha256).toBe("sha-cat.png");
    expect(cat.querySelector("img")!.getAttribute("alt")).toBe("cat.png");
    expect(cat.querySelector("img")!.getAttribute("src")).toBe(PNG);
    expect(notes.textContent).toContain("notes.pdf");
    expect(notes.textContent).toContain("12 pages · 10 B");

    expect(sendButton(root).disabled).toBe(false); // attachments alone may be sent
    sendButton(root).click();
    await until(() => sent.length === 1, "the send");
    expect(sent[0].attachments).toEqual([{ sha256: "sha-cat.png", name: "cat.png" }, { sha256: "sha-notes.pdf", name: "notes.pdf" }]);
    expect(sent[0].prompt).toBe("");
    await until(() => chips(root).length === 0, "the tray emptied");
    // The message being answered shows them before its (empty) text.
    const live = root.querySelector(".message.user.last")!;
    expect(live.querySelector<HTMLElement>(".message-image")!.dataset.sha256).toBe("sha-cat.png");
    expect(live.querySelector(".message-file")!.textContent).toContain("notes.pdf");
    expect(live.querySelector(".text")).toBeNull();
  });

  it("a refused file is a toast naming it; the typed text stays and the file is not added", async () => {
    const { root, sent } = mountChat();
    const box = type(root, "Look at this");
    pick(root, [file("virus.exe"), file("ok.txt")]);
    await until(() => toasts().some((t) => t.tone === "error" && t.text === "virus.exe: this kind of file cannot be attached"), "the toast");
    await until(() => chips(root).length === 1 && !!chips(root)[0].dataset.sha256, "the other one");
    expect(chips(root)[0].textContent).toContain("ok.txt");
    expect(box.value).toBe("Look at this");
    expect(sent).toEqual([]);
  });

  it("remove takes a chip out, and it is not sent", async () => {
    const { root, sent, chat } = mountChat();
    await until(() => chat().model() === "a/m", "the model");
    pick(root, [file("a.txt"), file("b.txt")]);
    await until(() => chips(root).filter((c) => c.dataset.sha256).length === 2, "both");
    const remove = chips(root)[0].querySelector<HTMLButtonElement>(".attachment-remove")!;
    expect(remove.getAttribute("aria-label")).toBe("Remove a.txt");
    remove.click();
    await tick();
    expect(chips(root).map((c) => c.dataset.sha256)).toEqual(["sha-b.txt"]);
    type(root, "hi");
    sendButton(root).click();
    await until(() => sent.length === 1, "the send");
    expect(sent[0].attachments).toEqual([{ sha256: "sha-b.txt", name: "b.txt" }]);
  });

  it("a pasted screenshot is attached; pasted text pastes as usual", async () => {
    const { root } = mountChat();
    const box = type(root, "");
    const paste = (data: object) => {
      const e = new Event("paste", { bubbles: true, cancelable: true });
      Object.defineProperty(e, "clipboardData", { value: data });
      box.dispatchEvent(e);
      return e;
    };
    const text = paste({ types: ["text/plain"], items: [{ kind: "string", getAsFile: () => null }], files: [] });
    expect(text.defaultPrevented).toBe(false);
    const shot = file("image.png");
    const e = paste({ types: ["Files"], items: [{ kind: "file", getAsFile: () => shot }], files: [shot] });
    expect(e.defaultPrevented).toBe(true);
    await until(() => chips(root)[0]?.dataset.sha256 === "sha-image.png", "the screenshot");
    expect(chips(root)).toHaveLength(1); // items and files name the same file: once
  });

  it("a paste that carries nothing (WebKitGTK and a screenshot) asks the backend for the clipboard's picture", async () => {
    const { root } = mountChat();
    const box = type(root, "keep me");
    const paste = () => {
      const e = new Event("paste", { bubbles: true, cancelable: true });
      Object.defineProperty(e, "clipboardData", { value: { types: [], items: [], files: [] } });
      box.dispatchEvent(e);
      return e;
    };
    expect(paste().defaultPrevented).toBe(true);
    await until(() => chips(root)[0]?.dataset.sha256 === "sha-screenshot.png", "the clipboard's picture");
    // The clipboard holds no picture now: nothing is added, nothing is said, the text stays.
    paste();
    await tick();
    await tick();
    expect(chips(root)).toHaveLength(1);
    expect(box.value).toBe("keep me");
  });

  it("the same file twice is kept once; at most 20, and the rest are said to be left out", async () => {
    const { root } = mountChat();
    pick(root, [file("a.txt")]);
    await until(() => chips(root)[0]?.dataset.sha256 === "sha-a.txt", "a");
    pick(root, [file("a.txt (again)")]);
    await until(() => toasts().some((t) => t.text === "a.txt (again) is attached already."), "the note");
    expect(chips(root)).toHaveLength(1);
    pick(root, Array.from({ length: 25 }, (_, i) => file(`f${i}.txt`)));
    await until(() => toasts().some((t) => t.text === "At most 20 attachments in one message: 6 left out."), "the limit");
    await until(() => chips(root).filter((c) => c.dataset.sha256).length === 20, "twenty");
  });

  it("while a file is read, its chip says so and sending waits (the button says why)", async () => {
    const { root, sent, release, chat } = mountChat();
    await until(() => chat().model() === "a/m", "the model");
    const box = type(root, "soon");
    pick(root, [file("slow.txt")]);
    await tick();
    expect(chips(root)[0].classList.contains("reading")).toBe(true);
    expect(chips(root)[0].textContent).toContain("Reading…");
    expect(sendButton(root).disabled).toBe(true);
    expect(sendButton(root).getAttribute("aria-label")).toBe("Send (waiting for the files to be read)");
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await tick();
    expect(sent).toEqual([]);
    expect(box.value).toBe("soon");
    release();
    await until(() => !sendButton(root).disabled, "read");
    sendButton(root).click();
    await until(() => sent.length === 1, "the send");
    expect(sent[0]).toMatchObject({ prompt: "soon", attachments: [{ sha256: "sha-slow.txt", name: "slow.txt" }] });
  });

  it("files dropped on the window are attached; the overlay shows while they are dragged over", async () => {
    const { root } = mountChat();
    const drag = (kind: string, files: File[]) => {
      const e = new Event(kind, { bubbles: true, cancelable: true });
      Object.defineProperty(e, "dataTransfer", { value: { types: ["Files"], files, dropEffect: "none" } });
      document.body.dispatchEvent(e);
      return e;
    };
    expect(drag("dragenter", []).defaultPrevented).toBe(true);
    await tick();
    expect(document.querySelector(".drop-overlay")!.textContent).toContain("Drop files to attach");
    drag("dragover", []);
    drag("drop", [file("dropped.png")]);
    await tick();
    expect(document.querySelector(".drop-overlay")).toBeNull();
    await until(() => chips(root)[0]?.dataset.sha256 === "sha-dropped.png", "the dropped file");
  });
});

describe("attachments in messages", () => {
  const part = (type: "image" | "file", name: string, extra: Partial<StoredPart & { type: "image" }> = {}): StoredPart => ({
    type, media_type: type === "image" ? "image/png" : "application/pdf", name, sha256: `sha-${name}`, bytes: 234 * 1024,
    width: null, height: null, pages: null, ...extra,
  } as StoredPart);
  const stored = (): MessageView[] => [
    { id: 1, parentId: null, role: "user", text: "What is this?", html: "", reasoningHtml: "", model: null, status: "complete", error: null, createdAt: 1,
      figures: null, column: null,
      parts: [part("image", "photo.png", { width: 1200, height: 800 }), part("file", "paper.pdf", { pages: 12, bytes: 2.1 * 1024 * 1024 }), { type: "tool_call", id: "call_1", name: "fs__read", arguments: "{}", at: 0 }] },
    { id: 2, parentId: 1, role: "assistant", text: "A cat.", html: "<p>A cat.</p>", reasoningHtml: "", model: "a/m", status: "complete", error: null,
      createdAt: 2, figures: null, column: null, parts: [] },
  ];

  it("an image is a thumbnail button opening the larger picture in a dialog; a file is a chip", async () => {
    const { root, chat, asked } = mountChat(stored());
    chat().open(5);
    await until(() => root.querySelector(".message-image img") !== null, "the thumbnail");
    const thumb = root.querySelector<HTMLButtonElement>(".message[data-id='1'] .message-image")!;
    expect(thumb.dataset.sha256).toBe("sha-photo.png");
    expect(thumb.querySelector("img")!.getAttribute("alt")).toBe("photo.png");
    expect(thumb.querySelector("img")!.getAttribute("src")).toBe(`${PNG}#256`);
    expect(asked).toEqual([{ sha256: "sha-photo.png", side: 256 }]);
    const chip = root.querySelector(".message[data-id='1'] .message-file")!;
    expect(chip.textContent).toContain("paper.pdf");
    expect(chip.textContent).toContain("12 pages · 2.1 MB");
    expect(root.querySelectorAll(".message[data-id='1'] .message-parts > *")).toHaveLength(2); // the tool call is not shown
    // Before the text.
    const m1 = root.querySelector(".message[data-id='1']")!;
    expect(m1.firstElementChild!.classList.contains("message-parts")).toBe(true);

    thumb.click();
    await until(() => document.querySelector(".image-viewer img") !== null, "the larger picture");
    const viewer = document.querySelector<HTMLDialogElement>(".image-viewer")!;
    expect(viewer.querySelector("img")!.getAttribute("src")).toBe(`${PNG}#1600`);
    expect(viewer.querySelector("h2")!.textContent).toBe("photo.png");
    expect(viewer.textContent).toContain("1200×800 · 234 KB");
    viewer.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await tick();
    expect(document.querySelector(".image-viewer")).toBeNull();
    // The close button closes it too.
    thumb.click();
    await until(() => document.querySelector(".image-viewer") !== null, "the viewer again");
    document.querySelector<HTMLButtonElement>(".image-viewer .dialog-close")!.click();
    await tick();
    expect(document.querySelector(".image-viewer")).toBeNull();
  });

  it("editing a message puts its attachments back in the composer", async () => {
    const { root, chat, sent } = mountChat(stored());
    chat().open(5);
    await until(() => root.querySelector(".message[data-id='1']") !== null, "the messages");
    const m1 = root.querySelector<HTMLElement>(".message[data-id='1']")!;
    m1.focus();
    await tick();
    m1.querySelector<HTMLButtonElement>(".edit")!.click();
    await until(() => chips(root).length === 2, "the chips");
    expect(chips(root).map((c) => c.dataset.sha256)).toEqual(["sha-photo.png", "sha-paper.pdf"]);
    sendButton(root).click();
    await until(() => sent.length === 1, "the edit");
    expect(sent[0]).toMatchObject({ editOf: 1, prompt: "What is this?",
      attachments: [{ sha256: "sha-photo.png", name: "photo.png" }, { sha256: "sha-paper.pdf", name: "paper.pdf" }] });
  });

  it("an attachment's line: pixels and size, pages and size, or the size", () => {
    expect(partLine({ width: 1200, height: 800, pages: null, bytes: 234 * 1024 })).toBe("1200×800 · 234 KB");
    expect(partLine({ width: null, height: null, pages: 1, bytes: 900 })).toBe("1 page · 900 B");
    expect(partLine({ width: null, height: null, pages: null, bytes: 5 * 1024 })).toBe("5.0 KB");
  });
});

describe("attachments in the compare composer", () => {
  it("go to every column in the CompareSpec, and show with the question", async () => {
    const specs: CompareSpec[] = [];
    const a = attachments();
    const backend = {
      ...a.methods,
      compare: async (spec: CompareSpec) => {
        specs.push(structuredClone(spec));
        return { conversationId: 5, turns: spec.columns.map((_, i) => 100 + i), userMessageIds: spec.columns.map((_, i) => 10 + i) };
      },
      cancel: async () => true,
      settings: async () => ({ configPath: "", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [] }),
    } as unknown as FullBackend;
    const models = ["x/one", "x/two"].map((id) => ({ id, provider: "x", contextLength: null, inputPerM: null, outputPerM: null }));
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <Compare backend={backend} models={models} onContinue={() => {}} />, root);
    for (const i of [0, 1]) { // a slot appears once the one before is picked
      const slot = root.querySelectorAll<HTMLSelectElement>(".slot")[i];
      slot.value = models[i].id;
      slot.dispatchEvent(new Event("change", { bubbles: true }));
    }
    pick(root, [file("chart.png")]);
    await until(() => chips(root)[0]?.dataset.sha256 === "sha-chart.png", "the chip");
    const input = root.querySelector<HTMLTextAreaElement>(".compare-input")!;
    input.value = "Which reads it better?";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    root.querySelector<HTMLButtonElement>(".compare-composer .send")!.click();
    await until(() => specs.length === 1, "the compare");
    expect(specs[0].attachments).toEqual([{ sha256: "sha-chart.png", name: "chart.png" }]);
    expect(specs[0].columns).toHaveLength(2);
    await until(() => chips(root).length === 0, "the tray emptied");
    expect(root.querySelectorAll(".column .message-image[data-sha256='sha-chart.png']")).toHaveLength(2);
  });
});
