// The cost before sending, kept up to date as the person types: the spec to preview is read
// reactively; each change restarts a short wait (debounce), then one request goes; an answer to
// an older spec than the latest asked is dropped. Typing never waits on it: the last preview
// stays shown (marked stale) until the next arrives.

import { createEffect, createSignal, on, onCleanup, type Accessor } from "solid-js";
import type { Preview } from "../types";
import { describe } from "./problems";

/** How long the spec must stay unchanged before it is previewed. */
export const PREVIEW_DELAY_MS = 250;

export interface PreviewState {
  preview: Accessor<Preview | null>;
  /** Why the last preview failed (an unknown model, say), if it did. */
  error: Accessor<string | null>;
  /** A newer spec than the preview shown waits for its answer. */
  stale: Accessor<boolean>;
}

/** `spec` returns null when there is nothing to preview (no model, nothing typed). */
export function createPreview<S>(spec: Accessor<S | null>, run: (s: S) => Promise<Preview>, delay = PREVIEW_DELAY_MS): PreviewState {
  const [preview, setPreview] = createSignal<Preview | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [stale, setStale] = createSignal(false);
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = "";
  createEffect(on(spec, (s) => {
    // The same spec again (an unrelated signal changed) asks nothing.
    const key = s === null ? "" : JSON.stringify(s);
    if (key === last) return;
    last = key;
    clearTimeout(timer);
    const mine = ++asked;
    if (s === null) {
      setPreview(null);
      setError(null);
      setStale(false);
      return;
    }
    setStale(true);
    timer = setTimeout(async () => {
      try {
        const p = await run(s);
        if (mine !== asked) return;
        setPreview(p);
        setError(null);
      } catch (e) {
        if (mine !== asked) return;
        setPreview(null);
        setError(describe(e));
      }
      setStale(false);
    }, delay);
  }));
  onCleanup(() => { clearTimeout(timer); asked++; });
  return { preview, error, stale };
}

/** Whether any target's prompt is over its context window (sending is refused). */
export const over = (p: Preview | null): boolean => !!p?.columns.some((c) => c.fit === "over");
