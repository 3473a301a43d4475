/**
 * A batch of updates applied to a Merkle-Patricia trie in one pass, and a lean point read of such a trie.
 *
 * ethereumjs' `MerklePatriciaTrie.put` re-encodes, re-hashes and writes every node on the key's path for each key:
 * a block that changes 4,000 accounts wrote ~8,800 trie nodes of which ~2,300 survive. `applyTrieBatch` instead loads
 * the nodes on the touched paths once (siblings' subtrees stay references), applies all updates to them in memory, then
 * encodes and hashes each touched node once, bottom-up, and writes only the nodes of the final trie: those whose
 * encoding is 32 bytes or longer (shorter ones are embedded in their parent) and the root, which is always hashed and
 * written. The result — root and reachable nodes — is exactly what the same `put`s and `del`s one by one give.
 *
 * Keys are the trie's own keys (for a secure trie: keccak256 of the account address or storage slot, which the caller
 * applies) and must all have one length, as they do in the state tries: no key is then a prefix of another, so no
 * branch carries a value. Values are stored as given; an empty value (or null) deletes the key, like `put` of an empty
 * value does.
 *
 * The database is the trie's (`storage/db.ts` OverlayDB): nodes are read by `get(hex of hash)` and written by one
 * `batch` of puts keyed the same way, as `@ethereumjs/mpt`'s CheckpointDB does; nothing is ever deleted.
 */
import { RLP } from "@ethereumjs/rlp";
import type { BatchDBOp } from "@ethereumjs/util";
import { LuniverseError } from "../../lib/errors";

/** What the trie functions need of a database: the MPT's (hex string keys, bytes values). */
export interface TrieNodeStore {
  get(key: string): Promise<Uint8Array | string | undefined>;
  batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void>;
}

/** One update: `value` null or empty deletes `key`. */
export interface TrieUpdate {
  key: Uint8Array;
  value: Uint8Array | null;
}

export interface TrieBatchOptions {
  /** keccak-256 (the trie's node hash). */
  hash: (data: Uint8Array) => Uint8Array;
}

export interface TrieBatchResult {
  root: Uint8Array;
  /** Trie nodes written to the store. */
  written: number;
}

/**
 * A node on a touched path is missing from the store (TRIE_NODE_MISSING: the database lost data, or `root` is not a
 * root of this store), is not a trie node (TRIE_NODE_INVALID), or the batch's keys differ in length (TRIE_KEYS_UNEQUAL).
 */
export class TrieError extends LuniverseError<"TRIE_NODE_MISSING" | "TRIE_NODE_INVALID" | "TRIE_KEYS_UNEQUAL"> {
  override name = "TrieError";
}

type Raw = Uint8Array | Raw[];
/** A child slot: a loaded or new node, or an untouched reference (32-byte hash or an embedded raw node). */
type Child = TrieNode | Uint8Array | Raw[];

class Leaf {
  constructor(
    readonly path: Uint8Array,
    readonly value: Uint8Array,
  ) {}
}
class Extension {
  constructor(
    readonly path: Uint8Array,
    readonly child: Child,
  ) {}
}
class Branch {
  constructor(readonly children: (Child | null)[]) {}
}
type TrieNode = Leaf | Extension | Branch;

const RLP_EMPTY_STRING = Uint8Array.of(0x80);
/** Branch levels whose subtrees are updated concurrently. */
const PARALLEL_DEPTH = 2;
/** Unprefixed lowercase hex: the MPT's database key of a node hash. */
export function hexKey(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

function nibble(key: Uint8Array, i: number): number {
  const b = key[i >> 1]!;
  return (i & 1) === 0 ? b >> 4 : b & 15;
}

function keyNibbles(key: Uint8Array, from: number, to: number): Uint8Array {
  const out = new Uint8Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = nibble(key, i);
  return out;
}

function concatNibbles(a: Uint8Array | number, b: Uint8Array): Uint8Array {
  if (typeof a === "number") {
    const out = new Uint8Array(b.length + 1);
    out[0] = a;
    out.set(b, 1);
    return out;
  }
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Hex-prefix (compact) encoding of a node's path. */
function compact(path: Uint8Array, leaf: boolean): Uint8Array {
  const odd = path.length & 1;
  const out = new Uint8Array((path.length >> 1) + 1);
  out[0] = ((leaf ? 2 : 0) + odd) << 4;
  let i = 0;
  if (odd === 1) out[0]! |= path[i++]!;
  for (let j = 1; i < path.length; i += 2, j++) out[j] = (path[i]! << 4) | path[i + 1]!;
  return out;
}

function decodeCompact(c: Uint8Array): { path: Uint8Array; leaf: boolean } {
  if (c.length === 0) throw new TrieError("TRIE_NODE_INVALID", "invalid trie node: empty path");
  const flag = c[0]! >> 4;
  const odd = flag & 1;
  const path = new Uint8Array((c.length - 1) * 2 + odd);
  let j = 0;
  if (odd === 1) path[j++] = c[0]! & 15;
  for (let i = 1; i < c.length; i++) {
    path[j++] = c[i]! >> 4;
    path[j++] = c[i]! & 15;
  }
  return { path, leaf: flag >= 2 };
}

function decodeRaw(raw: Raw): TrieNode {
  if (!Array.isArray(raw)) throw new TrieError("TRIE_NODE_INVALID", "invalid trie node: not a list");
  if (raw.length === 17) {
    if (raw[16] instanceof Uint8Array && raw[16].length > 0) throw new TrieError("TRIE_NODE_INVALID", "trie branches with values are not supported (keys of one length only)");
    const children: (Child | null)[] = new Array(16);
    for (let i = 0; i < 16; i++) {
      const c = raw[i]!;
      children[i] = c instanceof Uint8Array && c.length === 0 ? null : c;
    }
    return new Branch(children);
  }
  if (raw.length === 2) {
    const { path, leaf } = decodeCompact(raw[0] as Uint8Array);
    if (leaf) return new Leaf(path, raw[1] as Uint8Array);
    return new Extension(path, raw[1]!);
  }
  throw new TrieError("TRIE_NODE_INVALID", `invalid trie node: a list of ${raw.length} items`);
}

async function loadNode(store: TrieNodeStore, ref: Uint8Array | Raw[]): Promise<TrieNode> {
  if (Array.isArray(ref)) return decodeRaw(ref);
  const key = hexKey(ref);
  const v = await store.get(key);
  if (v === undefined) throw new TrieError("TRIE_NODE_MISSING", `trie node ${key} is missing from the database`, { hint: "the node database is damaged or the root is not in it; resync the node from a healthy data dir" });
  return decodeRaw(RLP.decode(typeof v === "string" ? hexToBytes(v) : v) as Raw);
}

function hexToBytes(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, "hex"));
}

function isNode(c: Child): c is TrieNode {
  return c instanceof Leaf || c instanceof Extension || c instanceof Branch;
}

/** One pass of a batch: the sorted, deduplicated updates and the store. */
class BatchPass {
  constructor(
    private readonly store: TrieNodeStore,
    private readonly keys: Uint8Array[],
    private readonly values: (Uint8Array | null)[],
    private readonly hash: (data: Uint8Array) => Uint8Array,
  ) {}

  /** The subtree `child` (at nibble `depth`) with updates [lo, hi) applied; `child` itself when nothing changed. */
  async update(child: Child | null, lo: number, hi: number, depth: number): Promise<Child | null> {
    if (child === null) return this.build(this.putsOf(lo, hi), depth);
    const node = isNode(child) ? child : await loadNode(this.store, child);
    if (node instanceof Leaf) return this.updateLeaf(child, node, lo, hi, depth);
    if (node instanceof Extension) return this.updateExtension(child, node, lo, hi, depth);
    return this.updateBranch(child, node, lo, hi, depth);
  }

  private putsOf(lo: number, hi: number): { keys: Uint8Array[]; values: Uint8Array[] } {
    const keys: Uint8Array[] = [];
    const values: Uint8Array[] = [];
    for (let i = lo; i < hi; i++) {
      const v = this.values[i]!;
      if (v !== null) {
        keys.push(this.keys[i]!);
        values.push(v);
      }
    }
    return { keys, values };
  }

  private matchesPath(key: Uint8Array, depth: number, path: Uint8Array): number {
    let m = 0;
    while (m < path.length && nibble(key, depth + m) === path[m]) m++;
    return m;
  }

  private updateLeaf(child: Child, leaf: Leaf, lo: number, hi: number, depth: number): Child | null {
    const full = depth + leaf.path.length;
    // the leaf's own key: the nibbles above it (shared by every key of this group) followed by its path
    let own = -1;
    for (let i = lo; i < hi; i++) if (this.matchesPath(this.keys[i]!, depth, leaf.path) === leaf.path.length) own = i;
    const { keys, values } = this.putsOf(lo, hi);
    if (own === -1) {
      if (keys.length === 0) return child; // deletes of keys that are not there
      const leafKey = this.keyOfLeaf(this.keys[lo]!, depth, leaf.path, full);
      const at = lowerBound(keys, leafKey);
      keys.splice(at, 0, leafKey);
      values.splice(at, 0, leaf.value);
    } else if (keys.length === 1 && this.values[own] !== null) {
      // the common case: a new value for an existing key
      return equalBytes(this.values[own]!, leaf.value) ? child : new Leaf(leaf.path, this.values[own]!);
    }
    return this.build({ keys, values }, depth);
  }

  private keyOfLeaf(sample: Uint8Array, depth: number, path: Uint8Array, full: number): Uint8Array {
    const key = new Uint8Array(sample.length);
    for (let i = 0; i < full; i++) {
      const n = i < depth ? nibble(sample, i) : path[i - depth]!;
      if ((i & 1) === 0) key[i >> 1] = n << 4;
      else key[i >> 1]! |= n;
    }
    return key;
  }

  private async updateExtension(child: Child, ext: Extension, lo: number, hi: number, depth: number): Promise<Child | null> {
    // m: how far the first key to be inserted off the path follows it (deletes off the path are of absent keys)
    let m = ext.path.length;
    for (let i = lo; i < hi; i++) {
      if (this.values[i] === null) continue;
      const k = this.matchesPath(this.keys[i]!, depth, ext.path);
      if (k < m) m = k;
    }
    if (m === ext.path.length) {
      // keys are sorted, so the ones under the path are contiguous
      let a = lo;
      while (a < hi && this.matchesPath(this.keys[a]!, depth, ext.path) !== ext.path.length) a++;
      let b = a;
      while (b < hi && this.matchesPath(this.keys[b]!, depth, ext.path) === ext.path.length) b++;
      if (a === b) return child;
      const next = await this.update(ext.child, a, b, depth + ext.path.length);
      if (next === ext.child) return child;
      return this.extend(ext.path, next);
    }
    // a new key leaves the path after m nibbles: a branch there, holding the rest of the extension
    const children: (Child | null)[] = new Array(16).fill(null);
    const rest = ext.path.subarray(m + 1);
    children[ext.path[m]!] = rest.length > 0 ? new Extension(rest, ext.child) : ext.child;
    const branch = new Branch(children);
    const split: TrieNode = m > 0 ? new Extension(ext.path.subarray(0, m), branch) : branch;
    return this.update(split, lo, hi, depth);
  }

  private async updateBranch(child: Child, branch: Branch, lo: number, hi: number, depth: number): Promise<Child | null> {
    const next = branch.children.slice();
    let changed = false;
    const groups: Promise<void>[] = [];
    let i = lo;
    while (i < hi) {
      const n = nibble(this.keys[i]!, depth);
      let j = i + 1;
      while (j < hi && nibble(this.keys[j]!, depth) === n) j++;
      const apply = (c: Child | null) => {
        if (c !== branch.children[n]) {
          next[n] = c;
          changed = true;
        }
      };
      // the subtrees under the top two levels load concurrently (up to 256 reads in flight for a cold database);
      // below, one after the other: most nodes are in memory, where a promise per subtree only costs
      if (depth < PARALLEL_DEPTH) groups.push(this.update(branch.children[n]!, i, j, depth + 1).then(apply));
      else apply(await this.update(branch.children[n]!, i, j, depth + 1));
      i = j;
    }
    if (groups.length > 0) await Promise.all(groups);
    if (!changed) return child;
    return this.branchOf(next);
  }

  /** A branch over `children`, or what a branch with fewer than two children collapses into. */
  private async branchOf(children: (Child | null)[]): Promise<Child | null> {
    let count = 0;
    let only = -1;
    for (let n = 0; n < 16; n++) {
      if (children[n] !== null) {
        count++;
        only = n;
      }
    }
    if (count === 0) return null;
    if (count > 1) return new Branch(children);
    const c = children[only]!;
    const node = isNode(c) ? c : await loadNode(this.store, c);
    if (node instanceof Branch) return new Extension(Uint8Array.of(only), c);
    if (node instanceof Leaf) return new Leaf(concatNibbles(only, node.path), node.value);
    return new Extension(concatNibbles(only, node.path), node.child);
  }

  /** An extension by `path` over a changed child, merged with it when it is a leaf or an extension. */
  private extend(path: Uint8Array, next: Child | null): Child | null {
    if (next === null) return null;
    if (!isNode(next)) throw new Error("internal: a changed subtree is not a node");
    if (next instanceof Leaf) return new Leaf(concatNibbles(path, next.path), next.value);
    if (next instanceof Extension) return new Extension(concatNibbles(path, next.path), next.child);
    return new Extension(path, next);
  }

  /** A new subtree holding exactly these (sorted, distinct, non-empty) entries. */
  private build(entries: { keys: Uint8Array[]; values: Uint8Array[] }, depth: number): TrieNode | null {
    const { keys, values } = entries;
    if (keys.length === 0) return null;
    return this.buildRange(keys, values, 0, keys.length, depth);
  }

  private buildRange(keys: Uint8Array[], values: Uint8Array[], lo: number, hi: number, depth: number): TrieNode {
    const first = keys[lo]!;
    const end = first.length * 2;
    if (hi - lo === 1) return new Leaf(keyNibbles(first, depth, end), values[lo]!);
    const last = keys[hi - 1]!;
    let cp = 0;
    while (depth + cp < end && nibble(first, depth + cp) === nibble(last, depth + cp)) cp++;
    if (depth + cp === end) throw new Error("internal: duplicate trie key");
    const children: (Child | null)[] = new Array(16).fill(null);
    const at = depth + cp;
    let i = lo;
    while (i < hi) {
      const n = nibble(keys[i]!, at);
      let j = i + 1;
      while (j < hi && nibble(keys[j]!, at) === n) j++;
      children[n] = this.buildRange(keys, values, i, j, at + 1);
      i = j;
    }
    const branch = new Branch(children);
    return cp > 0 ? new Extension(keyNibbles(first, depth, at), branch) : branch;
  }

  /**
   * Encodes `c` (children first) and returns its reference in the parent: the 32-byte hash, or — for a node whose
   * encoding is shorter than 32 bytes, which the parent embeds — that encoding itself (so a length tells them apart).
   */
  commit(c: Child, ops: BatchDBOp<string, Uint8Array>[], isRoot: boolean): Uint8Array {
    if (!isNode(c)) {
      if (c instanceof Uint8Array) return c;
      const encoded = RLP.encode(c);
      return isRoot ? this.store_(encoded, ops) : encoded;
    }
    let encoded: Uint8Array;
    if (c instanceof Leaf) encoded = encodePair(compact(c.path, true), c.value, false);
    else if (c instanceof Extension) encoded = encodePair(compact(c.path, false), this.commit(c.child, ops, false), true);
    else {
      const refs: (Uint8Array | null)[] = new Array(16);
      for (let n = 0; n < 16; n++) {
        const x = c.children[n]!;
        refs[n] = x === null ? null : this.commit(x, ops, false);
      }
      encoded = encodeBranch(refs);
    }
    if (encoded.length >= 32 || isRoot) return this.store_(encoded, ops);
    return encoded;
  }

  private store_(encoded: Uint8Array, ops: BatchDBOp<string, Uint8Array>[]): Uint8Array {
    const h = this.hash(encoded);
    ops.push({ type: "put", key: hexKey(h), value: encoded });
    return h;
  }
}

/** Bytes of the RLP header of a string of `len` bytes (b: its first byte, for the single-byte case). */
function stringSize(b: Uint8Array): number {
  const len = b.length;
  if (len === 1 && b[0]! < 0x80) return 1;
  if (len <= 55) return 1 + len;
  return 1 + byteLength(len) + len;
}

function byteLength(n: number): number {
  let k = 0;
  while (n > 0) {
    k++;
    n = Math.floor(n / 256);
  }
  return k;
}

function writeLength(out: Uint8Array, at: number, n: number, k: number): void {
  for (let i = k - 1; i >= 0; i--) {
    out[at + i] = n & 0xff;
    n = Math.floor(n / 256);
  }
}

function writeString(out: Uint8Array, at: number, b: Uint8Array): number {
  const len = b.length;
  if (len === 1 && b[0]! < 0x80) {
    out[at] = b[0]!;
    return at + 1;
  }
  if (len <= 55) out[at++] = 0x80 + len;
  else {
    const k = byteLength(len);
    out[at++] = 0xb7 + k;
    writeLength(out, at, len, k);
    at += k;
  }
  out.set(b, at);
  return at + len;
}

function listHeader(payload: number): Uint8Array {
  if (payload <= 55) return Uint8Array.of(0xc0 + payload);
  const k = byteLength(payload);
  const h = new Uint8Array(1 + k);
  h[0] = 0xf7 + k;
  writeLength(h, 1, payload, k);
  return h;
}

/** A child reference inside a node: a 32-byte hash is an RLP string; a shorter one is an embedded node's encoding. */
function refSize(ref: Uint8Array): number {
  return ref.length === 32 ? 33 : ref.length;
}

function writeRef(out: Uint8Array, at: number, ref: Uint8Array): number {
  if (ref.length === 32) {
    out[at] = 0xa0;
    out.set(ref, at + 1);
    return at + 33;
  }
  out.set(ref, at);
  return at + ref.length;
}

/** RLP([path, second]): `second` a value (string) or, for an extension, a child reference. */
function encodePair(path: Uint8Array, second: Uint8Array, secondIsRef: boolean): Uint8Array {
  const payload = stringSize(path) + (secondIsRef ? refSize(second) : stringSize(second));
  const header = listHeader(payload);
  const out = new Uint8Array(header.length + payload);
  out.set(header, 0);
  let at = writeString(out, header.length, path);
  at = secondIsRef ? writeRef(out, at, second) : writeString(out, at, second);
  return out;
}

/** RLP of a branch without a value: 16 child references (null: empty) and an empty value. */
function encodeBranch(refs: (Uint8Array | null)[]): Uint8Array {
  let payload = 1;
  for (let n = 0; n < 16; n++) payload += refs[n] === null ? 1 : refSize(refs[n]!);
  const header = listHeader(payload);
  const out = new Uint8Array(header.length + payload);
  out.set(header, 0);
  let at = header.length;
  for (let n = 0; n < 16; n++) {
    const r = refs[n]!;
    if (r === null) out[at++] = 0x80;
    else at = writeRef(out, at, r);
  }
  out[at] = 0x80;
  return out;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function lowerBound(keys: Uint8Array[], key: Uint8Array): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareBytes(keys[mid]!, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The root of the empty trie under `hash` (keccak256(RLP(""))). */
export function emptyTrieRoot(hash: (data: Uint8Array) => Uint8Array): Uint8Array {
  return hash(RLP_EMPTY_STRING);
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/**
 * Applies `updates` to the trie at `root` in `store` and returns the new root. Later updates of a key win over
 * earlier ones. Throws TrieError (TRIE_NODE_MISSING) when a node on a touched path is not in the store.
 */
export async function applyTrieBatch(store: TrieNodeStore, root: Uint8Array, updates: Iterable<TrieUpdate>, opts: TrieBatchOptions): Promise<TrieBatchResult> {
  const byKey = new Map<string, TrieUpdate>();
  let keyLength = -1;
  for (const u of updates) {
    if (keyLength === -1) keyLength = u.key.length;
    else if (u.key.length !== keyLength) throw new TrieError("TRIE_KEYS_UNEQUAL", `trie keys must all have one length (got ${keyLength} and ${u.key.length} bytes)`);
    if (u.key.length === 0) throw new TrieError("TRIE_KEYS_UNEQUAL", "trie keys must not be empty");
    byKey.set(hexKey(u.key), u);
  }
  if (byKey.size === 0) return { root, written: 0 };
  // hex strings of equal length sort as their bytes do
  const sorted = [...byKey.keys()].sort().map((k) => byKey.get(k)!);
  const keys = sorted.map((u) => u.key);
  const values = sorted.map((u) => (u.value === null || u.value.length === 0 ? null : u.value));
  const empty = emptyTrieRoot(opts.hash);
  const pass = new BatchPass(store, keys, values, opts.hash);
  const start: Child | null = equalBytes(root, empty) ? null : root;
  const next = await pass.update(start, 0, keys.length, 0);
  if (next === null) return { root: empty, written: 0 };
  if (next === start) return { root, written: 0 };
  const ops: BatchDBOp<string, Uint8Array>[] = [];
  const ref = pass.commit(next, ops, true);
  if (ops.length > 0) await store.batch(ops);
  return { root: ref, written: ops.length };
}

/**
 * The value at `key` in the trie at `root` (the trie's own key: hashed by the caller for a secure trie), or null.
 * Like `MerklePatriciaTrie.get`, a node missing from the store reads as no value.
 */
export async function trieGet(store: TrieNodeStore, root: Uint8Array, key: Uint8Array, emptyRoot: Uint8Array): Promise<Uint8Array | null> {
  if (equalBytes(root, emptyRoot)) return null;
  let ref: Uint8Array | Raw[] = root;
  let depth = 0;
  const end = key.length * 2;
  for (;;) {
    let raw: Raw;
    if (Array.isArray(ref)) raw = ref;
    else {
      const v = await store.get(hexKey(ref));
      if (v === undefined) return null;
      raw = RLP.decode(typeof v === "string" ? hexToBytes(v) : v) as Raw;
    }
    if (!Array.isArray(raw)) return null;
    if (raw.length === 17) {
      if (depth === end) {
        const v = raw[16] as Uint8Array;
        return v.length > 0 ? v : null;
      }
      const c = raw[nibble(key, depth)]!;
      if (c instanceof Uint8Array && c.length === 0) return null;
      ref = c as Uint8Array | Raw[];
      depth++;
      continue;
    }
    const { path, leaf } = decodeCompact(raw[0] as Uint8Array);
    if (depth + path.length > end) return null;
    for (let i = 0; i < path.length; i++) if (nibble(key, depth + i) !== path[i]) return null;
    depth += path.length;
    if (leaf) return depth === end ? (raw[1] as Uint8Array) : null;
    ref = raw[1] as Uint8Array | Raw[];
  }
}
