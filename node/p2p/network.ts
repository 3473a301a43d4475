/**
 * The peer layer: a chain-agnostic transport over WebSocket that the consensus uses to gossip transactions,
 * proposals and signatures, and to ask peers for blocks when it syncs.
 *
 * - Handshake: the first frame each way is `hello` (chain id, genesis hash, node id, validator, height, finalized,
 *   protocol version). A peer of another chain, genesis or protocol is refused with a close reason both sides log;
 *   a connection to ourselves is dropped and not redialled; of two connections between the same two nodes the one
 *   dialled by the lower node id is kept (both sides decide alike, so exactly one survives).
 * - Gossip: a message broadcast with `relay: true` (or of a type listed in `gossipTypes`) is relayed once by every
 *   receiver to its other peers; a seen-cache keyed by a hash of (type, payload) drops the copies.
 * - Requests: `request()` sends a frame with an id; the peer's `onRequest` handler answers it, or its error comes
 *   back as a rejected promise with the handler's message; no answer within `requestTimeoutMs` rejects too.
 * - Robustness: frames over `maxMessageBytes` drop the sender (ws `maxPayload`); malformed frames are counted and
 *   past `maxMalformedFrames` drop the sender; a peer that answers no ping for ~3 intervals is dropped; configured
 *   peers are redialled forever with exponential backoff and jitter; nothing a peer sends can throw out of here.
 */
import { EventEmitter } from "node:events";
import type { IncomingMessage } from "node:http";
import WebSocket, { WebSocketServer, type RawData } from "ws";
import type { PrefixedHexString as Hex } from "@ethereumjs/util";
import { backoffDelay } from "./backoff";
import { P2pError } from "./errors";
import {
  CloseCode,
  PROTOCOL_VERSION,
  RESERVED_TYPES,
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

/** A connected peer as `peers()` lists it: its info plus its advertised status. */
export type PeerEntry = PeerInfo & { status: PeerStatus };

/** A handshake that one side refused: `by: "local"` when we refused the peer, `"remote"` when it refused us. */
export interface PeerRefusal {
  url: string;
  direction: "inbound" | "outbound";
  nodeId: string | null;
  reason: string;
  by: "local" | "remote";
}

export interface BroadcastOptions {
  /** A peer id not to send to (typically the peer the message came from). */
  except?: string;
  /** Receivers relay the message once to their other peers (deduplicated network-wide). */
  relay?: boolean;
}

export interface RequestOptions {
  /** Overrides `requestTimeoutMs` for this request. */
  timeoutMs?: number;
}

export type RequestHandler = (peerId: string, payload: unknown) => Promise<unknown>;

export type PeerNetworkEvents = {
  message: [peerId: string, type: string, payload: unknown];
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
    this.checkSize(type, data);
    this.sendToAll(data, opts.except);
  }

  /** Sends a message to one peer; returns false when that peer is not connected. */
  send(peerId: string, type: string, payload: unknown): boolean {
    this.checkType(type);
    const data = frameText(type, this.serialise(type, payload), false);
    this.checkSize(type, data);
    const peer = this.peersById.get(peerId);
    return peer !== undefined && this.sendRaw(peer.conn, data);
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
      this.checkSize(type, data);
      const timeoutMs = opts.timeoutMs ?? this.opts.requestTimeoutMs;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new P2pError("P2P_REQUEST_TIMEOUT", `request "${type}" to peer ${peerId} got no answer within ${timeoutMs} ms`));
        }, timeoutMs);
        this.pending.set(id, { peerId, type, resolve: resolve as (v: unknown) => void, reject, timer });
        if (!this.sendRaw(peer.conn, data)) {
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
    if (isBinary) return this.malformed(conn, "binary frame");
    const text = Buffer.isBuffer(data) ? data.toString("utf8") : Array.isArray(data) ? Buffer.concat(data).toString("utf8") : Buffer.from(data).toString("utf8");
    const frame = parseFrame(text);
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

  private malformed(conn: Conn, why: string): void {
    conn.malformed++;
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
    const peer: Peer = { id: h.nodeId, conn, status, validator: h.validator };
    conn.peer = peer;
    this.peersById.set(peer.id, peer);
    if (conn.dialer) conn.dialer.attempt = 0;
    this.log("info", "peer connected", { nodeId: peer.id, url: conn.url, direction: conn.direction, validator: peer.validator });
    const { id, address, url, direction, height } = this.peerEntry(peer);
    this.emitSafe("peer:connect", { id, address, url, direction, height });
  }

  private onStatus(conn: Conn, payload: unknown): void {
    const s = parseStatus(payload);
    if (typeof s === "string") return this.malformed(conn, s);
    const peer = conn.peer;
    if (!peer || peer.conn !== conn) return;
    peer.status = s;
    this.emitSafe("peer:status", peer.id, { ...s });
  }

  private onMessage(peerId: string, frame: Frame): void {
    const payload = frame.p === undefined ? null : frame.p;
    if (frame.r === true || this.gossipTypes.has(frame.t)) {
      const payloadJson = JSON.stringify(payload);
      if (!this.seen.add(gossipKey(frame.t, payloadJson))) return; // seen before: drop the copy
      this.sendToAll(frameText(frame.t, payloadJson, true), peerId);
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
      p: { height: toQuantity(this.status.height), finalized: toQuantity(this.status.finalized) },
    });
    this.sendToAll(data, undefined);
  }

  private sendToAll(data: string, except: string | undefined): void {
    for (const peer of this.peersById.values()) if (peer.id !== except) this.sendRaw(peer.conn, data);
  }

  private sendRaw(conn: Conn, data: string): boolean {
    const ws = conn.ws;
    if (conn.closed || ws.readyState !== WebSocket.OPEN) return false;
    if (ws.bufferedAmount > 4 * this.opts.maxMessageBytes) {
      this.closeConn(conn, CloseCode.slowConsumer, `send buffer over ${4 * this.opts.maxMessageBytes} bytes: peer too slow`);
      return false;
    }
    ws.send(data, (err) => {
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

  private checkSize(type: string, data: string): void {
    const size = Buffer.byteLength(data, "utf8");
    if (size > this.opts.maxMessageBytes) {
      throw new P2pError("P2P_MESSAGE_TOO_LARGE", `"${type}" frame is ${size} bytes, over maxMessageBytes (${this.opts.maxMessageBytes}); split it`);
    }
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

function short(hash: string): string {
  return `${hash.slice(0, 10)}…`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
