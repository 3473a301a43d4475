import type { Provider } from "ethers";
import { OperationError } from "../errors";
import { gasPolicyAt, readParams, readSponsor, type GasPolicyParams, type GasSponsor } from "./common";
import { readAccountUsage, readSponsorUsage, type AccountGasUsage, type SponsorGasUsage } from "./nodeUsage";

export interface ReadGasStatusParameters {
  /** The `GasPolicy`. */
  policy: string;
  /** Also read this account's policy and usage. */
  account?: string;
  /** Also read this sponsor, its members and usage. */
  sponsorId?: bigint;
}

export interface AccountGasStatus {
  account: string;
  /** Sponsor of the account as a sender (0: none or inactive). */
  senderSponsor: bigint;
  /** Sponsor of the address as a called contract (0: none or inactive). */
  contractSponsor: bigint;
  /** Gas per window the account may use as a sender (its own quota or the default). */
  quota: bigint;
  /** Unix seconds (0: never blacklisted, or removed; in the past: expired). */
  blacklistedUntil: bigint;
  /** Whether it is blacklisted now. */
  blacklisted: boolean;
  /** What the node counted (`luniverse_gasUsage`); null: the node does not serve it (not gas-free, or Hardhat's network). */
  usage: AccountGasUsage | null;
}

export interface SponsorGasStatus extends GasSponsor {
  /** The contracts whose calls it pays for. */
  sponsoredContracts: string[];
  /** The senders whose transactions it pays for. */
  sponsoredAccounts: string[];
  /** What the node counted (`luniverse_gasSponsorUsage`); null: the node does not serve it. */
  usage: SponsorGasUsage | null;
}

export interface ReadGasStatusReturnType {
  policy: string;
  /** The latest block, at which every view was read. */
  blockNumber: number;
  /** Its timestamp (unix seconds). */
  timestamp: bigint;
  params: GasPolicyParams;
  /** Bumped by every change of the policy's state. */
  version: bigint;
  /** The window of the latest block, the time it resets at (unix seconds) and the seconds left until then. */
  window: bigint;
  windowResetsAt: bigint;
  secondsToReset: bigint;
  sponsorCount: bigint;
  account?: AccountGasStatus;
  sponsor?: SponsorGasStatus;
}

/**
 * The gas policy as of the latest block: parameters, version, the current window and when it resets; with `account`,
 * its policy (sponsor, quota, blacklisting) and what the node counted; with `sponsorId`, the sponsor, its members
 * and what the node counted. Usage comes from the node's `luniverse_gasUsage` / `luniverse_gasSponsorUsage` and is
 * `null` on a chain that does not serve them. An unknown sponsor is an `OP_PRECONDITION`.
 */
export async function readGasStatus(provider: Provider, parameters: ReadGasStatusParameters): Promise<ReadGasStatusReturnType> {
  const policy = await gasPolicyAt(parameters.policy, provider, provider);
  const latest = await provider.getBlock("latest");
  if (!latest) throw new OperationError("OP_PRECONDITION", "the chain has no latest block");
  const at = { blockTag: latest.number };
  const [params, version, window, sponsorCount] = await Promise.all([readParams(policy, at), policy.version(at), policy.currentWindow(at), policy.sponsorCount(at)]);
  const windowResetsAt = (window + 1n) * params.windowSeconds;
  const timestamp = BigInt(latest.timestamp);
  const result: ReadGasStatusReturnType = {
    policy: parameters.policy,
    blockNumber: latest.number,
    timestamp,
    params,
    version,
    window,
    windowResetsAt,
    secondsToReset: windowResetsAt > timestamp ? windowResetsAt - timestamp : 0n,
    sponsorCount,
  };
  if (parameters.account !== undefined) {
    const [p, blacklisted, usage] = await Promise.all([policy.accountPolicy(parameters.account, at), policy.isBlacklisted(parameters.account, at), readAccountUsage(provider, parameters.account)]);
    result.account = {
      account: parameters.account,
      senderSponsor: p.senderSponsor,
      contractSponsor: p.contractSponsor,
      quota: p.quota,
      blacklistedUntil: p.blacklistedUntil,
      blacklisted,
      usage,
    };
  }
  if (parameters.sponsorId !== undefined) {
    const sponsor = await readSponsor(policy, parameters.sponsorId, at);
    const [contracts, accounts, usage] = await Promise.all([
      policy.sponsoredContracts(parameters.sponsorId, at),
      policy.sponsoredAccounts(parameters.sponsorId, at),
      readSponsorUsage(provider, parameters.sponsorId),
    ]);
    result.sponsor = { ...sponsor, sponsoredContracts: [...contracts], sponsoredAccounts: [...accounts], usage };
  }
  return result;
}
