import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToBigInt } from "@ethereumjs/util";
import { PoolError } from "./errors";

/** Transaction types the pool admits: legacy, EIP-2930, EIP-1559. */
const SUPPORTED_TYPES = new Set([1, 2]);

/** The chain id written in an encoded transaction, when it can be read (null otherwise or pre-EIP-155). */
function encodedChainId(raw: Uint8Array): bigint | null {
  try {
    if (raw[0] <= 0x7f) {
      const fields = RLP.decode(raw.subarray(1));
      return Array.isArray(fields) && fields[0] instanceof Uint8Array ? bytesToBigInt(fields[0]) : null;
    }
    const fields = RLP.decode(raw);
    if (!Array.isArray(fields) || !(fields[6] instanceof Uint8Array)) return null;
    const v = bytesToBigInt(fields[6]);
    return v === 27n || v === 28n ? null : (v - 35n) >> 1n;
  } catch {
    return null;
  }
}

/**
 * Decodes a signed transaction as received from eth_sendRawTransaction or a peer, with the chain's Common
 * (makeCommon(chainId), so that sender recovery is native). Throws PoolError: "transaction type not supported",
 * "invalid chain id: have X, want Y", or "invalid transaction: …" for anything else that does not decode.
 */
export function decodeRawTransaction(raw: Uint8Array, common: Common): TypedTransaction {
  if (raw.length === 0) throw new PoolError("INVALID_TRANSACTION", "invalid transaction: empty input");
  if (raw[0] <= 0x7f && !SUPPORTED_TYPES.has(raw[0])) {
    throw new PoolError("TX_TYPE_NOT_SUPPORTED", "transaction type not supported");
  }
  try {
    return createTxFromRLP(raw, { common }) as TypedTransaction;
  } catch (e) {
    const want = common.chainId();
    const have = encodedChainId(raw);
    if (have !== null && have !== want) throw new PoolError("INVALID_CHAIN_ID", `invalid chain id: have ${have}, want ${want}`);
    const detail = (e as Error).message.split(" (tx type=")[0].split("\n")[0];
    throw new PoolError("INVALID_TRANSACTION", `invalid transaction: ${detail}`);
  }
}
