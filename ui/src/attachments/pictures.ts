// Pictures of stored images, as the backend draws them (`data:` URLs of the file kept in the data
// dir: nothing is ever fetched from the network). Thumbnails are kept, a bounded number per
// backend, so scrolling a conversation back and forth asks for each once; larger views are not.

import type { FullBackend } from "../backend";

/** A stored image's picture, its longest side at most `side` px. */
export type Pictures = (sha256: string, name: string, side: number) => Promise<string>;

/** The side of a thumbnail in a message or the composer; and of the larger view. */
export const THUMB = 256;
export const LARGE = 1600;
/** How many thumbnails are kept (about 20–60 KB each). */
const KEPT = 150;

const byBackend = new WeakMap<object, Pictures>();

/** The picture source of a backend (one per backend, so its thumbnails are shared by every view). */
export function pictures(b: Pick<FullBackend, "attachmentImage">): Pictures {
  let p = byBackend.get(b);
  if (!p) {
    const kept = new Map<string, Promise<string>>();
    // Only a picture drawn by the backend is shown: anything but a `data:` image is refused.
    const ask = (sha256: string, name: string, side: number) => b.attachmentImage(sha256, name, side).then((url) => {
      if (!url.startsWith("data:image/")) throw new Error(`${name}: the picture could not be drawn`);
      return url;
    });
    p = (sha256, name, side) => {
      if (side > THUMB) return ask(sha256, name, side);
      const key = `${sha256}:${side}`;
      let got = kept.get(key);
      if (got) kept.delete(key); // re-added below: the most recently used go last
      else {
        got = ask(sha256, name, side);
        got.catch(() => kept.delete(key)); // asked again next time
      }
      kept.set(key, got);
      while (kept.size > KEPT) kept.delete(kept.keys().next().value!);
      return got;
    };
    byBackend.set(b, p);
  }
  return p;
}
