// A new compare's columns as picked: each a target (a model or a route; the same one may be
// picked twice) and its own settings, index by index; and the presets to pick from. The targets
// are remembered for the next compare (localStorage, through shared/storage); the settings are
// this compare's.

import { createSignal } from "solid-js";
import type { FullBackend } from "../backend";
import { columnFields } from "../shared/params";
import { load, save } from "../shared/storage";
import type { ChatSettings, ColumnSpec, PresetSetting } from "../types";

/** A column as picked: its target and its own settings. */
export interface Pick { target: string; settings: ChatSettings }

export type Picks = ReturnType<typeof createPicks>;

export function createPicks(b: FullBackend, max: number) {
  const [picked, setPicked] = createSignal<string[]>(load("compareLast"));
  const [settings, setSettings] = createSignal<ChatSettings[]>([]);
  const [presets, setPresets] = createSignal<PresetSetting[]>([]);

  /** Column `i` takes `id` (empty: the column goes, and its settings with it). */
  function setSlot(i: number, id: string) {
    const targets = [...picked()];
    const own = [...settings()];
    if (id) targets[i] = id;
    else { targets.splice(i, 1); own.splice(i, 1); }
    const kept = targets.map((t, k) => ({ t, s: own[k] ?? {} })).filter((x) => x.t);
    setPicked(kept.map((x) => x.t));
    setSettings(kept.map((x) => x.s));
    save("compareLast", picked());
  }

  /** A saved set's columns (their settings start empty). */
  function loadSet(columns: string[]) {
    setPicked(columns.slice(0, max));
    setSettings([]);
    save("compareLast", picked());
  }

  function setOwn(i: number, s: ChatSettings) {
    const own = [...settings()];
    while (own.length < i) own.push({});
    own[i] = s;
    setSettings(own);
  }

  /** The columns picked, with their settings. */
  const pairs = (): Pick[] => picked().filter(Boolean).slice(0, max).map((target, i) => ({ target, settings: settings()[i] ?? {} }));

  /** A new compare's column as sent: its target, and its settings (with their preset). */
  const spec = (p: Pick): ColumnSpec => ({ targets: [p.target], after: null, ...columnFields(p.settings) });

  async function loadPresets() {
    try { setPresets((await b.settings()).presets ?? []); } catch { /* none to offer */ }
  }

  return { picked, settings, presets, setSlot, loadSet, setOwn, pairs, spec, loadPresets };
}
