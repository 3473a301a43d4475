/**
 * The indexer's configuration file (JSON), checked with the repository's config kit: an unknown key, a wrong type or
 * a value out of range is a ConfigError naming the key's path.
 *
 *   {
 *     "chains": [{ "id": 2018, "name": "main", "role": "main", "rpcUrl": "http://127.0.0.1:8545", "manifest": "deployments/luniverse.json" }],
 *     "store": { "kind": "sqlite", "path": "data/index.sqlite" },      // or { "kind": "postgres", "url": "postgres://…" } / { "kind": "postgres", "urlEnv": "INDEXER_DATABASE_URL" }
 *     "listen": { "host": "127.0.0.1", "port": 8700 },
 *     "pollMs": 1000, "batchBlocks": 100, "reconcileEveryMs": 60000
 *   }
 */
import path from "node:path";
import { ConfigError, checkKeys, envName, host, int, invalid, isPlainObject, joinPath, optStr, section, str } from "../../lib/config";
import type { ChainRole } from "../../lib/indexerApi";

export interface IndexerChainConfig {
  id: number;
  name: string;
  role: ChainRole;
  rpcUrl: string;
  /** A deployment manifest (deploy/manifest.ts) or genesis file naming our contracts on this chain; null = none. */
  manifest: string | null;
  /** First block to index when the store has nothing of this chain yet (default 0). */
  startHeight: number;
  /** Blocks behind the head to stay (0 on our chains, whose `latest` is final; e.g. 12 on Ethereum). */
  confirmations: number;
}

export type IndexerStoreConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string | null; urlEnv: string | null };

export interface IndexerConfig {
  chains: IndexerChainConfig[];
  store: IndexerStoreConfig;
  listen: { host: string; port: number };
  /** How often a caught-up follower asks for a new head, ms. */
  pollMs: number;
  /** Blocks fetched and written per batch (one JSON-RPC batch, one DB transaction). */
  batchBlocks: number;
  /** Reconciliation period, ms (0: only after catch-up). */
  reconcileEveryMs: number;
  /** Holders checked with balanceOf() per token and run (the largest first). */
  reconcileHolders: number;
}

const ROOT_KEYS = ["chains", "store", "listen", "pollMs", "batchBlocks", "reconcileEveryMs", "reconcileHolders"];
const CHAIN_KEYS = ["id", "name", "role", "rpcUrl", "manifest", "startHeight", "confirmations"];
const ROLES: ChainRole[] = ["main", "product", "ethereum"];

/** Checks a parsed config; relative paths are resolved from `baseDir` (the config file's folder). */
export function parseIndexerConfig(input: unknown, baseDir = process.cwd()): IndexerConfig {
  if (!isPlainObject(input)) throw invalid("(root)", "object", input);
  checkKeys(input, ROOT_KEYS, "");
  const chainsIn = input.chains;
  if (!Array.isArray(chainsIn) || chainsIn.length === 0) throw invalid("chains", "a non-empty array of chains ({id, name, role, rpcUrl})", chainsIn);
  const chains = chainsIn.map((c, i): IndexerChainConfig => {
    const at = `chains[${i}]`;
    if (!isPlainObject(c)) throw invalid(at, "object", c);
    checkKeys(c, CHAIN_KEYS, at);
    if (c.id === undefined) throw invalid(joinPath(at, "id"), "chain id (positive integer)", c.id);
    const role = str(c, "role", at, "main");
    if (!ROLES.includes(role as ChainRole)) throw invalid(joinPath(at, "role"), `one of ${ROLES.join(", ")}`, role);
    const rpcUrl = str(c, "rpcUrl", at, "");
    if (!/^https?:\/\//.test(rpcUrl)) throw invalid(joinPath(at, "rpcUrl"), "an http(s):// JSON-RPC URL", c.rpcUrl);
    const manifest = optStr(c, "manifest", at, null);
    return {
      id: int(c, "id", at, 0, 1, Number.MAX_SAFE_INTEGER),
      name: str(c, "name", at, `chain-${String(c.id)}`),
      role: role as ChainRole,
      rpcUrl,
      manifest: manifest === null ? null : path.resolve(baseDir, manifest),
      startHeight: int(c, "startHeight", at, 0, 0, Number.MAX_SAFE_INTEGER),
      confirmations: int(c, "confirmations", at, 0, 0, 1000),
    };
  });
  const ids = new Set<number>();
  const names = new Set<string>();
  chains.forEach((c, i) => {
    if (ids.has(c.id)) throw new ConfigError("CONFIG_INVALID", `chains[${i}].id`, `chains[${i}].id: chain ${c.id} is listed twice; list each chain once`);
    if (names.has(c.name)) throw new ConfigError("CONFIG_INVALID", `chains[${i}].name`, `chains[${i}].name: the name "${c.name}" is used twice; names must be unique`);
    if (/^\d+$/.test(c.name)) throw invalid(`chains[${i}].name`, "a name that is not a number (numbers are chain ids in URLs)", c.name);
    ids.add(c.id);
    names.add(c.name);
  });
  const s = section(input, "store", "", ["kind", "path", "url", "urlEnv"]);
  const kind = str(s, "kind", "store", "sqlite");
  let store: IndexerStoreConfig;
  if (kind === "sqlite") {
    if (s.url !== undefined || s.urlEnv !== undefined) throw invalid("store.url", "no url with kind sqlite (use path)", s.url ?? s.urlEnv);
    store = { kind, path: path.resolve(baseDir, str(s, "path", "store", "indexer.sqlite")) };
  } else if (kind === "postgres") {
    const url = optStr(s, "url", "store", null);
    const urlEnv = envName(s, "urlEnv", "store", null);
    if ((url === null) === (urlEnv === null)) throw invalid("store.url", "exactly one of store.url (postgres://…) or store.urlEnv (the variable holding it)", s.url);
    if (url !== null && !/^postgres(ql)?:\/\//.test(url)) throw invalid("store.url", "a postgres:// URL", url);
    store = { kind, url, urlEnv };
  } else {
    throw invalid("store.kind", `"sqlite" or "postgres"`, kind);
  }
  const l = section(input, "listen", "", ["host", "port"]);
  return {
    chains,
    store,
    listen: { host: host(l, "host", "listen", "127.0.0.1"), port: int(l, "port", "listen", 8700, 0, 65535) },
    pollMs: int(input, "pollMs", "", 1000, 50, 600_000),
    batchBlocks: int(input, "batchBlocks", "", 100, 1, 2000),
    reconcileEveryMs: int(input, "reconcileEveryMs", "", 60_000, 0, 86_400_000),
    reconcileHolders: int(input, "reconcileHolders", "", 1000, 0, 100_000),
  };
}

/** The PostgreSQL URL of a config (from the file or its environment variable). */
export function storeUrl(store: IndexerStoreConfig, env: NodeJS.ProcessEnv = process.env): string | null {
  if (store.kind !== "postgres") return null;
  if (store.url !== null) return store.url;
  const v = env[store.urlEnv!];
  if (!v) throw new ConfigError("CONFIG_INVALID", "store.urlEnv", `store.urlEnv: the environment variable ${store.urlEnv} is not set; set it to the PostgreSQL URL (postgres://user:password@host:5432/db)`);
  return v;
}
