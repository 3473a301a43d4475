/**
 * Gas actually used per account and per sponsor in the current window, counted from executed receipts of committed
 * blocks — the same numbers on every node, since every node commits the same blocks.
 *
 * Window `w` holds the blocks whose timestamp `t` has `t / windowSeconds == w`; a block of a later window starts the
 * counts afresh. Kept across restarts: a checkpoint `{window, height, counts}` is written to the node's LevelDB every
 * {@link SAVE_EVERY} blocks and on stop, and on start the blocks after it are counted again from their receipts (or,
 * without a usable checkpoint, every block of the head's window, read back from the head).
 */
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import type { ClassicLevel } from "classic-level";

const KEY = "gasfree:usage";
const NO_USAGE: Readonly<AccountUsage> = Object.freeze({ gas: 0n, reverts: 0 });
/** Blocks between two checkpoints. */
export const SAVE_EVERY = 16n;

export interface AccountUsage {
  gas: bigint;
  reverts: number;
}

interface Checkpoint {
  window: string;
  windowSeconds: string;
  height: string;
  accounts: [string, string, number][];
  sponsors: [string, string][];
}

/** One committed transaction as the ledger counts it. */
export interface CountedTx {
  sender: Hex;
  /** The sponsor whose budget it used (0: unsponsored). */
  sponsor: bigint;
  gasUsed: bigint;
  status: 0 | 1;
}

export class UsageLedger {
  window = -1n;
  windowSeconds = 0n;
  /** The last block counted. */
  height = -1n;
  private accounts = new Map<Hex, AccountUsage>();
  private sponsors = new Map<bigint, bigint>();

  constructor(private readonly level: ClassicLevel<string, Uint8Array>) {}

  /** The window of a block timestamp. */
  windowOf(timestamp: bigint): bigint {
    return timestamp / this.windowSeconds;
  }

  /** The account's usage in `window` (zero for a window the ledger has not reached). */
  account(address: Hex, window: bigint): Readonly<AccountUsage> {
    return (window === this.window ? this.accounts.get(address) : undefined) ?? NO_USAGE;
  }

  sponsor(id: bigint, window: bigint): bigint {
    return (window === this.window ? this.sponsors.get(id) : undefined) ?? 0n;
  }

  /** Accounts with usage in the current window (tests, stats). */
  get size(): number {
    return this.accounts.size;
  }

  /**
   * Counts a committed block. Returns the senders whose counts changed. A block of a new window (or a changed window
   * length) starts from zero.
   */
  count(height: bigint, timestamp: bigint, windowSeconds: bigint, txs: readonly CountedTx[]): Set<Hex> {
    if (height <= this.height) return new Set();
    if (windowSeconds !== this.windowSeconds) {
      this.windowSeconds = windowSeconds;
      this.window = -1n;
    }
    const window = timestamp / windowSeconds;
    if (window !== this.window) {
      this.window = window;
      this.accounts = new Map();
      this.sponsors = new Map();
    }
    this.height = height;
    const touched = new Set<Hex>();
    for (const t of txs) {
      const a = this.accounts.get(t.sender);
      if (a === undefined) this.accounts.set(t.sender, { gas: t.gasUsed, reverts: t.status === 0 ? 1 : 0 });
      else {
        a.gas += t.gasUsed;
        if (t.status === 0) a.reverts++;
      }
      if (t.sponsor !== 0n) this.sponsors.set(t.sponsor, (this.sponsors.get(t.sponsor) ?? 0n) + t.gasUsed);
      touched.add(t.sender);
    }
    return touched;
  }

  /** Writes the checkpoint. */
  async save(): Promise<void> {
    if (this.height < 0n) return;
    const cp: Checkpoint = {
      window: this.window.toString(),
      windowSeconds: this.windowSeconds.toString(),
      height: this.height.toString(),
      accounts: [...this.accounts].map(([a, u]) => [a, u.gas.toString(), u.reverts]),
      sponsors: [...this.sponsors].map(([id, gas]) => [id.toString(), gas.toString()]),
    };
    await this.level.put(KEY, new TextEncoder().encode(JSON.stringify(cp)));
  }

  /** Reads the checkpoint, if any; returns the height it counted up to (-1: none or unreadable). */
  async load(): Promise<bigint> {
    let raw: Uint8Array | undefined;
    try {
      raw = await this.level.get(KEY);
    } catch {
      raw = undefined;
    }
    if (raw === undefined) return -1n;
    try {
      const cp = JSON.parse(new TextDecoder().decode(raw)) as Checkpoint;
      this.window = BigInt(cp.window);
      this.windowSeconds = BigInt(cp.windowSeconds);
      this.height = BigInt(cp.height);
      this.accounts = new Map(cp.accounts.map(([a, gas, reverts]) => [a as Hex, { gas: BigInt(gas), reverts }]));
      this.sponsors = new Map(cp.sponsors.map(([id, gas]) => [BigInt(id), BigInt(gas)]));
      return this.height;
    } catch {
      this.window = -1n;
      this.height = -1n;
      return -1n;
    }
  }

  /** Forgets the counts (a checkpoint that cannot be continued). */
  reset(): void {
    this.window = -1n;
    this.height = -1n;
    this.windowSeconds = 0n;
    this.accounts = new Map();
    this.sponsors = new Map();
  }
}
