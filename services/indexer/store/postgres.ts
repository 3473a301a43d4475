/**
 * The shared backend for an indexer scaled out: PostgreSQL through a `pg.Pool`. `?` placeholders become `$n`;
 * BIGINT (int8) and NUMERIC counts come back as JS numbers. A transaction holds one pooled client.
 */
import pg from "pg";
import { IndexerStoreError, Mutex, type Db, type Param, type Queries, type Row } from "./db";

const INT8 = 20;

/** `?` → `$1, $2, …` (the indexer's SQL has no `?` inside string literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

function bind(params: Param[]): unknown[] {
  return params.map((p) => (typeof p === "bigint" ? p.toString() : p));
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, "//$1:***@");
}

class PgQueries implements Queries {
  readonly dialect = "postgres" as const;
  private readonly cache = new Map<string, string>();
  constructor(protected readonly client: pg.Pool | pg.PoolClient) {}
  protected text(sql: string): string {
    let t = this.cache.get(sql);
    if (t === undefined) {
      t = numbered(sql);
      this.cache.set(sql, t);
    }
    return t;
  }
  async all<T = Row>(sql: string, params: Param[] = []): Promise<T[]> {
    return (await this.client.query(this.text(sql), bind(params))).rows as T[];
  }
  async get<T = Row>(sql: string, params: Param[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params: Param[] = []): Promise<number> {
    return (await this.client.query(this.text(sql), bind(params))).rowCount ?? 0;
  }
}

export class PostgresDb extends PgQueries implements Db {
  private readonly pool: pg.Pool;
  private readonly lock = new Mutex();

  private constructor(pool: pg.Pool) {
    super(pool);
    this.pool = pool;
  }

  static async open(url: string): Promise<PostgresDb> {
    const pool = new pg.Pool({
      connectionString: url,
      max: 10,
      types: { getTypeParser: ((oid: number, format?: string) => (oid === INT8 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as "text"))) as typeof pg.types.getTypeParser },
    });
    pool.on("error", () => undefined); // an idle client's lost connection: the next query reconnects
    try {
      const c = await pool.connect();
      c.release();
    } catch (e) {
      await pool.end().catch(() => undefined);
      throw new IndexerStoreError("INDEXER_STORE_CONNECT", `cannot reach the PostgreSQL store at ${redactUrl(url)}`, { details: (e as Error).message, hint: "check store.url (postgres://user:password@host:5432/db) and that the server is running" });
    }
    return new PostgresDb(pool);
  }

  tx<T>(fn: (q: Queries) => Promise<T>): Promise<T> {
    return this.lock.run(async () => {
      const client = await this.pool.connect();
      try {
        await client.query("BEGIN");
        const out = await fn(new PgQueries(client));
        await client.query("COMMIT");
        return out;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw e;
      } finally {
        client.release();
      }
    });
  }

  async exec(script: string): Promise<void> {
    await this.pool.query(script);
  }

  async close(): Promise<void> {
    await this.lock.run(async () => undefined);
    await this.pool.end();
  }
}
