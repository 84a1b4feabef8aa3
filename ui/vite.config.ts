import { defineConfig } from "vite";
import solid from "vite-plugin-solid";

// The UI is embedded by Tauri from ui/dist (tauri.conf.json: build.frontendDist).
export default defineConfig({
  root: ".",
  clearScreen: false,
  plugins: [solid()],
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  resolve: { conditions: ["development", "browser"] },
  test: { environment: "jsdom" },
} as Parameters<typeof defineConfig>[0]);
