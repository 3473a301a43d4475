import { LuniverseError } from "../../lib/errors";

/** Why the pool refused a transaction. */
export type PoolErrorReason =
  | "ALREADY_KNOWN"
  | "TX_TYPE_NOT_SUPPORTED"
  | "INVALID_TRANSACTION"
  | "OVERSIZED_DATA"
  | "INVALID_CHAIN_ID"
  | "INVALID_SIGNATURE"
  | "GAS_LIMIT_EXCEEDED"
  | "INTRINSIC_GAS_TOO_LOW"
  | "UNDERPRICED"
  | "NONCE_TOO_LOW"
  | "INSUFFICIENT_FUNDS"
  | "REPLACEMENT_UNDERPRICED"
  | "SENDER_LIMIT"
  | "POOL_FULL"
  | "RATE_LIMITED"
  | "ADMISSION_REJECTED";

/** The error code of a refusal: `POOL_` and the reason (`POOL_NONCE_TOO_LOW`; `POOL_FULL` as is). */
export type PoolErrorCode = `POOL_${Exclude<PoolErrorReason, "POOL_FULL">}` | "POOL_FULL";

/**
 * A transaction the pool refused. The message uses geth's wording (`nonce too low: …`, `already known`,
 * `txpool is full`) so that clients (ethers, viem, wallets) recognise it once the RPC layer sends it (as JSON-RPC
 * error -32000, see node/rpc/errors.ts); `reason` is the machine-readable cause, `code` the same with the pool's
 * prefix.
 */
export class PoolError extends LuniverseError<PoolErrorCode> {
  override name = "PoolError";
  constructor(
    readonly reason: PoolErrorReason,
    message: string,
    /** Machine-readable details, sent as the JSON-RPC error's `data` (a gas-free chain's policy refusals). */
    readonly data?: unknown,
  ) {
    super(reason === "POOL_FULL" ? "POOL_FULL" : `POOL_${reason}`, message);
  }
}
