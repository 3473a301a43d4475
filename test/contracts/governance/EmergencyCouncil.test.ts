import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  deploySystemFixture,
  descriptionHash,
  executeProposal,
  impersonate,
  passProposal,
  proposeAndPass,
  queueProposal,
  timelockOperationId,
  waitTimelockDelay,
  type SystemFixture,
} from "../../fixtures/system";

const PAUSE = 0;
const VETO = 1;
/** IGovernor.ProposalState */
const Canceled = 2;
const Succeeded = 4;
const Queued = 5;

function subjectOf(address: string): string {
  return ethers.zeroPadValue(address, 32);
}

/** Members 0..2 approve a pause of `target` (member 0 submits). Returns the action id. */
async function pauseBy3(f: SystemFixture, target: string): Promise<bigint> {
  const [m0, m1, m2] = f.councilSigners as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
  const id = await f.council.connect(m0).submitPause.staticCall(target);
  await f.council.connect(m0).submitPause(target);
  await f.council.connect(m1).approve(id);
  await f.council.connect(m2).approve(id);
  return id;
}

/** A queued proposal (grants CP_ROLE on the registry to outsider 0) and its timelock operation id. */
async function queuedProposal(f: SystemFixture, description: string) {
  const targets = [await f.chainRegistry.getAddress()];
  const values = [0n];
  const calldatas = [
    f.chainRegistry.interface.encodeFunctionData("grantRole", [await f.chainRegistry.CP_ROLE(), f.outsiders[0]!.address]),
  ];
  const id = await queueProposal(f, targets, values, calldatas, description);
  const opId = await timelockOperationId(f, targets, values, calldatas, description);
  return { id, opId, targets, values, calldatas, description };
}

describe("EmergencyCouncil", function () {
  describe("setup", function () {
    it("has the five configured members, threshold 3 and the timelock", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(await f.council.members()).to.deep.equal(f.councilSigners.map((s) => s.address));
      expect(await f.council.MEMBERS()).to.equal(5n);
      expect(await f.council.THRESHOLD()).to.equal(3n);
      expect(await f.council.timelock()).to.equal(await f.timelock.getAddress());
      for (const m of f.councilSigners) expect(await f.council.isMember(m.address)).to.equal(true);
      expect(await f.council.isMember(f.outsiders[0]!.address)).to.equal(false);
      expect(await f.council.isMember(f.deployer.address)).to.equal(false);
    });

    it("holds no funds and has no function that moves value (ABI is exactly the listed functions, no receive/fallback)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const council = await f.council.getAddress();
      expect(await ethers.provider.getBalance(council)).to.equal(0n);
      expect(f.council.interface.fallback).to.equal(null);
      expect(f.council.interface.receive).to.equal(false);
      const functions = f.council.interface.fragments
        .filter((x): x is import("ethers").FunctionFragment => x.type === "function")
        .map((x) => x.name)
        .sort();
      expect(functions).to.deep.equal(
        [
          "MEMBERS",
          "THRESHOLD",
          "UPGRADE_INTERFACE_VERSION",
          "approve",
          "getAction",
          "hasApproved",
          "initialize",
          "isMember",
          "members",
          "proxiableUUID",
          "setMembers",
          "submitPause",
          "submitVeto",
          "timelock",
          "upgradeToAndCall",
        ].sort(),
      );
      // the only payable entry point is the governance-only UUPS upgrade
      const payable = f.council.interface.fragments
        .filter((x): x is import("ethers").FunctionFragment => x.type === "function")
        .filter((x) => x.payable)
        .map((x) => x.name);
      expect(payable).to.deep.equal(["upgradeToAndCall"]);
      // plain ether transfers are refused
      await expect(f.deployer.sendTransaction({ to: council, value: 1n })).to.be.reverted;
      expect(await ethers.provider.getBalance(council)).to.equal(0n);
    });

    it("rejects invalid members at initialisation (4, 6, duplicate, zero) with EmergencyCouncilInvalidMembers", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = await ethers.getContractFactory("EmergencyCouncil");
      const timelock = await f.timelock.getAddress();
      const m = f.councilSigners.map((s) => s.address);
      const invalid: [string, string[]][] = [
        ["four members", m.slice(0, 4)],
        ["six members", [...m, f.outsiders[0]!.address]],
        ["a duplicate", [m[0]!, m[1]!, m[2]!, m[3]!, m[0]!]],
        ["the zero address", [m[0]!, m[1]!, ethers.ZeroAddress, m[3]!, m[4]!]],
      ];
      for (const [what, members] of invalid) {
        await expect(upgrades.deployProxy(factory, [timelock, members], { kind: "uups" }), what).to.be.revertedWithCustomError(
          f.council,
          "EmergencyCouncilInvalidMembers",
        );
      }
    });

    it("rejects a zero timelock at initialisation (EmergencyCouncilZeroAddress)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = await ethers.getContractFactory("EmergencyCouncil");
      await expect(
        upgrades.deployProxy(factory, [ethers.ZeroAddress, f.councilSigners.map((s) => s.address)], { kind: "uups" }),
      )
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilZeroAddress")
        .withArgs("timelock");
    });

    it("initialises a fresh council with valid members (MembersChanged, version 1)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const factory = await ethers.getContractFactory("EmergencyCouncil");
      const members = f.outsiders.slice(0, 5).map((s) => s.address);
      const fresh = await upgrades.deployProxy(factory, [await f.timelock.getAddress(), members], { kind: "uups" });
      await expect(fresh.deploymentTransaction()).to.emit(fresh, "MembersChanged").withArgs(members, 1n);
      expect(await fresh.getFunction("members")()).to.deep.equal(members);
    });

    it("cannot be initialised again", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(
        f.council.initialize(await f.timelock.getAddress(), f.councilSigners.map((s) => s.address)),
      ).to.be.revertedWithCustomError(f.council, "InvalidInitialization");
    });
  });

  describe("membership checks", function () {
    it("lets only members submit or approve (EmergencyCouncilNotMember)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const outsider = f.outsiders[0]!;
      const vs = await f.validatorSet.getAddress();
      await expect(f.council.connect(outsider).submitPause(vs))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotMember")
        .withArgs(outsider.address);
      await expect(f.council.connect(f.validators[0]!).submitVeto(ethers.ZeroHash))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotMember")
        .withArgs(f.validators[0]!.address);
      await f.council.connect(f.councilSigners[0]!).submitPause(vs);
      await expect(f.council.connect(f.deployer).approve(0))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotMember")
        .withArgs(f.deployer.address);
    });
  });

  describe("pause", function () {
    it("pauses a system contract on the third approval (ActionExecuted; paused() true)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const [m0, m1, m2] = f.councilSigners as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
      const vs = await f.validatorSet.getAddress();
      const subject = subjectOf(vs);
      await expect(f.council.connect(m0).submitPause(vs))
        .to.emit(f.council, "ActionSubmitted")
        .withArgs(0n, PAUSE, subject, m0.address)
        .and.to.emit(f.council, "ActionApproved")
        .withArgs(0n, m0.address, 1n);
      await expect(f.council.connect(m1).approve(0)).to.emit(f.council, "ActionApproved").withArgs(0n, m1.address, 2n);
      expect(await f.validatorSet.paused()).to.equal(false);
      await expect(f.council.connect(m2).approve(0))
        .to.emit(f.council, "ActionApproved")
        .withArgs(0n, m2.address, 3n)
        .and.to.emit(f.council, "ActionExecuted")
        .withArgs(0n, PAUSE, subject)
        .and.to.emit(f.validatorSet, "Paused")
        .withArgs(await f.council.getAddress());
      expect(await f.validatorSet.paused()).to.equal(true);
      const action = await f.council.getAction(0);
      expect(action.kind).to.equal(PAUSE);
      expect(action.subject).to.equal(subject);
      expect(action.membersVersion).to.equal(1n);
      expect(action.approvals).to.equal(3n);
      expect(action.executed).to.equal(true);
      for (const m of [m0, m1, m2]) expect(await f.council.hasApproved(0, m.address)).to.equal(true);
      expect(await f.council.hasApproved(0, f.councilSigners[3]!.address)).to.equal(false);
      // the pause bites: staking is blocked
      await expect(f.validatorSet.connect(f.deployer).stakeFor(f.validators[0]!.address, 1n)).to.be.revertedWithCustomError(
        f.validatorSet,
        "EnforcedPause",
      );
    });

    it("does not pause with only 2 approvals", async function () {
      const f = await loadFixture(deploySystemFixture);
      const target = await f.slashing.getAddress();
      await f.council.connect(f.councilSigners[0]!).submitPause(target);
      await expect(f.council.connect(f.councilSigners[4]!).approve(0)).to.not.emit(f.council, "ActionExecuted");
      expect(await f.slashing.paused()).to.equal(false);
      const action = await f.council.getAction(0);
      expect(action.approvals).to.equal(2n);
      expect(action.executed).to.equal(false);
    });

    it("rejects a second approval by the same member (EmergencyCouncilAlreadyApproved)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const [m0, m1] = f.councilSigners as [HardhatEthersSigner, HardhatEthersSigner];
      await f.council.connect(m0).submitPause(await f.validatorSet.getAddress());
      await expect(f.council.connect(m0).approve(0))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilAlreadyApproved")
        .withArgs(0n, m0.address);
      await f.council.connect(m1).approve(0);
      await expect(f.council.connect(m1).approve(0))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilAlreadyApproved")
        .withArgs(0n, m1.address);
      expect((await f.council.getAction(0)).approvals).to.equal(2n);
    });

    it("rejects approving an action that does not exist (EmergencyCouncilUnknownAction)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(f.council.connect(f.councilSigners[0]!).approve(0))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilUnknownAction")
        .withArgs(0n);
      await f.council.connect(f.councilSigners[0]!).submitPause(await f.validatorSet.getAddress());
      await expect(f.council.connect(f.councilSigners[1]!).approve(1))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilUnknownAction")
        .withArgs(1n);
    });

    it("rejects approving an executed action (EmergencyCouncilAlreadyExecuted)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const id = await pauseBy3(f, await f.chainRegistry.getAddress());
      expect(await f.chainRegistry.paused()).to.equal(true);
      await expect(f.council.connect(f.councilSigners[3]!).approve(id))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilAlreadyExecuted")
        .withArgs(id);
    });

    it("rejects a pause of the zero address (EmergencyCouncilZeroAddress)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(f.council.connect(f.councilSigners[0]!).submitPause(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilZeroAddress")
        .withArgs("target");
    });

    it("cannot unpause: neither the council contract nor a member holds GOVERNANCE_ROLE", async function () {
      const f = await loadFixture(deploySystemFixture);
      await pauseBy3(f, await f.validatorSet.getAddress());
      const role = await f.validatorSet.GOVERNANCE_ROLE();
      const councilAddress = await f.council.getAddress();
      const asCouncil = await impersonate(councilAddress);
      await expect(f.validatorSet.connect(asCouncil).unpause())
        .to.be.revertedWithCustomError(f.validatorSet, "AccessControlUnauthorizedAccount")
        .withArgs(councilAddress, role);
      const m0 = f.councilSigners[0]!;
      await expect(f.validatorSet.connect(m0).unpause())
        .to.be.revertedWithCustomError(f.validatorSet, "AccessControlUnauthorizedAccount")
        .withArgs(m0.address, role);
      expect(await f.validatorSet.paused()).to.equal(true);
    });

    it("is lifted by governance through a proposal (Unpaused)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await pauseBy3(f, await f.validatorSet.getAddress());
      const targets = [await f.validatorSet.getAddress()];
      const calldatas = [f.validatorSet.interface.encodeFunctionData("unpause")];
      const description = "Lift the emergency pause";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.validatorSet, "Unpaused")
        .withArgs(await f.timelock.getAddress());
      expect(await f.validatorSet.paused()).to.equal(false);
    });
  });

  describe("veto", function () {
    it("cancels a queued proposal in the timelock on the third approval (state Canceled; execute reverts)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await queuedProposal(f, "A proposal the council vetoes");
      expect(await f.governor.state(p.id)).to.equal(Queued);
      expect(await f.timelock.isOperationPending(p.opId)).to.equal(true);
      const [m0, m1, m2] = f.councilSigners as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
      await expect(f.council.connect(m0).submitVeto(p.opId))
        .to.emit(f.council, "ActionSubmitted")
        .withArgs(0n, VETO, p.opId, m0.address);
      await f.council.connect(m1).approve(0);
      await expect(f.council.connect(m2).approve(0))
        .to.emit(f.council, "ActionExecuted")
        .withArgs(0n, VETO, p.opId)
        .and.to.emit(f.timelock, "Cancelled")
        .withArgs(p.opId);
      expect(await f.timelock.isOperation(p.opId)).to.equal(false);
      expect(await f.governor.state(p.id)).to.equal(Canceled);
      await waitTimelockDelay(f);
      const expected = ethers.toBeHex((1n << BigInt(Succeeded)) | (1n << BigInt(Queued)), 32);
      await expect(f.governor.execute(p.targets, p.values, p.calldatas, descriptionHash(p.description)))
        .to.be.revertedWithCustomError(f.governor, "GovernorUnexpectedProposalState")
        .withArgs(p.id, Canceled, expected);
      expect(await f.chainRegistry.hasRole(await f.chainRegistry.CP_ROLE(), f.outsiders[0]!.address)).to.equal(false);
    });

    it("computes the timelock operation id the governor queued (CallScheduled)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("unpause")];
      const description = "Check the operation id";
      const opId = await timelockOperationId(f, targets, [0n], calldatas, description);
      await proposeAndPass(f, targets, [0n], calldatas, description);
      await expect(f.governor.queue(targets, [0n], calldatas, descriptionHash(description)))
        .to.emit(f.timelock, "CallScheduled")
        .withArgs(opId, 0n, targets[0], 0n, calldatas[0], ethers.ZeroHash, f.config.governance.timelockDelay);
    });

    it("does not cancel with only 2 approvals (the proposal still executes)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const p = await queuedProposal(f, "A proposal with a failed veto");
      await f.council.connect(f.councilSigners[0]!).submitVeto(p.opId);
      await f.council.connect(f.councilSigners[1]!).approve(0);
      await waitTimelockDelay(f);
      await expect(f.governor.execute(p.targets, p.values, p.calldatas, descriptionHash(p.description))).to.emit(
        f.governor,
        "ProposalExecuted",
      );
      // the operation is done, so the late third approval fails (the cancel reverts)
      await expect(f.council.connect(f.councilSigners[2]!).approve(0)).to.be.revertedWithCustomError(
        f.timelock,
        "TimelockUnexpectedOperationState",
      );
    });

    it("rejects a veto of an operation that is not queued (EmergencyCouncilNotQueued)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const random = ethers.id("not an operation");
      await expect(f.council.connect(f.councilSigners[0]!).submitVeto(random))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotQueued")
        .withArgs(random);
      // nor one already executed
      const p = await queuedProposal(f, "Executed, then vetoed");
      await waitTimelockDelay(f);
      await f.governor.execute(p.targets, p.values, p.calldatas, descriptionHash(p.description));
      await expect(f.council.connect(f.councilSigners[0]!).submitVeto(p.opId))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotQueued")
        .withArgs(p.opId);
    });
  });

  describe("members", function () {
    it("can be replaced only by the timelock (EmergencyCouncilNotGovernance)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const next = f.outsiders.slice(0, 5).map((s) => s.address);
      for (const caller of [f.deployer, f.councilSigners[0]!, f.validators[0]!]) {
        await expect(f.council.connect(caller).setMembers(next))
          .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotGovernance")
          .withArgs(caller.address);
      }
      // not even by the governor: only its executor, the timelock
      const asGovernor = await impersonate(await f.governor.getAddress());
      await expect(f.council.connect(asGovernor).setMembers(next))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotGovernance")
        .withArgs(await f.governor.getAddress());
    });

    it("are replaced through a governance proposal (MembersChanged, version 2)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const next = [...f.councilSigners.slice(0, 3).map((s) => s.address), f.outsiders[0]!.address, f.outsiders[1]!.address];
      const targets = [await f.council.getAddress()];
      const calldatas = [f.council.interface.encodeFunctionData("setMembers", [next])];
      const description = "Replace two council members";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.council, "MembersChanged")
        .withArgs(next, 2n);
      expect(await f.council.members()).to.deep.equal(next);
      expect(await f.council.isMember(f.councilSigners[4]!.address)).to.equal(false);
      expect(await f.council.isMember(f.outsiders[1]!.address)).to.equal(true);
      // a removed member can no longer act; a new one can
      await expect(f.council.connect(f.councilSigners[4]!).submitPause(await f.slashing.getAddress()))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotMember")
        .withArgs(f.councilSigners[4]!.address);
      await expect(f.council.connect(f.outsiders[1]!).submitPause(await f.slashing.getAddress())).to.emit(
        f.council,
        "ActionSubmitted",
      );
    });

    it("rejects invalid members from governance too (execution reverts with EmergencyCouncilInvalidMembers)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const m = f.councilSigners.map((s) => s.address);
      const targets = [await f.council.getAddress()];
      const calldatas = [f.council.interface.encodeFunctionData("setMembers", [[m[0]!, m[1]!, m[2]!, m[3]!, m[3]!]])];
      const description = "Duplicate member";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description)).to.be.revertedWithCustomError(
        f.council,
        "EmergencyCouncilInvalidMembers",
      );
      const asTimelock = await impersonate(await f.timelock.getAddress());
      await expect(f.council.connect(asTimelock).setMembers(m.slice(0, 4))).to.be.revertedWithCustomError(
        f.council,
        "EmergencyCouncilInvalidMembers",
      );
      await expect(
        f.council.connect(asTimelock).setMembers([ethers.ZeroAddress, m[1]!, m[2]!, m[3]!, m[4]!]),
      ).to.be.revertedWithCustomError(f.council, "EmergencyCouncilInvalidMembers");
      expect(await f.council.members()).to.deep.equal(m);
    });

    it("voids actions pending under the old members (EmergencyCouncilStaleAction)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const [m0, m1] = f.councilSigners as [HardhatEthersSigner, HardhatEthersSigner];
      await f.council.connect(m0).submitPause(await f.validatorSet.getAddress());
      const next = [...f.councilSigners.slice(0, 4).map((s) => s.address), f.outsiders[0]!.address];
      await passProposal(f, [await f.council.getAddress()], [0n], [f.council.interface.encodeFunctionData("setMembers", [next])], "Rotate one member");
      await expect(f.council.connect(m1).approve(0))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilStaleAction")
        .withArgs(0n);
      // a new submission under the new members works
      await expect(f.council.connect(m1).submitPause(await f.validatorSet.getAddress()))
        .to.emit(f.council, "ActionSubmitted")
        .withArgs(1n, PAUSE, subjectOf(await f.validatorSet.getAddress()), m1.address);
      expect((await f.council.getAction(1)).membersVersion).to.equal(2n);
    });
  });

  describe("upgrades", function () {
    it("rejects an upgrade by anyone but the timelock (EmergencyCouncilNotGovernance)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const impl = await upgrades.erc1967.getImplementationAddress(await f.council.getAddress());
      const m0 = f.councilSigners[0]!;
      await expect(f.council.connect(m0).upgradeToAndCall(impl, "0x"))
        .to.be.revertedWithCustomError(f.council, "EmergencyCouncilNotGovernance")
        .withArgs(m0.address);
    });
  });
});
