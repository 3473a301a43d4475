/**
 * JSON-RPC errors: the codes of the spec and of geth, the RPC layer's own error ({@link RpcError}), and
 * {@link toRpcError}, which turns what the layers below throw — the pool's refusals, execution reverts — into the
 * error objects clients expect (ethers, viem and wallets recognise geth's codes and wording).
 */
import { LuniverseError } from "../../lib/errors";
import { ExecutionError } from "../execution/errors";
import { PoolError } from "../txpool/errors";

/** The request is not JSON. */
export const PARSE_ERROR = -32700;
/** Not a JSON-RPC request object (or an empty/oversized batch). */
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INVALID_PARAMS = -32602;
export const INTERNAL_ERROR = -32603;
/** geth's code for execution, pool and lookup errors. */
export const SERVER_ERROR = -32000;
/** geth's code for a query whose answer would be too large. */
export const LIMIT_EXCEEDED = -32005;
/** geth's code for a revert that carries data (eth_call, eth_estimateGas). */
export const EXECUTION_REVERTED = 3;

/** A JSON-RPC error object as sent to the client. */
export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export type RpcErrorCode =
  | "RPC_PARSE_ERROR"
  | "RPC_INVALID_REQUEST"
  | "RPC_METHOD_NOT_FOUND"
  | "RPC_INVALID_PARAMS"
  | "RPC_INTERNAL_ERROR"
  | "RPC_SERVER_ERROR"
  | "RPC_LIMIT_EXCEEDED"
  | "RPC_EXECUTION_REVERTED"
  | "RPC_ERROR";

const CODE_NAMES: Record<number, RpcErrorCode> = {
  [PARSE_ERROR]: "RPC_PARSE_ERROR",
  [INVALID_REQUEST]: "RPC_INVALID_REQUEST",
  [METHOD_NOT_FOUND]: "RPC_METHOD_NOT_FOUND",
  [INVALID_PARAMS]: "RPC_INVALID_PARAMS",
  [INTERNAL_ERROR]: "RPC_INTERNAL_ERROR",
  [SERVER_ERROR]: "RPC_SERVER_ERROR",
  [LIMIT_EXCEEDED]: "RPC_LIMIT_EXCEEDED",
  [EXECUTION_REVERTED]: "RPC_EXECUTION_REVERTED",
};

/**
 * An answer of the RPC layer that is an error, sent to the client as a JSON-RPC error object as is: `rpcCode`
 * (-32602 for bad params, -32000 for lookups and limits, …), the message, optional data. `code` is the
 * repository's string code derived from it (`RPC_INVALID_PARAMS`).
 */
export class RpcError extends LuniverseError<RpcErrorCode> {
  override name = "RpcError";
  constructor(
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super(CODE_NAMES[rpcCode] ?? "RPC_ERROR", message);
  }

  toObject(): RpcErrorObject {
    const out: RpcErrorObject = { code: this.rpcCode, message: this.message };
    if (this.data !== undefined) out.data = this.data;
    return out;
  }
}

/** Also true for an RpcError of another copy of this module (checked by shape). */
export function isRpcError(e: unknown): e is RpcError {
  return e instanceof RpcError || (e instanceof Error && e.name === "RpcError" && typeof (e as { rpcCode?: unknown }).rpcCode === "number");
}

/**
 * The JSON-RPC error object for a thrown value, or null when it is not an answer but a fault (the dispatcher then
 * logs it and sends -32603 "internal error"):
 * - an {@link RpcError}: its code, message and data;
 * - a pool refusal ({@link PoolError}): -32000 with geth's message (`nonce too low: …`, `already known`);
 * - an execution revert: 3, `execution reverted[: reason]`, the revert data; other execution failures: -32000.
 */
export function toRpcError(e: unknown): RpcErrorObject | null {
  if (isRpcError(e)) {
    const out: RpcErrorObject = { code: e.rpcCode, message: e.message };
    if (e.data !== undefined) out.data = e.data;
    return out;
  }
  if (e instanceof PoolError) return e.data === undefined ? { code: SERVER_ERROR, message: e.message } : { code: SERVER_ERROR, message: e.message, data: e.data };
  if (e instanceof ExecutionError) {
    if (e.code === "EXECUTION_REVERTED") return { code: EXECUTION_REVERTED, message: e.message, data: e.data };
    return { code: SERVER_ERROR, message: e.message };
  }
  return null;
}
