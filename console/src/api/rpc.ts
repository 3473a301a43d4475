/**
 * JSON-RPC to a chain through the console server (`POST /rpc/<chainId>`), and read calls of a contract with ethers'
 * `Interface` + `eth_call`. A method the node does not serve is an {@link RpcError} with `methodNotFound` true, so a
 * page can show what is there and say what is missing.
 */
import { Interface, type Result } from "ethers";
import { LuniverseError } from "../../../lib/errors";
import type { ConsoleChain } from "../config";
import { ApiRequestError, fetchJson } from "./http";

export class RpcError extends LuniverseError<"CONSOLE_RPC_ERROR"> {
  override name = "RpcError";
  constructor(
    readonly method: string,
    readonly rpcCode: number,
    message: string,
    readonly data?: unknown,
  ) {
    super("CONSOLE_RPC_ERROR", `${method}: ${message}`);
  }
  /** -32601, or a node's "does not exist/is not available". */
  get methodNotFound(): boolean {
    return this.rpcCode === -32601 || /does not exist|not available|not supported|method not found/i.test(this.shortMessage);
  }
}

let nextId = 1;

export async function rpc<T>(chain: Pick<ConsoleChain, "rpcPath">, method: string, params: unknown[] = [], signal?: AbortSignal): Promise<T> {
  const body = await fetchJson<{ result?: T; error?: { code: number; message: string; data?: unknown } }>(chain.rpcPath, signal, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: nextId++, method, params }),
  });
  if (body.error) throw new RpcError(method, body.error.code, body.error.message, body.error.data);
  return body.result as T;
}

/** `rpc`, but null when the node does not serve the method (and the error otherwise). */
export async function rpcOptional<T>(chain: Pick<ConsoleChain, "rpcPath">, method: string, params: unknown[] = [], signal?: AbortSignal): Promise<T | null> {
  try {
    return await rpc<T>(chain, method, params, signal);
  } catch (e) {
    if (e instanceof RpcError && e.methodNotFound) return null;
    throw e;
  }
}

export const hexToNumber = (hex: string | null | undefined): number | null => (typeof hex === "string" && /^0x[0-9a-f]+$/i.test(hex) ? Number(BigInt(hex)) : null);

/**
 * Calls the view function `fn` of `abi` at `address` with `args` (strings parsed by ethers as the types require);
 * returns the decoded result. A revert's message is the node's.
 */
export async function readContract(chain: ConsoleChain, abi: unknown[], address: string, fn: string, args: unknown[], signal?: AbortSignal): Promise<Result> {
  const iface = new Interface(abi as never);
  const data = iface.encodeFunctionData(fn, args);
  const out = await rpc<string>(chain, "eth_call", [{ to: address, data }, "latest"], signal);
  return iface.decodeFunctionResult(fn, out);
}

export { ApiRequestError };
