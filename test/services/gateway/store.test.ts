import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import {
  ChangeCursor,
  LATENCY_BUCKETS_US,
  GatewayStoreError,
  bucketIndex,
  openStore,
  planAnalytics,
  quantileFromHistogram,
  seriesBucketMs,
} from "../../../services/gateway/store";
import { PostgresStore } from "../../../services/gateway/store/postgres";
import { SqliteStore } from "../../../services/gateway/store/sqlite";
import type { AnalyticsQuery, AnalyticsResult, ApiKey, GatewayStore, RequestRow } from "../../../services/gateway/types";
import { freePort, waitFor } from "../../helpers/net";
import { startPostgres, type PostgresServer } from "../../helpers/postgres";

const MIN = 60_000;
const HOUR = 3_600_000;
/** A minute start in the past (2023-11-14T22:13:00Z). */
const T0 = 1_699_999_980_000;
const KEY_A = "a".repeat(32);
const KEY_B = "b".repeat(32);
const SENDER_1 = "0x" + "11".repeat(20);
const SENDER_2 = "0x" + "22".repeat(20);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function apiKey(key: string, dapp: string, createdAt: number, name = `key ${key.slice(0, 4)}`): ApiKey {
  return {
    key,
    dapp,
    name,
    secretHash: null,
    chains: ["2018"],
    methods: null,
    contracts: null,
    origins: ["https://app.example"],
    limits: {
      requestsPerSecond: 50,
      cuPerSecond: null,
      requestsPerDay: 100_000,
      cuPerDay: null,
      cuPerMonth: 10_000_000,
      maxBatch: 100,
      maxBodyBytes: 1_048_576,
      maxSubscriptions: 10,
      maxConcurrent: 50,
    },
    status: "active",
    createdAt,
    revokedAt: null,
    rotatedTo: null,
  };
}

function row(ts: number, fields: Partial<RequestRow> = {}): RequestRow {
  return {
    ts,
    key: KEY_A,
    dapp: "alpha",
    chain: "2018",
    method: "eth_blockNumber",
    cu: 10,
    status: "ok",
    errorCode: null,
    latencyUs: 1_000,
    cacheHit: false,
    upstream: "node1",
    region: "eu",
    ip: "10.0.0.1",
    sender: null,
    ...fields,
  };
}

/**
 * 25 requests over three minutes from T0 with known figures: 2 errors, 4 rejected, 1042 CU, 6 cache hits; latencies
 * (rejected excluded) 10 × 1 ms, 5 × 50 ms, 2 × 100 ms, 3 × 300 ms, 1 × 2 s → p50 50 ms, p95 300 ms, p99 2000 ms.
 */
function dataset(): RequestRow[] {
  const rows: RequestRow[] = [];
  let i = 0;
  const at = (minute: number): number => T0 + minute * MIN + 2_000 * i++;
  for (let n = 0; n < 10; n++) rows.push(row(at(0), { cacheHit: n < 6, upstream: n < 6 ? null : "node1" }));
  for (let n = 0; n < 5; n++) rows.push(row(at(0), { method: "eth_call", cu: 26, latencyUs: 40_000, sender: SENDER_1, ip: "10.0.0.2" }));
  for (let n = 0; n < 2; n++) {
    rows.push(row(at(0), { method: "eth_call", cu: 26, latencyUs: 100_000, status: "error", errorCode: -32000, sender: SENDER_1, ip: "10.0.0.2" }));
  }
  i = 0;
  for (let n = 0; n < 3; n++) {
    rows.push(row(at(1), { key: KEY_B, dapp: "beta", chain: "7", method: "eth_sendRawTransaction", cu: 250, latencyUs: 300_000, sender: SENDER_2, ip: "10.0.0.3" }));
  }
  for (let n = 0; n < 4; n++) {
    rows.push(row(at(1), { key: null, dapp: null, method: "eth_getBalance", cu: 0, latencyUs: 20, status: "rejected", errorCode: 429, upstream: null, region: null, ip: "10.0.0.9" }));
  }
  rows.push(row(T0 + 2 * MIN + 30_000, { latencyUs: 2_000_000 }));
  return rows;
}

/** The plain counts of `rows` in a query's window and filters (the reference the store must match). */
function reference(rows: RequestRow[], q: AnalyticsQuery): { requests: number; errors: number; rejected: number; cu: number; cacheHits: number } {
  const inside = rows.filter(
    (r) =>
      r.ts >= q.from &&
      r.ts < q.to &&
      (q.key === undefined || r.key === q.key) &&
      (q.dapp === undefined || r.dapp === q.dapp) &&
      (q.chain === undefined || r.chain === q.chain) &&
      (q.method === undefined || r.method === q.method),
  );
  return {
    requests: inside.length,
    errors: inside.filter((r) => r.status === "error").length,
    rejected: inside.filter((r) => r.status === "rejected").length,
    cu: inside.reduce((a, r) => a + r.cu, 0),
    cacheHits: inside.filter((r) => r.cacheHit).length,
  };
}

/** Figures of one API key or DApp, as `topKeys` / `topDapps` give them. */
type DimensionFigures = { requests: number; errors: number; cu: number; cacheHits: number };

/**
 * The top API keys or DApps of `rows` in a query's window and filters, counted one by one (the reference the store's
 * `topKeys` / `topDapps` must match): most requests first, ties by code point with "no key" first, `top` of them.
 */
function referenceTop(rows: RequestRow[], q: AnalyticsQuery, col: "key" | "dapp"): ({ value: string | null } & DimensionFigures)[] {
  const inside = rows.filter(
    (r) =>
      r.ts >= q.from &&
      r.ts < q.to &&
      (q.key === undefined || r.key === q.key) &&
      (q.dapp === undefined || r.dapp === q.dapp) &&
      (q.chain === undefined || r.chain === q.chain) &&
      (q.method === undefined || r.method === q.method),
  );
  const by = new Map<string | null, DimensionFigures>();
  for (const r of inside) {
    const f = by.get(r[col]) ?? { requests: 0, errors: 0, cu: 0, cacheHits: 0 };
    f.requests++;
    if (r.status === "error") f.errors++;
    f.cu += r.cu;
    if (r.cacheHit) f.cacheHits++;
    by.set(r[col], f);
  }
  const name = (v: string | null): string => v ?? "";
  return [...by.entries()]
    .map(([value, f]) => ({ value, ...f }))
    .sort((x, y) => y.requests - x.requests || (name(x.value) < name(y.value) ? -1 : name(x.value) > name(y.value) ? 1 : 0))
    .slice(0, q.top ?? 10);
}

/** Checks `topKeys` and `topDapps` of an answer against {@link referenceTop}. */
function expectTops(a: AnalyticsResult, rows: RequestRow[], q: AnalyticsQuery): void {
  expect(a.topKeys.map(({ key, ...f }) => ({ value: key, ...f }))).to.deep.equal(referenceTop(rows, q, "key"), `topKeys ${JSON.stringify(q)}`);
  expect(a.topDapps.map(({ dapp, ...f }) => ({ value: dapp, ...f }))).to.deep.equal(referenceTop(rows, q, "dapp"), `topDapps ${JSON.stringify(q)}`);
}

const QUERIES: AnalyticsQuery[] = [
  { from: T0, to: T0 + 3 * MIN },
  { from: T0 - 10 * MIN, to: T0 + 60 * MIN },
  { from: T0, to: T0 + 3 * MIN, key: KEY_A },
  { from: T0, to: T0 + 3 * MIN, dapp: "beta" },
  { from: T0, to: T0 + 3 * MIN, chain: "7" },
  { from: T0, to: T0 + 3 * MIN, method: "eth_call" },
  { from: T0, to: T0 + 3 * MIN, key: KEY_A, method: "eth_blockNumber", top: 1 },
  { from: T0 + 20_000, to: T0 + 2 * MIN + 45_000, bucketMs: 30_000 },
  { from: T0 + 90_000, to: T0 + 100_000 },
];

/** The first hour start after T0 (T0 is 22:13, so 23:00). */
const H1 = Math.ceil(T0 / HOUR) * HOUR;

/**
 * Rows from 40 minutes before H1 to 50 minutes after H1 + 2 h (about 3.5 hours), every 7.3 s, with keys, methods,
 * statuses, latencies, senders and IPs varying.
 */
function hoursDataset(): RequestRow[] {
  const rows: RequestRow[] = [];
  const methods = ["eth_call", "eth_blockNumber", "eth_getBalance", "eth_sendRawTransaction"];
  let n = 0;
  for (let ts = H1 - 40 * MIN + 1_234; ts < H1 + 2 * HOUR + 50 * MIN; ts += 7_300, n++) {
    const status = n % 17 === 0 ? "rejected" : n % 11 === 0 ? "error" : "ok";
    rows.push(
      row(ts, {
        key: n % 3 === 0 ? KEY_B : KEY_A,
        dapp: n % 3 === 0 ? "beta" : "alpha",
        chain: n % 5 === 0 ? "7" : "2018",
        method: methods[(n * 7) % methods.length]!,
        cu: 5 + (n % 23),
        status,
        errorCode: status === "ok" ? null : status === "rejected" ? 429 : -32000,
        latencyUs: 30 + ((n * 7_919) % 3_000_000),
        cacheHit: n % 4 === 0,
        ip: `10.2.${n % 3}.${(n * 13) % 29}`,
        sender: n % 2 === 0 ? null : n % 7 === 1 ? SENDER_1 : n % 7 === 2 ? SENDER_2 : `0x${((n % 37) + 1).toString(16).padStart(40, "0")}`,
      }),
    );
  }
  return rows;
}

/**
 * Windows within one hour, and over several whole hours with partial edges, with several series buckets (whole
 * minutes: roll-ups cannot be split into smaller buckets) and filters.
 */
function hourQueries(): AnalyticsQuery[] {
  const inOne = { from: H1 + 5 * MIN + 7_000, to: H1 + 40 * MIN + 13_000 };
  const several = { from: H1 - 35 * MIN - 11_000, to: H1 + 2 * HOUR + 33 * MIN + 9_000 };
  return [
    inOne,
    { ...inOne, bucketMs: 5 * MIN, key: KEY_A },
    { from: H1, to: H1 + HOUR },
    { from: H1 + HOUR, to: H1 + 2 * HOUR, bucketMs: HOUR },
    several,
    { ...several, bucketMs: HOUR },
    { ...several, bucketMs: 2 * HOUR, top: 3 },
    { ...several, bucketMs: 30 * MIN, method: "eth_call" },
    { ...several, bucketMs: 3 * MIN, dapp: "beta", chain: "7" },
    { ...several, bucketMs: 7 * MIN },
    { ...several, bucketMs: 90 * MIN, key: KEY_B },
    { from: H1 - 40 * MIN, to: H1 + 3 * HOUR, bucketMs: 3 * HOUR, top: 50 },
    { from: H1 - HOUR, to: H1 + 4 * HOUR },
  ];
}

/** Runs `sql` directly on the current test's database (outside the store). */
async function execDirect(backend: Backend, sql: string): Promise<void> {
  if (backend.name === "SqliteStore") {
    const db = new SqliteStore(currentFile);
    try {
      (db as unknown as { db: { exec(sql: string): void } }).db.exec(sql);
    } finally {
      await db.close();
    }
    return;
  }
  const c = new pg.Client({ connectionString: server!.url });
  await c.connect();
  try {
    await c.query(`SET search_path TO ${currentSchema}`);
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** One backend under test: `fresh()` makes a new empty database and returns a function opening store instances on it. */
interface Backend {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  fresh(): () => Promise<GatewayStore>;
}

let tmpRoot = "";
/** The SQLite file of the current test. */
let currentFile = "";
const sqliteBackend: Backend = {
  name: "SqliteStore",
  async start() {
    tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-store-"));
  },
  async stop() {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  },
  fresh() {
    const file = path.join(fs.mkdtempSync(path.join(tmpRoot, "db-")), "sub", "gateway.sqlite");
    currentFile = file;
    return () => openStore({ kind: "sqlite", path: file });
  },
};

let server: PostgresServer | null = null;
let schemas = 0;
/** The schema of the current PostgreSQL test. */
let currentSchema = "";
const postgresBackend: Backend = {
  name: "PostgresStore",
  async start() {
    server = await startPostgres();
  },
  async stop() {
    await server?.stop();
    server = null;
  },
  fresh() {
    const schema = `t${++schemas}`;
    currentSchema = schema;
    return () => openStore({ kind: "postgres", url: server!.url, schema });
  },
};

describe("services/gateway/store helpers", function () {
  it("puts latencies in log-scale buckets from 50 µs to 60 s, the last bucket catching everything above", function () {
    expect(LATENCY_BUCKETS_US.length).to.equal(30);
    expect(LATENCY_BUCKETS_US[0]).to.equal(50);
    expect(LATENCY_BUCKETS_US[29]).to.equal(60_000_000);
    expect(bucketIndex(0)).to.equal(0);
    expect(bucketIndex(50)).to.equal(0);
    expect(bucketIndex(51)).to.equal(1);
    expect(bucketIndex(1_000)).to.equal(LATENCY_BUCKETS_US.indexOf(1_000));
    expect(bucketIndex(1_001)).to.equal(LATENCY_BUCKETS_US.indexOf(1_500));
    expect(bucketIndex(3_600_000_000)).to.equal(29);
  });

  it("reads quantiles as the upper bound (ms) of the bucket holding the ⌈q·n⌉-th latency, null when empty", function () {
    const counts = new Array<number>(30).fill(0);
    expect(quantileFromHistogram(counts, 0.5)).to.equal(null);
    counts[bucketIndex(1_000)] = 10;
    counts[bucketIndex(40_000)] = 10;
    expect(quantileFromHistogram(counts, 0.5)).to.equal(1);
    expect(quantileFromHistogram(counts, 0.51)).to.equal(50);
    expect(quantileFromHistogram(counts, 1)).to.equal(50);
  });

  it("picks the smallest series bucket giving at most 1,440 points, and checks an explicit one", function () {
    expect(seriesBucketMs(T0, T0 + 3 * MIN)).to.equal(MIN);
    expect(seriesBucketMs(T0, T0 + 1_440 * MIN)).to.equal(MIN);
    expect(seriesBucketMs(T0, T0 + 1_441 * MIN)).to.equal(2 * MIN);
    const day0 = 1_699_920_000_000; // 2023-11-14T00:00:00Z
    expect(seriesBucketMs(day0, day0 + 30 * 1_440 * MIN)).to.equal(30 * MIN);
    expect(seriesBucketMs(T0, T0 + 30 * 1_440 * MIN)).to.equal(60 * MIN); // epoch-aligned 30-min buckets would give 1,441 points
    expect(seriesBucketMs(T0, T0 + MIN, 5_000)).to.equal(5_000);
    expect(() => seriesBucketMs(T0, T0 + 1_440 * MIN, 1_000)).to.throw(GatewayStoreError, /points/);
    expect(() => seriesBucketMs(T0, T0 + MIN, 0)).to.throw(GatewayStoreError, /positive integer/);
  });

  it("plans whole minutes from roll-ups and partial edge minutes from raw rows while they are kept", function () {
    expect(planAnalytics(T0, T0 + 3 * MIN, 0)).to.deep.equal({
      hourRanges: [],
      rollupRanges: [[T0, T0 + 3 * MIN]],
      rawUnrolledRanges: [[T0, T0 + 3 * MIN]],
      rawAllRanges: [],
    });
    expect(planAnalytics(T0 + 10, T0 + MIN + 20, 0)).to.deep.equal({
      hourRanges: [],
      rollupRanges: [],
      rawUnrolledRanges: [],
      rawAllRanges: [
        [T0 + 10, T0 + MIN],
        [T0 + MIN, T0 + MIN + 20],
      ],
    });
    // raw rows deleted before T0 + MIN: the first edge minute comes whole from its roll-up
    expect(planAnalytics(T0 + 10, T0 + MIN + 20, T0 + MIN)).to.deep.equal({
      hourRanges: [],
      rollupRanges: [[T0, T0 + MIN]],
      rawUnrolledRanges: [[T0 + 10, T0 + MIN]],
      rawAllRanges: [[T0 + MIN, T0 + MIN + 20]],
    });
    expect(planAnalytics(T0, T0, 0)).to.deep.equal({ hourRanges: [], rollupRanges: [], rawUnrolledRanges: [], rawAllRanges: [] });
  });

  it("plans whole hours from hour roll-ups and the whole minutes around them from minute roll-ups", function () {
    // T0 is 22:13; H1 is 23:00
    const H1 = Math.ceil(T0 / HOUR) * HOUR;
    expect(planAnalytics(T0 + 10, H1 + 2 * HOUR + 5 * MIN + 20, 0)).to.deep.equal({
      hourRanges: [[H1, H1 + 2 * HOUR]],
      rollupRanges: [
        [T0 + MIN, H1],
        [H1 + 2 * HOUR, H1 + 2 * HOUR + 5 * MIN],
      ],
      rawUnrolledRanges: [[T0 + MIN, H1 + 2 * HOUR + 5 * MIN]],
      rawAllRanges: [
        [T0 + 10, T0 + MIN],
        [H1 + 2 * HOUR + 5 * MIN, H1 + 2 * HOUR + 5 * MIN + 20],
      ],
    });
    expect(planAnalytics(H1, H1 + HOUR, 0)).to.deep.equal({
      hourRanges: [[H1, H1 + HOUR]],
      rollupRanges: [],
      rawUnrolledRanges: [[H1, H1 + HOUR]],
      rawAllRanges: [],
    });
    expect(planAnalytics(H1 + MIN, H1 + HOUR + MIN, 0).hourRanges).to.deep.equal([]);
  });

  it("follows key changes by id, waiting for a gap to fill before giving up on it", function () {
    const c = new ChangeCursor(10, 1_000);
    expect(c.take([{ id: 11, key: "a" }, { id: 13, key: "b" }, { id: 14, key: "b" }], 0)).to.deep.equal(["a", "b"]);
    expect(c.after).to.equal(11); // 12 is missing: maybe still uncommitted
    expect(c.take([{ id: 13, key: "b" }, { id: 14, key: "b" }], 500)).to.deep.equal([]);
    expect(c.take([{ id: 12, key: "late" }, { id: 13, key: "b" }, { id: 14, key: "b" }], 600)).to.deep.equal(["late"]);
    expect(c.after).to.equal(14);
    expect(c.take([{ id: 16, key: "c" }], 700)).to.deep.equal(["c"]);
    expect(c.take([{ id: 16, key: "c" }], 1_800)).to.deep.equal([]);
    expect(c.after).to.equal(16); // 15 never came (a rolled-back insert)
  });
});

for (const backend of [sqliteBackend, postgresBackend]) {
  describe(`services/gateway/store ${backend.name}`, function () {
    let open: () => Promise<GatewayStore>;
    const opened: GatewayStore[] = [];
    /** A new store instance on the current test's database. */
    const store = async (): Promise<GatewayStore> => {
      const s = await open();
      opened.push(s);
      return s;
    };

    before(async function () {
      await backend.start();
    });
    after(async function () {
      await backend.stop();
    });
    beforeEach(function () {
      open = backend.fresh();
    });
    afterEach(async function () {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    it(`is a ${backend.name === "SqliteStore" ? "sqlite" : "postgres"} store and init() may run again on an existing database`, async function () {
      const s = await store();
      expect(s.kind).to.equal(backend.name === "SqliteStore" ? "sqlite" : "postgres");
      await s.init();
      await s.putKey(apiKey(KEY_A, "alpha", T0));
      await s.init();
      expect(await s.getKey(KEY_A)).to.not.equal(null);
    });

    describe("keys", function () {
      it("stores a key, returns it whole, and replaces it", async function () {
        const s = await store();
        expect(await s.getKey(KEY_A)).to.equal(null);
        const k = apiKey(KEY_A, "alpha", T0);
        await s.putKey(k);
        expect(await s.getKey(KEY_A)).to.deep.equal(k);
        const revoked: ApiKey = { ...k, name: "renamed", status: "revoked", revokedAt: T0 + 5, rotatedTo: KEY_B, methods: ["eth_call"] };
        await s.putKey(revoked);
        expect(await s.getKey(KEY_A)).to.deep.equal(revoked);
        expect(await s.listKeys()).to.deep.equal([revoked]);
      });

      it("lists all keys or a DApp's keys, newest first", async function () {
        const s = await store();
        const k1 = apiKey("1".repeat(32), "alpha", T0);
        const k2 = apiKey("2".repeat(32), "beta", T0 + 1);
        const k3 = apiKey("3".repeat(32), "alpha", T0 + 2);
        for (const k of [k2, k1, k3]) await s.putKey(k);
        expect((await s.listKeys()).map((k) => k.key)).to.deep.equal([k3.key, k2.key, k1.key]);
        expect((await s.listKeys({ dapp: "alpha" })).map((k) => k.key)).to.deep.equal([k3.key, k1.key]);
        expect(await s.listKeys({ dapp: "none" })).to.deep.equal([]);
      });

      it("tells a second store instance on the same database about a changed key within one second", async function () {
        const a = await store();
        const b = await store();
        const seen: string[][] = [];
        let arrived!: () => void;
        const done = new Promise<void>((r) => (arrived = r));
        const off = b.onKeysChanged((keys) => {
          seen.push(keys);
          arrived();
        });
        await sleep(50); // the listener's connection is up (PostgreSQL) — the poll would catch it anyway
        const t0 = Date.now();
        await a.putKey(apiKey(KEY_A, "alpha", T0));
        await done;
        const elapsed = Date.now() - t0;
        expect(elapsed).to.be.below(1_000);
        expect(seen).to.deep.equal([[KEY_A]]);
        off();
        await a.putKey(apiKey(KEY_B, "alpha", T0));
        await sleep(backend.name === "SqliteStore" ? 400 : 1_200);
        expect(seen).to.have.length(1); // unsubscribed
      });

      it("tells its own listeners about its own changes at once", async function () {
        const s = await store();
        const t0 = Date.now();
        const keys = await new Promise<string[]>((resolve) => {
          const off = s.onKeysChanged((k) => {
            off();
            resolve(k);
          });
          void s.putKey(apiKey(KEY_B, "beta", T0));
        });
        expect(keys).to.deep.equal([KEY_B]);
        expect(Date.now() - t0).to.be.below(150);
      });
    });

    describe("counters", function () {
      const FAR = Date.now() + 3_600_000;

      it("grants up to the ceiling exactly, then part of the request, then nothing; release gives units back", async function () {
        const s = await store();
        expect(await s.reserve("rpd:a", 40, 100, FAR)).to.equal(40);
        expect(await s.reserve("rpd:a", 40, 100, FAR)).to.equal(40);
        expect(await s.reserve("rpd:a", 40, 100, FAR)).to.equal(20);
        expect(await s.reserve("rpd:a", 1, 100, FAR)).to.equal(0);
        expect(await s.counters(["rpd:a", "missing"])).to.deep.equal({ "rpd:a": 100, missing: 0 });
        await s.release("rpd:a", 30);
        expect(await s.counters(["rpd:a"])).to.deep.equal({ "rpd:a": 70 });
        expect(await s.reserve("rpd:a", 50, 100, FAR)).to.equal(30);
        await s.release("rpd:a", 1_000);
        expect(await s.counters(["rpd:a"])).to.deep.equal({ "rpd:a": 0 });
        expect(await s.reserve("zero", 5, 0, FAR)).to.equal(0);
        expect(await s.reserve("rpd:a", 0, 100, FAR)).to.equal(0);
        expect(await s.counters([])).to.deep.equal({});
      });

      it("grants exactly the ceiling to 200 concurrent reserves from two instances", async function () {
        const a = await store();
        const b = await store();
        const grants = await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? a : b).reserve("cu:day", 1, 150, FAR)));
        expect(grants.reduce((x, y) => x + y, 0)).to.equal(150);
        expect(grants.every((g) => g === 0 || g === 1)).to.equal(true);
        expect(await b.counters(["cu:day"])).to.deep.equal({ "cu:day": 150 });
      });

      it("starts an expired counter again from zero", async function () {
        const s = await store();
        expect(await s.reserve("rps:a", 10, 10, Date.now() + 100)).to.equal(10);
        expect(await s.reserve("rps:a", 10, 10, Date.now() + 100)).to.equal(0);
        await sleep(150);
        expect(await s.counters(["rps:a"])).to.deep.equal({ "rps:a": 0 });
        expect(await s.reserve("rps:a", 4, 10, Date.now() + 100)).to.equal(4);
      });

      it("refuses a negative amount", async function () {
        const s = await store();
        let err: unknown;
        await s.reserve("x", -1, 10, FAR).catch((e: unknown) => (err = e));
        expect(err).to.be.instanceOf(GatewayStoreError);
        expect((err as GatewayStoreError).code).to.equal("GATEWAY_STORE_INPUT");
      });
    });

    describe("replicas and bans", function () {
      it("counts live replicas across instances and forgets one after its ttl", async function () {
        const a = await store();
        const b = await store();
        expect(await a.heartbeat("r1", 300)).to.equal(1);
        expect(await b.heartbeat("r2", 300)).to.equal(2);
        expect(await a.heartbeat("r1", 300)).to.equal(2);
        await sleep(350);
        expect(await b.heartbeat("r2", 300)).to.equal(1);
      });

      it("keeps bans until their time, replacing a subject's ban", async function () {
        const s = await store();
        const now = Date.now();
        await s.putBan({ subject: "ip:1.2.3.4", until: now + 60_000, rule: "ipRate", reason: "5000 req/s" });
        await s.putBan({ subject: "key:" + KEY_A, until: now - 1, rule: "keyRate", reason: "old" });
        expect(await s.activeBans(now)).to.deep.equal([{ subject: "ip:1.2.3.4", until: now + 60_000, rule: "ipRate", reason: "5000 req/s" }]);
        await s.putBan({ subject: "key:" + KEY_A, until: now + 10, rule: "errorRatio", reason: "90% errors" });
        expect((await s.activeBans(now)).map((b) => b.subject)).to.deep.equal(["ip:1.2.3.4", "key:" + KEY_A]);
        expect(await s.activeBans(now + 10)).to.have.length(1);
        expect(await s.activeBans(now + 60_000)).to.deep.equal([]);
      });
    });

    describe("request log and analytics", function () {
      it("answers requests, errors, rejected, CU, cache hits, quantiles, top lists and series", async function () {
        const s = await store();
        await s.appendRequests(dataset());
        const r = await s.analytics({ from: T0, to: T0 + 3 * MIN });
        expect(r).to.deep.equal({
          from: T0,
          to: T0 + 3 * MIN,
          requests: 25,
          errors: 2,
          rejected: 4,
          cu: 1042,
          cacheHits: 6,
          p50Ms: 50,
          p95Ms: 300,
          p99Ms: 2000,
          topMethods: [
            { method: "eth_blockNumber", requests: 11, errors: 0, cu: 110 },
            { method: "eth_call", requests: 7, errors: 2, cu: 182 },
            { method: "eth_getBalance", requests: 4, errors: 0, cu: 0 },
            { method: "eth_sendRawTransaction", requests: 3, errors: 0, cu: 750 },
          ],
          topKeys: [
            { key: KEY_A, requests: 18, errors: 2, cu: 292, cacheHits: 6 },
            { key: null, requests: 4, errors: 0, cu: 0, cacheHits: 0 },
            { key: KEY_B, requests: 3, errors: 0, cu: 750, cacheHits: 0 },
          ],
          topDapps: [
            { dapp: "alpha", requests: 18, errors: 2, cu: 292, cacheHits: 6 },
            { dapp: null, requests: 4, errors: 0, cu: 0, cacheHits: 0 },
            { dapp: "beta", requests: 3, errors: 0, cu: 750, cacheHits: 0 },
          ],
          topSenders: [
            { sender: SENDER_1, requests: 7 },
            { sender: SENDER_2, requests: 3 },
          ],
          topIps: [
            { ip: "10.0.0.1", requests: 11 },
            { ip: "10.0.0.2", requests: 7 },
            { ip: "10.0.0.9", requests: 4 },
            { ip: "10.0.0.3", requests: 3 },
          ],
          series: [
            { t: T0, requests: 17, errors: 2, cu: 282 },
            { t: T0 + MIN, requests: 7, errors: 0, cu: 750 },
            { t: T0 + 2 * MIN, requests: 1, errors: 0, cu: 10 },
          ],
        });
        const eth = await s.analytics({ from: T0, to: T0 + 3 * MIN, method: "eth_call", top: 1 });
        expect([eth.requests, eth.errors, eth.p50Ms, eth.p95Ms]).to.deep.equal([7, 2, 50, 100]);
        expect(eth.topSenders).to.deep.equal([{ sender: SENDER_1, requests: 7 }]);
        expect(eth.topIps).to.deep.equal([{ ip: "10.0.0.2", requests: 7 }]);
        const beta = await s.analytics({ from: T0, to: T0 + 3 * MIN, dapp: "beta" });
        expect([beta.requests, beta.cu, beta.topMethods.map((m) => m.method)]).to.deep.equal([3, 750, ["eth_sendRawTransaction"]]);
        const none = await s.analytics({ from: T0 + 10 * MIN, to: T0 + 12 * MIN });
        expect([none.requests, none.p50Ms, none.topMethods, none.series.length]).to.deep.equal([0, null, [], 2]);
        expect(await s.analytics({ from: T0, to: T0 })).to.include({ requests: 0, p95Ms: null });
      });

      it("gives the same answers before and after rollup(), also for windows with partial minutes and filters", async function () {
        const s = await store();
        const rows = dataset();
        await s.appendRequests(rows);
        const before = await Promise.all(QUERIES.map((q) => s.analytics(q)));
        for (const [i, q] of QUERIES.entries()) expect(before[i]).to.include(reference(rows, q), JSON.stringify(q));
        expect(await s.rollup(T0 + 5 * MIN)).to.equal(25);
        expect(await s.rollup(T0 + 5 * MIN)).to.equal(0);
        const after = await Promise.all(QUERIES.map((q) => s.analytics(q)));
        expect(after).to.deep.equal(before);
      });

      it("counts top API keys and DApps exactly before, during and after rollup(), across minute and hour roll-ups", async function () {
        const s = await store();
        const rows = [...dataset(), ...hoursDataset()];
        await s.appendRequests(rows);
        const queries = [...QUERIES, ...hourQueries(), ...QUERIES.map((q) => ({ ...q, top: 2 }))];
        const before = await Promise.all(queries.map((q) => s.analytics(q)));
        for (const [i, q] of queries.entries()) expectTops(before[i]!, rows, q);
        // every request counts once: the full lists add up to the totals
        const all = await s.analytics({ from: T0 - HOUR, to: H1 + 4 * HOUR, top: 1000 });
        for (const list of [all.topKeys, all.topDapps]) {
          expect(list.reduce((n, x) => n + x.requests, 0)).to.equal(all.requests);
          expect(list.reduce((n, x) => n + x.cu, 0)).to.equal(all.cu);
          expect(list.reduce((n, x) => n + x.cacheHits, 0)).to.equal(all.cacheHits);
        }
        // an hour half rolled up (minute and hour roll-ups and raw rows in one window), then all of it
        await s.rollup(H1 + HOUR + 17 * MIN + 5_000);
        const during = await Promise.all(queries.map((q) => s.analytics(q)));
        for (const [i, q] of queries.entries()) expectTops(during[i]!, rows, q);
        await s.rollup(H1 + 4 * HOUR);
        // a row arriving after its minute and hour were rolled up: counted once, before and after the next rollup()
        const late = row(H1 + 10 * MIN + 5_000, { key: KEY_B, dapp: "beta", status: "error", errorCode: -32000, cu: 7, cacheHit: true });
        await s.appendRequests([late]);
        const withLate = [...rows, late];
        for (const q of queries) expectTops(await s.analytics(q), withLate, q);
        expect(await s.rollup(H1 + 4 * HOUR)).to.equal(1);
        for (const q of queries) expectTops(await s.analytics(q), withLate, q);
      });

      it("lists only the filtered key and its DApp in topKeys and topDapps of a key's analytics", async function () {
        const s = await store();
        const rows = hoursDataset();
        await s.appendRequests(rows);
        await s.rollup(H1 + HOUR + 17 * MIN);
        const q = { from: H1 - 35 * MIN - 11_000, to: H1 + 2 * HOUR + 33 * MIN + 9_000, key: KEY_B, top: 1000 };
        const own = await s.analytics(q);
        expect(own.topKeys.map((k) => k.key)).to.deep.equal([KEY_B]);
        expect(own.topDapps.map((d) => d.dapp)).to.deep.equal(["beta"]);
        const { rejected: _rejected, ...figures } = reference(rows, q);
        expect(own.topKeys[0]).to.deep.equal({ key: KEY_B, ...figures });
        expect(own.topDapps[0]).to.deep.equal({ dapp: "beta", ...figures });
        expectTops(own, rows, q);
      });

      it("rolls up only minutes that ended, and counts a row arriving after its minute was rolled up exactly once", async function () {
        const a = await store();
        const b = await store();
        const rows = dataset();
        await a.appendRequests(rows);
        expect(await a.rollup(T0 + 2 * MIN + 59_000)).to.equal(24); // the row at T0+2m30s waits for its minute to end
        const late = row(T0 + 5_000, { method: "eth_chainId", ip: "10.0.0.7" });
        await b.appendRequests([late]);
        const q = { from: T0, to: T0 + 3 * MIN };
        const mid = await b.analytics(q);
        expect(mid).to.include(reference([...rows, late], q));
        expect(await b.rollup(T0 + 3 * MIN)).to.equal(2);
        expect(await a.analytics(q)).to.deep.equal(mid);
      });

      it("gives the same answers before, during and after rollup() over several hours, from hour and minute roll-ups", async function () {
        const s = await store();
        const rows = hoursDataset();
        await s.appendRequests(rows);
        const queries = hourQueries();
        const before = await Promise.all(queries.map((q) => s.analytics(q)));
        for (const [i, q] of queries.entries()) expect(before[i]).to.include(reference(rows, q), JSON.stringify(q));
        // rolled up part of the way (an hour half rolled up), then all of it
        const partly = await s.rollup(H1 + HOUR + 17 * MIN + 5_000);
        expect(partly).to.equal(rows.filter((r) => r.ts < H1 + HOUR + 17 * MIN).length);
        const during = await Promise.all(queries.map((q) => s.analytics(q)));
        for (const [i, q] of queries.entries()) expect(during[i]).to.deep.equal(before[i], JSON.stringify(q));
        expect(await s.rollup(H1 + 4 * HOUR)).to.equal(rows.length - partly);
        const after = await Promise.all(queries.map((q) => s.analytics(q)));
        for (const [i, q] of queries.entries()) expect(after[i]).to.deep.equal(before[i], JSON.stringify(q));
      });

      it("counts a row arriving after its hour was rolled up exactly once, before and after the next rollup()", async function () {
        const a = await store();
        const b = await store();
        const rows = hoursDataset();
        await a.appendRequests(rows);
        expect(await a.rollup(H1 + 4 * HOUR)).to.equal(rows.length);
        const late = [
          row(H1 + 10 * MIN + 5_000, { method: "eth_chainId", ip: "10.0.0.7", sender: SENDER_2, status: "error", errorCode: -32000, cu: 7 }),
          row(H1 + HOUR + 59 * MIN + 59_999, { key: KEY_B, dapp: "beta", latencyUs: 5_000_000, cacheHit: true }),
        ];
        await b.appendRequests(late);
        const all = [...rows, ...late];
        const queries = hourQueries();
        const mid = await Promise.all(queries.map((q) => b.analytics(q)));
        for (const [i, q] of queries.entries()) expect(mid[i]).to.include(reference(all, q), JSON.stringify(q));
        expect(await b.rollup(H1 + 4 * HOUR)).to.equal(2);
        expect(await Promise.all(queries.map((q) => a.analytics(q)))).to.deep.equal(mid);
        const whole = await a.analytics({ from: H1, to: H1 + 2 * HOUR, bucketMs: HOUR });
        expect(whole.series.map((p) => p.requests)).to.deep.equal([
          all.filter((r) => r.ts >= H1 && r.ts < H1 + HOUR).length,
          all.filter((r) => r.ts >= H1 + HOUR && r.ts < H1 + 2 * HOUR).length,
        ]);
        expect(whole.topSenders.find((x) => x.sender === SENDER_2)?.requests).to.equal(
          all.filter((r) => r.ts >= H1 && r.ts < H1 + 2 * HOUR && r.sender === SENDER_2).length,
        );
      });

      it("fills the hour roll-ups from the minute roll-ups when it opens a database rolled up before they existed", async function () {
        const s = await store();
        const rows = hoursDataset();
        await s.appendRequests(rows);
        const queries = hourQueries();
        const before = await Promise.all(queries.map((q) => s.analytics(q)));
        await s.rollup(H1 + HOUR + 17 * MIN);
        // as a version-1 database: no hour roll-ups
        await execDirect(
          backend,
          "DELETE FROM gateway_rollups_hour; DELETE FROM gateway_sender_rollups_hour; DELETE FROM gateway_ip_rollups_hour; " +
            "UPDATE gateway_meta SET value = 1 WHERE name = 'schema_version';",
        );
        const t = await store();
        const migrated = await Promise.all(queries.map((q) => t.analytics(q)));
        for (const [i, q] of queries.entries()) expect(migrated[i]).to.deep.equal(before[i], JSON.stringify(q));
        await (await store()).init(); // once only
        await t.rollup(H1 + 4 * HOUR);
        const after = await Promise.all(queries.map((q) => t.analytics(q)));
        for (const [i, q] of queries.entries()) expect(after[i]).to.deep.equal(before[i], JSON.stringify(q));
      });

      it("retention deletes rolled-up raw rows and old roll-ups; roll-ups answer once the raw rows are gone", async function () {
        const s = await store();
        const rows = dataset();
        await s.appendRequests(rows);
        const unrolled = row(T0 + 10 * MIN);
        const now = T0 + 2 * 3_600_000;
        await s.rollup(T0 + 5 * MIN);
        await s.appendRequests([unrolled]); // never rolled up: retention keeps it
        const whole = { from: T0, to: T0 + 3 * MIN };
        const before = await s.analytics(whole);
        expect(await s.retention(now, 3_600_000, 30 * 86_400_000)).to.deep.equal({ raw: 25, rollups: 0 });
        expect(await s.recentRequests({ limit: 100 })).to.deep.equal([unrolled]);
        expect(await s.analytics(whole)).to.deep.equal(before);
        // past raw retention, a partial edge minute counts whole from its roll-up (minute resolution)
        expect(await s.analytics({ from: T0 + 30_000, to: T0 + 3 * MIN })).to.include({ requests: 25 });
        const second = await s.retention(now, 3_600_000, 3_600_000);
        expect(second.raw).to.equal(0);
        expect(second.rollups).to.be.greaterThan(0);
        expect(await s.analytics(whole)).to.include({ requests: 0, p50Ms: null });
        expect(await s.analytics({ from: T0, to: T0 + 11 * MIN })).to.include({ requests: 1 });
      });

      it("returns the most recent raw rows first, filtered and limited", async function () {
        const s = await store();
        const rows = dataset();
        await s.appendRequests(rows.slice(0, 12));
        await s.appendRequests(rows.slice(12));
        const newest = [...rows].sort((x, y) => y.ts - x.ts);
        expect(await s.recentRequests({ limit: 3 })).to.deep.equal(newest.slice(0, 3));
        expect(await s.recentRequests({ limit: 100 })).to.have.length(25);
        expect(await s.recentRequests({ key: KEY_B, limit: 100 })).to.deep.equal(newest.filter((r) => r.key === KEY_B));
        expect(await s.recentRequests({ dapp: "alpha", chain: "2018", limit: 2 })).to.deep.equal(newest.filter((r) => r.dapp === "alpha").slice(0, 2));
        let err: unknown;
        await s.recentRequests({ limit: 0 }).catch((e: unknown) => (err = e));
        expect((err as GatewayStoreError).code).to.equal("GATEWAY_STORE_INPUT");
      });

      it("counts 200,000 rows appended in batches, before and after rollup()", async function () {
        const s = await store();
        const keys = [KEY_A, KEY_B];
        const minutes = 200;
        const batch: RequestRow[] = [];
        let errors = 0;
        for (let m = 0; m < minutes; m++) {
          for (let n = 0; n < 1_000; n++) {
            const status = n % 50 === 0 ? "error" : "ok";
            if (status === "error") errors++;
            batch.push(
              row(T0 + m * MIN + n * 59, {
                key: keys[n % 2]!,
                method: n % 3 === 0 ? "eth_call" : "eth_blockNumber",
                status,
                latencyUs: (n % 10) * 10_000,
                ip: `10.1.${m % 256}.${n % 200}`,
              }),
            );
          }
          if (batch.length >= 20_000) await s.appendRequests(batch.splice(0));
        }
        await s.appendRequests(batch.splice(0));
        const q = { from: T0, to: T0 + minutes * MIN };
        const raw = await s.analytics(q);
        expect([raw.requests, raw.errors, raw.cu, raw.series.length]).to.deep.equal([200_000, errors, 2_000_000, 200]);
        expect(raw.topMethods.map((m) => [m.method, m.requests])).to.deep.equal([
          ["eth_blockNumber", 200 * 666],
          ["eth_call", 200 * 334],
        ]);
        expect(await s.rollup(T0 + minutes * MIN)).to.equal(200_000);
        const rolled = await s.analytics(q);
        expect(rolled).to.deep.equal(raw);
        expect(await s.analytics({ ...q, key: KEY_B })).to.include({ requests: 100_000 });
      });
    });

    if (backend === postgresBackend) {
      describe("PostgreSQL LISTEN/NOTIFY", function () {
        /** The backends LISTENing for key changes (on the whole server). */
        const listeners = async (): Promise<number[]> => {
          const c = new pg.Client({ connectionString: server!.url });
          await c.connect();
          try {
            const r = await c.query("SELECT pid FROM pg_stat_activity WHERE query = 'LISTEN gateway_keys'");
            return r.rows.map((x: { pid: number }) => x.pid);
          } finally {
            await c.end();
          }
        };
        const nextChange = (s: GatewayStore): Promise<string[]> =>
          new Promise((resolve) => {
            const off = s.onKeysChanged((keys) => {
              off();
              resolve(keys);
            });
          });

        it("listens again after its LISTEN connection is killed, and still hears changes within a second", async function () {
          const a = await store();
          const b = await store();
          const off = b.onKeysChanged(() => undefined);
          const [pid] = await waitFor("the LISTEN connection", async () => ((await listeners()).length === 1 ? listeners() : false), 5_000, 50);
          const admin = new pg.Client({ connectionString: server!.url });
          await admin.connect();
          await admin.query("SELECT pg_terminate_backend($1)", [pid]);
          await admin.end();
          await waitFor("a new LISTEN connection", async () => {
            const now = await listeners();
            return now.length === 1 && now[0] !== pid;
          }, 5_000, 50);
          const changed = nextChange(b);
          const t0 = Date.now();
          await a.putKey(apiKey(KEY_A, "alpha", T0));
          expect(await changed).to.deep.equal([KEY_A]);
          expect(Date.now() - t0).to.be.below(1_000);
          off();
          await waitFor("the LISTEN connection to close", async () => (await listeners()).length === 0, 5_000, 50);
        });

        it("hears a change whose notification never came through the one-second poll", async function () {
          const b = await store();
          const changed = nextChange(b);
          await sleep(100);
          const c = new pg.Client({ connectionString: server!.url });
          await c.connect();
          // a change row without NOTIFY: what a replica sees when the notification was lost with its connection
          await c.query(`INSERT INTO ${currentSchema}.gateway_key_changes (key, at) VALUES ($1, $2)`, [KEY_B, Date.now()]);
          await c.end();
          const t0 = Date.now();
          expect(await changed).to.deep.equal([KEY_B]);
          expect(Date.now() - t0).to.be.below(1_300);
        });
      });
    }

    describe("errors", function () {
      it("refuses work after close() with GATEWAY_STORE_CLOSED", async function () {
        const s = await open();
        await s.close();
        let err: unknown;
        await s.getKey(KEY_A).catch((e: unknown) => (err = e));
        expect(err).to.be.instanceOf(GatewayStoreError);
        expect((err as GatewayStoreError).code).to.equal("GATEWAY_STORE_CLOSED");
      });

      it("refuses a series with too many points", async function () {
        const s = await store();
        let err: unknown;
        await s.analytics({ from: T0, to: T0 + 86_400_000, bucketMs: 1_000 }).catch((e: unknown) => (err = e));
        expect((err as GatewayStoreError).code).to.equal("GATEWAY_STORE_INPUT");
      });
    });
  });
}

describe("services/gateway/store opening", function () {
  it("creates the SQLite file's folder", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gateway-open-"));
    try {
      const file = path.join(dir, "a", "b", "gateway.sqlite");
      const s = await openStore({ kind: "sqlite", path: file });
      expect(s.kind).to.equal("sqlite");
      expect(fs.existsSync(file)).to.equal(true);
      await s.close();
      expect(() => new SqliteStore(path.join(dir, "missing", "x.sqlite"))).to.throw(GatewayStoreError, /Cannot open/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names an unreachable PostgreSQL server's URL without its password", async function () {
    const port = await freePort();
    const url = `postgres://gw:s3cret@127.0.0.1:${port}/gateway`;
    let err: unknown;
    await openStore({ kind: "postgres", url }).catch((e: unknown) => (err = e));
    expect(err).to.be.instanceOf(GatewayStoreError);
    const e = err as GatewayStoreError;
    expect(e.code).to.equal("GATEWAY_STORE_CONNECT");
    expect(e.message).to.include(`127.0.0.1:${port}`).and.include("***").and.not.include("s3cret");
    expect(e.hint).to.match(/server runs/);
  });

  it("refuses a URL that is not postgres:// and a bad schema name", function () {
    expect(() => new PostgresStore("mysql://u:pw@host/db")).to.throw(GatewayStoreError, /not a postgres:\/\/ URL/);
    expect(() => new PostgresStore("not a url")).to.throw(GatewayStoreError, /not a postgres/);
    expect(() => new PostgresStore("postgres://127.0.0.1/db", { schema: "Bad-Name" })).to.throw(GatewayStoreError, /schema/);
  });
});
