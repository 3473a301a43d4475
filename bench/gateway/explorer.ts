/**
 * Part 2: the block cache's hit rate on an explorer-like workload, through a fresh gateway. Several "users" load
 * explorer pages over and over while the chain moves (a background sender puts value transfers in every block):
 *
 *   eth_blockNumber → the page's 20 blocks by number with their transactions → the receipt of every transaction on
 *   the page → the balance at `latest` of the first 10 transactions' senders → eth_getLogs over the 3 aligned ranges
 *   of 10 final blocks ending at least 3 blocks below the page's top
 *
 * Most pages are the front page (the newest 20 blocks); one in three is an older page (1..30 blocks back), so users
 * overlap on recent blocks. Pages show only blocks made during the part (22 s of background transfers come first).
 * Each user has at most 6 requests in flight (a browser's connections per host) and thinks 200–800 ms between pages.
 * The hit rate is counted from the answers' X-Cache headers and read from the gateway's /metrics.
 */
import http from "node:http";
import { sleep } from "../node/measure";
import { hexQuantity } from "../node/rpc";
import { GAS, type Account, type Hex } from "../node/workload";
import type { BenchNode } from "./system";

export interface ExplorerOptions {
  node: BenchNode;
  gatewayUrl: string;
  gatewayRpcUrl: string;
  users: number;
  durationMs: number;
  /** Background value transfers per second (straight to the node). */
  txPerSecond: number;
  /** Senders of the background transfers (fresh: nonces from 0). */
  senders: Account[];
  log: (m: string) => void;
}

export interface MethodCount {
  method: string;
  requests: number;
  hits: number;
}

export interface ExplorerResult {
  pages: number;
  requests: number;
  hits: number;
  errors: number;
  firstError: string | null;
  byMethod: MethodCount[];
  backgroundTxs: number;
  /** From the gateway's /metrics after the run (the gateway served nothing else). */
  metrics: { hitRatio: number | null; hits: number | null; misses: number | null };
}

interface Answer {
  result: unknown;
  error?: { message: string };
  hit: boolean;
}

function call(agent: http.Agent, target: URL, method: string, params: unknown[]): Promise<Answer> {
  const body = JSON.stringify({ jsonrpc: "2.0", id: 1, method, params });
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: target.hostname, port: target.port, path: target.pathname, method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          try {
            const a = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { result?: unknown; error?: { message: string } };
            resolve({ result: a.result, ...(a.error ? { error: a.error } : {}), hit: res.headers["x-cache"] === "HIT" });
          } catch (e) {
            reject(new Error(`${method}: HTTP ${res.statusCode}, not JSON: ${(e as Error).message}`));
          }
        });
        res.on("error", reject);
      },
    );
    req.setTimeout(60_000, () => req.destroy(new Error(`${method}: no answer within 60 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

/** Runs `tasks` with at most `limit` in flight. */
async function pooled<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** Parses one sample of a Prometheus text exposition (`name` or `name{labels}`). */
export function metricValue(text: string, sample: string): number | null {
  for (const line of text.split("\n")) {
    if (line.startsWith(`${sample} `)) return Number(line.slice(sample.length + 1));
  }
  return null;
}

export async function measureExplorer(o: ExplorerOptions): Promise<ExplorerResult> {
  const target = new URL(o.gatewayRpcUrl);
  const counts = new Map<string, MethodCount>();
  let pages = 0;
  let errors = 0;
  let firstError: string | null = null;
  let end = Infinity;

  // background transfers, once a second, straight to the node
  let backgroundTxs = 0;
  const nonces = o.senders.map(() => 0n);
  let sending = true;
  const background = (async () => {
    let k = 0;
    while (sending) {
      const t = performance.now();
      const calls = Array.from({ length: o.txPerSecond }, () => {
        const s = k++ % o.senders.length;
        const tx = o.node.signer.sign(o.senders[s]!.key, { nonce: nonces[s]!++, to: o.node.senders[(s + 1) % o.node.senders.length]!.address, value: 1n, gasLimit: GAS.value });
        return { method: "eth_sendRawTransaction", params: [tx.raw] };
      });
      const answers = await o.node.rpc.batch(calls);
      backgroundTxs += answers.filter((a) => !a.error).length;
      await sleep(Math.max(0, 1000 - (performance.now() - t)));
    }
  })();
  // pages show only blocks of this part (earlier parts left blocks of thousands of transactions): let 22 blocks with
  // the background transfers exist before the first page
  const first = o.node.tracker.height + 1;
  await sleep(22_000);
  end = performance.now() + o.durationMs;

  const users = Array.from({ length: o.users }, async (_, u) => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 6 });
    const req = async (method: string, params: unknown[]): Promise<unknown> => {
      let a: Answer;
      try {
        a = await call(agent, target, method, params);
      } catch (e) {
        errors++;
        firstError ??= (e as Error).message;
        return null;
      }
      const c = counts.get(method) ?? { method, requests: 0, hits: 0 };
      c.requests++;
      if (a.hit) c.hits++;
      counts.set(method, c);
      if (a.error) {
        errors++;
        firstError ??= `${method}: ${a.error.message}`;
      }
      return a.result;
    };
    await sleep(u * 150); // users arrive one after another
    while (performance.now() < end) {
      const head = Number(BigInt((await req("eth_blockNumber", [])) as string));
      const top = Math.max(first + 19, Math.random() < 2 / 3 ? head : head - 1 - Math.floor(Math.random() * 30));
      const numbers = Array.from({ length: 20 }, (_, i) => top - i);
      const blocks: { transactions: { hash: Hex; from: Hex }[] }[] = [];
      await pooled(numbers, 6, async (n) => {
        const b = (await req("eth_getBlockByNumber", [hexQuantity(n), true])) as { transactions: { hash: Hex; from: Hex }[] } | null;
        if (b) blocks.push(b);
      });
      const txs = blocks.flatMap((b) => b.transactions);
      await pooled(txs, 6, async (t) => void (await req("eth_getTransactionReceipt", [t.hash])));
      const holders = [...new Set(txs.slice(0, 10).map((t) => t.from))];
      await pooled(holders, 6, async (a) => void (await req("eth_getBalance", [a, "latest"])));
      // the three aligned 10-block ranges ending at least 3 blocks below the page's top (final, shared between users)
      const base = Math.floor((top - 12) / 10) * 10;
      const ranges = [0, 1, 2].map((k) => base - 10 * k).filter((from) => from >= 1);
      await pooled(ranges, 6, async (from) => void (await req("eth_getLogs", [{ fromBlock: hexQuantity(from), toBlock: hexQuantity(from + 9) }])));
      pages++;
      await sleep(200 + Math.random() * 600);
    }
    agent.destroy();
  });
  await Promise.all(users);
  sending = false;
  await background;

  const text = await (await fetch(`${o.gatewayUrl}/metrics`)).text();
  const byMethod = [...counts.values()].sort((a, b) => b.requests - a.requests);
  return {
    pages,
    requests: byMethod.reduce((s, m) => s + m.requests, 0),
    hits: byMethod.reduce((s, m) => s + m.hits, 0),
    errors,
    firstError,
    byMethod,
    backgroundTxs,
    metrics: {
      hitRatio: metricValue(text, "luniverse_gateway_cache_hit_ratio"),
      hits: metricValue(text, 'luniverse_gateway_cache_requests_total{result="hit"}'),
      misses: metricValue(text, 'luniverse_gateway_cache_requests_total{result="miss"}'),
    },
  };
}
