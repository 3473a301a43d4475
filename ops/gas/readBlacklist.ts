import type { Provider } from "ethers";
import { OperationError } from "../errors";
import { gasPolicyAt } from "./common";

export interface ReadBlacklistParameters {
  /** The `GasPolicy`. */
  policy: string;
}

export interface BlacklistEntry {
  account: string;
  /** Unix seconds. */
  until: bigint;
}

export interface ReadBlacklistReturnType {
  /** The latest block, at which the list was read, and its timestamp. */
  blockNumber: number;
  timestamp: bigint;
  /** In the policy's order (none in particular). */
  entries: BlacklistEntry[];
}

/** The accounts blacklisted now on the gas policy, each with its end (`blacklistedAccounts()` at the latest block). */
export async function readBlacklist(provider: Provider, parameters: ReadBlacklistParameters): Promise<ReadBlacklistReturnType> {
  const policy = await gasPolicyAt(parameters.policy, provider, provider);
  const latest = await provider.getBlock("latest");
  if (!latest) throw new OperationError("OP_PRECONDITION", "the chain has no latest block");
  const [accounts, until] = await policy.blacklistedAccounts({ blockTag: latest.number });
  return { blockNumber: latest.number, timestamp: BigInt(latest.timestamp), entries: accounts.map((account, i) => ({ account, until: until[i]! })) };
}
