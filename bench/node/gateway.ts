/**
 * A gateway replica (services/gateway/main.ts) as a separate process in front of a benchmark's nodes, with limits out
 * of the way: its own SQLite store and config in `dir`, the admin token in GATEWAY_ADMIN_TOKEN, no per-IP limits, no
 * abuse rules, and one API key (created through the admin API with ops/gateway's createApiKey) without per-second
 * limits, with room for bench:node's batches. Used by `bench:node --gateway` and by bench/gateway.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createApiKey } from "../../ops/gateway/createApiKey";
import { gatewayAdmin } from "../../ops/gateway/client";
import { REPO } from "./chains";
import { spawnProc, waitForLine, type Proc } from "./procs";

export interface GatewayProcOptions {
  /** Folder for the config, the SQLite store and the log (created). */
  dir: string;
  chainId: bigint;
  /** The nodes' JSON-RPC URLs (the chain's upstreams). */
  urls: string[];
  /** Extra `node` flags (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Config sections merged over the defaults below (e.g. `log`, `cache`). */
  config?: Record<string, unknown>;
}

export interface GatewayProc {
  proc: Proc;
  /** http://127.0.0.1:port */
  url: string;
  /** `${url}/v1/<chainId>/<key>` */
  rpcUrl: string;
  key: string;
  adminToken: string;
  configFile: string;
}

/** Starts the gateway process, waits for its "gateway listening" line and creates the bench key. */
export async function startGatewayProc(o: GatewayProcOptions): Promise<GatewayProc> {
  mkdirSync(o.dir, { recursive: true });
  const adminToken = randomBytes(24).toString("hex");
  const config = {
    listen: { host: "127.0.0.1", port: 0 },
    adminTokenEnv: "GATEWAY_ADMIN_TOKEN",
    store: { kind: "sqlite", path: path.join(o.dir, "gateway.sqlite") },
    chains: [{ id: o.chainId.toString(), name: "bench", upstreams: o.urls.map((url, i) => ({ name: `v${i + 1}`, url })) }],
    ipLimits: { requestsPerSecond: null, cuPerSecond: null, requestsPerDay: null, cuPerDay: null },
    abuse: { ipRate: null, keyRate: null, errorRatio: null, senderReverts: null },
    metrics: true,
    ...o.config,
  };
  const configFile = path.join(o.dir, "gateway.json");
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const proc = spawnProc("gateway", process.execPath, [...(o.nodeArgs ?? []), "-r", "ts-node/register/transpile-only", "services/gateway/main.ts", "--config", configFile], {
    cwd: REPO,
    logFile: path.join(o.dir, "gateway.log"),
    env: { ...process.env, GATEWAY_ADMIN_TOKEN: adminToken },
  });
  const line = await waitForLine(proc, (l) => l.includes('"gateway listening"'), 60_000);
  const url = (JSON.parse(line) as { url: string }).url;
  const { key } = await createApiKey(gatewayAdmin(url, adminToken), {
    dapp: "bench",
    chains: [o.chainId.toString()],
    name: "benchmark",
    limits: { requestsPerSecond: null, cuPerSecond: null, maxConcurrent: 1_000_000, maxBatch: 5000, maxBodyBytes: 50_000_000 },
  });
  // the upstream probe (every 500 ms) must have seen the node before requests are routed to it
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(`${url}/health`).catch(() => null);
    if (res?.ok) break;
    if (Date.now() > deadline) throw new Error(`gateway ${url}: /health not ok within 30 s (${res?.status ?? "no answer"}); log ${proc.logFile}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { proc, url, rpcUrl: `${url}/v1/${o.chainId}/${key}`, key, adminToken, configFile };
}
