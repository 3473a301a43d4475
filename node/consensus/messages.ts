/**
 * What validators send each other (the wire formats: unchanged by the engine's split, issue #12) and the round
 * number carried in a block's extraData.
 *
 *   "proposal"  binary frame [block RLP, UTF-8 JSON of the votes: commit signatures already known for it]
 *               (JSON {block: RLP hex, votes} from nodes without binary frames, and the hex list a binary frame
 *               becomes for a peer that does not read them: all three are accepted)
 *   "prevote"   {number, round, hash, validator, signature over prevoteDigest}   (per round, binds nothing)
 *   "vote"      {number, hash, validator, signature over commitDigest}            (a commit signature)
 *   request "sync:blocks" {from: hex height, count} → [{block, signatures}]
 */
import type { Block } from "@ethereumjs/block";
import { hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { FinalitySignature } from "../chain/chain";

export interface ProposalMsg {
  /** The block's RLP (hex from a JSON peer). */
  block: Uint8Array | Hex;
  votes: FinalitySignature[];
}

/** A proposal as the items of a binary frame: the block's RLP (no hex, no JSON around 100s of kB), then the votes. */
export function proposalItems(p: ProposalMsg): Uint8Array[] {
  const block = typeof p.block === "string" ? hexToBytes(p.block) : p.block;
  return [block, new TextEncoder().encode(JSON.stringify(p.votes))];
}

/**
 * A proposal from a binary frame's items, or from the list of hex strings such a frame becomes for a JSON-only peer;
 * null when the items are not a proposal.
 */
export function proposalFromItems(items: readonly unknown[]): ProposalMsg | null {
  if (items.length !== 2) return null;
  const bytes = items.map((x) => (x instanceof Uint8Array ? x : typeof x === "string" && /^0x([0-9a-f]{2})*$/i.test(x) ? hexToBytes(x as Hex) : null));
  if (bytes[0] == null || bytes[1] == null) return null;
  let votes: unknown;
  try {
    votes = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes[1]));
  } catch {
    return null;
  }
  if (!Array.isArray(votes)) return null;
  return { block: bytes[0], votes: votes as FinalitySignature[] };
}
export interface VoteMsg {
  number: Hex;
  hash: Hex;
  validator: Hex;
  signature: Hex;
}
export interface PrevoteMsg {
  number: Hex;
  round: number;
  hash: Hex;
  validator: Hex;
  signature: Hex;
}
export interface SyncBlock {
  block: Hex;
  signatures: FinalitySignature[];
}

/** Blocks per "sync:blocks" answer. */
export const SYNC_BATCH = 32;

/** The round a block was proposed in: the first 8 bytes of its extraData (big-endian). */
export function roundOf(block: Block): number {
  const x = block.header.extraData;
  if (x.length < 8) return 0;
  let r = 0;
  for (let i = 0; i < 8; i++) r = r * 256 + x[i]!;
  return r;
}

/** extraData of a block proposed in `round`: the round (8 bytes) then "luniverse-poa". */
export function extraDataFor(round: number): Uint8Array {
  const out = new Uint8Array(32);
  let r = round;
  for (let i = 7; i >= 0; i--) {
    out[i] = r % 256;
    r = Math.floor(r / 256);
  }
  out.set(new TextEncoder().encode("luniverse-poa"), 8);
  return out;
}

/** Signatures (or prevotes) needed out of n validators: more than 2/3. */
export function threshold(n: number): number {
  return Math.floor((2 * n) / 3) + 1;
}

export function hexNumber(n: bigint): Hex {
  return `0x${n.toString(16)}`;
}

export function isHash(x: unknown): x is string {
  return typeof x === "string" && /^0x[0-9a-f]{64}$/i.test(x);
}
