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
import { keccak256, recoveryInput } from "./common";
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

/** Where an RLP item's payload starts and ends, and where the next item starts; null when it runs past `end`. */
function rlpItem(b: Uint8Array, at: number, end: number): { start: number; stop: number; list: boolean } | null {
  if (at >= end) return null;
  const p = b[at]!;
  let start: number;
  let len: number;
  let list = false;
  if (p < 0x80) return { start: at, stop: at + 1, list: false };
  if (p <= 0xb7) [start, len] = [at + 1, p - 0x80];
  else if (p <= 0xbf || (p >= 0xf8 && p <= 0xff)) {
    const n = p <= 0xbf ? p - 0xb7 : p - 0xf7;
    if (n > 4 || at + 1 + n > end) return null;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[at + 1 + i]!;
    start = at + 1 + n;
    list = p >= 0xf8;
  } else [start, len, list] = [at + 1, p - 0xc0, true];
  return start + len <= end ? { start, stop: start + len, list } : null;
}

/**
 * The signing hash, r and s of a typed (EIP-2930 / EIP-1559) transaction read from its encoding: the message signed
 * is the type byte and the RLP list of every field but the last three (y-parity, r, s) — whose encodings stand in the
 * signed transaction's bytes unchanged, so they are hashed under a new list header instead of being re-encoded field
 * by field (as `getMessageToVerifySignature()` does). Null when the bytes are not that shape (the caller then asks
 * ethereumjs). Tested equal to ethereumjs' on random transactions.
 */
export function typedSigningInput(raw: Uint8Array, fields: number): { hash: Uint8Array; r: Uint8Array; s: Uint8Array } | null {
  const outer = rlpItem(raw, 1, raw.length);
  if (outer === null || !outer.list || outer.stop !== raw.length) return null;
  const starts: number[] = [];
  const stops: number[] = [];
  for (let at = outer.start; at < outer.stop; ) {
    const item = rlpItem(raw, at, outer.stop);
    if (item === null) return null;
    starts.push(at);
    stops.push(item.stop);
    at = item.stop;
  }
  if (starts.length !== fields) return null;
  const from = outer.start;
  const to = starts[fields - 3]!;
  const len = to - from;
  const header = len < 56 ? [0xc0 + len] : [];
  if (len >= 56) {
    const lb: number[] = [];
    for (let l = len; l > 0; l = Math.floor(l / 256)) lb.unshift(l & 0xff);
    header.push(0xf7 + lb.length, ...lb);
  }
  const msg = new Uint8Array(1 + header.length + len);
  msg[0] = raw[0]!;
  msg.set(header, 1);
  msg.set(raw.subarray(from, to), 1 + header.length);
  const payload = (i: number) => {
    const item = rlpItem(raw, starts[i]!, stops[i]!)!;
    return raw.subarray(item.start, item.stop);
  };
  return { hash: keccak256(msg), r: payload(fields - 2), s: payload(fields - 1) };
}

/** Fields of the typed transactions whose signing input is read from their bytes: type → number of RLP fields. */
const TYPED_FIELDS: Record<number, number> = { 1: 11, 2: 12 };

/** The bytes the worker recovers from, or null when ethereumjs would refuse the signature (the pool then says why). */
function recoveryBytes(tx: TypedTransaction): Uint8Array | null {
  const { v, r, s } = tx;
  if (v === undefined || r === undefined || s === undefined || s > SECP256K1_ORDER_DIV_2) return null;
  try {
    const fields = TYPED_FIELDS[tx.type];
    const fromRaw = fields === undefined ? null : typedSigningInput(tx.serialize(), fields);
    const out = new Uint8Array(ITEM);
    if (fromRaw !== null) {
      const { signature, recovery } = recoveryInput(v, fromRaw.r, fromRaw.s);
      out.set(fromRaw.hash, 0);
      out.set(signature, 32);
      out[96] = recovery;
      return out;
    }
    const chainId = tx.supports(Capability.EIP155ReplayProtection) ? tx.common.chainId() : undefined;
    const { signature, recovery } = recoveryInput(v, bigIntToUnpaddedBytes(r), bigIntToUnpaddedBytes(s), chainId);
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
