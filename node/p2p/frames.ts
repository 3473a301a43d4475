/**
 * The wire format of the peer layer: one JSON text frame per message, `{ t, p, id?, re?, e?, r? }` (and binary frames
 * for lists of byte strings, see binary.ts).
 *
 * - `t` the message type, `p` the payload (any JSON value);
 * - `id` marks a request (a positive integer, unique per connection direction); `re` marks its response, which
 *   carries either `p` (the handler's result) or `e` (the handler's error message);
 * - `r: true` marks gossip that receivers relay once to those of their other peers that they do not know to be
 *   connected to the sender (both ends advertising the link in `hello`/`status`); a seen-cache drops copies.
 *
 * The first frame each way is `hello`; `status` updates the sender's advertised height and the node ids it is
 * connected to (`peers`, sent at once when they change). Both types are reserved. Nodes before `peers` and `binary`
 * ignore those fields, and their own hellos and statuses simply lack them, so the protocol version stays 1.
 */
import type { PrefixedHexString as Hex } from "@ethereumjs/util";

export const PROTOCOL_VERSION = 1;

/** Frame types the peer layer uses itself; the consensus may not send them. */
export const RESERVED_TYPES: ReadonlySet<string> = new Set(["hello", "status"]);

export const MAX_TYPE_LENGTH = 128;

/** Most node ids a `hello` or `status` may advertise as connected to its sender. */
export const MAX_ADVERTISED_PEERS = 4096;

/** WebSocket close codes (4000–4999 are the application's) and the reasons they stand for. */
export const CloseCode = {
  normal: 1000,
  messageTooBig: 1009,
  protocolError: 4000,
  handshakeRefused: 4001,
  selfConnection: 4002,
  duplicate: 4003,
  tooManyPeers: 4004,
  malformedFrames: 4005,
  shutdown: 4006,
  dead: 4007,
  slowConsumer: 4008,
} as const;

export interface Frame {
  t: string;
  p?: unknown;
  id?: number;
  re?: number;
  e?: string;
  r?: true;
}

export interface HelloPayload {
  chainId: Hex;
  genesisHash: Hex;
  nodeId: string;
  validator: Hex | null;
  height: Hex;
  finalized: Hex;
  protocolVersion: number;
  /** The node ids the sender is connected to (absent from older nodes, or null: unknown). */
  peers?: string[] | null;
  /** The binary frame version the sender accepts (absent from older nodes: none, send them JSON). */
  binary?: number;
}

export interface PeerStatus {
  height: bigint;
  finalized: bigint;
}

/** A received `status`: the peer's status and, from nodes that send them, the node ids it is connected to. */
export interface StatusPayload extends PeerStatus {
  peers?: string[] | null;
}

export const NODE_ID_PATTERN = /^[A-Za-z0-9._-]{1,128}$/;
const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]*)$/;
const HASH32 = /^0x[0-9a-fA-F]{64}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

export function toQuantity(n: bigint): Hex {
  return `0x${n.toString(16)}`;
}

function isPositiveId(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0;
}

/** Parses one received frame; a string result is the reason it is malformed. */
export function parseFrame(data: string): Frame | string {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch {
    return "not JSON";
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) return "not a JSON object";
  const f = raw as Record<string, unknown>;
  if (typeof f.t !== "string" || f.t.length === 0 || f.t.length > MAX_TYPE_LENGTH) return "missing or bad type `t`";
  if (f.id !== undefined && !isPositiveId(f.id)) return "bad request id `id`";
  if (f.re !== undefined && !isPositiveId(f.re)) return "bad response id `re`";
  if (f.id !== undefined && f.re !== undefined) return "both `id` and `re`";
  if (f.e !== undefined && (typeof f.e !== "string" || f.re === undefined)) return "bad error `e`";
  if (f.r !== undefined && f.r !== true) return "bad relay flag `r`";
  if (f.r !== undefined && (f.id !== undefined || f.re !== undefined)) return "relay flag on a request or response";
  const frame: Frame = { t: f.t };
  if ("p" in f) frame.p = f.p;
  if (f.id !== undefined) frame.id = f.id as number;
  if (f.re !== undefined) frame.re = f.re as number;
  if (f.e !== undefined) frame.e = f.e as string;
  if (f.r === true) frame.r = true;
  return frame;
}

/** Serialises a frame; throws a TypeError when the payload is not JSON-serialisable (a bigint, a cycle). */
export function encodeFrame(frame: Frame): string {
  return JSON.stringify(frame);
}

/** Validates a `hello` payload; a string result is what is wrong with it. */
export function parseHello(p: unknown): HelloPayload | string {
  if (typeof p !== "object" || p === null) return "hello payload is not an object";
  const h = p as Record<string, unknown>;
  if (typeof h.protocolVersion !== "number") return "hello: bad protocolVersion";
  if (typeof h.chainId !== "string" || !QUANTITY.test(h.chainId)) return "hello: bad chainId";
  if (typeof h.genesisHash !== "string" || !HASH32.test(h.genesisHash)) return "hello: bad genesisHash";
  if (typeof h.nodeId !== "string" || !NODE_ID_PATTERN.test(h.nodeId)) return "hello: bad nodeId";
  if (h.validator !== null && (typeof h.validator !== "string" || !ADDRESS.test(h.validator))) return "hello: bad validator";
  if (typeof h.height !== "string" || !QUANTITY.test(h.height)) return "hello: bad height";
  if (typeof h.finalized !== "string" || !QUANTITY.test(h.finalized)) return "hello: bad finalized";
  if (h.peers !== undefined && h.peers !== null && !isNodeIdList(h.peers)) return "hello: bad peers";
  if (h.binary !== undefined && (typeof h.binary !== "number" || !Number.isSafeInteger(h.binary) || h.binary < 0)) return "hello: bad binary";
  const hello: HelloPayload = {
    protocolVersion: h.protocolVersion,
    chainId: h.chainId as Hex,
    genesisHash: h.genesisHash.toLowerCase() as Hex,
    nodeId: h.nodeId,
    validator: h.validator === null ? null : (h.validator as Hex),
    height: h.height as Hex,
    finalized: h.finalized as Hex,
  };
  if (h.peers !== undefined) hello.peers = h.peers as string[] | null;
  if (h.binary !== undefined) hello.binary = h.binary as number;
  return hello;
}

/** Validates a `status` payload. */
export function parseStatus(p: unknown): StatusPayload | string {
  if (typeof p !== "object" || p === null) return "status payload is not an object";
  const s = p as Record<string, unknown>;
  if (typeof s.height !== "string" || !QUANTITY.test(s.height)) return "status: bad height";
  if (typeof s.finalized !== "string" || !QUANTITY.test(s.finalized)) return "status: bad finalized";
  if (s.peers !== undefined && s.peers !== null && !isNodeIdList(s.peers)) return "status: bad peers";
  const status: StatusPayload = { height: BigInt(s.height), finalized: BigInt(s.finalized) };
  if (s.peers !== undefined) status.peers = s.peers as string[] | null;
  return status;
}

function isNodeIdList(v: unknown): v is string[] {
  return Array.isArray(v) && v.length <= MAX_ADVERTISED_PEERS && v.every((id) => typeof id === "string" && NODE_ID_PATTERN.test(id));
}

/** A WebSocket close reason is at most 123 bytes of UTF-8. */
export function closeReason(reason: string): string {
  let r = reason;
  while (Buffer.byteLength(r, "utf8") > 123) r = r.slice(0, -1);
  return r;
}
