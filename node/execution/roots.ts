/**
 * The roots of a block's ordered tries (transactions, receipts) in one pass. Key i of such a trie is RLP(i), so the
 * keys' nibble order is known without sorting (1..127, then 0 = 0x80, then 128.. by length and value); each node is
 * encoded once, bottom-up, in one scratch buffer, and hashed when it is 32 bytes or longer — the method of geth's
 * StackTrie. ethereumjs builds the same trie by one `put` per entry through an in-memory database (~0.5 ms each).
 */
import { KECCAK256_RLP } from "@ethereumjs/util";
import { keccak256 } from "./common";

/** Nibbles kept per key: RLP(i) of an array index (< 2^32) is at most 5 bytes. */
const KEY_STRIDE = 10;
/** Bytes left free before a node's payload for its RLP list header (payloads < 2^32 bytes). */
const HEADER_ROOM = 5;

/**
 * The root of the Merkle-Patricia trie whose key i is RLP(i) and whose value is `values[i]` — what ethereumjs'
 * `genTransactionsTrieRoot` and a receipt trie of `encodeReceipt`s compute. An empty value is no entry (`put` of an
 * empty value deletes); no entries give KECCAK256_RLP.
 */
export function orderedTrieRoot(values: readonly Uint8Array[]): Uint8Array {
  const order = keyOrder(values);
  if (order.length === 0) return KECCAK256_RLP.slice();
  return new OrderedTrieEncoder(values, order).root();
}

/** The transactions root of a block with these transactions (`genTransactionsTrieRoot` in one pass). */
export function transactionsRoot(txs: readonly { serialize(): Uint8Array }[]): Uint8Array {
  return orderedTrieRoot(txs.map((tx) => tx.serialize()));
}

/** Indices of the non-empty values in their keys' byte order: 1..127, 0 (key 0x80), then 128.. . */
function keyOrder(values: readonly Uint8Array[]): Uint32Array {
  const n = values.length;
  const order = new Uint32Array(n);
  let m = 0;
  for (let i = 1; i < Math.min(n, 128); i++) if (values[i]!.length > 0) order[m++] = i;
  if (n > 0 && values[0]!.length > 0) order[m++] = 0;
  for (let i = 128; i < n; i++) if (values[i]!.length > 0) order[m++] = i;
  return order.subarray(0, m);
}

/** Length of the big-endian bytes of a non-zero length or index (< 2^32). */
function byteLength(x: number): number {
  return x < 0x100 ? 1 : x < 0x10000 ? 2 : x < 0x1000000 ? 3 : 4;
}

/**
 * Encodes the trie of sorted keys `[lo, hi)` recursively. The buffer is a stack: a node's children leave their
 * references (a hash, or the node itself when shorter than 32 bytes) on top, in order, as the node's payload.
 */
class OrderedTrieEncoder {
  private buf = Buffer.allocUnsafe(4096);
  private top = 0;
  /** The key nibbles of sorted entry p at `p * KEY_STRIDE`, and their count. */
  private readonly nibbles: Uint8Array;
  private readonly lengths: Uint8Array;

  constructor(
    private readonly values: readonly Uint8Array[],
    private readonly order: Uint32Array,
  ) {
    this.nibbles = new Uint8Array(order.length * KEY_STRIDE);
    this.lengths = new Uint8Array(order.length);
    for (let p = 0; p < order.length; p++) {
      const i = order[p]!;
      const at = p * KEY_STRIDE;
      let first: number;
      let rest = 0;
      if (i === 0) first = 0x80;
      else if (i < 0x80) first = i;
      else {
        rest = byteLength(i);
        first = 0x80 + rest;
      }
      this.nibbles[at] = first >> 4;
      this.nibbles[at + 1] = first & 15;
      for (let b = 0; b < rest; b++) {
        const byte = (i >>> (8 * (rest - 1 - b))) & 0xff;
        this.nibbles[at + 2 + 2 * b] = byte >> 4;
        this.nibbles[at + 3 + 2 * b] = byte & 15;
      }
      this.lengths[p] = 2 + 2 * rest;
    }
  }

  root(): Uint8Array {
    const start = this.node(0, this.order.length, 0);
    return keccak256(this.buf.subarray(start, this.top));
  }

  /** Writes the reference to the node of entries `[lo, hi)` below `depth` nibbles, as its parent holds it. */
  private ref(lo: number, hi: number, depth: number): void {
    const at = this.top;
    const start = this.node(lo, hi, depth);
    const length = this.top - start;
    if (length < 32) {
      this.buf.copyWithin(at, start, this.top);
      this.top = at + length;
      return;
    }
    const hash = keccak256(this.buf.subarray(start, this.top));
    this.ensure(at + 33);
    this.buf[at] = 0xa0;
    this.buf.set(hash, at + 1);
    this.top = at + 33;
  }

  /** Writes the node of entries `[lo, hi)` below `depth` nibbles; returns where its encoding starts (it ends at top). */
  private node(lo: number, hi: number, depth: number): number {
    const payload = this.top + HEADER_ROOM;
    this.ensure(payload);
    this.top = payload;
    if (hi - lo === 1) {
      this.path(lo, depth, this.lengths[lo]!, true);
      this.string(this.values[this.order[lo]!]!);
    } else {
      const shared = this.sharedDepth(lo, hi - 1, depth);
      if (shared > depth) {
        this.path(lo, depth, shared, false);
        this.ref(lo, hi, shared);
      } else {
        this.branch(lo, hi, depth);
      }
    }
    const length = this.top - payload;
    const start = payload - (length < 56 ? 1 : 1 + byteLength(length));
    this.header(start, 0xc0, length);
    return start;
  }

  /** A branch's 16 children and its empty value (keys are prefix-free: no key ends at a branch). */
  private branch(lo: number, hi: number, depth: number): void {
    let p = lo;
    for (let nibble = 0; nibble < 16; nibble++) {
      let q = p;
      while (q < hi && this.nibbles[q * KEY_STRIDE + depth] === nibble) q++;
      if (q > p) this.ref(p, q, depth + 1);
      else this.emptyString();
      p = q;
    }
    this.emptyString();
  }

  /** The hex-prefix encoding of entry p's nibbles `[from, to)` as an RLP string, flagged leaf or extension. */
  private path(p: number, from: number, to: number, leaf: boolean): void {
    const odd = (to - from) & 1;
    const length = ((to - from) >> 1) + 1;
    this.ensure(this.top + 1 + length);
    const buf = this.buf;
    const nibbles = this.nibbles;
    let i = p * KEY_STRIDE + from;
    const end = p * KEY_STRIDE + to;
    if (length > 1) buf[this.top++] = 0x80 + length; // a lone prefix byte is < 0x80: its own RLP
    buf[this.top++] = (((leaf ? 2 : 0) + odd) << 4) | (odd ? nibbles[i++]! : 0);
    for (; i < end; i += 2) buf[this.top++] = (nibbles[i]! << 4) | nibbles[i + 1]!;
  }

  /** A non-empty byte string as an RLP item. */
  private string(value: Uint8Array): void {
    this.ensure(this.top + HEADER_ROOM + value.length);
    if (value.length === 1 && value[0]! < 0x80) {
      this.buf[this.top++] = value[0]!;
      return;
    }
    this.top += this.header(this.top, 0x80, value.length);
    this.buf.set(value, this.top);
    this.top += value.length;
  }

  private emptyString(): void {
    this.ensure(this.top + 1);
    this.buf[this.top++] = 0x80;
  }

  /** Writes the RLP header of a string (0x80) or list (0xc0) of `length` bytes at `at`; returns its size. */
  private header(at: number, offset: 0x80 | 0xc0, length: number): number {
    if (length < 56) {
      this.buf[at] = offset + length;
      return 1;
    }
    const size = byteLength(length);
    this.buf[at] = offset + 55 + size;
    for (let b = 0; b < size; b++) this.buf[at + 1 + b] = (length >>> (8 * (size - 1 - b))) & 0xff;
    return 1 + size;
  }

  /** How many nibbles sorted entries a and b (and so every entry between them) share, from `depth` on. */
  private sharedDepth(a: number, b: number, depth: number): number {
    const end = Math.min(this.lengths[a]!, this.lengths[b]!);
    let d = depth;
    while (d < end && this.nibbles[a * KEY_STRIDE + d] === this.nibbles[b * KEY_STRIDE + d]) d++;
    return d;
  }

  /** Grows the buffer (keeping what is below top) to hold `end` bytes. */
  private ensure(end: number): void {
    if (end <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(end, 2 * this.buf.length));
    this.buf.copy(next, 0, 0, this.top);
    this.buf = next;
  }
}
