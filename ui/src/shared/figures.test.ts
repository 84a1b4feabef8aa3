import { describe, expect, it } from "vitest";
import { answerLine, compact, fromDone, type Figures } from "./figures";

const base: Figures = {
  model: "gem/gemini-2.5-flash", fellOver: [], input: 1290, output: 3, reasoning: 0, costMicros: 420, ttftMs: 800, estimated: false,
};

describe("an answer's figures with attachments", () => {
  it("say how many prompt tokens went to images and files, and what was changed to send them", () => {
    const f = { ...base, imageTokens: 1276, note: "q3.pdf went as its text (12 pages): this provider takes no PDFs" };
    const line = answerLine(f);
    expect(line).toContain("1290 in (1276 for images and files)");
    expect(line).toContain("q3.pdf went as its text (12 pages)");
    expect(compact(f)).toContain("1276 image tok");
    expect(compact(f)).toContain("PDF sent as text");
  });

  it("say nothing of them when there were none", () => {
    expect(answerLine(base)).not.toContain("images");
    expect(compact(base).join(" ")).not.toContain("image");
  });

  it("take the note from the answering attempt of a live answer", () => {
    const f = fromDone({
      kind: "done", messageId: 1, conversationId: 1, requestId: "r", model: "o/llava", requested: "o/llava", fellOver: [],
      attempts: [
        { target: "a/gpt-3.5-turbo", number: 0, outcome: "skipped", class: "unsupported_input", status: null, ms: 0, message: "reads text only" },
        { target: "o/llava", number: 1, outcome: "ok", class: null, status: null, ms: 90, message: "q3.pdf went as its text (2 pages): this provider takes no PDFs" },
      ],
      usage: { inputTokens: 10, outputTokens: 5, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, imageTokens: 0 },
      finish: "stop", providerCostUsd: null, costMicros: 0, priceSource: null, ttftMs: 90, durationMs: 300, steps: 1,
    });
    expect(f.note).toBe("q3.pdf went as its text (2 pages): this provider takes no PDFs");
  });

  it("say how many model calls a tool loop made (one says nothing)", () => {
    expect(answerLine({ ...base, steps: 3 })).toBe("answered by gem/gemini-2.5-flash · 1290 in · 3 out · $0.0004 · first token 0.80 s · 3 model calls");
    expect(answerLine({ ...base, steps: 1 })).not.toContain("model calls");
  });
});
