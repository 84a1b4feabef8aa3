// Appearance: the theme, as a segmented choice of three radios (arrow keys move between them).

import { For } from "solid-js";
import type { Theme, ThemeChoice } from "../design/theme";
import { Card } from "../design/controls";
import { type Icon, Monitor, Moon, Sun } from "../design/icons";
import { SectionHead } from "./common";

const CHOICES: { value: ThemeChoice; label: string; icon: Icon }[] = [
  { value: "system", label: "System", icon: Monitor },
  { value: "light", label: "Light", icon: Sun },
  { value: "dark", label: "Dark", icon: Moon },
];

export function Appearance(props: { theme: Theme }) {
  return (
    <div class="appearance">
      <SectionHead title="Appearance">Kept on this computer. "System" follows the light or dark setting of the OS as it changes.</SectionHead>
      <Card>
        <fieldset class="segmented theme-setting">
          <legend>Theme</legend>
          <div class="segments">
            <For each={CHOICES}>{(c) => (
              <label class="segment">
                <input type="radio" name="theme" class="visually-hidden" value={c.value} checked={props.theme.choice() === c.value}
                  onChange={() => props.theme.setChoice(c.value)} />
                <span class="segment-face"><c.icon size={16} aria-hidden="true" />{c.label}</span>
              </label>
            )}</For>
          </div>
        </fieldset>
      </Card>
    </div>
  );
}
