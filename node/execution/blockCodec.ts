/**
 * Decoding a block received from a peer (a proposal, a synced block) without decoding and recovering again the
 * transactions this node already holds.
 *
 * A validator's pool has almost every transaction of a proposal already — decoded, its hash and sender recovered (the
 * costliest step, ~60 µs of native `ecdsaRecover` each). `decodeBlock` hashes each transaction's bytes as they stand in
 * the block (the transaction hash is defined on exactly those bytes) and takes the pool's object for a known hash; only
 * the unknown ones are decoded. The block's transactions root is checked by the re-execution as before (`replay`
 * compares every root with the proposal's header), so a reused object can never make a block pass that would not.
 */
import { Block, createBlockHeaderFromBytesArray } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { RLP } from "@ethereumjs/rlp";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { keccak256 } from "./common";
import { ExecutionError } from "./errors";
import { decodeTransaction } from "./txMemo";

/** Finds a transaction this node already decoded (the pool), by its hash (0x…, lower case). */
export type KnownTransaction = (hash: Hex) => TypedTransaction | undefined;

/** Decodes a block's RLP (as `createBlockFromRLP`), reusing the transaction objects `known` returns. */
export function decodeBlock(serialized: Uint8Array, common: Common, known?: KnownTransaction): Block {
  let values: unknown;
  try {
    values = RLP.decode(serialized);
  } catch (err) {
    throw new ExecutionError("EXECUTION_BAD_BLOCK", `undecodable block: ${(err as Error).message}`);
  }
  if (!Array.isArray(values) || values.length < 3 || values.length > 4) {
    throw new ExecutionError("EXECUTION_BAD_BLOCK", "undecodable block: expected [header, transactions, uncles, withdrawals]");
  }
  const [headerData, txsData, unclesData, withdrawalsData] = values as [Uint8Array[], (Uint8Array | Uint8Array[])[], unknown[], unknown[] | undefined];
  if (!Array.isArray(txsData) || !Array.isArray(unclesData) || unclesData.length > 0 || (withdrawalsData !== undefined && (!Array.isArray(withdrawalsData) || withdrawalsData.length > 0))) {
    throw new ExecutionError("EXECUTION_BAD_BLOCK", "undecodable block: a Luniverse block has a transaction list, no uncles and no withdrawals");
  }
  const transactions: TypedTransaction[] = [];
  for (const data of txsData) {
    // typed transactions are their envelope bytes; a legacy one is the RLP list of its fields
    const raw = data instanceof Uint8Array ? data : RLP.encode(data);
    const hash = keccak256(raw);
    transactions.push(known?.(bytesToHex(hash) as Hex) ?? decodeTransaction(raw, common, hash));
  }
  return blockFromParts(headerData, transactions, common);
}

/**
 * A block from its header's fields and its transactions (a proposal sent by transaction hash, consensus/proposals.ts).
 * Throws ExecutionError EXECUTION_BAD_BLOCK for a header ethereumjs refuses.
 */
export function blockFromParts(headerData: Uint8Array[], transactions: TypedTransaction[], common: Common): Block {
  const opts = { common, skipConsensusFormatValidation: true };
  let header;
  try {
    header = createBlockHeaderFromBytesArray(headerData, opts);
  } catch (err) {
    throw new ExecutionError("EXECUTION_BAD_BLOCK", `undecodable block header: ${(err as Error).message}`);
  }
  return new Block(header, transactions, [], common.isActivatedEIP(4895) ? [] : undefined, opts);
}
