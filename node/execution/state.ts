/**
 * The node's state manager: ethereumjs' MerkleStateManager with the trie writes batched and a flat view of the head.
 *
 * Writes. `MerkleStateManager.flush` puts each dirty account and slot into its trie one by one; every `put` re-hashes
 * and writes its whole path (a 2,000-transfer block wrote ~8,800 nodes for ~2,300 that survive). `NodeStateManager`
 * flushes the same cache entries, in the same way (code, then storage, then accounts — the quirks of ethereumjs' flush
 * included: storage of an account that no longer exists is dropped, a storage trie object cached for an address is
 * used over the account's storageRoot), but each trie gets its updates in one `applyTrieBatch` (storage/batchTrie.ts):
 * every touched node is encoded, hashed and written once. Reads of accounts, slots and code go to the database
 * directly (`trieGet`), not through the trie's checkpoint layer, which copied every node read during a block into the
 * block's write batch. With a head view (below), the caches are emptied after each complete flush, so a long-lived
 * block VM holds one block's entries, not every account it ever touched.
 *
 * Reads: the head view. `HeadState` holds accounts of exactly ONE state root — the committed head's — in a bounded LRU
 * (address → account RLP, or "absent"), and storage slots per contract keyed by the contract's storage root (a slot of
 * a given storage root never changes, so those entries need no head). A state manager consults it before any trie
 * walk when its own trie root is the view's root (storage: when the storage root matches), and adds what it walked.
 * The pool reads `headAccount(address)` from it.
 *
 * Blocks are executed speculatively (a proposal may be executed and never committed; another one at the same height
 * executed instead), so executing a block never changes the view. A state manager made with `recordDiffs: true` (the
 * executor's block VM) records, at each flush that changes the root, the diff it wrote — from-root, to-root, the
 * accounts and slots written — in the view's short list of pending diffs. When the chain commits a block it calls
 * `promote(stateRoot)`: the chain of pending diffs from the view's root to `stateRoot` is applied and the view moves
 * to `stateRoot`; when there is no such chain (the block was executed by a state manager that does not record, or its
 * diff was evicted), the view is emptied and moved to `stateRoot` (entries refill on read). Either way the view only
 * ever describes the committed head. `reset(root)` positions it explicitly (start-up).
 *
 *   const head = new HeadState(overlay, { hash: keccak256, root: headStateRoot });
 *   const sm = new NodeStateManager({ trie, common, head, recordDiffs: true });   // the block VM
 *   ... execute a block, getStateRoot() ...
 *   head.promote(block.header.stateRoot);                                          // on commit
 *   await head.headAccount("0x…")                                                  // { nonce, balance }
 */
import type { Common } from "@ethereumjs/common";
import type { MerklePatriciaTrie } from "@ethereumjs/mpt";
import { RLP } from "@ethereumjs/rlp";
import { CODEHASH_PREFIX, Caches, MerkleStateManager } from "@ethereumjs/statemanager";
import { Account, Address, EthereumJSErrorWithoutCode, ValueEncoding, bytesToBigInt, concatBytes, createAccountFromRLP, type BatchDBOp } from "@ethereumjs/util";
import { LuniverseError } from "../../lib/errors";
import { applyTrieBatch, emptyTrieRoot, hexKey, trieGet, type TrieNodeStore, type TrieUpdate } from "../storage/batchTrie";
import { keccak256 } from "./common";

type Hash = (data: Uint8Array) => Uint8Array;

/** What one flush changed: the account trie from `from` to `to`, and each written storage trie. */
export interface StateDiff {
  from: string;
  to: string;
  /** address (unprefixed hex) → account RLP, or null when deleted */
  accounts: Map<string, Uint8Array | null>;
  /** address (unprefixed hex) → its storage trie's change, slot (unprefixed hex of the unhashed key) → RLP value or null */
  storage: Map<string, { from: string; to: string; slots: Map<string, Uint8Array | null> }>;
}

export interface HeadStateOptions {
  /** keccak-256 of the tries (the chain's Common's). */
  hash?: Hash;
  /** The state root the view starts at (the committed head's); default the empty trie. */
  root?: Uint8Array;
  /** Accounts kept (LRU). Default 300,000 (~100 MB at worst). */
  maxAccounts?: number;
  /** Storage slots kept, over all contracts (LRU by contract). Default 300,000. */
  maxSlots?: number;
  /** Diffs of executed, not yet committed blocks kept for `promote`. Default 8. */
  maxPendingDiffs?: number;
}

export interface HeadAccount {
  nonce: bigint;
  balance: bigint;
}

/** Nonce and balance decoded once per account RLP held by a view (the pool asks for the same senders again and again). */
const headAccounts = new WeakMap<Uint8Array, HeadAccount>();
const ABSENT: HeadAccount = Object.freeze({ nonce: 0n, balance: 0n });

interface SlotRecord {
  root: string;
  slots: Map<string, Uint8Array | null>;
}

/** The flat view of the committed head state (see the file header). */
export class HeadState {
  readonly hash: Hash;
  readonly emptyRoot: Uint8Array;
  private readonly maxAccounts: number;
  private readonly maxSlots: number;
  private readonly maxPending: number;
  private rootBytes: Uint8Array;
  private rootHex: string;
  private accounts = new Map<string, Uint8Array | null>();
  private storage = new Map<string, SlotRecord>();
  private slotCount = 0;
  private pending = new Map<string, StateDiff>();
  /** Figures for logs and tests. */
  readonly stats = { accountHits: 0, accountMisses: 0, slotHits: 0, slotMisses: 0, promoted: 0, resets: 0 };

  constructor(
    readonly store: TrieNodeStore,
    opts: HeadStateOptions = {},
  ) {
    this.hash = opts.hash ?? keccak256;
    this.emptyRoot = emptyTrieRoot(this.hash);
    this.maxAccounts = opts.maxAccounts ?? 300_000;
    this.maxSlots = opts.maxSlots ?? 300_000;
    this.maxPending = opts.maxPendingDiffs ?? 8;
    this.rootBytes = opts.root ?? this.emptyRoot;
    this.rootHex = hexKey(this.rootBytes);
  }

  /** The state root the view describes. */
  get root(): Uint8Array {
    return this.rootBytes;
  }

  /** Moves the view to `root`, forgetting its accounts (start-up, or a head that did not come from a recorded diff). */
  reset(root: Uint8Array): void {
    this.rootBytes = root;
    this.rootHex = hexKey(root);
    this.accounts.clear();
    this.stats.resets++;
  }

  /**
   * The chain committed a block with state root `root`: the view moves there, through the recorded diffs when they lead
   * there from the view's root (returns true), else by `reset` (returns false).
   */
  promote(root: Uint8Array): boolean {
    const to = hexKey(root);
    if (to === this.rootHex) return true;
    const path: StateDiff[] = [];
    let at = to;
    while (at !== this.rootHex && path.length <= this.pending.size) {
      const d = this.pending.get(at);
      if (d === undefined) break;
      path.push(d);
      at = d.from;
    }
    if (at !== this.rootHex) {
      this.pending.clear();
      this.reset(root);
      return false;
    }
    for (let i = path.length - 1; i >= 0; i--) this.apply(path[i]!);
    this.rootBytes = root;
    this.rootHex = to;
    // diffs from other roots (siblings of the committed block, older heads) can never be promoted now
    for (const [k, d] of this.pending) if (d.from !== to) this.pending.delete(k);
    this.stats.promoted++;
    return true;
  }

  private apply(d: StateDiff): void {
    for (const [addr, rlp] of d.accounts) this.setAccount(addr, rlp);
    for (const [addr, s] of d.storage) {
      const rec = this.storage.get(addr);
      if (rec !== undefined && rec.root === s.from) {
        for (const [slot, v] of s.slots) {
          if (!rec.slots.has(slot)) this.slotCount++;
          rec.slots.set(slot, v);
        }
        rec.root = s.to;
        this.touchRecord(addr, rec);
      } else {
        if (rec !== undefined) this.dropRecord(addr, rec);
        this.storage.set(addr, { root: s.to, slots: new Map(s.slots) });
        this.slotCount += s.slots.size;
      }
    }
    this.evictSlots();
  }

  /** Records what a flush wrote (state managers with `recordDiffs`). */
  record(diff: StateDiff): void {
    if (diff.from === diff.to) return;
    this.pending.delete(diff.to);
    this.pending.set(diff.to, diff);
    while (this.pending.size > this.maxPending) this.pending.delete(this.pending.keys().next().value as string);
  }

  /** The account RLP (null: absent) of `address` at `rootHex` if the view knows it; undefined otherwise. */
  account(rootHex: string, addressHex: string): Uint8Array | null | undefined {
    if (rootHex !== this.rootHex) return undefined;
    const v = this.accounts.get(addressHex);
    if (v === undefined) {
      this.stats.accountMisses++;
      return undefined;
    }
    this.stats.accountHits++;
    this.accounts.delete(addressHex);
    this.accounts.set(addressHex, v);
    return v;
  }

  /** Adds an account read from the trie at `rootHex` (ignored unless that is the view's root). */
  rememberAccount(rootHex: string, addressHex: string, rlp: Uint8Array | null): void {
    if (rootHex === this.rootHex) this.setAccount(addressHex, rlp);
  }

  private setAccount(addressHex: string, rlp: Uint8Array | null): void {
    this.accounts.delete(addressHex);
    this.accounts.set(addressHex, rlp);
    if (this.accounts.size > this.maxAccounts) this.accounts.delete(this.accounts.keys().next().value as string);
  }

  /** The RLP value (null: empty) of `slotHex` in `addressHex`'s storage trie of root `storageRootHex`, if known. */
  slot(addressHex: string, storageRootHex: string, slotHex: string): Uint8Array | null | undefined {
    const rec = this.storage.get(addressHex);
    if (rec === undefined || rec.root !== storageRootHex) {
      this.stats.slotMisses++;
      return undefined;
    }
    const v = rec.slots.get(slotHex);
    if (v === undefined) this.stats.slotMisses++;
    else this.stats.slotHits++;
    this.touchRecord(addressHex, rec);
    return v;
  }

  /**
   * Adds a slot read from the storage trie of root `storageRootHex`. A contract's record holds one storage root: a read
   * at another root replaces it only when made `atHead` (by a state manager positioned at the view's root) or when the
   * record is empty — speculative reads never push out the head's entries.
   */
  rememberSlot(addressHex: string, storageRootHex: string, slotHex: string, value: Uint8Array | null, atHead: boolean): void {
    let rec = this.storage.get(addressHex);
    if (rec !== undefined && rec.root !== storageRootHex) {
      if (!atHead && rec.slots.size > 0) return;
      this.dropRecord(addressHex, rec);
      rec = undefined;
    }
    if (rec === undefined) {
      rec = { root: storageRootHex, slots: new Map() };
      this.storage.set(addressHex, rec);
    }
    if (!rec.slots.has(slotHex)) this.slotCount++;
    rec.slots.set(slotHex, value);
    this.evictSlots();
  }

  /** Whether the view describes the state root `rootHex` (unprefixed hex). */
  isAt(rootHex: string): boolean {
    return rootHex === this.rootHex;
  }

  private touchRecord(addressHex: string, rec: SlotRecord): void {
    this.storage.delete(addressHex);
    this.storage.set(addressHex, rec);
  }

  private dropRecord(addressHex: string, rec: SlotRecord): void {
    this.storage.delete(addressHex);
    this.slotCount -= rec.slots.size;
  }

  private evictSlots(): void {
    while (this.slotCount > this.maxSlots && this.storage.size > 0) {
      const [addr, rec] = this.storage.entries().next().value as [string, SlotRecord];
      this.dropRecord(addr, rec);
    }
  }

  /** Nonce and balance of `address` in the committed head state (0, 0 for an absent account). */
  async headAccount(address: string | Uint8Array): Promise<HeadAccount> {
    const bytes = typeof address === "string" ? Uint8Array.from(Buffer.from(address.replace(/^0x/i, ""), "hex")) : address;
    const addressHex = hexKey(bytes);
    const root = this.rootBytes;
    const rootHex = this.rootHex;
    let rlp = this.account(rootHex, addressHex);
    if (rlp === undefined) {
      rlp = await trieGet(this.store, root, this.hash(bytes), this.emptyRoot);
      this.rememberAccount(rootHex, addressHex, rlp);
    }
    if (rlp === null) return ABSENT;
    let decoded = headAccounts.get(rlp);
    if (decoded === undefined) {
      const fields = RLP.decode(rlp) as Uint8Array[];
      decoded = Object.freeze({ nonce: bytesToBigInt(fields[0]!), balance: bytesToBigInt(fields[1]!) });
      headAccounts.set(rlp, decoded);
    }
    return decoded;
  }

  /** Sizes, for logs and tests. */
  get size(): { accounts: number; contracts: number; slots: number; pendingDiffs: number } {
    return { accounts: this.accounts.size, contracts: this.storage.size, slots: this.slotCount, pendingDiffs: this.pending.size };
  }
}

/** An account as `AccountCache.put` reads it (`serialize()` only), for RLP already at hand. */
function storedAs(rlp: Uint8Array): Account {
  return { serialize: () => rlp } as unknown as Account;
}

/** The trie given to NodeStateManager is not one it can batch-write (STATE_TRIE_UNSUPPORTED). */
export class StateManagerError extends LuniverseError<"STATE_TRIE_UNSUPPORTED"> {
  override name = "StateManagerError";
}

export interface NodeStateManagerOptions {
  /** The secure account trie over the node's database (useKeyHashing, ValueEncoding.Bytes, no key prefix). */
  trie: MerklePatriciaTrie;
  common: Common;
  /** The state manager's caches (default: ethereumjs' defaults); they hold one block's changes until flushed. */
  caches?: Caches;
  /** The head view to read from (and to record diffs into); without one, reads walk the tries. */
  head?: HeadState;
  /** Record each flush's diff in `head` so the chain's commit can `promote` it (the executor's block VM only). */
  recordDiffs?: boolean;
}

/** MerkleStateManager whose flush writes each trie in one batch and whose reads consult the head view (file header). */
export class NodeStateManager extends MerkleStateManager {
  readonly head: HeadState | undefined;
  private readonly store: TrieNodeStore;
  private readonly hashFn: Hash;
  private readonly emptyRoot: Uint8Array;
  private readonly recordDiffs: boolean;
  private rootMemo: { bytes: Uint8Array; hex: string } = { bytes: new Uint8Array(0), hex: "" };
  /** Trie nodes this state manager wrote (all flushes). */
  nodesWritten = 0;

  constructor(opts: NodeStateManagerOptions) {
    const caches = opts.caches ?? new Caches();
    super({ trie: opts.trie, common: opts.common, caches });
    // without a cache of each kind, ethereumjs writes through the trie's checkpoint layer, which reads here bypass
    if (caches.account === undefined || caches.storage === undefined || caches.code === undefined) {
      throw new StateManagerError("STATE_TRIE_UNSUPPORTED", "NodeStateManager needs account, storage and code caches (sizes above 0)");
    }
    const trieOpts = (opts.trie as unknown as { _opts: { useKeyHashing: boolean; keyPrefix?: Uint8Array } })._opts;
    const db = opts.trie.database() as unknown as { db: TrieNodeStore; valueEncoding: ValueEncoding };
    if (!trieOpts.useKeyHashing || trieOpts.keyPrefix !== undefined || db.valueEncoding !== ValueEncoding.Bytes) {
      throw new StateManagerError("STATE_TRIE_UNSUPPORTED", "NodeStateManager needs a secure trie (useKeyHashing) with ValueEncoding.Bytes and no key prefix", {
        hint: "build the trie as Executor.stateAt does",
      });
    }
    this.store = db.db;
    this.hashFn = opts.common.customCrypto.keccak256 ?? keccak256;
    this.emptyRoot = emptyTrieRoot(this.hashFn);
    this.head = opts.head;
    this.recordDiffs = opts.recordDiffs === true && opts.head !== undefined;
  }

  private hexOf(root: Uint8Array): string {
    if (this.rootMemo.bytes !== root) this.rootMemo = { bytes: root, hex: hexKey(root) };
    return this.rootMemo.hex;
  }

  override async getAccount(address: Address): Promise<Account | undefined> {
    const elem = this._caches?.account?.get(address);
    if (elem !== undefined) return elem.accountRLP !== undefined ? createAccountFromRLP(elem.accountRLP) : undefined;
    const root = this._trie.root();
    const rootHex = this.hexOf(root);
    const addressHex = hexKey(address.bytes);
    let rlp = this.head?.account(rootHex, addressHex);
    if (rlp === undefined) {
      rlp = await trieGet(this.store, root, this.hashFn(address.bytes), this.emptyRoot);
      this.head?.rememberAccount(rootHex, addressHex, rlp);
    }
    const account = rlp !== null ? createAccountFromRLP(rlp) : undefined;
    // the cache keeps `account.serialize()`: the bytes just read are exactly that (the trie holds canonical RLP), so
    // they are handed over instead of encoding the account again
    this._caches?.account?.put(address, rlp !== null ? storedAs(rlp) : undefined);
    return account;
  }

  override async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    if (key.length !== 32) throw EthereumJSErrorWithoutCode("Storage key must be 32 bytes long");
    const cached = this._caches?.storage?.get(address, key);
    if (cached !== undefined) return RLP.decode(cached) as Uint8Array;
    const account = await this.getAccount(address);
    if (!account) return new Uint8Array();
    // ethereumjs reads through the storage trie object cached for the address (its root can differ from the account's)
    const storageRoot = this._getStorageTrie(address, account).root();
    const rootHex = hexKey(storageRoot);
    const addressHex = hexKey(address.bytes);
    const slotHex = hexKey(key);
    let value = this.head?.slot(addressHex, rootHex, slotHex);
    if (value === undefined) {
      value = await trieGet(this.store, storageRoot, this.hashFn(key), this.emptyRoot);
      this.head?.rememberSlot(addressHex, rootHex, slotHex, value, this.head.isAt(this.hexOf(this._trie.root())));
    }
    this._caches?.storage?.put(address, key, value ?? Uint8Array.of(0x80));
    return RLP.decode(value ?? new Uint8Array(0)) as Uint8Array;
  }

  override async getCode(address: Address): Promise<Uint8Array> {
    const elem = this._caches?.code?.get(address);
    if (elem !== undefined) return elem.code ?? new Uint8Array(0);
    const account = await this.getAccount(address);
    if (!account || !account.isContract()) return new Uint8Array(0);
    const key = this._prefixCodeHashes ? concatBytes(CODEHASH_PREFIX, account.codeHash) : account.codeHash;
    const v = await this.store.get(hexKey(key));
    const code = v === undefined ? new Uint8Array(0) : typeof v === "string" ? Uint8Array.from(Buffer.from(v, "hex")) : v;
    this._caches?.code?.put(address, code);
    return code;
  }

  /** ethereumjs' flush, each trie written in one batch (see the file header). */
  override async flush(): Promise<void> {
    const caches = this._caches;
    if (caches === undefined) return;
    const codeOps: BatchDBOp<string, Uint8Array>[] = [];
    for (const [addressHex, elem] of caches.code?.flush() ?? []) {
      const code = elem.code;
      if (code === undefined) continue;
      const codeHash = this.hashFn(code);
      const key = this._prefixCodeHashes ? concatBytes(CODEHASH_PREFIX, codeHash) : codeHash;
      codeOps.push({ type: "put", key: hexKey(key), value: code });
      const address = addressOf(addressHex);
      if ((await this.getAccount(address)) === undefined) await this.putAccount(address, new Account());
      await this.modifyAccountFields(address, { codeHash });
    }
    if (codeOps.length > 0) await this.store.batch(codeOps);

    const bySlot = new Map<string, [string, Uint8Array | undefined][]>();
    for (const [addressHex, slotHex, value] of caches.storage?.flush() ?? []) {
      let list = bySlot.get(addressHex);
      if (list === undefined) bySlot.set(addressHex, (list = []));
      list.push([slotHex, value]);
    }
    const diff: StateDiff | null = this.recordDiffs ? { from: "", to: "", accounts: new Map(), storage: new Map() } : null;
    for (const [addressHex, items] of bySlot) {
      const address = addressOf(addressHex);
      const account = await this.getAccount(address);
      if (!account) continue; // ethereumjs drops storage writes of an account that no longer exists
      const trie = this._getStorageTrie(address, account);
      const from = trie.root();
      const updates: TrieUpdate[] = [];
      const slots = new Map<string, Uint8Array | null>();
      for (const [slotHex, value] of items) {
        const decoded = RLP.decode(value ?? new Uint8Array(0)) as Uint8Array;
        const encoded = decoded instanceof Uint8Array && decoded.length > 0 ? RLP.encode(decoded) : null;
        updates.push({ key: this.hashFn(Uint8Array.from(Buffer.from(slotHex, "hex"))), value: encoded });
        slots.set(slotHex, encoded);
      }
      const { root, written } = await applyTrieBatch(this.store, from, updates, { hash: this.hashFn });
      this.nodesWritten += written;
      trie.root(root);
      account.storageRoot = root;
      await this.putAccount(address, account);
      diff?.storage.set(addressHex, { from: hexKey(from), to: hexKey(root), slots });
    }

    const accountItems = caches.account?.flush() ?? [];
    if (accountItems.length > 0) {
      const from = this._trie.root();
      const updates: TrieUpdate[] = [];
      for (const [addressHex, elem] of accountItems) {
        const rlp = elem.accountRLP ?? null;
        updates.push({ key: this.hashFn(Uint8Array.from(Buffer.from(addressHex, "hex"))), value: rlp });
        diff?.accounts.set(addressHex, rlp);
      }
      const { root, written } = await applyTrieBatch(this.store, from, updates, { hash: this.hashFn });
      this.nodesWritten += written;
      this._trie.root(root);
      if (diff !== null) {
        diff.from = hexKey(from);
        diff.to = hexKey(root);
        this.head!.record(diff);
      }
    }
    // every change is in the tries now; the head view serves reads, so the caches need not grow with every block
    if (this.head !== undefined && this._checkpointCount === 0) caches.clear();
  }

  override shallowCopy(downlevelCaches = true): NodeStateManager {
    return new NodeStateManager({
      trie: this._trie.shallowCopy(false, { cacheSize: 0 }),
      common: this.common,
      caches: this._caches?.shallowCopy(downlevelCaches),
      head: this.head,
    });
  }
}

function addressOf(unprefixedHex: string): Address {
  return new Address(Uint8Array.from(Buffer.from(unprefixedHex, "hex")));
}
