// The one module through which the UI reaches the Rust backend. Tests swap in a fake backend.

import { Channel, invoke } from "@tauri-apps/api/core";
import type {
  AppInfo, ConversationSummary, ModelView, SearchHit, Started, StoredView, StreamMsg, TurnSpec,
} from "./types";

export type { AppInfo } from "./types";

/** Everything the UI may ask of the backend. */
export interface Backend {
  appInfo(): Promise<AppInfo>;
  conversations?(limit: number, offset: number): Promise<ConversationSummary[]>;
  conversation?(id: number): Promise<StoredView>;
  search?(query: string): Promise<SearchHit[]>;
  rename?(id: number, title: string): Promise<void>;
  remove?(id: number): Promise<void>;
  models?(): Promise<ModelView[]>;
  send?(spec: TurnSpec, onEvent: (msg: StreamMsg) => void): Promise<Started>;
  cancel?(turn: number): Promise<boolean>;
  openLink?(url: string): Promise<void>;
}

/** A backend with every method (what the app itself needs). */
export type FullBackend = Required<Backend>;

/** The real backend: Tauri commands, a Channel per turn. */
export const tauriBackend: FullBackend = {
  appInfo: () => invoke<AppInfo>("app_info"),
  conversations: (limit, offset) => invoke("conversations", { limit, offset }),
  conversation: (id) => invoke("conversation", { id }),
  search: (query) => invoke("search", { query }),
  rename: (id, title) => invoke("rename_conversation", { id, title }),
  remove: (id) => invoke("delete_conversation", { id }),
  models: () => invoke("models"),
  send: (spec, onEvent) => {
    const events = new Channel<StreamMsg>();
    events.onmessage = onEvent;
    return invoke<Started>("send", { spec, events });
  },
  cancel: (turn) => invoke("cancel", { turn }),
  openLink: (url) => invoke("open_link", { url }),
};
