/**
 * The validator's signing record: the double-sign protection of its commit signatures, kept in its own keys.
 *
 * A validator signs (commits to) at most one block per height. Before a commit signature leaves the node, the
 * (height, hash) it commits to is on disk; after a restart the node signs nothing else at that height — only the same
 * hash again — and nothing at a lower height (a data dir restored from an older backup must not sign below what it
 * may already have signed). Prevotes are not recorded: they bind nothing (see crypto.ts prevoteDigest).
 *
 * Key space (in the node's LevelDB, beside the chain's keys of storage/db.ts; no chain key starts with "consensus:"):
 *
 *   consensus:signing:commit   JSON {height: decimal string, hash: 0x…} — the latest height signed and its block
 *
 * Before issue #12 the record was the chain's `meta:signed` key (same JSON); it is still read on start, and the
 * higher of the two records counts.
 */
import type { PrefixedHexString as Hex } from "@ethereumjs/util";

export const SIGNING_RECORD_KEY = "consensus:signing:commit";
/** Where the record lived before issue #12 (read on start only). */
export const LEGACY_SIGNING_KEY = "meta:signed";

/** The store the record lives in (the node's LevelDB; a Map in tests). */
export interface SigningStore {
  get(key: string): Promise<Uint8Array | undefined>;
  put(key: string, value: Uint8Array): Promise<void>;
}

export interface SignedCommit {
  height: bigint;
  hash: Hex;
}

export class SigningRecord {
  private last: SignedCommit | null = null;

  constructor(private readonly store: SigningStore) {}

  /** Reads the record (and the pre-#12 key). */
  async load(): Promise<void> {
    for (const key of [LEGACY_SIGNING_KEY, SIGNING_RECORD_KEY]) {
      const raw = await this.store.get(key);
      if (raw === undefined) continue;
      const s = JSON.parse(Buffer.from(raw).toString("utf8")) as { height: string; hash: Hex };
      const rec = { height: BigInt(s.height), hash: s.hash.toLowerCase() as Hex };
      if (this.last === null || rec.height >= this.last.height) this.last = rec;
    }
  }

  /** The block this validator committed to at `height`, if any (the only one it may sign or prevote there). */
  lockedAt(height: bigint): Hex | null {
    return this.last !== null && this.last.height === height ? this.last.hash : null;
  }

  /**
   * Whether this validator may sign a commit for `hash` at `height` — recording it on disk first when it is the first
   * signature at that height. False for another hash at a signed height, and for any height below the record.
   */
  async commitTo(height: bigint, hash: Hex): Promise<boolean> {
    const h = hash.toLowerCase() as Hex;
    if (this.last !== null) {
      if (height < this.last.height) return false;
      if (height === this.last.height) return this.last.hash === h;
    }
    await this.store.put(SIGNING_RECORD_KEY, Buffer.from(JSON.stringify({ height: height.toString(), hash: h }), "utf8"));
    this.last = { height, hash: h };
    return true;
  }

  /**
   * Raises the record to `height` without a block (hash zero: no block matches it), so this validator signs nothing
   * at or below `height` — what a standby that takes over a validator's key writes before its first signature (the
   * other node may have signed up to there). No-op when the record is already at or above `height`.
   */
  async fence(height: bigint): Promise<void> {
    if (this.last !== null && this.last.height >= height) return;
    const hash = `0x${"00".repeat(32)}` as Hex;
    await this.store.put(SIGNING_RECORD_KEY, Buffer.from(JSON.stringify({ height: height.toString(), hash }), "utf8"));
    this.last = { height, hash };
  }

  get latest(): SignedCommit | null {
    return this.last;
  }
}
