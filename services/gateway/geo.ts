/**
 * Where a client is: the region of its address (configured CIDR ranges, longest prefix wins), the regions nearest to
 * it, and the client's address itself behind trusted front proxies (X-Forwarded-For).
 *
 * Addresses are compared in one 128-bit space: an IPv4 address a.b.c.d is the IPv4-mapped IPv6 address
 * ::ffff:a.b.c.d, so `127.0.0.1` and `::ffff:127.0.0.1` (how a dual-stack socket reports an IPv4 peer) match the same
 * IPv4 ranges.
 */
import net from "node:net";
import { LuniverseError } from "../../lib/errors";

export type GeoErrorCode = "GATEWAY_GEO_INVALID_CIDR" | "GATEWAY_GEO_CONFIG";

/** A region table or proxy list that cannot be used; the message names the range or region. */
export class GeoConfigError extends LuniverseError<GeoErrorCode> {
  override name = "GeoConfigError";
  constructor(code: GeoErrorCode, message: string, hint?: string) {
    super(code, message, hint === undefined ? {} : { hint });
  }
}

const MAPPED_PREFIX = 0xffffn << 32n;
const ALL_ONES = (1n << 128n) - 1n;

/** An address as a 128-bit number (IPv4 mapped into ::ffff:0:0/96), or null when `ip` is not an address. */
export function ipToBigInt(ip: string): bigint | null {
  let s = ip.trim();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  const kind = net.isIP(s);
  if (kind === 4) return MAPPED_PREFIX | ipv4ToBigInt(s);
  if (kind !== 6) return null;
  let tail: bigint | null = null;
  let groupsText = s;
  const lastColon = s.lastIndexOf(":");
  if (s.includes(".", lastColon)) {
    // embedded IPv4 in the last 32 bits (::ffff:1.2.3.4, 64:ff9b::1.2.3.4)
    tail = ipv4ToBigInt(s.slice(lastColon + 1));
    groupsText = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const [head, rest] = groupsText.split("::") as [string, string | undefined];
  const left = head === "" ? [] : head.split(":");
  const right = rest === undefined ? [] : rest === "" ? [] : rest.split(":");
  const missing = 8 - left.length - right.length;
  const groups = rest === undefined ? left : [...left, ...Array<string>(missing).fill("0"), ...right];
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(parseInt(g, 16));
  if (tail !== null) v = (v & ~0xffffffffn) | tail;
  return v;
}

/** The dotted text of the low 32 bits of `v`. */
function ipv4Text(v: bigint): string {
  return [24n, 16n, 8n, 0n].map((sh) => String((v >> sh) & 0xffn)).join(".");
}

function ipv4ToBigInt(s: string): bigint {
  return s.split(".").reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

/** The usual text of an address: an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) as IPv4, the rest as given (zone removed). */
export function normalizeIp(ip: string): string {
  let s = ip.trim();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (net.isIP(s) === 6) {
    const v = ipToBigInt(s);
    if (v !== null && v >> 32n === 0xffffn) return ipv4Text(v);
    return s.toLowerCase();
  }
  return s;
}

interface Range {
  text: string;
  /** Prefix length in the 128-bit space. */
  bits: number;
  network: bigint;
}

/** Parses `a.b.c.d/n`, `x:y::z/n` or a bare address (one host); throws a GeoConfigError naming `cidr` when invalid. */
export function parseCidr(cidr: string): Range {
  if (typeof cidr !== "string") throw new GeoConfigError("GATEWAY_GEO_INVALID_CIDR", `Invalid CIDR range ${JSON.stringify(cidr)}: expected a string`);
  const text = cidr.trim();
  const slash = text.indexOf("/");
  const addr = slash < 0 ? text : text.slice(0, slash);
  const kind = net.isIP(addr);
  const bad = (why: string, hint = "write it as 10.0.0.0/8 or 2001:db8::/32"): GeoConfigError =>
    new GeoConfigError("GATEWAY_GEO_INVALID_CIDR", `Invalid CIDR range "${cidr}": ${why}`, hint);
  if (kind === 0) throw bad(`"${addr}" is not an IPv4 or IPv6 address`);
  const width = kind === 4 ? 32 : 128;
  let prefix = width;
  if (slash >= 0) {
    const p = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(p) || Number(p) > width) throw bad(`the prefix length must be 0…${width}, not "${p}"`);
    prefix = Number(p);
  }
  const value = ipToBigInt(addr)!;
  const bits = kind === 4 ? 96 + prefix : prefix;
  const mask = bits === 0 ? 0n : (ALL_ONES << BigInt(128 - bits)) & ALL_ONES;
  const network = value & mask;
  if (network !== value) {
    const netText = kind === 4 ? ipv4Text(network) : bigIntToIpv6(network);
    throw bad("the address has bits set beyond the prefix", `did you mean ${netText}/${prefix}?`);
  }
  return { text, bits, network };
}

function bigIntToIpv6(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  // Compress the longest run of zero groups.
  const joined = groups.join(":");
  const runs = [...joined.matchAll(/(?:^|:)(?:0(?::|$)){2,}/g)];
  if (runs.length === 0) return joined;
  const longest = runs.reduce((a, b) => (b[0].length > a[0].length ? b : a));
  return `${joined.slice(0, longest.index)}::${joined.slice(longest.index! + longest[0].length)}`.replace(/^:::?/, "::").replace(/:::$/, "::");
}

/** Ranges grouped by prefix length (longest first), for longest-prefix matching in one map lookup per length. */
class PrefixIndex<T> {
  readonly #byBits = new Map<number, Map<bigint, T>>();
  #lengths: number[] = [];

  /** Adds a range; returns the value already there for the same range, if any. */
  add(range: Range, value: T): T | undefined {
    let m = this.#byBits.get(range.bits);
    if (m === undefined) {
      m = new Map();
      this.#byBits.set(range.bits, m);
      this.#lengths = [...this.#byBits.keys()].sort((a, b) => b - a);
    }
    const before = m.get(range.network);
    if (before === undefined) m.set(range.network, value);
    return before;
  }

  lookup(addr: bigint): T | undefined {
    for (const bits of this.#lengths) {
      const mask = bits === 0 ? 0n : (ALL_ONES << BigInt(128 - bits)) & ALL_ONES;
      const v = this.#byBits.get(bits)!.get(addr & mask);
      if (v !== undefined) return v;
    }
    return undefined;
  }
}

/** A set of addresses and CIDR ranges (the trusted front proxies). */
export class CidrList {
  readonly cidrs: readonly string[];
  readonly #index = new PrefixIndex<true>();

  constructor(cidrs: readonly string[]) {
    this.cidrs = [...cidrs];
    for (const c of cidrs) this.#index.add(parseCidr(c), true);
  }

  /** Whether `ip` lies in one of the ranges (false for anything that is not an address). */
  contains(ip: string): boolean {
    const v = ipToBigInt(ip);
    return v !== null && this.#index.lookup(v) === true;
  }
}

export interface RegionTableConfig {
  /** Region name → its CIDR ranges and, optionally, the other regions nearest first. */
  regions: Record<string, { cidrs: string[]; nearest?: string[] | null }>;
}

/** Maps client addresses to regions (longest prefix wins) and gives each region's nearest regions. */
export class RegionTable {
  readonly #index = new PrefixIndex<string>();
  readonly #nearest = new Map<string, string[]>();

  constructor(config: RegionTableConfig) {
    if (typeof config !== "object" || config === null || typeof config.regions !== "object" || config.regions === null) {
      throw new GeoConfigError("GATEWAY_GEO_CONFIG", "The region table needs { regions: { <name>: { cidrs: [...], nearest?: [...] } } }");
    }
    const names = Object.keys(config.regions);
    for (const name of names) {
      const r = config.regions[name];
      if (typeof r !== "object" || r === null || !Array.isArray(r.cidrs)) {
        throw new GeoConfigError("GATEWAY_GEO_CONFIG", `Region "${name}" needs cidrs: an array of CIDR ranges`);
      }
      for (const key of Object.keys(r)) {
        if (key !== "cidrs" && key !== "nearest") throw new GeoConfigError("GATEWAY_GEO_CONFIG", `Region "${name}" has an unknown key "${key}"`, "a region has only cidrs and nearest");
      }
      for (const c of r.cidrs) {
        const range = parseCidr(c);
        const other = this.#index.add(range, name);
        if (other !== undefined && other !== name) {
          throw new GeoConfigError("GATEWAY_GEO_CONFIG", `CIDR range "${c}" is given to two regions: "${other}" and "${name}"`, "a range belongs to one region; use a longer prefix to carve out a sub-range");
        }
      }
      const nearest = r.nearest ?? null;
      if (nearest !== null) {
        if (!Array.isArray(nearest)) throw new GeoConfigError("GATEWAY_GEO_CONFIG", `Region "${name}": nearest must be an array of region names`);
        for (const n of nearest) {
          if (!names.includes(n)) throw new GeoConfigError("GATEWAY_GEO_CONFIG", `Region "${name}": nearest names an unknown region "${n}"`, `known regions: ${names.join(", ")}`);
          if (n === name) throw new GeoConfigError("GATEWAY_GEO_CONFIG", `Region "${name}": nearest lists the region itself`);
        }
        if (new Set(nearest).size !== nearest.length) throw new GeoConfigError("GATEWAY_GEO_CONFIG", `Region "${name}": nearest lists a region twice`);
        this.#nearest.set(name, [...nearest]);
      } else {
        this.#nearest.set(name, names.filter((n) => n !== name).sort());
      }
    }
  }

  /** The configured region names. */
  regions(): string[] {
    return [...this.#nearest.keys()];
  }

  /** The region of `ip` (the longest matching prefix), or null when no range matches or `ip` is not an address. */
  regionOf(ip: string): string | null {
    const v = ipToBigInt(ip);
    return v === null ? null : (this.#index.lookup(v) ?? null);
  }

  /** The other regions nearest first: as configured, else alphabetically; [] for an unknown region or null. */
  nearest(region: string | null): string[] {
    if (region === null) return [];
    return [...(this.#nearest.get(region) ?? [])];
  }
}

/** One X-Forwarded-For entry as an address: strips a port (`1.2.3.4:5678`, `[2001:db8::1]:443`); null when invalid. */
function forwardedAddress(entry: string): string | null {
  let s = entry.trim();
  if (s.startsWith("[")) {
    const end = s.indexOf("]");
    if (end < 0) return null;
    s = s.slice(1, end);
  } else if (/^[\d.]+:\d+$/.test(s)) {
    s = s.slice(0, s.lastIndexOf(":"));
  }
  return ipToBigInt(s) === null ? null : normalizeIp(s);
}

/**
 * The client's address. X-Forwarded-For is believed only when the socket's peer is a trusted proxy; then the entries
 * are read from the right, skipping trusted proxies, and the first untrusted one is the client (entries further left
 * were written by the client itself and may be forged). When every entry is trusted, the left-most is taken; an
 * invalid entry stops the walk at the last address read. IPv4-mapped addresses come back as IPv4.
 */
export function clientIp(socketAddress: string, forwardedFor: string | undefined, trustedProxies: CidrList | readonly string[]): string {
  const trusted = trustedProxies instanceof CidrList ? trustedProxies : new CidrList(trustedProxies);
  let current = normalizeIp(socketAddress);
  if (forwardedFor === undefined || !trusted.contains(current)) return current;
  const entries = forwardedFor.split(",");
  for (let i = entries.length - 1; i >= 0; i--) {
    if (entries[i]!.trim() === "") continue;
    const addr = forwardedAddress(entries[i]!);
    if (addr === null) return current;
    current = addr;
    if (!trusted.contains(addr)) return addr;
  }
  return current;
}
