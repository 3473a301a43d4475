/**
 * The one configuration object of the peer layer, its defaults and its validation (an unknown or wrong key is an
 * error that names the key).
 */
import { randomBytes } from "node:crypto";
import { P2pError } from "./errors";
import { NODE_ID_PATTERN } from "./frames";

export type LogLevel = "debug" | "info" | "warn" | "error";
export type P2pLogger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface PeerNetworkOptions {
  /** Where to accept peers; port 0 = an ephemeral port; null = dial-only. */
  listen: { host: string; port: number } | null;
  /** ws://host:port URLs to dial, and to keep redialling while they are down. */
  peers: string[];
  /** Handshake: a peer with another chain id or genesis hash is refused with a reason. */
  chainId: bigint;
  genesisHash: string;
  /** This node's id; a random 16-byte hex string if absent. */
  nodeId?: string;
  /** Advertised in the handshake (informational). */
  validatorAddress?: string | null;
  /** Default 50: inbound connections beyond it are refused (configured peers are always dialled). */
  maxPeers?: number;
  /** Default 16 MiB: a peer sending a larger frame is disconnected; larger frames are not sent. */
  maxMessageBytes?: number;
  /** Redial backoff, exponential with jitter; defaults 250 / 5000 ms. */
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  /** Default 10000 ms. */
  requestTimeoutMs?: number;
  /** WebSocket ping period, default 5000 ms; a peer silent for about 3 periods is dropped. */
  pingIntervalMs?: number;
  /** Default 5000 ms: time for the WebSocket upgrade and the peer's `hello`. */
  handshakeTimeoutMs?: number;
  /** Minimum time between two `status` frames, default 200 ms (the latest status is always sent). */
  statusThrottleMs?: number;
  /** Default 16384: most items in a binary frame (`broadcastBytes`); a frame with more is malformed. */
  maxFrameItems?: number;
  /** Malformed frames tolerated per connection before it is dropped, default 10. */
  maxMalformedFrames?: number;
  /** Gossip deduplication cache, default 20000 entries. */
  seenCacheSize?: number;
  /** Message types that are always relayed (as if broadcast with `relay: true`). */
  gossipTypes?: string[];
  log?: P2pLogger;
}

export interface ResolvedOptions {
  listen: { host: string; port: number } | null;
  peers: string[];
  chainId: bigint;
  genesisHash: string;
  nodeId: string;
  validatorAddress: string | null;
  maxPeers: number;
  maxMessageBytes: number;
  reconnectMinMs: number;
  reconnectMaxMs: number;
  requestTimeoutMs: number;
  pingIntervalMs: number;
  handshakeTimeoutMs: number;
  statusThrottleMs: number;
  maxFrameItems: number;
  maxMalformedFrames: number;
  seenCacheSize: number;
  gossipTypes: string[];
  log: P2pLogger;
}

const KEYS: ReadonlySet<string> = new Set([
  "listen", "peers", "chainId", "genesisHash", "nodeId", "validatorAddress", "maxPeers", "maxMessageBytes",
  "reconnectMinMs", "reconnectMaxMs", "requestTimeoutMs", "pingIntervalMs", "handshakeTimeoutMs", "statusThrottleMs",
  "maxFrameItems", "maxMalformedFrames", "seenCacheSize", "gossipTypes", "log",
]);

function bad(key: string, what: string): P2pError {
  return new P2pError("P2P_INVALID_OPTIONS", `PeerNetworkOptions.${key}: ${what}`);
}

function positiveInt(o: Record<string, unknown>, key: string, def: number, min = 1): number {
  const v = o[key];
  if (v === undefined) return def;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < min) throw bad(key, `expected an integer >= ${min}, got ${String(v)}`);
  return v;
}

const noop: P2pLogger = () => undefined;

/** Applies the defaults and validates; throws P2pError("P2P_INVALID_OPTIONS") naming the offending key. */
export function resolveOptions(opts: PeerNetworkOptions): ResolvedOptions {
  if (typeof opts !== "object" || opts === null) throw new P2pError("P2P_INVALID_OPTIONS", "PeerNetworkOptions: expected an object");
  const o = opts as unknown as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.has(k)) throw bad(k, "unknown option");

  let listen: ResolvedOptions["listen"] = null;
  if (o.listen !== null) {
    const l = o.listen as { host?: unknown; port?: unknown } | undefined;
    if (typeof l !== "object" || l === null) throw bad("listen", "expected { host, port } or null");
    if (typeof l.host !== "string" || l.host.length === 0) throw bad("listen.host", "expected a host name or address");
    if (typeof l.port !== "number" || !Number.isInteger(l.port) || l.port < 0 || l.port > 65535) {
      throw bad("listen.port", `expected 0..65535, got ${String(l.port)}`);
    }
    listen = { host: l.host, port: l.port };
  }

  if (!Array.isArray(o.peers)) throw bad("peers", "expected an array of ws:// URLs");
  const peers: string[] = [];
  for (const [i, u] of (o.peers as unknown[]).entries()) {
    let parsed: URL | null = null;
    try {
      parsed = typeof u === "string" ? new URL(u) : null;
    } catch {
      parsed = null;
    }
    if (parsed === null || (parsed.protocol !== "ws:" && parsed.protocol !== "wss:")) {
      throw bad(`peers[${i}]`, `expected a ws://host:port URL, got ${String(u)}`);
    }
    if (!peers.includes(u as string)) peers.push(u as string);
  }

  if (typeof o.chainId !== "bigint" || o.chainId < 0n) throw bad("chainId", "expected a non-negative bigint");
  if (typeof o.genesisHash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(o.genesisHash)) {
    throw bad("genesisHash", "expected a 0x-prefixed 32-byte hex string");
  }

  let nodeId: string;
  if (o.nodeId === undefined) nodeId = randomBytes(16).toString("hex");
  else if (typeof o.nodeId === "string" && NODE_ID_PATTERN.test(o.nodeId)) nodeId = o.nodeId;
  else throw bad("nodeId", "expected 1-128 characters of [A-Za-z0-9._-]");

  let validatorAddress: string | null = null;
  if (o.validatorAddress !== undefined && o.validatorAddress !== null) {
    if (typeof o.validatorAddress !== "string" || !/^0x[0-9a-fA-F]{40}$/.test(o.validatorAddress)) {
      throw bad("validatorAddress", "expected a 0x-prefixed 20-byte address or null");
    }
    validatorAddress = o.validatorAddress;
  }

  const reconnectMinMs = positiveInt(o, "reconnectMinMs", 250);
  const reconnectMaxMs = positiveInt(o, "reconnectMaxMs", Math.max(5000, reconnectMinMs));
  if (reconnectMaxMs < reconnectMinMs) throw bad("reconnectMaxMs", "must be >= reconnectMinMs");

  let gossipTypes: string[] = [];
  if (o.gossipTypes !== undefined) {
    if (!Array.isArray(o.gossipTypes) || !o.gossipTypes.every((t) => typeof t === "string" && t.length > 0)) {
      throw bad("gossipTypes", "expected an array of message type names");
    }
    gossipTypes = [...(o.gossipTypes as string[])];
  }
  if (o.log !== undefined && typeof o.log !== "function") throw bad("log", "expected a function (level, msg, fields)");

  return {
    listen,
    peers,
    chainId: o.chainId,
    genesisHash: o.genesisHash.toLowerCase(),
    nodeId,
    validatorAddress,
    maxPeers: positiveInt(o, "maxPeers", 50),
    maxMessageBytes: positiveInt(o, "maxMessageBytes", 16 * 1024 * 1024, 1024),
    reconnectMinMs,
    reconnectMaxMs,
    requestTimeoutMs: positiveInt(o, "requestTimeoutMs", 10_000),
    pingIntervalMs: positiveInt(o, "pingIntervalMs", 5000, 10),
    handshakeTimeoutMs: positiveInt(o, "handshakeTimeoutMs", 5000),
    statusThrottleMs: positiveInt(o, "statusThrottleMs", 200, 0),
    maxFrameItems: positiveInt(o, "maxFrameItems", 16_384),
    maxMalformedFrames: positiveInt(o, "maxMalformedFrames", 10, 0),
    seenCacheSize: positiveInt(o, "seenCacheSize", 20_000),
    gossipTypes,
    log: (o.log as P2pLogger | undefined) ?? noop,
  };
}
