// The cost before sending, kept up to date as the person types: the spec to preview is read
// reactively; each change restarts a short wait (debounce), then one request goes; an answer to
// an older spec than the latest asked is dropped. Typing never waits on it: the last preview
// stays shown (marked stale) until the next arrives. A send that would be held by the preview
// waits for it to be current first (`settled`), so a stale one neither holds nor lets through.

import { createEffect, createSignal, on, onCleanup, type Accessor } from "solid-js";
import type { Preview } from "../types";
import { describe } from "./problems";

/** How long the spec must stay unchanged before it is previewed. */
export const PREVIEW_DELAY_MS = 250;

/** How long a send waits for a stale preview to be current before it goes without it. */
export const SETTLE_MS = 1000;

export interface PreviewState {
  preview: Accessor<Preview | null>;
  /** Why the last preview failed (an unknown model, say), if it did. */
  error: Accessor<string | null>;
  /** A newer spec than the preview shown waits for its answer. */
  stale: Accessor<boolean>;
  /**
   * Resolves once the preview is current: true at once when it is, true when the answer (or its
   * failure) for the latest spec arrives, false when `ms` pass first. A request still waiting out
   * the debounce is asked at once.
   */
  settled: (ms?: number) => Promise<boolean>;
}

/**
 * `spec` returns null when there is nothing to preview (no model, nothing typed). `refresh`, when
 * given, asks again for the same spec each time its value changes (what the spec's answer depends
 * on changed elsewhere: settings saved, say).
 */
export function createPreview<S>(
  spec: Accessor<S | null>, run: (s: S) => Promise<Preview>, delay = PREVIEW_DELAY_MS, refresh?: Accessor<unknown>,
): PreviewState {
  const [preview, setPreview] = createSignal<Preview | null>(null);
  const [error, setError] = createSignal<string | null>(null);
  const [stale, setStaleSignal] = createSignal(false);
  let asked = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let last = "";
  let lastRefresh: unknown;
  // The request waiting out the debounce, if one is: a send asks it at once.
  let due: (() => void) | null = null;
  // Sends waiting for the preview to be current.
  let waiting: ((fresh: boolean) => void)[] = [];
  const setStale = (s: boolean) => {
    setStaleSignal(s);
    if (s) return;
    const w = waiting;
    waiting = [];
    w.forEach((done) => done(true));
  };
  createEffect(on([spec, () => refresh?.()], ([s, again]) => {
    // The same spec again (an unrelated signal changed) asks nothing, unless told to ask again.
    const key = s === null ? "" : JSON.stringify(s);
    if (key === last && again === lastRefresh) return;
    last = key;
    lastRefresh = again;
    clearTimeout(timer);
    due = null;
    const mine = ++asked;
    if (s === null) {
      setPreview(null);
      setError(null);
      setStale(false);
      return;
    }
    setStale(true);
    const ask = async () => {
      due = null;
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
    };
    due = () => { clearTimeout(timer); void ask(); };
    timer = setTimeout(ask, delay);
  }));
  onCleanup(() => {
    clearTimeout(timer);
    due = null;
    asked++;
    const w = waiting;
    waiting = [];
    w.forEach((done) => done(false));
  });
  function settled(ms = SETTLE_MS): Promise<boolean> {
    if (!stale()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (fresh: boolean) => { clearTimeout(t); resolve(fresh); };
      const t = setTimeout(() => { waiting = waiting.filter((d) => d !== done); resolve(false); }, ms);
      waiting.push(done);
      // Waited for: the debounce is not waited out.
      due?.();
    });
  }
  return { preview, error, stale, settled };
}

/** Whether any target's prompt is over its context window (sending is refused). */
export const over = (p: Preview | null): boolean => !!p?.columns.some((c) => c.fit === "over");

/** The current preview's first target over its context window: none while the preview is stale. */
export function overNow(cost: PreviewState): { index: number; estimate: Preview["columns"][number] } | null {
  if (cost.stale()) return null;
  const cols = cost.preview()?.columns ?? [];
  const index = cols.findIndex((c) => c.fit === "over");
  return index < 0 ? null : { index, estimate: cols[index] };
}

/**
 * Whether a send must be held for a prompt over its context window, decided on a current
 * preview: a stale one is waited for (up to `ms`); one that cannot be had in time, or failed, does
 * not hold the send (the provider refuses an oversize prompt anyway).
 */
export async function overWhenSettled(cost: PreviewState, ms = SETTLE_MS): Promise<ReturnType<typeof overNow>> {
  if (!(await cost.settled(ms))) return null;
  return overNow(cost);
}
