/**
 * The revert decoder: finds the revert data in an ethers / Hardhat / JSON-RPC error and names the custom error of
 * the project's contracts (or OpenZeppelin's) with its arguments. Hardhat-free: the ABIs come from the generated
 * bindings (`typechain-types/`), so the node, services, devnet and ops decode reverts the same way tasks do.
 */
import { Interface, type ErrorDescription, type InterfaceAbi, type JsonFragment } from "ethers";
import { LuniverseError, errorMessage, isLuniverseError } from "./errors";
import { typechain } from "./typechain";

/** Finds the revert data inside an ethers / Hardhat / JSON-RPC error, however deeply it is wrapped. */
export function revertData(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [error];
  while (stack.length > 0) {
    const e = stack.pop();
    if (e === null || typeof e !== "object" || seen.has(e)) continue;
    seen.add(e);
    const rec = e as Record<string, unknown>;
    if (typeof rec.data === "string" && /^0x[0-9a-fA-F]{8}/.test(rec.data)) return rec.data;
    for (const key of ["data", "error", "info", "cause", "receipt"]) stack.push(rec[key]);
  }
  return undefined;
}

let cached: Interface | undefined;

/** One interface with the custom errors of every contract the project compiles (OpenZeppelin's included). */
export function projectErrorsInterface(): Interface {
  if (cached) return cached;
  const seen = new Set<string>();
  const fragments: string[] = [];
  for (const exported of Object.values(typechain() as unknown as Record<string, unknown>)) {
    const abi = (exported as { abi?: InterfaceAbi } | undefined)?.abi;
    if (!Array.isArray(abi)) continue;
    for (const item of abi as JsonFragment[]) {
      if (item.type !== "error" || item.name === undefined) continue;
      const fragment = new Interface([item]).getError(item.name);
      if (!fragment || seen.has(fragment.selector)) continue;
      seen.add(fragment.selector);
      fragments.push(fragment.format("full"));
    }
  }
  cached = new Interface(fragments);
  return cached;
}

/** Names the custom error (with its arguments) of a failed call, or returns undefined. */
export function decodeCustomError(error: unknown, iface: Interface = projectErrorsInterface()): ErrorDescription | undefined {
  const data = revertData(error);
  if (!data) return undefined;
  try {
    return iface.parseError(data) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Formats a decoded error as `Name(arg1, arg2)`. */
export function formatCustomError(desc: ErrorDescription): string {
  const args = desc.args.map((a: unknown) => (typeof a === "bigint" ? a.toString() : String(a)));
  return `${desc.name}(${args.join(", ")})`;
}

/** A contract call reverted with a known custom error (`errorName`, `errorArgs`), or failed otherwise. */
export class ContractCallError extends LuniverseError<"CONTRACT_REVERT" | "CONTRACT_CALL_FAILED"> {
  override name = "ContractCallError";
  constructor(
    code: "CONTRACT_REVERT" | "CONTRACT_CALL_FAILED",
    message: string,
    readonly errorName?: string,
    readonly errorArgs?: readonly unknown[],
    cause?: unknown,
  ) {
    super(code, message, { cause });
  }
}

/** Hints for custom errors that operators meet often; an operation passes its own on top. */
export const DEFAULT_REVERT_HINTS: Record<string, string> = {
  ValidatorSetNotApproved:
    "the candidate needs governance approval first (npx hardhat gov:propose --action approve-validator --address <candidate>)",
  ValidatorSetInsufficientStake: "bond more stake first (npx hardhat validator:stake --amount <tokens>)",
  ValidatorSetJailed: "a jailed validator must wait for its jail period to end, then unjail",
  ValidatorSetUnbonding: "the stake is still unbonding; try again at the release block",
  ValidatorSetFull: "the set is at maxValidators; wait for a slot or ask governance to raise the limit",
  ERC20InsufficientBalance: "the account does not hold enough staking tokens",
  EnforcedPause: "the contract is paused by the council or governance",
  GovernorInsufficientProposerVotes: "only a validator in force can propose",
  GovernorUnexpectedProposalState: "the proposal is not in a state that allows this (see gov:execute's status line)",
  LuniverseGovernorNotValidator: "only validators in force at the proposal's snapshot can vote",
  AccessControlUnauthorizedAccount: "the account lacks the role; governance grants roles (gov:propose)",
  ChainRegistryNotNodeOwner: "only the chain's node owners vote on swaps",
  AnchorRegistryChainNotActive: "governance has suspended (status 2) or retired (status 3) the product chain in the ProductChainRegistry: it anchors no more until it is active again",
  MainBridgeChainNotActive: "governance has suspended (status 2) or retired (status 3) the product chain in the ProductChainRegistry: suspended, it neither deposits nor withdraws; retired, it takes no deposits",
  SlashingNotValidator: "only a validator in force can report",
};

/**
 * Runs a contract interaction; on a revert, throws a {@link ContractCallError} naming the custom error and its
 * arguments (`<what> reverted with Name(args): hint`), else `<what> failed: <message>`. Errors of the repository
 * pass through unchanged.
 */
export async function explainRevert<T>(what: string, fn: () => Promise<T>, hints: Record<string, string> = {}): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw explainError(what, e, hints);
  }
}

/** The {@link ContractCallError} that {@link explainRevert} throws for `e` (or `e` itself when it is ours). */
export function explainError(what: string, e: unknown, hints: Record<string, string> = {}): Error {
  if (isLuniverseError(e)) return e;
  const desc = decodeCustomError(e);
  if (desc) {
    const hint = hints[desc.name] ?? DEFAULT_REVERT_HINTS[desc.name];
    return new ContractCallError("CONTRACT_REVERT", `${what} reverted with ${formatCustomError(desc)}${hint ? `: ${hint}` : ""}`, desc.name, [...desc.args], e);
  }
  return new ContractCallError("CONTRACT_CALL_FAILED", `${what} failed: ${errorMessage(e)}`, undefined, undefined, e);
}
