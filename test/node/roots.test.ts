import { expect } from "chai";
import { keccak256 as nobleKeccak256 } from "ethers";
import { genTransactionsTrieRoot } from "@ethereumjs/block";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { createTx, type TypedTransaction } from "@ethereumjs/tx";
import { KECCAK256_RLP, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { encodeReceipt, type TxReceipt } from "@ethereumjs/vm";
import { keccak256, makeCommon, nativeKeccakSponge } from "../../node/execution/common";
import { orderedTrieRoot, transactionsRoot } from "../../node/execution/roots";

const SEED = 0x12;
const SIZES = [0, 1, 2, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 1000, 4097];

/** mulberry32: a seeded generator, so a failure reproduces. */
function generator(seed: number): (below: number) => number {
  let a = seed >>> 0;
  return (below) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * below);
  };
}

const random = generator(SEED);
const bytes = (length: number): Uint8Array => Uint8Array.from({ length }, () => random(256));
/** Values of 0..200 random bytes (short ones make embedded nodes, empty ones are no entry), some repeated. */
const values = (n: number): Uint8Array[] => {
  const out: Uint8Array[] = [];
  for (let i = 0; i < n; i++) out.push(i > 0 && random(8) === 0 ? out[random(i)]! : bytes(random(201)));
  return out;
};

/** ethereumjs' way: a `put` per value into a fresh trie hashing with noble's keccak (not node/execution/common's). */
async function ethereumjsRoot(vals: readonly Uint8Array[]): Promise<string> {
  const txs = vals.map((v) => ({ serialize: () => v })) as unknown as TypedTransaction[];
  return bytesToHex(await genTransactionsTrieRoot(txs, new MerklePatriciaTrie()));
}

describe("node/execution/roots", () => {
  describe("keccak256 (node/execution/common)", () => {
    it("hashes with the native sponge directly", () => {
      expect(nativeKeccakSponge).to.equal(true);
    });

    it("equals noble's keccak-256 on random inputs of every length 0..1000, as Buffers and offset Uint8Arrays", () => {
      for (let length = 0; length <= 1000; length++) {
        const input = bytes(length);
        const expected = nobleKeccak256(input);
        expect(bytesToHex(keccak256(input)), `length ${length}`).to.equal(expected);
        expect(bytesToHex(keccak256(Buffer.from(input))), `Buffer of length ${length}`).to.equal(expected);
        const padded = new Uint8Array(length + 3);
        padded.set(input, 1);
        expect(bytesToHex(keccak256(padded.subarray(1, 1 + length))), `view of length ${length}`).to.equal(expected);
      }
    });

    it("equals noble's keccak-256 around the 136-byte rate, several blocks long", () => {
      for (const length of [135, 136, 137, 271, 272, 273, 100_000]) {
        const input = bytes(length);
        expect(bytesToHex(keccak256(input)), `length ${length}`).to.equal(nobleKeccak256(input));
      }
    });
  });

  describe("orderedTrieRoot", () => {
    it("is KECCAK256_RLP (a copy) for no values", () => {
      const root = orderedTrieRoot([]);
      expect(root).to.deep.equal(KECCAK256_RLP);
      expect(root).to.not.equal(KECCAK256_RLP);
    });

    for (const n of SIZES) {
      it(`equals genTransactionsTrieRoot for ${n} values of 0..200 random bytes`, async () => {
        const vals = values(n);
        expect(bytesToHex(orderedTrieRoot(vals))).to.equal(await ethereumjsRoot(vals));
      });
    }

    it("equals genTransactionsTrieRoot for 30 random sizes up to 700", async () => {
      for (let k = 0; k < 30; k++) {
        const vals = values(1 + random(700));
        expect(bytesToHex(orderedTrieRoot(vals)), `${vals.length} values`).to.equal(await ethereumjsRoot(vals));
      }
    });

    it("equals genTransactionsTrieRoot when leaves and branches are embedded (one-byte values)", async () => {
      for (const n of [1, 2, 3, 17, 128, 129, 130, 257, 1000]) {
        const vals = Array.from({ length: n }, () => bytes(1));
        expect(bytesToHex(orderedTrieRoot(vals)), `${n} values`).to.equal(await ethereumjsRoot(vals));
      }
    });

    it("equals genTransactionsTrieRoot when all values are identical", async () => {
      const same = bytes(40);
      const vals = Array.from({ length: 300 }, () => same);
      expect(bytesToHex(orderedTrieRoot(vals))).to.equal(await ethereumjsRoot(vals));
    });

    it("takes an empty value as no entry, as `put` of an empty value deletes", async () => {
      const vals = values(200);
      for (const i of [0, 1, 127, 128, 199]) vals[i] = new Uint8Array(0);
      expect(bytesToHex(orderedTrieRoot(vals))).to.equal(await ethereumjsRoot(vals));
      expect(orderedTrieRoot([new Uint8Array(0), new Uint8Array(0)])).to.deep.equal(KECCAK256_RLP);
    });

    it("equals a trie of `put`s for indices with three-byte keys (65,536 and on)", async () => {
      const vals: Uint8Array[] = new Array<Uint8Array>(70_000).fill(new Uint8Array(0));
      const trie = new MerklePatriciaTrie();
      for (const i of [0, 1, 127, 128, 255, 256, 65_535, 65_536, 65_537, 69_999]) {
        vals[i] = bytes(1 + random(100));
        await trie.put(RLP.encode(i), vals[i]!);
      }
      expect(bytesToHex(orderedTrieRoot(vals))).to.equal(bytesToHex(trie.root()));
    });

    it("equals genTransactionsTrieRoot for values needing a long RLP length (56 bytes to 70 KB)", async () => {
      const vals = [55, 56, 255, 256, 70_000, 3, 0x10000].map((length) => bytes(length));
      expect(bytesToHex(orderedTrieRoot(vals))).to.equal(await ethereumjsRoot(vals));
    });
  });

  describe("transactionsRoot", () => {
    it("equals genTransactionsTrieRoot for 300 signed legacy, EIP-2930 and EIP-1559 transactions", async () => {
      const common = makeCommon(4242n);
      const key = hexToBytes(`0x${"01".padStart(64, "0")}`);
      const txs: TypedTransaction[] = [];
      for (let nonce = 0; nonce < 300; nonce++) {
        const type = nonce % 3;
        const base = { nonce: BigInt(nonce), gasLimit: 21_000n + BigInt(random(100_000)), to: bytesToHex(bytes(20)), value: BigInt(random(1e9)), data: bytes(random(300)) };
        const fees = type === 2 ? { maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n } : { gasPrice: 1_000_000_000n };
        const accessList = type === 0 ? {} : { accessList: [{ address: bytesToHex(bytes(20)), storageKeys: [bytesToHex(bytes(32))] }] };
        txs.push(createTx({ type, ...base, ...fees, ...accessList }, { common }).sign(key));
      }
      expect(txs.map((tx) => tx.type)).to.include.members([0, 1, 2]);
      const expected = bytesToHex(await genTransactionsTrieRoot(txs, new MerklePatriciaTrie()));
      expect(bytesToHex(transactionsRoot(txs))).to.equal(expected);
    });
  });

  describe("receipts root", () => {
    it("equals a receipt trie built by `put`s of encodeReceipt, for 1 and 300 receipts of all three types", async () => {
      for (const n of [1, 300]) {
        const encoded: Uint8Array[] = [];
        let gas = 0n;
        for (let i = 0; i < n; i++) {
          gas += 21_000n + BigInt(random(200_000));
          const logs = Array.from({ length: random(4) }, () => [bytes(20), Array.from({ length: random(5) }, () => bytes(32)), bytes(random(100))]);
          const receipt = { status: random(2), cumulativeBlockGasUsed: gas, bitvector: bytes(256), logs } as unknown as TxReceipt;
          encoded.push(encodeReceipt(receipt, (i % 3) as 0 | 1 | 2));
        }
        const trie = new MerklePatriciaTrie();
        for (let i = 0; i < n; i++) await trie.put(RLP.encode(i), encoded[i]!);
        expect(bytesToHex(orderedTrieRoot(encoded)), `${n} receipts`).to.equal(bytesToHex(trie.root()));
      }
    });
  });
});
