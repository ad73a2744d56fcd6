import { svelte } from "@sveltejs/vite-plugin-svelte";
import { defineConfig } from "vite";

// Builds the UI benchmarks (bench/*.html) into dist-bench/; see bench/stream.mjs.
export default defineConfig({
  plugins: [svelte()],
  build: {
    outDir: "dist-bench",
    emptyOutDir: true,
    rollupOptions: { input: { stream: "bench/stream.html" } },
  },
});
