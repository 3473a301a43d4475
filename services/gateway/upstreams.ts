/**
 * The nodes behind the gateway (upstreams) of one chain: their health, the order in which a request tries them, and
 * failover.
 *
 * - Every upstream is probed every `probeIntervalMs` with one batch `[eth_blockNumber, eth_getBlockByNumber("finalized")]`.
 *   It is healthy when its last probe succeeded, no connection failure came after it, and its head is within
 *   `maxLagBlocks` of the best head among the reachable upstreams.
 * - A connection failure during a real request takes the upstream out at once (after `failAfterErrors` in a row); only
 *   a later successful probe takes it back.
 * - A read is retried on the next candidate after any connection failure, timeout or HTTP 5xx, and after an answer
 *   saying the node lacks the block asked for ("header not found", "unknown block"): nodes of one chain are a block or
 *   two apart, and a block the client saw from one of them (a receipt's block number) may not have reached another
 *   yet. Such an answer is returned only when no other node has the block either. A write
 *   (eth_sendRawTransaction) is retried only when the request cannot have reached the node (`UpstreamError.sent` is
 *   false: connection refused, DNS, connect timeout). A duplicate raw transaction would be harmless on Ethereum
 *   ("already known"), but the gateway does not count on every node saying so: a write that may have been sent fails
 *   with its UpstreamError and the client decides.
 */
import http from "node:http";
import https from "node:https";
import type net from "node:net";
import { LuniverseError, errorMessage } from "../../lib/errors";
import { silentLogger, type Logger } from "../../lib/log";

/** One node of a chain, as configured. */
export interface UpstreamSpec {
  /** Unique within the chain; shown in logs, metrics and the request log. */
  name: string;
  /** JSON-RPC over HTTP: http://… (or https://…). */
  url: string;
  /** WebSocket endpoint (ws://…); default: `url` with ws(s):// instead of http(s)://. */
  wsUrl?: string;
  /** The region the node runs in (a region of the region table); null = none. */
  region: string | null;
}

/** What the gateway knows about an upstream; updated by its pool. */
export interface UpstreamHealth {
  healthy: boolean;
  /** Head block at the last successful probe. */
  head: bigint;
  /** Last final block at the last successful probe (0 when the node does not know "finalized"). */
  finalized: bigint;
  /** Message of the last failure (probe or request); null once a probe succeeds. */
  lastError: string | null;
  consecutiveErrors: number;
  /** ms since epoch of the last answer (probe or request); 0 = never. */
  lastSeen: number;
  /** Requests (probes included) waiting for this node now. */
  inFlight: number;
}

export interface UpstreamResponse {
  status: number;
  body: Buffer;
}

export type UpstreamErrorCode = "GATEWAY_UPSTREAM_UNREACHABLE" | "GATEWAY_UPSTREAM_FAILED" | "GATEWAY_UPSTREAM_TIMEOUT";

/**
 * A request to a node that got no HTTP answer. `sent` tells whether the request may have reached the node: false when
 * the connection was never made (refused, DNS, connect timeout), true once it was written on an open connection.
 */
export class UpstreamError extends LuniverseError<UpstreamErrorCode> {
  override name = "UpstreamError";
  constructor(
    code: UpstreamErrorCode,
    readonly upstream: string,
    readonly sent: boolean,
    message: string,
    cause?: unknown,
  ) {
    super(code, message, cause === undefined ? {} : { cause });
  }
}

/** No node of the chain answered; the details list every upstream's last error. */
export class NoUpstreamError extends LuniverseError<"GATEWAY_NO_UPSTREAM"> {
  override name = "NoUpstreamError";
  constructor(
    readonly chain: string,
    readonly errors: Record<string, string | null>,
  ) {
    super("GATEWAY_NO_UPSTREAM", `No node of chain ${chain} answered`, {
      details: Object.entries(errors)
        .map(([name, e]) => `${name}: ${e ?? "no error recorded"}`)
        .join("; "),
      hint: "check that the chain's nodes run and that the gateway reaches their URLs (GET /status shows each node's health)",
    });
  }
}

/** An upstream list or pool option that cannot be used; the message names it. */
export class UpstreamConfigError extends LuniverseError<"GATEWAY_UPSTREAM_CONFIG"> {
  override name = "UpstreamConfigError";
  constructor(message: string, hint?: string) {
    super("GATEWAY_UPSTREAM_CONFIG", message, hint === undefined ? {} : { hint });
  }
}

export interface UpstreamOptions {
  /** Most open connections to the node (default 64). */
  maxSockets?: number;
}

/** One node: its spec, its health and a keep-alive HTTP client (node:http, faster than fetch). */
export class Upstream {
  readonly spec: Readonly<UpstreamSpec>;
  readonly name: string;
  readonly wsUrl: string;
  readonly health: UpstreamHealth = { healthy: false, head: 0n, finalized: 0n, lastError: "not probed yet", consecutiveErrors: 0, lastSeen: 0, inFlight: 0 };
  readonly #url: URL;
  readonly #agent: http.Agent;
  readonly #tls: boolean;

  constructor(spec: UpstreamSpec, options: UpstreamOptions = {}) {
    if (typeof spec?.name !== "string" || spec.name === "") throw new UpstreamConfigError(`An upstream needs a name, got ${JSON.stringify(spec?.name)}`);
    let url: URL;
    try {
      url = new URL(spec.url);
    } catch {
      throw new UpstreamConfigError(`Upstream "${spec.name}": url ${JSON.stringify(spec.url)} is not a URL`, "write it as http://host:port");
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new UpstreamConfigError(`Upstream "${spec.name}": url ${spec.url} must be http:// or https://`);
    if (spec.wsUrl !== undefined && !/^wss?:\/\//.test(spec.wsUrl)) throw new UpstreamConfigError(`Upstream "${spec.name}": wsUrl ${spec.wsUrl} must be ws:// or wss://`);
    if (spec.region !== null && (typeof spec.region !== "string" || spec.region === "")) throw new UpstreamConfigError(`Upstream "${spec.name}": region must be a region name or null`);
    this.spec = Object.freeze({ ...spec });
    this.name = spec.name;
    this.#url = url;
    this.#tls = url.protocol === "https:";
    this.wsUrl = spec.wsUrl ?? spec.url.replace(/^http/, "ws");
    const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: "lifo" as const };
    this.#agent = this.#tls ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  get url(): string {
    return this.spec.url;
  }

  /**
   * POSTs `body` (JSON) and resolves with the HTTP status and body, whatever the status. Rejects with an
   * {@link UpstreamError} when there is no complete answer within `timeoutMs`.
   */
  request(body: string | Buffer, timeoutMs: number): Promise<UpstreamResponse> {
    const payload = typeof body === "string" ? Buffer.from(body) : body;
    const u = this.#url;
    this.health.inFlight++;
    return new Promise<UpstreamResponse>((resolve, reject) => {
      let connected = false;
      let settled = false;
      const finish = (error: UpstreamError | null, response?: UpstreamResponse): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.health.inFlight--;
        if (error) {
          req.destroy();
          reject(error);
        } else resolve(response!);
      };
      const failure = (e: unknown): UpstreamError => {
        const reason = errorMessage(e);
        return connected
          ? new UpstreamError("GATEWAY_UPSTREAM_FAILED", this.name, true, `Upstream ${this.name} failed after the request was sent: ${reason}`, e)
          : new UpstreamError("GATEWAY_UPSTREAM_UNREACHABLE", this.name, false, `Upstream ${this.name} is unreachable: ${reason}`, e);
      };
      const req = (this.#tls ? https : http).request({
        agent: this.#agent,
        method: "POST",
        protocol: u.protocol,
        hostname: u.hostname.replace(/^\[(.*)\]$/, "$1"),
        port: u.port || (this.#tls ? 443 : 80),
        path: `${u.pathname}${u.search}`,
        headers: {
          "content-type": "application/json",
          "content-length": payload.length,
          accept: "application/json",
          ...(u.username ? { authorization: `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}` } : {}),
        },
      });
      const timer = setTimeout(() => {
        const what = connected ? `no answer within ${timeoutMs} ms` : `no connection within ${timeoutMs} ms`;
        finish(new UpstreamError("GATEWAY_UPSTREAM_TIMEOUT", this.name, connected, `Upstream ${this.name} timed out: ${what}`));
      }, timeoutMs);
      req.on("socket", (socket: net.Socket) => {
        // A kept-alive socket is connected already; a new one is once TCP (and TLS) is up: the body goes right after.
        if (!socket.connecting) connected = true;
        else socket.once(this.#tls ? "secureConnect" : "connect", () => (connected = true));
      });
      req.on("error", (e) => finish(failure(e)));
      req.on("response", (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          this.health.lastSeen = Date.now();
          finish(null, { status: res.statusCode ?? 0, body: Buffer.concat(chunks) });
        });
        res.on("error", (e) => finish(failure(e)));
        res.on("close", () => {
          if (!res.complete) finish(failure(new Error("connection closed in the middle of the answer")));
        });
      });
      req.end(payload);
    });
  }

  /** Closes the kept-alive connections (requests made later open new ones). */
  close(): void {
    this.#agent.destroy();
  }
}

export interface UpstreamPoolOptions {
  /** Most blocks an upstream's head may be behind the best head and still be used (default 2). */
  maxLagBlocks?: number;
  /** Milliseconds between two probes of an upstream (default 500). */
  probeIntervalMs?: number;
  /** Timeout of a probe (default 1000 ms). */
  probeTimeoutMs?: number;
  /** Connection failures in a row (probes or requests) that take an upstream out (default 1). */
  failAfterErrors?: number;
  /** Timeout of one attempt of a request (default 30,000 ms). */
  requestTimeoutMs?: number;
  /** Most open connections per upstream (default 64). */
  maxSockets?: number;
  log?: Logger;
}

const POOL_OPTION_KEYS = ["maxLagBlocks", "probeIntervalMs", "probeTimeoutMs", "failAfterErrors", "requestTimeoutMs", "maxSockets", "log"] as const;

export interface SendOptions {
  /** The client's region (null = unknown). */
  region: string | null;
  /** The other regions nearest first, for `region` (RegionTable.nearest). */
  regionOrder?: readonly string[];
  /** eth_sendRawTransaction (and other sends): retried only when the request cannot have reached a node. */
  write: boolean;
  /** Timeout of each attempt (default: the pool's requestTimeoutMs). */
  timeoutMs?: number;
}

export interface SendResult extends UpstreamResponse {
  /** The upstream that answered (its `health.finalized` is what it knew to be final). */
  upstream: Upstream;
}

/** A change of an upstream's health. */
export interface HealthChange {
  chain: string;
  upstream: string;
  healthy: boolean;
  /** Why: the error, the lag, or "probe succeeded". */
  reason: string;
  head: bigint;
  finalized: bigint;
}

/** JSON-able snapshot of one upstream (bigints as decimal strings). */
export interface UpstreamStatus {
  name: string;
  url: string;
  region: string | null;
  healthy: boolean;
  head: string;
  finalized: string;
  lastError: string | null;
  consecutiveErrors: number;
  lastSeen: number;
  inFlight: number;
}

interface ProbeState {
  /** Last probe succeeded and no connection failure since. */
  reachable: boolean;
  /** ms of the last connection failure: a probe started before it does not take the upstream back. */
  failedAt: number;
  timer: NodeJS.Timeout | null;
}

const PROBE_BODY = JSON.stringify([
  { jsonrpc: "2.0", id: 1, method: "eth_blockNumber", params: [] },
  { jsonrpc: "2.0", id: 2, method: "eth_getBlockByNumber", params: ["finalized", false] },
]);

/** Parses the probe's answer into head and finalized; throws with what is wrong. */
function parseProbe(res: UpstreamResponse): { head: bigint; finalized: bigint } {
  if (res.status !== 200) throw new Error(`probe answered HTTP ${res.status}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(res.body.toString("utf8"));
  } catch {
    throw new Error("probe answer is not JSON");
  }
  if (!Array.isArray(parsed)) throw new Error("probe answer is not a batch answer");
  type Answer = { id?: unknown; result?: unknown; error?: { message?: string } };
  const byId = new Map<unknown, Answer>((parsed as Answer[]).map((r) => [r?.id, r]));
  const bn = byId.get(1);
  if (typeof bn?.result !== "string" || !/^0x[0-9a-fA-F]+$/.test(bn.result)) throw new Error(`eth_blockNumber failed: ${bn?.error?.message ?? "no result"}`);
  const block = byId.get(2)?.result as { number?: unknown } | null | undefined;
  // A node without "finalized" (an error or null) gets 0: nothing it says is treated as final.
  const finalized = typeof block?.number === "string" && /^0x[0-9a-fA-F]+$/.test(block.number) ? BigInt(block.number) : 0n;
  return { head: BigInt(bn.result), finalized };
}

function positiveInt(name: string, v: number | undefined, def: number, min: number): number {
  if (v === undefined) return def;
  if (!Number.isSafeInteger(v) || v < min) throw new UpstreamConfigError(`Upstream pool option ${name} must be a whole number ≥ ${min}, not ${String(v)}`);
  return v;
}

/** A node's answer that it does not have the block a read names yet (geth, our node, Besu, anvil wordings). */
const MISSING_BLOCK = /"message"\s*:\s*"[^"]*(header not found|unknown block|block not found|BlockOutOfRange)/i;

/** The upstreams of one chain: probing, health, ordering and failover. */
export class UpstreamPool {
  readonly chain: string;
  readonly upstreams: readonly Upstream[];
  readonly maxLagBlocks: number;
  readonly probeIntervalMs: number;
  readonly probeTimeoutMs: number;
  readonly failAfterErrors: number;
  readonly requestTimeoutMs: number;
  readonly #log: Logger;
  readonly #state = new Map<Upstream, ProbeState>();
  readonly #listeners = new Set<(change: HealthChange) => void>();
  #running = false;
  /** Bumped by stop(): a probe loop of an earlier start() ends. */
  #epoch = 0;
  #rr = 0;

  constructor(chain: string, specs: UpstreamSpec[], options: UpstreamPoolOptions = {}) {
    if (typeof chain !== "string" || chain === "") throw new UpstreamConfigError("An upstream pool needs a chain id");
    for (const key of Object.keys(options)) {
      if (!(POOL_OPTION_KEYS as readonly string[]).includes(key)) throw new UpstreamConfigError(`Unknown upstream pool option "${key}"`, `known options: ${POOL_OPTION_KEYS.join(", ")}`);
    }
    if (!Array.isArray(specs) || specs.length === 0) throw new UpstreamConfigError(`Chain ${chain} has no upstream`, "list at least one node ({ name, url, region })");
    this.chain = chain;
    this.maxLagBlocks = positiveInt("maxLagBlocks", options.maxLagBlocks, 2, 0);
    this.probeIntervalMs = positiveInt("probeIntervalMs", options.probeIntervalMs, 500, 10);
    this.probeTimeoutMs = positiveInt("probeTimeoutMs", options.probeTimeoutMs, 1000, 10);
    this.failAfterErrors = positiveInt("failAfterErrors", options.failAfterErrors, 1, 1);
    this.requestTimeoutMs = positiveInt("requestTimeoutMs", options.requestTimeoutMs, 30_000, 1);
    const maxSockets = positiveInt("maxSockets", options.maxSockets, 64, 1);
    this.#log = (options.log ?? silentLogger).child("upstreams", { chain });
    const names = new Set<string>();
    this.upstreams = specs.map((spec) => {
      if (names.has(spec.name)) throw new UpstreamConfigError(`Chain ${chain} has two upstreams named "${spec.name}"`, "give each node its own name");
      names.add(spec.name);
      const u = new Upstream(spec, { maxSockets });
      this.#state.set(u, { reachable: false, failedAt: 0, timer: null });
      return u;
    });
  }

  /** Starts probing; resolves once every upstream has been probed once (whatever the outcome). */
  start(): Promise<void> {
    if (this.#running) return Promise.resolve();
    this.#running = true;
    return Promise.all(this.upstreams.map((u) => this.#probeLoop(u))).then(() => undefined);
  }

  /** Stops probing and closes the kept-alive connections. */
  stop(): void {
    this.#running = false;
    this.#epoch++;
    for (const [u, st] of this.#state) {
      if (st.timer) clearTimeout(st.timer);
      st.timer = null;
      u.close();
    }
  }

  /** The upstream named `name`, if any. */
  get(name: string): Upstream | undefined {
    return this.upstreams.find((u) => u.name === name);
  }

  /** The best head among healthy upstreams (0 when none is). */
  head(): bigint {
    return this.upstreams.reduce((m, u) => (u.health.healthy && u.health.head > m ? u.health.head : m), 0n);
  }

  /** The highest final block among healthy upstreams (0 when none is). */
  finalized(): bigint {
    return this.upstreams.reduce((m, u) => (u.health.healthy && u.health.finalized > m ? u.health.finalized : m), 0n);
  }

  /**
   * Healthy upstreams in the order to try them: the client's region first, then the regions of `regionOrder` in that
   * order, then the rest; within a group the fewest requests in flight first, ties taken in turn (round-robin).
   */
  candidates(region: string | null, regionOrder: readonly string[] = []): Upstream[] {
    return this.#order(
      this.upstreams.filter((u) => u.health.healthy),
      region,
      regionOrder,
    );
  }

  /**
   * Subscribes to health changes (the first probe's outcome included: every upstream starts unhealthy, "not probed
   * yet"); returns the unsubscribe function.
   */
  onChange(listener: (change: HealthChange) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }

  status(): UpstreamStatus[] {
    return this.upstreams.map((u) => ({
      name: u.name,
      url: u.url,
      region: u.spec.region,
      healthy: u.health.healthy,
      head: u.health.head.toString(),
      finalized: u.health.finalized.toString(),
      lastError: u.health.lastError,
      consecutiveErrors: u.health.consecutiveErrors,
      lastSeen: u.health.lastSeen,
      inFlight: u.health.inFlight,
    }));
  }

  /**
   * Sends a JSON-RPC body to the first candidate that answers. Reads move on after any UpstreamError or HTTP 5xx
   * (when every upstream answers 5xx, the last answer is returned); writes only after an UpstreamError with
   * `sent === false` — one that may have reached a node is thrown as it is. When no healthy upstream is left, the
   * others are tried too (their probe may be stale). Throws {@link NoUpstreamError} when none answered.
   */
  async send(body: string | Buffer, options: SendOptions): Promise<SendResult> {
    const { region, regionOrder = [], write } = options;
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const healthy = this.candidates(region, regionOrder);
    const others = this.#order(
      this.upstreams.filter((u) => !healthy.includes(u)),
      region,
      regionOrder,
    );
    let last5xx: SendResult | undefined;
    let lastMissing: SendResult | undefined;
    for (const u of [...healthy, ...others]) {
      let res: UpstreamResponse;
      try {
        res = await u.request(body, timeoutMs);
      } catch (e) {
        if (!(e instanceof UpstreamError)) throw e;
        this.#requestFailed(u, e);
        if (write && e.sent) throw e;
        continue;
      }
      u.health.consecutiveErrors = 0;
      if (res.status >= 500 && !write) {
        u.health.lastError = `HTTP ${res.status}`;
        last5xx = { upstream: u, ...res };
        continue;
      }
      if (!write && MISSING_BLOCK.test(res.body.subarray(0, 4096).toString("utf8"))) {
        lastMissing ??= { upstream: u, ...res };
        continue;
      }
      return { upstream: u, ...res };
    }
    if (lastMissing) return lastMissing;
    if (last5xx) return last5xx;
    throw new NoUpstreamError(this.chain, Object.fromEntries(this.upstreams.map((u) => [`${u.name} (${u.url})`, u.health.lastError])));
  }

  #order(list: Upstream[], region: string | null, regionOrder: readonly string[]): Upstream[] {
    const n = this.upstreams.length;
    const turn = this.#rr++ % n;
    const rank = (u: Upstream): number => {
      const r = u.spec.region;
      if (r === null) return regionOrder.length + 1;
      if (r === region) return 0;
      const i = regionOrder.indexOf(r);
      return i < 0 ? regionOrder.length + 1 : 1 + i;
    };
    const rotated = (u: Upstream): number => (this.upstreams.indexOf(u) - turn + n) % n;
    return list
      .map((u) => ({ u, rank: rank(u), inFlight: u.health.inFlight, rotated: rotated(u) }))
      .sort((a, b) => a.rank - b.rank || a.inFlight - b.inFlight || a.rotated - b.rotated)
      .map((x) => x.u);
  }

  async #probeLoop(u: Upstream): Promise<void> {
    const st = this.#state.get(u)!;
    const epoch = this.#epoch;
    await this.#probe(u);
    const again = (): void => {
      if (!this.#running || epoch !== this.#epoch) return;
      st.timer = setTimeout(() => {
        st.timer = null;
        void this.#probe(u).finally(again);
      }, this.probeIntervalMs);
      st.timer.unref();
    };
    again();
  }

  async #probe(u: Upstream): Promise<void> {
    const st = this.#state.get(u)!;
    const startedAt = Date.now();
    try {
      const { head, finalized } = parseProbe(await u.request(PROBE_BODY, this.probeTimeoutMs));
      if (!this.#running) return;
      u.health.head = head;
      u.health.finalized = finalized;
      u.health.lastSeen = Date.now();
      if (startedAt >= st.failedAt) {
        u.health.consecutiveErrors = 0;
        u.health.lastError = null;
        st.reachable = true;
      }
    } catch (e) {
      if (!this.#running) return;
      this.#failed(u, `probe failed: ${e instanceof UpstreamError ? e.shortMessage : errorMessage(e)}`);
    }
    this.#update();
  }

  #requestFailed(u: Upstream, e: UpstreamError): void {
    // A node slow to answer one request (a heavy eth_getLogs) is left to the probe; a broken connection is not.
    const connectionFailure = e.code !== "GATEWAY_UPSTREAM_TIMEOUT" || !e.sent;
    if (!connectionFailure) {
      u.health.lastError = e.shortMessage;
      return;
    }
    this.#failed(u, e.shortMessage);
    this.#update();
  }

  #failed(u: Upstream, message: string): void {
    const st = this.#state.get(u)!;
    u.health.lastError = message;
    u.health.consecutiveErrors++;
    st.failedAt = Date.now();
    if (u.health.consecutiveErrors >= this.failAfterErrors) st.reachable = false;
  }

  /** Recomputes every upstream's health from reachability and lag; tells the listeners what changed. */
  #update(): void {
    let best = 0n;
    for (const [u, st] of this.#state) if (st.reachable && u.health.head > best) best = u.health.head;
    for (const [u, st] of this.#state) {
      const lag = best - u.health.head;
      const healthy = st.reachable && lag <= BigInt(this.maxLagBlocks);
      if (healthy === u.health.healthy) continue;
      u.health.healthy = healthy;
      const reason = !st.reachable ? (u.health.lastError ?? "unreachable") : healthy ? "probe succeeded" : `head ${u.health.head} is ${lag} blocks behind ${best}`;
      const change: HealthChange = { chain: this.chain, upstream: u.name, healthy, reason, head: u.health.head, finalized: u.health.finalized };
      if (healthy) this.#log.info("upstream healthy", { upstream: u.name, head: u.health.head, finalized: u.health.finalized });
      else this.#log.warn("upstream out", { upstream: u.name, reason });
      for (const l of this.#listeners) {
        try {
          l(change);
        } catch (e) {
          this.#log.error("health listener failed", { error: e });
        }
      }
    }
  }
}
