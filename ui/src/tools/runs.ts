// An answer's tool calls as the UI shows them: each call with its question (while it waits for
// the person), the person's answer and its result — built from a turn's stream messages as they
// come, or from a stored answer's parts. Pure data and words; nothing here touches the DOM, and
// nothing a tool wrote is ever treated as HTML.

import type { Approval, Decision, StoredPart, StreamMsg, ToolCall, ToolContent, ToolResult } from "../types";

/** A call waiting for the person: what `tool_answer` needs, and what the question shows. */
export interface Asked { turn: number; server: string; tool: string; description: string }

/** One tool call of an answer. */
export interface ToolRun {
  call: ToolCall;
  /** The question, while the call waits for the person. */
  ask: Asked | null;
  /** What the person answered (shown until the result arrives). */
  answer: Approval | null;
  result: ToolResult | null;
}

const runOf = (call: ToolCall): ToolRun => ({ call, ask: null, answer: null, result: null });

/**
 * Applies one stream message to an answer's runs, in place (inside a store's `produce`); answers
 * whether it was a tool message. A question or a result for a call not seen yet adds the call.
 */
export function applyTool(runs: ToolRun[], msg: StreamMsg): boolean {
  // The latest call with this id that has no result yet (a finished one is never reused: an id
  // could come again in a later step).
  const find = (id: string) => [...runs].reverse().find((r) => r.call.id === id && !r.result);
  switch (msg.kind) {
    case "toolCall":
      if (!find(msg.call.id)) runs.push(runOf(msg.call));
      return true;
    case "ask": {
      const p = msg.pending;
      let run = find(p.call.id);
      if (!run) runs.push((run = runOf(p.call)));
      // The question shows the call it is about.
      run.call = p.call;
      run.ask = { turn: msg.turn, server: p.server, tool: p.tool, description: p.description };
      run.answer = null;
      return true;
    }
    case "toolResult": {
      const r = msg.result;
      let run = find(r.id);
      if (!run) runs.push((run = runOf({ id: r.id, name: r.name, arguments: "", at: 0 })));
      run.result = r;
      run.ask = null;
      return true;
    }
    default:
      return false;
  }
}

/** A stored answer's calls, each with its result (paired by id, in call order). */
export function runsOf(parts: readonly StoredPart[] | undefined): ToolRun[] {
  const runs: ToolRun[] = [];
  for (const p of parts ?? []) {
    if (p.type === "tool_call") {
      runs.push(runOf({ id: p.id, name: p.name, arguments: p.arguments, at: p.at, signature: p.signature }));
    } else if (p.type === "tool_result") {
      const result: ToolResult = { id: p.id, name: p.name, content: p.content, is_error: p.is_error, decision: p.decision, ms: p.ms };
      const run = runs.find((r) => r.call.id === result.id && !r.result);
      if (run) run.result = result;
      else runs.push({ ...runOf({ id: result.id, name: result.name, arguments: "", at: 0 }), result });
    }
  }
  return runs;
}

/** Marks a waiting call answered, in place; answers the question it cleared (null: none was waiting). */
export function answered(runs: ToolRun[], id: string, approval: Approval): Asked | null {
  const run = runs.find((r) => r.call.id === id && r.ask);
  if (!run?.ask) return null;
  const asked = run.ask;
  run.ask = null;
  run.answer = approval;
  return asked;
}

/** Puts a question back (its answer could not be delivered). */
export function askAgain(runs: ToolRun[], id: string, asked: Asked): void {
  const run = [...runs].reverse().find((r) => r.call.id === id && !r.result);
  if (run && !run.result) { run.ask = asked; run.answer = null; }
}

/** `server__tool` as its server and its own name (a server's name never holds `__`). */
export function splitName(name: string): { server: string | null; tool: string } {
  const at = name.indexOf("__");
  return at > 0 ? { server: name.slice(0, at), tool: name.slice(at + 2) } : { server: null, tool: name };
}

/** The arguments as shown: indented JSON when they parse, else the model's text as it is. */
export function shownArguments(text: string): { text: string; json: boolean } {
  if (!text.trim()) return { text: "{}", json: true };
  try {
    return { text: JSON.stringify(JSON.parse(text), null, 2), json: true };
  } catch {
    return { text, json: false };
  }
}

/** Image types shown as pictures; any other is named as text. */
const PICTURES = new Set(["image/png", "image/jpeg", "image/gif", "image/webp"]);

/** A result's image as a `data:` URL, when it is a picture type with base64 data (else null). */
export function pictureOf(piece: Extract<ToolContent, { type: "image" }>): string | null {
  if (!PICTURES.has(piece.media_type) || !/^[A-Za-z0-9+/]+={0,2}$/.test(piece.data)) return null;
  return `data:${piece.media_type};base64,${piece.data}`;
}

/** A result's text pieces joined (what a copy or a summary uses). */
export const resultText = (r: ToolResult): string =>
  r.content.map((c) => (c.type === "text" ? c.text : `[image ${c.media_type}]`)).join("\n");

const DECISIONS: Record<Decision, string> = {
  once: "allowed once", always: "always allowed", denied: "denied", never: "never allowed", invalid: "invalid call",
};

/** How the call was decided, in words ("" when it was not asked). */
export const decisionWord = (d: Decision | null | undefined): string => (d ? DECISIONS[d] : "");

/** Whether an answer lets the call run. */
export const allows = (a: Approval): boolean => a !== "deny" && a !== "never_tool";

export type RunState = "running" | "waiting" | "allowed" | "denied" | "done" | "failed" | "not run";

/** Where a call is: `live` is whether its answer still streams (a call left without a result then was not run). */
export function runState(run: ToolRun, live: boolean): RunState {
  if (run.result) return run.result.is_error ? "failed" : "done";
  if (run.ask) return "waiting";
  if (!live) return "not run";
  if (run.answer) return allows(run.answer) ? "allowed" : "denied";
  return "running";
}
