// The handle between two compare columns: drag it, or focus it and use the arrow keys (Shift for
// bigger steps, Home/End for the narrowest/widest), to set the width of the column on its left;
// a double click or Enter gives the column back its share. Widths are the compare's own state:
// a new compare starts with equal columns.

import { createSignal } from "solid-js";
import { clampWidth, keyWidth, WIDTH } from "./compareLogic";

/** The columns' widths (px; null: an equal share of what is left) and their measured widths. */
export function createWidths() {
  const [set, setSet] = createSignal<(number | null)[]>([]);
  const [measured, setMeasured] = createSignal<number[]>([]);
  const put = <T,>(list: T[], i: number, v: T): T[] => { const n = [...list]; n[i] = v; return n; };
  return {
    /** The width the user set for column i, if any. */
    of: (i: number): number | null => set()[i] ?? null,
    /** Column i's width as shown now (set, else measured, else a fallback for a page not laid out). */
    now: (i: number): number => set()[i] ?? (measured()[i] || WIDTH.fallback),
    resize: (i: number, px: number) => setSet((w) => put(w, i, clampWidth(px))),
    share: (i: number) => setSet((w) => put(w, i, null)),
    measure: (i: number, px: number) => setMeasured((m) => (Math.round(m[i] ?? 0) === Math.round(px) ? m : put(m, i, px))),
    reset: () => { setSet([]); setMeasured([]); },
  };
}
export type Widths = ReturnType<typeof createWidths>;

/** Keeps `measure` told of an element's width (where the page can observe it). */
export function observeWidth(el: HTMLElement, measure: (px: number) => void): () => void {
  if (typeof ResizeObserver !== "function") return () => {};
  const ro = new ResizeObserver(([e]) => measure(e.contentRect.width + 2));
  ro.observe(el);
  return () => ro.disconnect();
}

export function Resizer(props: { index: number; name: string; widths: Widths }) {
  const w = props.widths;
  const now = () => Math.round(w.now(props.index));
  const [dragging, setDragging] = createSignal(false);
  let start: { x: number; width: number } | null = null;

  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Enter") { e.preventDefault(); w.share(props.index); return; }
    const to = keyWidth(e.key, now(), e.shiftKey);
    if (to === null) return;
    e.preventDefault();
    w.resize(props.index, to);
  };
  const onDown = (e: PointerEvent) => {
    if (e.button !== 0) return;
    e.preventDefault();
    (e.currentTarget as HTMLElement).focus();
    start = { x: e.clientX, width: now() };
    (e.currentTarget as HTMLElement).setPointerCapture?.(e.pointerId);
    setDragging(true);
  };
  const onMove = (e: PointerEvent) => { if (start) w.resize(props.index, start.width + e.clientX - start.x); };
  const onUp = (e: PointerEvent) => {
    if (!start) return;
    start = null;
    setDragging(false);
    (e.currentTarget as HTMLElement).releasePointerCapture?.(e.pointerId);
  };

  return (
    <div class="column-resizer" classList={{ dragging: dragging() }} role="separator" aria-orientation="vertical" tabIndex={0}
      aria-label={`Width of column ${props.name}`} aria-valuenow={now()} aria-valuemin={WIDTH.min} aria-valuemax={WIDTH.max}
      aria-valuetext={`${now()} pixels`} title="Drag, or use the arrow keys, to resize; double-click or Enter to even out"
      onKeyDown={onKey} onPointerDown={onDown} onPointerMove={onMove} onPointerUp={onUp} onPointerCancel={onUp}
      onDblClick={() => w.share(props.index)} />
  );
}
