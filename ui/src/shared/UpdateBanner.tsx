// The notice the update check at start leaves when a newer release exists (the check runs only
// with `[updates] enabled`): its version, a way to Settings → Updates (where it installs), and a
// dismiss button. A status, not an alert.

import { Show } from "solid-js";
import { IconButton } from "../design/controls";
import { CircleArrowUp, X } from "../design/icons";
import type { UpdateOffer } from "../types";

export function UpdateBanner(props: { offer: UpdateOffer | null; onOpen: () => void; onDismiss: () => void }) {
  return (
    <Show when={props.offer}>{(o) => (
      <div class="update-banner" role="status">
        <CircleArrowUp size={16} aria-hidden="true" />
        <span class="update-banner-text">Roundtable {o().version} is available —{" "}
          <button type="button" class="link open-updates" onClick={() => props.onOpen()}>Settings → Updates</button></span>
        <IconButton icon={X} label="Dismiss the update notice" size="sm" class="dismiss-update" tipSide="left" onClick={() => props.onDismiss()} />
      </div>
    )}</Show>
  );
}
