import { expect } from "chai";
import { Wallet } from "ethers";
import { createTx, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { makeCommon } from "../../node/execution/common";
import { SenderRecovery } from "../../node/execution/recovery";

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
