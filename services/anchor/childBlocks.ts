import { rpcCall } from "../../lib/chain";
import { AnchorError } from "./errors";
import type { BlockLeafData } from "./merkleTree";

/** A child block as anchoring sees it: the leaf fields plus the parent hash (to check the range is one chain). */
export interface ChildBlock extends BlockLeafData {
  parentHash: string;
}

export interface FetchBlocksOptions {
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Milliseconds per request (default 10 s). */
  timeoutMs?: number;
}

const HASH = /^0x[0-9a-fA-F]{64}$/;

/** Reads one block's header fields with standard `eth_getBlockByNumber` (no transactions). */
export async function fetchBlock(url: string, number: bigint, timeoutMs = 10_000): Promise<ChildBlock> {
  const raw = (await rpcCall(url, "eth_getBlockByNumber", [`0x${number.toString(16)}`, false], timeoutMs)) as Record<string, unknown> | null;
  if (raw === null || raw === undefined) {
    throw new AnchorError("ANCHOR_CHILD_DATA", `the child chain at ${url} has no block ${number} (yet)`);
  }
  for (const field of ["hash", "stateRoot", "receiptsRoot", "parentHash"]) {
    if (typeof raw[field] !== "string" || !HASH.test(raw[field] as string)) {
      throw new AnchorError("ANCHOR_CHILD_DATA", `block ${number} from ${url} has no valid ${field} (got ${JSON.stringify(raw[field])})`);
    }
  }
  const got = BigInt(raw.number as string);
  if (got !== number) throw new AnchorError("ANCHOR_CHILD_DATA", `asked ${url} for block ${number}, got block ${got}`);
  return {
    number,
    hash: (raw.hash as string).toLowerCase(),
    stateRoot: (raw.stateRoot as string).toLowerCase(),
    receiptsRoot: (raw.receiptsRoot as string).toLowerCase(),
    parentHash: (raw.parentHash as string).toLowerCase(),
  };
}

/**
 * Reads blocks `start..end` of the child chain and checks that they form one chain (each block's parent hash
 * is the previous block's hash), so a reorganisation during the reads is noticed rather than anchored.
 */
export async function fetchBlockRange(url: string, start: bigint, end: bigint, options: FetchBlocksOptions = {}): Promise<ChildBlock[]> {
  if (end < start) throw new AnchorError("ANCHOR_CONFIG", `empty block range ${start}..${end}`);
  const count = Number(end - start + 1n);
  const out = new Array<ChildBlock>(count);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      out[i] = await fetchBlock(url, start + BigInt(i), options.timeoutMs);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? 16, count) }, worker));
  for (let i = 1; i < count; i++) {
    if (out[i]!.parentHash !== out[i - 1]!.hash) {
      throw new AnchorError(
        "ANCHOR_CHILD_DATA",
        `blocks ${out[i - 1]!.number} and ${out[i]!.number} from ${url} do not chain (parent hash ${out[i]!.parentHash} ≠ ${out[i - 1]!.hash}): the child reorganised; retrying`,
      );
    }
  }
  return out;
}

/** The child's latest block number (`eth_blockNumber`). */
export async function childHead(url: string, timeoutMs = 10_000): Promise<bigint> {
  return BigInt(String(await rpcCall(url, "eth_blockNumber", [], timeoutMs)));
}
