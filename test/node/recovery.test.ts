import { expect } from "chai";
import { Wallet } from "ethers";
import { createTx, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { RLP } from "@ethereumjs/rlp";
import { bytesToBigInt, bytesToHex, hexToBytes } from "@ethereumjs/util";
import { makeCommon } from "../../node/execution/common";
import { SenderRecovery, typedSigningInput } from "../../node/execution/recovery";
import { decodeTransaction, fast1559 } from "../../node/execution/txMemo";
import { Hardfork, Mainnet, createCustomCommon } from "@ethereumjs/common";

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

describe("node: EIP-1559 transactions built without ethereumjs' constructor (txMemo fast1559)", function () {
  let seed = 777;
  const rnd = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
  const big = (bytes: number): bigint => (bytes === 0 ? 0n : BigInt(`0x${Array.from({ length: bytes }, () => (1 + rnd(255)).toString(16).padStart(2, "0")).join("")}`));
  const transfer = (i: number, over: Record<string, unknown> = {}): TypedTransaction =>
    createTx(
      {
        type: 2,
        chainId: CHAIN,
        nonce: [0n, 1n, 255n, 256n, 2n ** 64n - 2n, big(rnd(8))][i % 6],
        gasLimit: [21_000n, 2n ** 64n - 1n, big(1 + rnd(4))][i % 3],
        to: `0x${rnd(2 ** 30).toString(16).padStart(40, "0")}`,
        value: [0n, 1n, 2n ** 256n - 1n, big(rnd(33))][i % 4],
        data: "0x" + "cd".repeat([0, 1, 4, 68, 300][rnd(5)]!),
        maxFeePerGas: [0n, 7n, 10n ** 9n, big(1 + rnd(6))][i % 4],
        maxPriorityFeePerGas: 0n,
        ...over,
      } as never,
      { common },
    ).sign(keys[i % keys.length]!) as TypedTransaction;
  const view = (tx: object): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(tx)) {
      const v = (tx as Record<string, unknown>)[k];
      out[k] = k === "cache" ? { ...(v as object) } : v instanceof Uint8Array ? bytesToHex(v) : v && typeof v === "object" && "bytes" in v ? bytesToHex((v as { bytes: Uint8Array }).bytes) : v;
    }
    return out;
  };

  it("builds the object the constructor builds (prototype, own properties in order, values, frozen) for 600 random transfers and calls", function () {
    for (let i = 0; i < 600; i++) {
      const raw = transfer(i, i % 5 === 0 ? { maxFeePerGas: 10n ** 9n, maxPriorityFeePerGas: BigInt(rnd(10 ** 9)) } : {}).serialize();
      const fast = fast1559(raw, common);
      const ref = createTxFromRLP(raw, { common });
      const [a, b] = [view(fast ?? {}), view(ref)]; // before anything fills their caches
      expect(fast, `tx ${i} takes the fast path`).to.not.equal(null);
      expect(Object.getPrototypeOf(fast)).to.equal(Object.getPrototypeOf(ref));
      expect(Object.isFrozen(fast)).to.equal(true);
      expect(Object.keys(a), `tx ${i} own properties`).to.deep.equal(Object.keys(b));
      for (const k of Object.keys(b)) expect(a[k], `tx ${i} ${k}`).to.deep.equal(b[k]);
      expect(bytesToHex(fast!.hash())).to.equal(bytesToHex(ref.hash()));
      expect(fast!.getSenderAddress().toString()).to.equal(ref.getSenderAddress().toString());
      expect(fast!.getUpfrontCost(7n)).to.equal(ref.getUpfrontCost(7n));
      expect(fast!.getIntrinsicGas()).to.equal(ref.getIntrinsicGas());
      expect(fast!.toJSON()).to.deep.equal(ref.toJSON());
    }
  });

  it("leaves every other shape and every value the constructor doubts to ethereumjs, which accepts it or says why", function () {
    const base = transfer(3);
    const fields = RLP.decode(base.serialize().subarray(1)) as (Uint8Array | Uint8Array[])[];
    const enc = (f: unknown[]) => Uint8Array.of(2, ...RLP.encode(f as Uint8Array[]));
    const at = (i: number, v: unknown) => enc(fields.map((f, j) => (j === i ? v : f)));
    const N2 = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
    const cases: [string, Uint8Array, RegExp | null][] = [
      ["a legacy transaction", createTx({ nonce: 1n, gasLimit: 21_000n, gasPrice: 1n, to: "0x00000000000000000000000000000000000000aa" }, { common }).sign(keys[0]!).serialize(), null],
      ["a contract creation (no target)", transfer(4, { to: undefined }).serialize(), null],
      ["an access list", transfer(5, { accessList: [{ address: "0x00000000000000000000000000000000000000aa", storageKeys: [] }] }).serialize(), null],
      ["an unsigned transaction (9 fields)", enc(fields.slice(0, 9)), /Invalid Signature|sender|signed/i],
      ["a nonce with a leading zero", at(1, Uint8Array.of(0, 1)), /leading zero/i],
      ["nonce 2^64-1", at(1, hexToBytes("0xffffffffffffffff")), /MAX_UINT64/],
      ["a 9-byte gas limit", at(4, hexToBytes("0x010000000000000000")), /MAX_UINT64/],
      ["another chain id", at(0, Uint8Array.of(7)), /chain ID/i],
      ["y-parity 2", at(9, Uint8Array.of(2)), /y-parity/i],
      ["s above n/2", at(11, hexToBytes(`0x${(N2 + 1n).toString(16)}`)), /s-values/],
      ["maxFeePerGas below the tip", at(2, new Uint8Array(32).fill(0xff)), /maxFeePerGas cannot be less/],
      ["a 19-byte target", at(5, new Uint8Array(19).fill(1)), /address length/i],
      ["a list where an integer belongs", at(6, [Uint8Array.of(1)]), /cannot be an array/i],
      ["an empty r", at(10, new Uint8Array(0)), /Invalid Signature|r and s/i],
      ["a value of 33 bytes", at(6, new Uint8Array(33).fill(1)), /MAX_INTEGER/],
    ];
    for (const [what, raw, error] of cases) {
      expect(fast1559(raw, common), what).to.equal(null);
      if (error === null) {
        const tx = decodeTransaction(raw, common);
        expect(bytesToHex(tx.hash()), what).to.equal(bytesToHex(createTxFromRLP(raw, { common }).hash()));
      } else {
        let ours: unknown, theirs: unknown;
        try {
          const tx = decodeTransaction(raw, common);
          tx.getSenderAddress();
        } catch (e) {
          ours = (e as Error).message;
        }
        try {
          const tx = createTxFromRLP(raw, { common });
          tx.getSenderAddress();
        } catch (e) {
          theirs = (e as Error).message;
        }
        expect(ours, what).to.equal(theirs);
        expect(String(ours), what).to.match(error);
      }
    }
    expect(fast1559(Uint8Array.of(2), common), "no payload").to.equal(null);
    expect(fast1559(Uint8Array.of(2, 0xf9, 0xff), common), "truncated").to.equal(null);
  });

  it("is not used with a Common that copies itself per transaction (not the node's shared one)", function () {
    const raw = transfer(1).serialize();
    const plain = createCustomCommon({ chainId: Number(CHAIN) }, Mainnet, { hardfork: Hardfork.Cancun });
    expect(fast1559(raw, plain)).to.equal(null);
    expect(decodeTransaction(raw, plain).nonce).to.equal(createTxFromRLP(raw, { common }).nonce);
  });
});
