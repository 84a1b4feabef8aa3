// The form that adds or edits an MCP server: its name, a command (with its arguments, environment
// and working directory) or a URL (with an auth header: its value goes to the keychain, sent once
// and never shown again), and whether its tool calls are asked, always allowed or refused. Checks
// are made as Save is pressed, each error beside its field; a refusal from the backend is shown
// above the buttons, and nothing typed is lost.

import { createSignal, createUniqueId, For, onMount, Show } from "solid-js";
import { createStore } from "solid-js/store";
import type { FullBackend } from "../backend";
import { Button, Card, Select, TextArea, TextField } from "../design/controls";
import { Globe, Terminal } from "../design/icons";
import { toast } from "../design/toast";
import { describe } from "../shared/problems";
import type { Approve, McpServerSetting, ServerView } from "../types";
import type { EditFn } from "./common";
import { envText, lines, nameProblem, parseEnv, urlProblem } from "./mcp";

type Kind = "command" | "url";
interface Draft { name: string; kind: Kind; command: string; args: string; env: string; cwd: string; url: string; authHeader: string; approve: Approve | "" }
type Field = "name" | "command" | "env" | "url" | "authHeader";

const KINDS: { value: Kind; label: string; icon: typeof Terminal }[] = [
  { value: "command", label: "Command", icon: Terminal },
  { value: "url", label: "URL", icon: Globe },
];

export function McpForm(props: {
  backend: FullBackend; edit: EditFn;
  /** The server edited (none: a new one). */
  server?: ServerView;
  /** The other servers' names. */
  taken: string[];
  onSaved: (list: ServerView[], name: string) => void;
  onCancel: () => void;
}) {
  const s = props.server?.setting;
  const [draft, setDraft] = createStore<Draft>({
    name: s?.name ?? "", kind: s?.url ? "url" : "command", command: s?.command ?? "", args: s?.args.join("\n") ?? "",
    env: envText(s?.env ?? {}), cwd: s?.cwd ?? "", url: s?.url ?? "", authHeader: s?.authHeader ?? "", approve: s ? "" : "ask",
  });
  const [errors, setErrors] = createSignal<Partial<Record<Field, string>>>({});
  const [problem, setProblem] = createSignal<string | null>(null);
  const [busy, setBusy] = createSignal(false);
  const radio = createUniqueId();
  let auth: HTMLInputElement | undefined;
  let form!: HTMLFormElement;
  onMount(() => form.querySelector<HTMLElement>("input")?.focus());

  function check(): Partial<Record<Field, string>> {
    const e: Partial<Record<Field, string>> = {};
    const name = nameProblem(draft.name.trim(), props.taken);
    if (name) e.name = name;
    if (draft.kind === "command") {
      if (!draft.command.trim()) e.command = "Give the command that starts the server.";
      const env = parseEnv(draft.env).problem;
      if (env) e.env = env;
    } else {
      const url = urlProblem(draft.url.trim());
      if (url) e.url = url;
      if (auth?.value && !draft.authHeader.trim()) e.authHeader = "Name the header the value goes in (Authorization, X-Api-Key…).";
    }
    return e;
  }

  async function save() {
    const e = check();
    setErrors(e);
    if (Object.keys(e).length) {
      queueMicrotask(() => form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus());
      return;
    }
    const command = draft.kind === "command";
    const server: McpServerSetting = {
      name: draft.name.trim(), command: command ? draft.command.trim() : null, args: command ? lines(draft.args) : [],
      env: command ? parseEnv(draft.env).env : {}, cwd: command && draft.cwd.trim() ? draft.cwd.trim() : null,
      url: command ? null : draft.url.trim(), authHeader: !command && draft.authHeader.trim() ? draft.authHeader.trim() : null,
      enabled: s?.enabled ?? true, disabledTools: s?.disabledTools ?? [],
    };
    setBusy(true);
    setProblem(null);
    try {
      const list = await props.backend.mcpSave(server, s?.name ?? null, (!command && auth?.value) || null);
      if (auth) auth.value = ""; // sent once: the keychain keeps it
      // "ask" is a new server's own default: only a change is written.
      const approve = draft.approve;
      const err = approve && !(approve === "ask" && !s) ? await props.edit({ kind: "mcpApproval", server: server.name, tool: null, decision: approve }) : "";
      if (err) {
        setProblem(`Saved, but not how its calls are approved: ${err}`);
        toast(err, "error");
        return;
      }
      toast(`MCP server ${server.name} saved`, "success");
      props.onSaved(list, server.name);
    } catch (x) {
      setProblem(describe(x));
      toast(describe(x), "error");
    } finally {
      setBusy(false);
    }
  }

  const text = (field: keyof Draft) => (e: { currentTarget: { value: string } }) => setDraft(field, e.currentTarget.value as never);
  return (
    <Card class="mcp-form" data-name={s?.name ?? ""} head={<h3>{s ? `Edit ${s.name}` : "Add an MCP server"}</h3>}>
      <form ref={form} novalidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
        <div class="mcp-grid">
          <TextField label="Name" inputClass="mcp-name" data-testid="mcp-name" value={draft.name} onInput={text("name")} error={errors().name}
            hint="Letters, digits, - and _ (tools reach models as name__tool)" spellcheck={false} autocomplete="off" />
          <fieldset class="segmented mcp-kind">
            <legend>Kind</legend>
            <div class="segments">
              <For each={KINDS}>{(k) => (
                <label class="segment">
                  <input type="radio" name={radio} class="visually-hidden" value={k.value} data-testid={`mcp-kind-${k.value}`}
                    checked={draft.kind === k.value} onChange={() => setDraft("kind", k.value)} />
                  <span class="segment-face"><k.icon size={16} aria-hidden="true" />{k.label}</span>
                </label>
              )}</For>
            </div>
          </fieldset>
          <Show when={draft.kind === "command"} fallback={<>
            <TextField label="URL" class="span-all" inputClass="mcp-url" data-testid="mcp-url" value={draft.url} onInput={text("url")} error={errors().url}
              placeholder="https://example.com/mcp" spellcheck={false} autocomplete="off" />
            <TextField label="Auth header (optional)" inputClass="mcp-auth-header" data-testid="mcp-auth-header" value={draft.authHeader}
              onInput={text("authHeader")} error={errors().authHeader} placeholder="Authorization" spellcheck={false} autocomplete="off" />
            <TextField secret label="Its value" inputClass="mcp-auth-value" data-testid="mcp-auth-value" autocomplete="off" spellcheck={false}
              ref={(e) => (auth = e)} placeholder={props.server?.hasAuth ? "Type to replace the stored value" : "Bearer …"}
              hint={props.server?.hasAuth ? "A value is stored in the keychain." : "Kept in the OS keychain, never shown again."} />
          </>}>
            <TextField label="Command" class="span-all" inputClass="mcp-command" data-testid="mcp-command" value={draft.command} onInput={text("command")}
              error={errors().command} placeholder="npx" spellcheck={false} autocomplete="off" />
            <TextArea label="Arguments" inputClass="mcp-args" data-testid="mcp-args" rows={3} value={draft.args} onInput={text("args")}
              hint="One per line" spellcheck={false} placeholder={"-y\n@modelcontextprotocol/server-filesystem\n/home/me/notes"} />
            <TextArea label="Environment" inputClass="mcp-env" data-testid="mcp-env" rows={3} value={draft.env} onInput={text("env")} error={errors().env}
              hint="KEY=VALUE, one per line (kept in config.toml)" spellcheck={false} />
            <TextField label="Working directory (optional)" class="span-all" inputClass="mcp-cwd" data-testid="mcp-cwd" value={draft.cwd}
              onInput={text("cwd")} spellcheck={false} autocomplete="off" />
          </Show>
          <Select label="Tool calls" selectClass="mcp-approve" data-testid="mcp-approve" value={draft.approve}
            onChange={(e) => setDraft("approve", e.currentTarget.value as Approve | "")}
            options={[
              ...(s ? [{ value: "", label: "Keep as they are" }] : []),
              { value: "ask", label: "Ask each time" }, { value: "always", label: "Always allow" }, { value: "never", label: "Never allow" },
            ]} />
        </div>
        <Show when={problem()}>{(p) => <p class="problem mcp-problem" role="alert">{p()}</p>}</Show>
        <div class="card-foot">
          <Button type="submit" variant="primary" class="mcp-save" data-testid="mcp-save" disabled={busy()}>{s ? "Save" : "Add server"}</Button>
          <Button variant="ghost" class="mcp-cancel" data-testid="mcp-cancel" onClick={() => props.onCancel()}>Cancel</Button>
        </div>
      </form>
    </Card>
  );
}
