/**
 * Work done once per transaction object, not once per call.
 *
 * ethereumjs transactions are frozen after construction and cache their hash and sender public key, but
 * `serialize()` re-encodes the RLP on every call (a proposer serialised each transaction about six times: hash, pool
 * size check, gossip, transactions root, block RLP, proposal) and `getSenderAddress()` re-hashes the public key in
 * JavaScript on every call (runTx, receipts, the pool). Both results depend only on the frozen fields, so they are
 * memoised per object here — through the project's own hook on the classes' prototypes, installed once
 * (`installTxMemo`, done by importing the executor), never by a patched copy of the dependency.
 *
 * Only frozen objects are memoised (ethereumjs' own rule for its cache: an object built with `freeze: false` may be
 * changed, so it is computed every time as before).
 */
import type { Common } from "@ethereumjs/common";
import { AccessList2930Tx, FeeMarket1559Tx, LegacyTx, createTxFromRLP, paramsTx, type TypedTransaction } from "@ethereumjs/tx";
import { RLP } from "@ethereumjs/rlp";
import { Address } from "@ethereumjs/util";
import { keccak256 } from "./common";

const serialized = new WeakMap<object, Uint8Array>();
const senders = new WeakMap<object, Address>();
let installed = false;

interface Memoisable {
  serialize(): Uint8Array;
  getSenderAddress(): Address;
  getSenderPublicKey(): Uint8Array;
}

/** Installs the memos on the transaction classes the node admits (legacy, EIP-2930, EIP-1559); idempotent. */
export function installTxMemo(): void {
  if (installed) return;
  installed = true;
  for (const cls of [LegacyTx, AccessList2930Tx, FeeMarket1559Tx] as unknown as { prototype: Memoisable }[]) {
    const proto = cls.prototype;
    const serialize = proto.serialize;
    proto.serialize = function (this: Memoisable): Uint8Array {
      if (!Object.isFrozen(this)) return serialize.call(this);
      let raw = serialized.get(this);
      if (raw === undefined) {
        raw = serialize.call(this);
        serialized.set(this, raw);
      }
      return raw;
    };
    proto.getSenderAddress = function (this: Memoisable): Address {
      let sender = senders.get(this);
      if (sender !== undefined) return sender;
      sender = new Address(keccak256(this.getSenderPublicKey()).slice(12));
      if (Object.isFrozen(this)) senders.set(this, sender);
      return sender;
    };
  }
}

/**
 * Records the sender public key recovered elsewhere (a recovery worker) in the transaction's own cache, where
 * `getSenderPublicKey()` finds it. The caller vouches that `publicKey` was recovered from this transaction's signature.
 */
export function setSenderPublicKey(tx: TypedTransaction, publicKey: Uint8Array): void {
  if (!Object.isFrozen(tx)) return;
  (tx as unknown as { cache: { senderPubKey?: Uint8Array } }).cache.senderPubKey = publicKey;
}

/**
 * Decodes a signed transaction from its encoding (what eth_sendRawTransaction, peers and blocks carry) and remembers
 * those bytes as its serialisation, so that `serialize()` and `hash()` never re-encode it — and `hash` (keccak-256 of
 * `raw`) as its hash when the caller already computed it. This is sound because ethereumjs only accepts canonical
 * encodings (its RLP decoder refuses non-minimal lengths and single bytes wrapped in a prefix, the transaction
 * constructors refuse integers with leading zeros and malformed addresses, access lists and y-parities), so the bytes
 * of an accepted transaction are the ones `serialize()` would produce (test/node/recovery.test.ts checks both).
 *
 * `raw` is copied when it is a view over a larger buffer (a received frame), so the transaction does not keep the
 * frame alive. Throws what `createTxFromRLP` throws.
 */
export function decodeTransaction(raw: Uint8Array, common: Common, hash?: Uint8Array): TypedTransaction {
  const bytes = raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength ? raw : raw.slice();
  const tx = (fast1559(bytes, common) ?? createTxFromRLP(bytes, { common })) as TypedTransaction;
  if (Object.isFrozen(tx)) {
    serialized.set(tx, bytes);
    if (hash !== undefined) (tx as unknown as { cache: { hash?: Uint8Array } }).cache.hash = hash;
  }
  return tx;
}

/**
 * The common shape of an EIP-1559 transaction — a call or transfer to an address, no access list, every field a
 * canonical integer — built without ethereumjs' constructor, which converts each field through a hex string
 * (`toBytes`, `bytesToBigInt`), checks it in generic loops and copies the data; that cost ≈ 45 µs of a gossiped
 * transaction's ≈ 130 µs on a validator and most of its garbage. The object is the one the constructor would build:
 * same prototype, same own properties in the same order, frozen (test/node/recovery.test.ts compares them on random
 * transactions). Anything else — another shape, a value the constructor refuses or is unsure of — returns null and
 * goes through `createTxFromRLP`, which accepts it or throws its own error, so the rules and messages stay
 * ethereumjs'. `data` and `to` are views into `bytes` (which the transaction keeps as its serialisation anyway).
 */
export function fast1559(bytes: Uint8Array, common: Common): FeeMarket1559Tx | null {
  if (bytes.length < 2 || bytes[0] !== 2) return null;
  let values: unknown;
  try {
    values = RLP.decode(bytes.subarray(1));
  } catch {
    return null;
  }
  if (!Array.isArray(values) || values.length !== 12) return null;
  const [chainId, nonce, tip, maxFee, gasLimit, to, value, data, accessList, v, r, s] = values as unknown[];
  for (const b of [chainId, nonce, tip, maxFee, gasLimit, to, value, data, v, r, s]) if (!(b instanceof Uint8Array)) return null;
  if (!Array.isArray(accessList) || accessList.length !== 0) return null;
  const c = chainId as Uint8Array, n = nonce as Uint8Array, t = tip as Uint8Array, m = maxFee as Uint8Array;
  const g = gasLimit as Uint8Array, a = to as Uint8Array, val = value as Uint8Array, yb = v as Uint8Array;
  const rb = r as Uint8Array, sb = s as Uint8Array;
  // canonical integers of the sizes the constructor allows; r and s present; y-parity 0 or 1; a 20-byte target
  for (const x of [c, n, t, m, g, val, rb, sb]) if (x.length > 0 && x[0] === 0) return null;
  if (n.length > 8 || g.length > 8 || t.length > 32 || m.length > 32 || val.length > 32) return null;
  if (rb.length === 0 || rb.length > 32 || sb.length === 0 || sb.length > 32) return null;
  if (yb.length > 1 || (yb.length === 1 && yb[0] !== 1)) return null;
  if (a.length !== 20) return null;
  const env = fastEnv(common);
  if (env === null) return null;
  const nonceN = uint(n);
  const gasN = uint(g);
  const maxFeeN = uint(m);
  const tipN = uint(t);
  const sN = uint(sb);
  if (uint(c) !== env.chainId || nonceN >= MAX_UINT64 || maxFeeN < tipN || gasN * maxFeeN > MAX_INTEGER) return null;
  if (env.checkHighS && sN > SECP256K1_ORDER_DIV_2) return null;
  if (env.maxTxGas !== null && gasN > env.maxTxGas) return null;
  const tx = Object.create(FeeMarket1559Tx.prototype) as Record<string, unknown>;
  tx.type = 2;
  tx.cache = {};
  tx.activeCapabilities = [];
  tx.common = env.common;
  tx.txOptions = env.opts;
  tx.to = new Address(a);
  tx.nonce = nonceN;
  tx.gasLimit = gasN;
  tx.value = uint(val);
  tx.data = data;
  tx.v = yb.length === 0 ? 0n : 1n;
  tx.r = uint(rb);
  tx.s = sN;
  tx.chainId = env.chainId;
  tx.activeCapabilities = FAST_CAPABILITIES.slice();
  tx.accessList = accessList;
  tx.maxFeePerGas = maxFeeN;
  tx.maxPriorityFeePerGas = tipN;
  return Object.freeze(tx) as unknown as FeeMarket1559Tx;
}

const MAX_UINT64 = (1n << 64n) - 1n;
const MAX_INTEGER = (1n << 256n) - 1n;
const SECP256K1_ORDER_DIV_2 = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const FAST_CAPABILITIES = [1559, 2718, 2930];

interface FastEnv {
  common: Common;
  opts: { common: Common };
  chainId: bigint;
  checkHighS: boolean;
  maxTxGas: bigint | null;
}
const envs = new WeakMap<Common, FastEnv | null>();

/**
 * What the constructor derives from the Common, once per Common — or null (never the fast path) when the Common is
 * not the node's shared one (`copy()` returning itself, execution/common.ts): a transaction would then own a copy.
 */
function fastEnv(common: Common): FastEnv | null {
  let env = envs.get(common);
  if (env !== undefined) return env;
  env = null;
  if (common.copy() === common && common.isActivatedEIP(1559)) {
    common.updateParams(paramsTx); // what the constructor does first (a no-op after the first time on the shared Common)
    const capped = common.isActivatedEIP(7825) && !common.isActivatedEIP(8037);
    env = {
      common,
      opts: { common },
      chainId: common.chainId(),
      checkHighS: common.gteHardfork("homestead"),
      maxTxGas: capped ? common.param("maxTransactionGasLimit") : null,
    };
  }
  envs.set(common, env);
  return env;
}

/** A big-endian unsigned integer (at most 32 bytes, already checked). */
function uint(b: Uint8Array): bigint {
  const len = b.length;
  if (len <= 6) {
    let x = 0;
    for (let i = 0; i < len; i++) x = x * 256 + b[i]!;
    return BigInt(x);
  }
  return BigInt(`0x${Buffer.from(b.buffer, b.byteOffset, len).toString("hex")}`);
}

installTxMemo();
