/**
 * The transaction pool: signed transactions waiting for a block.
 *
 * Per sender, the transactions whose nonces run without a gap from the account's nonce in the head state are
 * *pending* (executable in that order); the others are *queued* until the gap closes. The proposer takes
 * `pending()`: senders interleaved by the price the validator receives (highest first, ties by arrival), each
 * sender's transactions always in nonce order.
 *
 * The pool caches each sender's nonce and balance from the head state. The cache is refreshed whenever the sender
 * submits a transaction and, after a block, for the senders of that block's transactions (`onNewBlock`), which are
 * the only accounts whose nonce can rise or whose balance can fall; other senders are not re-read (lazy).
 *
 * Decoding is the caller's: the pool receives ethereumjs transactions built with the chain's Common (makeCommon).
 */
import { EventEmitter } from "node:events";
import { Capability, type TypedTransaction } from "@ethereumjs/tx";
import { bytesToHex, type PrefixedHexString as Hex } from "@ethereumjs/util";
import type { NodeConfig } from "../config";
import "../execution/txMemo";
import { Heap } from "./heap";
import { PoolError } from "./errors";

export { PoolError, type PoolErrorCode, type PoolErrorReason } from "./errors";

export interface PoolAccount {
  nonce: bigint;
  balance: bigint;
}

/** Reads an account from the head state (address: 0x-prefixed, lower case). */
export type GetAccount = (address: string) => Promise<PoolAccount>;

export interface PoolStateReader {
  getAccount: GetAccount;
}

/** Why an admission hook refused a transaction: the JSON-RPC error's message and data. */
export interface AdmissionRefusal {
  message: string;
  data?: unknown;
}

/**
 * Extra admission rule, consulted last (after every local check passed): returns the reason to refuse, or null.
 * A gas-free chain plugs in its gas policy here (node/gasfree/).
 */
export type AdmissionHook = (tx: TypedTransaction, sender: Hex) => Promise<string | AdmissionRefusal | null> | string | AdmissionRefusal | null;

export interface TxPoolOptions {
  chainId: bigint;
  /** Most transactions in the pool (pending + queued). */
  maxSize: number;
  /** Most transactions of one sender (pending + queued). */
  maxPerSender: number;
  /** A replacement must raise both the fee cap and the tip by at least this many percent. */
  priceBumpPercent: number;
  /** Lowest effective gas price admitted (wei); not applied in gas-free mode. */
  minGasPrice: bigint;
  blockGasLimit: bigint | number;
  gasFree: {
    enabled: boolean;
    /** Admissions per sender in any 60-second window. */
    maxTxPerSenderPerMinute: number;
    /** Lowest effective gas price in gas-free mode (default 0). */
    minGasPrice?: bigint;
  };
  /** Largest serialized transaction (bytes; default 128 KiB, geth's limit). */
  maxTxBytes?: number;
  /** The head block's base fee (default 0); updated by onNewBlock. */
  baseFee?: bigint;
  /** Clock in ms (tests). */
  now?: () => number;
}

export interface OnNewBlockOptions {
  /**
   * Senders of the block's transactions. Pass them when the block may hold transactions the pool never saw (a
   * block from another proposer); the senders of included transactions that were in the pool are known anyway.
   */
  senders?: Iterable<string>;
  /** The new head's base fee. */
  baseFee?: bigint;
}

export interface OnNewBlockResult {
  /** Included transactions removed from the pool. */
  included: number;
  /** Transactions dropped because their nonce was used or their sender can no longer pay for them. */
  dropped: number;
}

export interface PoolStats {
  pending: number;
  queued: number;
}

export interface PoolContent {
  pending: Map<Hex, TypedTransaction[]>;
  queued: Map<Hex, TypedTransaction[]>;
}

interface Entry {
  tx: TypedTransaction;
  hash: Hex;
  sender: Hex;
  nonce: bigint;
  gasLimit: bigint;
  /** gasPrice, or maxFeePerGas. */
  feeCap: bigint;
  /** gasPrice, or maxPriorityFeePerGas. */
  tipCap: bigint;
  /** gasLimit * feeCap + value. */
  cost: bigint;
  /** Arrival order. */
  seq: number;
}

interface Account {
  address: Hex;
  /** Nonce in the head state (as last read; never decreases). */
  stateNonce: bigint;
  balance: bigint;
  byNonce: Map<bigint, Entry>;
  /** The nonces in byNonce, ascending. */
  nonces: bigint[];
  /** How many transactions run without a gap from stateNonce. */
  pendingCount: number;
  /** The gas limits of its pooled transactions together (a gas-free chain's quota counts them). */
  gas: bigint;
  /** Bumped at every change; eviction-heap nodes of an older version are stale. */
  version: number;
}

/** An account's last transaction as an eviction candidate, valid while the account's version is unchanged. */
interface EvictionNode {
  acc: Account;
  version: number;
  key: EvictionKey;
  entry: Entry;
}

interface Cursor {
  account: Account;
  index: number;
  entry: Entry;
  price: bigint;
}

const RATE_WINDOW_MS = 60_000;
const TX_MIN_GAS = 21_000n;

/** Pool options from the node's configuration and the chain's (genesis) block gas limit. */
export function txPoolOptionsFromConfig(config: NodeConfig, genesisGasLimit: bigint): TxPoolOptions {
  const configured = config.consensus.blockGasLimit === null ? null : BigInt(config.consensus.blockGasLimit);
  return {
    chainId: config.chainId,
    maxSize: config.pool.maxSize,
    maxPerSender: config.pool.maxPerSender,
    priceBumpPercent: config.pool.priceBumpPercent,
    minGasPrice: config.pool.minGasPrice,
    maxTxBytes: config.pool.maxTxBytes,
    blockGasLimit: configured !== null && configured < genesisGasLimit ? configured : genesisGasLimit,
    gasFree: {
      enabled: config.gasFree.enabled,
      maxTxPerSenderPerMinute: config.gasFree.maxTxPerSenderPerMinute,
      minGasPrice: config.gasFree.minGasPrice,
    },
  };
}

function lowerIndex(sorted: bigint[], value: bigint): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * An upper bound of the serialized size, so that the common small transaction is not encoded only to be measured:
 * the fixed fields take < 300 bytes, an access-list entry < 40 bytes plus 34 per storage key.
 */
function sizeBound(tx: TypedTransaction): number {
  let n = tx.data.length + 400;
  if ("accessList" in tx) for (const item of tx.accessList) n += 40 + 34 * item[1].length;
  return n;
}

/** The chain id a transaction is bound to, or null for a pre-EIP-155 legacy transaction. */
function txChainId(tx: TypedTransaction): bigint | null {
  if ("chainId" in tx && typeof tx.chainId === "bigint") return tx.chainId;
  const v = tx.v;
  if (v === undefined || v === 27n || v === 28n) return null;
  return (v - 35n) >> 1n;
}

/**
 * Events: "added" (tx: TypedTransaction, hash: Hex) after a transaction is admitted (the node gossips it).
 */
export class TxPool extends EventEmitter {
  private readonly byHash = new Map<Hex, Entry>();
  private readonly accounts = new Map<Hex, Account>();
  private readonly admissions = new Map<Hex, number[]>();
  /** Each account's last transaction, worst to keep first (lazy: stale nodes are skipped and compacted away). */
  private evictions = new Heap<EvictionNode>((a, b) => worseToKeep(a.key, b.key));
  private pendingTotal = 0;
  private seq = 0;
  private baseFee: bigint;
  private readonly blockGasLimit: bigint;
  private readonly maxTxBytes: number;
  private readonly now: () => number;

  constructor(
    private readonly options: TxPoolOptions,
    private readonly state: PoolStateReader,
    private admit?: AdmissionHook,
  ) {
    super();
    this.baseFee = options.baseFee ?? 0n;
    this.blockGasLimit = BigInt(options.blockGasLimit);
    this.maxTxBytes = options.maxTxBytes ?? 128 * 1024;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.byHash.size;
  }

  /** Plugs in (or replaces) the extra admission rule, consulted last. */
  setAdmissionHook(hook: AdmissionHook | undefined): void {
    this.admit = hook;
  }

  stats(): PoolStats {
    return { pending: this.pendingTotal, queued: this.byHash.size - this.pendingTotal };
  }

  has(hash: string): boolean {
    return this.byHash.has(hash.toLowerCase() as Hex);
  }

  get(hash: string): TypedTransaction | undefined {
    return this.byHash.get(hash.toLowerCase() as Hex)?.tx;
  }

  /** The sender of a pooled transaction. */
  senderOf(hash: string): Hex | undefined {
    return this.byHash.get(hash.toLowerCase() as Hex)?.sender;
  }

  /** Every transaction (pending and queued), per sender in nonce order: what a peer needs to catch up. */
  all(): TypedTransaction[] {
    const out: TypedTransaction[] = [];
    for (const acc of this.accounts.values()) for (const n of acc.nonces) out.push((acc.byNonce.get(n) as Entry).tx);
    return out;
  }

  /** Pending and queued transactions per sender, in nonce order (txpool_content). */
  content(): PoolContent {
    const pending = new Map<Hex, TypedTransaction[]>();
    const queued = new Map<Hex, TypedTransaction[]>();
    for (const acc of this.accounts.values()) {
      const txs = acc.nonces.map((n) => (acc.byNonce.get(n) as Entry).tx);
      if (acc.pendingCount > 0) pending.set(acc.address, txs.slice(0, acc.pendingCount));
      if (acc.pendingCount < txs.length) queued.set(acc.address, txs.slice(acc.pendingCount));
    }
    return { pending, queued };
  }

  /** The next nonce to use for `address`: its state nonce plus its pending transactions. */
  async pendingNonce(address: string): Promise<bigint> {
    const key = address.toLowerCase() as Hex;
    const account = await this.state.getAccount(key);
    const acc = this.accounts.get(key);
    if (acc === undefined) return account.nonce;
    this.refresh(acc, account);
    return acc.stateNonce + BigInt(acc.pendingCount);
  }

  /** The base fee the pool prices against (the head's). */
  setBaseFee(baseFee: bigint): void {
    if (baseFee === this.baseFee) return;
    this.baseFee = baseFee;
    this.rebuildEvictions();
  }

  /** The price the validator receives per gas: min(feeCap - baseFee, tipCap); negative = not includable now. */
  private priceOf(e: Entry): bigint {
    const headroom = e.feeCap - this.baseFee;
    return headroom < e.tipCap ? headroom : e.tipCap;
  }

  /**
   * Admits a signed transaction, or throws PoolError saying why not. Returns its hash.
   */
  async add(tx: TypedTransaction): Promise<Hex> {
    const o = this.options;
    if (tx.type !== 0 && tx.type !== 1 && tx.type !== 2) {
      throw new PoolError("TX_TYPE_NOT_SUPPORTED", "transaction type not supported");
    }
    if (!tx.isSigned()) throw new PoolError("INVALID_SIGNATURE", "invalid sender signature");
    const hash = bytesToHex(tx.hash()) as Hex;
    if (this.byHash.has(hash)) throw new PoolError("ALREADY_KNOWN", "already known");
    const size = sizeBound(tx) <= this.maxTxBytes ? 0 : tx.serialize().length;
    if (size > this.maxTxBytes) throw new PoolError("OVERSIZED_DATA", `oversized data: transaction size ${size}, limit ${this.maxTxBytes}`);
    const chainId = txChainId(tx);
    if (chainId !== null && chainId !== o.chainId) {
      throw new PoolError("INVALID_CHAIN_ID", `invalid chain id: have ${chainId}, want ${o.chainId}`);
    }
    let sender: Hex;
    try {
      // memoised per transaction object with the native keccak (execution/txMemo.ts): the executor reuses it
      sender = tx.getSenderAddress().toString() as Hex;
    } catch {
      throw new PoolError("INVALID_SIGNATURE", "invalid sender signature");
    }
    if (tx.gasLimit > this.blockGasLimit) throw new PoolError("GAS_LIMIT_EXCEEDED", "exceeds block gas limit");
    const intrinsic = tx.getIntrinsicGas();
    if (tx.gasLimit < intrinsic) {
      throw new PoolError("INTRINSIC_GAS_TOO_LOW", `intrinsic gas too low: have ${tx.gasLimit}, want ${intrinsic}`);
    }
    const eip1559 = tx.supports(Capability.EIP1559FeeMarket);
    const feeCap = eip1559 ? (tx as TypedTransaction & { maxFeePerGas: bigint }).maxFeePerGas : (tx as TypedTransaction & { gasPrice: bigint }).gasPrice;
    const tipCap = eip1559 ? (tx as TypedTransaction & { maxPriorityFeePerGas: bigint }).maxPriorityFeePerGas : feeCap;
    const entry: Entry = {
      tx,
      hash,
      sender,
      nonce: tx.nonce,
      gasLimit: tx.gasLimit,
      feeCap,
      tipCap,
      cost: tx.gasLimit * feeCap + tx.value,
      seq: 0,
    };
    const gasFree = o.gasFree.enabled;
    const minPrice = gasFree ? (o.gasFree.minGasPrice ?? 0n) : o.minGasPrice;
    const price = this.priceOf(entry) + this.baseFee;
    if (price < minPrice) {
      throw new PoolError("UNDERPRICED", `transaction underpriced: gas price ${price} < minimum ${minPrice}`);
    }
    if (gasFree) this.checkRate(sender);

    const account = await this.state.getAccount(sender);
    const known = this.accounts.get(sender);
    const stateNonce = known !== undefined && known.stateNonce > account.nonce ? known.stateNonce : account.nonce;
    this.checkState(entry, stateNonce, account.balance);
    if (this.admit !== undefined) {
      const answer = this.admit(tx, sender);
      const refusal = answer instanceof Promise ? await answer : answer; // a hook answering from its cache costs no await
      if (typeof refusal === "string") throw new PoolError("ADMISSION_REJECTED", refusal);
      if (refusal !== null) throw new PoolError("ADMISSION_REJECTED", refusal.message, refusal.data);
    }

    // Everything below is synchronous: no other add() or onNewBlock() interleaves with it.
    if (this.byHash.has(hash)) throw new PoolError("ALREADY_KNOWN", "already known");
    let acc = this.accounts.get(sender);
    if (acc === undefined) {
      acc = { address: sender, stateNonce: account.nonce, balance: account.balance, byNonce: new Map(), nonces: [], pendingCount: 0, gas: 0n, version: 0 };
      this.accounts.set(sender, acc);
    } else {
      this.refresh(acc, account);
    }
    try {
      this.checkState(entry, acc.stateNonce, account.balance);
      const old = acc.byNonce.get(entry.nonce);
      if (old !== undefined) this.checkReplacement(old, entry);
      else {
        if (acc.byNonce.size >= o.maxPerSender) {
          throw new PoolError("SENDER_LIMIT", `too many transactions from sender (limit ${o.maxPerSender})`);
        }
      }
      if (gasFree) this.checkRate(sender);
      if (old === undefined && this.byHash.size >= o.maxSize) this.makeRoom(acc, entry);
    } catch (e) {
      if (acc.byNonce.size === 0) this.accounts.delete(sender);
      throw e;
    }

    entry.seq = this.seq++;
    const old = acc.byNonce.get(entry.nonce);
    if (old !== undefined) {
      this.byHash.delete(old.hash);
      acc.byNonce.set(entry.nonce, entry);
      acc.gas += entry.gasLimit - old.gasLimit;
      this.touch(acc);
    } else {
      acc.byNonce.set(entry.nonce, entry);
      acc.gas += entry.gasLimit;
      acc.nonces.splice(lowerIndex(acc.nonces, entry.nonce), 0, entry.nonce);
      this.extend(acc);
    }
    this.byHash.set(hash, entry);
    if (gasFree) this.recordAdmission(sender);
    this.emit("added", tx, hash);
    return hash;
  }

  private checkState(entry: Entry, stateNonce: bigint, balance: bigint): void {
    if (entry.nonce < stateNonce) {
      throw new PoolError("NONCE_TOO_LOW", `nonce too low: next nonce ${stateNonce}, tx nonce ${entry.nonce}`);
    }
    if (balance < entry.cost) {
      throw new PoolError("INSUFFICIENT_FUNDS", `insufficient funds for gas * price + value: balance ${balance}, tx cost ${entry.cost}`);
    }
  }

  private checkReplacement(old: Entry, entry: Entry): void {
    const bump = BigInt(100 + this.options.priceBumpPercent);
    const minFee = (old.feeCap * bump) / 100n;
    const minTip = (old.tipCap * bump) / 100n;
    if (entry.feeCap <= old.feeCap || entry.tipCap <= old.tipCap || entry.feeCap < minFee || entry.tipCap < minTip) {
      throw new PoolError("REPLACEMENT_UNDERPRICED", "replacement transaction underpriced");
    }
  }

  private checkRate(sender: Hex): void {
    const limit = this.options.gasFree.maxTxPerSenderPerMinute;
    const times = this.admissions.get(sender);
    if (times === undefined) return;
    const since = this.now() - RATE_WINDOW_MS;
    let drop = 0;
    while (drop < times.length && times[drop] <= since) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length >= limit) {
      throw new PoolError("RATE_LIMITED", `rate limit exceeded: at most ${limit} transactions per minute per sender`);
    }
  }

  private recordAdmission(sender: Hex): void {
    const times = this.admissions.get(sender);
    if (times === undefined) this.admissions.set(sender, [this.now()]);
    else times.push(this.now());
  }

  /** Takes a fresher account reading: the nonce never goes back; drops what the new nonce made stale. */
  private refresh(acc: Account, account: PoolAccount): number {
    if (account.nonce < acc.stateNonce) return 0;
    acc.balance = account.balance;
    if (account.nonce === acc.stateNonce) return 0;
    acc.stateNonce = account.nonce;
    let dropped = 0;
    while (acc.nonces.length > 0 && acc.nonces[0] < acc.stateNonce) {
      const n = acc.nonces.shift() as bigint;
      const e = acc.byNonce.get(n) as Entry;
      acc.byNonce.delete(n);
      acc.gas -= e.gasLimit;
      this.byHash.delete(e.hash);
      dropped++;
    }
    this.recount(acc);
    return dropped;
  }

  /** Recomputes the gap-free run from stateNonce. */
  private recount(acc: Account): void {
    let n = 0;
    let k = acc.stateNonce;
    while (acc.byNonce.has(k)) {
      n++;
      k++;
    }
    this.pendingTotal += n - acc.pendingCount;
    acc.pendingCount = n;
    this.touch(acc);
  }

  /** Extends the gap-free run after an insertion (the run before it is intact). */
  private extend(acc: Account): void {
    let n = acc.pendingCount;
    let k = acc.stateNonce + BigInt(n);
    while (acc.byNonce.has(k)) {
      n++;
      k++;
    }
    this.pendingTotal += n - acc.pendingCount;
    acc.pendingCount = n;
    this.touch(acc);
  }

  private removeEntry(acc: Account, e: Entry): void {
    if (acc.byNonce.get(e.nonce) === e) {
      acc.byNonce.delete(e.nonce);
      acc.gas -= e.gasLimit;
    }
    const i = lowerIndex(acc.nonces, e.nonce);
    if (acc.nonces[i] === e.nonce) acc.nonces.splice(i, 1);
    this.byHash.delete(e.hash);
  }

  /**
   * The pool is full: evicts the transaction that is worst to keep (queued before pending, then the lowest price,
   * then the farthest nonce, then the latest arrival), taking only each sender's last nonce so that no gap opens;
   * refuses `entry` when it would itself be that transaction.
   */
  private makeRoom(target: Account, entry: Entry): void {
    const newcomer: EvictionKey = {
      queued: entry.nonce > target.stateNonce + BigInt(target.pendingCount),
      price: this.priceOf(entry),
      distance: entry.nonce - target.stateNonce,
      seq: Number.MAX_SAFE_INTEGER,
    };
    let skipped: EvictionNode | null = null;
    let victim: EvictionNode | null = null;
    while (this.evictions.size > 0) {
      const top = this.evictions.peek() as EvictionNode;
      if (!this.isCurrent(top)) {
        this.evictions.pop();
        continue;
      }
      if (top.acc === target && top.entry.nonce < entry.nonce) {
        skipped = this.evictions.pop() as EvictionNode; // would open a gap below the newcomer
        continue;
      }
      victim = top;
      break;
    }
    if (skipped !== null) this.evictions.push(skipped);
    if (victim === null || !worseToKeep(victim.key, newcomer)) throw new PoolError("POOL_FULL", "txpool is full");
    const acc = victim.acc;
    this.removeEntry(acc, victim.entry);
    if (acc.pendingCount > acc.byNonce.size) {
      // the last one was pending: the run shrinks by one
      this.pendingTotal--;
      acc.pendingCount--;
    }
    this.touch(acc);
    if (acc.byNonce.size === 0 && acc !== target) this.accounts.delete(acc.address);
  }

  private keyOf(acc: Account, last: Entry): EvictionKey {
    return { queued: acc.nonces.length > acc.pendingCount, price: this.priceOf(last), distance: last.nonce - acc.stateNonce, seq: last.seq };
  }

  /** Records a change of `acc`: its older eviction nodes become stale, a fresh one is pushed. */
  private touch(acc: Account): void {
    acc.version++;
    if (acc.nonces.length > 0) {
      const last = acc.byNonce.get(acc.nonces[acc.nonces.length - 1]) as Entry;
      this.evictions.push({ acc, version: acc.version, key: this.keyOf(acc, last), entry: last });
    }
    if (this.evictions.size > 4 * this.accounts.size + 1024) this.rebuildEvictions();
  }

  private isCurrent(node: EvictionNode): boolean {
    return node.version === node.acc.version && node.acc.nonces.length > 0 && this.accounts.get(node.acc.address) === node.acc;
  }

  private rebuildEvictions(): void {
    this.evictions = new Heap<EvictionNode>((a, b) => worseToKeep(a.key, b.key));
    for (const acc of this.accounts.values()) {
      acc.version++;
      if (acc.nonces.length === 0) continue;
      const last = acc.byNonce.get(acc.nonces[acc.nonces.length - 1]) as Entry;
      this.evictions.push({ acc, version: acc.version, key: this.keyOf(acc, last), entry: last });
    }
  }

  /**
   * Executable transactions for the next block: at most `maxCount`, with a total gas limit of at most `maxGas`.
   * Senders are interleaved by the price the validator receives (higher first, ties by arrival); each sender's
   * transactions come in nonce order, and a sender whose next transaction does not fit is left out from there on.
   */
  pending(maxCount: number = Number.MAX_SAFE_INTEGER, maxGas?: bigint | number): TypedTransaction[] {
    const out: TypedTransaction[] = [];
    if (maxCount <= 0) return out;
    const heap = new Heap<Cursor>((a, b) => (a.price === b.price ? a.entry.seq < b.entry.seq : a.price > b.price));
    for (const acc of this.accounts.values()) {
      if (acc.pendingCount === 0) continue;
      const entry = acc.byNonce.get(acc.stateNonce) as Entry;
      const price = this.priceOf(entry);
      if (price >= 0n) heap.push({ account: acc, index: 0, entry, price });
    }
    const limited = maxGas !== undefined;
    let gasLeft = limited ? BigInt(maxGas) : 0n;
    while (heap.size > 0 && out.length < maxCount) {
      const top = heap.peek() as Cursor;
      if (limited) {
        if (top.entry.gasLimit > gasLeft) {
          heap.pop();
          continue;
        }
        gasLeft -= top.entry.gasLimit;
        if (gasLeft < TX_MIN_GAS) {
          out.push(top.entry.tx);
          break;
        }
      }
      out.push(top.entry.tx);
      const acc = top.account;
      const index = top.index + 1;
      if (index >= acc.pendingCount) {
        heap.pop();
        continue;
      }
      const entry = acc.byNonce.get(acc.stateNonce + BigInt(index)) as Entry;
      const price = this.priceOf(entry);
      if (price < 0n) {
        heap.pop();
        continue;
      }
      top.index = index;
      top.entry = entry;
      top.price = price;
      heap.replaceTop(top);
    }
    return out;
  }

  /**
   * Each sender's executable transactions in nonce order (at most `maxPerSender` each), senders by the arrival of
   * their next transaction: a gas-free chain's builder interleaves them itself (node/gasfree/selector.ts).
   */
  pendingLists(maxPerSender: number = Number.MAX_SAFE_INTEGER): { sender: Hex; txs: TypedTransaction[] }[] {
    const lists: { sender: Hex; txs: TypedTransaction[]; seq: number }[] = [];
    for (const acc of this.accounts.values()) {
      if (acc.pendingCount === 0) continue;
      const n = Math.min(acc.pendingCount, maxPerSender);
      const txs: TypedTransaction[] = new Array(n);
      for (let i = 0; i < n; i++) txs[i] = (acc.byNonce.get(acc.stateNonce + BigInt(i)) as Entry).tx;
      lists.push({ sender: acc.address, txs, seq: (acc.byNonce.get(acc.stateNonce) as Entry).seq });
    }
    lists.sort((a, b) => a.seq - b.seq);
    return lists;
  }

  /** The gas limits of `address`'s pooled transactions (pending and queued) together. */
  pooledGas(address: string): bigint {
    return this.accounts.get(address.toLowerCase() as Hex)?.gas ?? 0n;
  }

  /**
   * Removes transactions (e.g. found invalid while building a block). A sender's later transactions become queued.
   * Returns how many were in the pool.
   */
  remove(hashes: Iterable<string>): number {
    let removed = 0;
    const touched = new Set<Account>();
    for (const h of hashes) {
      const e = this.byHash.get(h.toLowerCase() as Hex);
      if (e === undefined) continue;
      const acc = this.accounts.get(e.sender) as Account;
      this.removeEntry(acc, e);
      touched.add(acc);
      removed++;
    }
    for (const acc of touched) this.settle(acc);
    return removed;
  }

  private settle(acc: Account): void {
    this.recount(acc);
    if (acc.byNonce.size === 0) this.accounts.delete(acc.address);
  }

  /**
   * A block became the head: removes its transactions, re-reads the accounts of its senders, drops transactions
   * whose nonce is now used or that the sender can no longer pay for, and promotes queued transactions whose gap
   * closed. Also forgets rate-limit records older than the window.
   */
  async onNewBlock(includedTxHashes: Iterable<string>, getAccount: GetAccount, options: OnNewBlockOptions = {}): Promise<OnNewBlockResult> {
    if (options.baseFee !== undefined) this.setBaseFee(options.baseFee);
    const senders = new Set<Hex>();
    let included = 0;
    for (const h of includedTxHashes) {
      const e = this.byHash.get(h.toLowerCase() as Hex);
      if (e === undefined) continue;
      this.removeEntry(this.accounts.get(e.sender) as Account, e);
      senders.add(e.sender);
      included++;
    }
    // Keep the pool consistent while the accounts are read (pending() may run meanwhile): until its account is
    // re-read, a sender whose next nonce was included has a gap at its old state nonce, so nothing of it is pending.
    for (const s of senders) this.settle(this.accounts.get(s) as Account);
    for (const s of options.senders ?? []) senders.add(s.toLowerCase() as Hex);
    const list = [...senders].filter((s) => this.accounts.has(s));
    const readings = await Promise.all(list.map((s) => getAccount(s)));

    let dropped = 0;
    list.forEach((s, i) => {
      const acc = this.accounts.get(s);
      if (acc === undefined) return; // emptied meanwhile
      dropped += this.refresh(acc, readings[i]);
      // Drop what the balance no longer covers; later nonces fall back to queued through the gap.
      for (const n of [...acc.nonces]) {
        const e = acc.byNonce.get(n) as Entry;
        if (e.cost > acc.balance) {
          this.removeEntry(acc, e);
          dropped++;
        }
      }
      this.settle(acc);
    });
    this.forgetOldAdmissions();
    return { included, dropped };
  }

  private forgetOldAdmissions(): void {
    const since = this.now() - RATE_WINDOW_MS;
    for (const [sender, times] of this.admissions) {
      if (times.length === 0 || times[times.length - 1] <= since) this.admissions.delete(sender);
    }
  }
}

type EvictionKey = { queued: boolean; price: bigint; distance: bigint; seq: number };

/** True when `a` is worse to keep than `b`. */
function worseToKeep(a: EvictionKey, b: EvictionKey): boolean {
  if (a.queued !== b.queued) return a.queued;
  if (a.price !== b.price) return a.price < b.price;
  if (a.distance !== b.distance) return a.distance > b.distance;
  return a.seq > b.seq;
}
