// Everything the web view keeps in localStorage, in one place: the keys, their types, and what a
// missing or damaged value reads as. Nothing secret is ever kept here (keys live in the OS
// keychain, behind the backend).

const PREFIX = "roundtable.";

/** The kept values and their types. */
export interface Kept {
  /** "system", "light" or "dark". */
  theme: string;
  /** The chat's model (or route). */
  model: string;
  /** The last models picked for a compare. */
  compareLast: string[];
  /** The MCP servers last picked in a tools menu (a new chat starts with them). */
  toolsLast: string[];
  /** The MCP servers picked per conversation (its id → their names), the newest last. */
  toolsByConversation: Record<string, string[]>;
}

const defaults: Kept = { theme: "system", model: "", compareLast: [], toolsLast: [], toolsByConversation: {} };

/** Which keys hold JSON rather than a plain string. */
const json: Record<keyof Kept, boolean> = { theme: false, model: false, compareLast: true, toolsLast: true, toolsByConversation: true };

/**
 * Compare sets an older version kept here (`compareSets`, name → models), removed as they are
 * read: they now live in config.toml, and the compare view moves them there once.
 */
export function takeOldCompareSets(): Record<string, string[]> {
  const key = PREFIX + "compareSets";
  const raw = store()?.getItem(key);
  if (raw == null) return {};
  try {
    store()?.removeItem(key);
  } catch {
    /* refused: nothing to move then */
  }
  try {
    const value = JSON.parse(raw) as unknown;
    if (typeof value !== "object" || value === null || Array.isArray(value)) return {};
    const out: Record<string, string[]> = {};
    for (const [name, models] of Object.entries(value as Record<string, unknown>)) {
      if (Array.isArray(models) && models.every((m) => typeof m === "string")) out[name] = models as string[];
    }
    return out;
  } catch {
    return {};
  }
}

function store(): Storage | null {
  try {
    return globalThis.localStorage ?? null;
  } catch {
    return null; // storage may be refused (private mode, a sandbox): nothing is kept then
  }
}

/** A kept value, or its default when it is missing or cannot be read. */
export function load<K extends keyof Kept>(key: K): Kept[K] {
  const raw = store()?.getItem(PREFIX + key);
  if (raw == null) return structuredClone(defaults[key]);
  if (!json[key]) return raw as Kept[K];
  try {
    const value = JSON.parse(raw) as unknown;
    const want = defaults[key];
    const sameShape = Array.isArray(want) ? Array.isArray(value) : typeof value === typeof want && value !== null && !Array.isArray(value);
    return sameShape ? (value as Kept[K]) : structuredClone(want);
  } catch {
    return structuredClone(defaults[key]);
  }
}

/** Keeps a value (quietly does nothing when storage is refused or full). */
export function save<K extends keyof Kept>(key: K, value: Kept[K]): void {
  try {
    store()?.setItem(PREFIX + key, json[key] ? JSON.stringify(value) : (value as string));
  } catch {
    /* full or refused: the value is simply not kept */
  }
}

/** Whether the IPC debug log is on (the e2e suite's secret-hygiene check). */
export function ipcDebug(): boolean {
  return store()?.getItem(PREFIX + "debug.ipc") === "1";
}
