import { LuniverseError } from "../../lib/errors";

export type ExecutionErrorCode =
  /** A proposed block does not re-execute to what it claims (state root, receipts, bloom, gas). */
  | "EXECUTION_MISMATCH"
  /** A block received from a peer does not decode (or carries uncles or withdrawals). */
  | "EXECUTION_BAD_BLOCK"
  /** A replayed block's transactions exceed its gas limit. */
  | "EXECUTION_BLOCK_GAS_EXCEEDED"
  /** A replayed block holds a transaction that cannot run (nonce, balance, signature). */
  | "EXECUTION_INVALID_TRANSACTION"
  /** A call or estimate reverted; `data` is the revert data. */
  | "EXECUTION_REVERTED"
  /** A call or estimate failed otherwise (out of gas, invalid opcode, …). */
  | "EXECUTION_FAILED"
  /** The gas allowed to an estimate is below the intrinsic gas of the call. */
  | "EXECUTION_GAS_ALLOWANCE";

/**
 * Execution went wrong: a block that does not replay, or a call that reverted or failed. Messages use geth's
 * wording for calls (`execution reverted: reason`, `gas required exceeds allowance (…)`); the RPC layer maps them to
 * JSON-RPC errors (node/rpc/errors.ts).
 */
export class ExecutionError extends LuniverseError<ExecutionErrorCode> {
  override name = "ExecutionError";
  /** The revert data (0x-hex) of an EXECUTION_REVERTED. */
  readonly data?: `0x${string}`;

  constructor(code: ExecutionErrorCode, message: string, options: { data?: `0x${string}` } = {}) {
    super(code, message);
    if (options.data !== undefined) this.data = options.data;
  }
}
