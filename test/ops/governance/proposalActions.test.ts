import { expect } from "chai";
import hre, { ethers } from "hardhat";
import type { Result } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployAnchor } from "../../../deploy/anchor";
import { deploySystemFixture, hardhatClock, impersonate, type SystemFixture, expectErrorCode } from "../../fixtures/system";
import { anchorerAction, proposalAction, type ProposalAction, type ProposalActionContracts } from "../../../ops/governance/proposalActions";
import { passProposal } from "../../../ops/governance/passProposal";

async function contractsOf(f: SystemFixture): Promise<ProposalActionContracts> {
  return {
    ValidatorSet: await f.validatorSet.getAddress(),
    Slashing: await f.slashing.getAddress(),
    ProductChainRegistry: await f.chainRegistry.getAddress(),
    EmergencyCouncil: await f.council.getAddress(),
    ProductTokenFactory: await f.productTokenFactory.getAddress(),
  };
}

describe("ops/governance/proposalActions", function () {
  it("builds the call of every action", async function () {
    const f = await loadFixture(deploySystemFixture);
    const contracts = await contractsOf(f);
    const [a, b] = [f.outsiders[0]!.address, f.outsiders[1]!.address];
    const vs = f.validatorSet.interface;
    const role = await f.chainRegistry.CP_ROLE();
    const vsParams = await f.validatorSet.params();
    const slParams = await f.slashing.params();
    const council = f.councilSigners.map((s) => s.address);
    const impl = await (await ethers.getContractFactory("ValidatorSet")).deploy();
    const cases: [ProposalAction, string, string, RegExp][] = [
      [{ action: "approve-validator", validator: a }, contracts.ValidatorSet!, vs.encodeFunctionData("approveCandidate", [a]), /approve validator candidate/],
      [{ action: "remove-validator", validator: a }, contracts.ValidatorSet!, vs.encodeFunctionData("removeValidator", [a]), /remove validator/],
      [{ action: "release-validator", validator: a }, contracts.ValidatorSet!, vs.encodeFunctionData("releaseValidator", [a]), /release validator .* from jail/],
      [{ action: "swap-validator", validator: a, newValidator: b }, contracts.ValidatorSet!, vs.encodeFunctionData("swapValidator", [a, b]), /swap validator/],
      [{ action: "grant-cp", account: a }, contracts.ProductChainRegistry!, f.chainRegistry.interface.encodeFunctionData("grantRole", [role, a]), /grant-cp/],
      [{ action: "revoke-cp", account: a }, contracts.ProductChainRegistry!, f.chainRegistry.interface.encodeFunctionData("revokeRole", [role, a]), /revoke-cp/],
      [
        { action: "set-validator-params", changes: { jailPeriod: 7n } },
        contracts.ValidatorSet!,
        vs.encodeFunctionData("setParams", [{ ...(vsParams as unknown as Result).toObject(), jailPeriod: 7n } as never]),
        /set validator-set params \{"jailPeriod":"7"\}/,
      ],
      [
        { action: "set-slashing-params", changes: { spamSlashBps: 200n } },
        contracts.Slashing!,
        f.slashing.interface.encodeFunctionData("setParams", [{ ...(slParams as unknown as Result).toObject(), spamSlashBps: 200n } as never]),
        /set slashing params/,
      ],
      [{ action: "council-members", members: council }, contracts.EmergencyCouncil!, f.council.interface.encodeFunctionData("setMembers", [council]), /set council members/],
      [
        { action: "set-main-token-issuer", mainToken: a, issuer: b },
        contracts.ProductTokenFactory!,
        f.productTokenFactory.interface.encodeFunctionData("setMainTokenIssuer", [a, b]),
        /as the CP of main token/,
      ],
      [{ action: "unpause", target: contracts.Slashing!, name: "Slashing" }, contracts.Slashing!, f.slashing.interface.encodeFunctionData("unpause"), /unpause Slashing/],
      [
        { action: "upgrade", target: contracts.ValidatorSet!, implementation: await impl.getAddress() },
        contracts.ValidatorSet!,
        vs.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        /upgrade 0x[0-9a-fA-F]{40} to/,
      ],
      [{ action: "call", target: a, data: "0x1234", summary: "anything" }, a, "0x1234", /anything/],
    ];
    for (const [action, target, data, summary] of cases) {
      const call = await proposalAction(ethers.provider, { contracts, action });
      expect(call.target, action.action).to.equal(target);
      expect(call.data, action.action).to.equal(data);
      expect(call.summary, action.action).to.match(summary);
    }
  });

  it("merges parameter changes over the contract's current parameters (through governance)", async function () {
    const f = await loadFixture(deploySystemFixture);
    const before = await f.validatorSet.params();
    const call = await proposalAction(ethers.provider, { contracts: await contractsOf(f), action: { action: "set-validator-params", changes: { maxValidators: 21n } } });
    await passProposal(
      { provider: ethers.provider, validators: f.validators },
      { governor: await f.governor.getAddress(), targets: [call.target], calldatas: [call.data], description: call.summary, clock: hardhatClock },
    );
    const after = await f.validatorSet.params();
    expect(after.maxValidators).to.equal(21n);
    expect([after.minStake, after.epochLength, after.unbondingPeriod, after.jailPeriod]).to.deep.equal([before.minStake, before.epochLength, before.unbondingPeriod, before.jailPeriod]);
  });

  it("rejects an unknown parameter (OP_INVALID_PARAMETER), an implementation without code (OP_PRECONDITION) and a missing contract (OP_DEPLOYMENT)", async function () {
    const f = await loadFixture(deploySystemFixture);
    const contracts = await contractsOf(f);
    await expectErrorCode(
      proposalAction(ethers.provider, { contracts, action: { action: "set-slashing-params", changes: { spamSlash: 1n } } }),
      "OP_INVALID_PARAMETER",
      /unknown parameter "spamSlash"; known: reportSlashBps, .*downtimeWindow/,
    );
    await expectErrorCode(
      proposalAction(ethers.provider, { contracts, action: { action: "upgrade", target: contracts.ValidatorSet!, implementation: "0x000000000000000000000000000000000000dEaD" } }),
      "OP_PRECONDITION",
      /has no code — deploy the new implementation first/,
    );
    await expectErrorCode(proposalAction(ethers.provider, { contracts: {}, action: { action: "grant-cp", account: f.outsiders[0]!.address } }), "OP_DEPLOYMENT", /needs the address of ProductChainRegistry/);
  });

  describe("anchorerAction", function () {
    const CHILD = 7001n;

    async function anchorFixture() {
      const f = await deploySystemFixture();
      const { anchorRegistry } = await deployAnchor(hre, {
        manifest: f.manifest,
        save: () => undefined,
        timelock: await f.timelock.getAddress(),
        council: await f.council.getAddress(),
      });
      return { ...f, registry: await anchorRegistry.getAddress(), anchorRegistry };
    }

    it("registers the child first when needed, then authorises; governance executes it", async function () {
      const f = await loadFixture(anchorFixture);
      const anchorer = f.outsiders[2]!.address;
      const r = await anchorerAction(ethers.provider, { registry: f.registry, chainId: CHILD, anchorer, startBlock: 12n });
      expect(r.calls).to.have.length(2);
      expect(r.description).to.equal(`register child chain ${CHILD} for anchoring from block 12; authorise anchorer ${anchorer} of chain ${CHILD}`);
      await passProposal(
        { provider: ethers.provider, validators: f.validators },
        { governor: await f.governor.getAddress(), targets: r.calls.map((c) => c.target), calldatas: r.calls.map((c) => c.data), description: r.description, clock: hardhatClock },
      );
      expect(await f.anchorRegistry.isAnchorer(CHILD, anchorer)).to.equal(true);
      const removal = await anchorerAction(ethers.provider, { registry: f.registry, chainId: CHILD, anchorer, remove: true });
      expect(removal.calls).to.have.length(1);
      expect(removal.description).to.equal(`remove anchorer ${anchorer} of chain ${CHILD}`);
    });

    it("refuses a proposal that would change nothing (OP_PRECONDITION)", async function () {
      const f = await loadFixture(anchorFixture);
      const anchorer = f.outsiders[2]!.address;
      await expectErrorCode(
        anchorerAction(ethers.provider, { registry: f.registry, chainId: CHILD, anchorer, remove: true }),
        "OP_PRECONDITION",
        /child chain 7001 is not registered in the AnchorRegistry: there is no anchorer to remove/,
      );
      const gov = f.anchorRegistry.connect(await impersonate(await f.timelock.getAddress()));
      await (await gov.registerChild(CHILD, 1n)).wait();
      await expectErrorCode(anchorerAction(ethers.provider, { registry: f.registry, chainId: CHILD, anchorer, remove: true }), "OP_PRECONDITION", /is not an anchorer of chain 7001: nothing to propose/);
      await (await gov.setAnchorer(CHILD, anchorer, true)).wait();
      await expectErrorCode(anchorerAction(ethers.provider, { registry: f.registry, chainId: CHILD, anchorer }), "OP_PRECONDITION", /is already an anchorer of chain 7001: nothing to propose/);
    });
  });
});
