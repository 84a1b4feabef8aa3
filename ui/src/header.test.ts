import { describe, expect, it } from "vitest";
import type { Backend } from "./backend";
import { renderHeader } from "./header";

function elements() {
  return { name: document.createElement("h1"), version: document.createElement("p") };
}

describe("renderHeader", () => {
  it("shows the name and versions the backend reports", async () => {
    const backend: Backend = { appInfo: async () => ({ name: "Roundtable", version: "9.8.7", engineVersion: "1.2.3" }) };
    const { name, version } = elements();
    await renderHeader(backend, name, version);
    expect(name.textContent).toBe("Roundtable");
    expect(version.textContent).toBe("version 9.8.7 · engine 1.2.3");
    expect(version.classList.contains("error")).toBe(false);
  });

  it("shows a readable error, as text, when the backend fails", async () => {
    const backend: Backend = { appInfo: async () => { throw new Error("<img src=x onerror=alert(1)>"); } };
    const { name, version } = elements();
    await renderHeader(backend, name, version);
    expect(version.classList.contains("error")).toBe(true);
    expect(version.textContent).toContain("Could not reach the backend");
    expect(version.querySelector("img")).toBeNull();
  });
});
