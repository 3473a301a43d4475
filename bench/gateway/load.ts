/**
 * A closed-loop HTTP load generator: `clients` concurrent clients, each on its own keep-alive connection (node:http
 * Agent, one socket), sending one JSON-RPC request and waiting for its answer in a loop for a given time. Latency is
 * measured per request with process.hrtime (request written → last byte of the answer read).
 */
import http from "node:http";

export interface LoadOptions {
  url: string;
  clients: number;
  durationMs: number;
  /** Unmeasured load first (connections, JIT, cache fill). */
  warmupMs: number;
  /** The body of the next request of client `c` (its `i`-th); null: this client has nothing more to send. */
  body: (c: number, i: number) => string | null;
}

export interface LoadResult {
  /** Requests answered in the measured window. */
  requests: number;
  /** Requests sent in all, the warm-up's included. */
  total: number;
  /** Requests per second over the measured window. */
  rps: number;
  /** Latencies in ms, sorted. */
  latenciesMs: Float64Array;
  /** Answers with a JSON-RPC error, or an HTTP status other than 200, or a transport error. */
  errors: number;
  firstError: string | null;
  /** X-Cache header values counted. */
  cache: { hit: number; miss: number; none: number };
  /** A client ran out of bodies before the window ended (its figures are a lower bound). */
  exhausted: boolean;
}

interface Answer {
  status: number;
  text: string;
  xCache: string | undefined;
}

function post(agent: http.Agent, target: URL, body: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8"), xCache: res.headers["x-cache"] as string | undefined }));
        res.on("error", reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error("no answer within 60 s")));
    req.on("error", reject);
    req.end(body);
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const target = new URL(o.url);
  const agents = Array.from({ length: o.clients }, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
  const lat: number[] = [];
  let errors = 0;
  let firstError: string | null = null;
  const cache = { hit: 0, miss: 0, none: 0 };
  let exhausted = false;
  let total = 0;
  const start = performance.now();
  const measureFrom = start + o.warmupMs;
  const end = measureFrom + o.durationMs;
  let measuredFrom = Infinity;
  let measuredTo = 0;
  const fail = (why: string): void => {
    errors++;
    firstError ??= why;
  };
  await Promise.all(
    agents.map(async (agent, c) => {
      for (let i = 0; ; i++) {
        const now = performance.now();
        if (now >= end) return;
        const body = o.body(c, i);
        if (body === null) {
          exhausted = true;
          return;
        }
        const measured = now >= measureFrom;
        const t0 = process.hrtime.bigint();
        let a: Answer | null = null;
        try {
          a = await post(agent, target, body);
        } catch (e) {
          if (measured) fail((e as Error).message);
        }
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        total++;
        if (!measured) continue;
        measuredFrom = Math.min(measuredFrom, now);
        measuredTo = Math.max(measuredTo, performance.now());
        if (a === null) continue;
        lat.push(ms);
        if (a.status !== 200) fail(`HTTP ${a.status}: ${a.text.slice(0, 200)}`);
        else if (a.text.includes('"error"')) fail(a.text.slice(0, 200));
        if (a.xCache === "HIT") cache.hit++;
        else if (a.xCache === "MISS") cache.miss++;
        else cache.none++;
      }
    }),
  );
  for (const a of agents) a.destroy();
  const latenciesMs = Float64Array.from(lat).sort();
  // requests started in [measureFrom, end), the last answered at measuredTo
  const windowMs = Math.max(1, measuredTo - Math.min(measuredFrom, measureFrom));
  return { requests: lat.length, total, rps: (lat.length / windowMs) * 1000, latenciesMs, errors, firstError, cache, exhausted };
}

/** The p-th percentile (0–100) of sorted values; NaN when empty. */
export function pct(sorted: Float64Array | number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
