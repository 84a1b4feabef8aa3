// The composer's attachments: the attach button (a hidden file input behind it), the chips of what
// is attached — a thumbnail for an image, an icon for a file, with its name and size; a spinner
// while the backend reads it — each with its remove button; and the files a paste brings.

import { For, Show } from "solid-js";
import { IconButton } from "../design/controls";
import { FileText, LoaderCircle, Paperclip, X } from "../design/icons";
import { partLine, partOf } from "./parts";
import { Picture } from "./Picture";
import { THUMB, type Pictures } from "./pictures";
import type { Attachments, Pending } from "./store";
import "./attachments.css";

/** The paperclip: picks files with the system's file chooser (any kind: the backend says what it cannot take). */
export function AttachButton(props: { files: Attachments }) {
  let input!: HTMLInputElement;
  return (
    <>
      <IconButton icon={Paperclip} label="Attach files" class="composer-attach" onClick={() => input.click()} />
      <input ref={input} type="file" multiple hidden tabIndex={-1} class="composer-file-input"
        onChange={(e) => {
          const files = [...(e.currentTarget.files ?? [])];
          e.currentTarget.value = ""; // the same file can be picked again
          if (files.length) props.files.add(files);
        }} />
    </>
  );
}

/** The files in a paste (a screenshot); none for text, which pastes as usual. */
export function pastedFiles(e: ClipboardEvent): File[] {
  const data = e.clipboardData;
  if (!data) return [];
  const items = [...(data.items ?? [])].filter((i) => i.kind === "file").map((i) => i.getAsFile()).filter((f): f is File => !!f);
  return items.length ? items : [...(data.files ?? [])];
}

/** A paste handler for a composer's text area: files are attached, text is left to paste, and a
 *  paste that carries nothing the page can read (a screenshot: WebKitGTK gives the page no image
 *  data) asks the backend for the clipboard's picture. */
export const onPasteFiles = (files: Attachments) => (e: ClipboardEvent) => {
  const got = pastedFiles(e);
  if (got.length) {
    e.preventDefault();
    files.add(got);
  } else if (e.clipboardData && (e.clipboardData.types?.length ?? 1) === 0) {
    e.preventDefault();
    files.pasteClipboard();
  }
};

export function Tray(props: { files: Attachments; pictures: Pictures }) {
  const f = props.files;
  const said = () => {
    const n = f.reading();
    if (n) return `Reading ${n} ${n === 1 ? "file" : "files"}…`;
    const ready = f.ready().length;
    return ready ? `${ready} ${ready === 1 ? "file" : "files"} attached` : "";
  };
  return (
    <>
      <Show when={f.items().length}>
        <ul class="attachment-tray" aria-label="Attachments">
          <For each={f.items()}>{(item) => <Chip item={item} pictures={props.pictures} onRemove={() => f.remove(item.key)} />}</For>
        </ul>
      </Show>
      <div class="visually-hidden" role="status" aria-live="polite">{said()}</div>
    </>
  );
}

function Chip(props: { item: Pending; pictures: Pictures; onRemove: () => void }) {
  const v = props.item.view;
  const part = v && partOf(v);
  return (
    <li class="attachment-chip" classList={{ reading: !v, image: part?.type === "image" }} data-sha256={v?.sha256}>
      <span class="attachment-tile" aria-hidden="true">
        <Show when={part} fallback={<LoaderCircle size={16} class="spin" />}>{(p) => (
          <Show when={p().type === "image"} fallback={<FileText size={18} />}>
            <Picture sha256={p().sha256} name={p().name} side={THUMB} pictures={props.pictures} src={v!.thumbnail} />
          </Show>
        )}</Show>
      </span>
      <span class="attachment-text">
        <span class="attachment-name" title={props.item.name}>{props.item.name}</span>
        <span class="attachment-line">{part ? partLine(part) : "Reading…"}</span>
      </span>
      <IconButton icon={X} label={`Remove ${props.item.name}`} size="sm" class="attachment-remove" onClick={() => props.onRemove()} />
    </li>
  );
}
