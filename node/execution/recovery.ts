/**
 * Sender recovery off the main thread.
 *
 * Recovering a transaction's sender (native `ecdsaRecover`, ~60 µs) is the largest share of admitting it, and the
 * node's main thread also builds, replays and commits blocks. Where a core is free, a worker thread does the curve
 * arithmetic: `recover(tx)` computes on the main thread exactly what ethereumjs' `getSenderPublicKey()` would hand to
 * `ecrecover` (the signing hash, r ‖ s and the recovery id from v — EIP-155 when the transaction uses it) and queues
 * it; the queue goes to the worker in one message per event-loop turn (a JSON-RPC batch of 200 is one message), packed
 * in one buffer. The public key that comes back is put in the transaction's own cache (`setSenderPublicKey`), where the
 * pool, the executor and `getSenderAddress()` find it. Whatever the worker cannot recover — and anything unusual (a
 * high s, an invalid v) — is left uncached, so the pool's own recovery on the main thread gives ethereumjs' error.
 *
 * The worker is a few lines of plain JavaScript around the `secp256k1` addon (no TypeScript compiler, no ethereumjs in
 * its heap). `workers: 0` recovers on the main thread (as before); the node's `pool.recoveryWorkers` (default 1) sets
 * it. The worker starts with the first transaction to recover.
 */
import { Worker } from "node:worker_threads";
import { Capability, type TypedTransaction } from "@ethereumjs/tx";
import { SECP256K1_ORDER_DIV_2, bigIntToUnpaddedBytes } from "@ethereumjs/util";
import { recoveryInput } from "./common";
import { setSenderPublicKey } from "./txMemo";

/** Per transaction in a request: signing hash (32) ‖ r ‖ s (64) ‖ recovery id (1). */
const ITEM = 97;

const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const secp256k1 = require(workerData.secp256k1);
parentPort.on("message", ({ id, items }) => {
  const n = items.length / ${ITEM};
  const keys = new Uint8Array(n * 64);
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * ${ITEM};
    try {
      const pub = secp256k1.ecdsaRecover(items.subarray(at + 32, at + 96), items[at + 96], items.subarray(at, at + 32), false);
      keys.set(pub.subarray(1), i * 64);
      ok[i] = 1;
    } catch {}
  }
  parentPort.postMessage({ id, keys, ok }, [keys.buffer, ok.buffer]);
});
`;

interface Waiting {
  tx: TypedTransaction;
  input: Uint8Array;
  resolve: () => void;
}

/** The bytes the worker recovers from, or null when ethereumjs would refuse the signature (the pool then says why). */
function recoveryBytes(tx: TypedTransaction): Uint8Array | null {
  const { v, r, s } = tx;
  if (v === undefined || r === undefined || s === undefined || s > SECP256K1_ORDER_DIV_2) return null;
  try {
    const chainId = tx.supports(Capability.EIP155ReplayProtection) ? tx.common.chainId() : undefined;
    const { signature, recovery } = recoveryInput(v, bigIntToUnpaddedBytes(r), bigIntToUnpaddedBytes(s), chainId);
    const out = new Uint8Array(ITEM);
    out.set(tx.getMessageToVerifySignature(), 0);
    out.set(signature, 32);
    out[96] = recovery;
    return out;
  } catch {
    return null;
  }
}

export class SenderRecovery {
  private worker: Worker | null = null;
  private queue: Waiting[] = [];
  private scheduled = false;
  private inFlight = new Map<number, Waiting[]>();
  private nextId = 0;
  private closed = false;
  /** Transactions recovered by the worker, and the messages that carried them (for the metrics and the tests). */
  recovered = 0;
  messages = 0;

  constructor(private readonly workers: number) {}

  /** Resolves once the sender's public key is cached in `tx` (or recovery failed: the pool will say why). */
  recover(tx: TypedTransaction): Promise<void> {
    if (this.workers <= 0 || this.closed || (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey !== undefined) return Promise.resolve();
    const input = recoveryBytes(tx);
    if (input === null) return Promise.resolve();
    return new Promise((resolve) => {
      this.queue.push({ tx, input, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private start(): Worker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { secp256k1: require.resolve("secp256k1") }, execArgv: [] });
    worker.unref();
    worker.on("message", (msg: { id: number; keys: Uint8Array; ok: Uint8Array }) => {
      const batch = this.inFlight.get(msg.id);
      if (!batch) return;
      this.inFlight.delete(msg.id);
      batch.forEach((w, i) => {
        if (msg.ok[i] === 1) {
          setSenderPublicKey(w.tx, msg.keys.slice(i * 64, i * 64 + 64));
          this.recovered++;
        }
        w.resolve();
      });
    });
    const releaseAll = () => {
      // the worker is gone: everything waiting is recovered on the main thread by the pool
      for (const batch of this.inFlight.values()) for (const w of batch) w.resolve();
      this.inFlight.clear();
      this.worker = null;
    };
    worker.on("error", releaseAll);
    worker.on("exit", releaseAll);
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
    this.messages++;
    this.inFlight.set(id, batch);
    const items = new Uint8Array(batch.length * ITEM);
    batch.forEach((w, i) => items.set(w.input, i * ITEM));
    this.worker.postMessage({ id, items }, [items.buffer]);
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
