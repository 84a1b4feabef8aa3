import { afterEach, describe, expect, it } from "vitest";
import { load, save, takeOldCompareSets } from "./storage";

describe("storage", () => {
  afterEach(() => localStorage.clear());

  it("reads defaults when nothing is kept, and what was kept after", () => {
    expect(load("theme")).toBe("system");
    expect(load("compareLast")).toEqual([]);
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
  });

  it("hands over an older version's compare sets once, dropping what is not a list of names", () => {
    expect(takeOldCompareSets()).toEqual({});
    localStorage.setItem("roundtable.compareSets", JSON.stringify({ pair: ["a/x", "@smart"], odd: [1, 2], no: "x" }));
    expect(takeOldCompareSets()).toEqual({ pair: ["a/x", "@smart"] });
    expect(localStorage.getItem("roundtable.compareSets")).toBeNull();
    expect(takeOldCompareSets()).toEqual({});
    localStorage.setItem("roundtable.compareSets", "null");
    expect(takeOldCompareSets()).toEqual({});
  });

  it("hands out copies of the defaults", () => {
    load("compareLast").push("x/y");
    expect(load("compareLast")).toEqual([]);
  });
});
