/**
 * JSON-RPC over HTTP with fetch (keep-alive): single calls and batches (one HTTP request for many calls). Used by the
 * services that talk to nodes without an ethers provider (the indexer, the signer).
 */
import { LuniverseError } from "./errors";

export class JsonRpcError extends LuniverseError<"JSON_RPC"> {
  override name = "JsonRpcError";
  constructor(
    message: string,
    readonly rpcCode: number | null = null,
  ) {
    super("JSON_RPC", message);
  }
}

export interface RpcRequest {
  method: string;
  params: unknown[];
}

export type RpcOutcome = { ok: true; result: unknown } | { ok: false; code: number; message: string; data?: unknown };

/** Whether an RPC error says the method does not exist on that node. */
export function isMethodMissing(o: RpcOutcome | JsonRpcError): boolean {
  const code = "rpcCode" in o ? o.rpcCode : o.ok ? null : o.code;
  const message = "rpcCode" in o ? o.message : o.ok ? "" : o.message;
  return code === -32601 || /method .*(not (found|supported|available)|does not exist)|not supported|unsupported method/i.test(message);
}

/** Sends `requests` as JSON-RPC batches of at most `maxBatch`; returns one outcome per request, in order. */
export async function rpcBatch(url: string, requests: RpcRequest[], options: { timeoutMs?: number; maxBatch?: number } = {}): Promise<RpcOutcome[]> {
  const maxBatch = options.maxBatch ?? 500;
  const out: RpcOutcome[] = [];
  for (let i = 0; i < requests.length; i += maxBatch) {
    const chunk = requests.slice(i, i + maxBatch);
    const body = chunk.map((r, j) => ({ jsonrpc: "2.0", id: j, method: r.method, params: r.params }));
    let res: Response;
    try {
      res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(options.timeoutMs ?? 30_000) });
    } catch (e) {
      throw new JsonRpcError(`cannot reach the node at ${url}: ${(e as Error).message}`);
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new JsonRpcError(`the node at ${url} answered HTTP ${res.status} with a body that is not JSON: ${text.slice(0, 200)}`);
    }
    if (!Array.isArray(parsed)) {
      const err = (parsed as { error?: { code?: number; message?: string } }).error;
      throw new JsonRpcError(`the node at ${url} refused the batch: ${err?.message ?? text.slice(0, 200)}`, err?.code ?? null);
    }
    const byId = new Map<number, { result?: unknown; error?: { code: number; message: string; data?: unknown } }>();
    for (const r of parsed as { id: number; result?: unknown; error?: { code: number; message: string; data?: unknown } }[]) byId.set(r.id, r);
    chunk.forEach((_, j) => {
      const r = byId.get(j);
      if (!r) out.push({ ok: false, code: -32603, message: "no answer in the batch" });
      else if (r.error) out.push({ ok: false, code: r.error.code, message: r.error.message, data: r.error.data });
      else out.push({ ok: true, result: r.result });
    });
  }
  return out;
}

/** One call; a JSON-RPC error becomes an {@link JsonRpcError} with the node's code. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[] = [], timeoutMs = 30_000): Promise<T> {
  const [o] = await rpcBatch(url, [{ method, params }], { timeoutMs });
  if (!o!.ok) throw new JsonRpcError(`${method} on ${url}: ${o!.message}`, o!.code);
  return o!.result as T;
}
