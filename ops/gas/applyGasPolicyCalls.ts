import { getAddress, type ContractTransactionResponse, type LogDescription, type Signer } from "ethers";
import { connectContract } from "../contracts";
import { explainRevert } from "../../lib/revert";
import { OperationError } from "../errors";
import { sendAndWait } from "../receipts";
import { propose } from "../governance/propose";
import { gasPolicyAt, providerOf } from "./common";
import { GAS_POLICY_HINTS } from "./hints";
import type { GasPolicyCall } from "./actions";

export interface ApplyGasPolicyCallsParameters {
  /** The `GasPolicy` (every call must target it). */
  policy: string;
  /** From {@link gasPolicyAction}. */
  calls: GasPolicyCall[];
  /** The `LuniverseGovernor`, to propose through when the signer cannot send the calls itself. */
  governor?: string;
  /** The proposal's description (default: the calls' summaries). Descriptions must differ between proposals of the same calls. */
  description?: string;
  /** What a revert message calls this action (default "gas policy"), e.g. the task's name. */
  what?: string;
}

export type ApplyGasPolicyCallsReturnType =
  /** Sent by the signer: it holds `GOVERNANCE_ROLE` on the policy (or is the `alsoBy` account of every call). */
  | { mode: "direct"; sender: string; reason: "governs" | "allowed"; transactionHashes: string[]; events: LogDescription[] }
  /** Proposed to governance: validators vote (`gov:vote`), then `gov:execute` queues and executes. */
  | { mode: "proposed"; proposer: string; proposalId: bigint; description: string; snapshot: bigint; deadline: bigint; quorum: bigint; transactionHash: string };

/**
 * Applies gas-policy calls the one way the signer can: sends them directly when it holds `GOVERNANCE_ROLE` on the
 * policy (`hasRole`) — or when every call names it as `alsoBy` (a sponsor's admin changing its admin) — and says so;
 * else proposes them through `governor` (the signer must be a validator in force). Before proposing, each call is
 * simulated as the timelock that will execute it, so a call the policy would refuse is reported now, naming its
 * custom error, instead of after the vote. Without a governor, a signer that cannot send them is an `OP_PRECONDITION`.
 */
export async function applyGasPolicyCalls(signer: Signer, parameters: ApplyGasPolicyCallsParameters): Promise<ApplyGasPolicyCallsReturnType> {
  const what = parameters.what ?? "gas policy";
  const { calls } = parameters;
  if (calls.length === 0) throw new OperationError("OP_INVALID_PARAMETER", `${what}: no call to apply`);
  for (const c of calls) {
    if (getAddress(c.target) !== getAddress(parameters.policy)) throw new OperationError("OP_INVALID_PARAMETER", `${what}: a call targets ${c.target}, not the gas policy ${parameters.policy}`);
  }
  const provider = providerOf(signer);
  const policy = await gasPolicyAt(parameters.policy, signer, provider);
  const sender = await signer.getAddress();
  const governs = await policy.hasRole(await policy.GOVERNANCE_ROLE(), sender);
  const allowed = !governs && calls.every((c) => c.alsoBy !== undefined && getAddress(c.alsoBy) === getAddress(sender));

  if (governs || allowed) {
    const transactionHashes: string[] = [];
    const events: LogDescription[] = [];
    for (const c of calls) {
      const receipt = await sendAndWait(what, () => signer.sendTransaction({ to: c.target, data: c.data }) as Promise<unknown> as Promise<ContractTransactionResponse>, GAS_POLICY_HINTS);
      transactionHashes.push(receipt.hash);
      for (const log of receipt.logs) {
        if (getAddress(log.address) !== getAddress(parameters.policy)) continue;
        const parsed = policy.interface.parseLog(log);
        if (parsed) events.push(parsed);
      }
    }
    return { mode: "direct", sender, reason: governs ? "governs" : "allowed", transactionHashes, events };
  }

  if (!parameters.governor) {
    throw new OperationError("OP_PRECONDITION", `${sender} does not hold GOVERNANCE_ROLE on the gas policy, and no governor was given to propose the change through`, {
      hint: "send from the account that governs the policy, or propose through the LuniverseGovernor",
    });
  }
  const timelock = await connectContract("LuniverseGovernor", parameters.governor, provider).timelock();
  for (const c of calls) {
    await explainRevert(`${what} (simulated as the timelock ${timelock})`, () => provider.call({ from: timelock, to: c.target, data: c.data }), GAS_POLICY_HINTS);
  }
  const description = parameters.description ?? calls.map((c) => c.summary).join("; ");
  const p = await propose(signer, { governor: parameters.governor, targets: calls.map((c) => c.target), calldatas: calls.map((c) => c.data), description, what });
  return { mode: "proposed", proposer: sender, description, ...p };
}
