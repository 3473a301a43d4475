/**
 * What validators send each other (the wire formats: unchanged by the engine's split, issue #12) and the round
 * number carried in a block's extraData.
 *
 *   "proposal"  binary frame [header RLP, the transactions' hashes (32 bytes each, in block order, concatenated),
 *               UTF-8 JSON of the votes: commit signatures already known for it] — what validators send: a peer
 *               takes the transactions from its pool and asks for the ones it lacks ("proposal:txs").
 *               Also accepted: [block RLP, votes JSON] (the whole block), JSON {block: RLP hex, votes} from nodes
 *               without binary frames, and the hex list a binary frame becomes for a peer that does not read them.
 *   request "proposal:txs" {hashes: [0x…]} → [raw tx hex | null]   (from the pool or a recent proposal)
 *   "prevote"   {number, round, hash, validator, signature over prevoteDigest}   (per round, binds nothing)
 *   "vote"      {number, hash, validator, signature over commitDigest}            (a commit signature)
 *   request "sync:blocks" {from: hex height, count} → [{block, signatures}]
 */
import type { Block } from "@ethereumjs/block";
import { RLP } from "@ethereumjs/rlp";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { FinalitySignature } from "../chain/chain";

export interface ProposalMsg {
  /** The block: its RLP (hex from a JSON peer), or the block itself (built here, or assembled from a compact proposal). */
  block: Uint8Array | Hex | Block;
  votes: FinalitySignature[];
}

/** A proposal by transaction hashes: the header's fields, the transactions' hashes in block order, the votes. */
export interface CompactProposal {
  header: Uint8Array[];
  hashes: Hex[];
  votes: FinalitySignature[];
}

/** Transactions fetched per "proposal:txs" request at most (a block's worth at the node's default limits). */
export const MAX_TX_FETCH = 20_000;

/** A proposal as a compact frame: [header RLP, the 32-byte transaction hashes concatenated, votes JSON]. */
export function compactProposalItems(block: Block, votes: FinalitySignature[]): Uint8Array[] {
  const hashes = new Uint8Array(32 * block.transactions.length);
  block.transactions.forEach((tx, i) => hashes.set(tx.hash(), 32 * i));
  return [block.header.serialize(), hashes, new TextEncoder().encode(JSON.stringify(votes))];
}

/** The compact proposal of frame items (bytes, or the hex strings a JSON-only peer receives); null when malformed. */
export function compactProposalFromItems(items: readonly unknown[]): CompactProposal | null {
  if (items.length !== 3) return null;
  const bytes = items.map(asBytes);
  if (bytes[0] == null || bytes[1] == null || bytes[2] == null || bytes[1].length % 32 !== 0) return null;
  const votes = votesOf(bytes[2]);
  if (votes === null) return null;
  let header: unknown;
  try {
    header = RLP.decode(bytes[0]);
  } catch {
    return null;
  }
  if (!Array.isArray(header) || !header.every((f) => f instanceof Uint8Array)) return null;
  const hashes: Hex[] = [];
  for (let i = 0; i < bytes[1].length; i += 32) hashes.push(bytesToHex(bytes[1].subarray(i, i + 32)) as Hex);
  return { header: header as Uint8Array[], hashes, votes };
}

function asBytes(x: unknown): Uint8Array | null {
  return x instanceof Uint8Array ? x : typeof x === "string" && /^0x([0-9a-f]{2})*$/i.test(x) ? hexToBytes(x as Hex) : null;
}

function votesOf(b: Uint8Array): FinalitySignature[] | null {
  let votes: unknown;
  try {
    votes = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(b));
  } catch {
    return null;
  }
  return Array.isArray(votes) ? (votes as FinalitySignature[]) : null;
}

/** A proposal as the items of a binary frame: the block's RLP (no hex, no JSON around 100s of kB), then the votes. */
export function proposalItems(p: ProposalMsg): Uint8Array[] {
  const block = typeof p.block === "string" ? hexToBytes(p.block) : p.block instanceof Uint8Array ? p.block : p.block.serialize();
  return [block, new TextEncoder().encode(JSON.stringify(p.votes))];
}

/**
 * A proposal from a binary frame's items, or from the list of hex strings such a frame becomes for a JSON-only peer;
 * null when the items are not a proposal.
 */
export function proposalFromItems(items: readonly unknown[]): ProposalMsg | null {
  if (items.length !== 2) return null;
  const bytes = items.map(asBytes);
  if (bytes[0] == null || bytes[1] == null) return null;
  const votes = votesOf(bytes[1]);
  if (votes === null) return null;
  return { block: bytes[0], votes };
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
