/**
 * The gateway's store: {@link openStore} picks the backend (SQLite embedded, PostgreSQL for replicas on several
 * hosts), and this module holds what both backends share so that they answer alike — the latency histogram, the
 * analytics plan (which minutes come from roll-ups, which rows from the raw log), the analytics and roll-up SQL, the
 * key-change cursor and the store's error.
 *
 * The request log: raw rows (`gateway_requests`) are folded by `rollup()` into per-minute roll-ups
 * (`gateway_rollups`, `gateway_sender_rollups`, `gateway_ip_rollups`) and, by the same upsert-add, per-hour roll-ups
 * (`gateway_rollups_hour`, `gateway_sender_rollups_hour`, `gateway_ip_rollups_hour`), and flagged `rolled = 1` in the
 * same transaction. Analytics reads hour roll-ups for whole hours, minute roll-ups for the other whole minutes (and for
 * series with buckets under an hour) and only the raw rows not rolled up yet (plus, at a window's
 * partial edge minutes, the raw rows themselves while they are kept), so every request counts exactly once — also a
 * row that arrives late, after its minute was rolled up: it is simply folded by the next roll-up. The main roll-ups
 * keep the key and the DApp of their requests, so the top keys and DApps come from the same sources as the totals.
 */
import fs from "node:fs";
import path from "node:path";
import { LuniverseError, type LuniverseErrorOptions } from "../../../lib/errors";
import type { Logger } from "../../../lib/log";
import type { AnalyticsQuery, AnalyticsResult, ApiKey, GatewayStore, RequestRow, RequestStatus } from "../types";

// ---------------------------------------------------------------------------------------------------------------
// Errors

export type GatewayStoreErrorCode =
  | "GATEWAY_STORE" // a query failed
  | "GATEWAY_STORE_CONNECT" // the database cannot be opened or reached
  | "GATEWAY_STORE_INPUT" // an argument is out of range (analytics window, limit)
  | "GATEWAY_STORE_CLOSED"; // the store was used after close() (or before init())

/** A store error whose message says what failed and what to do next. */
export class GatewayStoreError extends LuniverseError<GatewayStoreErrorCode> {
  override name = "GatewayStoreError";
  constructor(code: GatewayStoreErrorCode, message: string, options: LuniverseErrorOptions = {}) {
    super(code, message, options);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Opening a store

export type StoreSpec = { kind: "sqlite"; path: string } | { kind: "postgres"; url: string; schema?: string };

export interface OpenStoreOptions {
  /** Background problems (a lost LISTEN connection, a failed poll) are logged here (default: silent). */
  logger?: Logger;
}

/**
 * Opens the store `spec` names and creates its schema when missing. For SQLite the file's folder is created; for
 * PostgreSQL the server must be reachable (the error names the URL, without its password).
 */
export async function openStore(spec: StoreSpec, options: OpenStoreOptions = {}): Promise<GatewayStore> {
  let store: GatewayStore;
  if (spec.kind === "sqlite") {
    if (spec.path !== ":memory:") fs.mkdirSync(path.dirname(path.resolve(spec.path)), { recursive: true });
    const { SqliteStore } = await import("./sqlite");
    store = new SqliteStore(spec.path, options);
  } else {
    const { PostgresStore } = await import("./postgres");
    store = new PostgresStore(spec.url, { ...(spec.schema !== undefined ? { schema: spec.schema } : {}), ...options });
  }
  try {
    await store.init();
  } catch (e) {
    await store.close();
    throw e;
  }
  return store;
}

/**
 * The schema's version: 2 added the hour roll-ups. A database of version 1 gets them filled from its minute roll-ups
 * by {@link hourBackfillSql} when a store opens it ({@link MIGRATE_TO_HOURS_SQL} tells whether it must).
 */
export const SCHEMA_VERSION = 2;

/** Moves a version-1 database to version 2; returns a row only when this call did (then run {@link hourBackfillSql}). */
export const MIGRATE_TO_HOURS_SQL = "UPDATE gateway_meta SET value = 2 WHERE name = 'schema_version' AND value < 2 RETURNING value";

/**
 * Fills the hour roll-ups from the minute roll-ups (a database rolled up before hour roll-ups existed): each hour is
 * the exact sum of its minutes.
 */
export function hourBackfillSql(): string[] {
  const [minute, hour] = ROLLUP_LEVELS;
  const h = `minute - (minute % ${HOUR_MS})`;
  const add = (table: string, cols: readonly string[]): string => cols.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(", ");
  const sums = ["requests", "errors", "rejected", "cu", "cache_hits", ...HISTOGRAM_COLUMNS];
  return [
    `INSERT INTO ${hour.main} (hour, key, dapp, chain, method, ${sums.join(", ")}) ` +
      `SELECT ${h}, key, dapp, chain, method, ${sums.map((c) => `SUM(${c})`).join(", ")} FROM ${minute.main} GROUP BY 1, 2, 3, 4, 5 ` +
      `ON CONFLICT (hour, key, dapp, chain, method) DO UPDATE SET ${add(hour.main, sums)}`,
    ...(["sender", "ip"] as const).map(
      (col) =>
        `INSERT INTO ${hour[col]} (hour, key, dapp, chain, method, ${col}, requests) ` +
        `SELECT ${h}, key, dapp, chain, method, ${col}, SUM(requests) FROM ${minute[col]} GROUP BY 1, 2, 3, 4, 5, 6 ` +
        `ON CONFLICT (hour, key, dapp, chain, method, ${col}) DO UPDATE SET ${add(hour[col], ["requests"])}`,
    ),
  ];
}

/**
 * The tables, in either dialect (the same tables and columns; SQLite's INTEGER is PostgreSQL's BIGINT or SMALLINT).
 */
export function schemaSql(dialect: "sqlite" | "postgres"): string {
  const pg = dialect === "postgres";
  const int = pg ? "BIGINT" : "INTEGER";
  const small = pg ? "SMALLINT" : "INTEGER";
  return `
CREATE TABLE IF NOT EXISTS gateway_meta (name TEXT PRIMARY KEY, value ${int} NOT NULL);
CREATE TABLE IF NOT EXISTS gateway_keys (key TEXT PRIMARY KEY, dapp TEXT NOT NULL, created_at ${int} NOT NULL, data TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS gateway_keys_dapp ON gateway_keys (dapp, created_at);
CREATE TABLE IF NOT EXISTS gateway_key_changes (id ${pg ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT"}, key TEXT NOT NULL, at ${int} NOT NULL);
CREATE TABLE IF NOT EXISTS gateway_counters (
  name TEXT PRIMARY KEY, used ${int} NOT NULL, limit_ ${int} NOT NULL, expires_at ${int} NOT NULL, last_grant ${int} NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS gateway_replicas (id TEXT PRIMARY KEY, seen_until ${int} NOT NULL);
CREATE TABLE IF NOT EXISTS gateway_bans (subject TEXT PRIMARY KEY, until ${int} NOT NULL, rule TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gateway_requests (
  id ${pg ? "BIGSERIAL" : "INTEGER"} PRIMARY KEY, ts ${int} NOT NULL, key TEXT, dapp TEXT, chain TEXT NOT NULL, method TEXT NOT NULL, cu INTEGER NOT NULL,
  status TEXT NOT NULL, error_code INTEGER, latency_us ${int} NOT NULL, bucket ${small} NOT NULL, cache_hit ${small} NOT NULL,
  upstream TEXT, region TEXT, ip TEXT NOT NULL, sender TEXT, rolled ${small} NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS gateway_requests_ts ON gateway_requests (ts);
CREATE INDEX IF NOT EXISTS gateway_requests_key_ts ON gateway_requests (key, ts);
CREATE INDEX IF NOT EXISTS gateway_requests_rolled_ts ON gateway_requests (rolled, ts);
CREATE TABLE IF NOT EXISTS gateway_rollups (
  minute ${int} NOT NULL, key TEXT NOT NULL, dapp TEXT NOT NULL, chain TEXT NOT NULL, method TEXT NOT NULL,
  requests ${int} NOT NULL, errors ${int} NOT NULL, rejected ${int} NOT NULL, cu ${int} NOT NULL, cache_hits ${int} NOT NULL,
  ${HISTOGRAM_COLUMNS.map((h) => `${h} ${int} NOT NULL`).join(", ")},
  PRIMARY KEY (minute, key, dapp, chain, method)
);
CREATE TABLE IF NOT EXISTS gateway_sender_rollups (
  minute ${int} NOT NULL, key TEXT NOT NULL, dapp TEXT NOT NULL, chain TEXT NOT NULL, method TEXT NOT NULL, sender TEXT NOT NULL,
  requests ${int} NOT NULL, PRIMARY KEY (minute, key, dapp, chain, method, sender)
);
CREATE TABLE IF NOT EXISTS gateway_ip_rollups (
  minute ${int} NOT NULL, key TEXT NOT NULL, dapp TEXT NOT NULL, chain TEXT NOT NULL, method TEXT NOT NULL, ip TEXT NOT NULL,
  requests ${int} NOT NULL, PRIMARY KEY (minute, key, dapp, chain, method, ip)
);
CREATE TABLE IF NOT EXISTS gateway_rollups_hour (
  hour ${int} NOT NULL, key TEXT NOT NULL, dapp TEXT NOT NULL, chain TEXT NOT NULL, method TEXT NOT NULL,
  requests ${int} NOT NULL, errors ${int} NOT NULL, rejected ${int} NOT NULL, cu ${int} NOT NULL, cache_hits ${int} NOT NULL,
  ${HISTOGRAM_COLUMNS.map((h) => `${h} ${int} NOT NULL`).join(", ")},
  PRIMARY KEY (hour, key, dapp, chain, method)
);
CREATE TABLE IF NOT EXISTS gateway_sender_rollups_hour (
  hour ${int} NOT NULL, key TEXT NOT NULL, dapp TEXT NOT NULL, chain TEXT NOT NULL, method TEXT NOT NULL, sender TEXT NOT NULL,
  requests ${int} NOT NULL, PRIMARY KEY (hour, key, dapp, chain, method, sender)
);
CREATE TABLE IF NOT EXISTS gateway_ip_rollups_hour (
  hour ${int} NOT NULL, key TEXT NOT NULL, dapp TEXT NOT NULL, chain TEXT NOT NULL, method TEXT NOT NULL, ip TEXT NOT NULL,
  requests ${int} NOT NULL, PRIMARY KEY (hour, key, dapp, chain, method, ip)
);
INSERT INTO gateway_meta (name, value) VALUES ('schema_version', ${SCHEMA_VERSION}), ('raw_kept_from', 0) ON CONFLICT (name) DO NOTHING;
`;
}

// ---------------------------------------------------------------------------------------------------------------
// Latency histogram

/**
 * Upper bounds (µs, inclusive) of the latency histogram's buckets, log-scale from 50 µs to 60 s; a latency above the
 * last bound counts in the last bucket. Roll-ups keep one count per bucket (columns h0 … h29), so quantiles over any
 * window are sums of small integers rather than a sort of raw rows.
 */
export const LATENCY_BUCKETS_US: readonly number[] = Object.freeze([
  50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 50_000, 75_000,
  100_000, 150_000, 200_000, 300_000, 500_000, 750_000, 1_000_000, 2_000_000, 5_000_000, 10_000_000, 30_000_000, 60_000_000,
]);

/** The histogram columns of a roll-up: `h0` … `h29`. */
export const HISTOGRAM_COLUMNS: readonly string[] = Object.freeze(LATENCY_BUCKETS_US.map((_, i) => `h${i}`));

/** The bucket of a latency (µs): the first whose upper bound is ≥ it; the last bucket for anything above 60 s. */
export function bucketIndex(latencyUs: number): number {
  let lo = 0;
  let hi = LATENCY_BUCKETS_US.length - 1;
  if (!(latencyUs <= LATENCY_BUCKETS_US[hi]!)) return hi; // also NaN
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (latencyUs <= LATENCY_BUCKETS_US[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * The `q` quantile (0 < q ≤ 1) of a histogram of {@link LATENCY_BUCKETS_US}: the upper bound, in ms, of the bucket
 * holding the ⌈q·n⌉-th smallest latency; null for an empty histogram.
 */
export function quantileFromHistogram(counts: readonly number[], q: number): number | null {
  const total = counts.reduce((a, b) => a + b, 0);
  if (total <= 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    seen += counts[i]!;
    if (seen >= rank) return LATENCY_BUCKETS_US[Math.min(i, LATENCY_BUCKETS_US.length - 1)]! / 1000;
  }
  return LATENCY_BUCKETS_US[LATENCY_BUCKETS_US.length - 1]! / 1000;
}

// ---------------------------------------------------------------------------------------------------------------
// Series buckets and the analytics plan

export const MINUTE_MS = 60_000;
/** The most points a default series has. */
export const MAX_DEFAULT_SERIES_POINTS = 1_440;
/** The most points a series may have with an explicit `bucketMs`. */
export const MAX_SERIES_POINTS = 10_000;
const SERIES_STEPS_MS = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1_440, 2_880, 10_080, 43_200].map((m) => m * MINUTE_MS);

export const floorMinute = (ms: number): number => Math.floor(ms / MINUTE_MS) * MINUTE_MS;
export const ceilMinute = (ms: number): number => Math.ceil(ms / MINUTE_MS) * MINUTE_MS;
export const HOUR_MS = 3_600_000;
export const floorHour = (ms: number): number => Math.floor(ms / HOUR_MS) * HOUR_MS;
export const ceilHour = (ms: number): number => Math.ceil(ms / HOUR_MS) * HOUR_MS;

/** How many epoch-aligned buckets of `bucketMs` cover [from, to). */
function seriesPoints(from: number, to: number, bucketMs: number): number {
  if (to <= from) return 0;
  return Math.ceil((to - Math.floor(from / bucketMs) * bucketMs) / bucketMs);
}

/**
 * The series bucket (ms) of a window: `requested` when given (an integer ≥ 1 giving at most {@link MAX_SERIES_POINTS}
 * points), else the smallest of 1 min, 2 min, 5 min … 30 days giving at most 1,440 points. Buckets are aligned to the
 * epoch (a day bucket is a UTC day); with a bucket that is a multiple of a minute, roll-ups fall in them exactly.
 */
export function seriesBucketMs(from: number, to: number, requested?: number): number {
  if (requested !== undefined) {
    if (!Number.isSafeInteger(requested) || requested < 1) {
      throw new GatewayStoreError("GATEWAY_STORE_INPUT", `Analytics bucketMs must be a positive integer`, { details: `got ${requested}` });
    }
    const n = seriesPoints(from, to, requested);
    if (n > MAX_SERIES_POINTS) {
      throw new GatewayStoreError("GATEWAY_STORE_INPUT", `Analytics series would have ${n} points (at most ${MAX_SERIES_POINTS})`, {
        hint: "ask for a larger bucketMs or a shorter window",
      });
    }
    return requested;
  }
  for (const step of SERIES_STEPS_MS) if (seriesPoints(from, to, step) <= MAX_DEFAULT_SERIES_POINTS) return step;
  const day = 1_440 * MINUTE_MS;
  let step = Math.ceil((to - from) / MAX_DEFAULT_SERIES_POINTS / day) * day;
  while (seriesPoints(from, to, step) > MAX_DEFAULT_SERIES_POINTS) step += day;
  return step;
}

/** The starts of the series buckets covering [from, to), epoch-aligned. */
export function seriesStarts(from: number, to: number, bucketMs: number): number[] {
  const out: number[] = [];
  for (let t = Math.floor(from / bucketMs) * bucketMs; t < to; t += bucketMs) out.push(t);
  return out;
}

/** Which data answers an analytics window. Ranges are [from, to) in ms. */
export interface AnalyticsPlan {
  /** Hour roll-ups (by hour start) to read: the whole hours inside the window. */
  hourRanges: [number, number][];
  /** Minute roll-ups (by minute start) to read: the whole minutes outside those hours. */
  rollupRanges: [number, number][];
  /** Raw rows not rolled up yet to read. */
  rawUnrolledRanges: [number, number][];
  /** Raw rows to read whether rolled up or not (partial edge minutes whose raw rows are still kept). */
  rawAllRanges: [number, number][];
}

/**
 * Splits [from, to) into whole hours (hour roll-ups), the whole minutes between the window's edges and those hours
 * (minute roll-ups), raw rows not rolled up yet over all whole minutes, and the partial minutes at its edges. Every
 * raw row is folded into its minute and its hour by the same roll-up, so each request counts exactly once.
 * An edge minute is answered from raw rows while they are kept (`rawKeptFrom`: retention deleted rolled-up raw rows
 * before it); an older edge minute is answered from its whole roll-up (minute resolution).
 */
export function planAnalytics(from: number, to: number, rawKeptFrom: number): AnalyticsPlan {
  const plan: AnalyticsPlan = { hourRanges: [], rollupRanges: [], rawUnrolledRanges: [], rawAllRanges: [] };
  if (!(to > from)) return plan;
  const a = Math.min(ceilMinute(from), to);
  const b = Math.max(a, floorMinute(to));
  if (b > a) {
    const ha = ceilHour(a);
    const hb = floorHour(b);
    if (hb > ha) {
      if (ha > a) plan.rollupRanges.push([a, ha]);
      plan.hourRanges.push([ha, hb]);
      if (b > hb) plan.rollupRanges.push([hb, b]);
    } else {
      plan.rollupRanges.push([a, b]);
    }
    plan.rawUnrolledRanges.push([a, b]);
  }
  const edge = (lo: number, hi: number): void => {
    if (hi <= lo) return;
    const minute = floorMinute(lo);
    if (minute >= rawKeptFrom) {
      plan.rawAllRanges.push([lo, hi]);
    } else {
      plan.rollupRanges.push([minute, minute + MINUTE_MS]);
      plan.rawUnrolledRanges.push([lo, hi]);
    }
  };
  edge(from, a);
  edge(b, to);
  return plan;
}

// ---------------------------------------------------------------------------------------------------------------
// SQL shared by both backends (written with `?` placeholders; PostgreSQL's backend numbers them with {@link toPgSql})

/** A statement and its parameters. */
export interface Sql {
  text: string;
  params: unknown[];
}

/** `?` → `$1`, `$2`, … (the shared SQL never has a `?` inside a literal). */
export function toPgSql(text: string): string {
  let n = 0;
  return text.replace(/\?/g, () => `$${++n}`);
}

/** Dialect differences the shared SQL needs. */
export interface SqlDialect {
  /** Appended to text ordering so ties sort by code point in both databases (PostgreSQL: ` COLLATE "C"`). */
  collateBinary: string;
}

/** The values of {@link REQUEST_COLUMNS} for a row (times, CU and latency as integers, flags as 0/1). */
export function requestValues(r: RequestRow): (string | number | null)[] {
  return [
    Math.floor(r.ts),
    r.key,
    r.dapp,
    r.chain,
    r.method,
    Math.round(r.cu),
    r.status,
    r.errorCode === null ? null : Math.trunc(r.errorCode),
    Math.max(0, Math.round(r.latencyUs)),
    bucketIndex(r.latencyUs),
    r.cacheHit ? 1 : 0,
    r.upstream,
    r.region,
    r.ip,
    r.sender,
  ];
}

/** A raw row of `gateway_requests` as a {@link RequestRow}. */
export function rowToRequest(r: DbRow): RequestRow {
  const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));
  return {
    ts: Number(r.ts),
    key: text(r.key),
    dapp: text(r.dapp),
    chain: String(r.chain),
    method: String(r.method),
    cu: Number(r.cu),
    status: String(r.status) as RequestStatus,
    errorCode: r.error_code === null || r.error_code === undefined ? null : Number(r.error_code),
    latencyUs: Number(r.latency_us),
    cacheHit: Number(r.cache_hit) === 1,
    upstream: text(r.upstream),
    region: text(r.region),
    ip: String(r.ip),
    sender: text(r.sender),
  };
}

/** A stored key's JSON back as an {@link ApiKey}. */
export function parseStoredKey(data: unknown): ApiKey {
  return JSON.parse(String(data)) as ApiKey;
}

/** The most rows `recentRequests` returns. */
export const MAX_RECENT_REQUESTS = 10_000;

/** Checks `recentRequests`' limit. */
export function checkRecentLimit(limit: number): number {
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_RECENT_REQUESTS) {
    throw new GatewayStoreError("GATEWAY_STORE_INPUT", `recentRequests limit must be an integer from 1 to ${MAX_RECENT_REQUESTS}`, { details: `got ${limit}` });
  }
  return limit;
}

/** Checks `reserve`'s arguments; returns the grant of a counter at 0. */
export function checkReserve(counter: string, amount: number, limit: number): number {
  if (typeof counter !== "string" || counter === "") throw new GatewayStoreError("GATEWAY_STORE_INPUT", "A counter needs a non-empty name");
  if (!Number.isSafeInteger(amount) || amount < 0) throw new GatewayStoreError("GATEWAY_STORE_INPUT", `reserve amount must be an integer ≥ 0`, { details: `counter ${counter}, amount ${amount}` });
  if (!Number.isSafeInteger(limit) || limit < 0) throw new GatewayStoreError("GATEWAY_STORE_INPUT", `reserve limit must be an integer ≥ 0`, { details: `counter ${counter}, limit ${limit}` });
  return Math.min(amount, limit);
}

/** Every column of the raw request log, in insertion order. */
export const REQUEST_COLUMNS = [
  "ts", "key", "dapp", "chain", "method", "cu", "status", "error_code", "latency_us", "bucket", "cache_hit", "upstream", "region", "ip", "sender",
] as const;

/** The roll-up tables by level: the time column and the main, sender and IP tables. */
export const ROLLUP_LEVELS = [
  { col: "minute", ms: MINUTE_MS, main: "gateway_rollups", sender: "gateway_sender_rollups", ip: "gateway_ip_rollups" },
  { col: "hour", ms: HOUR_MS, main: "gateway_rollups_hour", sender: "gateway_sender_rollups_hour", ip: "gateway_ip_rollups_hour" },
] as const;

/** Every roll-up table with its time column (for retention). */
export const ROLLUP_TABLES: readonly { table: string; col: string }[] = ROLLUP_LEVELS.flatMap((l) =>
  [l.main, l.sender, l.ip].map((table) => ({ table, col: l.col })),
);

/**
 * The six roll-up INSERTs (per minute and per hour: main, sender, IP) folding the raw rows of `source` (a FROM …
 * WHERE … text naming a relation with the raw columns; its `?` parameters are `sourceParams`), each adding to
 * existing roll-up rows — so a late row is simply added to its minute and its hour by the next roll-up.
 */
export function rollupInsertSql(source: string, sourceParams: unknown[]): Sql[] {
  const hist = HISTOGRAM_COLUMNS.map((h, i) => `SUM(CASE WHEN bucket = ${i} AND status <> 'rejected' THEN 1 ELSE 0 END)`);
  const add = (table: string, cols: string[]): string => cols.map((c) => `${c} = ${table}.${c} + excluded.${c}`).join(", ");
  const out: Sql[] = [];
  for (const level of ROLLUP_LEVELS) {
    const t = `ts - (ts % ${level.ms})`;
    const main =
      `INSERT INTO ${level.main} (${level.col}, key, dapp, chain, method, requests, errors, rejected, cu, cache_hits, ${HISTOGRAM_COLUMNS.join(", ")}) ` +
      `SELECT ${t}, COALESCE(key, ''), COALESCE(dapp, ''), chain, method, COUNT(*), ` +
      `SUM(CASE WHEN status = 'error' THEN 1 ELSE 0 END), SUM(CASE WHEN status = 'rejected' THEN 1 ELSE 0 END), SUM(cu), SUM(cache_hit), ${hist.join(", ")} ` +
      `FROM ${source} GROUP BY 1, 2, 3, 4, 5 ` +
      `ON CONFLICT (${level.col}, key, dapp, chain, method) DO UPDATE SET ${add(level.main, ["requests", "errors", "rejected", "cu", "cache_hits", ...HISTOGRAM_COLUMNS])}`;
    const byColumn = (table: string, col: "sender" | "ip"): string =>
      `INSERT INTO ${table} (${level.col}, key, dapp, chain, method, ${col}, requests) ` +
      `SELECT ${t}, COALESCE(key, ''), COALESCE(dapp, ''), chain, method, ${col}, COUNT(*) ` +
      `FROM ${source}${col === "sender" ? " AND sender IS NOT NULL" : ""} GROUP BY 1, 2, 3, 4, 5, 6 ` +
      `ON CONFLICT (${level.col}, key, dapp, chain, method, ${col}) DO UPDATE SET ${add(table, ["requests"])}`;
    out.push(
      { text: main, params: sourceParams },
      { text: byColumn(level.sender, "sender"), params: sourceParams },
      { text: byColumn(level.ip, "ip"), params: sourceParams },
    );
  }
  return out;
}

/** The statements of one analytics query; run them in one read snapshot and pass the rows to {@link assembleAnalytics}. */
export interface AnalyticsSql {
  /** One row: requests, errors, rejected, cu, cache_hits, h0 … h29 (sums over roll-ups). */
  rollupTotals: Sql;
  /** One row: requests, errors, rejected, cu, cache_hits (sums over raw rows). */
  rawTotals: Sql;
  /** Rows: bucket, n (raw rows, rejected excluded). */
  rawHistogram: Sql;
  /** Rows: method, requests, errors, cu — best first. */
  topMethods: Sql;
  /** Rows: key ('' = no key), requests, errors, cu, cache_hits — best first. */
  topKeys: Sql;
  /** Rows: dapp ('' = no DApp), requests, errors, cu, cache_hits — best first. */
  topDapps: Sql;
  /** Rows: sender, requests — best first. */
  topSenders: Sql;
  /** Rows: ip, requests — best first. */
  topIps: Sql;
  /** Rows: t, requests, errors, cu (roll-ups and raw rows together). */
  series: Sql;
}

/**
 * Whether hour roll-ups fall whole into the series buckets of `bucketMs` (epoch-aligned buckets that are whole hours);
 * with smaller buckets the series reads minute roll-ups for the hours too.
 */
export function seriesUsesHours(bucketMs: number): boolean {
  return bucketMs >= HOUR_MS && bucketMs % HOUR_MS === 0;
}

/** The SQL answering `query` by `plan`. */
export function analyticsSql(query: AnalyticsQuery, plan: AnalyticsPlan, bucketMs: number, top: number, dialect: SqlDialect): AnalyticsSql {
  const filterCols = (["key", "dapp", "chain", "method"] as const).filter((c) => query[c] !== undefined);
  const filter = (): { text: string; params: unknown[] } => ({
    text: filterCols.map((c) => ` AND ${c} = ?`).join(""),
    params: filterCols.map((c) => query[c]),
  });
  const ranges = (col: string, rs: [number, number][], extra = ""): { text: string; params: unknown[] } => ({
    text: rs.map(() => `(${extra}${col} >= ? AND ${col} < ?)`).join(" OR "),
    params: rs.flat(),
  });
  const [minuteLevel, hourLevel] = ROLLUP_LEVELS;
  /** A roll-up source: its level (tables and time column) and its WHERE over `rs` (null when there is nothing to read). */
  type RollupSource = { level: (typeof ROLLUP_LEVELS)[number]; where: Sql };
  const rollupSource = (level: (typeof ROLLUP_LEVELS)[number], rs: [number, number][]): RollupSource[] => {
    if (rs.length === 0) return [];
    const r = ranges(level.col, rs);
    const f = filter();
    return [{ level, where: { text: `(${r.text})${f.text}`, params: [...r.params, ...f.params] } }];
  };
  // totals, histogram and top lists: whole hours from hour roll-ups, the other whole minutes from minute roll-ups
  const sources = [...rollupSource(hourLevel, plan.hourRanges), ...rollupSource(minuteLevel, plan.rollupRanges)];
  // the series: hour roll-ups only when they fall whole into its buckets
  const seriesSources = seriesUsesHours(bucketMs)
    ? sources
    : rollupSource(minuteLevel, [...plan.hourRanges, ...plan.rollupRanges].sort((x, y) => x[0] - y[0]));
  const rawWhere = (): Sql => {
    const u = ranges("ts", plan.rawUnrolledRanges, "rolled = 0 AND ");
    const a = ranges("ts", plan.rawAllRanges);
    const parts = [u.text, a.text].filter((t) => t !== "");
    const f = filter();
    return { text: `(${parts.join(" OR ") || "1 = 0"})${f.text}`, params: [...u.params, ...a.params, ...f.params] };
  };
  const raw = rawWhere();
  const sum = (c: string): string => `COALESCE(SUM(${c}), 0)`;
  const isError = "CASE WHEN status = 'error' THEN 1 ELSE 0 END";
  const isRejected = "CASE WHEN status = 'rejected' THEN 1 ELSE 0 END";
  const c = dialect.collateBinary;
  /** `SELECT <select> FROM <table> WHERE …` for each roll-up source, joined by UNION ALL (with a trailing one). */
  const rollupBranches = (srcs: RollupSource[], select: (s: RollupSource) => string, table: (s: RollupSource) => string): Sql => ({
    text: srcs.map((s) => `SELECT ${select(s)} FROM ${table(s)} WHERE ${s.where.text} UNION ALL `).join(""),
    params: srcs.flatMap((s) => s.where.params),
  });

  const topBy = (col: "sender" | "ip"): Sql => {
    const r = rollupBranches(sources, () => `${col}, requests AS r`, (s) => s.level[col]);
    return {
      text:
        `SELECT ${col}, SUM(r) AS requests FROM (${r.text}` +
        `SELECT ${col}, 1 AS r FROM gateway_requests WHERE ${raw.text}${col === "sender" ? " AND sender IS NOT NULL" : ""}` +
        `) u GROUP BY ${col} ORDER BY 2 DESC, ${col}${c} LIMIT ?`,
      params: [...r.params, ...raw.params, top],
    };
  };
  /**
   * Top API keys or DApps: the main roll-ups carry both columns (a missing key or DApp rolled up as ''), so these read
   * the same roll-ups and raw rows as the totals and every request counts once.
   */
  const topByDimension = (col: "key" | "dapp"): Sql => {
    const r = rollupBranches(sources, () => `${col}, requests AS r, errors AS e, cu AS c, cache_hits AS h`, (s) => s.level.main);
    return {
      text:
        `SELECT ${col}, SUM(r) AS requests, SUM(e) AS errors, SUM(c) AS cu, SUM(h) AS cache_hits FROM (${r.text}` +
        `SELECT COALESCE(${col}, '') AS ${col}, 1 AS r, ${isError} AS e, cu AS c, cache_hit AS h FROM gateway_requests WHERE ${raw.text}` +
        `) u GROUP BY ${col} ORDER BY 2 DESC, ${col}${c} LIMIT ?`,
      params: [...r.params, ...raw.params, top],
    };
  };
  const totalCols = ["requests", "errors", "rejected", "cu", "cache_hits", ...HISTOGRAM_COLUMNS];
  const totals =
    sources.length === 0
      ? { text: `SELECT ${totalCols.map((x) => `0 AS ${x}`).join(", ")}`, params: [] }
      : {
          text:
            `SELECT ${totalCols.map((x) => `${sum(x)} AS ${x}`).join(", ")} FROM (` +
            sources.map((s) => `SELECT ${totalCols.join(", ")} FROM ${s.level.main} WHERE ${s.where.text}`).join(" UNION ALL ") +
            `) u`,
          params: sources.flatMap((s) => s.where.params),
        };
  const methods = rollupBranches(sources, () => "method, requests AS r, errors AS e, cu AS c", (s) => s.level.main);
  const series = rollupBranches(seriesSources, (s) => `${s.level.col} AS t, requests AS r, errors AS e, cu AS c`, (s) => s.level.main);

  return {
    rollupTotals: totals,
    rawTotals: {
      text:
        `SELECT COUNT(*) AS requests, ${sum(isError)} AS errors, ${sum(isRejected)} AS rejected, ${sum("cu")} AS cu, ${sum("cache_hit")} AS cache_hits ` +
        `FROM gateway_requests WHERE ${raw.text}`,
      params: raw.params,
    },
    rawHistogram: {
      text: `SELECT bucket, COUNT(*) AS n FROM gateway_requests WHERE ${raw.text} AND status <> 'rejected' GROUP BY bucket`,
      params: raw.params,
    },
    topMethods: {
      text:
        `SELECT method, SUM(r) AS requests, SUM(e) AS errors, SUM(c) AS cu FROM (${methods.text}` +
        `SELECT method, 1 AS r, ${isError} AS e, cu AS c FROM gateway_requests WHERE ${raw.text}` +
        `) u GROUP BY method ORDER BY 2 DESC, method${c} LIMIT ?`,
      params: [...methods.params, ...raw.params, top],
    },
    topKeys: topByDimension("key"),
    topDapps: topByDimension("dapp"),
    topSenders: topBy("sender"),
    topIps: topBy("ip"),
    series: {
      text:
        `SELECT t - (t % ?) AS t, SUM(r) AS requests, SUM(e) AS errors, SUM(c) AS cu FROM (${series.text}` +
        `SELECT ts AS t, 1 AS r, ${isError} AS e, cu AS c FROM gateway_requests WHERE ${raw.text}` +
        `) u GROUP BY 1`,
      params: [bucketMs, ...series.params, ...raw.params],
    },
  };
}

/** A database row as returned by either driver (PostgreSQL gives 64-bit sums as strings). */
export type DbRow = Record<string, unknown>;

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));
/** A key or DApp of a top list: '' (how roll-ups keep a missing one) and NULL as null. */
const orNull = (v: unknown): string | null => (v === null || v === undefined || v === "" ? null : String(v));
const dimensionFigures = (r: DbRow): { requests: number; errors: number; cu: number; cacheHits: number } => ({
  requests: num(r.requests),
  errors: num(r.errors),
  cu: num(r.cu),
  cacheHits: num(r.cache_hits),
});

/** The rows of the statements of {@link analyticsSql}. */
export interface AnalyticsRows {
  rollupTotals: DbRow;
  rawTotals: DbRow;
  rawHistogram: DbRow[];
  topMethods: DbRow[];
  topKeys: DbRow[];
  topDapps: DbRow[];
  topSenders: DbRow[];
  topIps: DbRow[];
  series: DbRow[];
}

/** Normalises an analytics query: the window checked, `top` and the series bucket decided. */
export function analyticsParameters(query: AnalyticsQuery): { top: number; bucketMs: number } {
  if (!Number.isFinite(query.from) || !Number.isFinite(query.to)) {
    throw new GatewayStoreError("GATEWAY_STORE_INPUT", "Analytics from and to must be numbers (ms since epoch)", { details: `from ${query.from}, to ${query.to}` });
  }
  const top = query.top ?? 10;
  if (!Number.isSafeInteger(top) || top < 1 || top > 1_000) {
    throw new GatewayStoreError("GATEWAY_STORE_INPUT", "Analytics top must be an integer from 1 to 1000", { details: `got ${top}` });
  }
  return { top, bucketMs: seriesBucketMs(query.from, query.to, query.bucketMs) };
}

/** The answer from the rows of {@link analyticsSql}; the series has every bucket of the window (zeros included). */
export function assembleAnalytics(query: AnalyticsQuery, bucketMs: number, rows: AnalyticsRows): AnalyticsResult {
  const rt = rows.rollupTotals;
  const wt = rows.rawTotals;
  const hist = HISTOGRAM_COLUMNS.map((h) => num(rt[h]));
  for (const r of rows.rawHistogram) {
    const i = Math.min(Math.max(num(r.bucket), 0), hist.length - 1);
    hist[i]! += num(r.n);
  }
  const bySeries = new Map<number, { requests: number; errors: number; cu: number }>();
  for (const r of rows.series) bySeries.set(num(r.t), { requests: num(r.requests), errors: num(r.errors), cu: num(r.cu) });
  return {
    from: query.from,
    to: query.to,
    requests: num(rt.requests) + num(wt.requests),
    errors: num(rt.errors) + num(wt.errors),
    rejected: num(rt.rejected) + num(wt.rejected),
    cu: num(rt.cu) + num(wt.cu),
    cacheHits: num(rt.cache_hits) + num(wt.cache_hits),
    p50Ms: quantileFromHistogram(hist, 0.5),
    p95Ms: quantileFromHistogram(hist, 0.95),
    p99Ms: quantileFromHistogram(hist, 0.99),
    topMethods: rows.topMethods.map((r) => ({ method: String(r.method), requests: num(r.requests), errors: num(r.errors), cu: num(r.cu) })),
    topKeys: rows.topKeys.map((r) => ({ key: orNull(r.key), ...dimensionFigures(r) })),
    topDapps: rows.topDapps.map((r) => ({ dapp: orNull(r.dapp), ...dimensionFigures(r) })),
    topSenders: rows.topSenders.map((r) => ({ sender: String(r.sender), requests: num(r.requests) })),
    topIps: rows.topIps.map((r) => ({ ip: String(r.ip), requests: num(r.requests) })),
    series: seriesStarts(query.from, query.to, bucketMs).map((t) => ({ t, ...(bySeries.get(t) ?? { requests: 0, errors: 0, cu: 0 }) })),
  };
}

/** An empty answer (a window with to ≤ from). */
export function emptyAnalytics(query: AnalyticsQuery): AnalyticsResult {
  return {
    from: query.from,
    to: query.to,
    requests: 0,
    errors: 0,
    rejected: 0,
    cu: 0,
    cacheHits: 0,
    p50Ms: null,
    p95Ms: null,
    p99Ms: null,
    topMethods: [],
    topKeys: [],
    topDapps: [],
    topSenders: [],
    topIps: [],
    series: [],
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Key changes

/**
 * Follows the `gateway_key_changes` table by id. Ids may commit out of order (PostgreSQL sequences), so ids above a
 * gap are remembered and the cursor waits up to `gapTimeoutMs` for the gap to fill (a rolled-back insert leaves a
 * gap for ever) before moving past it.
 */
export class ChangeCursor {
  private low: number;
  private readonly seen = new Set<number>();
  private gapSince: number | null = null;

  /** `start`: every change with id ≤ start is considered handled. */
  constructor(start: number, private readonly gapTimeoutMs = 10_000) {
    this.low = start;
  }

  /** Read changes with id greater than this. */
  get after(): number {
    return this.low;
  }

  /** Takes rows of `id > after`; returns the keys of changes not handled before (unique, in id order). */
  take(rows: { id: number; key: string }[], now: number): string[] {
    const keys = new Set<string>();
    for (const r of rows) {
      if (r.id <= this.low || this.seen.has(r.id)) continue;
      this.seen.add(r.id);
      keys.add(r.key);
    }
    this.advance();
    if (this.seen.size === 0) this.gapSince = null;
    else if (this.gapSince === null) this.gapSince = now;
    else if (now - this.gapSince >= this.gapTimeoutMs) {
      this.low = Math.min(...this.seen) - 1;
      this.advance();
      this.gapSince = this.seen.size === 0 ? null : now;
    }
    return [...keys];
  }

  private advance(): void {
    const before = this.low;
    while (this.seen.delete(this.low + 1)) this.low++;
    if (this.low !== before) this.gapSince = null;
  }
}

/** Calls every listener with `keys`; a throwing listener is logged and does not stop the others. */
export function notifyListeners(listeners: Iterable<(keys: string[]) => void>, keys: string[], logger: Logger): void {
  if (keys.length === 0) return;
  for (const l of [...listeners]) {
    try {
      l(keys);
    } catch (e) {
      logger.error("key-change listener threw", { err: e });
    }
  }
}
