// The leaderboard of the user's own votes: Bradley–Terry ratings with a 95% interval and vote
// counts, computed by the engine; filtered by date. A contestant is a model and what set its
// settings apart from the columns it was judged with ("x/one · temperature 0.2"), or, toggled,
// the model alone. The interval is also drawn, on one scale for every row, so overlapping ratings
// read as what they are: not yet told apart.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { ErrorCard } from "../chat/ErrorCard";
import { Badge, EmptyState, Skeleton, TextField } from "../design/controls";
import { Trophy } from "../design/icons";
import { ProviderMark } from "../design/ProviderMark";
import type { Rating } from "../types";
import { errorView } from "../shared/problems";
import { Toggle } from "./Setup";
import "../usage/report.css";

/** Where an interval sits on the board's scale (percent from the left, and its width). */
export function span(r: Rating, rows: Rating[]): { left: number; width: number; at: number } {
  const lo = Math.min(...rows.map((x) => x.low));
  const hi = Math.max(...rows.map((x) => x.high));
  const w = Math.max(1, hi - lo);
  return { left: (100 * (r.low - lo)) / w, width: Math.max(1, (100 * (r.high - r.low)) / w), at: (100 * (r.rating - lo)) / w };
}

export function LeaderboardView(props: { backend: FullBackend }) {
  const [since, setSince] = createSignal("");
  const [until, setUntil] = createSignal("");
  const [byModel, setByModel] = createSignal(false);
  const [board] = createResource(() => [since(), until(), byModel()] as const, ([s, u, m]) => props.backend.leaderboard(s || null, u || null, m));
  return (
    <section class="leaderboard report">
      <header class="view-head report-head">
        <h2>Leaderboard</h2>
        <Show when={board()}>{(b) => <Badge tone="accent" class="total">{b().votes} {b().votes === 1 ? "vote" : "votes"}</Badge>}</Show>
        <span class="head-spacer" />
        <Toggle class="by-model" label="Group by model" hint="Every setting of a model counted as the model" checked={byModel()} onChange={setByModel} />
        <div class="range" role="group" aria-label="Votes cast between">
          <TextField label="From" type="date" inputClass="lb-since" value={since()} onChange={(e) => setSince(e.currentTarget.value)} />
          <TextField label="To" type="date" inputClass="lb-until" value={until()} onChange={(e) => setUntil(e.currentTarget.value)} />
        </div>
      </header>
      <div class="report-body">
        <p class="report-hint">Ratings from your compare votes (Bradley–Terry, on an Elo-like scale where 1000 is the reference
          and 400 points are 10:1 odds), with a 95% interval (the wider of the fit's standard error and resampling the votes).
          Few votes, wide intervals.</p>
        <Show when={board.error}><ErrorCard error={errorView(board.error)} /></Show>
        <Show when={board.loading && !board()}><Skeleton lines={4} label="Loading the leaderboard" /></Show>
        <Show when={board()}>{(b) => (
          <Show when={b().rows.length} fallback={
            <EmptyState icon={Trophy} title="No votes in this range yet">
              <p>Compare models in blind mode and vote: each vote moves the ratings here.</p>
            </EmptyState>
          }>
            <div class="card table-card">
              <div class="table-scroll" tabIndex={0} role="region" aria-label="Ratings">
                <table class="table ratings">
                  <caption class="visually-hidden">Ratings of your votes, best first</caption>
                  <thead><tr>
                    <th scope="col" class="num">#</th><th scope="col">Model</th><th scope="col" class="num">Rating</th>
                    <th scope="col">95% interval</th><th scope="col" class="num">Votes</th><th scope="col" class="num">Won</th>
                    <th scope="col" class="num">Tied</th><th scope="col" class="num">Lost</th>
                  </tr></thead>
                  <tbody>
                    <For each={b().rows}>{(r, i) => {
                      const s = () => span(r, b().rows);
                      return (
                        <tr class="rating" data-model={r.model}>
                          <td class="num rank">{i() + 1}</td>
                          <td><span class="model-cell"><ProviderMark id={r.model} /><span class="model">{r.model}</span></span></td>
                          <td class="num score">{Math.round(r.rating)}</td>
                          <td><span class="interval-cell">
                            <span class="interval-bar" aria-hidden="true">
                              <span class="interval-span" style={{ left: `${s().left}%`, width: `${s().width}%` }} />
                              <span class="interval-at" style={{ left: `${s().at}%` }} />
                            </span>
                            <span class="interval">{Math.round(r.low)}–{Math.round(r.high)}</span>
                          </span></td>
                          <td class="num votes">{r.votes}</td><td class="num">{r.wins}</td><td class="num">{r.ties}</td><td class="num">{r.losses}</td>
                        </tr>
                      );
                    }}</For>
                  </tbody>
                </table>
              </div>
            </div>
          </Show>
        )}</Show>
      </div>
    </section>
  );
}
