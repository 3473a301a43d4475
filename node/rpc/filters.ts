/**
 * Polling filters (eth_newFilter, eth_newBlockFilter, eth_getFilterChanges, eth_getFilterLogs,
 * eth_uninstallFilter), kept in memory. A filter that is not polled for `ttlMs` is removed, as geth does; each
 * filter buffers at most `maxBuffered` items between polls (older ones are dropped) so an abandoned client
 * cannot grow the node's memory.
 */
import { randomBytes } from "node:crypto";
import { RpcError, SERVER_ERROR } from "./errors";
import type { Hex, RpcBlock, RpcLog } from "./types";
import { matchLog, type LogCriteria } from "./logFilter";

export interface FilterStoreOptions {
  /** A filter not polled for this long is removed (default 5 minutes). */
  ttlMs?: number;
  /** At most this many filters at once (default 10,000); creating one more is an error. */
  maxFilters?: number;
  /** At most this many unread items per filter (default 10,000). */
  maxBuffered?: number;
}

interface BlockFilter {
  kind: "block";
  hashes: Hex[];
  lastPoll: number;
}

interface LogsFilter {
  kind: "logs";
  criteria: LogCriteria;
  /** Explicit numeric bounds of the filter, applied to new logs. */
  from?: bigint;
  to?: bigint;
  logs: RpcLog[];
  lastPoll: number;
}

export type Filter = BlockFilter | LogsFilter;

export function filterNotFound(): RpcError {
  return new RpcError(SERVER_ERROR, "filter not found");
}

export class FilterStore {
  private readonly filters = new Map<string, Filter>();
  private readonly ttlMs: number;
  private readonly maxFilters: number;
  private readonly maxBuffered: number;
  private readonly timer: NodeJS.Timeout;

  constructor(opts: FilterStoreOptions = {}, private readonly now: () => number = Date.now) {
    this.ttlMs = opts.ttlMs ?? 5 * 60_000;
    this.maxFilters = opts.maxFilters ?? 10_000;
    this.maxBuffered = opts.maxBuffered ?? 10_000;
    this.timer = setInterval(() => this.expire(), Math.max(1_000, Math.min(this.ttlMs, 60_000)));
    this.timer.unref();
  }

  get size(): number {
    return this.filters.size;
  }

  private add(f: Filter): Hex {
    this.expire();
    if (this.filters.size >= this.maxFilters) throw new RpcError(SERVER_ERROR, `too many filters installed (${this.maxFilters}); uninstall unused ones`);
    const id: Hex = `0x${randomBytes(16).toString("hex")}`;
    this.filters.set(id, f);
    return id;
  }

  newBlockFilter(): Hex {
    return this.add({ kind: "block", hashes: [], lastPoll: this.now() });
  }

  newLogFilter(criteria: LogCriteria): Hex {
    const f: LogsFilter = { kind: "logs", criteria, logs: [], lastPoll: this.now() };
    if (criteria.fromBlock?.kind === "number") f.from = criteria.fromBlock.number;
    if (criteria.toBlock?.kind === "number") f.to = criteria.toBlock.number;
    return this.add(f);
  }

  /** The filter (refreshing its expiry), or a "filter not found" error. */
  get(id: string): Filter {
    const key = id.toLowerCase();
    const f = this.filters.get(key);
    if (f === undefined) throw filterNotFound();
    const now = this.now();
    if (f.lastPoll < now - this.ttlMs) {
      this.filters.delete(key);
      throw filterNotFound();
    }
    f.lastPoll = now;
    return f;
  }

  /** What arrived since the last poll: block hashes or logs. */
  changes(id: string): Hex[] | RpcLog[] {
    const f = this.get(id);
    if (f.kind === "block") {
      const out = f.hashes;
      f.hashes = [];
      return out;
    }
    const out = f.logs;
    f.logs = [];
    return out;
  }

  uninstall(id: string): boolean {
    return this.filters.delete(id.toLowerCase());
  }

  onNewHead(block: RpcBlock): void {
    for (const f of this.filters.values()) {
      if (f.kind !== "block") continue;
      f.hashes.push(block.hash);
      if (f.hashes.length > this.maxBuffered) f.hashes.splice(0, f.hashes.length - this.maxBuffered);
    }
  }

  onLogs(logs: RpcLog[]): void {
    for (const f of this.filters.values()) {
      if (f.kind !== "logs" || f.criteria.blockHash !== undefined) continue;
      for (const log of logs) {
        const n = BigInt(log.blockNumber);
        if ((f.from !== undefined && n < f.from) || (f.to !== undefined && n > f.to)) continue;
        if (matchLog(log, f.criteria.address, f.criteria.topics)) f.logs.push(log);
      }
      if (f.logs.length > this.maxBuffered) f.logs.splice(0, f.logs.length - this.maxBuffered);
    }
  }

  /** Removes filters not polled within the TTL. */
  expire(): void {
    const cutoff = this.now() - this.ttlMs;
    for (const [id, f] of this.filters) if (f.lastPoll < cutoff) this.filters.delete(id);
  }

  close(): void {
    clearInterval(this.timer);
    this.filters.clear();
  }
}
