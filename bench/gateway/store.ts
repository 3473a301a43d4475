/**
 * Parts 3 and 4: the request log's store, without a gateway in front.
 *
 * - log: rows per second that `appendRequests` sustains in batches of 500 (one transaction per batch), on a fresh
 *   store, for a fixed number of rows;
 * - analytics: a fresh store filled with synthetic rows spread over the last 24 h, `rollup()`, then analytics queries
 *   over random windows (last hour, last day; all traffic, one key, one method) timed one by one — and a few of the
 *   same queries before the roll-up, when every row is still raw.
 *
 * The synthetic traffic: 50 keys of 10 DApps (a few keys make most of it), 15 methods weighted as DApps call them,
 * 1,000 client addresses, 2,000 senders (on sends and calls), 4 nodes and 3 regions; 96 % ok, 3 % node errors, 1 %
 * refused; cache hits on about half of the cacheable reads; latencies log-normal around 0.2 ms (hits) or 3 ms.
 */
import type { AnalyticsQuery, GatewayStore, RequestRow } from "../../services/gateway/types";

const METHODS: [string, number, boolean][] = [
  // method, weight, cacheable (when at a final block)
  ["eth_call", 30, true],
  ["eth_getBlockByNumber", 12, true],
  ["eth_blockNumber", 12, false],
  ["eth_getTransactionReceipt", 10, true],
  ["eth_getBalance", 8, true],
  ["eth_sendRawTransaction", 6, false],
  ["eth_getLogs", 5, true],
  ["eth_chainId", 4, true],
  ["eth_getTransactionCount", 4, false],
  ["eth_estimateGas", 3, false],
  ["eth_gasPrice", 2, false],
  ["eth_getCode", 1.5, true],
  ["eth_getTransactionByHash", 1.5, true],
  ["net_version", 0.5, true],
  ["eth_feeHistory", 0.5, false],
];
const CU: Record<string, number> = { eth_call: 26, eth_getBlockByNumber: 16, eth_getTransactionReceipt: 15, eth_getBalance: 20, eth_sendRawTransaction: 250, eth_getLogs: 75, eth_getTransactionCount: 20, eth_estimateGas: 87, eth_gasPrice: 19, eth_getCode: 20, eth_getTransactionByHash: 17 };

/** A small deterministic PRNG (mulberry32), so runs fill the same rows. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const KEYS = Array.from({ length: 50 }, (_, i) => (0x1000 + i).toString(16).padStart(32, "a"));
export const METHOD_NAMES = METHODS.map((m) => m[0]);

/** Synthetic request rows. `ts(i)` gives the time of the i-th row. */
export class RowMaker {
  private readonly r: () => number;
  private readonly cumulative: number[];
  private readonly ips = Array.from({ length: 1000 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.${(i * 7) % 250}`);
  private readonly senders = Array.from({ length: 2000 }, (_, i) => `0x${(i + 1).toString(16).padStart(40, "0")}`);

  constructor(seed = 1) {
    this.r = rng(seed);
    const total = METHODS.reduce((s, m) => s + m[1], 0);
    let acc = 0;
    this.cumulative = METHODS.map((m) => (acc += m[1] / total));
  }

  /** Skewed pick in [0, n): index ~ n × u³ (a few make most of it). */
  private skewed(n: number): number {
    const u = this.r();
    return Math.min(n - 1, Math.floor(n * u * u * u));
  }

  /** A standard normal deviate (Box–Muller). */
  private normal(): number {
    return Math.sqrt(-2 * Math.log(1 - this.r())) * Math.cos(2 * Math.PI * this.r());
  }

  row(ts: number): RequestRow {
    const u = this.r();
    let mi = this.cumulative.findIndex((c) => u <= c);
    if (mi < 0) mi = METHODS.length - 1;
    const [method, , cacheable] = METHODS[mi]!;
    const k = this.skewed(KEYS.length);
    const s = this.r();
    const status = s < 0.96 ? "ok" : s < 0.99 ? "error" : "rejected";
    const hit = status === "ok" && cacheable && this.r() < 0.5;
    const latencyUs = status === "rejected" ? 0 : Math.max(20, Math.round(Math.exp((hit ? Math.log(200) : Math.log(3000)) + (hit ? 0.4 : 1) * this.normal())));
    const withSender = method === "eth_sendRawTransaction" || method === "eth_call" || method === "eth_estimateGas";
    return {
      ts,
      key: KEYS[k]!,
      dapp: `dapp-${k % 10}`,
      chain: "2018",
      method,
      cu: status === "rejected" ? 0 : (CU[method] ?? 10),
      status,
      errorCode: status === "ok" ? null : status === "error" ? 3 : 429,
      latencyUs,
      cacheHit: hit,
      upstream: hit || status === "rejected" ? null : `v${1 + Math.floor(this.r() * 4)}`,
      region: ["eu", "us", "asia"][Math.floor(this.r() * 3)]!,
      ip: this.ips[this.skewed(this.ips.length)]!,
      sender: withSender ? this.senders[this.skewed(this.senders.length)]! : null,
    };
  }
}

export interface WriteResult {
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  /** ms per batch of 500: p50, p99. */
  batchP50Ms: number;
  batchP99Ms: number;
}

/** `appendRequests` in batches of `batch`, `rows` rows at the current time (rows made before the clock starts). */
export async function measureWrites(store: GatewayStore, rows: number, batch = 500): Promise<WriteResult> {
  const maker = new RowMaker(7);
  const now = Date.now();
  const batches: RequestRow[][] = [];
  for (let i = 0; i < rows; i += batch) batches.push(Array.from({ length: Math.min(batch, rows - i) }, (_, j) => maker.row(now + Math.floor((i + j) / 10))));
  const times: number[] = [];
  const t0 = performance.now();
  for (const b of batches) {
    const t = performance.now();
    await store.appendRequests(b);
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - t0) / 1000;
  times.sort((a, b) => a - b);
  const p = (q: number) => times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)]!;
  return { rows, seconds, rowsPerSecond: rows / seconds, batchP50Ms: p(0.5), batchP99Ms: p(0.99) };
}

/** Fills `rows` rows evenly over [now − 24 h, now − 2 min), in time order, in batches of 5,000. */
export async function fill(store: GatewayStore, rows: number, now: number, onProgress?: (n: number) => void): Promise<number> {
  const maker = new RowMaker(11);
  const from = now - 86_400_000;
  const span = 86_400_000 - 120_000;
  const t0 = performance.now();
  for (let i = 0; i < rows; i += 5000) {
    const n = Math.min(5000, rows - i);
    await store.appendRequests(Array.from({ length: n }, (_, j) => maker.row(from + Math.floor(((i + j) * span) / rows))));
    if ((i + n) % 100_000 === 0) onProgress?.(i + n);
  }
  return (performance.now() - t0) / 1000;
}

export interface QueryTiming {
  label: string;
  ms: number;
  requests: number;
}

/** `n` analytics queries over random windows: last hour or last day; all traffic, one key or one method. */
export async function timeQueries(store: GatewayStore, n: number, now: number, seed: number): Promise<QueryTiming[]> {
  const r = rng(seed);
  const out: QueryTiming[] = [];
  for (let i = 0; i < n; i++) {
    const span = i % 2 === 0 ? 3_600_000 : 86_400_000;
    const kind = Math.floor(i / 2) % 3;
    // windows end within the last hour (not on minute boundaries: partial edge minutes come from raw rows)
    const to = now - Math.floor(r() * 3_600_000);
    const q: AnalyticsQuery = { from: to - span, to };
    if (kind === 1) q.key = KEYS[Math.floor(r() * r() * KEYS.length)]!;
    if (kind === 2) q.method = METHOD_NAMES[Math.floor(r() * METHOD_NAMES.length)]!;
    const t = performance.now();
    const a = await store.analytics(q);
    out.push({ label: `${span === 3_600_000 ? "hour" : "day"}${q.key ? ", one key" : q.method ? ", one method" : ""}`, ms: performance.now() - t, requests: a.requests });
  }
  return out;
}
