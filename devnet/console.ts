/**
 * The devnet's indexer and web console: the indexer follows the three chains into its embedded SQLite store under
 * `<dataDir>/indexer/`, and the console (built once into `console/dist` when missing) is served with the chains' RPC,
 * the indexer's API and the gateway's analytics behind it. Both are supervised processes like the gateway.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { DevnetError, ETHEREUM_CHAIN_ID, MAIN_CHAIN_ID, PRODUCT_CHAIN_ID, ethereumRpcUrl, gatewayUrl, indexerUrl, mainRpcUrl, productRpcUrl, type DevnetOptions, type DevnetPaths } from "./config";
import { devnetAdminToken } from "./gateway";
import type { Log } from "./bootstrap";
import type { ChildSpec } from "./supervisor";

const TS_NODE = ["-r", "ts-node/register/transpile-only"];

/** The three chains as the indexer and the console name them, with the manifest of each one's contracts. */
function devnetChains(o: DevnetOptions, p: DevnetPaths) {
  const manifest = (file: string): string | null => (existsSync(path.join(p.deployments, file)) ? path.join(p.deployments, file) : null);
  return [
    { id: MAIN_CHAIN_ID, name: "main", role: "main" as const, rpcUrl: mainRpcUrl(o), manifest: manifest("luniverse.json") },
    { id: PRODUCT_CHAIN_ID, name: "product", role: "product" as const, rpcUrl: productRpcUrl(o), manifest: manifest("luniverseProduct.json") },
    { id: ETHEREUM_CHAIN_ID, name: "ethereum", role: "ethereum" as const, rpcUrl: ethereumRpcUrl(o), manifest: manifest(`anchor-${ETHEREUM_CHAIN_ID}.json`) },
  ];
}

/** Writes the indexer's config and returns its process spec. */
export function indexerSpec(o: DevnetOptions, p: DevnetPaths): ChildSpec {
  const config = {
    listen: { host: "127.0.0.1", port: o.indexerPort },
    store: { kind: "sqlite", path: p.indexerStore },
    // a devnet's tokens are few: check them every 10 s, so the console shows a fresh result
    reconcileEveryMs: 10_000,
    chains: devnetChains(o, p).map((c) => ({ id: c.id, name: c.name, role: c.role, rpcUrl: c.rpcUrl, ...(c.manifest !== null ? { manifest: c.manifest } : {}) })),
  };
  mkdirSync(path.dirname(p.indexerConfig), { recursive: true });
  writeFileSync(p.indexerConfig, JSON.stringify(config, null, 2) + "\n");
  return {
    name: "indexer",
    command: process.execPath,
    args: [...TS_NODE, "services/indexer/main.ts", "--config", p.indexerConfig],
    cwd: o.root,
    env: { TS_NODE_TRANSPILE_ONLY: "1" },
    readyLine: /indexer listening/,
  };
}

/** Writes the console server's config and returns its process spec. */
export function consoleSpec(o: DevnetOptions, p: DevnetPaths): ChildSpec {
  const config = {
    listen: { host: "127.0.0.1", port: o.consolePort },
    indexerUrl: indexerUrl(o),
    signerUrl: o.hsm ? `http://127.0.0.1:${o.signerPort}` : null,
    gateway: { url: gatewayUrl(o), adminTokenEnv: "GATEWAY_ADMIN_TOKEN" },
    chains: devnetChains(o, p).map((c) => ({ chainId: c.id, name: c.name, role: c.role, rpcUrl: c.rpcUrl, manifest: c.manifest })),
  };
  mkdirSync(path.dirname(p.consoleConfig), { recursive: true });
  writeFileSync(p.consoleConfig, JSON.stringify(config, null, 2) + "\n");
  return {
    name: "console",
    command: process.execPath,
    args: [...TS_NODE, "console/main.ts", "--config", p.consoleConfig],
    cwd: o.root,
    env: { GATEWAY_ADMIN_TOKEN: devnetAdminToken(p), TS_NODE_TRANSPILE_ONLY: "1" },
    readyLine: /console listening/,
  };
}

/**
 * Builds the console (`vite build`, as `npm run build` does) when `console/dist` has no build yet, so `npm start` on
 * a fresh clone serves it. A failed build stops the start with vite's last lines.
 */
export function ensureConsoleBuilt(o: DevnetOptions, log: Log): void {
  if (existsSync(path.join(o.root, "console", "dist", "index.html"))) return;
  log("building the web console (console/dist is missing; npm run build does the same)");
  const vite = path.join(o.root, "node_modules", "vite", "bin", "vite.js");
  const r = spawnSync(process.execPath, [vite, "build", "--config", path.join("console", "vite.config.mts"), "--logLevel", "warn"], { cwd: o.root, encoding: "utf8" });
  if (r.status !== 0) {
    const tail = `${r.stdout ?? ""}${r.stderr ?? ""}`.trim().split("\n").slice(-15).join("\n");
    throw new DevnetError("DEVNET_CONSOLE_BUILD", `the web console did not build (vite exited ${r.status ?? r.signal}); run \`npm run build\` to see why:\n${tail}`);
  }
}
