/**
 * The gateway's API shapes — API keys and their limits, the request log's row, the analytics query and answer, bans —
 * shared by the gateway (services/gateway), its admin operations (ops/gateway), the console and the tests.
 */

/** Limits of one API key; null = no limit of that kind. Quotas count within the UTC day / UTC month. */
export interface KeyLimits {
  /** Requests per second (token bucket, burst = one second's worth). */
  requestsPerSecond: number | null;
  /** Compute units per second (token bucket, burst = one second's worth). */
  cuPerSecond: number | null;
  /** Requests per UTC day. */
  requestsPerDay: number | null;
  /** Compute units per UTC day. */
  cuPerDay: number | null;
  /** Compute units per UTC month. */
  cuPerMonth: number | null;
  /** Most requests in one JSON-RPC batch. */
  maxBatch: number;
  /** Largest HTTP body or WebSocket message, bytes. */
  maxBodyBytes: number;
  /** Most live eth_subscribe subscriptions of the key (all its connections together, per replica). */
  maxSubscriptions: number;
  /** Most requests of the key in flight at once (per replica). */
  maxConcurrent: number;
}

export type KeyStatus = "active" | "revoked";

/** One API key of a DApp. `key` is the public part that goes in the URL; the secret (optional) is stored hashed. */
export interface ApiKey {
  /** 32 lowercase hex characters: the part of the URL `/v1/<chain>/<key>`. */
  key: string;
  /** The DApp the key belongs to (a short name: [a-z0-9-]{1,64}). */
  dapp: string;
  /** A label for people. */
  name: string;
  /** sha256 (hex) of the key secret, sent as HTTP Basic password or `X-Key-Secret`; null = no secret required. */
  secretHash: string | null;
  /** Chain ids (decimal strings) the key may use. Never empty. */
  chains: string[];
  /** JSON-RPC methods allowed; null = every method the gateway serves. */
  methods: string[] | null;
  /** Contract addresses (lowercase 0x…) that calls and transactions may target; null = any. */
  contracts: string[] | null;
  /** Browser origins (`https://app.example`) allowed; null = any (and requests without Origin). */
  origins: string[] | null;
  limits: KeyLimits;
  status: KeyStatus;
  /** ms since epoch. */
  createdAt: number;
  revokedAt: number | null;
  /** When rotated: the key that replaced this one. */
  rotatedTo: string | null;
}

/** How a request ended, as logged. */
export type RequestStatus = "ok" | "error" | "rejected";

/** One row of the request log: one JSON-RPC request (a batch gives one row per request in it). */
export interface RequestRow {
  /** ms since epoch. */
  ts: number;
  key: string | null;
  dapp: string | null;
  /** Chain id, decimal string. */
  chain: string;
  method: string;
  cu: number;
  /** ok = a result; error = a JSON-RPC error answer from the node; rejected = refused by the gateway. */
  status: RequestStatus;
  /** JSON-RPC error code or HTTP status of a refusal; null when ok. */
  errorCode: number | null;
  /** Gateway-side latency, microseconds. */
  latencyUs: number;
  cacheHit: boolean;
  /** Upstream node name that answered; null when cached or rejected. */
  upstream: string | null;
  /** The client's region; null when unknown. */
  region: string | null;
  ip: string;
  /** The transaction's sender (eth_sendRawTransaction) or `from` of a call; lowercase 0x…; null otherwise. */
  sender: string | null;
}

export interface AnalyticsQuery {
  /** ms since epoch, inclusive. */
  from: number;
  /** ms since epoch, exclusive. */
  to: number;
  key?: string;
  dapp?: string;
  chain?: string;
  method?: string;
  /** How many top methods / API keys / DApps / senders / IPs (default 10). */
  top?: number;
  /** Series bucket in ms (default: 60,000, or larger so that the series has at most 1,440 points). */
  bucketMs?: number;
}

export interface AnalyticsResult {
  from: number;
  to: number;
  requests: number;
  errors: number;
  rejected: number;
  cu: number;
  cacheHits: number;
  /** Latency quantiles in ms (from histogram buckets: the bucket's upper bound); null without requests. */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  topMethods: { method: string; requests: number; errors: number; cu: number }[];
  /**
   * The API keys with most requests. `key` null: requests refused before a key was known (no or unknown key in the
   * URL). In a DApp's own analytics (`/v1/keys/<key>/analytics`) only its own key.
   */
  topKeys: { key: string | null; requests: number; errors: number; cu: number; cacheHits: number }[];
  /** The DApps with most requests (`dapp` null: refused before a key was known). In a DApp's own analytics only its own DApp. */
  topDapps: { dapp: string | null; requests: number; errors: number; cu: number; cacheHits: number }[];
  topSenders: { sender: string; requests: number }[];
  topIps: { ip: string; requests: number }[];
  series: { t: number; requests: number; errors: number; cu: number }[];
}

/** A temporary ban by the abuse rules (subject `ip:1.2.3.4`, `key:<key>` or `sender:0x…`). */
export interface Ban {
  subject: string;
  /** ms since epoch. */
  until: number;
  rule: string;
  reason: string;
}
