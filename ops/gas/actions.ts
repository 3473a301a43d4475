/**
 * The gas policy's governance calls, as typed actions: registering a sponsor, setting its budget, (de)activating it,
 * changing its admin, giving an account its own quota or clearing it, blacklisting an account or removing it, and
 * changing the parameters (merged over the current ones). A builder asks the policy what it needs (the sponsor, the
 * account's policy, the parameters in force) and refuses a call that would change nothing; it returns the calls and a
 * one-line description. {@link applyGasPolicyCalls} sends them directly when the signer governs the policy, else
 * proposes them (`ops/governance/propose`); the devnet and tests can pass them with `passProposal`.
 */
import { getAddress, type Provider } from "ethers";
import { OperationError } from "../errors";
import { formatChanges, mergeParams, type ParamChanges, type ProposalActionCall } from "../governance/proposalActions";
import { GAS_POLICY_PARAMS, gasPolicyAt, readParams, readSponsor } from "./common";

/** One call to the gas policy. */
export interface GasPolicyCall extends ProposalActionCall {
  /**
   * An account that may send this call itself besides governance (the sponsor's current admin for
   * `setSponsorAdmin`): {@link applyGasPolicyCalls} sends it directly from that account instead of proposing it.
   */
  alsoBy?: string;
}

export type GasPolicyAction =
  | { action: "register-sponsor"; name: string; admin: string; budgetPerWindow: bigint }
  | { action: "set-sponsor-budget"; sponsorId: bigint; budgetPerWindow: bigint }
  | { action: "set-sponsor-active"; sponsorId: bigint; active: boolean }
  | { action: "set-sponsor-admin"; sponsorId: bigint; admin: string }
  | { action: "set-account-quota"; account: string; quota: bigint }
  | { action: "clear-account-quota"; account: string }
  /** Until `until` (unix seconds), or for `duration` seconds from the latest block: give one of them. */
  | { action: "blacklist"; account: string; until?: bigint; duration?: bigint; reason: string }
  | { action: "remove-from-blacklist"; account: string }
  /** Field of `IGasPolicy.Params` → new value; the others keep their current values. */
  | { action: "set-params"; changes: ParamChanges };

export type GasPolicyActionName = GasPolicyAction["action"];

export const GAS_POLICY_ACTIONS: readonly GasPolicyActionName[] = [
  "register-sponsor",
  "set-sponsor-budget",
  "set-sponsor-active",
  "set-sponsor-admin",
  "set-account-quota",
  "clear-account-quota",
  "blacklist",
  "remove-from-blacklist",
  "set-params",
];

export interface GasPolicyActionParameters {
  /** The `GasPolicy`. */
  policy: string;
  action: GasPolicyAction;
}

export interface GasPolicyActionReturnType {
  calls: GasPolicyCall[];
  /** The calls' summaries in one line (the default description of a proposal). */
  description: string;
}

function nothingToDo(what: string): OperationError {
  return new OperationError("OP_PRECONDITION", `${what}: nothing to change`);
}

/** The calls of `action` (see the module comment); `provider` reads the policy. */
export async function gasPolicyAction(provider: Provider, parameters: GasPolicyActionParameters): Promise<GasPolicyActionReturnType> {
  const target = parameters.policy;
  const policy = await gasPolicyAt(target, provider, provider);
  const encode = policy.interface;
  const a = parameters.action;
  let call: GasPolicyCall;
  switch (a.action) {
    case "register-sponsor": {
      const next = (await policy.sponsorCount()) + 1n;
      call = {
        target,
        data: encode.encodeFunctionData("registerSponsor", [a.name, a.admin, a.budgetPerWindow]),
        summary: `register gas sponsor "${a.name}" (id ${next} if registered next) with admin ${a.admin} and a budget of ${a.budgetPerWindow} gas per window`,
      };
      break;
    }
    case "set-sponsor-budget": {
      const s = await readSponsor(policy, a.sponsorId);
      if (s.budgetPerWindow === a.budgetPerWindow) throw nothingToDo(`sponsor ${a.sponsorId} already has a budget of ${a.budgetPerWindow} gas per window`);
      call = { target, data: encode.encodeFunctionData("setSponsorBudget", [a.sponsorId, a.budgetPerWindow]), summary: `set gas sponsor ${a.sponsorId}'s budget to ${a.budgetPerWindow} gas per window (was ${s.budgetPerWindow})` };
      break;
    }
    case "set-sponsor-active": {
      const s = await readSponsor(policy, a.sponsorId);
      if (s.active === a.active) throw nothingToDo(`sponsor ${a.sponsorId} ("${s.name}") is already ${a.active ? "active" : "inactive"}`);
      call = { target, data: encode.encodeFunctionData("setSponsorActive", [a.sponsorId, a.active]), summary: `${a.active ? "activate" : "deactivate"} gas sponsor ${a.sponsorId} ("${s.name}")` };
      break;
    }
    case "set-sponsor-admin": {
      const s = await readSponsor(policy, a.sponsorId);
      if (getAddress(s.admin) === getAddress(a.admin)) throw nothingToDo(`${a.admin} is already the admin of sponsor ${a.sponsorId}`);
      call = { target, data: encode.encodeFunctionData("setSponsorAdmin", [a.sponsorId, a.admin]), summary: `make ${a.admin} the admin of gas sponsor ${a.sponsorId} (was ${s.admin})`, alsoBy: s.admin };
      break;
    }
    case "set-account-quota":
      call = { target, data: encode.encodeFunctionData("setAccountQuota", [a.account, a.quota]), summary: `give ${a.account} a quota of ${a.quota} gas per window` };
      break;
    case "clear-account-quota":
      call = { target, data: encode.encodeFunctionData("clearAccountQuota", [a.account]), summary: `send ${a.account} back to the default gas quota` };
      break;
    case "blacklist": {
      if ((a.until === undefined) === (a.duration === undefined)) throw new OperationError("OP_INVALID_PARAMETER", "blacklisting needs either an end time (until) or a duration, not both");
      let until = a.until;
      if (until === undefined) {
        const latest = await provider.getBlock("latest");
        if (!latest) throw new OperationError("OP_PRECONDITION", "the chain has no latest block");
        until = BigInt(latest.timestamp) + a.duration!;
      }
      call = {
        target,
        data: encode.encodeFunctionData("blacklist", [a.account, until, a.reason]),
        summary: `blacklist ${a.account} until ${new Date(Number(until) * 1000).toISOString()} (${until})${a.reason ? `: ${a.reason}` : ""}`,
      };
      break;
    }
    case "remove-from-blacklist": {
      if (!(await policy.isBlacklisted(a.account))) throw nothingToDo(`${a.account} is not blacklisted now`);
      call = { target, data: encode.encodeFunctionData("removeFromBlacklist", [a.account]), summary: `remove ${a.account} from the gas blacklist` };
      break;
    }
    case "set-params": {
      if (Object.keys(a.changes).length === 0) throw new OperationError("OP_INVALID_PARAMETER", `no parameter to change; known: ${GAS_POLICY_PARAMS.join(", ")}`);
      const current = await readParams(policy);
      const merged = mergeParams(encode, current as unknown as Record<string, unknown>, a.changes);
      if (GAS_POLICY_PARAMS.every((k) => merged[k] === current[k])) throw nothingToDo(`the gas policy's parameters are already ${formatChanges(a.changes)}`);
      call = { target, data: encode.encodeFunctionData("setParams", [merged as never]), summary: `set gas policy params ${formatChanges(a.changes)}` };
      break;
    }
    default:
      throw new OperationError("OP_INVALID_PARAMETER", `unknown gas policy action "${(a as { action: string }).action}"; one of: ${GAS_POLICY_ACTIONS.join(", ")}`);
  }
  return { calls: [call], description: call.summary };
}
