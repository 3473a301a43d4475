import { expect } from "chai";
import { Wallet } from "ethers";
import { createTx, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { makeCommon } from "../../node/execution/common";
import { SenderRecovery, typedSigningInput } from "../../node/execution/recovery";
import { decodeTransaction } from "../../node/execution/txMemo";

const CHAIN = 4242n;
const common = makeCommon(CHAIN);
const keys = Array.from({ length: 8 }, (_, i) => hexToBytes(`0x${(i + 101).toString(16).padStart(64, "0")}`));

function signed(i: number, chainCommon = common): TypedTransaction {
  const type = i % 3;
  const fees = type === 2 ? { maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: 1n } : { gasPrice: 10n ** 9n };
  const tx = createTx({ type, nonce: BigInt(i), gasLimit: 21_000n, to: "0x00000000000000000000000000000000000000aa", value: 1n, ...fees, ...(type > 0 ? { chainId: chainCommon.chainId() } : {}) } as never, { common: chainCommon }).sign(keys[i % keys.length]!);
  // a fresh object, as received from the wire: nothing recovered yet
  return createTxFromRLP(tx.serialize(), { common }) as TypedTransaction;
}

const cached = (tx: TypedTransaction) => (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey;

describe("node: sender recovery in a worker thread", function () {
  this.timeout(60_000);
  let recovery: SenderRecovery;
  afterEach(async () => recovery?.close());

  it("recovers every sender of a burst (all three types) in the worker, one message per event-loop turn", async function () {
    recovery = new SenderRecovery(1);
    const txs = Array.from({ length: 300 }, (_, i) => signed(i));
    await Promise.all(txs.map((tx) => recovery.recover(tx)));
    expect(recovery.recovered).to.equal(300);
    expect(recovery.messages).to.equal(1);
    txs.forEach((tx, i) => {
      expect(cached(tx), `tx ${i}`).to.not.equal(undefined);
      expect(tx.getSenderAddress().toString()).to.equal(new Wallet(bytesToHex(keys[i % keys.length]!)).address.toLowerCase());
    });
  });

  it("caches nothing for a signature ethereumjs refuses (r beyond the curve order): the pool's own recovery then says why", async function () {
    recovery = new SenderRecovery(1);
    const good = signed(2); // EIP-1559
    const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const bad = createTx({ ...good.toJSON(), type: 2, r: N + 1n } as never, { common }) as TypedTransaction; // r beyond the curve order
    await recovery.recover(bad);
    expect(cached(bad)).to.equal(undefined);
    expect(() => bad.getSenderPublicKey()).to.throw(/Invalid Signature/);
    await recovery.recover(good);
    expect(cached(good)).to.not.equal(undefined);
  });

  it("with 0 workers, or once closed, recovery is left to the main thread", async function () {
    recovery = new SenderRecovery(0);
    const tx = signed(1);
    await recovery.recover(tx);
    expect(cached(tx)).to.equal(undefined);
    const closing = new SenderRecovery(1);
    await closing.close();
    const tx2 = signed(2);
    await closing.recover(tx2);
    expect(cached(tx2)).to.equal(undefined);
    expect(closing.recovered).to.equal(0);
  });
});

describe("node: transactions decoded once from their bytes", function () {
  // deterministic pseudo-random fields: long and short data, access lists, zero and large values
  let seed = 12345;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const randomTx = (i: number): TypedTransaction => {
    const type = [1, 2, 2][i % 3]!;
    const data = "0x" + "ab".repeat([0, 1, 20, 55, 56, 200, 4000][rnd(7)]!);
    const accessList =
      rnd(3) === 0
        ? []
        : Array.from({ length: 1 + rnd(3) }, (_, j) => ({
            address: `0x${(j + 1).toString(16).padStart(40, "0")}`,
            storageKeys: Array.from({ length: rnd(4) }, (_, k) => `0x${(k + 7).toString(16).padStart(64, "0")}`),
          }));
    const fees = type === 2 ? { maxFeePerGas: BigInt(rnd(10 ** 9)) + 1000n, maxPriorityFeePerGas: BigInt(rnd(1000)) } : { gasPrice: BigInt(rnd(10 ** 9)) };
    return createTx(
      { type, chainId: CHAIN, nonce: BigInt(rnd(2 ** 30)), gasLimit: 21_000n + BigInt(rnd(10 ** 6)), to: rnd(5) === 0 ? undefined : `0x${rnd(2 ** 30).toString(16).padStart(40, "0")}`, value: BigInt(rnd(2 ** 30)) * 10n ** BigInt(rnd(20)), data, accessList, ...fees } as never,
      { common },
    ).sign(keys[i % keys.length]!) as TypedTransaction;
  };

  it("reads the signing hash, r and s of EIP-2930 and EIP-1559 transactions from their bytes exactly as ethereumjs computes them", function () {
    for (let i = 0; i < 600; i++) {
      const tx = randomTx(i);
      const got = typedSigningInput(tx.serialize(), tx.type === 1 ? 11 : 12);
      expect(got, `tx ${i}`).to.not.equal(null);
      expect(bytesToHex(got!.hash), `tx ${i} hash`).to.equal(bytesToHex(tx.getMessageToVerifySignature()));
      expect(bytesToBigInt(got!.r), `tx ${i} r`).to.equal(tx.r);
      expect(bytesToBigInt(got!.s), `tx ${i} s`).to.equal(tx.s);
    }
  });

  it("recovers the right sender through the bytes path (worker) for random typed transactions", async function () {
    const recovery = new SenderRecovery(1);
    try {
      const txs = Array.from({ length: 90 }, (_, i) => randomTx(i));
      const fresh = txs.map((tx) => decodeTransaction(tx.serialize(), common));
      await Promise.all(fresh.map((tx) => recovery.recover(tx)));
      expect(recovery.recovered).to.equal(90);
      fresh.forEach((tx, i) => expect(tx.getSenderAddress().toString(), `tx ${i}`).to.equal(txs[i]!.getSenderAddress().toString()));
    } finally {
      await recovery.close();
    }
  });

  it("returns null for bytes that are not a typed transaction of that shape (ethereumjs then computes the hash)", function () {
    const tx = randomTx(2);
    const raw = tx.serialize();
    expect(typedSigningInput(raw, 11)).to.equal(null); // a 1559 transaction has 12 fields
    expect(typedSigningInput(raw.subarray(0, raw.length - 1), 12)).to.equal(null); // truncated
    expect(typedSigningInput(Uint8Array.of(2, 0xf9, 0xff), 12)).to.equal(null); // a length past the end
    expect(typedSigningInput(Uint8Array.of(2, 0x80), 12)).to.equal(null); // not a list
  });

  it("keeps a decoded transaction's bytes as its serialisation and the given hash as its hash", function () {
    for (let i = 0; i < 30; i++) {
      const tx = randomTx(i);
      const raw = tx.serialize();
      const framed = new Uint8Array(raw.length + 10);
      framed.set(raw, 5);
      const view = framed.subarray(5, 5 + raw.length); // as a peer's frame hands it over
      const decoded = decodeTransaction(view, common, tx.hash());
      expect(bytesToHex(decoded.serialize())).to.equal(bytesToHex(raw));
      expect(decoded.serialize().buffer, "copied out of the frame").to.not.equal(framed.buffer);
      expect(bytesToHex(decoded.hash())).to.equal(bytesToHex(tx.hash()));
      // what ethereumjs would re-encode is the same bytes
      expect(bytesToHex(createTxFromRLP(raw, { common, freeze: false }).serialize())).to.equal(bytesToHex(raw));
    }
  });

  it("refuses non-canonical encodings, so kept bytes always equal the transaction's own encoding", function () {
    const tx = randomTx(2);
    const raw = tx.serialize();
    const fields = RLP.decode(raw.subarray(1)) as Uint8Array[];
    // a nonce with a leading zero byte
    const leadingZero = [...fields];
    leadingZero[1] = Uint8Array.of(0, ...(fields[1] as Uint8Array));
    expect(() => decodeTransaction(Uint8Array.of(2, ...RLP.encode(leadingZero)), common)).to.throw(/leading zero/i);
    // a one-byte nonce (5) wrapped in a string prefix (0x81 0x05) instead of the single byte 0x05
    const items = fields.map((f, i) => (i === 1 ? Uint8Array.of(0x81, 5) : RLP.encode(f)));
    const payload = Uint8Array.from(items.flatMap((x) => [...x]));
    const lenBytes = payload.length < 256 ? [payload.length] : [(payload.length >> 8) & 0xff, payload.length & 0xff];
    const wrapped = Uint8Array.of(2, 0xf7 + lenBytes.length, ...lenBytes, ...payload);
    expect(() => decodeTransaction(wrapped, common)).to.throw(/single byte/i);
    // the same with the canonical 0x05 decodes
    const ok = Uint8Array.of(2, ...RLP.encode(fields.map((f, i) => (i === 1 ? Uint8Array.of(5) : f))));
    expect(decodeTransaction(ok, common).nonce).to.equal(5n);
  });
});
