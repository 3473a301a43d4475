/**
 * The explorer and debug methods of the method table (methods.ts spreads them in): Otterscan's `ots_*` at API level
 * 8 and `erigon_getHeaderByNumber`, `debug_traceTransaction` / `debug_traceCall`, `txpool_status` / `txpool_content`
 * and `luniverse_nodeInfo`. Parameters are checked here (-32602 naming the argument); the answers come from the
 * backend's {@link ExplorerBackend} (rpc/explorer.ts).
 */
import { resolveBlockHeight, resolveStateBlock } from "./blockRef";
import { METHOD_NOT_FOUND, RpcError } from "./errors";
import type { MethodContext, MethodHandler } from "./methods";
import { Args, invalidParams, parseAddress, parseBlockNumberOrTag, parseBlockSpec, parseCallRequest, parseHash, parseQuantity, type ParamPath } from "./params";
import type { ExplorerBackend, Hex, TraceOptions } from "./types";

/** The Otterscan API level this node implements (Otterscan 2.x asks for 8). */
export const OTS_API_LEVEL = 8;
/** Largest page of ots_getBlockTransactions and ots_search* (Otterscan asks for 25). */
export const MAX_PAGE_SIZE = 1000;

const hex = (n: bigint | number): Hex => `0x${n.toString(16)}`;

function explorer(ctx: MethodContext, method: string): ExplorerBackend {
  const e = ctx.backend.explorer;
  if (e === undefined) throw new RpcError(METHOD_NOT_FOUND, `the method ${method} does not exist/is not available on this backend`);
  return e;
}

function where(path: ParamPath): string {
  return `invalid argument ${path.index}: ${path.field === undefined ? "" : `field "${path.field}": `}`;
}

/** A non-negative integer as Otterscan sends it: a JSON number, or a hex quantity. */
function parseNumberish(value: unknown, path: ParamPath, what: string): bigint {
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) throw invalidParams(`${where(path)}${what} must be a non-negative integer, got ${value}`);
    return BigInt(value);
  }
  if (typeof value === "string") return parseQuantity(value, path, what);
  throw invalidParams(`${where(path)}${what} must be a number or a 0x-prefixed hex quantity, got ${value === null ? "null" : typeof value}`);
}

/** A block number as a JSON number, hex quantity or tag; null when above the head. */
async function blockNumber(ctx: MethodContext, value: unknown, path: ParamPath): Promise<bigint | null> {
  if (typeof value === "number") return resolveBlockHeight(ctx.backend, { kind: "number", number: parseNumberish(value, path, "block number") });
  return resolveBlockHeight(ctx.backend, parseBlockNumberOrTag(value, path));
}

function parsePageSize(value: unknown, path: ParamPath): number {
  const n = parseNumberish(value, path, "page size");
  if (n < 1n || n > BigInt(MAX_PAGE_SIZE)) throw invalidParams(`${where(path)}page size must be between 1 and ${MAX_PAGE_SIZE}, got ${n}`);
  return Number(n);
}

const BOOL_OPTIONS = ["disableStack", "disableStorage", "enableMemory", "enableReturnData"] as const;

/** geth's TraceConfig: `tracer` ("callTracer" or none: the struct logger), `tracerConfig`, the struct logger's switches. */
export function parseTraceOptions(value: unknown, index: number): TraceOptions {
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw invalidParams(`invalid argument ${index}: expected a trace options object ({"tracer": "callTracer"} or {} for the struct logger)`);
  const o = value as Record<string, unknown>;
  const out: TraceOptions = {};
  if (o.tracer !== undefined && o.tracer !== null && o.tracer !== "") {
    if (o.tracer !== "callTracer") {
      throw invalidParams(`invalid argument ${index}: field "tracer": unknown tracer ${JSON.stringify(o.tracer)}; this node offers "callTracer", or omit "tracer" for the struct logger`);
    }
    out.tracer = "callTracer";
  }
  if (o.tracerConfig !== undefined && o.tracerConfig !== null) {
    if (typeof o.tracerConfig !== "object" || Array.isArray(o.tracerConfig)) throw invalidParams(`invalid argument ${index}: field "tracerConfig": expected an object`);
    const c = o.tracerConfig as Record<string, unknown>;
    out.tracerConfig = {};
    for (const k of ["onlyTopCall", "withLog"] as const) {
      if (c[k] === undefined) continue;
      if (typeof c[k] !== "boolean") throw invalidParams(`invalid argument ${index}: field "tracerConfig.${k}": expected true or false`);
      out.tracerConfig[k] = c[k] as boolean;
    }
  }
  for (const k of BOOL_OPTIONS) {
    if (o[k] === undefined) continue;
    if (typeof o[k] !== "boolean") throw invalidParams(`invalid argument ${index}: field "${k}": expected true or false`);
    out[k] = o[k] as boolean;
  }
  if (o.limit !== undefined) {
    if (typeof o.limit !== "number" || !Number.isSafeInteger(o.limit) || o.limit < 0) throw invalidParams(`invalid argument ${index}: field "limit": expected a non-negative integer`);
    out.limit = o.limit;
  }
  return out;
}

const hashArg = (p: unknown): Hex => parseHash(new Args(p, 1, 1).get(0), { index: 0 });

async function search(p: unknown, ctx: MethodContext, direction: "before" | "after", method: string) {
  const a = new Args(p, 3, 3);
  const address = parseAddress(a.get(0), { index: 0 });
  const from = parseNumberish(a.get(1), { index: 1 }, "block number");
  const pageSize = parsePageSize(a.get(2), { index: 2 });
  return explorer(ctx, method).otsSearch(address, direction, from, pageSize);
}

export const explorerMethods: Record<string, MethodHandler> = {
  // --- Otterscan (API level 8) ---
  ots_getApiLevel: (p) => (new Args(p, 0, 0), OTS_API_LEVEL),
  ots_hasCode: async (p, ctx) => {
    const a = new Args(p, 1, 2);
    const address = parseAddress(a.get(0), { index: 0 });
    const raw = a.get(1);
    const block = await resolveStateBlock(
      ctx.backend,
      raw === undefined ? undefined : typeof raw === "number" ? { kind: "number", number: parseNumberish(raw, { index: 1 }, "block number") } : parseBlockSpec(raw, { index: 1 }),
    );
    return (await ctx.backend.getCode(address, block)) !== "0x";
  },
  ots_getInternalOperations: (p, ctx) => explorer(ctx, "ots_getInternalOperations").otsInternalOperations(hashArg(p)),
  ots_getTransactionError: (p, ctx) => explorer(ctx, "ots_getTransactionError").otsTransactionError(hashArg(p)),
  ots_traceTransaction: (p, ctx) => explorer(ctx, "ots_traceTransaction").otsTraceTransaction(hashArg(p)),
  ots_getBlockDetails: async (p, ctx) => {
    const e = explorer(ctx, "ots_getBlockDetails");
    const n = await blockNumber(ctx, new Args(p, 1, 1).get(0), { index: 0 });
    return n === null ? null : e.otsBlockDetails(n);
  },
  ots_getBlockDetailsByHash: (p, ctx) => explorer(ctx, "ots_getBlockDetailsByHash").otsBlockDetails(hashArg(p)),
  ots_getBlockTransactions: async (p, ctx) => {
    const e = explorer(ctx, "ots_getBlockTransactions");
    const a = new Args(p, 3, 3);
    const page = parseNumberish(a.get(1), { index: 1 }, "page number");
    const pageSize = parsePageSize(a.get(2), { index: 2 });
    if (page > 1_000_000n) throw invalidParams(`invalid argument 1: page number ${page} is too large`);
    const n = await blockNumber(ctx, a.get(0), { index: 0 });
    return n === null ? null : e.otsBlockTransactions(n, Number(page), pageSize);
  },
  ots_searchTransactionsBefore: (p, ctx) => search(p, ctx, "before", "ots_searchTransactionsBefore"),
  ots_searchTransactionsAfter: (p, ctx) => search(p, ctx, "after", "ots_searchTransactionsAfter"),
  ots_getTransactionBySenderAndNonce: (p, ctx) => {
    const a = new Args(p, 2, 2);
    const sender = parseAddress(a.get(0), { index: 0 });
    const nonce = parseNumberish(a.get(1), { index: 1 }, "nonce");
    return explorer(ctx, "ots_getTransactionBySenderAndNonce").otsTransactionBySenderAndNonce(sender, nonce);
  },
  ots_getContractCreator: (p, ctx) => explorer(ctx, "ots_getContractCreator").otsContractCreator(parseAddress(new Args(p, 1, 1).get(0), { index: 0 })),
  erigon_getHeaderByNumber: async (p, ctx) => {
    const e = explorer(ctx, "erigon_getHeaderByNumber");
    const n = await blockNumber(ctx, new Args(p, 1, 1).get(0), { index: 0 });
    return n === null ? null : e.headerByNumber(n);
  },

  // --- debug ---
  debug_traceTransaction: (p, ctx) => {
    const a = new Args(p, 1, 2);
    const hash = parseHash(a.get(0), { index: 0 });
    const options = parseTraceOptions(a.get(1), 1);
    return explorer(ctx, "debug_traceTransaction").traceTransaction(hash, options);
  },
  debug_traceCall: async (p, ctx) => {
    const a = new Args(p, 1, 3);
    const request = parseCallRequest(a.get(0), { index: 0 }, ctx.backend.chainId);
    const options = parseTraceOptions(a.get(2), 2);
    const e = explorer(ctx, "debug_traceCall");
    const block = await resolveStateBlock(ctx.backend, a.has(1) ? parseBlockSpec(a.get(1), { index: 1 }) : undefined);
    return e.traceCall(request, block, options);
  },

  // --- txpool ---
  txpool_status: (p, ctx) => {
    new Args(p, 0, 0);
    const pool = ctx.backend.status().txPool;
    return { pending: hex(pool.pending), queued: hex(pool.queued) };
  },
  txpool_content: (p, ctx) => (new Args(p, 0, 0), explorer(ctx, "txpool_content").txpoolContent()),

  // --- the console's node explorer ---
  luniverse_nodeInfo: (p, ctx) => (new Args(p, 0, 0), explorer(ctx, "luniverse_nodeInfo").nodeInfo(ctx.backend.clientVersion)),
};
