import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem } from "../../../deploy/system";
import { resolveConfig } from "../../../deploy/config";
import { deploySystemFixture, hardhatClock, TEST_CONFIG_INPUT, type SystemFixture, expectErrorCode } from "../../fixtures/system";
import { pollingClock } from "../../../ops/clock";
import { passProposal } from "../../../ops/governance/passProposal";
import { propose } from "../../../ops/governance/propose";
import { vote } from "../../../ops/governance/vote";
import { queue } from "../../../ops/governance/queue";
import { execute } from "../../../ops/governance/execute";
import { proposalCalls, queueOrExecute } from "../../../ops/governance/queueOrExecute";
import { proposalState } from "../../../ops/governance/proposal";

/** A harmless proposal: grant the CP role on the registry to outsider `i`. */
async function grantCall(f: SystemFixture, description: string, i = 0) {
  const registry = await f.chainRegistry.getAddress();
  const data = f.chainRegistry.interface.encodeFunctionData("grantRole", [await f.chainRegistry.CP_ROLE(), f.outsiders[i]!.address]);
  return { governor: await f.governor.getAddress(), targets: [registry], calldatas: [data], description };
}

describe("ops/governance", function () {
  describe("passProposal", function () {
    it("passes a proposal end to end: every given validator votes, then queue and execute", async function () {
      const f = await loadFixture(deploySystemFixture);
      const call = await grantCall(f, "ops: grant outsider 0");
      const lines: string[] = [];
      const r = await passProposal({ provider: ethers.provider, validators: f.validators }, { ...call, clock: hardhatClock, log: (l) => lines.push(l) });
      expect(r.state).to.equal("Executed");
      expect(await f.chainRegistry.hasRole(await f.chainRegistry.CP_ROLE(), f.outsiders[0]!.address)).to.equal(true);
      for (const v of f.validators) expect(await f.governor.hasVoted(r.proposalId, v.address)).to.equal(true);
      expect(lines).to.deep.equal([`governance: proposed "ops: grant outsider 0"`, "governance: 4 validator(s) voted for", `governance: executed "ops: grant outsider 0"`]);
    });

    it("stops where asked and resumes the same proposal, skipping the steps already done", async function () {
      const f = await loadFixture(deploySystemFixture);
      const call = await grantCall(f, "ops: resumable");
      const clients = { provider: ethers.provider, validators: f.validators };
      const first = await passProposal(clients, { ...call, votes: "quorum", until: "Succeeded", clock: hardhatClock });
      expect(first.state).to.equal("Succeeded");
      // the quorum (3 of 4) voted, in the order given
      expect(await f.governor.hasVoted(first.proposalId, f.validators[3]!.address)).to.equal(false);
      const queued = await passProposal(clients, { ...call, until: "Queued", clock: hardhatClock });
      expect(queued).to.deep.equal({ proposalId: first.proposalId, state: "Queued" });
      const executed = await passProposal(clients, { ...call, clock: hardhatClock });
      expect(executed).to.deep.equal({ proposalId: first.proposalId, state: "Executed" });
      const block = await ethers.provider.getBlockNumber();
      expect(await passProposal(clients, { ...call, clock: hardhatClock })).to.deep.equal({ proposalId: first.proposalId, state: "Executed" });
      expect(await ethers.provider.getBlockNumber(), "nothing sent for an executed proposal").to.equal(block);
    });

    it("skips a given signer with no vote at the snapshot", async function () {
      const f = await loadFixture(deploySystemFixture);
      const lines: string[] = [];
      const r = await passProposal(
        { provider: ethers.provider, validators: [...f.validators.slice(0, 3), f.outsiders[1]!] },
        { ...(await grantCall(f, "ops: with an outsider")), clock: hardhatClock, log: (l) => lines.push(l) },
      );
      expect(r.state).to.equal("Executed");
      expect(lines).to.include(`governance: ${f.outsiders[1]!.address} has no vote on this proposal (not a validator at block ${await f.governor.proposalSnapshot(r.proposalId)})`);
      expect(lines).to.include("governance: 3 validator(s) voted for");
    });

    it("waits for the vote to open when the governor has a voting delay", async function () {
      const config = resolveConfig({ ...TEST_CONFIG_INPUT, governance: { ...TEST_CONFIG_INPUT.governance, votingDelay: 3 } });
      const sys = await deploySystem(hre, { manifestDir: null, config });
      const validators = (await ethers.getSigners()).slice(1, 5);
      const registry = await sys.chainRegistry.getAddress();
      const data = sys.chainRegistry.interface.encodeFunctionData("grantRole", [await sys.chainRegistry.CP_ROLE(), validators[0]!.address]);
      const r = await passProposal(
        { provider: ethers.provider, validators },
        { governor: await sys.governor.getAddress(), targets: [registry], calldatas: [data], description: "ops: with a voting delay", clock: hardhatClock },
      );
      expect(r.state).to.equal("Executed");
    });

    it("needs a validator (OP_INVALID_PARAMETER)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expectErrorCode(passProposal({ provider: ethers.provider, validators: [] }, await grantCall(f, "ops: nobody")), "OP_INVALID_PARAMETER", /at least one validator/);
    });

    it("names a proposal that was defeated (OP_PRECONDITION)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const call = await grantCall(f, "ops: defeated");
      // two of four vote for: the quorum is three
      await expectErrorCode(
        passProposal({ provider: ethers.provider, validators: f.validators.slice(0, 2) }, { ...call, clock: hardhatClock }),
        "OP_PRECONDITION",
        /proposal "ops: defeated" is Defeated — too few validators voted for it/,
      );
    });

    it("gives up waiting on a chain that does not move (OP_TIMEOUT from the polling clock)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expectErrorCode(
        passProposal({ provider: ethers.provider, validators: f.validators }, { ...(await grantCall(f, "ops: stuck")), clock: pollingClock({ intervalMs: 20, timeoutMs: 100 }) }),
        "OP_TIMEOUT",
        /timed out after \d+ s waiting for the vote on proposal "ops: stuck" to open/,
      );
    });
  });

  describe("propose, vote, queue, execute", function () {
    it("each step returns what the next one needs", async function () {
      const f = await loadFixture(deploySystemFixture);
      const call = await grantCall(f, "ops: step by step");
      const p = await propose(f.validators[0]!, call);
      expect(p.quorum).to.equal(3n);
      expect(p.deadline - p.snapshot).to.equal(10n);
      // the vote opens after the snapshot block (a call at the latest block sees the proposal block)
      expect(await proposalState(f.governor, p.proposalId)).to.equal("Pending");
      await hardhatClock.waitForBlock(ethers.provider, p.snapshot + 1n, "the vote to open");
      expect(await proposalState(f.governor, p.proposalId)).to.equal("Active");
      const against = await vote(f.validators[3]!, { governor: call.governor, proposalId: p.proposalId, support: "against", reason: "no" });
      expect(against.tally).to.deep.equal({ against: 1n, for: 0n, abstain: 0n });
      for (const v of f.validators.slice(0, 3)) await vote(v, { governor: call.governor, proposalId: p.proposalId });
      await hardhatClock.waitForBlock(ethers.provider, p.deadline + 1n, "the deadline");
      const q = await queue(f.deployer, call);
      expect(q.proposalId).to.equal(p.proposalId);
      await expectErrorCode(execute(f.deployer, call), "OP_PRECONDITION", /is queued until .* \(\d+ s more\) — execute it once the timelock delay is over/);
      await time.increaseTo(q.eta);
      expect((await execute(f.deployer, call)).proposalId).to.equal(p.proposalId);
      expect(await proposalState(f.governor, p.proposalId)).to.equal("Executed");
    });

    it("a revert names the governor's error (a second vote, a non-validator proposing)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const call = await grantCall(f, "ops: reverts");
      await expectErrorCode(propose(f.outsiders[0]!, { ...call, what: "gov:propose" }), "CONTRACT_REVERT", /^gov:propose reverted with GovernorInsufficientProposerVotes/);
      const p = await propose(f.validators[0]!, call);
      await vote(f.validators[0]!, { governor: call.governor, proposalId: p.proposalId });
      await expectErrorCode(vote(f.validators[0]!, { governor: call.governor, proposalId: p.proposalId }), "CONTRACT_REVERT", /vote reverted with GovernorAlreadyCastVote/);
    });
  });

  describe("queueOrExecute", function () {
    it("queues a succeeded proposal, then executes it once the delay is over", async function () {
      const f = await loadFixture(deploySystemFixture);
      const call = await grantCall(f, "ops: by id");
      const { proposalId } = await passProposal({ provider: ethers.provider, validators: f.validators }, { ...call, until: "Succeeded", clock: hardhatClock });
      const calls = await proposalCalls(call.governor, f.deployer, proposalId);
      expect(calls).to.deep.equal({ targets: call.targets, values: [0n], calldatas: call.calldatas, description: call.description });
      const q = await queueOrExecute(f.deployer, { governor: call.governor, proposalId });
      expect(q.state).to.equal("Queued");
      await expectErrorCode(queueOrExecute(f.deployer, { governor: call.governor, proposalId }), "OP_PRECONDITION", /queued until/);
      await time.increase(61);
      expect((await queueOrExecute(f.deployer, { governor: call.governor, proposalId })).state).to.equal("Executed");
    });

    it("refuses an unknown id and a proposal in another state (OP_PRECONDITION)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const governor = await f.governor.getAddress();
      await expectErrorCode(queueOrExecute(f.deployer, { governor, proposalId: 123n }), "OP_PRECONDITION", /no proposal 123/);
      await expectErrorCode(proposalCalls(governor, f.deployer, 123n), "OP_PRECONDITION", /no proposal 123/);
      const p = await propose(f.validators[0]!, await grantCall(f, "ops: still active"));
      await mine(1);
      await expectErrorCode(
        queueOrExecute(f.deployer, { governor, proposalId: p.proposalId }),
        "OP_PRECONDITION",
        /is Active; only a Succeeded proposal can be queued and a Queued one executed/,
      );
    });
  });
});
