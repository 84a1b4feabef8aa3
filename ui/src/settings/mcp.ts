// Settings → Tools' words and checks: a server's name rule, its arguments and environment as
// lines, how its command line or URL is shown, and its state's word and tone. No backend calls.

import type { Tone } from "../design/controls";
import type { McpServerSetting, ServerState } from "../types";

/** What names a server: 1 to 32 letters, digits, `-` and `_`, without `__` (it separates server and tool). */
export function nameProblem(name: string, taken: readonly string[]): string | null {
  if (!name) return "Give the server a name.";
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(name)) return "Use 1 to 32 letters, digits, - and _ only.";
  if (name.includes("__")) return "Two underscores in a row (__) are kept to separate a server's name from its tools'.";
  if (taken.includes(name)) return `There is already a server named ${name}.`;
  return null;
}

/** The non-empty lines of a text, trimmed (arguments: one per line). */
export const lines = (text: string): string[] => text.split("\n").map((l) => l.trim()).filter(Boolean);

/** `KEY=VALUE` lines as a map, or the first line that is not one. */
export function parseEnv(text: string): { env: Record<string, string>; problem: string | null } {
  const env: Record<string, string> = {};
  for (const line of lines(text)) {
    const at = line.indexOf("=");
    const key = at < 0 ? line : line.slice(0, at).trim();
    if (at < 0 || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) {
      return { env, problem: `“${line}” is not KEY=VALUE (a key is letters, digits and _, not starting with a digit).` };
    }
    env[key] = line.slice(at + 1);
  }
  return { env, problem: null };
}

export const envText = (env: Record<string, string>): string => Object.entries(env).map(([k, v]) => `${k}=${v}`).join("\n");

/** An argument as a shell would need it to read it back (quoted when it holds spaces or quotes). */
const shellWord = (a: string) => (a === "" || /[\s"'\\$`]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);

/** What the server runs or where it is: `command args…`, or the URL. */
export function targetOf(s: McpServerSetting): string {
  if (s.url) return s.url;
  return [s.command ?? "", ...s.args].filter((a, i) => i > 0 || a).map((a, i) => (i === 0 ? a : shellWord(a))).join(" ");
}

export const STATES: Record<ServerState, { word: string; tone: Tone }> = {
  not_started: { word: "not started", tone: "neutral" },
  starting: { word: "starting", tone: "accent" },
  running: { word: "running", tone: "success" },
  failed: { word: "failed", tone: "danger" },
  stopped: { word: "stopped", tone: "neutral" },
};

/** A URL the backend can reach: http or https. */
export const urlProblem = (url: string): string | null =>
  !url ? "Give the server's URL." : /^https?:\/\/[^\s/]+/i.test(url) ? null : "Give an http:// or https:// URL.";
