/**
 * The binary frame of the peer layer: a list of byte strings under a message type, for bulk payloads (raw
 * transactions) that would double in size as hex in JSON and cost a parse, a re-serialisation and a hash per copy.
 *
 *   offset 0   0x4c ("L")                     magic
 *          1   BINARY_VERSION (1)             version of this layout
 *          2   flags                          bit 0: relay (gossip); the other bits are 0
 *          3   n (1..255)                     length of the type in bytes
 *          4   type                           n bytes of UTF-8, 1..MAX_TYPE_LENGTH characters, not a reserved type
 *      4 + n   count                          uint32 big-endian, at most the receiver's maxFrameItems
 *      8 + n   count × (length, bytes)        each item: uint32 big-endian length, then that many bytes
 *
 * Nothing may follow the last item. The gossip deduplication key is the sha256 of everything from offset 3 on (type,
 * count and items: the flags are left out, so a relayed copy has the key of the original).
 */
import { createHash } from "node:crypto";
import { MAX_TYPE_LENGTH, RESERVED_TYPES } from "./frames";

export const BINARY_MAGIC = 0x4c;
export const BINARY_VERSION = 1;
const FLAG_RELAY = 0x01;
const MAX_TYPE_BYTES = 255;

/**
 * A decoded binary frame. `items` are views over the received frame: read them, do not write to them, and `slice()`
 * one to keep it or post it to a worker (structured clone copies a view's whole underlying buffer).
 */
export interface BytesFrame {
  type: string;
  relay: boolean;
  items: Uint8Array[];
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The UTF-8 bytes of a type, or a string saying why it cannot head a binary frame. */
export function typeBytes(type: string): Buffer | string {
  const b = Buffer.from(type, "utf8");
  return b.length > MAX_TYPE_BYTES ? `type is ${b.length} bytes of UTF-8, over ${MAX_TYPE_BYTES}` : b;
}

/** Serialises one binary frame (the caller has checked the type and the items). */
export function encodeBytesFrame(type: Buffer, relay: boolean, items: readonly Uint8Array[]): Buffer {
  let size = 8 + type.length;
  for (const item of items) size += 4 + item.length;
  const out = Buffer.allocUnsafe(size);
  out[0] = BINARY_MAGIC;
  out[1] = BINARY_VERSION;
  out[2] = relay ? FLAG_RELAY : 0;
  out[3] = type.length;
  type.copy(out, 4);
  let off = 4 + type.length;
  out.writeUInt32BE(items.length, off);
  off += 4;
  for (const item of items) {
    out.writeUInt32BE(item.length, off);
    out.set(item, off + 4);
    off += 4 + item.length;
  }
  return out;
}

/** Parses a received binary frame; a string result is the reason it is malformed. */
export function decodeBytesFrame(buf: Buffer, maxItems: number): BytesFrame | string {
  if (buf.length < 8) return "binary frame: shorter than its header";
  if (buf[0] !== BINARY_MAGIC) return "binary frame: bad magic";
  if (buf[1] !== BINARY_VERSION) return `binary frame: unknown version ${buf[1]}`;
  const flags = buf[2]!;
  if ((flags & ~FLAG_RELAY) !== 0) return "binary frame: unknown flags";
  const n = buf[3]!;
  if (n === 0 || buf.length < 8 + n) return "binary frame: bad type length";
  let type: string;
  try {
    type = utf8.decode(buf.subarray(4, 4 + n));
  } catch {
    return "binary frame: type is not UTF-8";
  }
  if (type.length > MAX_TYPE_LENGTH) return "binary frame: type too long";
  if (RESERVED_TYPES.has(type)) return `binary frame: reserved type "${type}"`;
  let off = 4 + n;
  const count = buf.readUInt32BE(off);
  off += 4;
  if (count > maxItems) return `binary frame: ${count} items, over ${maxItems}`;
  if (count * 4 > buf.length - off) return "binary frame: truncated";
  const items: Uint8Array[] = new Array<Uint8Array>(count);
  for (let i = 0; i < count; i++) {
    if (buf.length - off < 4) return "binary frame: truncated";
    const len = buf.readUInt32BE(off);
    off += 4;
    if (len > buf.length - off) return "binary frame: truncated";
    items[i] = new Uint8Array(buf.buffer, buf.byteOffset + off, len);
    off += len;
  }
  if (off !== buf.length) return "binary frame: bytes after the last item";
  return { type, relay: (flags & FLAG_RELAY) !== 0, items };
}

/** The gossip deduplication key of a binary frame (its flags left out). */
export function bytesKey(frame: Buffer): string {
  return createHash("sha256").update(frame.subarray(3)).digest("base64");
}

/** The frame with its relay flag set (the frame itself when it is set already). */
export function withRelayFlag(frame: Buffer): Buffer {
  if ((frame[2]! & FLAG_RELAY) !== 0) return frame;
  const copy = Buffer.from(frame);
  copy[2] = copy[2]! | FLAG_RELAY;
  return copy;
}
