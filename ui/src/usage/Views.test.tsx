import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { LeaderboardView } from "../compare/Leaderboard";
import type { Dashboard, RuleStatus } from "../types";
import { PALETTE } from "./SpendChart";
import { daysOf, stacks, usd, UsageView } from "./Usage";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); document.body.innerHTML = ""; });
function mount(view: () => unknown) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(view as () => Element, root);
  return root;
}

const line = (key: string, cost: number) => ({
  key, requests: 4, errors: 1, inputTokens: 100, outputTokens: 20, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costMicros: cost,
  estimated: 0, ttftP50: 250, ttftP95: 900, afterFailure: 1,
});
/** Local midnights, as the engine's windows start and end in this computer's time zone. */
const local = (m: number, d: number) => new Date(2026, m - 1, d).getTime();
const daily: RuleStatus = {
  rule: { scope: { kind: "provider", name: "openai" }, window: "day", limitMicros: 2_500_000, alertPercent: 80, legacy: false },
  label: "provider:openai per day ($2.50)", windowStart: local(3, 3), windowEnd: local(3, 4), spentMicros: 2_100_000, percent: 84,
  state: "alert", forecastMicros: 3_150_000,
};
const monthly: RuleStatus = {
  rule: { scope: { kind: "all" }, window: "month", limitMicros: 1_000_000, alertPercent: 80, legacy: true },
  label: "all per month ($1.00)", windowStart: local(3, 1), windowEnd: local(4, 1), spentMicros: 1_234_567, percent: 123.4567,
  state: "exceeded", forecastMicros: 12_000_000,
};
const board: Dashboard = {
  since: "2026-03-01", until: "2026-03-03", totalMicros: 1_234_567,
  days: [{ day: "2026-03-01", provider: "a", costMicros: 1_000_000 }, { day: "2026-03-03", provider: "b", costMicros: 234_567 }],
  models: [line("a/m", 1_000_000), line("b/m", 234_567)], providers: [], clients: [line("(local)", 1_234_567)],
  budgets: [daily, monthly],
};

describe("Usage dashboard", () => {
  it("shows the engine's figures exactly as the CLI prints them, for the chosen range", async () => {
    const asked: string[][] = [];
    const backend = {
      dashboard: async (since: string, until: string) => { asked.push([since, until]); return board; },
      exportUsageCsv: async () => "/home/u/Downloads/roundtable-usage.csv",
    } as unknown as FullBackend;
    const root = mount(() => <UsageView backend={backend} />);
    await until(() => root.querySelector(".model-row") !== null, "the table");
    expect(root.querySelector(".total-usd")!.textContent).toBe("$1.234567");
    const rows = [...root.querySelectorAll(".model-row")].map((r) => [r.querySelector("td")!.textContent, r.querySelector(".cost")!.textContent, r.querySelector(".errors")!.textContent]);
    expect(rows).toEqual([["a/m", "1.000000", "25.0%"], ["b/m", "0.234567", "25.0%"]]);
    const since = root.querySelector<HTMLInputElement>(".usage-since")!;
    since.value = "2026-01-01";
    since.dispatchEvent(new Event("change", { bubbles: true }));
    await until(() => asked.length === 2, "a new range");
    expect(asked[1][0]).toBe("2026-01-01");
    root.querySelector<HTMLButtonElement>(".export-csv")!.click();
    await until(() => root.querySelector(".usage .status")!.textContent !== "", "the export");
    expect(root.querySelector(".usage .status")!.textContent).toBe("saved /home/u/Downloads/roundtable-usage.csv");
  });

  it("shows each spend limit in its window: spend, a bar, the forecast to the window's end, the state coloured", async () => {
    const backend = { dashboard: async () => board } as unknown as FullBackend;
    const root = mount(() => <UsageView backend={backend} />);
    await until(() => root.querySelectorAll(".budget-status").length === 2, "the limits");
    const [day, month] = [...root.querySelectorAll<HTMLElement>(".budget-status")];
    expect([day.dataset.state, month.dataset.state]).toEqual(["alert", "exceeded"]);
    expect(day.classList.contains("alert")).toBe(true);
    expect(day.querySelector(".limit-label")!.textContent).toBe("provider:openai per day ($2.50)");
    expect(day.querySelector(".limit-spent")!.textContent).toBe("$2.10 of $2.50 today (84%)");
    expect(day.querySelector(".limit-forecast")!.textContent).toBe("on pace for $3.15 by Tue, Mar 3");
    expect(day.querySelector(".limit-state")!.textContent).toBe("alert reached");
    expect(day.querySelector("[role=progressbar]")!.getAttribute("aria-valuenow")).toBe("84");
    expect(day.querySelector(".limit-meter")!.classList.contains("alert")).toBe(true);
    expect(month.querySelector(".limit-label")!.textContent).toBe("all per month ($1.00) (monthly budget)");
    expect(month.querySelector(".limit-spent")!.textContent).toBe("$1.234567 of $1.00 this month (123%)");
    expect(month.querySelector(".limit-forecast")!.textContent).toBe("on pace for $12.00 by Tue, Mar 31");
    expect(month.querySelector(".limit-state")!.textContent).toBe("limit reached: requests refused");
    expect(month.querySelector<HTMLElement>(".limit-meter-fill")!.style.width).toBe("100%");
  });

  it("stacks spend per day by provider over every day of the range", () => {
    expect(daysOf("2026-02-27", "2026-03-02")).toEqual(["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"]);
    const s = stacks(board);
    expect(s.days).toEqual(["2026-03-01", "2026-03-02", "2026-03-03"]);
    expect(s.series).toEqual([{ provider: "a", values: [1, 0, 0] }, { provider: "b", values: [0, 0, 0.234567] }]);
    expect([usd(0), usd(5), usd(-1_500_000), usd(12_345_678_901)]).toEqual(["0.000000", "0.000005", "-1.500000", "12345.678901"]);
  });
});

describe("Leaderboard", () => {
  it("lists ratings with intervals and counts, filtered by date", async () => {
    const asked: (string | null)[][] = [];
    const backend = {
      leaderboard: async (since: string | null, until: string | null) => {
        asked.push([since, until]);
        return { votes: 3, rows: [
          { model: "a/m", rating: 1123.4, low: 1001.2, high: 1300.9, votes: 3, wins: 2, ties: 1, losses: 0 },
          { model: "b/m", rating: 876.6, low: 700, high: 999, votes: 3, wins: 0, ties: 1, losses: 2 },
        ] };
      },
    } as unknown as FullBackend;
    const root = mount(() => <LeaderboardView backend={backend} />);
    await until(() => root.querySelector(".rating") !== null, "the board");
    expect(asked[0]).toEqual([null, null]);
    const first = root.querySelector(".rating")!;
    expect([first.querySelector(".model")!.textContent, first.querySelector(".score")!.textContent, first.querySelector(".interval")!.textContent])
      .toEqual(["a/m", "1123", "1001–1301"]);
    const since = root.querySelector<HTMLInputElement>(".lb-since")!;
    since.value = "2026-03-01";
    since.dispatchEvent(new Event("change", { bubbles: true }));
    await until(() => asked.length === 2, "the filter");
    expect(asked[1]).toEqual(["2026-03-01", null]);
  });
});

describe("Report views' face", () => {
  const axeCheck = async (what: string) => {
    const axe = (await import("axe-core")).default;
    const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
    const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
    expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`), what).toEqual([]);
  };

  it("usage: labelled date fields, money right-aligned in tabular figures, an empty state for an empty range, no axe violations", async () => {
    let empty = false;
    const backend = {
      dashboard: async (since: string, until: string) => (empty
        ? { since, until, totalMicros: 0, days: [], models: [], providers: [], clients: [], budgets: [] }
        : board),
    } as unknown as FullBackend;
    const root = mount(() => <UsageView backend={backend} />);
    await until(() => root.querySelector(".model-row") !== null, "the table");
    const since = root.querySelector<HTMLInputElement>(".usage-since")!;
    expect([since.type, since.labels?.[0]?.textContent, root.querySelector<HTMLInputElement>(".usage-until")!.labels?.[0]?.textContent]).toEqual(["date", "From", "To"]);
    const cost = root.querySelector(".model-row .cost")!;
    expect(cost.classList.contains("num")).toBe(true);
    expect([...root.querySelectorAll(".model-table th")].every((th) => th.getAttribute("scope") === "col")).toBe(true);
    expect(root.querySelector(".model-row td")!.querySelector(".mark")).not.toBeNull();
    expect(root.querySelector(".usage .empty")).toBeNull();
    await axeCheck("the dashboard");
    empty = true;
    since.value = "2020-01-01";
    since.dispatchEvent(new Event("change", { bubbles: true }));
    await until(() => root.querySelector(".usage .empty") !== null, "the empty state");
    expect(root.querySelector(".usage .empty h2")!.textContent).toBe("Nothing spent in this range");
    expect(root.querySelector(".model-row")).toBeNull();
    expect(root.querySelector(".total-usd")!.textContent).toBe("$0.000000");
    await axeCheck("an empty range");
  });

  it("leaderboard: the vote count in the head, intervals drawn on one scale, an empty state, no axe violations", async () => {
    let rows = [
      { model: "a/m", rating: 1100, low: 1000, high: 1200, votes: 3, wins: 2, ties: 1, losses: 0 },
      { model: "b/m", rating: 900, low: 800, high: 1000, votes: 3, wins: 0, ties: 1, losses: 2 },
    ];
    const backend = { leaderboard: async () => ({ votes: rows.length ? 3 : 0, rows }) } as unknown as FullBackend;
    const root = mount(() => <LeaderboardView backend={backend} />);
    await until(() => root.querySelector(".rating") !== null, "the board");
    expect(root.querySelector(".leaderboard .total")!.textContent).toBe("3 votes");
    const spans = [...root.querySelectorAll<HTMLElement>(".interval-span")].map((s) => [s.style.left, s.style.width]);
    expect(spans).toEqual([["50%", "50%"], ["0%", "50%"]]);
    expect(root.querySelector(".lb-since")!.closest(".field")!.querySelector("label")!.textContent).toBe("From");
    await axeCheck("the board");
    rows = [];
    const until_ = root.querySelector<HTMLInputElement>(".lb-until")!;
    until_.value = "2020-01-01";
    until_.dispatchEvent(new Event("change", { bubbles: true }));
    await until(() => root.querySelector(".leaderboard .empty") !== null, "the empty state");
    expect(root.querySelector(".leaderboard .total")!.textContent).toBe("0 votes");
    await axeCheck("no votes");
  });

  it("the chart's colours are readable (3:1) on the light and the dark page", () => {
    const lum = (hex: string) => {
      const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const ratio = (a: string, b: string) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
    for (const c of PALETTE.light) expect(ratio(c, "#ffffff"), c).toBeGreaterThanOrEqual(3);
    for (const c of PALETTE.dark) expect(ratio(c, "#16171b"), c).toBeGreaterThanOrEqual(3);
  });
});

describe("the chart's axis", () => {
  it("reads in dollars at any scale, never in exponent notation", async () => {
    const { dollars } = await import("./SpendChart");
    expect([0, 0.00007, 0.0012, 0.05, 0.5, 3, 12.345, 250].map(dollars))
      .toEqual(["$0", "$0.000070", "$0.0012", "$0.05", "$0.50", "$3.00", "$12.35", "$250"]);
  });
});
