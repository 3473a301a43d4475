/**
 * What the gateway reads from a signed raw transaction (eth_sendRawTransaction) before forwarding it: the sender (for
 * the abuse rules and the request log) and the target contract (for a key's contract allow-list).
 *
 * Parsing is ethereumjs' (`createTxFromRLP`), with the native secp256k1 and keccak plugged in through
 * `Common({ customCrypto })` — recovery is ~20x faster than the pure-JS default, and it runs on the request path.
 * (The node does the same in node/execution/common.ts; services may not import node/, so this is the small local copy
 * of the idea.) Legacy (pre- and post-EIP-155), EIP-2930, EIP-1559 and EIP-7702 transactions are read; EIP-4844 blob
 * transactions need a KZG setup ethereumjs insists on and give null.
 */
import { createCustomCommon, Hardfork, Mainnet, type Common, type CustomCrypto } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import secp256k1 from "secp256k1";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const createKeccakHash: (alg: "keccak256") => { update(b: Uint8Array): { digest(): Buffer } } = require("keccak");

function keccak256(data: Uint8Array): Uint8Array {
  // The package takes Buffers only: a view over the same memory, no copy.
  const input = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const out = createKeccakHash("keccak256").update(input).digest();
  return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
}

function toBytes32(b: Uint8Array): Uint8Array {
  if (b.length === 32) return b;
  if (b.length > 32) throw new Error("signature component longer than 32 bytes");
  const out = new Uint8Array(32);
  out.set(b, 32 - b.length);
  return out;
}

/** ethereumjs' `ecrecover` contract: the 64-byte public key (no 0x04 prefix) from v (0/1, 27/28 or EIP-155), r, s. */
function ecrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  let recovery: bigint;
  if (v === 0n || v === 1n) recovery = v;
  else if (chainId === undefined) recovery = v - 27n;
  else recovery = v - (chainId * 2n + 35n);
  if (recovery !== 0n && recovery !== 1n) throw new Error("Invalid signature v value");
  const signature = new Uint8Array(64);
  signature.set(toBytes32(r), 0);
  signature.set(toBytes32(s), 32);
  return secp256k1.ecdsaRecover(signature, Number(recovery), msgHash, false).slice(1);
}

const nativeCrypto: CustomCrypto = {
  keccak256,
  ecrecover,
  ecdsaRecover: (sig: Uint8Array, recId: number, hash: Uint8Array) => secp256k1.ecdsaRecover(sig, recId, hash, false),
};

/** One Common per chain id (a transaction must be parsed with its own chain's), bounded. */
const commons = new Map<number, Common>();
const MAX_COMMONS = 256;

function commonFor(chainId: number): Common {
  let common = commons.get(chainId);
  if (common === undefined) {
    if (commons.size >= MAX_COMMONS) commons.clear();
    const shared = createCustomCommon({ chainId, name: `chain-${chainId}` }, Mainnet, {
      hardfork: Hardfork.Prague,
      customCrypto: nativeCrypto,
    });
    // Every transaction copies its Common and merges the transaction parameters into the copy (~1/3 of a parse);
    // these Commons only parse transactions and never change, so the copy is the Common itself, merged once.
    const merged = new Set<unknown>();
    const updateParams = shared.updateParams.bind(shared);
    Object.assign(shared, {
      copy: () => shared,
      updateParams: (params: Parameters<Common["updateParams"]>[0]) => {
        if (merged.has(params)) return;
        merged.add(params);
        updateParams(params);
      },
    });
    common = shared;
    commons.set(chainId, common);
  }
  return common;
}

function bytesToNumber(b: Uint8Array): bigint {
  let n = 0n;
  for (const byte of b) n = (n << 8n) | BigInt(byte);
  return n;
}

/**
 * The chain id the transaction is signed for: typed transactions carry it first in their payload, EIP-155 legacy ones
 * in `v`; a pre-EIP-155 legacy transaction has none (1 is used — any chain parses it the same). Null when unreadable.
 */
function chainIdOf(bytes: Uint8Array): number | null {
  const first = bytes[0];
  if (first === undefined) return null;
  let id: bigint;
  if (first >= 0xc0) {
    const fields = RLP.decode(bytes);
    if (!Array.isArray(fields) || fields.length !== 9 || !(fields[6] instanceof Uint8Array)) return null;
    const v = bytesToNumber(fields[6]);
    id = v >= 35n ? (v - 35n) / 2n : 1n;
  } else if (first <= 0x7f) {
    const fields = RLP.decode(bytes.subarray(1));
    if (!Array.isArray(fields) || !(fields[0] instanceof Uint8Array)) return null;
    id = bytesToNumber(fields[0]);
  } else return null;
  return id > 0n && id <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(id) : null;
}

const HEX = /^0x(?:[0-9a-fA-F]{2})+$/;

/** The last transaction parsed: the gateway asks for the target and then the sender of the same one. */
let last: { raw: string; tx: TypedTransaction | null } | null = null;

function parse(rawTx: string): TypedTransaction | null {
  if (last !== null && last.raw === rawTx) return last.tx;
  let tx: TypedTransaction | null = null;
  try {
    if (typeof rawTx === "string" && HEX.test(rawTx)) {
      const bytes = Buffer.from(rawTx.slice(2), "hex");
      const chainId = chainIdOf(bytes);
      if (chainId !== null) tx = createTxFromRLP(bytes, { common: commonFor(chainId) }) as TypedTransaction;
    }
  } catch {
    tx = null;
  }
  last = { raw: rawTx, tx };
  return tx;
}

/** The sender (lowercase 0x…) of a signed raw transaction; null when it is not one (garbage, unsigned, bad signature). */
export function recoverSender(rawTx: string): string | null {
  const tx = parse(rawTx);
  if (tx === null) return null;
  try {
    return tx.getSenderAddress().toString().toLowerCase();
  } catch {
    return null;
  }
}

/**
 * The `to` (lowercase 0x…) of a signed raw transaction; null for a contract creation or when the input is not a
 * transaction.
 */
export function transactionTarget(rawTx: string): string | null {
  const tx = parse(rawTx);
  if (tx === null || tx.to === undefined) return null;
  return tx.to.toString().toLowerCase();
}
