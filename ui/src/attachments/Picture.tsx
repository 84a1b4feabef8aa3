// A stored image's picture: a shimmering box while the backend draws it, the picture once drawn,
// a crossed-out image if it cannot be (its file gone from the data dir).

import { createSignal, Show } from "solid-js";
import { ImageOff } from "../design/icons";
import type { Pictures } from "./pictures";

export function Picture(props: {
  sha256: string; name: string; side: number; pictures: Pictures;
  /** Already drawn (the thumbnail `attach` answered with). */
  src?: string | null;
}) {
  const given = props.src?.startsWith("data:image/") ? props.src : null;
  const [src, setSrc] = createSignal<string | null>(given);
  const [failed, setFailed] = createSignal(false);
  if (!given) props.pictures(props.sha256, props.name, props.side).then(setSrc, () => setFailed(true));
  return (
    <Show when={src()} fallback={
      <Show when={failed()} fallback={<span class="skeleton picture-loading" role="img" aria-label={`Loading ${props.name}`} />}>
        <span class="picture-missing" role="img" aria-label={`${props.name} (the picture is not available)`}><ImageOff size={18} aria-hidden="true" /></span>
      </Show>
    }>{(s) => <img src={s()} alt={props.name} draggable={false} />}</Show>
  );
}
