import { HardhatPluginError } from "hardhat/plugins";
import { Interface, type ErrorDescription, type JsonFragment } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

/** An operator error: the message says what is wrong and what to do. Hardhat prints it without a stack. */
export class TaskError extends HardhatPluginError {
  readonly code = "LUNIVERSE_TASK";
  constructor(message: string) {
    super("luniverse", message);
  }
}

/** Whether `e` is a {@link TaskError} (HardhatPluginError resets prototypes, so `instanceof` is unreliable). */
export function isTaskError(e: unknown): e is TaskError {
  return typeof e === "object" && e !== null && (e as { code?: unknown }).code === "LUNIVERSE_TASK";
}

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

let cachedInterface: Interface | undefined;

/** One interface with the custom errors of every artifact of the project (and OpenZeppelin's). */
export async function projectErrorsInterface(hre: HardhatRuntimeEnvironment): Promise<Interface> {
  if (cachedInterface) return cachedInterface;
  const names = await hre.artifacts.getAllFullyQualifiedNames();
  const seen = new Set<string>();
  const fragments: string[] = [];
  for (const fq of names) {
    const artifact = await hre.artifacts.readArtifact(fq);
    for (const item of artifact.abi as JsonFragment[]) {
      if (item.type !== "error" || item.name === undefined) continue;
      const fragment = new Interface([item]).getError(item.name);
      if (!fragment || seen.has(fragment.selector)) continue;
      seen.add(fragment.selector);
      fragments.push(fragment.format("full"));
    }
  }
  cachedInterface = new Interface(fragments);
  return cachedInterface;
}

/** Names the custom error (with its arguments) of a failed call, or returns undefined. */
export async function decodeCustomError(
  hre: HardhatRuntimeEnvironment,
  error: unknown,
): Promise<ErrorDescription | undefined> {
  const data = revertData(error);
  if (!data) return undefined;
  try {
    return (await projectErrorsInterface(hre)).parseError(data) ?? undefined;
  } catch {
    return undefined;
  }
}

/** Formats a decoded error as `Name(arg1, arg2)`. */
export function formatCustomError(desc: ErrorDescription): string {
  const args = desc.args.map((a: unknown) => (typeof a === "bigint" ? a.toString() : String(a)));
  return `${desc.name}(${args.join(", ")})`;
}

/**
 * Runs a contract interaction; on a revert, throws a {@link TaskError} naming the custom error and its
 * arguments (plus `hint` when one is known for that error).
 */
export async function explainRevert<T>(
  hre: HardhatRuntimeEnvironment,
  what: string,
  fn: () => Promise<T>,
  hints: Record<string, string> = {},
): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isTaskError(e)) throw e;
    const desc = await decodeCustomError(hre, e);
    if (desc) {
      const hint = hints[desc.name] ?? DEFAULT_HINTS[desc.name];
      throw new TaskError(`${what} reverted with ${formatCustomError(desc)}${hint ? `: ${hint}` : ""}`);
    }
    const message = (e as { shortMessage?: string; message?: string }).shortMessage ?? (e as Error).message;
    throw new TaskError(`${what} failed: ${message}`);
  }
}

const DEFAULT_HINTS: Record<string, string> = {
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
  SlashingNotValidator: "only a validator in force can report",
};
