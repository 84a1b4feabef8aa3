import { describe, expect, it } from "vitest";
import { AnswerView } from "./answer";
import { latestBranch, pathTo, pathWith, pick } from "../chat/branch";
import type { MessageView, Role } from "../types";

const render = (replaceFrom: number, blocks: string[], tail: string, reasoning = "") =>
  ({ kind: "render" as const, replaceFrom, blocks, tail, reasoning });

describe("AnswerView", () => {
  it("appends final blocks once and replaces only the tail", () => {
    const v = new AnswerView();
    v.apply(render(0, [], "<p>Hel</p>"));
    v.apply(render(0, ["<h1>Title</h1>"], "<p>Hello</p>"));
    const first = v.root.querySelector(".blocks > .block");
    v.apply(render(1, [], "<p>Hello world</p>"));
    expect(v.root.querySelector(".blocks > .block")).toBe(first);
    expect(v.html()).toBe("<h1>Title</h1><p>Hello world</p>");
  });

  it("drops blocks from replaceFrom on (a late link definition)", () => {
    const v = new AnswerView();
    v.apply(render(0, ["<p>a</p>", "<p>b</p>"], ""));
    v.apply(render(1, ["<p>B</p>"], "<p>c</p>"));
    expect(v.html()).toBe("<p>a</p><p>B</p><p>c</p>");
  });

  it("shows reasoning as text in a collapsible section", () => {
    const v = new AnswerView();
    v.apply(render(0, [], "", "<b>thinking</b>"));
    const details = v.root.querySelector("details.reasoning") as HTMLDetailsElement;
    expect(details.hidden).toBe(false);
    expect(details.querySelector("b")).toBeNull();
    expect(details.textContent).toContain("<b>thinking</b>");
  });
});

describe("latestBranch", () => {
  const m = (id: number, parentId: number | null): MessageView => ({
    id, parentId, role: id % 2 ? "user" : "assistant", text: `m${id}`, html: "", reasoningHtml: "",
    model: null, status: "complete", error: null, createdAt: id, figures: null, column: null, parts: [],
  });
  it("follows the newest leaf back to the root", () => {
    // 1 → 2 → 3 → 4, and an edit of 3: 1 → 2 → 5 → 6.
    const all = [m(1, null), m(2, 1), m(3, 2), m(4, 3), m(5, 2), m(6, 5)];
    expect(latestBranch(all).map((x) => x.id)).toEqual([1, 2, 5, 6]);
    expect(latestBranch([])).toEqual([]);
  });
});

describe("branches", () => {
  const m = (id: number, parentId: number | null, role: Role = "user"): MessageView => ({
    id, parentId, role, text: `m${id}`, html: "", reasoningHtml: "", model: null, status: "complete", error: null, createdAt: id, figures: null, column: null, parts: [],
  });
  const all = [m(1, null), m(2, 1, "assistant"), m(3, 2), m(4, 3, "assistant"), m(5, 2), m(6, 5, "assistant"), m(7, 5, "assistant")];
  it("shows the newest child at each fork, with its siblings", () => {
    const p = pathWith(all, new Map());
    expect(p.map((s) => s.m.id)).toEqual([1, 2, 5, 7]);
    expect(p[2].siblings.map((s) => s.id)).toEqual([3, 5]);
    expect(p[2].index).toBe(1);
    expect(p[3].siblings.map((s) => s.id)).toEqual([6, 7]);
  });
  it("a pick switches the branch and its descendants follow", () => {
    const picks = pick(new Map(), all[2]);
    expect(pathWith(all, picks).map((s) => s.m.id)).toEqual([1, 2, 3, 4]);
    expect(pathWith(all, pick(new Map(), all[5])).map((s) => s.m.id)).toEqual([1, 2, 5, 6]);
  });
  it("pathTo ends at a message", () => {
    expect(pathTo(all, 5).map((s) => s.m.id)).toEqual([1, 2, 5]);
  });
});
