// The usage dashboard: a date range; spend per day stacked by provider (Chart.js); a table per
// model (spend, tokens, requests, p50/p95 first token, error rate, answers after a failure);
// spend per gateway client; the month's budget; CSV export. The figures are the engine's — the
// same queries `roundtable usage` prints — and dollars are shown exactly as it prints them.

import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { createEffect, createResource, createSignal, For, onCleanup, Show } from "solid-js";
import type { FullBackend } from "../backend";
import type { Dashboard, UsageLine } from "../types";
import { describe } from "../shared/problems";
import "./usage.css";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

/** Micro-dollars as dollars with six decimals, exactly (as the CLI prints them). */
export function usd(micros: number): string {
  const sign = micros < 0 ? "-" : "";
  const m = Math.abs(micros);
  return `${sign}${Math.floor(m / 1e6)}.${String(m % 1e6).padStart(6, "0")}`;
}

const iso = (d: Date) => d.toISOString().slice(0, 10);

/** Every day of the range, for the chart's axis (days without spend included). */
export function daysOf(since: string, until: string): string[] {
  const out: string[] = [];
  const end = Date.parse(`${until}T00:00:00Z`);
  for (let t = Date.parse(`${since}T00:00:00Z`); t <= end && out.length < 3700; t += 86_400_000) out.push(iso(new Date(t)));
  return out;
}

/** The chart's stacks: one series per provider, a value per day (dollars). */
export function stacks(d: Dashboard): { days: string[]; series: { provider: string; values: number[] }[] } {
  const days = daysOf(d.since, d.until);
  const index = new Map(days.map((day, i) => [day, i]));
  const by = new Map<string, number[]>();
  for (const s of d.days) {
    if (!by.has(s.provider)) by.set(s.provider, new Array(days.length).fill(0));
    const i = index.get(s.day);
    if (i !== undefined) by.get(s.provider)![i] += s.costMicros / 1e6;
  }
  return { days, series: [...by].map(([provider, values]) => ({ provider, values })) };
}

const COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

export function UsageView(props: { backend: FullBackend }) {
  const today = new Date();
  const [since, setSince] = createSignal(iso(new Date(today.getTime() - 29 * 86_400_000)));
  const [until, setUntil] = createSignal(iso(today));
  const [status, setStatus] = createSignal("");
  const [data] = createResource(() => [since(), until()] as const, ([s, u]) => props.backend.dashboard(s, u));
  let canvas!: HTMLCanvasElement;
  let chart: Chart | null = null;
  onCleanup(() => chart?.destroy());

  createEffect(() => {
    const d = data();
    if (!d || !canvas) return;
    const { days, series } = stacks(d);
    const config = {
      type: "bar" as const,
      data: {
        labels: days,
        datasets: series.map((s, i) => ({ label: s.provider, data: s.values, backgroundColor: COLORS[i % COLORS.length], stack: "spend" })),
      },
      options: {
        animation: false as const, responsive: true, maintainAspectRatio: false,
        scales: { x: { stacked: true }, y: { stacked: true, title: { display: true, text: "USD" } } },
      },
    };
    try {
      chart?.destroy();
      chart = new Chart(canvas, config);
    } catch {
      chart = null; // no canvas (a test's DOM): the table below carries the same figures
    }
  });

  const rate = (m: UsageLine) => (m.requests ? `${((100 * m.errors) / m.requests).toFixed(1)}%` : "—");
  const ms = (v: number | null) => (v === null ? "—" : `${v} ms`);
  return (
    <section class="usage">
      <h2>Usage</h2>
      <div class="range">
        <label>From <input type="date" class="usage-since" value={since()} onChange={(e) => setSince(e.currentTarget.value)} /></label>
        <label>To <input type="date" class="usage-until" value={until()} onChange={(e) => setUntil(e.currentTarget.value)} /></label>
        <button class="export-csv" onClick={async () => {
          try { setStatus(`saved ${await props.backend.exportUsageCsv(since(), until())}`); } catch (e) { setStatus(describe(e)); }
        }}>Export CSV</button>
        <span class="status" aria-live="polite">{status()}</span>
      </div>
      <Show when={data.error}><div class="problem">{String(data.error)}</div></Show>
      <Show when={data()}>{(d) => (<>
        <p class="total">Spent <strong class="total-usd">${usd(d().totalMicros)}</strong> from {d().since} to {d().until}</p>
        <Show when={d().budget}>{(b) => (
          <div class="budget-progress" classList={{ warn: b().spentMicros >= 0.8 * b().capMicros, over: b().spentMicros >= b().capMicros }}>
            This month: ${usd(b().spentMicros)} of ${usd(b().capMicros)} budget
            <progress max={1} value={Math.min(1, b().spentMicros / Math.max(1, b().capMicros))} />
          </div>
        )}</Show>
        <div class="chart-box"><canvas ref={canvas} class="spend-chart" aria-label="Spend per day by provider" /></div>
        <table class="day-table visually-hidden">
          <caption>Spend per day by provider</caption>
          <tbody><For each={d().days}>{(s) => <tr><td>{s.day}</td><td>{s.provider}</td><td>{usd(s.costMicros)}</td></tr>}</For></tbody>
        </table>
        <h3>By model</h3>
        <table class="model-table">
          <thead><tr><th>Model</th><th>Spend (USD)</th><th>Requests</th><th>Input</th><th>Output</th><th>First token p50</th><th>p95</th><th>Errors</th><th>After a failure</th></tr></thead>
          <tbody><For each={d().models}>{(m) => (
            <tr class="model-row" data-model={m.key}>
              <td>{m.key}</td><td class="cost"><span class="usd">{usd(m.costMicros)}</span><Show when={m.estimated}><span class="est" title="partly estimated: a provider sent no usage">{" ≈"}</span></Show></td><td class="requests">{m.requests}</td>
              <td class="input">{m.inputTokens}</td><td class="output">{m.outputTokens}</td><td>{ms(m.ttftP50)}</td><td>{ms(m.ttftP95)}</td>
              <td class="errors">{rate(m)}</td><td class="late">{m.afterFailure}</td>
            </tr>
          )}</For></tbody>
        </table>
        <h3>By client of the gateway</h3>
        <table class="client-table">
          <thead><tr><th>Client</th><th>Spend (USD)</th><th>Requests</th></tr></thead>
          <tbody><For each={d().clients}>{(c) => (
            <tr class="client-row" data-client={c.key}><td>{c.key}</td><td class="cost">{usd(c.costMicros)}</td><td>{c.requests}</td></tr>
          )}</For></tbody>
        </table>
      </>)}</Show>
    </section>
  );
}
