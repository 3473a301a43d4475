import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystemFixture, passProposal } from "../fixtures/system";

describe("upgrades: storage-layout check of every system contract", function () {
  for (const name of ["ValidatorSet", "Slashing", "LuniverseGovernor", "LuniverseTimelock", "EmergencyCouncil", "ProductChainRegistry", "MainTokenFactory", "ProductTokenFactory", "MainBridge", "ProductBridge", "TemplateFactory", "RewardEngineFactory", "DexFactory", "DexListingRegistry", "AnchorRegistry", "GasPolicy", "NodeOwnerSync"]) {
    it(`${name} passes the upgrade-safety validation as a UUPS implementation`, async function () {
      await upgrades.validateImplementation(await ethers.getContractFactory(name), { kind: "uups" });
    });
  }

  it("a compatible V2 of ValidatorSet is accepted and, upgraded through governance, keeps its state", async function () {
    const f = await loadFixture(deploySystemFixture);
    const proxy = await f.validatorSet.getAddress();
    const before = await f.validatorSet.validatorsAt(await ethers.provider.getBlockNumber());
    const impl = (await upgrades.prepareUpgrade(proxy, await ethers.getContractFactory("ValidatorSetV2Mock"), {
      kind: "uups",
    })) as string;
    const v2Interface = (await ethers.getContractFactory("ValidatorSetV2Mock")).interface;
    const data = f.validatorSet.interface.encodeFunctionData("upgradeToAndCall", [
      impl,
      v2Interface.encodeFunctionData("initializeV2"),
    ]);
    await passProposal(f, [proxy], [0], [data], "upgrade ValidatorSet to V2");
    expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(impl);
    const v2 = await ethers.getContractAt("ValidatorSetV2Mock", proxy);
    expect(await v2.version()).to.equal("2");
    expect(await v2.validatorsAt(await ethers.provider.getBlockNumber())).to.deep.equal(before);
    expect((await v2.getValidator(f.genesisValidators[0])).stake).to.equal(f.config.validatorSet.minStake);
  });

  it("an implementation that reorders ValidatorSet's namespaced storage is refused by the layout check", async function () {
    const f = await loadFixture(deploySystemFixture);
    const broken = await ethers.getContractFactory("ValidatorSetLayoutBreakMock");
    let message = "";
    try {
      await upgrades.validateUpgrade(await f.validatorSet.getAddress(), broken, { kind: "uups" });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/New storage layout is incompatible/);
    expect(message).to.contain("reorderedFirstField");
  });
});
