// Settings → Updates: whether the app looks for a new version at start (`[updates] enabled`,
// off by default) and where (`[updates] url`), "Check now", and what it found: the release, its
// notes (plain text: they come from the network, so never parsed as HTML) and, when this copy
// can update itself, Install (download, signature check, package manager) then Restart.

import { createSignal, Show } from "solid-js";
import type { FullBackend } from "../backend";
import { Button, Card, Checkbox, TextField } from "../design/controls";
import { Download, RefreshCw } from "../design/icons";
import { describe } from "../shared/problems";
import type { Installed, UpdateCheck, UpdateOffer, SettingsView } from "../types";
import { announce, type EditFn, SectionHead } from "./common";

/** The day a release was published, from its RFC 3339 date (as given when it is not one). */
function day(date: string): string {
  return /^\d{4}-\d{2}-\d{2}/.test(date) ? date.slice(0, 10) : date;
}

/**
 * `found` is what the check at start found (when it ran), shown until "Check now" asks again.
 */
export function Updates(props: { c: SettingsView; edit: EditFn; backend: FullBackend; found?: UpdateCheck | null }) {
  const u = () => props.c.updates;
  /** The address as the field shows it: empty (the placeholder names the default) while the default is in force. */
  const shownUrl = () => (u().url === u().defaultUrl ? "" : u().url);
  /** The address to send with a change of the switch: null keeps the default unwritten. */
  const savedUrl = () => (u().url === u().defaultUrl ? null : u().url);

  const [status, setStatus] = createSignal("");
  // The field shows the file's address, and again after a save of it; a refused save keeps what
  // was typed (and so does the checkbox's save, which sends the saved address, not the typed one).
  const [url, setUrl] = createSignal(shownUrl());
  const [urlError, setUrlError] = createSignal("");

  const toggle = async (box: HTMLInputElement) => {
    const enabled = box.checked;
    const err = await props.edit({ kind: "updates", enabled, url: savedUrl() });
    if (err) box.checked = u().enabled;
    announce(setStatus, err, "saved", enabled ? "Roundtable looks for updates at start" : "No update check at start");
  };
  const saveUrl = async (next: string | null) => {
    const err = await props.edit({ kind: "updates", enabled: u().enabled, url: next });
    setUrlError(err);
    if (!err) setUrl(shownUrl());
    announce(() => {}, err, "", next === null ? "The default update address is in use" : "Update address saved");
  };
  const typed = () => (url().trim() === "" ? null : url().trim());

  const [checking, setChecking] = createSignal(false);
  const [mine, setMine] = createSignal<UpdateCheck | null>(null);
  // Once "Check now" is pressed, only its answer counts: the check at start's result, or an
  // earlier answer, is not left on screen (nor installable) while a new check runs.
  const [asked, setAsked] = createSignal(false);
  const [checkError, setCheckError] = createSignal("");
  const result = () => (checkError() ? null : asked() ? mine() : props.found ?? null);
  const check = async () => {
    setChecking(true);
    setAsked(true);
    setMine(null);
    setCheckError("");
    setInstalled(null);
    setInstallError("");
    try {
      setMine(await props.backend.updateCheck());
    } catch (e) {
      setMine(null);
      setCheckError(describe(e) || "Could not check for updates.");
    } finally {
      setChecking(false);
    }
  };

  const [installing, setInstalling] = createSignal(false);
  const [installed, setInstalled] = createSignal<Installed | null>(null);
  const [installError, setInstallError] = createSignal("");
  const install = async () => {
    setInstalling(true);
    setInstallError("");
    try {
      setInstalled(await props.backend.updateInstall());
    } catch (e) {
      setInstallError(describe(e));
    } finally {
      setInstalling(false);
    }
  };
  const restart = async () => {
    setInstallError("");
    try {
      await props.backend.updateRestart();
    } catch (e) {
      setInstallError(describe(e));
    }
  };

  return (
    <div class="updates-section">
      <SectionHead title="Updates">
        New versions of Roundtable: looked for at start if you want, or when you ask; installed only when you press Install.
      </SectionHead>
      <div class="stack">
        <Card head={<h3>Looking for updates</h3>}>
          <div class="update-enabled">
            <Checkbox id="update-enabled" class="update-enabled-box" label="Check for updates at start" checked={u().enabled}
              aria-describedby="update-enabled-hint" onChange={(e) => void toggle(e.currentTarget)} />
            <p class="hint" id="update-enabled-hint">Roundtable looks for a new version only when this is on or when you press
              Check now. Updates are signed; one that fails the signature check is refused.</p>
          </div>
          <div class="status" role="status">{status()}</div>
          <div class="field-row">
            <TextField id="update-url" class="grow" label="Update address" inputClass="update-url" inputMode="url" spellcheck={false}
              value={url()} placeholder={u().defaultUrl} error={urlError() || null}
              onInput={(e) => setUrl(e.currentTarget.value)}
              onKeyDown={(e) => { if (e.key === "Enter") void saveUrl(typed()); }} />
            <Button variant="primary" class="save-update-url" onClick={() => void saveUrl(typed())}>Save</Button>
            <Button variant="ghost" class="default-update-url" onClick={() => void saveUrl(null)}>Use default</Button>
          </div>
        </Card>

        <Card head={<h3>This version</h3>}>
          <div class="card-foot">
            <Button id="update-check" icon={RefreshCw} disabled={checking() || installing()} onClick={() => void check()}>
              {checking() ? "Checking…" : "Check now"}
            </Button>
          </div>
          <div id="update-status" class="update-status" role="status" aria-live="polite">
            <Show when={checkError()}><p class="problem" role="alert">{checkError()}</p></Show>
            <Show when={result()}>{(r) => (
              <Show when={r().offer} fallback={<p class="update-current">Roundtable {r().current} is the newest version.</p>}>{(o) => (
                <p class="update-offer">Roundtable <strong>{o().version}</strong> is available (you have {r().current}).
                  <Show when={o().date}>{(d) => <> Published {day(d())}.</>}</Show></p>
              )}</Show>
            )}</Show>
          </div>
          <Show when={result()}>{(r) => (
            <Show when={r().offer}>{(o) => (
              <>
                <Show when={o().notes}>{(n) => (
                  <div class="update-notes-box">
                    <h4 class="update-notes-title">What's new</h4>
                    <pre id="update-notes" class="update-notes">{n()}</pre>
                  </div>
                )}</Show>
                <Install check={r()} offer={o()} installing={installing()} installed={installed()} error={installError()}
                  onInstall={() => void install()} onRestart={() => void restart()} />
              </>
            )}</Show>
          )}</Show>
        </Card>
      </div>
    </div>
  );
}

/** How this copy is updated: Install (then Restart now), or what to do by hand. */
function Install(props: {
  check: UpdateCheck; offer: UpdateOffer; installing: boolean; installed: Installed | null; error: string;
  onInstall: () => void; onRestart: () => void;
}) {
  const kind = () => props.check.install;
  const how = () => { const k = kind(); return k.kind === "manual" ? k.how : null; };
  const format = () => { const k = kind(); return k.kind === "package" ? k.format : null; };
  const progress = () => {
    if (props.installing) return "Downloading, checking the signature and installing…";
    const done = props.installed;
    return done ? `Roundtable ${done.version} is installed. It runs from the next start.` : "";
  };
  return (
    <Show when={how() === null} fallback={<p class="update-how">{how()}</p>}>
      <div class="update-install">
        <p class="hint">
          <Show when={format()} fallback="Replaces this AppImage with the new one.">{(f) => <>
            Installs the .{f()} package through your package manager; it may ask for an administrator's password.</>}</Show>
        </p>
        <div class="card-foot">
          <Show when={props.installed} fallback={
            <Button id="update-install" variant="primary" icon={Download} disabled={props.installing} onClick={() => props.onInstall()}>
              Install {props.offer.version}
            </Button>
          }>
            <Button id="update-restart" variant="primary" icon={RefreshCw} onClick={() => props.onRestart()}>Restart now</Button>
          </Show>
          <div class="status update-progress" role="status">{progress()}</div>
        </div>
        <Show when={props.error}><p id="update-error" class="problem" role="alert">{props.error}</p></Show>
      </div>
    </Show>
  );
}
