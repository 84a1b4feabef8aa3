import { afterEach, describe, expect, it } from "vitest";
import { load, save } from "./storage";

describe("storage", () => {
  afterEach(() => localStorage.clear());

  it("reads defaults when nothing is kept, and what was kept after", () => {
    expect(load("theme")).toBe("system");
    expect(load("compareSets")).toEqual({});
    save("theme", "dark");
    save("compareLast", ["a/x", "b/y"]);
    expect(load("theme")).toBe("dark");
    expect(load("compareLast")).toEqual(["a/x", "b/y"]);
    expect(localStorage.getItem("roundtable.theme")).toBe("dark");
  });

  it("reads a damaged or wrongly shaped value as the default", () => {
    localStorage.setItem("roundtable.compareLast", "{not json");
    expect(load("compareLast")).toEqual([]);
    localStorage.setItem("roundtable.compareLast", "{\"a\":1}");
    expect(load("compareLast")).toEqual([]);
    localStorage.setItem("roundtable.compareSets", "null");
    expect(load("compareSets")).toEqual({});
  });

  it("hands out copies of the defaults", () => {
    load("compareLast").push("x/y");
    expect(load("compareLast")).toEqual([]);
  });
});
