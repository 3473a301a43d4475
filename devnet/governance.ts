/**
 * Passing a proposal on the devnet's main chain: propose (validator 1), wait for the vote to open, every validator
 * votes for, wait for the deadline, queue, wait for the timelock, execute. Resumes a proposal already under way
 * (same targets, calldatas and description → same id).
 */
import { id as keccakText, type JsonRpcProvider, type Signer } from "ethers";
import { typechain } from "../lib/typechain";

export interface PassProposalOptions {
  provider: JsonRpcProvider;
  governor: string;
  /** Validators' signers (connected); the first proposes. */
  validators: Signer[];
  targets: string[];
  calldatas: string[];
  description: string;
  log?: (line: string) => void;
  /** Give up after this long (default 120 s). */
  timeoutMs?: number;
}

const STATES = ["Pending", "Active", "Canceled", "Defeated", "Succeeded", "Queued", "Expired", "Executed"] as const;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function passProposal(o: PassProposalOptions): Promise<bigint> {
  const log = o.log ?? (() => undefined);
  const governor = typechain().LuniverseGovernor__factory.connect(o.governor, o.validators[0]!);
  const values = o.targets.map(() => 0n);
  const descriptionHash = keccakText(o.description);
  const id = await governor.hashProposal(o.targets, values, o.calldatas, descriptionHash);
  const deadline = Date.now() + (o.timeoutMs ?? 120_000);
  const state = async (): Promise<(typeof STATES)[number] | "None"> => {
    try {
      return STATES[Number(await governor.state(id))]!;
    } catch {
      return "None"; // GovernorNonexistentProposal
    }
  };
  const until = async (what: string, ok: (s: string) => boolean): Promise<string> => {
    for (;;) {
      const s = await state();
      if (ok(s)) return s;
      if (["Canceled", "Defeated", "Expired"].includes(s)) throw new Error(`proposal "${o.description}" is ${s}; start the devnet again with --reset`);
      if (Date.now() > deadline) throw new Error(`proposal "${o.description}": timed out waiting for ${what} (state ${s})`);
      await sleep(300);
    }
  };

  let s: string = await state();
  if (s === "None") {
    await (await governor.propose(o.targets, values, o.calldatas, o.description)).wait();
    log(`governance: proposed "${o.description}"`);
    s = await state();
  }
  if (s === "Pending" || s === "Active") {
    await until("the vote to open", (x) => x !== "Pending");
    const voters = [];
    for (const v of o.validators) {
      const g = governor.connect(v);
      if (!(await g.hasVoted(id, await v.getAddress()))) voters.push(g.castVote(id, 1).then((tx) => tx.wait()));
    }
    await Promise.all(voters);
    log(`governance: ${o.validators.length} validator(s) voted for`);
    s = await until("the end of the vote", (x) => x !== "Active");
  }
  if (s === "Succeeded") {
    await (await governor.queue(o.targets, values, o.calldatas, descriptionHash)).wait();
    s = "Queued";
  }
  if (s === "Queued") {
    const eta = await governor.proposalEta(id);
    for (;;) {
      const block = await o.provider.getBlock("latest");
      if (block && BigInt(block.timestamp) >= eta) break;
      if (Date.now() > deadline) throw new Error(`proposal "${o.description}": timed out in the timelock`);
      await sleep(300);
    }
    await (await governor.execute(o.targets, values, o.calldatas, descriptionHash)).wait();
    log(`governance: executed "${o.description}"`);
  } else if (s !== "Executed") {
    throw new Error(`proposal "${o.description}" is ${s}`);
  }
  return id;
}
