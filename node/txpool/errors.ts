import { RpcError } from "../types";

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

/**
 * A transaction the pool refused. It is an RpcError (JSON-RPC code -32000, as geth answers eth_sendRawTransaction),
 * so the RPC layer sends it to the client as is; the message uses geth's wording so that clients (ethers, viem,
 * wallets) recognise it. `reason` is the machine-readable cause.
 */
export class PoolError extends RpcError {
  constructor(
    readonly reason: PoolErrorReason,
    message: string,
  ) {
    super(-32000, message);
    this.name = "PoolError";
  }
}
