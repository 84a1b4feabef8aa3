// Tool calls in the chat and the compare view, against a fake backend whose turn streams what a
// test emits (calls, questions, results as the shell sends them) and which records every
// `tool_answer`; the composer's tools menu and what it passes to `send` and `compare`; a reopened
// answer's stored calls; and that nothing a tool wrote is ever read as HTML.

import { createResource } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { Chat } from "../chat/Chat";
import { createChat } from "../chat/store";
import { Compare } from "../compare/Compare";
import type { Approval, ColumnMsg, CompareSpec, MessageView, ServerView, StoredPart, StreamMsg, ToolContent, TurnSpec } from "../types";
import { applyTool, pictureOf, runsOf, shownArguments, splitName, type ToolRun } from "./runs";

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 5)); }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; document.body.innerHTML = ""; localStorage.clear(); });

const XSS = "<img src=x onerror=alert(1)>";
const call = (id: string, name: string, args: string): StreamMsg => ({ kind: "toolCall", call: { id, name, arguments: args, at: 0 } });
const ask = (turn: number, id: string, name: string, args: string, description = "Reads a file"): StreamMsg => {
  const { server, tool } = splitName(name);
  return { kind: "ask", turn, pending: { call: { id, name, arguments: args, at: 0 }, server: server ?? "", tool, description } };
};
const result = (id: string, name: string, content: ToolContent[], o: { error?: boolean; decision?: "once" | "always" | "denied" | "never" | "invalid"; ms?: number } = {}): StreamMsg =>
  ({ kind: "toolResult", result: { id, name, content, is_error: o.error ?? false, decision: o.decision ?? null, ms: o.ms ?? null } });
const text = (t: string): ToolContent => ({ type: "text", text: t });
const render1 = (html: string): StreamMsg => ({ kind: "render", replaceFrom: 0, blocks: [html], tail: "", reasoning: "" });

const server = (name: string, enabled = true, tools: number | null = 2): ServerView => ({
  setting: { name, command: "npx", args: [name], env: {}, cwd: null, url: null, authHeader: null, enabled, disabledTools: [] },
  status: { name, kind: "stdio", target: `npx ${name}`, enabled, state: "running", pid: 40, tools, lastError: null, coldStartMs: 300 },
  hasAuth: false,
});

/** A fake backend: `send` hands its channel to the test (`emit`); `tool_answer` is recorded. */
function fakeBackend(o: { servers?: ServerView[]; messages?: MessageView[] } = {}) {
  const sent: { spec: TurnSpec; tools: string[] | null }[] = [];
  const answers: [number, string, Approval][] = [];
  const cancelled: number[] = [];
  let channel: ((m: StreamMsg) => void) | null = null;
  const b = {
    conversation: async (id: number) => ({ id, title: "T", kind: "chat", system: null, columnTargets: [], messages: o.messages ?? [] }),
    send: async (spec: TurnSpec, tools: string[] | null, onEvent: (m: StreamMsg) => void) => {
      sent.push({ spec: structuredClone(spec), tools });
      channel = onEvent;
      return { turn: 7, saved: { conversationId: 5, userMessageId: 10 } };
    },
    cancel: async (turn: number) => { cancelled.push(turn); return true; },
    mcpServers: async () => structuredClone(o.servers ?? []),
    toolAnswer: async (turn: number, id: string, approval: Approval) => { answers.push([turn, id, approval]); return true; },
  } as unknown as FullBackend;
  return { b, sent, answers, cancelled, emit: (...msgs: StreamMsg[]) => msgs.forEach((m) => channel!(m)) };
}

function mountChat(f: ReturnType<typeof fakeBackend>, toolSettings: string[] = []) {
  const root = document.createElement("div");
  document.body.append(root);
  let chat!: ReturnType<typeof createChat>;
  dispose = render(() => {
    const [models] = createResource(async () => [{ id: "a/m", provider: "a", contextLength: null, inputPerM: null, outputPerM: null }]);
    chat = createChat(f.b, { models, onListChanged: () => {} });
    return <Chat chat={chat} backend={f.b} models={models()} visible onSettings={() => {}} onToolSettings={() => toolSettings.push("tools")} title="T" />;
  }, root);
  return { root, chat: () => chat };
}

async function say(root: HTMLElement, words: string) {
  await until(() => root.querySelector(".model-id")?.textContent === "a/m", "the model");
  const box = root.querySelector<HTMLTextAreaElement>(".composer textarea")!;
  box.value = words;
  box.dispatchEvent(new Event("input", { bubbles: true }));
  box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
}

const block = (root: ParentNode, name: string) => root.querySelector<HTMLElement>(`.tool-block[data-tool-name="${name}"]`);
const testid = (root: ParentNode, id: string) => root.querySelector<HTMLElement>(`[data-testid="${id}"]`);

describe("tool calls in a live answer", () => {
  it("a call shows its tool and arguments with a spinner; its question's Allow once answers the turn it came in; the result fills it", async () => {
    const f = fakeBackend();
    const { root } = mountChat(f);
    await say(root, "What is in notes.txt?");
    await until(() => f.sent.length === 1, "the send");
    expect(f.sent[0].tools).toBeNull();
    f.emit(render1("<p>Let me look.</p>"), call("call_1", "fs__read_file", '{"path":"notes.txt","lines":[1,2]}'));
    await until(() => block(root, "fs__read_file") !== null, "the block");
    const b = block(root, "fs__read_file")!;
    expect(b.closest(".message.assistant.live")).not.toBeNull();
    expect(b.querySelector(".tool-name")!.textContent).toBe("read_file");
    expect(b.querySelector(".tool-server")!.textContent).toBe("fs");
    expect(b.querySelector(".tool-args")!.textContent).toBe('{\n  "path": "notes.txt",\n  "lines": [\n    1,\n    2\n  ]\n}');
    expect(b.querySelector(".tool-state .spin")).not.toBeNull();
    expect(b.querySelector<HTMLDetailsElement>("details")!.open).toBe(true);
    // Between the reasoning and the text.
    expect(b.closest(".answer-tools")!.nextElementSibling!.classList.contains("blocks")).toBe(true);

    f.emit(ask(31, "call_1", "fs__read_file", '{"path":"notes.txt","lines":[1,2]}'));
    await until(() => testid(b, "tool-allow-once") !== null, "the question");
    expect(b.querySelector(".tool-ask")!.textContent).toContain("Allow read_file from fs to run?");
    expect(b.querySelector(".tool-description")!.textContent).toBe("Reads a file");
    expect(["tool-allow-tool", "tool-allow-server", "tool-deny", "tool-never"].map((id) => testid(b, id)?.textContent))
      .toEqual(["Always allow this tool", "Always allow this server", "Deny", "Never"]);
    expect(b.dataset.state).toBe("waiting");
    expect(b.querySelector(".tool-state .spin")).toBeNull();
    expect(root.querySelector(".chat [role=status][aria-live=polite]")!.textContent).toContain("read_file from fs waits for your answer");

    testid(b, "tool-allow-once")!.click();
    await until(() => f.answers.length === 1, "the answer");
    expect(f.answers[0]).toEqual([31, "call_1", "once"]);
    expect(b.querySelector(".tool-ask")).toBeNull();
    expect(b.querySelector(".tool-state")!.textContent).toBe("Allowed");

    f.emit(result("call_1", "fs__read_file", [text("line one\nline two")], { decision: "once", ms: 12 }), render1("<p>It says hello.</p>"));
    await until(() => b.querySelector(".tool-result") !== null, "the result");
    expect(b.querySelector(".tool-result")!.textContent).toBe("line one\nline two");
    expect(b.querySelector(".tool-result")!.classList.contains("tool-error")).toBe(false);
    expect(b.querySelector(".tool-state")!.textContent).toBe("allowed once · 12 ms");
    expect(b.dataset.state).toBe("done");
  });

  it("leaving an answer whose call waits for the person stops its turn; leaving one that does not, does not", async () => {
    const f = fakeBackend();
    const { root, chat } = mountChat(f);
    await say(root, "Use it");
    await until(() => f.sent.length === 1, "the send");
    f.emit(call("c1", "fs__read", "{}"));
    await until(() => block(root, "fs__read") !== null, "the call");
    chat().open(null);
    await until(() => chat().live() === null, "left");
    // No question waited: the answer goes on in the background.
    expect(f.cancelled).toEqual([]);
    await say(root, "Again");
    await until(() => f.sent.length === 2, "the second send");
    f.emit(call("c2", "fs__read", "{}"), ask(7, "c2", "fs__read", "{}"));
    await until(() => testid(root, "tool-allow-once") !== null, "the question");
    chat().open(null);
    await until(() => f.cancelled.length === 1, "the waiting turn stopped");
    expect(f.cancelled).toEqual([7]);
  });

  it("Deny says so until the result, which is an error in red; arguments that are not JSON are shown as written", async () => {
    const f = fakeBackend();
    const { root } = mountChat(f);
    await say(root, "Delete it");
    await until(() => f.sent.length === 1, "the send");
    f.emit(call("c9", "fs__delete", "{\"path\": \"a.txt\""), ask(8, "c9", "fs__delete", "{\"path\": \"a.txt\""));
    await until(() => testid(root, "tool-deny") !== null, "the question");
    const b = block(root, "fs__delete")!;
    expect(b.querySelector(".tool-args")!.textContent).toBe("{\"path\": \"a.txt\"");
    expect(b.querySelector(".tool-label")!.textContent).toContain("not valid JSON");
    testid(b, "tool-deny")!.click();
    await until(() => f.answers.length === 1, "the answer");
    expect(f.answers[0]).toEqual([8, "c9", "deny"]);
    expect(b.querySelector(".tool-state")!.textContent).toBe("Denied");
    f.emit(result("c9", "fs__delete", [text("The person denied this call.")], { error: true, decision: "denied" }));
    await until(() => b.querySelector(".tool-result") !== null, "the result");
    const r = b.querySelector(".tool-result")!;
    expect(r.classList.contains("tool-error")).toBe(true);
    expect(r.getAttribute("role")).toBe("alert");
    expect(r.getAttribute("aria-label")).toBe("Error from delete");
    expect(r.textContent).toBe("The person denied this call.");
    expect(b.querySelector(".tool-state")!.textContent).toBe("failed · denied");
    expect(b.dataset.state).toBe("failed");
  });

  it("a tool's failure is red; Never and the always-answers are sent as asked; a call left without a result when the answer ends was not run", async () => {
    const f = fakeBackend();
    const { root } = mountChat(f);
    await say(root, "Go");
    await until(() => f.sent.length === 1, "the send");
    f.emit(call("a", "web__fetch", "{}"), ask(3, "a", "web__fetch", "{}"), call("b", "web__search", "{}"), ask(3, "b", "web__search", "{}"));
    await until(() => root.querySelectorAll("[data-testid=tool-never]").length === 2, "two questions");
    testid(block(root, "web__fetch")!, "tool-never")!.click();
    testid(block(root, "web__search")!, "tool-allow-server")!.click();
    await until(() => f.answers.length === 2, "both answers");
    expect(f.answers).toEqual([[3, "a", "never_tool"], [3, "b", "always_server"]]);
    f.emit(result("a", "web__fetch", [text("HTTP 500 from example.com")], { error: true, decision: "never" }));
    await until(() => block(root, "web__fetch")!.querySelector(".tool-error") !== null, "the error");
    expect(block(root, "web__fetch")!.querySelector(".tool-error")!.textContent).toBe("HTTP 500 from example.com");
    f.emit({ kind: "cancelled", messageId: 3 });
    await until(() => block(root, "web__search")!.dataset.state === "not run", "not run");
    expect(block(root, "web__search")!.querySelector(".tool-state")!.textContent).toBe("not run");
  });

  it("what tools and models write is shown as text, never as HTML", async () => {
    const f = fakeBackend();
    const { root } = mountChat(f);
    await say(root, "Go");
    await until(() => f.sent.length === 1, "the send");
    f.emit(
      call("x", `evil__${XSS}`, XSS),
      ask(4, "x", `evil__${XSS}`, XSS, XSS),
      result("x", `evil__${XSS}`, [text(XSS), { type: "image", media_type: "image/svg+xml", data: "PHN2Zz4=" }, { type: "image", media_type: "image/png", data: "iVBORw0KGgo=" }]),
    );
    await until(() => root.querySelector(".tool-result") !== null, "the result");
    const b = root.querySelector<HTMLElement>(".tool-block")!;
    expect(b.querySelector(".tool-name")!.textContent).toBe(XSS);
    expect(b.querySelector(".tool-args")!.textContent).toBe(XSS);
    expect(b.querySelector(".tool-result")!.textContent).toContain(XSS);
    expect(b.querySelector(".tool-result")!.textContent).toContain("[image: image/svg+xml]");
    // The only picture is the PNG, from a data: URL.
    const imgs = [...b.querySelectorAll("img")];
    expect(imgs.map((i) => i.getAttribute("src"))).toEqual(["data:image/png;base64,iVBORw0KGgo="]);
    expect(document.querySelectorAll("img[onerror], img[src=x]").length).toBe(0);
  });
});

describe("tool calls of a reopened answer", () => {
  const parts: StoredPart[] = [
    { type: "tool_call", id: "t1", name: "fs__list", arguments: '{"dir":"."}', at: 0 },
    { type: "tool_call", id: "t2", name: "fs__read", arguments: '{"path":"a"}', at: 0 },
    { type: "tool_result", id: "t2", name: "fs__read", content: [{ type: "text", text: "contents of a" }], is_error: false, decision: "always", ms: 4 },
    { type: "tool_result", id: "t1", name: "fs__list", content: [{ type: "text", text: "no such directory" }], is_error: true, decision: "once", ms: 9 },
  ];
  const messages: MessageView[] = [
    { id: 1, parentId: null, role: "user", text: "Look", html: "", reasoningHtml: "", model: null, status: "complete", error: null, createdAt: 1, figures: null, column: null, parts: [] },
    { id: 2, parentId: 1, role: "assistant", text: "Done.", html: "<p>Done.</p>", reasoningHtml: "", model: "a/m", status: "complete", error: null, createdAt: 2, figures: null, column: null, parts },
  ];

  it("are folded blocks in call order, each with its own result, before the text", async () => {
    const f = fakeBackend({ messages });
    const { root, chat } = mountChat(f);
    chat().open(5);
    await until(() => root.querySelectorAll(".tool-block").length === 2, "the blocks");
    const blocks = [...root.querySelectorAll<HTMLElement>(".message[data-id='2'] .tool-block")];
    expect(blocks.map((b) => b.dataset.toolName)).toEqual(["fs__list", "fs__read"]);
    expect(blocks.map((b) => b.querySelector<HTMLDetailsElement>("details")!.open)).toEqual([false, false]);
    expect(blocks[0].querySelector(".tool-result")!.textContent).toBe("no such directory");
    expect(blocks[0].querySelector(".tool-result")!.classList.contains("tool-error")).toBe(true);
    expect(blocks[0].querySelector(".tool-result")!.getAttribute("role")).toBe("note");
    expect(blocks[1].querySelector(".tool-result")!.textContent).toBe("contents of a");
    expect(blocks[1].querySelector(".tool-state")!.textContent).toBe("always allowed · 4 ms");
    expect(blocks.map((b) => b.querySelector("[data-testid=tool-allow-once]"))).toEqual([null, null]);
    const answer = root.querySelector(".message[data-id='2']")!;
    expect(answer.querySelector(".tool-calls")!.nextElementSibling!.classList.contains("markdown")).toBe(true);
  });

  it("pair results with calls by id, in call order", () => {
    const runs = runsOf(parts);
    expect(runs.map((r) => [r.call.id, r.result?.content[0]])).toEqual([
      ["t1", { type: "text", text: "no such directory" }], ["t2", { type: "text", text: "contents of a" }],
    ]);
  });
});

describe("the pieces", () => {
  it("arguments, names, pictures", () => {
    expect(shownArguments("")).toEqual({ text: "{}", json: true });
    expect(shownArguments('{"a":1}')).toEqual({ text: '{\n  "a": 1\n}', json: true });
    expect(shownArguments("{oops")).toEqual({ text: "{oops", json: false });
    expect(splitName("fs__read__file")).toEqual({ server: "fs", tool: "read__file" });
    expect(splitName("plain")).toEqual({ server: null, tool: "plain" });
    expect(pictureOf({ type: "image", media_type: "image/jpeg", data: "/9j/4A==" })).toBe("data:image/jpeg;base64,/9j/4A==");
    expect(pictureOf({ type: "image", media_type: "text/html", data: "PGI+" })).toBeNull();
    expect(pictureOf({ type: "image", media_type: "image/png", data: "x\" onerror=\"alert(1)" })).toBeNull();
  });

  it("a question or a result for a call not seen yet adds it; a result clears the question", () => {
    const runs: ToolRun[] = [];
    applyTool(runs, ask(1, "q", "s__t", "{}"));
    expect(runs.map((r) => [r.call.id, r.ask?.turn])).toEqual([["q", 1]]);
    applyTool(runs, result("q", "s__t", []));
    expect(runs[0].ask).toBeNull();
    applyTool(runs, result("z", "s__u", []));
    expect(runs.map((r) => r.call.id)).toEqual(["q", "z"]);
    expect(applyTool(runs, render1(""))).toBe(false);
  });

  it("an id that comes again in a later step is a new call: its question shows its own arguments", () => {
    const runs: ToolRun[] = [];
    applyTool(runs, call("rt_call_0", "fs__write", '{"path":"/tmp/a"}'));
    applyTool(runs, result("rt_call_0", "fs__write", [text("ok")]));
    applyTool(runs, call("rt_call_0", "fs__write", '{"path":"~/.bashrc"}'));
    applyTool(runs, ask(4, "rt_call_0", "fs__write", '{"path":"~/.bashrc"}'));
    expect(runs.length).toBe(2);
    expect(runs[0].result?.content).toEqual([text("ok")]);
    expect(runs[0].ask).toBeNull();
    expect(runs[1].ask?.turn).toBe(4);
    expect(runs[1].call.arguments).toBe('{"path":"~/.bashrc"}');
    applyTool(runs, result("rt_call_0", "fs__write", [text("refused")], { error: true, decision: "denied" }));
    expect(runs[0].result?.content).toEqual([text("ok")]);
    expect(runs[1].result?.is_error).toBe(true);
  });
});

describe("the tools menu", () => {
  const servers = [server("fs"), server("web", true, 1), server("off", false)];

  it("lists the servers that are on; the pick goes with the send and is remembered for the conversation and for a new chat", async () => {
    const f = fakeBackend({ servers });
    const { root, chat } = mountChat(f);
    const button = testid(root, "tools-menu")!;
    expect(button.getAttribute("aria-label")).toBe("Tools: none");
    expect(button.getAttribute("aria-expanded")).toBe("false");
    button.click();
    await until(() => testid(root, "tools-server-fs") !== null, "the servers");
    expect(button.getAttribute("aria-expanded")).toBe("true");
    expect(testid(root, "tools-server-off")).toBeNull();
    expect([...root.querySelectorAll(".tools-server")].map((l) => l.textContent)).toEqual(["fs2 tools", "web1 tool"]);
    expect(document.activeElement).toBe(testid(root, "tools-server-fs"));
    testid(root, "tools-server-fs")!.click();
    expect(button.getAttribute("aria-label")).toBe("Tools: fs");
    // Escape closes it, back on its button (and does not stop anything).
    testid(root, "tools-server-fs")!.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await tick();
    expect(root.querySelector(".tools-panel")).toBeNull();
    expect(document.activeElement).toBe(button);

    await say(root, "Read it");
    await until(() => f.sent.length === 1, "the send");
    expect(f.sent[0].tools).toEqual(["fs"]);
    await until(() => chat().current() === 5, "the new conversation");
    expect(JSON.parse(localStorage.getItem("roundtable.toolsByConversation")!)).toEqual({ 5: ["fs"] });

    // Another conversation has its own pick (none remembered: none); a new chat starts with the last.
    chat().open(6);
    await until(() => button.getAttribute("aria-label") === "Tools: none", "conversation 6's pick");
    chat().open(null);
    await until(() => button.getAttribute("aria-label") === "Tools: fs", "the last pick");
    chat().open(5);
    await until(() => button.getAttribute("aria-label") === "Tools: fs", "conversation 5's pick");
  });

  it("a picked server that was turned off since is not sent", async () => {
    localStorage.setItem("roundtable.toolsLast", JSON.stringify(["off", "web"]));
    const f = fakeBackend({ servers });
    const { root } = mountChat(f);
    await say(root, "Go");
    await until(() => f.sent.length === 1, "the send");
    expect(f.sent[0].tools).toEqual(["web"]);
  });

  it("with no server set up it says so and opens Settings → Tools", async () => {
    const f = fakeBackend({ servers: [] });
    const opened: string[] = [];
    const { root } = mountChat(f, opened);
    testid(root, "tools-menu")!.click();
    await until(() => root.querySelector(".tools-none") !== null, "the note");
    expect(root.querySelector(".tools-none")!.textContent).toContain("No MCP server is set up.");
    root.querySelector<HTMLButtonElement>(".tools-settings")!.click();
    expect(opened).toEqual(["tools"]);
    expect(root.querySelector(".tools-panel")).toBeNull();
  });
});

describe("tool calls in a compare", () => {
  it("the pick goes to compare; each column shows its own calls and answers its own questions in its own turn", async () => {
    localStorage.setItem("roundtable.toolsLast", JSON.stringify(["fs"]));
    const specs: { spec: CompareSpec; tools: string[] | null }[] = [];
    const answers: [number, string, Approval][] = [];
    let emit: ((m: ColumnMsg) => void) | null = null;
    const backend = {
      compare: async (spec: CompareSpec, tools: string[] | null, onMsg: (m: ColumnMsg) => void) => {
        specs.push({ spec, tools });
        emit = onMsg;
        return { conversationId: 9, turns: [100, 101], userMessageIds: [10, 11] };
      },
      cancel: async () => true,
      settings: async () => ({ configPath: "", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [] }),
      mcpServers: async () => [server("fs")],
      toolAnswer: async (turn: number, id: string, approval: Approval) => { answers.push([turn, id, approval]); return true; },
    } as unknown as FullBackend;
    const models = ["x/one", "x/two"].map((id) => ({ id, provider: "x", contextLength: null, inputPerM: null, outputPerM: null }));
    const root = document.createElement("div");
    document.body.append(root);
    dispose = render(() => <Compare backend={backend} models={models} onContinue={() => {}} />, root);
    for (const i of [0, 1]) {
      const slot = root.querySelectorAll<HTMLSelectElement>(".slot")[i];
      slot.value = models[i].id;
      slot.dispatchEvent(new Event("change", { bubbles: true }));
    }
    expect(testid(root, "tools-menu")!.getAttribute("aria-label")).toBe("Tools: fs");
    const box = root.querySelector<HTMLTextAreaElement>(".compare-input")!;
    box.value = "Read a";
    box.dispatchEvent(new Event("input", { bubbles: true }));
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await until(() => specs.length === 1, "the compare");
    expect(specs[0].tools).toEqual(["fs"]);
    emit!({ column: 0, msg: call("same", "fs__read", '{"path":"a"}') });
    emit!({ column: 1, msg: call("same", "fs__read", '{"path":"b"}') });
    emit!({ column: 1, msg: ask(101, "same", "fs__read", '{"path":"b"}') });
    await until(() => root.querySelectorAll(".tool-block").length === 2, "a block per column");
    const col = (i: number) => root.querySelector<HTMLElement>(`.column[data-column='${i}']`)!;
    expect(col(0).querySelector(".tool-args")!.textContent).toContain('"a"');
    expect(col(1).querySelector(".tool-args")!.textContent).toContain('"b"');
    expect(testid(col(0), "tool-allow-once")).toBeNull();
    testid(col(1), "tool-allow-tool")!.click();
    await until(() => answers.length === 1, "the answer");
    expect(answers[0]).toEqual([101, "same", "always_tool"]);
    expect(testid(col(1), "tool-allow-tool")).toBeNull();
    emit!({ column: 1, msg: result("same", "fs__read", [text("b's text")], { decision: "always", ms: 2 }) });
    await until(() => col(1).querySelector(".tool-result") !== null, "column B's result");
    expect(col(1).querySelector(".tool-result")!.textContent).toBe("b's text");
    expect(col(0).querySelector(".tool-result")).toBeNull();
  });
});

describe("tool calls' accessibility", () => {
  it("has no serious or critical axe violations: a question, a result, an error, the open menu", async () => {
    const axe = (await import("axe-core")).default;
    const check = async (what: string) => {
      const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
      const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`), what).toEqual([]);
    };
    const f = fakeBackend({ servers: [server("fs")] });
    const { root } = mountChat(f);
    await say(root, "Go");
    await until(() => f.sent.length === 1, "the send");
    f.emit(call("a", "fs__read", "{}"), ask(1, "a", "fs__read", "{}"), call("b", "fs__list", "{}"),
      result("b", "fs__list", [text("nope")], { error: true, decision: "once", ms: 1 }));
    await until(() => testid(root, "tool-allow-once") !== null && root.querySelector(".tool-error") !== null, "the blocks");
    await check("a question and an error");
    testid(root, "tools-menu")!.click();
    await until(() => testid(root, "tools-server-fs") !== null, "the menu");
    await check("the open menu");
  });
});
