import { FetchRequest, JsonRpcProvider, Network, type Filter, type Log } from "ethers";
import { LuniverseError } from "./errors";

/** An RPC endpoint that cannot be used at start-up (unreachable, not JSON-RPC, wrong chain). */
export class ChainError extends LuniverseError<"LUNIVERSE_CHAIN"> {
  override name = "ChainError";
  constructor(message: string) {
    super("LUNIVERSE_CHAIN", message);
  }
}

export interface ConnectOptions {
  /** Label for messages ("main chain"). */
  name?: string;
  /** Chain id the endpoint must report. */
  expectChainId?: bigint;
  /** Milliseconds per request (default 10 s). */
  timeoutMs?: number;
  /** Polling interval of the provider (default 1 s). */
  pollingIntervalMs?: number;
}

/** Calls one JSON-RPC method on `url` without an ethers provider (no background retries). */
export async function rpcCall(url: string, method: string, params: unknown[] = [], timeoutMs = 10_000): Promise<unknown> {
  const req = new FetchRequest(url);
  req.timeout = timeoutMs;
  req.body = { jsonrpc: "2.0", id: 1, method, params };
  req.setHeader("content-type", "application/json");
  const res = await req.send();
  res.assertOk();
  const body = res.bodyJson as { result?: unknown; error?: { message?: string } };
  if (body.error) throw new ChainError(`${method}: ${body.error.message ?? JSON.stringify(body.error)}`);
  return body.result;
}

/**
 * Connects to a JSON-RPC endpoint: asks its chain id once (a clear {@link ChainError} when it cannot be reached),
 * then returns a provider bound to that network, so a later outage makes calls fail (to be retried by the caller)
 * instead of ethers retrying network detection forever in the background.
 */
export async function connect(url: string, options: ConnectOptions = {}): Promise<{ provider: JsonRpcProvider; chainId: bigint }> {
  const name = options.name ?? "chain";
  let chainId: bigint;
  try {
    chainId = BigInt(String(await rpcCall(url, "eth_chainId", [], options.timeoutMs ?? 10_000)));
  } catch (e) {
    const e2 = e as { shortMessage?: string; message?: string };
    throw new ChainError(`cannot reach the ${name} RPC at ${url} (${e2.shortMessage ?? e2.message}); check the URL and that the node is running`);
  }
  if (options.expectChainId !== undefined && chainId !== options.expectChainId) {
    throw new ChainError(`the ${name} RPC at ${url} is chain ${chainId}, expected ${options.expectChainId}`);
  }
  const req = new FetchRequest(url);
  req.timeout = options.timeoutMs ?? 10_000;
  const provider = new JsonRpcProvider(req, undefined, {
    staticNetwork: Network.from(chainId),
    pollingInterval: options.pollingIntervalMs ?? 1_000,
    batchMaxCount: 1,
  });
  return { provider, chainId };
}

/** Returns logs of `filter` in [fromBlock, toBlock], querying at most `chunk` blocks per call, in block order. */
export async function getLogsChunked(
  provider: JsonRpcProvider,
  filter: Omit<Filter, "fromBlock" | "toBlock">,
  fromBlock: number,
  toBlock: number,
  chunk = 2_000,
): Promise<Log[]> {
  const out: Log[] = [];
  for (let from = fromBlock; from <= toBlock; from += chunk) {
    const to = Math.min(toBlock, from + chunk - 1);
    out.push(...(await provider.getLogs({ ...filter, fromBlock: from, toBlock: to })));
  }
  return out.sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
}
