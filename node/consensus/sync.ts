/**
 * Catching up: a node behind a peer fetches final blocks from it ("sync:blocks", SYNC_BATCH per request), checks
 * each block's commit signatures against the validator set in force at its height (more than 2/3 needed) before
 * executing it, replays it and commits it; and it serves the same request to peers behind it.
 *
 * Sync sits beside the round state machine, not inside it: the engine runs it in its serial queue and re-enters the
 * current height afterwards.
 */
import { createBlockFromRLP } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { Logger } from "../../lib/log";
import type { Chain } from "../chain/chain";
import { commitDigest, recoverSigner } from "./crypto";
import { hexNumber, roundOf, SYNC_BATCH, threshold, type SyncBlock } from "./messages";
import { missedProposalCalls } from "./slashing";

export interface BlockSyncOptions {
  chainId: bigint;
  slashing: Hex;
  validatorsAt(number: bigint): Promise<Hex[]>;
  /** After each committed block (stats). */
  onCommitted(): void;
  log: Logger;
}

export class BlockSync {
  private running = false;
  /** Heights peers announced (their status). */
  readonly peerHeights = new Map<string, bigint>();

  constructor(
    private readonly chain: Chain,
    private readonly net: { request<T>(peerId: string, type: string, payload: unknown): Promise<T> },
    private readonly pool: { onNewBlock(included: TypedTransaction[], senders: string[]): Promise<void> },
    private readonly o: BlockSyncOptions,
  ) {}

  get isSyncing(): boolean {
    return this.running;
  }

  /** Answers "sync:blocks": up to SYNC_BATCH final blocks from `from`, with their signatures. */
  async serve(payload: unknown): Promise<SyncBlock[]> {
    const { from, count } = (payload ?? {}) as { from?: string; count?: number };
    let n: bigint;
    try {
      n = BigInt(from ?? "x");
    } catch {
      throw new Error("sync:blocks needs {from: hex height, count}");
    }
    const out: SyncBlock[] = [];
    const max = Math.min(Number(count ?? SYNC_BATCH), SYNC_BATCH);
    for (let i = 0; i < max && n <= this.chain.height; i++, n++) {
      const block = await this.chain.getBlockByNumber(n);
      if (!block) break;
      const hash = bytesToHex(block.hash()) as Hex;
      out.push({ block: bytesToHex(block.serialize()) as Hex, signatures: await this.chain.getSignatures(hash) });
    }
    return out;
  }

  /**
   * Fetches final blocks from `peerId` while it is ahead, verifying every block's commit signatures before executing
   * it. Returns how many blocks were committed (0 when already syncing or nothing new).
   */
  async syncFrom(peerId: string): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    let committed = 0;
    try {
      for (;;) {
        const target = this.peerHeights.get(peerId) ?? 0n;
        if (target <= this.chain.height) break;
        const batch = await this.net.request<SyncBlock[]>(peerId, "sync:blocks", { from: hexNumber(this.chain.height + 1n), count: SYNC_BATCH });
        if (!Array.isArray(batch) || batch.length === 0) break;
        for (const item of batch) {
          if (!(await this.apply(peerId, item))) return committed;
          committed++;
        }
      }
    } catch (err) {
      this.o.log.warn("sync from peer failed", { peer: peerId, error: (err as Error).message });
    } finally {
      this.running = false;
    }
    return committed;
  }

  private async apply(peerId: string, item: SyncBlock): Promise<boolean> {
    const block = createBlockFromRLP(hexToBytes(item.block), { common: this.chain.common, skipConsensusFormatValidation: true });
    const number = block.header.number;
    if (number !== this.chain.height + 1n) return false;
    const hash = bytesToHex(block.hash()) as Hex;
    const validators = await this.o.validatorsAt(number);
    const digest = commitDigest(this.o.chainId, number, hash);
    const good = new Map<string, Hex>();
    for (const s of item.signatures ?? []) {
      const signer = recoverSigner(digest, s.signature);
      if (signer && validators.includes(signer)) good.set(signer, s.signature);
    }
    if (good.size < threshold(validators.length)) {
      this.o.log.warn("sync: block without enough finality signatures refused", { peer: peerId, number: number.toString(), have: good.size, need: threshold(validators.length) });
      return false;
    }
    const calls = missedProposalCalls(this.o.slashing, validators, number, roundOf(block));
    const executed = await this.chain.executor.replay(this.chain.head, block, calls);
    await this.chain.commit(executed, [...good].map(([validator, signature]) => ({ validator: validator as Hex, signature })));
    await this.pool.onNewBlock(block.transactions, executed.receipts.map((r) => r.from));
    this.o.onCommitted();
    return true;
  }
}
