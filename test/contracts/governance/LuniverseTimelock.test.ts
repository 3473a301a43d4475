import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystemFixture, passProposal } from "../../fixtures/system";

describe("LuniverseTimelock", function () {
  it("has the configured minimum delay", async function () {
    const f = await loadFixture(deploySystemFixture);
    expect(await f.timelock.getMinDelay()).to.equal(BigInt(f.config.governance.timelockDelay));
  });

  it("leaves the deployer no role after deployment; only the timelock administers itself", async function () {
    const f = await loadFixture(deploySystemFixture);
    const admin = await f.timelock.DEFAULT_ADMIN_ROLE();
    expect(await f.timelock.hasRole(admin, f.deployer.address)).to.equal(false);
    expect(await f.timelock.hasRole(await f.timelock.PROPOSER_ROLE(), f.deployer.address)).to.equal(false);
    expect(await f.timelock.hasRole(await f.timelock.EXECUTOR_ROLE(), f.deployer.address)).to.equal(false);
    expect(await f.timelock.hasRole(await f.timelock.CANCELLER_ROLE(), f.deployer.address)).to.equal(false);
    expect(await f.timelock.hasRole(admin, await f.timelock.getAddress())).to.equal(true);
    await expect(f.timelock.connect(f.deployer).grantRole(admin, f.deployer.address))
      .to.be.revertedWithCustomError(f.timelock, "AccessControlUnauthorizedAccount")
      .withArgs(f.deployer.address, admin);
  });

  it("rejects scheduling by anyone but a proposer (the governor)", async function () {
    const f = await loadFixture(deploySystemFixture);
    const role = await f.timelock.PROPOSER_ROLE();
    const v0 = f.validators[0]!;
    await expect(
      f.timelock.connect(v0).schedule(v0.address, 0, "0x", ethers.ZeroHash, ethers.ZeroHash, f.config.governance.timelockDelay),
    )
      .to.be.revertedWithCustomError(f.timelock, "AccessControlUnauthorizedAccount")
      .withArgs(v0.address, role);
  });

  it("rejects an upgrade by a caller other than itself (LuniverseTimelockUnauthorizedUpgrade)", async function () {
    const f = await loadFixture(deploySystemFixture);
    const impl = await upgrades.erc1967.getImplementationAddress(await f.timelock.getAddress());
    for (const caller of [f.outsiders[0]!, f.deployer, f.validators[0]!]) {
      await expect(f.timelock.connect(caller).upgradeToAndCall(impl, "0x"))
        .to.be.revertedWithCustomError(f.timelock, "LuniverseTimelockUnauthorizedUpgrade")
        .withArgs(caller.address);
    }
  });

  it("is upgraded by an operation of its own (a governance proposal), keeping its state", async function () {
    const f = await loadFixture(deploySystemFixture);
    const proxy = await f.timelock.getAddress();
    const oldImpl = await upgrades.erc1967.getImplementationAddress(proxy);
    const factory = await ethers.getContractFactory("LuniverseTimelock");
    const newImpl = (await upgrades.prepareUpgrade(proxy, factory, {
      kind: "uups",
      redeployImplementation: "always",
    })) as string;
    expect(newImpl).to.not.equal(oldImpl);
    await passProposal(
      f,
      [proxy],
      [0n],
      [f.timelock.interface.encodeFunctionData("upgradeToAndCall", [newImpl, "0x"])],
      "Upgrade the timelock",
    );
    expect(await upgrades.erc1967.getImplementationAddress(proxy)).to.equal(newImpl);
    expect(await f.timelock.getMinDelay()).to.equal(BigInt(f.config.governance.timelockDelay));
    expect(await f.timelock.hasRole(await f.timelock.PROPOSER_ROLE(), await f.governor.getAddress())).to.equal(true);
  });
});
