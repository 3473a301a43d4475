/**
 * Transaction pool micro-benchmark: admission, pending() ordering, a block's removal, and eviction in a full pool.
 * Prints figures; decides nothing.
 *
 *   npx ts-node --transpile-only bench/node/txpool.ts
 */
import secp256k1 from "secp256k1";
import { createTx, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { makeCommon } from "../../node/execution/common";
import { TxPool, type PoolAccount, type TxPoolOptions } from "../../node/txpool";
import { machine } from "../machine";

const CHAIN = 4242n;
const GWEI = 1_000_000_000n;
const common = makeCommon(CHAIN);
const TO: `0x${string}` = "0x00000000000000000000000000000000000000aa";

function key(i: number): Uint8Array {
  return hexToBytes(`0x${(i + 1).toString(16).padStart(64, "0")}`);
}

/** Signed, serialized transactions: `perSender` consecutive nonces for each of `senders` keys, varied prices. */
function sign(senders: number, perSender: number, firstKey = 0): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let s = 0; s < senders; s++) {
    const k = key(firstKey + s);
    for (let n = 0; n < perSender; n++) {
      const price = GWEI + BigInt((s * 7919 + n * 104729) % 1000) * GWEI;
      const unsigned = createTx(
        { type: 2, chainId: CHAIN, nonce: BigInt(n), gasLimit: 21_000n, to: TO, maxFeePerGas: price, maxPriorityFeePerGas: price },
        { common },
      );
      const { signature, recid } = secp256k1.ecdsaSign(unsigned.getHashedMessageToSign(), k);
      out.push(unsigned.addSignature(BigInt(recid), signature.slice(0, 32), signature.slice(32, 64)).serialize());
    }
  }
  return out;
}

function decode(raws: Uint8Array[]): TypedTransaction[] {
  return raws.map((r) => createTxFromRLP(r, { common }) as TypedTransaction);
}

const state = {
  getAccount: async (): Promise<PoolAccount> => ({ nonce: 0n, balance: 10n ** 24n }),
};

function options(over: Partial<TxPoolOptions> = {}): TxPoolOptions {
  return {
    chainId: CHAIN,
    maxSize: 20_000,
    maxPerSender: 1000,
    priceBumpPercent: 10,
    minGasPrice: GWEI,
    blockGasLimit: 60_000_000n,
    gasFree: { enabled: false, maxTxPerSenderPerMinute: 600 },
    ...over,
  };
}

function ms(t0: number): string {
  return (performance.now() - t0).toFixed(2);
}

function best(runs: number, fn: () => void): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min;
}

async function scenario(name: string, senders: number, perSender: number): Promise<void> {
  const raws = sign(senders, perSender);
  let t0 = performance.now();
  const txs = decode(raws);
  const decodeMs = performance.now() - t0;

  const pool = new TxPool(options(), state);
  t0 = performance.now();
  for (const t of txs) await pool.add(t);
  const addMs = performance.now() - t0;
  const n = txs.length;

  // The pool's own cost: the same transactions with sender and hash already computed (ethereumjs caches both).
  const again = new TxPool(options(), state);
  t0 = performance.now();
  for (const t of txs) await again.add(t);
  const ownMs = performance.now() - t0;

  let list: TypedTransaction[] = [];
  const pendingMs = best(5, () => (list = pool.pending(5000)));
  let fit = 0;
  const gasMs = best(5, () => (fit = pool.pending(5000, 30_000_000n).length));
  if (list.length !== n) throw new Error(`pending returned ${list.length}, expected ${n}`);

  const hashes = list.map((t) => bytesToHex(t.hash()));
  t0 = performance.now();
  await pool.onNewBlock(hashes, async () => ({ nonce: BigInt(perSender), balance: 10n ** 24n }));
  const blockMs = performance.now() - t0;

  console.log(`${name}: ${n} txs`);
  console.log(`  decode (caller)          ${decodeMs.toFixed(1)} ms  (${((decodeMs * 1000) / n).toFixed(1)} µs/tx)`);
  console.log(`  add, first sight         ${addMs.toFixed(1)} ms  (${((addMs * 1000) / n).toFixed(1)} µs/tx, ${Math.round(n / (addMs / 1000))} tx/s; signature recovery + hash dominate)`);
  console.log(`  add, sender+hash cached  ${ownMs.toFixed(1)} ms  (${((ownMs * 1000) / n).toFixed(1)} µs/tx: the pool's own bookkeeping)`);
  console.log(`  pending(5000)            ${pendingMs.toFixed(2)} ms (best of 5)`);
  console.log(`  pending(5000, 30M gas)   ${gasMs.toFixed(2)} ms (best of 5; ${fit} fit)`);
  console.log(`  onNewBlock(${n} included) ${blockMs.toFixed(2)} ms; pool left: ${pool.size}`);
}

async function eviction(): Promise<void> {
  const size = 20_000;
  const pool = new TxPool(options({ maxSize: size }), state);
  const fill = decode(sign(2000, 10));
  for (const t of fill) await pool.add(t);
  const incoming = decode(sign(500, 1, 5000)).map((t) => t);
  const t0 = performance.now();
  let refused = 0;
  for (const t of incoming) {
    try {
      await pool.add(t);
    } catch {
      refused++;
    }
  }
  const total = performance.now() - t0;
  console.log(`eviction: pool full at ${size}; ${incoming.length} newcomers (${refused} refused as cheapest)`);
  console.log(`  add with eviction        ${((total * 1000) / incoming.length).toFixed(1)} µs/tx; pool size ${pool.size}`);
}

async function main(): Promise<void> {
  console.log(`txpool benchmark — ${machine()}`);
  const t0 = performance.now();
  await scenario("5000 senders x 1", 5000, 1);
  await scenario("10 senders x 500", 10, 500);
  await eviction();
  console.log(`total ${ms(t0)} ms`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
