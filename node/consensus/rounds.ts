/**
 * The round state machine of one height: proposals, prevotes and polkas, locks, commit votes and finality.
 *
 * It performs no I/O of its own: time comes from `host.now()`, it asks for a wake-up with `host.schedule(at)`, and
 * it sends, executes, persists and commits through the host (the engine wires the chain, executor, signing record
 * and peer network; the unit tests wire a fake clock and network). Its entry points — `enterHeight`, `tick`,
 * `onProposal`, `onPrevote`, `onVote` — must be called one at a time (the engine's serial queue).
 *
 * Height h is built on the head. Its validators are the set in force at h; the proposer of round r is
 * `validators[(h + r) % n]`. Round 0 starts at the height's proposal time (timing.ts), round r `roundStart(r)` later.
 * A proposer that misses its round is skipped, and the block that lands carries `recordMissedProposal` for each
 * skipped proposer. Each validator replays a proposal and prevotes it (once per round); on a polka (> 2/3 prevotes
 * for one block in one round) it commits to the block — signs it, after the signing record has it on disk — and the
 * block is final with > 2/3 commit signatures. A validator that committed at h prevotes and re-proposes only that
 * block; a proposer re-proposes a block that had a polka rather than build another.
 */
import type { Block } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import { bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { Logger } from "../../lib/log";
import type { FinalitySignature } from "../chain/chain";
import { ExecutionError } from "../execution/errors";
import type { ExecutedBlock, HeaderFields, SystemCall } from "../execution/executor";
import { commitDigest, prevoteDigest, recoverSigner, signDigest, type ValidatorKey } from "./crypto";
import type { DoubleSignDetector } from "./evidence";
import { extraDataFor, hexNumber, isHash, roundOf, threshold, type PrevoteMsg, type ProposalMsg, type VoteMsg } from "./messages";
import { missedProposalCalls, proposerAt } from "./slashing";
import { BlockTiming } from "./timing";

/** How many messages for later heights are kept until this node gets there. */
const FUTURE_BUFFER = 64;

/** What the state machine needs from its surroundings. */
export interface RoundHost {
  readonly common: Common;
  now(): number;
  /** Call `tick()` at `atMs` (replacing any earlier request). */
  schedule(atMs: number): void;
  broadcast(type: "proposal", payload: ProposalMsg): void;
  broadcast(type: "prevote", payload: PrevoteMsg): void;
  broadcast(type: "vote", payload: VoteMsg): void;
  /** The last final block. */
  head(): Block;
  /** Decodes a proposed block (reusing the transactions this node already holds decoded, with their senders). */
  decodeBlock(serialized: Uint8Array): Block;
  validatorsAt(number: bigint): Promise<Hex[]>;
  /** Builds this node's proposal on `parent` (transactions from the pool until `deadline`). */
  build(parent: Block, fields: HeaderFields, systemCalls: SystemCall[], deadline: number): Promise<ExecutedBlock>;
  /** Re-executes a proposal; throws ExecutionError when it does not execute to itself. */
  replay(parent: Block, block: Block, systemCalls: SystemCall[]): Promise<ExecutedBlock>;
  /** Commits a final block (and whatever follows a commit: pool, evidence). */
  commit(executed: ExecutedBlock, signatures: FinalitySignature[]): Promise<void>;
  finalHashAt(number: bigint): Promise<Hex | null>;
  finalSignatures(hash: Hex): Promise<FinalitySignature[]>;
  addFinalSignatures(hash: Hex, signatures: FinalitySignature[]): Promise<void>;
  /** A proposal for a height beyond the next arrived from `peerId`: catch up from it. */
  syncFrom(peerId: string): Promise<void>;
}

/** The double-sign protection the machine consults before any commit signature (signingRecord.ts). */
export interface SigningLock {
  lockedAt(height: bigint): Hex | null;
  commitTo(height: bigint, hash: Hex): Promise<boolean>;
}

export interface RoundConfig {
  chainId: bigint;
  slashing: Hex;
  /** The validator's private key and address, or null for a full node. */
  key: ValidatorKey | null;
  address: Hex | null;
  baseFeePerGas: bigint;
  gasLimit: bigint;
  /** Test hook: sign a second, conflicting hash at every height (an equivocating validator). */
  equivocate?: boolean;
  /** Whether this node signs with its key now (keyGuard.ts: a standby, or a node that saw another signer, does not). */
  signs?: () => boolean;
  log: Logger;
}

export interface RoundStats {
  proposed: number;
  missedRounds: number;
}

interface Candidate {
  executed: ExecutedBlock;
  round: number;
  /** When its proposal started: this node's build start, or its arrival minus this node's replay time. */
  startedAt: number;
  /** This node's own proposal: when adding transactions stopped (min(deadline, build end)). */
  buildEndedAt?: number;
}

export class RoundMachine {
  /** Height being decided (head + 1). */
  height = 0n;
  validators: Hex[] = [];
  /** When the proposal of the current height is due; round r starts `timing.roundStart(r)` after it. */
  proposalTime = 0;
  private actedRound = -1;
  private candidates = new Map<string, Candidate>();
  /** hash → validator → commit signature, for the current height. */
  private votes = new Map<string, Map<string, Hex>>();
  /** round → hash → validator → prevote signature, for the current height. */
  private prevotes = new Map<number, Map<string, Map<string, Hex>>>();
  /** Rounds of the current height in which this validator prevoted. */
  private prevoted = new Set<number>();
  /** hash → the latest round in which it had > 2/3 prevotes (a "polka"): a block worth re-proposing. */
  private polka = new Map<string, number>();
  /** Proposals built in a round this node has not reached yet, kept until it gets there. */
  private aheadProposals = new Map<string, ProposalMsg>();
  private futureProposals: ProposalMsg[] = [];
  private futureVotes: VoteMsg[] = [];
  private futurePrevotes: PrevoteMsg[] = [];

  constructor(
    private readonly cfg: RoundConfig,
    private readonly host: RoundHost,
    readonly timing: BlockTiming,
    private readonly signing: SigningLock,
    private readonly evidence: DoubleSignDetector,
    readonly stats: RoundStats = { proposed: 0, missedRounds: 0 },
  ) {}

  currentRound(now = this.host.now()): number {
    return this.timing.roundAt(this.proposalTime, now);
  }

  private get isValidator(): boolean {
    return this.cfg.key !== null && this.cfg.address !== null && this.validators.includes(this.cfg.address) && (this.cfg.signs?.() ?? true);
  }

  proposerOf(round: number): Hex {
    return proposerAt(this.validators, this.height, round);
  }

  systemCallsFor(round: number): SystemCall[] {
    return missedProposalCalls(this.cfg.slashing, this.validators, this.height, round);
  }

  /** Starts deciding head + 1: fresh round state, then the messages that arrived early for it. */
  async enterHeight(): Promise<void> {
    const head = this.host.head();
    this.height = head.header.number + 1n;
    this.validators = await this.host.validatorsAt(this.height);
    this.proposalTime = this.timing.proposalTime(this.height, this.host.now(), head.header.timestamp);
    this.actedRound = -1;
    this.candidates.clear();
    this.votes.clear();
    this.prevotes.clear();
    this.prevoted.clear();
    this.polka.clear();
    this.aheadProposals.clear();
    this.evidence.prune(this.height);
    const proposals = this.futureProposals;
    const votes = this.futureVotes;
    const prevotes = this.futurePrevotes;
    this.futureProposals = [];
    this.futureVotes = [];
    this.futurePrevotes = [];
    for (const v of prevotes) await this.onPrevote(v);
    for (const p of proposals) await this.onProposal(p, null);
    for (const v of votes) await this.onVote(v);
    // Act from a timer, never inside the commit that got here: a proposer that is already due (a late commit) would
    // otherwise build, commit and enter the next height within this call, without end on a single validator.
    if (this.height === head.header.number + 1n) this.host.schedule(this.proposalTime);
  }

  /** Acts in the current round if this validator has not yet (proposes, re-proposes, or prevotes its lock). */
  async tick(): Promise<void> {
    const now = this.host.now();
    const proposeAt = this.proposalTime;
    const round = this.currentRound(now);
    const height = this.height;
    if (this.isValidator && now >= proposeAt && this.actedRound < round) {
      this.actedRound = round;
      if (round > 0) this.stats.missedRounds++;
      const locked = this.signing.lockedAt(this.height);
      if (locked !== null) {
        // Locked: re-propose the block this validator committed to (the only block it may sign at this height)
        // and prevote it again in this round.
        const c = this.candidates.get(locked);
        if (c) this.host.broadcast("proposal", this.proposalMsg(c.executed.block));
        await this.prevote(locked);
      } else if (this.proposerOf(round) === this.cfg.address) {
        // A block that already had > 2/3 prevotes is re-proposed rather than replaced (some may have committed to it).
        const valid = [...this.polka].filter(([h]) => this.candidates.has(h)).sort((a, b) => b[1] - a[1])[0];
        if (valid) {
          this.host.broadcast("proposal", this.proposalMsg(this.candidates.get(valid[0])!.executed.block));
          await this.prevote(valid[0] as Hex);
        } else {
          await this.propose(round);
        }
      }
    }
    // a commit inside propose() entered the next height, which scheduled its own tick
    if (this.height !== height) return;
    this.host.schedule(now < proposeAt ? proposeAt : proposeAt + this.timing.roundStart(round + 1));
  }

  private proposalMsg(block: Block): ProposalMsg {
    const hash = bytesToHex(block.hash()) as Hex;
    const votes = [...(this.votes.get(hash) ?? new Map<string, Hex>())].map(([validator, signature]) => ({ validator: validator as Hex, signature }));
    return { block, votes };
  }

  private async propose(round: number): Promise<void> {
    const parent = this.host.head();
    const started = this.host.now();
    const deadline = started + this.timing.buildBudgetMs();
    const executed = await this.host.build(
      parent,
      {
        number: this.height,
        timestamp: BlockTiming.timestamp(parent.header.timestamp, started),
        coinbase: this.cfg.address!,
        gasLimit: this.cfg.gasLimit,
        baseFeePerGas: this.cfg.baseFeePerGas,
        extraData: extraDataFor(round),
      },
      this.systemCallsFor(round),
      deadline,
    );
    const buildEndedAt = Math.min(deadline, this.host.now());
    const hash = bytesToHex(executed.block.hash()) as Hex;
    this.candidates.set(hash, { executed, round, startedAt: started, buildEndedAt });
    this.stats.proposed++;
    this.cfg.log.debug("proposed", { number: this.height.toString(), round, txs: executed.block.transactions.length, ms: this.host.now() - started });
    this.host.broadcast("proposal", this.proposalMsg(executed.block));
    await this.prevote(hash);
  }

  /**
   * Prevotes `hash` in the current round: once per round, and only the locked block once this validator committed
   * at this height. Prevotes bind nothing; a commit signature follows only a polka (> 2/3 prevotes in one round), so
   * two halves of the validators can never each commit to another block and stall the height forever.
   */
  private async prevote(hash: Hex): Promise<void> {
    if (!this.isValidator) return;
    const locked = this.signing.lockedAt(this.height);
    if (locked !== null && locked !== hash) return;
    const round = this.currentRound();
    if (this.prevoted.has(round)) return;
    this.prevoted.add(round);
    const signature = signDigest(prevoteDigest(this.cfg.chainId, this.height, round, hash), this.cfg.key!);
    this.addPrevote(round, hash, this.cfg.address!, signature);
    this.host.broadcast("prevote", { number: hexNumber(this.height), round, hash, validator: this.cfg.address!, signature });
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

  async onPrevote(v: PrevoteMsg): Promise<void> {
    let number: bigint;
    try {
      number = BigInt(v.number);
    } catch {
      return;
    }
    if (!Number.isSafeInteger(v.round) || v.round < 0 || !isHash(v.hash)) return;
    if (number < this.height) return;
    if (number > this.height) {
      if (this.futurePrevotes.length < FUTURE_BUFFER * 8) this.futurePrevotes.push(v);
      return;
    }
    const hash = v.hash.toLowerCase() as Hex;
    const signer = recoverSigner(prevoteDigest(this.cfg.chainId, number, v.round, hash), v.signature);
    if (signer === null || signer !== v.validator?.toLowerCase() || !this.validators.includes(signer)) return;
    this.addPrevote(v.round, hash, signer, v.signature);
    if (v.round > this.currentRound()) await this.jumpToRound(v.round);
    await this.checkPolka(v.round, hash);
  }

  /**
   * Rounds are timed locally from the height's proposal time, so a node that restarted or committed late runs
   * behind. A validator's signed prevote for a later round brings it there at once (and to the proposals it kept for
   * that round), so prevotes of one round meet.
   */
  private async jumpToRound(round: number): Promise<void> {
    if (round <= this.currentRound()) return;
    this.proposalTime = this.host.now() - this.timing.roundStart(round);
    this.cfg.log.debug("round synchronised from a validator's prevote", { number: this.height.toString(), round });
    const kept = [...this.aheadProposals.values()];
    this.aheadProposals.clear();
    for (const p of kept) await this.onProposal(p, null);
    this.host.schedule(this.host.now());
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

  private async signAndVote(hash: Hex): Promise<void> {
    if (!this.isValidator) return;
    const key = this.cfg.key!;
    const address = this.cfg.address!;
    if (this.signing.lockedAt(this.height) === hash && this.votes.get(hash)?.has(address)) return; // already sent
    if (!(await this.signing.commitTo(this.height, hash))) return; // never two blocks at one height
    const signature = signDigest(commitDigest(this.cfg.chainId, this.height, hash), key);
    this.addVote(hash, address, signature);
    this.host.broadcast("vote", { number: hexNumber(this.height), hash, validator: address, signature });
    if (this.cfg.equivocate) {
      const fake = bytesToHex(commitDigest(this.cfg.chainId, this.height, hash)) as Hex; // a hash no honest node has
      const sig2 = signDigest(commitDigest(this.cfg.chainId, this.height, fake), key);
      this.cfg.log.warn("equivocating (test hook)", { number: this.height.toString() });
      this.host.broadcast("vote", { number: hexNumber(this.height), hash: fake, validator: address, signature: sig2 });
    }
  }

  private addVote(hash: Hex, validator: Hex, signature: Hex): void {
    let m = this.votes.get(hash);
    if (!m) this.votes.set(hash, (m = new Map()));
    m.set(validator, signature);
  }

  async onVote(v: VoteMsg): Promise<void> {
    let number: bigint;
    try {
      number = BigInt(v.number);
    } catch {
      return;
    }
    if (!isHash(v.hash)) return;
    const hash = v.hash.toLowerCase() as Hex;
    const signer = recoverSigner(commitDigest(this.cfg.chainId, number, hash), v.signature);
    if (signer === null || signer !== v.validator?.toLowerCase()) return;
    if (number > this.height) {
      if (this.futureVotes.length < FUTURE_BUFFER * 8) this.futureVotes.push(v);
      return;
    }
    if (number < this.height) {
      // a late vote for a final block is kept with it; a vote for another hash at a final height is evidence
      const finalHash = await this.host.finalHashAt(number);
      if (finalHash === null) return;
      if (finalHash === hash) {
        this.evidence.note(number, hash, signer, v.signature);
        await this.host.addFinalSignatures(hash, [{ validator: signer, signature: v.signature }]);
        return;
      }
      const existing = (await this.host.finalSignatures(finalHash)).find((s) => s.validator.toLowerCase() === signer);
      if (existing) this.evidence.note(number, finalHash, signer, existing.signature);
      this.evidence.note(number, hash, signer, v.signature);
      return;
    }
    if (!this.validators.includes(signer)) return;
    this.evidence.note(number, hash, signer, v.signature);
    this.addVote(hash, signer, v.signature);
    await this.checkFinality(hash);
  }

  async onProposal(p: ProposalMsg, from: string | null): Promise<void> {
    let block: Block;
    try {
      block = typeof p.block === "string" ? this.host.decodeBlock(hexToBytes(p.block)) : p.block instanceof Uint8Array ? this.host.decodeBlock(p.block) : p.block;
    } catch (err) {
      this.cfg.log.debug("undecodable proposal", { from, error: (err as Error).message });
      return;
    }
    const number = block.header.number;
    const hash = bytesToHex(block.hash()) as Hex;
    for (const v of p.votes ?? []) await this.onVote({ number: hexNumber(number), hash, validator: v.validator, signature: v.signature });
    if (number > this.height) {
      if (this.futureProposals.length < FUTURE_BUFFER) this.futureProposals.push(p);
      if (number > this.height + 1n && from) await this.host.syncFrom(from);
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
      this.cfg.log.warn("proposal refused", { number: number.toString(), hash, from, reason: problem });
      return;
    }
    let executed: ExecutedBlock;
    const replayStarted = this.host.now();
    try {
      executed = await this.host.replay(this.host.head(), block, this.systemCallsFor(roundOf(block)));
    } catch (err) {
      if (err instanceof ExecutionError) {
        this.cfg.log.warn("proposal refused", { number: number.toString(), hash, from, reason: err.message });
        return;
      }
      throw err;
    }
    // the proposer started about as long before the arrival as the replay took (same transactions, same code)
    const startedAt = replayStarted - (this.host.now() - replayStarted);
    this.candidates.set(hash, { executed, round: roundOf(block), startedAt });
    await this.prevote(hash);
    // prevotes may have arrived before the block: a polka for it may already be there
    for (const [round, byHash] of this.prevotes) if (byHash.has(hash)) await this.checkPolka(round, hash);
    await this.checkFinality(hash);
  }

  /** Why a proposed header cannot be the next block, or null. */
  checkHeader(block: Block): string | null {
    const h = block.header;
    const parent = this.host.head();
    if (bytesToHex(h.parentHash) !== bytesToHex(parent.hash())) return "parent is not the head";
    const round = roundOf(block);
    if (round > this.currentRound() + 1) return `round ${round} is ahead of this node's round ${this.currentRound()}`;
    const expected = this.proposerOf(round);
    if (h.coinbase.toString().toLowerCase() !== expected) return `proposer ${h.coinbase.toString()} is not the proposer of round ${round} (${expected})`;
    if (h.timestamp <= parent.header.timestamp) return "timestamp not after the parent's";
    if (h.timestamp > BigInt(Math.floor(this.host.now() / 1000)) + 15n) return "timestamp too far in the future";
    if ((h.baseFeePerGas ?? 0n) !== this.cfg.baseFeePerGas) return "wrong base fee";
    if (h.gasLimit !== this.cfg.gasLimit) return "wrong gas limit";
    return null;
  }

  private async checkFinality(hash: Hex): Promise<void> {
    const c = this.candidates.get(hash);
    const votes = this.votes.get(hash);
    if (!c || !votes) return;
    const valid = [...votes].filter(([v]) => this.validators.includes(v as Hex));
    if (valid.length < threshold(this.validators.length)) return;
    const signatures = valid.map(([validator, signature]) => ({ validator: validator as Hex, signature }));
    await this.host.commit(c.executed, signatures);
    const committedAt = this.host.now();
    this.timing.noteCommittedStart(c.executed.block.header.number, c.startedAt);
    if (c.buildEndedAt !== undefined) this.timing.noteTail(c.buildEndedAt, committedAt);
    await this.enterHeight();
  }
}
