/**
 * Proposals by transaction hash (issue #12): a proposal carries the block's header and its transactions' hashes, not
 * the transactions. Every validator already holds almost all of them — gossiped, decoded and their senders recovered
 * into its pool — so sending 200-odd bytes each again (≈ 700 kB a block at 3,000 transactions, to every peer) and
 * hashing them again on arrival was pure cost.
 *
 * - Sending: `items(block, votes)` gives the frame [header RLP, 32-byte hashes concatenated, votes JSON]; the block's
 *   transactions are remembered for a few heights so this node can hand them out.
 * - Receiving: `assemble(proposal, from)` takes each transaction from the pool (or a recent block), asks the peer the
 *   proposal came from for the missing ones ("proposal:txs"), then the other peers, checks that each fetched
 *   transaction hashes to the hash asked for, and builds the block. A proposal whose transactions cannot all be found
 *   is dropped (logged): the round times out as for a lost proposal. The transactions root, like every other root, is
 *   checked when the block is replayed, so a proposer that lists other transactions than its header commits to is
 *   refused like any bad proposal.
 * - Serving: `serve(payload)` answers "proposal:txs" from the pool and the recent blocks (null for an unknown hash).
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { Logger } from "../../lib/log";
import type { FinalitySignature } from "../chain/chain";
import { blockFromParts } from "../execution/blockCodec";
import { keccak256 } from "../execution/common";
import { decodeTransaction } from "../execution/txMemo";
import { MAX_TX_FETCH, compactProposalItems, isHash, type CompactProposal } from "./messages";

/** Blocks (proposed, received or assembled) whose transactions are kept for "proposal:txs" answers. */
const RECENT_BLOCKS = 8;
/** Hashes per "proposal:txs" request (answers stay around 1 MB). */
const FETCH_CHUNK = 4000;
/** How long one peer may take to answer a "proposal:txs" request. */
const FETCH_TIMEOUT_MS = 2000;

export interface ProposalNetwork {
  request<T>(peerId: string, type: string, payload: unknown, opts?: { timeoutMs?: number }): Promise<T>;
}

export class ProposalCodec {
  private readonly recent = new Map<Hex, { tx: TypedTransaction; gen: number }>();
  private gen = 0;
  readonly stats = { assembled: 0, fetched: 0, dropped: 0, served: 0 };

  constructor(
    private readonly common: Common,
    private readonly net: ProposalNetwork,
    /** A pooled transaction by hash (0x…, lower case). */
    private readonly pooled: (hash: Hex) => TypedTransaction | undefined,
    /** The peers to ask after the one a proposal came from. */
    private readonly peers: () => Iterable<string>,
    private readonly log: Logger,
  ) {}

  /** The frame items of `block`'s proposal; its transactions are remembered for peers that lack some. */
  items(block: Block, votes: FinalitySignature[]): Uint8Array[] {
    this.remember(block);
    return compactProposalItems(block, votes);
  }

  /** Keeps `block`'s transactions for "proposal:txs" answers (the last RECENT_BLOCKS blocks). */
  remember(block: Block): void {
    const gen = ++this.gen;
    for (const tx of block.transactions) this.recent.set(bytesToHex(tx.hash()) as Hex, { tx, gen });
    if (gen > RECENT_BLOCKS) for (const [h, e] of this.recent) if (e.gen <= gen - RECENT_BLOCKS) this.recent.delete(h);
  }

  private known(hash: Hex): TypedTransaction | undefined {
    return this.pooled(hash) ?? this.recent.get(hash)?.tx;
  }

  /** The block of a compact proposal, its missing transactions fetched from `from` then the other peers; null if some stay missing. */
  async assemble(p: CompactProposal, from: string): Promise<Block | null> {
    const txs = p.hashes.map((h) => this.known(h));
    let missing = txs.reduce<number[]>((acc, tx, i) => (tx === undefined ? (acc.push(i), acc) : acc), []);
    const asked = new Set<string>();
    for (const peer of [from, ...this.peers()]) {
      if (missing.length === 0) break;
      if (asked.has(peer)) continue;
      asked.add(peer);
      for (let start = 0; start < missing.length; start += FETCH_CHUNK) {
        const want = missing.slice(start, start + FETCH_CHUNK);
        let answer: unknown;
        try {
          answer = await this.net.request<unknown>(peer, "proposal:txs", { hashes: want.map((i) => p.hashes[i]) }, { timeoutMs: FETCH_TIMEOUT_MS });
        } catch (err) {
          this.log.debug("proposal:txs request failed", { peer, error: (err as Error).message });
          break;
        }
        if (!Array.isArray(answer)) break;
        want.forEach((i, k) => {
          const tx = this.fetched(answer[k], p.hashes[i]!);
          if (tx !== null) {
            txs[i] = tx;
            this.stats.fetched++;
          }
        });
      }
      missing = missing.filter((i) => txs[i] === undefined);
    }
    if (missing.length > 0) {
      this.stats.dropped++;
      this.log.debug("proposal dropped: transactions not found at any peer", { from, missing: missing.length, first: p.hashes[missing[0]!] });
      return null;
    }
    const block = blockFromParts(p.header, txs as TypedTransaction[], this.common);
    this.stats.assembled++;
    this.remember(block);
    return block;
  }

  /** A fetched raw transaction, if it is one and hashes to `hash`. */
  private fetched(raw: unknown, hash: Hex): TypedTransaction | null {
    if (typeof raw !== "string" || !/^0x([0-9a-f]{2})+$/i.test(raw)) return null;
    const bytes = hexToBytes(raw as Hex);
    const h = keccak256(bytes);
    if (bytesToHex(h) !== hash) return null;
    try {
      return decodeTransaction(bytes, this.common, h);
    } catch {
      return null;
    }
  }

  /** Answers "proposal:txs" {hashes}: each transaction's raw hex, or null where this node does not have it. */
  async serve(payload: unknown): Promise<(Hex | null)[]> {
    const hashes = (payload as { hashes?: unknown } | null)?.hashes;
    if (!Array.isArray(hashes) || hashes.length > MAX_TX_FETCH || !hashes.every((h) => typeof h === "string" && isHash(h))) {
      throw new Error(`proposal:txs needs {hashes: [0x + 64 hex digits, ...]}, at most ${MAX_TX_FETCH}`);
    }
    return (hashes as string[]).map((h) => {
      const tx = this.known(h.toLowerCase() as Hex);
      if (tx === undefined) return null;
      this.stats.served++;
      return bytesToHex(tx.serialize()) as Hex;
    });
  }
}
