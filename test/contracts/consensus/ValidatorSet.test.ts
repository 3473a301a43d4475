import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture, mine } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import type { ValidatorSet } from "../../../typechain-types";
import {
  DEFAULT_ADMIN_ROLE,
  FUNDING,
  GENESIS_STAKE,
  GOVERNANCE_ROLE,
  MIN_STAKE,
  PARAMS,
  PAUSER_ROLE,
  SLASHER_ROLE,
  SlashDestination,
  type VsParams,
  deployValidatorSetFixture,
  latestBlock,
  mineTo,
  nextTxAt,
  paramsTuple,
  sortAddresses,
  stakedGenesisFixture,
  uninitialisedProxyFixture,
} from "./validatorSet.fixture";

const UINT32_MAX = 2n ** 32n - 1n;
const BPS = 10_000n;
const REASON = ethers.encodeBytes32String("double-sign");

/** Block in which a sent transaction was mined. */
async function minedIn(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  return BigInt(receipt!.blockNumber);
}

/**
 * Positions the chain so that the next transaction is mined `offset` blocks into the epoch after the
 * current one. Returns that block and the first block of the epoch after it (where a change made in that
 * epoch takes effect). Valid while no epoch-length change is pending.
 */
async function positionInNextEpoch(vs: ValidatorSet, offset = 1n): Promise<{ block: bigint; boundary: bigint }> {
  const epoch = (await vs.epochOf(await latestBlock())) + 1n;
  const start = await vs.epochStartBlock(epoch);
  const block = start + offset;
  await nextTxAt(block);
  return { block, boundary: await vs.epochStartBlock(epoch + 1n) };
}

/** The proposer `list[h % n]` the round robin must give for block `h`. */
function expectedProposer(list: string[], h: bigint): string {
  return list[Number(h % BigInt(list.length))];
}

async function expectProposers(vs: ValidatorSet, list: string[], from: bigint, to: bigint): Promise<void> {
  for (let h = from; h <= to; h++) {
    expect(await vs.proposerFor(h), `proposer of block ${h}`).to.equal(expectedProposer(list, h));
  }
}

describe("ValidatorSet", function () {
  // ------------------------------------------------------------------------------------------ initialize
  describe("initialize", function () {
    it("stores the staking token, treasury, slash destination and parameters", async function () {
      const { vs, token, treasury } = await loadFixture(deployValidatorSetFixture);
      expect(await vs.stakingToken()).to.equal(await token.getAddress());
      const [destination, treasuryAddr] = await vs.slashDestination();
      expect(destination).to.equal(SlashDestination.Treasury);
      expect(treasuryAddr).to.equal(treasury.address);
      const p = await vs.params();
      expect(p.maxValidators).to.equal(PARAMS.maxValidators);
      expect(p.minStake).to.equal(PARAMS.minStake);
      expect(p.epochLength).to.equal(PARAMS.epochLength);
      expect(p.unbondingPeriod).to.equal(PARAMS.unbondingPeriod);
      expect(p.jailPeriod).to.equal(PARAMS.jailPeriod);
      expect(await vs.paused()).to.equal(false);
    });

    it("grants DEFAULT_ADMIN_ROLE and GOVERNANCE_ROLE to the admin only", async function () {
      const { vs, admin, outsider } = await loadFixture(deployValidatorSetFixture);
      expect(await vs.hasRole(DEFAULT_ADMIN_ROLE, admin.address)).to.equal(true);
      expect(await vs.hasRole(GOVERNANCE_ROLE, admin.address)).to.equal(true);
      expect(await vs.hasRole(SLASHER_ROLE, admin.address)).to.equal(false);
      expect(await vs.hasRole(GOVERNANCE_ROLE, outsider.address)).to.equal(false);
    });

    it("sorts the genesis validators by address and puts them in force from the deploy block", async function () {
      const { vs, genesis, sortedGenesis, deployBlock } = await loadFixture(deployValidatorSetFixture);
      // the fixture passes them in descending order
      expect(genesis).to.not.deep.equal(sortedGenesis);
      expect(await vs.getValidators()).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsAt(deployBlock)).to.deep.equal(sortedGenesis);
      expect(await vs.pendingValidators()).to.deep.equal(sortedGenesis);
      expect(await vs.validatorCountAt(deployBlock)).to.equal(4n);
      expect(await vs.validatorsAt(deployBlock - 1n)).to.deep.equal([]);
      expect(await vs.validatorCountAt(deployBlock - 1n)).to.equal(0n);
      for (const v of genesis) {
        expect(await vs.isValidatorAt(v, deployBlock)).to.equal(true);
        expect(await vs.isValidatorAt(v, deployBlock - 1n)).to.equal(false);
        expect(await vs.isActiveValidator(v)).to.equal(true);
        const rec = await vs.getValidator(v);
        expect(rec.approved).to.equal(true);
        expect(rec.listed).to.equal(true);
        expect(rec.jailed).to.equal(false);
        expect(rec.stake).to.equal(0n);
      }
    });

    it("anchors epoch 0 at the deploy block", async function () {
      const { vs, deployBlock } = await loadFixture(deployValidatorSetFixture);
      expect(await vs.epochOf(deployBlock)).to.equal(0n);
      expect(await vs.epochOf(deployBlock + 9n)).to.equal(0n);
      expect(await vs.epochOf(deployBlock + 10n)).to.equal(1n);
      expect(await vs.epochStartBlock(0n)).to.equal(deployBlock);
      expect(await vs.epochStartBlock(1n)).to.equal(deployBlock + 10n);
      await expect(vs.epochOf(deployBlock - 1n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetUnknownBlock")
        .withArgs(deployBlock - 1n);
    });

    it("emits CandidateApproved and ValidatorAdded(effective = init block) for every genesis validator", async function () {
      const { vs, tokenAddress, admin, treasury, genesis } = await loadFixture(uninitialisedProxyFixture);
      const block = (await latestBlock()) + 1n;
      const tx = vs.initialize(admin.address, tokenAddress, PARAMS, genesis, treasury.address);
      for (const v of genesis) {
        await expect(tx).to.emit(vs, "CandidateApproved").withArgs(v);
        await expect(tx).to.emit(vs, "ValidatorAdded").withArgs(v, block);
      }
      expect(await minedIn(tx)).to.equal(block);
      expect(await vs.validatorsAt(block)).to.deep.equal(sortAddresses(genesis));
    });

    it("accepts the limits of every parameter (minStake 0: a chain without stake)", async function () {
      const { vs, tokenAddress, admin, treasury, genesis } = await loadFixture(uninitialisedProxyFixture);
      const limits: VsParams = {
        maxValidators: 100n,
        minStake: 0n,
        epochLength: UINT32_MAX,
        unbondingPeriod: UINT32_MAX,
        jailPeriod: UINT32_MAX,
      };
      await vs.initialize(admin.address, tokenAddress, limits, genesis, treasury.address);
      expect(await vs.params()).to.deep.equal(paramsTuple(limits));
    });

    describe("rejects invalid parameters", function () {
      const cases: { what: string; params: VsParams; name: string; value: bigint }[] = [
        { what: "maxValidators = 0", params: { ...PARAMS, maxValidators: 0n }, name: "maxValidators", value: 0n },
        {
          what: "maxValidators > 100",
          params: { ...PARAMS, maxValidators: 101n },
          name: "maxValidators",
          value: 101n,
        },
        { what: "epochLength = 0", params: { ...PARAMS, epochLength: 0n }, name: "epochLength", value: 0n },
        {
          what: "epochLength > uint32 max",
          params: { ...PARAMS, epochLength: UINT32_MAX + 1n, unbondingPeriod: UINT32_MAX + 1n },
          name: "epochLength",
          value: UINT32_MAX + 1n,
        },
        {
          what: "unbondingPeriod < epochLength",
          params: { ...PARAMS, unbondingPeriod: PARAMS.epochLength - 1n },
          name: "unbondingPeriod",
          value: PARAMS.epochLength - 1n,
        },
        {
          what: "unbondingPeriod > uint32 max",
          params: { ...PARAMS, unbondingPeriod: UINT32_MAX + 1n },
          name: "unbondingPeriod",
          value: UINT32_MAX + 1n,
        },
        {
          what: "jailPeriod > uint32 max",
          params: { ...PARAMS, jailPeriod: UINT32_MAX + 1n },
          name: "jailPeriod",
          value: UINT32_MAX + 1n,
        },
      ];
      for (const c of cases) {
        it(`reverts ValidatorSetInvalidParameter for ${c.what}`, async function () {
          const { vs, tokenAddress, admin, treasury, genesis } = await loadFixture(uninitialisedProxyFixture);
          await expect(vs.initialize(admin.address, tokenAddress, c.params, genesis, treasury.address))
            .to.be.revertedWithCustomError(vs, "ValidatorSetInvalidParameter")
            .withArgs(c.name, c.value);
        });
      }
    });

    it("reverts for an empty genesis list", async function () {
      const { vs, tokenAddress, admin, treasury } = await loadFixture(uninitialisedProxyFixture);
      await expect(vs.initialize(admin.address, tokenAddress, PARAMS, [], treasury.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetInvalidParameter")
        .withArgs("genesisValidators", 0n);
    });

    it("reverts for more genesis validators than maxValidators", async function () {
      const { vs, tokenAddress, admin, treasury, genesis } = await loadFixture(uninitialisedProxyFixture);
      await expect(
        vs.initialize(admin.address, tokenAddress, { ...PARAMS, maxValidators: 3n }, genesis, treasury.address),
      )
        .to.be.revertedWithCustomError(vs, "ValidatorSetInvalidParameter")
        .withArgs("genesisValidators", 4n);
    });

    it("reverts SystemContractZeroAddress for a zero admin, token, treasury or genesis validator", async function () {
      const { vs, tokenAddress, admin, treasury, genesis } = await loadFixture(uninitialisedProxyFixture);
      const Z = ethers.ZeroAddress;
      await expect(vs.initialize(Z, tokenAddress, PARAMS, genesis, treasury.address))
        .to.be.revertedWithCustomError(vs, "SystemContractZeroAddress")
        .withArgs("admin");
      await expect(vs.initialize(admin.address, Z, PARAMS, genesis, treasury.address))
        .to.be.revertedWithCustomError(vs, "SystemContractZeroAddress")
        .withArgs("stakingToken");
      await expect(vs.initialize(admin.address, tokenAddress, PARAMS, genesis, Z))
        .to.be.revertedWithCustomError(vs, "SystemContractZeroAddress")
        .withArgs("treasury");
      await expect(vs.initialize(admin.address, tokenAddress, PARAMS, [...genesis, Z], treasury.address))
        .to.be.revertedWithCustomError(vs, "SystemContractZeroAddress")
        .withArgs("genesisValidator");
    });

    it("reverts ValidatorSetDuplicateGenesisValidator for a repeated address", async function () {
      const { vs, tokenAddress, admin, treasury, genesis } = await loadFixture(uninitialisedProxyFixture);
      await expect(vs.initialize(admin.address, tokenAddress, PARAMS, [genesis[2], ...genesis], treasury.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetDuplicateGenesisValidator")
        .withArgs(genesis[2]);
    });

    it("cannot be initialised twice", async function () {
      const { vs, token, admin, treasury, genesis } = await loadFixture(deployValidatorSetFixture);
      await expect(
        vs.initialize(admin.address, await token.getAddress(), PARAMS, genesis, treasury.address),
      ).to.be.revertedWithCustomError(vs, "InvalidInitialization");
    });

    it("the implementation contract cannot be initialised (constructor disables initializers)", async function () {
      const { vs, vsAddress, token, factory, admin, treasury, genesis } = await loadFixture(deployValidatorSetFixture);
      const implAddress = await upgrades.erc1967.getImplementationAddress(vsAddress);
      const impl = factory.attach(implAddress) as unknown as ValidatorSet;
      await expect(
        impl.initialize(admin.address, await token.getAddress(), PARAMS, genesis, treasury.address),
      ).to.be.revertedWithCustomError(vs, "InvalidInitialization");
    });
  });

  // ------------------------------------------------------------------------------------------ staking
  describe("stake / stakeFor", function () {
    it("stake moves tokens into the contract and emits Staked with the running total", async function () {
      const { vs, vsAddress, token, v1 } = await loadFixture(deployValidatorSetFixture);
      const a = ethers.parseEther("500");
      const b = ethers.parseEther("300");
      await expect(vs.connect(v1).stake(a)).to.changeTokenBalances(token, [v1, vs], [-a, a]);
      await expect(vs.connect(v1).stake(b))
        .to.emit(vs, "Staked")
        .withArgs(v1.address, v1.address, b, a + b);
      expect((await vs.getValidator(v1.address)).stake).to.equal(a + b);
      expect(await vs.slashableStake(v1.address)).to.equal(a + b);
      expect(await token.balanceOf(vsAddress)).to.equal(a + b);
      expect(await token.balanceOf(v1.address)).to.equal(FUNDING - a - b);
    });

    it("stakeFor takes the caller's tokens and credits the named validator", async function () {
      const { vs, token, funder, c1 } = await loadFixture(deployValidatorSetFixture);
      const a = ethers.parseEther("700");
      const tx = vs.connect(funder).stakeFor(c1.address, a);
      await expect(tx).to.emit(vs, "Staked").withArgs(c1.address, funder.address, a, a);
      await expect(tx).to.changeTokenBalances(token, [funder, c1, vs], [-a, 0n, a]);
      expect((await vs.getValidator(c1.address)).stake).to.equal(a);
      expect((await vs.getValidator(funder.address)).stake).to.equal(0n);
    });

    it("reverts ValidatorSetZeroAmount for a zero amount", async function () {
      const { vs, v1, funder } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(v1).stake(0n)).to.be.revertedWithCustomError(vs, "ValidatorSetZeroAmount");
      await expect(vs.connect(funder).stakeFor(v1.address, 0n)).to.be.revertedWithCustomError(
        vs,
        "ValidatorSetZeroAmount",
      );
    });

    it("reverts SystemContractZeroAddress for the zero validator", async function () {
      const { vs, funder } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(funder).stakeFor(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(vs, "SystemContractZeroAddress")
        .withArgs("validator");
    });

    it("staking by an unapproved account does not list it", async function () {
      const { vs, c1, sortedGenesis } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(c1).stake(MIN_STAKE * 2n)).to.not.emit(vs, "ValidatorAdded");
      expect((await vs.getValidator(c1.address)).listed).to.equal(false);
      expect(await vs.pendingValidators()).to.deep.equal(sortedGenesis);
    });

    it("an approved candidate reaching the minimum stake enters at the NEXT epoch boundary, not before", async function () {
      const { vs, admin, c1, sortedGenesis } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).approveCandidate(c1.address);
      const { block, boundary } = await positionInNextEpoch(vs, 5n);

      const tx = vs.connect(c1).stake(MIN_STAKE);
      await expect(tx).to.emit(vs, "ValidatorAdded").withArgs(c1.address, boundary);
      expect(await minedIn(tx)).to.equal(block);
      expect(await vs.nextEpochStartBlock()).to.equal(boundary);

      const newList = sortAddresses([...sortedGenesis, c1.address]);
      // not in force yet
      expect(await vs.getValidators()).to.deep.equal(sortedGenesis);
      expect(await vs.isActiveValidator(c1.address)).to.equal(false);
      expect(await vs.pendingValidators()).to.deep.equal(newList);
      expect(await vs.validatorsAt(block)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsAt(boundary - 1n)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsAt(boundary)).to.deep.equal(newList);
      expect(await vs.isValidatorAt(c1.address, boundary - 1n)).to.equal(false);
      expect(await vs.isValidatorAt(c1.address, boundary)).to.equal(true);
      expect(await vs.validatorCountAt(boundary - 1n)).to.equal(4n);
      expect(await vs.validatorCountAt(boundary)).to.equal(5n);
      // proposer order: old list up to the boundary, new list from it
      await expectProposers(vs, sortedGenesis, block, boundary - 1n);
      await expectProposers(vs, newList, boundary, boundary + 2n * PARAMS.epochLength);

      await mineTo(boundary - 1n);
      expect(await vs.isActiveValidator(c1.address)).to.equal(false);
      await mine();
      expect(await latestBlock()).to.equal(boundary);
      expect(await vs.isActiveValidator(c1.address)).to.equal(true);
      expect(await vs.getValidators()).to.deep.equal(newList);
    });

    it("a change made in the first block of an epoch takes effect a whole epoch later", async function () {
      const { vs, admin, c1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).approveCandidate(c1.address);
      const { block, boundary } = await positionInNextEpoch(vs, 0n);
      expect(boundary - block).to.equal(PARAMS.epochLength);
      await expect(vs.connect(c1).stake(MIN_STAKE)).to.emit(vs, "ValidatorAdded").withArgs(c1.address, boundary);
      expect(await vs.isValidatorAt(c1.address, boundary - 1n)).to.equal(false);
      expect(await vs.isValidatorAt(c1.address, boundary)).to.equal(true);
    });

    it("an approved candidate below the minimum is listed once a top-up reaches it", async function () {
      const { vs, admin, c1, funder } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).approveCandidate(c1.address);
      const part = MIN_STAKE - ethers.parseEther("1");
      await expect(vs.connect(c1).stake(part)).to.not.emit(vs, "ValidatorAdded");
      expect((await vs.getValidator(c1.address)).listed).to.equal(false);
      const boundary = await vs.epochStartBlock((await vs.epochOf((await latestBlock()) + 1n)) + 1n);
      await expect(vs.connect(funder).stakeFor(c1.address, ethers.parseEther("1")))
        .to.emit(vs, "ValidatorAdded")
        .withArgs(c1.address, boundary);
      expect((await vs.getValidator(c1.address)).listed).to.equal(true);
    });

    it("further stake by a listed validator does not list it again", async function () {
      const { vs, v1 } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(v1).stake(MIN_STAKE)).to.not.emit(vs, "ValidatorAdded");
    });
  });

  // ------------------------------------------------------------------------------------------ governance membership
  describe("approveCandidate", function () {
    it("approves without listing while the candidate has no stake", async function () {
      const { vs, admin, c1 } = await loadFixture(deployValidatorSetFixture);
      const tx = vs.connect(admin).approveCandidate(c1.address);
      await expect(tx).to.emit(vs, "CandidateApproved").withArgs(c1.address);
      await expect(tx).to.not.emit(vs, "ValidatorAdded");
      const rec = await vs.getValidator(c1.address);
      expect(rec.approved).to.equal(true);
      expect(rec.listed).to.equal(false);
    });

    it("lists a candidate that already has enough stake, from the next epoch", async function () {
      const { vs, admin, c1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(c1).stake(MIN_STAKE);
      const { boundary } = await positionInNextEpoch(vs, 3n);
      const tx = vs.connect(admin).approveCandidate(c1.address);
      await expect(tx).to.emit(vs, "CandidateApproved").withArgs(c1.address);
      await expect(tx).to.emit(vs, "ValidatorAdded").withArgs(c1.address, boundary);
      expect(await vs.isValidatorAt(c1.address, boundary)).to.equal(true);
    });

    it("with minStake 0 (a product chain: validators chosen, not staked) lists a candidate without stake at the next epoch", async function () {
      const { vs, admin, c1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).setParams({ ...PARAMS, minStake: 0n });
      const { boundary } = await positionInNextEpoch(vs, 3n);
      const tx = vs.connect(admin).approveCandidate(c1.address);
      await expect(tx).to.emit(vs, "ValidatorAdded").withArgs(c1.address, boundary);
      expect((await vs.getValidator(c1.address)).stake).to.equal(0n);
      expect(await vs.isValidatorAt(c1.address, boundary - 1n)).to.equal(false);
      expect(await vs.isValidatorAt(c1.address, boundary)).to.equal(true);
      // nothing to unstake, and a slash of nothing is nothing: it stays listed
      await expect(vs.connect(c1).requestUnstake(1n)).to.be.revertedWithCustomError(vs, "ValidatorSetInsufficientStake").withArgs(0n, 1n);
      expect((await vs.getValidator(c1.address)).listed).to.equal(true);
    });

    it("does not list a staked candidate when the set is full", async function () {
      const { vs, admin, c1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).setParams({ ...PARAMS, maxValidators: 4n });
      await vs.connect(c1).stake(MIN_STAKE);
      await expect(vs.connect(admin).approveCandidate(c1.address)).to.not.emit(vs, "ValidatorAdded");
      expect((await vs.getValidator(c1.address)).listed).to.equal(false);
    });

    it("reverts ValidatorSetAlreadyApproved for an approved account", async function () {
      const { vs, admin, c1, v1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).approveCandidate(c1.address);
      await expect(vs.connect(admin).approveCandidate(c1.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetAlreadyApproved")
        .withArgs(c1.address);
      await expect(vs.connect(admin).approveCandidate(v1.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetAlreadyApproved")
        .withArgs(v1.address);
    });

    it("reverts SystemContractZeroAddress for the zero address", async function () {
      const { vs, admin } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(admin).approveCandidate(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(vs, "SystemContractZeroAddress")
        .withArgs("candidate");
    });

    it("is GOVERNANCE_ROLE only", async function () {
      const { vs, outsider, c1 } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(outsider).approveCandidate(c1.address))
        .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, GOVERNANCE_ROLE);
    });
  });

  describe("removeValidator / swapValidator", function () {
    it("the last validator cannot be removed, leave or unstake below the minimum (ValidatorSetLastValidator)", async function () {
      const { vs, admin, genesis } = await loadFixture(stakedGenesisFixture);
      for (const v of genesis.slice(0, -1)) await vs.connect(admin).removeValidator(v);
      const last = genesis[genesis.length - 1];
      expect(await vs.pendingValidators()).to.deep.equal([last]);
      await expect(vs.connect(admin).removeValidator(last))
        .to.be.revertedWithCustomError(vs, "ValidatorSetLastValidator")
        .withArgs(last);
      const lastSigner = await ethers.getSigner(last);
      await expect(vs.connect(lastSigner).leave())
        .to.be.revertedWithCustomError(vs, "ValidatorSetLastValidator")
        .withArgs(last);
      await expect(vs.connect(lastSigner).requestUnstake(GENESIS_STAKE))
        .to.be.revertedWithCustomError(vs, "ValidatorSetLastValidator")
        .withArgs(last);
      // unstaking that keeps the minimum is still allowed
      const min = (await vs.params()).minStake;
      if (GENESIS_STAKE > min) await expect(vs.connect(lastSigner).requestUnstake(GENESIS_STAKE - min)).to.emit(vs, "UnstakeRequested");
      expect(await vs.pendingValidators()).to.deep.equal([last]);
    });

    it("removeValidator revokes approval and removes the validator at the next epoch", async function () {
      const { vs, admin, v2, sortedGenesis } = await loadFixture(stakedGenesisFixture);
      const { block, boundary } = await positionInNextEpoch(vs, 4n);
      const tx = vs.connect(admin).removeValidator(v2.address);
      await expect(tx).to.emit(vs, "CandidateApprovalRevoked").withArgs(v2.address);
      await expect(tx).to.emit(vs, "ValidatorRemoved").withArgs(v2.address, boundary);
      const remaining = sortedGenesis.filter((a) => a !== v2.address);
      expect(await vs.validatorsAt(block)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsAt(boundary - 1n)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsAt(boundary)).to.deep.equal(remaining);
      expect(await vs.isValidatorAt(v2.address, boundary - 1n)).to.equal(true);
      expect(await vs.isValidatorAt(v2.address, boundary)).to.equal(false);
      expect(await vs.isActiveValidator(v2.address)).to.equal(true);
      const rec = await vs.getValidator(v2.address);
      expect(rec.approved).to.equal(false);
      expect(rec.listed).to.equal(false);
      expect(rec.stake).to.equal(GENESIS_STAKE); // stake stays its own
      // a removed validator cannot re-enter by itself
      await expect(vs.connect(v2).join())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotApproved")
        .withArgs(v2.address);
    });

    it("removeValidator of an approved but unlisted candidate only revokes approval", async function () {
      const { vs, admin, c1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).approveCandidate(c1.address);
      const tx = vs.connect(admin).removeValidator(c1.address);
      await expect(tx).to.emit(vs, "CandidateApprovalRevoked").withArgs(c1.address);
      await expect(tx).to.not.emit(vs, "ValidatorRemoved");
      expect((await vs.getValidator(c1.address)).approved).to.equal(false);
    });

    it("removeValidator reverts ValidatorSetNotApproved for an unapproved or already removed account", async function () {
      const { vs, admin, outsider, v1 } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(admin).removeValidator(outsider.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotApproved")
        .withArgs(outsider.address);
      await vs.connect(admin).removeValidator(v1.address);
      await expect(vs.connect(admin).removeValidator(v1.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotApproved")
        .withArgs(v1.address);
    });

    it("swapValidator replaces one validator by a staked candidate at the next epoch", async function () {
      const { vs, admin, v1, c1, sortedGenesis } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(c1).stake(MIN_STAKE);
      const { boundary } = await positionInNextEpoch(vs, 2n);
      const tx = vs.connect(admin).swapValidator(v1.address, c1.address);
      await expect(tx).to.emit(vs, "CandidateApprovalRevoked").withArgs(v1.address);
      await expect(tx).to.emit(vs, "ValidatorRemoved").withArgs(v1.address, boundary);
      await expect(tx).to.emit(vs, "CandidateApproved").withArgs(c1.address);
      await expect(tx).to.emit(vs, "ValidatorAdded").withArgs(c1.address, boundary);
      const newList = sortAddresses([...sortedGenesis.filter((a) => a !== v1.address), c1.address]);
      expect(await vs.validatorsAt(boundary - 1n)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsAt(boundary)).to.deep.equal(newList);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(false);
      expect(await vs.isValidatorAt(c1.address, boundary)).to.equal(true);
      await expectProposers(vs, newList, boundary, boundary + 9n);
    });

    it("swapValidator reverts ValidatorSetNotApproved when the old validator is not approved", async function () {
      const { vs, admin, outsider, c1 } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(admin).swapValidator(outsider.address, c1.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotApproved")
        .withArgs(outsider.address);
    });

    it("swapValidator reverts as a whole when the new validator is already approved", async function () {
      const { vs, admin, v1, v2, sortedGenesis } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(admin).swapValidator(v1.address, v2.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetAlreadyApproved")
        .withArgs(v2.address);
      expect((await vs.getValidator(v1.address)).approved).to.equal(true);
      expect(await vs.pendingValidators()).to.deep.equal(sortedGenesis);
    });
  });

  // ------------------------------------------------------------------------------------------ join / leave
  describe("join / leave", function () {
    it("join reverts ValidatorSetNotApproved for an unapproved account", async function () {
      const { vs, c1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(c1).stake(MIN_STAKE);
      await expect(vs.connect(c1).join())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotApproved")
        .withArgs(c1.address);
    });

    it("join reverts ValidatorSetJailed for a jailed validator", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      const jailBlock = await minedIn(vs.connect(slasher).jail(v1.address, REASON));
      await expect(vs.connect(v1).join())
        .to.be.revertedWithCustomError(vs, "ValidatorSetJailed")
        .withArgs(v1.address, jailBlock + PARAMS.jailPeriod);
    });

    it("join reverts ValidatorSetInsufficientStake below the minimum", async function () {
      const { vs, admin, c1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).approveCandidate(c1.address);
      const part = ethers.parseEther("400");
      await vs.connect(c1).stake(part);
      await expect(vs.connect(c1).join())
        .to.be.revertedWithCustomError(vs, "ValidatorSetInsufficientStake")
        .withArgs(part, MIN_STAKE);
    });

    it("join reverts ValidatorSetAlreadyValidator for a listed validator", async function () {
      const { vs, v1 } = await loadFixture(stakedGenesisFixture);
      await expect(vs.connect(v1).join())
        .to.be.revertedWithCustomError(vs, "ValidatorSetAlreadyValidator")
        .withArgs(v1.address);
    });

    it("join reverts ValidatorSetFull when maxValidators is reached, and succeeds once there is room", async function () {
      const { vs, admin, c1, v1 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(admin).setParams({ ...PARAMS, maxValidators: 4n });
      await vs.connect(admin).approveCandidate(c1.address);
      await expect(vs.connect(c1).stake(MIN_STAKE)).to.not.emit(vs, "ValidatorAdded");
      await expect(vs.connect(c1).join()).to.be.revertedWithCustomError(vs, "ValidatorSetFull").withArgs(4n);

      const { boundary } = await positionInNextEpoch(vs, 1n);
      await vs.connect(v1).leave();
      await expect(vs.connect(c1).join()).to.emit(vs, "ValidatorAdded").withArgs(c1.address, boundary);
      expect(await vs.validatorCountAt(boundary)).to.equal(4n);
      expect(await vs.isValidatorAt(c1.address, boundary)).to.equal(true);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(false);
    });

    it("leave removes the caller at the next epoch and keeps its stake", async function () {
      const { vs, v3, sortedGenesis } = await loadFixture(stakedGenesisFixture);
      const { boundary } = await positionInNextEpoch(vs, 6n);
      await expect(vs.connect(v3).leave()).to.emit(vs, "ValidatorRemoved").withArgs(v3.address, boundary);
      expect(await vs.isValidatorAt(v3.address, boundary - 1n)).to.equal(true);
      expect(await vs.isValidatorAt(v3.address, boundary)).to.equal(false);
      expect(await vs.validatorsAt(boundary)).to.deep.equal(sortedGenesis.filter((a) => a !== v3.address));
      const rec = await vs.getValidator(v3.address);
      expect(rec.stake).to.equal(GENESIS_STAKE);
      expect(rec.approved).to.equal(true);
      expect(rec.listed).to.equal(false);
    });

    it("leave reverts ValidatorSetNotValidator when not in the set", async function () {
      const { vs, outsider, v1 } = await loadFixture(stakedGenesisFixture);
      await expect(vs.connect(outsider).leave())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotValidator")
        .withArgs(outsider.address);
      await vs.connect(v1).leave();
      await expect(vs.connect(v1).leave())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotValidator")
        .withArgs(v1.address);
    });

    it("a validator that left can join again; it re-enters at the following boundary", async function () {
      const { vs, v1 } = await loadFixture(stakedGenesisFixture);
      const first = await positionInNextEpoch(vs, 1n);
      await vs.connect(v1).leave();
      const second = await positionInNextEpoch(vs, 1n);
      expect(second.block).to.equal(first.boundary + 1n);
      await expect(vs.connect(v1).join()).to.emit(vs, "ValidatorAdded").withArgs(v1.address, second.boundary);
      expect(await vs.isValidatorAt(v1.address, first.boundary - 1n)).to.equal(true);
      expect(await vs.isValidatorAt(v1.address, first.boundary)).to.equal(false);
      expect(await vs.isValidatorAt(v1.address, second.boundary - 1n)).to.equal(false);
      expect(await vs.isValidatorAt(v1.address, second.boundary)).to.equal(true);
    });

    it("leaving and re-joining within one epoch leaves the next epoch's set unchanged", async function () {
      const { vs, v1, sortedGenesis } = await loadFixture(stakedGenesisFixture);
      const { boundary } = await positionInNextEpoch(vs, 1n);
      await expect(vs.connect(v1).leave()).to.emit(vs, "ValidatorRemoved").withArgs(v1.address, boundary);
      await expect(vs.connect(v1).join()).to.emit(vs, "ValidatorAdded").withArgs(v1.address, boundary);
      expect(await vs.validatorsAt(boundary)).to.deep.equal(sortedGenesis);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(true);
    });
  });

  // ------------------------------------------------------------------------------------------ round robin / epochs
  describe("round robin and epochs", function () {
    it("proposerFor(h) == list[h % n] over several epochs", async function () {
      const { vs, deployBlock, sortedGenesis } = await loadFixture(deployValidatorSetFixture);
      await expectProposers(vs, sortedGenesis, deployBlock, deployBlock + 4n * PARAMS.epochLength + 3n);
    });

    it("the proposer order follows a shrunken list from the boundary on", async function () {
      const { vs, admin, v2, sortedGenesis } = await loadFixture(deployValidatorSetFixture);
      const { block, boundary } = await positionInNextEpoch(vs, 5n);
      await vs.connect(admin).removeValidator(v2.address);
      const three = sortedGenesis.filter((a) => a !== v2.address);
      await expectProposers(vs, sortedGenesis, block - 3n, boundary - 1n);
      await expectProposers(vs, three, boundary, boundary + 3n * PARAMS.epochLength);
    });

    it("validatorsForEpoch returns the past, current and next epochs' lists", async function () {
      const { vs, admin, c1, sortedGenesis } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(c1).stake(MIN_STAKE);
      await positionInNextEpoch(vs, 2n);
      await vs.connect(admin).approveCandidate(c1.address);
      const current = await vs.epochOf(await latestBlock());
      const newList = sortAddresses([...sortedGenesis, c1.address]);
      expect(await vs.validatorsForEpoch(0n)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsForEpoch(current - 1n)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsForEpoch(current)).to.deep.equal(sortedGenesis);
      expect(await vs.validatorsForEpoch(current + 1n)).to.deep.equal(newList);
      expect(await vs.validatorsForEpoch(current + 5n)).to.deep.equal(newList);
    });

    it("epochOf / epochStartBlock / nextEpochStartBlock agree with anchor + k * epochLength", async function () {
      const { vs, deployBlock } = await loadFixture(deployValidatorSetFixture);
      const L = PARAMS.epochLength;
      for (let b = deployBlock; b < deployBlock + 5n * L; b++) {
        const e = (b - deployBlock) / L;
        expect(await vs.epochOf(b), `epochOf(${b})`).to.equal(e);
        expect(await vs.epochStartBlock(e)).to.equal(deployBlock + e * L);
      }
      // nextEpochStartBlock at the last block of an epoch, and at the first block of the next one
      const start3 = deployBlock + 3n * L;
      await mineTo(start3 - 1n);
      expect(await vs.nextEpochStartBlock()).to.equal(start3);
      await mine();
      expect(await vs.nextEpochStartBlock()).to.equal(start3 + L);
      expect(await vs.epochOf(await latestBlock())).to.equal(3n);
    });

    it("proposerFor reverts ValidatorSetEmpty for a block where no list is in force", async function () {
      const { vs, admin, slasher, genesis, deployBlock } = await loadFixture(deployValidatorSetFixture);
      // before genesis
      await expect(vs.proposerFor(deployBlock - 1n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetEmpty")
        .withArgs(deployBlock - 1n);
      // after every validator has been removed (the last one can only go by jail)
      const { boundary } = await positionInNextEpoch(vs, 1n);
      for (const v of genesis.slice(0, -1)) {
        await expect(vs.connect(admin).removeValidator(v)).to.emit(vs, "ValidatorRemoved").withArgs(v, boundary);
      }
      const last = genesis[genesis.length - 1];
      await expect(vs.connect(slasher).jail(last, ethers.encodeBytes32String("test")))
        .to.emit(vs, "ValidatorRemoved")
        .withArgs(last, boundary);
      expect(await vs.pendingValidators()).to.deep.equal([]);
      expect(await vs.validatorCountAt(boundary)).to.equal(0n);
      expect(await vs.validatorsAt(boundary)).to.deep.equal([]);
      await expect(vs.proposerFor(boundary)).to.be.revertedWithCustomError(vs, "ValidatorSetEmpty").withArgs(boundary);
      await expect(vs.proposerFor(boundary + 7n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetEmpty")
        .withArgs(boundary + 7n);
      // the last block before the boundary still has its proposer
      expect(await vs.proposerFor(boundary - 1n)).to.equal(expectedProposer(sortAddresses(genesis), boundary - 1n));
    });

    it("epochs before the previous anchor become unknown after two epoch-length changes", async function () {
      const { vs, admin, deployBlock } = await loadFixture(deployValidatorSetFixture);
      // first change: length 10 -> 5 at the next boundary
      const first = await positionInNextEpoch(vs, 2n);
      const firstEpoch = await vs.epochOf(first.boundary - 1n); // epoch containing the change
      await expect(vs.connect(admin).setParams({ ...PARAMS, epochLength: 5n }))
        .to.emit(vs, "ParamsChanged")
        .withArgs(paramsTuple({ ...PARAMS, epochLength: 5n }), first.boundary);
      // the old epochs are still known: the previous anchor is the genesis one
      expect(await vs.epochStartBlock(0n)).to.equal(deployBlock);
      expect(await vs.epochOf(deployBlock)).to.equal(0n);

      // second change after the first took effect: length 5 -> 8
      const anchor1 = first.boundary;
      const anchor1Epoch = firstEpoch + 1n;
      await nextTxAt(anchor1 + 2n);
      await expect(vs.connect(admin).setParams({ ...PARAMS, epochLength: 8n, unbondingPeriod: 20n }))
        .to.emit(vs, "ParamsChanged")
        .withArgs(paramsTuple({ ...PARAMS, epochLength: 8n }), anchor1 + 5n);

      // epochs from the previous anchor on are known ...
      expect(await vs.epochStartBlock(anchor1Epoch)).to.equal(anchor1);
      expect(await vs.epochOf(anchor1)).to.equal(anchor1Epoch);
      expect(await vs.epochOf(anchor1 + 4n)).to.equal(anchor1Epoch);
      expect(await vs.epochOf(anchor1 + 5n)).to.equal(anchor1Epoch + 1n);
      expect(await vs.epochOf(anchor1 + 12n)).to.equal(anchor1Epoch + 1n);
      expect(await vs.epochOf(anchor1 + 13n)).to.equal(anchor1Epoch + 2n);
      // ... those before it are not
      await expect(vs.epochStartBlock(anchor1Epoch - 1n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetUnknownEpoch")
        .withArgs(anchor1Epoch - 1n);
      await expect(vs.validatorsForEpoch(0n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetUnknownEpoch")
        .withArgs(0n);
      await expect(vs.epochOf(anchor1 - 1n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetUnknownBlock")
        .withArgs(anchor1 - 1n);
    });
  });

  // ------------------------------------------------------------------------------------------ setParams
  describe("setParams", function () {
    it("stores the parameters and emits ParamsChanged with the current anchor when the epoch length is unchanged", async function () {
      const { vs, admin, deployBlock } = await loadFixture(deployValidatorSetFixture);
      const p: VsParams = {
        ...PARAMS,
        maxValidators: 7n,
        minStake: MIN_STAKE * 2n,
        unbondingPeriod: 50n,
        jailPeriod: 0n,
      };
      await expect(vs.connect(admin).setParams(p)).to.emit(vs, "ParamsChanged").withArgs(paramsTuple(p), deployBlock);
      expect(await vs.params()).to.deep.equal(paramsTuple(p));
    });

    it("an epoch-length change applies from the next boundary; epochs stay consistent on both sides", async function () {
      const { vs, admin, deployBlock } = await loadFixture(deployValidatorSetFixture);
      const { block, boundary } = await positionInNextEpoch(vs, 5n);
      const e = await vs.epochOf(block);
      const p: VsParams = { ...PARAMS, epochLength: 4n };
      await expect(vs.connect(admin).setParams(p)).to.emit(vs, "ParamsChanged").withArgs(paramsTuple(p), boundary);
      expect((await vs.params()).epochLength).to.equal(4n);

      // before the boundary: the old length
      expect(await vs.epochOf(deployBlock)).to.equal(0n);
      expect(await vs.epochOf(boundary - 10n)).to.equal(e);
      expect(await vs.epochOf(boundary - 1n)).to.equal(e);
      expect(await vs.epochStartBlock(e)).to.equal(boundary - 10n);
      expect(await vs.epochStartBlock(1n)).to.equal(deployBlock + 10n);
      expect(await vs.nextEpochStartBlock()).to.equal(boundary);
      // from the boundary: the new length
      expect(await vs.epochOf(boundary)).to.equal(e + 1n);
      expect(await vs.epochOf(boundary + 3n)).to.equal(e + 1n);
      expect(await vs.epochOf(boundary + 4n)).to.equal(e + 2n);
      expect(await vs.epochStartBlock(e + 1n)).to.equal(boundary);
      expect(await vs.epochStartBlock(e + 2n)).to.equal(boundary + 4n);
      expect(await vs.epochStartBlock(e + 3n)).to.equal(boundary + 8n);

      await mineTo(boundary - 1n);
      expect(await vs.nextEpochStartBlock()).to.equal(boundary);
      await mine();
      expect(await vs.nextEpochStartBlock()).to.equal(boundary + 4n);
      await mineTo(boundary + 4n);
      expect(await vs.nextEpochStartBlock()).to.equal(boundary + 8n);
    });

    it("membership changes use the pending boundary while a length change is pending, the new length after", async function () {
      const { vs, admin, c1, c2 } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(c2).stake(MIN_STAKE); // c2 staked but not approved yet
      const { boundary } = await positionInNextEpoch(vs, 5n);
      await vs.connect(admin).setParams({ ...PARAMS, epochLength: 4n });
      await vs.connect(admin).approveCandidate(c1.address);
      await expect(vs.connect(c1).stake(MIN_STAKE)).to.emit(vs, "ValidatorAdded").withArgs(c1.address, boundary);
      expect(await vs.isValidatorAt(c1.address, boundary - 1n)).to.equal(false);
      expect(await vs.isValidatorAt(c1.address, boundary)).to.equal(true);

      // one block into the first short epoch: next boundary is boundary + 4
      await nextTxAt(boundary + 1n);
      await expect(vs.connect(admin).approveCandidate(c2.address))
        .to.emit(vs, "ValidatorAdded")
        .withArgs(c2.address, boundary + 4n);
      expect(await vs.isValidatorAt(c2.address, boundary + 3n)).to.equal(false);
      expect(await vs.isValidatorAt(c2.address, boundary + 4n)).to.equal(true);
      expect(await vs.validatorCountAt(boundary)).to.equal(5n);
      expect(await vs.validatorCountAt(boundary + 4n)).to.equal(6n);
    });

    it("a second length change while one is pending keeps the pending boundary and replaces the length", async function () {
      const { vs, admin } = await loadFixture(deployValidatorSetFixture);
      const { block, boundary } = await positionInNextEpoch(vs, 5n);
      const e = await vs.epochOf(block);
      await vs.connect(admin).setParams({ ...PARAMS, epochLength: 4n });
      const p6: VsParams = { ...PARAMS, epochLength: 6n };
      await expect(vs.connect(admin).setParams(p6)).to.emit(vs, "ParamsChanged").withArgs(paramsTuple(p6), boundary);
      expect(await vs.epochOf(boundary - 1n)).to.equal(e);
      expect(await vs.epochOf(boundary)).to.equal(e + 1n);
      expect(await vs.epochOf(boundary + 5n)).to.equal(e + 1n);
      expect(await vs.epochOf(boundary + 6n)).to.equal(e + 2n);
      expect(await vs.epochStartBlock(e + 2n)).to.equal(boundary + 6n);
    });

    describe("rejects invalid parameters", function () {
      const cases: { params: VsParams; name: string; value: bigint }[] = [
        { params: { ...PARAMS, maxValidators: 0n }, name: "maxValidators", value: 0n },
        { params: { ...PARAMS, maxValidators: 101n }, name: "maxValidators", value: 101n },
        { params: { ...PARAMS, epochLength: 0n }, name: "epochLength", value: 0n },
        { params: { ...PARAMS, unbondingPeriod: 9n }, name: "unbondingPeriod", value: 9n },
        { params: { ...PARAMS, jailPeriod: UINT32_MAX + 1n }, name: "jailPeriod", value: UINT32_MAX + 1n },
      ];
      for (const c of cases) {
        it(`reverts ValidatorSetInvalidParameter("${c.name}", ${c.value})`, async function () {
          const { vs, admin } = await loadFixture(deployValidatorSetFixture);
          await expect(vs.connect(admin).setParams(c.params))
            .to.be.revertedWithCustomError(vs, "ValidatorSetInvalidParameter")
            .withArgs(c.name, c.value);
        });
      }
    });

    it("is GOVERNANCE_ROLE only", async function () {
      const { vs, pauser } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(pauser).setParams(PARAMS))
        .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
        .withArgs(pauser.address, GOVERNANCE_ROLE);
    });
  });

  // ------------------------------------------------------------------------------------------ unstake / withdraw
  describe("requestUnstake / withdraw", function () {
    it("requestUnstake moves stake to unbonding with releaseBlock = block + unbondingPeriod", async function () {
      const { vs, vsAddress, token, v1 } = await loadFixture(stakedGenesisFixture);
      const amount = ethers.parseEther("400");
      const block = (await latestBlock()) + 1n;
      const tx = vs.connect(v1).requestUnstake(amount);
      await expect(tx)
        .to.emit(vs, "UnstakeRequested")
        .withArgs(v1.address, amount, block + PARAMS.unbondingPeriod);
      await expect(tx).to.not.emit(vs, "ValidatorRemoved");
      const rec = await vs.getValidator(v1.address);
      expect(rec.stake).to.equal(GENESIS_STAKE - amount);
      expect(rec.unbonding).to.equal(amount);
      expect(rec.unbondingReleaseBlock).to.equal(block + PARAMS.unbondingPeriod);
      expect(rec.listed).to.equal(true);
      expect(await vs.slashableStake(v1.address)).to.equal(GENESIS_STAKE);
      // no tokens move yet
      expect(await token.balanceOf(vsAddress)).to.equal(GENESIS_STAKE * 4n);
    });

    it("requestUnstake below the minimum removes the validator at the next epoch", async function () {
      const { vs, v1 } = await loadFixture(stakedGenesisFixture);
      const { boundary } = await positionInNextEpoch(vs, 3n);
      const amount = GENESIS_STAKE - MIN_STAKE + 1n;
      await expect(vs.connect(v1).requestUnstake(amount))
        .to.emit(vs, "ValidatorRemoved")
        .withArgs(v1.address, boundary);
      expect(await vs.isValidatorAt(v1.address, boundary - 1n)).to.equal(true);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(false);
      expect((await vs.getValidator(v1.address)).listed).to.equal(false);
    });

    it("a second request restarts the unbonding period for the whole unbonding amount", async function () {
      const { vs, v1 } = await loadFixture(stakedGenesisFixture);
      const a = ethers.parseEther("100");
      await vs.connect(v1).requestUnstake(a);
      await mine(5);
      const block = (await latestBlock()) + 1n;
      await vs.connect(v1).requestUnstake(a);
      const rec = await vs.getValidator(v1.address);
      expect(rec.unbonding).to.equal(2n * a);
      expect(rec.unbondingReleaseBlock).to.equal(block + PARAMS.unbondingPeriod);
    });

    it("requestUnstake reverts ValidatorSetZeroAmount, ValidatorSetInsufficientStake and ValidatorSetJailed", async function () {
      const { vs, slasher, v1, v2 } = await loadFixture(stakedGenesisFixture);
      await expect(vs.connect(v1).requestUnstake(0n)).to.be.revertedWithCustomError(vs, "ValidatorSetZeroAmount");
      await expect(vs.connect(v1).requestUnstake(GENESIS_STAKE + 1n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetInsufficientStake")
        .withArgs(GENESIS_STAKE, GENESIS_STAKE + 1n);
      const jailBlock = await minedIn(vs.connect(slasher).jail(v2.address, REASON));
      await expect(vs.connect(v2).requestUnstake(1n))
        .to.be.revertedWithCustomError(vs, "ValidatorSetJailed")
        .withArgs(v2.address, jailBlock + PARAMS.jailPeriod);
    });

    it("withdraw reverts ValidatorSetNothingToWithdraw with nothing unbonding", async function () {
      const { vs, v1 } = await loadFixture(stakedGenesisFixture);
      await expect(vs.connect(v1).withdraw())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNothingToWithdraw")
        .withArgs(v1.address);
    });

    it("withdraw reverts ValidatorSetUnbonding before the release block, then pays out at it", async function () {
      const { vs, token, v1 } = await loadFixture(stakedGenesisFixture);
      const amount = ethers.parseEther("600");
      const reqBlock = await minedIn(vs.connect(v1).requestUnstake(amount));
      const release = reqBlock + PARAMS.unbondingPeriod;
      await expect(vs.connect(v1).withdraw())
        .to.be.revertedWithCustomError(vs, "ValidatorSetUnbonding")
        .withArgs(release);
      await nextTxAt(release - 1n);
      await expect(vs.connect(v1).withdraw())
        .to.be.revertedWithCustomError(vs, "ValidatorSetUnbonding")
        .withArgs(release);

      await nextTxAt(release);
      const tx = vs.connect(v1).withdraw();
      await expect(tx).to.emit(vs, "Withdrawn").withArgs(v1.address, amount);
      await expect(tx).to.changeTokenBalances(token, [v1, vs], [amount, -amount]);
      expect(await minedIn(tx)).to.equal(release);
      const rec = await vs.getValidator(v1.address);
      expect(rec.unbonding).to.equal(0n);
      expect(rec.unbondingReleaseBlock).to.equal(0n);
      expect(rec.stake).to.equal(GENESIS_STAKE - amount);
      await expect(vs.connect(v1).withdraw())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNothingToWithdraw")
        .withArgs(v1.address);
    });

    it("withdraw reverts ValidatorSetJailed for a jailed validator even after release", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      await vs.connect(v1).requestUnstake(ethers.parseEther("100"));
      const jailBlock = await minedIn(vs.connect(slasher).jail(v1.address, REASON));
      await mine(PARAMS.unbondingPeriod + 1n);
      await expect(vs.connect(v1).withdraw())
        .to.be.revertedWithCustomError(vs, "ValidatorSetJailed")
        .withArgs(v1.address, jailBlock + PARAMS.jailPeriod);
    });
  });

  // ------------------------------------------------------------------------------------------ slashing
  describe("slash / rewards", function () {
    it("slash to the treasury takes the fraction of stake, sends it to the treasury and emits Slashed", async function () {
      const { vs, token, slasher, treasury, v1 } = await loadFixture(stakedGenesisFixture);
      const expected = (GENESIS_STAKE * 1000n) / BPS;
      expect(await vs.connect(slasher).slash.staticCall(v1.address, 1000n, REASON)).to.equal(expected);
      const tx = vs.connect(slasher).slash(v1.address, 1000n, REASON);
      await expect(tx).to.emit(vs, "Slashed").withArgs(v1.address, expected, REASON, SlashDestination.Treasury);
      await expect(tx).to.changeTokenBalances(token, [treasury, vs, v1], [expected, -expected, 0n]);
      await expect(tx).to.not.emit(vs, "RewardsCredited");
      await expect(tx).to.not.emit(vs, "ValidatorRemoved");
      expect((await vs.getValidator(v1.address)).stake).to.equal(GENESIS_STAKE - expected);
      expect(await vs.slashableStake(v1.address)).to.equal(GENESIS_STAKE - expected);
    });

    it("slash takes from bonded stake first, then from unbonding", async function () {
      const { vs, token, slasher, treasury, v1 } = await loadFixture(stakedGenesisFixture);
      const unb = ethers.parseEther("1500");
      await vs.connect(v1).requestUnstake(unb); // stake 500, unbonding 1500
      const expected = GENESIS_STAKE / 2n; // 50% of 2000 = 1000
      await expect(vs.connect(slasher).slash(v1.address, 5000n, REASON)).to.changeTokenBalance(
        token,
        treasury,
        expected,
      );
      const rec = await vs.getValidator(v1.address);
      expect(rec.stake).to.equal(0n);
      expect(rec.unbonding).to.equal(unb - (expected - (GENESIS_STAKE - unb)));
      expect(await vs.slashableStake(v1.address)).to.equal(GENESIS_STAKE - expected);
    });

    it("a 100% slash takes everything", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      await vs.connect(v1).requestUnstake(ethers.parseEther("300"));
      await expect(vs.connect(slasher).slash(v1.address, BPS, REASON))
        .to.emit(vs, "Slashed")
        .withArgs(v1.address, GENESIS_STAKE, REASON, SlashDestination.Treasury);
      expect(await vs.slashableStake(v1.address)).to.equal(0n);
    });

    it("slash reverts ValidatorSetInvalidParameter for more than 10000 bps", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      await expect(vs.connect(slasher).slash(v1.address, BPS + 1n, REASON))
        .to.be.revertedWithCustomError(vs, "ValidatorSetInvalidParameter")
        .withArgs("fractionBps", BPS + 1n);
    });

    it("slash of nothing returns 0 and emits nothing", async function () {
      const { vs, slasher, outsider } = await loadFixture(stakedGenesisFixture);
      expect(await vs.connect(slasher).slash.staticCall(outsider.address, 5000n, REASON)).to.equal(0n);
      await expect(vs.connect(slasher).slash(outsider.address, 5000n, REASON)).to.not.emit(vs, "Slashed");
    });

    it("a slash that drops the stake below the minimum removes the validator at the next epoch", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      const { boundary } = await positionInNextEpoch(vs, 2n);
      await expect(vs.connect(slasher).slash(v1.address, 5001n, REASON))
        .to.emit(vs, "ValidatorRemoved")
        .withArgs(v1.address, boundary);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(false);
      expect((await vs.getValidator(v1.address)).approved).to.equal(true);
    });

    it("setSlashDestination stores destination and treasury, emits, and rejects a zero treasury", async function () {
      const { vs, admin, outsider } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(admin).setSlashDestination(SlashDestination.Validators, outsider.address))
        .to.emit(vs, "SlashDestinationChanged")
        .withArgs(SlashDestination.Validators, outsider.address);
      const [d, t] = await vs.slashDestination();
      expect(d).to.equal(SlashDestination.Validators);
      expect(t).to.equal(outsider.address);
      await expect(vs.connect(admin).setSlashDestination(SlashDestination.Treasury, ethers.ZeroAddress))
        .to.be.revertedWithCustomError(vs, "SystemContractZeroAddress")
        .withArgs("treasury");
    });

    it("slash to the validators credits equal shares to the other validators in force, remainder to the treasury", async function () {
      const { vs, vsAddress, token, admin, slasher, treasury, v1, v2, v3, v4 } = await loadFixture(
        stakedGenesisFixture,
      );
      await vs.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      const amount = (GENESIS_STAKE * 1000n) / BPS; // 200 tokens
      const share = amount / 3n;
      const remainder = amount - 3n * share;
      expect(remainder).to.be.greaterThan(0n);
      const tx = vs.connect(slasher).slash(v1.address, 1000n, REASON);
      await expect(tx).to.emit(vs, "Slashed").withArgs(v1.address, amount, REASON, SlashDestination.Validators);
      for (const v of [v2, v3, v4]) await expect(tx).to.emit(vs, "RewardsCredited").withArgs(v.address, share);
      await expect(tx).to.changeTokenBalances(token, [treasury, vs], [remainder, -remainder]);
      for (const v of [v2, v3, v4]) expect((await vs.getValidator(v.address)).rewards).to.equal(share);
      expect((await vs.getValidator(v1.address)).rewards).to.equal(0n);
      // the contract still holds every stake and reward it owes
      expect(await token.balanceOf(vsAddress)).to.equal(4n * GENESIS_STAKE - amount + 3n * share);
    });

    it("slash to the validators shares among all in force when the offender is not one of them", async function () {
      const { vs, admin, slasher, treasury, c1, genesisSigners } = await loadFixture(stakedGenesisFixture);
      await vs.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      await vs.connect(c1).stake(ethers.parseEther("400"));
      const amount = ethers.parseEther("40");
      const tx = vs.connect(slasher).slash(c1.address, 1000n, REASON);
      for (const v of genesisSigners) {
        await expect(tx)
          .to.emit(vs, "RewardsCredited")
          .withArgs(v.address, amount / 4n);
      }
    });

    it("slash to the validators credits the set in force, not the pending one", async function () {
      const { vs, admin, slasher, treasury, c1, v1, v2, v3, v4 } = await loadFixture(stakedGenesisFixture);
      await vs.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      await positionInNextEpoch(vs, 1n);
      await vs.connect(c1).stake(MIN_STAKE);
      await vs.connect(admin).approveCandidate(c1.address); // pending for the next epoch
      const amount = (GENESIS_STAKE * 1500n) / BPS;
      const share = amount / 3n;
      const tx = vs.connect(slasher).slash(v1.address, 1500n, REASON);
      for (const v of [v2, v3, v4]) await expect(tx).to.emit(vs, "RewardsCredited").withArgs(v.address, share);
      expect((await vs.getValidator(c1.address)).rewards).to.equal(0n);
    });

    it("claimRewards transfers the rewards and emits RewardsClaimed; then ValidatorSetNoRewards", async function () {
      const { vs, token, admin, slasher, treasury, v1, v2 } = await loadFixture(stakedGenesisFixture);
      await vs.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      await vs.connect(slasher).slash(v1.address, 1000n, REASON);
      const share = (GENESIS_STAKE * 1000n) / BPS / 3n;
      const tx = vs.connect(v2).claimRewards();
      await expect(tx).to.emit(vs, "RewardsClaimed").withArgs(v2.address, share);
      await expect(tx).to.changeTokenBalances(token, [v2, vs], [share, -share]);
      expect((await vs.getValidator(v2.address)).rewards).to.equal(0n);
      expect((await vs.getValidator(v2.address)).stake).to.equal(GENESIS_STAKE);
      await expect(vs.connect(v2).claimRewards())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNoRewards")
        .withArgs(v2.address);
    });

    it("claimRewards reverts ValidatorSetNoRewards for an account without rewards", async function () {
      const { vs, outsider } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(outsider).claimRewards())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNoRewards")
        .withArgs(outsider.address);
    });

    it("forfeitRewards sends forfeited rewards to the treasury (Treasury destination)", async function () {
      const { vs, token, admin, slasher, treasury, v1, v2 } = await loadFixture(stakedGenesisFixture);
      await vs.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      await vs.connect(slasher).slash(v1.address, 1000n, REASON);
      const share = (GENESIS_STAKE * 1000n) / BPS / 3n;
      await vs.connect(admin).setSlashDestination(SlashDestination.Treasury, treasury.address);
      expect(await vs.connect(slasher).forfeitRewards.staticCall(v2.address)).to.equal(share);
      const tx = vs.connect(slasher).forfeitRewards(v2.address);
      await expect(tx).to.emit(vs, "RewardsForfeited").withArgs(v2.address, share);
      await expect(tx).to.changeTokenBalances(token, [treasury, vs, v2], [share, -share, 0n]);
      expect((await vs.getValidator(v2.address)).rewards).to.equal(0n);
      await expect(vs.connect(v2).claimRewards()).to.be.revertedWithCustomError(vs, "ValidatorSetNoRewards");
    });

    it("forfeitRewards shares forfeited rewards among the other validators (Validators destination)", async function () {
      const { vs, admin, slasher, treasury, v1, v2, v3, v4 } = await loadFixture(stakedGenesisFixture);
      await vs.connect(admin).setSlashDestination(SlashDestination.Validators, treasury.address);
      await vs.connect(slasher).slash(v1.address, 1200n, REASON); // 240 tokens -> 80 each to v2..v4
      const share = (GENESIS_STAKE * 1200n) / BPS / 3n;
      const tx = vs.connect(slasher).forfeitRewards(v2.address);
      await expect(tx).to.emit(vs, "RewardsForfeited").withArgs(v2.address, share);
      for (const v of [v1, v3, v4])
        await expect(tx)
          .to.emit(vs, "RewardsCredited")
          .withArgs(v.address, share / 3n);
      expect((await vs.getValidator(v2.address)).rewards).to.equal(0n);
      expect((await vs.getValidator(v1.address)).rewards).to.equal(share / 3n);
      expect((await vs.getValidator(v3.address)).rewards).to.equal(share + share / 3n);
    });

    it("forfeitRewards returns 0 and emits nothing without rewards", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      expect(await vs.connect(slasher).forfeitRewards.staticCall(v1.address)).to.equal(0n);
      await expect(vs.connect(slasher).forfeitRewards(v1.address)).to.not.emit(vs, "RewardsForfeited");
    });
  });

  // ------------------------------------------------------------------------------------------ jail
  describe("jail / unjail / releaseValidator", function () {
    it("jail emits Jailed, marks the validator and removes it at the next epoch", async function () {
      const { vs, slasher, v1, sortedGenesis } = await loadFixture(stakedGenesisFixture);
      const { block, boundary } = await positionInNextEpoch(vs, 4n);
      const tx = vs.connect(slasher).jail(v1.address, REASON);
      await expect(tx)
        .to.emit(vs, "Jailed")
        .withArgs(v1.address, block + PARAMS.jailPeriod, REASON);
      await expect(tx).to.emit(vs, "ValidatorRemoved").withArgs(v1.address, boundary);
      const rec = await vs.getValidator(v1.address);
      expect(rec.jailed).to.equal(true);
      expect(rec.jailedUntil).to.equal(block + PARAMS.jailPeriod);
      expect(rec.listed).to.equal(false);
      expect(rec.stake).to.equal(GENESIS_STAKE);
      expect(await vs.isValidatorAt(v1.address, boundary - 1n)).to.equal(true);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(false);
      expect(await vs.validatorsAt(boundary)).to.deep.equal(sortedGenesis.filter((a) => a !== v1.address));
    });

    it("jailing again extends the term without a second removal", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      await vs.connect(slasher).jail(v1.address, REASON);
      await mine(5);
      const block = (await latestBlock()) + 1n;
      const tx = vs.connect(slasher).jail(v1.address, REASON);
      await expect(tx)
        .to.emit(vs, "Jailed")
        .withArgs(v1.address, block + PARAMS.jailPeriod, REASON);
      await expect(tx).to.not.emit(vs, "ValidatorRemoved");
      expect((await vs.getValidator(v1.address)).jailedUntil).to.equal(block + PARAMS.jailPeriod);
    });

    it("unjail reverts ValidatorSetNotJailed for a free account", async function () {
      const { vs, v1 } = await loadFixture(stakedGenesisFixture);
      await expect(vs.connect(v1).unjail())
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotJailed")
        .withArgs(v1.address);
    });

    it("unjail reverts ValidatorSetStillJailed before the term ends, then releases and re-lists", async function () {
      const { vs, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      const until = (await minedIn(vs.connect(slasher).jail(v1.address, REASON))) + PARAMS.jailPeriod;
      await expect(vs.connect(v1).unjail())
        .to.be.revertedWithCustomError(vs, "ValidatorSetStillJailed")
        .withArgs(v1.address, until);
      await nextTxAt(until - 1n);
      await expect(vs.connect(v1).unjail())
        .to.be.revertedWithCustomError(vs, "ValidatorSetStillJailed")
        .withArgs(v1.address, until);

      await nextTxAt(until);
      const boundary = await vs.epochStartBlock((await vs.epochOf(until)) + 1n);
      const tx = vs.connect(v1).unjail();
      await expect(tx).to.emit(vs, "Released").withArgs(v1.address, v1.address);
      await expect(tx).to.emit(vs, "ValidatorAdded").withArgs(v1.address, boundary);
      expect(await minedIn(tx)).to.equal(until);
      const rec = await vs.getValidator(v1.address);
      expect(rec.jailed).to.equal(false);
      expect(rec.jailedUntil).to.equal(0n);
      expect(rec.listed).to.equal(true);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(true);
    });

    it("unjail of a validator no longer eligible releases it without listing", async function () {
      const { vs, slasher, v1 } = await loadFixture(deployValidatorSetFixture); // genesis validators have no stake
      await vs.connect(slasher).jail(v1.address, REASON);
      await mine(PARAMS.jailPeriod);
      const tx = vs.connect(v1).unjail();
      await expect(tx).to.emit(vs, "Released").withArgs(v1.address, v1.address);
      await expect(tx).to.not.emit(vs, "ValidatorAdded");
      expect((await vs.getValidator(v1.address)).listed).to.equal(false);
    });

    it("releaseValidator lets governance release early; within the same epoch the validator never leaves", async function () {
      const { vs, admin, slasher, v1 } = await loadFixture(stakedGenesisFixture);
      const { boundary } = await positionInNextEpoch(vs, 1n);
      await vs.connect(slasher).jail(v1.address, REASON);
      const tx = vs.connect(admin).releaseValidator(v1.address);
      await expect(tx).to.emit(vs, "Released").withArgs(v1.address, admin.address);
      await expect(tx).to.emit(vs, "ValidatorAdded").withArgs(v1.address, boundary);
      expect((await vs.getValidator(v1.address)).jailed).to.equal(false);
      expect(await vs.isValidatorAt(v1.address, boundary)).to.equal(true);
    });

    it("releaseValidator reverts ValidatorSetNotJailed for a free account", async function () {
      const { vs, admin, v1 } = await loadFixture(stakedGenesisFixture);
      await expect(vs.connect(admin).releaseValidator(v1.address))
        .to.be.revertedWithCustomError(vs, "ValidatorSetNotJailed")
        .withArgs(v1.address);
    });
  });

  // ------------------------------------------------------------------------------------------ pause
  describe("pause / unpause", function () {
    it("PAUSER_ROLE and governance can pause", async function () {
      const { vs, admin, pauser } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(pauser).pause()).to.emit(vs, "Paused").withArgs(pauser.address);
      expect(await vs.paused()).to.equal(true);
      await vs.connect(admin).unpause();
      await expect(vs.connect(admin).pause()).to.emit(vs, "Paused").withArgs(admin.address);
    });

    it("an outsider cannot pause", async function () {
      const { vs, outsider } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(outsider).pause())
        .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, PAUSER_ROLE);
    });

    it("only governance can unpause", async function () {
      const { vs, admin, pauser } = await loadFixture(deployValidatorSetFixture);
      await vs.connect(pauser).pause();
      await expect(vs.connect(pauser).unpause())
        .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
        .withArgs(pauser.address, GOVERNANCE_ROLE);
      await expect(vs.connect(admin).unpause()).to.emit(vs, "Unpaused").withArgs(admin.address);
      expect(await vs.paused()).to.equal(false);
    });

    it("stake, stakeFor, requestUnstake, withdraw, claimRewards, join and unjail revert EnforcedPause while paused", async function () {
      const { vs, admin, pauser, slasher, v1, v2, c1, funder } = await loadFixture(stakedGenesisFixture);
      await vs.connect(v1).requestUnstake(ethers.parseEther("100"));
      await vs.connect(slasher).jail(v2.address, REASON);
      await vs.connect(admin).approveCandidate(c1.address);
      await vs.connect(pauser).pause();
      await mine(PARAMS.jailPeriod + PARAMS.unbondingPeriod);
      const calls: [string, () => Promise<unknown>][] = [
        ["stake", () => vs.connect(c1).stake(MIN_STAKE)],
        ["stakeFor", () => vs.connect(funder).stakeFor(c1.address, MIN_STAKE)],
        ["requestUnstake", () => vs.connect(v1).requestUnstake(1n)],
        ["withdraw", () => vs.connect(v1).withdraw()],
        ["claimRewards", () => vs.connect(v1).claimRewards()],
        ["join", () => vs.connect(c1).join()],
        ["unjail", () => vs.connect(v2).unjail()],
      ];
      for (const [name, call] of calls) {
        await expect(call(), name).to.be.revertedWithCustomError(vs, "EnforcedPause");
      }
      // leave is not pausable (a validator can always step down)
      await expect(vs.connect(v1).leave()).to.emit(vs, "ValidatorRemoved");
      // after unpausing everything works again
      await vs.connect(admin).unpause();
      await expect(vs.connect(c1).stake(MIN_STAKE)).to.emit(vs, "Staked");
      await expect(vs.connect(v1).withdraw()).to.emit(vs, "Withdrawn");
      await expect(vs.connect(v2).unjail()).to.emit(vs, "Released");
    });
  });

  // ------------------------------------------------------------------------------------------ access control
  describe("access control", function () {
    it("every governance function reverts AccessControlUnauthorizedAccount for an outsider", async function () {
      const { vs, outsider, v1, c1, treasury } = await loadFixture(deployValidatorSetFixture);
      const o = vs.connect(outsider);
      const calls: [string, () => Promise<unknown>][] = [
        ["approveCandidate", () => o.approveCandidate(c1.address)],
        ["removeValidator", () => o.removeValidator(v1.address)],
        ["swapValidator", () => o.swapValidator(v1.address, c1.address)],
        ["releaseValidator", () => o.releaseValidator(v1.address)],
        ["setParams", () => o.setParams(PARAMS)],
        ["setSlashDestination", () => o.setSlashDestination(SlashDestination.Validators, treasury.address)],
        ["unpause", () => o.unpause()],
        ["upgradeToAndCall", () => o.upgradeToAndCall(c1.address, "0x")],
      ];
      for (const [name, call] of calls) {
        await expect(call(), name)
          .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
          .withArgs(outsider.address, GOVERNANCE_ROLE);
      }
    });

    it("every slasher function reverts AccessControlUnauthorizedAccount for an outsider and for governance", async function () {
      const { vs, admin, outsider, v1 } = await loadFixture(stakedGenesisFixture);
      for (const caller of [outsider, admin]) {
        const s = vs.connect(caller);
        const calls: [string, () => Promise<unknown>][] = [
          ["slash", () => s.slash(v1.address, 100n, REASON)],
          ["jail", () => s.jail(v1.address, REASON)],
          ["forfeitRewards", () => s.forfeitRewards(v1.address)],
        ];
        for (const [name, call] of calls) {
          await expect(call(), name)
            .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, SLASHER_ROLE);
        }
      }
    });

    it("only DEFAULT_ADMIN_ROLE can grant roles", async function () {
      const { vs, outsider } = await loadFixture(deployValidatorSetFixture);
      await expect(vs.connect(outsider).grantRole(SLASHER_ROLE, outsider.address))
        .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, DEFAULT_ADMIN_ROLE);
    });
  });

  // ------------------------------------------------------------------------------------------ upgrades
  describe("upgrades", function () {
    /** State worth comparing across an upgrade. */
    async function snapshot(vs: ValidatorSet, accounts: string[]) {
      const block = await latestBlock();
      return {
        validators: await vs.getValidators(),
        pending: await vs.pendingValidators(),
        params: await vs.params(),
        dest: await vs.slashDestination(),
        token: await vs.stakingToken(),
        epoch: await vs.epochOf(block),
        next: await vs.nextEpochStartBlock(),
        records: await Promise.all(accounts.map((a) => vs.getValidator(a))),
      };
    }

    async function busyStateFixture() {
      const f = await stakedGenesisFixture();
      await f.vs.connect(f.admin).setSlashDestination(SlashDestination.Validators, f.treasury.address);
      await f.vs.connect(f.slasher).slash(f.v1.address, 1000n, REASON);
      await f.vs.connect(f.v2).requestUnstake(ethers.parseEther("100"));
      await f.vs.connect(f.c1).stake(MIN_STAKE);
      await f.vs.connect(f.admin).approveCandidate(f.c1.address);
      await f.vs.connect(f.slasher).jail(f.v3.address, REASON);
      return f;
    }

    it("validateUpgrade accepts the same implementation (storage layout compatible)", async function () {
      const { vsAddress, factory } = await loadFixture(deployValidatorSetFixture);
      await upgrades.validateUpgrade(vsAddress, factory, { kind: "uups" });
    });

    it("upgradeProxy to the same contract keeps all state", async function () {
      const f = await loadFixture(busyStateFixture);
      const accounts = [f.v1, f.v2, f.v3, f.v4, f.c1].map((s) => s.address);
      const before = await snapshot(f.vs, accounts);
      const upgraded = (await upgrades.upgradeProxy(f.vsAddress, f.factory.connect(f.admin), {
        kind: "uups",
      })) as unknown as ValidatorSet;
      expect(await upgraded.getAddress()).to.equal(f.vsAddress);
      const after = await snapshot(upgraded, accounts);
      expect(after.validators).to.deep.equal(before.validators);
      expect(after.pending).to.deep.equal(before.pending);
      expect(after.params).to.deep.equal(before.params);
      expect(after.dest).to.deep.equal(before.dest);
      expect(after.token).to.equal(before.token);
      expect(after.records).to.deep.equal(before.records);
      expect(await upgraded.hasRole(SLASHER_ROLE, f.slasher.address)).to.equal(true);
      expect(await upgraded.hasRole(GOVERNANCE_ROLE, f.admin.address)).to.equal(true);
      expect(await upgraded.isValidatorAt(f.c1.address, before.next)).to.equal(true);
    });

    it("upgradeToAndCall by governance to a new implementation emits Upgraded and keeps state", async function () {
      const f = await loadFixture(busyStateFixture);
      const accounts = [f.v1, f.v2, f.v3, f.v4, f.c1].map((s) => s.address);
      const before = await snapshot(f.vs, accounts);
      const newImpl = await f.factory.deploy();
      await newImpl.waitForDeployment();
      const newImplAddress = await newImpl.getAddress();
      await expect(f.vs.connect(f.admin).upgradeToAndCall(newImplAddress, "0x"))
        .to.emit(f.vs, "Upgraded")
        .withArgs(newImplAddress);
      expect(await upgrades.erc1967.getImplementationAddress(f.vsAddress)).to.equal(newImplAddress);
      const after = await snapshot(f.vs, accounts);
      expect(after).to.deep.equal(before);
    });

    it("an upgrade by a non-governance account reverts AccessControlUnauthorizedAccount", async function () {
      const { vs, vsAddress, factory, outsider } = await loadFixture(deployValidatorSetFixture);
      const implBefore = await upgrades.erc1967.getImplementationAddress(vsAddress);
      const newImpl = await factory.deploy();
      await newImpl.waitForDeployment();
      await expect(vs.connect(outsider).upgradeToAndCall(await newImpl.getAddress(), "0x"))
        .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, GOVERNANCE_ROLE);
      await expect(upgrades.upgradeProxy(vsAddress, factory.connect(outsider), { kind: "uups" }))
        .to.be.revertedWithCustomError(vs, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, GOVERNANCE_ROLE);
      expect(await upgrades.erc1967.getImplementationAddress(vsAddress)).to.equal(implBefore);
    });
  });
});
