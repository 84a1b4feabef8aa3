// The small components every view is built from: buttons, fields, switch, checkbox, badge, card,
// empty state, skeleton. Each passes through the native attributes it is not given a meaning for
// (so `class`, `aria-*` and `data-*` work as on the element), and each is labelled: an icon
// button needs its `label`, which is its accessible name and its tooltip.

import { createSignal, createUniqueId, For, type JSX, Show, splitProps } from "solid-js";
import { ChevronDown, Eye, EyeOff, type Icon } from "./icons";

type ButtonAttrs = JSX.ButtonHTMLAttributes<HTMLButtonElement>;

export type Variant = "primary" | "secondary" | "ghost" | "danger";

const classes = (...parts: (string | false | null | undefined)[]) => parts.filter(Boolean).join(" ");

/** A text button, optionally with a leading icon. */
export function Button(props: ButtonAttrs & { variant?: Variant; size?: "sm" | "md"; icon?: Icon }) {
  const [own, rest] = splitProps(props, ["variant", "size", "icon", "class", "children"]);
  return (
    <button type="button" {...rest}
      class={classes("btn", `btn-${own.variant ?? "secondary"}`, own.size === "sm" && "btn-sm", own.class)}>
      <Show when={own.icon}>{(I) => { const C = I(); return <C size={own.size === "sm" ? 14 : 16} aria-hidden="true" />; }}</Show>
      {own.children}
    </button>
  );
}

/** An icon-only button: `label` is its accessible name and its tooltip (and `shortcut` shown with it). */
export function IconButton(props: ButtonAttrs & {
  icon: Icon; label: string; shortcut?: string; size?: "sm" | "md"; variant?: "ghost" | "primary" | "danger";
  tipSide?: "top" | "bottom" | "left" | "right";
}) {
  const [own, rest] = splitProps(props, ["icon", "label", "shortcut", "size", "variant", "class", "tipSide"]);
  const C = own.icon;
  return (
    <button type="button" aria-label={own.label} {...rest}
      data-tip={own.shortcut ? `${own.label} (${own.shortcut})` : own.label} data-tip-side={own.tipSide}
      class={classes("icon-btn", own.size === "sm" && "icon-btn-sm", own.variant && own.variant !== "ghost" && `icon-btn-${own.variant}`, own.class)}>
      <C size={own.size === "sm" ? 14 : 16} aria-hidden="true" />
    </button>
  );
}

interface FieldOwn { label: string; hint?: string; error?: string | null; hideLabel?: boolean; class?: string }

function Field(props: FieldOwn & { id: string; children: JSX.Element }) {
  return (
    <div class={classes("field", props.class)}>
      <label class={classes("field-label", props.hideLabel && "visually-hidden")} for={props.id}>{props.label}</label>
      {props.children}
      <Show when={props.hint}><span class="field-hint" id={`${props.id}-hint`}>{props.hint}</span></Show>
      <Show when={props.error}><span class="field-error" id={`${props.id}-error`} role="alert">{props.error}</span></Show>
    </div>
  );
}

/**
 * A labelled one-line input. With `secret`, the text is masked and an eye button shows it while
 * typing (it is never filled from anything the app already has: a saved key is not in the page).
 */
export function TextField(props: JSX.InputHTMLAttributes<HTMLInputElement> & FieldOwn & {
  secret?: boolean; inputClass?: string; ref?: (el: HTMLInputElement) => void;
}) {
  const [own, rest] = splitProps(props, ["label", "hint", "error", "hideLabel", "class", "secret", "inputClass", "id", "ref"]);
  const id = own.id ?? createUniqueId();
  let input!: HTMLInputElement;
  const described = () => [own.hint && `${id}-hint`, own.error && `${id}-error`].filter(Boolean).join(" ") || undefined;
  const el = (
    <input id={id} class={classes("input", own.inputClass)} aria-invalid={own.error ? "true" : undefined}
      aria-describedby={described()} {...rest} type={own.secret ? "password" : (rest.type ?? "text")}
      ref={(e) => { input = e; own.ref?.(e); }} />
  );
  return (
    <Field label={own.label} hint={own.hint} error={own.error} hideLabel={own.hideLabel} class={own.class} id={id}>
      <Show when={own.secret} fallback={el}>
        <div class="input-wrap">
          {el}
          <Reveal onChange={(shown) => { input.type = shown ? "text" : "password"; }} />
        </div>
      </Show>
    </Field>
  );
}

function Reveal(props: { onChange: (shown: boolean) => void }) {
  const [shown, setShown] = createSignal(false);
  return (
    <button type="button" class="icon-btn icon-btn-sm reveal" aria-pressed={shown()}
      aria-label={shown() ? "Hide the text" : "Show the text"} data-tip={shown() ? "Hide" : "Show while typing"}
      onClick={() => { setShown(!shown()); props.onChange(shown()); }}>
      <Show when={shown()} fallback={<Eye size={14} aria-hidden="true" />}><EyeOff size={14} aria-hidden="true" /></Show>
    </button>
  );
}

/** A labelled multi-line input; with `grow`, it grows with its text up to `maxRows`. */
export function TextArea(props: JSX.TextareaHTMLAttributes<HTMLTextAreaElement> & FieldOwn & {
  grow?: boolean; maxRows?: number; inputClass?: string; ref?: (el: HTMLTextAreaElement) => void;
}) {
  const [own, rest] = splitProps(props, ["label", "hint", "error", "hideLabel", "class", "grow", "maxRows", "inputClass", "id", "ref", "onInput"]);
  const id = own.id ?? createUniqueId();
  return (
    <Field label={own.label} hint={own.hint} error={own.error} hideLabel={own.hideLabel} class={own.class} id={id}>
      <textarea id={id} class={classes("textarea", own.inputClass)} {...rest}
        ref={(e) => { own.ref?.(e); if (own.grow) queueMicrotask(() => fit(e, own.maxRows ?? 12)); }}
        onInput={(e) => {
          if (own.grow) fit(e.currentTarget, own.maxRows ?? 12);
          const h = own.onInput;
          if (typeof h === "function") h(e);
        }} />
    </Field>
  );
}

/** Sizes a text area to its text, up to `maxRows` lines (then it scrolls). */
export function fit(el: HTMLTextAreaElement, maxRows: number): void {
  const style = getComputedStyle(el);
  const line = parseFloat(style.lineHeight) || 20;
  const pad = (parseFloat(style.paddingTop) || 0) + (parseFloat(style.paddingBottom) || 0) + 2;
  el.style.height = "auto";
  const want = Math.min(el.scrollHeight, line * maxRows + pad);
  el.style.height = `${Math.max(want, line + pad)}px`;
  el.style.overflowY = el.scrollHeight > want + 1 ? "auto" : "hidden";
}

export interface Option { value: string; label: string }

/** A labelled native select (keyboard and screen readers as the platform does them). */
export function Select(props: JSX.SelectHTMLAttributes<HTMLSelectElement> & FieldOwn & {
  options: Option[]; selectClass?: string;
}) {
  const [own, rest] = splitProps(props, ["label", "hint", "error", "hideLabel", "class", "options", "selectClass", "id"]);
  const id = own.id ?? createUniqueId();
  return (
    <Field label={own.label} hint={own.hint} error={own.error} hideLabel={own.hideLabel} class={own.class} id={id}>
      <div class="select">
        <select id={id} class={own.selectClass} {...rest}>
          <For each={own.options}>{(o) => <option value={o.value}>{o.label}</option>}</For>
        </select>
        <ChevronDown size={14} aria-hidden="true" />
      </div>
    </Field>
  );
}

/** An on/off switch (role="switch"), labelled by its visible text. */
export function Switch(props: { checked: boolean; onChange: (on: boolean) => void; label: string; hideLabel?: boolean; class?: string; disabled?: boolean }) {
  return (
    <button type="button" role="switch" aria-checked={props.checked} class={classes("switch", props.class)} disabled={props.disabled}
      aria-label={props.hideLabel ? props.label : undefined} onClick={() => props.onChange(!props.checked)}>
      <span class="switch-track" aria-hidden="true" />
      <Show when={!props.hideLabel}><span>{props.label}</span></Show>
    </button>
  );
}

/** A native checkbox with its label. */
export function Checkbox(props: JSX.InputHTMLAttributes<HTMLInputElement> & { label: JSX.Element }) {
  const [own, rest] = splitProps(props, ["label", "class"]);
  return <label class={classes("checkbox", own.class)}><input type="checkbox" {...rest} /><span>{own.label}</span></label>;
}

export type Tone = "neutral" | "accent" | "success" | "warn" | "danger";

export function Badge(props: { tone?: Tone; class?: string; children: JSX.Element; title?: string }) {
  return <span class={classes("badge", props.tone && props.tone !== "neutral" && props.tone, props.class)} title={props.title}>{props.children}</span>;
}

/** A status dot; `label` is read by screen readers (the dot itself is decoration). */
export function Dot(props: { tone?: Tone; label: string }) {
  return <span class={classes("dot", props.tone && props.tone !== "neutral" && props.tone)} role="img" aria-label={props.label} />;
}

export function Card(props: JSX.HTMLAttributes<HTMLElement> & { head?: JSX.Element }) {
  const [own, rest] = splitProps(props, ["head", "class", "children"]);
  return (
    <section class={classes("card", own.class)} {...rest}>
      <Show when={own.head}><header class="card-head">{own.head}</header></Show>
      <div class="card-body">{own.children}</div>
    </section>
  );
}

export function EmptyState(props: { icon?: Icon; title: string; children?: JSX.Element; action?: JSX.Element; class?: string }) {
  return (
    <div class={classes("empty", props.class)}>
      <Show when={props.icon}>{(I) => { const C = I(); return <C size={32} aria-hidden="true" />; }}</Show>
      <h2>{props.title}</h2>
      <Show when={props.children}><div>{props.children}</div></Show>
      <Show when={props.action}>{props.action}</Show>
    </div>
  );
}

/** Placeholder lines while something loads (announced once as "Loading"). */
export function Skeleton(props: { lines?: number; label?: string }) {
  return (
    <div role="status" aria-label={props.label ?? "Loading"}>
      <For each={Array.from({ length: props.lines ?? 3 })}>{(_, i) => (
        <span class="skeleton" style={{ width: `${[92, 76, 58, 84][i() % 4]}%` }} />
      )}</For>
    </div>
  );
}
