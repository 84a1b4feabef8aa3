// A virtual list for messages of different heights: only those in (or near) the viewport are in
// the DOM; spacers above and below stand for the rest. Heights are measured once shown (a
// ResizeObserver) and estimated before; when a message above the viewport turns out taller or
// shorter than guessed, the scroll position moves by the difference so what is on screen stays put
// (WebKitGTK has no CSS scroll anchoring). At the bottom the list stays at the bottom.

import { batch, createMemo, createSignal, onCleanup, type Accessor } from "solid-js";

/** Offsets of each item's top, plus the total, from heights. */
export function offsets(heights: ArrayLike<number>): Float64Array {
  const out = new Float64Array(heights.length + 1);
  for (let i = 0; i < heights.length; i++) out[i + 1] = out[i] + heights[i];
  return out;
}

/** The first index whose bottom is below `y` (binary search over `tops`). */
function indexAt(tops: Float64Array, y: number): number {
  let lo = 0;
  let hi = tops.length - 2;
  if (hi < 0) return 0;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (tops[mid + 1] <= y) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The items to render for a viewport at `top` of height `height`, with `overscan` px either side. */
export function visible(tops: Float64Array, top: number, height: number, overscan: number) {
  const n = tops.length - 1;
  if (n <= 0) return { first: 0, end: 0, before: 0, after: 0 };
  const first = indexAt(tops, Math.max(0, top - overscan));
  const end = Math.min(n, indexAt(tops, top + height + overscan) + 1);
  return { first, end, before: tops[first], after: tops[n] - tops[end] };
}

/** A guess of a message's height before it is measured. */
export function estimate(text: string): number {
  return 64 + Math.ceil(text.length / 90) * 22;
}

export interface Virtual<T> {
  /** The items to render now. */
  slice: Accessor<T[]>;
  /** Space above and below them. */
  before: Accessor<number>;
  after: Accessor<number>;
  /** Call from the scroll container's `scroll` event. */
  onScroll: () => void;
  /** Give each rendered item's element (its key) so its height is measured. */
  measure: (el: HTMLElement, key: number) => void;
  /** Scroll to the end (a conversation opened, an answer sent). */
  toBottom: () => void;
}

export function createVirtual<T>(opts: {
  items: Accessor<T[]>; key: (t: T) => number; guess: (t: T) => number;
  scroller: () => HTMLElement | undefined; overscan?: number;
}): Virtual<T> {
  const overscan = opts.overscan ?? 1200;
  const measured = new Map<number, number>();
  const [version, setVersion] = createSignal(0);
  const [top, setTop] = createSignal(0);
  const [height, setHeight] = createSignal(800);
  let stick = true;

  const tops = createMemo(() => {
    version();
    const items = opts.items();
    const h = new Float64Array(items.length);
    for (let i = 0; i < items.length; i++) h[i] = measured.get(opts.key(items[i])) ?? opts.guess(items[i]);
    return offsets(h);
  });
  const range = createMemo(() => visible(tops(), top(), height(), overscan));
  const slice = createMemo(() => opts.items().slice(range().first, range().end));

  const read = () => {
    const el = opts.scroller();
    if (!el) return;
    batch(() => {
      setTop(el.scrollTop);
      setHeight(el.clientHeight || 800);
    });
    stick = el.scrollHeight - el.scrollTop - el.clientHeight < 80;
  };

  let pending = 0;
  let shift = 0;
  const settle = () => {
    pending = 0;
    const el = opts.scroller();
    setVersion((v) => v + 1);
    if (!el) return;
    if (stick) el.scrollTop = el.scrollHeight;
    else if (shift) el.scrollTop += shift;
    shift = 0;
    read();
  };

  const observer = typeof ResizeObserver === "undefined" ? null : new ResizeObserver((entries) => {
    for (const e of entries) {
      const el = e.target as HTMLElement;
      const key = Number(el.dataset.vkey);
      const h = el.getBoundingClientRect().height;
      if (!h) continue;
      const old = measured.get(key);
      const items = opts.items();
      const index = items.findIndex((t) => opts.key(t) === key);
      const was = old ?? (index >= 0 ? opts.guess(items[index]) : h);
      if (Math.abs(was - h) < 0.5) { measured.set(key, h); continue; }
      measured.set(key, h);
      // Above the viewport: keep what is on screen where it is.
      if (index >= 0 && tops()[index + 1] <= top()) shift += h - was;
    }
    if (!pending) pending = requestAnimationFrame(settle);
  });

  return {
    slice,
    before: () => range().before,
    after: () => range().after,
    onScroll: read,
    measure: (el, key) => {
      el.dataset.vkey = String(key);
      observer?.observe(el);
      onCleanup(() => observer?.unobserve(el));
    },
    toBottom: () => {
      stick = true;
      const go = () => {
        const el = opts.scroller();
        if (!el) return;
        el.scrollTop = el.scrollHeight;
        read();
      };
      go();
      requestAnimationFrame(go);
    },
  };
}
