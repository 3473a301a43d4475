/**
 * Abuse rules over the live request log: an IP or a key sending far more than anyone should, a key or IP whose
 * requests mostly fail, a sender whose transactions keep reverting. A rule that trips bans the subject (`ip:<ip>`,
 * `key:<key>`, `sender:<0x…>`) for `banSeconds`, writes the ban to the store (so every replica enforces it after its
 * next `refresh()`) and tells `onBan`.
 *
 * `observe()` is O(1) per row: each subject's sliding window is a ring of per-second counters (the window's slots that
 * time has passed are cleared as it moves, at most `windowSeconds` of them, amortised one per second). Windows are
 * per replica: with N replicas behind a balancer a rule sees about 1/N of the subject's traffic, so set thresholds for
 * one replica's share. `isBanned()` answers from memory.
 */
import { LuniverseError } from "../../lib/errors";
import type { Logger } from "../../lib/log";
import type { Ban, GatewayStore, RequestRow } from "./types";

/** More than `maxRequests` requests within `windowSeconds`. */
export interface RateRule {
  windowSeconds: number;
  maxRequests: number;
}

/** At least `minRequests` answered requests within `windowSeconds`, more than `maxRatio` of them JSON-RPC errors. */
export interface ErrorRatioRule {
  windowSeconds: number;
  minRequests: number;
  maxRatio: number;
}

/** More than `maxReverts` reverted transactions of one sender within `windowSeconds`. */
export interface SenderRevertsRule {
  windowSeconds: number;
  maxReverts: number;
}

/** The rules; null disables one. */
export interface AbuseRules {
  /** Requests of one client IP (every row, refused ones included). */
  ipRate: RateRule | null;
  /** Requests of one key. */
  keyRate: RateRule | null;
  /** Errors among the answered requests (status ok/error) of a key, or of an IP for keyless requests. */
  errorRatio: ErrorRatioRule | null;
  /** Reverted transactions of one sender. */
  senderReverts: SenderRevertsRule | null;
  /** How long a ban lasts. */
  banSeconds: number;
}

export const DEFAULT_ABUSE_RULES: Readonly<AbuseRules> = Object.freeze({
  ipRate: Object.freeze({ windowSeconds: 10, maxRequests: 2000 }),
  keyRate: Object.freeze({ windowSeconds: 10, maxRequests: 20000 }),
  errorRatio: Object.freeze({ windowSeconds: 60, minRequests: 200, maxRatio: 0.5 }),
  senderReverts: Object.freeze({ windowSeconds: 60, maxReverts: 20 }),
  banSeconds: 300,
});

export type AbuseErrorCode = "GATEWAY_ABUSE_INVALID";

/** An abuse rule that cannot be used; `path` names it (`abuse.ipRate.maxRequests`). */
export class AbuseRulesError extends LuniverseError<AbuseErrorCode> {
  override name = "AbuseRulesError";
  constructor(
    readonly path: string,
    message: string,
  ) {
    super("GATEWAY_ABUSE_INVALID", `${path}: ${message}`, { hint: "fix the gateway config's `abuse` section, or set the rule to null to disable it" });
  }
}

export interface AbuseMonitorOptions {
  /** Rules over the defaults: a rule given replaces the default's fields it names; null disables it. */
  rules?: Partial<AbuseRules>;
  /** Clock, ms since epoch (tests). Windows follow the rows' `ts`; bans and their expiry follow this clock. */
  now?: () => number;
  log?: Logger;
  /** Called for every ban this monitor makes (not for bans loaded from other replicas). */
  onBan?: (ban: Ban) => void;
}

/** A sliding window of per-second counters. */
class Window {
  private readonly counts: Float64Array;
  /** The newest second seen. */
  private sec = Number.NEGATIVE_INFINITY;
  sum = 0;

  constructor(private readonly size: number) {
    this.counts = new Float64Array(size);
  }

  /** Adds `n` at second `sec` (ignored when older than the window); returns the window's total. */
  add(sec: number, n: number): number {
    this.advance(sec);
    if (sec > this.sec - this.size) {
      this.counts[sec % this.size]! += n;
      this.sum += n;
    }
    return this.sum;
  }

  private advance(sec: number): void {
    if (sec <= this.sec) return;
    const gap = sec - this.sec;
    if (gap >= this.size) {
      this.counts.fill(0);
      this.sum = 0;
    } else {
      for (let s = this.sec + 1; s <= sec; s++) {
        const i = s % this.size;
        this.sum -= this.counts[i]!;
        this.counts[i] = 0;
      }
    }
    this.sec = sec;
  }

  /** Whether nothing of the window is left at second `sec`. */
  stale(sec: number): boolean {
    return sec - this.sec >= this.size;
  }

  clear(): void {
    this.counts.fill(0);
    this.sum = 0;
  }
}

interface RatioWindows {
  total: Window;
  errors: Window;
}

const fmt = (n: number): string => n.toLocaleString("en-US", { maximumFractionDigits: 1 });

const RULE_FIELDS = {
  ipRate: ["windowSeconds", "maxRequests"],
  keyRate: ["windowSeconds", "maxRequests"],
  errorRatio: ["windowSeconds", "minRequests", "maxRatio"],
  senderReverts: ["windowSeconds", "maxReverts"],
} as const;

type RuleName = keyof typeof RULE_FIELDS;

/** The defaults overlaid with `input`, every field checked; an unknown or wrong field is an {@link AbuseRulesError}. */
export function resolveAbuseRules(input: Partial<AbuseRules> = {}): AbuseRules {
  if (typeof input !== "object" || input === null) throw new AbuseRulesError("abuse", "expected an object of rules");
  const out: Record<string, unknown> = { ...DEFAULT_ABUSE_RULES };
  for (const [name, value] of Object.entries(input)) {
    if (value === undefined) continue;
    if (name === "banSeconds") {
      if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) throw new AbuseRulesError("abuse.banSeconds", `expected a number of seconds > 0, got ${JSON.stringify(value)}`);
      out.banSeconds = value;
      continue;
    }
    if (!(name in RULE_FIELDS)) throw new AbuseRulesError(`abuse.${name}`, `unknown rule (known: ${[...Object.keys(RULE_FIELDS), "banSeconds"].join(", ")})`);
    const fields = RULE_FIELDS[name as RuleName] as readonly string[];
    if (value === null) {
      out[name] = null;
      continue;
    }
    if (typeof value !== "object" || Array.isArray(value)) throw new AbuseRulesError(`abuse.${name}`, "expected an object of the rule's fields, or null to disable it");
    const rule: Record<string, number> = { ...(DEFAULT_ABUSE_RULES[name as RuleName] as unknown as Record<string, number>) };
    for (const [field, v] of Object.entries(value as unknown as Record<string, unknown>)) {
      const path = `abuse.${name}.${field}`;
      if (!fields.includes(field)) throw new AbuseRulesError(path, `unknown field (known: ${fields.join(", ")})`);
      if (field === "maxRatio") {
        if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new AbuseRulesError(path, `expected a ratio from 0 up to (not including) 1, got ${JSON.stringify(v)}`);
      } else if (field === "windowSeconds") {
        if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 3600) throw new AbuseRulesError(path, `expected a whole number of seconds from 1 to 3,600, got ${JSON.stringify(v)}`);
      } else if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
        throw new AbuseRulesError(path, `expected a whole number 0 or more, got ${JSON.stringify(v)}`);
      }
      rule[field] = v;
    }
    out[name] = rule;
  }
  return out as unknown as AbuseRules;
}

const REFRESH_MS = 1_000;

/** Watches the request log and bans abusers; see the module comment. One per replica. */
export class AbuseMonitor {
  readonly rules: AbuseRules;
  private readonly store: GatewayStore;
  private readonly now: () => number;
  private readonly log: Logger | undefined;
  private readonly onBan: ((ban: Ban) => void) | undefined;

  private readonly ipWindows = new Map<string, Window>();
  private readonly keyWindows = new Map<string, Window>();
  private readonly ratioWindows = new Map<string, RatioWindows>();
  private readonly senderWindows = new Map<string, Window>();
  private readonly active = new Map<string, Ban>();
  private timer: NodeJS.Timeout | null = null;
  private refreshing: Promise<void> | null = null;

  constructor(store: GatewayStore, options: AbuseMonitorOptions = {}) {
    this.rules = resolveAbuseRules(options.rules);
    this.store = store;
    this.now = options.now ?? Date.now;
    this.log = options.log;
    this.onBan = options.onBan;
  }

  /** Counts one request-log row; `reverted`: the request's transaction (or call) reverted. Bans when a rule trips. */
  observe(row: RequestRow, reverted: boolean): void {
    const sec = Math.floor(row.ts / 1000);
    const { ipRate, keyRate, errorRatio, senderReverts } = this.rules;

    if (ipRate !== null) {
      const w = window(this.ipWindows, row.ip, ipRate.windowSeconds);
      const n = w.add(sec, 1);
      if (n > ipRate.maxRequests) {
        this.trip(`ip:${row.ip}`, "ipRate", `${row.ip} sent ${fmt(n)} requests in ${ipRate.windowSeconds} s (limit ${fmt(ipRate.maxRequests)})`, w);
      }
    }
    if (keyRate !== null && row.key !== null) {
      const w = window(this.keyWindows, row.key, keyRate.windowSeconds);
      const n = w.add(sec, 1);
      if (n > keyRate.maxRequests) {
        this.trip(`key:${row.key}`, "keyRate", `key ${row.key} sent ${fmt(n)} requests in ${keyRate.windowSeconds} s (limit ${fmt(keyRate.maxRequests)})`, w);
      }
    }
    if (errorRatio !== null && row.status !== "rejected") {
      const subject = row.key !== null ? `key:${row.key}` : `ip:${row.ip}`;
      let ws = this.ratioWindows.get(subject);
      if (ws === undefined) {
        ws = { total: new Window(errorRatio.windowSeconds), errors: new Window(errorRatio.windowSeconds) };
        this.ratioWindows.set(subject, ws);
      }
      const total = ws.total.add(sec, 1);
      const errors = ws.errors.add(sec, row.status === "error" ? 1 : 0);
      if (total >= errorRatio.minRequests && errors > errorRatio.maxRatio * total) {
        const who = row.key !== null ? `key ${row.key}` : row.ip;
        const reason =
          `${who}: ${fmt(errors)} of ${fmt(total)} requests failed in ${errorRatio.windowSeconds} s ` +
          `(${fmt((errors / total) * 100)} %, limit ${fmt(errorRatio.maxRatio * 100)} % of at least ${fmt(errorRatio.minRequests)} requests)`;
        this.trip(subject, "errorRatio", reason, ws.total, ws.errors);
      }
    }
    if (senderReverts !== null && reverted && row.sender !== null) {
      const sender = row.sender.toLowerCase();
      const w = window(this.senderWindows, sender, senderReverts.windowSeconds);
      const n = w.add(sec, 1);
      if (n > senderReverts.maxReverts) {
        this.trip(`sender:${sender}`, "senderReverts", `sender ${sender} had ${fmt(n)} transactions revert in ${senderReverts.windowSeconds} s (limit ${fmt(senderReverts.maxReverts)})`, w);
      }
    }
  }

  private trip(subject: string, rule: string, reason: string, ...windows: Window[]): void {
    for (const w of windows) w.clear(); // counting starts afresh, so the subject is not banned again on expiry
    if (this.isBanned(subject) !== null) return;
    const ban: Ban = { subject, until: this.now() + this.rules.banSeconds * 1000, rule, reason };
    this.active.set(subject, ban);
    this.log?.warn("banned", { subject, rule, reason, until: new Date(ban.until).toISOString() });
    this.store.putBan(ban).catch((e: unknown) => this.log?.error("ban not written to the store; other replicas will not see it", { subject, error: e }));
    try {
      this.onBan?.(ban);
    } catch (e) {
      this.log?.error("onBan listener failed", { subject, error: e });
    }
  }

  /** The ban in force on `subject` (`ip:<ip>`, `key:<key>`, `sender:<0x… lowercase>`), or null. Synchronous. */
  isBanned(subject: string): Ban | null {
    const ban = this.active.get(subject);
    if (ban === undefined) return null;
    if (ban.until <= this.now()) {
      this.active.delete(subject);
      return null;
    }
    return ban;
  }

  /** Whether a sender ban may be in force (cheap: the gateway recovers transaction senders only then, or when it logs them). */
  anySenderBan(): boolean {
    for (const subject of this.active.keys()) if (subject.startsWith("sender:")) return true;
    return false;
  }

  /** The bans in force (made here or loaded from the store), soonest to end first. */
  bans(): Ban[] {
    const now = this.now();
    const out: Ban[] = [];
    for (const [subject, ban] of this.active) {
      if (ban.until <= now) this.active.delete(subject);
      else out.push(ban);
    }
    return out.sort((a, b) => a.until - b.until || a.subject.localeCompare(b.subject));
  }

  /** Loads the bans in force from the store (those of other replicas too) and drops idle windows. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    const now = this.now();
    const bans = await this.store.activeBans(now);
    for (const ban of bans) {
      const known = this.active.get(ban.subject);
      if (ban.until > now && (known === undefined || ban.until > known.until)) this.active.set(ban.subject, ban);
    }
    const sec = Math.floor(now / 1000);
    for (const map of [this.ipWindows, this.keyWindows, this.senderWindows]) {
      for (const [k, w] of map) if (w.stale(sec)) map.delete(k);
    }
    for (const [k, ws] of this.ratioWindows) if (ws.total.stale(sec)) this.ratioWindows.delete(k);
    for (const [subject, ban] of this.active) if (ban.until <= now) this.active.delete(subject);
  }

  /** Refreshes now and every second. */
  start(): void {
    if (this.timer !== null) return;
    const run = (): void => {
      this.refresh().catch((e: unknown) => this.log?.warn("bans not loaded from the store", { error: e }));
    };
    run();
    this.timer = setInterval(run, REFRESH_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}

function window(map: Map<string, Window>, id: string, size: number): Window {
  let w = map.get(id);
  if (w === undefined) {
    w = new Window(size);
    map.set(id, w);
  }
  return w;
}
