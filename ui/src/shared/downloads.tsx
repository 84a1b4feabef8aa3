// Downloads of built-in local models, as Settings → Models and the first-run screen show them:
// each one's progress (from its own channel), its error naming the model, and a Cancel; the
// backend does the work (one download per name, resumed where a cancelled one stopped).

import { createSignal, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Button } from "../design/controls";
import { X } from "../design/icons";
import type { PullEvent } from "../types";
import { describe } from "./problems";

export interface Progress { done: number; total: number | null }

/** `98.4 MB` (decimal, as disks are sold). */
export const megabytes = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** How far a download is, in words: `42% · 41.3 MB of 98.4 MB`. */
export function progressText(p: Progress): string {
  if (!p.total) return `${megabytes(p.done)}`;
  return `${Math.floor((p.done / p.total) * 100)}% · ${megabytes(p.done)} of ${megabytes(p.total)}`;
}

export type Downloads = ReturnType<typeof createDownloads>;

/** The downloads this view started. `onInstalled` hears each model that finished. */
export function createDownloads(b: FullBackend, onInstalled: (name: string) => void) {
  const [progress, setProgress] = createSignal<Record<string, Progress>>({});
  const [errors, setErrors] = createSignal<Record<string, string>>({});
  const set = <T,>(f: (fn: (r: Record<string, T>) => Record<string, T>) => void, name: string, v: T | undefined) =>
    f((r) => {
      const next = { ...r };
      if (v === undefined) delete next[name];
      else next[name] = v;
      return next;
    });

  /** Downloads `name`; answers true once it is installed (false: cancelled or failed, its error kept). */
  function start(name: string): Promise<boolean> {
    set(setErrors, name, undefined);
    set(setProgress, name, { done: 0, total: null });
    return new Promise<boolean>((resolve) => {
      const end = (ok: boolean, error?: string) => {
        set(setProgress, name, undefined);
        if (error) set(setErrors, name, `Could not download ${name}: ${error}`);
        if (ok) onInstalled(name);
        resolve(ok);
      };
      const onEvent = (e: PullEvent) => {
        if (e.kind === "progress") set(setProgress, name, { done: e.done, total: e.total });
        else if (e.kind === "done") end(true);
        else if (e.kind === "failed") end(false, e.error.message);
        else end(false);
      };
      b.localPull(name, onEvent).catch((e) => end(false, describe(e)));
    });
  }

  async function cancel(name: string) {
    try {
      await b.localPullCancel(name);
    } catch (e) {
      set(setErrors, name, `Could not cancel the download of ${name}: ${describe(e)}`);
    }
  }

  return {
    start, cancel,
    /** The progress of a download this view runs, if it runs. */
    progress: (name: string): Progress | undefined => progress()[name],
    error: (name: string): string | undefined => errors()[name],
    clearError: (name: string) => set(setErrors, name, undefined),
  };
}

/** A download's bar, its words and its Cancel button. */
export function DownloadBar(props: { name: string; progress: Progress; onCancel: () => void }) {
  const [cancelling, setCancelling] = createSignal(false);
  const p = () => props.progress;
  return (
    <div class="download" data-testid={`download-${props.name}`}>
      {/* Without a size the bar is indeterminate: it has no value at all. */}
      <Show when={p().total} fallback={<progress class="download-bar" aria-label={`Downloading ${props.name}`} />}>{(total) => (
        <progress class="download-bar" max={total()} value={p().done} aria-label={`Downloading ${props.name}`} />
      )}</Show>
      <span class="download-text" role="status">
        <Show when={p().done > 0 || p().total} fallback="Starting the download…">{progressText(p())}</Show>
      </span>
      <Button size="sm" variant="ghost" icon={X} class="download-cancel" data-testid={`cancel-${props.name}`} disabled={cancelling()}
        onClick={() => { setCancelling(true); props.onCancel(); }}>Cancel</Button>
    </div>
  );
}
