import "./design/tokens.css";
import "./design/components.css";
import { render } from "solid-js/web";
import { App } from "./App";
import { tauriBackend } from "./backend";

const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(() => <App backend={tauriBackend} />, root);
}
