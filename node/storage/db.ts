/**
 * The node's LevelDB (classic-level) and the write overlay the state trie writes into.
 *
 * Everything a block changes — trie nodes, code, the block, its receipts, transaction index, finality signatures
 * and the head pointer — reaches the disk in ONE LevelDB batch when the block is committed. A kill -9 at any moment
 * therefore leaves either the previous head or the new one, never half a block. Trie nodes of a block that was
 * executed but never committed (a proposal that lost its round) stay in the overlay and reach the disk with the next
 * commit: harmless — nodes are content-addressed and nothing points at them — but a few thousand unused nodes per
 * abandoned proposal (rare: a round change).
 *
 * Key layout (UTF-8 keys; trie nodes use the MPT's own hex keys, which never contain ':'):
 *   meta:head            JSON {number, hash, stateRoot} of the last committed (final) block
 *   meta:genesis         genesis hash (0x…)
 *   n:<number 16 hex>    block hash at that height
 *   b:<hash>             block RLP
 *   r:<hash>             receipts of the block (JSON, see execution/executor.ts StoredReceipt)
 *   s:<hash>             finality signatures (JSON)
 *   x:<txhash>           [blockHash, index]
 *   a:<address>:<height 16 hex>:<tx index 8 hex>  address index (ots_search*): a tx the address sent, received or created
 *   meta:addressIndex    present once every committed block is in the address index
 *   <hex>                trie node / code (MPT keys)
 */
import { ClassicLevel } from "classic-level";
import type { BatchDBOp, DB } from "@ethereumjs/util";
import { LuniverseError } from "../../lib/errors";

/** The node database cannot be opened (another node holds its lock, no permission, …). */
export class StorageError extends LuniverseError<"STORAGE_OPEN_FAILED"> {
  override name = "StorageError";
}

type Value = Uint8Array | string;

/**
 * The MPT's database: reads fall through to LevelDB (through a cache of recently read nodes — trie nodes are
 * content-addressed, so a cached node never goes stale), writes stay in memory until `drain()`.
 */
export class OverlayDB implements DB<string, Value> {
  private pending = new Map<string, Value>();
  private flushing: Map<string, Value> | null = null;
  private cache = new Map<string, Value>();
  constructor(
    private readonly level: ClassicLevel<string, Uint8Array>,
    /**
     * Nodes written by the last few blocks (a 2,000-transfer block writes ≈ 6,000) and nodes read since: the paths the
     * next blocks touch. Older versions of a node are never read again, so a larger cache mostly holds garbage the GC
     * has to mark (100,000 cost throughput and RSS under load; bench:node, issue #12).
     */
    private readonly cacheEntries = 25_000,
  ) {}

  async get(key: string): Promise<Value | undefined> {
    const hit = this.pending.get(key) ?? this.flushing?.get(key) ?? this.cache.get(key);
    if (hit !== undefined) return hit;
    const v = await this.level.get(key);
    if (v === undefined) return undefined;
    this.remember(key, v);
    return v;
  }

  private remember(key: string, v: Value): void {
    if (this.cache.size >= this.cacheEntries) {
      // drop the oldest quarter at once (insertion order): cheaper than a strict LRU per read
      let n = this.cacheEntries >> 2;
      for (const k of this.cache.keys()) {
        this.cache.delete(k);
        if (--n === 0) break;
      }
    }
    this.cache.set(key, v);
  }
  async put(key: string, value: Value): Promise<void> {
    this.pending.set(key, value);
  }
  async del(): Promise<void> {
    // Trie nodes are content-addressed and shared between blocks: never deleted (no pruning), so history stays readable.
  }
  async batch(ops: BatchDBOp<string, Value>[]): Promise<void> {
    for (const op of ops) if (op.type === "put") this.pending.set(op.key, op.value);
  }
  shallowCopy(): DB<string, Value> {
    return this;
  }
  async open(): Promise<void> {}

  /**
   * Takes the writes made so far as LevelDB batch operations. They stay readable until `flushed()` is called after
   * the batch reached the disk; writes made meanwhile go to a fresh overlay.
   */
  drain(): { type: "put"; key: string; value: Uint8Array }[] {
    const taken = this.pending;
    this.pending = new Map();
    this.flushing = taken;
    const ops: { type: "put"; key: string; value: Uint8Array }[] = [];
    for (const [key, value] of taken) {
      ops.push({ type: "put", key, value: typeof value === "string" ? Buffer.from(value, "utf8") : value });
    }
    return ops;
  }
  flushed(): void {
    if (this.flushing) for (const [k, v] of this.flushing) this.remember(k, v);
    this.flushing = null;
  }
  get size(): number {
    return this.pending.size;
  }
}

export function heightKey(n: bigint): string {
  return `n:${n.toString(16).padStart(16, "0")}`;
}

export async function openLevel(path: string): Promise<ClassicLevel<string, Uint8Array>> {
  const db = new ClassicLevel<string, Uint8Array>(path, { keyEncoding: "utf8", valueEncoding: "view" });
  try {
    await db.open();
  } catch (err) {
    const cause = (err as { cause?: { message?: string } }).cause?.message ?? (err as Error).message;
    throw new StorageError("STORAGE_OPEN_FAILED", `cannot open the node database at ${path}: ${cause} (is another node running on this data dir?)`, { cause: err });
  }
  return db;
}
