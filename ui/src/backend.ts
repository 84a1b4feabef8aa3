// The one module through which the UI reaches the Rust backend. Tests swap in a fake backend.

import { Channel, invoke, type InvokeArgs, type InvokeOptions } from "@tauri-apps/api/core";
import { ipcDebug } from "./shared/storage";
import type {
  AppInfo, Approval, AttachedView, ColumnMsg, CompareSpec, CompareStarted, ConversationSummary, Dashboard, Edit, KeyView, Leaderboard,
  LocalView, McpServerSetting, McpTest, ModelView, PullEvent, ProviderView, SearchHit, ServerView, SettingsView, Started, StoredView, StreamMsg, ToolsView,
  TurnSpec, Verdict, ChatSettings, Preview, RuleStatus, UpdateCheck, Installed,
  SuitesView, Suite, EvalStart, EvalMsg, EvalRun, RunDetail, RunDiff,
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
  /** Pinned conversations are listed first. */
  pin?(id: number, pinned: boolean): Promise<void>;
  /** Deletes a message and every message below it (its spend stays in the ledger). */
  deleteMessage?(id: number): Promise<void>;
  /** The native menu's actions ("new-chat", "toggle-sidebar"…), as they are picked. */
  onMenu?(handler: (action: string) => void): Promise<void>;
  models?(): Promise<ModelView[]>;
  /** Starts a turn; `tools` names the MCP servers whose tools the model may call (null: none). */
  send?(spec: TurnSpec, tools: string[] | null, onEvent: (msg: StreamMsg) => void): Promise<Started>;
  cancel?(turn: number): Promise<boolean>;
  openLink?(url: string): Promise<void>;
  providers?(): Promise<ProviderView[]>;
  /** Saves a key in the keychain; the answer carries its masked hint only. */
  setKey?(provider: string, key: string): Promise<KeyView>;
  removeKey?(provider: string): Promise<boolean>;
  testProvider?(provider: string): Promise<number>;
  /** Routes, price overrides and the budget (with this month's spend). */
  settings?(): Promise<SettingsView>;
  /** One change to config.toml; refused (with the reason) unless the edited file passes every check. */
  editSettings?(edit: Edit): Promise<SettingsView>;
  /** Starts every column of a compare; each column's stream messages arrive tagged with the column. */
  compare?(spec: CompareSpec, tools: string[] | null, onMsg: (msg: ColumnMsg) => void): Promise<CompareStarted>;
  /** Records a vote; answers the models judged, in order (the reveal). */
  vote?(conversation: number, answers: number[], verdict: Verdict, winner: number | null): Promise<string[]>;
  /** The board; its contestants are (model, settings) where settings differed, unless `byModel`. */
  leaderboard?(since: string | null, until: string | null, byModel?: boolean): Promise<Leaderboard>;
  /** A compare column's thread as a new chat; answers its id. */
  continueCompare?(conversation: number, leaf: number): Promise<number>;
  dashboard?(since: string, until: string): Promise<Dashboard>;
  /** Writes the model table as CSV; answers the file's path. */
  exportUsageCsv?(since: string, until: string): Promise<string>;
  /** Checks and stores a file the user picked, dropped or pasted (its bytes, never a path); refused with its name and what is wrong. */
  attach?(file: File): Promise<AttachedView>;
  /** A stored image, upright, its longest side at most `side` px, as a `data:` URL. */
  attachmentImage?(sha256: string, name: string, side: number): Promise<string>;
  /** The system clipboard's picture (a screenshot), read, checked and stored by the backend; null when it holds none. */
  pasteImage?(): Promise<AttachedView | null>;
  /** The MCP servers with their state (whether an auth value is kept, never the value). */
  mcpServers?(): Promise<ServerView[]>;
  /** Starts a server and lists its tools; refused with the reason it could not start. */
  mcpTest?(name: string): Promise<McpTest>;
  /** The tools of the named servers (starting them); a server that cannot start is named in `errors`. */
  mcpTools?(servers: string[]): Promise<ToolsView>;
  /** Adds or replaces a server (`previous` renames one); `auth`, an auth header's value, goes to the keychain. */
  mcpSave?(server: McpServerSetting, previous: string | null, auth: string | null): Promise<ServerView[]>;
  mcpRemove?(name: string): Promise<ServerView[]>;
  /** The person's answer to a tool call waiting in `turn`; false when nothing waits for it any more. */
  toolAnswer?(turn: number, call: string, approval: Approval): Promise<boolean>;
  /** The built-in local models: on disk, in the catalog, being downloaded, and the default model. */
  localModels?(): Promise<LocalView>;
  /** Starts downloading a catalog model (one download per name); its progress and end arrive on `onEvent`. */
  localPull?(name: string, onEvent: (e: PullEvent) => void): Promise<void>;
  /** Stops a download (what arrived is kept: the next download resumes); false when none runs. */
  localPullCancel?(name: string): Promise<boolean>;
  /** Deletes a local model's file; answers the new view. */
  localRemove?(name: string): Promise<LocalView>;
  /** What sending this chat turn would cost (tokens, input cost, context fill, answer range); nothing is stored. */
  previewTurn?(spec: TurnSpec): Promise<Preview>;
  /** What sending this compare would cost, per column; nothing is stored. */
  previewCompare?(spec: CompareSpec): Promise<Preview>;
  /** Every spend limit's spend in its current window, with its forecast. */
  budgets?(): Promise<RuleStatus[]>;
  /** Replaces a conversation's system prompt and parameters (the next turn uses them). */
  setConversationSettings?(conversation: number, settings: ChatSettings): Promise<void>;
  /** Replaces a compare column's settings (its next follow-up uses them). */
  setColumnSettings?(conversation: number, column: number, settings: ChatSettings): Promise<void>;
  /** Asks the update address whether a newer release exists, and how this copy would be updated. */
  updateCheck?(): Promise<UpdateCheck>;
  /** Downloads the newer release, checks its signature and installs it (through the package manager); slow. */
  updateInstall?(): Promise<Installed>;
  /** Restarts the app (into the version just installed). */
  updateRestart?(): Promise<void>;
  /** The suites folder (`evals/` in the data dir) and the suite files in it (one that does not load says why). */
  evalSuites?(): Promise<SuitesView>;
  /** A suite file, loaded; refused with the file, line and field of what is wrong. */
  evalSuite?(path: string): Promise<Suite>;
  /** Starts (or resumes, unless `fresh`) a run; its events arrive on `onMsg`. Answers a handle for `evalStop`. */
  evalStart?(start: EvalStart, onMsg: (msg: EvalMsg) => void): Promise<number>;
  /** Stops a run (what ended is kept: running again resumes); false when it had ended. */
  evalStop?(handle: number): Promise<boolean>;
  /** Every stored run, newest first. */
  evalRuns?(): Promise<EvalRun[]>;
  /** One run: its suite as it ran, its cells and the summary per target. */
  evalRun?(id: number): Promise<RunDetail>;
  /** The cells whose verdict or score changed from run `a` to run `b`. */
  evalDiff?(a: number, b: number): Promise<RunDiff>;
  /** Deletes a run (its spend stays in the ledger). */
  evalDeleteRun?(id: number): Promise<void>;
  /** Writes a run as CSV, JSON or a standalone HTML report into Downloads; answers the file's path. */
  evalExport?(id: number, format: "csv" | "json" | "html"): Promise<string>;
  /** Adds a question to a suite in `evals/` as a case (the file is made when missing); answers the suite as it now loads. */
  evalAddCase?(suite: string, prompt: string): Promise<Suite>;
}

/** A backend with every method (what the app itself needs). */
export type FullBackend = Required<Backend>;

// Everything the backend sends the web view passes here. With `roundtable.debug.ipc` set in
// localStorage it is also kept in `window.__roundtableIpc`, so a test can check that no secret
// ever crossed (the e2e suite's sentinel-key test).
const ipcLog: string[] | null = ipcDebug() ? [] : null;
if (ipcLog) (globalThis as unknown as { __roundtableIpc: string[] }).__roundtableIpc = ipcLog;
const seen = <T>(value: T): T => {
  ipcLog?.push(JSON.stringify(value ?? null));
  return value;
};
const call = <T>(cmd: string, args?: InvokeArgs, options?: InvokeOptions): Promise<T> => invoke<T>(cmd, args, options).then(seen);

/** The real backend: Tauri commands, a Channel per turn. */
export const tauriBackend: FullBackend = {
  appInfo: () => call<AppInfo>("app_info"),
  conversations: (limit, offset) => call("conversations", { limit, offset }),
  conversation: (id) => call("conversation", { id }),
  search: (query) => call("search", { query }),
  rename: (id, title) => call("rename_conversation", { id, title }),
  remove: (id) => call("delete_conversation", { id }),
  pin: (id, pinned) => call("pin_conversation", { id, pinned }),
  deleteMessage: (id) => call("delete_message", { id }),
  onMenu: (handler) => {
    const events = new Channel<string>();
    events.onmessage = (action) => handler(seen(action));
    return call<void>("menu_events", { events });
  },
  models: () => call("models"),
  send: (spec, tools, onEvent) => {
    const events = new Channel<StreamMsg>();
    events.onmessage = (msg) => onEvent(seen(msg));
    return call<Started>("send", { spec, tools, events });
  },
  cancel: (turn) => call("cancel", { turn }),
  openLink: (url) => call("open_link", { url }),
  providers: () => call("providers"),
  setKey: (provider, key) => call("set_key", { provider, key }),
  removeKey: (provider) => call("remove_key", { provider }),
  testProvider: (provider) => call("test_provider", { provider }),
  settings: () => call("settings"),
  editSettings: (edit) => call("edit_settings", { edit }),
  compare: (spec, tools, onMsg) => {
    const events = new Channel<ColumnMsg>();
    events.onmessage = (msg) => onMsg(seen(msg));
    return call<CompareStarted>("compare", { spec, tools, events });
  },
  vote: (conversation, answers, verdict, winner) => call("vote", { conversation, answers, verdict, winner }),
  leaderboard: (since, until, byModel) => call("leaderboard", { since, until, byModel: byModel ?? false }),
  continueCompare: (conversation, leaf) => call("continue_compare", { conversation, leaf }),
  dashboard: (since, until) => call("dashboard", { since, until }),
  exportUsageCsv: (since, until) => call("export_usage_csv", { since, until }),
  // The bytes go as the raw body (not JSON), the name percent-encoded in a header.
  attach: async (file) =>
    call("attach", new Uint8Array(await file.arrayBuffer()), { headers: { "x-file-name": encodeURIComponent(file.name) } }),
  attachmentImage: (sha256, name, side) => call("attachment_image", { sha256, name, side }),
  pasteImage: () => call("paste_image"),
  mcpServers: () => call("mcp_servers"),
  mcpTest: (name) => call("mcp_test", { name }),
  mcpTools: (servers) => call("mcp_tools", { servers }),
  mcpSave: (server, previous, auth) => call("mcp_save", { server, previous, auth }),
  mcpRemove: (name) => call("mcp_remove", { name }),
  toolAnswer: (turn, id, approval) => call("tool_answer", { turn, call: id, approval }),
  localModels: () => call("local_models"),
  localPull: (name, onEvent) => {
    const events = new Channel<PullEvent>();
    events.onmessage = (e) => onEvent(seen(e));
    return call<void>("local_pull", { name, onEvent: events });
  },
  localPullCancel: (name) => call("local_pull_cancel", { name }),
  localRemove: (name) => call("local_remove", { name }),
  previewTurn: (spec) => call("preview_turn", { spec }),
  previewCompare: (spec) => call("preview_compare", { spec }),
  budgets: () => call("budgets"),
  setConversationSettings: (conversation, settings) => call("set_conversation_settings", { conversation, settings }),
  setColumnSettings: (conversation, column, settings) => call("set_column_settings", { conversation, column, settings }),
  updateCheck: () => call("update_check"),
  updateInstall: () => call("update_install"),
  updateRestart: () => call<void>("update_restart"),
  evalSuites: () => call("eval_suites"),
  evalSuite: (path) => call("eval_suite", { path }),
  evalStart: (start, onMsg) => {
    const events = new Channel<EvalMsg>();
    events.onmessage = (msg) => onMsg(seen(msg));
    return call<number>("eval_start", { start, events });
  },
  evalStop: (handle) => call("eval_stop", { handle }),
  evalRuns: () => call("eval_runs"),
  evalRun: (id) => call("eval_run", { id }),
  evalDiff: (a, b) => call("eval_diff", { a, b }),
  evalDeleteRun: (id) => call<void>("eval_delete_run", { id }),
  evalExport: (id, format) => call("eval_export", { id, format }),
  evalAddCase: (suite, prompt) => call("eval_add_case", { suite, prompt }),
};
