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
import { AccessList2930Tx, FeeMarket1559Tx, LegacyTx, type TypedTransaction } from "@ethereumjs/tx";
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

installTxMemo();
