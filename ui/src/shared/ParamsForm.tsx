// The form of a system prompt and parameters (`ChatSettings`): system prompt, temperature, top P,
// max tokens, reasoning, stop sequences and seed, each labelled and clearable (empty is the
// provider's default). Input is checked as it is typed, with the engine's ranges: a refused value
// shows its reason under the field and is not passed on (`onChange` only ever gets valid
// settings; `onValidity` says whether what is on screen is). Used by the chat's settings panel,
// the compare columns and Settings → Presets. It keeps no settings of its own: only the text
// being typed.

import { createEffect, createSignal, For, on, onCleanup, Show } from "solid-js";
import { IconButton, TextArea } from "../design/controls";
import { ChevronDown, X } from "../design/icons";
import type { ChatSettings, ReasoningEffort } from "../types";
import { LABELS, MAX_STOP, type NumberField, readNumber, readStop, REASONING, showStop } from "./params";
import "./params.css";

const HINTS: Record<NumberField, string> = {
  temperature: "0 to 2; lower is more focused",
  topP: "Above 0, at most 1",
  maxTokens: "The longest answer, in tokens",
  seed: "Same seed, same answer (where supported)",
};

export function ParamsForm(props: {
  value: ChatSettings;
  onChange: (v: ChatSettings) => void;
  /** Makes the fields' ids unique on the page (several forms may be shown at once). */
  idPrefix: string;
  /** Shows the system prompt's field (shown unless false). */
  showSystem?: boolean;
  /** Whether every field on screen holds a value that can be sent. */
  onValidity?: (ok: boolean) => void;
}) {
  const [bad, setBad] = createSignal<Record<string, boolean>>({});
  const mark = (field: string, isBad: boolean) => {
    if (!!bad()[field] === isBad) return;
    setBad({ ...bad(), [field]: isBad });
    props.onValidity?.(!Object.values(bad()).some(Boolean));
  };
  const put = (patch: Partial<ChatSettings>) => props.onChange({ ...props.value, ...patch });
  // Gone, the form takes its unsent text with it: nothing on screen is invalid any more.
  onCleanup(() => { if (Object.values(bad()).some(Boolean)) props.onValidity?.(true); });

  return (
    <div class="params-form" role="group" aria-label="System prompt and parameters">
      <Show when={props.showSystem !== false}>
        <TextArea id={`${props.idPrefix}-system`} label={LABELS.system} class="params-system" inputClass="params-system-input" rows={3} grow maxRows={10}
          placeholder="None — the model's own default" value={props.value.system ?? ""}
          onInput={(e) => put({ system: e.currentTarget.value || null })} />
      </Show>
      <div class="params-grid">
        <NumberInput field="temperature" prefix={props.idPrefix} value={props.value.temperature} step="0.1"
          onValue={(v) => put({ temperature: v })} onBad={(b) => mark("temperature", b)} />
        <NumberInput field="topP" prefix={props.idPrefix} value={props.value.topP} step="0.05"
          onValue={(v) => put({ topP: v })} onBad={(b) => mark("topP", b)} />
        <NumberInput field="maxTokens" prefix={props.idPrefix} value={props.value.maxTokens} whole
          onValue={(v) => put({ maxTokens: v })} onBad={(b) => mark("maxTokens", b)} />
        <div class="field params-field params-reasoning">
          <label class="field-label" for={`${props.idPrefix}-reasoning`}>{LABELS.reasoning}</label>
          <div class="select">
            {/* Options marked `selected`: a value set before they exist would be lost. */}
            <select id={`${props.idPrefix}-reasoning`} class="params-reasoning-input" aria-describedby={`${props.idPrefix}-reasoning-hint`}
              onChange={(e) => put({ reasoning: (e.currentTarget.value || null) as ReasoningEffort | null })}>
              <option value="" selected={!props.value.reasoning}>Default</option>
              <For each={REASONING}>{(r) => <option value={r} selected={props.value.reasoning === r}>{r[0].toUpperCase() + r.slice(1)}</option>}</For>
            </select>
            <ChevronDown size={14} aria-hidden="true" />
          </div>
          <span class="field-hint" id={`${props.idPrefix}-reasoning-hint`}>For models that think first</span>
        </div>
        <NumberInput field="seed" prefix={props.idPrefix} value={props.value.seed} whole
          onValue={(v) => put({ seed: v })} onBad={(b) => mark("seed", b)} />
      </div>
      <StopInput prefix={props.idPrefix} value={props.value.stop ?? []} onValue={(stop) => put({ stop: stop.length ? stop : null })}
        onBad={(b) => mark("stop", b)} />
    </div>
  );
}

/** A number field: the text as typed, checked; passed on only when valid. */
function NumberInput(props: {
  field: NumberField; prefix: string; value: number | null | undefined; step?: string; whole?: boolean;
  onValue: (v: number | null) => void; onBad: (bad: boolean) => void;
}) {
  const id = `${props.prefix}-${props.field}`;
  const [text, setText] = createSignal(props.value == null ? "" : String(props.value));
  const [error, setError] = createSignal<string | null>(null);
  // A value set from outside (a preset picked, a conversation opened) replaces the text, unless
  // the text already reads as it ("0." while typing "0.5").
  createEffect(on(() => props.value, (v) => {
    const r = readNumber(props.field, text());
    if (r.ok && r.value === (v ?? null)) return;
    setText(v == null ? "" : String(v));
    setError(null);
    props.onBad(false);
  }, { defer: true }));
  const input = (t: string) => {
    setText(t);
    const r = readNumber(props.field, t);
    setError(r.ok ? null : r.error);
    props.onBad(!r.ok);
    if (r.ok && r.value !== (props.value ?? null)) props.onValue(r.value);
  };
  const described = () => [`${id}-hint`, error() && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div class={`field params-field params-${props.field}`}>
      <label class="field-label" for={id}>{LABELS[props.field]}</label>
      <div class="input-wrap">
        <input id={id} class={`input params-${props.field}-input`} type="text" inputMode={props.whole ? "numeric" : "decimal"}
          placeholder="Default" autocomplete="off" spellcheck={false} value={text()} data-step={props.step}
          aria-invalid={error() ? "true" : undefined} aria-describedby={described()}
          onInput={(e) => input(e.currentTarget.value)} />
        <Show when={text()}>
          <IconButton icon={X} size="sm" label={`Clear ${LABELS[props.field].toLowerCase()}`} class="params-clear" tipSide="left"
            onClick={(e) => { input(""); (e.currentTarget.previousElementSibling as HTMLElement | null)?.focus(); }} />
        </Show>
      </div>
      <Show when={error()} fallback={<span class="field-hint" id={`${id}-hint`}>{HINTS[props.field]}</span>}>
        <span class="field-hint visually-hidden" id={`${id}-hint`}>{HINTS[props.field]}</span>
        <span class="field-error" id={`${id}-error`} role="alert">{error()}</span>
      </Show>
    </div>
  );
}

/** Stop sequences as chips: type one and press Enter (`\n` for a newline); each has its remove button. */
function StopInput(props: { prefix: string; value: string[]; onValue: (stop: string[]) => void; onBad: (bad: boolean) => void }) {
  const id = `${props.prefix}-stop`;
  const [text, setText] = createSignal("");
  const [error, setError] = createSignal<string | null>(null);
  const fail = (why: string | null) => { setError(why); props.onBad(!!why && text() !== ""); };
  function add() {
    const t = text();
    if (!t) return;
    if (props.value.length >= MAX_STOP) return fail(`At most ${MAX_STOP} stop sequences`);
    const s = readStop(t);
    if (props.value.includes(s)) return fail("Already in the list");
    setText("");
    fail(null);
    props.onValue([...props.value, s]);
  }
  const full = () => props.value.length >= MAX_STOP;
  return (
    <div class="field params-field params-stop">
      <label class="field-label" for={id}>{LABELS.stop}</label>
      <div class="stop-box" classList={{ invalid: !!error() }}>
        <ul class="stop-list" aria-label="Stop sequences set">
          <For each={props.value}>{(s, i) => (
            <li class="stop-chip">
              <code>{showStop(s)}</code>
              <IconButton icon={X} size="sm" label={`Remove the stop sequence ${showStop(s)}`} class="stop-remove"
                onClick={() => { props.onValue(props.value.filter((_, k) => k !== i())); fail(null); document.getElementById(id)?.focus(); }} />
            </li>
          )}</For>
        </ul>
        <input id={id} class="stop-input" type="text" autocomplete="off" spellcheck={false} value={text()}
          placeholder={full() ? `${MAX_STOP} at most` : props.value.length ? "Add another…" : "Type one, then Enter (\\n is a newline)"}
          aria-invalid={error() ? "true" : undefined} aria-describedby={error() ? `${id}-error` : `${id}-hint`}
          onInput={(e) => { setText(e.currentTarget.value); fail(full() && e.currentTarget.value ? `At most ${MAX_STOP} stop sequences` : null); }}
          onBlur={() => add()}
          onKeyDown={(e) => {
            if (e.key === "Enter") { e.preventDefault(); add(); }
            else if (e.key === "Backspace" && !text() && props.value.length) props.onValue(props.value.slice(0, -1));
          }} />
      </div>
      <Show when={error()} fallback={<span class="field-hint" id={`${id}-hint`}>Up to {MAX_STOP}; the answer ends where one appears</span>}>
        <span class="field-error" id={`${id}-error`} role="alert">{error()}</span>
      </Show>
    </div>
  );
}
