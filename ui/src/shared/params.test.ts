import { describe, expect, it } from "vitest";
import type { ChatSettings, PresetSetting } from "../types";
import { columnFields, differences, readNumber, readStop, settingsProblem, showStop, summary, turnFields } from "./params";
import { countedTip, fillText, mayBeOver, overText, usd, windowSize } from "./cost";

const temp = (t: number): ChatSettings => ({ temperature: t });
const terse: PresetSetting = {
  name: "terse", builtIn: false,
  fields: { system: "One sentence.", model: "a/m", temperature: 0.2, top_p: null, max_tokens: 400, reasoning: null, stop: null, seed: null },
};

describe("settings in words", () => {
  it("differences are the engine's (session/settings.rs), case for case", () => {
    expect(differences([temp(0.2), temp(0.2)])).toEqual(["", ""]);
    expect(differences([temp(0.2), temp(1)])).toEqual(["temperature 0.2", "temperature 1"]);
    const sys = (s: string | null): ChatSettings => ({ system: s });
    expect(differences([sys("a"), sys("b"), sys(null)])).toEqual(["system prompt 1", "system prompt 2", "no system prompt"]);
    const pre = (p: string | null, t: number): ChatSettings => ({ preset: p, temperature: t });
    expect(differences([pre("terse", 0.2), pre(null, 1)])).toEqual(["terse", "no preset"]);
    expect(differences([temp(0.5), {}])).toEqual(["temperature 0.5", "temperature default"]);
    expect(differences([{ topP: 0.9, stop: ["\n\n", "END"] }, { stop: ["END"] }]))
      .toEqual(['top_p 0.9 · stop ["\\n\\n", "END"]', 'top p default · stop ["END"]']);
    // An empty system prompt is none (the engine tidies it so).
    expect(differences([{ system: " " }, {}])).toEqual(["", ""]);
  });

  it("fields are checked with the engine's ranges", () => {
    expect(readNumber("temperature", "")).toEqual({ ok: true, value: null });
    expect(readNumber("temperature", "0,7")).toEqual({ ok: true, value: 0.7 });
    expect(readNumber("temperature", "2.1").ok).toBe(false);
    expect(readNumber("topP", "0").ok).toBe(false);
    expect(readNumber("topP", "1")).toEqual({ ok: true, value: 1 });
    expect(readNumber("maxTokens", "0").ok).toBe(false);
    expect(readNumber("maxTokens", "1.5").ok).toBe(false);
    expect(readNumber("seed", "-1").ok).toBe(false);
    expect(readNumber("seed", "abc").ok).toBe(false);
    expect(settingsProblem({ stop: ["a", "b", "c", "d", "e"] })).toBe("At most 4 stop sequences");
    expect(settingsProblem({ temperature: 3 })).toBe("Temperature: between 0 and 2");
    expect(settingsProblem(terse.fields as ChatSettings)).toBeNull();
    expect(readStop("\\n\\n")).toBe("\n\n");
    expect(showStop(readStop("a\\tb\\\\n"))).toBe("a\\tb\\\\n");
  });

  it("a first turn never names the preset: it sends the values shown, and the label is stored after", () => {
    const picked: ChatSettings = { preset: "terse", system: "One sentence.", temperature: 0.2, maxTokens: 400 };
    expect(turnFields(picked)).toEqual({
      exact: false, fields: { preset: null, system: "One sentence.", temperature: 0.2, topP: null, maxTokens: 400, reasoning: null, stop: null, seed: null },
    });
    // A value of the preset cleared is sent as cleared (no preset layered under it).
    expect(turnFields({ ...picked, system: null, temperature: null }).fields).toMatchObject({ preset: null, system: null, temperature: null });
    // No label: nothing to store after.
    expect(turnFields({ temperature: 1 })).toMatchObject({ exact: true, fields: { preset: null, temperature: 1 } });
    expect(columnFields({})).toEqual({ preset: null, settings: null });
    // A column's label goes in its settings (a plain label), never as the preset by name.
    expect(columnFields(picked)).toEqual({
      preset: null, settings: { preset: "terse", system: "One sentence.", temperature: 0.2, topP: null, maxTokens: 400, reasoning: null, stop: null, seed: null },
    });
    expect(summary(picked)).toBe("terse · temperature 0.2 · max 400 tokens · system prompt");
  });

  it("the cost's words", () => {
    expect(usd(3085)).toBe("$0.0031");
    expect(usd(12_345_678)).toBe("$12.35");
    expect(windowSize(128000)).toBe("128k");
    expect(windowSize(1_000_000)).toBe("1M");
    expect(windowSize(8192)).toBe("8,192");
    expect(countedTip({ kind: "estimated", samples: 1, chars_per_token: 3.5 })).toBe("Estimated at 3.5 characters a token, calibrated from 1 answer in your ledger");
    expect(countedTip({ kind: "exact", tokenizer: "local" })).toBe("Counted exactly with the local model's own tokenizer");
    const e = { target: "a/m", promptTokens: 1, counted: { kind: "exact" as const, tokenizer: "x" }, inputMicros: null, contextWindow: 1000, fillPercent: 0.4,
      fit: "fits" as const, cutTokens: 0, maxAnswerTokens: null, maxAnswerMicros: null };
    expect(fillText(e)).toBe("<1% of 1,000 context");
    expect(fillText({ ...e, fillPercent: 99.6 })).toBe("99.6% of 1,000 context");
    // Under the window never reads as full.
    expect(fillText({ ...e, fillPercent: 99.96 })).toBe("99.9% of 1,000 context");
  });

  it("past the window: a refusal on an exact count, a warning on an estimated one (fit tight, cutTokens > 0)", () => {
    const e = { target: "a/m", promptTokens: 1040, counted: { kind: "exact" as const, tokenizer: "x" }, inputMicros: null, contextWindow: 1000, fillPercent: 104,
      fit: "over" as const, cutTokens: 41, maxAnswerTokens: null, maxAnswerMicros: null };
    expect(mayBeOver(e)).toBe(false);
    expect(overText(e)).toBe("Too long for a/m: 1,040 tokens in a 1,000-token window. Cut about 41 tokens (shorten the message, drop attachments, or start a new chat).");
    expect(fillText(e)).toBe("104% of 1,000 context");
    // The engine refuses only an exact count: an estimate past the window comes as tight, with the tokens to cut.
    const guess = { ...e, counted: { kind: "estimated" as const, samples: 3, chars_per_token: 3.8 }, fit: "tight" as const, cutTokens: 1234 };
    expect(mayBeOver(guess)).toBe(true);
    expect(overText(guess)).toMatch(/^≈ over a\/m's context window by about 1,234 tokens — it may be refused/);
    expect(fillText(guess)).toBe("≈104% of 1,000 context");
    // Tight but within the window, or fitting: nothing to say.
    expect(mayBeOver({ ...guess, cutTokens: 0, fillPercent: 95 })).toBe(false);
    expect(overText({ ...guess, cutTokens: 0, fillPercent: 95 })).toBeNull();
    expect(overText({ ...e, fit: "fits", cutTokens: 0 })).toBeNull();
  });
});
