/**
 * The gateway as a library: `runGateway(configFile)` reads and checks the config, opens the store (SQLite embedded, or
 * the PostgreSQL server that replicas share), and starts the server. Used by `npx hardhat gateway:start`, by
 * `services/gateway/main.ts`, by the devnet and by the tests.
 */
import path from "node:path";
import { ConfigError, readJsonFile } from "../../lib/config";
import type { Logger } from "../../lib/log";
import { parseGatewayConfig, type GatewayConfig } from "./config";
import { startGateway, type Gateway } from "./gateway";
import { openStore } from "./store";
import type { GatewayStore } from "./types";

export { parseGatewayConfig, type GatewayConfig } from "./config";
export { startGateway, type Gateway } from "./gateway";

export interface RunGatewayOptions {
  log?: Logger;
  /** Environment to read the admin token and the database URL from (default process.env). */
  env?: NodeJS.ProcessEnv;
  replicaId?: string;
}

/** Opens the configured store; the PostgreSQL URL comes from the environment variable the config names. */
export async function openConfiguredStore(config: GatewayConfig, env: NodeJS.ProcessEnv = process.env): Promise<GatewayStore> {
  if (config.store.kind === "sqlite") return openStore({ kind: "sqlite", path: config.store.path });
  const url = env[config.store.urlEnv];
  if (url === undefined || url === "") {
    throw new ConfigError("CONFIG_INVALID", "store.urlEnv", `store.urlEnv: the environment variable ${config.store.urlEnv} is not set; set it to the PostgreSQL URL (postgres://user:password@host:5432/db)`);
  }
  return openStore({ kind: "postgres", url, ...(config.store.schema === null ? {} : { schema: config.store.schema }) });
}

/** Starts a gateway from a checked config; closing the gateway closes its store. */
export async function runGatewayConfig(config: GatewayConfig, options: RunGatewayOptions = {}): Promise<Gateway> {
  const env = options.env ?? process.env;
  const token = config.adminTokenEnv === null ? null : (env[config.adminTokenEnv] ?? null);
  if (token !== null && token.length < 16) {
    throw new ConfigError("CONFIG_INVALID", "adminTokenEnv", `adminTokenEnv: the admin token in ${config.adminTokenEnv} is ${token.length} characters; use at least 16 (e.g. openssl rand -hex 24)`);
  }
  const store = await openConfiguredStore(config, env);
  try {
    const gw = await startGateway(config, { store, adminToken: token, ...(options.log ? { log: options.log } : {}), ...(options.replicaId ? { replicaId: options.replicaId } : {}) });
    const close = gw.close;
    return Object.assign(gw, { close: () => close().then(() => store.close()) });
  } catch (e) {
    await store.close();
    throw e;
  }
}

/** Reads the config file (relative paths from its folder) and starts the gateway. */
export async function runGateway(configFile: string, options: RunGatewayOptions = {}): Promise<Gateway> {
  const config = parseGatewayConfig(readJsonFile(configFile, "gateway config"), path.dirname(path.resolve(configFile)));
  return runGatewayConfig(config, options);
}
