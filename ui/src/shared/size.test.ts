import { describe, expect, it } from "vitest";
import { fileSize } from "./size";

describe("fileSize", () => {
  it("writes bytes, kilobytes and megabytes in steps of 1024", () => {
    expect(fileSize(0)).toBe("0 B");
    expect(fileSize(512)).toBe("512 B");
    expect(fileSize(1023)).toBe("1023 B");
    expect(fileSize(1024)).toBe("1.0 KB");
    expect(fileSize(9.54 * 1024)).toBe("9.5 KB");
    expect(fileSize(234 * 1024 + 100)).toBe("234 KB");
    expect(fileSize(2.1 * 1024 * 1024)).toBe("2.1 MB");
    expect(fileSize(50 * 1024 * 1024)).toBe("50 MB");
    expect(fileSize(3 * 1024 ** 3)).toBe("3.0 GB");
  });
  it("carries a rounding up to the next unit; nonsense reads as 0 B", () => {
    expect(fileSize(1024 * 1024 - 100)).toBe("1.0 MB");
    expect(fileSize(9.97 * 1024)).toBe("10 KB");
    expect(fileSize(-5)).toBe("0 B");
    expect(fileSize(Number.NaN)).toBe("0 B");
  });
});
