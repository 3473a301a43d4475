/**
 * The signer's HTTP API (docs/tx-api.md, OpenAPI at `GET /openapi.json`):
 *
 *   operator (Authorization: Bearer $SIGNER_ADMIN_TOKEN)
 *     POST /v1/admin/dapps                      create a DApp → its service key (shown once)
 *     GET  /v1/admin/dapps                      list DApps
 *     PUT  /v1/admin/dapps/{dapp}/policy        set a DApp's policy
 *     POST /v1/admin/dapps/{dapp}/key           rotate a DApp's service key
 *     GET  /v1/admin/audit?from=&limit=         the audit log;  GET /v1/admin/audit/verify  recompute its chain
 *   DApp (Authorization: Bearer <service key>, or X-Api-Key; or its gateway API key in X-Api-Key with X-Key-Secret)
 *     POST /v1/dapps/{dapp}/wallets                             create (or get) a user's wallet
 *     GET  /v1/dapps/{dapp}/wallets/{userId}                    the wallet
 *     PUT  /v1/dapps/{dapp}/wallets/{userId}/policy             tighten the policy for this user
 *     POST /v1/dapps/{dapp}/wallets/{userId}/2fa                enrol TOTP + PIN → otpauth URI
 *     POST /v1/dapps/{dapp}/wallets/{userId}/2fa/confirm        confirm with a first code
 *     GET  /v1/dapps/{dapp}/wallets/{userId}/transactions       the user's transactions
 *     POST /v1/dapps/{dapp}/transactions                        sign and send (Idempotency-Key header)
 *     GET  /v1/dapps/{dapp}/transactions/{id}                   status and receipt
 *   GET /health, GET /metrics, GET /openapi.json
 *
 * Errors are `{ "error": { "code", "message", "rule"? } }` with the status of their code (errors.ts).
 */
import http from "node:http";
import { timingSafeEqual } from "node:crypto";
import { LuniverseError, errorMessage } from "../../lib/errors";
import { HsmError } from "../../lib/hsm";
import { listenHttp, type ListeningServer } from "../../lib/httpServer";
import type { Logger } from "../../lib/log";
import { SignerError } from "./errors";
import type { SignerMetrics } from "./metrics";
import { OPENAPI } from "./openapi";
import type { SignerService } from "./service";

const MAX_BODY = 64 * 1024;

type Ctx = { params: string[]; query: URLSearchParams; body: unknown; req: http.IncomingMessage };
type Handler = (c: Ctx) => Promise<{ status?: number; body: unknown }> | { status?: number; body: unknown };
interface Route {
  name: string;
  method: string;
  re: RegExp;
  auth: "admin" | "dapp" | "none";
  handler: Handler;
}

export type SignerServer = ListeningServer;

function bearer(req: http.IncomingMessage): string | null {
  const h = req.headers.authorization;
  if (typeof h === "string" && /^Bearer\s+\S+$/i.test(h)) return h.replace(/^Bearer\s+/i, "");
  const k = req.headers["x-api-key"];
  return typeof k === "string" && k.length > 0 ? k : null;
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new SignerError("SIGNER_PAYLOAD_TOO_LARGE", `the body is larger than ${MAX_BODY} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")));
      } catch (e) {
        reject(new SignerError("SIGNER_BAD_REQUEST", `the body is not valid JSON: ${(e as Error).message}`));
      }
    });
    req.on("error", reject);
  });
}

function limitOf(q: URLSearchParams, def: number, max: number): number {
  const v = q.get("limit");
  if (v === null) return def;
  if (!/^[0-9]+$/.test(v) || Number(v) < 1 || Number(v) > max) throw new SignerError("SIGNER_BAD_REQUEST", `limit must be an integer from 1 to ${max}`);
  return Number(v);
}

function routes(s: SignerService): Route[] {
  const seg = "([^/]+)";
  const r = (name: string, method: string, pattern: string, auth: Route["auth"], handler: Handler): Route => ({ name, method, re: new RegExp(`^${pattern}$`), auth, handler });
  const d = `/v1/dapps/${seg}`;
  return [
    r("admin_create_dapp", "POST", "/v1/admin/dapps", "admin", ({ body }) => ({ status: 201, body: s.createDapp(body) })),
    r("admin_list_dapps", "GET", "/v1/admin/dapps", "admin", () => ({ body: { dapps: s.listDapps() } })),
    r("admin_dapp_policy", "PUT", `/v1/admin/dapps/${seg}/policy`, "admin", ({ params, body }) => ({ body: { policy: s.setDappPolicy(params[0]!, body) } })),
    r("admin_dapp_key", "POST", `/v1/admin/dapps/${seg}/key`, "admin", ({ params }) => ({ body: s.rotateDappKey(params[0]!) })),
    r("admin_audit", "GET", "/v1/admin/audit", "admin", ({ query }) => {
      const from = query.get("from") ?? "1";
      if (!/^[0-9]+$/.test(from)) throw new SignerError("SIGNER_BAD_REQUEST", "from must be an audit sequence number (integer ≥ 1)");
      return { body: { head: s.store.auditHead(), entries: s.store.audit(Number(from), limitOf(query, 100, 1000)), anchors: s.store.anchors(10) } };
    }),
    r("admin_audit_verify", "GET", "/v1/admin/audit/verify", "admin", () => {
      const v = s.store.verifyAudit();
      return { body: { ok: v.brokenAt === null, ...v, lastAnchor: s.store.lastAnchor() ?? null } };
    }),
    r("create_wallet", "POST", `${d}/wallets`, "dapp", ({ params, body }) => {
      const out = s.createWallet(params[0]!, body);
      return { status: out.created ? 201 : 200, body: out.wallet };
    }),
    r("get_wallet", "GET", `${d}/wallets/${seg}`, "dapp", ({ params }) => ({ body: s.getWallet(params[0]!, params[1]!) })),
    r("wallet_policy", "PUT", `${d}/wallets/${seg}/policy`, "dapp", ({ params, body }) => ({ body: s.setWalletPolicy(params[0]!, params[1]!, body) })),
    r("enroll", "POST", `${d}/wallets/${seg}/2fa`, "dapp", async ({ params, body }) => ({ status: 201, body: await s.enroll(params[0]!, params[1]!, body) })),
    r("confirm", "POST", `${d}/wallets/${seg}/2fa/confirm`, "dapp", ({ params, body }) => ({ body: s.confirmEnrollment(params[0]!, params[1]!, body) })),
    r("user_transactions", "GET", `${d}/wallets/${seg}/transactions`, "dapp", ({ params, query }) => ({ body: { transactions: s.listTxs(params[0]!, params[1]!, limitOf(query, 50, 500)) } })),
    r("submit", "POST", `${d}/transactions`, "dapp", async ({ params, body, req }) => {
      const h = req.headers["idempotency-key"];
      const out = await s.submit(s.store.dapp(params[0]!)!, body, typeof h === "string" ? h : null);
      return { status: out.created ? 201 : 200, body: out.tx };
    }),
    r("get_transaction", "GET", `${d}/transactions/${seg}`, "dapp", ({ params }) => ({ body: s.getTx(params[0]!, params[1]!) })),
  ];
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** Starts the API on `host:port` (port 0: any free port). */
export function startSignerServer(
  service: SignerService,
  options: { host: string; port: number; adminToken: string; logger: Logger; metrics: SignerMetrics; health: () => Record<string, unknown> },
): Promise<SignerServer> {
  const table = routes(service);
  const { metrics, logger } = options;
  const admin = Buffer.from(options.adminToken);
  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    const url = new URL(req.url ?? "/", "http://signer");
    let route = "unknown";
    const done = (status: number, body: unknown): void => {
      send(res, status, body);
      metrics.requests.inc({ route, status });
      metrics.requestSeconds.observe({ route }, Number(process.hrtime.bigint() - started) / 1e9);
    };
    const fail = (e: unknown): void => {
      if (e instanceof SignerError) return done(e.status, { error: { code: e.code, message: e.message, ...(e.rule ? { rule: e.rule } : {}) } });
      // the HSM or another piece of the signer failed (not the request): 503 for the HSM, 500 otherwise
      if (e instanceof HsmError) return done(503, { error: { code: e.code, message: e.message } });
      if (e instanceof LuniverseError) return done(500, { error: { code: e.code, message: e.message } });
      logger.error("request failed", { route, path: url.pathname, error: errorMessage(e) });
      done(500, { error: { code: "SIGNER_INTERNAL", message: errorMessage(e) } });
    };
    if (req.method === "GET" && url.pathname === "/metrics") {
      options.health(); // refreshes the gauges
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" });
      res.end(metrics.registry.expose());
      return;
    }
    if (req.method === "GET" && url.pathname === "/health") {
      route = "health";
      return done(200, { ok: true, ...options.health() });
    }
    if (req.method === "GET" && url.pathname === "/openapi.json") {
      route = "openapi";
      return done(200, OPENAPI);
    }
    const path = url.pathname.replace(/\/+$/, "");
    const matching = table.filter((r) => r.re.test(path));
    if (matching.length === 0) return done(404, { error: { code: "SIGNER_NOT_FOUND", message: `no such endpoint: ${req.method} ${url.pathname} (see GET /openapi.json and docs/tx-api.md)` } });
    const rt = matching.find((r) => r.method === req.method);
    if (!rt) return done(405, { error: { code: "SIGNER_METHOD", message: `${req.method} is not served on ${url.pathname}; use ${matching.map((r) => r.method).join(" or ")}` } });
    route = rt.name;
    let params: string[];
    try {
      params = rt.re.exec(path)!.slice(1).map((p) => decodeURIComponent(p));
    } catch {
      return done(400, { error: { code: "SIGNER_BAD_REQUEST", message: `the path ${url.pathname} is not valid URL encoding` } });
    }
    void (async () => {
      try {
        const key = bearer(req);
        if (rt.auth === "admin") {
          const k = Buffer.from(key ?? "");
          if (key === null) throw new SignerError("SIGNER_AUTH", "missing operator token: send Authorization: Bearer <the token in the signer's adminTokenEnv>");
          if (k.length !== admin.length || !timingSafeEqual(k, admin)) throw new SignerError("SIGNER_AUTH", "wrong operator token");
        } else if (rt.auth === "dapp") {
          const secret = req.headers["x-key-secret"];
          await service.authenticateRequest(params[0]!, key, typeof secret === "string" ? secret : null);
        }
        const body = req.method === "POST" || req.method === "PUT" ? await readBody(req) : undefined;
        const out = await rt.handler({ params, query: url.searchParams, body, req });
        done(out.status ?? 200, out.body);
      } catch (e) {
        fail(e);
      }
    })();
  });
  server.keepAliveTimeout = 5_000;
  return listenHttp(server, options.host, options.port, (m) => new SignerError("SIGNER_UNAVAILABLE", m));
}
