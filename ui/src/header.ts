// Shows the app's name and version, asked of the backend.

import type { Backend } from "./backend";

/** Fills the name and version elements; shows a readable error if the backend fails. */
export async function renderHeader(backend: Backend, name: HTMLElement, version: HTMLElement): Promise<void> {
  try {
    const info = await backend.appInfo();
    name.textContent = info.name;
    version.textContent = `version ${info.version} · engine ${info.engineVersion}`;
    version.classList.remove("error");
  } catch (e) {
    version.textContent = `Could not reach the backend: ${e instanceof Error ? e.message : String(e)}`;
    version.classList.add("error");
  }
}
