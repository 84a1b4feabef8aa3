// The leaderboard of the user's own votes: Bradley–Terry ratings with a 95% interval and vote
// counts, computed by the engine; filtered by date.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";

export function LeaderboardView(props: { backend: FullBackend }) {
  const [since, setSince] = createSignal("");
  const [until, setUntil] = createSignal("");
  const [board] = createResource(() => [since(), until()] as const, ([s, u]) => props.backend.leaderboard(s || null, u || null));
  return (
    <section class="leaderboard">
      <h2>Leaderboard of your votes</h2>
      <p class="hint">Ratings from your compare votes (Bradley–Terry, on an Elo-like scale where 1000 is the reference
        and 400 points are 10:1 odds), with a 95% interval (the wider of the fit's standard error and resampling the votes).
        Few votes, wide intervals.</p>
      <div class="range">
        <label>From <input type="date" class="lb-since" value={since()} onChange={(e) => setSince(e.currentTarget.value)} /></label>
        <label>To <input type="date" class="lb-until" value={until()} onChange={(e) => setUntil(e.currentTarget.value)} /></label>
      </div>
      <Show when={board.error}><div class="problem">{String(board.error)}</div></Show>
      <Show when={board()}>{(b) => (
        <Show when={b().rows.length} fallback={<p class="empty">No votes in this range yet: compare models in blind mode and vote.</p>}>
          <table class="ratings">
            <thead><tr><th>#</th><th>Model</th><th>Rating</th><th>95% interval</th><th>Votes</th><th>Won</th><th>Tied</th><th>Lost</th></tr></thead>
            <tbody>
              <For each={b().rows}>{(r, i) => (
                <tr class="rating" data-model={r.model}>
                  <td>{i() + 1}</td><td class="model">{r.model}</td><td class="score">{Math.round(r.rating)}</td>
                  <td class="interval">{Math.round(r.low)}–{Math.round(r.high)}</td>
                  <td class="votes">{r.votes}</td><td>{r.wins}</td><td>{r.ties}</td><td>{r.losses}</td>
                </tr>
              )}</For>
            </tbody>
          </table>
          <p class="hint total">{b().votes} votes</p>
        </Show>
      )}</Show>
    </section>
  );
}
