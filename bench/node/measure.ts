/**
 * Measuring: a block tracker (polls the head; a block is "seen" when the head reaches it — on our node every
 * committed block is final), the load driver (concurrent HTTP clients sending pre-built batches with a bounded
 * backlog), and percentiles.
 */
import type { Batch, Hex } from "./workload";
import { hexQuantity, parseBatch, RpcClient } from "./rpc";

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export type BlockListener = (number: number, seenAt: number, txs: Hex[]) => void;

/**
 * Polls `eth_blockNumber` every `pollMs` on one connection and records when each height was first seen; a second
 * loop fetches the new blocks' transaction hashes (`eth_getBlockByNumber(n, false)`, batched) on another
 * connection, so a slow fetch never delays the clock of the next block.
 */
export class BlockTracker {
  readonly seenAt = new Map<number, number>();
  private readonly poller: RpcClient;
  private readonly fetcher: RpcClient;
  private running = false;
  private head = 0;
  private fetched = 0;
  private readonly listeners = new Set<BlockListener>();
  private loops: Promise<void>[] = [];
  /** The last failed poll or fetch (each is retried; `errors` counts them). */
  error: Error | null = null;
  errors = 0;

  constructor(
    url: string,
    private readonly pollMs = 10,
    private readonly fetchChunk = 100,
  ) {
    this.poller = new RpcClient(url, 30_000);
    this.fetcher = new RpcClient(url, 120_000);
  }

  get height(): number {
    return this.head;
  }

  on(fn: BlockListener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async start(): Promise<void> {
    this.head = Number(BigInt(await this.poller.call<string>("eth_blockNumber")));
    this.fetched = this.head;
    this.running = true;
    this.loops = [this.pollLoop(), this.fetchLoop()];
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled(this.loops);
    this.poller.close();
    this.fetcher.close();
  }

  private async pollLoop(): Promise<void> {
    while (this.running) {
      try {
        const h = Number(BigInt(await this.poller.call<string>("eth_blockNumber")));
        const t = performance.now();
        for (let n = this.head + 1; n <= h; n++) this.seenAt.set(n, t);
        if (h > this.head) this.head = h;
      } catch (e) {
        this.error = e as Error;
        this.errors++;
      }
      await sleep(this.pollMs);
    }
  }

  private async fetchLoop(): Promise<void> {
    while (this.running || this.fetched < this.head) {
      if (this.fetched >= this.head) {
        await sleep(this.pollMs);
        continue;
      }
      const from = this.fetched + 1;
      const to = Math.min(this.head, this.fetched + this.fetchChunk);
      const body = JSON.stringify(
        Array.from({ length: to - from + 1 }, (_, i) => ({ jsonrpc: "2.0", id: from + i, method: "eth_getBlockByNumber", params: [hexQuantity(from + i), false] })),
      );
      try {
        const answers = parseBatch(await this.fetcher.post(body)).sort((a, b) => a.id - b.id);
        for (const a of answers) {
          const block = a.result as { transactions: Hex[] } | null;
          if (a.error || !block) throw new Error(`eth_getBlockByNumber(${a.id}): ${a.error?.message ?? "null block"}`);
          for (const fn of this.listeners) fn(a.id, this.seenAt.get(a.id) ?? performance.now(), block.transactions);
        }
        this.fetched = to;
      } catch (e) {
        this.error = e as Error;
        this.errors++;
        await sleep(100);
        if (!this.running) return;
      }
    }
  }
}

/** Sends ready-made transactions (setup: funding, deploy, mints) and waits until every one is in a block. */
export async function sendAndWait(rpc: RpcClient, tracker: BlockTracker, txs: { raw: Hex; hash: Hex }[], what: string, chunkSize = 200, timeoutMs = 120_000): Promise<void> {
  const waiting = new Set(txs.map((t) => t.hash));
  const off = tracker.on((_n, _t, hashes) => {
    for (const h of hashes) waiting.delete(h);
  });
  try {
    for (let i = 0; i < txs.length; i += chunkSize) {
      const chunk = txs.slice(i, i + chunkSize);
      const answers = await rpc.batch(chunk.map((t) => ({ method: "eth_sendRawTransaction", params: [t.raw] })));
      const bad = answers.filter((a) => a.error);
      if (bad.length > 0) throw new Error(`${what}: ${bad.length} of ${chunk.length} transactions rejected, first: ${bad[0]!.error!.message}`);
    }
    const deadline = performance.now() + timeoutMs;
    while (waiting.size > 0) {
      if (performance.now() > deadline) throw new Error(`${what}: ${waiting.size} of ${txs.length} transactions not in a block after ${timeoutMs / 1000} s${tracker.error ? ` (tracker: ${tracker.error.message})` : ""}`);
      await sleep(50);
    }
  } finally {
    off();
  }
}

export interface DriveOptions {
  urls: string[];
  plans: Batch[][];
  tracker: BlockTracker;
  durationMs: number;
  /** Fixed cap on sent-but-not-included transactions; null = adaptive (1.5 s of the recent rate, at least `minBacklog`). */
  backlog: number | null;
  minBacklog: number;
  /** After the window, wait at most this long for the backlog to drain (for finality of the last sends). */
  drainMs: number;
  onStatus?: (s: DriveStatus) => void;
}

export interface DriveStatus {
  elapsedS: number;
  sent: number;
  included: number;
  tps10s: number;
  height: number;
}

export interface DriveResult {
  windowMs: number;
  sent: number;
  accepted: number;
  rejected: number;
  errors: Map<string, number>;
  transportErrors: string[];
  includedInWindow: number;
  includedTotal: number;
  notIncluded: number;
  exhausted: boolean;
  finalityMs: number[];
  blockIntervalsMs: number[];
  blocksInWindow: number;
  /** Transactions per block seen in the window: largest and average. */
  maxBlockTxs: number;
  /** Per 60-second window of the measured window (the last one may be shorter): TPS and block interval p99. */
  minutes: { tps: number; p99IntervalMs: number | null }[];
  trackerError: string | null;
}

/**
 * Runs the clients for `durationMs`. Client i sends to `urls[i % urls.length]`, one batch at a time (so a sender's
 * nonces arrive in order), and waits while the backlog (accepted, not yet in a block) is over the cap.
 */
export async function drive(o: DriveOptions): Promise<DriveResult> {
  const batchOf = new Map<Hex, Batch>();
  for (const plan of o.plans) for (const b of plan) for (const h of b.hashes) batchOf.set(h, b);
  const finality: number[] = [];
  const inclusions: { t: number; n: number }[] = [];
  let included = 0;
  let includedInWindow = 0;
  let t0 = Infinity;
  let tEnd = Infinity;
  const blocks: { n: number; t: number; txs: number }[] = [];
  const off = o.tracker.on((n, t, hashes) => {
    let mine = 0;
    for (const h of hashes) {
      const b = batchOf.get(h);
      if (!b) continue;
      mine++;
      finality.push(t - b.sentAt);
    }
    included += mine;
    if (t >= t0 && t <= tEnd) includedInWindow += mine;
    inclusions.push({ t, n: mine });
    blocks.push({ n, t, txs: hashes.length });
  });

  let sent = 0;
  let rejected = 0;
  const errors = new Map<string, number>();
  const transportErrors: string[] = [];
  let exhausted = false;
  const recentRate = (): number => {
    const now = performance.now();
    let n = 0;
    for (let i = inclusions.length - 1; i >= 0 && inclusions[i]!.t > now - 3000; i--) n += inclusions[i]!.n;
    return n / 3;
  };
  const cap = (): number => o.backlog ?? Math.max(o.minBacklog, 1.5 * recentRate());

  t0 = performance.now();
  tEnd = t0 + o.durationMs;
  const status = setInterval(() => {
    const now = performance.now();
    let n10 = 0;
    for (let i = inclusions.length - 1; i >= 0 && inclusions[i]!.t > now - 10_000; i--) n10 += inclusions[i]!.n;
    o.onStatus?.({ elapsedS: (now - t0) / 1000, sent: sent - rejected, included, tps10s: n10 / Math.min(10, (now - t0) / 1000), height: o.tracker.height });
  }, 5000);

  const clients = o.plans.map((plan, i) => ({ plan, rpc: new RpcClient(o.urls[i % o.urls.length]!) }));
  // a request still unanswered at the end of the drain is abandoned (its connection destroyed) and reported
  let abandon: NodeJS.Timeout | undefined;
  const cutOff = new Promise<void>((resolve) => {
    abandon = setTimeout(() => {
      if (transportErrors.length < 20) transportErrors.push(`${((performance.now() - t0) / 1000).toFixed(1)} s: requests still unanswered at the end of the drain; abandoned`);
      for (const c of clients) c.rpc.close();
      resolve();
    }, o.durationMs + o.drainMs);
  });
  const sending = Promise.all(
    clients.map(async ({ plan, rpc }) => {
      for (let bi = 0; bi < plan.length; bi++) {
        if (performance.now() >= tEnd) return;
        while (sent - rejected - included > cap() && performance.now() < tEnd) await sleep(2);
        if (performance.now() >= tEnd) return;
        const b = plan[bi]!;
        b.sentAt = performance.now();
        let text: string | null = null;
        for (let attempt = 0; attempt < 3 && text === null; attempt++) {
          try {
            text = await rpc.post(b.body);
          } catch (e) {
            if (transportErrors.length < 20) transportErrors.push(`${((performance.now() - t0) / 1000).toFixed(1)} s: ${(e as Error).message}`);
            await sleep(200);
          }
        }
        sent += b.hashes.length;
        if (text === null) {
          rejected += b.hashes.length;
          continue;
        }
        for (const a of parseBatch(text)) {
          if (!a.error) continue;
          rejected++;
          const msg = a.error.message.replace(/0x[0-9a-fA-F]{8,}/g, "0x…").replace(/\d{3,}/g, "N");
          errors.set(msg, (errors.get(msg) ?? 0) + 1);
        }
      }
      exhausted = true;
    }),
  );
  await Promise.race([sending, cutOff]);
  clearTimeout(abandon);
  for (const c of clients) c.rpc.close();
  const sendEnd = Math.max(performance.now(), tEnd);
  while (performance.now() < tEnd) await sleep(50);
  const drainDeadline = sendEnd + o.drainMs;
  while (sent - rejected > included && performance.now() < drainDeadline) await sleep(50);
  await sleep(Math.min(500, Math.max(0, drainDeadline - performance.now())));
  clearInterval(status);
  off();

  const inWindow = blocks.filter((b) => b.t >= t0 && b.t <= tEnd).sort((a, b) => a.n - b.n);
  const intervals: number[] = [];
  const minutes: { n: number; ms: number; intervals: number[] }[] = [];
  for (let m = 0; m * 60_000 < o.durationMs; m++) minutes.push({ n: 0, ms: Math.min(60_000, o.durationMs - m * 60_000), intervals: [] });
  for (const x of inclusions) if (x.t >= t0 && x.t <= tEnd) minutes[Math.min(minutes.length - 1, Math.floor((x.t - t0) / 60_000))]!.n += x.n;
  for (let i = 1; i < inWindow.length; i++) {
    if (inWindow[i]!.n !== inWindow[i - 1]!.n + 1) continue;
    const gap = inWindow[i]!.t - inWindow[i - 1]!.t;
    intervals.push(gap);
    minutes[Math.min(minutes.length - 1, Math.floor((inWindow[i]!.t - t0) / 60_000))]!.intervals.push(gap);
  }
  return {
    windowMs: o.durationMs,
    sent,
    accepted: sent - rejected,
    rejected,
    errors,
    transportErrors,
    includedInWindow,
    includedTotal: included,
    notIncluded: sent - rejected - included,
    exhausted,
    finalityMs: finality.sort((a, b) => a - b),
    blockIntervalsMs: intervals.sort((a, b) => a - b),
    blocksInWindow: inWindow.length,
    maxBlockTxs: inWindow.reduce((m, b) => Math.max(m, b.txs), 0),
    minutes: minutes.map((m) => ({ tps: m.n / (m.ms / 1000), p99IntervalMs: percentile(m.intervals.sort((a, b) => a - b), 99) })),
    trackerError: o.tracker.error ? `${o.tracker.errors} failed poll(s)/fetch(es), each retried; last: ${o.tracker.error.message}` : null,
  };
}
