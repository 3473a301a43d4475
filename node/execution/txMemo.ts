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
import { AccessList2930Tx, FeeMarket1559Tx, LegacyTx, createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
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
  const tx = createTxFromRLP(bytes, { common }) as TypedTransaction;
  if (Object.isFrozen(tx)) {
    serialized.set(tx, bytes);
    if (hash !== undefined) (tx as unknown as { cache: { hash?: Uint8Array } }).cache.hash = hash;
  }
  return tx;
}

installTxMemo();
