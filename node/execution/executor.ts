/**
 * Block execution on the ethereumjs VM: the proposer builds a block with it, every other validator replays the
 * proposal with it (same code path, so the same rules), and the JSON-RPC reads and calls run on it.
 *
 * A block's transactions run inside one journal checkpoint, so the state trie is written once per block (not per
 * transaction). The system calls of a block (the downtime record of skipped proposers) run first, from
 * SYSTEM_ADDRESS, without gas payment — part of the block's state transition, so every replayer applies them too.
 */
import { Block, createBlock, createBlockHeader } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import type { TypedTransaction } from "@ethereumjs/tx";
import { Address, KECCAK256_RLP, ValueEncoding, bytesToHex, createAddressFromString, hexToBytes } from "@ethereumjs/util";
import { Bloom, createVM, encodeReceipt, runTx, type RunTxResult, type TxReceipt, type VM } from "@ethereumjs/vm";
import type { EVMMockBlockchainInterface } from "@ethereumjs/evm";
import type { OverlayDB } from "../storage/db";
import { keccak256 } from "./common";
import { orderedTrieRoot, transactionsRoot } from "./roots";
import { HeadState, NodeStateManager } from "./state";
import { TransferBatch, transferSender } from "./transfer";
import "./txMemo";
import { ExecutionError } from "./errors";

export const SYSTEM_ADDRESS = "0xffffFFFfFFffffffffffffffFfFFFfffFFFfFFfE";
const SYSTEM_CALL_GAS = 30_000_000n;

export interface SystemCall {
  to: string;
  data: string;
}

export interface HeaderFields {
  number: bigint;
  timestamp: bigint;
  coinbase: string;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  extraData: Uint8Array;
}

/** What the chain keeps per receipt (the rest is derived from the block). */
export interface StoredReceipt {
  from: string;
  status: 0 | 1;
  cumulativeGasUsed: string;
  gasUsed: string;
  contractAddress: string | null;
  logs: [string, string[], string][];
}

export interface ExecutedBlock {
  block: Block;
  receipts: StoredReceipt[];
  /** Transactions that could not be included (invalid at execution), with the reason. */
  rejected: { tx: TypedTransaction; reason: string }[];
}

export interface BuildLimits {
  maxTxs: number;
  /** Stop adding transactions at this time (ms since epoch): a block never waits for a slow pool. */
  deadline?: number;
  /** Asked before each candidate runs (a gas-free chain's policy, node/gasfree/): false leaves it out of the block. */
  filter?: TxFilter;
}

/**
 * A builder-side rule over the candidates of a block: `accept` before a transaction runs (false: left out, not
 * rejected — it stays in the pool), `included` after it ran with the gas it spent. Never consulted on replay.
 */
export interface TxFilter {
  accept(tx: TypedTransaction): boolean;
  included(tx: TypedTransaction, gasSpent: bigint, status: 0 | 1): void;
  /** Left out by the executor (no room for its gas limit, or invalid): its sender's later nonces cannot run either. */
  leftOut?(tx: TypedTransaction): void;
}

export class Executor {
  private vmPromise: Promise<VM> | null = null;
  private currentRoot: Uint8Array | null = null;
  /** The committed head's state, flat (state.ts): moved by the chain on every commit, read by the pool. */
  readonly head: HeadState;

  constructor(
    readonly common: Common,
    private readonly db: OverlayDB,
    private readonly blockchain: EVMMockBlockchainInterface,
  ) {
    this.head = new HeadState(db, { hash: common.customCrypto.keccak256 ?? keccak256 });
  }

  /**
   * A state manager over the trie at `root` (reads fall through the overlay to LevelDB): flushes write each trie in
   * one batch and reads consult the head view when `root` is the head's (state.ts). Only the block VM records its
   * flushes (`recordDiffs`) for the chain's commit to promote into the head view.
   */
  stateAt(root: Uint8Array, caches = true, recordDiffs = false): MerkleStateManager {
    const trie = new MerklePatriciaTrie({
      db: this.db,
      root,
      useKeyHashing: true,
      valueEncoding: ValueEncoding.Bytes,
      common: this.common,
      cacheSize: 0,
    });
    return new NodeStateManager({ trie, common: this.common, caches: caches ? new Caches() : undefined, head: this.head, recordDiffs });
  }

  async vmAt(root: Uint8Array, caches = true, recordDiffs = false): Promise<VM> {
    return createVM({ common: this.common, stateManager: this.stateAt(root, caches, recordDiffs), blockchain: this.blockchain });
  }

  /** The block VM, positioned at `root` (kept warm across consecutive blocks). */
  private async blockVm(root: Uint8Array): Promise<VM> {
    this.vmPromise ??= this.vmAt(root, true, true);
    const vm = await this.vmPromise;
    if (this.currentRoot === null || !equal(this.currentRoot, root)) {
      await vm.stateManager.setStateRoot(root, true);
      this.currentRoot = root;
    }
    return vm;
  }

  /** Forget the warm state (after a block that was executed but not committed). */
  reset(): void {
    this.currentRoot = null;
  }

  /**
   * Builds a block on `parent`: system calls, then as many `candidates` as fit (gas, count, deadline).
   * Invalid candidates are skipped and reported.
   */
  async build(parent: Block, fields: HeaderFields, systemCalls: SystemCall[], candidates: Iterable<TypedTransaction>, limits: BuildLimits): Promise<ExecutedBlock> {
    return this.run(parent, fields, systemCalls, candidates, limits, false);
  }

  /** Re-executes a proposed block; throws ExecutionError when the result differs from the proposal in any way. */
  async replay(parent: Block, proposal: Block, systemCalls: SystemCall[]): Promise<ExecutedBlock> {
    const h = proposal.header;
    const fields: HeaderFields = {
      number: h.number,
      timestamp: h.timestamp,
      coinbase: h.coinbase.toString(),
      gasLimit: h.gasLimit,
      baseFeePerGas: h.baseFeePerGas ?? 0n,
      extraData: h.extraData,
    };
    const out = await this.run(parent, fields, systemCalls, proposal.transactions, { maxTxs: Number.MAX_SAFE_INTEGER }, true);
    const got = out.block.header;
    const diffs: string[] = [];
    if (!equal(got.stateRoot, h.stateRoot)) diffs.push(`stateRoot ${bytesToHex(got.stateRoot)} != ${bytesToHex(h.stateRoot)}`);
    if (!equal(got.receiptTrie, h.receiptTrie)) diffs.push("receiptsRoot");
    if (!equal(got.transactionsTrie, h.transactionsTrie)) diffs.push("transactionsRoot");
    if (got.gasUsed !== h.gasUsed) diffs.push(`gasUsed ${got.gasUsed} != ${h.gasUsed}`);
    if (!equal(got.logsBloom, h.logsBloom)) diffs.push("logsBloom");
    if (!equal(got.hash(), proposal.hash())) diffs.push("hash");
    if (diffs.length > 0) {
      this.reset();
      throw new ExecutionError("EXECUTION_MISMATCH", `block ${h.number} does not re-execute to the proposal: ${diffs.join(", ")}`);
    }
    return out;
  }

  private async run(
    parent: Block,
    fields: HeaderFields,
    systemCalls: SystemCall[],
    candidates: Iterable<TypedTransaction>,
    limits: BuildLimits,
    strict: boolean,
  ): Promise<ExecutedBlock> {
    const vm = await this.blockVm(parent.header.stateRoot);
    const headerData = {
      parentHash: parent.hash(),
      number: fields.number,
      timestamp: fields.timestamp,
      coinbase: createAddressFromString(fields.coinbase),
      gasLimit: fields.gasLimit,
      baseFeePerGas: fields.baseFeePerGas,
      extraData: fields.extraData,
      difficulty: 0n,
      excessBlobGas: 0n,
      blobGasUsed: 0n,
      parentBeaconBlockRoot: new Uint8Array(32),
      withdrawalsRoot: KECCAK256_RLP,
    };
    const context = createBlock({ header: headerData }, { common: this.common, skipConsensusFormatValidation: true });
    this.currentRoot = null; // the VM's state moves away from any committed root until this block commits
    await vm.evm.journal.checkpoint();
    const included: TypedTransaction[] = [];
    const results: RunTxResult[] = [];
    const rejected: { tx: TypedTransaction; reason: string }[] = [];
    let gasUsed = 0n;
    try {
      for (const call of systemCalls) {
        await vm.evm.runCall({
          caller: createAddressFromString(SYSTEM_ADDRESS),
          to: createAddressFromString(call.to),
          data: hexToBytes(call.data as `0x${string}`),
          gasLimit: SYSTEM_CALL_GAS,
          skipBalance: true,
          block: context,
        });
      }
      // Plain value transfers are applied without the interpreter, on a block-local overlay of the accounts they
      // touch (transfer.ts: the same results and state as runTx, fuzzed). The overlay is settled — written back —
      // before anything else reads or writes the state: each runTx, and the journal's commit below.
      const batch = new TransferBatch(vm, context);
      const reject = (tx: TypedTransaction, err: unknown): void => {
        if (strict) throw new ExecutionError("EXECUTION_INVALID_TRANSACTION", `block ${fields.number}: transaction ${bytesToHex(tx.hash())} is invalid: ${(err as Error).message}`);
        rejected.push({ tx, reason: (err as Error).message });
        limits.filter?.leftOut?.(tx);
      };
      for (const tx of candidates) {
        if (included.length >= limits.maxTxs) break;
        if (limits.deadline !== undefined && (included.length & 63) === 0 && Date.now() >= limits.deadline) break;
        if (tx.gasLimit > fields.gasLimit - gasUsed) {
          if (strict) throw new ExecutionError("EXECUTION_BLOCK_GAS_EXCEEDED", `block ${fields.number}: transactions exceed the block gas limit`);
          if (fields.gasLimit - gasUsed < 21_000n) break;
          limits.filter?.leftOut?.(tx);
          continue;
        }
        if (limits.filter !== undefined && !limits.filter.accept(tx)) continue;
        let result: RunTxResult | null = null;
        try {
          const sender = transferSender(tx);
          if (sender !== undefined) result = await batch.apply(tx, sender, gasUsed);
        } catch (err) {
          reject(tx, err); // a failed state read: the overlay is unchanged (apply writes only after its last check)
          continue;
        }
        if (result === null) {
          await batch.settle(); // not the transaction's failure if it fails: the block's (reverted below)
          try {
            result = await runTx(vm, { tx, block: context, blockGasUsed: gasUsed, skipHardForkValidation: true });
          } catch (err) {
            reject(tx, err);
            continue;
          }
        }
        included.push(tx);
        results.push(result);
        gasUsed += result.totalGasSpent;
        limits.filter?.included(tx, result.totalGasSpent, (result.receipt as { status: 0 | 1 }).status);
      }
      await batch.settle();
      await vm.evm.journal.commit();
    } catch (err) {
      await vm.evm.journal.revert(); // the overlay, not settled, goes with it
      throw err;
    }
    const stateRoot = await vm.stateManager.getStateRoot();
    const bloom = new Bloom(undefined, this.common);
    const stored: StoredReceipt[] = [];
    const encodedReceipts: Uint8Array[] = [];
    for (let i = 0; i < results.length; i++) {
      const r = results[i]!;
      const tx = included[i]!;
      bloom.or(r.bloom);
      encodedReceipts.push(encodeReceipt(r.receipt as TxReceipt, tx.type));
      stored.push({
        from: tx.getSenderAddress().toString(),
        status: (r.receipt as { status: 0 | 1 }).status,
        cumulativeGasUsed: "0x" + r.receipt.cumulativeBlockGasUsed.toString(16),
        gasUsed: "0x" + r.totalGasSpent.toString(16),
        contractAddress: r.createdAddress ? r.createdAddress.toString() : null,
        logs: r.receipt.logs.map((l) => [bytesToHex(l[0]), l[1].map((t) => bytesToHex(t)), bytesToHex(l[2])]),
      });
    }
    // one-pass roots (roots.ts): the same as ethereumjs' trie built one put at a time, ~10-50x faster
    const transactionsTrie = transactionsRoot(included);
    const header = createBlockHeader(
      {
        ...headerData,
        stateRoot,
        transactionsTrie,
        receiptTrie: orderedTrieRoot(encodedReceipts),
        logsBloom: bloom.bitvector,
        gasUsed,
      },
      { common: this.common, skipConsensusFormatValidation: true },
    );
    const block = new Block(header, included, [], [], { common: this.common });
    this.currentRoot = stateRoot;
    return { block, receipts: stored, rejected };
  }
}

export function equal(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export { Address, keccak256 };
