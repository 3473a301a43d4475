/**
 * The console server's configuration file (`node console/main.ts --config FILE`), validated with the repository's
 * config kit: an unknown key, a wrong type or a bad URL is a {@link ConfigError} naming the key.
 *
 *   {
 *     "listen": { "host": "127.0.0.1", "port": 8800 },
 *     "distDir": "console/dist",
 *     "indexerUrl": "http://127.0.0.1:8700",
 *     "signerUrl": "http://127.0.0.1:8900",
 *     "gateway": { "url": "http://127.0.0.1:8600", "adminTokenEnv": "GATEWAY_ADMIN_TOKEN" },
 *     "chains": [{ "chainId": 2018, "name": "main", "role": "main", "rpcUrl": "http://127.0.0.1:8545", "manifest": "deployments/luniverse.json" }]
 *   }
 *
 * Relative paths (`distDir`, `manifest`) are resolved against the config file's folder.
 */
import path from "node:path";
import { existsSync, statSync } from "node:fs";
import { ConfigError, checkKeys, envName, host, int, invalid, isPlainObject, joinPath, optStr, readJsonFile, str } from "../lib/config";

export type ChainRole = "main" | "product" | "ethereum";

export interface ConsoleChainConfig {
  chainId: number;
  name: string;
  role: ChainRole;
  /** The chain's JSON-RPC endpoint (http or https); the browser reaches it through `POST /rpc/<chainId>`. */
  rpcUrl: string;
  /** Absolute path of the deployment manifest whose contracts the console lists, or null. */
  manifest: string | null;
}

export interface ConsoleGatewayConfig {
  /** The gateway's base URL; the console reads `GET <url>/admin/v1/analytics`. */
  url: string;
  /** Name of the environment variable holding the gateway's admin token (never the token itself). */
  adminTokenEnv: string;
}

export interface ConsoleServerConfig {
  listen: { host: string; port: number };
  /** Absolute path of the built app (default console/dist). */
  distDir: string;
  indexerUrl: string | null;
  /** The signer service (custodial wallets, 2FA): the browser reaches its DApp API through `/api/signer/v1/dapps/…`. */
  signerUrl: string | null;
  gateway: ConsoleGatewayConfig | null;
  chains: ConsoleChainConfig[];
}

export const DEFAULT_DIST_DIR = path.resolve(__dirname, "dist");
export const DEFAULT_PORT = 8800;

const ROLES: readonly ChainRole[] = ["main", "product", "ethereum"];

function httpUrl(obj: Record<string, unknown>, key: string, at: string): string {
  const v = obj[key];
  const full = joinPath(at, key);
  if (typeof v !== "string") throw invalid(full, "an http(s) URL such as http://127.0.0.1:8545", v);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(full, "an http(s) URL such as http://127.0.0.1:8545", v);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw invalid(full, "an http(s) URL (ws:// is not proxied)", v);
  return v.replace(/\/+$/, "");
}

function required(obj: Record<string, unknown>, key: string, at: string, what: string): void {
  if (obj[key] === undefined) throw new ConfigError("CONFIG_INVALID", joinPath(at, key), `${joinPath(at, key)} is required: ${what}`);
}

/**
 * Validates a parsed config object; `baseDir` resolves relative paths. Checks that each manifest file exists (a
 * missing one is an error that says how to deploy or to write null).
 */
export function parseConsoleServerConfig(input: unknown, baseDir: string): ConsoleServerConfig {
  if (!isPlainObject(input)) throw invalid("config", "an object", input);
  checkKeys(input, ["listen", "distDir", "indexerUrl", "signerUrl", "gateway", "chains"], "");

  let listen = { host: "127.0.0.1", port: DEFAULT_PORT };
  if (input.listen !== undefined) {
    if (!isPlainObject(input.listen)) throw invalid("listen", "an object {host, port}", input.listen);
    checkKeys(input.listen, ["host", "port"], "listen");
    listen = { host: host(input.listen, "host", "listen", "127.0.0.1"), port: int(input.listen, "port", "listen", DEFAULT_PORT, 0, 65535) };
  }

  const dist = optStr(input, "distDir", "", null);
  const distDir = dist === null ? DEFAULT_DIST_DIR : path.resolve(baseDir, dist);

  const indexerUrl = input.indexerUrl === undefined || input.indexerUrl === null ? null : httpUrl(input, "indexerUrl", "");
  const signerUrl = input.signerUrl === undefined || input.signerUrl === null ? null : httpUrl(input, "signerUrl", "");

  let gateway: ConsoleGatewayConfig | null = null;
  if (input.gateway !== undefined && input.gateway !== null) {
    const g = input.gateway;
    if (!isPlainObject(g)) throw invalid("gateway", "an object {url, adminTokenEnv} or null", g);
    checkKeys(g, ["url", "adminTokenEnv"], "gateway");
    required(g, "url", "gateway", "the gateway's base URL, e.g. http://127.0.0.1:8600");
    required(g, "adminTokenEnv", "gateway", "the NAME of the environment variable holding the admin token, e.g. GATEWAY_ADMIN_TOKEN");
    gateway = { url: httpUrl(g, "url", "gateway"), adminTokenEnv: envName(g, "adminTokenEnv", "gateway", null)! };
  }

  required(input, "chains", "", "a list of {chainId, name, role, rpcUrl, manifest}");
  if (!Array.isArray(input.chains) || input.chains.length === 0) throw invalid("chains", "a non-empty array of {chainId, name, role, rpcUrl, manifest}", input.chains);
  const seen = new Map<number, number>();
  const chains = input.chains.map((c: unknown, i: number): ConsoleChainConfig => {
    const at = `chains[${i}]`;
    if (!isPlainObject(c)) throw invalid(at, "an object {chainId, name, role, rpcUrl, manifest}", c);
    checkKeys(c, ["chainId", "name", "role", "rpcUrl", "manifest"], at);
    for (const k of ["chainId", "name", "role", "rpcUrl"]) required(c, k, at, "every chain needs chainId, name, role and rpcUrl");
    const chainId = int(c, "chainId", at, 0, 1, Number.MAX_SAFE_INTEGER);
    const before = seen.get(chainId);
    if (before !== undefined) throw new ConfigError("CONFIG_INVALID", `${at}.chainId`, `${at}.chainId: chain ${chainId} is already listed as chains[${before}]; list each chain once`);
    seen.set(chainId, i);
    const name = str(c, "name", at, "");
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(name)) throw invalid(`${at}.name`, "a short name ([A-Za-z0-9_-], ≤ 64 characters)", name);
    const role = c.role;
    if (typeof role !== "string" || !(ROLES as readonly string[]).includes(role)) throw invalid(`${at}.role`, `one of ${ROLES.map((r) => `"${r}"`).join(", ")}`, role);
    const manifestRel = optStr(c, "manifest", at, null);
    const manifest = manifestRel === null ? null : path.resolve(baseDir, manifestRel);
    if (manifest !== null && !(existsSync(manifest) && statSync(manifest).isFile())) {
      throw new ConfigError(
        "CONFIG_INVALID",
        `${at}.manifest`,
        `${at}.manifest: no deployment manifest at ${manifest}; deploy the chain first (npx hardhat deploy:system) or write "manifest": null`,
      );
    }
    return { chainId, name, role: role as ChainRole, rpcUrl: httpUrl(c, "rpcUrl", at), manifest };
  });

  return { listen, distDir, indexerUrl, signerUrl, gateway, chains };
}

/** Reads and validates the config file at `file`. */
export function loadConsoleServerConfig(file: string): ConsoleServerConfig {
  return parseConsoleServerConfig(readJsonFile(file, "console config"), path.dirname(path.resolve(file)));
}
