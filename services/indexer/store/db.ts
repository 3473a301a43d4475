/**
 * The indexer's SQL connection, one interface over both backends: SQLite (better-sqlite3, synchronous, wrapped in
 * promises) and PostgreSQL (pg). Statements are written once with `?` placeholders; the PostgreSQL backend numbers
 * them (`$1`, `$2`, …). Integers come back as JS numbers on both (PostgreSQL's BIGINT is parsed), uint256 values are
 * stored as decimal TEXT.
 */
import { LuniverseError, type LuniverseErrorOptions } from "../../../lib/errors";

export type IndexerStoreErrorCode = "INDEXER_STORE" | "INDEXER_STORE_CONNECT" | "INDEXER_STORE_CLOSED";

/** A store error: what failed and what to do next. */
export class IndexerStoreError extends LuniverseError<IndexerStoreErrorCode> {
  override name = "IndexerStoreError";
  constructor(code: IndexerStoreErrorCode, message: string, options: LuniverseErrorOptions = {}) {
    super(code, message, options);
  }
}

export type Param = string | number | bigint | null;
export type Row = Record<string, unknown>;

/** Queries on one connection (inside or outside a transaction). */
export interface Queries {
  readonly dialect: "sqlite" | "postgres";
  all<T = Row>(sql: string, params?: Param[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: Param[]): Promise<T | undefined>;
  run(sql: string, params?: Param[]): Promise<number>;
}

/** A database: queries, transactions (one writer at a time), schema scripts, close. */
export interface Db extends Queries {
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  tx<T>(fn: (q: Queries) => Promise<T>): Promise<T>;
  exec(script: string): Promise<void>;
  close(): Promise<void>;
}

/** A simple FIFO lock: one transaction at a time per Db (several chains' followers share one store). */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const prev = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((r) => (release = r));
    await prev;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}
