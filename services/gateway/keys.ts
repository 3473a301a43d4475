/**
 * API keys: creation, rotation, revocation and validation of what an operator asks for. The key (32 hex characters)
 * goes in the URL; the optional secret (64 hex characters) is shown once and stored as its sha256 only.
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { LuniverseError } from "../../lib/errors";
import type { ApiKey, KeyLimits } from "./types";

export type KeyErrorCode = "GATEWAY_KEY_INVALID";

/** A key request that cannot be honoured; the message names the field and says what to write. */
export class KeyRequestError extends LuniverseError<KeyErrorCode> {
  override name = "KeyRequestError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super("GATEWAY_KEY_INVALID", `${field}: ${message}`);
  }
}

/** The limits a key gets when its request names none. */
export const DEFAULT_KEY_LIMITS: Readonly<KeyLimits> = Object.freeze({
  requestsPerSecond: 500,
  cuPerSecond: 10_000,
  requestsPerDay: null,
  cuPerDay: null,
  cuPerMonth: null,
  maxBatch: 100,
  maxBodyBytes: 1_000_000,
  maxSubscriptions: 100,
  maxConcurrent: 200,
});

const NULLABLE_LIMITS = ["requestsPerSecond", "cuPerSecond", "requestsPerDay", "cuPerDay", "cuPerMonth"] as const;
const REQUIRED_LIMITS = ["maxBatch", "maxBodyBytes", "maxSubscriptions", "maxConcurrent"] as const;
export const LIMIT_NAMES: readonly string[] = [...NULLABLE_LIMITS, ...REQUIRED_LIMITS];

const DAPP = /^[a-z0-9][a-z0-9-]{0,63}$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const METHOD = /^[a-zA-Z][a-zA-Z0-9_]*$/;
const KEY = /^[0-9a-f]{32}$/;

export function isKeyFormat(key: string): boolean {
  return KEY.test(key);
}

export function newKeyId(): string {
  return randomBytes(16).toString("hex");
}

export function newSecret(): string {
  return randomBytes(32).toString("hex");
}

export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Constant-time check of a presented secret against the stored hash. */
export function secretMatches(presented: string, secretHash: string): boolean {
  const a = Buffer.from(hashSecret(presented), "hex");
  const b = Buffer.from(secretHash, "hex");
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Validated limits: `base` overlaid with `input` (an object of limit names); unknown names are refused. */
export function parseLimits(input: unknown, base: KeyLimits, field = "limits"): KeyLimits {
  if (input === undefined) return { ...base };
  if (typeof input !== "object" || input === null || Array.isArray(input)) throw new KeyRequestError(field, "expected an object of limits");
  const out: KeyLimits = { ...base };
  for (const [name, value] of Object.entries(input as Record<string, unknown>)) {
    if (!LIMIT_NAMES.includes(name)) throw new KeyRequestError(`${field}.${name}`, `unknown limit (known: ${LIMIT_NAMES.join(", ")})`);
    const nullable = (NULLABLE_LIMITS as readonly string[]).includes(name);
    if (value === null && nullable) {
      (out as unknown as Record<string, number | null>)[name] = null;
      continue;
    }
    if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1) {
      throw new KeyRequestError(`${field}.${name}`, `expected an integer >= 1${nullable ? " or null (no limit)" : ""}, got ${JSON.stringify(value)}`);
    }
    (out as unknown as Record<string, number | null>)[name] = value;
  }
  return out;
}

function list(input: unknown, field: string, check: (s: string) => boolean, what: string, normalise: (s: string) => string = (s) => s): string[] | null {
  if (input === undefined || input === null) return null;
  if (!Array.isArray(input) || input.length === 0) throw new KeyRequestError(field, `expected a non-empty array of ${what}, or null for any`);
  const out: string[] = [];
  for (const v of input) {
    if (typeof v !== "string" || !check(v)) throw new KeyRequestError(field, `${JSON.stringify(v)} is not ${what}`);
    out.push(normalise(v));
  }
  return [...new Set(out)];
}

/** What an operator may set on a key (create and update). */
export interface KeyFields {
  name?: unknown;
  chains?: unknown;
  methods?: unknown;
  contracts?: unknown;
  origins?: unknown;
  limits?: unknown;
}

function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.origin === s.replace(/\/$/, "");
  } catch {
    return false;
  }
}

/**
 * Applies requested fields onto a key. `resolveChain` maps a chain id or name to the chain id (decimal string), or
 * null when the gateway serves no such chain.
 */
export function applyKeyFields(key: ApiKey, fields: KeyFields, resolveChain: (chain: string) => string | null): ApiKey {
  const out: ApiKey = { ...key, limits: { ...key.limits } };
  if (fields.name !== undefined) {
    if (typeof fields.name !== "string" || fields.name.length > 200) throw new KeyRequestError("name", "expected a string of at most 200 characters");
    out.name = fields.name;
  }
  if (fields.chains !== undefined) {
    const chains = list(fields.chains, "chains", (s) => s.length > 0, "a chain id or name");
    if (chains === null) throw new KeyRequestError("chains", "a key must be bound to at least one chain");
    out.chains = chains.map((c) => {
      const id = resolveChain(c);
      if (id === null) throw new KeyRequestError("chains", `this gateway serves no chain ${JSON.stringify(c)}`);
      return id;
    });
  }
  if (fields.methods !== undefined) out.methods = list(fields.methods, "methods", (s) => METHOD.test(s), "a JSON-RPC method name");
  if (fields.contracts !== undefined) out.contracts = list(fields.contracts, "contracts", (s) => ADDRESS.test(s), "a 0x address of 20 bytes", (s) => s.toLowerCase());
  if (fields.origins !== undefined) out.origins = list(fields.origins, "origins", isOrigin, "an origin such as https://app.example", (s) => s.replace(/\/$/, ""));
  if (fields.limits !== undefined) out.limits = parseLimits(fields.limits, out.limits);
  return out;
}

/** A new active key of `dapp` with the requested fields. */
export function createKey(dapp: unknown, fields: KeyFields, resolveChain: (chain: string) => string | null, defaults: KeyLimits, now = Date.now()): ApiKey {
  if (typeof dapp !== "string" || !DAPP.test(dapp)) throw new KeyRequestError("dapp", `expected a DApp name of lowercase letters, digits and dashes (1–64), got ${JSON.stringify(dapp)}`);
  if (fields.chains === undefined) throw new KeyRequestError("chains", "required: the chains the key may use (ids or names)");
  const blank: ApiKey = {
    key: newKeyId(),
    dapp,
    name: "",
    secretHash: null,
    chains: [],
    methods: null,
    contracts: null,
    origins: null,
    limits: { ...defaults },
    status: "active",
    createdAt: now,
    revokedAt: null,
    rotatedTo: null,
  };
  return applyKeyFields(blank, fields, resolveChain);
}

/** The key as shown to operators and DApps: everything but the secret's hash. */
export function publicKeyView(key: ApiKey): Omit<ApiKey, "secretHash"> & { hasSecret: boolean } {
  const { secretHash, ...rest } = key;
  return { ...rest, hasSecret: secretHash !== null };
}
