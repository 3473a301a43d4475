/**
 * The gateway's finality-aware response cache. Our chains have instant finality (no reorgs), so an answer that depends
 * only on final blocks never changes: it is kept by key (chain + method + canonical parameters) in an in-memory LRU
 * bounded by bytes, with an optional disk tier that takes what the memory evicts.
 *
 * Which requests may be cached is decided twice:
 * - before asking a node, {@link cacheKey} gives a key only for requests that name final blocks (a number ≤ the
 *   finalized block, or a block hash) or nothing that changes (`eth_chainId`); any block tag, a missing block parameter
 *   (= latest), filters, subscriptions and sends get no key;
 * - after the answer, {@link isCacheableResult} refuses `null` (a transaction not known yet may appear later) and, for
 *   lookups by hash, answers whose block is not final yet (a pending transaction).
 *
 * Pass the finalized block of the node that answered (`upstream.health.finalized`) to {@link isCacheableResult}, with
 * the request's parameters: a node behind the others answers a range beyond its head with `[]` (anvil, older geth),
 * which must not be kept.
 */
import { createHash } from "node:crypto";
import { promises as fsp, readdirSync, rmSync, rmdirSync } from "node:fs";
import path from "node:path";
// lru-cache (v10) is installed as a dependency of dependencies (glob → path-scurry); see the module's report.
import { LRUCache } from "lru-cache";
import { LuniverseError } from "../../lib/errors";
import { silentLogger, type Logger } from "../../lib/log";

export type CacheErrorCode = "GATEWAY_CACHE_CONFIG";

/** A cache option that cannot be used; the message names it. */
export class CacheConfigError extends LuniverseError<CacheErrorCode> {
  override name = "CacheConfigError";
  constructor(message: string, hint?: string) {
    super("GATEWAY_CACHE_CONFIG", message, hint === undefined ? {} : { hint });
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------------------------------------------------

const QUANTITY = /^0x[0-9a-fA-F]+$/;
const HASH32 = /^0x[0-9a-fA-F]{64}$/;
const HEX = /^0x[0-9a-fA-F]*$/;

/** A hex quantity in canonical form (lowercase, no leading zeros), or null when `v` is not one. */
function quantity(v: unknown): string | null {
  if (typeof v !== "string" || !QUANTITY.test(v)) return null;
  return `0x${BigInt(v).toString(16)}`;
}

/** A 32-byte hash in lowercase, or null. */
function hash32(v: unknown): string | null {
  return typeof v === "string" && HASH32.test(v) ? v.toLowerCase() : null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * A block named by number (≤ finalized) or by hash, canonicalised; null for a tag, a number beyond finality, a
 * missing parameter or anything malformed. Takes a hex quantity, a hash (when `hashAllowed`: methods whose block
 * parameter is `BlockNumberOrHash`) and the EIP-1898 objects `{ blockNumber }` / `{ blockHash, requireCanonical? }`.
 */
function finalBlockRef(v: unknown, finalized: bigint, hashAllowed: boolean): unknown {
  if (typeof v === "string") {
    // A 32-byte string is a hash where one is allowed (as geth reads BlockNumberOrHash), never a number.
    if (HASH32.test(v)) return hashAllowed ? v.toLowerCase() : null;
    const n = quantity(v);
    return n !== null && BigInt(n) <= finalized ? n : null;
  }
  if (!hashAllowed || !isObject(v)) return null; // EIP-1898 objects only where the method takes BlockNumberOrHash
  const keys = Object.keys(v);
  if ("blockNumber" in v) {
    if (keys.length !== 1) return null;
    const n = quantity(v.blockNumber);
    return n !== null && BigInt(n) <= finalized ? { blockNumber: n } : null;
  }
  if ("blockHash" in v) {
    if (keys.some((k) => k !== "blockHash" && k !== "requireCanonical")) return null;
    const h = hash32(v.blockHash);
    if (h === null) return null;
    if (v.requireCanonical === undefined) return { blockHash: h };
    return typeof v.requireCanonical === "boolean" ? { blockHash: h, requireCanonical: v.requireCanonical } : null;
  }
  return null;
}

/** JSON with object keys sorted and hex strings lowercased (byte strings keep their zeros). */
function canonical(v: unknown): string {
  if (v === null || typeof v === "number" || typeof v === "boolean") return JSON.stringify(v);
  if (typeof v === "string") return JSON.stringify(HEX.test(v) ? v.toLowerCase() : v);
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (isObject(v)) {
    const parts = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`);
    return `{${parts.join(",")}}`;
  }
  return JSON.stringify(String(v));
}

/** The filter of `eth_getLogs` in canonical form when it names final blocks only, else null. */
function finalLogFilter(v: unknown, finalized: bigint): Record<string, unknown> | null {
  if (!isObject(v)) return null;
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) {
    if (value === undefined) continue;
    if (k === "address" || k === "topics") out[k] = value;
    else if (k !== "fromBlock" && k !== "toBlock" && k !== "blockHash") return null; // unknown field: leave it to the node
  }
  if (v.blockHash !== undefined) {
    if (v.fromBlock !== undefined || v.toBlock !== undefined) return null; // invalid for the node anyway
    const h = hash32(v.blockHash);
    if (h === null) return null;
    out.blockHash = h;
    return out;
  }
  // Both ends must be concrete: a missing one means latest.
  const from = quantity(v.fromBlock);
  const to = quantity(v.toBlock);
  if (from === null || to === null || BigInt(from) > finalized || BigInt(to) > finalized) return null;
  out.fromBlock = from;
  out.toBlock = to;
  return out;
}

/** Methods whose answer never changes on a chain (and takes no parameter that matters). */
const CONSTANT_METHODS = new Set(["eth_chainId", "net_version"]);

/** State reads at a block: method → index of the block parameter (the parameters before it are kept as given). */
const STATE_AT_BLOCK: Readonly<Record<string, number>> = { eth_getBalance: 1, eth_getCode: 1, eth_getTransactionCount: 1, eth_getStorageAt: 2, eth_call: 1 };

/**
 * The canonical parameters of a request whose answer depends only on final blocks, or null. Shared by
 * {@link cacheKey} and {@link isCacheableResult}.
 */
function finalParams(method: string, params: unknown[], finalized: bigint): unknown[] | null {
  if (!Array.isArray(params)) return null;
  if (CONSTANT_METHODS.has(method)) return [];
  const p = params;
  switch (method) {
    case "eth_getBlockByNumber": {
      const b = finalBlockRef(p[0], finalized, false);
      return b !== null && typeof p[1] === "boolean" && p.length === 2 ? [b, p[1]] : null;
    }
    case "eth_getBlockByHash": {
      const h = hash32(p[0]);
      return h !== null && typeof p[1] === "boolean" && p.length === 2 ? [h, p[1]] : null;
    }
    case "eth_getBlockTransactionCountByNumber": {
      const b = finalBlockRef(p[0], finalized, false);
      return b !== null && p.length === 1 ? [b] : null;
    }
    case "eth_getBlockTransactionCountByHash":
    case "eth_getTransactionByHash":
    case "eth_getTransactionReceipt": {
      const h = hash32(p[0]);
      return h !== null && p.length === 1 ? [h] : null;
    }
    case "eth_getTransactionByBlockNumberAndIndex": {
      const b = finalBlockRef(p[0], finalized, false);
      const i = quantity(p[1]);
      return b !== null && i !== null && p.length === 2 ? [b, i] : null;
    }
    case "eth_getTransactionByBlockHashAndIndex": {
      const h = hash32(p[0]);
      const i = quantity(p[1]);
      return h !== null && i !== null && p.length === 2 ? [h, i] : null;
    }
    case "eth_getBlockReceipts": {
      const b = finalBlockRef(p[0], finalized, true);
      return b !== null && p.length === 1 ? [b] : null;
    }
    case "eth_getLogs": {
      const f = finalLogFilter(p[0], finalized);
      return f !== null && p.length === 1 ? [f] : null;
    }
    default: {
      const at = STATE_AT_BLOCK[method];
      if (at === undefined || p.length <= at) return null; // not cacheable, or no block parameter (= latest)
      const b = finalBlockRef(p[at], finalized, true);
      if (b === null) return null;
      const out = [...p];
      out[at] = b;
      if (method === "eth_getStorageAt") {
        // The slot is a 32-byte word: "0x0" and "0x00…00" are the same slot.
        const slot = quantity(p[1]);
        if (slot === null) return null;
        out[1] = slot;
      }
      return out;
    }
  }
}

/**
 * The cache key of a request whose answer depends only on final blocks (numbers ≤ `finalized`, block hashes), or
 * null when it must go to a node every time: block tags (`latest`, `pending`, `safe`, `finalized`, `earliest`), a
 * missing block parameter (= latest), numbers beyond `finalized`, filters, subscriptions, sends, unknown methods and
 * malformed parameters. The key is the chain, the method and the canonical JSON of the parameters (hex quantities
 * lowercase without leading zeros, hashes and addresses lowercase, object keys sorted).
 */
export function cacheKey(chain: string, method: string, params: unknown[], finalized: bigint): string | null {
  const p = finalParams(method, params, finalized);
  return p === null ? null : `${JSON.stringify(chain)} ${method} ${canonical(p)}`;
}

/** Lookups by hash: the answer names its block (`number` or `blockNumber`), which must be final. */
const BY_HASH_SINGLE = new Set(["eth_getBlockByHash", "eth_getTransactionByHash", "eth_getTransactionReceipt", "eth_getTransactionByBlockHashAndIndex"]);

/** The answer's block number (`blockNumber`, or `number` for a block), or null when absent or not a quantity. */
function blockNumberOf(v: unknown): bigint | null {
  if (!isObject(v)) return null;
  const n = quantity(v.blockNumber ?? v.number);
  return n === null ? null : BigInt(n);
}

function allFinal(list: unknown[], finalized: bigint): boolean {
  return list.every((item) => {
    const n = blockNumberOf(item);
    return n !== null && n <= finalized;
  });
}

/**
 * Whether a node's answer (a `result`; errors are never passed) may be kept: never `null`; for lookups by hash (block,
 * transaction, receipt, block receipts, transaction by block hash and index, logs by blockHash) only when the answer's
 * block is final — a pending transaction (blockNumber null) is not.
 *
 * `params` (recommended) are the request's parameters: the request is then checked again against `finalized`, which
 * should be the answering node's own finalized block. Without them, an empty list from `eth_getLogs` or
 * `eth_getBlockReceipts` is refused (a list by hash cannot show that its block is final when it is empty).
 */
export function isCacheableResult(method: string, result: unknown, finalized: bigint, params?: unknown[]): boolean {
  if (result === null || result === undefined) return false;
  let p: unknown[] | null = null;
  if (params !== undefined) {
    p = finalParams(method, params, finalized);
    if (p === null) return false;
  }
  if (BY_HASH_SINGLE.has(method)) {
    const n = blockNumberOf(result);
    return n !== null && n <= finalized;
  }
  if (method === "eth_getLogs" || method === "eth_getBlockReceipts") {
    if (!Array.isArray(result)) return false;
    if (!allFinal(result, finalized)) return false;
    if (result.length > 0) return true;
    // Empty: only a request by number (checked final above) proves anything.
    if (p === null) return false;
    if (method === "eth_getLogs") return (p[0] as Record<string, unknown>).blockHash === undefined;
    const ref = p[0];
    return typeof ref === "string" ? !HASH32.test(ref) : isObject(ref) && ref.blockNumber !== undefined;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------------------------------
// The cache
// ---------------------------------------------------------------------------------------------------------------------

export interface ResponseCacheOptions {
  /** Bytes of the memory tier (keys and result texts, UTF-8); 0 = no memory tier. */
  maxBytes: number;
  /** Folder of the disk tier; null/undefined = no disk tier. Its shard folders' cache files are removed at start. */
  diskDir?: string | null;
  /** Bytes of the disk tier (file contents); default 1 GiB. */
  maxDiskBytes?: number;
  /** Where disk errors are reported (default: silent). */
  log?: Logger;
}

export interface ResponseCacheStats {
  /** Answers found (memory or disk). */
  hits: number;
  /** Of `hits`, those read from disk. */
  diskHits: number;
  misses: number;
  /** Entries and bytes (keys + results) in memory. */
  entries: number;
  bytes: number;
  /** Files and bytes on disk (an entry read back from disk stays there too, so the tiers may overlap). */
  diskEntries: number;
  diskBytes: number;
  /** Disk writes or reads that failed (the entry is then simply not cached). */
  diskErrors: number;
}

const SHA256_NAME = /^[0-9a-f]{64}$/;
const SHARD_NAME = /^[0-9a-f]{2}$/;

function entryBytes(key: string, value: string): number {
  return Buffer.byteLength(key) + Buffer.byteLength(value);
}

/**
 * An LRU of result texts (the JSON of `result`) bounded by bytes, with an optional disk tier: entries evicted from
 * memory are written to `<diskDir>/<xx>/<sha256(key)>` (256 shard folders), read back on a memory miss by
 * {@link getAsync} (and promoted), and the oldest files removed beyond `maxDiskBytes`. The disk tier is this process's
 * spill area: its files are removed at start and by {@link clear}. A file holds the key on its first line (checked on
 * read) and the result after it.
 */
export class ResponseCache {
  readonly maxBytes: number;
  readonly diskDir: string | null;
  readonly maxDiskBytes: number;
  readonly #log: Logger;
  readonly #memory: LRUCache<string, string> | null;
  /** Files on disk, least recently used first (Map keeps insertion order): key → file size. */
  readonly #disk = new Map<string, number>();
  /** Evicted entries being written: still served from here. */
  readonly #writing = new Map<string, string>();
  readonly #pending = new Set<Promise<void>>();
  readonly #shards = new Set<string>();
  /** Bumped by clear(): writes started before it discard their file. */
  #generation = 0;
  #diskBytes = 0;
  #hits = 0;
  #diskHits = 0;
  #misses = 0;
  #diskErrors = 0;

  constructor(options: ResponseCacheOptions) {
    const { maxBytes, diskDir = null, maxDiskBytes = 1024 * 1024 * 1024, log = silentLogger } = options;
    for (const [name, v] of [["maxBytes", maxBytes], ["maxDiskBytes", maxDiskBytes]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new CacheConfigError(`cache.${name} must be a whole number of bytes ≥ 0, not ${String(v)}`);
    }
    if (diskDir !== null && (typeof diskDir !== "string" || diskDir === "")) throw new CacheConfigError(`cache.diskDir must be a folder path or null, not ${JSON.stringify(diskDir)}`);
    this.maxBytes = maxBytes;
    this.diskDir = diskDir === null ? null : path.resolve(diskDir);
    this.maxDiskBytes = maxDiskBytes;
    this.#log = log;
    this.#memory =
      maxBytes === 0
        ? null
        : new LRUCache<string, string>({
            maxSize: maxBytes,
            sizeCalculation: (value, key) => Math.max(1, entryBytes(key, value)),
            dispose: (value, key, reason) => {
              if (reason === "evict") this.#spill(key, value);
            },
          });
    if (this.diskDir !== null) this.#removeOwnFiles();
  }

  /** The cached result text, from memory only (synchronous). */
  get(key: string): string | undefined {
    const v = this.#memory?.get(key) ?? this.#writing.get(key);
    if (v === undefined) this.#misses++;
    else this.#hits++;
    return v;
  }

  /** The cached result text from memory, else from disk (promoted back into memory). */
  async getAsync(key: string): Promise<string | undefined> {
    const v = this.#memory?.get(key) ?? this.#writing.get(key);
    if (v !== undefined) {
      this.#hits++;
      return v;
    }
    const fromDisk = await this.#read(key);
    if (fromDisk === undefined) {
      this.#misses++;
      return undefined;
    }
    this.#hits++;
    this.#diskHits++;
    if (this.#memory !== null && entryBytes(key, fromDisk) <= this.maxBytes) this.#memory.set(key, fromDisk);
    return fromDisk;
  }

  /** Keeps a result text; one larger than the memory tier goes straight to disk (when there is a disk tier). */
  set(key: string, resultJson: string): void {
    if (this.#memory !== null && entryBytes(key, resultJson) <= this.maxBytes) this.#memory.set(key, resultJson);
    else this.#spill(key, resultJson);
  }

  stats(): ResponseCacheStats {
    return {
      hits: this.#hits,
      diskHits: this.#diskHits,
      misses: this.#misses,
      entries: this.#memory?.size ?? 0,
      bytes: this.#memory?.calculatedSize ?? 0,
      diskEntries: this.#disk.size,
      diskBytes: this.#diskBytes,
      diskErrors: this.#diskErrors,
    };
  }

  /** Empties both tiers (disk files are removed in the background; {@link flush} waits for that). */
  clear(): void {
    this.#generation++;
    // LRUCache.clear() disposes with reason "delete": nothing is spilled.
    this.#memory?.clear();
    this.#writing.clear();
    for (const key of [...this.#disk.keys()]) this.#dropFile(key);
    this.#hits = this.#diskHits = this.#misses = 0;
  }

  /** Resolves when every disk write and removal started so far has finished. */
  async flush(): Promise<void> {
    while (this.#pending.size > 0) await Promise.all([...this.#pending]);
  }

  #fileOf(key: string): { dir: string; file: string } {
    const name = createHash("sha256").update(key).digest("hex");
    const dir = path.join(this.diskDir!, name.slice(0, 2));
    return { dir, file: path.join(dir, name) };
  }

  #track(work: Promise<void>): void {
    const p = work.finally(() => this.#pending.delete(p));
    this.#pending.add(p);
  }

  /** Writes an entry evicted from memory to disk (unless it is there already: final answers never change). */
  #spill(key: string, value: string): void {
    if (this.diskDir === null) return;
    if (this.#disk.has(key)) {
      // Already on disk with the same content: mark it recently used.
      const size = this.#disk.get(key)!;
      this.#disk.delete(key);
      this.#disk.set(key, size);
      return;
    }
    if (this.#writing.has(key)) return;
    const content = `${key}\n${value}`;
    const size = Buffer.byteLength(content);
    if (size > this.maxDiskBytes) return;
    this.#writing.set(key, value);
    const generation = this.#generation;
    const { dir, file } = this.#fileOf(key);
    this.#track(
      (async () => {
        try {
          if (!this.#shards.has(dir)) {
            await fsp.mkdir(dir, { recursive: true });
            this.#shards.add(dir);
          }
          await fsp.writeFile(file, content);
        } catch (e) {
          this.#diskErrors++;
          this.#log.warn("cache file not written", { file, error: e });
          if (this.#writing.get(key) === value) this.#writing.delete(key);
          return;
        }
        if (generation !== this.#generation) {
          await fsp.rm(file, { force: true }).catch(() => undefined);
          return;
        }
        this.#writing.delete(key);
        this.#disk.set(key, size);
        this.#diskBytes += size;
        while (this.#diskBytes > this.maxDiskBytes && this.#disk.size > 0) this.#dropFile(this.#disk.keys().next().value!);
      })(),
    );
  }

  #dropFile(key: string): void {
    const size = this.#disk.get(key);
    if (size === undefined) return;
    this.#disk.delete(key);
    this.#diskBytes -= size;
    const { file } = this.#fileOf(key);
    this.#track(fsp.rm(file, { force: true }).catch((e: unknown) => void this.#log.warn("cache file not removed", { file, error: e })));
  }

  async #read(key: string): Promise<string | undefined> {
    if (this.diskDir === null || !this.#disk.has(key)) return undefined;
    const { file } = this.#fileOf(key);
    let content: string;
    try {
      content = await fsp.readFile(file, "utf8");
    } catch (e) {
      this.#diskErrors++;
      this.#log.warn("cache file not read", { file, error: e });
      this.#dropFile(key);
      return undefined;
    }
    const nl = content.indexOf("\n");
    if (nl < 0 || content.slice(0, nl) !== key) {
      this.#diskErrors++;
      this.#dropFile(key);
      return undefined;
    }
    const size = this.#disk.get(key);
    if (size !== undefined) {
      this.#disk.delete(key);
      this.#disk.set(key, size);
    }
    return content.slice(nl + 1);
  }

  /** Removes the cache files a previous process left (only `xx/<sha256>` files: the folder may hold other things). */
  #removeOwnFiles(): void {
    let shards: string[];
    try {
      shards = readdirSync(this.diskDir!);
    } catch {
      return; // no folder yet: created on the first write
    }
    for (const shard of shards) {
      if (!SHARD_NAME.test(shard)) continue;
      const dir = path.join(this.diskDir!, shard);
      let names: string[];
      try {
        names = readdirSync(dir);
      } catch {
        continue;
      }
      for (const name of names) if (SHA256_NAME.test(name)) rmSync(path.join(dir, name), { force: true });
      try {
        rmdirSync(dir);
      } catch {
        // not empty (someone else's files): leave it
      }
    }
  }
}
