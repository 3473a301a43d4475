/**
 * The console's build: `npx vite build --config console/vite.config.mts` (run by `npm run build`) writes the app to
 * console/dist, which console/server.ts serves. `npx vite --config console/vite.config.mts` runs the dev server; it
 * proxies the console server's routes (/rpc, /api, /console-config.json) to CONSOLE_SERVER (default
 * http://127.0.0.1:8800), so start console/main.ts beside it.
 */
import path from "node:path";
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";
import { shims } from "./vite.shims.mts";

const root = import.meta.dirname;
const repo = path.resolve(root, "..");
const consoleServer = process.env.CONSOLE_SERVER ?? "http://127.0.0.1:8800";

export default defineConfig({
  root,
  base: "/",
  plugins: [react()],
  resolve: { alias: { ...shims.alias } },
  // lib/indexerApi.ts, lib/gatewayApi.ts and lib/errors.ts live outside console/: let the dev server read them.
  server: {
    fs: { allow: [repo] },
    proxy: Object.fromEntries(["/rpc", "/api", "/metrics", "/console-config.json", "/health"].map((p) => [p, { target: consoleServer, changeOrigin: false }])),
  },
  build: {
    outDir: path.join(root, "dist"),
    emptyOutDir: true,
    sourcemap: false,
    // recharts and ethers are large; the app is served from the local disk, not a CDN.
    chunkSizeWarningLimit: 1500,
  },
});
