// The shapes the shell sends (src-tauri/src/views.rs, engine turn events). Handwritten for now;
// generating them from Rust with a drift check is still to do.

export interface AppInfo { name: string; version: string; engineVersion: string }

export interface ConversationSummary {
  id: number; title: string; kind: string; messages: number; created_at: number; updated_at: number;
}

export interface MessageView {
  id: number; parentId: number | null; role: string; text: string; html: string; reasoningHtml: string;
  model: string | null; status: string; error: string | null; createdAt: number;
}

export interface StoredView { id: number; title: string; system: string | null; messages: MessageView[] }

export interface SearchHit {
  conversation_id: number; title: string; message_id: number; role: string; snippet: string; created_at: number;
}

export interface ModelView {
  id: string; provider: string; contextLength: number | null; inputPerM: number | null; outputPerM: number | null;
}

export interface TurnSpec {
  conversation?: number | null; parent?: number | null; prompt: string; targets: string[];
  /** An edit: the new message is a sibling of this one. */
  editOf?: number | null;
  /** Answer this user message again. */
  regenerate?: number | null;
}

export interface Attempt {
  target: string; number: number; outcome: "ok" | "failed" | "skipped"; class: string | null;
  status: number | null; ms: number; message: string | null;
}

export interface Usage {
  input_tokens: number; output_tokens: number; cache_read_tokens: number; cache_write_tokens: number; reasoning_tokens: number;
}

/** One message of a turn's channel. */
export type StreamMsg =
  | { kind: "render"; replaceFrom: number; blocks: string[]; tail: string; reasoning: string }
  | ({ kind: "attempt" } & Attempt)
  | { kind: "done"; messageId: number | null; model: string; fellOver: string[]; usage: Usage | null;
      costMicros: number; ttftMs: number | null; durationMs: number }
  | { kind: "failed"; message: string; provider: string | null; class: string | null; partial: boolean }
  | { kind: "cancelled" };

export interface Started { turn: number; saved: { conversationId: number; userMessageId: number } }

export interface KeyView { source: "keychain" | "environment"; hint: string; origin: string | null }

export interface ProviderView {
  id: string; kind: string; baseUrl: string; enabled: boolean; needsKey: boolean;
  key: KeyView | null; keychainError: string | null;
}
