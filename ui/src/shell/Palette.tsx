// The command palette (Ctrl/Cmd+K): every action, view, settings section, model and conversation,
// found by typing.

import { Dialog } from "../design/Dialog";
import type { Command } from "./commands";
import { CommandList } from "./CommandList";

export function Palette(props: { commands: Command[]; onClose: () => void }) {
  return (
    <Dialog title="Command palette" hideTitle onClose={props.onClose} class="palette">
      <CommandList commands={props.commands} label="Type a command, a view, a model or a conversation"
        placeholder="Type a command, a view, a model or a conversation…" onDone={props.onClose} perGroup={6} />
    </Dialog>
  );
}
