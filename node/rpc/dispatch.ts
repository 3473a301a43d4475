/**
 * JSON-RPC 2.0 framing, independent of the transport: parse one message (a request or a batch), check each
 * request's envelope, run the method, and serialise the answers in request order. Notifications (no `id`) get no
 * answer; errors in one request never affect another.
 */
import type { Logger } from "../../lib/log";
import { INTERNAL_ERROR, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, RpcError, toRpcError, type RpcErrorObject } from "./errors";
import type { FilterStore } from "./filters";
import { isMethod, methods, type MethodContext, type MethodLimits } from "./methods";
import type { RpcMetrics } from "./metrics";
import type { SubscriptionSink } from "./subscriptions";
import type { RpcBackend } from "./types";

export { INTERNAL_ERROR, INVALID_REQUEST, PARSE_ERROR } from "./errors";

/** The logger the server writes to: the project's structured logger (lib/log), or anything with its four levels. */
export type RpcLogger = Pick<Logger, "debug" | "info" | "warn" | "error">;

export type Transport = "http" | "ws";

/** An error as log fields any logger can serialise (an Error object itself turns into `{}` in JSON). */
export function errFields(e: unknown, withStack = false): Record<string, unknown> {
  if (!(e instanceof Error)) return { err: String(e) };
  const code = (e as { code?: unknown }).code;
  return { err: e.message, ...(code !== undefined ? { code: String(code) } : {}), ...(withStack && e.stack ? { stack: e.stack } : {}) };
}
type Id = string | number | null;

type ErrorObject = RpcErrorObject;

export interface DispatcherOptions {
  backend: RpcBackend;
  filters: FilterStore;
  limits: MethodLimits;
  maxBatch: number;
  metrics: RpcMetrics;
  log: RpcLogger;
}

/** Writes bigints as hex quantities, in case a backend hands one back unconverted. */
function replacer(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? `0x${value.toString(16)}` : value;
}

export function errorResponse(id: Id, error: ErrorObject): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error }, replacer);
}

export class Dispatcher {
  private readonly syncStart: { height?: bigint } = {};

  constructor(private readonly opts: DispatcherOptions) {}

  /** An error answer that also counts in the metrics. */
  error(id: Id, error: ErrorObject): string {
    this.opts.metrics.error(error.code);
    return errorResponse(id, error);
  }

  /**
   * Answers one message body. Returns the text to send back, or null when nothing is to be sent (only
   * notifications).
   */
  async handle(text: string, transport: Transport, subscriptions?: SubscriptionSink, remote?: string): Promise<string | null> {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch (e) {
      return this.error(null, { code: PARSE_ERROR, message: `parse error: ${(e as Error).message}` });
    }
    if (!Array.isArray(message)) return this.one(message, transport, subscriptions, remote);
    if (message.length === 0) return this.error(null, { code: INVALID_REQUEST, message: "invalid request: empty batch" });
    if (message.length > this.opts.maxBatch) {
      return this.error(null, { code: INVALID_REQUEST, message: `batch too large (${message.length} requests > limit ${this.opts.maxBatch}); split it` });
    }
    const answers = await Promise.all(message.map((m) => this.one(m, transport, subscriptions, remote)));
    const sent = answers.filter((a): a is string => a !== null);
    return sent.length === 0 ? null : `[${sent.join(",")}]`;
  }

  private async one(request: unknown, transport: Transport, subscriptions?: SubscriptionSink, remote?: string): Promise<string | null> {
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
      return this.error(null, { code: INVALID_REQUEST, message: "invalid request: expected a JSON-RPC request object" });
    }
    const r = request as Record<string, unknown>;
    const hasId = "id" in r;
    const id = r.id;
    if (hasId && id !== null && typeof id !== "string" && !(typeof id === "number" && Number.isFinite(id))) {
      return this.error(null, { code: INVALID_REQUEST, message: "invalid request: id must be a string, a number or null" });
    }
    const replyId = (hasId ? id : null) as Id;
    if (r.jsonrpc !== "2.0") return this.error(replyId, { code: INVALID_REQUEST, message: 'invalid request: "jsonrpc" must be "2.0"' });
    if (typeof r.method !== "string") return this.error(replyId, { code: INVALID_REQUEST, message: 'invalid request: "method" must be a string' });
    const method = r.method;
    const result = await this.call(method, r.params, transport, subscriptions, remote);
    if (!hasId) return null;
    if ("error" in result) return this.error(replyId, result.error);
    try {
      return JSON.stringify({ jsonrpc: "2.0", id: replyId, result: result.result ?? null }, replacer);
    } catch (e) {
      this.opts.log.error("rpc result not serialisable", { method, ...errFields(e) });
      return this.error(replyId, { code: INTERNAL_ERROR, message: "internal error" });
    }
  }

  private async call(method: string, params: unknown, transport: Transport, subscriptions?: SubscriptionSink, remote?: string): Promise<{ result: unknown } | { error: ErrorObject }> {
    const started = process.hrtime.bigint();
    const label = isMethod(method) ? method : "unknown";
    try {
      if (!isMethod(method)) throw new RpcError(METHOD_NOT_FOUND, `the method ${method.length > 100 ? `${method.slice(0, 100)}…` : method} does not exist/is not available`);
      if (params !== undefined && params !== null && !Array.isArray(params)) throw new RpcError(INVALID_PARAMS, "invalid params: params must be an array of positional arguments");
      const ctx: MethodContext = { backend: this.opts.backend, filters: this.opts.filters, limits: this.opts.limits, syncStart: this.syncStart };
      if (subscriptions !== undefined) ctx.subscriptions = subscriptions;
      if (remote !== undefined) ctx.remote = remote;
      return { result: await methods[method](params, ctx) };
    } catch (e) {
      const error = toRpcError(e);
      if (error !== null) return { error };
      this.opts.log.error("rpc internal error", { method, transport, ...errFields(e, true) });
      return { error: { code: INTERNAL_ERROR, message: "internal error" } };
    } finally {
      this.opts.metrics.request(label, transport, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }
}
