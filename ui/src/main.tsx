import "./design/tokens.css";
import "./design/components.css";
import { render } from "solid-js/web";
import { App } from "./App";
import { tauriBackend } from "./backend";

// Marks for the window benchmark's breakdown of start-up (script running, first render done,
// backend answered: see Sidebar).
performance.mark("roundtable:script");
const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(() => <App backend={tauriBackend} />, root);
  performance.mark("roundtable:rendered");
}
