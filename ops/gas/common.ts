/** What the gas-policy operations share: the policy's binding, its parameters and sponsors as plain values. */
import type { ContractRunner, Provider } from "ethers";
import { connectContract, type ContractOf } from "../contracts";
import { requireCode } from "../deployment";
import { OperationError } from "../errors";

/** `IGasPolicy.Params` as plain values. */
export interface GasPolicyParams {
  windowSeconds: bigint;
  maxTxGas: bigint;
  defaultAccountQuota: bigint;
  unsponsoredShareBps: bigint;
  abuseGasPerWindow: bigint;
  abuseRevertsPerWindow: bigint;
  abuseRejectionsPerWindow: bigint;
  reportBlacklistSeconds: bigint;
}

/** Each parameter's width in bits (`IGasPolicy.Params`: uint64, uint16, uint32), in the struct's order. */
export const GAS_POLICY_PARAM_BITS: Readonly<Record<keyof GasPolicyParams, number>> = {
  windowSeconds: 64,
  maxTxGas: 64,
  defaultAccountQuota: 64,
  unsponsoredShareBps: 16,
  abuseGasPerWindow: 64,
  abuseRevertsPerWindow: 32,
  abuseRejectionsPerWindow: 32,
  reportBlacklistSeconds: 64,
};

/** The parameter names, in the struct's order. */
export const GAS_POLICY_PARAMS = Object.keys(GAS_POLICY_PARAM_BITS) as readonly (keyof GasPolicyParams)[];

/** The largest value of a uint64 field (gas amounts, budgets, quotas, windows, timestamps). */
export const UINT64_MAX = 2n ** 64n - 1n;

/** `IGasPolicy.Sponsor` as plain values, with its id. */
export interface GasSponsor {
  id: bigint;
  name: string;
  admin: string;
  budgetPerWindow: bigint;
  active: boolean;
  /** How many contracts and accounts it sponsors. */
  contracts: bigint;
  accounts: bigint;
}

export type GasPolicyContract = ContractOf<"GasPolicy">;

/** The policy's binding, after checking that it has code. */
export async function gasPolicyAt(address: string, runner: ContractRunner, provider: Provider): Promise<GasPolicyContract> {
  await requireCode(provider, address, "GasPolicy");
  return connectContract("GasPolicy", address, runner);
}

/** The provider of `runner`, or an `OP_INVALID_PARAMETER`. */
export function providerOf(runner: { provider: Provider | null }, who = "the signer"): Provider {
  if (!runner.provider) throw new OperationError("OP_INVALID_PARAMETER", `${who} has no provider`);
  return runner.provider;
}

type Overrides = { blockTag?: number | string };

/** The parameters in force. */
export async function readParams(policy: GasPolicyContract, overrides: Overrides = {}): Promise<GasPolicyParams> {
  const p = await policy.params(overrides);
  return Object.fromEntries(GAS_POLICY_PARAMS.map((k) => [k, BigInt(p[k])])) as unknown as GasPolicyParams;
}

/**
 * Sponsor `id`, after checking that it exists (ids run from 1 to `sponsorCount()`): an unknown id is an
 * `OP_PRECONDITION` saying how many there are.
 */
export async function readSponsor(policy: GasPolicyContract, id: bigint, overrides: Overrides = {}): Promise<GasSponsor> {
  const count = await policy.sponsorCount(overrides);
  if (id < 1n || id > count) {
    throw new OperationError("OP_PRECONDITION", `no sponsor ${id} in the gas policy (${count === 0n ? "none registered" : `sponsors are 1..${count}`})`, {
      hint: "register one with gas:sponsor --action register; gas:status --sponsor <id> shows one",
    });
  }
  const s = await policy.sponsor(id, overrides);
  return { id, name: s.name, admin: s.admin, budgetPerWindow: s.budgetPerWindow, active: s.active, contracts: BigInt(s.contracts), accounts: BigInt(s.accounts) };
}
