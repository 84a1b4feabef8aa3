// A streaming answer in the DOM: final blocks are appended once and never touched again; only
// the open tail is replaced. The HTML comes from the engine's sanitising Markdown renderer.

import type { StreamMsg } from "../types";

/** Adds a copy button to each code block under `el` that has none. */
export function decorate(el: Element): void {
  for (const block of Array.from(el.querySelectorAll(".code-block"))) {
    if (block.querySelector(":scope > .copy")) continue;
    // No language label: the button shows on hover only (a class, not :has(), which costs WebKit
    // a style check on every change inside the answer).
    if (!block.querySelector(":scope > .code-lang")) block.classList.add("no-lang");
    const button = el.ownerDocument.createElement("button");
    button.className = "copy";
    button.type = "button";
    button.textContent = "Copy";
    button.addEventListener("click", () => {
      const code = block.querySelector("pre code")?.textContent ?? "";
      void navigator.clipboard?.writeText(code).then(() => { button.textContent = "Copied"; });
    });
    block.prepend(button);
  }
}

export class AnswerView {
  readonly root: HTMLElement;
  /** Where the answer's tool calls are shown: after its reasoning, before its text (filled by the view). */
  readonly tools: HTMLElement;
  private readonly body: HTMLElement;
  private readonly tail: HTMLElement;
  private readonly reasoning: HTMLDetailsElement;
  private readonly reasoningText: HTMLElement;
  private finals = 0;

  constructor(doc: Document = document) {
    this.root = doc.createElement("div");
    this.root.className = "answer markdown";
    this.reasoning = doc.createElement("details");
    this.reasoning.className = "reasoning";
    this.reasoning.hidden = true;
    const summary = doc.createElement("summary");
    summary.textContent = "Reasoning";
    this.reasoningText = doc.createElement("div");
    this.reasoningText.className = "reasoning-text";
    this.reasoning.append(summary, this.reasoningText);
    this.body = doc.createElement("div");
    this.body.className = "blocks";
    this.tail = doc.createElement("div");
    this.tail.className = "tail";
    this.tools = doc.createElement("div");
    this.tools.className = "answer-tools";
    this.root.append(this.reasoning, this.tools, this.body, this.tail);
  }

  /** Applies one `render` message. */
  apply(msg: Extract<StreamMsg, { kind: "render" }>): void {
    while (this.finals > msg.replaceFrom) {
      this.body.lastElementChild?.remove();
      this.finals--;
    }
    for (const html of msg.blocks) {
      const block = this.root.ownerDocument.createElement("div");
      block.className = "block";
      block.innerHTML = html;
      decorate(block);
      this.body.append(block);
      this.finals++;
    }
    this.tail.innerHTML = msg.tail;
    if (msg.reasoning) {
      this.reasoning.hidden = false;
      this.reasoningText.append(msg.reasoning);
    }
  }

  /** The answer's text as shown (code blocks without their copy buttons or language labels, no tool calls). */
  text(): string {
    const c = this.root.cloneNode(true) as HTMLElement;
    c.querySelectorAll(".copy, .code-lang, .reasoning, .answer-tools").forEach((e) => e.remove());
    return (c.innerText ?? c.textContent ?? "").trim();
  }

  /** The answer's HTML so far (final blocks and tail), without the copy buttons. */
  html(): string {
    const strip = (e: Element) => {
      const c = e.cloneNode(true) as Element;
      c.querySelectorAll(".copy").forEach((b) => b.remove());
      return c.innerHTML;
    };
    return Array.from(this.body.children, strip).join("") + this.tail.innerHTML;
  }
}
