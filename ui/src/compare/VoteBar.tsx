// The vote on the current question as one segmented control — "A is better | Tie | B is better |
// All bad" (with three or more columns: each winner, then Tie and All bad). Every segment is a
// button (Tab reaches them; the arrow keys, Home and End move along them). After the vote: the
// verdict, and who each column was.

import { createSignal, createUniqueId, For, Show } from "solid-js";
import { Check } from "../design/icons";
import { ProviderMark } from "../design/ProviderMark";
import type { Verdict } from "../types";
import { column as letterOf } from "./compareLogic";

interface Segment { label: string; class: string; column?: number; verdict: Verdict }

/** The segments in the order shown. */
export function segments(judged: number[]): Segment[] {
  const wins = judged.map((i): Segment => ({ label: `${letterOf(i)} is better`, class: "vote-winner", column: i, verdict: "winner" }));
  const tie: Segment = { label: "Tie", class: "vote-tie", verdict: "tie" };
  const bad: Segment = { label: "All bad", class: "vote-bad", verdict: "bad" };
  return wins.length === 2 ? [wins[0], tie, wins[1], bad] : [...wins, tie, bad];
}

export function VoteBar(props: {
  /** The columns whose answer can win. */
  judged: number[];
  /** The verdict once voted ("B won", "a tie", "all bad"). */
  voted: string | null;
  /** Each column's letter and model, shown after the vote. */
  names: { letter: string; name: string }[];
  onVote: (verdict: Verdict, winner: number | null) => Promise<void>;
}) {
  const [sending, setSending] = createSignal(false);
  const question = createUniqueId();
  let group!: HTMLDivElement;

  const vote = async (s: Segment) => {
    if (sending()) return;
    setSending(true);
    try { await props.onVote(s.verdict, s.column ?? null); } finally { setSending(false); }
  };
  const onKey = (e: KeyboardEvent) => {
    const buttons = [...group.querySelectorAll<HTMLButtonElement>(".seg")];
    const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (i < 0) return;
    const to = e.key === "ArrowRight" ? (i + 1) % buttons.length
      : e.key === "ArrowLeft" ? (i - 1 + buttons.length) % buttons.length
      : e.key === "Home" ? 0 : e.key === "End" ? buttons.length - 1 : -1;
    if (to < 0) return;
    e.preventDefault();
    buttons[to].focus();
  };

  return (
    <div class="vote-bar" classList={{ done: !!props.voted }}>
      <Show when={props.voted} fallback={<>
        <span class="vote-question" id={question}>Which answer is better?</span>
        <div class="segmented" role="group" aria-labelledby={question} ref={group} onKeyDown={onKey}>
          <For each={segments(props.judged)}>{(s) => (
            <button type="button" class={`seg ${s.class}`} data-column={s.column} aria-disabled={sending() || undefined}
              onClick={() => void vote(s)}>{s.label}</button>
          )}</For>
        </div>
      </>}>
        {/* The pressed segment is gone: focus comes here. */}
        <span class="voted" role="status" tabIndex={-1} ref={(el) => queueMicrotask(() => el.focus())}>
          <Check size={16} aria-hidden="true" /> Voted: {props.voted}
        </span>
        <ul class="reveal" aria-label="Who answered in each column">
          <For each={props.names}>{(n) => (
            <li><span class="reveal-letter" aria-hidden="true">{n.letter}</span><span class="visually-hidden">{n.letter}: </span>
              <ProviderMark id={n.name} /><span class="reveal-name">{n.name}</span></li>
          )}</For>
        </ul>
      </Show>
    </div>
  );
}
