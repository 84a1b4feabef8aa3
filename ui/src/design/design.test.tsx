import { createSignal, Show } from "solid-js";
import { render } from "solid-js/web";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Button, Checkbox, IconButton, Switch, TextField } from "./controls";
import { Dialog } from "./Dialog";
import { Copy, Trash } from "./icons";
import { Menu } from "./Menu";
import { initials } from "./ProviderMark";
import { Tabs } from "./Tabs";
import { dismissToast, toast, Toaster, toasts } from "./toast";

let dispose: (() => void) | null = null;
afterEach(() => { dispose?.(); dispose = null; document.body.innerHTML = ""; toasts().forEach((t) => dismissToast(t.id)); });
const mount = (ui: () => import("solid-js").JSX.Element) => {
  const root = document.createElement("div");
  document.body.append(root);
  dispose = render(ui, root);
  return root;
};
const key = (el: Element, k: string, init: KeyboardEventInit = {}) =>
  el.dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, cancelable: true, ...init }));
const tick = () => new Promise((r) => setTimeout(r, 0));

describe("buttons", () => {
  it("an icon button is named by its label, which is also its tooltip with the shortcut", () => {
    const click = vi.fn();
    const root = mount(() => <IconButton icon={Copy} label="Copy" shortcut="Ctrl+C" onClick={click} class="x" />);
    const b = root.querySelector("button")!;
    expect(b.getAttribute("aria-label")).toBe("Copy");
    expect(b.dataset.tip).toBe("Copy (Ctrl+C)");
    expect(b.type).toBe("button");
    expect(b.classList.contains("x") && b.classList.contains("icon-btn")).toBe(true);
    expect(b.querySelector("svg")!.getAttribute("aria-hidden")).toBe("true");
    b.click();
    expect(click).toHaveBeenCalledOnce();
  });
  it("a button takes its variant and size as classes", () => {
    const root = mount(() => <Button variant="danger" size="sm" icon={Trash}>Delete</Button>);
    const b = root.querySelector("button")!;
    expect([...b.classList]).toEqual(["btn", "btn-danger", "btn-sm"]);
    expect(b.textContent).toBe("Delete");
  });
});

describe("fields", () => {
  it("a text field is labelled, and its error is announced and linked", () => {
    const root = mount(() => <TextField label="Address" error="not a URL" value="x" />);
    const input = root.querySelector("input")!;
    expect(root.querySelector(`label[for="${input.id}"]`)!.textContent).toBe("Address");
    expect(input.getAttribute("aria-invalid")).toBe("true");
    const err = document.getElementById(input.getAttribute("aria-describedby")!)!;
    expect(err.textContent).toBe("not a URL");
    expect(err.getAttribute("role")).toBe("alert");
  });
  it("a secret field is masked; the eye shows the text while typing and hides it again", () => {
    const root = mount(() => <TextField label="Key" secret />);
    const input = root.querySelector("input")!;
    const eye = root.querySelector(".reveal") as HTMLButtonElement;
    expect(input.type).toBe("password");
    expect(eye.getAttribute("aria-pressed")).toBe("false");
    eye.click();
    expect(input.type).toBe("text");
    expect(eye.getAttribute("aria-pressed")).toBe("true");
    expect(eye.getAttribute("aria-label")).toBe("Hide the text");
    eye.click();
    expect(input.type).toBe("password");
  });
  it("a switch is a switch with its state", () => {
    const [on, setOn] = createSignal(false);
    const root = mount(() => <Switch label="Use openai" checked={on()} onChange={setOn} />);
    const s = root.querySelector("[role=switch]") as HTMLButtonElement;
    expect(s.getAttribute("aria-checked")).toBe("false");
    s.click();
    expect(on()).toBe(true);
    expect(s.getAttribute("aria-checked")).toBe("true");
    expect(s.textContent).toBe("Use openai");
  });
});

describe("checkbox", () => {
  it("is a native checkbox named by its label", () => {
    const change = vi.fn();
    const root = mount(() => <Checkbox label="Synced scrolling" checked onChange={change} />);
    const box = root.querySelector("input")!;
    expect(box.type).toBe("checkbox");
    expect(box.checked).toBe(true);
    expect(box.closest("label")!.textContent).toBe("Synced scrolling");
    box.click();
    expect(change).toHaveBeenCalledOnce();
  });
});

describe("dialog", () => {
  it("opens modal, focuses its first field, closes on Escape and gives focus back", async () => {
    const [open, setOpen] = createSignal(false);
    const root = mount(() => (
      <>
        <button class="opener" onClick={() => setOpen(true)}>open</button>
        <Show when={open()}>
          <Dialog title="Rename" onClose={() => setOpen(false)}><input class="name" /></Dialog>
        </Show>
      </>
    ));
    const opener = root.querySelector(".opener") as HTMLButtonElement;
    opener.focus();
    opener.click();
    const dialog = document.querySelector("dialog")!;
    expect(dialog.hasAttribute("open")).toBe(true);
    expect(document.getElementById(dialog.getAttribute("aria-labelledby")!)!.textContent).toBe("Rename");
    expect(document.activeElement).toBe(dialog.querySelector(".name"));
    key(dialog.querySelector(".name")!, "Escape");
    await tick();
    expect(document.querySelector("dialog")).toBeNull();
    expect(document.activeElement).toBe(opener);
  });
});

describe("menu", () => {
  it("focuses the first item; arrows wrap; Enter picks and closes; Escape closes", async () => {
    const picked: string[] = [];
    const [open, setOpen] = createSignal(true);
    mount(() => (
      <Show when={open()}>
        <Menu label="Actions" at={{ x: 10, y: 10 }} onClose={() => setOpen(false)} items={[
          { label: "Pin", onSelect: () => picked.push("pin") },
          "separator",
          { label: "Delete", danger: true, onSelect: () => picked.push("delete") },
        ]} />
      </Show>
    ));
    const menu = document.querySelector("[role=menu]")!;
    const items = [...menu.querySelectorAll("[role=menuitem]")] as HTMLElement[];
    expect(items.map((i) => i.textContent)).toEqual(["Pin", "Delete"]);
    expect(document.activeElement).toBe(items[0]);
    key(menu, "ArrowDown");
    expect(document.activeElement).toBe(items[1]);
    key(menu, "ArrowDown");
    expect(document.activeElement).toBe(items[0]);
    key(menu, "End");
    expect(document.activeElement).toBe(items[1]);
    items[1].click();
    await tick();
    expect(picked).toEqual(["delete"]);
    expect(document.querySelector("[role=menu]")).toBeNull();
    setOpen(true);
    await tick();
    key(document.querySelector("[role=menu]")!, "Escape");
    await tick();
    expect(document.querySelector("[role=menu]")).toBeNull();
    expect(picked).toEqual(["delete"]);
  });
  it("a click elsewhere closes it", async () => {
    const [open, setOpen] = createSignal(true);
    mount(() => <Show when={open()}><Menu label="M" at={{ x: 0, y: 0 }} onClose={() => setOpen(false)} items={[{ label: "A", onSelect: () => {} }]} /></Show>);
    document.body.dispatchEvent(new Event("pointerdown", { bubbles: true }));
    await tick();
    expect(open()).toBe(false);
  });
});

describe("tabs", () => {
  it("one tab stop; arrow keys, Home and End select", async () => {
    const [v, setV] = createSignal("a");
    const root = mount(() => <Tabs id="t" label="Sections" value={v()} onChange={setV}
      items={[{ id: "a", label: "A" }, { id: "b", label: "B" }, { id: "c", label: "C" }]} />);
    const tabs = [...root.querySelectorAll("[role=tab]")] as HTMLElement[];
    expect(tabs.map((t) => t.tabIndex)).toEqual([0, -1, -1]);
    expect(tabs[0].getAttribute("aria-controls")).toBe("t-panel-a");
    key(tabs[0], "ArrowRight");
    expect(v()).toBe("b");
    expect(tabs.map((t) => t.getAttribute("aria-selected"))).toEqual(["false", "true", "false"]);
    key(tabs[1], "ArrowLeft");
    key(tabs[0], "ArrowLeft");
    expect(v()).toBe("c");
    key(tabs[2], "Home");
    expect(v()).toBe("a");
    key(tabs[0], "ArrowDown"); // horizontal: up/down do nothing
    expect(v()).toBe("a");
  });
});

describe("toasts", () => {
  it("a note is polite, a failure assertive; the same text is not shown twice; four at most", () => {
    const root = mount(() => <Toaster />);
    toast("Saved", "success");
    toast("Saved", "success");
    toast("It broke", "error");
    // Notes in the polite region, failures in the assertive one: both stay in the page, so a new
    // note is read when it appears.
    const region = (live: string) => [...root.querySelectorAll(`[aria-live=${live}] .toast`)].map((t) => t.textContent);
    expect(region("polite")).toEqual(["Saved"]);
    expect(region("assertive")).toEqual(["It broke"]);
    for (let i = 0; i < 6; i++) toast(`n${i}`);
    expect(toasts().map((t) => t.text)).toEqual(["n2", "n3", "n4", "n5"]);
    (root.querySelector(".toast [aria-label=Dismiss]") as HTMLButtonElement).click();
    expect(toasts().map((t) => t.text)).toEqual(["n3", "n4", "n5"]);
  });
});

describe("provider marks", () => {
  it("initials for known providers, routes and others", () => {
    expect(initials("openai/gpt-5")).toBe("AI");
    expect(initials("@smart")).toBe("@");
    expect(initials("my-lab/x")).toBe("ML");
    expect(initials("zed")).toBe("ZE");
  });
});
