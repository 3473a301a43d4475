/**
 * Sender recovery off the main thread.
 *
 * Recovering a transaction's sender (native `ecdsaRecover`, ~60 µs, plus the signing hash) is the largest share of
 * admitting it, and the node's main thread also builds, replays and commits blocks. Where a core is free, a worker
 * thread recovers the senders of the transactions being admitted: `recover(tx)` queues the transaction, the queue goes
 * to the worker in one message per event-loop turn (a JSON-RPC batch of 200 becomes one message), and the public key
 * that comes back is put in the transaction's own cache (`setSenderPublicKey`), where the pool, the executor and
 * `getSenderAddress()` find it. The worker runs ethereumjs' own `getSenderPublicKey()` on its copy (the same checks:
 * low s, recovery id, EIP-155 chain id); when it fails, nothing is cached and the pool's own recovery gives the error.
 *
 * `workers: 0` recovers on the main thread (as before); the node's `pool.recoveryWorkers` (default 1) sets it. The
 * worker starts with the first transaction to recover.
 */
import path from "node:path";
import { Worker } from "node:worker_threads";
import type { TypedTransaction } from "@ethereumjs/tx";
import { setSenderPublicKey } from "./txMemo";

interface Waiting {
  tx: TypedTransaction;
  resolve: () => void;
}

export class SenderRecovery {
  private worker: Worker | null = null;
  private queue: Waiting[] = [];
  private scheduled = false;
  private inFlight = new Map<number, Waiting[]>();
  private nextId = 0;
  private closed = false;
  /** Transactions recovered by the worker (for the metrics and the tests). */
  recovered = 0;

  constructor(
    private readonly chainId: bigint,
    private readonly workers: number,
  ) {}

  /** Resolves once the sender's public key is cached in `tx` (or recovery failed: the pool will say why). */
  recover(tx: TypedTransaction): Promise<void> {
    if (this.workers <= 0 || this.closed || (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey !== undefined) return Promise.resolve();
    return new Promise((resolve) => {
      this.queue.push({ tx, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private start(): Worker {
    const file = path.join(__dirname, `recoveryWorker${path.extname(__filename)}`);
    const worker = new Worker(file, {
      workerData: { chainId: this.chainId.toString() },
      // TypeScript sources run through ts-node in the worker as in the node itself; never inherit --cpu-prof etc.
      execArgv: path.extname(__filename) === ".ts" ? ["--require", "ts-node/register/transpile-only"] : [],
    });
    worker.unref();
    worker.on("message", (msg: { id: number; keys: (Uint8Array | null)[] }) => {
      const batch = this.inFlight.get(msg.id);
      if (!batch) return;
      this.inFlight.delete(msg.id);
      batch.forEach((w, i) => {
        const key = msg.keys[i];
        if (key) {
          setSenderPublicKey(w.tx, key);
          this.recovered++;
        }
        w.resolve();
      });
    });
    const failAll = () => {
      // the worker is gone: everything waiting is recovered on the main thread by the pool
      for (const batch of this.inFlight.values()) for (const w of batch) w.resolve();
      this.inFlight.clear();
      this.worker = null;
    };
    worker.on("error", failAll);
    worker.on("exit", failAll);
    return worker;
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    if (this.closed) {
      for (const w of batch) w.resolve();
      return;
    }
    this.worker ??= this.start();
    const id = this.nextId++;
    this.inFlight.set(id, batch);
    this.worker.postMessage({ id, raws: batch.map((w) => w.tx.serialize()) });
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const w of this.queue) w.resolve();
    this.queue = [];
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
    for (const batch of this.inFlight.values()) for (const w of batch) w.resolve();
    this.inFlight.clear();
  }
}
