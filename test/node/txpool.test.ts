import { expect } from "chai";
import { Wallet, type TransactionRequest } from "ethers";
import secp256k1 from "secp256k1";
import { createTx, createTxFromRLP, type TypedTransaction, type TypedTxData } from "@ethereumjs/tx";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes } from "@ethereumjs/util";
import { makeCommon } from "../../node/execution/common";
import { toRpcError } from "../../node/rpc/errors";
import { resolveNodeConfig } from "../../node/config";
import {
  PoolError,
  TxPool,
  decodeRawTransaction,
  txPoolOptionsFromConfig,
  type AdmissionHook,
  type PoolAccount,
  type PoolErrorReason,
  type TxPoolOptions,
} from "../../node/txpool";

const CHAIN = 4242n;
const GWEI = 1_000_000_000n;
const ETHER = 10n ** 18n;
const TO: `0x${string}` = "0x00000000000000000000000000000000000000aa";
const common = makeCommon(CHAIN);

/** Deterministic test keys: key i is i+1 as a 32-byte number. */
const keys = Array.from({ length: 40 }, (_, i) => hexToBytes(`0x${(i + 1).toString(16).padStart(64, "0")}`));
const addr = keys.map((k) => new Wallet(bytesToHex(k)).address.toLowerCase() as `0x${string}`);
const wallets = keys.map((k) => new Wallet(bytesToHex(k)));

interface TxSpec {
  nonce?: number | bigint;
  /** gasPrice (legacy, 2930) or maxFeePerGas (1559). */
  price?: bigint;
  /** maxPriorityFeePerGas (1559; default = price). */
  tip?: bigint;
  type?: 0 | 1 | 2;
  gas?: bigint;
  value?: bigint;
  data?: `0x${string}`;
  chainId?: bigint;
}

/** A transaction signed with the native secp256k1, decoded with the chain's Common. */
function tx(key: number, spec: TxSpec = {}): TypedTransaction {
  const chainId = spec.chainId ?? CHAIN;
  const type = spec.type ?? 2;
  const price = spec.price ?? GWEI;
  const base = { nonce: BigInt(spec.nonce ?? 0), gasLimit: spec.gas ?? 21_000n, to: TO, value: spec.value ?? 0n, data: spec.data ?? "0x" };
  const data: TypedTxData =
    type === 2
      ? { ...base, type, chainId, maxFeePerGas: price, maxPriorityFeePerGas: spec.tip ?? price }
      : { ...base, type, gasPrice: price, ...(type === 1 ? { chainId, accessList: [] } : {}) };
  const c = chainId === CHAIN ? common : makeCommon(chainId);
  const unsigned = createTx(data, { common: c });
  const { signature, recid } = secp256k1.ecdsaSign(unsigned.getHashedMessageToSign(), keys[key]);
  const signed = unsigned.addSignature(BigInt(recid), signature.slice(0, 32), signature.slice(32, 64), true);
  // round-trip through the wire encoding, as the node receives it
  return createTxFromRLP(signed.serialize(), { common: c }) as TypedTransaction;
}

/** A transaction signed by ethers, decoded as the RPC layer does. */
async function ethersTx(key: number, req: TransactionRequest, chainId = CHAIN): Promise<TypedTransaction> {
  const raw = await wallets[key].signTransaction({ to: TO, gasLimit: 21_000n, chainId, ...req });
  return createTxFromRLP(hexToBytes(raw as `0x${string}`), { common: makeCommon(chainId) }) as TypedTransaction;
}

const hashOf = (t: TypedTransaction) => bytesToHex(t.hash());

class FakeState {
  readonly accounts = new Map<string, PoolAccount>();
  reads = 0;
  getAccount = async (address: string): Promise<PoolAccount> => {
    this.reads++;
    expect(address).to.equal(address.toLowerCase());
    return this.accounts.get(address) ?? { nonce: 0n, balance: 1000n * ETHER };
  };
  set(i: number, nonce: bigint, balance = 1000n * ETHER): void {
    this.accounts.set(addr[i], { nonce, balance });
  }
}

function options(over: Partial<TxPoolOptions> = {}): TxPoolOptions {
  return {
    chainId: CHAIN,
    maxSize: 100,
    maxPerSender: 16,
    priceBumpPercent: 10,
    minGasPrice: GWEI,
    blockGasLimit: 30_000_000n,
    gasFree: { enabled: false, maxTxPerSenderPerMinute: 5 },
    ...over,
  };
}

function setup(over: Partial<TxPoolOptions> = {}, hook?: AdmissionHook) {
  const state = new FakeState();
  const pool = new TxPool(options(over), state, hook);
  return { state, pool };
}

/** Asserts that `p` rejects with a PoolError of `reason` whose message is `message` (exact string or pattern). */
async function refused(p: Promise<unknown>, reason: PoolErrorReason, message: string | RegExp): Promise<PoolError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(PoolError);
    const err = e as PoolError;
    expect(err.reason).to.equal(reason);
    if (typeof message === "string") expect(err.message).to.equal(message);
    else expect(err.message).to.match(message);
    return err;
  }
  return expect.fail(`expected a PoolError ${reason}`);
}

/** The pool's pending list as "sender index:nonce" labels. */
function labels(list: TypedTransaction[]): string[] {
  return list.map((t) => `${addr.indexOf(t.getSenderAddress().toString() as `0x${string}`)}:${t.nonce}`);
}

describe("node/txpool", function () {
  describe("admission", function () {
    it("admits ethers-signed legacy, EIP-2930 and EIP-1559 transactions and returns their hashes", async function () {
      const { pool } = setup();
      const t0 = await ethersTx(0, { type: 0, nonce: 0, gasPrice: GWEI });
      const t1 = await ethersTx(0, { type: 1, nonce: 1, gasPrice: GWEI, accessList: [] });
      const t2 = await ethersTx(0, { type: 2, nonce: 2, maxFeePerGas: 2n * GWEI, maxPriorityFeePerGas: GWEI });
      for (const t of [t0, t1, t2]) {
        expect(await pool.add(t)).to.equal(hashOf(t));
        expect(pool.has(hashOf(t))).to.equal(true);
        expect(pool.has(hashOf(t).toUpperCase().replace("0X", "0x"))).to.equal(true);
        expect(pool.get(hashOf(t))).to.equal(t);
        expect(pool.senderOf(hashOf(t))).to.equal(addr[0]);
      }
      expect(pool.stats()).to.deep.equal({ pending: 3, queued: 0 });
      expect(pool.size).to.equal(3);
      expect(pool.get("0x" + "00".repeat(32))).to.equal(undefined);
    });

    it("emits added(tx, hash) for each admitted transaction", async function () {
      const { pool } = setup();
      const seen: [TypedTransaction, string][] = [];
      pool.on("added", (t: TypedTransaction, h: string) => seen.push([t, h]));
      const t = tx(0);
      await pool.add(t);
      await refused(pool.add(t), "ALREADY_KNOWN", "already known");
      expect(seen).to.deep.equal([[t, hashOf(t)]]);
    });

    it("accepts a pre-EIP-155 legacy transaction (no chain id)", async function () {
      const { pool } = setup();
      const unsigned = createTx({ type: 0, nonce: 0n, gasLimit: 21_000n, gasPrice: GWEI, to: TO }, { common });
      const { signature, recid } = secp256k1.ecdsaSign(unsigned.getHashedMessageToSign(), keys[1]);
      // v = 27/28: sign as if EIP-155 were off
      const t = createTxFromRLP(
        RLP.encode([...unsigned.raw().slice(0, 6), new Uint8Array([27 + recid]), signature.slice(0, 32), signature.slice(32)]),
        { common },
      ) as TypedTransaction;
      expect(t.v).to.equal(BigInt(27 + recid));
      expect(await pool.add(t)).to.equal(hashOf(t));
    });

    it("refuses with its own error (code POOL_<reason>) that the RPC layer sends as -32000 in geth's words", async function () {
      const { pool } = setup();
      const t = tx(0);
      await pool.add(t);
      const err = await refused(pool.add(t), "ALREADY_KNOWN", "already known");
      expect(err.code).to.equal("POOL_ALREADY_KNOWN");
      expect(err.name).to.equal("PoolError");
      expect(toRpcError(err)).to.deep.equal({ code: -32000, message: "already known" });
    });
  });

  describe("rejections", function () {
    it("nonce too low", async function () {
      const { pool, state } = setup();
      state.set(0, 5n);
      await refused(pool.add(tx(0, { nonce: 4 })), "NONCE_TOO_LOW", "nonce too low: next nonce 5, tx nonce 4");
      expect(pool.size).to.equal(0);
    });

    it("insufficient funds for gas * price + value", async function () {
      const { pool, state } = setup();
      state.set(0, 0n, 21_000n * GWEI + 99n);
      await refused(
        pool.add(tx(0, { value: 100n })),
        "INSUFFICIENT_FUNDS",
        `insufficient funds for gas * price + value: balance ${21_000n * GWEI + 99n}, tx cost ${21_000n * GWEI + 100n}`,
      );
      expect(await pool.add(tx(0, { value: 99n }))).to.be.a("string");
    });

    it("charges the fee cap, not the tip, for an EIP-1559 transaction", async function () {
      const { pool, state } = setup();
      state.set(0, 0n, 21_000n * 3n * GWEI - 1n);
      await refused(pool.add(tx(0, { price: 3n * GWEI, tip: GWEI })), "INSUFFICIENT_FUNDS", /tx cost 63000000000000$/);
    });

    it("intrinsic gas too low", async function () {
      const { pool } = setup();
      await refused(pool.add(tx(0, { gas: 20_999n })), "INTRINSIC_GAS_TOO_LOW", "intrinsic gas too low: have 20999, want 21000");
      // calldata costs 16 gas per non-zero byte
      await refused(pool.add(tx(0, { gas: 21_000n, data: "0x0102" })), "INTRINSIC_GAS_TOO_LOW", "intrinsic gas too low: have 21000, want 21032");
    });

    it("exceeds block gas limit", async function () {
      const { pool } = setup({ blockGasLimit: 1_000_000 });
      await refused(pool.add(tx(0, { gas: 1_000_001n })), "GAS_LIMIT_EXCEEDED", "exceeds block gas limit");
      expect(await pool.add(tx(0, { gas: 1_000_000n }))).to.be.a("string");
    });

    it("transaction underpriced (legacy gas price, EIP-1559 effective price)", async function () {
      const { pool } = setup();
      await refused(pool.add(tx(0, { type: 0, price: GWEI - 1n })), "UNDERPRICED", `transaction underpriced: gas price ${GWEI - 1n} < minimum ${GWEI}`);
      // base fee 0: the validator receives the tip
      await refused(pool.add(tx(0, { price: 5n * GWEI, tip: GWEI / 2n })), "UNDERPRICED", `transaction underpriced: gas price ${GWEI / 2n} < minimum ${GWEI}`);
    });

    it("prices an EIP-1559 transaction as min(fee cap, base fee + tip)", async function () {
      const { pool } = setup({ baseFee: GWEI / 2n });
      expect(await pool.add(tx(0, { nonce: 0, price: 5n * GWEI, tip: GWEI / 2n }))).to.be.a("string");
      await refused(pool.add(tx(1, { price: GWEI - 1n, tip: GWEI / 2n })), "UNDERPRICED", `transaction underpriced: gas price ${GWEI - 1n} < minimum ${GWEI}`);
    });

    it("replacement transaction underpriced (fee and tip must both rise by the bump)", async function () {
      const { pool } = setup();
      await pool.add(tx(0, { nonce: 0, price: 10n * GWEI, tip: 2n * GWEI }));
      const msg = "replacement transaction underpriced";
      await refused(pool.add(tx(0, { nonce: 0, price: 10n * GWEI, tip: 2n * GWEI, value: 1n })), "REPLACEMENT_UNDERPRICED", msg);
      await refused(pool.add(tx(0, { nonce: 0, price: 10n * GWEI + 1n, tip: 3n * GWEI })), "REPLACEMENT_UNDERPRICED", msg);
      await refused(pool.add(tx(0, { nonce: 0, price: 20n * GWEI, tip: 2n * GWEI + 1n })), "REPLACEMENT_UNDERPRICED", msg);
      await refused(pool.add(tx(0, { nonce: 0, price: 11n * GWEI - 1n, tip: 3n * GWEI })), "REPLACEMENT_UNDERPRICED", msg);
      expect(pool.size).to.equal(1);
    });

    it("txpool is full: a newcomer cheaper than everything is refused", async function () {
      const { pool } = setup({ maxSize: 3 });
      for (let i = 0; i < 3; i++) await pool.add(tx(i, { price: 2n * GWEI }));
      await refused(pool.add(tx(3, { price: GWEI })), "POOL_FULL", "txpool is full");
      // equal price: the earlier arrival keeps its place
      await refused(pool.add(tx(3, { price: 2n * GWEI })), "POOL_FULL", "txpool is full");
      expect(pool.size).to.equal(3);
    });

    it("too many transactions from sender", async function () {
      const { pool } = setup({ maxPerSender: 3 });
      for (let n = 0; n < 3; n++) await pool.add(tx(0, { nonce: n }));
      await refused(pool.add(tx(0, { nonce: 3 })), "SENDER_LIMIT", "too many transactions from sender (limit 3)");
      // a replacement does not add to the count
      expect(await pool.add(tx(0, { nonce: 2, price: 2n * GWEI }))).to.be.a("string");
      expect(await pool.add(tx(1, { nonce: 0 }))).to.be.a("string");
    });

    it("invalid chain id (typed and EIP-155 legacy)", async function () {
      const { pool } = setup();
      await refused(pool.add(tx(0, { chainId: 1n })), "INVALID_CHAIN_ID", `invalid chain id: have 1, want ${CHAIN}`);
      await refused(pool.add(tx(0, { chainId: 7n, type: 0 })), "INVALID_CHAIN_ID", `invalid chain id: have 7, want ${CHAIN}`);
      await refused(pool.add(tx(0, { chainId: 7n, type: 1 })), "INVALID_CHAIN_ID", `invalid chain id: have 7, want ${CHAIN}`);
    });

    it("invalid sender signature (unsigned, or a signature nothing recovers)", async function () {
      const { pool } = setup();
      const unsigned = createTx({ type: 2, nonce: 0n, gasLimit: 21_000n, maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI, chainId: CHAIN, to: TO }, { common });
      await refused(pool.add(unsigned as TypedTransaction), "INVALID_SIGNATURE", "invalid sender signature");
      const bad = createTx(
        { type: 2, nonce: 0n, gasLimit: 21_000n, maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI, chainId: CHAIN, to: TO, v: 0n, r: 0n, s: 1n },
        { common },
      );
      await refused(pool.add(bad as TypedTransaction), "INVALID_SIGNATURE", "invalid sender signature");
    });

    it("already known", async function () {
      const { pool } = setup();
      const t = tx(0);
      await pool.add(t);
      await refused(pool.add(tx(0)), "ALREADY_KNOWN", "already known");
    });

    it("already known when the same transaction arrives twice at once", async function () {
      const { pool } = setup();
      const results = await Promise.allSettled([pool.add(tx(0)), pool.add(tx(0))]);
      expect(results.map((r) => r.status)).to.deep.equal(["fulfilled", "rejected"]);
      expect(((results[1] as PromiseRejectedResult).reason as Error).message).to.equal("already known");
      expect(pool.size).to.equal(1);
    });

    it("transaction type not supported", async function () {
      const { pool } = setup();
      const t = tx(0);
      const blobLike = Object.assign(Object.create(Object.getPrototypeOf(t) as object) as TypedTransaction, t, { type: 3 });
      await refused(pool.add(blobLike), "TX_TYPE_NOT_SUPPORTED", "transaction type not supported");
    });

    it("oversized data", async function () {
      const { pool } = setup({ maxTxBytes: 1024 });
      const big = tx(0, { data: `0x${"01".repeat(1100)}`, gas: 100_000n });
      await refused(pool.add(big), "OVERSIZED_DATA", `oversized data: transaction size ${big.serialize().length}, limit 1024`);
      expect(await pool.add(tx(0, { data: `0x${"01".repeat(800)}`, gas: 100_000n }))).to.be.a("string");
    });

    it("checks nothing against the state when a cheap check already failed", async function () {
      const { pool, state } = setup();
      await refused(pool.add(tx(0, { gas: 1n })), "INTRINSIC_GAS_TOO_LOW", /intrinsic gas too low/);
      expect(state.reads).to.equal(0);
    });
  });

  describe("replacement", function () {
    it("replaces a transaction paying at least the bump on fee and tip", async function () {
      const { pool } = setup();
      const old = tx(0, { nonce: 0, price: 10n * GWEI, tip: 2n * GWEI });
      await pool.add(old);
      const next = tx(0, { nonce: 0, price: 11n * GWEI, tip: (22n * GWEI) / 10n });
      expect(await pool.add(next)).to.equal(hashOf(next));
      expect(pool.has(hashOf(old))).to.equal(false);
      expect(pool.get(hashOf(next))).to.equal(next);
      expect(pool.stats()).to.deep.equal({ pending: 1, queued: 0 });
      expect(pool.pending()).to.deep.equal([next]);
    });

    it("replaces a legacy transaction with a 10% higher gas price, and a queued one too", async function () {
      const { pool } = setup();
      await pool.add(tx(0, { type: 0, nonce: 3, price: 100n * GWEI }));
      const next = tx(0, { type: 0, nonce: 3, price: 110n * GWEI });
      await pool.add(next);
      expect(pool.stats()).to.deep.equal({ pending: 0, queued: 1 });
      expect(pool.all()).to.deep.equal([next]);
    });

    it("applies the configured bump (0% still needs a strictly higher price)", async function () {
      const { pool } = setup({ priceBumpPercent: 0 });
      await pool.add(tx(0, { type: 0, price: 100n * GWEI }));
      await refused(pool.add(tx(0, { type: 0, price: 100n * GWEI, value: 1n })), "REPLACEMENT_UNDERPRICED", "replacement transaction underpriced");
      expect(await pool.add(tx(0, { type: 0, price: 100n * GWEI + 1n }))).to.be.a("string");
    });

    it("does not count a replacement against a full pool", async function () {
      const { pool } = setup({ maxSize: 2 });
      await pool.add(tx(0, { price: 5n * GWEI }));
      await pool.add(tx(1, { price: 5n * GWEI }));
      await pool.add(tx(1, { price: 6n * GWEI }));
      expect(pool.size).to.equal(2);
    });
  });

  describe("pending and queued", function () {
    it("keeps a nonce gap queued and promotes it when the gap closes", async function () {
      const { pool, state } = setup();
      state.set(0, 4n);
      await pool.add(tx(0, { nonce: 6 }));
      await pool.add(tx(0, { nonce: 5 }));
      expect(pool.stats()).to.deep.equal({ pending: 0, queued: 2 });
      expect(pool.pending()).to.deep.equal([]);
      expect(await pool.pendingNonce(addr[0])).to.equal(4n);
      await pool.add(tx(0, { nonce: 4 }));
      expect(pool.stats()).to.deep.equal({ pending: 3, queued: 0 });
      expect(labels(pool.pending())).to.deep.equal(["0:4", "0:5", "0:6"]);
      expect(await pool.pendingNonce(addr[0])).to.equal(7n);
    });

    it("pendingNonce is the state nonce for a sender with nothing pooled, in any letter case", async function () {
      const { pool, state } = setup();
      state.set(2, 9n);
      expect(await pool.pendingNonce(addr[2].toUpperCase().replace("0X", "0x"))).to.equal(9n);
    });

    it("orders senders by price, ties by arrival", async function () {
      const { pool } = setup();
      await pool.add(tx(0, { price: 2n * GWEI }));
      await pool.add(tx(1, { price: 5n * GWEI }));
      await pool.add(tx(2, { price: 2n * GWEI }));
      await pool.add(tx(3, { type: 0, price: 3n * GWEI }));
      expect(labels(pool.pending())).to.deep.equal(["1:0", "3:0", "0:0", "2:0"]);
    });

    it("never puts a sender's later nonce before an earlier one, even when it pays more", async function () {
      const { pool } = setup();
      await pool.add(tx(0, { nonce: 0, price: GWEI }));
      await pool.add(tx(0, { nonce: 1, price: 100n * GWEI }));
      await pool.add(tx(0, { nonce: 2, price: 2n * GWEI }));
      await pool.add(tx(1, { nonce: 0, price: 50n * GWEI }));
      await pool.add(tx(1, { nonce: 1, price: 3n * GWEI }));
      expect(labels(pool.pending())).to.deep.equal(["1:0", "1:1", "0:0", "0:1", "0:2"]);
    });

    it("interleaves senders as their next transaction's price allows", async function () {
      const { pool } = setup();
      await pool.add(tx(0, { nonce: 0, price: 10n * GWEI }));
      await pool.add(tx(0, { nonce: 1, price: 4n * GWEI }));
      await pool.add(tx(1, { nonce: 0, price: 6n * GWEI }));
      await pool.add(tx(1, { nonce: 1, price: 5n * GWEI }));
      expect(labels(pool.pending())).to.deep.equal(["0:0", "1:0", "1:1", "0:1"]);
    });

    it("stops at maxCount", async function () {
      const { pool } = setup();
      for (let i = 0; i < 5; i++) await pool.add(tx(i, { price: BigInt(i + 1) * GWEI }));
      expect(labels(pool.pending(2))).to.deep.equal(["4:0", "3:0"]);
      expect(pool.pending(0)).to.deep.equal([]);
    });

    it("stops at maxGas, leaving out a sender whose next transaction does not fit and going on with others", async function () {
      const { pool } = setup();
      await pool.add(tx(0, { nonce: 0, price: 9n * GWEI }));
      await pool.add(tx(0, { nonce: 1, price: 9n * GWEI, gas: 100_000n }));
      await pool.add(tx(0, { nonce: 2, price: 9n * GWEI }));
      await pool.add(tx(1, { nonce: 0, price: 2n * GWEI }));
      await pool.add(tx(2, { nonce: 0, price: GWEI, gas: 50_000n }));
      expect(labels(pool.pending(100, 21_000n * 2n))).to.deep.equal(["0:0", "1:0"]);
      expect(labels(pool.pending(100, 21_000n * 2n + 50_000n))).to.deep.equal(["0:0", "1:0", "2:0"]);
      expect(labels(pool.pending(100, 21_000 + 100_000))).to.deep.equal(["0:0", "0:1"]);
    });

    it("leaves out transactions whose fee cap is below the base fee", async function () {
      const { pool } = setup({ minGasPrice: 0n });
      await pool.add(tx(0, { nonce: 0, price: 10n * GWEI, tip: GWEI }));
      await pool.add(tx(0, { nonce: 1, price: 2n * GWEI, tip: 2n * GWEI }));
      await pool.add(tx(1, { nonce: 0, price: 3n * GWEI, tip: 3n * GWEI }));
      pool.setBaseFee(5n * GWEI);
      expect(labels(pool.pending())).to.deep.equal(["0:0"]);
      pool.setBaseFee(0n);
      expect(labels(pool.pending())).to.deep.equal(["1:0", "0:0", "0:1"]);
    });

    it("lists content and all transactions per sender in nonce order", async function () {
      const { pool } = setup();
      const a2 = tx(0, { nonce: 2 });
      const a0 = tx(0, { nonce: 0 });
      const b0 = tx(1, { nonce: 0 });
      const a4 = tx(0, { nonce: 4 });
      for (const t of [a2, a0, b0, a4]) await pool.add(t);
      expect(pool.all()).to.deep.equal([a0, a2, a4, b0]);
      const c = pool.content();
      expect([...c.pending.entries()]).to.deep.equal([
        [addr[0], [a0]],
        [addr[1], [b0]],
      ]);
      expect([...c.queued.entries()]).to.deep.equal([[addr[0], [a2, a4]]]);
    });
  });

  describe("onNewBlock", function () {
    it("removes included transactions and advances the sender's nonce", async function () {
      const { pool, state } = setup();
      const t0 = tx(0, { nonce: 0 });
      const t1 = tx(0, { nonce: 1 });
      const t2 = tx(0, { nonce: 2 });
      for (const t of [t0, t1, t2]) await pool.add(t);
      state.set(0, 2n);
      const r = await pool.onNewBlock([hashOf(t0), hashOf(t1), "0x" + "ab".repeat(32)], state.getAccount);
      expect(r).to.deep.equal({ included: 2, dropped: 0 });
      expect(pool.all()).to.deep.equal([t2]);
      expect(pool.stats()).to.deep.equal({ pending: 1, queued: 0 });
      expect(pool.pending()).to.deep.equal([t2]);
      expect(await pool.pendingNonce(addr[0])).to.equal(3n);
    });

    it("forgets a sender whose last transaction was included", async function () {
      const { pool, state } = setup();
      const t = tx(0);
      await pool.add(t);
      state.set(0, 1n);
      await pool.onNewBlock([hashOf(t)], state.getAccount);
      expect(pool.stats()).to.deep.equal({ pending: 0, queued: 0 });
      expect(pool.content().pending.size).to.equal(0);
    });

    it("drops transactions whose nonce another transaction used, and promotes queued ones whose gap closed", async function () {
      const { pool, state } = setup();
      const a0 = tx(0, { nonce: 0 });
      const a2 = tx(0, { nonce: 2 });
      const a3 = tx(0, { nonce: 3 });
      for (const t of [a0, a2, a3]) await pool.add(t);
      expect(pool.stats()).to.deep.equal({ pending: 1, queued: 2 });
      // the block holds a0 and a nonce-1 transaction the pool never saw
      state.set(0, 2n);
      await pool.onNewBlock([hashOf(a0)], state.getAccount);
      expect(pool.stats()).to.deep.equal({ pending: 2, queued: 0 });
      expect(pool.pending()).to.deep.equal([a2, a3]);
    });

    it("re-reads senders named by the block even when none of their pooled transactions was included", async function () {
      const { pool, state } = setup();
      const b0 = tx(1, { nonce: 0 });
      const b1 = tx(1, { nonce: 1 });
      await pool.add(b0);
      await pool.add(b1);
      state.set(1, 1n); // b0's nonce was used by a replacement sent to another node
      const untouched = await pool.onNewBlock([], state.getAccount);
      expect(untouched).to.deep.equal({ included: 0, dropped: 0 });
      expect(pool.size).to.equal(2);
      const r = await pool.onNewBlock([], state.getAccount, { senders: [addr[1].toUpperCase().replace("0X", "0x")] });
      expect(r).to.deep.equal({ included: 0, dropped: 1 });
      expect(pool.pending()).to.deep.equal([b1]);
    });

    it("drops what the new balance no longer pays for; later nonces fall back to queued", async function () {
      const { pool, state } = setup();
      const cost = 21_000n * GWEI;
      const t0 = tx(0, { nonce: 0 });
      const t1 = tx(0, { nonce: 1, value: ETHER });
      const t2 = tx(0, { nonce: 2 });
      const t3 = tx(0, { nonce: 3 });
      for (const t of [t0, t1, t2, t3]) await pool.add(t);
      state.set(0, 1n, cost * 5n); // t0 included; a transfer out of a contract-free account cannot refill it
      const r = await pool.onNewBlock([hashOf(t0)], state.getAccount);
      expect(r).to.deep.equal({ included: 1, dropped: 1 });
      expect(pool.has(hashOf(t1))).to.equal(false);
      expect(pool.stats()).to.deep.equal({ pending: 0, queued: 2 });
      expect(pool.pending()).to.deep.equal([]);
    });

    it("keeps pending() consistent while the accounts are being read", async function () {
      const state = new FakeState();
      let release: () => void = () => {};
      const gate = new Promise<void>((r) => (release = r));
      const pool = new TxPool(options(), state);
      const a0 = tx(0, { nonce: 0 });
      const a1 = tx(0, { nonce: 1 });
      const b0 = tx(1, { nonce: 0 });
      for (const t of [a0, a1, b0]) await pool.add(t);
      state.set(0, 1n);
      const slow = async (a: string) => {
        await gate;
        return state.getAccount(a);
      };
      const done = pool.onNewBlock([hashOf(a0)], slow);
      await new Promise((r) => setImmediate(r));
      expect(pool.pending()).to.deep.equal([b0]);
      expect(pool.stats()).to.deep.equal({ pending: 1, queued: 1 });
      release();
      await done;
      expect(pool.pending()).to.deep.equal([a1, b0]);
    });

    it("takes the new base fee", async function () {
      const { pool, state } = setup({ minGasPrice: 0n });
      await pool.add(tx(0, { price: 2n * GWEI, tip: GWEI }));
      await pool.onNewBlock([], state.getAccount, { baseFee: 3n * GWEI });
      expect(pool.pending()).to.deep.equal([]);
    });
  });

  describe("remove", function () {
    it("removes transactions by hash and demotes the sender's later nonces", async function () {
      const { pool } = setup();
      const t0 = tx(0, { nonce: 0 });
      const t1 = tx(0, { nonce: 1 });
      const u0 = tx(1, { nonce: 0 });
      for (const t of [t0, t1, u0]) await pool.add(t);
      expect(pool.remove([hashOf(t0), hashOf(u0), "0x" + "cd".repeat(32)])).to.equal(2);
      expect(pool.stats()).to.deep.equal({ pending: 0, queued: 1 });
      expect(pool.all()).to.deep.equal([t1]);
    });
  });

  describe("eviction", function () {
    it("evicts the lowest-priced queued transaction first, even when a pending one is cheaper", async function () {
      const { pool } = setup({ maxSize: 3 });
      const cheapPending = tx(0, { nonce: 0, price: GWEI });
      const queuedLow = tx(1, { nonce: 5, price: 3n * GWEI });
      const queuedHigh = tx(2, { nonce: 5, price: 9n * GWEI });
      for (const t of [cheapPending, queuedLow, queuedHigh]) await pool.add(t);
      const newcomer = tx(3, { nonce: 0, price: 2n * GWEI });
      await pool.add(newcomer);
      expect(pool.has(hashOf(queuedLow))).to.equal(false);
      expect(pool.size).to.equal(3);
      expect(pool.stats()).to.deep.equal({ pending: 2, queued: 1 });
    });

    it("among queued transactions of equal price, evicts the farthest in the future", async function () {
      const { pool } = setup({ maxSize: 3 });
      const near = tx(0, { nonce: 1, price: 2n * GWEI });
      const far = tx(1, { nonce: 9, price: 2n * GWEI });
      const p = tx(2, { nonce: 0, price: 2n * GWEI });
      for (const t of [near, far, p]) await pool.add(t);
      await pool.add(tx(3, { nonce: 0, price: 2n * GWEI }));
      expect(pool.has(hashOf(far))).to.equal(false);
      expect(pool.has(hashOf(near))).to.equal(true);
    });

    it("evicts a sender's last nonce, so no gap opens", async function () {
      const { pool } = setup({ maxSize: 3 });
      const a0 = tx(0, { nonce: 0, price: 5n * GWEI });
      const a1 = tx(0, { nonce: 1, price: GWEI });
      const a2 = tx(0, { nonce: 2, price: 3n * GWEI });
      for (const t of [a0, a1, a2]) await pool.add(t);
      await pool.add(tx(1, { nonce: 0, price: 4n * GWEI }));
      expect(pool.has(hashOf(a2))).to.equal(false);
      expect(pool.stats()).to.deep.equal({ pending: 3, queued: 0 });
    });

    it("evicts the cheapest pending transaction for a better-paying newcomer", async function () {
      const { pool } = setup({ maxSize: 2 });
      const cheap = tx(0, { price: GWEI });
      await pool.add(cheap);
      await pool.add(tx(1, { price: 3n * GWEI }));
      await pool.add(tx(2, { price: 2n * GWEI }));
      expect(pool.has(hashOf(cheap))).to.equal(false);
      expect(labels(pool.pending())).to.deep.equal(["1:0", "2:0"]);
    });

    it("ranks a replaced transaction by its new price", async function () {
      const { pool } = setup({ maxSize: 2 });
      await pool.add(tx(0, { price: GWEI }));
      const b = tx(1, { price: 5n * GWEI });
      await pool.add(b);
      const a = tx(0, { price: 10n * GWEI });
      await pool.add(a);
      await pool.add(tx(2, { price: 6n * GWEI }));
      expect(pool.has(hashOf(b))).to.equal(false);
      expect(pool.has(hashOf(a))).to.equal(true);
    });

    it("re-ranks by the price the validator receives when the base fee changes", async function () {
      const { pool } = setup({ maxSize: 2, minGasPrice: 0n });
      const a = tx(0, { price: 10n * GWEI, tip: GWEI });
      const b = tx(1, { price: 3n * GWEI, tip: 3n * GWEI });
      await pool.add(a);
      await pool.add(b);
      pool.setBaseFee((5n * GWEI) / 2n); // a receives 1 gwei, b only 0.5 gwei
      await pool.add(tx(2, { price: 10n * GWEI, tip: 2n * GWEI }));
      expect(pool.has(hashOf(b))).to.equal(false);
      expect(pool.has(hashOf(a))).to.equal(true);
    });

    it("refuses a queued newcomer when only pending transactions could make room", async function () {
      const { pool } = setup({ maxSize: 2 });
      await pool.add(tx(0, { price: GWEI }));
      await pool.add(tx(1, { price: GWEI }));
      await refused(pool.add(tx(2, { nonce: 3, price: 50n * GWEI })), "POOL_FULL", "txpool is full");
    });

    it("does not evict the newcomer's own lower nonce to make room for it", async function () {
      const { pool } = setup({ maxSize: 2 });
      const a0 = tx(0, { nonce: 0, price: GWEI });
      await pool.add(a0);
      await pool.add(tx(1, { nonce: 0, price: 90n * GWEI }));
      await refused(pool.add(tx(0, { nonce: 1, price: 50n * GWEI })), "POOL_FULL", "txpool is full");
      expect(pool.size).to.equal(2);
    });

    it("evicts another sender's cheaper transaction rather than the newcomer's own lower nonce", async function () {
      const { pool } = setup({ maxSize: 2 });
      const a0 = tx(0, { nonce: 0, price: GWEI });
      const c0 = tx(2, { nonce: 0, price: 2n * GWEI });
      await pool.add(a0);
      await pool.add(c0);
      const a1 = tx(0, { nonce: 1, price: 50n * GWEI });
      await pool.add(a1);
      expect(pool.all()).to.deep.equal([a0, a1]);
    });
  });

  describe("gas-free mode", function () {
    const gasFree = (over: Partial<TxPoolOptions["gasFree"]> = {}) => ({ gasFree: { enabled: true, maxTxPerSenderPerMinute: 3, ...over } });

    it("accepts a gas price of 0 (legacy and EIP-1559) and a non-zero one", async function () {
      const { state, pool } = setup(gasFree());
      state.set(0, 0n, 0n);
      expect(await pool.add(tx(0, { type: 0, nonce: 0, price: 0n }))).to.be.a("string");
      expect(await pool.add(tx(0, { nonce: 1, price: 0n, tip: 0n }))).to.be.a("string");
      state.set(1, 0n, ETHER);
      expect(await pool.add(tx(1, { nonce: 0, price: 7n }))).to.be.a("string");
      expect(pool.stats()).to.deep.equal({ pending: 3, queued: 0 });
    });

    it("still refuses a value the sender cannot pay", async function () {
      const { state, pool } = setup(gasFree());
      state.set(0, 0n, 5n);
      await refused(pool.add(tx(0, { price: 0n, tip: 0n, value: 6n })), "INSUFFICIENT_FUNDS", "insufficient funds for gas * price + value: balance 5, tx cost 6");
    });

    it("applies gasFree.minGasPrice when one is set", async function () {
      const { pool } = setup(gasFree({ minGasPrice: 2n }));
      await refused(pool.add(tx(0, { price: 1n })), "UNDERPRICED", "transaction underpriced: gas price 1 < minimum 2");
    });

    it("limits admissions per sender per minute, in a sliding window", async function () {
      let t = 1_000_000;
      const { pool } = setup({ ...gasFree(), now: () => t });
      for (let n = 0; n < 3; n++) {
        await pool.add(tx(0, { nonce: n, price: 0n, tip: 0n }));
        t += 10_000;
      }
      await refused(pool.add(tx(0, { nonce: 3, price: 0n, tip: 0n })), "RATE_LIMITED", "rate limit exceeded: at most 3 transactions per minute per sender");
      // another sender has its own budget
      expect(await pool.add(tx(1, { price: 0n, tip: 0n }))).to.be.a("string");
      // a replacement is an admission too
      await refused(pool.add(tx(0, { nonce: 2, price: 5n, tip: 5n })), "RATE_LIMITED", /rate limit exceeded/);
      t = 1_000_000 + 60_000; // the first admission leaves the window
      expect(await pool.add(tx(0, { nonce: 3, price: 0n, tip: 0n }))).to.be.a("string");
      await refused(pool.add(tx(0, { nonce: 4, price: 0n, tip: 0n })), "RATE_LIMITED", /rate limit exceeded/);
    });

    it("counts only admitted transactions against the rate", async function () {
      const { pool } = setup(gasFree({ maxTxPerSenderPerMinute: 1 }));
      await refused(pool.add(tx(0, { gas: 1n, price: 0n, tip: 0n })), "INTRINSIC_GAS_TOO_LOW", /intrinsic/);
      expect(await pool.add(tx(0, { price: 0n, tip: 0n }))).to.be.a("string");
    });

    it("forgets rate records older than a minute after a block", async function () {
      let t = 0;
      const { pool, state } = setup({ ...gasFree({ maxTxPerSenderPerMinute: 1 }), now: () => t });
      const a = tx(0, { price: 0n, tip: 0n });
      await pool.add(a);
      t = 61_000;
      state.set(0, 1n);
      await pool.onNewBlock([hashOf(a)], state.getAccount);
      expect(await pool.add(tx(0, { nonce: 1, price: 0n, tip: 0n }))).to.be.a("string");
    });

    it("does not rate-limit when gas-free mode is off", async function () {
      const { pool } = setup({ gasFree: { enabled: false, maxTxPerSenderPerMinute: 1 } });
      for (let n = 0; n < 3; n++) await pool.add(tx(0, { nonce: n }));
      expect(pool.size).to.equal(3);
    });
  });

  describe("admission hook", function () {
    it("refuses with the hook's reason, and passes the transaction and its sender", async function () {
      const calls: [TypedTransaction, string][] = [];
      const hook: AdmissionHook = async (t, sender) => {
        calls.push([t, sender]);
        return sender === addr[1] ? "sender is blacklisted (GasBlacklist)" : null;
      };
      const { pool } = setup({ gasFree: { enabled: true, maxTxPerSenderPerMinute: 10 } }, hook);
      const ok = tx(0, { price: 0n, tip: 0n });
      await pool.add(ok);
      const bad = tx(1, { price: 0n, tip: 0n });
      await refused(pool.add(bad), "ADMISSION_REJECTED", "sender is blacklisted (GasBlacklist)");
      expect(calls).to.deep.equal([
        [ok, addr[0]],
        [bad, addr[1]],
      ]);
      expect(pool.size).to.equal(1);
    });

    it("is not consulted when a local check already refused the transaction", async function () {
      let called = 0;
      const { pool, state } = setup({}, async () => {
        called++;
        return "quota exhausted";
      });
      state.set(0, 3n);
      await refused(pool.add(tx(0, { nonce: 1 })), "NONCE_TOO_LOW", /nonce too low/);
      expect(called).to.equal(0);
      await refused(pool.add(tx(0, { nonce: 3 })), "ADMISSION_REJECTED", "quota exhausted");
      expect(called).to.equal(1);
    });
  });

  describe("for a gas-free builder", function () {
    it("refusal objects carry data to the JSON-RPC error; setAdmissionHook replaces the hook", async function () {
      const { pool } = setup({ gasFree: { enabled: true, maxTxPerSenderPerMinute: 10 } });
      await pool.add(tx(0, { price: 0n, tip: 0n }));
      pool.setAdmissionHook(async () => ({ message: "gas policy (quota): over", data: { rule: "quota", used: "7" } }));
      const err = await refused(pool.add(tx(1, { price: 0n, tip: 0n })), "ADMISSION_REJECTED", "gas policy (quota): over");
      expect(err.data).to.deep.equal({ rule: "quota", used: "7" });
      expect(toRpcError(err)).to.deep.equal({ code: -32000, message: "gas policy (quota): over", data: { rule: "quota", used: "7" } });
      pool.setAdmissionHook(undefined);
      await pool.add(tx(1, { price: 0n, tip: 0n }));
    });

    it("pendingLists: each sender's executable run in nonce order, senders by arrival, at most N each; pooledGas counts queued too", async function () {
      const { pool } = setup();
      const b0 = tx(1, { nonce: 0, gas: 30_000n });
      const a0 = tx(0, { nonce: 0 });
      const a1 = tx(0, { nonce: 1 });
      const a2 = tx(0, { nonce: 2 });
      const a5 = tx(0, { nonce: 5, gas: 50_000n }); // queued behind a gap
      const c1 = tx(2, { nonce: 1 }); // queued only
      for (const t of [b0, a0, a1, a2, a5, c1]) await pool.add(t);
      expect(pool.pendingLists().map((l) => [l.sender, l.txs])).to.deep.equal([
        [addr[1], [b0]],
        [addr[0], [a0, a1, a2]],
      ]);
      expect(pool.pendingLists(2).map((l) => l.txs.length)).to.deep.equal([1, 2]);
      expect(pool.pooledGas(addr[0])).to.equal(21_000n * 3n + 50_000n);
      expect(pool.pooledGas(addr[0].toUpperCase().replace("0X", "0x"))).to.equal(113_000n);
      expect(pool.pooledGas(addr[2])).to.equal(21_000n);
      expect(pool.pooledGas(addr[3])).to.equal(0n);
      // kept as transactions come and go: a replacement, an inclusion, a removal, a stale nonce
      await pool.add(tx(0, { nonce: 1, gas: 40_000n, price: 2n * GWEI }));
      expect(pool.pooledGas(addr[0])).to.equal(21_000n * 2n + 40_000n + 50_000n);
      await pool.onNewBlock([hashOf(a0)], async (a) => ({ nonce: a === addr[0] ? 1n : 0n, balance: 1000n * ETHER }));
      expect(pool.pooledGas(addr[0])).to.equal(21_000n + 40_000n + 50_000n);
      pool.remove([hashOf(a5)]);
      expect(pool.pooledGas(addr[0])).to.equal(61_000n);
      await pool.onNewBlock([], async (a) => ({ nonce: a === addr[0] ? 3n : 0n, balance: 1000n * ETHER }), { senders: [addr[0]] });
      expect(pool.pooledGas(addr[0])).to.equal(0n);
      expect(pool.pooledGas(addr[1])).to.equal(30_000n);
    });
  });

  describe("decodeRawTransaction", function () {
    it("decodes a transaction signed by ethers with the chain's Common", async function () {
      const raw = await wallets[0].signTransaction({ type: 2, chainId: CHAIN, nonce: 0, to: TO, gasLimit: 21_000n, maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI });
      const t = decodeRawTransaction(hexToBytes(raw as `0x${string}`), common);
      expect(t.getSenderAddress().toString()).to.equal(addr[0]);
    });

    it("refuses another chain's transaction with invalid chain id (typed and legacy)", async function () {
      const typed = await wallets[0].signTransaction({ type: 2, chainId: 5n, nonce: 0, to: TO, gasLimit: 21_000n, maxFeePerGas: GWEI, maxPriorityFeePerGas: GWEI });
      const legacy = await wallets[0].signTransaction({ type: 0, chainId: 5n, nonce: 0, to: TO, gasLimit: 21_000n, gasPrice: GWEI });
      for (const raw of [typed, legacy]) {
        expect(() => decodeRawTransaction(hexToBytes(raw as `0x${string}`), common))
          .to.throw(PoolError, `invalid chain id: have 5, want ${CHAIN}`)
          .with.property("reason", "INVALID_CHAIN_ID");
      }
    });

    it("refuses blob and set-code transactions and unknown types", function () {
      for (const type of [3, 4, 0x05, 0x7f]) {
        expect(() => decodeRawTransaction(new Uint8Array([type, 0xc0]), common))
          .to.throw(PoolError, "transaction type not supported")
          .with.property("reason", "TX_TYPE_NOT_SUPPORTED");
      }
    });

    it("refuses bytes that are not a transaction", function () {
      expect(() => decodeRawTransaction(new Uint8Array([]), common)).to.throw(PoolError, "invalid transaction: empty input");
      expect(() => decodeRawTransaction(hexToBytes("0xdeadbeef"), common))
        .to.throw(PoolError, /^invalid transaction: /)
        .with.property("reason", "INVALID_TRANSACTION");
      expect(() => decodeRawTransaction(new Uint8Array([2, 0xc0]), common)).to.throw(PoolError, /^invalid transaction: /);
    });
  });

  describe("txPoolOptionsFromConfig", function () {
    it("maps the node configuration onto the pool's options", function () {
      const config = resolveNodeConfig({ chainId: 77, pool: { maxSize: 500 }, gasFree: { enabled: true }, consensus: { blockGasLimit: 8_000_000 } });
      expect(txPoolOptionsFromConfig(config, 30_000_000n)).to.deep.equal({
        chainId: 77n,
        maxSize: 500,
        maxPerSender: 500,
        priceBumpPercent: 10,
        minGasPrice: GWEI,
        maxTxBytes: 131072,
        blockGasLimit: 8_000_000n,
        gasFree: { enabled: true, maxTxPerSenderPerMinute: 600, minGasPrice: 0n },
      });
    });

    it("admits up to the genesis gas limit unless the node's builder limit is lower", function () {
      expect(txPoolOptionsFromConfig(resolveNodeConfig({ chainId: 77 }), 300_000_000n).blockGasLimit).to.equal(300_000_000n);
      expect(txPoolOptionsFromConfig(resolveNodeConfig({ chainId: 77, consensus: { blockGasLimit: 900_000_000 } }), 300_000_000n).blockGasLimit).to.equal(300_000_000n);
      expect(txPoolOptionsFromConfig(resolveNodeConfig({ chainId: 77, consensus: { blockGasLimit: null } }), 30_000_000n).blockGasLimit).to.equal(30_000_000n);
    });
  });
});
