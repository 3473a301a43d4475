import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { FunctionFragment, Interface, id as keccakText, isAddress } from "ethers";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { parseAddress, parseAddressList, parseInteger } from "../lib/args";
import { loadSystem, type SystemHandles } from "./lib/system";

/** Governor proposal states, as `IGovernor.ProposalState`. */
export const PROPOSAL_STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;

export const GOV_ACTIONS = [
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
] as const;
export type GovAction = (typeof GOV_ACTIONS)[number];

interface ProposeArgs {
  action: string;
  address?: string;
  newAddress?: string;
  params?: string;
  contract?: string;
  implementation?: string;
  target?: string;
  signature?: string;
  args?: string;
  description?: string;
  from: string;
}

interface Call {
  target: string;
  data: string;
  summary: string;
}

const SYSTEM_NAMES = ["ValidatorSet", "Slashing", "ProductChainRegistry", "LuniverseGovernor", "LuniverseTimelock", "EmergencyCouncil"];

function parseJsonObject(flag: string, text: string | undefined): Record<string, unknown> {
  if (!text) throw new TaskError(`--${flag} is required: a JSON object, e.g. '{"maxValidators":20}'`);
  try {
    const v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
    return v as Record<string, unknown>;
  } catch (e) {
    throw new TaskError(`--${flag} must be a JSON object: ${(e as Error).message}`);
  }
}

/** Merges `changes` over the contract's current parameter struct, rejecting unknown keys. */
function mergeParams(flag: string, current: Record<string, unknown>, keys: string[], changes: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) out[k] = current[k];
  for (const [k, v] of Object.entries(changes)) {
    if (!keys.includes(k)) throw new TaskError(`--${flag}: unknown parameter "${k}"; known: ${keys.join(", ")}`);
    if (!((typeof v === "number" && Number.isSafeInteger(v) && v >= 0) || (typeof v === "string" && /^\d+$/.test(v)))) {
      throw new TaskError(`--${flag}: "${k}" must be a non-negative integer (a decimal string for large values)`);
    }
    out[k] = BigInt(v);
  }
  return out;
}

function resolveTarget(sys: SystemHandles, nameOrAddress: string | undefined, flag: string): { name?: string; address: string } {
  if (!nameOrAddress) throw new TaskError(`--${flag} is required: a system contract name (${SYSTEM_NAMES.join(", ")}) or an address`);
  if (isAddress(nameOrAddress)) return { address: nameOrAddress };
  const entry = sys.manifest.contracts[nameOrAddress];
  if (!entry) throw new TaskError(`--${flag} "${nameOrAddress}" is neither an address nor a deployed contract (${Object.keys(sys.manifest.contracts).join(", ")})`);
  return { name: nameOrAddress, address: entry.address };
}

async function buildCall(hre: HardhatRuntimeEnvironment, sys: SystemHandles, a: ProposeArgs): Promise<Call> {
  const vs = sys.validatorSet;
  const vsAddress = await vs.getAddress();
  const registryAddress = await sys.chainRegistry.getAddress();
  switch (a.action as GovAction) {
    case "approve-validator": {
      const v = parseAddress("address", a.address);
      return { target: vsAddress, data: vs.interface.encodeFunctionData("approveCandidate", [v]), summary: `approve validator candidate ${v}` };
    }
    case "remove-validator": {
      const v = parseAddress("address", a.address);
      return { target: vsAddress, data: vs.interface.encodeFunctionData("removeValidator", [v]), summary: `remove validator ${v}` };
    }
    case "swap-validator": {
      const o = parseAddress("address", a.address);
      const n = parseAddress("new-address", a.newAddress);
      return { target: vsAddress, data: vs.interface.encodeFunctionData("swapValidator", [o, n]), summary: `swap validator ${o} for ${n}` };
    }
    case "release-validator": {
      const v = parseAddress("address", a.address);
      return { target: vsAddress, data: vs.interface.encodeFunctionData("releaseValidator", [v]), summary: `release validator ${v} from jail` };
    }
    case "grant-cp":
    case "revoke-cp": {
      const cp = parseAddress("address", a.address);
      const role = await sys.chainRegistry.CP_ROLE();
      const data =
        a.action === "grant-cp"
          ? sys.chainRegistry.interface.encodeFunctionData("grantRole", [role, cp])
          : sys.chainRegistry.interface.encodeFunctionData("revokeRole", [role, cp]);
      return { target: registryAddress, data, summary: `${a.action} ${cp}` };
    }
    case "set-validator-params": {
      const current = (await vs.params()) as unknown as Record<string, unknown>;
      const p = mergeParams("params", current, ["maxValidators", "minStake", "epochLength", "unbondingPeriod", "jailPeriod"], parseJsonObject("params", a.params));
      return { target: vsAddress, data: vs.interface.encodeFunctionData("setParams", [p as never]), summary: `set validator-set params ${a.params}` };
    }
    case "set-slashing-params": {
      const current = (await sys.slashing.params()) as unknown as Record<string, unknown>;
      const keys = ["reportSlashBps", "doubleSignSlashBps", "downtimeSlashBps", "spamSlashBps", "maxReportAge", "maxReportsPerEpoch", "misdemeanorThreshold", "felonyThreshold", "downtimeWindow"];
      const p = mergeParams("params", current, keys, parseJsonObject("params", a.params));
      return { target: await sys.slashing.getAddress(), data: sys.slashing.interface.encodeFunctionData("setParams", [p as never]), summary: `set slashing params ${a.params}` };
    }
    case "council-members": {
      const members = parseAddressList("address", a.address ?? "", 5);
      return { target: await sys.council.getAddress(), data: sys.council.interface.encodeFunctionData("setMembers", [members]), summary: `set council members ${members.join(",")}` };
    }
    case "set-main-token-issuer": {
      const token = parseAddress("address", a.address);
      const issuer = parseAddress("new-address", a.newAddress);
      return {
        target: await sys.productTokenFactory.getAddress(),
        data: sys.productTokenFactory.interface.encodeFunctionData("setMainTokenIssuer", [token, issuer]),
        summary: `record ${issuer} as the CP of main token ${token} on the product token factory`,
      };
    }
    case "unpause": {
      const t = resolveTarget(sys, a.contract, "contract");
      return { target: t.address, data: new Interface(["function unpause()"]).encodeFunctionData("unpause", []), summary: `unpause ${a.contract}` };
    }
    case "upgrade": {
      const t = resolveTarget(sys, a.contract, "contract");
      const impl = parseAddress("implementation", a.implementation);
      if ((await hre.ethers.provider.getCode(impl)) === "0x") throw new TaskError(`--implementation ${impl} has no code: deploy the new implementation first (upgrades.prepareUpgrade runs the storage-layout check)`);
      return {
        target: t.address,
        data: new Interface(["function upgradeToAndCall(address,bytes)"]).encodeFunctionData("upgradeToAndCall", [impl, "0x"]),
        summary: `upgrade ${a.contract} to ${impl}`,
      };
    }
    case "call": {
      const t = resolveTarget(sys, a.target, "target");
      if (!a.signature) throw new TaskError(`--signature is required for --action call, e.g. "setParams((uint256,uint256,uint256,uint256,uint256))"`);
      let fragment: FunctionFragment;
      try {
        fragment = FunctionFragment.from(`function ${a.signature}`);
      } catch (e) {
        throw new TaskError(`--signature "${a.signature}" is not a valid function signature: ${(e as Error).message}`);
      }
      const iface = new Interface([fragment]);
      let callArgs: unknown[] = [];
      if (a.args) {
        try {
          callArgs = JSON.parse(a.args) as unknown[];
          if (!Array.isArray(callArgs)) throw new Error("not an array");
        } catch (e) {
          throw new TaskError(`--args must be a JSON array: ${(e as Error).message}`);
        }
      }
      let data: string;
      try {
        data = iface.encodeFunctionData(fragment, callArgs);
      } catch (e) {
        throw new TaskError(`--args do not match ${a.signature}: ${(e as Error).message}`);
      }
      return { target: t.address, data, summary: `call ${a.target}.${a.signature} ${a.args ?? "[]"}` };
    }
    default:
      throw new TaskError(`unknown --action "${a.action}"; one of: ${GOV_ACTIONS.join(", ")}`);
  }
}

task("gov:propose", "Proposes a governance action (validators vote; > 2/3 of the set must vote for)")
  .addParam("action", `One of: ${GOV_ACTIONS.join(", ")}`)
  .addOptionalParam("address", "Validator / consortium partner address (or 5 comma-separated council members)")
  .addOptionalParam("newAddress", "New validator for swap-validator")
  .addOptionalParam("params", "JSON object of parameters to change, e.g. '{\"maxValidators\":20}'")
  .addOptionalParam("contract", "System contract name for upgrade/unpause, e.g. ValidatorSet")
  .addOptionalParam("implementation", "New implementation address for upgrade")
  .addOptionalParam("target", "Contract name or address for --action call")
  .addOptionalParam("signature", "Function signature for --action call, e.g. \"releaseValidator(address)\"")
  .addOptionalParam("args", "JSON array of arguments for --action call")
  .addOptionalParam("description", "Proposal description (default: a summary of the action)")
  .addOptionalParam("from", "Account index or address of the proposing validator", "0")
  .setAction(async (args: ProposeArgs, hre) => {
    const sys = await loadSystem(hre, args.from);
    const call = await buildCall(hre, sys, args);
    const description = args.description ?? `${call.summary} (proposed at ${new Date().toISOString()})`;
    const proposalId = await sys.governor.hashProposal([call.target], [0], [call.data], keccakText(description));
    await explainRevert("gov:propose", async () => (await sys.governor.propose([call.target], [0], [call.data], description)).wait());
    const snapshot = await sys.governor.proposalSnapshot(proposalId);
    const deadline = await sys.governor.proposalDeadline(proposalId);
    console.log(`proposal ${proposalId}\n  ${call.summary}\n  voting from block ${snapshot + 1n} to ${deadline}; needs ${await sys.governor.quorum(snapshot)} votes for`);
    return proposalId;
  });

const SUPPORT: Record<string, number> = { against: 0, for: 1, abstain: 2 };

task("gov:vote", "Votes on a proposal as a validator")
  .addParam("id", "Proposal id (printed by gov:propose)")
  .addOptionalParam("support", "for | against | abstain", "for")
  .addOptionalParam("reason", "Reason recorded with the vote", "")
  .addOptionalParam("from", "Account index or address of the voting validator", "0")
  .setAction(async (args: { id: string; support: string; reason: string; from: string }, hre) => {
    const proposalId = parseInteger("id", args.id);
    const support = SUPPORT[args.support.toLowerCase()];
    if (support === undefined) throw new TaskError(`--support must be for, against or abstain, got "${args.support}"`);
    const { governor } = await loadSystem(hre, args.from);
    await explainRevert("gov:vote", async () => (await governor.castVoteWithReason(proposalId, support, args.reason)).wait());
    const [against, forVotes, abstain] = await governor.proposalVotes(proposalId);
    const state = PROPOSAL_STATES[Number(await governor.state(proposalId))];
    console.log(`voted ${args.support}; tally for ${forVotes} / against ${against} / abstain ${abstain}; needs ${await governor.quorum(await governor.proposalSnapshot(proposalId))} for; state ${state}`);
  });

task("gov:execute", "Queues a passed proposal in the timelock, or executes it once its delay is over")
  .addParam("id", "Proposal id")
  .addOptionalParam("from", "Account index or address sending the transaction", "0")
  .setAction(async (args: { id: string; from: string }, hre) => {
    const proposalId = parseInteger("id", args.id);
    const { governor } = await loadSystem(hre, args.from);
    const events = await governor.queryFilter(governor.filters.ProposalCreated(), 0);
    const created = events.find((e) => e.args.proposalId === proposalId);
    if (!created) throw new TaskError(`no proposal ${proposalId} on network "${hre.network.name}"`);
    const { targets, calldatas, description } = created.args;
    const values = created.args[3] as bigint[];
    const descriptionHash = keccakText(description);
    const state = PROPOSAL_STATES[Number(await governor.state(proposalId))];
    if (state === "Succeeded") {
      await explainRevert("gov:execute (queue)", async () => (await governor.queue([...targets], [...values], [...calldatas], descriptionHash)).wait());
      const eta = await governor.proposalEta(proposalId);
      console.log(`queued in the timelock; executable from ${new Date(Number(eta) * 1000).toISOString()} — run gov:execute again then`);
      return "Queued";
    }
    if (state === "Queued") {
      const eta = await governor.proposalEta(proposalId);
      const now = BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? 0);
      if (now < eta) throw new TaskError(`proposal is queued until ${new Date(Number(eta) * 1000).toISOString()} (${eta - now} s more); run gov:execute again then`);
      await explainRevert("gov:execute", async () => (await governor.execute([...targets], [...values], [...calldatas], descriptionHash)).wait());
      console.log(`executed proposal ${proposalId}`);
      return "Executed";
    }
    throw new TaskError(`proposal ${proposalId} is ${state}; only a Succeeded proposal can be queued and a Queued one executed`);
  });
