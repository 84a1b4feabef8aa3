// The one module through which the UI reaches the Rust backend. Tests swap in a fake backend.

import { invoke } from "@tauri-apps/api/core";

/** What the shell's `app_info` command returns. */
export interface AppInfo {
  name: string;
  version: string;
  engineVersion: string;
}

/** Everything the UI may ask of the backend. */
export interface Backend {
  appInfo(): Promise<AppInfo>;
}

/** The real backend: Tauri commands. */
export const tauriBackend: Backend = {
  appInfo: () => invoke<AppInfo>("app_info"),
};
