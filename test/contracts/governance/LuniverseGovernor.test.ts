import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  deploySystemFixture,
  descriptionHash,
  executeProposal,
  joinValidator,
  mineTo,
  passProposal,
  proposeAndPass,
  queueProposal,
  timelockOperationId,
  waitTimelockDelay,
  type SystemFixture,
} from "../../fixtures/system";

/** IGovernor.ProposalState */
const State = { Pending: 0, Active: 1, Canceled: 2, Defeated: 3, Succeeded: 4, Queued: 5, Expired: 6, Executed: 7 };
const AGAINST = 0;
const FOR = 1;
const ABSTAIN = 2;

interface Proposal {
  id: bigint;
  targets: string[];
  values: bigint[];
  calldatas: string[];
  description: string;
}

/** A harmless proposal (grant CP_ROLE on the registry to `grantee`), proposed by `proposer`. */
async function propose(
  f: SystemFixture,
  description: string,
  proposer: HardhatEthersSigner = f.validators[0]!,
  grantee: string = f.outsiders[0]!.address,
): Promise<Proposal> {
  const targets = [await f.chainRegistry.getAddress()];
  const values = [0n];
  const calldatas = [f.chainRegistry.interface.encodeFunctionData("grantRole", [await f.chainRegistry.CP_ROLE(), grantee])];
  const id = await f.governor.hashProposal(targets, values, calldatas, descriptionHash(description));
  await (await f.governor.connect(proposer).propose(targets, values, calldatas, description)).wait();
  return { id, targets, values, calldatas, description };
}

async function latestBlock(): Promise<bigint> {
  return BigInt(await ethers.provider.getBlockNumber());
}

/** Mines so that the latest block is an epoch boundary (the next transaction is the epoch's second block). */
async function mineToEpochBoundary(f: SystemFixture): Promise<bigint> {
  const now = await latestBlock();
  const next = await f.validatorSet.epochStartBlock((await f.validatorSet.epochOf(now)) + 1n);
  await mineTo(next);
  return next;
}

/** Approves `candidates` by governance (one proposal), funds them with the minimum stake; does not stake. */
async function approveAndFund(f: SystemFixture, candidates: HardhatEthersSigner[], description: string): Promise<void> {
  const vs = await f.validatorSet.getAddress();
  await passProposal(
    f,
    candidates.map(() => vs),
    candidates.map(() => 0n),
    candidates.map((c) => f.validatorSet.interface.encodeFunctionData("approveCandidate", [c.address])),
    description,
  );
  for (const c of candidates) {
    await f.stakingToken.connect(f.deployer).transfer(c.address, f.config.validatorSet.minStake);
    await f.stakingToken.connect(c).approve(vs, f.config.validatorSet.minStake);
  }
}

describe("LuniverseGovernor", function () {
  describe("configuration", function () {
    it("reports name, voting delay and period from the config and a proposal threshold of one vote", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(await f.governor.name()).to.equal("LuniverseGovernor");
      expect(await f.governor.votingDelay()).to.equal(f.config.governance.votingDelay);
      expect(await f.governor.votingPeriod()).to.equal(f.config.governance.votingPeriod);
      expect(await f.governor.proposalThreshold()).to.equal(1n);
      expect(await f.governor.timelock()).to.equal(await f.timelock.getAddress());
      expect(await f.governor.validatorSet()).to.equal(await f.validatorSet.getAddress());
    });

    it("counts bravo-style with a quorum of for-votes (COUNTING_MODE)", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(await f.governor.COUNTING_MODE()).to.equal("support=bravo&quorum=for");
    });

    it("uses block numbers as its clock (CLOCK_MODE, clock)", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(await f.governor.CLOCK_MODE()).to.equal("mode=blocknumber&from=default");
      const block = await latestBlock();
      // a view runs in the context of the latest (or the pending) block
      expect(await f.governor.clock()).to.be.oneOf([block, block + 1n]);
      await mine(5);
      expect((await f.governor.clock()) - block).to.be.oneOf([5n, 6n]);
    });

    it("gives a validator one vote and anyone else none (getVotes)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const block = (await latestBlock()) - 1n;
      expect(await f.governor.getVotes(f.validators[0]!.address, block)).to.equal(1n);
      expect(await f.governor.getVotes(f.outsiders[0]!.address, block)).to.equal(0n);
      expect(await f.governor.getVotes(f.deployer.address, block)).to.equal(0n);
    });

    it("rejects a zero validator set or timelock at initialisation (LuniverseGovernorZeroAddress)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = await ethers.getContractFactory("LuniverseGovernor");
      const vs = await f.validatorSet.getAddress();
      const tl = await f.timelock.getAddress();
      await expect(upgrades.deployProxy(factory, [ethers.ZeroAddress, tl, 0, 10], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "LuniverseGovernorZeroAddress")
        .withArgs("validatorSet");
      await expect(upgrades.deployProxy(factory, [vs, ethers.ZeroAddress, 0, 10], { kind: "uups" }))
        .to.be.revertedWithCustomError(factory, "LuniverseGovernorZeroAddress")
        .withArgs("timelock");
    });

    it("cannot be initialised again", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(
        f.governor.initialize(await f.validatorSet.getAddress(), await f.timelock.getAddress(), 0, 10),
      ).to.be.revertedWithCustomError(f.governor, "InvalidInitialization");
    });
  });

  describe("proposing", function () {
    it("accepts a proposal by a validator (ProposalCreated; Active from the next block)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const v0 = f.validators[0]!;
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [
        f.chainRegistry.interface.encodeFunctionData("grantRole", [await f.chainRegistry.CP_ROLE(), f.outsiders[0]!.address]),
      ];
      const description = "Grant CP_ROLE to outsider 0";
      const id = await f.governor.hashProposal(targets, [0n], calldatas, descriptionHash(description));
      const proposalBlock = (await latestBlock()) + 1n;
      const snapshot = proposalBlock + BigInt(f.config.governance.votingDelay);
      const deadline = snapshot + BigInt(f.config.governance.votingPeriod);
      await expect(f.governor.connect(v0).propose(targets, [0n], calldatas, description))
        .to.emit(f.governor, "ProposalCreated")
        .withArgs(id, v0.address, targets, [0n], [""], calldatas, snapshot, deadline, description);
      expect(await f.governor.proposalProposer(id)).to.equal(v0.address);
      expect(await f.governor.proposalSnapshot(id)).to.equal(snapshot);
      expect(await f.governor.proposalDeadline(id)).to.equal(deadline);
      await mine(1);
      expect(await f.governor.state(id)).to.equal(State.Active);
    });

    it("rejects a proposal by a non-validator (GovernorInsufficientProposerVotes)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const outsider = f.outsiders[0]!;
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("unpause")];
      await expect(f.governor.connect(outsider).propose(targets, [0n], calldatas, "by an outsider"))
        .to.be.revertedWithCustomError(f.governor, "GovernorInsufficientProposerVotes")
        .withArgs(outsider.address, 0n, 1n);
      // neither the deployer nor a council member has a vote
      await expect(f.governor.connect(f.deployer).propose(targets, [0n], calldatas, "by the deployer"))
        .to.be.revertedWithCustomError(f.governor, "GovernorInsufficientProposerVotes")
        .withArgs(f.deployer.address, 0n, 1n);
      await expect(f.governor.connect(f.councilSigners[0]!).propose(targets, [0n], calldatas, "by a council member"))
        .to.be.revertedWithCustomError(f.governor, "GovernorInsufficientProposerVotes")
        .withArgs(f.councilSigners[0]!.address, 0n, 1n);
    });
  });

  describe("quorum", function () {
    it("is floor(2n/3)+1 of the validators in force at the timepoint (n = 4, 5, 6, 7)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const formula = (n: bigint): bigint => (2n * n) / 3n + 1n;
      const genesisBlock = await latestBlock();
      expect(await f.validatorSet.validatorCountAt(genesisBlock)).to.equal(4n);
      expect(await f.governor.quorum(genesisBlock)).to.equal(3n);

      const candidates = f.outsiders.slice(0, 3);
      await approveAndFund(f, candidates, "Approve three candidates");
      const effective: bigint[] = [];
      for (const c of candidates) {
        // one candidate per epoch, so the set grows 5, 6, 7 at successive boundaries
        await mineToEpochBoundary(f);
        const tx = await f.validatorSet.connect(c).stake(f.config.validatorSet.minStake);
        const e = await f.validatorSet.nextEpochStartBlock();
        await expect(tx).to.emit(f.validatorSet, "ValidatorAdded").withArgs(c.address, e);
        effective.push(e);
      }
      await mineTo(effective[2]!);
      expect(await f.governor.quorum(genesisBlock)).to.equal(3n);
      expect(await f.governor.quorum(effective[0]! - 1n)).to.equal(3n);
      for (const [i, n] of [5n, 6n, 7n].entries()) {
        expect(await f.validatorSet.validatorCountAt(effective[i]!)).to.equal(n);
        expect(await f.governor.quorum(effective[i]!)).to.equal(formula(n));
      }
      expect(formula(5n)).to.equal(4n);
      expect(formula(6n)).to.equal(5n);
      expect(formula(7n)).to.equal(5n);
    });
  });

  describe("voting and counting", function () {
    it("defeats a proposal with 2 of 4 validators For (quorum 3 not reached)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "two for");
      await f.governor.connect(f.validators[0]!).castVote(p.id, FOR);
      await f.governor.connect(f.validators[1]!).castVote(p.id, FOR);
      await mineTo(await f.governor.proposalDeadline(p.id));
      await mine(1);
      expect(await f.governor.state(p.id)).to.equal(State.Defeated);
      await expect(f.governor.queue(p.targets, p.values, p.calldatas, descriptionHash(p.description)))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState");
    });

    it("passes a proposal with 3 of 4 validators For, even with the fourth Against", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "three for");
      for (const v of f.validators.slice(0, 3)) await f.governor.connect(v).castVote(p.id, FOR);
      await f.governor.connect(f.validators[3]!).castVote(p.id, AGAINST);
      await mineTo(await f.governor.proposalDeadline(p.id));
      await mine(1);
      expect(await f.governor.state(p.id)).to.equal(State.Succeeded);
    });

    it("does not pass 2 For + 2 Abstain (abstentions do not count toward the 2/3)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "two for two abstain");
      await f.governor.connect(f.validators[0]!).castVote(p.id, FOR);
      await f.governor.connect(f.validators[1]!).castVote(p.id, FOR);
      await f.governor.connect(f.validators[2]!).castVote(p.id, ABSTAIN);
      await f.governor.connect(f.validators[3]!).castVote(p.id, ABSTAIN);
      await mineTo(await f.governor.proposalDeadline(p.id));
      await mine(1);
      expect(await f.governor.state(p.id)).to.equal(State.Defeated);
    });

    it("counts Against, For and Abstain separately in proposalVotes (VoteCast with weight 1)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "mixed votes");
      const [v0, v1, v2] = f.validators as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
      await expect(f.governor.connect(v0).castVote(p.id, FOR))
        .to.emit(f.governor, "VoteCast")
        .withArgs(v0.address, p.id, FOR, 1n, "");
      await expect(f.governor.connect(v1).castVoteWithReason(p.id, AGAINST, "no"))
        .to.emit(f.governor, "VoteCast")
        .withArgs(v1.address, p.id, AGAINST, 1n, "no");
      await expect(f.governor.connect(v2).castVote(p.id, ABSTAIN))
        .to.emit(f.governor, "VoteCast")
        .withArgs(v2.address, p.id, ABSTAIN, 1n, "");
      const [against, forVotes, abstain] = await f.governor.proposalVotes(p.id);
      expect([against, forVotes, abstain]).to.deep.equal([1n, 1n, 1n]);
      expect(await f.governor.hasVoted(p.id, v0.address)).to.equal(true);
      expect(await f.governor.hasVoted(p.id, v1.address)).to.equal(true);
      expect(await f.governor.hasVoted(p.id, f.validators[3]!.address)).to.equal(false);
    });

    it("rejects a second vote by the same validator (GovernorAlreadyCastVote)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "double vote");
      const v0 = f.validators[0]!;
      await f.governor.connect(v0).castVote(p.id, FOR);
      await expect(f.governor.connect(v0).castVote(p.id, FOR))
        .to.be.revertedWithCustomError(f.governor, "GovernorAlreadyCastVote")
        .withArgs(v0.address);
      await expect(f.governor.connect(v0).castVote(p.id, AGAINST))
        .to.be.revertedWithCustomError(f.governor, "GovernorAlreadyCastVote")
        .withArgs(v0.address);
      const [, forVotes] = await f.governor.proposalVotes(p.id);
      expect(forVotes).to.equal(1n);
    });

    it("rejects a vote by a non-validator (LuniverseGovernorNotValidator with the snapshot)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "outsider votes");
      const snapshot = await f.governor.proposalSnapshot(p.id);
      const outsider = f.outsiders[1]!;
      await expect(f.governor.connect(outsider).castVote(p.id, FOR))
        .to.be.revertedWithCustomError(f.governor, "LuniverseGovernorNotValidator")
        .withArgs(outsider.address, snapshot);
      await expect(f.governor.connect(f.councilSigners[0]!).castVote(p.id, AGAINST))
        .to.be.revertedWithCustomError(f.governor, "LuniverseGovernorNotValidator")
        .withArgs(f.councilSigners[0]!.address, snapshot);
    });

    it("rejects support value 3 from a validator (LuniverseGovernorInvalidVoteType)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "bad support");
      await expect(f.governor.connect(f.validators[1]!).castVote(p.id, 3))
        .to.be.revertedWithCustomError(f.governor, "LuniverseGovernorInvalidVoteType")
        .withArgs(3);
      expect(await f.governor.hasVoted(p.id, f.validators[1]!.address)).to.equal(false);
    });

    it("rejects a vote after the deadline (GovernorUnexpectedProposalState)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await propose(f, "late vote");
      await mineTo(await f.governor.proposalDeadline(p.id));
      await expect(f.governor.connect(f.validators[0]!).castVote(p.id, FOR)).to.be.revertedWithCustomError(
        f.governor,
        "GovernorUnexpectedProposalState",
      );
    });

    it("rejects a validator's vote on an unknown proposal as nonexistent (GovernorNonexistentProposal)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(f.governor.connect(f.validators[0]!).castVote(12345n, FOR))
        .to.be.revertedWithCustomError(f.governor, "GovernorNonexistentProposal")
        .withArgs(12345n);
    });
  });

  describe("membership at the snapshot", function () {
    it("lets a validator that joined before the proposal propose and vote (joinValidator)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const newcomer = f.outsiders[0]!;
      await joinValidator(f, newcomer);
      expect(await f.validatorSet.isActiveValidator(newcomer.address)).to.equal(true);
      const p = await propose(f, "by the newcomer", newcomer);
      expect(await f.governor.quorum(await f.governor.proposalSnapshot(p.id))).to.equal(4n);
      await expect(f.governor.connect(newcomer).castVote(p.id, FOR))
        .to.emit(f.governor, "VoteCast")
        .withArgs(newcomer.address, p.id, FOR, 1n, "");
    });

    it("does not let a validator that entered the set after the proposal vote", async function () {
      const f = await loadFixture(deploySystemFixture);
      const newcomer = f.outsiders[0]!;
      await approveAndFund(f, [newcomer], "Approve the newcomer");
      await mineToEpochBoundary(f);
      await f.validatorSet.connect(newcomer).stake(f.config.validatorSet.minStake);
      const effective = await f.validatorSet.nextEpochStartBlock();
      const p = await propose(f, "before the newcomer");
      const snapshot = await f.governor.proposalSnapshot(p.id);
      expect(snapshot).to.be.lessThan(effective);
      await mineTo(effective);
      expect(await f.validatorSet.isActiveValidator(newcomer.address)).to.equal(true);
      expect(await f.governor.state(p.id)).to.equal(State.Active);
      await expect(f.governor.connect(newcomer).castVote(p.id, FOR))
        .to.be.revertedWithCustomError(f.governor, "LuniverseGovernorNotValidator")
        .withArgs(newcomer.address, snapshot);
      // the quorum is still that of the 4 validators at the snapshot
      expect(await f.governor.quorum(snapshot)).to.equal(3n);
    });

    it("still lets a validator removed by governance after the proposal vote", async function () {
      const f = await loadFixture(deploySystemFixture);
      const leaving = f.validators[3]!;
      const vs = await f.validatorSet.getAddress();
      const removal = {
        targets: [vs],
        values: [0n],
        calldatas: [f.validatorSet.interface.encodeFunctionData("removeValidator", [leaving.address])],
        description: "Remove validator 4",
      };
      await proposeAndPass(f, removal.targets, removal.values, removal.calldatas, removal.description);
      await mineToEpochBoundary(f);
      const p = await propose(f, "before the removal");
      const snapshot = await f.governor.proposalSnapshot(p.id);
      await f.governor.queue(removal.targets, removal.values, removal.calldatas, descriptionHash(removal.description));
      await waitTimelockDelay(f);
      const tx = await executeProposal(f, removal.targets, removal.values, removal.calldatas, removal.description);
      const effective = await f.validatorSet.nextEpochStartBlock();
      await expect(tx).to.emit(f.validatorSet, "ValidatorRemoved").withArgs(leaving.address, effective);
      await mineTo(effective);
      expect(await f.validatorSet.isActiveValidator(leaving.address)).to.equal(false);
      expect(await f.governor.state(p.id)).to.equal(State.Active);
      await expect(f.governor.connect(leaving).castVote(p.id, FOR))
        .to.emit(f.governor, "VoteCast")
        .withArgs(leaving.address, p.id, FOR, 1n, "");
      expect(await f.validatorSet.isValidatorAt(leaving.address, snapshot)).to.equal(true);
      const [, forVotes] = await f.governor.proposalVotes(p.id);
      expect(forVotes).to.equal(1n);
    });
  });

  describe("full flow: propose → vote → queue → execute", function () {
    it("approves a new validator candidate, which enters the set at the next epoch after staking", async function () {
      const f = await loadFixture(deploySystemFixture);
      const candidate = f.outsiders[0]!;
      const vs = await f.validatorSet.getAddress();
      const targets = [vs];
      const values = [0n];
      const calldatas = [f.validatorSet.interface.encodeFunctionData("approveCandidate", [candidate.address])];
      const description = "Approve candidate outsider 0";
      const id = await queueProposal(f, targets, values, calldatas, description);
      expect(await f.governor.state(id)).to.equal(State.Queued);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, values, calldatas, description))
        .to.emit(f.validatorSet, "CandidateApproved")
        .withArgs(candidate.address)
        .and.to.emit(f.governor, "ProposalExecuted")
        .withArgs(id);
      expect(await f.governor.state(id)).to.equal(State.Executed);
      expect((await f.validatorSet.getValidator(candidate.address)).approved).to.equal(true);
      expect(await f.validatorSet.isActiveValidator(candidate.address)).to.equal(false);

      const stake = f.config.validatorSet.minStake;
      await f.stakingToken.connect(f.deployer).transfer(candidate.address, stake);
      await f.stakingToken.connect(candidate).approve(vs, stake);
      const tx = await f.validatorSet.connect(candidate).stake(stake);
      const effective = await f.validatorSet.nextEpochStartBlock();
      await expect(tx).to.emit(f.validatorSet, "ValidatorAdded").withArgs(candidate.address, effective);
      await mineTo(effective - 1n);
      expect(await f.validatorSet.isValidatorAt(candidate.address, effective - 1n)).to.equal(false);
      await mine(1);
      expect(await f.validatorSet.isActiveValidator(candidate.address)).to.equal(true);
      expect(await f.validatorSet.validatorCountAt(effective)).to.equal(5n);
      expect(await f.validatorSet.getValidators()).to.include(candidate.address);
    });

    it("removes a validator, which leaves the set at the next epoch", async function () {
      const f = await loadFixture(deploySystemFixture);
      const gone = f.validators[3]!;
      const targets = [await f.validatorSet.getAddress()];
      const calldatas = [f.validatorSet.interface.encodeFunctionData("removeValidator", [gone.address])];
      const description = "Remove validator 4";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      const tx = await executeProposal(f, targets, [0n], calldatas, description);
      const effective = await f.validatorSet.nextEpochStartBlock();
      await expect(tx)
        .to.emit(f.validatorSet, "CandidateApprovalRevoked")
        .withArgs(gone.address)
        .and.to.emit(f.validatorSet, "ValidatorRemoved")
        .withArgs(gone.address, effective);
      expect(await f.validatorSet.isActiveValidator(gone.address)).to.equal(true);
      await mineTo(effective);
      expect(await f.validatorSet.isActiveValidator(gone.address)).to.equal(false);
      expect(await f.validatorSet.validatorCountAt(effective)).to.equal(3n);
      expect(await f.governor.quorum(effective)).to.equal(3n);
      // its stake stays its own
      expect((await f.validatorSet.getValidator(gone.address)).stake).to.equal(f.config.validatorSet.minStake);
    });

    it("changes the validator-set parameters (setParams)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const old = await f.validatorSet.params();
      const params = {
        maxValidators: 30n,
        minStake: 2_000n * 10n ** 18n,
        epochLength: old.epochLength,
        unbondingPeriod: 40n,
        jailPeriod: 15n,
      };
      const targets = [await f.validatorSet.getAddress()];
      const calldatas = [f.validatorSet.interface.encodeFunctionData("setParams", [params])];
      const description = "Raise the minimum stake";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description)).to.emit(f.validatorSet, "ParamsChanged");
      const now = await f.validatorSet.params();
      expect([now.maxValidators, now.minStake, now.epochLength, now.unbondingPeriod, now.jailPeriod]).to.deep.equal([
        params.maxValidators,
        params.minStake,
        params.epochLength,
        params.unbondingPeriod,
        params.jailPeriod,
      ]);
    });

    it("changes the slashing parameters (Slashing.setParams)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const params = {
        reportSlashBps: 2_000n,
        doubleSignSlashBps: 6_000n,
        downtimeSlashBps: 500n,
        spamSlashBps: 50n,
        maxReportAge: 300n,
        maxReportsPerEpoch: 5n,
        misdemeanorThreshold: 10n,
        felonyThreshold: 30n,
        downtimeWindow: 1_000n,
      };
      const targets = [await f.slashing.getAddress()];
      const calldatas = [f.slashing.interface.encodeFunctionData("setParams", [params])];
      const description = "Tighten slashing";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.slashing, "ParamsChanged")
        .withArgs(Object.values(params));
      const now = await f.slashing.params();
      expect(now.reportSlashBps).to.equal(params.reportSlashBps);
      expect(now.felonyThreshold).to.equal(params.felonyThreshold);
      expect(now.downtimeWindow).to.equal(params.downtimeWindow);
    });

    it("grants CP_ROLE on the product-chain registry", async function () {
      const f = await loadFixture(deploySystemFixture);
      const cp = f.outsiders[2]!;
      const role = await f.chainRegistry.CP_ROLE();
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("grantRole", [role, cp.address])];
      const description = "New consortium partner";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.chainRegistry, "RoleGranted")
        .withArgs(role, cp.address, await f.timelock.getAddress());
      expect(await f.chainRegistry.hasRole(role, cp.address)).to.equal(true);
    });

    it("upgrades a UUPS system contract (ValidatorSet) to a storage-compatible implementation, keeping its state", async function () {
      const f = await loadFixture(deploySystemFixture);
      const proxy = await f.validatorSet.getAddress();
      const oldImpl = await upgrades.erc1967.getImplementationAddress(proxy);
      const validatorsBefore = await f.validatorSet.getValidators();
      const paramsBefore = await f.validatorSet.params();
      // prepareUpgrade runs the storage-layout check and deploys the new implementation
      const factory = await ethers.getContractFactory("ValidatorSet");
      const newImpl = (await upgrades.prepareUpgrade(proxy, factory, {
        kind: "uups",
        redeployImplementation: "always",
      })) as string;
      expect(newImpl).to.not.equal(oldImpl);

      const targets = [proxy];
      const calldatas = [f.validatorSet.interface.encodeFunctionData("upgradeToAndCall", [newImpl, "0x"])];
      const description = "Upgrade ValidatorSet";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.validatorSet, "Upgraded")
        .withArgs(newImpl);
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(newImpl);
      expect(await f.validatorSet.getValidators()).to.deep.equal(validatorsBefore);
      expect((await f.validatorSet.params()).minStake).to.equal(paramsBefore.minStake);
      expect((await f.validatorSet.getValidator(f.validators[0]!.address)).stake).to.equal(f.config.validatorSet.minStake);
      expect(await f.validatorSet.hasRole(await f.validatorSet.GOVERNANCE_ROLE(), await f.timelock.getAddress())).to.equal(true);
    });

    it("upgrades the governor itself through a proposal", async function () {
      const f = await loadFixture(deploySystemFixture);
      const proxy = await f.governor.getAddress();
      const factory = await ethers.getContractFactory("LuniverseGovernor");
      const newImpl = (await upgrades.prepareUpgrade(proxy, factory, {
        kind: "uups",
        redeployImplementation: "always",
      })) as string;
      const targets = [proxy];
      const calldatas = [f.governor.interface.encodeFunctionData("upgradeToAndCall", [newImpl, "0x"])];
      const id = await passProposal(f, targets, [0n], calldatas, "Upgrade the governor");
      expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(newImpl);
      expect(await f.governor.state(id)).to.equal(State.Executed);
      expect(await f.governor.votingPeriod()).to.equal(f.config.governance.votingPeriod);
    });

    it("changes its own voting period through a proposal (VotingPeriodSet)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const targets = [await f.governor.getAddress()];
      const calldatas = [f.governor.interface.encodeFunctionData("setVotingPeriod", [12])];
      const description = "Longer votes";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.governor, "VotingPeriodSet")
        .withArgs(f.config.governance.votingPeriod, 12);
      expect(await f.governor.votingPeriod()).to.equal(12n);
    });

    it("cannot execute before the timelock delay (TimelockUnexpectedOperationState)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [
        f.chainRegistry.interface.encodeFunctionData("grantRole", [await f.chainRegistry.CP_ROLE(), f.outsiders[0]!.address]),
      ];
      const description = "Too early";
      const id = await queueProposal(f, targets, [0n], calldatas, description);
      const opId = await timelockOperationId(f, targets, [0n], calldatas, description);
      expect(await f.timelock.isOperationPending(opId)).to.equal(true);
      expect(await f.timelock.isOperationReady(opId)).to.equal(false);
      const readyBitmap = ethers.toBeHex(1n << 2n, 32); // 1 << OperationState.Ready
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.be.revertedWithCustomError(f.timelock, "TimelockUnexpectedOperationState")
        .withArgs(opId, readyBitmap);
      expect(await f.governor.state(id)).to.equal(State.Queued);
      const eta = await f.governor.proposalEta(id);
      const block = await ethers.provider.getBlock("latest");
      expect(eta - BigInt(block!.timestamp)).to.be.greaterThan(0n);
      expect(eta - BigInt(block!.timestamp)).to.be.lessThanOrEqual(BigInt(f.config.governance.timelockDelay));
    });

    it("cannot execute a proposal that was not queued", async function () {
      const f = await loadFixture(deploySystemFixture);
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("unpause")];
      const description = "Not queued";
      const id = await proposeAndPass(f, targets, [0n], calldatas, description);
      expect(await f.governor.state(id)).to.equal(State.Succeeded);
      const opId = await timelockOperationId(f, targets, [0n], calldatas, description);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.be.revertedWithCustomError(f.timelock, "TimelockUnexpectedOperationState")
        .withArgs(opId, ethers.toBeHex(1n << 2n, 32));
    });
  });

  describe("governor-only functions", function () {
    it("rejects relay from an outsider (GovernorOnlyExecutor)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const outsider = f.outsiders[0]!;
      await expect(f.governor.connect(outsider).relay(outsider.address, 0, "0x"))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(outsider.address);
    });

    it("rejects setting voting period, delay, threshold or timelock directly (GovernorOnlyExecutor)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const v0 = f.validators[0]!;
      await expect(f.governor.connect(v0).setVotingPeriod(1))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(v0.address);
      await expect(f.governor.connect(v0).setVotingDelay(1))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(v0.address);
      await expect(f.governor.connect(v0).setProposalThreshold(0))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(v0.address);
      await expect(f.governor.connect(f.deployer).updateTimelock(f.deployer.address))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(f.deployer.address);
    });

    it("rejects an upgrade of the governor by an outsider (GovernorOnlyExecutor)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const outsider = f.outsiders[0]!;
      const impl = await upgrades.erc1967.getImplementationAddress(await f.governor.getAddress());
      await expect(f.governor.connect(outsider).upgradeToAndCall(impl, "0x"))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(outsider.address);
      await expect(f.governor.connect(f.deployer).upgradeToAndCall(impl, "0x"))
        .to.be.revertedWithCustomError(f.governor, "GovernorOnlyExecutor")
        .withArgs(f.deployer.address);
    });
  });
});
