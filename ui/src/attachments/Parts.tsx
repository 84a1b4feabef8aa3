// A message's images and files, shown before its text: an image as a thumbnail button that opens
// the larger picture in a dialog (its name, pixels and size under it), a file as a chip with its
// name, pages and size. Pictures come from the backend as `data:` URLs, drawn when first shown.

import { createSignal, For, Show } from "solid-js";
import { Dialog } from "../design/Dialog";
import { FileText } from "../design/icons";
import { describe } from "../shared/problems";
import { type Part, partLine } from "./parts";
import { Picture } from "./Picture";
import { LARGE, THUMB, type Pictures } from "./pictures";
import "./attachments.css";

/** A thumbnail's box: the image's own shape, within 160×120 px (known before it is drawn, so nothing moves). */
function box(p: Part): { width: string; height: string } {
  const w = p.width ?? 120;
  const h = p.height ?? 120;
  const scale = Math.min(160 / w, 120 / h, 1);
  return { width: `${Math.max(40, Math.round(w * scale))}px`, height: `${Math.max(40, Math.round(h * scale))}px` };
}

export function Parts(props: { parts: Part[]; pictures: Pictures }) {
  const [viewing, setViewing] = createSignal<Part | null>(null);
  return (
    <Show when={props.parts.length}>
      <div class="message-parts">
        <For each={props.parts}>{(p) => (
          <Show when={p.type === "image"} fallback={
            <span class="message-file" data-sha256={p.sha256}>
              <FileText size={18} aria-hidden="true" />
              <span class="attachment-text">
                <span class="attachment-name" title={p.name}>{p.name}</span>
                <span class="attachment-line">{partLine(p)}</span>
              </span>
            </span>
          }>
            <button type="button" class="message-image" data-sha256={p.sha256} style={box(p)} aria-haspopup="dialog"
              aria-label={`View ${p.name} (${partLine(p)})`} onClick={() => setViewing(p)}>
              <Picture sha256={p.sha256} name={p.name} side={THUMB} pictures={props.pictures} />
            </button>
          </Show>
        )}</For>
      </div>
      <Show when={viewing()}>{(p) => <ImageViewer part={p()} pictures={props.pictures} onClose={() => setViewing(null)} />}</Show>
    </Show>
  );
}

/** The larger picture, with its name, pixels and size; Escape or the close button closes it. */
function ImageViewer(props: { part: Part; pictures: Pictures; onClose: () => void }) {
  const p = props.part;
  const [src, setSrc] = createSignal<string | null>(null);
  const [failed, setFailed] = createSignal<string | null>(null);
  props.pictures(p.sha256, p.name, LARGE).then(setSrc, (e) => setFailed(describe(e)));
  return (
    <Dialog title={p.name} class="image-viewer" onClose={props.onClose}
      initialFocus={() => document.querySelector<HTMLElement>(".image-viewer .dialog-close") ?? undefined}>
      <figure class="viewer-figure">
        <div class="viewer-frame">
          <Show when={src()} fallback={
            <Show when={failed()} fallback={<span class="skeleton viewer-loading" role="status" aria-label="Loading the picture" />}>
              {(why) => <p class="viewer-error" role="alert">{why()}</p>}
            </Show>
          }>{(s) => <img src={s()} alt={p.name} draggable={false} />}</Show>
        </div>
        <figcaption class="viewer-caption"><span class="attachment-name">{p.name}</span> · <span class="viewer-line">{partLine(p)}</span></figcaption>
      </figure>
    </Dialog>
  );
}
