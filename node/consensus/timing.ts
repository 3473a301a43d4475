/**
 * When a height's proposal is due, how long each round lasts, and how long the proposer may spend adding
 * transactions — pure arithmetic on times the engine passes in (no clock of its own, so tests drive it).
 *
 * The block period runs from the START of the previous block's proposal, not from the moment the previous block was
 * committed: the proposal of h is due at `start(h − 1) + blockPeriodMs`, so under load blocks come every period
 * instead of every period + build + replay + votes + commit. For that to hold, start → commit of a block must fit in
 * the period; the build budget (the deadline given to the executor) is therefore
 *
 *     clamp(blockPeriodMs − tail − margin, MIN_BUILD_MS, blockPeriodMs × MAX_BUILD_SHARE)
 *
 * where `tail` is the measured time from the end of adding transactions to the commit of this proposer's recent
 * blocks (finalising the block, peers' replay, prevotes, commit votes, the commit itself), smoothed — rising fast,
 * falling slowly, so one slow block shrinks the next few and a build that grew the tail is not immediately repeated.
 *
 * `start(h − 1)` is known exactly by the node that proposed it; another node estimates it as the time the proposal
 * arrived minus the time its own replay took (the build and the replay run the same transactions through the same
 * code) — never earlier than the real start on a LAN, so the next proposer never runs early.
 *
 * The round clock of a height starts at the proposal time P = max(start(h − 1) + period, entered, parent timestamp),
 * where `entered` is when this node entered the height: a node that committed h − 1 late (or restarted, or synced)
 * still gives the proposer a full `proposalTimeoutMs` from its own entry before skipping it. Without a known start of
 * h − 1 (after a restart or a sync), P = entered + period, as before.
 *
 * Timestamps are whole seconds and strictly increasing (parent + 1 at least); P is never before the parent's
 * timestamp second, so a block's timestamp is at most one second ahead of the wall clock however short the period.
 */

/** The build budget never falls below this (ms): a block always has room for some transactions. */
export const MIN_BUILD_MS = 100;
/**
 * ... and never exceeds this share of the period: the rest of the main thread's period admits transactions (the
 * pre-#12 fixed budget was half the period; 70 % gave ERC-20 blocks ~30 % more transactions at the same value-transfer
 * rate on the 2-core bench machine).
 */
export const MAX_BUILD_SHARE = 0.7;

export interface BlockTimingOptions {
  blockPeriodMs: number;
  proposalTimeoutMs: number;
}

export class BlockTiming {
  /** Start of the proposal of the block committed at `height` (own build start, or estimated from its arrival). */
  private lastStart: { height: bigint; at: number } | null = null;
  /** Smoothed build-end → commit time of this node's own proposals (ms). */
  private tailMs = 0;
  private tailSamples = 0;

  constructor(private readonly opts: BlockTimingOptions) {}

  get periodMs(): number {
    return this.opts.blockPeriodMs;
  }

  /** The committed block at `height` was proposed at `startedAt` (ms since epoch). */
  noteCommittedStart(height: bigint, startedAt: number): void {
    this.lastStart = { height, at: startedAt };
  }

  /** A block this node proposed: adding transactions stopped at `buildEndedAt`, and it was committed at `committedAt`. */
  noteTail(buildEndedAt: number, committedAt: number): void {
    const sample = Math.max(0, committedAt - buildEndedAt);
    if (this.tailSamples === 0) this.tailMs = sample;
    else this.tailMs += (sample - this.tailMs) * (sample > this.tailMs ? 0.5 : 0.2);
    this.tailSamples++;
  }

  get tail(): number {
    return this.tailMs;
  }

  /** How long the proposer may add transactions (ms). */
  buildBudgetMs(): number {
    const period = this.opts.blockPeriodMs;
    const margin = Math.max(20, period * 0.05);
    const cap = Math.max(MIN_BUILD_MS, Math.floor(period * MAX_BUILD_SHARE));
    return Math.round(Math.min(cap, Math.max(MIN_BUILD_MS, period - this.tailMs - margin)));
  }

  /** When the proposal of `height` is due (and round 0's clock starts), for a node that entered it at `enteredAt`. */
  proposalTime(height: bigint, enteredAt: number, parentTimestampSec: bigint): number {
    const prev = this.lastStart !== null && this.lastStart.height === height - 1n ? this.lastStart.at : null;
    const due = prev === null ? enteredAt + this.opts.blockPeriodMs : Math.max(prev + this.opts.blockPeriodMs, enteredAt);
    return Math.max(due, Number(parentTimestampSec) * 1000);
  }

  /** When round r starts, in ms after the proposal time: Σ_{i<r} timeout × (1 + i/2). */
  roundStart(r: number): number {
    return Math.round(this.opts.proposalTimeoutMs * (r + (r * (r - 1)) / 4));
  }

  /** The round running at `now` for a height whose proposal time is `proposalTime`. */
  roundAt(proposalTime: number, now: number): number {
    const t = now - proposalTime;
    if (t < 0) return 0;
    let r = 0;
    while (this.roundStart(r + 1) <= t) r++;
    return r;
  }

  /** The block timestamp (seconds) of a proposal started at `now` on a parent with `parentTimestampSec`. */
  static timestamp(parentTimestampSec: bigint, now: number): bigint {
    const wall = BigInt(Math.floor(now / 1000));
    return wall > parentTimestampSec ? wall : parentTimestampSec + 1n;
  }
}
