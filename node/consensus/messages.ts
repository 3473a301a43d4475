/**
 * What validators send each other (the wire formats: unchanged by the engine's split, issue #12) and the round
 * number carried in a block's extraData.
 *
 *   "proposal"  {block: RLP hex, votes: commit signatures already known for it}
 *   "prevote"   {number, round, hash, validator, signature over prevoteDigest}   (per round, binds nothing)
 *   "vote"      {number, hash, validator, signature over commitDigest}            (a commit signature)
 *   request "sync:blocks" {from: hex height, count} → [{block, signatures}]
 */
import type { Block } from "@ethereumjs/block";
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import type { FinalitySignature } from "../chain/chain";

export interface ProposalMsg {
  block: Hex;
  votes: FinalitySignature[];
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
