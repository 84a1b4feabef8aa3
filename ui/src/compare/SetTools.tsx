// Named compare sets: saved, loaded and removed through the backend as edits of config.toml
// (`[compare_sets.NAME]`), so `roundtable compare --set NAME` runs the same sets. Sets an older
// version kept in localStorage are moved into the config once (a set the config refuses is
// dropped, and the view says which and why).

import { createSignal, onMount, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Button, Select, TextField } from "../design/controls";
import { Save, Trash } from "../design/icons";
import { takeOldCompareSets } from "../shared/storage";
import type { CompareSetSetting } from "../types";

/** What the config accepts as a set's name (a bare TOML key). */
const tidy = (name: string) => name.trim().replace(/[^A-Za-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "") || "set";

export function SetTools(props: {
  backend: FullBackend;
  /** The models or routes picked now, one per column. */
  picked: string[];
  onLoad: (columns: string[]) => void;
  onProblem: (message: string) => void;
}) {
  const b = props.backend;
  const [sets, setSets] = createSignal<CompareSetSetting[]>([]);
  const [name, setName] = createSignal("");
  /** The set last loaded or saved: the one "Remove" removes. */
  const [current, setCurrent] = createSignal<string | null>(null);

  onMount(async () => {
    try {
      setSets(await moveOldSets((await b.settings()).compareSets));
    } catch (e) {
      props.onProblem(String(e));
    }
  });

  async function moveOldSets(known: CompareSetSetting[]): Promise<CompareSetSetting[]> {
    const refused: string[] = [];
    for (const [old, columns] of Object.entries(takeOldCompareSets())) {
      const set = { name: tidy(old), columns };
      if (known.some((s) => s.name === set.name)) continue;
      try {
        known = (await b.editSettings({ kind: "compareSet", set, previous: null })).compareSets;
      } catch (e) {
        refused.push(`“${old}”: ${String(e)}`);
      }
    }
    if (refused.length) props.onProblem(`Sets saved by an older version that config.toml refused (dropped): ${refused.join("; ")}`);
    return known;
  }

  async function edit(run: () => Promise<{ compareSets: CompareSetSetting[] }>, then: () => void) {
    try {
      setSets((await run()).compareSets);
      then();
    } catch (e) {
      props.onProblem(String(e));
    }
  }

  const save = () => {
    const n = name().trim();
    if (!n || props.picked.length < 2) return;
    void edit(() => b.editSettings({ kind: "compareSet", set: { name: n, columns: [...props.picked] }, previous: null }), () => {
      setCurrent(n);
      setName("");
    });
  };

  const remove = (n: string) => void edit(() => b.editSettings({ kind: "removeCompareSet", name: n }), () => setCurrent(null));

  return (
    <div class="set-tools" role="group" aria-label="Compare sets">
      <TextField label="Set name" hideLabel class="set-name-field" inputClass="set-name" placeholder="Name these columns" value={name()}
        onInput={(e) => setName(e.currentTarget.value)}
        onKeyDown={(e) => { if (e.key === "Enter") { e.preventDefault(); save(); } }} />
      <Button icon={Save} class="save-set" onClick={save} disabled={props.picked.length < 2 || !name().trim()}
        title="Saved in config.toml: roundtable compare --set NAME runs it too">Save set</Button>
      <Show when={sets().length}>
        <Select label="Load a saved set" hideLabel class="load-set-field" selectClass="load-set"
          options={[{ value: "", label: "Load a saved set…" }, ...sets().map((s) => ({ value: s.name, label: `${s.name} (${s.columns.join(", ")})` }))]}
          onChange={(e) => {
            const s = sets().find((x) => x.name === e.currentTarget.value);
            if (s) { props.onLoad([...s.columns]); setCurrent(s.name); }
            e.currentTarget.value = "";
          }} />
      </Show>
      <Show when={current()}>{(n) => (
        <Button variant="ghost" icon={Trash} class="remove-set" onClick={() => remove(n())}>Remove “{n()}”</Button>
      )}</Show>
    </div>
  );
}
