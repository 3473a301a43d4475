import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { FunctionFragment, Interface, isAddress, type Signer } from "ethers";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAddressList, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import type { Manifest } from "../deploy/manifest";
import { PROPOSAL_ACTIONS, proposalAction, type ParamChanges, type ProposalAction, type ProposalActionContracts } from "../ops/governance/proposalActions";
import { propose } from "../ops/governance/propose";
import { VOTE_SUPPORT, vote, type VoteSupport } from "../ops/governance/vote";
import { queueOrExecute } from "../ops/governance/queueOrExecute";

export const GOV_ACTIONS = PROPOSAL_ACTIONS;

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

const SYSTEM_NAMES = ["ValidatorSet", "Slashing", "ProductChainRegistry", "LuniverseGovernor", "LuniverseTimelock", "EmergencyCouncil"];

/** `--params`: a JSON object of non-negative integers (decimal strings for large values). */
function parseParamChanges(flag: string, text: string | undefined): ParamChanges {
  if (!text) throw new TaskError(`--${flag} is required: a JSON object, e.g. '{"maxValidators":20}'`);
  let v: unknown;
  try {
    v = JSON.parse(text) as unknown;
    if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error("not an object");
  } catch (e) {
    throw new TaskError(`--${flag} must be a JSON object: ${(e as Error).message}`);
  }
  const changes: ParamChanges = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (!((typeof x === "number" && Number.isSafeInteger(x) && x >= 0) || (typeof x === "string" && /^\d+$/.test(x)))) {
      throw new TaskError(`--${flag}: "${k}" must be a non-negative integer (a decimal string for large values)`);
    }
    changes[k] = BigInt(x);
  }
  return changes;
}

/** A system contract name of the manifest, or an address. */
function resolveTarget(manifest: Manifest, nameOrAddress: string | undefined, flag: string): string {
  if (!nameOrAddress) throw new TaskError(`--${flag} is required: a system contract name (${SYSTEM_NAMES.join(", ")}) or an address`);
  if (isAddress(nameOrAddress)) return nameOrAddress;
  const entry = manifest.contracts[nameOrAddress];
  if (!entry) throw new TaskError(`--${flag} "${nameOrAddress}" is neither an address nor a deployed contract (${Object.keys(manifest.contracts).join(", ")})`);
  return entry.address;
}

/** `--signature` and `--args` encoded as calldata. */
function encodeCall(signature: string | undefined, args: string | undefined): string {
  if (!signature) throw new TaskError(`--signature is required for --action call, e.g. "setParams((uint256,uint256,uint256,uint256,uint256))"`);
  let fragment: FunctionFragment;
  try {
    fragment = FunctionFragment.from(`function ${signature}`);
  } catch (e) {
    throw new TaskError(`--signature "${signature}" is not a valid function signature: ${(e as Error).message}`);
  }
  let callArgs: unknown[] = [];
  if (args) {
    try {
      callArgs = JSON.parse(args) as unknown[];
      if (!Array.isArray(callArgs)) throw new Error("not an array");
    } catch (e) {
      throw new TaskError(`--args must be a JSON array: ${(e as Error).message}`);
    }
  }
  try {
    return new Interface([fragment]).encodeFunctionData(fragment, callArgs);
  } catch (e) {
    throw new TaskError(`--args do not match ${signature}: ${(e as Error).message}`);
  }
}

/** The typed action of `gov:propose`'s flags. */
function parseAction(manifest: Manifest, a: ProposeArgs): ProposalAction {
  switch (a.action) {
    case "approve-validator":
    case "remove-validator":
    case "release-validator":
      return { action: a.action, validator: parseAddress("address", a.address) };
    case "swap-validator":
      return { action: a.action, validator: parseAddress("address", a.address), newValidator: parseAddress("new-address", a.newAddress) };
    case "grant-cp":
    case "revoke-cp":
      return { action: a.action, account: parseAddress("address", a.address) };
    case "set-validator-params":
    case "set-slashing-params":
      return { action: a.action, changes: parseParamChanges("params", a.params) };
    case "council-members":
      return { action: a.action, members: parseAddressList("address", a.address ?? "", 5) };
    case "set-main-token-issuer":
      return { action: a.action, mainToken: parseAddress("address", a.address), issuer: parseAddress("new-address", a.newAddress) };
    case "unpause":
      return { action: a.action, target: resolveTarget(manifest, a.contract, "contract"), name: a.contract! };
    case "upgrade":
      return { action: a.action, target: resolveTarget(manifest, a.contract, "contract"), implementation: parseAddress("implementation", a.implementation), name: a.contract! };
    case "call": {
      const target = resolveTarget(manifest, a.target, "target");
      return { action: a.action, target, data: encodeCall(a.signature, a.args), summary: `call ${a.target}.${a.signature} ${a.args ?? "[]"}` };
    }
    default:
      throw new TaskError(`unknown --action "${a.action}"; one of: ${GOV_ACTIONS.join(", ")}`);
  }
}

/** The manifest's governor and the `--from` signer. */
async function governance(hre: HardhatRuntimeEnvironment, from: string): Promise<{ manifest: Manifest; signer: Signer; governor: string }> {
  const { manifest, signer, at } = await loadDeployment(hre, from);
  const governor = await (await at<{ getAddress(): Promise<string> }>("LuniverseGovernor")).getAddress();
  return { manifest, signer, governor };
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
    const { manifest, signer, governor } = await governance(hre, args.from);
    const action = parseAction(manifest, args);
    const contracts = Object.fromEntries(Object.values(manifest.contracts).map((c) => [c.name, c.address])) as ProposalActionContracts;
    const call = await proposalAction(hre.ethers.provider, { contracts, action });
    const description = args.description ?? `${call.summary} (proposed at ${new Date().toISOString()})`;
    const p = await propose(signer, { governor, targets: [call.target], calldatas: [call.data], description, what: "gov:propose" });
    console.log(`proposal ${p.proposalId}\n  ${call.summary}\n  voting from block ${p.snapshot + 1n} to ${p.deadline}; needs ${p.quorum} votes for`);
    return p.proposalId;
  });

task("gov:vote", "Votes on a proposal as a validator")
  .addParam("id", "Proposal id (printed by gov:propose)")
  .addOptionalParam("support", "for | against | abstain", "for")
  .addOptionalParam("reason", "Reason recorded with the vote", "")
  .addOptionalParam("from", "Account index or address of the voting validator", "0")
  .setAction(async (args: { id: string; support: string; reason: string; from: string }, hre) => {
    const proposalId = parseInteger("id", args.id);
    const support = args.support.toLowerCase();
    if (!(support in VOTE_SUPPORT)) throw new TaskError(`--support must be for, against or abstain, got "${args.support}"`);
    const { signer, governor } = await governance(hre, args.from);
    const v = await vote(signer, { governor, proposalId, support: support as VoteSupport, reason: args.reason });
    console.log(`voted ${args.support}; tally for ${v.tally.for} / against ${v.tally.against} / abstain ${v.tally.abstain}; needs ${v.quorum} for; state ${v.state}`);
  });

task("gov:execute", "Queues a passed proposal in the timelock, or executes it once its delay is over")
  .addParam("id", "Proposal id")
  .addOptionalParam("from", "Account index or address sending the transaction", "0")
  .setAction(async (args: { id: string; from: string }, hre) => {
    const proposalId = parseInteger("id", args.id);
    const { signer, governor } = await governance(hre, args.from);
    const r = await queueOrExecute(signer, { governor, proposalId });
    if (r.state === "Queued") console.log(`queued in the timelock; executable from ${new Date(Number(r.eta) * 1000).toISOString()} — run gov:execute again then`);
    else console.log(`executed proposal ${proposalId}`);
    return r.state;
  });
