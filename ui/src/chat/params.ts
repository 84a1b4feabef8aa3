// The chat's settings state: the open conversation's system prompt and parameters as the panel
// shows them, and the presets to pick from. A new chat keeps them here until its first turn
// sends them; an open conversation's are the stored ones, and an edit replaces them in the
// store (debounced while typing, flushed before a send, and before another conversation opens).

import { createSignal, type Accessor } from "solid-js";
import type { FullBackend } from "../backend";
import { fromPreset, overlayOf, presetModel, tidy, turnFields } from "../shared/params";
import { report } from "../shared/problems";
import type { ChatSettings, PresetSetting, TurnSpec } from "../types";

/** How long an edit waits for the next keystroke before it is saved. */
const SAVE_DELAY_MS = 400;

export type ChatParams = ReturnType<typeof createChatParams>;

export function createChatParams(b: FullBackend, current: Accessor<number | null>, setModel: (id: string) => void) {
  const [value, setValue] = createSignal<ChatSettings>({});
  const [presets, setPresets] = createSignal<PresetSetting[]>([]);
  // Whether every field of the panel holds a value that can be sent.
  const [valid, setValid] = createSignal(true);
  // The conversation whose settings `value` holds (null: a new chat's): while another one opens,
  // the panel still shows the last one's, which its cost preview must not take for its own, and
  // which an edit must not be saved over (undefined: none — one that could not be fetched).
  const [holds, setHolds] = createSignal<number | null | undefined>(null);
  // Counts the edits stored: the cost preview is asked again after each (it reads the stored ones).
  const [saves, setSaves] = createSignal(0);
  let pending: { id: number; settings: ChatSettings } | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function loadPresets() {
    try {
      setPresets((await b.settings()).presets ?? []);
    } catch {
      // No presets to offer: the picker says so; the panel still works.
    }
  }

  /** Saves the edit waiting, if any (to the conversation it was made in). */
  async function flush() {
    clearTimeout(timer);
    const p = pending;
    pending = null;
    if (!p) return;
    try {
      await b.setConversationSettings(p.id, tidy(p.settings));
    } catch (e) {
      // Still shown, so still to be saved (the next flush retries it), unless a newer edit replaced it.
      if (pending === null) pending = p;
      throw e;
    }
    setSaves((n) => n + 1);
  }

  /** The panel's edit: kept, and for an open conversation stored (after a pause in typing). */
  function set(v: ChatSettings) {
    const id = current();
    // The panel still shows another conversation's (this one is loading): not this one's to edit.
    if (holds() !== id) return;
    setValue(v);
    if (id === null) return;
    pending = { id, settings: v };
    clearTimeout(timer);
    timer = setTimeout(() => flush().catch(report), SAVE_DELAY_MS);
  }

  /** A preset picked (null: back to the defaults): its values replace the settings, its model is picked. */
  function apply(p: PresetSetting | null) {
    if (holds() !== current()) return;
    set(p ? fromPreset(p) : {});
    const model = p && presetModel(p);
    if (model) setModel(model);
    // Everything on screen is the preset's now, and valid.
    setValid(true);
  }

  /** Another conversation is shown (`id`; null: a new chat): its stored settings (none for a new chat). */
  function opened(stored: ChatSettings | null, id: number | null = null) {
    flush().catch(report);
    setValue(stored ? tidy(stored) : {});
    setHolds(id);
    setValid(true);
  }

  /** Conversation `id` is shown but its settings could not be fetched: none shown, none editable. */
  function unknown() {
    flush().catch(report);
    setValue({});
    setHolds(undefined);
    setValid(true);
  }

  /** A new chat's first turn started conversation `id`: the settings shown are its own now. */
  function started(id: number) {
    setHolds(id);
  }

  /**
   * What a turn sends of the settings: a new chat's first turn carries them all, as shown (never
   * the preset by name: the engine would layer the preset as it is now in the config; `fix` then
   * says the stored settings must be set after, to keep the label); an open conversation's are
   * already stored.
   */
  function forTurn(conversation: number | null): { fields: Partial<TurnSpec>; fix: ChatSettings | null } {
    if (conversation !== null) return { fields: {}, fix: null };
    const { fields, exact } = turnFields(value());
    return { fields, fix: exact ? null : tidy(value()) };
  }

  /**
   * What the cost preview sends of the settings: a new chat's as its first turn would; for an
   * open conversation the panel's values as shown, which the engine lays over the stored ones —
   * so an edit not yet saved is costed as it will be sent. An empty system prompt or stop list
   * says "none" (it clears the stored one); a cleared number cannot be said, and is costed once
   * it is saved (`saves` changes, and the preview is asked again).
   */
  function forPreview(conversation: number | null): Partial<TurnSpec> {
    if (conversation === null) return forTurn(null).fields;
    // Still opening (the panel shows another conversation's): the stored ones alone.
    if (holds() !== conversation) return {};
    return overlayOf(value());
  }

  return { value, presets, valid, setValid, loadPresets, set, apply, opened, unknown, flush, forTurn, forPreview, saves, started };
}
