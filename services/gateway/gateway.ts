/**
 * The gateway: one HTTP server that serves `POST /v1/<chain>/<apiKey>` (JSON-RPC over HTTP) and the WebSocket upgrade
 * on the same path, the admin API under `/admin/v1/` (bearer token), the DApps' own analytics under
 * `/v1/keys/<apiKey>/analytics`, `GET /metrics` and `GET /health`.
 *
 * Each JSON-RPC message goes through: chain → client address and region → bans → key (status, chain, secret,
 * origin) → body size and batch size → per request: method and contract allow-lists, banned senders → one admission
 * for the whole message (concurrency, requests and compute units per second, day and month quotas; key and client
 * address) → block cache (final blocks only) → the nearest healthy node, failing over → the request log, the abuse
 * rules and the metrics. Answers from nodes pass through as written.
 *
 *   const gw = await startGateway(config, { store, adminToken });
 *   gw.url // http://127.0.0.1:8600 — JSON-RPC at `${gw.url}/v1/2018/<key>`
 *   await gw.close();
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { LuniverseError } from "../../lib/errors";
import { silentLogger, type Logger } from "../../lib/log";
import { AbuseMonitor } from "./abuse";
import { handleAdmin } from "./admin";
import { ResponseCache, cacheKey, isCacheableResult } from "./cache";
import type { ChainConfig, GatewayConfig } from "./config";
import { CuTable } from "./cu";
import { CidrList, RegionTable, clientIp } from "./geo";
import { secretMatches } from "./keys";
import { Limiter } from "./limits";
import { GatewayMetrics } from "./metrics";
import {
  FORBIDDEN,
  INTERNAL_ERROR,
  INVALID_REQUEST,
  LIMIT_EXCEEDED,
  PARSE_ERROR,
  UNAUTHORIZED,
  UNAVAILABLE,
  callSender,
  callTarget,
  errorText,
  isRevert,
  parseMessage,
  resultText,
  type Item,
  type RpcErrorObject,
} from "./rpc";
import { recoverSender, transactionTarget } from "./sender";
import type { ApiKey, Ban, GatewayStore, RequestRow } from "./types";
import { UpstreamPool, type HealthChange } from "./upstreams";

/** The gateway could not start (its port is taken, say); the message says what to do. */
export class GatewayStartError extends LuniverseError<"GATEWAY_START"> {
  override name = "GatewayStartError";
  constructor(message: string) {
    super("GATEWAY_START", message);
  }
}

export interface GatewayOptions {
  store: GatewayStore;
  /** Bearer token of the admin API; null: the admin API answers 404. */
  adminToken: string | null;
  log?: Logger;
  /** This replica's id in the shared store (default: random). */
  replicaId?: string;
}

export interface Gateway {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  readonly replicaId: string;
  /** `${url}/v1/<chain>/<key>` */
  rpcUrl(chain: string, key: string): string;
  readonly adminUrl: string;
  /** Writes the buffered request log now. */
  flushLog(): Promise<void>;
  close(): Promise<void>;
  /** For tests and the admin API. */
  readonly internals: GatewayInternals;
}

export interface GatewayInternals {
  config: GatewayConfig;
  store: GatewayStore;
  keys: Map<string, ApiKey>;
  pools: Map<string, UpstreamPool>;
  cache: ResponseCache;
  limiter: Limiter;
  abuse: AbuseMonitor;
  cu: CuTable;
  metrics: GatewayMetrics;
  resolveChain(idOrName: string): ChainConfig | null;
  reloadKey(key: string): Promise<void>;
}

/** A refusal before any request is looked at: HTTP status, JSON-RPC error, extra headers. */
interface Refusal {
  status: number;
  error: RpcErrorObject;
  headers?: Record<string, string>;
  reason: string;
}

interface Client {
  chain: ChainConfig;
  pool: UpstreamPool;
  key: ApiKey;
  ip: string;
  region: string | null;
}

/** What one message came to: the answer text (null: nothing to send), the HTTP status and headers. */
interface Outcome {
  status: number;
  body: string | null;
  headers: Record<string, string>;
}

const JSON_HEADERS = { "content-type": "application/json" };

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

export async function startGateway(config: GatewayConfig, options: GatewayOptions): Promise<Gateway> {
  const log = options.log ?? silentLogger;
  const store = options.store;
  const replicaId = options.replicaId ?? randomBytes(6).toString("hex");
  const metrics = new GatewayMetrics();
  const cu = new CuTable(config.cu);
  const regions = new RegionTable({ regions: Object.fromEntries(Object.entries(config.regions).map(([n, r]) => [n, { cidrs: r.cidrs, ...(r.nearest ? { nearest: r.nearest } : {}) }])) });
  const trusted = new CidrList(config.trustedProxies);
  const cache = new ResponseCache({ maxBytes: config.cache.maxBytes, diskDir: config.cache.diskDir, maxDiskBytes: config.cache.maxDiskBytes });
  const limiter = new Limiter(store, { ipLimits: config.ipLimits, replicaId, log: log.child("limits") });
  const abuse = new AbuseMonitor(store, {
    rules: config.abuse,
    log: log.child("abuse"),
    onBan: (ban: Ban) => {
      metrics.ban(ban.rule);
      log.warn("banned", { subject: ban.subject, rule: ban.rule, reason: ban.reason, until: new Date(ban.until).toISOString() });
      if (ban.subject.startsWith("sender:")) reportToChains(ban.subject.slice("sender:".length), ban.rule);
    },
  });

  // --- chains and their nodes ---
  const chainsByRef = new Map<string, ChainConfig>();
  const pools = new Map<string, UpstreamPool>();
  for (const chain of config.chains) {
    chainsByRef.set(chain.id, chain);
    if (chain.name !== null) chainsByRef.set(chain.name, chain);
    const pool = new UpstreamPool(chain.id, chain.upstreams, {
      maxLagBlocks: config.routing.maxLagBlocks,
      probeIntervalMs: config.routing.probeIntervalMs,
      requestTimeoutMs: config.routing.requestTimeoutMs,
      log: log.child("upstreams"),
    });
    pool.onChange((c: HealthChange) => {
      metrics.upstream(chain.id, c.upstream, c.healthy, c.head);
      log.info(c.healthy ? "node in service" : "node left", { chain: chain.id, upstream: c.upstream, head: c.head.toString(), reason: c.reason });
    });
    pools.set(chain.id, pool);
  }
  const resolveChain = (ref: string): ChainConfig | null => chainsByRef.get(ref) ?? null;

  // A banned sender is reported to the gas-free chains that take the gateway's reports: every node of the chain, so
  // each validator decides (the policy blacklists on > 2/3 of them).
  const reportToChains = (sender: string, rule: string): void => {
    const reason = rule === "senderReverts" ? "reverts" : "rejections";
    for (const chain of config.chains) {
      if (!chain.reportAbuse) continue;
      const pool = pools.get(chain.id)!;
      for (const u of pool.status()) {
        const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method: "luniverse_reportAbuse", params: [sender, reason] });
        pool
          .get(u.name)!
          .request(body, 5_000)
          .then((r) => {
            const answer = JSON.parse(r.body.toString("utf8")) as { result?: { throttled?: boolean; reporting?: boolean }; error?: { message: string } };
            if (answer.error !== undefined) throw new Error(answer.error.message);
            metrics.abuseReport(chain.id, "sent");
            log.info("sender reported to the chain's gas policy", { chain: chain.id, upstream: u.name, sender, reason, ...answer.result });
          })
          .catch((e: unknown) => {
            metrics.abuseReport(chain.id, "failed");
            log.warn("abuse report not taken", { chain: chain.id, upstream: u.name, sender, err: (e as Error).message });
          });
      }
    }
  };

  // --- keys: all in memory, refreshed on every change any replica makes ---
  const keys = new Map<string, ApiKey>();
  for (const k of await store.listKeys()) keys.set(k.key, k);
  const reloadKey = async (key: string): Promise<void> => {
    const k = await store.getKey(key);
    if (k === null) keys.delete(key);
    else keys.set(key, k);
  };
  const unsubscribeKeys = store.onKeysChanged((changed) => {
    for (const key of changed) reloadKey(key).catch((e: unknown) => log.error("key reload failed", { key, err: (e as Error).message }));
  });

  // --- the request log: buffered, written in batches ---
  let logBuffer: RequestRow[] = [];
  const MAX_BUFFER = 200_000;
  const flushLog = async (): Promise<void> => {
    if (logBuffer.length === 0) return;
    const rows = logBuffer;
    logBuffer = [];
    try {
      await store.appendRequests(rows);
      metrics.logged(rows.length);
    } catch (e) {
      log.error("request log write failed; rows kept for the next flush", { rows: rows.length, err: (e as Error).message });
      logBuffer = rows.concat(logBuffer).slice(-MAX_BUFFER);
    }
  };
  const record = (row: RequestRow, reverted: boolean): void => {
    if (logBuffer.length >= MAX_BUFFER) {
      logBuffer.shift();
      metrics.logDropped();
    }
    logBuffer.push(row);
    abuse.observe(row, reverted);
    metrics.request(row);
  };
  let flushing = false;
  const flushTimer = setInterval(() => {
    if (flushing) return;
    flushing = true;
    flushLog().finally(() => (flushing = false));
  }, config.log.flushMs);
  let lastRetention = 0;
  const rollupTimer = setInterval(() => {
    const now = Date.now();
    void (async () => {
      try {
        await store.rollup(now);
        if (now - lastRetention > 3_600_000) {
          lastRetention = now;
          await store.retention(now, config.log.retentionDays * 86_400_000, config.log.rollupRetentionDays * 86_400_000);
        }
      } catch (e) {
        log.error("request log roll-up failed", { err: (e as Error).message });
      }
    })();
  }, config.log.rollupMs);
  flushTimer.unref();
  rollupTimer.unref();

  // --- admission of a client: chain, address, bans, key ---
  const clientOf = (req: http.IncomingMessage, chainRef: string, keyId: string | undefined): Client | Refusal => {
    const chain = resolveChain(chainRef);
    if (chain === null) {
      const known = config.chains.map((c) => (c.name ? `${c.id} (${c.name})` : c.id)).join(", ");
      return { status: 404, reason: "chain", error: { code: INVALID_REQUEST, message: `this gateway serves no chain "${chainRef}"; chains: ${known}` } };
    }
    const ip = clientIp(req.socket.remoteAddress ?? "", headerValue(req.headers["x-forwarded-for"]), trusted);
    const ipBan = abuse.isBanned(`ip:${ip}`);
    if (ipBan !== null) return banRefusal(ipBan.until, ipBan.reason);
    if (keyId === undefined || keyId === "") {
      return { status: 401, reason: "no-key", error: { code: UNAUTHORIZED, message: `API key missing: use ${`/v1/${chainRef}/<apiKey>`}; a DApp's operator creates keys with gateway:key:create` } };
    }
    const key = keys.get(keyId);
    if (key === undefined) return { status: 401, reason: "unknown-key", error: { code: UNAUTHORIZED, message: `unknown API key "${keyId.slice(0, 40)}"; check the URL, or create a key with gateway:key:create` } };
    if (key.status === "revoked") {
      const when = key.revokedAt === null ? "" : ` at ${new Date(key.revokedAt).toISOString()}`;
      return { status: 401, reason: "revoked-key", error: { code: UNAUTHORIZED, message: `API key ${key.key} was revoked${when}${key.rotatedTo ? "; it was rotated: use the DApp's new key" : ""}` } };
    }
    if (!key.chains.includes(chain.id)) {
      return { status: 403, reason: "chain-not-allowed", error: { code: FORBIDDEN, message: `API key ${key.key} may not use chain ${chain.id}; it is bound to chain(s) ${key.chains.join(", ")}` } };
    }
    if (key.secretHash !== null) {
      const secret = presentedSecret(req);
      if (secret === null) return { status: 401, reason: "secret-missing", error: { code: UNAUTHORIZED, message: `API key ${key.key} requires its secret: send it as the password of HTTP Basic auth or in the X-Key-Secret header` } };
      if (!secretMatches(secret, key.secretHash)) return { status: 401, reason: "secret-wrong", error: { code: UNAUTHORIZED, message: `wrong secret for API key ${key.key}` } };
    }
    const origin = headerValue(req.headers.origin);
    if (key.origins !== null && origin !== undefined && !key.origins.includes(origin)) {
      return { status: 403, reason: "origin-not-allowed", error: { code: FORBIDDEN, message: `origin ${origin} is not allowed for API key ${key.key} (allowed: ${key.origins.join(", ")})` } };
    }
    const keyBan = abuse.isBanned(`key:${key.key}`);
    if (keyBan !== null) return banRefusal(keyBan.until, keyBan.reason);
    return { chain, pool: pools.get(chain.id)!, key, ip, region: regions.regionOf(ip) };
  };

  // --- one message (a request or a batch) from an admitted client ---
  const handleMessage = async (client: Client, text: string, transport: "http" | "ws", forward: (body: string, write: boolean) => Promise<{ body: string; upstream: string | null; status: number }>): Promise<Outcome> => {
    const started = process.hrtime.bigint();
    const now = Date.now();
    const { key, chain } = client;
    const base = { key: key.key, dapp: key.dapp, chain: chain.id, ip: client.ip, region: client.region };
    const rowFor = (method: string, cuCost: number, status: RequestRow["status"], errorCode: number | null, cacheHit: boolean, upstream: string | null, sender: string | null): RequestRow => ({
      ts: now,
      ...base,
      method,
      cu: cuCost,
      status,
      errorCode,
      latencyUs: Number((process.hrtime.bigint() - started) / 1000n),
      cacheHit,
      upstream,
      sender,
    });

    const parsed = parseMessage(text);
    if (parsed === null) {
      record(rowFor("(invalid)", 0, "rejected", PARSE_ERROR, false, null, null), false);
      return { status: 200, body: errorText(null, { code: PARSE_ERROR, message: "parse error: the body is not JSON" }), headers: {} };
    }
    if (parsed.size > key.limits.maxBatch) {
      record(rowFor("(batch)", 0, "rejected", 413, false, null, null), false);
      return { status: 413, body: errorText(null, { code: LIMIT_EXCEEDED, message: `batch of ${parsed.size} requests exceeds this key's limit of ${key.limits.maxBatch}; split it` }), headers: {} };
    }

    const answers = new Map<number, string>(parsed.invalid);
    for (let i = 0; i < parsed.invalid.size; i++) record(rowFor("(invalid)", 0, "rejected", INVALID_REQUEST, false, null, null), false);

    // Per request: allow-lists and banned senders.
    const admitted: { item: Item; cu: number; sender: string | null }[] = [];
    // a transaction's sender costs a signature recovery: only when logged, or when a sender ban is to be enforced
    const recoverSenders = config.log.transactionSenders || abuse.anySenderBan();
    for (const item of parsed.items) {
      const cost = cu.of(item.method);
      const sender = item.method === "eth_sendRawTransaction" ? (recoverSenders && typeof item.params[0] === "string" ? recoverSender(item.params[0]) : null) : callSender(item.method, item.params);
      const refuse = (message: string, code = FORBIDDEN, data?: unknown): void => {
        answers.set(item.index, errorText(item.id, { code, message, ...(data === undefined ? {} : { data }) }));
        record(rowFor(item.method, 0, "rejected", code, false, null, sender), false);
        metrics.rejected("policy");
      };
      if (key.methods !== null && !key.methods.includes(item.method)) {
        refuse(`method ${item.method} is not allowed for API key ${key.key} (allowed: ${key.methods.join(", ")})`);
        continue;
      }
      if (key.contracts !== null) {
        const target = callTarget(item.method, item.params, transactionTarget);
        if (target !== undefined && (target === null || !key.contracts.includes(target))) {
          refuse(target === null ? `API key ${key.key} may only call its allowed contracts; this ${item.method} names none (a deployment or a call without "to")` : `contract ${target} is not allowed for API key ${key.key} (allowed: ${key.contracts.join(", ")})`);
          continue;
        }
      }
      if (sender !== null) {
        const ban = abuse.isBanned(`sender:${sender}`);
        if (ban !== null) {
          refuse(`sender ${sender} is banned until ${new Date(ban.until).toISOString()}: ${ban.reason}`, FORBIDDEN, { until: ban.until, rule: ban.rule });
          continue;
        }
      }
      admitted.push({ item, cu: cost, sender });
    }

    // One admission for the whole message.
    let release: (() => void) | null = null;
    if (admitted.length > 0) {
      const totalCu = admitted.reduce((s, a) => s + a.cu, 0);
      let verdict = limiter.admit({ key, ip: client.ip }, admitted.length, totalCu);
      if (verdict instanceof Promise) verdict = await verdict;
      if (!verdict.ok) {
        metrics.rejected("limit");
        for (const a of admitted) record(rowFor(a.item.method, 0, "rejected", 429, false, null, a.sender), false);
        const error: RpcErrorObject = { code: LIMIT_EXCEEDED, message: verdict.message, data: { limit: verdict.limit, scope: verdict.scope, retryAfterSeconds: verdict.retryAfterSeconds } };
        if (transport === "http") {
          return { status: 429, body: errorText(parsed.batch ? null : (admitted[0]!.item.id ?? null), error), headers: { "retry-after": String(verdict.retryAfterSeconds) } };
        }
        for (const a of admitted) if (a.item.answer) answers.set(a.item.index, errorText(a.item.id, error));
        admitted.length = 0;
      } else release = verdict.release;
    }

    let hits = 0;
    let upstreamName: string | null = null;
    try {
      // Block cache.
      const finalized = client.pool.finalized();
      const misses: { item: Item; cu: number; sender: string | null; cacheKey: string | null }[] = [];
      for (const a of admitted) {
        const ck = cacheKey(chain.id, a.item.method, a.item.params, finalized);
        if (ck !== null) {
          const cached = config.cache.diskDir !== null ? await cache.getAsync(ck) : cache.get(ck);
          if (cached !== undefined) {
            hits++;
            metrics.cache(true);
            if (a.item.answer) answers.set(a.item.index, resultText(a.item.id, cached));
            record(rowFor(a.item.method, a.cu, "ok", null, true, null, a.sender), false);
            continue;
          }
          metrics.cache(false);
        }
        misses.push({ ...a, cacheKey: ck });
      }

      if (misses.length > 0) {
        const write = misses.some((m) => m.item.method === "eth_sendRawTransaction" || m.item.method === "eth_sendTransaction");
        // A lone request goes as the client wrote it; a batch carries only what the gateway did not answer itself.
        const single = !parsed.batch && misses.length === 1 && answers.size === 0;
        const body = single ? text : JSON.stringify(misses.map((m) => m.item.raw));
        let reply: { body: string; upstream: string | null; status: number };
        try {
          reply = await forward(body, write);
        } catch (e) {
          const message = `no node of chain ${chain.id} could answer: ${(e as Error).message}`;
          metrics.rejected("unavailable");
          for (const m of misses) {
            if (m.item.answer) answers.set(m.item.index, errorText(m.item.id, { code: UNAVAILABLE, message }));
            record(rowFor(m.item.method, m.cu, "error", UNAVAILABLE, false, null, m.sender), false);
          }
          if (transport === "http" && !parsed.batch) return { status: 503, body: answers.get(misses[0]!.item.index) ?? null, headers: { "x-cache": "MISS" } };
          return { status: 200, body: assemble(parsed.batch, parsed.size, answers), headers: { "x-cache": "MISS" } };
        }
        upstreamName = reply.upstream;
        // what the answering node had final: a node behind must not get an answer about blocks it lacks cached
        const answeredFinalized = (reply.upstream === null ? undefined : client.pool.get(reply.upstream)?.health.finalized) ?? 0n;
        let decoded: unknown;
        try {
          decoded = reply.body === "" ? undefined : JSON.parse(reply.body);
        } catch {
          decoded = undefined;
        }
        const byId = new Map<string, Record<string, unknown>>();
        const list = Array.isArray(decoded) ? decoded : decoded === undefined ? [] : [decoded];
        for (const a of list) if (typeof a === "object" && a !== null) byId.set(JSON.stringify((a as { id?: unknown }).id ?? null), a as Record<string, unknown>);
        for (const m of misses) {
          const answer = m.item.answer ? byId.get(JSON.stringify(m.item.id)) : undefined;
          if (m.item.answer && answer === undefined) {
            const message = decoded === undefined ? `node ${reply.upstream ?? "?"} answered HTTP ${reply.status} without JSON` : `node ${reply.upstream ?? "?"} gave no answer to this request`;
            answers.set(m.item.index, errorText(m.item.id, { code: INTERNAL_ERROR, message }));
            record(rowFor(m.item.method, m.cu, "error", INTERNAL_ERROR, false, reply.upstream, m.sender), false);
            continue;
          }
          const error = answer?.error as RpcErrorObject | undefined;
          if (answer !== undefined && error === undefined && m.cacheKey !== null && "result" in answer && isCacheableResult(m.item.method, answer.result, answeredFinalized, m.item.params)) {
            cache.set(m.cacheKey, JSON.stringify(answer.result));
          }
          record(rowFor(m.item.method, m.cu, error === undefined ? "ok" : "error", error?.code ?? null, false, reply.upstream, m.sender), isRevert(error));
          if (answer !== undefined && !single) answers.set(m.item.index, JSON.stringify(answer));
        }
        if (single) {
          const headers: Record<string, string> = { "x-cache": "MISS" };
          if (reply.upstream !== null) headers["x-upstream"] = reply.upstream;
          return { status: reply.body === "" ? 204 : 200, body: reply.body === "" ? null : reply.body, headers };
        }
      }
    } finally {
      release?.();
    }
    const headers: Record<string, string> = { "x-cache": hits > 0 && hits === admitted.length ? "HIT" : "MISS" };
    if (upstreamName !== null) headers["x-upstream"] = upstreamName;
    const body = assemble(parsed.batch, parsed.size, answers);
    return { status: body === null ? 204 : 200, body, headers };
  };

  // --- HTTP ---
  const send = (res: http.ServerResponse, status: number, body: string | null, headers: Record<string, string> = {}): void => {
    if (res.headersSent || res.destroyed) return;
    const h: Record<string, string | number> = { ...JSON_HEADERS, "access-control-allow-origin": "*", "access-control-expose-headers": "x-cache, x-upstream, retry-after", ...headers };
    if (body === null) {
      res.writeHead(status, h);
      res.end();
      return;
    }
    h["content-length"] = Buffer.byteLength(body);
    res.writeHead(status, h);
    res.end(body);
  };
  const refuse = (res: http.ServerResponse, r: Refusal, method = "(http)", client?: Partial<Client>): void => {
    metrics.rejected(r.reason);
    record(
      {
        ts: Date.now(),
        key: client?.key?.key ?? null,
        dapp: client?.key?.dapp ?? null,
        chain: client?.chain?.id ?? "",
        method,
        cu: 0,
        status: "rejected",
        errorCode: r.status,
        latencyUs: 0,
        cacheHit: false,
        upstream: null,
        region: null,
        ip: client?.ip ?? "",
        sender: null,
      },
      false,
    );
    send(res, r.status, errorText(null, r.error), r.headers);
  };

  const readBody = (req: http.IncomingMessage, limit: number): Promise<string | null> =>
    new Promise((resolve) => {
      const declared = Number(req.headers["content-length"] ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        req.resume();
        resolve(null);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let over = false;
      req.on("data", (c: Buffer) => {
        size += c.length;
        // far over the limit: not even drained, the connection is cut
        if (size > 4 * limit + 16 * 1024 * 1024) {
          req.destroy();
          resolve(null);
          return;
        }
        if (over) return;
        if (size > limit) {
          over = true;
          chunks.length = 0;
          return;
        }
        chunks.push(c);
      });
      req.on("end", () => resolve(over ? null : Buffer.concat(chunks).toString("utf8")));
      req.on("error", () => resolve(null));
    });

  const onRpcPost = async (req: http.IncomingMessage, res: http.ServerResponse, chainRef: string, keyId: string | undefined): Promise<void> => {
    const client = clientOf(req, chainRef, keyId);
    if ("error" in client) {
      req.resume();
      return refuse(res, client);
    }
    const text = await readBody(req, client.key.limits.maxBodyBytes);
    if (text === null) {
      return refuse(res, { status: 413, reason: "body-too-large", error: { code: LIMIT_EXCEEDED, message: `request body larger than this key's limit of ${client.key.limits.maxBodyBytes} bytes` } }, "(http)", client);
    }
    const order = regions.nearest(client.region ?? "");
    const outcome = await handleMessage(client, text, "http", async (body, write) => {
      const r = await client.pool.send(body, { region: client.region, regionOrder: order, write });
      return { body: r.body.toString("utf8"), upstream: r.upstream.spec.name, status: r.status };
    });
    send(res, outcome.status, outcome.body, outcome.headers);
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    const pathname = url.split("?")[0]!;
    const parts = pathname.split("/").filter((p) => p !== "");
    const method = req.method ?? "GET";
    (async () => {
      if (method === "OPTIONS") {
        req.resume();
        return send(res, 204, null, { "access-control-allow-methods": "POST, GET, OPTIONS", "access-control-allow-headers": headerValue(req.headers["access-control-request-headers"]) ?? "content-type, authorization, x-key-secret", "access-control-max-age": "600" });
      }
      if (parts[0] === "admin") {
        if (options.adminToken === null) {
          req.resume();
          return send(res, 404, JSON.stringify({ error: "the admin API is off: set the environment variable named by adminTokenEnv" }));
        }
        const r = await handleAdmin(req, url, options.adminToken, internals);
        return send(res, r.status, JSON.stringify(r.body));
      }
      if (parts[0] === "v1" && parts[1] === "keys" && parts[3] === "analytics" && method === "GET") {
        const r = await handleAdmin(req, url, null, internals);
        return send(res, r.status, JSON.stringify(r.body));
      }
      if (method === "GET" && pathname === "/metrics" && config.metrics) {
        req.resume();
        return send(res, 200, metrics.render({ cache: cache.stats(), bans: abuse.bans().length, buffered: logBuffer.length }), { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      }
      if (method === "GET" && pathname === "/health") {
        req.resume();
        const chains = config.chains.map((c) => {
          const pool = pools.get(c.id)!;
          return { id: c.id, name: c.name, head: pool.head().toString(), finalized: pool.finalized().toString(), healthy: pool.candidates(null).length };
        });
        const ok = chains.every((c) => c.healthy > 0);
        return send(res, ok ? 200 : 503, JSON.stringify({ status: ok ? "ok" : "degraded", replica: replicaId, chains }));
      }
      if (parts[0] === "v1" && parts.length >= 2 && parts.length <= 3) {
        if (method !== "POST") {
          req.resume();
          return send(res, 405, errorText(null, { code: INVALID_REQUEST, message: `send JSON-RPC with POST (or open a WebSocket) to /v1/${parts[1]}/<apiKey>` }), { allow: "POST, OPTIONS" });
        }
        let chainRef: string;
        try {
          chainRef = decodeURIComponent(parts[1]!);
        } catch {
          req.resume();
          return send(res, 400, errorText(null, { code: INVALID_REQUEST, message: "the chain in the URL is not valid percent-encoding" }));
        }
        return onRpcPost(req, res, chainRef, parts[2]);
      }
      req.resume();
      return send(res, 404, JSON.stringify({ error: "not found: JSON-RPC is served at /v1/<chain>/<apiKey>, the admin API at /admin/v1/, and /health, /metrics" }));
    })().catch((e: unknown) => {
      log.error("gateway request failed", { err: (e as Error).message, stack: (e as Error).stack });
      send(res, 500, errorText(null, { code: INTERNAL_ERROR, message: "internal gateway error" }));
    });
  });
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  // --- WebSocket: one node connection per client connection, same checks per message ---
  const wss = new WebSocketServer({ noServer: true, maxPayload: 32 * 1024 * 1024 });
  const subscriptionsByKey = new Map<string, number>();
  const sockets = new Set<WebSocket>();
  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const parts = (req.url ?? "/").split("?")[0]!.split("/").filter((p) => p !== "");
    const reject = (status: number, error: RpcErrorObject): void => {
      const body = errorText(null, error);
      socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ""}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
    };
    socket.on("error", () => undefined);
    if (parts[0] !== "v1" || parts.length < 2 || parts.length > 3) return reject(404, { code: INVALID_REQUEST, message: "WebSocket JSON-RPC is served at /v1/<chain>/<apiKey>" });
    let chainRef: string;
    try {
      chainRef = decodeURIComponent(parts[1]!);
    } catch {
      return reject(400, { code: INVALID_REQUEST, message: "the chain in the URL is not valid percent-encoding" });
    }
    const client = clientOf(req, chainRef, parts[2]);
    if ("error" in client) {
      metrics.rejected(client.reason);
      return reject(client.status, client.error);
    }
    const candidates = client.pool.candidates(client.region, regions.nearest(client.region ?? ""));
    const upstream = candidates[0];
    if (upstream === undefined) return reject(503, { code: UNAVAILABLE, message: `no healthy node of chain ${client.chain.id}; try again shortly` });
    const upstreamUrl = upstream.spec.wsUrl ?? upstream.spec.url.replace(/^http/, "ws");
    const up = new WebSocket(upstreamUrl);
    const failEarly = (): void => reject(502, { code: UNAVAILABLE, message: `node ${upstream.spec.name} refused the WebSocket; try again` });
    up.once("error", failEarly);
    up.once("open", () => {
      up.off("error", failEarly);
      wss.handleUpgrade(req, socket, head, (ws) => wsSession(ws, up, client, upstream.spec.name));
    });
  });

  const wsSession = (ws: WebSocket, up: WebSocket, client: Client, upstreamName: string): void => {
    sockets.add(ws);
    metrics.wsConnections(1);
    const key = client.key.key;
    const mySubs = new Set<string>();
    let nextId = 1;
    const pending = new Map<number, { resolve: (answer: Record<string, unknown>) => void }>();
    const sendClient = (text: string): void => {
      if (ws.readyState === WebSocket.OPEN) ws.send(text);
    };
    up.on("message", (data: RawData) => {
      const text = rawText(data);
      let msg: unknown;
      try {
        msg = JSON.parse(text);
      } catch {
        return;
      }
      const list = Array.isArray(msg) ? msg : [msg];
      for (const m of list) {
        if (typeof m !== "object" || m === null) continue;
        const id = (m as { id?: unknown }).id;
        if (typeof id === "number" && pending.has(id)) {
          const p = pending.get(id)!;
          pending.delete(id);
          p.resolve(m as Record<string, unknown>);
        } else if ((m as { method?: unknown }).method === "eth_subscription") sendClient(JSON.stringify(m));
      }
    });
    const forwardWs = (body: string): Promise<{ body: string; upstream: string | null; status: number }> => {
      // Ids are rewritten to this connection's own so that answers match requests whatever the client's ids are.
      const msg = JSON.parse(body) as Record<string, unknown> | Record<string, unknown>[];
      const list = Array.isArray(msg) ? msg : [msg];
      const waits: Promise<Record<string, unknown>>[] = [];
      const rewritten = list.map((r) => {
        if (!("id" in r)) return r;
        const internal = nextId++;
        waits.push(
          new Promise((resolve) => pending.set(internal, { resolve: (a) => resolve({ ...a, id: r.id }) })),
        );
        return { ...r, id: internal };
      });
      if (up.readyState !== WebSocket.OPEN) return Promise.reject(new Error(`node ${upstreamName} connection closed`));
      up.send(JSON.stringify(Array.isArray(msg) ? rewritten : rewritten[0]));
      return Promise.all(waits).then((answers) => {
        for (const a of answers) trackSubscription(list, a);
        return { body: JSON.stringify(Array.isArray(msg) ? answers : (answers[0] ?? "")), upstream: upstreamName, status: 200 };
      });
    };
    const trackSubscription = (requests: Record<string, unknown>[], answer: Record<string, unknown>): void => {
      const req = requests.find((r) => JSON.stringify(r.id) === JSON.stringify(answer.id));
      if (req === undefined || answer.error !== undefined) return;
      if (req.method === "eth_subscribe" && typeof answer.result === "string") {
        mySubs.add(answer.result);
        subscriptionsByKey.set(key, (subscriptionsByKey.get(key) ?? 0) + 1);
      } else if (req.method === "eth_unsubscribe" && answer.result === true && Array.isArray(req.params) && mySubs.delete(String(req.params[0]))) {
        subscriptionsByKey.set(key, (subscriptionsByKey.get(key) ?? 1) - 1);
      }
    };
    let queue = Promise.resolve();
    ws.on("message", (data: RawData) => {
      const text = rawText(data);
      queue = queue.then(async () => {
        const current = keys.get(key);
        if (current === undefined || current.status !== "active") {
          sendClient(errorText(null, { code: UNAUTHORIZED, message: `API key ${key} was revoked; connection closed` }));
          ws.close(4001, "API key revoked");
          return;
        }
        client.key = current;
        if (Buffer.byteLength(text) > current.limits.maxBodyBytes) {
          sendClient(errorText(null, { code: LIMIT_EXCEEDED, message: `message larger than this key's limit of ${current.limits.maxBodyBytes} bytes` }));
          return;
        }
        // Subscriptions beyond the key's limit are refused before they reach the node.
        const parsed = parseMessage(text);
        const newSubs = parsed?.items.filter((i) => i.method === "eth_subscribe").length ?? 0;
        if (newSubs > 0 && (subscriptionsByKey.get(key) ?? 0) + newSubs > current.limits.maxSubscriptions) {
          metrics.rejected("subscriptions");
          const first = parsed!.items.find((i) => i.method === "eth_subscribe")!;
          sendClient(errorText(first.id, { code: LIMIT_EXCEEDED, message: `this key has ${subscriptionsByKey.get(key) ?? 0} live subscriptions, its limit is ${current.limits.maxSubscriptions}; unsubscribe first` }));
          return;
        }
        const outcome = await handleMessage(client, text, "ws", (body) => forwardWs(body));
        if (outcome.body !== null) sendClient(outcome.body);
      }).catch((e: unknown) => log.error("gateway ws message failed", { err: (e as Error).message }));
    });
    const closeBoth = (): void => {
      sockets.delete(ws);
      if (mySubs.size > 0) subscriptionsByKey.set(key, Math.max(0, (subscriptionsByKey.get(key) ?? 0) - mySubs.size));
      mySubs.clear();
      for (const p of pending.values()) p.resolve({ error: { code: UNAVAILABLE, message: `node ${upstreamName} went away` } });
      pending.clear();
    };
    ws.on("close", () => {
      metrics.wsConnections(-1);
      closeBoth();
      up.close();
    });
    ws.on("error", () => undefined);
    up.on("close", () => {
      closeBoth();
      // The node went away: the client reconnects and is routed to a healthy node (its subscriptions must be renewed).
      if (ws.readyState === WebSocket.OPEN) ws.close(1012, `node ${upstreamName} went away; reconnect`);
    });
    up.on("error", () => undefined);
  };

  // --- start ---
  // the first probe of every node before serving: the first requests already go to healthy, near nodes
  await Promise.all([...pools.values()].map((pool) => pool.start()));
  limiter.start();
  abuse.start();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.listen.port, config.listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    clearInterval(flushTimer);
    clearInterval(rollupTimer);
    unsubscribeKeys();
    for (const pool of pools.values()) pool.stop();
    abuse.stop();
    await limiter.stop();
    const code = (e as NodeJS.ErrnoException).code;
    throw new GatewayStartError(
      code === "EADDRINUSE" ? `port ${config.listen.port} on ${config.listen.host} is in use; stop what listens there or choose another listen.port` : `cannot listen on ${config.listen.host}:${config.listen.port}: ${(e as Error).message}`,
    );
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${hostForUrl(config.listen.host)}:${port}`;
  log.info("gateway listening", { url, replica: replicaId, chains: config.chains.map((c) => c.id), store: store.kind });

  const internals: GatewayInternals = { config, store, keys, pools, cache, limiter, abuse, cu, metrics, resolveChain, reloadKey };

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    replicaId,
    adminUrl: `${url}/admin/v1`,
    rpcUrl: (chain, key) => `${url}/v1/${chain}/${key}`,
    flushLog,
    internals,
    close: () =>
      (closing ??= (async () => {
        clearInterval(flushTimer);
        clearInterval(rollupTimer);
        unsubscribeKeys();
        for (const ws of sockets) ws.close(1001, "gateway stopping");
        await new Promise<void>((resolve) => wss.close(() => resolve()));
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        for (const pool of pools.values()) pool.stop();
        abuse.stop();
        await limiter.stop();
        await flushLog();
        log.info("gateway stopped", { url });
      })()),
  };
}

function assemble(batch: boolean, size: number, answers: Map<number, string>): string | null {
  if (!batch) return answers.get(0) ?? null;
  const parts: string[] = [];
  for (let i = 0; i < size; i++) {
    const a = answers.get(i);
    if (a !== undefined) parts.push(a);
  }
  return parts.length === 0 ? null : `[${parts.join(",")}]`;
}

function banRefusal(until: number, reason: string): Refusal {
  const seconds = Math.max(1, Math.ceil((until - Date.now()) / 1000));
  return { status: 429, reason: "banned", headers: { "retry-after": String(seconds) }, error: { code: LIMIT_EXCEEDED, message: `banned until ${new Date(until).toISOString()}: ${reason}`, data: { retryAfterSeconds: seconds } } };
}

function headerValue(h: string | string[] | undefined): string | undefined {
  return Array.isArray(h) ? h[0] : h;
}

function presentedSecret(req: http.IncomingMessage): string | null {
  const header = headerValue(req.headers["x-key-secret"]);
  if (header !== undefined && header !== "") return header;
  const auth = headerValue(req.headers.authorization);
  if (auth?.startsWith("Basic ")) {
    const decoded = Buffer.from(auth.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    return colon >= 0 ? decoded.slice(colon + 1) : decoded;
  }
  return null;
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString("utf8");
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data).toString("utf8");
}
