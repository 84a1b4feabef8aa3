import { describe, expect, it } from "vitest";
import { estimate, offsets, visible } from "./virtual";

describe("virtual list arithmetic", () => {
  const tops = offsets([100, 50, 200, 100, 100]); // tops 0 100 150 350 450, total 550

  it("offsets are running sums with the total last", () => {
    expect([...tops]).toEqual([0, 100, 150, 350, 450, 550]);
  });

  it("shows what meets the viewport and the overscan, with spacers for the rest", () => {
    expect(visible(tops, 0, 120, 0)).toEqual({ first: 0, end: 2, before: 0, after: 400 });
    expect(visible(tops, 160, 100, 0)).toEqual({ first: 2, end: 3, before: 150, after: 200 });
    expect(visible(tops, 160, 100, 60)).toEqual({ first: 1, end: 3, before: 100, after: 200 });
    expect(visible(tops, 500, 300, 0)).toEqual({ first: 4, end: 5, before: 450, after: 0 });
    // Past the end (a stale scroll position): the last item, no negative space.
    expect(visible(tops, 10000, 300, 0)).toEqual({ first: 4, end: 5, before: 450, after: 0 });
    expect(visible(offsets([]), 0, 300, 100)).toEqual({ first: 0, end: 0, before: 0, after: 0 });
  });

  it("spacers and shown items always add up to the whole height", () => {
    const heights = Array.from({ length: 1000 }, (_, i) => 40 + ((i * 37) % 300));
    const t = offsets(heights);
    for (let top = 0; top < t[1000]; top += 997) {
      const v = visible(t, top, 700, 300);
      let shown = 0;
      for (let i = v.first; i < v.end; i++) shown += heights[i];
      expect(v.before + shown + v.after).toBe(t[1000]);
      expect(t[v.first]).toBeLessThanOrEqual(Math.max(0, top - 300));
      expect(t[v.end]).toBeGreaterThanOrEqual(Math.min(t[1000], top + 1000));
    }
  });

  it("longer texts are guessed taller", () => {
    expect(estimate("x".repeat(1000))).toBeGreaterThan(estimate("short"));
  });
});
