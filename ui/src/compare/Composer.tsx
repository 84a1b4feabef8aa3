// The compare's composer (the chat's look: it grows with its text, its attachments above the text,
// the tools menu beside the attach button; Enter sends to every column, Stop ends every column;
// the cost of sending under it)
// and the note of what last went wrong: a typed error as the error card
// (its "Send anyway" shows for a spent budget only), a plain sentence as a notice; both dismissable.

import { type JSX, Show } from "solid-js";
import type { Pictures } from "../attachments/pictures";
import type { Attachments } from "../attachments/store";
import { AttachButton, onPasteFiles, Tray } from "../attachments/Tray";
import { ErrorCard } from "../chat/ErrorCard";
import { fit, IconButton } from "../design/controls";
import { ArrowUp, CircleAlert, Square, X } from "../design/icons";
import type { ToolChoice } from "../tools/choice";
import { ToolsMenu } from "../tools/ToolsMenu";
import type { ErrorView } from "../types";

/** Why the last action failed: a typed error (as the error card) or a plain sentence. */
export interface Problem { text: string; error: ErrorView | null }

export function ProblemNote(props: { problem: Problem; onDismiss: () => void; onSendAnyway: () => void; onBudgets?: () => void }) {
  return (
    <div class="problem" classList={{ "problem-card": !!props.problem.error }}>
      <Show when={props.problem.error} fallback={
        <div class="notice" role="alert"><CircleAlert size={16} aria-hidden="true" /><span class="notice-text">{props.problem.text}</span></div>
      }>{(err) => (
        <ErrorCard error={err()} onSendAnyway={props.onSendAnyway} onBudgets={props.onBudgets} />
      )}</Show>
      <IconButton icon={X} label="Dismiss" size="sm" class="dismiss" tipSide="left" onClick={() => props.onDismiss()} />
    </div>
  );
}

export function Composer(props: {
  draft: string; setDraft: (text: string) => void; files: Attachments; pictures: Pictures; busy: boolean; note: string; placeholder: string;
  onSend: () => void; onStopAll: () => void; ref: (el: HTMLTextAreaElement) => void;
  tools: ToolChoice; onToolSettings?: () => void;
  /** Why sending is refused before asking (a prompt over a context window), if it is. */
  blocked?: string | null;
  /** The cost of sending, under the box. */
  cost?: JSX.Element;
}) {
  const reading = () => props.files.reading() > 0;
  return (
    <form class="composer compare-composer" onSubmit={(e) => { e.preventDefault(); props.onSend(); }}>
      <div class="composer-box">
        <Tray files={props.files} pictures={props.pictures} />
        <textarea ref={props.ref} rows={1} class="compare-input" value={props.draft} aria-label="Message to every column"
          placeholder={props.placeholder} onPaste={onPasteFiles(props.files)}
          onInput={(e) => { props.setDraft(e.currentTarget.value); fit(e.currentTarget, 8); }}
          onKeyDown={(e) => { if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); props.onSend(); } }} />
        <div class="composer-bar">
          <AttachButton files={props.files} />
          <ToolsMenu choice={props.tools} onSettings={props.onToolSettings} />
          <span class="composer-note">{props.note}</span>
          <span class="composer-spacer" />
          <Show when={props.busy} fallback={
            <IconButton type="submit" icon={ArrowUp} tipSide="left" variant="primary" class="send"
              label={reading() ? "Send (waiting for the files to be read)" : props.blocked ? `Send — not now: ${props.blocked}` : "Send to every column"}
              shortcut={reading() || props.blocked ? undefined : "Enter"}
              disabled={reading() || !!props.blocked || (!props.draft.trim() && !props.files.ready().length)} />
          }>
            <IconButton icon={Square} label="Stop every column" variant="primary" class="stop-all" tipSide="left" onClick={() => props.onStopAll()} />
          </Show>
        </div>
      </div>
      {props.cost}
    </form>
  );
}
