/**
 * The devnet's gateway: one replica in front of every chain (the main chain's validators, the product chain's node(s),
 * anvil as Ethereum), its embedded SQLite store and admin token under `<dataDir>/gateway/`, and the development DApp's
 * API key (bound to the main and product chains) created once and kept in state.json.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gatewayAdmin } from "../ops/gateway/client";
import { createApiKey } from "../ops/gateway/createApiKey";
import { listApiKeys } from "../ops/gateway/listApiKeys";
import { DEVNET_DAPP, ETHEREUM_CHAIN_ID, MAIN_CHAIN_ID, PRODUCT_CHAIN_ID, ethereumRpcUrl, gatewayUrl, productRpcUrls, type DevnetOptions, type DevnetPaths } from "./config";
import type { DevnetState } from "./state";
import type { ChildSpec } from "./supervisor";

const TS_NODE = ["-r", "ts-node/register/transpile-only"];

/** The admin token of this data folder (made on first use, mode 0600). */
export function devnetAdminToken(p: DevnetPaths): string {
  if (existsSync(p.gatewayAdminToken)) return readFileSync(p.gatewayAdminToken, "utf8").trim();
  mkdirSync(path.dirname(p.gatewayAdminToken), { recursive: true });
  const token = randomBytes(24).toString("hex");
  writeFileSync(p.gatewayAdminToken, `${token}\n`, { mode: 0o600 });
  return token;
}

/** Writes the gateway's config and returns its process spec. */
export function gatewaySpec(o: DevnetOptions, p: DevnetPaths): ChildSpec {
  const token = devnetAdminToken(p);
  const config = {
    listen: { host: "127.0.0.1", port: o.gatewayPort },
    adminTokenEnv: "GATEWAY_ADMIN_TOKEN",
    store: { kind: "sqlite", path: p.gatewayStore },
    chains: [
      { id: MAIN_CHAIN_ID, name: "main", upstreams: Array.from({ length: o.validators }, (_, i) => ({ name: `main-${i + 1}`, url: `http://127.0.0.1:${o.mainPort + i}` })) },
      { id: PRODUCT_CHAIN_ID, name: "product", upstreams: productRpcUrls(o).map((url, i) => ({ name: o.productValidators === 1 ? "product" : `product-${i + 1}`, url })) },
      { id: ETHEREUM_CHAIN_ID, name: "ethereum", upstreams: [{ name: "anvil", url: ethereumRpcUrl(o) }] },
    ],
    cache: { maxBytes: 64 * 1024 * 1024, diskDir: path.join(path.dirname(p.gatewayStore), "cache") },
  };
  mkdirSync(path.dirname(p.gatewayConfig), { recursive: true });
  writeFileSync(p.gatewayConfig, JSON.stringify(config, null, 2) + "\n");
  return {
    name: "gateway",
    command: process.execPath,
    args: [...TS_NODE, "services/gateway/main.ts", "--config", p.gatewayConfig, "--replica", "devnet"],
    cwd: o.root,
    env: { GATEWAY_ADMIN_TOKEN: token, TS_NODE_TRANSPILE_ONLY: "1" },
    readyLine: /gateway listening/,
  };
}

/** The development DApp's key: the one in state.json when the gateway still has it active, else a new one. */
export async function ensureDevKey(o: DevnetOptions, p: DevnetPaths, state: DevnetState): Promise<string> {
  const admin = gatewayAdmin(gatewayUrl(o), devnetAdminToken(p));
  const keys = await listApiKeys(admin, { dapp: DEVNET_DAPP });
  const known = keys.find((k) => k.key === state.gateway?.devKey && k.status === "active");
  if (known) return known.key;
  const created = await createApiKey(admin, { dapp: DEVNET_DAPP, name: "development key (npm start)", chains: ["main", "product", "ethereum"] });
  return created.key;
}
