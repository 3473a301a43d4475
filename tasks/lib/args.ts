import { getAddress, isAddress, parseUnits } from "ethers";
import { TaskError } from "./errors";

/** Parses a token amount given in whole tokens (decimals allowed), e.g. "1000" or "0.5". */
export function parseAmount(flag: string, value: string, decimals = 18): bigint {
  if (!/^\d+(\.\d+)?$/.test(value)) {
    throw new TaskError(`--${flag} must be a positive decimal number of tokens (e.g. 1000 or 0.5), got "${value}"`);
  }
  let amount: bigint;
  try {
    amount = parseUnits(value, decimals);
  } catch {
    throw new TaskError(`--${flag} has more than ${decimals} decimals: "${value}"`);
  }
  if (amount === 0n) throw new TaskError(`--${flag} must be greater than zero`);
  return amount;
}

/** Parses a 0x address (any case; a wrong EIP-55 checksum is an error). */
export function parseAddress(flag: string, value: string | undefined): string {
  if (value === undefined || value === "") throw new TaskError(`--${flag} is required: give a 0x address`);
  if (!isAddress(value)) throw new TaskError(`--${flag} is not a valid address (0x + 40 hex digits, checksum if mixed case): "${value}"`);
  return getAddress(value);
}

/** Parses a comma-separated list of addresses. */
export function parseAddressList(flag: string, value: string, expected?: number): string[] {
  const list = value.split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (expected !== undefined && list.length !== expected) {
    throw new TaskError(`--${flag} needs exactly ${expected} comma-separated addresses, got ${list.length}`);
  }
  return list.map((a, i) => parseAddress(`${flag}[${i}]`, a));
}

/** Parses a non-negative integer (block numbers, ids). */
export function parseInteger(flag: string, value: string): bigint {
  if (!/^\d+$/.test(value)) throw new TaskError(`--${flag} must be a non-negative integer, got "${value}"`);
  return BigInt(value);
}

/** Parses a bytes32 from a 0x-hex string or encodes a short text (≤ 31 bytes) like Solidity's `bytes32("text")`. */
export function parseBytes32(flag: string, value: string): string {
  if (/^0x[0-9a-fA-F]{64}$/.test(value)) return value;
  const bytes = Buffer.from(value, "utf8");
  if (bytes.length === 0 || bytes.length > 32) {
    throw new TaskError(`--${flag} must be 0x + 64 hex digits or a text of 1..32 bytes, got "${value}"`);
  }
  return `0x${bytes.toString("hex").padEnd(64, "0")}`;
}
