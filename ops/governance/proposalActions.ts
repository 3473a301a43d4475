/**
 * The calls governance proposes, as typed actions: approving, removing, swapping or releasing a validator, granting
 * or revoking the consortium-partner role, changing the validator-set or slashing parameters (merged over the
 * contract's current ones), the council's members, a main token's issuer, unpausing or upgrading a system contract,
 * authorising an anchorer, or any call already encoded. A builder reads what it needs from the contracts (a role id,
 * the current parameters, whether an implementation has code) and returns the call and a one-line summary;
 * callers (`gov:propose`, `anchor:authorize`, the devnet) pass the calls to {@link propose} or {@link passProposal}.
 */
import { Interface, type Provider } from "ethers";
import { connectContract } from "../contracts";
import { OperationError } from "../errors";

/** One call of a proposal. */
export interface ProposalActionCall {
  target: string;
  data: string;
  /** What it does, in a line (the default description of a proposal). */
  summary: string;
}

/** The system contracts the actions address (from the deployment); an action needs only its own. */
export interface ProposalActionContracts {
  ValidatorSet?: string;
  Slashing?: string;
  ProductChainRegistry?: string;
  EmergencyCouncil?: string;
  ProductTokenFactory?: string;
}

/** Parameter changes: field name of the contract's parameter struct → new value. */
export type ParamChanges = Record<string, bigint>;

export type ProposalAction =
  | { action: "approve-validator" | "remove-validator" | "release-validator"; validator: string }
  | { action: "swap-validator"; validator: string; newValidator: string }
  | { action: "grant-cp" | "revoke-cp"; account: string }
  | { action: "set-validator-params" | "set-slashing-params"; changes: ParamChanges }
  | { action: "council-members"; members: string[] }
  | { action: "set-main-token-issuer"; mainToken: string; issuer: string }
  /** `target` is a system contract (UUPS, pausable by governance); `name` names it in the summary. */
  | { action: "unpause"; target: string; name?: string }
  | { action: "upgrade"; target: string; implementation: string; name?: string }
  /** A call already encoded (`data`), e.g. from a function signature and arguments. */
  | { action: "call"; target: string; data: string; summary: string };

export type ProposalActionName = ProposalAction["action"];

/** Every action name, in the order `gov:propose --help` lists them. */
export const PROPOSAL_ACTIONS: readonly ProposalActionName[] = [
  "approve-validator",
  "remove-validator",
  "swap-validator",
  "release-validator",
  "grant-cp",
  "revoke-cp",
  "set-validator-params",
  "set-slashing-params",
  "council-members",
  "set-main-token-issuer",
  "unpause",
  "upgrade",
  "call",
];

export interface ProposalActionParameters {
  contracts: ProposalActionContracts;
  action: ProposalAction;
}

const SYSTEM = new Interface(["function unpause()", "function upgradeToAndCall(address newImplementation, bytes data)"]);

function contract(contracts: ProposalActionContracts, name: keyof ProposalActionContracts): string {
  const address = contracts[name];
  if (!address) throw new OperationError("OP_DEPLOYMENT", `the action needs the address of ${name}`, { hint: "deploy the system first (npx hardhat deploy:system)" });
  return address;
}

/** The call of `action` (see the module comment); `provider` reads the contracts. */
export async function proposalAction(provider: Provider, parameters: ProposalActionParameters): Promise<ProposalActionCall> {
  const { contracts, action: a } = parameters;
  switch (a.action) {
    case "approve-validator":
    case "remove-validator":
    case "release-validator": {
      const target = contract(contracts, "ValidatorSet");
      const vs = connectContract("ValidatorSet", target, provider);
      if (a.action === "approve-validator") return { target, data: vs.interface.encodeFunctionData("approveCandidate", [a.validator]), summary: `approve validator candidate ${a.validator}` };
      if (a.action === "remove-validator") return { target, data: vs.interface.encodeFunctionData("removeValidator", [a.validator]), summary: `remove validator ${a.validator}` };
      return { target, data: vs.interface.encodeFunctionData("releaseValidator", [a.validator]), summary: `release validator ${a.validator} from jail` };
    }
    case "swap-validator": {
      const target = contract(contracts, "ValidatorSet");
      const vs = connectContract("ValidatorSet", target, provider);
      return { target, data: vs.interface.encodeFunctionData("swapValidator", [a.validator, a.newValidator]), summary: `swap validator ${a.validator} for ${a.newValidator}` };
    }
    case "grant-cp":
    case "revoke-cp": {
      const target = contract(contracts, "ProductChainRegistry");
      const registry = connectContract("ProductChainRegistry", target, provider);
      const role = await registry.CP_ROLE();
      const data =
        a.action === "grant-cp" ? registry.interface.encodeFunctionData("grantRole", [role, a.account]) : registry.interface.encodeFunctionData("revokeRole", [role, a.account]);
      return { target, data, summary: `${a.action} ${a.account}` };
    }
    case "set-validator-params": {
      const target = contract(contracts, "ValidatorSet");
      const vs = connectContract("ValidatorSet", target, provider);
      const merged = mergeParams(vs.interface, (await vs.params()) as unknown as Record<string, unknown>, a.changes);
      return { target, data: vs.interface.encodeFunctionData("setParams", [merged as never]), summary: `set validator-set params ${formatChanges(a.changes)}` };
    }
    case "set-slashing-params": {
      const target = contract(contracts, "Slashing");
      const slashing = connectContract("Slashing", target, provider);
      const merged = mergeParams(slashing.interface, (await slashing.params()) as unknown as Record<string, unknown>, a.changes);
      return { target, data: slashing.interface.encodeFunctionData("setParams", [merged as never]), summary: `set slashing params ${formatChanges(a.changes)}` };
    }
    case "council-members": {
      const target = contract(contracts, "EmergencyCouncil");
      const council = connectContract("EmergencyCouncil", target, provider);
      return { target, data: council.interface.encodeFunctionData("setMembers", [a.members]), summary: `set council members ${a.members.join(",")}` };
    }
    case "set-main-token-issuer": {
      const target = contract(contracts, "ProductTokenFactory");
      const factory = connectContract("ProductTokenFactory", target, provider);
      return {
        target,
        data: factory.interface.encodeFunctionData("setMainTokenIssuer", [a.mainToken, a.issuer]),
        summary: `record ${a.issuer} as the CP of main token ${a.mainToken} on the product token factory`,
      };
    }
    case "unpause":
      return { target: a.target, data: SYSTEM.encodeFunctionData("unpause", []), summary: `unpause ${a.name ?? a.target}` };
    case "upgrade": {
      if ((await provider.getCode(a.implementation)) === "0x") {
        throw new OperationError("OP_PRECONDITION", `the new implementation ${a.implementation} has no code`, {
          hint: "deploy the new implementation first (upgrades.prepareUpgrade runs the storage-layout check)",
        });
      }
      return { target: a.target, data: SYSTEM.encodeFunctionData("upgradeToAndCall", [a.implementation, "0x"]), summary: `upgrade ${a.name ?? a.target} to ${a.implementation}` };
    }
    case "call":
      return { target: a.target, data: a.data, summary: a.summary };
  }
}

/**
 * `changes` merged over `current` (the contract's `params()`), field by field of the parameter struct that
 * `setParams` takes; a field the struct does not have is an `OP_INVALID_PARAMETER` naming the known ones.
 */
export function mergeParams(iface: Interface, current: Record<string, unknown>, changes: ParamChanges): Record<string, unknown> {
  const keys = iface.getFunction("setParams")!.inputs[0]!.components!.map((c) => c.name);
  const merged: Record<string, unknown> = {};
  for (const k of keys) merged[k] = current[k];
  for (const [k, v] of Object.entries(changes)) {
    if (!keys.includes(k)) throw new OperationError("OP_INVALID_PARAMETER", `unknown parameter "${k}"; known: ${keys.join(", ")}`);
    merged[k] = v;
  }
  return merged;
}

/** `changes` as one line of JSON (values as decimal strings), for summaries. */
export function formatChanges(changes: ParamChanges): string {
  return JSON.stringify(Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, v.toString()])));
}

export interface AnchorerActionParameters {
  /** The `AnchorRegistry` (on the parent chain). */
  registry: string;
  /** The child chain whose blocks are anchored. */
  chainId: bigint;
  anchorer: string;
  /** Remove the anchorer instead of authorising it. */
  remove?: boolean;
  /** First anchored block of the child, when the child is not registered yet (default 0). */
  startBlock?: bigint;
}

export interface AnchorerActionReturnType {
  /** Registering the child first when needed, then setting the anchorer. */
  calls: ProposalActionCall[];
  /** The calls' summaries in one line. */
  description: string;
}

/**
 * The calls that authorise (or remove) an anchorer of a child chain in the `AnchorRegistry`, registering the child
 * first when it is not. Asks the registry first: a proposal that would change nothing (already an anchorer, not one,
 * a child not registered when removing) is an `OP_PRECONDITION`.
 */
export async function anchorerAction(provider: Provider, parameters: AnchorerActionParameters): Promise<AnchorerActionReturnType> {
  const { chainId, anchorer } = parameters;
  const remove = parameters.remove ?? false;
  const startBlock = parameters.startBlock ?? 0n;
  const registry = connectContract("AnchorRegistry", parameters.registry, provider);
  const [registered] = await registry.getChild(chainId);
  if (remove && !registered) {
    throw new OperationError("OP_PRECONDITION", `child chain ${chainId} is not registered in the AnchorRegistry: there is no anchorer to remove`);
  }
  if ((await registry.isAnchorer(chainId, anchorer)) === !remove) {
    throw new OperationError("OP_PRECONDITION", `${anchorer} ${remove ? "is not" : "is already"} an anchorer of chain ${chainId}: nothing to propose`);
  }
  const calls: ProposalActionCall[] = [];
  if (!registered) {
    calls.push({
      target: parameters.registry,
      data: registry.interface.encodeFunctionData("registerChild", [chainId, startBlock]),
      summary: `register child chain ${chainId} for anchoring from block ${startBlock}`,
    });
  }
  calls.push({
    target: parameters.registry,
    data: registry.interface.encodeFunctionData("setAnchorer", [chainId, anchorer, !remove]),
    summary: `${remove ? "remove" : "authorise"} anchorer ${anchorer} of chain ${chainId}`,
  });
  return { calls, description: calls.map((c) => c.summary).join("; ") };
}
