/**
 * deploy/context.ts: the Hardhat-free deployment context (typechain factories, the plugin's ERC1967Proxy) deploys the
 * same system as the upgrades plugin does; deploy/upgradesRecord.ts writes the plugin's record.
 */
import { expect } from "chai";
import { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Interface, Wallet } from "ethers";
import { artifactDeployContext, contractAt, initializerData } from "../../deploy/context";
import { ConfigError, resolveConfig } from "../../deploy/config";
import { deploySystem, SYSTEM_CONTRACTS } from "../../deploy/system";
import { defaultValidationsFile, upgradesRecordFile, writeUpgradesRecord, type UpgradesRecord } from "../../deploy/upgradesRecord";
import { deploySystemFixture, testConfig, TEST_CONFIG_INPUT } from "../fixtures/system";

describe("deploy/context: deploying without Hardhat's runtime", function () {
  async function artifactSystem() {
    const plugin = await deploySystemFixture();
    const signers = await ethers.getSigners();
    const ctx = await artifactDeployContext(signers[0]!, { accounts: signers.map((s) => s.address), networkName: "artifacts", validations: defaultValidationsFile() });
    const system = await deploySystem(ctx, { config: testConfig(), manifestDir: null });
    return { plugin, ctx, system };
  }

  it("deploys the whole system: every contract with code, each UUPS proxy the plugin's ERC1967Proxy pointing at its implementation", async function () {
    const { plugin, system } = await loadFixture(artifactSystem);
    expect(system.manifest.network).to.equal("artifacts");
    expect(Object.keys(system.manifest.contracts)).to.deep.equal(Object.keys(plugin.manifest.contracts));
    for (const name of SYSTEM_CONTRACTS) {
      const entry = system.manifest.contracts[name]!;
      expect(entry.proxyKind, name).to.equal(plugin.manifest.contracts[name]!.proxyKind);
      expect(entry.address, name).to.not.equal(plugin.manifest.contracts[name]!.address);
      const code = await ethers.provider.getCode(entry.address);
      expect(code, name).to.not.equal("0x");
      if (entry.proxyKind !== "uups") continue;
      expect(code, `${name}: the plugin's proxy bytecode`).to.equal(await ethers.provider.getCode(plugin.manifest.contracts[name]!.address));
      expect(await upgrades.erc1967.getImplementationAddress(entry.address), name).to.equal(entry.implementation);
    }
  });

  it("initialises and hands over like the plugin deployment: validators bonded, the timelock governs, the deployer holds nothing", async function () {
    const { system, plugin } = await loadFixture(artifactSystem);
    const vs = system.validatorSet;
    const now = await ethers.provider.getBlockNumber();
    expect([...(await vs.validatorsAt(now))]).to.have.members([...(await plugin.validatorSet.validatorsAt(now))]);
    for (const v of plugin.genesisValidators) expect((await vs.getValidator(v)).stake, v).to.equal(testConfig().validatorSet.minStake);
    const timelock = system.manifest.contracts.LuniverseTimelock!.address;
    const deployer = plugin.deployer.address;
    for (const c of [system.validatorSet, system.mainBridge, system.productTokenFactory]) {
      expect(await c.hasRole(await c.GOVERNANCE_ROLE(), timelock)).to.equal(true);
      expect(await c.hasRole(await c.GOVERNANCE_ROLE(), deployer)).to.equal(false);
      expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), deployer)).to.equal(false);
    }
    // a UUPS implementation refuses to be initialised directly (_disableInitializers in its constructor)
    const impl = contractAt("ValidatorSet", system.manifest.contracts.ValidatorSet!.implementation!, plugin.deployer);
    await expect(impl.initialize(deployer, deployer, testConfig().validatorSet, [deployer], deployer)).to.be.revertedWithCustomError(impl, "InvalidInitialization");
  });

  it("keeps the plugin's record of what it deployed: every proxy, each implementation with its layout", async function () {
    const { ctx, system } = await loadFixture(artifactSystem);
    const record = ctx.upgradesRecord();
    const uups = Object.values(system.manifest.contracts).filter((c) => c.proxyKind === "uups");
    expect(record.manifestVersion).to.equal("3.2");
    expect(record.proxies).to.deep.equal(uups.map((c) => ({ address: c.address, kind: "uups" })));
    expect(Object.values(record.impls).map((i) => i!.address)).to.deep.equal(uups.map((c) => c.implementation));
    for (const i of Object.values(record.impls)) expect(i!.layout.storage, i!.address).to.be.an("array");
  });

  it("writes the record as the plugin does: a new chain replaces it, a chain that goes on adds to it", function () {
    const dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-oz-"));
    try {
      const file = upgradesRecordFile(dir, 4242);
      expect(file).to.equal(path.join(dir, ".openzeppelin", "unknown-4242.json"));
      const layout = { storage: [], types: {} };
      const first: UpgradesRecord = { manifestVersion: "3.2", proxies: [{ address: "0x1", kind: "uups" }], impls: { a: { address: "0x2", layout } } };
      writeUpgradesRecord(file, first);
      expect(readFileSync(file, "utf8")).to.equal(JSON.stringify(first, null, 2) + "\n");
      const next: UpgradesRecord = { manifestVersion: "3.2", proxies: [{ address: "0x3", kind: "uups" }], impls: { a: { address: "0x9", layout }, b: { address: "0x4", layout } } };
      writeUpgradesRecord(file, next, { merge: true });
      const merged = JSON.parse(readFileSync(file, "utf8")) as UpgradesRecord;
      expect(merged.proxies.map((p) => p.address)).to.deep.equal(["0x1", "0x3"]);
      expect(merged.impls).to.deep.equal({ a: { address: "0x2", layout }, b: { address: "0x4", layout } });
      writeUpgradesRecord(file, next);
      expect(JSON.parse(readFileSync(file, "utf8"))).to.deep.equal(next);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses what it cannot do: a deployer without provider, a record without validations, arguments without initializer, an unknown contract", async function () {
    const refused = async (p: Promise<unknown> | (() => unknown), pattern: RegExp) => {
      let caught: unknown;
      try {
        await (typeof p === "function" ? p() : p);
      } catch (e) {
        caught = e;
      }
      expect(caught, String(pattern)).to.be.instanceOf(ConfigError);
      expect((caught as Error).message).to.match(pattern);
    };
    await refused(artifactDeployContext(Wallet.createRandom()), /must be connected to a provider/);
    const [deployer] = await ethers.getSigners();
    const ctx = await artifactDeployContext(deployer!);
    expect(ctx.accounts).to.deep.equal([deployer!.address]);
    await refused(() => ctx.upgradesRecord(), /needs the plugin's validations/);
    await refused(ctx.factory("NoSuchContract", deployer!), /no compiled contract NoSuchContract/);
    await refused(() => contractAt("NoSuchContract" as "ValidatorSet", ethers.ZeroAddress, null), /no bindings for contract NoSuchContract/);
    expect(initializerData(new Interface(["function f()"]), [])).to.equal("0x");
    await refused(() => initializerData(new Interface(["function f()"]), [1]), /no initialize function/);
    await refused(artifactDeployContext(deployer!, { validations: path.join(os.tmpdir(), "no-such-validations.json") }), /run npx hardhat compile/);
  });

  it("deploys a product chain's NodeOwnerSync too (nodeOwnerSync, minStake 0), as a genesis build would", async function () {
    const signers = await ethers.getSigners();
    const ctx = await artifactDeployContext(signers[0]!, { accounts: signers.map((s) => s.address), networkName: "artifacts", validations: defaultValidationsFile() });
    const config = resolveConfig({ ...TEST_CONFIG_INPUT, validatorSet: { ...TEST_CONFIG_INPUT.validatorSet, minStake: "0" }, nodeOwnerSync: {} });
    const system = await deploySystem(ctx, { config, manifestDir: null });
    const entry = system.manifest.contracts.NodeOwnerSync!;
    expect(entry.proxyKind).to.equal("uups");
    expect(await upgrades.erc1967.getImplementationAddress(entry.address)).to.equal(entry.implementation);
    expect(await system.validatorSet.hasRole(await system.validatorSet.GOVERNANCE_ROLE(), entry.address)).to.equal(true);
    expect(await system.nodeOwnerSync!.signerSource()).to.equal(await system.productBridge.getAddress());
    expect(await system.nodeOwnerSync!.hasRole(await system.nodeOwnerSync!.GOVERNANCE_ROLE(), system.manifest.contracts.LuniverseTimelock!.address)).to.equal(true);
  });
});
