// The usage dashboard: a date range; the range's spend and requests; each spend limit in its
// current window, whatever the range (Limits); spend per day stacked by provider (SpendChart); a
// table per model (spend, tokens, requests, p50/p95 first token, error rate, answers after a
// failure); spend per gateway client; CSV export. The figures are the engine's — the same queries
// `roundtable usage` prints — and dollars are shown exactly as it prints them.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { ErrorCard } from "../chat/ErrorCard";
import { errorView } from "../shared/problems";
import { Button, EmptyState, Skeleton, TextField } from "../design/controls";
import { ChartColumn, Download } from "../design/icons";
import { ProviderMark } from "../design/ProviderMark";
import { toast } from "../design/toast";
import { describe } from "../shared/problems";
import type { UsageLine } from "../types";
import { Limits } from "./Limits";
import { SpendChart } from "./SpendChart";
import { iso, usd } from "./spend";
import "./report.css";
import "./usage.css";

export { daysOf, stacks, usd } from "./spend";

const count = (n: number) => n.toLocaleString("en-US");
const rate = (m: UsageLine) => (m.requests ? `${((100 * m.errors) / m.requests).toFixed(1)}%` : "—");
const ms = (v: number | null) => (v === null ? "—" : `${count(v)} ms`);

export function UsageView(props: { backend: FullBackend }) {
  const today = new Date();
  const [since, setSince] = createSignal(iso(new Date(today.getTime() - 29 * 86_400_000)));
  const [until, setUntil] = createSignal(iso(today));
  const [status, setStatus] = createSignal("");
  const [data] = createResource(() => [since(), until()] as const, ([s, u]) => props.backend.dashboard(s, u));

  async function exportCsv() {
    try {
      const path = await props.backend.exportUsageCsv(since(), until());
      setStatus(`saved ${path}`);
      toast(`Usage saved to ${path}`, "success");
    } catch (e) {
      setStatus(describe(e));
      toast(describe(e), "error");
    }
  }

  return (
    <section class="usage report">
      <header class="view-head report-head">
        <h2>Usage</h2>
        <span class="head-spacer" />
        <div class="range" role="group" aria-label="Range">
          <TextField label="From" type="date" inputClass="usage-since" value={since()} max={until()} onChange={(e) => setSince(e.currentTarget.value)} />
          <TextField label="To" type="date" inputClass="usage-until" value={until()} min={since()} onChange={(e) => setUntil(e.currentTarget.value)} />
        </div>
        <Button icon={Download} class="export-csv" onClick={() => void exportCsv()}>Export CSV</Button>
      </header>
      <div class="report-body">
        <p class="status report-status" role="status">{status()}</p>
        <Show when={data.error}><ErrorCard error={errorView(data.error)} /></Show>
        <Show when={data.loading && !data()}><Skeleton lines={4} label="Loading the dashboard" /></Show>
        <Show when={data()}>{(d) => (<>
          <div class="stats">
            <div class="card stat">
              <span class="stat-label">Spent</span>
              <strong class="stat-value total-usd">${usd(d().totalMicros)}</strong>
              <span class="stat-sub">{d().since} to {d().until}</span>
            </div>
            <div class="card stat">
              <span class="stat-label">Requests</span>
              <strong class="stat-value">{count(d().models.reduce((n, m) => n + m.requests, 0))}</strong>
              <span class="stat-sub">{count(d().models.reduce((n, m) => n + m.errors, 0))} failed</span>
            </div>
          </div>
          <Show when={d().budgets.length}><Limits rules={d().budgets} /></Show>
          <Show when={d().models.length || d().totalMicros} fallback={
            <EmptyState icon={ChartColumn} title="Nothing spent in this range">
              <p>Answers in the app, the CLI and through the gateway are counted here, with what each cost.</p>
            </EmptyState>
          }>
            <section class="card report-card">
              <h3 class="report-card-title">Spend per day</h3>
              <SpendChart data={d()} />
            </section>
            <section class="card report-card">
              <h3 class="report-card-title">By model</h3>
              <div class="table-scroll" tabIndex={0} role="region" aria-label="Usage by model">
                <table class="table model-table">
                  <thead><tr>
                    <th scope="col">Model</th><th scope="col" class="num">Spend (USD)</th><th scope="col" class="num">Requests</th>
                    <th scope="col" class="num">Input</th><th scope="col" class="num">Output</th><th scope="col" class="num">First token p50</th>
                    <th scope="col" class="num">p95</th><th scope="col" class="num">Errors</th><th scope="col" class="num">After a failure</th>
                  </tr></thead>
                  <tbody><For each={d().models}>{(m) => (
                    <tr class="model-row" data-model={m.key}>
                      <td><span class="model-cell"><ProviderMark id={m.key} /><span class="model">{m.key}</span></span></td>
                      <td class="num cost"><span class="usd">{usd(m.costMicros)}</span><Show when={m.estimated}><span class="est" title="partly estimated: a provider sent no usage">{" ≈"}</span></Show></td>
                      <td class="num requests">{m.requests}</td>
                      <td class="num tokens-in">{count(m.inputTokens)}</td><td class="num tokens-out">{count(m.outputTokens)}</td>
                      <td class="num">{ms(m.ttftP50)}</td><td class="num">{ms(m.ttftP95)}</td>
                      <td class="num errors">{rate(m)}</td><td class="num late">{m.afterFailure}</td>
                    </tr>
                  )}</For></tbody>
                </table>
              </div>
            </section>
            <section class="card report-card">
              <h3 class="report-card-title">By client of the gateway</h3>
              <Show when={d().clients.length} fallback={<p class="report-hint">No requests through the gateway in this range.</p>}>
                <div class="table-scroll" tabIndex={0} role="region" aria-label="Usage by gateway client">
                  <table class="table client-table">
                    <thead><tr><th scope="col">Client</th><th scope="col" class="num">Spend (USD)</th><th scope="col" class="num">Requests</th></tr></thead>
                    <tbody><For each={d().clients}>{(c) => (
                      <tr class="client-row" data-client={c.key}><td>{c.key}</td><td class="num cost">{usd(c.costMicros)}</td><td class="num">{c.requests}</td></tr>
                    )}</For></tbody>
                  </table>
                </div>
              </Show>
            </section>
          </Show>
        </>)}</Show>
      </div>
    </section>
  );
}
