/**
 * Block tag resolution: turns what the client wrote (`latest`, `0x10`, `{ blockHash }`) into a height the backend
 * understands, with the two semantics of the spec — state methods (`pending` is the pool's view, a block above
 * the head is geth's "header not found") and block methods (`pending` is the head, a block above the head is null).
 */
import { RpcError, SERVER_ERROR } from "./errors";
import type { BlockSpec } from "./params";
import type { BlockRef, Hex, RpcBackend } from "./types";

export function headerNotFound(): RpcError {
  return new RpcError(SERVER_ERROR, "header not found");
}

/** The height a tag names; `pending` counts as the head here. */
export function tagHeight(backend: RpcBackend, tag: "latest" | "safe" | "finalized" | "earliest" | "pending"): bigint {
  switch (tag) {
    case "earliest":
      return 0n;
    case "safe":
    case "finalized":
      return backend.finalizedNumber();
    default:
      return backend.blockNumber();
  }
}

async function heightOfHash(backend: RpcBackend, hash: Hex, requireCanonical: boolean): Promise<bigint> {
  const block = await backend.getBlockByHash(hash, false);
  if (block === null) throw new RpcError(SERVER_ERROR, "header for hash not found");
  const height = BigInt(block.number);
  if (requireCanonical) {
    const canonical = await backend.getBlockByNumber(height, false);
    if (canonical === null || canonical.hash.toLowerCase() !== hash.toLowerCase()) throw new RpcError(SERVER_ERROR, "hash is not currently canonical");
  }
  return height;
}

/** For state methods (balance, code, storage, nonce, call, estimate): a height at or below the head, or `pending`. */
export async function resolveStateBlock(backend: RpcBackend, spec: BlockSpec | undefined): Promise<BlockRef> {
  if (spec === undefined) return backend.blockNumber();
  if (spec.kind === "tag") return spec.tag === "pending" ? "pending" : tagHeight(backend, spec.tag);
  if (spec.kind === "hash") return heightOfHash(backend, spec.hash, spec.requireCanonical);
  if (spec.number > backend.blockNumber()) throw headerNotFound();
  return spec.number;
}

/** For block methods: a height, or null when the block is above the head (the answer is then null). */
export async function resolveBlockHeight(backend: RpcBackend, spec: BlockSpec): Promise<bigint | null> {
  if (spec.kind === "tag") return tagHeight(backend, spec.tag);
  if (spec.kind === "hash") return heightOfHash(backend, spec.hash, spec.requireCanonical);
  return spec.number > backend.blockNumber() ? null : spec.number;
}

/** For methods that need a stored block and report a missing one as an error (fee history, validators). */
export async function resolveExistingHeight(backend: RpcBackend, spec: BlockSpec | undefined): Promise<bigint> {
  if (spec === undefined) return backend.blockNumber();
  const height = await resolveBlockHeight(backend, spec);
  if (height === null) throw headerNotFound();
  return height;
}
