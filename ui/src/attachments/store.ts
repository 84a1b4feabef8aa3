// The files attached to the message being written: each is read by the backend (checked and
// stored) at most three at once; a chip shows while it is read, then what it is. A refused file is
// a toast naming it and is left out (the text being written is untouched); the same file twice is
// kept once; at most 20. It does not send anything: the composer takes `ready()` when it sends.

import { createMemo, createSignal } from "solid-js";
import type { FullBackend } from "../backend";
import { describe, report, tell } from "../shared/problems";
import type { AttachedView } from "../types";

/** At most this many attachments in one message. */
export const MAX_ATTACHMENTS = 20;
/** Read at once. */
const PARALLEL = 3;
/** The engine's limit (attach::MAX_FILE_BYTES): a larger file is refused before it is read. */
export const MAX_FILE_BYTES = 50 * 1024 * 1024;

/** One attachment of the composer: being read (`view` null), or read. */
export interface Pending { key: number; name: string; view: AttachedView | null }

export type Attachments = ReturnType<typeof createAttachments>;

export function createAttachments(b: Pick<FullBackend, "attach"> & Partial<Pick<FullBackend, "pasteImage">>) {
  const [items, setItems] = createSignal<Pending[]>([]);
  const queue: { key: number; file: File }[] = [];
  let running = 0;
  let next = 1;
  const here = (key: number) => items().some((x) => x.key === key);
  const without = (key: number) => setItems((xs) => xs.filter((x) => x.key !== key));

  function pump() {
    while (running < PARALLEL && queue.length) {
      const { key, file } = queue.shift()!;
      running++;
      b.attach(file)
        .then((view) => settle(key, view), (e) => {
          if (!here(key)) return; // removed while it was read
          without(key);
          const words = describe(e);
          report(words.includes(file.name) ? e : `${file.name}: ${words}`);
        })
        .finally(() => { running--; pump(); });
    }
  }

  function settle(key: number, view: AttachedView) {
    if (!here(key)) return;
    if (items().some((x) => x.view?.sha256 === view.sha256)) {
      without(key);
      tell(`${view.name} is attached already.`);
      return;
    }
    setItems((xs) => xs.map((x) => (x.key === key ? { ...x, name: view.name, view } : x)));
  }

  /** Reads these files (as many as there is room for) into the message. */
  function add(files: readonly File[]) {
    const room = MAX_ATTACHMENTS - items().length;
    if (files.length > room) {
      tell(`At most ${MAX_ATTACHMENTS} attachments in one message: ${room > 0 ? `${files.length - room} left out` : "none added"}.`);
    }
    for (const file of files.slice(0, Math.max(0, room))) {
      if (file.size > MAX_FILE_BYTES) {
        report(`${file.name}: the file is ${Math.ceil(file.size / 2 ** 20)} MB; attachments can be at most ${MAX_FILE_BYTES / 2 ** 20} MB`);
        continue;
      }
      const key = next++;
      setItems((xs) => [...xs, { key, name: file.name, view: null }]);
      queue.push({ key, file });
    }
    pump();
  }

  /** The system clipboard's picture, read by the backend (a pasted screenshot, which WebKitGTK's
   *  paste event does not carry); nothing happens when the clipboard holds none. */
  function pasteClipboard() {
    if (!b.pasteImage || items().length >= MAX_ATTACHMENTS) return;
    const key = next++;
    setItems((xs) => [...xs, { key, name: "Pasted image", view: null }]);
    running++;
    b.pasteImage()
      .then((view) => (view ? settle(key, view) : without(key)), (e) => {
        if (!here(key)) return;
        without(key);
        report(e);
      })
      .finally(() => { running--; pump(); });
  }

  /** Takes one out (one being read is dropped when its answer comes). */
  function remove(key: number) {
    const i = queue.findIndex((q) => q.key === key);
    if (i >= 0) queue.splice(i, 1);
    without(key);
  }

  const ready = createMemo(() => items().flatMap((x) => (x.view ? [x.view] : [])));
  const reading = createMemo(() => items().filter((x) => !x.view).length);

  return {
    items, ready, reading, add, remove, pasteClipboard,
    /** Sent: these leave the composer (any added since stay). */
    sent: (shas: readonly string[]) => setItems((xs) => xs.filter((x) => !x.view || !shas.includes(x.view.sha256))),
    /** The composer holds these instead (a message being edited: its own attachments). */
    set: (views: readonly AttachedView[]) => { queue.length = 0; setItems(views.map((view) => ({ key: next++, name: view.name, view }))); },
    clear: () => { queue.length = 0; setItems([]); },
  };
}
