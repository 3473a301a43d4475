/**
 * The embedded store: one SQLite file (WAL, synchronous=NORMAL) that several gateway processes on one host may share.
 * better-sqlite3 is synchronous; every method wraps its work in a promise so that callers see one interface with the
 * PostgreSQL store. Writes that must be atomic run in one IMMEDIATE transaction (SQLite has one writer at a time, so a
 * counter's reserve is atomic across processes too).
 *
 * Key changes: `putKey` appends to `gateway_key_changes`; while listeners are subscribed the store polls that table
 * every 200 ms (other processes' changes) and at once after a change of its own.
 */
import Database from "better-sqlite3";
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
  type DbRow,
  type Sql,
} from "./index";

export interface SqliteStoreOptions {
  /** Background problems (a failed poll, a throwing listener) are logged here (default: silent). */
  logger?: Logger;
  /** How long a statement waits for another process's write lock, ms (default 5,000). */
  busyTimeoutMs?: number;
  /** Poll interval of key changes while listeners are subscribed, ms (default 200). */
  pollMs?: number;
}

/** How long key-change rows are kept (a listener reads them within a poll). */
const KEY_CHANGES_KEEP_MS = 3_600_000;

const SCHEMA = schemaSql("sqlite");

/** The gateway store in one SQLite file (or `:memory:`). */
export class SqliteStore implements GatewayStore {
  readonly kind = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly logger: Logger;
  private readonly pollMs: number;
  private readonly listeners = new Set<(keys: string[]) => void>();
  private cursor: ChangeCursor | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pollSoon: NodeJS.Immediate | null = null;

  constructor(readonly file: string, options: SqliteStoreOptions = {}) {
    this.logger = options.logger ?? silentLogger;
    this.pollMs = options.pollMs ?? 200;
    try {
      this.db = new Database(file);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5_000}`);
    } catch (e) {
      throw new GatewayStoreError("GATEWAY_STORE_CONNECT", `Cannot open the gateway's SQLite store ${file}`, {
        details: (e as Error).message,
        hint: "check that the folder exists and is writable (openStore creates it)",
        cause: e,
      });
    }
  }

  async init(): Promise<void> {
    this.guard("init", () => {
      this.db.exec(SCHEMA);
      this.db
        .transaction(() => {
          // a database rolled up before hour roll-ups existed: fill them from its minute roll-ups (once)
          if (this.stmt(MIGRATE_TO_HOURS_SQL).get() !== undefined) for (const sql of hourBackfillSql()) this.stmt(sql).run();
        })
        .immediate();
      const row = this.stmt("SELECT COALESCE(MAX(id), 0) AS id FROM gateway_key_changes").get() as DbRow;
      this.cursor = new ChangeCursor(Number(row.id));
    });
  }

  async close(): Promise<void> {
    this.stopPolling();
    if (this.pollSoon) clearImmediate(this.pollSoon);
    this.pollSoon = null;
    this.listeners.clear();
    this.statements.clear();
    if (this.db.open) this.db.close();
  }

  // -- keys ---------------------------------------------------------------------------------------------------------

  async putKey(key: ApiKey): Promise<void> {
    this.guard("putKey", () => {
      this.db
        .transaction(() => {
          this.stmt(
            "INSERT INTO gateway_keys (key, dapp, created_at, data) VALUES (?, ?, ?, ?) " +
              "ON CONFLICT (key) DO UPDATE SET dapp = excluded.dapp, created_at = excluded.created_at, data = excluded.data",
          ).run(key.key, key.dapp, key.createdAt, JSON.stringify(key));
          this.stmt("INSERT INTO gateway_key_changes (key, at) VALUES (?, ?)").run(key.key, Date.now());
        })
        .immediate();
    });
    if (this.listeners.size > 0) this.schedulePoll();
  }

  async getKey(key: string): Promise<ApiKey | null> {
    return this.guard("getKey", () => {
      const row = this.stmt("SELECT data FROM gateway_keys WHERE key = ?").get(key) as DbRow | undefined;
      return row ? parseStoredKey(row.data) : null;
    });
  }

  async listKeys(filter: { dapp?: string } = {}): Promise<ApiKey[]> {
    return this.guard("listKeys", () => {
      const rows = (
        filter.dapp === undefined
          ? this.stmt("SELECT data FROM gateway_keys ORDER BY created_at DESC, key").all()
          : this.stmt("SELECT data FROM gateway_keys WHERE dapp = ? ORDER BY created_at DESC, key").all(filter.dapp)
      ) as DbRow[];
      return rows.map((r) => parseStoredKey(r.data));
    });
  }

  onKeysChanged(listener: (keys: string[]) => void): () => void {
    this.listeners.add(listener);
    if (this.timer === null && this.db.open) {
      this.timer = setInterval(() => this.poll(), this.pollMs);
      this.timer.unref();
    }
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stopPolling();
    };
  }

  private schedulePoll(): void {
    if (this.pollSoon !== null) return;
    this.pollSoon = setImmediate(() => {
      this.pollSoon = null;
      this.poll();
    });
  }

  /** Reads key changes past the cursor and tells the listeners. */
  private poll(): void {
    if (!this.db.open || this.cursor === null || this.listeners.size === 0) return;
    try {
      const rows = this.stmt("SELECT id, key FROM gateway_key_changes WHERE id > ? ORDER BY id LIMIT 10000").all(this.cursor.after) as {
        id: number;
        key: string;
      }[];
      notifyListeners(this.listeners, this.cursor.take(rows, Date.now()), this.logger);
    } catch (e) {
      this.logger.warn("polling key changes failed", { err: e, file: this.file });
    }
  }

  private stopPolling(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  // -- counters, replicas, bans -------------------------------------------------------------------------------------

  async reserve(counter: string, amount: number, limit: number, expiresAt: number): Promise<number> {
    const fresh = Math.max(0, checkReserve(counter, amount, limit));
    return this.guard("reserve", () => {
      // One statement: SQLite's write lock makes it atomic across connections and processes. SET sees the old row.
      const row = this.stmt(
        "INSERT INTO gateway_counters (name, used, limit_, expires_at, last_grant) VALUES (@name, @fresh, @limit, @expiresAt, @fresh) " +
          "ON CONFLICT (name) DO UPDATE SET " +
          "last_grant = CASE WHEN expires_at <= @now THEN @fresh ELSE MAX(0, MIN(@amount, @limit - used)) END, " +
          "used = CASE WHEN expires_at <= @now THEN @fresh ELSE used + MAX(0, MIN(@amount, @limit - used)) END, " +
          "limit_ = @limit, " +
          "expires_at = CASE WHEN expires_at <= @now THEN @expiresAt ELSE MAX(expires_at, @expiresAt) END " +
          "RETURNING last_grant",
      ).get({ name: counter, fresh, limit, amount, expiresAt: Math.floor(expiresAt), now: Date.now() }) as DbRow;
      return Number(row.last_grant);
    });
  }

  async release(counter: string, amount: number): Promise<void> {
    if (!(amount > 0)) return;
    this.guard("release", () => {
      this.stmt("UPDATE gateway_counters SET used = MAX(0, used - ?) WHERE name = ?").run(Math.floor(amount), counter);
    });
  }

  async counters(names: string[]): Promise<Record<string, number>> {
    return this.guard("counters", () => {
      const out: Record<string, number> = {};
      for (const n of names) out[n] = 0;
      if (names.length === 0) return out;
      const rows = this.stmt(
        "SELECT name, CASE WHEN expires_at <= ? THEN 0 ELSE used END AS used FROM gateway_counters WHERE name IN (SELECT value FROM json_each(?))",
      ).all(Date.now(), JSON.stringify(names)) as DbRow[];
      for (const r of rows) out[String(r.name)] = Number(r.used);
      return out;
    });
  }

  async heartbeat(replicaId: string, ttlMs: number): Promise<number> {
    return this.guard("heartbeat", () => {
      const now = Date.now();
      this.stmt("INSERT INTO gateway_replicas (id, seen_until) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET seen_until = excluded.seen_until").run(
        replicaId,
        now + Math.max(0, Math.floor(ttlMs)),
      );
      return Number((this.stmt("SELECT COUNT(*) AS n FROM gateway_replicas WHERE seen_until > ?").get(now) as DbRow).n);
    });
  }

  async putBan(ban: Ban): Promise<void> {
    this.guard("putBan", () => {
      this.stmt(
        "INSERT INTO gateway_bans (subject, until, rule, reason) VALUES (?, ?, ?, ?) " +
          "ON CONFLICT (subject) DO UPDATE SET until = excluded.until, rule = excluded.rule, reason = excluded.reason",
      ).run(ban.subject, Math.floor(ban.until), ban.rule, ban.reason);
    });
  }

  async activeBans(now: number): Promise<Ban[]> {
    return this.guard("activeBans", () => {
      const rows = this.stmt("SELECT subject, until, rule, reason FROM gateway_bans WHERE until > ? ORDER BY subject").all(now) as DbRow[];
      return rows.map((r) => ({ subject: String(r.subject), until: Number(r.until), rule: String(r.rule), reason: String(r.reason) }));
    });
  }

  // -- request log ----------------------------------------------------------------------------------------------------

  async appendRequests(rows: RequestRow[]): Promise<void> {
    if (rows.length === 0) return;
    this.guard("appendRequests", () => {
      const insert = this.stmt(`INSERT INTO gateway_requests (${REQUEST_COLUMNS.join(", ")}) VALUES (${REQUEST_COLUMNS.map(() => "?").join(", ")})`);
      this.db
        .transaction(() => {
          for (const r of rows) insert.run(requestValues(r));
        })
        .immediate();
    });
  }

  async rollup(now: number): Promise<number> {
    const until = floorMinute(now);
    return this.guard("rollup", () =>
      this.db
        .transaction(() => {
          for (const s of rollupInsertSql("gateway_requests WHERE rolled = 0 AND ts < ?", [until])) this.stmt(s.text).run(s.params);
          return this.stmt("UPDATE gateway_requests SET rolled = 1 WHERE rolled = 0 AND ts < ?").run(until).changes;
        })
        .immediate(),
    );
  }

  async retention(now: number, rawMaxAgeMs: number, rollupMaxAgeMs: number): Promise<{ raw: number; rollups: number }> {
    const rawBefore = floorMinute(now - rawMaxAgeMs);
    const rollupsBefore = floorMinute(now - rollupMaxAgeMs);
    return this.guard("retention", () =>
      this.db
        .transaction(() => {
          // Only rolled-up rows go: a raw row not folded yet is still the only record of its request.
          const raw = this.stmt("DELETE FROM gateway_requests WHERE rolled = 1 AND ts < ?").run(rawBefore).changes;
          this.stmt("UPDATE gateway_meta SET value = MAX(value, ?) WHERE name = 'raw_kept_from'").run(rawBefore);
          let rollups = 0;
          // an hour roll-up goes once its whole hour is older than the cut-off
          for (const { table, col } of ROLLUP_TABLES) {
            rollups += this.stmt(`DELETE FROM ${table} WHERE ${col} < ?`).run(col === "hour" ? floorHour(rollupsBefore) : rollupsBefore).changes;
          }
          const wall = Date.now();
          this.stmt("DELETE FROM gateway_counters WHERE expires_at <= ?").run(wall);
          this.stmt("DELETE FROM gateway_bans WHERE until <= ?").run(now);
          this.stmt("DELETE FROM gateway_replicas WHERE seen_until <= ?").run(wall - KEY_CHANGES_KEEP_MS);
          this.stmt("DELETE FROM gateway_key_changes WHERE at < ?").run(wall - KEY_CHANGES_KEEP_MS);
          return { raw, rollups };
        })
        .immediate(),
    );
  }

  async analytics(query: AnalyticsQuery): Promise<AnalyticsResult> {
    const { top, bucketMs } = analyticsParameters(query);
    if (!(query.to > query.from)) return emptyAnalytics(query);
    return this.guard("analytics", () =>
      // One read transaction: every statement sees the same snapshot, also while another process rolls up.
      this.db.transaction(() => {
        const keptFrom = Number((this.stmt("SELECT value FROM gateway_meta WHERE name = 'raw_kept_from'").get() as DbRow).value);
        const sql = analyticsSql(query, planAnalytics(query.from, query.to, keptFrom), bucketMs, top, { collateBinary: "" });
        const one = (s: Sql): DbRow => this.stmt(s.text).get(s.params) as DbRow;
        const all = (s: Sql): DbRow[] => this.stmt(s.text).all(s.params) as DbRow[];
        return assembleAnalytics(query, bucketMs, {
          rollupTotals: one(sql.rollupTotals),
          rawTotals: one(sql.rawTotals),
          rawHistogram: all(sql.rawHistogram),
          topMethods: all(sql.topMethods),
          topKeys: all(sql.topKeys),
          topDapps: all(sql.topDapps),
          topSenders: all(sql.topSenders),
          topIps: all(sql.topIps),
          series: all(sql.series),
        });
      })(),
    );
  }

  async recentRequests(filter: { key?: string; dapp?: string; chain?: string; limit: number }): Promise<RequestRow[]> {
    const limit = checkRecentLimit(filter.limit);
    return this.guard("recentRequests", () => {
      const cols = (["key", "dapp", "chain"] as const).filter((c) => filter[c] !== undefined);
      const where = cols.length === 0 ? "" : ` WHERE ${cols.map((c) => `${c} = ?`).join(" AND ")}`;
      const rows = this.stmt(`SELECT * FROM gateway_requests${where} ORDER BY ts DESC, id DESC LIMIT ?`).all(
        ...cols.map((c) => filter[c]),
        limit,
      ) as DbRow[];
      return rows.map(rowToRequest);
    });
  }

  // -- plumbing -----------------------------------------------------------------------------------------------------

  /** A prepared statement, cached by its text. */
  private stmt(sql: string): Database.Statement {
    let s = this.statements.get(sql);
    if (s === undefined) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  /** Runs `fn`, turning a closed store and SQLite's errors into {@link GatewayStoreError}s. */
  private guard<T>(op: string, fn: () => T): T {
    if (!this.db.open) throw new GatewayStoreError("GATEWAY_STORE_CLOSED", `The gateway's SQLite store ${this.file} is closed`, { details: op });
    try {
      return fn();
    } catch (e) {
      if (e instanceof GatewayStoreError) throw e;
      const msg = (e as Error).message;
      throw new GatewayStoreError("GATEWAY_STORE", `SQLite store ${this.file}: ${op} failed`, {
        details: msg,
        ...(/no such table/.test(msg) ? { hint: "call init() (openStore does) before using the store" } : {}),
        ...(/SQLITE_BUSY|database is locked/i.test(msg) ? { hint: "another process holds the write lock too long" } : {}),
        cause: e,
      });
    }
  }
}
