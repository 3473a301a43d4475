import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { deployEconomy, ECONOMY_CONTRACTS } from "../../../deploy/economy";
import { deploySystemFixture } from "../../fixtures/system";
import { deployEconomyFixture } from "./economy.fixture";

describe("deploy/economy.ts", function () {
  it("records every economy contract in the manifest (implementations and UUPS factories)", async function () {
    const f = await loadFixture(deployEconomyFixture);
    for (const name of ECONOMY_CONTRACTS) {
      const entry = f.sys.manifest.contracts[name];
      expect(entry, name).to.not.equal(undefined);
      expect(await ethers.provider.getCode(entry!.address)).to.not.equal("0x");
    }
    expect(f.sys.manifest.contracts.TemplateFactory!.proxyKind).to.equal("uups");
    expect(f.sys.manifest.contracts.RewardEngineFactory!.proxyKind).to.equal("uups");
    expect(f.sys.manifest.contracts.TransferTemplate!.proxyKind).to.equal("implementation");
  });

  it("hands both factories to governance: timelock admin and governance, council pauser, deployer nothing", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const timelock = await f.sys.timelock.getAddress();
    const council = await f.sys.council.getAddress();
    for (const c of [f.templateFactory, f.rewardEngineFactory]) {
      expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
      expect(await c.hasRole(await c.GOVERNANCE_ROLE(), timelock)).to.equal(true);
      expect(await c.hasRole(await c.PAUSER_ROLE(), council)).to.equal(true);
      for (const role of [await c.DEFAULT_ADMIN_ROLE(), await c.GOVERNANCE_ROLE(), await c.PAUSER_ROLE()]) {
        expect(await c.hasRole(role, f.holder.address)).to.equal(false);
      }
    }
  });

  it("is idempotent: a second run reuses everything and sends no transaction", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const before = JSON.stringify(f.sys.manifest.contracts);
    const nonce = await ethers.provider.getTransactionCount(f.holder.address);
    const lines: string[] = [];
    let saves = 0;
    const again = await deployEconomy(hre, {
      manifest: f.sys.manifest,
      save: () => void saves++,
      timelock: await f.sys.timelock.getAddress(),
      council: await f.sys.council.getAddress(),
      log: (l) => void lines.push(l),
    });
    expect(await again.templateFactory.getAddress()).to.equal(await f.templateFactory.getAddress());
    expect(JSON.stringify(f.sys.manifest.contracts)).to.equal(before);
    expect(await ethers.provider.getTransactionCount(f.holder.address)).to.equal(nonce);
    expect(lines.every((l) => l.includes("reusing"))).to.equal(true);
    expect(saves).to.equal(1);
  });

  it("completes a half-finished run (a missing factory is deployed, existing implementations reused)", async function () {
    const sys = await loadFixture(deploySystemFixture);
    // a copy: the fixture's manifest is shared with other tests
    const manifest = structuredClone(sys.manifest);
    const ctx = { manifest, save: () => undefined, timelock: await sys.timelock.getAddress(), council: await sys.council.getAddress() };
    const first = await deployEconomy(hre, ctx);
    delete manifest.contracts.RewardEngineFactory;
    const second = await deployEconomy(hre, ctx);
    expect(second.implementations).to.deep.equal(first.implementations);
    expect(await second.templateFactory.getAddress()).to.equal(await first.templateFactory.getAddress());
    expect(await second.rewardEngineFactory.getAddress()).to.not.equal(await first.rewardEngineFactory.getAddress());
    expect(await second.rewardEngineFactory.hasRole(await second.rewardEngineFactory.GOVERNANCE_ROLE(), ctx.timelock)).to.equal(true);
  });

  it("names the governance call when a governed factory clones another implementation than the manifest's", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const other = await (await ethers.getContractFactory("BurnTemplate")).deploy();
    const manifest = structuredClone(f.sys.manifest); // the fixture's manifest is shared with other tests
    manifest.contracts.BurnTemplate = { name: "BurnTemplate", address: await other.getAddress(), proxyKind: "implementation" };
    let message = "";
    try {
      await deployEconomy(hre, {
        manifest,
        save: () => undefined,
        timelock: await f.sys.timelock.getAddress(),
        council: await f.sys.council.getAddress(),
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.contain("setImplementation(uint8,address)");
    expect(message).to.contain(`[3,"${await other.getAddress()}"]`);
  });

  it("rejects a missing timelock or council address", async function () {
    const sys = await loadFixture(deploySystemFixture);
    let message = "";
    try {
      await deployEconomy(hre, { manifest: sys.manifest, save: () => undefined, timelock: "0x1234", council: await sys.council.getAddress() });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).to.match(/timelock must be an address/);
  });
});
