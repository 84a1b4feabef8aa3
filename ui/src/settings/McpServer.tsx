// One MCP server in Settings → Tools, as a card: its name, what it runs (or its URL), its state
// (not started, starting, running, failed, stopped; off when turned off), process id, tool count
// and cold start, its last error in red; a switch to turn it on or off; Test (starts it and lists
// its tools, each with a checkbox: unchecked, a tool is not offered to models), Edit, and Remove
// after a confirmation. Everything a server says is shown as text.

import { createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Button, Card, Checkbox, Dot, Switch } from "../design/controls";
import { Dialog } from "../design/Dialog";
import { FlaskConical, KeyRound, Pencil, Trash } from "../design/icons";
import { describe } from "../shared/problems";
import type { McpServerSetting, McpTest, McpTool, ServerView } from "../types";
import { announce } from "./common";
import { STATES, targetOf } from "./mcp";

export function ServerCard(props: {
  view: ServerView; backend: FullBackend; onList: (list: ServerView[]) => void; onRefresh: () => void; onEdit: () => void;
}) {
  const b = props.backend;
  const s = () => props.view.setting;
  const name = () => s().name;
  const [test, setTest] = createSignal<McpTest | null>(null);
  const [testError, setTestError] = createSignal<string | null>(null);
  const [testing, setTesting] = createSignal(false);
  const [status, setStatus] = createSignal("");
  const [confirming, setConfirming] = createSignal(false);
  const st = () => props.view.status;
  const state = () => (s().enabled ? STATES[st()?.state ?? "not_started"] : { word: "off", tone: "neutral" as const });

  async function save(setting: McpServerSetting, note: string) {
    try {
      props.onList(await b.mcpSave(setting, name(), null));
      announce(setStatus, "", "saved", note);
    } catch (e) {
      announce(setStatus, describe(e), "", "");
    }
  }

  async function runTest() {
    setTesting(true);
    setTestError(null);
    setStatus("starting…");
    try {
      const t = await b.mcpTest(name());
      setTest(t);
      const n = `${t.tools.length} ${t.tools.length === 1 ? "tool" : "tools"}`;
      announce(setStatus, "", `works: ${n}`, `${name()} works: ${n}`);
    } catch (e) {
      setTest(null);
      // Said once, in the card (an alert): no toast or status line repeating it.
      setTestError(describe(e));
      setStatus("");
    } finally {
      setTesting(false);
      props.onRefresh();
    }
  }

  const offer = (tool: McpTool, on: boolean) => void save(
    { ...s(), disabledTools: on ? s().disabledTools.filter((t) => t !== tool.name) : [...s().disabledTools, tool.name] },
    on ? `${tool.name} is offered to models again` : `${tool.name} is no longer offered to models`,
  );

  async function remove() {
    setConfirming(false);
    try {
      props.onList(await b.mcpRemove(name()));
      announce(setStatus, "", "", `MCP server ${name()} removed`);
    } catch (e) {
      announce(setStatus, describe(e), "", "");
    }
  }

  return (
    <Card class={`mcp-server${s().enabled ? "" : " disabled"}`} data-name={name()} head={<>
      <div class="provider-title">
        <h3 class="mcp-title">{name()}</h3>
        <span class="kind">{s().url ? "URL" : "command"}</span>
      </div>
      <span class={`state ${state().tone}`}>
        <Dot tone={state().tone} label={`Status: ${state().word}`} /><span aria-hidden="true" class="mcp-state">{state().word}</span>
      </span>
      <Switch class="mcp-enabled" checked={s().enabled} label={`Use ${name()}`} hideLabel
        onChange={(on) => void save({ ...s(), enabled: on }, `${name()} turned ${on ? "on" : "off"}`)} />
    </>}>
      <code class="mcp-target">{targetOf(s())}</code>
      <Show when={s().url && (s().authHeader || props.view.hasAuth)}>
        <p class="key-line mcp-auth"><KeyRound size={14} aria-hidden="true" />
          {s().authHeader ?? "Auth header"}: {props.view.hasAuth ? "a value is stored in the keychain" : "no value stored"}</p>
      </Show>
      <Show when={st() && (st()!.pid !== null || st()!.tools !== null || st()!.coldStartMs !== null)}>
        <dl class="facts mcp-facts">
          <Show when={st()!.pid !== null}><dt>Process</dt><dd class="mcp-pid">{st()!.pid}</dd></Show>
          <Show when={st()!.tools !== null}><dt>Tools</dt><dd class="mcp-tool-count">{st()!.tools}</dd></Show>
          <Show when={st()!.coldStartMs !== null}><dt>Cold start</dt><dd class="mcp-cold">{st()!.coldStartMs} ms</dd></Show>
        </dl>
      </Show>
      <Show when={st()?.lastError !== testError() && st()?.lastError}>{(e) => <p class="problem mcp-last-error" role="note" aria-label="Last error">{e()}</p>}</Show>
      <Show when={testError()}>{(e) => <p class="problem mcp-test-error" role="alert">{e()}</p>}</Show>
      <Show when={test()}>{(t) => (
        <fieldset class="mcp-tools">
          <legend>Tools offered to models</legend>
          <Show when={t().tools.length} fallback={<p class="hint">It lists no tools.</p>}>
            <For each={t().tools}>{(tool) => (
              <Checkbox class="mcp-tool" data-testid={`mcp-tool-${tool.namespaced}`} checked={!s().disabledTools.includes(tool.name)}
                onChange={(e) => offer(tool, e.currentTarget.checked)}
                label={<span class="mcp-tool-text"><code class="mcp-tool-name">{tool.title ?? tool.name}</code>
                  <Show when={tool.description}><span class="mcp-tool-desc">{tool.description}</span></Show></span>} />
            )}</For>
          </Show>
        </fieldset>
      )}</Show>
      <div class="card-foot">
        <Button icon={FlaskConical} class="mcp-test" data-testid={`mcp-test-${name()}`} disabled={testing()} onClick={() => void runTest()}>
          {testing() ? "Testing…" : "Test"}
        </Button>
        <Button icon={Pencil} class="mcp-edit" data-testid={`mcp-edit-${name()}`} onClick={() => props.onEdit()}>Edit</Button>
        <Button variant="ghost" icon={Trash} class="mcp-remove" data-testid={`mcp-remove-${name()}`} onClick={() => setConfirming(true)}>Remove</Button>
        <div class="status">{status()}</div>
      </div>
      <Show when={confirming()}>
        <Dialog title={`Remove ${name()}?`} class="confirm-remove-mcp" onClose={() => setConfirming(false)} footer={<>
          <Button onClick={() => setConfirming(false)}>Cancel</Button>
          <Button variant="danger" class="confirm" data-testid="mcp-remove-confirm" onClick={() => void remove()}>Remove</Button>
        </>}>
          <p>Its settings leave config.toml and its auth value leaves the keychain. Conversations that used its tools keep their results.</p>
        </Dialog>
      </Show>
    </Card>
  );
}
