/**
 * The indexer's HTTP server: `GET /api/v1/…` (lib/indexerApi.ts; JSON; errors `{error: {code, message}}` with 400,
 * 404 or 502), `GET /health` and `GET /metrics` (Prometheus). CORS is open (read-only public data) so the console may
 * call it from its own origin.
 */
import http from "node:http";
import { LuniverseError, errorMessage } from "../../lib/errors";
import { listenHttp, type ListeningServer } from "../../lib/httpServer";
import type { HealthResult } from "../../lib/indexerApi";
import type { Logger } from "../../lib/log";
import { IndexerApi, IndexerApiError, type Query } from "./api";
import type { IndexerMetrics } from "./metrics";

type Handler = (params: string[], query: Query) => Promise<unknown>;

export type IndexerServer = ListeningServer;

function routes(api: IndexerApi): [string, RegExp, Handler][] {
  const seg = "([^/]+)";
  const ch = `^/api/v1/chains/${seg}`;
  const r = (name: string, pattern: string, h: Handler): [string, RegExp, Handler] => [name, new RegExp(`${pattern}$`), h];
  return [
    r("chains", "^/api/v1/chains", () => api.listChains()),
    r("reconciliation", "^/api/v1/reconciliation", () => api.reconciliation()),
    r("search", `${ch}/search`, ([c], q) => api.search(c!, q)),
    r("blocks", `${ch}/blocks`, ([c], q) => api.blocks(c!, q)),
    r("block", `${ch}/blocks/${seg}`, ([c, b]) => api.block(c!, b!)),
    r("transactions", `${ch}/transactions`, ([c], q) => api.transactions(c!, q)),
    r("transaction", `${ch}/transactions/${seg}`, ([c, h]) => api.transaction(c!, h!)),
    r("address", `${ch}/addresses/${seg}`, ([c, a]) => api.address(c!, a!)),
    r("address_transactions", `${ch}/addresses/${seg}/transactions`, ([c, a], q) => api.addressTransactions(c!, a!, q)),
    r("address_transfers", `${ch}/addresses/${seg}/transfers`, ([c, a], q) => api.addressTransfers(c!, a!, q)),
    r("tokens", `${ch}/tokens`, ([c]) => api.tokens(c!)),
    r("token", `${ch}/tokens/${seg}`, ([c, a]) => api.token(c!, a!)),
    r("token_holders", `${ch}/tokens/${seg}/holders`, ([c, a], q) => api.holders(c!, a!, q)),
    r("token_transfers", `${ch}/tokens/${seg}/transfers`, ([c, a], q) => api.tokenTransfers(c!, a!, q)),
    r("token_series", `${ch}/tokens/${seg}/series`, ([c, a], q) => api.tokenSeries(c!, a!, q)),
    r("stats", `${ch}/stats`, ([c], q) => api.stats(c!, q)),
    r("validators", `${ch}/validators`, ([c]) => api.validators(c!)),
    r("bridge", `${ch}/bridge`, ([c]) => api.bridge(c!)),
    r("proposals", `${ch}/governance/proposals`, ([c]) => api.proposals(c!)),
    r("anchoring", `${ch}/anchoring`, ([c]) => api.anchoring(c!)),
  ];
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "access-control-allow-origin": "*", "cache-control": "no-store" });
  res.end(text);
}

/** Starts the API on `host:port` (port 0: any free port). */
export function startServer(api: IndexerApi, options: { host: string; port: number; logger: Logger; metrics: IndexerMetrics }): Promise<IndexerServer> {
  const table = routes(api);
  const { metrics, logger } = options;
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://indexer");
    let route = "unknown";
    const done = (status: number, body: unknown): void => {
      send(res, status, body);
      metrics.apiRequests.inc({ route, status });
      metrics.apiSeconds.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    if (req.method === "OPTIONS") {
      res.writeHead(204, { "access-control-allow-origin": "*", "access-control-allow-methods": "GET", "access-control-allow-headers": "content-type" });
      res.end();
      return;
    }
    if (req.method !== "GET") return done(405, { error: { code: "INDEXER_METHOD", message: `${req.method} is not served: the API is read-only (GET)` } });
    if (url.pathname === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(metrics.registry.expose());
      return;
    }
    if (url.pathname === "/health") {
      route = "health";
      void api.store
        .chains()
        .then((chains) => {
          const body: HealthResult = { ok: true, chains: chains.map((c) => ({ chainId: c.chainId, indexedHeight: c.indexedHeight, headHeight: c.headHeight, lag: Math.max(0, c.headHeight - c.indexedHeight) })) };
          done(200, body);
        })
        .catch((e: unknown) => done(503, { ok: false, error: { code: "INDEXER_STORE", message: errorMessage(e) } }));
      return;
    }
    const path = url.pathname.replace(/\/+$/, "");
    for (const [name, re, handler] of table) {
      const m = re.exec(path);
      if (!m) continue;
      route = name;
      const query: Query = Object.fromEntries(url.searchParams.entries());
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        return done(400, { error: { code: "INDEXER_BAD_REQUEST", message: `the path ${url.pathname} is not valid URL encoding` } });
      }
      handler(params, query).then(
        (body) => done(200, body),
        (e: unknown) => {
          if (e instanceof IndexerApiError) return done(e.status, { error: { code: e.code, message: e.message } });
          logger.error("API request failed", { path: url.pathname, error: e });
          done(500, { error: { code: "INDEXER_INTERNAL", message: errorMessage(e) } });
        },
      );
      return;
    }
    done(404, { error: { code: "INDEXER_NOT_FOUND", message: `no such endpoint: GET ${url.pathname} (the API is under /api/v1; see docs/indexer.md)` } });
  });
  server.keepAliveTimeout = 5_000;
  return listenHttp(server, options.host, options.port, (m) => new LuniverseError("INDEXER_LISTEN", m));
}
