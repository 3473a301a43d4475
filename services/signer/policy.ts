/**
 * Signing policies. The operator sets a DApp's policy (the ceiling for all its users' keys); a DApp may tighten it per
 * wallet. The effective policy is the stricter of both, field by field. Amounts are in the token's (or the native
 * coin's) smallest unit, as decimal strings in JSON.
 *
 *   { "maxValuePerTx": "1000000000000000000000", "maxValuePerDay": "5000000000000000000000",
 *     "allowedTargets": ["0x…"], "allowedSelectors": ["0xa9059cbb"], "allowedChains": [2019],
 *     "otpThreshold": "100000000000000000000" }
 *
 * null (or absent) means "no limit" / "any"; an amount above `otpThreshold` needs the user's TOTP code and PIN. A raw
 * contract call (template `call`) is allowed only to a target the policy lists.
 */
import { getAddress, isAddress } from "ethers";
import { SignerError } from "./errors";

export interface Policy {
  maxValuePerTx: bigint | null;
  maxValuePerDay: bigint | null;
  allowedTargets: string[] | null;
  allowedSelectors: string[] | null;
  allowedChains: number[] | null;
  otpThreshold: bigint | null;
}

export const OPEN_POLICY: Policy = { maxValuePerTx: null, maxValuePerDay: null, allowedTargets: null, allowedSelectors: null, allowedChains: null, otpThreshold: null };
const KEYS = Object.keys(OPEN_POLICY);

function bad(field: string, expected: string, got: unknown): SignerError {
  return new SignerError("SIGNER_BAD_REQUEST", `policy.${field} must be ${expected}, got ${JSON.stringify(got)}`);
}

function amount(field: string, v: unknown): bigint | null {
  if (v === undefined || v === null) return null;
  if ((typeof v === "string" && /^[0-9]{1,78}$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) return BigInt(v);
  throw bad(field, "a non-negative integer as a decimal string (smallest units) or null", v);
}

/** Reads a policy from JSON (API bodies and the store); unknown fields are refused with the known ones. */
export function parsePolicy(raw: unknown): Policy {
  if (raw === undefined || raw === null) return { ...OPEN_POLICY };
  if (typeof raw !== "object" || Array.isArray(raw)) throw new SignerError("SIGNER_BAD_REQUEST", `policy must be an object with ${KEYS.join(", ")}`);
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new SignerError("SIGNER_BAD_REQUEST", `unknown policy field "${k}"; known: ${KEYS.join(", ")}`);
  const list = <T>(field: string, check: (x: unknown) => T | null, expected: string): T[] | null => {
    const v = o[field];
    if (v === undefined || v === null) return null;
    if (!Array.isArray(v)) throw bad(field, `an array of ${expected} or null`, v);
    return v.map((x) => {
      const r = check(x);
      if (r === null) throw bad(field, `an array of ${expected}`, x);
      return r;
    });
  };
  return {
    maxValuePerTx: amount("maxValuePerTx", o.maxValuePerTx),
    maxValuePerDay: amount("maxValuePerDay", o.maxValuePerDay),
    otpThreshold: amount("otpThreshold", o.otpThreshold),
    allowedTargets: list("allowedTargets", (x) => (typeof x === "string" && isAddress(x) ? getAddress(x) : null), "addresses"),
    allowedSelectors: list("allowedSelectors", (x) => (typeof x === "string" && /^0x[0-9a-fA-F]{8}$/.test(x) ? x.toLowerCase() : null), "4-byte selectors (0x12345678)"),
    allowedChains: list("allowedChains", (x) => (typeof x === "number" && Number.isSafeInteger(x) && x > 0 ? x : null), "chain ids"),
  };
}

/** JSON form (amounts as decimal strings). */
export function policyJson(p: Policy): Record<string, unknown> {
  const s = (v: bigint | null): string | null => (v === null ? null : v.toString());
  return {
    maxValuePerTx: s(p.maxValuePerTx),
    maxValuePerDay: s(p.maxValuePerDay),
    allowedTargets: p.allowedTargets,
    allowedSelectors: p.allowedSelectors,
    allowedChains: p.allowedChains,
    otpThreshold: s(p.otpThreshold),
  };
}

function minAmount(a: bigint | null, b: bigint | null): bigint | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

function intersect<T>(a: T[] | null, b: T[] | null): T[] | null {
  if (a === null) return b;
  if (b === null) return a;
  return a.filter((x) => b.includes(x));
}

/** The stricter of two policies, field by field. */
export function stricter(a: Policy, b: Policy): Policy {
  return {
    maxValuePerTx: minAmount(a.maxValuePerTx, b.maxValuePerTx),
    maxValuePerDay: minAmount(a.maxValuePerDay, b.maxValuePerDay),
    otpThreshold: minAmount(a.otpThreshold, b.otpThreshold),
    allowedTargets: intersect(a.allowedTargets, b.allowedTargets),
    allowedSelectors: intersect(a.allowedSelectors, b.allowedSelectors),
    allowedChains: intersect(a.allowedChains, b.allowedChains),
  };
}

export interface PolicyRequest {
  chainId: number;
  target: string;
  selector: string | null;
  amount: bigint;
  /** A raw contract call: allowed only to a listed target. */
  raw: boolean;
}

function refuse(rule: string, message: string): SignerError {
  return new SignerError("SIGNER_POLICY", message, { rule });
}

/** Checks a request against a policy (all but the daily sum, checked where the spend is recorded). */
export function checkPolicy(p: Policy, r: PolicyRequest): void {
  if (p.allowedChains !== null && !p.allowedChains.includes(r.chainId)) throw refuse("allowedChains", `chain ${r.chainId} is not allowed by the policy (allowed: ${p.allowedChains.join(", ") || "none"})`);
  if (r.raw && p.allowedTargets === null) throw refuse("allowedTargets", "a raw contract call needs its target listed in the policy's allowedTargets; ask the operator to allow the contract");
  if (p.allowedTargets !== null && !p.allowedTargets.includes(getAddress(r.target))) throw refuse("allowedTargets", `the contract ${getAddress(r.target)} is not in the policy's allowedTargets`);
  if (p.allowedSelectors !== null && r.selector !== null && !p.allowedSelectors.includes(r.selector)) throw refuse("allowedSelectors", `the function ${r.selector} is not in the policy's allowedSelectors`);
  if (p.maxValuePerTx !== null && r.amount > p.maxValuePerTx) throw refuse("maxValuePerTx", `the amount ${r.amount} is above the policy's maximum per transaction (${p.maxValuePerTx})`);
}

/** Checks the day's total with this request against `maxValuePerDay`. */
export function checkDaily(p: Policy, spentToday: bigint, amount: bigint): void {
  if (p.maxValuePerDay !== null && spentToday + amount > p.maxValuePerDay) {
    throw refuse("maxValuePerDay", `this transaction (${amount}) would bring today's total to ${spentToday + amount}, above the policy's daily maximum (${p.maxValuePerDay}); ${p.maxValuePerDay - spentToday > 0n ? p.maxValuePerDay - spentToday : 0n} is left today`);
  }
}

/** Whether a request of `amount` needs the user's TOTP code and PIN. */
export function needsSecondFactor(p: Policy, amount: bigint): boolean {
  return p.otpThreshold !== null && amount > p.otpThreshold;
}
