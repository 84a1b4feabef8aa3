// Settings: sections with their own navigation (tabs on the left, on top when the view is
// narrow) and one panel — providers and keys, the built-in local models, presets, routes,
// prices, the spend limits (budgets), the MCP servers (tools), the gateway, the theme, the app's updates.
// The app owns which section is open (the palette opens any). Every edit of config.toml is one
// change the backend checks before writing; a refused edit says why and changes nothing.

import { createEffect, createResource, createSignal, type JSX, Match, on, onCleanup, onMount, Show, Switch } from "solid-js";
import type { FullBackend } from "../backend";
import type { Edit, SettingsView, UpdateCheck } from "../types";
import { describe } from "../shared/problems";
import { Skeleton } from "../design/controls";
import { type Icon, CircleArrowUp, Coins, Cpu, FileText, KeyRound, Palette, Route, Server, Wallet, Wrench } from "../design/icons";
import { TabPanel, Tabs } from "../design/Tabs";
import type { Theme } from "../design/theme";
import { Appearance } from "./Appearance";
import { Budgets } from "./Budgets";
import { Gateway } from "./Gateway";
import { Models } from "./Models";
import { Presets } from "./Presets";
import { Prices } from "./Prices";
import { Providers } from "./Providers";
import { Routes } from "./Routes";
import { Tools } from "./Tools";
import { Updates } from "./Updates";
import "./settings.css";

export type SettingsSection = "providers" | "models" | "presets" | "routes" | "prices" | "budget" | "tools" | "gateway" | "appearance" | "updates";

/** The sections, in the order of their navigation (the palette offers each). */
export const SETTINGS_SECTIONS: { id: SettingsSection; label: string; keywords: string }[] = [
  { id: "providers", label: "Providers and keys", keywords: "api key keychain address openai anthropic ollama" },
  { id: "models", label: "Models", keywords: "local built-in offline llama gguf download" },
  { id: "presets", label: "Presets", keywords: "system prompt temperature parameters top p max tokens seed stop" },
  { id: "routes", label: "Routes", keywords: "fallback balance latency chain" },
  { id: "prices", label: "Prices", keywords: "cost override per million" },
  { id: "budget", label: "Budgets", keywords: "spend limit monthly daily weekly provider model client alert" },
  { id: "tools", label: "Tools", keywords: "mcp server tool calling function" },
  { id: "gateway", label: "Gateway", keywords: "serve local api openai compatible token" },
  { id: "appearance", label: "Appearance", keywords: "theme dark light" },
  { id: "updates", label: "Updates", keywords: "new version upgrade release install check signature" },
];

const ICONS: Record<SettingsSection, Icon> = {
  providers: KeyRound, models: Cpu, presets: FileText, routes: Route, prices: Coins, budget: Wallet, tools: Wrench, gateway: Server, appearance: Palette, updates: CircleArrowUp,
};

/** Below this width of the view the section tabs go on top, in one scrolling row. */
const NARROW_PX = 720;

export function Settings(props: {
  backend: FullBackend; onChanged: () => void; theme: Theme; section: SettingsSection; setSection: (s: SettingsSection) => void;
  /** What the update check at start found, if it ran (Settings → Updates shows it). */
  updateFound?: UpdateCheck | null;
}) {
  const b = props.backend;
  const [config, { mutate }] = createResource(() => b.settings());
  /** Applies an edit; answers the error text, or "" when it was saved. */
  const edit = async (e: Edit): Promise<string> => {
    try {
      mutate(await b.editSettings(e));
      props.onChanged();
      return "";
    } catch (err) {
      return describe(err);
    }
  };
  const conf = () => (config.error ? undefined : config());

  let root!: HTMLDivElement;
  let nav!: HTMLDivElement;
  const [narrow, setNarrow] = createSignal(false);
  onMount(() => {
    // Each tab also gets a class (`settings-tab-<id>`) and a test id (`settings-<id>`) of its own for the end-to-end suite.
    nav.querySelectorAll<HTMLElement>("[data-tab]").forEach((t) => {
      t.classList.add(`settings-tab-${t.dataset.tab}`);
      t.dataset.testid = `settings-${t.dataset.tab}`;
    });
    if (typeof ResizeObserver !== "function") return;
    // The root's whole width (its padding changes with the layout, so not its content box).
    const ro = new ResizeObserver(() => setNarrow(root.getBoundingClientRect().width < NARROW_PX));
    ro.observe(root);
    onCleanup(() => ro.disconnect());
  });

  /** A section that edits config.toml: shown once the settings are read (`c` follows every edit). */
  // On top, the tabs scroll: keep the open one in view.
  createEffect(on([() => props.section, narrow], ([id]) => {
    const tab = nav.querySelector<HTMLElement>(`[data-tab="${id}"]`);
    const strip = tab?.parentElement;
    if (!tab || !strip || !narrow()) return;
    const t = tab.getBoundingClientRect(), r = strip.getBoundingClientRect();
    if (t.left < r.left) strip.scrollLeft -= r.left - t.left + 8;
    else if (t.right > r.right) strip.scrollLeft += t.right - r.right + 8;
  }));

  const needsConfig = (inner: (c: () => SettingsView) => JSX.Element) => (
    <>
      <Show when={config.error}><p class="problem" role="alert">{describe(config.error)}</p></Show>
      <Show when={conf()} fallback={<Show when={!config.error}><Skeleton lines={4} label="Loading the settings" /></Show>}>
        {(c) => inner(c)}
      </Show>
    </>
  );

  return (
    <div class="settings" classList={{ narrow: narrow() }} ref={root}>
      <div class="settings-nav" ref={nav}>
        <Tabs id="settings" label="Settings sections" orientation={narrow() ? "horizontal" : "vertical"} value={props.section}
          onChange={(id) => props.setSection(id as SettingsSection)}
          items={SETTINGS_SECTIONS.map((s) => ({ id: s.id, label: s.label, icon: ICONS[s.id] }))} />
      </div>
      <TabPanel tabs="settings" id={props.section} class="settings-panel">
        <Switch>
          <Match when={props.section === "providers"}><Providers backend={b} edit={edit} onChanged={props.onChanged} /></Match>
          <Match when={props.section === "models"}><Models backend={b} onChanged={props.onChanged} /></Match>
          <Match when={props.section === "routes"}>{needsConfig((c) => <Routes c={c()} edit={edit} />)}</Match>
          <Match when={props.section === "prices"}>{needsConfig((c) => <Prices c={c()} edit={edit} />)}</Match>
          <Match when={props.section === "presets"}>{needsConfig((c) => <Presets c={c()} edit={edit} backend={b} />)}</Match>
          <Match when={props.section === "budget"}>{needsConfig((c) => <Budgets c={c()} edit={edit} backend={b} />)}</Match>
          <Match when={props.section === "tools"}><Tools backend={b} edit={edit} /></Match>
          <Match when={props.section === "gateway"}><Gateway /></Match>
          <Match when={props.section === "appearance"}><Appearance theme={props.theme} /></Match>
          <Match when={props.section === "updates"}>{needsConfig((c) => <Updates c={c()} edit={edit} backend={b} found={props.updateFound} />)}</Match>
        </Switch>
        <Show when={props.section !== "gateway" && props.section !== "appearance" && conf()}>{(c) => (
          <p class="hint config-path">These settings live in <code>{c().configPath}</code>, which the CLI reads too; comments
            you write there are kept.</p>
        )}</Show>
      </TabPanel>
    </div>
  );
}
