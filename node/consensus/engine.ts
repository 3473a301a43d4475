/**
 * Proof-of-authority consensus with instant finality, driven by the system contracts.
 *
 * Height h is built on the head (the last final block). The validators of h are `ValidatorSet.validatorsAt(h)`
 * read from the head state; the proposer of round r is `validators[(h + r) % n]` (round 0 is exactly
 * `ValidatorSet.proposerFor(h)`). Round r lasts `proposalTimeoutMs × (1 + r/2)` — longer each time, so that slow
 * validators (a loaded machine) eventually share a round long enough to agree; a proposer that misses its round is skipped and
 * the block that finally lands carries the downtime system calls `Slashing.recordMissedProposal` for every
 * skipped proposer (executed first, from SYSTEM_ADDRESS, by the proposer and every replayer alike).
 *
 * Each validator re-executes a proposal and, if it matches, signs `keccak256(abi.encode(chainId, number, hash))`.
 * A validator signs at most one block per height — the promise is written to disk before the vote leaves — and a
 * validator that already signed a block at h re-proposes that block in later rounds instead of building another,
 * so a height never splits while a quorum is honest. The block is final, committed and never reverted once more
 * than 2/3 of the validators of h have signed it; the signatures are stored with it.
 *
 * Two signatures by one validator for two hashes at one height are evidence: a validator that sees them submits
 * `Slashing.submitDoubleSignEvidence` once the height is final (unless the offender was already punished).
 *
 * Everything that changes the engine's state runs in one serial queue, so message handlers never interleave.
 */
import { EventEmitter } from "node:events";
import { createBlockFromRLP, type Block } from "@ethereumjs/block";
import { createTxFromRLP, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import { Interface } from "ethers";
import type { Logger } from "../../lib/log";
import type { Chain, FinalitySignature } from "../chain/chain";
import { ExecutionError } from "../execution/errors";
import type { ExecutedBlock, SystemCall } from "../execution/executor";
import { commitDigest, prevoteDigest, recoverSigner, signDigest } from "./crypto";
import { BlockTiming } from "./timing";
import { HeadCaller, ValidatorSetReader } from "./validators";

export { VALIDATOR_SET_ABI } from "./validators";
export const SLASHING_ABI = new Interface([
  "function recordMissedProposal(address validator)",
  "function submitDoubleSignEvidence(uint256 blockNumber, bytes32 hashA, bytes signatureA, bytes32 hashB, bytes signatureB) returns (address validator, uint256 slashed)",
  "function isDoubleSignPunished(address validator, uint256 blockNumber) view returns (bool)",
]);

/** What the engine needs from the peer layer (node/p2p PeerNetwork satisfies it). */
export interface EngineNetwork extends EventEmitter {
  broadcast(type: string, payload: unknown, opts?: { except?: string }): void;
  request<T>(peerId: string, type: string, payload: unknown): Promise<T>;
  onRequest(type: string, handler: (peerId: string, payload: unknown) => Promise<unknown>): void;
}

/** What the engine needs from the transaction pool. */
export interface EnginePool {
  pending(maxCount: number): TypedTransaction[];
  onNewBlock(included: TypedTransaction[], senders: string[]): Promise<void>;
  /** Drops transactions that turned out invalid when a block was built. */
  drop(hashes: string[]): void;
  submitLocal(tx: TypedTransaction): Promise<void>;
  nextNonce(address: Hex): Promise<bigint>;
}

export interface EngineOptions {
  chainId: bigint;
  validatorSet: Hex;
  slashing: Hex;
  /** The validator's private key, or null for a full node. */
  key: Uint8Array | null;
  address: Hex | null;
  blockPeriodMs: number;
  proposalTimeoutMs: number;
  maxTxsPerBlock: number;
  baseFeePerGas: bigint;
  gasLimit: bigint;
  /** Test hook: sign a second, conflicting hash at every height (an equivocating validator). */
  equivocate?: boolean;
  log: Logger;
}

interface Candidate {
  executed: ExecutedBlock;
  round: number;
  /** When its proposal started: this node's build start, or its arrival minus this node's replay time. */
  startedAt: number;
  /** This node's own proposal: when adding transactions stopped (min(deadline, build end)). */
  buildEndedAt?: number;
}

interface Evidence {
  number: bigint;
  validator: Hex;
  a: FinalitySignature & { hash: Hex };
  b: FinalitySignature & { hash: Hex };
}

interface ProposalMsg {
  block: Hex;
  votes: FinalitySignature[];
}
interface VoteMsg {
  number: Hex;
  hash: Hex;
  validator: Hex;
  signature: Hex;
}
interface PrevoteMsg {
  number: Hex;
  round: number;
  hash: Hex;
  validator: Hex;
  signature: Hex;
}
interface SyncBlock {
  block: Hex;
  signatures: FinalitySignature[];
}

const SYNC_BATCH = 32;
const FUTURE_BUFFER = 64;

export function roundOf(block: Block): number {
  const x = block.header.extraData;
  if (x.length < 8) return 0;
  let r = 0;
  for (let i = 0; i < 8; i++) r = r * 256 + x[i]!;
  return r;
}

function extraDataFor(round: number): Uint8Array {
  const out = new Uint8Array(32);
  let r = round;
  for (let i = 7; i >= 0; i--) {
    out[i] = r % 256;
    r = Math.floor(r / 256);
  }
  out.set(new TextEncoder().encode("luniverse-poa"), 8);
  return out;
}

export function threshold(n: number): number {
  return Math.floor((2 * n) / 3) + 1;
}

export class PoaEngine extends EventEmitter {
  private queue: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  /** Height being decided (head + 1). */
  private height = 0n;
  private validators: Hex[] = [];
  /** When the proposal of the current height is due; round r starts `timing.roundStart(r)` after it. */
  private proposalTime = 0;
  private readonly timing: BlockTiming;
  private readonly caller: HeadCaller;
  private readonly validatorSet: ValidatorSetReader;
  private actedRound = -1;
  private candidates = new Map<string, Candidate>();
  /** hash → validator → signature, for the current height. */
  private votes = new Map<string, Map<string, Hex>>();
  /** validator → first (hash, signature) seen at a height, for equivocation detection (current and recent heights). */
  private seen = new Map<string, Map<string, { hash: Hex; signature: Hex }>>();
  private futureProposals: ProposalMsg[] = [];
  private futureVotes: VoteMsg[] = [];
  private futurePrevotes: PrevoteMsg[] = [];
  /** round → hash → validator → prevote signature, for the current height. */
  private prevotes = new Map<number, Map<string, Map<string, Hex>>>();
  /** Rounds of the current height in which this validator prevoted. */
  private prevoted = new Set<number>();
  /** hash → the latest round in which it had > 2/3 prevotes (a "polka"): a block worth re-proposing. */
  private polka = new Map<string, number>();
  /** Proposals built in a round this node has not reached yet, kept until it gets there. */
  private aheadProposals = new Map<string, ProposalMsg>();
  private signed: { height: bigint; hash: Hex } | null = null;
  private evidence: Evidence[] = [];
  private syncing = false;
  private peerHeights = new Map<string, bigint>();
  readonly stats = { proposed: 0, committed: 0, missedRounds: 0, evidenceSubmitted: 0, lastCommitMs: 0, intervals: [] as number[] };

  constructor(
    private readonly chain: Chain,
    private readonly net: EngineNetwork,
    private readonly pool: EnginePool,
    private readonly opts: EngineOptions,
  ) {
    super();
    this.timing = new BlockTiming({ blockPeriodMs: opts.blockPeriodMs, proposalTimeoutMs: opts.proposalTimeoutMs });
    this.caller = new HeadCaller(chain.executor, () => chain.head);
    this.validatorSet = new ValidatorSetReader(this.caller, opts.validatorSet, () => chain.height);
  }

  async start(): Promise<void> {
    const raw = await this.chain.level.get("meta:signed");
    if (raw !== undefined) {
      const s = JSON.parse(Buffer.from(raw).toString("utf8")) as { height: string; hash: Hex };
      this.signed = { height: BigInt(s.height), hash: s.hash };
    }
    this.net.on("message", (peerId: string, type: string, payload: unknown) => {
      if (type === "proposal") this.enqueue(() => this.onProposal(payload as ProposalMsg, peerId));
      else if (type === "vote") this.enqueue(() => this.onVote(payload as VoteMsg));
      else if (type === "prevote") this.enqueue(() => this.onPrevote(payload as PrevoteMsg));
    });
    this.net.on("peer:status", (peerId: string, status: { height: bigint }) => {
      this.peerHeights.set(peerId, BigInt(status.height));
      if (BigInt(status.height) > this.chain.height) this.enqueue(() => this.sync(peerId));
    });
    this.net.on("peer:disconnect", (peerId: string) => this.peerHeights.delete(peerId));
    this.net.onRequest("sync:blocks", async (_peer, payload) => this.serveBlocks(payload));
    await this.enqueue(() => this.enterHeight());
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  get currentHeight(): bigint {
    return this.height;
  }
  get currentValidators(): Hex[] {
    return this.validators;
  }
  get isSyncing(): boolean {
    return this.syncing;
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(() => (this.stopped ? (undefined as T) : fn()));
    this.queue = run.catch((err) => this.opts.log.error("consensus step failed", { error: (err as Error).stack ?? String(err) }));
    return run;
  }

  private schedule(atMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.enqueue(() => this.tick()), Math.max(0, atMs - Date.now()));
  }

  /** The validators in force at `number`, read from the head state (the set only changes at epoch boundaries). */
  async validatorsAt(number: bigint): Promise<Hex[]> {
    return this.validatorSet.validatorsAt(number);
  }

  private staticCall(to: Hex, data: string): Promise<string> {
    return this.caller.call(to, data);
  }

  private proposerOf(round: number): Hex {
    const n = this.validators.length;
    return this.validators[Number((this.height + BigInt(round)) % BigInt(n))]!;
  }

  private currentRound(now = Date.now()): number {
    return this.timing.roundAt(this.proposalTime, now);
  }

  private systemCallsFor(round: number): SystemCall[] {
    const n = this.validators.length;
    const calls: SystemCall[] = [];
    const missed = new Set<string>();
    for (let i = 0; i < Math.min(round, n - 1); i++) {
      const v = this.validators[Number((this.height + BigInt(i)) % BigInt(n))]!;
      if (missed.has(v)) continue;
      missed.add(v);
      calls.push({ to: this.opts.slashing, data: SLASHING_ABI.encodeFunctionData("recordMissedProposal", [v]) });
    }
    return calls;
  }

  private async enterHeight(): Promise<void> {
    this.height = this.chain.height + 1n;
    this.validators = await this.validatorsAt(this.height);
    this.proposalTime = this.timing.proposalTime(this.height, Date.now(), this.chain.head.header.timestamp);
    this.actedRound = -1;
    this.candidates.clear();
    this.votes.clear();
    this.prevotes.clear();
    this.prevoted.clear();
    this.polka.clear();
    this.aheadProposals.clear();
    for (const key of [...this.seen.keys()]) if (BigInt(key) < this.height - 16n) this.seen.delete(key);
    const proposals = this.futureProposals;
    const votes = this.futureVotes;
    const prevotes = this.futurePrevotes;
    this.futureProposals = [];
    this.futureVotes = [];
    this.futurePrevotes = [];
    for (const v of prevotes) await this.onPrevote(v);
    for (const p of proposals) await this.onProposal(p, null);
    for (const v of votes) await this.onVote(v);
    await this.tick();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    const now = Date.now();
    const proposeAt = this.proposalTime;
    const round = this.currentRound(now);
    const height = this.height;
    if (this.opts.key && this.opts.address && now >= proposeAt && this.actedRound < round && this.validators.includes(this.opts.address)) {
      this.actedRound = round;
      if (round > 0) this.stats.missedRounds++;
      if (this.signed && this.signed.height === this.height) {
        // Locked: re-propose the block this validator committed to (the only block it may sign at this height)
        // and prevote it again in this round.
        const c = this.candidates.get(this.signed.hash);
        if (c) this.net.broadcast("proposal", this.proposalMsg(c.executed.block));
        await this.prevote(this.signed.hash);
      } else if (this.proposerOf(round) === this.opts.address) {
        // A block that already had > 2/3 prevotes is re-proposed rather than replaced (some may have committed to it).
        const valid = [...this.polka].filter(([h]) => this.candidates.has(h)).sort((a, b) => b[1] - a[1])[0];
        if (valid) {
          this.net.broadcast("proposal", this.proposalMsg(this.candidates.get(valid[0])!.executed.block));
          await this.prevote(valid[0] as Hex);
        } else {
          await this.propose(round);
        }
      }
    }
    // a commit inside propose() entered the next height, which scheduled its own tick
    if (this.stopped || this.height !== height) return;
    const next = now < proposeAt ? proposeAt : proposeAt + this.timing.roundStart(round + 1);
    this.schedule(next);
  }

  private proposalMsg(block: Block): ProposalMsg {
    const hash = bytesToHex(block.hash()) as Hex;
    const votes = [...(this.votes.get(hash) ?? new Map<string, Hex>())].map(([validator, signature]) => ({ validator: validator as Hex, signature }));
    return { block: bytesToHex(block.serialize()) as Hex, votes };
  }

  private async propose(round: number): Promise<void> {
    const parent = this.chain.head;
    const started = Date.now();
    const timestamp = BlockTiming.timestamp(parent.header.timestamp, started);
    const deadline = started + this.timing.buildBudgetMs();
    const executed = await this.chain.executor.build(
      parent,
      {
        number: this.height,
        timestamp,
        coinbase: this.opts.address!,
        gasLimit: this.opts.gasLimit,
        baseFeePerGas: this.opts.baseFeePerGas,
        extraData: extraDataFor(round),
      },
      this.systemCallsFor(round),
      this.pool.pending(this.opts.maxTxsPerBlock),
      { maxTxs: this.opts.maxTxsPerBlock, deadline },
    );
    const buildEndedAt = Math.min(deadline, Date.now());
    for (const r of executed.rejected) this.opts.log.debug("transaction left out of the block", { hash: bytesToHex(r.tx.hash()), reason: r.reason });
    if (executed.rejected.length > 0) this.pool.drop(executed.rejected.map((r) => bytesToHex(r.tx.hash())));
    const hash = bytesToHex(executed.block.hash()) as Hex;
    this.candidates.set(hash, { executed, round, startedAt: started, buildEndedAt });
    this.stats.proposed++;
    this.opts.log.debug("proposed", { number: this.height.toString(), round, txs: executed.block.transactions.length, ms: Date.now() - started });
    this.net.broadcast("proposal", this.proposalMsg(executed.block));
    await this.prevote(hash);
  }

  private async signAndVote(hash: Hex): Promise<void> {
    if (!this.opts.key || !this.opts.address) return;
    if (!this.validators.includes(this.opts.address)) return;
    if (this.signed && this.signed.height === this.height) {
      if (this.signed.hash !== hash) return; // never two blocks at one height
      if (this.votes.get(hash)?.has(this.opts.address)) return; // already sent
    } else {
      this.signed = { height: this.height, hash };
      await this.chain.level.put("meta:signed", Buffer.from(JSON.stringify({ height: this.height.toString(), hash }), "utf8"));
    }
    const signature = signDigest(commitDigest(this.opts.chainId, this.height, hash), this.opts.key);
    this.addVote(hash, this.opts.address, signature);
    this.net.broadcast("vote", { number: `0x${this.height.toString(16)}`, hash, validator: this.opts.address, signature } satisfies VoteMsg);
    if (this.opts.equivocate) {
      const fake = bytesToHex(commitDigest(this.opts.chainId, this.height, hash)) as Hex; // a hash no honest node has
      const sig2 = signDigest(commitDigest(this.opts.chainId, this.height, fake), this.opts.key);
      this.opts.log.warn("equivocating (test hook)", { number: this.height.toString() });
      this.net.broadcast("vote", { number: `0x${this.height.toString(16)}`, hash: fake, validator: this.opts.address, signature: sig2 } satisfies VoteMsg);
    }
  }

  /**
   * Prevotes `hash` in the current round: once per round, and only the locked block once this validator committed
   * at this height. Prevotes bind nothing; a commit signature follows only a polka (> 2/3 prevotes in one round), so
   * two halves of the validators can never each commit to another block and stall the height forever.
   */
  private async prevote(hash: Hex): Promise<void> {
    if (!this.opts.key || !this.opts.address || !this.validators.includes(this.opts.address)) return;
    if (this.signed && this.signed.height === this.height && this.signed.hash !== hash) return;
    const round = this.currentRound();
    if (this.prevoted.has(round)) return;
    this.prevoted.add(round);
    const signature = signDigest(prevoteDigest(this.opts.chainId, this.height, round, hash), this.opts.key);
    this.addPrevote(round, hash, this.opts.address, signature);
    this.net.broadcast("prevote", { number: `0x${this.height.toString(16)}`, round, hash, validator: this.opts.address, signature } satisfies PrevoteMsg);
    await this.checkPolka(round, hash);
  }

  private addPrevote(round: number, hash: Hex, validator: Hex, signature: Hex): void {
    let byHash = this.prevotes.get(round);
    if (!byHash) this.prevotes.set(round, (byHash = new Map()));
    for (const [h, m] of byHash) if (h !== hash && m.has(validator)) return; // one prevote per validator per round
    let m = byHash.get(hash);
    if (!m) byHash.set(hash, (m = new Map()));
    m.set(validator, signature);
  }

  private async onPrevote(v: PrevoteMsg): Promise<void> {
    let number: bigint;
    try {
      number = BigInt(v.number);
    } catch {
      return;
    }
    if (!Number.isSafeInteger(v.round) || v.round < 0 || typeof v.hash !== "string" || !/^0x[0-9a-f]{64}$/i.test(v.hash)) return;
    if (number < this.height) return;
    if (number > this.height) {
      if (this.futurePrevotes.length < FUTURE_BUFFER * 8) this.futurePrevotes.push(v);
      return;
    }
    const hash = v.hash.toLowerCase() as Hex;
    const signer = recoverSigner(prevoteDigest(this.opts.chainId, number, v.round, hash), v.signature);
    if (signer === null || signer !== v.validator?.toLowerCase() || !this.validators.includes(signer)) return;
    this.addPrevote(v.round, hash, signer, v.signature);
    if (v.round > this.currentRound()) await this.jumpToRound(v.round);
    await this.checkPolka(v.round, hash);
  }

  /**
   * Rounds are timed locally from the moment a node entered the height, so a node that restarted or committed late
   * runs behind. A validator's signed prevote for a later round brings it there at once (and to the proposals it
   * kept for that round), so prevotes of one round meet.
   */
  private async jumpToRound(round: number): Promise<void> {
    if (round <= this.currentRound()) return;
    this.proposalTime = Date.now() - this.timing.roundStart(round);
    this.opts.log.debug("round synchronised from a validator's prevote", { number: this.height.toString(), round });
    const kept = [...this.aheadProposals.values()];
    this.aheadProposals.clear();
    for (const p of kept) await this.onProposal(p, null);
    this.schedule(Date.now());
  }

  /** On > 2/3 prevotes for an executed block in one round: remember it, and commit to it (sign) if not committed. */
  private async checkPolka(round: number, hash: Hex): Promise<void> {
    const m = this.prevotes.get(round)?.get(hash);
    if (!m || m.size < threshold(this.validators.length)) return;
    if ((this.polka.get(hash) ?? -1) < round) this.polka.set(hash, round);
    if (!this.candidates.has(hash)) return;
    await this.signAndVote(hash);
    await this.checkFinality(hash);
  }

  private addVote(hash: Hex, validator: Hex, signature: Hex): void {
    let m = this.votes.get(hash);
    if (!m) this.votes.set(hash, (m = new Map()));
    m.set(validator, signature);
  }

  /** Records a verified signature; a second one for another hash at the same height becomes evidence. */
  private noteSignature(number: bigint, hash: Hex, validator: Hex, signature: Hex): void {
    const key = number.toString();
    let m = this.seen.get(key);
    if (!m) this.seen.set(key, (m = new Map()));
    const prev = m.get(validator);
    if (!prev) {
      m.set(validator, { hash, signature });
      return;
    }
    if (prev.hash === hash) return;
    if (this.evidence.some((e) => e.number === number && e.validator === validator)) return;
    this.opts.log.warn("double signing detected", { validator, number: number.toString(), hashA: prev.hash, hashB: hash });
    this.evidence.push({ number, validator, a: { hash: prev.hash, validator, signature: prev.signature }, b: { hash, validator, signature } });
    this.emit("equivocation", { validator, number });
  }

  private async onVote(v: VoteMsg): Promise<void> {
    let number: bigint;
    try {
      number = BigInt(v.number);
    } catch {
      return;
    }
    if (typeof v.hash !== "string" || !/^0x[0-9a-f]{64}$/i.test(v.hash)) return;
    const hash = v.hash.toLowerCase() as Hex;
    const signer = recoverSigner(commitDigest(this.opts.chainId, number, hash), v.signature);
    if (signer === null || signer !== v.validator?.toLowerCase()) return;
    if (number > this.height) {
      if (this.futureVotes.length < FUTURE_BUFFER * 8) this.futureVotes.push(v);
      return;
    }
    if (number < this.height) {
      // a late vote for a final block is kept with it; a vote for another hash at a final height is evidence
      const finalHash = await this.chain.getHashByNumber(number);
      if (finalHash === null) return;
      if (finalHash === hash) {
        this.noteSignature(number, hash, signer, v.signature);
        await this.chain.addSignatures(hash, [{ validator: signer, signature: v.signature }]);
        return;
      }
      const existing = (await this.chain.getSignatures(finalHash)).find((s) => s.validator.toLowerCase() === signer);
      if (existing) this.noteSignature(number, finalHash, signer, existing.signature);
      this.noteSignature(number, hash, signer, v.signature);
      return;
    }
    if (!this.validators.includes(signer)) return;
    this.noteSignature(number, hash, signer, v.signature);
    this.addVote(hash, signer, v.signature);
    await this.checkFinality(hash);
  }

  private async onProposal(p: ProposalMsg, from: string | null): Promise<void> {
    let block: Block;
    try {
      block = createBlockFromRLP(hexToBytes(p.block), { common: this.chain.common, skipConsensusFormatValidation: true });
    } catch (err) {
      this.opts.log.debug("undecodable proposal", { from, error: (err as Error).message });
      return;
    }
    const number = block.header.number;
    const hash = bytesToHex(block.hash()) as Hex;
    for (const v of p.votes ?? []) await this.onVote({ number: `0x${number.toString(16)}`, hash, validator: v.validator, signature: v.signature });
    if (number > this.height) {
      if (this.futureProposals.length < FUTURE_BUFFER) this.futureProposals.push(p);
      if (number > this.height + 1n && from) await this.sync(from);
      return;
    }
    if (number < this.height || this.candidates.has(hash)) {
      if (this.candidates.has(hash)) await this.checkFinality(hash);
      return;
    }
    if (roundOf(block) > this.currentRound() + 1) {
      // built in a round this node has not reached: keep it until the validators' prevotes bring this node there
      if (this.aheadProposals.size < FUTURE_BUFFER) this.aheadProposals.set(hash, p);
      return;
    }
    const problem = this.checkHeader(block);
    if (problem) {
      this.opts.log.warn("proposal refused", { number: number.toString(), hash, from, reason: problem });
      return;
    }
    let executed: ExecutedBlock;
    const replayStarted = Date.now();
    try {
      executed = await this.chain.executor.replay(this.chain.head, block, this.systemCallsFor(roundOf(block)));
    } catch (err) {
      if (err instanceof ExecutionError) {
        this.opts.log.warn("proposal refused", { number: number.toString(), hash, from, reason: err.message });
        return;
      }
      throw err;
    }
    this.candidates.set(hash, { executed, round: roundOf(block), startedAt: replayStarted - (Date.now() - replayStarted) });
    await this.prevote(hash);
    // prevotes may have arrived before the block: a polka for it may already be there
    for (const [round, byHash] of this.prevotes) if (byHash.has(hash)) await this.checkPolka(round, hash);
    await this.checkFinality(hash);
  }

  /** Why a proposed header cannot be the next block, or null. */
  private checkHeader(block: Block): string | null {
    const h = block.header;
    const parent = this.chain.head;
    if (bytesToHex(h.parentHash) !== bytesToHex(parent.hash())) return "parent is not the head";
    const round = roundOf(block);
    if (round > this.currentRound() + 1) return `round ${round} is ahead of this node's round ${this.currentRound()}`;
    const expected = this.proposerOf(round);
    if (h.coinbase.toString().toLowerCase() !== expected) return `proposer ${h.coinbase.toString()} is not the proposer of round ${round} (${expected})`;
    if (h.timestamp <= parent.header.timestamp) return "timestamp not after the parent's";
    if (h.timestamp > BigInt(Math.floor(Date.now() / 1000)) + 15n) return "timestamp too far in the future";
    if ((h.baseFeePerGas ?? 0n) !== this.opts.baseFeePerGas) return "wrong base fee";
    if (h.gasLimit !== this.opts.gasLimit) return "wrong gas limit";
    return null;
  }

  private async checkFinality(hash: Hex): Promise<void> {
    const c = this.candidates.get(hash);
    const votes = this.votes.get(hash);
    if (!c || !votes) return;
    const valid = [...votes].filter(([v]) => this.validators.includes(v as Hex));
    if (valid.length < threshold(this.validators.length)) return;
    const signatures = valid.map(([validator, signature]) => ({ validator: validator as Hex, signature }));
    await this.commit(c, signatures);
  }

  private async commit(c: Candidate, signatures: FinalitySignature[]): Promise<void> {
    const executed = c.executed;
    await this.chain.commit(executed, signatures);
    const now = Date.now();
    this.timing.noteCommittedStart(executed.block.header.number, c.startedAt);
    if (c.buildEndedAt !== undefined) this.timing.noteTail(c.buildEndedAt, now);
    if (this.stats.lastCommitMs > 0) {
      this.stats.intervals.push(now - this.stats.lastCommitMs);
      if (this.stats.intervals.length > 1000) this.stats.intervals.shift();
    }
    this.stats.lastCommitMs = now;
    this.stats.committed++;
    await this.pool.onNewBlock(executed.block.transactions, executed.receipts.map((r) => r.from));
    await this.submitEvidence();
    await this.enterHeight();
  }

  private async submitEvidence(): Promise<void> {
    if (!this.opts.key || !this.opts.address) return;
    const ready = this.evidence.filter((e) => e.number < this.chain.height + 1n);
    for (const e of ready) {
      this.evidence = this.evidence.filter((x) => x !== e);
      if (e.validator === this.opts.address) continue;
      const punished = await this.staticCall(this.opts.slashing, SLASHING_ABI.encodeFunctionData("isDoubleSignPunished", [e.validator, e.number]));
      if (BigInt(punished) !== 0n) continue;
      const data = SLASHING_ABI.encodeFunctionData("submitDoubleSignEvidence", [e.number, e.a.hash, e.a.signature, e.b.hash, e.b.signature]);
      try {
        const { createFeeMarket1559Tx } = await import("@ethereumjs/tx");
        const tx = createFeeMarket1559Tx(
          {
            chainId: this.opts.chainId,
            nonce: await this.pool.nextNonce(this.opts.address),
            to: this.opts.slashing,
            data: hexToBytes(data as Hex),
            gasLimit: 1_000_000n,
            maxFeePerGas: this.opts.baseFeePerGas * 2n + 1n,
            maxPriorityFeePerGas: 1n,
          },
          { common: this.chain.common },
        ).sign(this.opts.key);
        await this.pool.submitLocal(tx);
        this.stats.evidenceSubmitted++;
        this.opts.log.warn("double-sign evidence submitted", { validator: e.validator, number: e.number.toString(), tx: bytesToHex(tx.hash()) });
      } catch (err) {
        this.opts.log.error("could not submit double-sign evidence", { error: (err as Error).message });
      }
    }
  }

  private async serveBlocks(payload: unknown): Promise<SyncBlock[]> {
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

  /** Fetches final blocks from a peer that is ahead, verifying every block's finality signatures before executing it. */
  private async sync(peerId: string): Promise<void> {
    if (this.syncing) return;
    this.syncing = true;
    try {
      for (;;) {
        const target = this.peerHeights.get(peerId) ?? 0n;
        if (target <= this.chain.height) break;
        const batch = await this.net.request<SyncBlock[]>(peerId, "sync:blocks", { from: `0x${(this.chain.height + 1n).toString(16)}`, count: SYNC_BATCH });
        if (!Array.isArray(batch) || batch.length === 0) break;
        for (const item of batch) {
          const block = createBlockFromRLP(hexToBytes(item.block), { common: this.chain.common, skipConsensusFormatValidation: true });
          if (block.header.number !== this.chain.height + 1n) return;
          const hash = bytesToHex(block.hash()) as Hex;
          const validators = this.height === block.header.number ? this.validators : await this.validatorsAt(block.header.number);
          const digest = commitDigest(this.opts.chainId, block.header.number, hash);
          const good = new Map<string, Hex>();
          for (const s of item.signatures ?? []) {
            const signer = recoverSigner(digest, s.signature);
            if (signer && validators.includes(signer)) good.set(signer, s.signature);
          }
          if (good.size < threshold(validators.length)) {
            this.opts.log.warn("sync: block without enough finality signatures refused", { peer: peerId, number: block.header.number.toString(), have: good.size, need: threshold(validators.length) });
            return;
          }
          this.validators = validators;
          this.height = block.header.number;
          const executed = await this.chain.executor.replay(this.chain.head, block, this.systemCallsFor(roundOf(block)));
          await this.chain.commit(executed, [...good].map(([validator, signature]) => ({ validator: validator as Hex, signature })));
          await this.pool.onNewBlock(block.transactions, executed.receipts.map((r) => r.from));
          this.stats.committed++;
        }
        await this.enterHeightQuiet();
      }
    } catch (err) {
      this.opts.log.warn("sync from peer failed", { peer: peerId, error: (err as Error).message });
    } finally {
      this.syncing = false;
    }
    await this.enterHeight();
  }

  private async enterHeightQuiet(): Promise<void> {
    this.height = this.chain.height + 1n;
    this.validators = await this.validatorsAt(this.height);
    this.candidates.clear();
    this.votes.clear();
  }

  /** Decodes a raw transaction with the chain's Common (native signature recovery). */
  decodeTx(raw: Uint8Array): TypedTransaction {
    return createTxFromRLP(raw, { common: this.chain.common });
  }
}
