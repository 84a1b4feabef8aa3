import { createRoot, createSignal } from "solid-js";
import { describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import type { ChatSettings } from "../types";
import { words } from "./ErrorCard";
import { createChatParams } from "./params";

function setup(fail: { on: boolean }) {
  const saved: [number, ChatSettings][] = [];
  const b = {
    setConversationSettings: async (id: number, s: ChatSettings) => {
      if (fail.on) throw new Error("disk full");
      saved.push([id, s]);
    },
  } as unknown as FullBackend;
  return createRoot(() => {
    const [current, setCurrent] = createSignal<number | null>(1);
    const params = createChatParams(b, current, () => {});
    params.opened({}, 1);
    return { params, saved, setCurrent };
  });
}

describe("chat params", () => {
  it("a failed save keeps the edit: flush throws, and the next flush saves it", async () => {
    const fail = { on: true };
    const { params, saved } = setup(fail);
    params.set({ temperature: 0.5 });
    await expect(params.flush()).rejects.toThrow("disk full");
    fail.on = false;
    await params.flush();
    expect(saved).toEqual([[1, expect.objectContaining({ temperature: 0.5 })]]);
  });

  it("an edit while another conversation's settings are shown is ignored", async () => {
    const { params, saved, setCurrent } = setup({ on: false });
    setCurrent(2);
    params.set({ temperature: 0.9 });
    await params.flush();
    expect(saved).toEqual([]);
    expect(params.value().temperature ?? null).toBeNull();
  });

  it("a spend limit's refusal with an empty message is worded without throwing", () => {
    expect(() => words({ kind: "budget_exceeded", message: "" } as never)).not.toThrow();
  });
});
