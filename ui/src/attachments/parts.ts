// What the UI knows of an attached file, in one shape: a message's stored image or file part, or
// one the composer has just attached (the same fields). Its line of words ("1200×800 · 234 KB",
// "12 pages · 2.1 MB"), and the conversions between the two shapes. No fetching here.

import { fileSize } from "../shared/size";
import type { AttachedView, AttachmentRef, StoredPart } from "../types";

/** An image or a file of a message (the other stored parts are tool calls and results). */
export type Part = Extract<StoredPart, { type: "image" } | { type: "file" }>;

/** A message's images and files, in their order. */
export const filesOf = (parts: readonly StoredPart[] | undefined): Part[] =>
  (parts ?? []).filter((p): p is Part => p.type === "image" || p.type === "file");

/** An attachment as a part of the message it is sent with (an image has its pixels measured). */
export function partOf(v: AttachedView): Part {
  const meta = { media_type: v.mediaType, name: v.name, sha256: v.sha256, bytes: v.bytes, width: v.width, height: v.height, pages: v.pages };
  return { type: v.thumbnail !== null || v.width !== null ? "image" : "file", ...meta };
}

/** A stored part back in the composer (editing a message): its picture is asked for when shown. */
export function attachedOf(p: Part): AttachedView {
  return {
    sha256: p.sha256, name: p.name, mediaType: p.media_type, bytes: p.bytes, width: p.width, height: p.height, pages: p.pages,
    thumbnail: null,
  };
}

export const refOf = (v: { sha256: string; name: string }): AttachmentRef => ({ sha256: v.sha256, name: v.name });

/** "1200×800 · 234 KB" for an image, "12 pages · 2.1 MB" for a PDF, the size for anything else. */
export function partLine(p: Pick<Part, "width" | "height" | "pages" | "bytes">): string {
  const size = fileSize(p.bytes);
  if (p.width !== null && p.height !== null) return `${p.width}×${p.height} · ${size}`;
  if (p.pages !== null) return `${p.pages} ${p.pages === 1 ? "page" : "pages"} · ${size}`;
  return size;
}
