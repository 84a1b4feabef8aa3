import { createResource } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { createTheme } from "../design/theme";
import type { ConversationSummary } from "../types";
import { Sidebar } from "./Sidebar";

const tick = () => new Promise((r) => setTimeout(r, 0));
async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 10)); }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); document.body.innerHTML = ""; });

function setup(list: ConversationSummary[], collapsed = false) {
  const calls: string[] = [];
  const b = {
    appInfo: async () => ({ name: "Roundtable", version: "1", engineVersion: "1" }),
    search: async (q: string) => { calls.push(`search ${q}`); return [{ conversationId: 3, title: "Rust notes", messageId: 9, role: "user", snippet: "about \u0002rust\u0003 [x]", createdAt: 1 }]; },
    pin: async (id: number, p: boolean) => { calls.push(`pin ${id} ${p}`); },
    rename: async (id: number, t: string) => { calls.push(`rename ${id} ${t}`); },
    remove: async (id: number) => { calls.push(`remove ${id}`); },
  } as unknown as FullBackend;
  const opened: number[] = [];
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => {
    const [info] = createResource(() => b.appInfo());
    return (
    <Sidebar backend={b} info={info} list={list} current={null} view="chat" setView={() => {}} theme={createTheme()} collapsed={collapsed}
      onToggle={() => {}} onShortcuts={() => {}} onNewChat={() => {}} onOpen={(c) => opened.push(c.id)} onOpenHit={(id) => opened.push(id)}
      onChanged={() => calls.push("changed")} onDeleted={(id) => calls.push(`deleted ${id}`)} />
    );
  }, root);
  return { root, calls, opened };
}
const now = Date.now();
const conv = (id: number, title: string, updatedAt: number, pinned = false): ConversationSummary =>
  ({ id, title, kind: "chat", messages: 2, createdAt: updatedAt, updatedAt, pinned });

describe("Sidebar", () => {
  it("groups by date, pinned first; a click opens", () => {
    const { root, opened } = setup([conv(1, "Fresh", now), conv(2, "Ancient", now - 90 * 86_400_000), conv(3, "Kept", now - 90 * 86_400_000, true)]);
    expect([...root.querySelectorAll(".history-title")].map((h) => h.textContent)).toEqual(["Pinned", "Today", "Older"]);
    expect([...root.querySelectorAll(".conversation .title")].map((h) => h.textContent)).toEqual(["Kept", "Fresh", "Ancient"]);
    (root.querySelector(".conversation[data-id='2'] .conversation-open") as HTMLButtonElement).click();
    expect(opened).toEqual([2]);
  });

  it("the ⋯ menu pins, renames (Enter saves, Escape cancels) and deletes after a confirmation", async () => {
    const { root, calls } = setup([conv(1, "Fresh", now)]);
    const more = () => root.querySelector(".conversation .more") as HTMLButtonElement;
    more().click();
    const item = (cls: string) => document.querySelector(`[role=menu] .${cls}`) as HTMLButtonElement;
    expect([...document.querySelectorAll("[role=menuitem]")].map((i) => i.textContent)).toEqual(["Pin", "Rename", "Delete…"]);
    item("pin").click();
    await until(() => calls.includes("changed"), "pinned");
    expect(calls).toContain("pin 1 true");
    more().click();
    item("rename-item").click();
    await tick();
    const input = root.querySelector(".rename") as HTMLInputElement;
    input.value = "Renamed";
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    await until(() => calls.includes("rename 1 Renamed"), "renamed");
    more().click();
    item("delete").click();
    await tick();
    expect(document.querySelector(".confirm-delete")!.textContent).toContain("“Fresh”");
    expect(calls.some((c) => c.startsWith("remove"))).toBe(false);
    (document.querySelector(".confirm-delete .confirm") as HTMLButtonElement).click();
    await until(() => calls.includes("deleted 1"), "deleted");
    expect(calls).toContain("remove 1");
  });

  it("a right click or Shift+F10 opens the same menu", async () => {
    const { root } = setup([conv(1, "Fresh", now)]);
    root.querySelector(".conversation")!.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true, clientX: 5, clientY: 5 }));
    await tick();
    expect(document.querySelector("[role=menu]")).not.toBeNull();
    document.body.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    await tick();
    expect(document.querySelector("[role=menu]")).toBeNull();
    root.querySelector(".conversation-open")!.dispatchEvent(new KeyboardEvent("keydown", { key: "F10", shiftKey: true, bubbles: true }));
    await tick();
    expect(document.querySelector("[role=menu]")).not.toBeNull();
  });

  it("search marks the match in the snippet and the title; Escape clears it", async () => {
    const { root, opened } = setup([conv(1, "Fresh", now)]);
    const input = root.querySelector(".search") as HTMLInputElement;
    input.value = "rust";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await until(() => root.querySelector(".hit") !== null, "a hit");
    expect([...root.querySelectorAll(".hit mark")].map((m) => m.textContent)).toEqual(["Rust", "rust"]);
    expect(root.querySelector(".hit-snippet")!.textContent).toBe("about rust [x]");
    expect(root.querySelector(".hits-count")!.textContent).toBe("1 match");
    input.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    await tick();
    expect(root.querySelector(".hit")).toBeNull();
    expect(root.querySelector(".conversation")).not.toBeNull();
    input.value = "rust";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await until(() => root.querySelector(".hit") !== null, "a hit again");
    (root.querySelector(".hit") as HTMLButtonElement).click();
    expect(opened).toEqual([3]);
  });

  it("a search cleared before its answer arrives stays cleared", async () => {
    const { root } = setup([conv(1, "Fresh", now)]);
    const input = root.querySelector(".search") as HTMLInputElement;
    input.value = "rust";
    input.dispatchEvent(new Event("input", { bubbles: true }));
    await new Promise((r) => setTimeout(r, 100)); // typed; the search goes out at 150 ms
    const esc = new KeyboardEvent("keydown", { key: "Escape", bubbles: true, cancelable: true });
    input.dispatchEvent(esc);
    expect(esc.defaultPrevented).toBe(true); // so the chat does not also take it as "stop"
    await new Promise((r) => setTimeout(r, 150));
    expect(root.querySelector(".hit")).toBeNull();
    expect(root.querySelector(".conversation")).not.toBeNull();
  });

  it("collapsed: the sections keep their names for screen readers, the list is gone", () => {
    const { root } = setup([conv(1, "Fresh", now)], true);
    expect(root.querySelector(".conversation")).toBeNull();
    const names = [...root.querySelectorAll(".nav-item")].map((b) => b.getAttribute("aria-label"));
    expect(names).toEqual(["Chat", "Compare", "Leaderboard", "Evaluations", "Usage", "Settings"]);
    expect(root.querySelector(".toggle-sidebar")!.getAttribute("aria-expanded")).toBe("false");
  });
});
