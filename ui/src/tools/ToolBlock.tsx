// An answer's tool calls, each a block that folds: the tool and its server, where the call is
// (running, waiting for the person, allowed, denied, its decision and time once done), the
// arguments (indented when they are JSON), the result (its text, small pictures of its images,
// an error in red), and while it waits the person's choices. Everything a tool or a model wrote is
// put in the page as text, never as HTML: tool output is untrusted.

import { createSignal, For, Show, untrack } from "solid-js";
import { Portal } from "solid-js/web";
import { Button } from "../design/controls";
import { ChevronRight, LoaderCircle, Wrench } from "../design/icons";
import type { AnswerView } from "../shared/answer";
import type { Approval, ToolContent, ToolResult } from "../types";
import { decisionWord, pictureOf, runState, type RunState, shownArguments, splitName, type ToolRun } from "./runs";
import "./tools.css";

/** Text longer than this is cut (a button shows the rest): a huge result would stall the page. */
export const SHOWN_CHARS = 20_000;

type OnAnswer = (call: string, approval: Approval) => void;

/** The runs of a live or reopened answer, shown in its view's tool slot (after its reasoning, before its text). */
export function ToolSlot(props: { view: AnswerView; runs: ToolRun[]; live: boolean; onAnswer?: OnAnswer }) {
  return (
    <Show when={props.runs.length}>
      <Portal mount={props.view.tools}>
        <ToolCalls runs={props.runs} live={props.live} onAnswer={props.onAnswer} />
      </Portal>
    </Show>
  );
}

/** The calls in order; blocks made while the answer streams start open, a reopened answer's folded. */
export function ToolCalls(props: { runs: ToolRun[]; live: boolean; onAnswer?: OnAnswer }) {
  return (
    <Show when={props.runs.length}>
      <div class="tool-calls" role="group" aria-label={props.runs.length === 1 ? "Tool call" : `${props.runs.length} tool calls`}>
        <For each={props.runs}>{(run) => <ToolBlock run={run} live={props.live} onAnswer={props.onAnswer} />}</For>
      </div>
    </Show>
  );
}

const STATES: Record<RunState, string> = {
  running: "running…", waiting: "waiting for you", allowed: "Allowed", denied: "Denied", done: "done", failed: "failed", "not run": "not run",
};

/** What the head says of a call: its state, or once it has a result its decision and time. */
function stateLine(run: ToolRun, state: RunState): string {
  const r = run.result;
  if (!r) return STATES[state];
  return [r.is_error ? "failed" : "", decisionWord(r.decision), r.ms != null ? `${r.ms} ms` : ""].filter(Boolean).join(" · ") || STATES[state];
}

export function ToolBlock(props: { run: ToolRun; live: boolean; onAnswer?: OnAnswer }) {
  const name = () => splitName(props.run.call.name);
  const state = () => runState(props.run, props.live);
  const args = () => shownArguments(props.run.call.arguments);
  const open = untrack(() => props.live);
  return (
    <div class="tool-block" data-tool-name={props.run.call.name} data-call-id={props.run.call.id} data-state={state()}>
      <details class="tool-details" open={open}>
        <summary class="tool-head">
          <ChevronRight size={14} aria-hidden="true" class="tool-fold" />
          <Wrench size={14} aria-hidden="true" class="tool-icon" />
          <span class="tool-name">{name().tool}</span>
          <Show when={name().server}>{(s) => <span class="tool-server">{s()}</span>}</Show>
          <span class="tool-state">
            <Show when={state() === "running"}><LoaderCircle size={14} aria-hidden="true" class="spin" /></Show>
            {stateLine(props.run, state())}
          </span>
        </summary>
        <div class="tool-body">
          <div class="tool-label">Arguments<Show when={!args().json}> <span class="tool-note">(not valid JSON, as the model wrote them)</span></Show></div>
          <pre class="tool-args" tabIndex={0}>{args().text}</pre>
          <Show when={props.run.result}>{(r) => <Result result={r()} live={props.live} tool={name().tool} />}</Show>
        </div>
      </details>
      <Show when={props.run.ask}>{(a) => (
        <div class="tool-ask" role="group" aria-label={`Allow ${a().tool} from ${a().server}?`}>
          <p class="tool-question">Allow <strong>{a().tool}</strong> from <strong>{a().server}</strong> to run?</p>
          <Show when={a().description}><p class="tool-description">{a().description}</p></Show>
          <div class="tool-ask-actions">
            <Button size="sm" variant="primary" data-testid="tool-allow-once" onClick={() => props.onAnswer?.(props.run.call.id, "once")}>Allow once</Button>
            <Button size="sm" data-testid="tool-allow-tool" onClick={() => props.onAnswer?.(props.run.call.id, "always_tool")}>Always allow this tool</Button>
            <Button size="sm" data-testid="tool-allow-server" onClick={() => props.onAnswer?.(props.run.call.id, "always_server")}>Always allow this server</Button>
            <Button size="sm" variant="danger" data-testid="tool-deny" onClick={() => props.onAnswer?.(props.run.call.id, "deny")}>Deny</Button>
            <Button size="sm" variant="ghost" data-testid="tool-never" aria-label="Never allow this tool"
              onClick={() => props.onAnswer?.(props.run.call.id, "never_tool")}>Never</Button>
          </div>
        </div>
      )}</Show>
    </div>
  );
}

/** A result: each piece in order. An error is red, and said at once while the answer streams. */
function Result(props: { result: ToolResult; live: boolean; tool: string }) {
  const error = () => props.result.is_error;
  return (
    <>
      <div class="tool-label" classList={{ "error-label": error() }}>{error() ? "Error" : "Result"}</div>
      <div class="tool-result" classList={{ "tool-error": error() }} role={error() ? (props.live ? "alert" : "note") : undefined}
        aria-label={error() ? `Error from ${props.tool}` : undefined}>
        <For each={props.result.content} fallback={<p class="tool-empty">(nothing)</p>}>{(piece) => <Piece piece={piece} tool={props.tool} />}</For>
      </div>
    </>
  );
}

function Piece(props: { piece: ToolContent; tool: string }) {
  const p = props.piece;
  if (p.type === "text") return <LongText text={p.text} />;
  const src = pictureOf(p);
  return (
    <Show when={src} fallback={<p class="tool-image-missing">[image: {p.media_type}]</p>}>
      {(s) => <img class="tool-image" src={s()} alt={`Image from ${props.tool}`} draggable={false} />}
    </Show>
  );
}

/** Text in a scrolling box; past SHOWN_CHARS it is cut, and a button shows the rest. */
function LongText(props: { text: string }) {
  const [all, setAll] = createSignal(false);
  const cut = () => !all() && props.text.length > SHOWN_CHARS;
  return (
    <>
      <pre class="tool-text" tabIndex={0}>{cut() ? props.text.slice(0, SHOWN_CHARS) : props.text}</pre>
      <Show when={cut()}>
        <Button size="sm" variant="ghost" class="tool-more" onClick={() => setAll(true)}>
          Show all ({(props.text.length - SHOWN_CHARS).toLocaleString("en")} more characters)
        </Button>
      </Show>
    </>
  );
}
