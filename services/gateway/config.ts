/**
 * The gateway's configuration file (JSON), checked with the repository's config kit: an unknown key, a wrong type or
 * a value out of range is a ConfigError naming the key's path. Secrets (the admin token, a PostgreSQL password) are
 * never written here: the file names the environment variables that hold them.
 *
 *   {
 *     "listen": { "host": "127.0.0.1", "port": 8600 },
 *     "adminTokenEnv": "GATEWAY_ADMIN_TOKEN",
 *     "store": { "kind": "sqlite", "path": "data/gateway.sqlite" },   // or { "kind": "postgres", "urlEnv": "GATEWAY_DATABASE_URL" }
 *     "chains": [{ "id": 2018, "name": "main", "upstreams": [{ "name": "v1", "url": "http://127.0.0.1:8545", "region": "eu" }] }],
 *     "regions": { "eu": { "cidrs": ["127.0.1.0/24"], "nearest": ["us"] } }
 *   }
 */
import path from "node:path";
import { ConfigError, bool, checkKeys, envName, host, int, invalid, isPlainObject, section, str } from "../../lib/config";
import type { AbuseRules } from "./abuse";
import { DEFAULT_KEY_LIMITS, KeyRequestError, parseLimits } from "./keys";
import type { KeyLimits } from "./types";
import type { UpstreamSpec } from "./upstreams";

export interface ChainConfig {
  /** Chain id, decimal string. */
  id: string;
  /** A registered name usable in URLs instead of the id (`/v1/main/<key>`). */
  name: string | null;
  upstreams: UpstreamSpec[];
  /**
   * A gas-free chain whose nodes take the gateway's abuse reports (their `gasFree.abuseReportsFrom`): a sender banned
   * here is reported to every node (`luniverse_reportAbuse`), whose validators report it to the chain's gas policy.
   */
  reportAbuse: boolean;
}

export interface IpLimits {
  requestsPerSecond: number | null;
  cuPerSecond: number | null;
  requestsPerDay: number | null;
  cuPerDay: number | null;
  cuPerMonth: number | null;
}

export type StoreConfig = { kind: "sqlite"; path: string } | { kind: "postgres"; urlEnv: string; schema: string | null };

export interface GatewayConfig {
  listen: { host: string; port: number };
  /** Environment variable holding the admin API's bearer token; null: the admin API is off. */
  adminTokenEnv: string | null;
  store: StoreConfig;
  chains: ChainConfig[];
  regions: Record<string, { cidrs: string[]; nearest: string[] | null }>;
  /** Front proxies (addresses / CIDRs) whose X-Forwarded-For is believed. */
  trustedProxies: string[];
  ipLimits: IpLimits;
  defaultKeyLimits: KeyLimits;
  /** Compute-unit weights overriding the defaults, by method. */
  cu: Record<string, number>;
  cache: { maxBytes: number; diskDir: string | null; maxDiskBytes: number };
  /**
   * The request log. `transactionSenders`: recover the sender of every `eth_sendRawTransaction` for the log's sender
   * column and top senders (a signature recovery, ~85 µs of CPU each); off, a transaction's sender is recovered only
   * while a sender ban is in force (to enforce it), and top senders count the `from` of calls.
   */
  log: { flushMs: number; rollupMs: number; retentionDays: number; rollupRetentionDays: number; transactionSenders: boolean };
  /** Anomaly rules; a rule set to null is off. */
  abuse: Partial<AbuseRules>;
  routing: { maxLagBlocks: number; probeIntervalMs: number; requestTimeoutMs: number };
  /** Serve GET /metrics (Prometheus). */
  metrics: boolean;
}

const KEYS = {
  root: ["listen", "adminTokenEnv", "store", "chains", "regions", "trustedProxies", "ipLimits", "defaultKeyLimits", "cu", "cache", "log", "abuse", "routing", "metrics"],
  listen: ["host", "port"],
  store: ["kind", "path", "urlEnv", "schema"],
  chain: ["id", "name", "upstreams", "reportAbuse"],
  upstream: ["name", "url", "wsUrl", "region"],
  region: ["cidrs", "nearest"],
  ipLimits: ["requestsPerSecond", "cuPerSecond", "requestsPerDay", "cuPerDay", "cuPerMonth"],
  cache: ["maxBytes", "diskDir", "maxDiskBytes"],
  log: ["flushMs", "rollupMs", "retentionDays", "rollupRetentionDays", "transactionSenders"],
  abuse: ["ipRate", "keyRate", "errorRatio", "senderReverts", "banSeconds"],
  routing: ["maxLagBlocks", "probeIntervalMs", "requestTimeoutMs"],
} as const;

const CHAIN_NAME = /^[a-z][a-z0-9-]{0,63}$/;

function nullableInt(obj: Record<string, unknown>, key: string, at: string, def: number | null): number | null {
  if (obj[key] === null) return null;
  if (obj[key] === undefined) return def;
  return int(obj, key, at, 0, 1, Number.MAX_SAFE_INTEGER);
}

function stringList(value: unknown, at: string, what: string): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string" || v === "")) throw invalid(at, `an array of ${what}`, value);
  return [...(value as string[])];
}

function httpUrl(value: unknown, at: string, scheme: "http" | "ws"): string {
  const expected = scheme === "http" ? "an http:// or https:// URL" : "a ws:// or wss:// URL";
  if (typeof value !== "string") throw invalid(at, expected, value);
  try {
    const u = new URL(value);
    if (scheme === "http" ? u.protocol !== "http:" && u.protocol !== "https:" : u.protocol !== "ws:" && u.protocol !== "wss:") throw new Error();
  } catch {
    throw invalid(at, expected, value);
  }
  return value;
}

/** The checked configuration; relative paths are taken from `baseDir` (the config file's folder). */
export function parseGatewayConfig(input: unknown, baseDir = process.cwd()): GatewayConfig {
  if (!isPlainObject(input)) throw invalid("(root)", "a JSON object", input);
  checkKeys(input, KEYS.root, "");
  const listenIn = section(input, "listen", "", KEYS.listen);
  const listen = { host: host(listenIn, "host", "listen", "127.0.0.1"), port: int(listenIn, "port", "listen", 8600, 0, 65535) };
  const adminTokenEnv = envName(input, "adminTokenEnv", "", "GATEWAY_ADMIN_TOKEN");

  const storeIn = section(input, "store", "", KEYS.store);
  const kind = str(storeIn, "kind", "store", "sqlite");
  let store: StoreConfig;
  if (kind === "sqlite") {
    if (storeIn.urlEnv !== undefined || storeIn.schema !== undefined) throw invalid("store", `"path" only for kind "sqlite"`, storeIn);
    const file = str(storeIn, "path", "store", "gateway.sqlite");
    store = { kind, path: file === ":memory:" ? file : path.resolve(baseDir, file) };
  } else if (kind === "postgres") {
    if (storeIn.path !== undefined) throw invalid("store.path", `nothing for kind "postgres" (give "urlEnv": the environment variable holding the connection URL)`, storeIn.path);
    const urlEnv = envName(storeIn, "urlEnv", "store", "GATEWAY_DATABASE_URL")!;
    const schema = storeIn.schema === undefined ? null : str(storeIn, "schema", "store", "");
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw invalid("store.schema", "a lowercase SQL identifier", schema);
    store = { kind, urlEnv, schema };
  } else throw invalid("store.kind", `"sqlite" or "postgres"`, kind);

  const chainsIn = input.chains;
  if (!Array.isArray(chainsIn) || chainsIn.length === 0) throw invalid("chains", "a non-empty array of chains ({ id, name, upstreams })", chainsIn);
  const seen = new Set<string>();
  const chains: ChainConfig[] = chainsIn.map((c, i) => {
    const at = `chains[${i}]`;
    if (!isPlainObject(c)) throw invalid(at, "object", c);
    checkKeys(c, KEYS.chain, at);
    const rawId = c.id;
    if (!(typeof rawId === "number" && Number.isSafeInteger(rawId) && rawId > 0) && !(typeof rawId === "string" && /^[1-9][0-9]*$/.test(rawId))) throw invalid(`${at}.id`, "a chain id (integer >= 1)", rawId);
    const id = String(rawId);
    const name = c.name === undefined ? null : str(c, "name", at, "");
    if (name !== null && !CHAIN_NAME.test(name)) throw invalid(`${at}.name`, "a lowercase name ([a-z][a-z0-9-]*)", name);
    for (const k of [id, name]) {
      if (k === null) continue;
      if (seen.has(k)) throw invalid(at, `a chain id and name used once (${JSON.stringify(k)} is repeated)`, c);
      seen.add(k);
    }
    const ups = c.upstreams;
    if (!Array.isArray(ups) || ups.length === 0) throw invalid(`${at}.upstreams`, "a non-empty array of nodes ({ name, url, region })", ups);
    const names = new Set<string>();
    const upstreams: UpstreamSpec[] = ups.map((u, j) => {
      const uat = `${at}.upstreams[${j}]`;
      if (!isPlainObject(u)) throw invalid(uat, "object", u);
      checkKeys(u, KEYS.upstream, uat);
      const url = httpUrl(u.url, `${uat}.url`, "http");
      const uname = str(u, "name", uat, `${name ?? id}-${j}`);
      if (names.has(uname)) throw invalid(`${uat}.name`, "a name used once per chain", uname);
      names.add(uname);
      const spec: UpstreamSpec = { name: uname, url, region: u.region === undefined || u.region === null ? null : str(u, "region", uat, "") };
      if (u.wsUrl !== undefined) spec.wsUrl = httpUrl(u.wsUrl, `${uat}.wsUrl`, "ws");
      return spec;
    });
    return { id, name, upstreams, reportAbuse: bool(c, "reportAbuse", at, false) };
  });

  const regionsIn = input.regions ?? {};
  if (!isPlainObject(regionsIn)) throw invalid("regions", "an object of regions ({ cidrs, nearest })", regionsIn);
  const regions: GatewayConfig["regions"] = {};
  for (const [name, r] of Object.entries(regionsIn)) {
    const at = `regions.${name}`;
    if (!isPlainObject(r)) throw invalid(at, "object", r);
    checkKeys(r, KEYS.region, at);
    regions[name] = { cidrs: stringList(r.cidrs, `${at}.cidrs`, "CIDR ranges"), nearest: r.nearest === undefined ? null : stringList(r.nearest, `${at}.nearest`, "region names") };
  }
  for (const [name, r] of Object.entries(regions)) {
    for (const n of r.nearest ?? []) if (!(n in regions)) throw invalid(`regions.${name}.nearest`, `names of configured regions (${Object.keys(regions).join(", ")})`, n);
  }
  for (const c of chains) {
    for (const u of c.upstreams) {
      if (u.region !== null && Object.keys(regions).length > 0 && !(u.region in regions)) throw invalid(`chains[${chains.indexOf(c)}].upstreams region`, `a configured region (${Object.keys(regions).join(", ")})`, u.region);
    }
  }

  const ipIn = section(input, "ipLimits", "", KEYS.ipLimits);
  const ipLimits: IpLimits = {
    requestsPerSecond: nullableInt(ipIn, "requestsPerSecond", "ipLimits", 2_000),
    cuPerSecond: nullableInt(ipIn, "cuPerSecond", "ipLimits", null),
    requestsPerDay: nullableInt(ipIn, "requestsPerDay", "ipLimits", null),
    cuPerDay: nullableInt(ipIn, "cuPerDay", "ipLimits", null),
    cuPerMonth: nullableInt(ipIn, "cuPerMonth", "ipLimits", null),
  };

  let defaultKeyLimits: KeyLimits;
  try {
    defaultKeyLimits = parseLimits(input.defaultKeyLimits, DEFAULT_KEY_LIMITS, "defaultKeyLimits");
  } catch (e) {
    if (e instanceof KeyRequestError) throw new ConfigError("CONFIG_INVALID", e.field, e.message);
    throw e;
  }

  const cuIn = input.cu ?? {};
  if (!isPlainObject(cuIn)) throw invalid("cu", "an object of method → compute units", cuIn);
  const cu: Record<string, number> = {};
  for (const [m, v] of Object.entries(cuIn)) {
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) throw invalid(`cu.${m}`, "an integer >= 0", v);
    cu[m] = v;
  }

  const cacheIn = section(input, "cache", "", KEYS.cache);
  const cache = {
    maxBytes: int(cacheIn, "maxBytes", "cache", 64 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
    diskDir: cacheIn.diskDir === undefined || cacheIn.diskDir === null ? null : path.resolve(baseDir, str(cacheIn, "diskDir", "cache", "")),
    maxDiskBytes: int(cacheIn, "maxDiskBytes", "cache", 1024 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
  };

  const logIn = section(input, "log", "", KEYS.log);
  const log = {
    flushMs: int(logIn, "flushMs", "log", 200, 10, 60_000),
    rollupMs: int(logIn, "rollupMs", "log", 10_000, 100, 3_600_000),
    retentionDays: int(logIn, "retentionDays", "log", 7, 1, 3650),
    rollupRetentionDays: int(logIn, "rollupRetentionDays", "log", 400, 1, 36500),
    transactionSenders: bool(logIn, "transactionSenders", "log", true),
  };

  const abuseIn = section(input, "abuse", "", KEYS.abuse);
  const abuse = { ...abuseIn } as Partial<AbuseRules>;

  const routingIn = section(input, "routing", "", KEYS.routing);
  const routing = {
    maxLagBlocks: int(routingIn, "maxLagBlocks", "routing", 2, 0, 1_000_000),
    probeIntervalMs: int(routingIn, "probeIntervalMs", "routing", 500, 50, 60_000),
    requestTimeoutMs: int(routingIn, "requestTimeoutMs", "routing", 30_000, 100, 600_000),
  };

  return {
    listen,
    adminTokenEnv,
    store,
    chains,
    regions,
    trustedProxies: stringList(input.trustedProxies, "trustedProxies", "addresses or CIDR ranges"),
    ipLimits,
    defaultKeyLimits,
    cu,
    cache,
    log,
    abuse,
    routing,
    metrics: bool(input, "metrics", "", true),
  };
}
