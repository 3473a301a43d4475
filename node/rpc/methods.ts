/**
 * The JSON-RPC method table: for each method, decode and check its parameters, resolve block tags, call the
 * backend and return the result in wire format. Transport-independent; the dispatcher wraps it.
 */
import { keccak256 } from "../execution/common";
import { resolveBlockHeight, resolveExistingHeight, resolveStateBlock } from "./blockRef";
import { LIMIT_EXCEEDED, METHOD_NOT_FOUND, RpcError, SERVER_ERROR } from "./errors";
import { explorerMethods } from "./explorerMethods";
import type { FilterStore } from "./filters";
import { parseLogCriteria, resolveLogFilter } from "./logFilter";
import {
  Args,
  invalidParams,
  parseAddress,
  parseBlockNumberOrHash,
  parseBlockNumberOrTag,
  parseBlockSpec,
  parseBool,
  parseCallRequest,
  parseData,
  parseHash,
  parseQuantity,
  parseSlot,
  parseSmallQuantity,
} from "./params";
import type { SubscriptionSink } from "./subscriptions";
import type { Hex, RpcBackend, RpcBlock, RpcTransaction } from "./types";

/** geth's answer to eth_subscribe over a transport without notifications. */
export function notificationsUnsupported(): RpcError {
  return new RpcError(METHOD_NOT_FOUND, "notifications not supported");
}

export interface MethodLimits {
  /** Largest block span of eth_getLogs / eth_getFilterLogs (default 10,000). */
  maxLogsRange: number;
  /** Most logs one eth_getLogs may return (default 10,000). */
  maxLogsResults: number;
  /** Most blocks one eth_feeHistory covers; larger counts are clamped (default 1024, as geth). */
  maxFeeHistory: number;
}

export interface MethodContext {
  backend: RpcBackend;
  filters: FilterStore;
  limits: MethodLimits;
  /** The connection's subscriptions; undefined over HTTP. */
  subscriptions?: SubscriptionSink;
  /** The height at which the node was first seen syncing (eth_syncing's startingBlock). */
  syncStart: { height?: bigint };
  /** The caller's address (the socket's remote address). */
  remote?: string;
}

export type MethodHandler = (params: unknown, ctx: MethodContext) => unknown;

const hex = (n: bigint | number): Hex => `0x${n.toString(16)}`;

async function blockAt(ctx: MethodContext, param: unknown, full: boolean): Promise<RpcBlock | null> {
  const height = await resolveBlockHeight(ctx.backend, parseBlockNumberOrTag(param, { index: 0 }));
  return height === null ? null : ctx.backend.getBlockByNumber(height, full);
}

function txAt(block: RpcBlock | null, index: number): RpcTransaction | null {
  if (block === null) return null;
  const tx = block.transactions[index];
  return tx === undefined || typeof tx === "string" ? null : tx;
}

async function getLogs(ctx: MethodContext, criteria: ReturnType<typeof parseLogCriteria>) {
  const filter = await resolveLogFilter(ctx.backend, criteria, { maxBlocks: ctx.limits.maxLogsRange });
  if (filter === null) return [];
  const logs = await ctx.backend.getLogs(filter);
  if (logs.length > ctx.limits.maxLogsResults) {
    throw new RpcError(LIMIT_EXCEEDED, `query returns more than ${ctx.limits.maxLogsResults} results; narrow the block range or the address/topics`);
  }
  return logs;
}

const stateArgs = (params: unknown, ctx: MethodContext) => {
  const a = new Args(params, 1, 2);
  return { address: parseAddress(a.get(0), { index: 0 }), block: resolveStateBlock(ctx.backend, a.has(1) ? parseBlockSpec(a.get(1), { index: 1 }) : undefined) };
};

export const methods: Record<string, MethodHandler> = {
  // --- identity and node ---
  web3_clientVersion: (p, ctx) => (new Args(p, 0, 0), ctx.backend.clientVersion),
  web3_sha3: (p) => {
    const a = new Args(p, 1, 1);
    const data = parseData(a.get(0), { index: 0 });
    return `0x${Buffer.from(keccak256(Buffer.from(data.slice(2), "hex"))).toString("hex")}`;
  },
  eth_chainId: (p, ctx) => (new Args(p, 0, 0), hex(ctx.backend.chainId)),
  net_version: (p, ctx) => (new Args(p, 0, 0), ctx.backend.chainId.toString(10)),
  net_listening: (p) => (new Args(p, 0, 0), true),
  net_peerCount: (p, ctx) => (new Args(p, 0, 0), hex(ctx.backend.peers().length)),
  eth_accounts: (p) => (new Args(p, 0, 0), []),
  eth_mining: (p, ctx) => (new Args(p, 0, 0), ctx.backend.status().validator !== null),
  eth_hashrate: (p) => (new Args(p, 0, 0), "0x0"),
  eth_coinbase: (p, ctx) => {
    new Args(p, 0, 0);
    const v = ctx.backend.status().validator;
    if (v === null) throw new RpcError(SERVER_ERROR, "etherbase must be explicitly specified (this node is not a validator)");
    return v;
  },
  eth_syncing: (p, ctx) => {
    new Args(p, 0, 0);
    const status = ctx.backend.status();
    if (!status.syncing) {
      delete ctx.syncStart.height;
      return false;
    }
    const current = BigInt(status.height);
    ctx.syncStart.height ??= current;
    let highest = current;
    for (const peer of ctx.backend.peers()) if (BigInt(peer.height) > highest) highest = BigInt(peer.height);
    return { startingBlock: hex(ctx.syncStart.height), currentBlock: hex(current), highestBlock: hex(highest) };
  },

  // --- chain head and fees ---
  eth_blockNumber: (p, ctx) => (new Args(p, 0, 0), hex(ctx.backend.blockNumber())),
  eth_gasPrice: async (p, ctx) => (new Args(p, 0, 0), hex(await ctx.backend.gasPrice())),
  eth_maxPriorityFeePerGas: async (p, ctx) => (new Args(p, 0, 0), hex(await ctx.backend.maxPriorityFeePerGas())),
  eth_feeHistory: async (p, ctx) => {
    const a = new Args(p, 2, 3);
    const rawCount = a.get(0);
    let count: number;
    if (typeof rawCount === "number") {
      if (!Number.isSafeInteger(rawCount) || rawCount < 0) throw invalidParams("invalid argument 0: blockCount must be a non-negative integer");
      count = rawCount;
    } else count = parseSmallQuantity(rawCount, { index: 0 }, "block count");
    count = Math.min(count, ctx.limits.maxFeeHistory);
    const newest = await resolveExistingHeight(ctx.backend, parseBlockNumberOrTag(a.get(1), { index: 1 }));
    let percentiles: number[] | undefined;
    if (a.has(2)) {
      const raw = a.get(2);
      if (!Array.isArray(raw)) throw invalidParams("invalid argument 2: expected an array of reward percentiles");
      percentiles = raw.map((x, i) => {
        if (typeof x !== "number" || !Number.isFinite(x) || x < 0 || x > 100) throw invalidParams(`invalid argument 2: percentile ${i} must be a number between 0 and 100`);
        if (i > 0 && x < (raw[i - 1] as number)) throw invalidParams(`invalid argument 2: percentiles must be increasing (${raw[i - 1]} then ${x})`);
        return x;
      });
    }
    if (count === 0) return { oldestBlock: "0x0", baseFeePerGas: [], gasUsedRatio: [] };
    return ctx.backend.feeHistory(count, newest, percentiles);
  },

  // --- state ---
  eth_getBalance: async (p, ctx) => {
    const { address, block } = stateArgs(p, ctx);
    return hex(await ctx.backend.getBalance(address, await block));
  },
  eth_getCode: async (p, ctx) => {
    const { address, block } = stateArgs(p, ctx);
    return ctx.backend.getCode(address, await block);
  },
  eth_getTransactionCount: async (p, ctx) => {
    const { address, block } = stateArgs(p, ctx);
    return hex(await ctx.backend.getTransactionCount(address, await block));
  },
  eth_getStorageAt: async (p, ctx) => {
    const a = new Args(p, 2, 3);
    const address = parseAddress(a.get(0), { index: 0 });
    const slot = parseSlot(a.get(1), { index: 1 });
    const block = await resolveStateBlock(ctx.backend, a.has(2) ? parseBlockSpec(a.get(2), { index: 2 }) : undefined);
    return ctx.backend.getStorageAt(address, slot, block);
  },
  eth_call: async (p, ctx) => {
    const a = new Args(p, 1, 4);
    const request = parseCallRequest(a.get(0), { index: 0 }, ctx.backend.chainId);
    if (a.has(2) || a.has(3)) throw invalidParams("invalid argument 2: state and block overrides are not supported by this node");
    const block = await resolveStateBlock(ctx.backend, a.has(1) ? parseBlockSpec(a.get(1), { index: 1 }) : undefined);
    return ctx.backend.call(request, block);
  },
  eth_estimateGas: async (p, ctx) => {
    const a = new Args(p, 1, 3);
    const request = parseCallRequest(a.get(0), { index: 0 }, ctx.backend.chainId);
    if (a.has(2)) throw invalidParams("invalid argument 2: state overrides are not supported by this node");
    const block = await resolveStateBlock(ctx.backend, a.has(1) ? parseBlockSpec(a.get(1), { index: 1 }) : undefined);
    return hex(await ctx.backend.estimateGas(request, block));
  },

  // --- transactions ---
  eth_sendRawTransaction: async (p, ctx) => {
    const a = new Args(p, 1, 1);
    const data = parseData(a.get(0), { index: 0 }, "signed transaction");
    if (data.length <= 2) throw invalidParams("invalid argument 0: empty transaction; send the signed, serialized transaction");
    return ctx.backend.sendRawTransaction(new Uint8Array(Buffer.from(data.slice(2), "hex")));
  },
  eth_getTransactionByHash: (p, ctx) => ctx.backend.getTransactionByHash(parseHash(new Args(p, 1, 1).get(0), { index: 0 })),
  eth_getTransactionReceipt: (p, ctx) => ctx.backend.getTransactionReceipt(parseHash(new Args(p, 1, 1).get(0), { index: 0 })),
  eth_getTransactionByBlockNumberAndIndex: async (p, ctx) => {
    const a = new Args(p, 2, 2);
    const index = parseSmallQuantity(a.get(1), { index: 1 }, "transaction index");
    return txAt(await blockAt(ctx, a.get(0), true), index);
  },
  eth_getTransactionByBlockHashAndIndex: async (p, ctx) => {
    const a = new Args(p, 2, 2);
    const hash = parseHash(a.get(0), { index: 0 });
    const index = parseSmallQuantity(a.get(1), { index: 1 }, "transaction index");
    return txAt(await ctx.backend.getBlockByHash(hash, true), index);
  },

  // --- blocks ---
  eth_getBlockReceipts: async (p, ctx) => {
    const a = new Args(p, 1, 1);
    const param = a.get(0);
    // a block hash (32 bytes) or a number/tag, as geth takes it
    if (typeof param === "string" && /^0x[0-9a-fA-F]{64}$/.test(param)) {
      const block = await ctx.backend.getBlockByHash(param as Hex, false);
      return block === null ? null : ctx.backend.getBlockReceipts(BigInt(block.number));
    }
    const height = await resolveBlockHeight(ctx.backend, parseBlockNumberOrTag(param, { index: 0 }));
    return height === null ? null : ctx.backend.getBlockReceipts(height);
  },
  eth_getBlockByNumber: async (p, ctx) => {
    const a = new Args(p, 1, 2);
    const full = a.has(1) ? parseBool(a.get(1), { index: 1 }) : false;
    return blockAt(ctx, a.get(0), full);
  },
  eth_getBlockByHash: async (p, ctx) => {
    const a = new Args(p, 1, 2);
    const hash = parseHash(a.get(0), { index: 0 });
    const full = a.has(1) ? parseBool(a.get(1), { index: 1 }) : false;
    return ctx.backend.getBlockByHash(hash, full);
  },
  eth_getBlockTransactionCountByNumber: async (p, ctx) => {
    const block = await blockAt(ctx, new Args(p, 1, 1).get(0), false);
    return block === null ? null : hex(block.transactions.length);
  },
  eth_getBlockTransactionCountByHash: async (p, ctx) => {
    const block = await ctx.backend.getBlockByHash(parseHash(new Args(p, 1, 1).get(0), { index: 0 }), false);
    return block === null ? null : hex(block.transactions.length);
  },
  eth_getUncleCountByBlockNumber: async (p, ctx) => ((await blockAt(ctx, new Args(p, 1, 1).get(0), false)) === null ? null : "0x0"),
  eth_getUncleCountByBlockHash: async (p, ctx) =>
    (await ctx.backend.getBlockByHash(parseHash(new Args(p, 1, 1).get(0), { index: 0 }), false)) === null ? null : "0x0",
  eth_getUncleByBlockNumberAndIndex: (p) => {
    const a = new Args(p, 2, 2);
    parseBlockNumberOrTag(a.get(0), { index: 0 });
    parseSmallQuantity(a.get(1), { index: 1 }, "uncle index");
    return null;
  },
  eth_getUncleByBlockHashAndIndex: (p) => {
    const a = new Args(p, 2, 2);
    parseHash(a.get(0), { index: 0 });
    parseSmallQuantity(a.get(1), { index: 1 }, "uncle index");
    return null;
  },

  // --- logs and filters ---
  eth_getLogs: (p, ctx) => getLogs(ctx, parseLogCriteria(new Args(p, 1, 1).get(0), { index: 0 })),
  eth_newFilter: (p, ctx) => {
    const criteria = parseLogCriteria(new Args(p, 1, 1).get(0), { index: 0 });
    return ctx.filters.newLogFilter(criteria);
  },
  eth_newBlockFilter: (p, ctx) => (new Args(p, 0, 0), ctx.filters.newBlockFilter()),
  eth_getFilterChanges: (p, ctx) => ctx.filters.changes(filterId(p)),
  eth_getFilterLogs: (p, ctx) => {
    const f = ctx.filters.get(filterId(p));
    if (f.kind !== "logs") throw new RpcError(SERVER_ERROR, "filter not found (eth_getFilterLogs needs a log filter)");
    return getLogs(ctx, f.criteria);
  },
  eth_uninstallFilter: (p, ctx) => ctx.filters.uninstall(filterId(p)),

  // --- subscriptions (WebSocket only) ---
  eth_subscribe: (p, ctx) => {
    if (ctx.subscriptions === undefined) throw notificationsUnsupported();
    const a = new Args(p, 1, 2);
    const kind = a.get(0);
    if (kind === "newHeads") {
      if (a.has(1)) throw invalidParams("invalid argument 1: newHeads takes no filter");
      return ctx.subscriptions.subscribe("newHeads", undefined);
    }
    if (kind === "logs") return ctx.subscriptions.subscribe("logs", a.has(1) ? parseLogCriteria(a.get(1), { index: 1 }, false) : undefined);
    throw invalidParams(`invalid argument 0: unsupported subscription ${JSON.stringify(kind)}; this node offers "newHeads" and "logs"`);
  },
  eth_unsubscribe: (p, ctx) => {
    if (ctx.subscriptions === undefined) throw notificationsUnsupported();
    const a = new Args(p, 1, 1);
    const id = a.get(0);
    if (typeof id !== "string") throw invalidParams("invalid argument 0: expected a subscription id string");
    return ctx.subscriptions.unsubscribe(id);
  },

  // --- luniverse_ ---
  luniverse_validators: async (p, ctx) => {
    const a = new Args(p, 0, 1);
    const height = await resolveExistingHeight(ctx.backend, a.has(0) ? parseBlockNumberOrTag(a.get(0), { index: 0 }) : undefined);
    return ctx.backend.validators(height);
  },
  luniverse_getFinality: async (p, ctx) => {
    const a = new Args(p, 1, 1);
    const spec = parseBlockNumberOrHash(a.get(0), { index: 0 });
    if (spec.kind === "hash") return ctx.backend.finality(spec.hash);
    const height = await resolveBlockHeight(ctx.backend, spec);
    return height === null ? null : ctx.backend.finality(height);
  },
  luniverse_status: (p, ctx) => (new Args(p, 0, 0), ctx.backend.status()),
  luniverse_peers: (p, ctx) => (new Args(p, 0, 0), ctx.backend.peers()),
  luniverse_gasUsage: (p, ctx) => {
    const account = parseAddress(new Args(p, 1, 1).get(0), { index: 0 });
    const usage = ctx.backend.gasUsage;
    if (usage === undefined) throw noGasPolicy("luniverse_gasUsage");
    return usage(account);
  },
  luniverse_reportAbuse: (p, ctx) => {
    const args = new Args(p, 2, 2);
    const account = parseAddress(args.get(0), { index: 0 });
    const reason = args.get(1);
    if (typeof reason !== "string" || !["executed-gas", "reverts", "rejections"].includes(reason)) {
      throw invalidParams(`invalid argument 1: the reason must be "executed-gas", "reverts" or "rejections"`);
    }
    const report = ctx.backend.reportAbuse;
    if (report === undefined) throw noGasPolicy("luniverse_reportAbuse");
    return report(account, reason, ctx.remote);
  },
  luniverse_standby: (p, ctx) => {
    new Args(p, 0, 0);
    return ctx.backend.keyGuard?.status() ?? null;
  },
  luniverse_takeover: async (p, ctx) => {
    const args = new Args(p, 0, 1);
    const raw = args.get(0);
    let record: { height: bigint; hash: Hex } | null = null;
    if (raw !== undefined && raw !== null) {
      const r = raw as { height?: unknown; hash?: unknown };
      if (typeof r !== "object" || typeof r.hash !== "string" || !/^0x[0-9a-fA-F]{64}$/.test(r.hash)) {
        throw invalidParams(`invalid argument 0: the old node's signing record {height, hash} (node:stand-down prints it), or nothing`);
      }
      record = { height: parseQuantity(r.height, { index: 0 }, "height"), hash: r.hash.toLowerCase() as Hex };
    }
    const guard = ctx.backend.keyGuard;
    if (guard === undefined) throw new RpcError(METHOD_NOT_FOUND, "luniverse_takeover: not offered by this node");
    return guard.takeover(record, ctx.remote);
  },
  luniverse_standDown: (p, ctx) => {
    new Args(p, 0, 0);
    const guard = ctx.backend.keyGuard;
    if (guard === undefined) throw new RpcError(METHOD_NOT_FOUND, "luniverse_standDown: not offered by this node");
    return guard.standDown(ctx.remote);
  },
  luniverse_backup: async (p, ctx) => {
    new Args(p, 0, 0);
    const backup = ctx.backend.backup;
    if (backup === undefined) throw new RpcError(METHOD_NOT_FOUND, "luniverse_backup: this node takes no snapshots");
    return backup(ctx.remote);
  },
  luniverse_snapshots: (p, ctx) => {
    new Args(p, 0, 0);
    return ctx.backend.snapshots?.() ?? [];
  },
  luniverse_gasSponsorUsage: (p, ctx) => {
    const id = parseQuantity(new Args(p, 1, 1).get(0), { index: 0 }, "sponsor id");
    const usage = ctx.backend.gasSponsorUsage;
    if (usage === undefined) throw noGasPolicy("luniverse_gasSponsorUsage");
    if (id === 0n) throw invalidParams("invalid argument 0: sponsor ids start at 1");
    return usage(id);
  },

  // --- explorers and debuggers: ots_*, erigon_getHeaderByNumber, debug_trace*, txpool_*, luniverse_nodeInfo ---
  ...explorerMethods,
};

function noGasPolicy(method: string): RpcError {
  return new RpcError(METHOD_NOT_FOUND, `the method ${method} does not exist/is not available: this node runs no gas policy (a gas-free chain with contracts/gas/GasPolicy.sol in genesis and gasFree.policy true)`);
}

function filterId(p: unknown): string {
  const id = new Args(p, 1, 1).get(0);
  // Filter ids are quantities in geth; accept any 0x string and let the store say whether it exists.
  if (typeof id !== "string" || !/^0[xX][0-9a-fA-F]+$/.test(id)) throw invalidParams("invalid argument 0: expected a filter id (0x-prefixed hex string)");
  return id;
}

/** Whether `name` is a method this server answers (metrics label values stay bounded). */
export function isMethod(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(methods, name);
}
