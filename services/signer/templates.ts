/**
 * The transaction templates of the API: each turns `params` into the call a user's key signs — target, calldata,
 * native value — and the amount the policy counts. The calldata comes from the contracts' generated interfaces, so
 * the templates follow the contracts (token, TransferTemplate, StakeTemplate, BurnTemplate, RewardEngine, bridges).
 *
 *   transfer         { token, to, amount }                   ERC-20 transfer
 *   approve          { token, spender, amount }              ERC-20 approve (before a template or bridge pulls tokens)
 *   transferWithFee  { template, to, amount }                TransferTemplate.transferTo (fee to the DApp's recipient)
 *   stake / unstake  { template, amount }                    StakeTemplate
 *   burn             { template, amount }                    BurnTemplate
 *   reward           { engine, behaviourId, user, occurrenceId }  RewardEngine.report: the DApp's reporter wallet pays a user's reward
 *   bridgeDeposit    { bridge, pairId, recipient, amount }   MainBridge.deposit
 *   bridgeRedeem     { bridge, pairId, recipient, amount }   ProductBridge.redeem
 *   native           { to, value }                           a plain transfer of the chain's coin
 *   call             { to, data, value? }                    a raw contract call, only to a target the policy lists
 */
import { getAddress, isAddress, isHexString, type Interface } from "ethers";
import { typechain } from "../../lib/typechain";
import { SignerError } from "./errors";

export interface BuiltCall {
  to: string;
  data: string;
  value: bigint;
  /** What the policy counts: the token amount (an approval counts what it allows), or the native value. */
  amount: bigint;
  /** What the amount is of, for the daily total: the token or template contract, or "native". */
  asset: string;
  /** The 4-byte selector, or null for a plain transfer. */
  selector: string | null;
  raw: boolean;
}

export const TEMPLATES = ["transfer", "approve", "transferWithFee", "stake", "unstake", "burn", "reward", "bridgeDeposit", "bridgeRedeem", "native", "call"] as const;
export type TemplateName = (typeof TEMPLATES)[number];

type Params = Record<string, unknown>;

const SPEC: Record<TemplateName, string[]> = {
  transfer: ["token", "to", "amount"],
  approve: ["token", "spender", "amount"],
  transferWithFee: ["template", "to", "amount"],
  stake: ["template", "amount"],
  unstake: ["template", "amount"],
  burn: ["template", "amount"],
  reward: ["engine", "behaviourId", "user", "occurrenceId"],
  bridgeDeposit: ["bridge", "pairId", "recipient", "amount"],
  bridgeRedeem: ["bridge", "pairId", "recipient", "amount"],
  native: ["to", "value"],
  call: ["to", "data", "value"],
};

function need(t: string, p: Params, k: string): unknown {
  if (p[k] === undefined || p[k] === null) throw new SignerError("SIGNER_BAD_REQUEST", `template "${t}" needs params.${k} (params: ${SPEC[t as TemplateName].join(", ")})`);
  return p[k];
}

function addr(t: string, p: Params, k: string): string {
  const v = need(t, p, k);
  if (typeof v !== "string" || !isAddress(v)) throw new SignerError("SIGNER_BAD_REQUEST", `params.${k} of template "${t}" must be an address (0x…), got ${JSON.stringify(v)}`);
  return getAddress(v);
}

function uint(t: string, p: Params, k: string, def?: bigint): bigint {
  const v = p[k] ?? (def === undefined ? need(t, p, k) : def.toString());
  if ((typeof v === "string" && /^[0-9]{1,78}$/.test(v)) || (typeof v === "number" && Number.isSafeInteger(v) && v >= 0)) {
    const n = BigInt(v);
    if (n < 2n ** 256n) return n;
  }
  throw new SignerError("SIGNER_BAD_REQUEST", `params.${k} of template "${t}" must be a non-negative integer in the token's smallest unit, as a decimal string; got ${JSON.stringify(v)}`);
}

function b32(t: string, p: Params, k: string): string {
  const v = need(t, p, k);
  if (typeof v !== "string" || !isHexString(v, 32)) throw new SignerError("SIGNER_BAD_REQUEST", `params.${k} of template "${t}" must be 32 bytes of hex (0x + 64 digits)`);
  return v;
}

function call(iface: Interface, fn: string, args: unknown[], to: string, amount: bigint): BuiltCall {
  const data = iface.encodeFunctionData(fn, args);
  return { to, data, value: 0n, amount, asset: to.toLowerCase(), selector: data.slice(0, 10), raw: false };
}

let cached: Record<"MainToken" | "TransferTemplate" | "StakeTemplate" | "BurnTemplate" | "RewardEngine" | "MainBridge" | "ProductBridge", Interface> | null = null;

/** The contracts' interfaces, parsed once (parsing an ABI costs more than encoding a call with it). */
function interfaces(): NonNullable<typeof cached> {
  if (cached) return cached;
  const tc = typechain();
  cached = {
    MainToken: tc.MainToken__factory.createInterface(),
    TransferTemplate: tc.TransferTemplate__factory.createInterface(),
    StakeTemplate: tc.StakeTemplate__factory.createInterface(),
    BurnTemplate: tc.BurnTemplate__factory.createInterface(),
    RewardEngine: tc.RewardEngine__factory.createInterface(),
    MainBridge: tc.MainBridge__factory.createInterface(),
    ProductBridge: tc.ProductBridge__factory.createInterface(),
  };
  return cached;
}

/** Builds the call of `template` from `params`; unknown templates and bad params are SIGNER_* errors naming the field. */
export function buildCall(template: unknown, params: unknown): BuiltCall {
  if (typeof template !== "string" || !(TEMPLATES as readonly string[]).includes(template)) {
    throw new SignerError("SIGNER_UNKNOWN_TEMPLATE", `unknown template ${JSON.stringify(template)}; templates: ${TEMPLATES.join(", ")}`);
  }
  const t = template as TemplateName;
  if (params === undefined || params === null || typeof params !== "object" || Array.isArray(params)) throw new SignerError("SIGNER_BAD_REQUEST", `params must be an object (template "${t}" takes ${SPEC[t].join(", ")})`);
  const p = params as Params;
  for (const k of Object.keys(p)) {
    if (!SPEC[t].includes(k)) throw new SignerError("SIGNER_BAD_REQUEST", `template "${t}" takes no params.${k} (params: ${SPEC[t].join(", ")})`);
  }
  const tc = interfaces();
  switch (t) {
    case "transfer":
      return call(tc.MainToken, "transfer", [addr(t, p, "to"), uint(t, p, "amount")], addr(t, p, "token"), uint(t, p, "amount"));
    case "approve":
      return call(tc.MainToken, "approve", [addr(t, p, "spender"), uint(t, p, "amount")], addr(t, p, "token"), uint(t, p, "amount"));
    case "transferWithFee":
      return call(tc.TransferTemplate, "transferTo", [addr(t, p, "to"), uint(t, p, "amount")], addr(t, p, "template"), uint(t, p, "amount"));
    case "stake":
      return call(tc.StakeTemplate, "stake", [uint(t, p, "amount")], addr(t, p, "template"), uint(t, p, "amount"));
    case "unstake":
      return call(tc.StakeTemplate, "unstake", [uint(t, p, "amount")], addr(t, p, "template"), 0n);
    case "burn":
      return call(tc.BurnTemplate, "burn", [uint(t, p, "amount")], addr(t, p, "template"), uint(t, p, "amount"));
    case "reward":
      return call(tc.RewardEngine, "report", [b32(t, p, "behaviourId"), addr(t, p, "user"), b32(t, p, "occurrenceId")], addr(t, p, "engine"), 0n);
    case "bridgeDeposit":
      return call(tc.MainBridge, "deposit", [b32(t, p, "pairId"), addr(t, p, "recipient"), uint(t, p, "amount")], addr(t, p, "bridge"), uint(t, p, "amount"));
    case "bridgeRedeem":
      return call(tc.ProductBridge, "redeem", [b32(t, p, "pairId"), addr(t, p, "recipient"), uint(t, p, "amount")], addr(t, p, "bridge"), uint(t, p, "amount"));
    case "native": {
      const value = uint(t, p, "value");
      return { to: addr(t, p, "to"), data: "0x", value, amount: value, asset: "native", selector: null, raw: false };
    }
    case "call": {
      const data = need(t, p, "data");
      if (typeof data !== "string" || !isHexString(data) || data.length < 10) throw new SignerError("SIGNER_BAD_REQUEST", `params.data of template "call" must be hex calldata of at least a 4-byte selector`);
      const value = uint(t, p, "value", 0n);
      return { to: addr(t, p, "to"), data, value, amount: value, asset: "native", selector: data.slice(0, 10).toLowerCase(), raw: true };
    }
  }
  throw new SignerError("SIGNER_UNKNOWN_TEMPLATE", `unknown template ${t}`);
}
