/**
 * The node's JSON-RPC server: one port serves HTTP POST JSON-RPC, WebSocket JSON-RPC (upgrade on the same port,
 * with eth_subscribe), GET /metrics (Prometheus) and GET /health.
 *
 *   const rpc = await startRpcServer(backend, { host: "127.0.0.1", port: 8545 });
 *   // rpc.url = http://127.0.0.1:8545, rpc.wsUrl = ws://127.0.0.1:8545
 *   await rpc.close();
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { LuniverseError } from "../../lib/errors";
import { Dispatcher, errFields, errorResponse, type RpcLogger } from "./dispatch";
import { INTERNAL_ERROR, INVALID_REQUEST } from "./errors";
import { AllowList } from "./allowList";
import { FilterStore } from "./filters";
import { RpcMetrics } from "./metrics";
import { SubscriptionHub, type NotificationTarget } from "./subscriptions";
import type { RpcBackend, RpcBlock, RpcLog } from "./types";

export type { RpcLogger } from "./dispatch";

/** A logger as one function taking the level (the peer layer's and the consensus' shape). */
export type RpcLogFunction = (level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>) => void;

export interface RpcServerOptions {
  /** Interface to listen on (default 127.0.0.1). */
  host?: string;
  /** Port; 0 picks a free one (default 8545). */
  port?: number;
  /** Largest request body or WebSocket message (default 5 MB). */
  maxRequestBytes?: number;
  /** Most requests in one batch (default 1000). */
  maxBatch?: number;
  /** CORS: true allows any origin, a string allows that origin, false sends no CORS headers (default true). */
  cors?: boolean | string;
  /** Structured logger: an object with debug/info/warn/error, or one function taking the level (default: silent). */
  log?: RpcLogger | RpcLogFunction;
  /** Largest block span of eth_getLogs (default 10,000). */
  maxLogsRange?: number;
  /** Most logs one eth_getLogs may return (default 10,000). */
  maxLogsResults?: number;
  /** Polling filters not polled for this long are removed (default 5 minutes). */
  filterTtlMs?: number;
  /** WebSocket ping period; a client that misses a pong is dropped (default 30 s, 0 = off). */
  wsPingIntervalMs?: number;
  /** A WebSocket client whose unsent data exceeds this is dropped as too slow (default 64 MB). */
  wsMaxBufferedBytes?: number;
  /**
   * Addresses and CIDR ranges served (HTTP and WebSocket); others get 403. null or absent: everyone (default).
   * A product chain's nodes list the gateway here so that only the gateway reaches them.
   */
  allowFrom?: readonly string[] | null;
}

export interface RpcServer {
  /** http://host:port */
  readonly url: string;
  /** ws://host:port */
  readonly wsUrl: string;
  readonly port: number;
  /** Stops listening, closes WebSocket clients and open connections, removes the backend listeners. */
  close(): Promise<void>;
}

/** A bad server option; the message names the option. */
export class RpcServerConfigError extends LuniverseError<"RPC_CONFIG"> {
  override name = "RpcServerConfigError";
  constructor(message: string) {
    super("RPC_CONFIG", message);
  }
}

const silent: RpcLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

type Resolved = Required<Omit<RpcServerOptions, "log" | "allowFrom">> & { log: RpcLogger; allowFrom: AllowList | null };

function toLogger(log: RpcLogger | RpcLogFunction | undefined): RpcLogger {
  if (log === undefined) return silent;
  if (typeof log !== "function") return log;
  return { debug: (m, f) => log("debug", m, f), info: (m, f) => log("info", m, f), warn: (m, f) => log("warn", m, f), error: (m, f) => log("error", m, f) };
}

const INTEGER_OPTIONS = ["port", "maxRequestBytes", "maxBatch", "maxLogsRange", "maxLogsResults", "filterTtlMs", "wsPingIntervalMs", "wsMaxBufferedBytes"] as const;

function resolveOptions(opts: RpcServerOptions): Resolved {
  const known = new Set<string>(["host", "cors", "log", "allowFrom", ...INTEGER_OPTIONS]);
  for (const key of Object.keys(opts)) {
    if (!known.has(key)) throw new RpcServerConfigError(`unknown RPC server option "${key}" (known: ${[...known].join(", ")})`);
  }
  for (const key of INTEGER_OPTIONS) {
    const v = opts[key];
    if (v !== undefined && (!Number.isSafeInteger(v) || v < 0)) throw new RpcServerConfigError(`RPC server option "${key}" must be a non-negative integer, got ${String(v)}`);
  }
  for (const key of ["maxRequestBytes", "maxBatch", "maxLogsRange", "maxLogsResults"] as const) {
    if (opts[key] === 0) throw new RpcServerConfigError(`RPC server option "${key}" must be at least 1`);
  }
  if (opts.port !== undefined && opts.port > 65535) throw new RpcServerConfigError(`RPC server option "port" must be at most 65535, got ${opts.port}`);
  if (opts.host !== undefined && (typeof opts.host !== "string" || opts.host === "")) throw new RpcServerConfigError(`RPC server option "host" must be a non-empty string`);
  if (opts.log !== undefined && typeof opts.log !== "function" && (typeof opts.log !== "object" || opts.log === null || typeof opts.log.error !== "function")) {
    throw new RpcServerConfigError(`RPC server option "log" must be a logger object (debug/info/warn/error) or a function (level, msg, fields)`);
  }
  if (opts.cors !== undefined && typeof opts.cors !== "boolean" && typeof opts.cors !== "string") throw new RpcServerConfigError(`RPC server option "cors" must be a boolean or an origin string`);
  if (opts.allowFrom != null && (!Array.isArray(opts.allowFrom) || opts.allowFrom.some((e) => typeof e !== "string"))) {
    throw new RpcServerConfigError(`RPC server option "allowFrom" must be an array of addresses or CIDR ranges, or null`);
  }
  return {
    host: opts.host ?? "127.0.0.1",
    port: opts.port ?? 8545,
    maxRequestBytes: opts.maxRequestBytes ?? 5 * 1024 * 1024,
    maxBatch: opts.maxBatch ?? 1000,
    cors: opts.cors ?? true,
    log: toLogger(opts.log),
    maxLogsRange: opts.maxLogsRange ?? 10_000,
    maxLogsResults: opts.maxLogsResults ?? 10_000,
    filterTtlMs: opts.filterTtlMs ?? 5 * 60_000,
    wsPingIntervalMs: opts.wsPingIntervalMs ?? 30_000,
    wsMaxBufferedBytes: opts.wsMaxBufferedBytes ?? 64 * 1024 * 1024,
    allowFrom: opts.allowFrom == null ? null : new AllowList(opts.allowFrom),
  };
}

function hostForUrl(host: string): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
}

function rawToBuffer(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** Starts the server and resolves once it listens. */
export async function startRpcServer(backend: RpcBackend, options: RpcServerOptions = {}): Promise<RpcServer> {
  const o = resolveOptions(options);
  const log = o.log;
  const metrics = new RpcMetrics();
  const filters = new FilterStore({ ttlMs: o.filterTtlMs });
  const hub = new SubscriptionHub();
  const dispatcher = new Dispatcher({
    backend,
    filters,
    limits: { maxLogsRange: o.maxLogsRange, maxLogsResults: o.maxLogsResults, maxFeeHistory: 1024 },
    maxBatch: o.maxBatch,
    metrics,
    log,
  });

  // One listener per event for the whole server; a failure here must never reach the backend's emit().
  const onNewHead = (block: RpcBlock): void => {
    try {
      filters.onNewHead(block);
      hub.onNewHead(block);
    } catch (e) {
      log.error("rpc newHead fan-out failed", errFields(e));
    }
  };
  const onLogs = (logs: RpcLog[]): void => {
    try {
      filters.onLogs(logs);
      hub.onLogs(logs);
    } catch (e) {
      log.error("rpc logs fan-out failed", errFields(e));
    }
  };
  backend.on("newHead", onNewHead);
  backend.on("logs", onLogs);

  const corsHeaders = (req: http.IncomingMessage): Record<string, string> => {
    if (o.cors === false) return {};
    return {
      "access-control-allow-origin": o.cors === true ? "*" : o.cors,
      "access-control-allow-methods": "POST, GET, OPTIONS",
      "access-control-allow-headers": req.headers["access-control-request-headers"] ?? "content-type",
      "access-control-max-age": "600",
    };
  };

  const send = (req: http.IncomingMessage, res: http.ServerResponse, status: number, contentType: string | null, body: string, extra: Record<string, string> = {}): void => {
    if (res.headersSent || res.destroyed) return;
    const headers: Record<string, string | number> = { ...corsHeaders(req), ...extra };
    if (contentType !== null) headers["content-type"] = contentType;
    headers["content-length"] = Buffer.byteLength(body);
    res.writeHead(status, headers);
    res.end(body);
  };

  const metricsText = (): string => {
    let node = "";
    try {
      node = backend.metrics();
    } catch (e) {
      log.error("backend metrics failed", errFields(e));
    }
    if (node !== "" && !node.endsWith("\n")) node += "\n";
    return node + metrics.render({ filters: filters.size, subscriptions: hub.size });
  };

  // A body larger than this is not even drained: the connection is cut.
  const hardCap = Math.max(4 * o.maxRequestBytes, o.maxRequestBytes + 16 * 1024 * 1024);

  const onRpcPost = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    let size = 0;
    let tooLarge = Number.isFinite(declared) && declared > o.maxRequestBytes;
    const chunks: Buffer[] = [];
    let cut = false;
    req.on("data", (chunk: Buffer) => {
      if (cut) return;
      size += chunk.length;
      if (size > o.maxRequestBytes) {
        tooLarge = true;
        chunks.length = 0;
      }
      if (size > hardCap) {
        log.warn("rpc request body far over the limit; connection closed", { bytes: size, limit: o.maxRequestBytes });
        metrics.tooLarge();
        cut = true;
        req.destroy();
        return;
      }
      if (!tooLarge) chunks.push(chunk);
    });
    req.on("error", (e) => log.debug("rpc request stream error", errFields(e)));
    req.on("end", () => {
      if (tooLarge) {
        metrics.tooLarge();
        metrics.error(INVALID_REQUEST);
        const n = Math.max(size, Number.isFinite(declared) ? declared : 0);
        send(req, res, 413, "application/json", errorResponse(null, { code: INVALID_REQUEST, message: `request too large (${n} bytes > limit ${o.maxRequestBytes})` }));
        return;
      }
      const text = Buffer.concat(chunks).toString("utf8");
      dispatcher
        .handle(text, "http", undefined, req.socket.remoteAddress)
        .then((answer) => {
          if (answer === null) send(req, res, 204, null, "");
          else send(req, res, 200, "application/json", answer);
        })
        .catch((e: unknown) => {
          log.error("rpc dispatch failed", errFields(e));
          send(req, res, 500, "application/json", errorResponse(null, { code: INTERNAL_ERROR, message: "internal error" }));
        });
    });
  };

  const refused = (remote: string | undefined): string =>
    JSON.stringify({ error: `forbidden: ${remote ?? "this client"} is not in this node's RPC allow-list (rpc.allowFrom); go through the gateway, or ask the node's operator to add your address` });

  const server = http.createServer((req, res) => {
    try {
      if (o.allowFrom !== null && !o.allowFrom.allows(req.socket.remoteAddress)) {
        req.resume();
        metrics.forbidden();
        return send(req, res, 403, "application/json", refused(req.socket.remoteAddress));
      }
      const path = (req.url ?? "/").split("?")[0];
      const method = req.method ?? "GET";
      if (method === "OPTIONS") return send(req, res, 204, null, "");
      if (method === "GET" || method === "HEAD") {
        req.resume();
        if (path === "/metrics") return send(req, res, 200, "text/plain; version=0.0.4; charset=utf-8", metricsText());
        if (path === "/health") {
          try {
            const s = backend.status();
            const body = { status: "ok", chainId: s.chainId, height: s.height, finalizedHeight: s.finalizedHeight, syncing: s.syncing, peers: s.peers };
            return send(req, res, 200, "application/json", JSON.stringify(body));
          } catch (e) {
            log.error("health check failed", errFields(e));
            return send(req, res, 503, "application/json", JSON.stringify({ status: "error" }));
          }
        }
        if (backend.httpGet?.(path!, res, method === "HEAD") === true) return;
        return send(req, res, 405, "application/json", JSON.stringify({ error: "send JSON-RPC requests with POST; GET serves /metrics, /health and /snapshots" }), { allow: "POST, GET, OPTIONS" });
      }
      if (method !== "POST") {
        req.resume();
        return send(req, res, 405, "application/json", JSON.stringify({ error: `method ${method} not allowed; use POST` }), { allow: "POST, GET, OPTIONS" });
      }
      onRpcPost(req, res);
    } catch (e) {
      log.error("rpc http handler failed", errFields(e));
      send(req, res, 500, "application/json", errorResponse(null, { code: INTERNAL_ERROR, message: "internal error" }));
    }
  });
  // Clients keep connections open between requests (ethers, viem, load generators): a server that closes an idle
  // socket after Node's default 5 s races with a client reusing it ("socket hang up"). Stay open longer than they do.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on("clientError", (err, socket) => {
    log.debug("rpc http client error", errFields(err));
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
    else socket.destroy();
  });

  // --- WebSocket ---
  // Messages up to twice the limit are read and answered with "request too large"; larger ones close the socket
  // (1009) in the ws library itself, so a client cannot make the node buffer without bound.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 2 * o.maxRequestBytes });
  const alive = new WeakMap<WebSocket, boolean>();

  server.on("upgrade", (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    if ((req.headers.upgrade ?? "").toLowerCase() !== "websocket") {
      socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n");
      return;
    }
    if (o.allowFrom !== null && !o.allowFrom.allows(req.socket.remoteAddress)) {
      metrics.forbidden();
      const body = refused(req.socket.remoteAddress);
      socket.end(`HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    socket.on("error", (e) => log.debug("rpc ws socket error", errFields(e)));
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit("connection", ws, req));
  });

  wss.on("connection", (ws: WebSocket, req: http.IncomingMessage) => {
    const remote = req.socket.remoteAddress;
    metrics.wsOpened();
    alive.set(ws, true);
    const target: NotificationTarget = {
      send: (message) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (ws.bufferedAmount > o.wsMaxBufferedBytes) {
          log.warn("rpc ws client too slow; dropped", { buffered: ws.bufferedAmount });
          ws.terminate();
          return;
        }
        ws.send(message);
      },
    };
    const sink = hub.sinkFor(target);
    ws.on("pong", () => alive.set(ws, true));
    ws.on("message", (data: RawData) => {
      const buf = rawToBuffer(data);
      if (buf.length > o.maxRequestBytes) {
        metrics.tooLarge();
        metrics.error(INVALID_REQUEST);
        target.send(errorResponse(null, { code: INVALID_REQUEST, message: `request too large (${buf.length} bytes > limit ${o.maxRequestBytes})` }));
        return;
      }
      dispatcher
        .handle(buf.toString("utf8"), "ws", sink, remote)
        .then((answer) => {
          if (answer !== null) target.send(answer);
          hub.release(target);
        })
        .catch((e: unknown) => log.error("rpc ws dispatch failed", errFields(e)));
    });
    ws.on("error", (e) => log.debug("rpc ws error", errFields(e)));
    ws.on("close", () => {
      metrics.wsClosed();
      hub.drop(target);
    });
  });

  const pinger =
    o.wsPingIntervalMs > 0
      ? setInterval(() => {
          for (const ws of wss.clients) {
            if (alive.get(ws) === false) {
              ws.terminate();
              continue;
            }
            alive.set(ws, false);
            ws.ping();
          }
        }, o.wsPingIntervalMs)
      : undefined;
  pinger?.unref();

  await new Promise<void>((resolve, reject) => {
    const onError = (e: Error): void => reject(e);
    server.once("error", onError);
    server.listen(o.port, o.host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  server.on("error", (e) => log.error("rpc server error", errFields(e)));

  const port = (server.address() as AddressInfo).port;
  const hostPort = `${hostForUrl(o.host)}:${port}`;
  log.info("rpc server listening", { url: `http://${hostPort}`, ws: `ws://${hostPort}` });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      backend.off("newHead", onNewHead);
      backend.off("logs", onLogs);
      if (pinger !== undefined) clearInterval(pinger);
      filters.close();
      hub.clear();
      const sockets = [...wss.clients].map(
        (ws) =>
          new Promise<void>((resolve) => {
            if (ws.readyState === WebSocket.CLOSED) return resolve();
            const timer = setTimeout(() => ws.terminate(), 1_000);
            ws.once("close", () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(1001, "server closing");
          }),
      );
      await Promise.all(sockets);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      log.info("rpc server closed", { url: `http://${hostPort}` });
    })();
    return closing;
  };

  return { url: `http://${hostPort}`, wsUrl: `ws://${hostPort}`, port, close };
}
