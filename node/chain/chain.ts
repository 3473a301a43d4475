/**
 * The chain on disk: committed (final) blocks, receipts, indexes, finality signatures and the state they lead to.
 *
 * Only final blocks are committed, in one LevelDB batch each (see storage/db.ts), so the head on disk is always a final
 * block and a restart resumes exactly there.
 */
import { EventEmitter } from "node:events";
import { mkdirSync } from "node:fs";
import { Block, createBlockFromRLP } from "@ethereumjs/block";
import type { Common } from "@ethereumjs/common";
import type { TypedTransaction } from "@ethereumjs/tx";
import { KECCAK256_RLP, bytesToHex, hexToBytes, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { EVMMockBlockchainInterface } from "@ethereumjs/evm";
import type { ClassicLevel } from "classic-level";
import { LuniverseError } from "../../lib/errors";
import { heightKey, openLevel, OverlayDB } from "../storage/db";
import { Executor, type ExecutedBlock, type StoredReceipt } from "../execution/executor";
import { applyAlloc, genesisBlock, type GenesisFile } from "../genesis/genesis";

interface HeadRecord {
  number: string;
  hash: string;
}

/**
 * A least-recently-used cache bounded by weight (a block weighs 1 + its transactions): decoded transactions take about
 * 2 KB each, so a bound in blocks alone let a loaded node hold hundreds of MiB of recent blocks.
 */
class Lru<K, V> {
  private m = new Map<K, { v: V; w: number }>();
  private total = 0;
  constructor(
    private readonly maxWeight: number,
    private readonly weigh: (v: V) => number,
  ) {}
  get(k: K): V | undefined {
    const e = this.m.get(k);
    if (e !== undefined) {
      this.m.delete(k);
      this.m.set(k, e);
    }
    return e?.v;
  }
  set(k: K, v: V): void {
    const old = this.m.get(k);
    if (old !== undefined) {
      this.total -= old.w;
      this.m.delete(k);
    }
    const w = this.weigh(v);
    this.m.set(k, { v, w });
    this.total += w;
    while (this.total > this.maxWeight && this.m.size > 1) {
      const [first, e] = this.m.entries().next().value as [K, { v: V; w: number }];
      this.m.delete(first);
      this.total -= e.w;
    }
  }
}

/**
 * Recent blocks and receipts kept decoded: at most this many transactions' worth of each (a few seconds of blocks
 * under load — what RPC clients following the head ask for). Decoded transactions are the largest part of a loaded
 * node's heap, and the time V8 spends marking grows with it: 40,000 cost 4-validator throughput ~10 % and 260 MiB of
 * RSS per validator (bench:node, issue #12). Older blocks are read from LevelDB.
 */
const CACHED_TRANSACTIONS = 8_000;

/** A commit signature: `validator` signed keccak256(abi.encode(chainId, number, hash)). */
export interface FinalitySignature {
  validator: Hex;
  signature: Hex;
}

/**
 * The data dir holds another chain (CHAIN_GENESIS_MISMATCH), its head block is missing (CHAIN_DAMAGED), or a commit
 * does not extend the head (CHAIN_NOT_EXTENDING_HEAD, a caller's mistake: commits are serialised).
 */
export class ChainError extends LuniverseError<"CHAIN_GENESIS_MISMATCH" | "CHAIN_DAMAGED" | "CHAIN_NOT_EXTENDING_HEAD"> {
  override name = "ChainError";
}

/** Key of the address index's marker (present once every committed block is indexed). */
const ADDRESS_INDEX_META = "meta:addressIndex";

const heightPart = (n: bigint): string => n.toString(16).padStart(16, "0");

/** An address's blocks in the address index: each block's number and the indexes of its transactions there. */
export interface AddressHistory {
  blocks: { number: bigint; indices: number[] }[];
  more: boolean;
}

/**
 * The address index of one block: for every address that sent a transaction, was its `to`, or was created by it, one
 * key `a:<address>:<height, 16 hex>:<transaction index, 8 hex>` with an empty value — written in the block's commit
 * batch. No map, no per-key buffer: 1-3 short keys per transaction (a 3,000-transfer block: 6,000 keys, ≈ 1.5 ms to
 * build and ≈ 15 ms more of classic-level's batch encoding on the main thread).
 */
function addressIndexOps(block: Block, receipts: StoredReceipt[], ops: { type: "put"; key: string; value: Uint8Array }[]): void {
  const txs = block.transactions;
  if (txs.length === 0) return;
  const height = heightPart(block.header.number);
  for (let i = 0; i < txs.length; i++) {
    const suffix = `:${height}:${i.toString(16).padStart(8, "0")}`;
    const r = receipts[i];
    const from = r === undefined ? undefined : r.from.toLowerCase();
    if (from !== undefined) ops.push({ type: "put", key: `a:${from.slice(2)}${suffix}`, value: EMPTY });
    const to = txs[i]!.to?.toString();
    if (to !== undefined && to !== from) ops.push({ type: "put", key: `a:${to.slice(2)}${suffix}`, value: EMPTY });
    const created = r?.contractAddress?.toLowerCase();
    if (created) ops.push({ type: "put", key: `a:${created.slice(2)}${suffix}`, value: EMPTY });
  }
}

const EMPTY = new Uint8Array(0);

export interface CommittedBlock {
  block: Block;
  receipts: StoredReceipt[];
  signatures: FinalitySignature[];
}

export class Chain extends EventEmitter {
  readonly executor: Executor;
  private headBlock!: Block;
  private genesis!: Block;
  private blocks = new Lru<string, Block>(CACHED_TRANSACTIONS, (b) => 1 + b.transactions.length);
  private receiptsCache = new Lru<string, StoredReceipt[]>(CACHED_TRANSACTIONS, (r) => 1 + r.length);
  private commitQueue: Promise<unknown> = Promise.resolve();
  /** Blocks being read from disk (getBlockByHash), and the queue that reads them one at a time. */
  private loading = new Map<string, Promise<Block | null>>();
  private readQueue: Promise<unknown> = Promise.resolve();
  /** Blocks decoded from disk since the chain was opened (not served from the cache), for tests and logs. */
  blocksRead = 0;

  private constructor(
    readonly common: Common,
    readonly level: ClassicLevel<string, Uint8Array>,
    readonly overlay: OverlayDB,
  ) {
    super();
    const chain = this;
    const blockchain: EVMMockBlockchainInterface = {
      async getBlock(n: number) {
        const b = await chain.getBlockByNumber(BigInt(n));
        return { hash: () => b?.hash() ?? new Uint8Array(32) };
      },
      async putBlock() {},
      shallowCopy() {
        return blockchain;
      },
    };
    this.executor = new Executor(common, overlay, blockchain);
  }

  /**
   * Opens the chain in `dataDir`, initialising it from `genesis` on first use. A data dir made from another
   * genesis is refused (the hash is recorded).
   */
  static async open(dataDir: string, genesis: GenesisFile, common: Common): Promise<Chain> {
    mkdirSync(dataDir, { recursive: true });
    const level = await openLevel(dataDir);
    const chain = new Chain(common, level, new OverlayDB(level));
    await chain.init(genesis);
    return chain;
  }

  private async init(g: GenesisFile): Promise<void> {
    const state = this.executor.stateAt(KECCAK256_RLP, false);
    const root = await applyAlloc(state, g.alloc);
    const genesis = genesisBlock(g, root, this.common);
    const hash = bytesToHex(genesis.hash());
    const stored = await this.level.get("meta:genesis");
    if (stored !== undefined) {
      const storedHash = Buffer.from(stored).toString("utf8");
      if (storedHash !== hash) {
        await this.level.close();
        throw new ChainError("CHAIN_GENESIS_MISMATCH", `the data dir holds another chain (genesis ${storedHash}, this genesis file gives ${hash}); use another data dir or --reset`);
      }
    }
    this.genesis = genesis;
    if (stored === undefined) {
      await this.writeBatch(genesis, [], [], true);
    }
    if ((await this.level.get(ADDRESS_INDEX_META)) === undefined) await this.backfillAddressIndex();
    const head = JSON.parse(Buffer.from((await this.level.get("meta:head"))!).toString("utf8")) as HeadRecord;
    const headBlock = await this.getBlockByHash(head.hash as Hex);
    if (headBlock === null) throw new ChainError("CHAIN_DAMAGED", `the node database is damaged: head block ${head.hash} is missing`);
    this.headBlock = headBlock;
    this.executor.head.reset(headBlock.header.stateRoot);
    this.overlay.drain();
    this.overlay.flushed();
  }

  get genesisHash(): Hex {
    return bytesToHex(this.genesis.hash()) as Hex;
  }
  get head(): Block {
    return this.headBlock;
  }
  get height(): bigint {
    return this.headBlock.header.number;
  }

  private async writeBatch(block: Block, receipts: StoredReceipt[], signatures: FinalitySignature[], isGenesis = false): Promise<void> {
    const hash = bytesToHex(block.hash());
    const ops: { type: "put"; key: string; value: Uint8Array }[] = this.overlay.drain();
    const json = (v: unknown) => Buffer.from(JSON.stringify(v), "utf8");
    ops.push({ type: "put", key: `b:${hash}`, value: block.serialize() });
    ops.push({ type: "put", key: `r:${hash}`, value: json(receipts) });
    ops.push({ type: "put", key: `s:${hash}`, value: json(signatures) });
    ops.push({ type: "put", key: heightKey(block.header.number), value: Buffer.from(hash, "utf8") });
    block.transactions.forEach((tx, i) => ops.push({ type: "put", key: `x:${bytesToHex(tx.hash())}`, value: json([hash, i]) }));
    addressIndexOps(block, receipts, ops);
    if (isGenesis) {
      ops.push({ type: "put", key: "meta:genesis", value: Buffer.from(hash, "utf8") });
      ops.push({ type: "put", key: ADDRESS_INDEX_META, value: json({ version: 1 }) });
    }
    ops.push({ type: "put", key: "meta:head", value: json({ number: block.header.number.toString(), hash }) });
    await this.level.batch(ops);
    this.overlay.flushed();
    this.blocks.set(hash, block);
    this.receiptsCache.set(hash, receipts);
  }

  /** Commits a final block (its parent must be the head). Serialised: commits never interleave. */
  commit(executed: ExecutedBlock, signatures: FinalitySignature[]): Promise<void> {
    const run = this.commitQueue.then(async () => {
      const { block, receipts } = executed;
      if (block.header.number !== this.height + 1n || bytesToHex(block.header.parentHash) !== bytesToHex(this.headBlock.hash())) {
        throw new ChainError("CHAIN_NOT_EXTENDING_HEAD", `commit of block ${block.header.number} does not extend the head ${this.height}`);
      }
      await this.writeBatch(block, receipts, signatures);
      this.executor.head.promote(block.header.stateRoot);
      this.headBlock = block;
      this.emit("block", { block, receipts, signatures } satisfies CommittedBlock);
    });
    this.commitQueue = run.catch(() => undefined);
    return run;
  }

  /**
   * Indexes the blocks of a data dir written before the address index existed (once, on open): every block's
   * receipts are read again, 256 blocks per batch.
   */
  private async backfillAddressIndex(): Promise<void> {
    const head = JSON.parse(Buffer.from((await this.level.get("meta:head"))!).toString("utf8")) as HeadRecord;
    const top = BigInt(head.number);
    let ops: { type: "put"; key: string; value: Uint8Array }[] = [];
    for (let n = 1n; n <= top; n++) {
      const hash = await this.level.get(heightKey(n));
      if (hash === undefined) continue;
      const key = Buffer.from(hash).toString("utf8").toLowerCase();
      const raw = await this.level.get(`b:${key}`);
      if (raw === undefined) continue;
      const block = createBlockFromRLP(raw, { common: this.common, skipConsensusFormatValidation: true });
      addressIndexOps(block, await this.getReceipts(key as Hex), ops);
      if (n % 256n === 0n) {
        await this.level.batch(ops);
        ops = [];
      }
    }
    ops.push({ type: "put", key: ADDRESS_INDEX_META, value: Buffer.from(JSON.stringify({ version: 1 }), "utf8") });
    await this.level.batch(ops);
  }

  /**
   * The blocks in which `address` sent a transaction, received one (`to`) or was created by one, from the address
   * index: walking down from below `before` (`direction: "before"`) or up from above `after`, whole blocks until at
   * least `minTxs` transactions are collected. `more` tells whether further blocks hold some.
   */
  async addressHistory(address: Hex, direction: "before" | "after", from: bigint, minTxs: number): Promise<AddressHistory> {
    const prefix = `a:${address.slice(2).toLowerCase()}:`;
    const range =
      direction === "before"
        ? { gte: prefix, lt: prefix + heightPart(from), reverse: true }
        : { gt: prefix + heightPart(from) + ";", lt: prefix + "~", reverse: false };
    const blocks: AddressHistory["blocks"] = [];
    let count = 0;
    let more = false;
    for await (const key of this.level.keys(range)) {
      const number = BigInt("0x" + key.slice(prefix.length, prefix.length + 16));
      const index = parseInt(key.slice(prefix.length + 17), 16);
      const last = blocks[blocks.length - 1];
      if (last !== undefined && last.number === number) last.indices.push(index);
      else {
        if (count >= minTxs) {
          more = true;
          break;
        }
        blocks.push({ number, indices: [index] });
      }
      count++;
    }
    // keys come in index order within a block, reversed when walking down
    for (const b of blocks) b.indices.sort((x, y) => x - y);
    return { blocks, more };
  }

  /** Adds signatures that arrived after a block was committed (stored with it; served over RPC). */
  async addSignatures(hash: Hex, more: FinalitySignature[]): Promise<void> {
    const current = await this.getSignatures(hash);
    const have = new Set(current.map((s) => s.validator.toLowerCase()));
    const merged = [...current, ...more.filter((s) => !have.has(s.validator.toLowerCase()))];
    if (merged.length === current.length) return;
    await this.level.put(`s:${hash}`, Buffer.from(JSON.stringify(merged), "utf8"));
  }

  async getBlockByHash(hash: Hex): Promise<Block | null> {
    const key = hash.toLowerCase();
    const cached = this.blocks.get(key);
    if (cached) return cached;
    let loading = this.loading.get(key);
    if (loading === undefined) {
      // One block read from disk at a time, and one read per block however many callers ask: a decoded block of 4,000
      // transactions is ≈ 10 MB of objects, and a JSON-RPC batch of receipts spread over 50 old blocks decoded them all
      // at once and ran a 384 MiB heap out of memory (bench:node, issue #12).
      loading = this.readQueue.then(() => this.readBlock(key));
      this.readQueue = loading.catch(() => undefined);
      this.loading.set(key, loading);
      const done = () => this.loading.delete(key);
      loading.then(done, done);
    }
    return loading;
  }

  private async readBlock(key: string): Promise<Block | null> {
    const cached = this.blocks.get(key);
    if (cached) return cached;
    this.blocksRead++;
    const raw = await this.level.get(`b:${key}`);
    if (raw === undefined) return null;
    const block = createBlockFromRLP(raw, { common: this.common, skipConsensusFormatValidation: true });
    this.blocks.set(key, block);
    return block;
  }

  async getHashByNumber(n: bigint): Promise<Hex | null> {
    if (n > this.height || n < 0n) return null;
    const raw = await this.level.get(heightKey(n));
    return raw === undefined ? null : (Buffer.from(raw).toString("utf8") as Hex);
  }

  async getBlockByNumber(n: bigint): Promise<Block | null> {
    if (n === this.height) return this.headBlock;
    const hash = await this.getHashByNumber(n);
    return hash === null ? null : this.getBlockByHash(hash);
  }

  async getReceipts(hash: Hex): Promise<StoredReceipt[]> {
    const key = hash.toLowerCase();
    const cached = this.receiptsCache.get(key);
    if (cached) return cached;
    const raw = await this.level.get(`r:${key}`);
    const receipts = raw === undefined ? [] : (JSON.parse(Buffer.from(raw).toString("utf8")) as StoredReceipt[]);
    this.receiptsCache.set(key, receipts);
    return receipts;
  }

  async getSignatures(hash: Hex): Promise<FinalitySignature[]> {
    const raw = await this.level.get(`s:${hash.toLowerCase()}`);
    return raw === undefined ? [] : (JSON.parse(Buffer.from(raw).toString("utf8")) as FinalitySignature[]);
  }

  async getTxLocation(txHash: Hex): Promise<{ block: Block; index: number; receipts: StoredReceipt[] } | null> {
    const raw = await this.level.get(`x:${txHash.toLowerCase()}`);
    if (raw === undefined) return null;
    const [hash, index] = JSON.parse(Buffer.from(raw).toString("utf8")) as [Hex, number];
    const block = await this.getBlockByHash(hash);
    if (block === null) return null;
    return { block, index, receipts: await this.getReceipts(hash) };
  }

  /** Decoded transaction objects cost a Common copy each; callers that only need hashes use the block's. */
  findTransaction(block: Block, hash: Hex): { tx: TypedTransaction; index: number } | null {
    const i = block.transactions.findIndex((t) => bytesToHex(t.hash()) === hash.toLowerCase());
    return i < 0 ? null : { tx: block.transactions[i]!, index: i };
  }

  async close(): Promise<void> {
    await this.commitQueue;
    await this.level.close();
  }
}

export { hexToBytes };
