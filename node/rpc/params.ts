/**
 * Parameter decoding for the JSON-RPC methods: every decoder either returns a typed value or throws
 * RpcError(-32602) with a message that names the argument (and field) and says what was expected, in the style of
 * geth (`invalid argument 0: hex string without 0x prefix`).
 */
import { INVALID_PARAMS, RpcError } from "./errors";
import type { CallRequest, Hex } from "./types";

/** Where a value sits in the request: the argument's position and, inside an object, the field's name. */
export interface ParamPath {
  index: number;
  field?: string;
}

export function invalidParams(message: string): RpcError {
  return new RpcError(INVALID_PARAMS, message);
}

function fail(path: ParamPath, problem: string): never {
  const where = path.field === undefined ? "" : `field "${path.field}": `;
  throw invalidParams(`invalid argument ${path.index}: ${where}${problem}`);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

const HEX_DIGITS = /^[0-9a-fA-F]*$/;

/** Checks the 0x prefix and the digits; returns the digits. */
function hexDigits(value: unknown, path: ParamPath, what: string): string {
  if (typeof value !== "string") fail(path, `expected ${what} as a 0x-prefixed hex string, got ${describe(value)}`);
  if (!value.startsWith("0x") && !value.startsWith("0X")) fail(path, "hex string without 0x prefix");
  const digits = value.slice(2);
  if (!HEX_DIGITS.test(digits)) fail(path, `invalid hex string ${JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value)}`);
  return digits;
}

/**
 * A quantity (`0x1a`). Leading zeros are accepted, as geth does for the clients that send them; an empty `0x`
 * and numbers wider than 256 bits are not.
 */
export function parseQuantity(value: unknown, path: ParamPath, what = "quantity"): bigint {
  const digits = hexDigits(value, path, what);
  if (digits.length === 0) fail(path, `hex string "0x" is not a ${what}; zero is "0x0"`);
  const trimmed = digits.replace(/^0+(?=.)/, "");
  if (trimmed.length > 64) fail(path, `${what} larger than 256 bits`);
  return BigInt(`0x${trimmed}`);
}

/** A quantity that must fit a JavaScript number (counts, indexes). */
export function parseSmallQuantity(value: unknown, path: ParamPath, what = "quantity"): number {
  const n = parseQuantity(value, path, what);
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) fail(path, `${what} too large`);
  return Number(n);
}

/** Even-length hex data of any length (`0x` is empty data); returned lower-case. */
export function parseData(value: unknown, path: ParamPath, what = "data"): Hex {
  const digits = hexDigits(value, path, what);
  if (digits.length % 2 !== 0) fail(path, `hex string of odd length (${what} must be whole bytes)`);
  return `0x${digits.toLowerCase()}`;
}

function fixedData(value: unknown, path: ParamPath, bytes: number, what: string): Hex {
  const digits = hexDigits(value, path, what);
  if (digits.length !== bytes * 2) fail(path, `hex string has length ${digits.length}, want ${bytes * 2} for ${what}`);
  return `0x${digits.toLowerCase()}`;
}

/** A 20-byte address, returned lower-case. */
export function parseAddress(value: unknown, path: ParamPath): Hex {
  return fixedData(value, path, 20, "address");
}

/** A 32-byte hash, returned lower-case. */
export function parseHash(value: unknown, path: ParamPath): Hex {
  return fixedData(value, path, 32, "32-byte hash");
}

/** A storage slot: any hex of at most 32 bytes (a quantity or a full word), returned as a 32-byte word. */
export function parseSlot(value: unknown, path: ParamPath): Hex {
  const digits = hexDigits(value, path, "storage slot");
  if (digits.length === 0) fail(path, `hex string "0x" is not a storage slot`);
  if (digits.length > 64) fail(path, `hex string has length ${digits.length}, want at most 64 for a storage slot`);
  return `0x${digits.toLowerCase().padStart(64, "0")}`;
}

export function parseBool(value: unknown, path: ParamPath): boolean {
  if (typeof value !== "boolean") fail(path, `expected a boolean (true or false), got ${describe(value)}`);
  return value;
}

export function parseObject(value: unknown, path: ParamPath, what: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, `expected ${what} object, got ${describe(value)}`);
  return value as Record<string, unknown>;
}

/** A block tag or number as the client wrote it (before resolution against the chain). */
export type BlockSpec =
  | { kind: "tag"; tag: "latest" | "safe" | "finalized" | "earliest" | "pending" }
  | { kind: "number"; number: bigint }
  | { kind: "hash"; hash: Hex; requireCanonical: boolean };

const TAGS = new Set(["latest", "safe", "finalized", "earliest", "pending"]);

/** `latest`/`safe`/`finalized`/`earliest`/`pending` or a hex number. */
export function parseBlockNumberOrTag(value: unknown, path: ParamPath): BlockSpec {
  if (typeof value === "string" && TAGS.has(value)) return { kind: "tag", tag: value as "latest" };
  if (typeof value === "string" && !value.startsWith("0x") && !value.startsWith("0X")) {
    fail(path, `expected a block number (0x-prefixed hex) or one of latest, safe, finalized, earliest, pending; got ${JSON.stringify(value.slice(0, 80))}`);
  }
  if (typeof value !== "string") fail(path, `expected a block number or tag as a string, got ${describe(value)}`);
  return { kind: "number", number: parseQuantity(value, path, "block number") };
}

/** A block number or tag, or an EIP-1898 object `{ blockNumber }` / `{ blockHash, requireCanonical? }`. */
export function parseBlockSpec(value: unknown, path: ParamPath): BlockSpec {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return parseBlockNumberOrTag(value, path);
  const o = value as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== "blockNumber" && key !== "blockHash" && key !== "requireCanonical") fail(path, `unknown field "${key}" in block reference (EIP-1898: blockNumber, or blockHash and requireCanonical)`);
  }
  const hasNumber = o.blockNumber !== undefined && o.blockNumber !== null;
  const hasHash = o.blockHash !== undefined && o.blockHash !== null;
  if (hasNumber && hasHash) fail(path, "cannot specify both blockHash and blockNumber, choose one or the other");
  if (hasNumber) {
    if (o.requireCanonical !== undefined) fail(path, "requireCanonical only goes with blockHash");
    return parseBlockNumberOrTag(o.blockNumber, { ...path, field: "blockNumber" });
  }
  if (!hasHash) fail(path, "expected blockNumber or blockHash in block reference");
  const requireCanonical = o.requireCanonical === undefined || o.requireCanonical === null ? false : parseBool(o.requireCanonical, { ...path, field: "requireCanonical" });
  return { kind: "hash", hash: parseHash(o.blockHash, { ...path, field: "blockHash" }), requireCanonical };
}

/** A block number, tag or 32-byte hash (luniverse_getFinality). */
export function parseBlockNumberOrHash(value: unknown, path: ParamPath): BlockSpec {
  if (typeof value === "string" && /^0[xX][0-9a-fA-F]{64}$/.test(value)) return { kind: "hash", hash: parseHash(value, path), requireCanonical: false };
  return parseBlockSpec(value, path);
}

/**
 * The transaction object of eth_call / eth_estimateGas. Fields the node does not use (blob and authorization
 * lists, client-specific extras) are ignored as geth does; `data` and `input` may both be given only when equal;
 * gasPrice excludes the EIP-1559 fee fields.
 */
export function parseCallRequest(value: unknown, path: ParamPath, chainId: bigint): CallRequest {
  const o = parseObject(value, path, "a transaction call");
  const at = (field: string): ParamPath => ({ index: path.index, field });
  const has = (field: string): boolean => o[field] !== undefined && o[field] !== null;
  const req: CallRequest = {};
  if (has("from")) req.from = parseAddress(o.from, at("from"));
  if (o.to === null) req.to = null;
  else if (has("to")) req.to = parseAddress(o.to, at("to"));
  if (has("gas")) req.gas = parseQuantity(o.gas, at("gas"));
  if (has("gasPrice")) req.gasPrice = parseQuantity(o.gasPrice, at("gasPrice"));
  if (has("maxFeePerGas")) req.maxFeePerGas = parseQuantity(o.maxFeePerGas, at("maxFeePerGas"));
  if (has("maxPriorityFeePerGas")) req.maxPriorityFeePerGas = parseQuantity(o.maxPriorityFeePerGas, at("maxPriorityFeePerGas"));
  if (has("value")) req.value = parseQuantity(o.value, at("value"));
  if (has("nonce")) req.nonce = parseQuantity(o.nonce, at("nonce"));
  const data = has("data") ? parseData(o.data, at("data")) : undefined;
  const input = has("input") ? parseData(o.input, at("input")) : undefined;
  if (data !== undefined && input !== undefined && data !== input) fail(path, `both "data" and "input" are set and not equal; send one of them`);
  if (input ?? data) req.data = input ?? data;
  if (req.gasPrice !== undefined && (req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined)) {
    fail(path, "both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified; send one fee model");
  }
  if (req.maxFeePerGas !== undefined && req.maxPriorityFeePerGas !== undefined && req.maxPriorityFeePerGas > req.maxFeePerGas) {
    fail(path, `maxPriorityFeePerGas (${req.maxPriorityFeePerGas}) is greater than maxFeePerGas (${req.maxFeePerGas})`);
  }
  if (has("type")) parseQuantity(o.type, at("type"), "transaction type");
  if (has("chainId")) {
    const id = parseQuantity(o.chainId, at("chainId"), "chain id");
    if (id !== chainId) fail(path, `field "chainId": ${id} does not match this chain (${chainId})`);
  }
  if (has("accessList") && !Array.isArray(o.accessList)) fail(at("accessList"), "expected an array");
  return req;
}

/** The argument list of one call: positional, with a minimum and maximum count. */
export class Args {
  private readonly list: unknown[];

  constructor(params: unknown, readonly min: number, readonly max: number) {
    if (params === undefined || params === null) this.list = [];
    else if (Array.isArray(params)) this.list = params;
    else throw invalidParams("params must be an array of positional arguments");
    if (this.list.length > max) throw invalidParams(`too many arguments, want at most ${max}`);
    // Trailing nulls stand for omitted optional arguments; a null where a required one belongs is missing.
    for (let i = 0; i < min; i++) {
      if (this.list[i] === undefined || this.list[i] === null) throw invalidParams(`missing value for required argument ${i}`);
    }
  }

  /** The raw argument, or undefined when omitted or null. */
  get(index: number): unknown {
    const v = this.list[index];
    return v === null ? undefined : v;
  }

  has(index: number): boolean {
    return this.get(index) !== undefined;
  }
}
