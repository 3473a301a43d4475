/**
 * Transactions and receipts roots of a block: ethereumjs' trie (a `put` per entry, as the executor builds them) against
 * the one-pass `orderedTrieRoot`, for 2,000 and 20,000 signed EIP-1559 transfers; and one keccak-256 through the
 * `keccak` package's stream API against the native sponge. Prints figures; decides nothing.
 *
 *   npx ts-node --transpile-only bench/node/roots.ts
 */
import { genTransactionsTrieRoot } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { createTx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { encodeReceipt, type TxReceipt } from "@ethereumjs/vm";
import { keccak256, makeCommon } from "../../node/execution/common";
import { orderedTrieRoot, transactionsRoot } from "../../node/execution/roots";
import { machine } from "../machine";

// eslint-disable-next-line @typescript-eslint/no-require-imports
const createKeccakHash: (alg: "keccak256") => { update(b: Uint8Array): { digest(): Buffer } } = require("keccak");

const common = makeCommon(4242n);
const SIZES = [2_000, 20_000];

/** Milliseconds of the fastest of `runs` calls. */
async function best(runs: number, f: () => unknown): Promise<number> {
  let min = Infinity;
  for (let r = 0; r < runs; r++) {
    const t = process.hrtime.bigint();
    await f();
    min = Math.min(min, Number(process.hrtime.bigint() - t) / 1e6);
  }
  return min;
}

function transfers(n: number): TypedTransaction[] {
  const key = hexToBytes(`0x${"01".padStart(64, "0")}`);
  const to: `0x${string}` = `0x${"aa".padStart(40, "0")}`;
  return Array.from({ length: n }, (_, nonce) =>
    createTx({ type: 2, nonce: BigInt(nonce), to, value: 1n, gasLimit: 21_000n, maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }, { common }).sign(key),
  );
}

function receipts(n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) =>
    encodeReceipt({ status: 1, cumulativeBlockGasUsed: 21_000n * BigInt(i + 1), bitvector: new Uint8Array(256), logs: [] } as TxReceipt, 2),
  );
}

async function main(): Promise<void> {
  console.log(machine());
  for (const n of SIZES) {
    const txs = transfers(n);
    const encoded = receipts(n);
    const runs = n > 2_000 ? 1 : 3;
    let expected = "";
    const theirsTx = await best(runs, async () => {
      expected = bytesToHex(await genTransactionsTrieRoot(txs, new MerklePatriciaTrie({ common })));
    });
    const oursTx = await best(10, () => transactionsRoot(txs));
    if (bytesToHex(transactionsRoot(txs)) !== expected) throw new Error(`transactions roots differ at n = ${n}`);
    const serialized = txs.map((tx) => tx.serialize());
    const oursSerialized = await best(10, () => orderedTrieRoot(serialized));
    const theirsReceipts = await best(runs, async () => {
      const trie = new MerklePatriciaTrie({ common });
      for (let i = 0; i < n; i++) await trie.put(RLP.encode(i), encoded[i]!);
      expected = bytesToHex(trie.root());
    });
    const oursReceipts = await best(10, () => orderedTrieRoot(encoded));
    if (bytesToHex(orderedTrieRoot(encoded)) !== expected) throw new Error(`receipts roots differ at n = ${n}`);
    const ms = (x: number): string => `${x.toFixed(1)} ms`;
    console.log(
      `${n} transactions: ethereumjs ${ms(theirsTx)}, one pass ${ms(oursTx)} (×${(theirsTx / oursTx).toFixed(0)}) ` +
        `of which serialize() ${ms(oursTx - oursSerialized)}; of serialized bytes ${ms(oursSerialized)} (×${(theirsTx / oursSerialized).toFixed(0)})`,
    );
    console.log(`${n} receipts: ethereumjs ${ms(theirsReceipts)}, one pass ${ms(oursReceipts)} (×${(theirsReceipts / oursReceipts).toFixed(0)})`);
  }
  for (const length of [32, 110, 300]) {
    const input = Buffer.alloc(length, 7);
    const count = 100_000;
    const stream = await best(3, () => {
      for (let i = 0; i < count; i++) createKeccakHash("keccak256").update(input).digest();
    });
    const sponge = await best(3, () => {
      for (let i = 0; i < count; i++) keccak256(input);
    });
    console.log(`keccak-256 of ${length} bytes: stream API ${((stream * 1000) / count).toFixed(2)} µs, sponge ${((sponge * 1000) / count).toFixed(2)} µs`);
  }
}

void main();
