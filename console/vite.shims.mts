/**
 * What the browser bundle swaps so the shared operations (ops/) and infrastructure (lib/) run in the console
 * unchanged: the lazily `require`d bindings (lib/typechain.ts, imported as "./typechain" by lib/revert.ts and as
 * "../lib/typechain" by deploy/context.ts) become a static import; deploy/context.ts (Node-only deployment code around
 * `contractAt`) becomes its browser part; Node built-ins become stubs that throw a clear error if ever reached.
 * Keys are import specifiers as written in those files (Vite/rollup alias: exact match or `key/` prefix).
 */
import path from "node:path";

const shimsDir = path.join(import.meta.dirname, "src", "shims");

export const shims = {
  alias: {
    "./typechain": path.join(shimsDir, "typechain.ts"),
    "../lib/typechain": path.join(shimsDir, "typechain.ts"),
    "../deploy/context": path.join(shimsDir, "deployContext.ts"),
    "node:fs": path.join(shimsDir, "node.ts"),
    "node:path": path.join(shimsDir, "node.ts"),
    "node:util": path.join(shimsDir, "node.ts"),
  } as Record<string, string>,
};
