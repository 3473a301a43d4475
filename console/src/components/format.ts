/** Number, amount, hash and time formatting shared by every page. */
import { formatUnits as ethersFormatUnits } from "ethers";

const integer = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat("en-US", { maximumFractionDigits: 2 });

/** 1234567 → "1,234,567"; 12.345 → "12.35"; null → "—". */
export function formatNumber(n: number | bigint | string | null | undefined, digits?: number): string {
  if (n === null || n === undefined || n === "") return "—";
  if (typeof n === "bigint") return integer.format(n);
  if (typeof n === "string") {
    if (/^-?\d+$/.test(n)) return integer.format(BigInt(n));
    const f = Number(n);
    return Number.isFinite(f) ? formatNumber(f, digits) : n;
  }
  if (!Number.isFinite(n)) return "—";
  if (digits !== undefined) return new Intl.NumberFormat("en-US", { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(n);
  return Number.isInteger(n) ? integer.format(n) : decimal.format(n);
}

/** A uint256 in base units (decimal string) as whole tokens: "1500000000000000000", 18 → "1.5". Thousands grouped, ≤ `maxFraction` decimals. */
export function formatAmount(value: string | bigint | null | undefined, decimals: number | null | undefined = 18, maxFraction = 6): string {
  if (value === null || value === undefined || value === "") return "—";
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    return String(value);
  }
  const text = ethersFormatUnits(v, decimals ?? 0);
  const [whole, frac = ""] = text.split(".");
  const trimmed = frac.slice(0, maxFraction).replace(/0+$/, "");
  const grouped = integer.format(BigInt(whole!));
  return trimmed ? `${grouped}.${trimmed}` : grouped;
}

/** An amount in base units as a float for charts (precision is not needed there). */
export function amountToNumber(value: string | bigint, decimals: number | null | undefined = 18): number {
  try {
    return Number(ethersFormatUnits(BigInt(value), decimals ?? 0));
  } catch {
    return 0;
  }
}

/** 0x1234…abcd */
export function shortHex(hex: string | null | undefined, head = 6, tail = 4): string {
  if (!hex) return "—";
  return hex.length <= head + tail + 2 ? hex : `${hex.slice(0, head + 2)}…${hex.slice(-tail)}`;
}

/** Unix seconds → "2026-12-04 19:40:05 UTC". */
export function formatTime(unixSeconds: number | null | undefined): string {
  if (unixSeconds === null || unixSeconds === undefined) return "—";
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

/** Unix seconds → "5 s ago", "3 min ago", "2 h ago", "4 d ago". */
export function timeAgo(unixSeconds: number | null | undefined, nowMs = Date.now()): string {
  if (unixSeconds === null || unixSeconds === undefined) return "—";
  const s = Math.max(0, Math.round(nowMs / 1000 - unixSeconds));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86400)} d ago`;
}

/** Chart axis label of a unix-second time: HH:MM (or MM-DD for day buckets). */
export function axisTime(unixSeconds: number, days = false): string {
  const iso = new Date(unixSeconds * 1000).toISOString();
  return days ? iso.slice(5, 10) : iso.slice(11, 16);
}

export function formatPercent(p: number | null | undefined, digits = 2): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "—";
  return `${formatNumber(p, digits)} %`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms < 10 ? `${formatNumber(ms, 2)} ms` : `${formatNumber(ms, 0)} ms`;
}

/** Whether `s` is 0x + 40 hex digits. */
export const isAddressLike = (s: string): boolean => /^0x[0-9a-fA-F]{40}$/.test(s);
/** Whether `s` is 0x + 64 hex digits (a block or transaction hash). */
export const isHash = (s: string): boolean => /^0x[0-9a-fA-F]{64}$/.test(s);
