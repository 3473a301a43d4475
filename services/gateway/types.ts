/**
 * The gateway's types: the API shapes (lib/gatewayApi.ts, shared with ops/ and the console) and the store every replica
 * shares (SQLite embedded by default, PostgreSQL when several replicas run).
 */
import type { AnalyticsQuery, AnalyticsResult, ApiKey, Ban, RequestRow } from "../../lib/gatewayApi";

export type { AnalyticsQuery, AnalyticsResult, ApiKey, Ban, KeyLimits, KeyStatus, RequestRow, RequestStatus } from "../../lib/gatewayApi";

/**
 * What every gateway replica shares. The embedded SQLite store serves one replica (or several on one host sharing the
 * file); the PostgreSQL store serves replicas on any host. Every method is safe to call concurrently.
 */
export interface GatewayStore {
  readonly kind: "sqlite" | "postgres";
  /** Creates the schema when missing. */
  init(): Promise<void>;
  close(): Promise<void>;

  /** Inserts or replaces a key; every replica's `onKeysChanged` fires with it within one second. */
  putKey(key: ApiKey): Promise<void>;
  getKey(key: string): Promise<ApiKey | null>;
  /** All keys, or a DApp's keys, newest first. */
  listKeys(filter?: { dapp?: string }): Promise<ApiKey[]>;
  /** Subscribes to key changes made by any replica or task (the keys changed). Returns an unsubscribe function. */
  onKeysChanged(listener: (keys: string[]) => void): () => void;

  /**
   * Atomically takes up to `amount` units from the counter `counter` whose ceiling is `limit`: returns the units
   * granted (0 … amount; less when the ceiling is near). `expiresAt` (ms) lets old counters be removed.
   */
  reserve(counter: string, amount: number, limit: number, expiresAt: number): Promise<number>;
  /** Gives back units reserved but not used. */
  release(counter: string, amount: number): Promise<void>;
  /** Current values of counters (missing = 0). */
  counters(names: string[]): Promise<Record<string, number>>;

  /** Marks this replica alive for `ttlMs`; returns how many replicas are alive (this one included). */
  heartbeat(replicaId: string, ttlMs: number): Promise<number>;

  putBan(ban: Ban): Promise<void>;
  /** Bans still in force at `now`. */
  activeBans(now: number): Promise<Ban[]>;

  /** Appends request rows (one transaction per call). */
  appendRequests(rows: RequestRow[]): Promise<void>;
  /** Folds raw rows older than the current minute into per-minute roll-ups; returns rows folded. */
  rollup(now: number): Promise<number>;
  /** Deletes raw rows older than `rawMaxAgeMs` (already rolled up) and roll-ups older than `rollupMaxAgeMs`. */
  retention(now: number, rawMaxAgeMs: number, rollupMaxAgeMs: number): Promise<{ raw: number; rollups: number }>;
  /** Traffic figures over a window (roll-ups plus raw rows not yet rolled up). */
  analytics(query: AnalyticsQuery): Promise<AnalyticsResult>;
  /** The most recent raw rows (newest first), for the live log. */
  recentRequests(filter: { key?: string; dapp?: string; chain?: string; limit: number }): Promise<RequestRow[]>;
}
