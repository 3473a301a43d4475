/**
 * The log filter object of eth_getLogs / eth_newFilter / eth_subscribe("logs"): decoding, resolution to a
 * `LogFilter` with a bounded block range, and matching one log against address/topics criteria.
 */
import { tagHeight } from "./blockRef";
import { LIMIT_EXCEEDED, RpcError, SERVER_ERROR } from "./errors";
import { invalidParams, parseAddress, parseBlockNumberOrTag, parseHash, parseObject, type BlockSpec, type ParamPath } from "./params";
import type { Hex, LogFilter, RpcBackend, RpcLog } from "./types";

/** The criteria of a filter before the block range is resolved. */
export interface LogCriteria {
  fromBlock?: BlockSpec;
  toBlock?: BlockSpec;
  blockHash?: Hex;
  address?: Hex[];
  topics?: (Hex | Hex[] | null)[];
}

const FILTER_FIELDS = new Set(["fromBlock", "toBlock", "blockHash", "address", "topics"]);
export const MAX_TOPICS = 4;

/** Decodes a filter object; `allowRange` is false for subscriptions, which only follow new blocks. */
export function parseLogCriteria(value: unknown, path: ParamPath, allowRange = true): LogCriteria {
  const o = value === undefined ? {} : parseObject(value, path, "a log filter");
  const at = (field: string): ParamPath => ({ index: path.index, field });
  const bad = (msg: string): never => {
    throw invalidParams(`invalid argument ${path.index}: ${msg}`);
  };
  for (const key of Object.keys(o)) {
    if (!FILTER_FIELDS.has(key)) bad(`unknown field "${key}" in log filter (expected fromBlock, toBlock, blockHash, address, topics)`);
    if (!allowRange && key !== "address" && key !== "topics" && o[key] !== undefined) bad(`field "${key}" is not supported in a logs subscription (only address and topics)`);
  }
  const has = (k: string): boolean => o[k] !== undefined && o[k] !== null;
  const c: LogCriteria = {};
  if (has("blockHash")) {
    if (has("fromBlock") || has("toBlock")) bad("cannot specify both blockHash and fromBlock/toBlock, choose one or the other");
    c.blockHash = parseHash(o.blockHash, at("blockHash"));
  }
  if (has("fromBlock")) c.fromBlock = parseBlockNumberOrTag(o.fromBlock, at("fromBlock"));
  if (has("toBlock")) c.toBlock = parseBlockNumberOrTag(o.toBlock, at("toBlock"));
  if (has("address")) {
    const a = o.address;
    if (Array.isArray(a)) c.address = a.map((x, i) => parseAddress(x, at(`address[${i}]`)));
    else c.address = [parseAddress(a, at("address"))];
  }
  if (has("topics")) {
    if (!Array.isArray(o.topics)) bad(`field "topics": expected an array of topics, got ${typeof o.topics}`);
    const topics = o.topics as unknown[];
    if (topics.length > MAX_TOPICS) bad(`field "topics": exceed max topics (${topics.length} > ${MAX_TOPICS})`);
    c.topics = topics.map((t, i): Hex | Hex[] | null => {
      if (t === null || t === undefined) return null;
      if (Array.isArray(t)) {
        // A null inside an alternative list matches anything at that position.
        if (t.some((x) => x === null)) return null;
        return t.map((x, j) => parseHash(x, at(`topics[${i}][${j}]`)));
      }
      return parseHash(t, at(`topics[${i}]`));
    });
    while (c.topics.length > 0 && c.topics[c.topics.length - 1] === null) c.topics.pop();
  }
  return c;
}

export interface RangeLimits {
  /** Largest toBlock - fromBlock + 1 a query may span. */
  maxBlocks: number;
}

/**
 * Resolves the criteria to a `LogFilter` against the current head. The range is clamped to the head (a query that
 * starts above it is empty: null is returned); from > to is invalid; a range over the limit is -32005.
 */
export async function resolveLogFilter(backend: RpcBackend, c: LogCriteria, limits: RangeLimits): Promise<LogFilter | null> {
  const base: Pick<LogFilter, "address" | "topics"> = {};
  if (c.address !== undefined) base.address = c.address;
  if (c.topics !== undefined && c.topics.length > 0) base.topics = c.topics;
  if (c.blockHash !== undefined) {
    const block = await backend.getBlockByHash(c.blockHash, false);
    if (block === null) throw new RpcError(SERVER_ERROR, "unknown block");
    const n = BigInt(block.number);
    return { ...base, fromBlock: n, toBlock: n, blockHash: c.blockHash };
  }
  const head = backend.blockNumber();
  const height = (spec: BlockSpec | undefined): bigint => {
    if (spec === undefined) return head;
    if (spec.kind === "tag") return tagHeight(backend, spec.tag);
    if (spec.kind === "number") return spec.number;
    throw invalidParams("block hash in a range");
  };
  const from = height(c.fromBlock);
  let to = height(c.toBlock);
  if (from > to && !(c.toBlock === undefined && from > head)) throw invalidParams("invalid block range params: fromBlock is after toBlock");
  if (from > head) return null;
  if (to > head) to = head;
  const span = to - from + 1n;
  if (span > BigInt(limits.maxBlocks)) {
    throw new RpcError(LIMIT_EXCEEDED, `query returns more than ${limits.maxBlocks} blocks (asked for ${span}: 0x${from.toString(16)}..0x${to.toString(16)}); narrow the range`);
  }
  return { ...base, fromBlock: from, toBlock: to };
}

/** Whether a log satisfies address (any of) and topics (per position: any, one, or any of several). */
export function matchLog(log: RpcLog, address: Hex[] | undefined, topics: (Hex | Hex[] | null)[] | undefined): boolean {
  if (address !== undefined && address.length > 0) {
    const a = log.address.toLowerCase();
    if (!address.some((x) => x === a)) return false;
  }
  if (topics !== undefined) {
    if (topics.length > log.topics.length) {
      // Positions past the log's topics can only match a wildcard.
      for (let i = log.topics.length; i < topics.length; i++) if (topics[i] !== null) return false;
    }
    for (let i = 0; i < topics.length && i < log.topics.length; i++) {
      const want = topics[i];
      if (want === null) continue;
      const have = log.topics[i].toLowerCase();
      if (Array.isArray(want) ? !want.some((t) => t === have) : want !== have) return false;
    }
  }
  return true;
}
