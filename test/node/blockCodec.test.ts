import { expect } from "chai";
import { Wallet } from "ethers";
import { Block, createBlock, createBlockFromRLP } from "@ethereumjs/block";
import { RLP } from "@ethereumjs/rlp";
import { createTx, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { makeCommon } from "../../node/execution/common";
import { decodeBlock } from "../../node/execution/blockCodec";
import { ExecutionError } from "../../node/execution/errors";
import "../../node/execution/txMemo";

const common = makeCommon(4242n);
const keys = Array.from({ length: 6 }, (_, i) => hexToBytes(`0x${(i + 7).toString(16).padStart(64, "0")}`));

function signed(i: number): TypedTransaction {
  const type = i % 3;
  const base = { nonce: BigInt(i), gasLimit: 21_000n + BigInt(i), to: `0x${(i + 1).toString(16).padStart(40, "0")}` as Hex, value: BigInt(i) * 1000n, data: i % 4 === 0 ? "0x" : (`0x${"ab".repeat(i)}` as Hex) };
  const fees = type === 2 ? { maxFeePerGas: 9n * 10n ** 9n, maxPriorityFeePerGas: 10n ** 9n } : { gasPrice: 8n * 10n ** 9n };
  const accessList = type === 1 ? [{ address: "0x00000000000000000000000000000000000000aa", storageKeys: [`0x${"11".repeat(32)}`] }] : undefined;
  return createTx({ type, ...base, ...fees, ...(accessList ? { accessList } : {}), ...(type > 0 ? { chainId: 4242n } : {}) } as never, { common }).sign(keys[i % keys.length]!) as TypedTransaction;
}

function block(txs: TypedTransaction[]): Block {
  return createBlock({ header: { number: 7n, gasLimit: 30_000_000n, timestamp: 1_700_000_000n, baseFeePerGas: 7n }, transactions: txs }, { common, skipConsensusFormatValidation: true });
}

describe("node: block decoding with the pool's transactions (decode and recover once)", function () {
  const txs = Array.from({ length: 24 }, (_, i) => signed(i));
  const raw = block(txs).serialize();

  it("decodes to the block ethereumjs decodes: same hash, same transactions, same RLP", function () {
    const ours = decodeBlock(raw, common);
    const theirs = createBlockFromRLP(raw, { common, skipConsensusFormatValidation: true });
    expect(bytesToHex(ours.hash())).to.equal(bytesToHex(theirs.hash()));
    expect(ours.transactions.map((t) => bytesToHex(t.hash()))).to.deep.equal(theirs.transactions.map((t) => bytesToHex(t.hash())));
    expect(bytesToHex(ours.serialize())).to.equal(bytesToHex(raw));
    expect(ours.transactions.map((t) => t.type)).to.deep.equal([0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  });

  it("takes the pool's object for every transaction it knows (legacy and typed), decodes only the others", function () {
    const pool = new Map(txs.filter((_, i) => i % 2 === 0).map((t) => [bytesToHex(t.hash()) as Hex, t]));
    const asked: Hex[] = [];
    const ours = decodeBlock(raw, common, (h) => {
      asked.push(h);
      return pool.get(h);
    });
    expect(asked).to.deep.equal(txs.map((t) => bytesToHex(t.hash())));
    ours.transactions.forEach((t, i) => {
      if (i % 2 === 0) expect(t).to.equal(txs[i]);
      else expect(t).to.not.equal(txs[i]);
      expect(bytesToHex(t.hash())).to.equal(bytesToHex(txs[i]!.hash()));
    });
  });

  it("refuses what is not a Luniverse block, with EXECUTION_BAD_BLOCK", function () {
    const cases: [string, Uint8Array][] = [
      ["garbage", hexToBytes("0xdeadbeef")],
      ["not a list", RLP.encode(hexToBytes("0x1234"))],
      ["uncles", RLP.encode([RLP.decode(raw)[0] as Uint8Array[], [], [RLP.decode(raw)[0] as Uint8Array[]], []] as never)],
      ["withdrawals", RLP.encode([RLP.decode(raw)[0] as Uint8Array[], [], [], [[hexToBytes("0x01"), hexToBytes("0x02"), new Uint8Array(20), hexToBytes("0x03")]]] as never)],
    ];
    for (const [name, bytes] of cases) {
      let err: unknown;
      try {
        decodeBlock(bytes, common);
      } catch (e) {
        err = e;
      }
      expect(err, name).to.be.instanceOf(ExecutionError);
      expect((err as ExecutionError).code, name).to.equal("EXECUTION_BAD_BLOCK");
    }
  });
});

describe("node: transaction memos (serialise once, sender address once)", function () {
  it("serialize() gives the same bytes every time, from one encoding per object", function () {
    const tx = signed(5);
    const first = tx.serialize();
    expect(tx.serialize()).to.equal(first);
    const fresh = createTx({ ...tx.toJSON(), type: tx.type } as never, { common, freeze: false });
    expect(bytesToHex(fresh.serialize())).to.equal(bytesToHex(first));
  });

  it("getSenderAddress() is the signer's address (every type), memoised per object", function () {
    for (let i = 0; i < 9; i++) {
      const tx = signed(i);
      const want = new Wallet(bytesToHex(keys[i % keys.length]!)).address.toLowerCase();
      expect(tx.getSenderAddress().toString()).to.equal(want);
      expect(tx.getSenderAddress()).to.equal(tx.getSenderAddress());
    }
  });
});
