// Settings → Tools against a fake backend that keeps MCP servers in memory, refuses what the real
// one refuses (a bad name, a second server of the same name) and starts only the servers a test
// says can start.

import { createSignal } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it } from "vitest";
import type { FullBackend } from "../backend";
import { createTheme } from "../design/theme";
import { dismissToast, toasts } from "../design/toast";
import type { Edit, McpServerSetting, McpTest, ServerView, SettingsView } from "../types";
import { nameProblem, parseEnv, targetOf } from "./mcp";
import { Settings, type SettingsSection } from "./Settings";

async function until(cond: () => boolean, what: string) {
  for (let i = 0; i < 200; i++) { if (cond()) return; await new Promise((r) => setTimeout(r, 5)); }
  throw new Error(`timed out waiting for ${what}`);
}
let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; document.body.innerHTML = ""; for (const t of toasts()) dismissToast(t.id); });

const setting = (name: string, o: Partial<McpServerSetting> = {}): McpServerSetting => ({
  name, command: "npx", args: ["-y", `@mcp/${name}`], env: {}, cwd: null, url: null, authHeader: null, enabled: true, disabledTools: [], ...o,
});

const start: ServerView[] = [
  { setting: setting("fs", { args: ["-y", "@mcp/fs", "/home/me/my notes"] }), hasAuth: false,
    status: { name: "fs", kind: "stdio", target: "npx", enabled: true, state: "running", pid: 4242, tools: 3, lastError: null, coldStartMs: 480 } },
  { setting: setting("broken", { command: "/nope/server" }), hasAuth: false,
    status: { name: "broken", kind: "stdio", target: "/nope/server", enabled: true, state: "failed", pid: null, tools: null,
      lastError: "broken: could not start /nope/server: <b>No such file</b> (os error 2)", coldStartMs: null } },
  { setting: setting("remote", { command: null, args: [], url: "https://mcp.example.com/mcp", authHeader: "Authorization" }), hasAuth: true, status: null },
];

const test: McpTest = {
  status: start[0].status!,
  tools: [
    { server: "fs", name: "read_file", namespaced: "fs__read_file", title: null, description: "Reads a file", inputSchema: {}, enabled: true },
    { server: "fs", name: "write_file", namespaced: "fs__write_file", title: null, description: "<script>alert(1)</script>", inputSchema: {}, enabled: true },
  ],
};

function fake() {
  let servers = structuredClone(start);
  const saves: { server: McpServerSetting; previous: string | null; auth: string | null }[] = [];
  const removed: string[] = [];
  const edits: Edit[] = [];
  const view: SettingsView = { configPath: "/data/config.toml", routes: [], compareSets: [], prices: [], budget: { monthlyUsd: null, spentUsd: 0 }, mcp: [], presets: [], budgets: [],
    updates: { enabled: false, url: "https://updates.example/latest.json", defaultUrl: "https://updates.example/latest.json" } };
  const backend = {
    providers: async () => [],
    settings: async () => structuredClone(view),
    editSettings: async (e: Edit) => { edits.push(structuredClone(e)); return structuredClone(view); },
    mcpServers: async () => structuredClone(servers),
    mcpTest: async (name: string) => {
      if (name !== "fs") throw `${name}: could not start /nope/server: No such file or directory (os error 2)`;
      return structuredClone(test);
    },
    mcpSave: async (server: McpServerSetting, previous: string | null, auth: string | null) => {
      saves.push(structuredClone({ server, previous, auth }));
      if (server.name === "clash") throw { kind: "config", message: "there is already an MCP server `clash`" };
      const old = servers.find((s) => s.setting.name === (previous ?? server.name));
      const next: ServerView = { setting: server, status: old?.status ?? null, hasAuth: !!auth || (old?.hasAuth ?? false) };
      servers = old ? servers.map((s) => (s === old ? next : s)) : [...servers, next];
      return structuredClone(servers);
    },
    mcpRemove: async (name: string) => { removed.push(name); servers = servers.filter((s) => s.setting.name !== name); return structuredClone(servers); },
  } as unknown as FullBackend;
  return { backend, saves, removed, edits };
}

function mount(backend: FullBackend) {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(() => {
    const [section, setSection] = createSignal<SettingsSection>("providers");
    return <Settings backend={backend} onChanged={() => {}} theme={createTheme()} section={section()} setSection={setSection} />;
  }, root);
  return root;
}
const $ = <T extends Element = HTMLElement>(root: ParentNode, sel: string) => root.querySelector(sel) as T;
const id = <T extends Element = HTMLElement>(root: ParentNode, testid: string) => $<T>(root, `[data-testid="${testid}"]`);
const type = (el: HTMLInputElement | HTMLTextAreaElement, v: string) => { el.value = v; el.dispatchEvent(new Event("input", { bubbles: true })); };
const card = (root: ParentNode, name: string) => $(root, `.mcp-server[data-name="${name}"]`);
const toasted = (text: string, tone: "success" | "error") => toasts().some((t) => t.text.includes(text) && t.tone === tone);

async function open(root: HTMLElement) {
  id(root, "settings-tools").click();
  await until(() => root.querySelector(".mcp-server") !== null, "the servers");
}

describe("Settings → Tools", () => {
  it("lists each server: what it runs or its URL, its state, pid, tools and cold start, a failed one's last error in red (as text)", async () => {
    const root = mount(fake().backend);
    await open(root);
    expect($(root, ".settings-tab-tools").textContent).toBe("Tools");
    const fs = card(root, "fs");
    expect($(fs, ".mcp-target").textContent).toBe("npx -y @mcp/fs '/home/me/my notes'");
    expect($(fs, ".mcp-state").textContent).toBe("running");
    expect($(fs, ".dot").getAttribute("aria-label")).toBe("Status: running");
    expect([$(fs, ".mcp-pid").textContent, $(fs, ".mcp-tool-count").textContent, $(fs, ".mcp-cold").textContent]).toEqual(["4242", "3", "480 ms"]);
    expect(fs.querySelector(".mcp-last-error")).toBeNull();
    const broken = card(root, "broken");
    expect($(broken, ".mcp-state").textContent).toBe("failed");
    expect($(broken, ".state").classList.contains("danger")).toBe(true);
    const err = $(broken, ".mcp-last-error");
    expect(err.classList.contains("problem")).toBe(true);
    expect(err.textContent).toBe("broken: could not start /nope/server: <b>No such file</b> (os error 2)");
    expect(err.querySelector("b")).toBeNull();
    const remote = card(root, "remote");
    expect($(remote, ".mcp-target").textContent).toBe("https://mcp.example.com/mcp");
    expect($(remote, ".mcp-state").textContent).toBe("not started");
    expect($(remote, ".mcp-auth").textContent).toBe("Authorization: a value is stored in the keychain");
  });

  it("the add form checks the name, the command and the environment beside each field, then saves and lists the server", async () => {
    const { backend, saves } = fake();
    const root = mount(backend);
    await open(root);
    id(root, "mcp-add").click();
    await until(() => root.querySelector(".mcp-form") !== null, "the form");
    const form = $(root, ".mcp-form");
    expect(document.activeElement).toBe(id(form, "mcp-name"));
    const error = (field: string) => $(form, `[data-testid="${field}"]`).closest(".field")!.querySelector(".field-error")?.textContent ?? null;
    id(form, "mcp-save").click();
    await until(() => error("mcp-name") !== null, "the name's error");
    expect(error("mcp-name")).toBe("Give the server a name.");
    expect(error("mcp-command")).toBe("Give the command that starts the server.");
    expect(id(form, "mcp-name").getAttribute("aria-invalid")).toBe("true");
    type(id(form, "mcp-name"), "my__server");
    type(id(form, "mcp-command"), "uvx");
    type(id(form, "mcp-env"), "TOKEN=abc\nnot a pair");
    id(form, "mcp-save").click();
    await until(() => error("mcp-name")?.includes("__") ?? false, "the __ error");
    expect(error("mcp-command")).toBeNull();
    expect(error("mcp-env")).toBe("“not a pair” is not KEY=VALUE (a key is letters, digits and _, not starting with a digit).");
    type(id(form, "mcp-name"), "fs");
    id(form, "mcp-save").click();
    await until(() => error("mcp-name") === "There is already a server named fs.", "the taken name");
    expect(saves).toEqual([]);
    type(id(form, "mcp-name"), "git");
    type(id(form, "mcp-args"), "mcp-server-git\n\n--repository\n/home/me/code ");
    type(id(form, "mcp-env"), "TOKEN=a=b\n\nLOG_LEVEL=debug");
    type(id(form, "mcp-cwd"), "/home/me");
    id(form, "mcp-save").click();
    await until(() => card(root, "git") !== null, "the new server");
    expect(saves).toEqual([{
      server: { name: "git", command: "uvx", args: ["mcp-server-git", "--repository", "/home/me/code"], env: { TOKEN: "a=b", LOG_LEVEL: "debug" },
        cwd: "/home/me", url: null, authHeader: null, enabled: true, disabledTools: [] },
      previous: null, auth: null,
    }]);
    expect(root.querySelector(".mcp-form")).toBeNull();
    expect(toasted("MCP server git saved", "success")).toBe(true);
  });

  it("a URL server's auth value is sent once, cleared and never shown; its approval is saved; a refusal keeps what was typed", async () => {
    const { backend, saves, edits } = fake();
    const root = mount(backend);
    await open(root);
    id(root, "mcp-add").click();
    await until(() => root.querySelector(".mcp-form") !== null, "the form");
    const form = $(root, ".mcp-form");
    id<HTMLInputElement>(form, "mcp-kind-url").click();
    await until(() => id(form, "mcp-url") !== null, "the URL fields");
    expect(id(form, "mcp-command")).toBeNull();
    const secret = "Bearer sentinel-8c1f";
    type(id(form, "mcp-name"), "clash");
    type(id(form, "mcp-url"), "ftp://x");
    const value = id<HTMLInputElement>(form, "mcp-auth-value");
    expect(value.type).toBe("password");
    value.value = secret;
    id(form, "mcp-save").click();
    const error = (field: string) => id(form, field).closest(".field")!.querySelector(".field-error")?.textContent ?? null;
    await until(() => error("mcp-url") !== null, "the URL's error");
    expect(error("mcp-url")).toBe("Give an http:// or https:// URL.");
    expect(error("mcp-auth-header")).toBe("Name the header the value goes in (Authorization, X-Api-Key…).");
    type(id(form, "mcp-url"), "https://tools.example.com/mcp");
    type(id(form, "mcp-auth-header"), "Authorization");
    const approve = id<HTMLSelectElement>(form, "mcp-approve");
    approve.value = "always";
    approve.dispatchEvent(new Event("change", { bubbles: true }));
    id(form, "mcp-save").click();
    await until(() => form.querySelector(".mcp-problem") !== null, "the refusal");
    expect($(form, ".mcp-problem").textContent).toBe("there is already an MCP server `clash`");
    expect(toasted("there is already an MCP server `clash`", "error")).toBe(true);
    expect([id<HTMLInputElement>(form, "mcp-name").value, id<HTMLInputElement>(form, "mcp-url").value, value.value]).toEqual(["clash", "https://tools.example.com/mcp", secret]);
    expect(edits).toEqual([]);
    type(id(form, "mcp-name"), "search");
    id(form, "mcp-save").click();
    await until(() => card(root, "search") !== null, "the new server");
    expect(saves[1]).toEqual({
      server: { name: "search", command: null, args: [], env: {}, cwd: null, url: "https://tools.example.com/mcp", authHeader: "Authorization", enabled: true, disabledTools: [] },
      previous: null, auth: secret,
    });
    expect(edits).toEqual([{ kind: "mcpApproval", server: "search", tool: null, decision: "always" }]);
    expect($(card(root, "search"), ".mcp-auth").textContent).toBe("Authorization: a value is stored in the keychain");
    expect(document.documentElement.outerHTML).not.toContain("sentinel-8c1f");
    expect([...document.querySelectorAll("input")].some((e) => e.value.includes("sentinel"))).toBe(false);
  });

  it("Test lists the tools; unchecking one saves it as disabled, checking it again offers it; a server that cannot start says why", async () => {
    const { backend, saves } = fake();
    const root = mount(backend);
    await open(root);
    const fs = card(root, "fs");
    id(fs, "mcp-test-fs").click();
    await until(() => fs.querySelector(".mcp-tools") !== null, "the tools");
    expect([...fs.querySelectorAll(".mcp-tool-name")].map((e) => e.textContent)).toEqual(["read_file", "write_file"]);
    expect(fs.querySelector("script")).toBeNull();
    expect($(fs, ".mcp-tools").textContent).toContain("<script>alert(1)</script>");
    expect($(fs, ".status").textContent).toBe("works: 2 tools");
    const write = id<HTMLInputElement>(fs, "mcp-tool-fs__write_file");
    expect(write.checked).toBe(true);
    write.click();
    await until(() => saves.length === 1, "the save");
    expect(saves[0]).toMatchObject({ server: { name: "fs", disabledTools: ["write_file"] }, previous: "fs", auth: null });
    await until(() => $(fs, ".status").textContent === "saved", "saved");
    expect(card(root, "fs")).toBe(fs); // the same card: the tools stay listed
    expect(id<HTMLInputElement>(fs, "mcp-tool-fs__write_file").checked).toBe(false);
    id<HTMLInputElement>(fs, "mcp-tool-fs__write_file").click();
    await until(() => saves.length === 2, "the second save");
    expect(saves[1].server.disabledTools).toEqual([]);

    const broken = card(root, "broken");
    id(broken, "mcp-test-broken").click();
    await until(() => broken.querySelector(".mcp-test-error") !== null, "the failure");
    expect($(broken, ".mcp-test-error").textContent).toBe("broken: could not start /nope/server: No such file or directory (os error 2)");
    expect($(broken, ".mcp-test-error").getAttribute("role")).toBe("alert");
  });

  it("the switch turns a server off; Edit renames it; Remove asks first", async () => {
    const { backend, saves, removed } = fake();
    const root = mount(backend);
    await open(root);
    const sw = $<HTMLButtonElement>(card(root, "fs"), ".mcp-enabled");
    expect([sw.getAttribute("role"), sw.getAttribute("aria-checked"), sw.getAttribute("aria-label")]).toEqual(["switch", "true", "Use fs"]);
    sw.click();
    await until(() => saves.length === 1, "the switch's save");
    expect(saves[0]).toMatchObject({ server: { name: "fs", enabled: false }, previous: "fs" });
    await until(() => $(card(root, "fs"), ".mcp-state").textContent === "off", "off");

    id(card(root, "broken"), "mcp-edit-broken").click();
    await until(() => root.querySelector(".mcp-form[data-name='broken']") !== null, "the edit form");
    const form = $(root, ".mcp-form[data-name='broken']");
    expect(id<HTMLInputElement>(form, "mcp-command").value).toBe("/nope/server");
    expect(id<HTMLTextAreaElement>(form, "mcp-args").value).toBe("-y\n@mcp/broken");
    expect(id<HTMLSelectElement>(form, "mcp-approve").value).toBe("");
    type(id(form, "mcp-name"), "fixed");
    type(id(form, "mcp-command"), "/usr/bin/server");
    id(form, "mcp-save").click();
    await until(() => card(root, "fixed") !== null, "the renamed server");
    expect(saves[1]).toMatchObject({ server: { name: "fixed", command: "/usr/bin/server" }, previous: "broken" });
    expect(card(root, "broken")).toBeNull();

    id(card(root, "fixed"), "mcp-remove-fixed").click();
    await until(() => document.querySelector(".confirm-remove-mcp") !== null, "the confirmation");
    expect(removed).toEqual([]);
    id(document, "mcp-remove-confirm").click();
    await until(() => card(root, "fixed") === null, "removed");
    expect(removed).toEqual(["fixed"]);
    expect(toasted("MCP server fixed removed", "success")).toBe(true);
  });

  it("has no serious or critical axe violations: the list, a test's tools, the form", async () => {
    const axe = (await import("axe-core")).default;
    const check = async (what: string) => {
      const r = await axe.run(document.body, { resultTypes: ["violations"], rules: { "color-contrast": { enabled: false } } });
      const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
      expect(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.html).join(" | ")}`), what).toEqual([]);
    };
    const root = mount(fake().backend);
    await open(root);
    id(root, "mcp-test-fs").click();
    await until(() => root.querySelector(".mcp-tools") !== null, "the tools");
    await check("the list");
    id(root, "mcp-add").click();
    await until(() => root.querySelector(".mcp-form") !== null, "the form");
    id(root, "mcp-save").click();
    await until(() => root.querySelector(".field-error") !== null, "the errors");
    await check("the form with its errors");
  });
});

describe("Settings → Tools' checks", () => {
  it("names, environment lines, command lines", () => {
    expect(nameProblem("ok-name_1", [])).toBeNull();
    expect(nameProblem("x".repeat(33), [])).toBe("Use 1 to 32 letters, digits, - and _ only.");
    expect(nameProblem("a b", [])).toBe("Use 1 to 32 letters, digits, - and _ only.");
    expect(parseEnv("A=1\n B = 2\n")).toEqual({ env: { A: "1", B: " 2" }, problem: null });
    expect(parseEnv("1A=x").problem).toContain("“1A=x”");
    expect(targetOf(setting("s", { command: "node", args: ["server.js", "it's", ""] }))).toBe("node server.js 'it'\\''s' ''");
  });
});
