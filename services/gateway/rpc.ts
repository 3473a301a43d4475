/**
 * JSON-RPC framing for the gateway: the error codes it answers with, error envelopes, and the parse of one message
 * (a request or a batch) into items it can check one by one. Answers from nodes pass through as the node wrote them.
 */

export type Id = string | number | null;

/** Codes of the gateway's own answers (the node's own errors pass through unchanged). */
export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const INTERNAL_ERROR = -32603;
/** Refused by the key's policy: method, contract, origin, banned sender. */
export const FORBIDDEN = -32001;
/** No healthy node could answer. */
export const UNAVAILABLE = -32002;
/** A limit (rate, quota, concurrency, subscriptions): Infura's and Alchemy's code. */
export const LIMIT_EXCEEDED = -32005;
/** The key is missing, unknown or revoked (HTTP 401). */
export const UNAUTHORIZED = -32000;

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** One request of a message, checked for its envelope. */
export interface Item {
  /** Position in the batch (0 for a single request). */
  index: number;
  id: Id;
  /** Whether an answer is due (false for a notification without id). */
  answer: boolean;
  method: string;
  params: unknown[];
  /** The request object as received. */
  raw: Record<string, unknown>;
}

export interface Parsed {
  batch: boolean;
  items: Item[];
  /** Answers already known: envelope errors, by position. */
  invalid: Map<number, string>;
  size: number;
}

export function errorText(id: Id, error: RpcErrorObject): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error });
}

export function resultText(id: Id, resultJson: string): string {
  return `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":${resultJson}}`;
}

function validId(id: unknown): id is Id {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

/** Parses a message; null when it is not JSON (the caller answers a parse error). */
export function parseMessage(text: string): Parsed | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  const batch = Array.isArray(body);
  const list = batch ? (body as unknown[]) : [body];
  const items: Item[] = [];
  const invalid = new Map<number, string>();
  if (batch && list.length === 0) {
    invalid.set(0, errorText(null, { code: INVALID_REQUEST, message: "empty batch: send at least one request" }));
    return { batch: false, items, invalid, size: 0 };
  }
  list.forEach((entry, index) => {
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      invalid.set(index, errorText(null, { code: INVALID_REQUEST, message: "invalid request: expected a JSON-RPC request object" }));
      return;
    }
    const r = entry as Record<string, unknown>;
    const id = "id" in r ? r.id : undefined;
    if (id !== undefined && !validId(id)) {
      invalid.set(index, errorText(null, { code: INVALID_REQUEST, message: "invalid request: id must be a string, a number or null" }));
      return;
    }
    if (r.jsonrpc !== "2.0" || typeof r.method !== "string" || r.method === "") {
      invalid.set(index, errorText((id as Id) ?? null, { code: INVALID_REQUEST, message: 'invalid request: expected {"jsonrpc":"2.0","method":…,"params":[…],"id":…}' }));
      return;
    }
    const params = r.params === undefined ? [] : r.params;
    if (!Array.isArray(params)) {
      invalid.set(index, errorText((id as Id) ?? null, { code: INVALID_REQUEST, message: "invalid request: params must be an array" }));
      return;
    }
    items.push({ index, id: (id as Id) ?? null, answer: id !== undefined, method: r.method, params, raw: r });
  });
  return { batch, items, invalid, size: list.length };
}

/** The contract a call or transaction targets (lowercase), null for none, undefined when the method has no target. */
export function callTarget(method: string, params: unknown[], txTarget: (raw: string) => string | null): string | null | undefined {
  switch (method) {
    case "eth_call":
    case "eth_estimateGas":
    case "eth_createAccessList":
    case "eth_sendTransaction": {
      const tx = params[0];
      if (typeof tx !== "object" || tx === null) return null;
      const to = (tx as { to?: unknown }).to;
      return typeof to === "string" ? to.toLowerCase() : null;
    }
    case "eth_sendRawTransaction":
      return typeof params[0] === "string" ? txTarget(params[0]) : null;
    default:
      return undefined;
  }
}

/** The `from` of a call (lowercase), when given. */
export function callSender(method: string, params: unknown[]): string | null {
  if (method !== "eth_call" && method !== "eth_estimateGas" && method !== "eth_createAccessList") return null;
  const tx = params[0];
  const from = typeof tx === "object" && tx !== null ? (tx as { from?: unknown }).from : undefined;
  return typeof from === "string" && /^0x[0-9a-fA-F]{40}$/.test(from) ? from.toLowerCase() : null;
}

/** Whether an error answer is an execution revert (code 3, or a message saying so). */
export function isRevert(error: RpcErrorObject | undefined): boolean {
  if (error === undefined) return false;
  return error.code === 3 || /revert/i.test(error.message ?? "");
}
