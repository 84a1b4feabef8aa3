import { describe, expect, it } from "vitest";
import type { ConversationSummary } from "../types";
import { groupByDate, highlight, marked } from "./groups";

const at = (y: number, m: number, d: number, h = 12) => new Date(y, m - 1, d, h).getTime();
const conv = (id: number, updatedAt: number, pinned = false): ConversationSummary =>
  ({ id, title: `c${id}`, kind: "chat", messages: 2, createdAt: updatedAt, updatedAt, pinned });

describe("groupByDate", () => {
  const now = at(2026, 11, 30, 9);
  it("puts each conversation in its local-day group, pinned first, empty groups left out", () => {
    const list = [
      conv(1, at(2026, 11, 30, 8)), conv(2, at(2026, 11, 30, 0, )), conv(3, at(2026, 11, 29, 23)), conv(4, at(2026, 11, 24)),
      conv(5, at(2026, 11, 2)), conv(6, at(2025, 1, 1)), conv(7, at(2024, 1, 1), true),
    ];
    const groups = groupByDate(list, now);
    expect(groups.map((g) => [g.group, g.items.map((c) => c.id)])).toEqual([
      ["Pinned", [7]], ["Today", [1, 2]], ["Yesterday", [3]], ["Previous 7 days", [4]], ["Previous 30 days", [5]], ["Older", [6]],
    ]);
  });
  it("an empty list has no groups", () => {
    expect(groupByDate([], now)).toEqual([]);
  });
});

describe("search highlights", () => {
  it("splits the engine's snippet at its markers", () => {
    expect(marked("the \u0002borrow\u0003 checker [sic]")).toEqual([
      { text: "the ", mark: false }, { text: "borrow", mark: true }, { text: " checker [sic]", mark: false },
    ]);
    expect(marked("")).toEqual([]);
    expect(marked("\u0002a\u0003\u0002b\u0003")).toEqual([{ text: "a", mark: true }, { text: "b", mark: true }]);
  });
  it("marks every query word in a title, case-insensitively", () => {
    expect(highlight("Rust Borrow rules", "borrow RUST")).toEqual([
      { text: "Rust", mark: true }, { text: " ", mark: false }, { text: "Borrow", mark: true }, { text: " rules", mark: false },
    ]);
    expect(highlight("abc", "")).toEqual([{ text: "abc", mark: false }]);
    expect(highlight("aaa", "aa")).toEqual([{ text: "aaa", mark: true }]);
  });
});
