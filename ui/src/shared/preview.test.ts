// The cost preview's debounce and its settling: a send decides on a current preview, never on a
// stale one, and does not wait long for one that does not come.

import { createRoot, createSignal } from "solid-js";
import { afterEach, describe, expect, it } from "vitest";
import type { Estimate, Preview } from "../types";
import { createPreview, overNow, overWhenSettled } from "./preview";

const est = (fit: Estimate["fit"]): Estimate => ({
  target: "a/m", promptTokens: 1000, counted: { kind: "exact", tokenizer: "o200k_base" }, inputMicros: null, contextWindow: 1000, fillPercent: 100,
  fit, cutTokens: fit === "over" ? 1 : 0, maxAnswerTokens: null, maxAnswerMicros: null,
});
const answer = (fit: Estimate["fit"]): Preview => ({ columns: [est(fit)], rules: [], crosses: null });
const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; });

/** A preview of a text spec: "long" texts are over the window; `slow` delays (or, Infinity, withholds) each answer. */
function harness(o: { delay?: number; slow?: number; refresh?: () => number } = {}) {
  const asked: string[] = [];
  return createRoot((d) => {
    dispose = d;
    const [text, setText] = createSignal<string | null>(null);
    const cost = createPreview(text, async (t) => {
      asked.push(t);
      if (o.slow === Infinity) return new Promise<Preview>(() => {});
      if (o.slow) await wait(o.slow);
      return answer(t.startsWith("long") ? "over" : "fits");
    }, o.delay ?? 250, o.refresh);
    return { cost, setText, asked };
  });
}

describe("the cost preview", () => {
  it("a stale 'over' neither holds the send nor lets it through: the send waits for the current answer", async () => {
    const h = harness({ delay: 50 });
    h.setText("long text");
    expect(h.cost.stale()).toBe(true);
    expect(await h.cost.settled()).toBe(true);
    expect(overNow(h.cost)?.estimate.fit).toBe("over");
    // Shortened: the old "over" is shown (stale) but holds nothing; Send waits and goes.
    h.setText("short");
    expect(h.cost.preview()!.columns[0].fit).toBe("over");
    expect(h.cost.stale()).toBe(true);
    expect(overNow(h.cost)).toBeNull();
    expect(await overWhenSettled(h.cost)).toBeNull();
    expect(h.cost.stale()).toBe(false);
    // Lengthened again and sent at once: the answer is waited for, and it holds the send.
    h.setText("long again");
    expect(overNow(h.cost)).toBeNull();
    expect((await overWhenSettled(h.cost))?.index).toBe(0);
  });

  it("a send does not wait out the debounce: the waiting request goes at once", async () => {
    const h = harness({ delay: 10_000 });
    h.setText("long paste");
    const started = Date.now();
    const o = await overWhenSettled(h.cost);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(h.asked).toEqual(["long paste"]);
    expect(o?.estimate.fit).toBe("over");
  });

  it("a preview that does not come in time, or fails, holds nothing", async () => {
    const h = harness({ delay: 0, slow: Infinity });
    h.setText("long and never answered");
    expect(await h.cost.settled(50)).toBe(false);
    expect(await overWhenSettled(h.cost, 50)).toBeNull();
    const failing = createRoot((d) => {
      const prev = dispose;
      dispose = () => { d(); prev?.(); };
      const [spec] = createSignal<string | null>("long");
      return createPreview(spec, async () => { throw new Error("unknown model"); }, 0);
    });
    expect(await overWhenSettled(failing)).toBeNull();
    expect(failing.error()).toBe("unknown model");
  });

  it("asks again for the same spec when `refresh` changes (settings saved elsewhere), and not otherwise", async () => {
    const [n, setN] = createSignal(0);
    const h = harness({ delay: 0, refresh: n });
    h.setText("short");
    await h.cost.settled();
    h.setText("short");
    await wait(5);
    expect(h.asked).toEqual(["short"]);
    setN(1);
    expect(h.cost.stale()).toBe(true);
    await h.cost.settled();
    expect(h.asked).toEqual(["short", "short"]);
  });
});
