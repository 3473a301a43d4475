import { getAddress, type Signer } from "ethers";
import { OperationError } from "../errors";
import { sendAndWait } from "../receipts";
import { gasPolicyAt, providerOf, readSponsor } from "./common";
import { GAS_POLICY_HINTS } from "./hints";

export interface SetSponsoredParameters {
  /** The `GasPolicy`. */
  policy: string;
  sponsorId: bigint;
  /** Contracts whose calls the sponsor pays for (or stops paying for). */
  contracts?: string[];
  /** Senders whose transactions the sponsor pays for (or stops paying for). */
  accounts?: string[];
  /** Add (`true`) or remove (`false`). */
  sponsored: boolean;
}

export interface SetSponsoredReturnType {
  sponsorId: bigint;
  /** The members actually added or removed (those already so are left out: nothing is sent for them). */
  contracts: string[];
  accounts: string[];
  /** Given members that were already (or still not) sponsored. */
  unchanged: string[];
  /** How many contracts and accounts the sponsor has now. */
  contractCount: bigint;
  accountCount: bigint;
  /** One per list sent, in batches of the policy's `MAX_BATCH` (none when nothing changes). */
  transactionHashes: string[];
}

function pending(given: string[] | undefined, current: readonly string[], sponsored: boolean): { change: string[]; same: string[] } {
  const members = new Set(current.map((a) => getAddress(a)));
  const change: string[] = [];
  const same: string[] = [];
  for (const a of new Set((given ?? []).map((x) => getAddress(x)))) (members.has(a) === sponsored ? same : change).push(a);
  return { change, same };
}

/**
 * The sponsor's admin (or an account governing the policy) adds contracts and/or accounts to a sponsor, or removes
 * them (`setSponsoredContracts`, `setSponsoredAccounts`). Asks the policy first: an unknown sponsor, or a signer that
 * is neither its admin nor governs the policy, is an `OP_PRECONDITION`; members already in the asked state are
 * skipped (nothing is sent when none changes); long lists go in batches of the policy's `MAX_BATCH`. A revert names the
 * policy's custom error (`GasPolicyAlreadySponsored` for an address another sponsor has, …).
 */
export async function setSponsored(signer: Signer, parameters: SetSponsoredParameters): Promise<SetSponsoredReturnType> {
  const { sponsorId, sponsored } = parameters;
  if ((parameters.contracts?.length ?? 0) + (parameters.accounts?.length ?? 0) === 0) {
    throw new OperationError("OP_INVALID_PARAMETER", "give the contracts and/or accounts to add to or remove from the sponsor");
  }
  const policy = await gasPolicyAt(parameters.policy, signer, providerOf(signer));
  const sponsor = await readSponsor(policy, sponsorId);
  const sender = await signer.getAddress();
  if (getAddress(sponsor.admin) !== getAddress(sender) && !(await policy.hasRole(await policy.GOVERNANCE_ROLE(), sender))) {
    throw new OperationError("OP_PRECONDITION", `${sender} is not the admin of sponsor ${sponsorId} ("${sponsor.name}"): its admin is ${sponsor.admin}`, {
      hint: "send from the sponsor's admin (--from), or ask governance to change the admin (gas:sponsor --action admin)",
    });
  }
  const contracts = pending(parameters.contracts, await policy.sponsoredContracts(sponsorId), sponsored);
  const accounts = pending(parameters.accounts, await policy.sponsoredAccounts(sponsorId), sponsored);
  const transactionHashes: string[] = [];
  const batch = Number(await policy.MAX_BATCH());
  for (let i = 0; i < contracts.change.length; i += batch) {
    const part = contracts.change.slice(i, i + batch);
    transactionHashes.push((await sendAndWait("setSponsoredContracts", () => policy.setSponsoredContracts(sponsorId, part, sponsored), GAS_POLICY_HINTS)).hash);
  }
  for (let i = 0; i < accounts.change.length; i += batch) {
    const part = accounts.change.slice(i, i + batch);
    transactionHashes.push((await sendAndWait("setSponsoredAccounts", () => policy.setSponsoredAccounts(sponsorId, part, sponsored), GAS_POLICY_HINTS)).hash);
  }
  const after = await readSponsor(policy, sponsorId);
  return {
    sponsorId,
    contracts: contracts.change,
    accounts: accounts.change,
    unchanged: [...contracts.same, ...accounts.same],
    contractCount: after.contracts,
    accountCount: after.accounts,
    transactionHashes,
  };
}
