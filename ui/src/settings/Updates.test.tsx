import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { createTheme } from "../design/theme";
import { dismissToast, toasts } from "../design/toast";
import type { Edit, InstallKind, Installed, SettingsView, UpdateCheck } from "../types";
import { Settings } from "./Settings";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 100; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const DEFAULT = "https://github.com/roundtable-app/roundtable/releases/latest/download/latest.json";
const base: SettingsView = {
  configPath: "/data/config.toml", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [], presets: [], budgets: [],
  updates: { enabled: false, url: DEFAULT, defaultUrl: DEFAULT },
};
const deb: InstallKind = { kind: "package", format: "deb" };

/** A promise settled from outside (to look at the page while the backend works). */
function later<T>() {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
}

/**
 * A fake backend holding the settings in memory; it refuses a plain-http address as the real one
 * does. `check` and `install` answer what the test sets (a function may throw or wait).
 */
function fake(start: SettingsView = base) {
  let view = structuredClone(start);
  const edits: Edit[] = [];
  const calls = { check: 0, install: 0, restart: 0 };
  const answers: { check: () => Promise<UpdateCheck>; install: () => Promise<Installed> } = {
    check: async () => ({ current: "0.1.0", install: deb, offer: null }),
    install: async () => ({ version: "0.2.0" }),
  };
  const backend = {
    settings: async () => structuredClone(view),
    editSettings: async (e: Edit) => {
      edits.push(e);
      if (e.kind === "updates") {
        const url = e.url?.trim() || null;
        if (url && url.startsWith("http://") && !url.startsWith("http://127.0.0.1")) {
          throw { kind: "config", message: `updates.url: \`${url}\` uses plain http: updates come over https (http only from this machine)` };
        }
        view = { ...view, updates: { ...view.updates, enabled: e.enabled, url: url ?? view.updates.defaultUrl } };
      }
      return structuredClone(view);
    },
    updateCheck: () => { calls.check++; return answers.check(); },
    updateInstall: () => { calls.install++; return answers.install(); },
    updateRestart: async () => { calls.restart++; },
  } as unknown as FullBackend;
  return { backend, edits, calls, answers };
}

let dispose: (() => void) | null = null;
afterEach(() => {
  dispose?.();
  document.body.innerHTML = "";
  for (const t of toasts()) dismissToast(t.id);
});
function mount(backend: FullBackend, found: UpdateCheck | null = null) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => <Settings backend={backend} onChanged={() => {}} theme={createTheme()} section="updates" setSection={() => {}}
    updateFound={found} />, root);
  return root;
}
const $ = <T extends Element>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
/** Types into a field as a person does. */
function type(el: HTMLInputElement, v: string) {
  el.value = v;
  el.dispatchEvent(new Event("input", { bubbles: true }));
}
const status = (root: ParentNode) => $<HTMLElement>(root, "#update-status").textContent!.replace(/\s+/g, " ").trim();
async function open(backend: FullBackend, found: UpdateCheck | null = null) {
  const root = mount(backend, found);
  await until(() => root.querySelector(".updates-section #update-check") !== null, "the updates section");
  return root;
}
async function checkNow(root: HTMLElement, text: string) {
  $<HTMLButtonElement>(root, "#update-check").click();
  await until(() => status(root).includes(text), `"${text}"`);
}
/** Serious or critical axe violations in the page (colour contrast is checked elsewhere). */
async function violations(): Promise<string[]> {
  const axe = (await import("axe-core")).default;
  const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
  return r.violations.filter((v) => v.impact === "serious" || v.impact === "critical").map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`);
}

describe("Settings → Updates", () => {
  it("the check at start is off by default; turning it on sends the edit (the default address stays unwritten)", async () => {
    const { backend, edits } = fake();
    const root = await open(backend);
    const box = $<HTMLInputElement>(root, "#update-enabled");
    expect(box.checked).toBe(false);
    expect(box.closest("label")!.textContent).toBe("Check for updates at start");
    expect($(root, `#${box.getAttribute("aria-describedby")}`).textContent).toContain("Updates are signed; one that fails the signature check is refused.");
    box.click();
    await until(() => edits.length === 1, "the edit");
    expect(edits[0]).toEqual({ kind: "updates", enabled: true, url: null });
    await until(() => toasts().some((t) => t.text === "Roundtable looks for updates at start"), "the toast");
    expect(box.checked).toBe(true);
    expect(await violations()).toEqual([]);
  });

  it("a refused change of the switch shows why and leaves it as the file has it", async () => {
    const { backend } = fake();
    const root = await open(backend);
    (backend as unknown as { editSettings: () => Promise<never> }).editSettings = async () => { throw { kind: "config", message: "config.toml could not be written" }; };
    const box = $<HTMLInputElement>(root, "#update-enabled");
    box.click();
    await until(() => root.querySelector(".updates-section .status")!.textContent === "config.toml could not be written", "the refusal");
    expect(box.checked).toBe(false);
  });

  it("turning it off keeps an address of one's own", async () => {
    const mine = "https://mirror.example/latest.json";
    const { backend, edits } = fake({ ...base, updates: { enabled: true, url: mine, defaultUrl: DEFAULT } });
    const root = await open(backend);
    expect($<HTMLInputElement>(root, "#update-url").value).toBe(mine);
    $<HTMLInputElement>(root, "#update-enabled").click();
    await until(() => edits.length === 1, "the edit");
    expect(edits[0]).toEqual({ kind: "updates", enabled: false, url: mine });
  });

  it("the address: empty with the default as placeholder; a refused one shows why and keeps the text; Use default sends null", async () => {
    const { backend, edits } = fake();
    const root = await open(backend);
    const field = $<HTMLInputElement>(root, "#update-url");
    expect(field.value).toBe("");
    expect(field.placeholder).toBe(DEFAULT);
    expect($(root, "label[for=update-url]").textContent).toBe("Update address");
    type(field, "http://example.com/latest.json");
    $<HTMLButtonElement>(root, ".save-update-url").click();
    await until(() => root.querySelector("#update-url-error") !== null, "the refusal");
    expect(edits[0]).toEqual({ kind: "updates", enabled: false, url: "http://example.com/latest.json" });
    const error = $<HTMLElement>(root, "#update-url-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("updates.url:");
    expect(error.textContent).toContain("uses plain http");
    expect(field.value).toBe("http://example.com/latest.json");
    expect(field.getAttribute("aria-invalid")).toBe("true");

    type(field, "https://mirror.example/latest.json");
    $<HTMLButtonElement>(root, ".save-update-url").click();
    await until(() => root.querySelector("#update-url-error") === null, "the error gone");
    expect(edits[1]).toEqual({ kind: "updates", enabled: false, url: "https://mirror.example/latest.json" });
    expect(field.value).toBe("https://mirror.example/latest.json");

    $<HTMLButtonElement>(root, ".default-update-url").click();
    await until(() => edits.length === 3, "the edit");
    expect(edits[2]).toEqual({ kind: "updates", enabled: false, url: null });
    await until(() => field.value === "", "the field emptied");
  });

  it("Check now: disabled and 'Checking…' while it runs; no offer says this version is the newest", async () => {
    const { backend, answers, calls } = fake();
    const wait = later<UpdateCheck>();
    answers.check = () => wait.promise;
    const root = await open(backend);
    const button = $<HTMLButtonElement>(root, "#update-check");
    expect(button.textContent).toBe("Check now");
    const region = $<HTMLElement>(root, "#update-status");
    expect(region.getAttribute("role")).toBe("status");
    expect(region.getAttribute("aria-live")).toBe("polite");
    button.click();
    await until(() => button.disabled, "the button disabled");
    expect(button.textContent).toBe("Checking…");
    wait.resolve({ current: "0.1.0", install: deb, offer: null });
    await until(() => status(root) === "Roundtable 0.1.0 is the newest version.", "the answer");
    expect(button.disabled).toBe(false);
    expect(button.textContent).toBe("Check now");
    expect(calls.check).toBe(1);
    expect(root.querySelector("#update-install")).toBeNull();
    expect(root.querySelector("#update-notes")).toBeNull();
  });

  it("an offer: its version, date and notes as plain text (never HTML), and Install for a package", async () => {
    const { backend, answers } = fake();
    const notes = "Fixes:\n- faster start\n<img src=x onerror=alert(1)>";
    answers.check = async () => ({ current: "0.1.0", install: deb, offer: { version: "0.2.0", notes, date: "2026-03-01T12:00:00Z" } });
    const root = await open(backend);
    await checkNow(root, "is available");
    expect(status(root)).toContain("Roundtable 0.2.0 is available (you have 0.1.0).");
    expect(status(root)).toContain("2026-03-01");
    const shown = $<HTMLElement>(root, "#update-notes");
    expect(shown.textContent).toBe(notes);
    expect(shown.children.length).toBe(0);
    expect(root.querySelector("img")).toBeNull();
    expect(document.querySelector("img")).toBeNull();
    const install = $<HTMLButtonElement>(root, "#update-install");
    expect(install.textContent).toBe("Install 0.2.0");
    expect(root.querySelector(".update-install")!.textContent).toContain(
      "Installs the .deb package through your package manager; it may ask for an administrator's password.");
    expect(await violations()).toEqual([]);
  });

  it("an AppImage says it is replaced", async () => {
    const { backend, answers } = fake();
    answers.check = async () => ({ current: "0.1.0", install: { kind: "appImage" }, offer: { version: "0.2.0", notes: null, date: null } });
    const root = await open(backend);
    await checkNow(root, "is available");
    expect(root.querySelector("#update-notes")).toBeNull();
    expect($(root, "#update-install").textContent).toBe("Install 0.2.0");
    expect(root.querySelector(".update-install")!.textContent).toContain("Replaces this AppImage with the new one.");
  });

  it("install: disabled while it works, then Restart now", async () => {
    const { backend, answers, calls } = fake();
    answers.check = async () => ({ current: "0.1.0", install: deb, offer: { version: "0.2.0", notes: null, date: null } });
    const wait = later<Installed>();
    answers.install = () => wait.promise;
    const root = await open(backend);
    await checkNow(root, "is available");
    const install = $<HTMLButtonElement>(root, "#update-install");
    install.click();
    await until(() => install.disabled, "Install disabled");
    expect(root.querySelector(".update-progress")!.textContent).toBe("Downloading, checking the signature and installing…");
    expect($<HTMLButtonElement>(root, "#update-check").disabled).toBe(true);
    wait.resolve({ version: "0.2.0" });
    await until(() => root.querySelector("#update-restart") !== null, "Restart now");
    expect(root.querySelector(".update-progress")!.textContent).toBe("Roundtable 0.2.0 is installed. It runs from the next start.");
    expect(root.querySelector("#update-install")).toBeNull();
    expect(root.querySelector("#update-error")).toBeNull();
    const restart = $<HTMLButtonElement>(root, "#update-restart");
    expect(restart.textContent).toBe("Restart now");
    restart.click();
    await until(() => calls.restart === 1, "the restart");
    expect(calls.install).toBe(1);
  });

  it("a failed install says why (nothing installed) and Install works again", async () => {
    const { backend, answers, calls } = fake();
    answers.check = async () => ({ current: "0.1.0", install: deb, offer: { version: "0.2.0", notes: null, date: null } });
    answers.install = async () => {
      throw { kind: "bad_input", message: "The update to 0.2.0 is not signed with Roundtable's release key (bad signature): nothing was installed." };
    };
    const root = await open(backend);
    await checkNow(root, "is available");
    $<HTMLButtonElement>(root, "#update-install").click();
    await until(() => root.querySelector("#update-error") !== null, "the error");
    const error = $<HTMLElement>(root, "#update-error");
    expect(error.getAttribute("role")).toBe("alert");
    expect(error.textContent).toContain("nothing was installed");
    const install = $<HTMLButtonElement>(root, "#update-install");
    expect(install.disabled).toBe(false);
    expect(root.querySelector("#update-restart")).toBeNull();
    expect(root.querySelector(".update-progress")!.textContent).toBe("");
    answers.install = async () => ({ version: "0.2.0" });
    install.click();
    await until(() => root.querySelector("#update-restart") !== null, "Restart now");
    expect(root.querySelector("#update-error")).toBeNull();
    expect(calls.install).toBe(2);
  });

  it("a copy that cannot update itself says how, with no Install", async () => {
    const { backend, answers } = fake();
    const how = "This copy was built from source, so it cannot replace itself: update it with `git pull` and `bash .ci/app`.";
    answers.check = async () => ({ current: "0.1.0", install: { kind: "manual", how }, offer: { version: "0.2.0", notes: "New.", date: null } });
    const root = await open(backend);
    await checkNow(root, "is available");
    expect(root.querySelector(".update-how")!.textContent).toBe(how);
    expect(root.querySelector("#update-install")).toBeNull();
    expect($(root, "#update-notes").textContent).toBe("New.");
  });

  it("a failed check is said in the status area as an alert; the next check clears it", async () => {
    const { backend, answers } = fake();
    answers.check = async () => { throw { kind: "bad_input", message: "Could not check for updates: https://updates.example could not be reached" }; };
    const root = await open(backend);
    await checkNow(root, "Could not check for updates");
    const alert = $<HTMLElement>(root, "#update-status [role=alert]");
    expect(alert.textContent).toBe("Could not check for updates: https://updates.example could not be reached");
    expect($<HTMLButtonElement>(root, "#update-check").disabled).toBe(false);
    answers.check = async () => ({ current: "0.1.0", install: deb, offer: null });
    await checkNow(root, "is the newest version");
    expect(root.querySelector("#update-status [role=alert]")).toBeNull();
  });

  it("shows what the check at start found, ready to install", async () => {
    const { backend, calls } = fake({ ...base, updates: { ...base.updates, enabled: true } });
    const root = await open(backend, { current: "0.1.0", install: deb, offer: { version: "0.2.0", notes: null, date: null } });
    expect(status(root)).toContain("Roundtable 0.2.0 is available (you have 0.1.0).");
    expect(root.querySelector("#update-install")).not.toBeNull();
    expect(calls.check).toBe(0);
  });
});
