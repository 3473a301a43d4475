/**
 * The embedded backend: one SQLite file, WAL, synchronous=NORMAL. better-sqlite3 is synchronous; prepared statements
 * are cached by their text. Transactions are `BEGIN IMMEDIATE … COMMIT`, serialised by a lock.
 */
import Database from "better-sqlite3";
import { IndexerStoreError, Mutex, type Db, type Param, type Queries, type Row } from "./db";

function bind(params: Param[]): unknown[] {
  return params.map((p) => (typeof p === "bigint" ? p.toString() : p));
}

export class SqliteDb implements Db {
  readonly dialect = "sqlite" as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly lock = new Mutex();
  private closed = false;

  constructor(file: string) {
    try {
      this.db = new Database(file);
      this.db.pragma("journal_mode = WAL");
      this.db.pragma("synchronous = NORMAL");
      this.db.pragma("busy_timeout = 5000");
      this.db.pragma("cache_size = -65536");
    } catch (e) {
      throw new IndexerStoreError("INDEXER_STORE_CONNECT", `cannot open the SQLite store ${file}`, { details: (e as Error).message, hint: "check the path in store.path and that its folder is writable" });
    }
  }

  private stmt(sql: string): Database.Statement {
    if (this.closed) throw new IndexerStoreError("INDEXER_STORE_CLOSED", "the indexer store is closed");
    let s = this.statements.get(sql);
    if (!s) {
      s = this.db.prepare(sql);
      this.statements.set(sql, s);
    }
    return s;
  }

  async all<T = Row>(sql: string, params: Param[] = []): Promise<T[]> {
    return this.stmt(sql).all(...bind(params)) as T[];
  }
  async get<T = Row>(sql: string, params: Param[] = []): Promise<T | undefined> {
    return this.stmt(sql).get(...bind(params)) as T | undefined;
  }
  async run(sql: string, params: Param[] = []): Promise<number> {
    return this.stmt(sql).run(...bind(params)).changes;
  }

  tx<T>(fn: (q: Queries) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      this.stmt("BEGIN IMMEDIATE").run();
      try {
        const out = await fn(this);
        this.stmt("COMMIT").run();
        return out;
      } catch (e) {
        if (this.db.inTransaction) this.stmt("ROLLBACK").run();
        throw e;
      }
    });
  }

  async exec(script: string): Promise<void> {
    this.db.exec(script);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.lock.run(async () => undefined);
    this.closed = true;
    this.statements.clear();
    this.db.close();
  }
}
