/**
 * Throttling of API keys and client IPs: concurrency, per-second rates and day/month quotas.
 *
 * `Limiter.admit(subject, requests, cu)` checks, in this order, and takes nothing unless every check passes:
 *
 * 1. **Concurrency** — the key's `maxConcurrent`: admissions of the key in flight on this replica (one HTTP request
 *    or WebSocket message, however many requests its batch holds); `release()` of the admission ends it.
 * 2. **Per-second rates** — token buckets of requests and compute units (CU), for the key and for the IP, burst = one
 *    second's worth. The buckets are local to the replica (no store round trip per request): each replica allows
 *    `rate / liveReplicas`, where `liveReplicas` comes from the store's heartbeat (`start()` beats every second,
 *    replicas silent for 3 s drop out). With a balancer spreading traffic evenly, the replicas together allow the
 *    configured rate; a client pinned to one replica gets its share only, until the others' heartbeats lapse.
 * 3. **Quotas** — requests and CU per UTC day, CU per UTC month, for the key and for the IP.
 *    Quotas are shared exactly across replicas through leases: a replica reserves blocks of units from the store's
 *    counter (`max(1, floor(limit × leaseFraction))`, default 0.2 % of the quota; the store never grants more than
 *    remains) and spends them locally, so the common path is synchronous. A request that needs more than the lease
 *    holds waits for the next reservation — the only path that returns a Promise. When the store grants nothing the
 *    quota is used up until the period rolls over. The replicas together never admit more than the quota; while they
 *    run, they fall short of it by at most their unspent leases (replicas × lease), which `flush()` (and `stop()`)
 *    gives back.
 *
 * Counter names: `key:<key>:req:d:YYYYMMDD`, `key:<key>:cu:d:YYYYMMDD`, `key:<key>:cu:m:YYYYMM`,
 * `ip:<ip>:req:d:YYYYMMDD`, `ip:<ip>:cu:d:YYYYMMDD`, `ip:<ip>:cu:m:YYYYMM` (UTC). Only limited quotas are counted.
 */
import { LuniverseError } from "../../lib/errors";
import type { Logger } from "../../lib/log";
import type { ApiKey, GatewayStore } from "./types";

export type LimiterErrorCode = "GATEWAY_LIMITS_INVALID" | "GATEWAY_QUOTA_UNAVAILABLE";

/** A limiter option that cannot be used (the message names it), or a quota the store could not be asked about. */
export class LimiterError extends LuniverseError<LimiterErrorCode> {
  override name = "LimiterError";
}

/** A token bucket: `ratePerSecond` tokens flow in, at most `burst` are held. Time is given by the caller (ms). */
export class TokenBucket {
  private tokens: number;
  private last: number | null = null;
  private ratePerMs: number;

  constructor(
    private ratePerSecond: number,
    private burst: number,
  ) {
    TokenBucket.check(ratePerSecond, burst);
    this.ratePerMs = ratePerSecond / 1000;
    this.tokens = burst;
  }

  private static check(ratePerSecond: number, burst: number): void {
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new LimiterError("GATEWAY_LIMITS_INVALID", `token bucket rate: expected a number > 0, got ${ratePerSecond}`);
    }
    if (!(Number.isFinite(burst) && burst > 0)) {
      throw new LimiterError("GATEWAY_LIMITS_INVALID", `token bucket burst: expected a number > 0, got ${burst}`);
    }
  }

  get rate(): number {
    return this.ratePerSecond;
  }

  /** Changes rate and burst from `now` on (tokens flowed in so far at the old rate; never more than the new burst). */
  configure(ratePerSecond: number, burst: number, now: number): void {
    TokenBucket.check(ratePerSecond, burst);
    this.refill(now);
    this.ratePerSecond = ratePerSecond;
    this.ratePerMs = ratePerSecond / 1000;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
  }

  private refill(now: number): void {
    if (this.last === null) this.last = now;
    else if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + (now - this.last) * this.ratePerMs);
      this.last = now;
    }
  }

  /**
   * Milliseconds until `n` tokens can be taken (0: now), taking nothing. A take larger than the burst is allowed when
   * the bucket is full and leaves it in debt (else it could never pass); the debt is repaid at the rate.
   */
  wait(n: number, now: number): number {
    this.refill(now);
    const needed = Math.min(n, this.burst);
    if (this.tokens >= needed - 1e-9) return 0;
    return Math.max(1, Math.ceil((needed - this.tokens) / this.ratePerMs));
  }

  /** Takes `n` tokens and returns 0, or takes nothing and returns the milliseconds until `n` are available. */
  take(n: number, now: number): number {
    const ms = this.wait(n, now);
    if (ms === 0) this.tokens -= n;
    return ms;
  }

  /** Whether the bucket is full at `now` (then it is the same as a new one and may be dropped). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.burst;
  }
}

/** Limits of every client IP (null = none of that kind). */
export interface IpLimitValues {
  requestsPerSecond: number | null;
  cuPerSecond: number | null;
  requestsPerDay: number | null;
  cuPerDay: number | null;
  /** CU per UTC month (optional: null when absent). */
  cuPerMonth?: number | null;
}

export interface LimiterOptions {
  ipLimits: IpLimitValues;
  /** This replica's id in the store's heartbeat. */
  replicaId: string;
  /** Share of a quota reserved per lease (default 0.002 = 0.2 %); 0 < leaseFraction ≤ 1. */
  leaseFraction?: number;
  /** Clock, ms since epoch (tests). */
  now?: () => number;
  log?: Logger;
}

/** Who a request is counted against: its key (null: keyless) and the client's IP. */
export interface LimitSubject {
  key: ApiKey | null;
  ip: string;
}

export interface AdmissionGranted {
  ok: true;
  /** Ends the admission's concurrency slot (call once when the answer is sent; later calls do nothing). */
  release(): void;
}

export interface AdmissionRefused {
  ok: false;
  /** The limit that refused, e.g. "key requests per second", "ip CU per day", "key concurrent requests". */
  limit: string;
  scope: "key" | "ip";
  /** For the Retry-After header: seconds until a retry can pass (≥ 1). */
  retryAfterSeconds: number;
  /** For the client: which limit, its value, and when it resets. */
  message: string;
}

export type Admission = AdmissionGranted | AdmissionRefused;

/** One quota's figures for the admin API. */
export interface QuotaUsage {
  counter: string;
  /** Units counted in the period; null when the quota has no limit (then it is not counted — see analytics). */
  used: number | null;
  limit: number | null;
  /** When the period ends, ms since epoch. */
  resetsAt: number;
}

export interface UsageReport {
  /** UTC day `YYYYMMDD` and month `YYYYMM` of the figures. */
  day: string;
  month: string;
  key: { requestsToday: QuotaUsage; cuToday: QuotaUsage; cuThisMonth: QuotaUsage } | null;
  ip: { requestsToday: QuotaUsage; cuToday: QuotaUsage; cuThisMonth: QuotaUsage } | null;
}

/** Units of one quota counter held by this replica. */
interface Lease {
  counter: string;
  limit: number;
  /** Reserved in the store, not yet spent. */
  local: number;
  pending: Promise<void> | null;
  /** When the store last granted less than asked (the quota is used up); null otherwise. */
  exhaustedAt: number | null;
  periodEnd: number;
  lastUsed: number;
}

interface QuotaCheck {
  lease: Lease;
  amount: number;
  limit: string;
  scope: "key" | "ip";
  unit: string;
}

interface Shortfall {
  lease: Lease;
  amount: number;
}

const DAY_MS = 86_400_000;
/** A used-up quota is asked about again after this long (another replica may have given units back). */
const EXHAUSTED_RECHECK_MS = 1_000;
/** Leases unused this long give their units back. */
const LEASE_IDLE_MS = 60_000;
const HEARTBEAT_TTL_MS = 3_000;
const TICK_MS = 1_000;

const fmt = (n: number): string => n.toLocaleString("en-US", { maximumFractionDigits: 2 });

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** UTC calendar periods of a moment, cached while the day lasts. */
class Calendar {
  private dayIndex = Number.NaN;
  day = "";
  dayEnd = 0;
  month = "";
  monthEnd = 0;

  at(now: number): this {
    const dayIndex = Math.floor(now / DAY_MS);
    if (dayIndex !== this.dayIndex) {
      const d = new Date(dayIndex * DAY_MS);
      const y = d.getUTCFullYear();
      const m = d.getUTCMonth();
      this.dayIndex = dayIndex;
      this.day = `${y}${pad(m + 1, 2)}${pad(d.getUTCDate(), 2)}`;
      this.dayEnd = (dayIndex + 1) * DAY_MS;
      this.month = `${y}${pad(m + 1, 2)}`;
      this.monthEnd = Date.UTC(y, m + 1, 1);
    }
    return this;
  }
}

function checkLimit(path: string, value: unknown, integer: boolean): void {
  if (value === null) return;
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0 || (integer && !Number.isSafeInteger(value))) {
    const expected = integer ? "a whole number > 0" : "a number > 0";
    throw new LimiterError("GATEWAY_LIMITS_INVALID", `${path}: expected ${expected} or null (no limit), got ${JSON.stringify(value)}`, {
      hint: "fix the gateway config's `ipLimits` section",
    });
  }
}

const IP_LIMIT_NAMES = ["requestsPerSecond", "cuPerSecond", "requestsPerDay", "cuPerDay", "cuPerMonth"] as const;

/** Admission control of keys and IPs; see the module comment. One per replica. */
export class Limiter {
  private readonly store: GatewayStore;
  private readonly ipLimits: IpLimitValues;
  private readonly replicaId: string;
  private readonly leaseFraction: number;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly calendar = new Calendar();

  private readonly inFlight = new Map<string, number>();
  private readonly buckets = new Map<string, TokenBucket>();
  private readonly leases = new Map<string, Lease>();
  private replicas = 1;
  private timer: NodeJS.Timeout | null = null;
  private beating = false;

  constructor(store: GatewayStore, options: LimiterOptions) {
    const ip = options.ipLimits as unknown;
    if (typeof ip !== "object" || ip === null) throw new LimiterError("GATEWAY_LIMITS_INVALID", "ipLimits: expected an object");
    for (const name of Object.keys(ip)) {
      if (!(IP_LIMIT_NAMES as readonly string[]).includes(name)) {
        throw new LimiterError("GATEWAY_LIMITS_INVALID", `ipLimits.${name}: unknown limit (known: ${IP_LIMIT_NAMES.join(", ")})`);
      }
    }
    for (const name of IP_LIMIT_NAMES) checkLimit(`ipLimits.${name}`, (ip as Record<string, unknown>)[name] ?? null, name.endsWith("PerDay"));
    if (typeof options.replicaId !== "string" || options.replicaId.length === 0) {
      throw new LimiterError("GATEWAY_LIMITS_INVALID", "replicaId: expected a non-empty string");
    }
    const leaseFraction = options.leaseFraction ?? 0.002;
    if (!(Number.isFinite(leaseFraction) && leaseFraction > 0 && leaseFraction <= 1)) {
      throw new LimiterError("GATEWAY_LIMITS_INVALID", `leaseFraction: expected a number in (0, 1], got ${leaseFraction}`);
    }
    this.store = store;
    this.ipLimits = {
      requestsPerSecond: options.ipLimits.requestsPerSecond ?? null,
      cuPerSecond: options.ipLimits.cuPerSecond ?? null,
      requestsPerDay: options.ipLimits.requestsPerDay ?? null,
      cuPerDay: options.ipLimits.cuPerDay ?? null,
      cuPerMonth: options.ipLimits.cuPerMonth ?? null,
    };
    this.replicaId = options.replicaId;
    this.leaseFraction = leaseFraction;
    this.now = options.now ?? Date.now;
    this.log = options.log;
  }

  /** Replicas alive at the last heartbeat (this one included); per-second rates are divided by it. */
  get liveReplicas(): number {
    return this.replicas;
  }

  /** Admissions of `key` in flight on this replica. */
  inFlightOf(key: string): number {
    return this.inFlight.get(key) ?? 0;
  }

  /**
   * Admits `requests` requests costing `cu` compute units, or says which limit refuses them. Synchronous unless a quota
   * lease must be topped up from the store. Rejects (LimiterError GATEWAY_QUOTA_UNAVAILABLE) only when the store
   * cannot be asked.
   */
  admit(subject: LimitSubject, requests: number, cu: number): Admission | Promise<Admission> {
    const first = this.tryAdmit(subject, requests, cu);
    if (!Array.isArray(first)) return first;
    return this.admitAfterTopUp(subject, requests, cu, first);
  }

  private async admitAfterTopUp(subject: LimitSubject, requests: number, cu: number, short: Shortfall[]): Promise<Admission> {
    // Each round either reserves more units (a quota is finite) or finds the quota used up, so this ends.
    for (;;) {
      await Promise.all(short.map((s) => this.topUp(s.lease, s.amount)));
      const next = this.tryAdmit(subject, requests, cu);
      if (!Array.isArray(next)) return next;
      short = next;
    }
  }

  /** The admission, or the quota leases that must be topped up before it can be decided. Takes nothing unless ok. */
  private tryAdmit(subject: LimitSubject, requests: number, cu: number): Admission | Shortfall[] {
    const now = this.now();
    const { key, ip } = subject;
    const limits = key?.limits;

    // 1. concurrency
    if (key !== null && limits !== undefined) {
      const busy = this.inFlight.get(key.key) ?? 0;
      if (busy >= limits.maxConcurrent) {
        return {
          ok: false,
          limit: "key concurrent requests",
          scope: "key",
          retryAfterSeconds: 1,
          message: `key ${key.key} has ${fmt(busy)} requests in flight, its limit of ${fmt(limits.maxConcurrent)} concurrent requests; retry when one completes`,
        };
      }
    }

    // 2. per-second buckets: the refusal names the one that frees last
    let worst: AdmissionRefused | null = null;
    const rate = (scope: "key" | "ip", id: string, kind: "req" | "cu", limit: number | null, n: number): TokenBucket | null => {
      if (limit === null || n <= 0) return null;
      const bucket = this.bucket(`${scope}:${id}:${kind}`, limit, now);
      const ms = bucket === null ? Infinity : bucket.wait(n, now);
      if (ms > 0) {
        const retryAfterSeconds = Number.isFinite(ms) ? Math.max(1, Math.ceil(ms / 1000)) : 3600;
        if (worst === null || retryAfterSeconds > worst.retryAfterSeconds) {
          const what = kind === "req" ? "requests" : "CU";
          worst = {
            ok: false,
            limit: `${scope} ${what} per second`,
            scope,
            retryAfterSeconds,
            message: `${scope === "key" ? "key" : "IP"} ${id} exceeded its limit of ${fmt(limit)} ${what} per second; retry in ${retryAfterSeconds} s`,
          };
        }
      }
      return bucket;
    };
    const keyReq = key !== null ? rate("key", key.key, "req", key.limits.requestsPerSecond, requests) : null;
    const keyCu = key !== null ? rate("key", key.key, "cu", key.limits.cuPerSecond, cu) : null;
    const ipReq = rate("ip", ip, "req", this.ipLimits.requestsPerSecond, requests);
    const ipCu = rate("ip", ip, "cu", this.ipLimits.cuPerSecond, cu);
    if (worst !== null) return worst;

    // 3. quotas
    const cal = this.calendar.at(now);
    const quotas: QuotaCheck[] = [];
    const quota = (scope: "key" | "ip", id: string, kind: "req" | "cu", period: "d" | "m", limit: number | null, amount: number): void => {
      if (limit === null || amount <= 0) return;
      const stamp = period === "d" ? cal.day : cal.month;
      const end = period === "d" ? cal.dayEnd : cal.monthEnd;
      const lease = this.lease(`${scope}:${id}:${kind}:${period}:${stamp}`, limit, end, now);
      const unit = `${kind === "req" ? "requests" : "CU"} per ${period === "d" ? "day" : "month"}`;
      quotas.push({ lease, amount, limit: `${scope} ${unit}`, scope, unit });
    };
    if (key !== null) {
      quota("key", key.key, "req", "d", key.limits.requestsPerDay, requests);
      quota("key", key.key, "cu", "d", key.limits.cuPerDay, cu);
      quota("key", key.key, "cu", "m", key.limits.cuPerMonth, cu);
    }
    quota("ip", ip, "req", "d", this.ipLimits.requestsPerDay, requests);
    quota("ip", ip, "cu", "d", this.ipLimits.cuPerDay, cu);
    quota("ip", ip, "cu", "m", this.ipLimits.cuPerMonth ?? null, cu);

    let short: Shortfall[] | null = null;
    for (const q of quotas) {
      const { lease, amount } = q;
      if (lease.local >= amount) continue;
      const usedUp = amount > lease.limit || (lease.exhaustedAt !== null && now - lease.exhaustedAt < EXHAUSTED_RECHECK_MS && lease.pending === null);
      if (usedUp) return this.quotaRefusal(q, key, ip, now);
      (short ??= []).push({ lease, amount });
    }
    if (short !== null) return short;

    // every check passed: take
    keyReq?.take(requests, now);
    keyCu?.take(cu, now);
    ipReq?.take(requests, now);
    ipCu?.take(cu, now);
    for (const { lease, amount } of quotas) {
      lease.local -= amount;
      lease.lastUsed = now;
      // Reserve the next block in the background, so that the next request finds it here.
      if (lease.local === 0 && lease.pending === null && lease.exhaustedAt === null) {
        this.topUp(lease, 1).catch((e: unknown) => this.log?.warn("quota lease not renewed", { counter: lease.counter, error: e }));
      }
    }
    if (key === null) return { ok: true, release: () => {} };
    const id = key.key;
    this.inFlight.set(id, (this.inFlight.get(id) ?? 0) + 1);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (released) return;
        released = true;
        const n = (this.inFlight.get(id) ?? 1) - 1;
        if (n <= 0) this.inFlight.delete(id);
        else this.inFlight.set(id, n);
      },
    };
  }

  private quotaRefusal(q: QuotaCheck, key: ApiKey | null, ip: string, now: number): AdmissionRefused {
    const end = q.lease.periodEnd;
    const retryAfterSeconds = Math.max(1, Math.ceil((end - now) / 1000));
    const who = q.scope === "key" ? `key ${key?.key ?? ""}` : `IP ${ip}`;
    const message =
      q.amount > q.lease.limit
        ? `${who}: this request needs ${fmt(q.amount)}, more than its whole quota of ${fmt(q.lease.limit)} ${q.unit}`
        : `${who} used up its quota of ${fmt(q.lease.limit)} ${q.unit}; it resets at ${new Date(end).toISOString()} (in ${fmt(retryAfterSeconds)} s)`;
    return { ok: false, limit: q.limit, scope: q.scope, retryAfterSeconds, message };
  }

  /** The bucket of `name` at this replica's share of `limit`; null when the limit admits nothing. */
  private bucket(name: string, limit: number, now: number): TokenBucket | null {
    if (!(limit > 0)) return null;
    const share = limit / this.replicas;
    let bucket = this.buckets.get(name);
    if (bucket === undefined) {
      bucket = new TokenBucket(share, share);
      this.buckets.set(name, bucket);
    } else if (bucket.rate !== share) bucket.configure(share, share, now);
    return bucket;
  }

  private lease(counter: string, limit: number, periodEnd: number, now: number): Lease {
    let lease = this.leases.get(counter);
    if (lease === undefined) {
      lease = { counter, limit, local: 0, pending: null, exhaustedAt: null, periodEnd, lastUsed: now };
      this.leases.set(counter, lease);
    } else if (lease.limit !== limit) {
      // The key's limit changed: a used-up quota may have room again.
      lease.limit = limit;
      lease.exhaustedAt = null;
    }
    return lease;
  }

  /** The block a lease reserves at once. */
  private leaseSize(limit: number): number {
    return Math.max(1, Math.floor(limit * this.leaseFraction));
  }

  /** Reserves units for `lease` so that it holds at least `amount` (a block at least); joins a reservation under way. */
  private topUp(lease: Lease, amount: number): Promise<void> {
    if (lease.pending !== null) return lease.pending;
    const ask = Math.max(this.leaseSize(lease.limit), amount - lease.local);
    const pending = this.store
      .reserve(lease.counter, ask, lease.limit, lease.periodEnd + DAY_MS)
      .then(
        (granted) => {
          lease.local += granted;
          lease.lastUsed = this.now();
          lease.exhaustedAt = granted < ask ? this.now() : null;
        },
        (e: unknown) => {
          throw new LimiterError("GATEWAY_QUOTA_UNAVAILABLE", `quota counter ${lease.counter} could not be reserved`, {
            cause: e,
            details: e instanceof Error ? e.message : String(e),
            hint: "check the gateway store (database) is reachable",
          });
        },
      )
      .finally(() => {
        lease.pending = null;
      });
    lease.pending = pending;
    return pending;
  }

  /**
   * Gives every unspent leased unit back to the store (after reservations under way complete) and forgets used-up
   * marks, so that the replicas together can reach the quota exactly. Called by `stop()`.
   */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.leases.values()].map((l) => l.pending));
    const releases: Promise<void>[] = [];
    for (const lease of this.leases.values()) {
      lease.exhaustedAt = null;
      if (lease.local > 0) {
        const n = lease.local;
        lease.local = 0;
        releases.push(this.store.release(lease.counter, n));
      }
    }
    await Promise.all(releases);
  }

  /**
   * The quota counters of a key (and an IP, unless absent or "") for the current UTC day and month, for the admin API. `used` is the
   * store's count less this replica's unspent lease; other replicas' unspent leases (≤ one block each) are included.
   */
  async usage(subject: { key: ApiKey | null; ip?: string }): Promise<UsageReport> {
    const cal = this.calendar.at(this.now());
    const { day, month, dayEnd, monthEnd } = cal;
    const specs: { name: string; limit: number | null; end: number }[] = [];
    const { key, ip } = subject;
    if (key !== null) {
      specs.push({ name: `key:${key.key}:req:d:${day}`, limit: key.limits.requestsPerDay, end: dayEnd });
      specs.push({ name: `key:${key.key}:cu:d:${day}`, limit: key.limits.cuPerDay, end: dayEnd });
      specs.push({ name: `key:${key.key}:cu:m:${month}`, limit: key.limits.cuPerMonth, end: monthEnd });
    }
    if (ip !== undefined && ip !== "") {
      specs.push({ name: `ip:${ip}:req:d:${day}`, limit: this.ipLimits.requestsPerDay, end: dayEnd });
      specs.push({ name: `ip:${ip}:cu:d:${day}`, limit: this.ipLimits.cuPerDay, end: dayEnd });
      specs.push({ name: `ip:${ip}:cu:m:${month}`, limit: this.ipLimits.cuPerMonth ?? null, end: monthEnd });
    }
    const values = specs.length === 0 ? {} : await this.store.counters(specs.map((s) => s.name));
    const figures = specs.map(({ name, limit, end }): QuotaUsage => {
      const held = this.leases.get(name)?.local ?? 0;
      return { counter: name, used: limit === null ? null : Math.max(0, (values[name] ?? 0) - held), limit, resetsAt: end };
    });
    const k = key !== null ? figures.splice(0, 3) : null;
    return {
      day,
      month,
      key: k === null ? null : { requestsToday: k[0]!, cuToday: k[1]!, cuThisMonth: k[2]! },
      ip: ip === undefined || ip === "" ? null : { requestsToday: figures[0]!, cuToday: figures[1]!, cuThisMonth: figures[2]! },
    };
  }

  /** Beats the heartbeat now and every second, and drops idle buckets and leases. */
  start(): void {
    if (this.timer !== null) return;
    void this.tick();
    this.timer = setInterval(() => void this.tick(), TICK_MS);
    this.timer.unref();
  }

  /** Stops the timer and gives unspent leased units back. */
  async stop(): Promise<void> {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** One housekeeping round (what the timer runs): heartbeat, idle buckets and leases dropped. */
  async tick(): Promise<void> {
    const now = this.now();
    for (const [name, bucket] of this.buckets) if (bucket.full(now)) this.buckets.delete(name);
    for (const [name, lease] of this.leases) {
      if (lease.pending !== null) continue;
      if (lease.periodEnd <= now) this.leases.delete(name); // its period is over: the units are of no use to anyone
      else if (now - lease.lastUsed >= LEASE_IDLE_MS) {
        this.leases.delete(name);
        if (lease.local > 0) {
          this.store.release(name, lease.local).catch((e: unknown) => this.log?.warn("quota lease not given back", { counter: name, error: e }));
        }
      }
    }
    if (this.beating) return;
    this.beating = true;
    try {
      const alive = Math.max(1, await this.store.heartbeat(this.replicaId, HEARTBEAT_TTL_MS));
      if (alive !== this.replicas) {
        this.log?.info("live replicas changed; per-second rates are shared among them", { from: this.replicas, to: alive });
        this.replicas = alive;
      }
    } catch (e) {
      this.log?.warn("heartbeat failed; keeping the last count of live replicas", { replicas: this.replicas, error: e });
    } finally {
      this.beating = false;
    }
  }
}
