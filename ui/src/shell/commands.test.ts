import { describe, expect, it } from "vitest";
import { type Command, filter } from "./commands";
import { actionOf, keyName, matches } from "./keys";

const cmd = (id: string, label: string, group: string, keywords = ""): Command => ({ id, label, group, keywords, run: () => {} });

describe("the palette's filter", () => {
  const all = [
    cmd("new-chat", "New chat", "Actions", "conversation start"),
    cmd("new-compare", "New compare", "Actions", "side by side"),
    cmd("view-usage", "Go to Usage", "Views"),
    cmd("m1", "openai/gpt-5", "Models"),
    cmd("m2", "anthropic/claude-opus", "Models"),
    cmd("c1", "Chat about compare sets", "Conversations"),
  ];
  it("keeps everything, in order, with no query", () => {
    expect(filter(all, "").map((c) => c.id)).toEqual(all.map((c) => c.id));
  });
  it("needs every word, found in the label or the keywords, in any order", () => {
    expect(filter(all, "side compare").map((c) => c.id)).toEqual(["new-compare"]);
    expect(filter(all, "start").map((c) => c.id)).toEqual(["new-chat"]);
    expect(filter(all, "nothing like it")).toEqual([]);
  });
  it("ranks a label that starts with the query first, then a word start, within each group", () => {
    expect(filter(all, "compare").map((c) => c.id)).toEqual(["new-compare", "c1"]);
    expect(filter(all, "claude").map((c) => c.id)).toEqual(["m2"]);
    const models = [cmd("a", "x/gpt-mini", "Models"), cmd("b", "gpt-5", "Models"), cmd("c", "x/old-gpt", "Models")];
    expect(filter(models, "gpt").map((c) => c.id)).toEqual(["b", "a", "c"]);
  });
  it("shows at most perGroup entries of each group", () => {
    const many = Array.from({ length: 20 }, (_, i) => cmd(`m${i}`, `model-${i}`, "Models"));
    expect(filter([...many, cmd("x", "model view", "Views")], "model", 5).map((c) => c.id)).toEqual(["m0", "m1", "m2", "m3", "m4", "x"]);
  });
  it("treats regex characters in the query as text", () => {
    expect(filter([cmd("r", "@route (fast)", "Models")], "(fast").map((c) => c.id)).toEqual(["r"]);
    expect(filter([cmd("r", "a.b", "Models")], ".*").map((c) => c.id)).toEqual([]);
  });
});

describe("shortcuts", () => {
  const ev = (init: KeyboardEventInit, target?: HTMLElement) => {
    const e = new KeyboardEvent("keydown", init);
    if (target) Object.defineProperty(e, "target", { value: target });
    return e;
  };
  it("match with Ctrl (not on macOS) and exact Shift", () => {
    expect(matches(ev({ key: "k", ctrlKey: true }), "Mod+K")).toBe(true);
    expect(matches(ev({ key: "k" }), "Mod+K")).toBe(false);
    expect(matches(ev({ key: "K", ctrlKey: true, shiftKey: true }), "Mod+K")).toBe(false);
    expect(matches(ev({ key: "C", ctrlKey: true, shiftKey: true }), "Mod+Shift+C")).toBe(true);
    expect(matches(ev({ key: "k", ctrlKey: true, altKey: true }), "Mod+K")).toBe(false);
  });
  it("name the keys for this platform", () => {
    expect(keyName("Mod+Shift+C")).toBe("Ctrl+Shift+C");
  });
  it("leave / and ? to text fields", () => {
    const input = document.createElement("input");
    expect(actionOf(ev({ key: "/" }))).toBe("focus-composer");
    expect(actionOf(ev({ key: "/" }, input))).toBeNull();
    expect(actionOf(ev({ key: "?", shiftKey: true }))).toBe("shortcuts");
    expect(actionOf(ev({ key: "?", shiftKey: true }, input))).toBeNull();
    expect(actionOf(ev({ key: "k", ctrlKey: true }, input))).toBe("command-palette");
    expect(actionOf(ev({ key: "n", ctrlKey: true }))).toBe("new-chat");
    expect(actionOf(ev({ key: "x" }))).toBeNull();
  });
});
