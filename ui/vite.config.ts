import { defineConfig } from "vite";

// The UI is embedded by Tauri from ui/dist (tauri.conf.json: build.frontendDist).
export default defineConfig({
  root: ".",
  clearScreen: false,
  build: { outDir: "dist", emptyOutDir: true, target: "es2022" },
  test: { environment: "jsdom" },
} as Parameters<typeof defineConfig>[0]);
