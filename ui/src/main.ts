import "./style.css";
import { tauriBackend } from "./backend";
import { renderHeader } from "./header";

const name = document.getElementById("app-name");
const version = document.getElementById("app-version");
if (name && version) {
  void renderHeader(tauriBackend, name, version);
}
