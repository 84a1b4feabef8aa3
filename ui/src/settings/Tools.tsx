// Settings → Tools: the MCP servers whose tools models may call, one card each (a card becomes
// its edit form in place), and "Add server", which opens the same form below them. The list comes
// from the backend with each server's state; every change answers the new list.

import { createResource, createSignal, For, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Button, Skeleton } from "../design/controls";
import { Plus } from "../design/icons";
import { describe } from "../shared/problems";
import type { ServerView } from "../types";
import { type EditFn, SectionHead } from "./common";
import { McpForm } from "./McpForm";
import { ServerCard } from "./McpServer";

export function Tools(props: { backend: FullBackend; edit: EditFn }) {
  const b = props.backend;
  const [servers, { mutate, refetch }] = createResource(() => b.mcpServers());
  const list = () => (servers.error ? [] : servers() ?? []);
  const names = () => list().map((v) => v.setting.name);
  const find = (name: string) => list().find((v) => v.setting.name === name);
  /** The form open: a server's name (editing it), "" for a new one, null for none. */
  const [editing, setEditing] = createSignal<string | null>(null);
  let add: HTMLButtonElement | undefined;

  const saved = (next: ServerView[], name: string) => {
    mutate(next);
    setEditing(null);
    queueMicrotask(() => document.querySelector<HTMLElement>(`.mcp-server[data-name="${name}"] .mcp-edit`)?.focus());
  };
  const cancel = (name: string) => {
    setEditing(null);
    queueMicrotask(() => (name ? document.querySelector<HTMLElement>(`.mcp-server[data-name="${name}"] .mcp-edit`) : add)?.focus());
  };
  const form = (server?: ServerView) => (
    <McpForm backend={b} edit={props.edit} server={server} taken={names().filter((n) => n !== server?.setting.name)}
      onSaved={saved} onCancel={() => cancel(server?.setting.name ?? "")} />
  );

  return (
    <div class="tools-editor">
      <SectionHead title="Tools">
        MCP servers give models tools to call: reading files, searching, running queries. Pick which servers a chat may
        use in its tools menu; each call asks you first unless you allow it always.
      </SectionHead>
      <Show when={servers.error}><p class="problem" role="alert">{describe(servers.error)}</p></Show>
      <Show when={!servers.loading || servers.latest} fallback={<Skeleton lines={3} label="Loading the MCP servers" />}>
        <div class="stack">
          <Show when={!list().length && editing() !== ""}>
            <p class="hint none-in-use mcp-none">No MCP server yet. Add one: a command this computer runs (such as
              <code> npx -y @modelcontextprotocol/server-filesystem ~/notes</code>) or a server's URL.</p>
          </Show>
          <For each={names()}>{(name) => (
            <Show when={find(name)}>{(v) => (
              <Show when={editing() === name} fallback={
                <ServerCard view={v()} backend={b} onList={mutate} onRefresh={() => void refetch()} onEdit={() => setEditing(name)} />
              }>{form(v())}</Show>
            )}</Show>
          )}</For>
          <Show when={editing() === ""} fallback={
            <div>
              <Button variant="primary" icon={Plus} class="mcp-add" data-testid="mcp-add" ref={(e: HTMLButtonElement) => (add = e)}
                onClick={() => setEditing("")}>Add server</Button>
            </div>
          }>{form()}</Show>
        </div>
      </Show>
    </div>
  );
}
