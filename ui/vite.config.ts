import { defineConfig } from "vitest/config";
import { svelte } from "@sveltejs/vite-plugin-svelte";

// The same build runs in the desktop window (Tauri) and in a browser served by `miteos serve`.
// `npm run dev` proxies the API to a running `miteos serve` (MITEOS_API, default :7411).
const api = process.env.MITEOS_API ?? "http://127.0.0.1:7411";

export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: {
    target: "es2022",
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
  },
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      "/tasks": api,
      "/settings": api,
      "/agent-types": api,
      "/health": api,
    },
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.ts"],
    setupFiles: ["src/test/setup.ts"],
  },
  resolve: process.env.VITEST ? { conditions: ["browser"] } : undefined,
});
