// Files dragged onto the window: while its view is shown, a drag carrying files shows the overlay
// and a drop attaches them (the window leaves drag and drop to the page, so it gets the files
// themselves, never a path). A file dropped anywhere else never navigates the page.

import { createEffect, createSignal, onCleanup, onMount, Show } from "solid-js";
import { Paperclip } from "../design/icons";
import "./attachments.css";

const carriesFiles = (e: DragEvent) => !!e.dataTransfer && [...e.dataTransfer.types].includes("Files");

export function DropFiles(props: { active: boolean; onFiles: (files: File[]) => void }) {
  const [over, setOver] = createSignal(false);
  // dragenter and dragleave come in pairs as the pointer crosses elements: shown while inside any.
  let depth = 0;
  const reset = () => { depth = 0; setOver(false); };

  const enter = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    if (props.active) { depth++; setOver(true); }
  };
  const dragOver = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault(); // a drop here, not the page opening the file
    if (e.dataTransfer) e.dataTransfer.dropEffect = props.active ? "copy" : "none";
    if (props.active) setOver(true);
  };
  const leave = (e: DragEvent) => {
    if (!carriesFiles(e) || !props.active) return;
    depth = Math.max(0, depth - 1);
    if (!depth) setOver(false);
  };
  const drop = (e: DragEvent) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    reset();
    if (!props.active) return;
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length) props.onFiles(files);
  };
  onMount(() => {
    document.addEventListener("dragenter", enter);
    document.addEventListener("dragover", dragOver);
    document.addEventListener("dragleave", leave);
    document.addEventListener("drop", drop);
  });
  onCleanup(() => {
    document.removeEventListener("dragenter", enter);
    document.removeEventListener("dragover", dragOver);
    document.removeEventListener("dragleave", leave);
    document.removeEventListener("drop", drop);
  });
  createEffect(() => { if (!props.active) reset(); });

  return (
    <Show when={over() && props.active}>
      <div class="drop-overlay" aria-hidden="true">
        <div class="drop-box"><Paperclip size={28} /><span>Drop files to attach</span></div>
      </div>
    </Show>
  );
}
