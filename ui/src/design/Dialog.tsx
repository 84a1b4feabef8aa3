// A modal dialog on the native <dialog> element: the browser traps focus inside it, puts it above
// everything, and Escape closes it. Focus goes back to where it was when it closes. Where
// showModal is missing (a test's DOM), it opens as a plain open element.

import { createUniqueId, type JSX, onCleanup, onMount, Show } from "solid-js";
import { IconButton } from "./controls";
import { X } from "./icons";

export function Dialog(props: {
  title: string; onClose: () => void; children: JSX.Element; footer?: JSX.Element; class?: string;
  /** The title is for screen readers only (e.g. the command palette). */
  hideTitle?: boolean;
  /** Where focus goes when it opens (else the first focusable element). */
  initialFocus?: () => HTMLElement | undefined;
  /** The dialog element's `data-testid`. */
  testId?: string;
}) {
  let el!: HTMLDialogElement;
  const back = document.activeElement as HTMLElement | null;
  const titleId = createUniqueId();
  onMount(() => {
    if (typeof el.showModal === "function") {
      try { el.showModal(); } catch { el.setAttribute("open", ""); }
    } else {
      el.setAttribute("open", "");
      el.classList.add("dialog-fallback");
    }
    const first = props.initialFocus?.() ?? el.querySelector<HTMLElement>("input, textarea, select, button:not(.dialog-close), [tabindex='0']");
    first?.focus();
  });
  onCleanup(() => {
    if (el.open && typeof el.close === "function") el.close();
    back?.focus?.();
  });
  return (
    <dialog ref={el} class={`dialog ${props.class ?? ""}`} aria-labelledby={titleId} data-testid={props.testId}
      onCancel={(e) => { e.preventDefault(); props.onClose(); }}
      onKeyDown={(e) => { if (e.key === "Escape") { e.preventDefault(); e.stopPropagation(); props.onClose(); } }}
      onClick={(e) => { if (e.target === el) props.onClose(); }}>
      <Show when={!props.hideTitle} fallback={<h2 id={titleId} class="visually-hidden">{props.title}</h2>}>
        <header class="dialog-head">
          <h2 id={titleId}>{props.title}</h2>
          <IconButton icon={X} label="Close" class="dialog-close" onClick={() => props.onClose()} />
        </header>
      </Show>
      <div class="dialog-body">{props.children}</div>
      <Show when={props.footer}><footer class="dialog-foot">{props.footer}</footer></Show>
    </dialog>
  );
}
