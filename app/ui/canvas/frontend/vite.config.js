// Builds the canvas into dist/ with relative asset paths, since Streamlit serves a component's
// folder under its own URL prefix. Everything is bundled: nothing is fetched at run time.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  plugins: [react()],
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, assetsInlineLimit: 0, chunkSizeWarningLimit: 900 },
});
