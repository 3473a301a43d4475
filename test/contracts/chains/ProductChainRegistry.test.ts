import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface } from "ethers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import {
  deploySystemFixture,
  executeProposal,
  impersonate,
  passProposal,
  queueProposal,
  waitTimelockDelay,
  type SystemFixture,
} from "../../fixtures/system";

/** ProductChainRegistry.Status */
const Status = { None: 0, Active: 1, Suspended: 2, Retired: 3 };
const CHAIN_ID = 1_001n;
const NAME = "Game Chain";
const SHARD = 7;

type Four<T> = [T, T, T, T];

interface RegistryFixture extends SystemFixture {
  owners: Four<HardhatEthersSigner>;
  pd: HardhatEthersSigner;
  newcomer: HardhatEthersSigner;
}

/** The system plus one registered chain (CHAIN_ID) with outsiders 0..3 as node owners, outsider 4 as PD. */
async function registeredChainFixture(): Promise<RegistryFixture> {
  const f = await deploySystemFixture();
  const owners = f.outsiders.slice(0, 4) as Four<HardhatEthersSigner>;
  const pd = f.outsiders[4]!;
  const newcomer = f.outsiders[5]!;
  await f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, NAME, pd.address, addrs(owners), SHARD);
  return { ...f, owners, pd, newcomer };
}

function addrs(signers: HardhatEthersSigner[]): Four<string> {
  return signers.map((s) => s.address) as Four<string>;
}

/** Runs one registry call through governance (propose → vote → queue → delay → execute). */
async function governRegistry(f: SystemFixture, fn: string, args: unknown[], description: string): Promise<void> {
  await passProposal(
    f,
    [await f.chainRegistry.getAddress()],
    [0n],
    [(f.chainRegistry.interface as unknown as Interface).encodeFunctionData(fn, args)],
    description,
  );
}

describe("ProductChainRegistry", function () {
  describe("registerChain", function () {
    it("registers a chain by a consortium partner (ChainRegistered) and stores everything", async function () {
      const f = await loadFixture(deploySystemFixture);
      const owners = addrs(f.outsiders.slice(0, 4));
      const pd = f.outsiders[4]!.address;
      const tx = f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, NAME, pd, owners, SHARD);
      await expect(tx)
        .to.emit(f.chainRegistry, "ChainRegistered")
        .withArgs(CHAIN_ID, NAME, f.deployer.address, pd, owners, SHARD);
      const receipt = await (await tx).wait();
      const c = await f.chainRegistry.getChain(CHAIN_ID);
      expect(c.name).to.equal(NAME);
      expect(c.consortiumPartner).to.equal(f.deployer.address);
      expect(c.productDeveloper).to.equal(pd);
      expect([...c.nodeOwners]).to.deep.equal(owners);
      expect(c.shardGroup).to.equal(BigInt(SHARD));
      expect(c.status).to.equal(Status.Active);
      expect(c.ownersNonce).to.equal(0n);
      expect(c.registeredAt).to.equal(BigInt(receipt!.blockNumber));
      expect([...(await f.chainRegistry.nodeOwners(CHAIN_ID))]).to.deep.equal(owners);
      for (const o of owners) expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, o)).to.equal(true);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, pd)).to.equal(false);
      expect(await f.chainRegistry.chainIds()).to.deep.equal([CHAIN_ID]);
    });

    it("lists chain ids in registration order", async function () {
      const f = await loadFixture(registeredChainFixture);
      const owners = addrs(f.outsiders.slice(6, 10));
      await f.chainRegistry.connect(f.deployer).registerChain(5n, "Second", f.pd.address, owners, 0);
      await f.chainRegistry.connect(f.deployer).registerChain(3n, "Third", f.pd.address, owners, 0);
      expect(await f.chainRegistry.chainIds()).to.deep.equal([CHAIN_ID, 5n, 3n]);
    });

    it("rejects a caller without CP_ROLE (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const outsider = f.outsiders[0]!;
      await expect(
        f.chainRegistry.connect(outsider).registerChain(CHAIN_ID, NAME, outsider.address, addrs(f.outsiders.slice(1, 5)), 0),
      )
        .to.be.revertedWithCustomError(f.chainRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, await f.chainRegistry.CP_ROLE());
    });

    it("rejects chain id 0 and the main chain's id 31337 (ChainRegistryInvalidChainId)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const owners = addrs(f.outsiders.slice(0, 4));
      const pd = f.outsiders[4]!.address;
      for (const id of [0n, 31337n]) {
        await expect(f.chainRegistry.connect(f.deployer).registerChain(id, NAME, pd, owners, 0))
          .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryInvalidChainId")
          .withArgs(id);
      }
    });

    it("rejects a chain id already registered (ChainRegistryChainExists)", async function () {
      const f = await loadFixture(registeredChainFixture);
      await expect(
        f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, "Other", f.pd.address, addrs(f.outsiders.slice(6, 10)), 0),
      )
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryChainExists")
        .withArgs(CHAIN_ID);
    });

    it("rejects an empty name and a 65-byte name, accepts 64 bytes (ChainRegistryInvalidName)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const owners = addrs(f.outsiders.slice(0, 4));
      const pd = f.outsiders[4]!.address;
      await expect(f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, "", pd, owners, 0)).to.be.revertedWithCustomError(
        f.chainRegistry,
        "ChainRegistryInvalidName",
      );
      await expect(
        f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, "x".repeat(65), pd, owners, 0),
      ).to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryInvalidName");
      // bytes, not characters: 33 two-byte characters are 66 bytes
      await expect(
        f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, "é".repeat(33), pd, owners, 0),
      ).to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryInvalidName");
      await expect(f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, "x".repeat(64), pd, owners, 0)).to.emit(
        f.chainRegistry,
        "ChainRegistered",
      );
    });

    it("rejects a zero product developer (SystemContractZeroAddress)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(
        f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, NAME, ethers.ZeroAddress, addrs(f.outsiders.slice(0, 4)), 0),
      )
        .to.be.revertedWithCustomError(f.chainRegistry, "SystemContractZeroAddress")
        .withArgs("productDeveloper");
    });

    it("rejects a zero or duplicate node owner (ChainRegistryInvalidNodeOwners)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const [a, b, c, d] = addrs(f.outsiders.slice(0, 4));
      const pd = f.outsiders[4]!.address;
      const bad: Four<string>[] = [
        [a, b, c, ethers.ZeroAddress],
        [ethers.ZeroAddress, b, c, d],
        [a, b, c, a],
        [a, b, b, d],
      ];
      for (const owners of bad) {
        await expect(
          f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, NAME, pd, owners, 0),
          owners.join(","),
        ).to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryInvalidNodeOwners");
      }
    });

    it("is blocked while paused by the council (EnforcedPause)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const target = await f.chainRegistry.getAddress();
      const [m0, m1, m2] = f.councilSigners as [HardhatEthersSigner, HardhatEthersSigner, HardhatEthersSigner];
      await f.council.connect(m0).submitPause(target);
      await f.council.connect(m1).approve(0);
      await f.council.connect(m2).approve(0);
      expect(await f.chainRegistry.paused()).to.equal(true);
      await expect(
        f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, NAME, f.outsiders[4]!.address, addrs(f.outsiders.slice(0, 4)), 0),
      ).to.be.revertedWithCustomError(f.chainRegistry, "EnforcedPause");
    });
  });

  describe("views of unknown chains", function () {
    it("reverts nodeOwners of an unknown chain (ChainRegistryUnknownChain) and returns status None from getChain", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(f.chainRegistry.nodeOwners(42n))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryUnknownChain")
        .withArgs(42n);
      expect((await f.chainRegistry.getChain(42n)).status).to.equal(Status.None);
    });

    it("chainStatus reads a chain's status as getChain does: None when unknown, then Active, Suspended, Retired", async function () {
      const f = await loadFixture(registeredChainFixture);
      expect(await f.chainRegistry.chainStatus(42n)).to.equal(Status.None);
      expect(await f.chainRegistry.chainStatus(CHAIN_ID)).to.equal(Status.Active);
      const asTimelock = await impersonate(await f.timelock.getAddress());
      for (const status of [Status.Suspended, Status.Active, Status.Retired]) {
        await (await f.chainRegistry.connect(asTimelock).setChainStatus(CHAIN_ID, status)).wait();
        expect(await f.chainRegistry.chainStatus(CHAIN_ID)).to.equal(status);
        expect((await f.chainRegistry.getChain(CHAIN_ID)).status).to.equal(status);
      }
    });

    it("reports no node owner at all on an unknown chain (isNodeOwner false, even for the zero address)", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(await f.chainRegistry.isNodeOwner(42n, f.outsiders[0]!.address)).to.equal(false);
      expect(await f.chainRegistry.isNodeOwner(42n, ethers.ZeroAddress)).to.equal(false);
    });
  });

  describe("swap voting", function () {
    it("does nothing on 2 votes and swaps on the third (SwapVoted counts; NodeOwnerSwapped; ownersNonce 1)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const [o0, o1, o2, o3] = f.owners;
      const old = o3.address;
      const next = f.newcomer.address;
      const id = await f.chainRegistry.swapId(CHAIN_ID, old, next);
      expect(id).to.equal(
        ethers.keccak256(
          ethers.AbiCoder.defaultAbiCoder().encode(["uint256", "uint64", "address", "address"], [CHAIN_ID, 0n, old, next]),
        ),
      );
      await expect(f.chainRegistry.connect(o0).voteSwap(CHAIN_ID, old, next))
        .to.emit(f.chainRegistry, "SwapVoted")
        .withArgs(CHAIN_ID, id, o0.address, old, next, 1n);
      await expect(f.chainRegistry.connect(o1).voteSwap(CHAIN_ID, old, next))
        .to.emit(f.chainRegistry, "SwapVoted")
        .withArgs(CHAIN_ID, id, o1.address, old, next, 2n)
        .and.not.to.emit(f.chainRegistry, "NodeOwnerSwapped");
      expect(await f.chainRegistry.swapVotes(CHAIN_ID, old, next)).to.equal(2n);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, old)).to.equal(true);
      expect((await f.chainRegistry.getChain(CHAIN_ID)).ownersNonce).to.equal(0n);

      await expect(f.chainRegistry.connect(o2).voteSwap(CHAIN_ID, old, next))
        .to.emit(f.chainRegistry, "SwapVoted")
        .withArgs(CHAIN_ID, id, o2.address, old, next, 3n)
        .and.to.emit(f.chainRegistry, "NodeOwnerSwapped")
        .withArgs(CHAIN_ID, old, next, 1n);
      expect([...(await f.chainRegistry.nodeOwners(CHAIN_ID))]).to.deep.equal([o0.address, o1.address, o2.address, next]);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, old)).to.equal(false);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, next)).to.equal(true);
      expect((await f.chainRegistry.getChain(CHAIN_ID)).ownersNonce).to.equal(1n);
      // the swap id moved on with the nonce
      expect(await f.chainRegistry.swapId(CHAIN_ID, old, next)).to.not.equal(id);
    });

    it("lets the owner being swapped out vote too (3 of 4 including it)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const [o0, o1, , o3] = f.owners;
      for (const v of [o3, o0, o1]) await f.chainRegistry.connect(v).voteSwap(CHAIN_ID, o3.address, f.newcomer.address);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, f.newcomer.address)).to.equal(true);
    });

    it("rejects a vote by a non-owner (ChainRegistryNotNodeOwner)", async function () {
      const f = await loadFixture(registeredChainFixture);
      for (const caller of [f.newcomer, f.pd, f.deployer]) {
        await expect(f.chainRegistry.connect(caller).voteSwap(CHAIN_ID, f.owners[0].address, f.newcomer.address))
          .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryNotNodeOwner")
          .withArgs(CHAIN_ID, caller.address);
      }
    });

    it("rejects a second vote for the same swap (ChainRegistryAlreadyVoted)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const [o0] = f.owners;
      const id = await f.chainRegistry.swapId(CHAIN_ID, f.owners[3].address, f.newcomer.address);
      await f.chainRegistry.connect(o0).voteSwap(CHAIN_ID, f.owners[3].address, f.newcomer.address);
      await expect(f.chainRegistry.connect(o0).voteSwap(CHAIN_ID, f.owners[3].address, f.newcomer.address))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryAlreadyVoted")
        .withArgs(id, o0.address);
      expect(await f.chainRegistry.swapVotes(CHAIN_ID, f.owners[3].address, f.newcomer.address)).to.equal(1n);
    });

    it("rejects an invalid swap: old not an owner, new zero, new already an owner (ChainRegistryInvalidSwap)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const [o0, o1] = f.owners;
      const cases: [string, string][] = [
        [f.pd.address, f.newcomer.address],
        [o1.address, ethers.ZeroAddress],
        [o1.address, f.owners[2].address],
        [o1.address, o1.address],
      ];
      for (const [oldOwner, newOwner] of cases) {
        await expect(f.chainRegistry.connect(o0).voteSwap(CHAIN_ID, oldOwner, newOwner))
          .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryInvalidSwap")
          .withArgs(CHAIN_ID, oldOwner, newOwner);
      }
    });

    it("no longer counts votes cast before another swap (owners nonce)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const [o0, o1, o2, o3] = f.owners;
      const x = f.newcomer.address;
      const y = f.outsiders[6]!.address;
      // o1 votes to replace o0 by x (nonce 0)
      await f.chainRegistry.connect(o1).voteSwap(CHAIN_ID, o0.address, x);
      expect(await f.chainRegistry.swapVotes(CHAIN_ID, o0.address, x)).to.equal(1n);
      // meanwhile o2 is replaced by y (nonce → 1)
      for (const v of [o0, o1, o3]) await f.chainRegistry.connect(v).voteSwap(CHAIN_ID, o2.address, y);
      expect((await f.chainRegistry.getChain(CHAIN_ID)).ownersNonce).to.equal(1n);
      // the earlier vote does not count any more, and o1 may vote again
      expect(await f.chainRegistry.swapVotes(CHAIN_ID, o0.address, x)).to.equal(0n);
      const id = await f.chainRegistry.swapId(CHAIN_ID, o0.address, x);
      await expect(f.chainRegistry.connect(o1).voteSwap(CHAIN_ID, o0.address, x))
        .to.emit(f.chainRegistry, "SwapVoted")
        .withArgs(CHAIN_ID, id, o1.address, o0.address, x, 1n);
      await f.chainRegistry.connect(o3).voteSwap(CHAIN_ID, o0.address, x);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, x)).to.equal(false);
      // the new owner y votes under the new list and completes the majority
      await expect(f.chainRegistry.connect(await ethers.getSigner(y)).voteSwap(CHAIN_ID, o0.address, x))
        .to.emit(f.chainRegistry, "NodeOwnerSwapped")
        .withArgs(CHAIN_ID, o0.address, x, 2n);
    });

    it("rejects a vote on an unknown chain (ChainRegistryUnknownChain)", async function () {
      const f = await loadFixture(registeredChainFixture);
      await expect(f.chainRegistry.connect(f.owners[0]).voteSwap(42n, f.owners[1].address, f.newcomer.address))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryUnknownChain")
        .withArgs(42n);
    });

    it("is blocked while paused (EnforcedPause)", async function () {
      const f = await loadFixture(registeredChainFixture);
      await governRegistry(f, "pause", [], "Pause the registry");
      await expect(
        f.chainRegistry.connect(f.owners[0]).voteSwap(CHAIN_ID, f.owners[1].address, f.newcomer.address),
      ).to.be.revertedWithCustomError(f.chainRegistry, "EnforcedPause");
    });
  });

  describe("governance", function () {
    it("suspends a chain (ChainStatusChanged), which blocks swap voting (ChainRegistryChainNotActive)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("setChainStatus", [CHAIN_ID, Status.Suspended])];
      const description = "Suspend chain 1001";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.chainRegistry, "ChainStatusChanged")
        .withArgs(CHAIN_ID, Status.Suspended);
      expect((await f.chainRegistry.getChain(CHAIN_ID)).status).to.equal(Status.Suspended);
      await expect(f.chainRegistry.connect(f.owners[0]).voteSwap(CHAIN_ID, f.owners[1].address, f.newcomer.address))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryChainNotActive")
        .withArgs(CHAIN_ID, Status.Suspended);
      // and reactivates it
      await governRegistry(f, "setChainStatus", [CHAIN_ID, Status.Active], "Reactivate chain 1001");
      await expect(f.chainRegistry.connect(f.owners[0]).voteSwap(CHAIN_ID, f.owners[1].address, f.newcomer.address)).to.emit(
        f.chainRegistry,
        "SwapVoted",
      );
    });

    it("retires a chain for good (ChainRegistryChainNotActive on any later status change or force swap)", async function () {
      const f = await loadFixture(registeredChainFixture);
      await governRegistry(f, "setChainStatus", [CHAIN_ID, Status.Retired], "Retire chain 1001");
      expect((await f.chainRegistry.getChain(CHAIN_ID)).status).to.equal(Status.Retired);
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("setChainStatus", [CHAIN_ID, Status.Active])];
      const description = "Revive chain 1001";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryChainNotActive")
        .withArgs(CHAIN_ID, Status.Retired);
      const asTimelock = await impersonate(await f.timelock.getAddress());
      await expect(f.chainRegistry.connect(asTimelock).forceSwap(CHAIN_ID, f.owners[0].address, f.newcomer.address))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryChainNotActive")
        .withArgs(CHAIN_ID, Status.Retired);
      await expect(f.chainRegistry.connect(f.owners[0]).voteSwap(CHAIN_ID, f.owners[1].address, f.newcomer.address))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryChainNotActive")
        .withArgs(CHAIN_ID, Status.Retired);
    });

    it("rejects status None (ChainRegistryInvalidStatus) and an unknown chain (ChainRegistryUnknownChain)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("setChainStatus", [CHAIN_ID, Status.None])];
      const description = "Set status None";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryInvalidStatus")
        .withArgs(Status.None);
      const asTimelock = await impersonate(await f.timelock.getAddress());
      await expect(f.chainRegistry.connect(asTimelock).setChainStatus(42n, Status.Suspended))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryUnknownChain")
        .withArgs(42n);
    });

    it("rejects setChainStatus and forceSwap by anyone but governance (AccessControlUnauthorizedAccount)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const role = await f.chainRegistry.GOVERNANCE_ROLE();
      for (const caller of [f.deployer, f.owners[0], f.councilSigners[0]!]) {
        await expect(f.chainRegistry.connect(caller).setChainStatus(CHAIN_ID, Status.Suspended))
          .to.be.revertedWithCustomError(f.chainRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
        await expect(f.chainRegistry.connect(caller).forceSwap(CHAIN_ID, f.owners[0].address, f.newcomer.address))
          .to.be.revertedWithCustomError(f.chainRegistry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });

    it("force-swaps a node owner (NodeOwnerSwapped), also on a suspended chain", async function () {
      const f = await loadFixture(registeredChainFixture);
      await governRegistry(f, "setChainStatus", [CHAIN_ID, Status.Suspended], "Suspend before the force swap");
      const old = f.owners[2].address;
      const targets = [await f.chainRegistry.getAddress()];
      const calldatas = [f.chainRegistry.interface.encodeFunctionData("forceSwap", [CHAIN_ID, old, f.newcomer.address])];
      const description = "Force-swap owner 2";
      await queueProposal(f, targets, [0n], calldatas, description);
      await waitTimelockDelay(f);
      await expect(executeProposal(f, targets, [0n], calldatas, description))
        .to.emit(f.chainRegistry, "NodeOwnerSwapped")
        .withArgs(CHAIN_ID, old, f.newcomer.address, 1n);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, old)).to.equal(false);
      expect(await f.chainRegistry.isNodeOwner(CHAIN_ID, f.newcomer.address)).to.equal(true);
      expect((await f.chainRegistry.getChain(CHAIN_ID)).ownersNonce).to.equal(1n);
    });

    it("rejects an invalid force swap (ChainRegistryInvalidSwap)", async function () {
      const f = await loadFixture(registeredChainFixture);
      const asTimelock = await impersonate(await f.timelock.getAddress());
      await expect(f.chainRegistry.connect(asTimelock).forceSwap(CHAIN_ID, f.pd.address, f.newcomer.address))
        .to.be.revertedWithCustomError(f.chainRegistry, "ChainRegistryInvalidSwap")
        .withArgs(CHAIN_ID, f.pd.address, f.newcomer.address);
    });

    it("grants CP_ROLE to a new consortium partner, who can then register a chain", async function () {
      const f = await loadFixture(deploySystemFixture);
      const cp = f.outsiders[9]!;
      const role = await f.chainRegistry.CP_ROLE();
      expect(await f.chainRegistry.getRoleAdmin(role)).to.equal(await f.chainRegistry.GOVERNANCE_ROLE());
      await governRegistry(f, "grantRole", [role, cp.address], "Grant CP_ROLE to outsider 9");
      expect(await f.chainRegistry.hasRole(role, cp.address)).to.equal(true);
      const owners = addrs(f.outsiders.slice(0, 4));
      await expect(f.chainRegistry.connect(cp).registerChain(CHAIN_ID, NAME, f.outsiders[4]!.address, owners, 1))
        .to.emit(f.chainRegistry, "ChainRegistered")
        .withArgs(CHAIN_ID, NAME, cp.address, f.outsiders[4]!.address, owners, 1);
      expect((await f.chainRegistry.getChain(CHAIN_ID)).consortiumPartner).to.equal(cp.address);
    });

    it("revokes CP_ROLE through governance, after which registering fails", async function () {
      const f = await loadFixture(deploySystemFixture);
      const role = await f.chainRegistry.CP_ROLE();
      await governRegistry(f, "revokeRole", [role, f.deployer.address], "Revoke the deployer's CP_ROLE");
      await expect(
        f.chainRegistry.connect(f.deployer).registerChain(CHAIN_ID, NAME, f.outsiders[4]!.address, addrs(f.outsiders.slice(0, 4)), 0),
      )
        .to.be.revertedWithCustomError(f.chainRegistry, "AccessControlUnauthorizedAccount")
        .withArgs(f.deployer.address, role);
    });
  });
});
