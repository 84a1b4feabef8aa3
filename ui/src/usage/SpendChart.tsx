// Spend per day, stacked by provider (Chart.js, bars only). Its colours follow the theme: one
// palette for light and one for dark (each bar colour at least 3:1 against the page), the axes
// and labels in the theme's own text colours, redrawn when the theme changes. The same figures
// are in a table for screen readers.

import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from "chart.js";
import { createEffect, createSignal, For, onCleanup } from "solid-js";
import type { Dashboard } from "../types";
import { stacks, usd } from "./spend";

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip, Legend);

/** Bar colours: each readable (≥ 3:1) on its theme's background, neighbours told apart by hue. */
export const PALETTE = {
  light: ["#4f46e5", "#b45309", "#047857", "#be185d", "#0369a1", "#7c3aed", "#b91c1c", "#4d7c0f", "#a16207", "#475569"],
  dark: ["#8b8cff", "#fbbf24", "#34d399", "#f472b6", "#38bdf8", "#c4b5fd", "#f87171", "#a3e635", "#fde047", "#cbd5e1"],
};

const theme = (): "light" | "dark" => (document.documentElement.dataset.theme === "dark" ? "dark" : "light");
const token = (name: string, fallback: string) =>
  getComputedStyle(document.documentElement).getPropertyValue(name).trim() || fallback;

export function SpendChart(props: { data: Dashboard }) {
  const [mode, setMode] = createSignal(theme());
  const watch = typeof MutationObserver === "function" ? new MutationObserver(() => setMode(theme())) : null;
  watch?.observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme"] });
  let canvas!: HTMLCanvasElement;
  let chart: Chart | null = null;
  onCleanup(() => { watch?.disconnect(); chart?.destroy(); });

  createEffect(() => {
    const { days, series } = stacks(props.data);
    const colours = PALETTE[mode()];
    const text = token("--muted", "#5d5e66");
    const grid = token("--border", "#e2e1dc");
    const config = {
      type: "bar" as const,
      data: {
        labels: days,
        datasets: series.map((s, i) => ({
          label: s.provider, data: s.values, backgroundColor: colours[i % colours.length], stack: "spend", borderRadius: 2, maxBarThickness: 36,
        })),
      },
      options: {
        animation: false as const, responsive: true, maintainAspectRatio: false, color: text,
        plugins: { legend: { position: "bottom" as const, labels: { color: text, boxWidth: 12, boxHeight: 12 } } },
        scales: {
          x: { stacked: true, ticks: { color: text, maxRotation: 0, autoSkipPadding: 12 }, grid: { display: false }, border: { color: grid } },
          y: { stacked: true, ticks: { color: text, callback: (v: string | number) => dollars(Number(v)) }, grid: { color: grid }, border: { display: false }, title: { display: true, text: "USD", color: text } },
        },
      },
    };
    try {
      chart?.destroy();
      chart = new Chart(canvas, config);
    } catch {
      chart = null; // no canvas (a test's DOM): the table below carries the same figures
    }
  });

  return (
    <>
      <div class="chart-box"><canvas ref={canvas} class="spend-chart" role="img" aria-label="Spend per day by provider (the figures are in the table that follows)" /></div>
      <table class="day-table visually-hidden">
        <caption>Spend per day by provider</caption>
        <thead><tr><th scope="col">Day</th><th scope="col">Provider</th><th scope="col">Spend (USD)</th></tr></thead>
        <tbody><For each={props.data.days}>{(s) => <tr><td>{s.day}</td><td>{s.provider}</td><td>{usd(s.costMicros)}</td></tr>}</For></tbody>
      </table>
    </>
  );
}

/** An axis tick in dollars, readable at any scale ($12, $0.50, $0.00007 — never 7.0E-5). */
export function dollars(v: number): string {
  if (v === 0) return "$0";
  const a = Math.abs(v);
  if (a >= 1) return `$${v.toFixed(a >= 100 ? 0 : 2)}`;
  if (a >= 0.01) return `$${v.toFixed(2)}`;
  return `$${Number(v.toPrecision(2)).toFixed(Math.min(20, Math.ceil(-Math.log10(a)) + 1))}`;
}
