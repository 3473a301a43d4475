/**
 * The admin HTTP API (`/admin/v1/…`, `Authorization: Bearer <admin token>`): keys (create, list, show, update,
 * rotate, revoke), analytics, the live request log, bans, the nodes' health and the compute-unit table. A DApp reads
 * its own key's analytics at `GET /v1/keys/<apiKey>/analytics` with the key (and its secret when it has one).
 *
 *   curl -H "authorization: Bearer $GATEWAY_ADMIN_TOKEN" -d '{"dapp":"demo","chains":["main"]}' http://127.0.0.1:8600/admin/v1/keys
 */
import type http from "node:http";
import { timingSafeEqual } from "node:crypto";
import type { GatewayInternals } from "./gateway";
import { KeyRequestError, applyKeyFields, createKey, hashSecret, newKeyId, newSecret, publicKeyView, secretMatches, type KeyFields } from "./keys";
import type { AnalyticsQuery, AnalyticsResult, ApiKey } from "./types";

export interface AdminAnswer {
  status: number;
  body: unknown;
}

const MAX_BODY = 64 * 1024;

function tokenMatches(presented: string, token: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on("end", () => {
      if (size > MAX_BODY) return reject(new KeyRequestError("body", `larger than ${MAX_BODY} bytes`));
      const text = Buffer.concat(chunks).toString("utf8");
      if (text.trim() === "") return resolve({});
      try {
        resolve(JSON.parse(text));
      } catch {
        reject(new KeyRequestError("body", "not valid JSON"));
      }
    });
    req.on("error", reject);
  });
}

const error = (status: number, message: string): AdminAnswer => ({ status, body: { error: message } });

function intParam(q: URLSearchParams, name: string, def: number, min: number, max: number): number {
  const v = q.get(name);
  if (v === null || v === "") return def;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new KeyRequestError(name, `expected an integer ${min}–${max}, got ${JSON.stringify(v)}`);
  return n;
}

/** Time window of an analytics query: `from`/`to` as ms or ISO dates, default the last hour. */
function analyticsQuery(q: URLSearchParams): AnalyticsQuery {
  const known = new Set(["from", "to", "key", "dapp", "chain", "method", "top", "bucketMs"]);
  for (const name of q.keys()) if (!known.has(name)) throw new KeyRequestError(name, `unknown query parameter (known: ${[...known].join(", ")})`);
  const time = (name: string, def: number): number => {
    const v = q.get(name);
    if (v === null || v === "") return def;
    const n = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (!Number.isFinite(n)) throw new KeyRequestError(name, `expected milliseconds since 1970 or an ISO date, got ${JSON.stringify(v)}`);
    return n;
  };
  const now = Date.now();
  const to = time("to", now + 1);
  const from = time("from", to - 3_600_000);
  if (from >= to) throw new KeyRequestError("from", "must be before to");
  const query: AnalyticsQuery = { from, to, top: intParam(q, "top", 10, 1, 1000) };
  if (q.get("bucketMs")) query.bucketMs = intParam(q, "bucketMs", 60_000, 1_000, 366 * 86_400_000);
  for (const f of ["key", "dapp", "chain", "method"] as const) {
    const v = q.get(f);
    if (v !== null && v !== "") query[f] = v;
  }
  return query;
}

/**
 * A DApp's own analytics: read with its key as filter, so every figure is its key's already; the top keys and DApps
 * are narrowed to its own key and DApp besides, so that no change of the query can list another DApp's key.
 */
function ownAnalytics(a: AnalyticsResult, key: ApiKey): AnalyticsResult {
  return { ...a, topKeys: a.topKeys.filter((k) => k.key === key.key), topDapps: a.topDapps.filter((d) => d.dapp === key.dapp) };
}

/**
 * Answers an admin request (`token` set) or a DApp's analytics request (`token` null: the path's key authenticates).
 */
export async function handleAdmin(req: http.IncomingMessage, rawUrl: string, token: string | null, gw: GatewayInternals): Promise<AdminAnswer> {
  const url = new URL(rawUrl, "http://gateway");
  const parts = url.pathname.split("/").filter((p) => p !== "");
  const method = req.method ?? "GET";
  try {
    if (token === null) {
      // GET /v1/keys/<key>/analytics — the DApp's own figures.
      req.resume();
      const key = gw.keys.get(parts[2] ?? "");
      if (key === undefined || key.status !== "active") return error(401, "unknown or revoked API key");
      if (key.secretHash !== null) {
        const secret = req.headers["x-key-secret"];
        if (typeof secret !== "string" || !secretMatches(secret, key.secretHash)) return error(401, `API key ${key.key} requires its secret in the X-Key-Secret header`);
      }
      const q = analyticsQuery(url.searchParams);
      if (q.key !== undefined && q.key !== key.key) return error(403, "a key reads its own analytics only");
      if (q.dapp !== undefined) return error(403, "a key reads its own analytics only");
      return { status: 200, body: ownAnalytics(await gw.store.analytics({ ...q, key: key.key }), key) };
    }

    const auth = req.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ") || !tokenMatches(auth.slice(7), token)) {
      req.resume();
      return error(401, "admin API: send the admin token as `Authorization: Bearer <token>`");
    }
    const body = method === "POST" || method === "PATCH" ? await readJson(req) : (req.resume(), {});
    const fields = (typeof body === "object" && body !== null && !Array.isArray(body) ? body : {}) as Record<string, unknown>;
    const resolve = (c: string): string | null => gw.resolveChain(c)?.id ?? null;
    const route = `${method} /${parts.slice(2).join("/")}`;

    if (parts[0] !== "admin" || parts[1] !== "v1") return error(404, "admin API is under /admin/v1/");
    const checkFields = (known: string[]): void => {
      for (const k of Object.keys(fields)) if (!known.includes(k)) throw new KeyRequestError(k, `unknown field (known: ${known.join(", ")})`);
    };

    if (route === "GET /status") {
      return { status: 200, body: { store: gw.store.kind, keys: gw.keys.size, chains: gw.config.chains.map((c) => ({ id: c.id, name: c.name })), cache: gw.cache.stats(), bans: gw.abuse.bans().length } };
    }
    if (route === "GET /keys") {
      const dapp = url.searchParams.get("dapp") ?? undefined;
      return { status: 200, body: (await gw.store.listKeys(dapp === undefined ? {} : { dapp })).map(publicKeyView) };
    }
    if (route === "POST /keys") {
      checkFields(["dapp", "name", "chains", "methods", "contracts", "origins", "limits", "secret"]);
      const key = createKey(fields.dapp, fields as KeyFields, resolve, gw.config.defaultKeyLimits);
      let secret: string | null = null;
      if (fields.secret !== undefined && fields.secret !== false) {
        if (fields.secret !== true) throw new KeyRequestError("secret", "true to give the key a secret (it is generated and shown once)");
        secret = newSecret();
        key.secretHash = hashSecret(secret);
      }
      await gw.store.putKey(key);
      await gw.reloadKey(key.key);
      return { status: 201, body: { ...publicKeyView(key), ...(secret === null ? {} : { secret }) } };
    }
    if (parts[2] === "keys" && parts[3] !== undefined) {
      const key = await gw.store.getKey(parts[3]);
      if (key === null) return error(404, `no API key ${parts[3]}`);
      const sub = parts[4];
      if (method === "GET" && sub === undefined) {
        return { status: 200, body: { ...publicKeyView(key), usage: await gw.limiter.usage({ key, ip: "" }) } };
      }
      if (method === "GET" && sub === "analytics") {
        return { status: 200, body: await gw.store.analytics({ ...analyticsQuery(url.searchParams), key: key.key }) };
      }
      if (method === "PATCH" && sub === undefined) {
        checkFields(["name", "chains", "methods", "contracts", "origins", "limits"]);
        if (key.status !== "active") return error(409, `API key ${key.key} is revoked; create a new one`);
        const updated = applyKeyFields(key, fields as KeyFields, resolve);
        await gw.store.putKey(updated);
        await gw.reloadKey(key.key);
        return { status: 200, body: publicKeyView(updated) };
      }
      if (method === "POST" && sub === "revoke") {
        checkFields([]);
        if (key.status === "revoked") return { status: 200, body: publicKeyView(key) };
        const revoked = { ...key, status: "revoked" as const, revokedAt: Date.now() };
        await gw.store.putKey(revoked);
        await gw.reloadKey(key.key);
        return { status: 200, body: publicKeyView(revoked) };
      }
      if (method === "POST" && sub === "rotate") {
        checkFields([]);
        if (key.status !== "active") return error(409, `API key ${key.key} is revoked; rotate an active key`);
        const now = Date.now();
        const next = { ...key, key: newKeyId(), createdAt: now, revokedAt: null, rotatedTo: null };
        let secret: string | null = null;
        if (key.secretHash !== null) {
          secret = newSecret();
          next.secretHash = hashSecret(secret);
        }
        await gw.store.putKey(next);
        await gw.store.putKey({ ...key, status: "revoked", revokedAt: now, rotatedTo: next.key });
        await gw.reloadKey(next.key);
        await gw.reloadKey(key.key);
        return { status: 201, body: { ...publicKeyView(next), ...(secret === null ? {} : { secret }), replaces: key.key } };
      }
      return error(405, `${method} ${url.pathname}: not an admin operation (GET, PATCH, POST …/revoke, POST …/rotate, GET …/analytics)`);
    }
    if (route === "GET /analytics") return { status: 200, body: await gw.store.analytics(analyticsQuery(url.searchParams)) };
    if (route === "GET /requests") {
      const limit = intParam(url.searchParams, "limit", 100, 1, 10_000);
      const filter: { key?: string; dapp?: string; chain?: string; limit: number } = { limit };
      for (const f of ["key", "dapp", "chain"] as const) {
        const v = url.searchParams.get(f);
        if (v) filter[f] = v;
      }
      return { status: 200, body: await gw.store.recentRequests(filter) };
    }
    if (route === "GET /bans") return { status: 200, body: gw.abuse.bans() };
    if (route === "GET /upstreams") {
      return { status: 200, body: Object.fromEntries([...gw.pools.entries()].map(([id, pool]) => [id, pool.status()])) };
    }
    if (route === "GET /cu") return { status: 200, body: gw.cu.table() };
    return error(404, `${method} ${url.pathname}: unknown admin route (keys, keys/<key>, keys/<key>/rotate, keys/<key>/revoke, analytics, requests, bans, upstreams, cu, status)`);
  } catch (e) {
    if (e instanceof KeyRequestError) return error(400, e.message);
    throw e;
  }
}
