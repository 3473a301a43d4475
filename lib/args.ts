/**
 * Arguments of commands and operations: the parsers every task and command line uses for amounts, addresses, ids
 * and integers (each error names the flag and gives an example), and {@link parseCommandLine} — `node:util`
 * `parseArgs` with the repository's errors (an unknown flag says which flags exist, and the one meant).
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { getAddress, isAddress, parseUnits } from "ethers";
import { ArgumentError } from "./errors";
import { suggestKey } from "./config";

/** Parses a token amount given in whole tokens (decimals allowed), e.g. "1000" or "0.5". */
export function parseAmount(flag: string, value: string, decimals = 18): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new ArgumentError("ARG_INVALID", flag, `--${flag} must be a positive decimal number of tokens (e.g. 1000 or 0.5), got "${value}"`);
  }
  let amount: bigint;
  try {
    amount = parseUnits(value, decimals);
  } catch {
    throw new ArgumentError("ARG_INVALID", flag, `--${flag} has more than ${decimals} decimals: "${value}"`);
  }
  if (amount === 0n) throw new ArgumentError("ARG_INVALID", flag, `--${flag} must be greater than zero`);
  return amount;
}

/** Parses a 0x address (any case; a wrong EIP-55 checksum is an error). */
export function parseAddress(flag: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new ArgumentError("ARG_MISSING", flag, `--${flag} is required: give a 0x address`);
  if (!isAddress(value)) throw new ArgumentError("ARG_INVALID", flag, `--${flag} is not a valid address (0x + 40 hex digits, checksum if mixed case): "${value}"`);
  return getAddress(value);
}

/** Parses a comma-separated list of addresses. */
export function parseAddressList(flag: string, value: string, expected?: number): string[] {
  const list = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (expected !== undefined && list.length !== expected) {
    throw new ArgumentError("ARG_INVALID", flag, `--${flag} needs exactly ${expected} comma-separated addresses, got ${list.length}`);
  }
  return list.map((a, i) => parseAddress(`${flag}[${i}]`, a));
}

/** Parses a non-negative integer (block numbers, ids). */
export function parseInteger(flag: string, value: string): bigint {
  if (!/^\d+$/.test(value)) throw new ArgumentError("ARG_INVALID", flag, `--${flag} must be a non-negative integer, got "${value}"`);
  return BigInt(value);
}

/** Parses a bytes32 from a 0x-hex string or encodes a short text (≤ 31 bytes) like Solidity's `bytes32("text")`. */
export function parseBytes32(flag: string, value: string): string {
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return value;
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length === 0 || bytes.length > 32) {
    throw new ArgumentError("ARG_INVALID", flag, `--${flag} must be 0x + 64 hex digits or a text of 1..32 bytes, got "${value}"`);
  }
  return `0x${bytes.toString("hex").padEnd(64, "0")}`;
}

/** Parses a 32-byte id (deposit, redeem, pair): 0x + 64 hex digits. */
export function parseBytes32Id(flag: string, value: string): string {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new ArgumentError("ARG_INVALID", flag, `--${flag} must be a 0x-prefixed 32-byte id, got "${value}"`);
  return value;
}

/** Parses a TCP port 1..65535 (0 too when `allowZero`: any free port). */
export function parsePort(flag: string, value: string | number, allowZero = false): number {
  const n = typeof value === "number" ? value : /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < (allowZero ? 0 : 1) || n > 65535) {
    throw new ArgumentError("ARG_INVALID", flag, `--${flag} must be a port number ${allowZero ? "0" : "1"}..65535, got "${value}"`);
  }
  return n;
}

export type CommandLineOptions = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `argv` (without node and the script) with `node:util` `parseArgs`, strictly: an unknown flag, a flag
 * without its value or a stray positional argument is an {@link ArgumentError} naming it (with the flag meant when it
 * looks like a typo) followed by `usage`.
 */
export function parseCommandLine<O extends CommandLineOptions>(argv: string[], options: O, usage = "") {
  const tail = usage ? `; ${usage}` : "";
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false });
  } catch (e) {
    const err = e as { code?: string; message: string };
    const flag = /'(--?[^' <]+)/.exec(err.message)?.[1] ?? "";
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const meant = suggestKey(flag, Object.keys(options).map((k) => `--${k}`));
      throw new ArgumentError("ARG_UNKNOWN", flag, `unknown option ${flag}${meant ? ` (did you mean ${meant}?)` : ""}${tail}`);
    }
    if (err.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && /argument missing/.test(err.message)) {
      throw new ArgumentError("ARG_MISSING", flag, `${flag} needs a value${tail}`);
    }
    if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") {
      const word = /'([^']*)'/.exec(err.message)?.[1] ?? "";
      throw new ArgumentError("ARG_UNKNOWN", word, `unexpected argument "${word}"; options are --name value${tail}`);
    }
    throw new ArgumentError("ARG_INVALID", flag, `${err.message}${tail}`);
  }
}

/** `mainRpc` → `main-rpc`. */
export function kebabCase(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `main-rpc` → `mainRpc`. */
export function camelCase(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}
