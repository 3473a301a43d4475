/**
 * What a gas-free chain's node counted (its JSON-RPC methods `luniverse_gasUsage` and `luniverse_gasSponsorUsage`):
 * gas used and reserved in the current window, by an account or a sponsor. A node that is not gas-free — and
 * Hardhat's network — answers "method not found": then the usage is `null` (unavailable) rather than an error.
 */
import type { Provider } from "ethers";
import { errorMessage } from "../../lib/errors";
import { OperationError } from "../errors";

/** An account's usage in the current window, as the node counts it. */
export interface AccountGasUsage {
  account: string;
  window: bigint;
  windowSeconds: bigint;
  /** Unix seconds at which the window ends. */
  resetsAt: bigint;
  /** Gas of executed transactions in the window. */
  used: bigint;
  /** Gas limits of the account's pending transactions (admitted, not executed yet). */
  reserved: bigint;
  quota: bigint;
  /** The sponsor that pays the account's transactions, with its usage (null: none). */
  sponsor: { id: bigint; used: bigint; budget: bigint } | null;
  /** Unix seconds; 0: not blacklisted. */
  blacklistedUntil: bigint;
  /** The node refuses the account's submissions until `until` (null: not throttled). */
  throttled: { until: bigint; reason: string } | null;
  /** What the node's abuse detector counted in the window. */
  counters: { gas: bigint; reverts: bigint; rejections: bigint };
}

/** A sponsor's usage in the current window, as the node counts it. */
export interface SponsorGasUsage {
  id: bigint;
  window: bigint;
  used: bigint;
  budget: bigint;
  resetsAt: bigint;
}

/** The JSON-RPC error code of an unknown method. */
const METHOD_NOT_FOUND = -32601;
/** What Hardhat's network answers for a method it does not have (EIP-1474 "method not supported"). */
const METHOD_NOT_SUPPORTED = -32004;

/** Whether `e` (however wrapped by ethers or Hardhat) is the node's "method not found". */
export function isMethodNotFound(e: unknown): boolean {
  const seen = new Set<unknown>();
  const stack: unknown[] = [e];
  while (stack.length > 0) {
    const x = stack.pop();
    if (x === null || typeof x !== "object" || seen.has(x)) continue;
    seen.add(x);
    const rec = x as Record<string, unknown>;
    if (rec.code === METHOD_NOT_FOUND || rec.code === METHOD_NOT_SUPPORTED) return true;
    if (typeof rec.message === "string" && /method .*(not found|does not exist|is not supported|not available)/i.test(rec.message)) return true;
    for (const key of ["error", "info", "cause", "data"]) stack.push(rec[key]);
  }
  return false;
}

type JsonRpcSender = { send(method: string, params: unknown[]): Promise<unknown> };

/** Sends `method`; `null` when the provider cannot send raw requests or the node does not know the method. */
async function request(provider: Provider, method: string, params: unknown[]): Promise<unknown> {
  const sender = provider as Partial<JsonRpcSender>;
  if (typeof sender.send !== "function") return null;
  try {
    return await sender.send(method, params);
  } catch (e) {
    if (isMethodNotFound(e)) return null;
    throw new OperationError("OP_PRECONDITION", `${method} failed: ${errorMessage(e)}`, { hint: "check that the node is reachable and gas-free (node config gasPolicy)" });
  }
}

function big(method: string, field: string, v: unknown): bigint {
  if ((typeof v === "number" && Number.isSafeInteger(v)) || (typeof v === "string" && /^(0x[0-9a-fA-F]+|\d+)$/.test(v)) || typeof v === "bigint") return BigInt(v);
  throw new OperationError("OP_PRECONDITION", `${method} answered ${JSON.stringify(v)} for ${field}, not an integer`, { hint: "the node and this tool disagree on the method's format: upgrade one of them" });
}

function object(method: string, field: string, v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new OperationError("OP_PRECONDITION", `${method} answered ${JSON.stringify(v)} for ${field}, not an object`);
  return v as Record<string, unknown>;
}

/** `luniverse_gasUsage(account)`; `null` when the node does not serve it. */
export async function readAccountUsage(provider: Provider, account: string): Promise<AccountGasUsage | null> {
  const method = "luniverse_gasUsage";
  const answer = await request(provider, method, [account]);
  if (answer === null) return null;
  const r = object(method, "the result", answer);
  const n = (field: string, v: unknown = r[field]) => big(method, field, v);
  const sponsor = r.sponsor == null ? null : object(method, "sponsor", r.sponsor);
  const throttled = r.throttled == null ? null : object(method, "throttled", r.throttled);
  const counters = object(method, "counters", r.counters);
  return {
    account: String(r.account),
    window: n("window"),
    windowSeconds: n("windowSeconds"),
    resetsAt: n("resetsAt"),
    used: n("used"),
    reserved: n("reserved"),
    quota: n("quota"),
    sponsor: sponsor && { id: n("sponsor.id", sponsor.id), used: n("sponsor.used", sponsor.used), budget: n("sponsor.budget", sponsor.budget) },
    blacklistedUntil: n("blacklistedUntil"),
    throttled: throttled && { until: n("throttled.until", throttled.until), reason: String(throttled.reason) },
    counters: { gas: n("counters.gas", counters.gas), reverts: n("counters.reverts", counters.reverts), rejections: n("counters.rejections", counters.rejections) },
  };
}

/** `luniverse_gasSponsorUsage(id)`; `null` when the node does not serve it. */
export async function readSponsorUsage(provider: Provider, id: bigint): Promise<SponsorGasUsage | null> {
  const method = "luniverse_gasSponsorUsage";
  const answer = await request(provider, method, ["0x" + id.toString(16)]); // a JSON-RPC quantity
  if (answer === null) return null;
  const r = object(method, "the result", answer);
  const n = (field: string) => big(method, field, r[field]);
  return { id: n("id"), window: n("window"), used: n("used"), budget: n("budget"), resetsAt: n("resetsAt") };
}
