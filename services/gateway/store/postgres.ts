/**
 * The shared store for gateway replicas on several hosts: PostgreSQL through a `pg.Pool`.
 *
 * - Counters: `reserve` is one INSERT … ON CONFLICT DO UPDATE, which locks the counter's row and computes the grant
 *   from its latest committed value, so replicas never grant more than the ceiling together.
 * - Key changes: `putKey` appends to `gateway_key_changes` and sends NOTIFY `gateway_keys` (payload: the key) in the
 *   same transaction. While listeners are subscribed a dedicated connection LISTENs (reconnecting when it drops) and a
 *   notification makes the store read the table past its cursor; the table is also polled every second, so a
 *   notification lost with a connection still arrives within about a second.
 * - Roll-ups run under a transaction-level advisory lock (one replica at a time); analytics reads in one
 *   REPEATABLE READ snapshot, so a roll-up committing meanwhile is seen wholly or not at all.
 * - `options.schema` puts the tables in their own schema (created when missing; every pooled connection gets
 *   `search_path` set to it) — several gateways, or tests, can share one database.
 */
import pg from "pg";
import { silentLogger, type Logger } from "../../../lib/log";
import type { AnalyticsQuery, AnalyticsResult, ApiKey, Ban, GatewayStore, RequestRow } from "../types";
import {
  ChangeCursor,
  GatewayStoreError,
  schemaSql,
  REQUEST_COLUMNS,
  analyticsParameters,
  analyticsSql,
  assembleAnalytics,
  checkRecentLimit,
  checkReserve,
  emptyAnalytics,
  floorHour,
  hourBackfillSql,
  MIGRATE_TO_HOURS_SQL,
  floorMinute,
  ROLLUP_TABLES,
  notifyListeners,
  parseStoredKey,
  planAnalytics,
  requestValues,
  rollupInsertSql,
  rowToRequest,
  toPgSql,
  type DbRow,
  type Sql,
} from "./index";

export interface PostgresStoreOptions {
  /** Schema holding the tables (created when missing); default: the connection's search_path (usually `public`). */
  schema?: string;
  /** Background problems (a lost LISTEN connection, a failed poll) are logged here (default: silent). */
  logger?: Logger;
  /** Most pooled connections (default 10). */
  poolSize?: number;
  /** Fallback poll of key changes while listeners are subscribed, ms (default 1,000). */
  pollMs?: number;
  /** Wait before reconnecting the LISTEN connection, ms (default 1,000). */
  reconnectMs?: number;
}

/** The NOTIFY channel of key changes. */
export const KEYS_CHANNEL = "gateway_keys";
const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** Rows per INSERT of appendRequests (one unnest statement each). */
const APPEND_CHUNK = 5_000;
const KEY_CHANGES_KEEP_MS = 3_600_000;
/** SQLSTATEs worth retrying a transaction for: serialization failure, deadlock. */
const RETRYABLE = new Set(["40001", "40P01"]);

const ddl = (schema: string | null): string => `${schema === null ? "" : `CREATE SCHEMA IF NOT EXISTS "${schema}";`}${schemaSql("postgres")}`;

/** The array types of {@link REQUEST_COLUMNS} for `unnest`. */
const REQUEST_ARRAY_TYPES: Record<(typeof REQUEST_COLUMNS)[number], string> = {
  ts: "bigint",
  key: "text",
  dapp: "text",
  chain: "text",
  method: "text",
  cu: "integer",
  status: "text",
  error_code: "integer",
  latency_us: "bigint",
  bucket: "smallint",
  cache_hit: "smallint",
  upstream: "text",
  region: "text",
  ip: "text",
  sender: "text",
};

/** `url` with its password replaced by `***` (for messages and logs). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "<unparsable URL>";
  }
}

/** The gateway store in a PostgreSQL database. */
export class PostgresStore implements GatewayStore {
  readonly kind = "postgres" as const;
  /** The URL without its password. */
  readonly safeUrl: string;
  readonly schema: string | null;
  private readonly clientConfig: pg.ClientConfig;
  private readonly pool: pg.Pool;
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly reconnectMs: number;
  private readonly listeners = new Set<(keys: string[]) => void>();
  private cursor: ChangeCursor | null = null;
  private closed = false;
  private poolEnded = false;
  private listenClient: pg.Client | null = null;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private pollTimer: NodeJS.Timeout | null = null;
  private polling = false;
  private pollAgain = false;

  constructor(url: string, options: PostgresStoreOptions = {}) {
    this.safeUrl = redactUrl(url);
    let protocol = "";
    try {
      protocol = new URL(url).protocol;
    } catch {
      // reported below
    }
    if (protocol !== "postgres:" && protocol !== "postgresql:") {
      throw new GatewayStoreError("GATEWAY_STORE_CONNECT", "The gateway's PostgreSQL URL is not a postgres:// URL", {
        details: `got ${this.safeUrl}`,
        hint: "give postgres://user:password@host:5432/database",
      });
    }
    if (options.schema !== undefined && !SCHEMA_NAME.test(options.schema)) {
      throw new GatewayStoreError("GATEWAY_STORE_INPUT", `Invalid PostgreSQL schema name ${JSON.stringify(options.schema)}`, {
        hint: "use lowercase letters, digits and _ (not starting with a digit), at most 63 characters",
      });
    }
    this.schema = options.schema ?? null;
    this.logger = options.logger ?? silentLogger;
    this.pollMs = options.pollMs ?? 1_000;
    this.reconnectMs = options.reconnectMs ?? 1_000;
    this.clientConfig = {
      connectionString: url,
      connectionTimeoutMillis: 10_000,
      ...(this.schema !== null ? { options: `-c search_path=${this.schema}` } : {}),
    };
    this.pool = new pg.Pool({ ...this.clientConfig, max: options.poolSize ?? 10 });
    // An idle pooled connection that dies emits 'error' on the pool; the pool replaces it on the next query.
    this.pool.on("error", (e) => this.logger.warn("idle PostgreSQL connection lost", { err: e, url: this.safeUrl }));
  }

  async init(): Promise<void> {
    await this.transaction("init", async (c) => {
      // Replicas starting together: one creates the schema, the others wait (CREATE … IF NOT EXISTS races otherwise).
      await c.query("SELECT pg_advisory_xact_lock(hashtext('luniverse_gateway_store_init'))");
      await c.query(ddl(this.schema));
      // a database rolled up before hour roll-ups existed: fill them from its minute roll-ups (once, not while rolling up)
      if ((await c.query(MIGRATE_TO_HOURS_SQL)).rows.length > 0) {
        await c.query("SELECT pg_advisory_xact_lock(hashtext('luniverse_gateway_rollup:' || current_schema()))");
        for (const sql of hourBackfillSql()) await c.query(sql);
      }
    });
    const r = await this.query("init", "SELECT COALESCE(MAX(id), 0) AS id FROM gateway_key_changes");
    this.cursor = new ChangeCursor(Number(r[0]!.id));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.listeners.clear();
    this.stopListening();
    if (!this.poolEnded) {
      this.poolEnded = true;
      await this.pool.end();
    }
  }

  // -- keys ---------------------------------------------------------------------------------------------------------

  async putKey(key: ApiKey): Promise<void> {
    await this.transaction("putKey", async (c) => {
      await c.query(
        "INSERT INTO gateway_keys (key, dapp, created_at, data) VALUES ($1, $2, $3, $4) " +
          "ON CONFLICT (key) DO UPDATE SET dapp = excluded.dapp, created_at = excluded.created_at, data = excluded.data",
        [key.key, key.dapp, Math.floor(key.createdAt), JSON.stringify(key)],
      );
      await c.query("INSERT INTO gateway_key_changes (key, at) VALUES ($1, $2)", [key.key, Date.now()]);
      await c.query("SELECT pg_notify($1, $2)", [KEYS_CHANNEL, key.key]); // delivered at commit
    });
    if (this.listeners.size > 0) this.poll();
  }

  async getKey(key: string): Promise<ApiKey | null> {
    const rows = await this.query("getKey", "SELECT data FROM gateway_keys WHERE key = $1", [key]);
    return rows.length === 0 ? null : parseStoredKey(rows[0]!.data);
  }

  async listKeys(filter: { dapp?: string } = {}): Promise<ApiKey[]> {
    const rows =
      filter.dapp === undefined
        ? await this.query("listKeys", `SELECT data FROM gateway_keys ORDER BY created_at DESC, key COLLATE "C"`)
        : await this.query("listKeys", `SELECT data FROM gateway_keys WHERE dapp = $1 ORDER BY created_at DESC, key COLLATE "C"`, [filter.dapp]);
    return rows.map((r) => parseStoredKey(r.data));
  }

  onKeysChanged(listener: (keys: string[]) => void): () => void {
    this.listeners.add(listener);
    if (this.listeners.size === 1 && !this.closed) this.startListening();
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopListening();
    };
  }

  private startListening(): void {
    if (this.pollTimer === null) {
      this.pollTimer = setInterval(() => this.poll(), this.pollMs);
      this.pollTimer.unref();
    }
    void this.connectListener();
  }

  private stopListening(): void {
    if (this.pollTimer !== null) clearInterval(this.pollTimer);
    this.pollTimer = null;
    if (this.reconnectTimer !== null) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    const c = this.listenClient;
    this.listenClient = null;
    if (c !== null) c.end().catch(() => undefined);
  }

  /** Opens the LISTEN connection; on failure or when it drops, tries again after `reconnectMs`. */
  private async connectListener(): Promise<void> {
    if (this.closed || this.listeners.size === 0 || this.listenClient !== null) return;
    const client = new pg.Client(this.clientConfig);
    this.listenClient = client;
    let failed = false;
    const lost = (e?: Error): void => {
      if (failed) return;
      failed = true;
      if (this.listenClient !== client) return; // stopped on purpose
      this.listenClient = null;
      client.end().catch(() => undefined);
      if (this.closed || this.listeners.size === 0) return;
      this.logger.warn("LISTEN connection lost; reconnecting", { err: e, url: this.safeUrl, inMs: this.reconnectMs });
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        void this.connectListener();
      }, this.reconnectMs);
      this.reconnectTimer.unref();
    };
    client.on("error", lost);
    client.on("end", () => lost(new Error("connection ended")));
    client.on("notification", (n) => {
      if (n.channel === KEYS_CHANNEL) this.poll();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${KEYS_CHANNEL}`);
      if (this.listenClient === client) this.poll(); // catch up on what happened while not listening
    } catch (e) {
      lost(e as Error);
    }
  }

  /** Reads key changes past the cursor and tells the listeners; calls during a poll make it run once more. */
  private poll(): void {
    if (this.closed || this.cursor === null || this.listeners.size === 0) return;
    if (this.polling) {
      this.pollAgain = true;
      return;
    }
    this.polling = true;
    const cursor = this.cursor;
    this.pool
      .query("SELECT id, key FROM gateway_key_changes WHERE id > $1 ORDER BY id LIMIT 10000", [cursor.after])
      .then((res) => {
        const rows = res.rows.map((r: DbRow) => ({ id: Number(r.id), key: String(r.key) }));
        notifyListeners(this.listeners, cursor.take(rows, Date.now()), this.logger);
      })
      .catch((e: unknown) => {
        if (!this.closed) this.logger.warn("polling key changes failed", { err: e, url: this.safeUrl });
      })
      .finally(() => {
        this.polling = false;
        if (this.pollAgain) {
          this.pollAgain = false;
          this.poll();
        }
      });
  }

  // -- counters, replicas, bans -------------------------------------------------------------------------------------

  async reserve(counter: string, amount: number, limit: number, expiresAt: number): Promise<number> {
    const fresh = Math.max(0, checkReserve(counter, amount, limit));
    // ON CONFLICT DO UPDATE locks the row and evaluates SET on its latest committed version: atomic across replicas.
    // SET expressions see the old row, so last_grant is the grant of this very statement.
    const rows = await this.query(
      "reserve",
      "INSERT INTO gateway_counters AS c (name, used, limit_, expires_at, last_grant) VALUES ($1, $2::bigint, $3::bigint, $4::bigint, $2::bigint) " +
        "ON CONFLICT (name) DO UPDATE SET " +
        "last_grant = CASE WHEN c.expires_at <= $6::bigint THEN $2::bigint ELSE GREATEST(0, LEAST($5::bigint, $3::bigint - c.used)) END, " +
        "used = CASE WHEN c.expires_at <= $6::bigint THEN $2::bigint ELSE c.used + GREATEST(0, LEAST($5::bigint, $3::bigint - c.used)) END, " +
        "limit_ = $3::bigint, " +
        "expires_at = CASE WHEN c.expires_at <= $6::bigint THEN $4::bigint ELSE GREATEST(c.expires_at, $4::bigint) END " +
        "RETURNING last_grant",
      [counter, fresh, limit, Math.floor(expiresAt), amount, Date.now()],
    );
    return Number(rows[0]!.last_grant);
  }

  async release(counter: string, amount: number): Promise<void> {
    if (!(amount > 0)) return;
    await this.query("release", "UPDATE gateway_counters SET used = GREATEST(0, used - $1::bigint) WHERE name = $2", [Math.floor(amount), counter]);
  }

  async counters(names: string[]): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const n of names) out[n] = 0;
    if (names.length === 0) return out;
    const rows = await this.query(
      "counters",
      "SELECT name, CASE WHEN expires_at <= $2::bigint THEN 0 ELSE used END AS used FROM gateway_counters WHERE name = ANY($1::text[])",
      [names, Date.now()],
    );
    for (const r of rows) out[String(r.name)] = Number(r.used);
    return out;
  }

  async heartbeat(replicaId: string, ttlMs: number): Promise<number> {
    const now = Date.now();
    const rows = await this.query(
      "heartbeat",
      "WITH up AS (INSERT INTO gateway_replicas (id, seen_until) VALUES ($1, $2::bigint) ON CONFLICT (id) DO UPDATE SET seen_until = excluded.seen_until RETURNING id) " +
        // the statement's snapshot does not see its own upsert: count the others, then this one
        "SELECT (SELECT COUNT(*) FROM gateway_replicas WHERE seen_until > $3::bigint AND id <> $1) + (SELECT COUNT(*) FROM up) AS n",
      [replicaId, now + Math.max(0, Math.floor(ttlMs)), now],
    );
    return Number(rows[0]!.n);
  }

  async putBan(ban: Ban): Promise<void> {
    await this.query(
      "putBan",
      "INSERT INTO gateway_bans (subject, until, rule, reason) VALUES ($1, $2, $3, $4) " +
        "ON CONFLICT (subject) DO UPDATE SET until = excluded.until, rule = excluded.rule, reason = excluded.reason",
      [ban.subject, Math.floor(ban.until), ban.rule, ban.reason],
    );
  }

  async activeBans(now: number): Promise<Ban[]> {
    const rows = await this.query("activeBans", `SELECT subject, until, rule, reason FROM gateway_bans WHERE until > $1 ORDER BY subject COLLATE "C"`, [
      Math.floor(now),
    ]);
    return rows.map((r) => ({ subject: String(r.subject), until: Number(r.until), rule: String(r.rule), reason: String(r.reason) }));
  }

  // -- request log ----------------------------------------------------------------------------------------------------

  async appendRequests(rows: RequestRow[]): Promise<void> {
    if (rows.length === 0) return;
    // One statement per chunk: the columns as arrays through unnest (one round trip, no 65,535-parameter ceiling).
    const text =
      `INSERT INTO gateway_requests (${REQUEST_COLUMNS.join(", ")}) SELECT * FROM unnest(` +
      REQUEST_COLUMNS.map((c, i) => `$${i + 1}::${REQUEST_ARRAY_TYPES[c]}[]`).join(", ") +
      ")";
    const columnsOf = (chunk: RequestRow[]): unknown[][] => {
      const cols: unknown[][] = REQUEST_COLUMNS.map(() => new Array<unknown>(chunk.length));
      chunk.forEach((r, j) => requestValues(r).forEach((v, i) => (cols[i]![j] = v)));
      return cols;
    };
    if (rows.length <= APPEND_CHUNK) {
      await this.query("appendRequests", text, columnsOf(rows));
      return;
    }
    await this.transaction("appendRequests", async (c) => {
      for (let i = 0; i < rows.length; i += APPEND_CHUNK) await c.query(text, columnsOf(rows.slice(i, i + APPEND_CHUNK)));
    });
  }

  async rollup(now: number): Promise<number> {
    const until = floorMinute(now);
    const inserts = rollupInsertSql("f WHERE true", []);
    // One statement: flag the raw rows and fold exactly those (the UPDATE's RETURNING) into the minute and hour roll-ups.
    const text =
      "WITH f AS (UPDATE gateway_requests SET rolled = 1 WHERE rolled = 0 AND ts < ? " +
      "RETURNING ts, key, dapp, chain, method, cu, status, bucket, cache_hit, ip, sender), " +
      inserts.map((s, i) => `r${i} AS (${s.text})`).join(", ") +
      " SELECT COUNT(*) AS n FROM f";
    return this.transaction("rollup", async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtext('luniverse_gateway_rollup:' || current_schema()))");
      const res = await c.query(toPgSql(text), [until]);
      return Number((res.rows[0] as DbRow).n);
    });
  }

  async retention(now: number, rawMaxAgeMs: number, rollupMaxAgeMs: number): Promise<{ raw: number; rollups: number }> {
    const rawBefore = floorMinute(now - rawMaxAgeMs);
    const rollupsBefore = floorMinute(now - rollupMaxAgeMs);
    return this.transaction("retention", async (c) => {
      // Only rolled-up rows go: a raw row not folded yet is still the only record of its request.
      const raw = (await c.query("DELETE FROM gateway_requests WHERE rolled = 1 AND ts < $1", [rawBefore])).rowCount ?? 0;
      await c.query("UPDATE gateway_meta SET value = GREATEST(value, $1::bigint) WHERE name = 'raw_kept_from'", [rawBefore]);
      let rollups = 0;
      // an hour roll-up goes once its whole hour is older than the cut-off
      for (const { table, col } of ROLLUP_TABLES) {
        rollups += (await c.query(`DELETE FROM ${table} WHERE ${col} < $1`, [col === "hour" ? floorHour(rollupsBefore) : rollupsBefore])).rowCount ?? 0;
      }
      const wall = Date.now();
      await c.query("DELETE FROM gateway_counters WHERE expires_at <= $1", [wall]);
      await c.query("DELETE FROM gateway_bans WHERE until <= $1", [Math.floor(now)]);
      await c.query("DELETE FROM gateway_replicas WHERE seen_until <= $1", [wall - KEY_CHANGES_KEEP_MS]);
      await c.query("DELETE FROM gateway_key_changes WHERE at < $1", [wall - KEY_CHANGES_KEEP_MS]);
      return { raw, rollups };
    });
  }

  async analytics(query: AnalyticsQuery): Promise<AnalyticsResult> {
    const { top, bucketMs } = analyticsParameters(query);
    if (!(query.to > query.from)) return emptyAnalytics(query);
    return this.transaction(
      "analytics",
      async (c) => {
        const meta = await c.query("SELECT value FROM gateway_meta WHERE name = 'raw_kept_from'");
        const keptFrom = Number((meta.rows[0] as DbRow).value);
        const sql = analyticsSql(query, planAnalytics(query.from, query.to, keptFrom), bucketMs, top, { collateBinary: ' COLLATE "C"' });
        const all = async (s: Sql): Promise<DbRow[]> => (await c.query(toPgSql(s.text), s.params)).rows as DbRow[];
        return assembleAnalytics(query, bucketMs, {
          rollupTotals: (await all(sql.rollupTotals))[0]!,
          rawTotals: (await all(sql.rawTotals))[0]!,
          rawHistogram: await all(sql.rawHistogram),
          topMethods: await all(sql.topMethods),
          topKeys: await all(sql.topKeys),
          topDapps: await all(sql.topDapps),
          topSenders: await all(sql.topSenders),
          topIps: await all(sql.topIps),
          series: await all(sql.series),
        });
      },
      "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    );
  }

  async recentRequests(filter: { key?: string; dapp?: string; chain?: string; limit: number }): Promise<RequestRow[]> {
    const limit = checkRecentLimit(filter.limit);
    const cols = (["key", "dapp", "chain"] as const).filter((c) => filter[c] !== undefined);
    const where = cols.length === 0 ? "" : ` WHERE ${cols.map((c, i) => `${c} = $${i + 1}`).join(" AND ")}`;
    const rows = await this.query("recentRequests", `SELECT * FROM gateway_requests${where} ORDER BY ts DESC, id DESC LIMIT $${cols.length + 1}`, [
      ...cols.map((c) => filter[c]),
      limit,
    ]);
    return rows.map(rowToRequest);
  }

  // -- plumbing -----------------------------------------------------------------------------------------------------

  private checkOpen(op: string): void {
    if (this.closed) throw new GatewayStoreError("GATEWAY_STORE_CLOSED", `The gateway's PostgreSQL store ${this.safeUrl} is closed`, { details: op });
  }

  /** One statement on a pooled connection. */
  private async query(op: string, text: string, params: unknown[] = []): Promise<DbRow[]> {
    this.checkOpen(op);
    try {
      return (await this.pool.query(text, params)).rows as DbRow[];
    } catch (e) {
      throw this.wrap(op, e);
    }
  }

  /** Runs `fn` in one transaction on one connection, retrying it on a serialization failure or deadlock. */
  private async transaction<T>(op: string, fn: (c: pg.PoolClient) => Promise<T>, begin = "BEGIN"): Promise<T> {
    this.checkOpen(op);
    for (let attempt = 1; ; attempt++) {
      let client: pg.PoolClient;
      try {
        client = await this.pool.connect();
      } catch (e) {
        throw this.wrap(op, e);
      }
      let broken = false;
      try {
        await client.query(begin);
        const out = await fn(client);
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => (broken = true));
        const code = (e as { code?: unknown }).code;
        if (attempt < 3 && typeof code === "string" && RETRYABLE.has(code)) continue;
        throw this.wrap(op, e);
      } finally {
        client.release(broken);
      }
    }
  }

  /** A driver error as a {@link GatewayStoreError} saying whether the server is unreachable or the query failed. */
  private wrap(op: string, e: unknown): GatewayStoreError {
    if (e instanceof GatewayStoreError) return e;
    const err = e as Error & { code?: unknown };
    const code = typeof err.code === "string" ? err.code : "";
    const connect =
      ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT", "ECONNRESET", "EHOSTUNREACH", "28P01", "28000", "3D000", "57P03"].includes(code) ||
      /timeout expired|Connection terminated/i.test(err.message ?? "");
    if (connect) {
      return new GatewayStoreError("GATEWAY_STORE_CONNECT", `Cannot reach the gateway's PostgreSQL store at ${this.safeUrl}`, {
        details: `${op}: ${err.message || code}`,
        hint:
          code === "28P01" || code === "28000"
            ? "check the user and password in the URL"
            : code === "3D000"
              ? "create the database (createdb) or fix its name in the URL"
              : "check that the server runs and accepts TCP connections at that host and port",
        cause: e,
      });
    }
    return new GatewayStoreError("GATEWAY_STORE", `PostgreSQL store ${this.safeUrl}: ${op} failed`, {
      details: `${err.message}${code ? ` (SQLSTATE ${code})` : ""}`,
      ...(code === "42P01" ? { hint: "call init() (openStore does) before using the store" } : {}),
      cause: e,
    });
  }
}
