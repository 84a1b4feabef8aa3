// The preset chip by a composer: it names the preset in force ("terse", "terse (edited)",
// "Custom" for settings of one's own, "No preset") and opens a menu of the presets from
// config.toml (each with its model, if it names one), "Default settings" to clear them, and a
// way to Settings → Presets. The menu is the design system's (arrow keys, Escape).

import { createSignal, Show } from "solid-js";
import { Menu, type MenuEntry } from "../design/Menu";
import { Check, ChevronDown } from "../design/icons";
import type { ChatSettings, PresetSetting } from "../types";
import { edited, isDefault, presetModel } from "./params";

/** The chip's words for settings. */
export function presetLabel(s: ChatSettings, presets: PresetSetting[]): string {
  if (s.preset) return edited(s, presets) ? `${s.preset} (edited)` : s.preset;
  return isDefault(s) ? "No preset" : "Custom";
}

export function PresetPicker(props: {
  value: ChatSettings; presets: PresetSetting[];
  onPick: (p: PresetSetting | null) => void;
  /** The menu is about to open (read the presets again). */
  onOpen?: () => void;
  /** Opens Settings → Presets. */
  onManage?: () => void;
  disabled?: boolean;
}) {
  const [at, setAt] = createSignal<{ x: number; y: number } | null>(null);
  let button!: HTMLButtonElement;
  const open = () => {
    props.onOpen?.();
    const r = button.getBoundingClientRect();
    // Above the button: the composer is at the window's foot (the menu keeps itself inside it).
    setAt({ x: r.left, y: r.top - 8 - 36 * (props.presets.length + 3) });
  };
  const items = (): MenuEntry[] => [
    ...props.presets.map((p) => ({
      label: presetModel(p) ? `${p.name} · ${presetModel(p)}` : p.name,
      icon: p.name === props.value.preset ? Check : undefined,
      class: `preset-item preset-${p.name}`,
      onSelect: () => props.onPick(p),
    })),
    ...(props.presets.length ? ["separator" as const] : []),
    { label: "Default settings (clear them all)", class: "preset-none", icon: isDefault(props.value) ? Check : undefined, onSelect: () => props.onPick(null) },
    ...(props.onManage ? [{ label: "Edit presets in Settings…", class: "preset-manage", onSelect: () => props.onManage?.() }] : []),
  ];
  const label = () => presetLabel(props.value, props.presets);
  return (
    <>
      <button type="button" ref={button} class="preset-picker model-chip" classList={{ on: !isDefault(props.value) }} disabled={props.disabled}
        aria-haspopup="menu" aria-expanded={at() !== null} aria-label={`Preset: ${label()} — pick another`} data-tip="Pick a preset"
        onClick={(e) => { e.stopPropagation(); if (at()) setAt(null); else open(); }}
        onKeyDown={(e) => { if (e.key === "ArrowDown" || e.key === "ArrowUp") { e.preventDefault(); open(); } }}>
        <span class="preset-name">{label()}</span>
        <ChevronDown size={14} aria-hidden="true" />
      </button>
      <Show when={at()}>{(p) => <Menu label="Presets" items={items()} at={p()} onClose={() => setAt(null)} />}</Show>
    </>
  );
}
