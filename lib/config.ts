/**
 * The configuration-validation kit: every config file and option object of the repository (node, relayer, anchoring,
 * devnet, deployment) is checked with these readers, so an unknown key, a wrong type or a value out of range is an
 * error that names the key (`rpc.port`), says what was expected and what was given, and suggests the key meant
 * (did-you-mean) — never a stack trace.
 */
import { readFileSync } from "node:fs";
import { LuniverseError } from "./errors";

export type ConfigErrorCode = "CONFIG_INVALID" | "CONFIG_UNKNOWN_KEY" | "CONFIG_SECRET" | "CONFIG_FILE";

/** A configuration that cannot be used; `path` names the key (`rpc.port`), the message says what to write instead. */
export class ConfigError extends LuniverseError<ConfigErrorCode> {
  override name = "ConfigError";
  constructor(
    code: ConfigErrorCode,
    readonly path: string,
    message: string,
  ) {
    super(code, message);
  }
}

/** A short description of a value for messages: `string "abc"`, `number 3`, `array`. */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "string":
      return `string ${JSON.stringify(value.length > 60 ? value.slice(0, 57) + "..." : value)}`;
    case "number":
      return `number ${value}`;
    case "bigint":
      return `bigint ${value}`;
    case "boolean":
      return `boolean ${value}`;
    case "object":
      return "object";
    default:
      return typeof value;
  }
}

/** `<at>: expected <expected>, got <value>`. */
export function invalid(at: string, expected: string, value: unknown): ConfigError {
  return new ConfigError("CONFIG_INVALID", at, `${at}: expected ${expected}, got ${describe(value)}`);
}

/** Levenshtein distance (keys are short). */
function distance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

/** The known key closest to `key`, when close enough to be a likely typo. */
export function suggestKey(key: string, known: readonly string[]): string | null {
  const lower = key.toLowerCase();
  let best: string | null = null;
  let bestScore = Infinity;
  for (const k of known) {
    const kl = k.toLowerCase();
    const d = kl === lower ? 0 : kl.startsWith(lower) || lower.startsWith(kl) ? 1 : distance(lower, kl);
    if (d < bestScore) {
      bestScore = d;
      best = k;
    }
  }
  return best !== null && bestScore <= Math.max(2, Math.floor(key.length / 3)) ? best : null;
}

/** `parent.key` (or `key` at the root). */
export function joinPath(parent: string, key: string): string {
  return parent === "" ? key : `${parent}.${key}`;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const SECRET_KEY = /^(private_?key|privkey|secret|mnemonic|seed)$/i;

export interface CheckKeysOptions {
  /** The message for a key that looks like a secret (default: a generic "never write a key in a file"). */
  secretMessage?: (full: string) => string;
}

/** Throws for the first key of `obj` that is not in `known`: a secret-looking key, or an unknown one (did you mean). */
export function checkKeys(obj: Record<string, unknown>, known: readonly string[], at: string, options: CheckKeysOptions = {}): void {
  for (const key of Object.keys(obj)) {
    if (known.includes(key)) continue;
    const full = joinPath(at, key);
    if (SECRET_KEY.test(key)) {
      throw new ConfigError(
        "CONFIG_SECRET",
        full,
        options.secretMessage?.(full) ??
          `${full}: a private key must never be written in a configuration file (files get copied, committed and backed up); name an encrypted keystore or an environment variable instead`,
      );
    }
    const hint = suggestKey(key, known);
    throw new ConfigError("CONFIG_UNKNOWN_KEY", full, `${full}: unknown key` + (hint ? ` (did you mean "${joinPath(at, hint)}"?)` : ` (known keys: ${known.join(", ")})`));
  }
}

// Field readers: each returns the default when the value is undefined.

export function int(obj: Record<string, unknown>, key: string, at: string, def: number, min: number, max: number): number {
  const v = obj[key];
  if (v === undefined) return def;
  const range = max === Number.MAX_SAFE_INTEGER ? `integer >= ${min}` : `integer ${min}–${max}`;
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) throw invalid(joinPath(at, key), range, v);
  return v;
}

export function bool(obj: Record<string, unknown>, key: string, at: string, def: boolean): boolean {
  const v = obj[key];
  if (v === undefined) return def;
  if (typeof v !== "boolean") throw invalid(joinPath(at, key), "boolean", v);
  return v;
}

export function str(obj: Record<string, unknown>, key: string, at: string, def: string): string {
  const v = obj[key];
  if (v === undefined) return def;
  if (typeof v !== "string" || v.trim() === "") throw invalid(joinPath(at, key), "non-empty string", v);
  return v;
}

export function optStr(obj: Record<string, unknown>, key: string, at: string, def: string | null): string | null {
  const v = obj[key];
  if (v === undefined) return def;
  if (v === null) return null;
  return str(obj, key, at, "");
}

/** An integer ≥ `min` given as a number, a decimal string or a 0x-hex string. */
export function quantity(obj: Record<string, unknown>, key: string, at: string, def: bigint, min: bigint): bigint {
  const v = obj[key];
  if (v === undefined) return def;
  const expected = `integer >= ${min} (number, decimal string or 0x-hex string)`;
  let q: bigint;
  if (typeof v === "bigint") q = v;
  else if (typeof v === "number" && Number.isSafeInteger(v)) q = BigInt(v);
  else if (typeof v === "string" && /^(0x[0-9a-fA-F]+|[0-9]+)$/.test(v.trim())) q = BigInt(v.trim());
  else throw invalid(joinPath(at, key), expected, v);
  if (q < min) throw invalid(joinPath(at, key), expected, v);
  return q;
}

/** The object at `input[key]` (empty when absent), its keys checked against `known`. */
export function section(input: Record<string, unknown>, key: string, at: string, known: readonly string[], options: CheckKeysOptions = {}): Record<string, unknown> {
  const v = input[key];
  if (v === undefined) return {};
  const full = joinPath(at, key);
  if (!isPlainObject(v)) throw invalid(full, "object", v);
  checkKeys(v, known, full, options);
  return v;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The name of an environment variable (never a key written in its place). */
export function envName(obj: Record<string, unknown>, key: string, at: string, def: string | null): string | null {
  const v = obj[key];
  if (v === undefined || v === null) return v === null ? null : def;
  if (typeof v !== "string" || !ENV_NAME.test(v)) throw invalid(joinPath(at, key), "an environment variable name ([A-Za-z_][A-Za-z0-9_]*)", v);
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(v)) {
    throw new ConfigError("CONFIG_SECRET", joinPath(at, key), `${joinPath(at, key)}: this looks like a private key; write the NAME of the environment variable that holds the key, never the key itself`);
  }
  return v;
}

export function host(obj: Record<string, unknown>, key: string, at: string, def: string): string {
  const v = str(obj, key, at, def);
  if (/[\s/]/.test(v)) throw invalid(joinPath(at, key), "a host name or IP address", v);
  return v;
}

/** Reads and parses a JSON file; a missing, unreadable or malformed file is a {@link ConfigError} naming `what`. */
export function readJsonFile(file: string, what = "config"): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError("CONFIG_FILE", what, `cannot read ${what} file ${file}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ConfigError("CONFIG_FILE", what, `${what} file ${file} is not valid JSON: ${(e as Error).message}`);
  }
}
