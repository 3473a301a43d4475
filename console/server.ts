/**
 * The console server: a small node:http server in front of the built app (console/dist) and of the services the app
 * reads, so the browser talks to one origin and never sees a secret.
 *
 *   GET  /console-config.json         the chains (with their contracts from the manifests), whether an indexer and a gateway exist
 *   POST /rpc/<chainId>               JSON-RPC, forwarded to that chain's rpcUrl (body ≤ 5 MB)
 *   GET  /api/v1/…                    forwarded to the indexer
 *   GET  /api/gateway/analytics?…     the gateway's admin analytics (ops/gateway/readTraffic), with the admin token added here
 *   *    /api/signer/v1/dapps/…        forwarded to the signer service (a DApp's wallets and 2FA, with the DApp's own
 *                                     service key from the browser; the operator API /v1/admin is never relayed)
 *   GET  /metrics/<chainId>           the chain's node Prometheus text (GET <rpcUrl>/metrics): traffic figures without a gateway
 *   GET  /health                      {ok, version}
 *   GET  anything else                a file of the app, or index.html (SPA fallback)
 *
 * Every error is JSON `{error: {code, message}}`: 404 for an unknown chain or route, 502 naming the upstream when it is down.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createReadStream, existsSync, readFileSync, statSync } from "node:fs";
import { createGzip } from "node:zlib";
import { LuniverseError, errorMessage, isLuniverseError } from "../lib/errors";
import { silentLogger, type Logger } from "../lib/log";
import { readDeployment } from "../ops/deployment";
import { gatewayAdmin, type GatewayAdmin } from "../ops/gateway/client";
import { readTraffic, type ReadTrafficParameters } from "../ops/gateway/readTraffic";
import type { ConsoleChainConfig, ConsoleServerConfig } from "./config";

export type ConsoleServerErrorCode =
  | "CONSOLE_NOT_FOUND"
  | "CONSOLE_UNKNOWN_CHAIN"
  | "CONSOLE_BAD_REQUEST"
  | "CONSOLE_BODY_TOO_LARGE"
  | "CONSOLE_METHOD_NOT_ALLOWED"
  | "CONSOLE_UPSTREAM_DOWN"
  | "CONSOLE_NO_INDEXER"
  | "CONSOLE_NO_GATEWAY"
  | "CONSOLE_NO_SIGNER"
  | "CONSOLE_NOT_BUILT"
  | "CONSOLE_MANIFEST"
  | "CONSOLE_GATEWAY_TOKEN";

/** An error of the console server; `status` is the HTTP status it answers with. */
export class ConsoleServerError extends LuniverseError<ConsoleServerErrorCode> {
  override name = "ConsoleServerError";
  constructor(
    code: ConsoleServerErrorCode,
    readonly status: number,
    message: string,
    options: { hint?: string; cause?: unknown } = {},
  ) {
    super(code, message, options);
  }
}

/** What `GET /console-config.json` answers (the app's `ConsoleConfig`, console/src/config.ts). */
export interface ConsoleConfigBody {
  version: string;
  chains: { chainId: number; name: string; role: ConsoleChainConfig["role"]; rpcPath: string; contracts: Record<string, string> }[];
  indexer: boolean;
  gateway: boolean;
  signer: boolean;
}

export interface ConsoleServerOptions {
  log?: Logger;
  /** Where the gateway's admin token is read (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Timeout of one upstream request (default 30 s). */
  upstreamTimeoutMs?: number;
}

export interface ConsoleServer {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

export const MAX_RPC_BODY = 5 * 1024 * 1024;

const VERSION: string = (() => {
  try {
    return (JSON.parse(readFileSync(path.resolve(__dirname, "..", "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "0.0.0";
  }
})();

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff": "font/woff",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
  ".wasm": "application/wasm",
};
const COMPRESSIBLE = new Set([".html", ".js", ".mjs", ".css", ".json", ".map", ".svg", ".txt"]);

/** The contracts (name → address) of a chain's manifest; a manifest of another chain is an error. */
export function manifestContracts(chain: ConsoleChainConfig): Record<string, string> {
  if (chain.manifest === null) return {};
  let deployment;
  try {
    deployment = readDeployment(chain.manifest, `deploy the chain first, or set chains[].manifest to null for chain ${chain.chainId}`);
  } catch (e) {
    throw new ConsoleServerError("CONSOLE_MANIFEST", 500, `cannot read the manifest of chain ${chain.chainId} (${chain.name}) at ${chain.manifest}: ${errorMessage(e)}`, { cause: e });
  }
  if (deployment.chainId !== chain.chainId) {
    throw new ConsoleServerError("CONSOLE_MANIFEST", 500, `the manifest ${chain.manifest} is for chain ${deployment.chainId}, but it is configured for chain ${chain.chainId} (${chain.name})`, {
      hint: "point chains[].manifest at this chain's deployment file",
    });
  }
  return deployment.addresses;
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

function sendError(res: http.ServerResponse, e: unknown): void {
  if (e instanceof ConsoleServerError) {
    sendJson(res, e.status, { error: { code: e.code, message: e.message } });
    return;
  }
  sendJson(res, 500, { error: { code: isLuniverseError(e) ? e.code : "CONSOLE_INTERNAL", message: errorMessage(e) } });
}

/** Reads a request body, refusing more than `limit` bytes (413). */
function readBody(req: http.IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      reject(new ConsoleServerError("CONSOLE_BODY_TOO_LARGE", 413, `the request body is ${declared} bytes; at most ${limit} bytes are forwarded`, { hint: "split the batch into smaller ones" }));
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        reject(new ConsoleServerError("CONSOLE_BODY_TOO_LARGE", 413, `the request body exceeds ${limit} bytes; at most ${limit} bytes are forwarded`, { hint: "split the batch into smaller ones" }));
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on("error", reject);
  });
}

function upstreamDown(what: string, url: string, e: unknown): ConsoleServerError {
  const err = e as Error & { cause?: Error & { code?: string } };
  const why = err.name === "TimeoutError" || err.name === "AbortError" ? "timed out" : (err.cause?.code ?? err.cause?.message ?? err.message);
  return new ConsoleServerError("CONSOLE_UPSTREAM_DOWN", 502, `${what} at ${url} is not reachable (${why})`, { hint: "is it running? (npm start brings up the whole platform)", cause: e });
}

/** Forwards a fetch response's status, content type and body. */
async function relay(res: http.ServerResponse, upstream: Response): Promise<void> {
  const body = Buffer.from(await upstream.arrayBuffer());
  res.writeHead(upstream.status, {
    "content-type": upstream.headers.get("content-type") ?? "application/json; charset=utf-8",
    "cache-control": "no-store",
    "content-length": body.length,
  });
  res.end(body);
}

const ANALYTICS_INT = ["from", "to", "top", "bucketMs"] as const;
const ANALYTICS_STR = ["key", "dapp", "chain", "method"] as const;

/** The analytics query of the browser (`from`, `to` in ms; `top`, `bucketMs`; `key`, `dapp`, `chain`, `method`). */
export function parseAnalyticsQuery(q: URLSearchParams): ReadTrafficParameters {
  const out: ReadTrafficParameters = {};
  const known = [...ANALYTICS_INT, ...ANALYTICS_STR] as readonly string[];
  for (const name of q.keys()) {
    if (!known.includes(name)) throw new ConsoleServerError("CONSOLE_BAD_REQUEST", 400, `unknown analytics parameter "${name}" (known: ${known.join(", ")})`);
  }
  for (const k of ANALYTICS_INT) {
    const v = q.get(k);
    if (v === null || v === "") continue;
    if (!/^\d{1,16}$/.test(v)) throw new ConsoleServerError("CONSOLE_BAD_REQUEST", 400, `analytics parameter "${k}" must be a non-negative integer${k === "from" || k === "to" ? " (ms since 1970)" : ""}, got ${JSON.stringify(v)}`);
    out[k] = Number(v);
  }
  for (const k of ANALYTICS_STR) {
    const v = q.get(k);
    if (v !== null && v !== "") out[k] = v;
  }
  return out;
}

/** Starts the console server on `config.listen`; resolves once it listens. */
export async function startConsoleServer(config: ConsoleServerConfig, options: ConsoleServerOptions = {}): Promise<ConsoleServer> {
  const log = options.log ?? silentLogger;
  const env = options.env ?? process.env;
  const timeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const chains = new Map(config.chains.map((c) => [c.chainId, c]));
  const distDir = path.resolve(config.distDir);

  // Fail at start on what would fail every request: an unreadable manifest, a missing admin token.
  for (const c of config.chains) manifestContracts(c);
  let admin: GatewayAdmin | null = null;
  if (config.gateway !== null) {
    const token = env[config.gateway.adminTokenEnv];
    if (token === undefined || token === "") {
      throw new ConsoleServerError("CONSOLE_GATEWAY_TOKEN", 500, `gateway.adminTokenEnv: the environment variable ${config.gateway.adminTokenEnv} is not set`, {
        hint: `export ${config.gateway.adminTokenEnv}=<the gateway's admin token>, or set "gateway": null to run without traffic analytics`,
      });
    }
    admin = gatewayAdmin(config.gateway.url, token);
  }
  if (!existsSync(path.join(distDir, "index.html"))) log.warn("the console app is not built; pages answer 503 until it is", { distDir, hint: "npm run build" });

  function consoleConfig(): ConsoleConfigBody {
    return {
      version: VERSION,
      chains: config.chains.map((c) => ({ chainId: c.chainId, name: c.name, role: c.role, rpcPath: `/rpc/${c.chainId}`, contracts: manifestContracts(c) })),
      indexer: config.indexerUrl !== null,
      gateway: config.gateway !== null,
      signer: config.signerUrl !== null,
    };
  }

  function chainById(id: string): ConsoleChainConfig {
    const chain = /^\d{1,16}$/.test(id) ? chains.get(Number(id)) : undefined;
    if (chain === undefined) {
      throw new ConsoleServerError("CONSOLE_UNKNOWN_CHAIN", 404, `unknown chain "${id}": this console serves ${config.chains.map((c) => `${c.chainId} (${c.name})`).join(", ")}`);
    }
    return chain;
  }

  async function proxyRpc(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
    const chain = chainById(id);
    if (req.method !== "POST") throw new ConsoleServerError("CONSOLE_METHOD_NOT_ALLOWED", 405, `${req.method} /rpc/${id}: JSON-RPC is sent with POST`);
    const body = await readBody(req, MAX_RPC_BODY);
    let upstream: Response;
    try {
      upstream = await fetch(chain.rpcUrl, { method: "POST", headers: { "content-type": "application/json" }, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw upstreamDown(`the RPC of chain ${chain.chainId} (${chain.name})`, chain.rpcUrl, e);
    }
    await relay(res, upstream);
  }

  async function proxyMetrics(req: http.IncomingMessage, res: http.ServerResponse, id: string): Promise<void> {
    const chain = chainById(id);
    if (req.method !== "GET") throw new ConsoleServerError("CONSOLE_METHOD_NOT_ALLOWED", 405, `${req.method} /metrics/${id}: metrics are read with GET`);
    const target = `${new URL(chain.rpcUrl).origin}/metrics`;
    let upstream: Response;
    try {
      upstream = await fetch(target, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw upstreamDown(`the node of chain ${chain.chainId} (${chain.name})`, target, e);
    }
    if (!upstream.ok) {
      throw new ConsoleServerError("CONSOLE_NOT_FOUND", 404, `the node of chain ${chain.chainId} (${chain.name}) serves no metrics at ${target} (HTTP ${upstream.status})`);
    }
    await relay(res, upstream);
  }

  async function proxyIndexer(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (config.indexerUrl === null) throw new ConsoleServerError("CONSOLE_NO_INDEXER", 503, "this console runs without an indexer (indexerUrl is null)", { hint: "start the indexer and set indexerUrl" });
    if (req.method !== "GET" && req.method !== "HEAD") throw new ConsoleServerError("CONSOLE_METHOD_NOT_ALLOWED", 405, `${req.method} ${url.pathname}: the indexer API is read with GET`);
    const target = `${config.indexerUrl}${url.pathname}${url.search}`;
    let upstream: Response;
    try {
      upstream = await fetch(target, { method: "GET", headers: { accept: "application/json" }, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw upstreamDown("the indexer", config.indexerUrl, e);
    }
    await relay(res, upstream);
  }

  /** A DApp's calls to the signer: the DApp API only, with the caller's service key and idempotency key passed on. */
  async function proxySigner(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (config.signerUrl === null) throw new ConsoleServerError("CONSOLE_NO_SIGNER", 503, "this console runs without a signer service (signerUrl is null)", { hint: "start the signer (services/signer) and set signerUrl" });
    const rest = url.pathname.slice("/api/signer".length);
    if (!/^\/v1\/dapps\/[^/]+\//.test(rest)) {
      throw new ConsoleServerError("CONSOLE_NOT_FOUND", 404, `${url.pathname}: the console relays the signer's DApp API only (/api/signer/v1/dapps/<dapp>/…); the operator API is used directly`);
    }
    if (!["GET", "POST", "PUT"].includes(req.method ?? "")) throw new ConsoleServerError("CONSOLE_METHOD_NOT_ALLOWED", 405, `${req.method} ${url.pathname}: the signer's API takes GET, POST and PUT`);
    const headers: Record<string, string> = { accept: "application/json" };
    for (const h of ["authorization", "x-api-key", "x-key-secret", "idempotency-key", "content-type"]) {
      const v = req.headers[h];
      if (typeof v === "string") headers[h] = v;
    }
    const body = req.method === "GET" ? undefined : await readBody(req, MAX_RPC_BODY);
    let upstream: Response;
    try {
      upstream = await fetch(`${config.signerUrl}${rest}${url.search}`, { method: req.method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      throw upstreamDown("the signer", config.signerUrl, e);
    }
    await relay(res, upstream);
  }

  async function analytics(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    if (admin === null) throw new ConsoleServerError("CONSOLE_NO_GATEWAY", 503, "this console runs without a gateway (gateway is null): traffic comes from the nodes' figures", { hint: "start the gateway and set gateway.url" });
    if (req.method !== "GET") throw new ConsoleServerError("CONSOLE_METHOD_NOT_ALLOWED", 405, `${req.method} ${url.pathname}: analytics are read with GET`);
    const params = parseAnalyticsQuery(url.searchParams);
    try {
      sendJson(res, 200, await readTraffic(admin, params));
    } catch (e) {
      const code = isLuniverseError(e) ? e.code : "";
      if (code === "OP_INVALID_PARAMETER") throw new ConsoleServerError("CONSOLE_BAD_REQUEST", 400, errorMessage(e), { cause: e });
      if (/not reachable/.test(errorMessage(e))) throw new ConsoleServerError("CONSOLE_UPSTREAM_DOWN", 502, `the gateway at ${admin.url} is not reachable: ${errorMessage(e)}`, { cause: e });
      throw new ConsoleServerError("CONSOLE_UPSTREAM_DOWN", 502, `the gateway at ${admin.url} refused the analytics query: ${errorMessage(e)}`, { cause: e });
    }
  }

  function serveStatic(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
    if (req.method !== "GET" && req.method !== "HEAD") throw new ConsoleServerError("CONSOLE_METHOD_NOT_ALLOWED", 405, `${req.method} ${url.pathname}: the app's files are read with GET`);
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      throw new ConsoleServerError("CONSOLE_BAD_REQUEST", 400, `malformed path ${url.pathname}`);
    }
    const file = path.resolve(distDir, "." + rel);
    const inside = file === distDir || file.startsWith(distDir + path.sep);
    if (!inside || rel.includes("\0")) throw new ConsoleServerError("CONSOLE_NOT_FOUND", 404, `no such file: ${url.pathname}`);
    let target = file;
    let isFallback = false;
    if (!(existsSync(file) && statSync(file).isFile())) {
      // A path with an extension (a script, a style, an image) that is not there is a real 404; any other path is a
      // page of the app, answered by index.html (the router draws it).
      if (path.extname(rel) !== "" || rel.startsWith("/assets/")) throw new ConsoleServerError("CONSOLE_NOT_FOUND", 404, `no such file: ${url.pathname}`);
      target = path.join(distDir, "index.html");
      isFallback = true;
      if (!existsSync(target)) throw new ConsoleServerError("CONSOLE_NOT_BUILT", 503, `the console app is not built (no ${target})`, { hint: "run npm run build" });
    }
    const ext = path.extname(target).toLowerCase();
    const hashed = !isFallback && rel.startsWith("/assets/");
    const headers: http.OutgoingHttpHeaders = {
      "content-type": CONTENT_TYPES[ext] ?? "application/octet-stream",
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
      "x-content-type-options": "nosniff",
    };
    const size = statSync(target).size;
    const gzip = COMPRESSIBLE.has(ext) && size > 1024 && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    if (gzip) {
      headers["content-encoding"] = "gzip";
      headers.vary = "accept-encoding";
    } else headers["content-length"] = size;
    res.writeHead(200, headers);
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const stream = createReadStream(target);
    stream.on("error", (e) => res.destroy(e));
    if (gzip) stream.pipe(createGzip()).pipe(res);
    else stream.pipe(res);
  }

  async function handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://console.local");
    const p = url.pathname;
    if (p === "/health") return sendJson(res, 200, { ok: true, version: VERSION });
    if (p === "/console-config.json") {
      if (req.method !== "GET" && req.method !== "HEAD") throw new ConsoleServerError("CONSOLE_METHOD_NOT_ALLOWED", 405, `${req.method} ${p}: read it with GET`);
      return sendJson(res, 200, consoleConfig());
    }
    const rpc = /^\/rpc\/([^/]*)\/?$/.exec(p);
    if (rpc) return proxyRpc(req, res, rpc[1]!);
    if (p.startsWith("/rpc/") || p === "/rpc") throw new ConsoleServerError("CONSOLE_NOT_FOUND", 404, `${p}: JSON-RPC is at /rpc/<chainId>`);
    const metrics = /^\/metrics\/([^/]*)\/?$/.exec(p);
    if (metrics) return proxyMetrics(req, res, metrics[1]!);
    if (p.startsWith("/api/v1/") || p === "/api/v1") return proxyIndexer(req, res, url);
    if (p === "/api/gateway/analytics") return analytics(req, res, url);
    if (p.startsWith("/api/signer/")) return proxySigner(req, res, url);
    if (p.startsWith("/api/")) throw new ConsoleServerError("CONSOLE_NOT_FOUND", 404, `${p}: unknown API route (the indexer is at /api/v1/…, traffic at /api/gateway/analytics)`);
    serveStatic(req, res, url);
  }

  const server = http.createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!(e instanceof ConsoleServerError) || e.status >= 500) log.warn("request failed", { method: req.method, url: req.url, error: errorMessage(e) });
      if (res.headersSent) res.destroy();
      else sendError(res, e);
    });
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = config.listen.host.includes(":") ? `[${config.listen.host}]` : config.listen.host;
  const url = `http://${shownHost}:${port}`;
  log.info("console listening", { url, distDir, chains: config.chains.map((c) => c.chainId), indexer: config.indexerUrl, gateway: config.gateway?.url ?? null });
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
