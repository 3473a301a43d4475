/**
 * Proof-of-authority consensus with instant finality, driven by the system contracts — the engine node.ts runs.
 *
 * The engine wires the parts of consensus together and does nothing else (issue #12):
 *
 *   rounds.ts         the round state machine of a height: proposals, prevotes/polka, locks, commit votes, finality
 *   timing.ts         when a proposal is due (the period runs from the previous proposal's start), round lengths,
 *                     and the adaptive build budget
 *   validators.ts     the validator set of a height (cached per epoch) and static calls on the head state
 *   signingRecord.ts  the double-sign protection of this validator's commit signatures, in its own LevelDB keys
 *   evidence.ts       double-sign detection and the submission of evidence to Slashing
 *   sync.ts           catching up from peers with final blocks, and serving them
 *   messages.ts       the wire formats; slashing.ts the downtime system calls; crypto.ts digests and signatures
 *   proposals.ts      proposals by transaction hash: assembled from the pool, missing transactions fetched
 *
 * Everything that changes the engine's state runs in one serial queue, so message handlers, timers and sync never
 * interleave. See node/README.md "Consensus" for the protocol.
 */
import { EventEmitter } from "node:events";
import type { Block } from "@ethereumjs/block";
import type { TypedTransaction } from "@ethereumjs/tx";
import type { ValidatorKey } from "./crypto";
import { bytesToHex, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { Logger } from "../../lib/log";
import type { Chain, FinalitySignature } from "../chain/chain";
import { decodeBlock } from "../execution/blockCodec";
import type { ExecutedBlock, HeaderFields, TxFilter } from "../execution/executor";
import { decodeTransaction } from "../execution/txMemo";
import { DoubleSignDetector, EvidenceReporter } from "./evidence";
import { compactProposalFromItems, proposalFromItems, proposalItems, type PrevoteMsg, type ProposalMsg, type VoteMsg } from "./messages";
import { ProposalCodec } from "./proposals";
import { RoundMachine, type RoundHost } from "./rounds";
import { SigningRecord } from "./signingRecord";
import { KeyGuard } from "./keyGuard";
import { BlockSync } from "./sync";
import { BlockTiming } from "./timing";
import { HeadCaller, ValidatorSetReader } from "./validators";

export { VALIDATOR_SET_ABI } from "./validators";
export { SLASHING_ABI } from "./slashing";
export { roundOf, threshold } from "./messages";

/** What the engine needs from the peer layer (node/p2p PeerNetwork satisfies it). */
export interface EngineNetwork extends EventEmitter {
  broadcast(type: string, payload: unknown, opts?: { except?: string }): void;
  /** A list of byte strings as one binary frame, received by peers as a "bytes" event (proposals). */
  broadcastBytes(type: string, items: readonly Uint8Array[], opts?: { relay?: boolean }): void;
  request<T>(peerId: string, type: string, payload: unknown, opts?: { timeoutMs?: number }): Promise<T>;
  onRequest(type: string, handler: (peerId: string, payload: unknown) => Promise<unknown>): void;
}

/**
 * A builder's own order and rules for the pool's transactions (a gas-free chain's policy, node/gasfree/): the
 * candidates of the block with `fields`, the filter asked before each one runs, and afterwards the hashes to drop
 * from the pool (transactions that can never be included).
 */
export interface BlockSelector {
  select(fields: HeaderFields, maxTxs: number): Promise<{ candidates: Iterable<TypedTransaction>; filter: TxFilter; dropped(): string[] }>;
}

/** What the engine needs from the transaction pool. */
export interface EnginePool {
  pending(maxCount: number): TypedTransaction[];
  onNewBlock(included: TypedTransaction[], senders: string[]): Promise<void>;
  /** Drops transactions that turned out invalid when a block was built. */
  drop(hashes: string[]): void;
  submitLocal(tx: TypedTransaction): Promise<void>;
  nextNonce(address: Hex): Promise<bigint>;
  /** A pooled transaction by hash (0x…, lower case): a proposal's transactions are not decoded and recovered again. */
  get?(hash: Hex): TypedTransaction | undefined;
}

export interface EngineOptions {
  chainId: bigint;
  validatorSet: Hex;
  slashing: Hex;
  /** The validator's key (in memory or in an HSM), or null for a full node. */
  key: ValidatorKey | null;
  address: Hex | null;
  blockPeriodMs: number;
  proposalTimeoutMs: number;
  maxTxsPerBlock: number;
  baseFeePerGas: bigint;
  /** The chain's block gas limit (genesis): every header carries it, a proposal with another one is refused. */
  gasLimit: bigint;
  /**
   * This node's builder stops adding transactions once their gas limits reach this (config consensus.blockGasLimit;
   * capped by `gasLimit`). A local policy like maxTxsPerBlock, not a validity rule: peers' proposals are held to
   * `gasLimit`.
   */
  blockGasLimit?: bigint;
  /** Send proposals by transaction hash (default true); false: whole blocks, readable by nodes before issue #12's change. */
  proposalsByHash?: boolean;
  /** Orders and filters the pool's transactions when this node builds a block (default: the pool's own order). */
  selector?: BlockSelector;
  /** Test hook: sign a second, conflicting hash at every height (an equivocating validator). */
  equivocate?: boolean;
  /** Start as a standby for the key (sign nothing until a takeover), and the blocks of absence a takeover needs. */
  standby?: { enabled: boolean; afterBlocks: number };
  log: Logger;
}

const MIN_TX_GAS = 21_000n;

export class PoaEngine extends EventEmitter {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly caller: HeadCaller;
  private readonly validatorSet: ValidatorSetReader;
  private readonly signing: SigningRecord;
  /** One active signer per key: the standby's takeover and the guard against another signer (keyGuard.ts); null on a full node. */
  readonly keyGuard: KeyGuard | null;
  private readonly evidence: DoubleSignDetector;
  private readonly reporter: EvidenceReporter | null;
  private readonly rounds: RoundMachine;
  private readonly syncer: BlockSync;
  private readonly proposals: ProposalCodec;
  readonly stats = { proposed: 0, committed: 0, missedRounds: 0, evidenceSubmitted: 0, lastCommitMs: 0, intervals: [] as number[] };

  constructor(
    private readonly chain: Chain,
    private readonly net: EngineNetwork,
    private readonly pool: EnginePool,
    private readonly opts: EngineOptions,
  ) {
    super();
    this.caller = new HeadCaller(chain.executor, () => chain.head);
    this.validatorSet = new ValidatorSetReader(this.caller, opts.validatorSet, () => chain.height);
    this.signing = new SigningRecord(chain.level);
    this.keyGuard =
      opts.key && opts.address
        ? new KeyGuard(this.signing, () => chain.height, { address: opts.address.toLowerCase() as Hex, standby: opts.standby?.enabled ?? false, afterBlocks: opts.standby?.afterBlocks ?? 20, log: opts.log })
        : null;
    if (this.keyGuard !== null) {
      const guard = this.keyGuard;
      chain.on("block", (c: { block: Block; signatures: FinalitySignature[] }) => guard.onCommitted(c.block, c.signatures));
    }
    this.evidence = new DoubleSignDetector((e) => {
      opts.log.warn("double signing detected", { validator: e.validator, number: e.number.toString(), hashA: e.a.hash, hashB: e.b.hash });
      this.emit("equivocation", { validator: e.validator, number: e.number });
    });
    this.reporter =
      opts.key && opts.address
        ? new EvidenceReporter({
            chainId: opts.chainId,
            common: chain.common,
            slashing: opts.slashing,
            key: opts.key,
            address: opts.address,
            baseFeePerGas: opts.baseFeePerGas,
            call: (to, data) => this.caller.call(to, data),
            nextNonce: (a) => pool.nextNonce(a),
            submit: (tx) => pool.submitLocal(tx),
            log: opts.log,
          })
        : null;
    this.syncer = new BlockSync(chain, net, pool, {
      chainId: opts.chainId,
      slashing: opts.slashing,
      validatorsAt: (n) => this.validatorSet.validatorsAt(n),
      onCommitted: () => this.stats.committed++,
      log: opts.log,
    });
    this.proposals = new ProposalCodec(chain.common, net, (h) => pool.get?.(h), () => this.syncer.peerHeights.keys(), opts.log);
    const host: RoundHost = {
      common: chain.common,
      decodeBlock: (raw) => {
        const block = decodeBlock(raw, chain.common, pool.get ? (h) => pool.get!(h) : undefined);
        this.proposals.remember(block);
        return block;
      },
      now: () => Date.now(),
      schedule: (at) => this.schedule(at),
      // proposals travel as binary frames by transaction hash (proposals.ts); votes and prevotes are small JSON
      broadcast: (type: string, payload: unknown) => {
        if (type !== "proposal") return net.broadcast(type, payload);
        const p = payload as ProposalMsg;
        const byHash = opts.proposalsByHash !== false && typeof p.block === "object" && !(p.block instanceof Uint8Array);
        net.broadcastBytes("proposal", byHash ? this.proposals.items(p.block as Block, p.votes) : proposalItems(p), { relay: true });
      },
      head: () => chain.head,
      validatorsAt: (n) => this.validatorSet.validatorsAt(n),
      build: (parent, fields, systemCalls, deadline) => this.build(parent, fields, systemCalls, deadline),
      replay: (parent, block, systemCalls) => chain.executor.replay(parent, block, systemCalls),
      commit: (executed, signatures) => this.commit(executed, signatures),
      finalHashAt: (n) => chain.getHashByNumber(n),
      finalSignatures: (hash) => chain.getSignatures(hash),
      addFinalSignatures: (hash, signatures) => chain.addSignatures(hash, signatures),
      syncFrom: (peerId) => this.syncFrom(peerId),
    };
    const timing = new BlockTiming({ blockPeriodMs: opts.blockPeriodMs, proposalTimeoutMs: opts.proposalTimeoutMs });
    this.rounds = new RoundMachine(
      { chainId: opts.chainId, slashing: opts.slashing, key: opts.key, address: opts.address, baseFeePerGas: opts.baseFeePerGas, gasLimit: opts.gasLimit, equivocate: opts.equivocate, signs: () => this.keyGuard?.signs ?? false, log: opts.log },
      host,
      timing,
      this.signing,
      this.evidence,
      this.stats,
    );
  }

  async start(): Promise<void> {
    await this.signing.load();
    this.net.on("message", (peerId: string, type: string, payload: unknown) => {
      if (type === "proposal") {
        // a binary proposal turned into a hex list for us, or JSON {block, votes} from a node without binary frames
        if (Array.isArray(payload)) this.onProposalItems(peerId, payload);
        else this.enqueue(() => this.rounds.onProposal(payload as ProposalMsg, peerId));
      }
      else if (type === "vote") this.enqueue(() => this.rounds.onVote(payload as VoteMsg));
      else if (type === "prevote") this.enqueue(() => this.rounds.onPrevote(payload as PrevoteMsg));
    });
    this.net.on("bytes", (peerId: string, type: string, items: Uint8Array[]) => {
      if (type === "proposal") this.onProposalItems(peerId, items);
    });
    this.net.on("peer:status", (peerId: string, status: { height: bigint }) => {
      this.syncer.peerHeights.set(peerId, BigInt(status.height));
      if (BigInt(status.height) > this.chain.height) this.enqueue(() => this.syncFrom(peerId));
    });
    this.net.on("peer:disconnect", (peerId: string) => this.syncer.peerHeights.delete(peerId));
    this.net.onRequest("sync:blocks", async (_peer, payload) => this.syncer.serve(payload));
    this.net.onRequest("proposal:txs", async (_peer, payload) => this.proposals.serve(payload));
    await this.enqueue(() => this.rounds.enterHeight());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get currentHeight(): bigint {
    return this.rounds.height;
  }
  get currentValidators(): Hex[] {
    return this.rounds.validators;
  }
  get isSyncing(): boolean {
    return this.syncer.isSyncing;
  }

  /** The validators in force at `number`, read from the head state (cached per epoch: validators.ts). */
  async validatorsAt(number: bigint): Promise<Hex[]> {
    return this.validatorSet.validatorsAt(number);
  }

  /** Decodes a raw transaction with the chain's Common (native signature recovery). */
  /** Decodes a transaction received from a peer (its bytes kept as its serialisation, `hash` as its hash: txMemo.ts). */
  decodeTx(raw: Uint8Array, hash?: Uint8Array): TypedTransaction {
    return decodeTransaction(raw, this.chain.common, hash);
  }

  /**
   * A proposal frame: by transaction hash (3 items: assembled outside the queue, since missing transactions are
   * fetched from peers) or the whole block (2 items).
   */
  private onProposalItems(peerId: string, items: readonly unknown[]): void {
    if (items.length === 3) {
      const c = compactProposalFromItems(items);
      if (c === null) return this.opts.log.debug("malformed proposal", { from: peerId });
      void this.proposals
        .assemble(c, peerId)
        .then((block) => (block === null ? undefined : this.enqueue(() => this.rounds.onProposal({ block, votes: c.votes }, peerId))))
        .catch((err: unknown) => this.opts.log.debug("undecodable proposal", { from: peerId, error: (err as Error).message }));
      return;
    }
    const p = proposalFromItems(items);
    if (p === null) this.opts.log.debug("malformed proposal", { from: peerId });
    else void this.enqueue(() => this.rounds.onProposal(p, peerId));
  }

  /** Proposals assembled from transaction hashes, transactions fetched from peers, proposals dropped for lack of them. */
  get proposalStats(): ProposalCodec["stats"] {
    return this.proposals.stats;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => (this.stopped ? (undefined as T) : fn()));
    this.queue = run.catch((err) => this.opts.log.error("consensus step failed", { error: (err as Error).stack ?? String(err) }));
    return run;
  }

  private schedule(atMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.enqueue(() => this.rounds.tick()), Math.max(0, atMs - Date.now()));
  }

  /** Builds this validator's proposal from the pool: at most maxTxsPerBlock, blockGasLimit of gas, until `deadline`. */
  private async build(...[parent, fields, systemCalls, deadline]: Parameters<RoundHost["build"]>): Promise<ExecutedBlock> {
    const cap = this.opts.blockGasLimit !== undefined && this.opts.blockGasLimit < fields.gasLimit ? this.opts.blockGasLimit : null;
    const selected = this.opts.selector ? await this.opts.selector.select(fields, this.opts.maxTxsPerBlock) : null;
    const pending = selected ? selected.candidates : this.pool.pending(this.opts.maxTxsPerBlock);
    const candidates = cap === null ? pending : withinGas(pending, cap);
    const executed = await this.chain.executor.build(parent, fields, systemCalls, candidates, { maxTxs: this.opts.maxTxsPerBlock, deadline, filter: selected?.filter });
    for (const r of executed.rejected) this.opts.log.debug("transaction left out of the block", { hash: bytesToHex(r.tx.hash()), reason: r.reason });
    const drop: string[] = executed.rejected.map((r) => bytesToHex(r.tx.hash()));
    if (selected) drop.push(...selected.dropped());
    if (drop.length > 0) this.pool.drop(drop);
    return executed;
  }

  private async commit(executed: ExecutedBlock, signatures: FinalitySignature[]): Promise<void> {
    await this.chain.commit(executed, signatures);
    const now = Date.now();
    if (this.stats.lastCommitMs > 0) {
      this.stats.intervals.push(now - this.stats.lastCommitMs);
      if (this.stats.intervals.length > 1000) this.stats.intervals.shift();
    }
    this.stats.lastCommitMs = now;
    this.stats.committed++;
    await this.pool.onNewBlock(executed.block.transactions, executed.receipts.map((r) => r.from));
    const ready = this.evidence.takeReady(this.chain.height);
    if (this.reporter && ready.length > 0) {
      await this.reporter.submit(ready);
      this.stats.evidenceSubmitted = this.reporter.submitted;
    }
  }

  /** Catches up from `peerId`, then decides the height after the new head. */
  private async syncFrom(peerId: string): Promise<void> {
    await this.syncer.syncFrom(peerId);
    if (this.chain.height + 1n !== this.rounds.height) await this.rounds.enterHeight();
  }
}

/**
 * The pool's transactions whose gas limits fit in `cap` together. A sender whose next transaction does not fit is
 * left out from there on (its later nonces could not run), as the pool's own `pending(max, maxGas)` does.
 */
export function* withinGas(txs: Iterable<TypedTransaction>, cap: bigint): Generator<TypedTransaction> {
  let left = cap;
  const cut = new Set<string>();
  for (const tx of txs) {
    if (left < MIN_TX_GAS) return;
    const sender = tx.getSenderAddress().toString();
    if (cut.has(sender)) continue;
    if (tx.gasLimit > left) {
      cut.add(sender);
      continue;
    }
    left -= tx.gasLimit;
    yield tx;
  }
}
