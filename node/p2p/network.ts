/**
 * The peer layer: a chain-agnostic transport over WebSocket that the consensus uses to gossip transactions,
 * proposals and signatures, and to ask peers for blocks when it syncs.
 *
 * - Handshake: the first frame each way is `hello` (chain id, genesis hash, node id, validator, height, finalized,
 *   protocol version, the node ids the sender is connected to, the binary frame version it accepts). A peer of another
 *   chain, genesis or protocol is refused with a close reason both sides log; a connection to ourselves is dropped and not redialled; of two connections between the same two nodes the one
 *   dialled by the lower node id is kept (both sides decide alike, so exactly one survives).
 * - Gossip: a message broadcast with `relay: true` (or of a type listed in `gossipTypes`) is relayed once by every
 *   receiver to those of its other peers that are not connected to the peer it came from, as both ends of that link
 *   advertise it (`peers` in `hello` and `status`; a node sends its `status` at once when its peers change, before
 *   anything else, so what it advertises is current for every later frame of its own). The sender gave it to those
 *   itself: in a full mesh nothing is relayed, in a line or a star everything still reaches everyone. A peer that
 *   advertises nothing (an older node) is relayed to as before. A seen-cache keyed by a hash of (type, payload)
 *   drops the copies.
 * - Bulk bytes: `broadcastBytes(type, items)` sends a list of byte strings as one binary frame (binary.ts), received
 *   as a `"bytes"` event and relayed as received (deduplicated by a hash of the frame); peers that did not advertise
 *   binary frames get the same message as JSON (`{t, p: ["0x…", …]}`), as older versions sent it.
 * - Requests: `request()` sends a frame with an id; the peer's `onRequest` handler answers it, or its error comes
 *   back as a rejected promise with the handler's message; no answer within `requestTimeoutMs` rejects too.
 * - Robustness: frames over `maxMessageBytes` drop the sender (ws `maxPayload`); malformed frames (text or binary)
 *   are counted and past `maxMalformedFrames` drop the sender; a peer that answers no ping for ~3 intervals is
 *   dropped; configured peers are redialled forever with exponential backoff and jitter; nothing a peer sends can
 *   throw out of here.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import WebSocket, { WebSocketServer, type RawData } from "ws";
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import { backoffDelay } from "./backoff";
import { BINARY_VERSION, bytesKey, decodeBytesFrame, encodeBytesFrame, typeBytes, withRelayFlag } from "./binary";
import { P2pError } from "./errors";
import {
  CloseCode,
  PROTOCOL_VERSION,
  RESERVED_TYPES,
  MAX_ADVERTISED_PEERS,
  MAX_TYPE_LENGTH,
  closeReason,
  parseFrame,
  parseHello,
  parseStatus,
  toQuantity,
  type Frame,
  type HelloPayload,
  type PeerStatus,
} from "./frames";
import { resolveOptions, type PeerNetworkOptions, type ResolvedOptions } from "./options";
import { SeenCache, gossipKey } from "./seenCache";

export { P2pError, type P2pErrorCode } from "./errors";
export type { PeerNetworkOptions, P2pLogger, LogLevel } from "./options";
export type { PeerStatus } from "./frames";

/** A connected peer: its node id, validator address (if it is one), URL, direction and advertised height. */
export interface PeerInfo {
  id: string;
  address: Hex | null;
  url: string;
  direction: "inbound" | "outbound";
  height: Hex;
}

/**
 * A connected peer as `peers()` lists it: its info, its advertised status, and the node ids it advertises being
 * connected to (sorted; null for a node that does not advertise them).
 */
export type PeerEntry = PeerInfo & { status: PeerStatus; neighbours: string[] | null };

/** Counters since start: frames and bytes on the wire, gossip copies relayed and dropped, malformed frames. */
export interface PeerNetworkStats {
  framesReceived: number;
  bytesReceived: number;
  framesSent: number;
  bytesSent: number;
  /** Frames sent on behalf of another node (one per peer relayed to). */
  relayed: number;
  /** Gossip copies received again and dropped by the seen-cache. */
  duplicates: number;
  malformed: number;
}

/** A handshake that one side refused: `by: "local"` when we refused the peer, `"remote"` when it refused us. */
export interface PeerRefusal {
  url: string;
  direction: "inbound" | "outbound";
  nodeId: string | null;
  reason: string;
  by: "local" | "remote";
}

export interface BroadcastOptions {
  /**
   * A peer id not to send to (typically the peer the message came from). With `relay`, that peer is taken to have
   * the message already: our peers, seeing it connected to us, do not pass it back to it.
   */
  except?: string;
  /** Receivers relay the message once to their peers that the sender is not connected to (deduplicated network-wide). */
  relay?: boolean;
}

export interface RequestOptions {
  /** Overrides `requestTimeoutMs` for this request. */
  timeoutMs?: number;
}

export type RequestHandler = (peerId: string, payload: unknown) => Promise<unknown>;

export type PeerNetworkEvents = {
  message: [peerId: string, type: string, payload: unknown];
  /**
   * A binary frame (`broadcastBytes`/`sendBytes`). The items are views over the received frame (no copy): read them;
   * `slice()` one you keep or post to a worker (a posted view clones the whole frame's buffer).
   */
  bytes: [peerId: string, type: string, items: Uint8Array[]];
  "peer:connect": [info: PeerInfo];
  "peer:disconnect": [peerId: string, reason: string];
  "peer:status": [peerId: string, status: PeerStatus];
  "peer:refused": [refusal: PeerRefusal];
};

interface Dialer {
  url: string;
  attempt: number;
  timer: NodeJS.Timeout | null;
  conn: Conn | null;
  /** The node id this URL answered with last time (to wait, not redial, while that node is connected otherwise). */
  remoteId: string | null;
  /** The URL is ourselves: never dialled again. */
  self: boolean;
}

interface Conn {
  ws: WebSocket;
  direction: "inbound" | "outbound";
  url: string;
  dialer: Dialer | null;
  hello: HelloPayload | null;
  peer: Peer | null;
  malformed: number;
  lastSeen: number;
  /** Why we closed it (null while open, or when the peer closed it). */
  closeReason: string | null;
  handshakeTimer: NodeJS.Timeout | null;
  killTimer: NodeJS.Timeout | null;
  closed: boolean;
  whenClosed: Promise<void>;
  markClosed: () => void;
}

interface Peer {
  id: string;
  conn: Conn;
  status: PeerStatus;
  validator: Hex | null;
  /** The node ids it advertises being connected to; null when it advertises none (an older node). */
  neighbours: ReadonlySet<string> | null;
  /** It accepts binary frames of our version. */
  binary: boolean;
}

interface PendingRequest {
  peerId: string;
  type: string;
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** Time a closing connection gets for the WebSocket closing handshake before its socket is destroyed. */
const CLOSE_GRACE_MS = 1000;
/** The close reason of the connection that loses duplicate resolution. */
const DUPLICATE = "duplicate connection";
/** Longest handler error message sent back to a requester. */
const MAX_ERROR_MESSAGE = 1000;

export class PeerNetwork extends EventEmitter<PeerNetworkEvents> {
  readonly nodeId: string;
  private readonly opts: ResolvedOptions;
  private readonly gossipTypes: Set<string>;
  private readonly seen: SeenCache;
  private readonly handlers = new Map<string, RequestHandler>();
  private readonly conns = new Set<Conn>();
  private readonly peersById = new Map<string, Peer>();
  private readonly pending = new Map<number, PendingRequest>();
  private dialers: Dialer[] = [];
  private wss: WebSocketServer | null = null;
  private boundUrl: string | null = null;
  private running = false;
  private nextRequestId = 0;
  private pingTimer: NodeJS.Timeout | null = null;
  private status: PeerStatus = { height: 0n, finalized: 0n };
  private statusTimer: NodeJS.Timeout | null = null;
  private lastStatusSent = 0;
  private readonly counters: PeerNetworkStats = {
    framesReceived: 0,
    bytesReceived: 0,
    framesSent: 0,
    bytesSent: 0,
    relayed: 0,
    duplicates: 0,
    malformed: 0,
  };

  constructor(opts: PeerNetworkOptions) {
    super();
    this.opts = resolveOptions(opts);
    this.nodeId = this.opts.nodeId;
    this.gossipTypes = new Set(this.opts.gossipTypes);
    this.seen = new SeenCache(this.opts.seenCacheSize);
  }

  /** ws://host:port actually bound (null when dial-only or not started). */
  get url(): string | null {
    return this.boundUrl;
  }

  /** Listens (when configured) and dials the configured peers. Rejects with LISTEN_FAILED if the port is taken. */
  async start(): Promise<void> {
    if (this.running) return;
    if (this.opts.listen !== null) {
      const { host, port } = this.opts.listen;
      const wss = new WebSocketServer({
        host,
        port,
        maxPayload: this.opts.maxMessageBytes,
        perMessageDeflate: false,
        clientTracking: false,
      });
      await new Promise<void>((resolve, reject) => {
        const onError = (err: Error) => {
          wss.off("listening", onListening);
          reject(new P2pError("P2P_LISTEN_FAILED", `cannot listen on ${host}:${port}: ${err.message}; choose another port`));
        };
        const onListening = () => {
          wss.off("error", onError);
          resolve();
        };
        wss.once("error", onError);
        wss.once("listening", onListening);
      });
      wss.on("error", (err) => this.log("error", "p2p server error", { error: err.message }));
      wss.on("connection", (ws, req) => this.guard("inbound connection", () => this.onInbound(ws, req)));
      const addr = wss.address();
      if (typeof addr === "object" && addr !== null) {
        const h = addr.family === "IPv6" || addr.address.includes(":") ? `[${addr.address}]` : addr.address;
        this.boundUrl = `ws://${h}:${addr.port}`;
      }
      this.wss = wss;
    }
    this.running = true;
    this.pingTimer = setInterval(() => this.guard("heartbeat", () => this.heartbeat()), this.opts.pingIntervalMs);
    this.dialers = this.opts.peers.map((url) => ({ url, attempt: 0, timer: null, conn: null, remoteId: null, self: false }));
    for (const d of this.dialers) this.dial(d);
    this.log("info", "p2p started", { nodeId: this.nodeId, url: this.boundUrl, peers: this.opts.peers });
  }

  /** Closes every connection and the listener, rejects pending requests; leaves no timer behind. */
  async stop(): Promise<void> {
    if (!this.running && this.wss === null) return;
    this.running = false;
    if (this.pingTimer) clearInterval(this.pingTimer);
    this.pingTimer = null;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    for (const d of this.dialers) if (d.timer) clearTimeout(d.timer);
    this.dialers = [];
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(new P2pError("P2P_NETWORK_STOPPED", `request "${p.type}" abandoned: the peer network was stopped`));
    }
    const closing = [...this.conns].map((c) => {
      this.closeConn(c, CloseCode.shutdown, "shutting down");
      return c.whenClosed;
    });
    await Promise.all(closing);
    const wss = this.wss;
    this.wss = null;
    this.boundUrl = null;
    if (wss) await new Promise<void>((resolve) => wss.close(() => resolve()));
    this.log("info", "p2p stopped", { nodeId: this.nodeId });
  }

  /** The height and finalized height advertised to peers; sent on change, at most once per `statusThrottleMs`. */
  setStatus(status: { height: bigint; finalized: bigint }): void {
    if (typeof status?.height !== "bigint" || typeof status.finalized !== "bigint" || status.height < 0n || status.finalized < 0n) {
      throw new P2pError("P2P_INVALID_PAYLOAD", "setStatus: height and finalized must be non-negative bigints");
    }
    if (status.height === this.status.height && status.finalized === this.status.finalized) return;
    this.status = { height: status.height, finalized: status.finalized };
    if (!this.running || this.statusTimer) return;
    const wait = this.lastStatusSent + this.opts.statusThrottleMs - Date.now();
    if (wait <= 0) this.sendStatus();
    else
      this.statusTimer = setTimeout(() => {
        this.statusTimer = null;
        this.guard("status", () => this.sendStatus());
      }, wait);
  }

  /** Marks a message type as gossip: always relayed by receivers, as if broadcast with `relay: true`. */
  registerGossip(type: string): void {
    this.checkType(type);
    this.gossipTypes.add(type);
  }

  /**
   * Sends a message to every connected peer (but `except`). With `relay` (or a gossip type) receivers pass it on
   * once, so it reaches the whole connected network. Throws INVALID_PAYLOAD / MESSAGE_TOO_LARGE / RESERVED_TYPE.
   */
  broadcast(type: string, payload: unknown, opts: BroadcastOptions = {}): void {
    this.checkType(type);
    const payloadJson = this.serialise(type, payload);
    const relay = opts.relay === true || this.gossipTypes.has(type);
    if (relay) this.seen.add(gossipKey(type, payloadJson));
    const data = frameText(type, payloadJson, relay);
    const size = this.checkSize(type, data);
    for (const peer of this.peersById.values()) if (peer.id !== opts.except) this.sendRaw(peer.conn, data, size);
  }

  /**
   * Sends a list of byte strings (raw transactions, say) to every connected peer (but `except`) as one binary frame;
   * peers receive it as a `"bytes"` event. With `relay` (or a gossip type) receivers pass it on as `broadcast` does.
   * Peers that do not take binary frames (older nodes) get `{t: type, p: ["0x…", …]}` as a `"message"`. Throws
   * INVALID_PAYLOAD (not a list of Uint8Array, more than `maxFrameItems`), MESSAGE_TOO_LARGE, RESERVED_TYPE.
   */
  broadcastBytes(type: string, items: readonly Uint8Array[], opts: BroadcastOptions = {}): void {
    const relay = opts.relay === true || this.gossipTypes.has(type);
    const frame = this.bytesFrame(type, items, relay);
    if (relay) this.seen.add(bytesKey(frame));
    const json = new LazyJson(type, items, relay, this.opts.maxMessageBytes);
    this.sendBytesTo(this.targets(opts.except, undefined), frame, json, false);
  }

  /** Sends a list of byte strings to one peer as one binary frame; returns false when that peer is not connected. */
  sendBytes(peerId: string, type: string, items: readonly Uint8Array[]): boolean {
    const frame = this.bytesFrame(type, items, false);
    const peer = this.peersById.get(peerId);
    if (peer === undefined) return false;
    return this.sendBytesTo([peer], frame, new LazyJson(type, items, false, this.opts.maxMessageBytes), false) > 0;
  }

  /** Counters since start (frames, bytes, relayed and duplicate gossip, malformed frames). */
  stats(): PeerNetworkStats {
    return { ...this.counters };
  }

  /** Sends a message to one peer; returns false when that peer is not connected. */
  send(peerId: string, type: string, payload: unknown): boolean {
    this.checkType(type);
    const data = frameText(type, this.serialise(type, payload), false);
    const size = this.checkSize(type, data);
    const peer = this.peersById.get(peerId);
    return peer !== undefined && this.sendRaw(peer.conn, data, size);
  }

  /**
   * Asks one peer; resolves with its handler's result. Rejects with PEER_UNKNOWN, PEER_DISCONNECTED,
   * REQUEST_TIMEOUT, REMOTE_ERROR (the handler's own message), or NETWORK_STOPPED.
   */
  request<T>(peerId: string, type: string, payload: unknown, opts: RequestOptions = {}): Promise<T> {
    try {
      this.checkType(type);
      const peer = this.peersById.get(peerId);
      if (!peer) throw new P2pError("P2P_PEER_UNKNOWN", `request "${type}": peer ${peerId} is not connected; pick one from peers()`);
      const id = ++this.nextRequestId;
      const payloadJson = this.serialise(type, payload);
      const data = `{"t":${JSON.stringify(type)},"p":${payloadJson},"id":${id}}`;
      const size = this.checkSize(type, data);
      const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new P2pError("P2P_REQUEST_TIMEOUT", `request "${type}" to peer ${peerId} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        this.pending.set(id, { peerId, type, resolve: resolve as (v: unknown) => void, reject, timer });
        if (!this.sendRaw(peer.conn, data, size)) {
          clearTimeout(timer);
          this.pending.delete(id);
          reject(new P2pError("P2P_PEER_DISCONNECTED", `request "${type}": peer ${peerId} disconnected`));
        }
      });
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** Answers requests of `type` (one handler per type; a later call replaces it). */
  onRequest(type: string, handler: (peerId: string, payload: unknown) => Promise<unknown>): void {
    this.checkType(type);
    this.handlers.set(type, handler);
  }

  /** The connected peers, one entry per node (never two for one node id). */
  peers(): PeerEntry[] {
    return [...this.peersById.values()].map((p) => this.peerEntry(p));
  }

  /** The connected peers as `luniverse_peers` returns them (no bigints: ready for JSON). */
  peerInfos(): PeerInfo[] {
    return this.peers().map(({ id, address, url, direction, height }) => ({ id, address, url, direction, height }));
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Connections

  private dial(d: Dialer): void {
    if (!this.running || d.self || d.conn) return;
    const ws = new WebSocket(d.url, {
      maxPayload: this.opts.maxMessageBytes,
      perMessageDeflate: false,
      handshakeTimeout: this.opts.handshakeTimeoutMs,
    });
    const conn = this.track(ws, "outbound", d.url, d);
    d.conn = conn;
    ws.on("open", () => this.guard("open", () => this.sendHello(conn)));
  }

  private scheduleDial(d: Dialer): void {
    if (!this.running || d.self || d.timer || d.conn) return;
    // Connected to that node through an inbound connection: wait until it goes away.
    if (d.remoteId !== null && this.peersById.has(d.remoteId)) return;
    const delay = backoffDelay(d.attempt++, this.opts.reconnectMinMs, this.opts.reconnectMaxMs);
    this.log("debug", "redial scheduled", { url: d.url, delayMs: delay, attempt: d.attempt });
    d.timer = setTimeout(() => {
      d.timer = null;
      if (d.remoteId !== null && this.peersById.has(d.remoteId)) return;
      this.guard("dial", () => this.dial(d));
    }, delay);
  }

  private onInbound(ws: WebSocket, req: IncomingMessage): void {
    const addr = req.socket.remoteAddress ?? "unknown";
    const url = `ws://${addr.includes(":") ? `[${addr}]` : addr}:${req.socket.remotePort ?? 0}`;
    if (!this.running) {
      ws.terminate();
      return;
    }
    const conn = this.track(ws, "inbound", url, null);
    let handshaking = 0;
    for (const c of this.conns) if (c.hello === null && c.direction === "inbound") handshaking++;
    if (this.peersById.size + handshaking > this.opts.maxPeers) {
      this.closeConn(conn, CloseCode.tooManyPeers, `too many peers (max ${this.opts.maxPeers})`);
      return;
    }
    this.sendHello(conn);
  }

  private track(ws: WebSocket, direction: "inbound" | "outbound", url: string, dialer: Dialer | null): Conn {
    let markClosed!: () => void;
    const whenClosed = new Promise<void>((r) => (markClosed = r));
    const conn: Conn = {
      ws,
      direction,
      url,
      dialer,
      hello: null,
      peer: null,
      malformed: 0,
      lastSeen: Date.now(),
      closeReason: null,
      handshakeTimer: null,
      killTimer: null,
      closed: false,
      whenClosed,
      markClosed,
    };
    conn.handshakeTimer = setTimeout(() => {
      conn.handshakeTimer = null;
      this.closeConn(conn, CloseCode.protocolError, `no hello within ${this.opts.handshakeTimeoutMs} ms`);
    }, this.opts.handshakeTimeoutMs);
    this.conns.add(conn);
    ws.on("message", (data, isBinary) => this.guard("frame", () => this.onFrame(conn, data, isBinary)));
    ws.on("pong", () => (conn.lastSeen = Date.now()));
    ws.on("ping", () => (conn.lastSeen = Date.now()));
    ws.on("error", (err) => this.guard("socket error", () => this.onSocketError(conn, err)));
    ws.on("close", (code, reason) => this.guard("close", () => this.onClose(conn, code, reason.toString("utf8"))));
    return conn;
  }

  private closeConn(conn: Conn, code: number, reason: string): void {
    if (conn.closed) return;
    if (conn.closeReason === null) conn.closeReason = reason;
    const ws = conn.ws;
    if (ws.readyState === WebSocket.CONNECTING) {
      ws.terminate();
      return;
    }
    if (ws.readyState === WebSocket.OPEN) ws.close(code, closeReason(reason));
    if (conn.killTimer === null) conn.killTimer = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
  }

  private onSocketError(conn: Conn, err: Error & { code?: string }): void {
    if (err.code === "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH") {
      conn.closeReason ??= `sent a frame larger than maxMessageBytes (${this.opts.maxMessageBytes})`;
      this.log("warn", "peer sent an oversized frame", { url: conn.url, nodeId: conn.hello?.nodeId ?? null });
      return;
    }
    conn.closeReason ??= err.message;
    this.log("debug", "socket error", { url: conn.url, error: err.message });
  }

  private onClose(conn: Conn, code: number, remoteReason: string): void {
    if (conn.closed) return;
    conn.closed = true;
    if (conn.handshakeTimer) clearTimeout(conn.handshakeTimer);
    if (conn.killTimer) clearTimeout(conn.killTimer);
    conn.handshakeTimer = conn.killTimer = null;
    this.conns.delete(conn);
    conn.markClosed();

    const byPeer = conn.closeReason === null;
    const reason =
      conn.closeReason ??
      (code === CloseCode.messageTooBig
        ? "peer refused a frame larger than its limit"
        : remoteReason
          ? `closed by peer: ${remoteReason}`
          : `closed by peer (code ${code})`);
    if (byPeer && code === CloseCode.handshakeRefused) {
      this.log("warn", "peer refused the handshake", { url: conn.url, reason: remoteReason });
      this.emitSafe("peer:refused", {
        url: conn.url,
        direction: conn.direction,
        nodeId: conn.hello?.nodeId ?? null,
        reason: remoteReason,
        by: "remote",
      });
    } else if (byPeer && code === CloseCode.selfConnection) {
      this.log("info", "dropped a connection to ourselves", { url: conn.url });
    }

    const peer = conn.peer;
    if (peer && this.peersById.get(peer.id) === peer && peer.conn === conn) {
      this.peersById.delete(peer.id);
      for (const [id, p] of this.pending) {
        if (p.peerId !== peer.id) continue;
        clearTimeout(p.timer);
        this.pending.delete(id);
        p.reject(new P2pError("P2P_PEER_DISCONNECTED", `request "${p.type}": peer ${peer.id} disconnected (${reason})`));
      }
      this.log("info", "peer disconnected", { nodeId: peer.id, url: conn.url, reason });
      this.announcePeers();
      this.emitSafe("peer:disconnect", peer.id, reason);
      for (const d of this.dialers) if (d.remoteId === peer.id && d !== conn.dialer) this.scheduleDial(d);
    } else {
      this.log("debug", "connection closed", { url: conn.url, direction: conn.direction, reason });
    }

    const d = conn.dialer;
    if (d && d.conn === conn) {
      d.conn = null;
      this.scheduleDial(d);
    }
  }

  private heartbeat(): void {
    const now = Date.now();
    const deadAfter = 2 * this.opts.pingIntervalMs;
    for (const conn of this.conns) {
      if (conn.closed || conn.closeReason !== null || conn.ws.readyState !== WebSocket.OPEN) continue;
      if (now - conn.lastSeen > deadAfter) {
        conn.closeReason = `no answer to ping for ${now - conn.lastSeen} ms`;
        this.log("warn", "dropping an unresponsive peer", { url: conn.url, nodeId: conn.hello?.nodeId ?? null });
        conn.ws.terminate();
        continue;
      }
      conn.ws.ping();
    }
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Frames

  private onFrame(conn: Conn, data: RawData, isBinary: boolean): void {
    if (conn.closed) return;
    conn.lastSeen = Date.now();
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    this.counters.framesReceived++;
    this.counters.bytesReceived += buf.length;
    if (isBinary) return this.onBinaryFrame(conn, buf);
    const frame = parseFrame(buf.toString("utf8"));
    if (typeof frame === "string") return this.malformed(conn, frame);
    if (conn.hello === null) {
      if (frame.t !== "hello") {
        this.closeConn(conn, CloseCode.protocolError, `expected hello, got "${frame.t.slice(0, 40)}"`);
        return;
      }
      return this.onHello(conn, frame.p);
    }
    const peerId = conn.hello.nodeId;
    if (conn.closeReason !== null && conn.closeReason !== DUPLICATE) {
      // Closing for cause: only answers to our requests still count. (A duplicate being closed still carries what
      // the peer sent before it switched to the kept connection; gossip copies are dropped by the seen-cache.)
      if (frame.re !== undefined) this.onResponse(peerId, frame);
      return;
    }
    if (frame.t === "hello") return this.malformed(conn, "second hello");
    if (frame.re !== undefined) return this.onResponse(peerId, frame);
    if (frame.t === "status") return this.onStatus(conn, frame.p);
    if (frame.id !== undefined) return this.onRequestFrame(peerId, conn, frame);
    this.onMessage(peerId, frame);
  }

  private onBinaryFrame(conn: Conn, buf: Buffer): void {
    const f = decodeBytesFrame(buf, this.opts.maxFrameItems);
    if (typeof f === "string") return this.malformed(conn, f);
    if (conn.hello === null) {
      this.closeConn(conn, CloseCode.protocolError, "expected hello, got a binary frame");
      return;
    }
    if (conn.closeReason !== null && conn.closeReason !== DUPLICATE) return;
    const peerId = conn.hello.nodeId;
    if (f.relay || this.gossipTypes.has(f.type)) {
      if (!this.seen.add(bytesKey(buf))) {
        this.counters.duplicates++;
        return;
      }
      const targets = this.targets(peerId, peerId);
      if (targets.length > 0) this.sendBytesTo(targets, withRelayFlag(buf), new LazyJson(f.type, f.items, true, this.opts.maxMessageBytes), true);
    }
    this.emitSafe("bytes", peerId, f.type, f.items);
  }

  private malformed(conn: Conn, why: string): void {
    conn.malformed++;
    this.counters.malformed++;
    if (conn.hello === null) {
      this.closeConn(conn, CloseCode.protocolError, `malformed handshake: ${why}`);
      return;
    }
    this.log("debug", "malformed frame", { nodeId: conn.hello.nodeId, why, count: conn.malformed });
    if (conn.malformed > this.opts.maxMalformedFrames) {
      this.log("warn", "dropping a peer that sends malformed frames", { nodeId: conn.hello.nodeId, count: conn.malformed });
      this.closeConn(conn, CloseCode.malformedFrames, `too many malformed frames (${conn.malformed}), last: ${why}`);
    }
  }

  private sendHello(conn: Conn): void {
    const hello: HelloPayload = {
      chainId: toQuantity(this.opts.chainId),
      genesisHash: this.opts.genesisHash as Hex,
      nodeId: this.nodeId,
      validator: (this.opts.validatorAddress as Hex | null) ?? null,
      height: toQuantity(this.status.height),
      finalized: toQuantity(this.status.finalized),
      protocolVersion: PROTOCOL_VERSION,
      peers: this.advertisedPeers(),
      binary: BINARY_VERSION,
    };
    this.sendRaw(conn, JSON.stringify({ t: "hello", p: hello }));
  }

  private onHello(conn: Conn, payload: unknown): void {
    const h = parseHello(payload);
    if (typeof h === "string") {
      conn.malformed++;
      this.closeConn(conn, CloseCode.protocolError, `malformed handshake: ${h}`);
      return;
    }
    if (h.nodeId === this.nodeId) {
      if (conn.dialer) conn.dialer.self = true;
      this.log("info", "dropped a connection to ourselves", { url: conn.url });
      this.closeConn(conn, CloseCode.selfConnection, "self-connection");
      return;
    }
    const refusal =
      h.protocolVersion !== PROTOCOL_VERSION
        ? `protocol version mismatch: ours ${PROTOCOL_VERSION}, theirs ${h.protocolVersion}`
        : BigInt(h.chainId) !== this.opts.chainId
          ? `chain id mismatch: ours ${this.opts.chainId}, theirs ${BigInt(h.chainId)}`
          : h.genesisHash !== this.opts.genesisHash
            ? `genesis hash mismatch: ours ${short(this.opts.genesisHash)}, theirs ${short(h.genesisHash)}`
            : null;
    if (refusal !== null) {
      this.log("warn", "refusing a peer", { url: conn.url, nodeId: h.nodeId, reason: refusal });
      this.emitSafe("peer:refused", { url: conn.url, direction: conn.direction, nodeId: h.nodeId, reason: refusal, by: "local" });
      this.closeConn(conn, CloseCode.handshakeRefused, refusal);
      return;
    }
    if (conn.handshakeTimer) clearTimeout(conn.handshakeTimer);
    conn.handshakeTimer = null;
    conn.hello = h;
    if (conn.dialer) conn.dialer.remoteId = h.nodeId;
    const status: PeerStatus = { height: BigInt(h.height), finalized: BigInt(h.finalized) };

    const existing = this.peersById.get(h.nodeId);
    if (existing) {
      // Both nodes keep the connection dialled by the lower node id, so both keep the same one.
      const lower = this.nodeId < h.nodeId ? this.nodeId : h.nodeId;
      const dialledBy = (c: Conn) => (c.direction === "outbound" ? this.nodeId : h.nodeId);
      if (dialledBy(conn) === lower && dialledBy(existing.conn) !== lower) {
        const old = existing.conn;
        existing.conn = conn;
        existing.status = status;
        existing.neighbours = h.peers == null ? null : new Set(h.peers);
        existing.binary = h.binary === BINARY_VERSION;
        conn.peer = existing;
        if (conn.dialer) conn.dialer.attempt = 0;
        this.log("debug", "duplicate connection: replacing", { nodeId: h.nodeId, keep: conn.direction });
        this.closeConn(old, CloseCode.duplicate, DUPLICATE);
      } else {
        this.log("debug", "duplicate connection: dropping", { nodeId: h.nodeId, drop: conn.direction });
        this.closeConn(conn, CloseCode.duplicate, DUPLICATE);
      }
      return;
    }
    if (conn.direction === "inbound" && this.peersById.size >= this.opts.maxPeers) {
      this.closeConn(conn, CloseCode.tooManyPeers, `too many peers (max ${this.opts.maxPeers})`);
      return;
    }
    const peer: Peer = {
      id: h.nodeId,
      conn,
      status,
      validator: h.validator,
      neighbours: h.peers == null ? null : new Set(h.peers),
      binary: h.binary === BINARY_VERSION,
    };
    conn.peer = peer;
    this.peersById.set(peer.id, peer);
    if (conn.dialer) conn.dialer.attempt = 0;
    this.log("info", "peer connected", { nodeId: peer.id, url: conn.url, direction: conn.direction, validator: peer.validator });
    this.announcePeers();
    const { id, address, url, direction, height } = this.peerEntry(peer);
    this.emitSafe("peer:connect", { id, address, url, direction, height });
  }

  private onStatus(conn: Conn, payload: unknown): void {
    const s = parseStatus(payload);
    if (typeof s === "string") return this.malformed(conn, s);
    const peer = conn.peer;
    if (!peer || peer.conn !== conn) return;
    if (s.peers !== undefined) peer.neighbours = s.peers === null ? null : new Set(s.peers);
    // A status may only tell of new neighbours; the event is for a changed head.
    if (s.height === peer.status.height && s.finalized === peer.status.finalized && s.peers !== undefined) return;
    peer.status = { height: s.height, finalized: s.finalized };
    this.emitSafe("peer:status", peer.id, { ...peer.status });
  }

  private onMessage(peerId: string, frame: Frame): void {
    const payload = frame.p === undefined ? null : frame.p;
    if (frame.r === true || this.gossipTypes.has(frame.t)) {
      const payloadJson = JSON.stringify(payload);
      if (!this.seen.add(gossipKey(frame.t, payloadJson))) {
        this.counters.duplicates++; // seen before: drop the copy
        return;
      }
      const targets = this.targets(peerId, peerId);
      if (targets.length > 0) {
        const data = frameText(frame.t, payloadJson, true);
        const size = Buffer.byteLength(data, "utf8");
        for (const peer of targets) if (this.sendRaw(peer.conn, data, size)) this.counters.relayed++;
      }
    }
    this.emitSafe("message", peerId, frame.t, payload);
  }

  private onRequestFrame(peerId: string, conn: Conn, frame: Frame): void {
    const id = frame.id as number;
    const handler = this.handlers.get(frame.t);
    const reply = (result: { p: unknown } | { e: string }) => {
      let data: string;
      try {
        data = "p" in result
          ? JSON.stringify({ t: frame.t, re: id, p: result.p === undefined ? null : result.p })
          : JSON.stringify({ t: frame.t, re: id, e: result.e });
      } catch (err) {
        data = JSON.stringify({ t: frame.t, re: id, e: `response to "${frame.t}" is not JSON-serialisable: ${errorMessage(err)}` });
      }
      if (Buffer.byteLength(data, "utf8") > this.opts.maxMessageBytes) {
        data = JSON.stringify({ t: frame.t, re: id, e: `response to "${frame.t}" exceeds maxMessageBytes (${this.opts.maxMessageBytes})` });
      }
      const current = this.peersById.get(peerId)?.conn;
      this.sendRaw(current && !current.closed ? current : conn, data);
    };
    if (!handler) {
      reply({ e: `no handler for request type "${frame.t}"` });
      return;
    }
    Promise.resolve()
      .then(() => handler(peerId, frame.p === undefined ? null : frame.p))
      .then(
        (p) => reply({ p }),
        (err: unknown) => reply({ e: errorMessage(err).slice(0, MAX_ERROR_MESSAGE) }),
      )
      .catch((err: unknown) => this.log("error", "answering a request failed", { type: frame.t, error: errorMessage(err) }));
  }

  private onResponse(peerId: string, frame: Frame): void {
    const id = frame.re as number;
    const p = this.pending.get(id);
    if (!p || p.peerId !== peerId) {
      this.log("debug", "answer to no pending request (late or foreign)", { nodeId: peerId, type: frame.t, id });
      return;
    }
    clearTimeout(p.timer);
    this.pending.delete(id);
    if (frame.e !== undefined) p.reject(new P2pError("P2P_REMOTE_ERROR", frame.e));
    else p.resolve(frame.p === undefined ? null : frame.p);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Sending

  private sendStatus(): void {
    this.lastStatusSent = Date.now();
    const data = JSON.stringify({
      t: "status",
      p: { height: toQuantity(this.status.height), finalized: toQuantity(this.status.finalized), peers: this.advertisedPeers() },
    });
    const size = Buffer.byteLength(data, "utf8");
    for (const peer of this.peersById.values()) this.sendRaw(peer.conn, data, size);
  }

  /**
   * The node ids we are connected to, as `hello` and `status` advertise them; null (unknown: peers relay to and for
   * us as to an older node) when there are too many to list or they would take over a quarter of maxMessageBytes.
   */
  private advertisedPeers(): string[] | null {
    if (this.peersById.size > MAX_ADVERTISED_PEERS) return null;
    const ids = [...this.peersById.keys()];
    let bytes = 0;
    for (const id of ids) bytes += id.length + 3;
    return bytes > this.opts.maxMessageBytes / 4 ? null : ids;
  }

  /**
   * Our peers changed: tell the others at once (not throttled), before any later frame of ours, so that a receiver
   * never skips relaying to a node on the strength of a link we no longer have.
   */
  private announcePeers(): void {
    if (!this.running) return;
    if (this.statusTimer) clearTimeout(this.statusTimer);
    this.statusTimer = null;
    this.sendStatus();
  }

  /**
   * The peers a message goes to: all but `except` and, for a message relayed from `from`, all but those that `from`
   * and they both advertise being connected to each other (`from` sent it to them itself).
   */
  private targets(except: string | undefined, from: string | undefined): Peer[] {
    const origin = from === undefined ? undefined : this.peersById.get(from);
    const linked = origin?.neighbours ?? null;
    const out: Peer[] = [];
    for (const peer of this.peersById.values()) {
      if (peer.id === except) continue;
      if (linked !== null && from !== undefined && linked.has(peer.id) && peer.neighbours !== null && peer.neighbours.has(from)) continue;
      out.push(peer);
    }
    return out;
  }

  /** Sends a binary frame to `targets`, as JSON to those that take no binary frames; returns how many it went to. */
  private sendBytesTo(targets: Peer[], frame: Buffer, json: LazyJson, relaying: boolean): number {
    let sent = 0;
    for (const peer of targets) {
      let ok: boolean;
      if (peer.binary) ok = this.sendRaw(peer.conn, frame, frame.length);
      else {
        const text = json.text(this.seen);
        if (text === null) {
          this.log("warn", "binary message too large as JSON for a peer that takes no binary frames: not sent", { nodeId: peer.id, type: json.type });
          continue;
        }
        ok = this.sendRaw(peer.conn, text, text.length);
      }
      if (ok) {
        sent++;
        if (relaying) this.counters.relayed++;
      }
    }
    return sent;
  }

  private sendRaw(conn: Conn, data: string | Buffer, size?: number): boolean {
    const ws = conn.ws;
    if (conn.closed || ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > 4 * this.opts.maxMessageBytes) {
      this.closeConn(conn, CloseCode.slowConsumer, `send buffer over ${4 * this.opts.maxMessageBytes} bytes: peer too slow`);
      return false;
    }
    this.counters.framesSent++;
    this.counters.bytesSent += size ?? (typeof data === "string" ? Buffer.byteLength(data, "utf8") : data.length);
    ws.send(data, { binary: typeof data !== "string" }, (err) => {
      if (err) this.log("debug", "send failed", { url: conn.url, error: err.message });
    });
    return true;
  }

  private checkType(type: string): void {
    if (typeof type !== "string" || type.length === 0 || type.length > MAX_TYPE_LENGTH) {
      throw new P2pError("P2P_INVALID_PAYLOAD", `message type must be a string of 1-${MAX_TYPE_LENGTH} characters`);
    }
    if (RESERVED_TYPES.has(type)) {
      throw new P2pError("P2P_RESERVED_TYPE", `message type "${type}" is reserved by the peer layer; choose another name`);
    }
  }

  private serialise(type: string, payload: unknown): string {
    let json: string | undefined;
    try {
      json = JSON.stringify(payload === undefined ? null : payload);
    } catch (err) {
      throw new P2pError("P2P_INVALID_PAYLOAD", `payload of "${type}" is not JSON-serialisable (${errorMessage(err)}); encode bigints as hex strings`);
    }
    if (json === undefined) throw new P2pError("P2P_INVALID_PAYLOAD", `payload of "${type}" is not JSON-serialisable`);
    return json;
  }

  private checkSize(type: string, data: string): number {
    const size = Buffer.byteLength(data, "utf8");
    if (size > this.opts.maxMessageBytes) {
      throw new P2pError("P2P_MESSAGE_TOO_LARGE", `"${type}" frame is ${size} bytes, over maxMessageBytes (${this.opts.maxMessageBytes}); split it`);
    }
    return size;
  }

  private bytesFrame(type: string, items: readonly Uint8Array[], relay: boolean): Buffer {
    this.checkType(type);
    const tb = typeBytes(type);
    if (typeof tb === "string") throw new P2pError("P2P_INVALID_PAYLOAD", `message type "${type.slice(0, 40)}…": ${tb}`);
    if (!Array.isArray(items) || !items.every((i) => i instanceof Uint8Array)) {
      throw new P2pError("P2P_INVALID_PAYLOAD", `items of "${type}" must be an array of Uint8Array (Buffers are Uint8Arrays)`);
    }
    if (items.length > this.opts.maxFrameItems) {
      throw new P2pError("P2P_INVALID_PAYLOAD", `"${type}" has ${items.length} items, over maxFrameItems (${this.opts.maxFrameItems}); split it`);
    }
    let size = 8 + tb.length;
    for (const item of items) size += 4 + item.length;
    if (size > this.opts.maxMessageBytes) {
      throw new P2pError("P2P_MESSAGE_TOO_LARGE", `"${type}" frame is ${size} bytes, over maxMessageBytes (${this.opts.maxMessageBytes}); split it`);
    }
    return encodeBytesFrame(tb, relay, items);
  }

  // ---------------------------------------------------------------------------------------------------------------
  // Helpers

  private peerEntry(p: Peer): PeerEntry {
    return {
      id: p.id,
      address: p.validator,
      url: p.conn.url,
      direction: p.conn.direction,
      height: toQuantity(p.status.height),
      status: { ...p.status },
      neighbours: p.neighbours === null ? null : [...p.neighbours].sort(),
    };
  }

  private emitSafe<K extends keyof PeerNetworkEvents>(event: K, ...args: PeerNetworkEvents[K]): void {
    try {
      (this.emit as (e: string, ...a: unknown[]) => boolean)(event, ...args);
    } catch (err) {
      this.log("error", `a "${event}" listener threw`, { error: errorMessage(err) });
    }
  }

  /** Runs a socket callback so that nothing a peer does (or a bug of ours) escapes as an uncaught exception. */
  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log("error", `p2p: ${what} failed`, { error: errorMessage(err) });
    }
  }

  private log(level: "debug" | "info" | "warn" | "error", msg: string, fields?: Record<string, unknown>): void {
    try {
      this.opts.log(level, msg, { local: this.nodeId, ...fields });
    } catch {
      // a failing logger must not take the network down
    }
  }
}

function frameText(type: string, payloadJson: string, relay: boolean): string {
  return `{"t":${JSON.stringify(type)},"p":${payloadJson}${relay ? ',"r":true' : ""}}`;
}

/**
 * A binary message as older nodes take it, `{t, p: ["0x…", …], r?}`, built the first time a peer needs it (null when
 * over maxMessageBytes). As gossip its key goes into the seen-cache, so the copies older nodes relay back are dropped.
 */
class LazyJson {
  private built: string | null | undefined;

  constructor(
    readonly type: string,
    private readonly items: readonly Uint8Array[],
    private readonly relay: boolean,
    private readonly maxBytes: number,
  ) {}

  text(seen: SeenCache): string | null {
    if (this.built !== undefined) return this.built;
    const payloadJson = JSON.stringify(this.items.map((i) => `0x${Buffer.from(i.buffer, i.byteOffset, i.length).toString("hex")}`));
    if (this.relay) seen.add(gossipKey(this.type, payloadJson));
    const text = frameText(this.type, payloadJson, this.relay);
    this.built = text.length > this.maxBytes ? null : text; // ASCII: length is the byte length
    return this.built;
  }
}

function short(hash: string): string {
  return `${hash.slice(0, 10)}…`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
