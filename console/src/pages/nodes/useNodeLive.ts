/**
 * What a chain's node says about itself over JSON-RPC: head height, `luniverse_nodeInfo` / `web3_clientVersion`,
 * `luniverse_status`, `luniverse_peers`, and `luniverse_getFinality` of the last blocks. A method the node does not
 * serve becomes null (and its name is listed in `missing`), so the page shows what is there.
 */
import { hexToNumber, rpc, rpcOptional, RpcError } from "../../api/rpc";
import type { ConsoleChain } from "../../config";

export interface FinalityLite {
  number: number;
  hash: string;
  final: boolean;
  threshold: number;
  validators: string[];
  signers: string[];
}

export interface PeerLite {
  id: string;
  address: string | null;
  url: string;
  direction: string;
  height: number | null;
}

export interface NodeLive {
  chainId: number;
  height: number;
  version: string | null;
  info: Record<string, unknown> | null;
  status: { finalizedHeight: number | null; validator: string | null; syncing: boolean; peers: number; gasFree: boolean } | null;
  txPool: { pending: number; queued: number } | null;
  peers: PeerLite[] | null;
  finality: FinalityLite[] | null;
  /** Methods the node answered "method not found" to. */
  missing: string[];
}

interface RawFinality {
  number: string;
  hash: string;
  final: boolean;
  threshold: number;
  validators: string[];
  signatures: { validator: string }[];
}

export async function readNodeLive(chain: ConsoleChain, recentBlocks: number, signal: AbortSignal): Promise<NodeLive> {
  const missing: string[] = [];
  const opt = async <T>(method: string, params: unknown[] = []): Promise<T | null> => {
    const v = await rpcOptional<T>(chain, method, params, signal);
    if (v === null) missing.push(method);
    return v;
  };
  const height = hexToNumber(await rpc<string>(chain, "eth_blockNumber", [], signal)) ?? 0;
  const [info, clientVersion, status, peers, txpool] = await Promise.all([
    opt<Record<string, unknown>>("luniverse_nodeInfo"),
    opt<string>("web3_clientVersion"),
    opt<Record<string, unknown>>("luniverse_status"),
    opt<Record<string, unknown>[]>("luniverse_peers"),
    opt<{ pending: string; queued: string }>("txpool_status"),
  ]);
  let finality: FinalityLite[] | null = [];
  const numbers = Array.from({ length: Math.min(recentBlocks, height + 1) }, (_, i) => height - i);
  try {
    const records = await Promise.all(numbers.map((n) => rpc<RawFinality | null>(chain, "luniverse_getFinality", [`0x${n.toString(16)}`], signal)));
    for (const f of records) {
      if (f === null) continue;
      finality.push({ number: hexToNumber(f.number) ?? 0, hash: f.hash, final: f.final, threshold: f.threshold, validators: f.validators, signers: f.signatures.map((x) => x.validator) });
    }
  } catch (e) {
    if (!(e instanceof RpcError && e.methodNotFound)) throw e;
    missing.push("luniverse_getFinality");
    finality = null;
  }
  const version =
    (info && (typeof info.version === "string" ? info.version : typeof info.clientVersion === "string" ? info.clientVersion : null)) ?? clientVersion ?? null;
  const txPool = txpool
    ? { pending: hexToNumber(txpool.pending) ?? 0, queued: hexToNumber(txpool.queued) ?? 0 }
    : status && typeof status.txPool === "object" && status.txPool !== null
      ? (status.txPool as { pending: number; queued: number })
      : null;
  return {
    chainId: chain.chainId,
    height,
    version,
    info,
    status: status
      ? {
          finalizedHeight: hexToNumber(status.finalizedHeight as string),
          validator: (status.validator as string | null) ?? null,
          syncing: status.syncing === true,
          peers: typeof status.peers === "number" ? status.peers : 0,
          gasFree: status.gasFree === true,
        }
      : null,
    txPool,
    peers: peers
      ? peers.map((p) => ({
          id: String(p.id ?? ""),
          address: (p.address as string | null) ?? null,
          url: String(p.url ?? ""),
          direction: String(p.direction ?? ""),
          height: hexToNumber(p.height as string),
        }))
      : null,
    finality,
    missing,
  };
}
