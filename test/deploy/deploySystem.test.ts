import { expect } from "chai";
import hre, { ethers, upgrades } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { deploySystem, SYSTEM_CONTRACTS, type DeploySystemResult } from "../../deploy/system";
import { ECONOMY_IMPLEMENTATIONS } from "../../deploy/economy";
import { DEX_PLAIN_CONTRACTS } from "../../deploy/dex";
import { ConfigError, DEFAULT_GAS_POLICY, resolveConfig } from "../../deploy/config";
import { manifestPath, type Manifest } from "../../deploy/manifest";
import { resolveDeployContext } from "../../deploy/context";
import { deploySteps, type ChainStatusFollower } from "../../deploy/steps";
import { deploySystemFixture, testConfig, TEST_CONFIG_INPUT } from "../fixtures/system";
import { deployNodeOwnerSync, OWNER_SYNC_CONTRACTS } from "../../deploy/ownerSync";
import { DEV_ROLES } from "../../lib/accounts";
import type { AccessControlUpgradeable } from "../../typechain-types";

/** Current holders of `role` on `c`, from its RoleGranted / RoleRevoked events (AccessControl does not enumerate). */
async function roleHolders(c: AccessControlUpgradeable, role: string): Promise<string[]> {
  const granted = await c.queryFilter(c.filters.RoleGranted(role), 0);
  const revoked = await c.queryFilter(c.filters.RoleRevoked(role), 0);
  const events = [...granted, ...revoked].sort((a, b) => a.blockNumber - b.blockNumber || a.index - b.index);
  const holders = new Set<string>();
  for (const e of events) {
    if (e.eventName === "RoleGranted") holders.add(e.args.account);
    else holders.delete(e.args.account);
  }
  return [...holders].sort();
}

/** What deployNodeOwnerSync needs, from a deployed system (a fresh manifest: it deploys a new NodeOwnerSync). */
async function ownerSyncContext(sys: DeploySystemResult) {
  return {
    manifest: { network: "hardhat", chainId: 31337, deployer: await sys.deployer.getAddress(), updatedAt: "", contracts: {} } as Manifest,
    save: () => undefined,
    timelock: await sys.timelock.getAddress(),
    council: await sys.council.getAddress(),
    validatorSet: await sys.validatorSet.getAddress(),
    signerSource: await sys.productBridge.getAddress(),
    chainRegistry: await sys.chainRegistry.getAddress(),
  };
}

/** The ConfigError `p` rejects with (fails the test when it resolves or throws something else). */
async function configRefusal(p: Promise<unknown>): Promise<ConfigError> {
  try {
    await p;
  } catch (e) {
    expect(e).to.be.instanceOf(ConfigError);
    return e as ConfigError;
  }
  return expect.fail("expected a ConfigError");
}

/** A product chain's system: the test configuration with `minStake` 0 and `nodeOwnerSync` (genesis reflects main-chain swaps 1..2). */
async function productChainSystemFixture() {
  const config = resolveConfig({ ...TEST_CONFIG_INPUT, validatorSet: { ...TEST_CONFIG_INPUT.validatorSet, minStake: "0" }, nodeOwnerSync: { ownersNonce: 2 } });
  const result = await deploySystem(hre, { manifestDir: null, config });
  return { ...result, config, signers: await ethers.getSigners() };
}

describe("deploySystem", function () {
  describe("a fresh deployment", function () {
    it("deploys every system contract (each address has code)", async function () {
      const f = await loadFixture(deploySystemFixture);
      for (const name of SYSTEM_CONTRACTS) {
        const entry = f.manifest.contracts[name];
        expect(entry, name).to.not.equal(undefined);
        expect(await ethers.provider.getCode(entry!.address), name).to.not.equal("0x");
      }
      expect(await f.validatorSet.getAddress()).to.equal(f.manifest.contracts.ValidatorSet!.address);
      expect(await f.slashing.getAddress()).to.equal(f.manifest.contracts.Slashing!.address);
      expect(await f.timelock.getAddress()).to.equal(f.manifest.contracts.LuniverseTimelock!.address);
      expect(await f.governor.getAddress()).to.equal(f.manifest.contracts.LuniverseGovernor!.address);
      expect(await f.council.getAddress()).to.equal(f.manifest.contracts.EmergencyCouncil!.address);
      expect(await f.chainRegistry.getAddress()).to.equal(f.manifest.contracts.ProductChainRegistry!.address);
      expect(await f.stakingToken.getAddress()).to.equal(f.manifest.contracts.StakingToken!.address);
    });

    it("records chain id 31337, the deployer and each contract's name, address and proxy kind in the manifest", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(f.manifest.chainId).to.equal(31337);
      expect(f.manifest.network).to.equal("hardhat");
      expect(f.manifest.deployer).to.equal(f.deployer.address);
      expect(Object.keys(f.manifest.contracts).sort()).to.deep.equal([...SYSTEM_CONTRACTS].sort());
      for (const name of SYSTEM_CONTRACTS) {
        const entry = f.manifest.contracts[name]!;
        expect(entry.name).to.equal(name);
        expect(entry.address).to.match(/^0x[0-9a-fA-F]{40}$/);
        if (name === "StakingToken" || (DEX_PLAIN_CONTRACTS as readonly string[]).includes(name)) {
          expect(entry.proxyKind, name).to.equal("none");
          expect(entry.implementation, name).to.equal(undefined);
        } else if (name === "MainToken" || name === "ProductToken" || (ECONOMY_IMPLEMENTATIONS as readonly string[]).includes(name)) {
          expect(entry.proxyKind, name).to.equal("implementation");
          expect(entry.implementation, name).to.equal(undefined);
        } else {
          expect(entry.proxyKind, name).to.equal("uups");
          expect(entry.implementation, name).to.equal(await upgrades.erc1967.getImplementationAddress(entry.address));
        }
      }
    });

    it("wires the contracts to each other as configured", async function () {
      const f = await loadFixture(deploySystemFixture);
      const timelock = await f.timelock.getAddress();
      expect(await f.governor.timelock()).to.equal(timelock);
      expect(await f.governor.validatorSet()).to.equal(await f.validatorSet.getAddress());
      expect(await f.council.timelock()).to.equal(timelock);
      expect(await f.slashing.validatorSet()).to.equal(await f.validatorSet.getAddress());
      expect(await f.validatorSet.stakingToken()).to.equal(await f.stakingToken.getAddress());
      const [, treasury] = await f.validatorSet.slashDestination();
      expect(treasury).to.equal(timelock);
      expect(await f.governor.votingDelay()).to.equal(f.config.governance.votingDelay);
      expect(await f.governor.votingPeriod()).to.equal(f.config.governance.votingPeriod);
      expect(await f.timelock.getMinDelay()).to.equal(f.config.governance.timelockDelay);
      expect(await f.council.members()).to.deep.equal(f.councilSigners.map((s) => s.address));
      const p = await f.validatorSet.params();
      expect(p.minStake).to.equal(f.config.validatorSet.minStake);
      expect(p.epochLength).to.equal(f.config.validatorSet.epochLength);
      expect(p.unbondingPeriod).to.equal(f.config.validatorSet.unbondingPeriod);
      expect(p.jailPeriod).to.equal(f.config.validatorSet.jailPeriod);
      expect(p.maxValidators).to.equal(f.config.validatorSet.maxValidators);
      const sp = await f.slashing.params();
      expect(sp.felonyThreshold).to.equal(f.config.slashing.felonyThreshold);
      // the bridge and the anchor registry obey the product chains' status in the registry
      const registry = await f.chainRegistry.getAddress();
      expect(await f.mainBridge.chainRegistry()).to.equal(registry);
      const anchorRegistry = await ethers.getContractAt("AnchorRegistry", f.manifest.contracts.AnchorRegistry!.address);
      expect(await anchorRegistry.chainRegistry()).to.equal(registry);
    });
  });

  describe("roles", function () {
    it("gives the timelock GOVERNANCE_ROLE and DEFAULT_ADMIN_ROLE on every system contract", async function () {
      const f = await loadFixture(deploySystemFixture);
      const timelock = await f.timelock.getAddress();
      for (const c of [f.validatorSet, f.slashing, f.chainRegistry]) {
        expect(await c.hasRole(await c.GOVERNANCE_ROLE(), timelock)).to.equal(true);
        expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), timelock)).to.equal(true);
      }
    });

    it("leaves the deployer no admin or governance role anywhere", async function () {
      const f = await loadFixture(deploySystemFixture);
      const d = f.deployer.address;
      for (const c of [f.validatorSet, f.slashing, f.chainRegistry]) {
        expect(await c.hasRole(await c.GOVERNANCE_ROLE(), d)).to.equal(false);
        expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), d)).to.equal(false);
        expect(await c.hasRole(await c.PAUSER_ROLE(), d)).to.equal(false);
      }
      expect(await f.validatorSet.hasRole(await f.validatorSet.SLASHER_ROLE(), d)).to.equal(false);
      for (const role of [
        await f.timelock.DEFAULT_ADMIN_ROLE(),
        await f.timelock.PROPOSER_ROLE(),
        await f.timelock.EXECUTOR_ROLE(),
        await f.timelock.CANCELLER_ROLE(),
      ]) {
        expect(await f.timelock.hasRole(role, d)).to.equal(false);
      }
    });

    it("gives the council PAUSER_ROLE on every system contract and nothing more", async function () {
      const f = await loadFixture(deploySystemFixture);
      const council = await f.council.getAddress();
      for (const c of [f.validatorSet, f.slashing, f.chainRegistry]) {
        expect(await c.hasRole(await c.PAUSER_ROLE(), council)).to.equal(true);
        expect(await c.hasRole(await c.GOVERNANCE_ROLE(), council)).to.equal(false);
        expect(await c.hasRole(await c.DEFAULT_ADMIN_ROLE(), council)).to.equal(false);
      }
    });

    it("gives the slashing contract SLASHER_ROLE on the validator set", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(await f.validatorSet.hasRole(await f.validatorSet.SLASHER_ROLE(), await f.slashing.getAddress())).to.equal(true);
    });

    it("makes the governor the timelock's proposer, executor and canceller and the council a canceller only", async function () {
      const f = await loadFixture(deploySystemFixture);
      const governor = await f.governor.getAddress();
      const council = await f.council.getAddress();
      expect(await f.timelock.hasRole(await f.timelock.PROPOSER_ROLE(), governor)).to.equal(true);
      expect(await f.timelock.hasRole(await f.timelock.EXECUTOR_ROLE(), governor)).to.equal(true);
      expect(await f.timelock.hasRole(await f.timelock.CANCELLER_ROLE(), governor)).to.equal(true);
      expect(await f.timelock.hasRole(await f.timelock.CANCELLER_ROLE(), council)).to.equal(true);
      expect(await f.timelock.hasRole(await f.timelock.PROPOSER_ROLE(), council)).to.equal(false);
      expect(await f.timelock.hasRole(await f.timelock.EXECUTOR_ROLE(), council)).to.equal(false);
      // executing is not open to anyone
      expect(await f.timelock.hasRole(await f.timelock.EXECUTOR_ROLE(), ethers.ZeroAddress)).to.equal(false);
    });

    it("grants CP_ROLE on the registry to the deployer (the default consortium partner)", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(await f.chainRegistry.hasRole(await f.chainRegistry.CP_ROLE(), f.deployer.address)).to.equal(true);
    });
  });

  describe("genesis validators", function () {
    it("are accounts 1..4, each staked the minimum stake and in force", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(f.genesisValidators).to.deep.equal(f.validators.map((v) => v.address));
      const sorted = [...f.genesisValidators].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      expect(await f.validatorSet.getValidators()).to.deep.equal(sorted);
      for (const v of f.validators) {
        const info = await f.validatorSet.getValidator(v.address);
        expect(info.stake).to.equal(f.config.validatorSet.minStake);
        expect(info.approved).to.equal(true);
        expect(info.listed).to.equal(true);
        expect(await f.validatorSet.isActiveValidator(v.address)).to.equal(true);
      }
      expect(await f.stakingToken.balanceOf(await f.validatorSet.getAddress())).to.equal(
        f.config.validatorSet.minStake * 4n,
      );
      expect(await f.stakingToken.balanceOf(f.deployer.address)).to.equal(
        f.config.stakingTokenSupply - f.config.validatorSet.minStake * 4n,
      );
    });
  });

  describe("idempotence and the manifest file", function () {
    let dir: string;
    beforeEach(function () {
      dir = mkdtempSync(path.join(os.tmpdir(), "luniverse-deploy-test-"));
    });
    afterEach(function () {
      rmSync(dir, { recursive: true, force: true });
    });

    it("writes the manifest, and a second run reuses every address and sends no transaction", async function () {
      await loadFixture(deploySystemFixture);
      const config = testConfig();
      const first = await deploySystem(hre, { manifestDir: dir, config });
      const file = manifestPath(dir, "hardhat");
      const written = JSON.parse(readFileSync(file, "utf8")) as Manifest;
      expect(written.chainId).to.equal(31337);
      expect(written.contracts).to.deep.equal(first.manifest.contracts);

      const [deployer] = await ethers.getSigners();
      const nonceBefore = await ethers.provider.getTransactionCount(deployer!.address);
      const blockBefore = await ethers.provider.getBlockNumber();
      const lines: string[] = [];
      const second = await deploySystem(hre, { manifestDir: dir, config, log: (l) => lines.push(l) });
      expect(await ethers.provider.getTransactionCount(deployer!.address)).to.equal(nonceBefore);
      expect(await ethers.provider.getBlockNumber()).to.equal(blockBefore);
      expect(second.manifest.contracts).to.deep.equal(first.manifest.contracts);
      for (const name of SYSTEM_CONTRACTS) {
        expect(lines, name).to.include(`${name}: reusing ${first.manifest.contracts[name]!.address}`);
      }
      expect(lines.filter((l) => l.includes("deployed at"))).to.deep.equal([]);
      const rewritten = JSON.parse(readFileSync(file, "utf8")) as Manifest;
      expect(rewritten.contracts).to.deep.equal(first.manifest.contracts);
    });

    it("asks for an upgrade when a contract cannot be pointed at the product-chain registry (an implementation that predates it)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const steps = deploySteps(await resolveDeployContext(hre), { manifest: f.manifest, save: () => undefined, deployer: f.deployer });
      let caught: unknown;
      try {
        // ProductBridge has no chainRegistry(): it stands for a MainBridge still on an older implementation
        await steps.setChainRegistry(f.productBridge as unknown as ChainStatusFollower, "MainBridge", await f.chainRegistry.getAddress());
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(ConfigError);
      expect((caught as Error).message).to.match(/^MainBridge does not answer chainRegistry\(\) .*upgrade it through governance first \(gov:propose --action upgrade --contract MainBridge\)$/);
    });

    it("rejects a manifest recorded for another chain id with a ConfigError", async function () {
      await loadFixture(deploySystemFixture);
      const file = manifestPath(dir, "hardhat");
      const bogus: Manifest = { network: "hardhat", chainId: 1, deployer: ethers.ZeroAddress, updatedAt: "", contracts: {} };
      writeFileSync(file, JSON.stringify(bogus));
      let caught: unknown;
      try {
        await deploySystem(hre, { manifestDir: dir, config: testConfig() });
      } catch (e) {
        caught = e;
      }
      expect(caught).to.be.instanceOf(ConfigError);
      expect((caught as ConfigError).code).to.equal("LUNIVERSE_CONFIG");
      expect((caught as ConfigError).message).to.contain("chain id 1");
      expect((caught as ConfigError).message).to.contain("31337");
    });
  });

  describe("resolveConfig", function () {
    it("merges a partial configuration over the defaults", function () {
      const c = resolveConfig({ validatorSet: { epochLength: 7 }, governance: { votingPeriod: 3 } });
      expect(c.validatorSet.epochLength).to.equal(7);
      expect(c.validatorSet.unbondingPeriod).to.equal(2_000);
      expect(c.governance.votingPeriod).to.equal(3);
      expect(c.governance.timelockDelay).to.equal(60);
    });

    it("accepts a decimal string for a bigint value", function () {
      expect(resolveConfig({ validatorSet: { minStake: "123" } }).validatorSet.minStake).to.equal(123n);
    });

    it("rejects an unknown key, naming it", function () {
      expect(() => resolveConfig({ validatorSet: { foo: 1 } }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.contains('"validatorSet.foo"');
      expect(() => resolveConfig({ bar: 1 }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.contains('"bar"');
    });

    it("rejects a value of the wrong type, naming the key", function () {
      expect(() => resolveConfig({ governance: { votingPeriod: "ten" } }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.contains('"governance.votingPeriod"');
      expect(() => resolveConfig({ treasury: "0x1234" }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.contains('"treasury"');
      expect(() => resolveConfig({ validatorSet: 5 }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.contains('"validatorSet"');
      expect(() => resolveConfig({ genesisValidators: [ethers.ZeroAddress, "nope"] }))
        .to.throw(ConfigError)
        .with.property("message")
        .that.contains('"genesisValidators[1]"');
    });

    it("gives the gas policy its defaults and merges a partial gasPolicy section over them", function () {
      expect(resolveConfig().gasPolicy).to.deep.equal(DEFAULT_GAS_POLICY);
      expect(DEFAULT_GAS_POLICY).to.deep.equal({
        windowSeconds: 3_600,
        maxTxGas: 8_000_000,
        defaultAccountQuota: 250_000_000,
        unsponsoredShareBps: 1_000,
        abuseGasPerWindow: 0,
        abuseRevertsPerWindow: 200,
        abuseRejectionsPerWindow: 500,
        reportBlacklistSeconds: 86_400,
      });
      const admin = ethers.getAddress("0x" + "ab".repeat(20));
      const c = resolveConfig({ gasPolicy: { windowSeconds: 60, sponsors: [{ name: "Game", admin, budgetPerWindow: "1000000000", contracts: [admin] }] } });
      expect(c.gasPolicy.windowSeconds).to.equal(60);
      expect(c.gasPolicy.maxTxGas).to.equal(8_000_000);
      expect(c.gasPolicy.sponsors).to.deep.equal([{ name: "Game", admin, budgetPerWindow: 1_000_000_000n, contracts: [admin] }]);
    });

    it("rejects unknown keys, wrong types and missing sponsor fields in gasPolicy, naming the key", function () {
      const admin = ethers.getAddress("0x" + "ab".repeat(20));
      for (const [input, key] of [
        [{ gasPolicy: { windowSecond: 60 } }, '"gasPolicy.windowSecond" (did you mean "gasPolicy.windowSeconds"?)'],
        [{ gasPolicy: { maxTxGas: "lots" } }, '"gasPolicy.maxTxGas"'],
        [{ gasPolicy: { sponsors: { name: "Game" } } }, '"gasPolicy.sponsors" must be an array'],
        [{ gasPolicy: { sponsors: [{ name: "Game", admin, budgetPerWindow: 1, colour: "red" }] } }, '"gasPolicy.sponsors[0].colour"'],
        [{ gasPolicy: { sponsors: [{ name: "", admin, budgetPerWindow: 1 }] } }, '"gasPolicy.sponsors[0].name"'],
        [{ gasPolicy: { sponsors: [{ name: "Game", admin: "0x12", budgetPerWindow: 1 }] } }, '"gasPolicy.sponsors[0].admin"'],
        [{ gasPolicy: { sponsors: [{ name: "Game", admin, budgetPerWindow: 1, accounts: ["nope"] }] } }, '"gasPolicy.sponsors[0].accounts[0]"'],
        [{ gasPolicy: { sponsors: [{ name: "Game", admin }] } }, '"gasPolicy.sponsors[0].budgetPerWindow" is required'],
      ] as const) {
        expect(() => resolveConfig(input), key).to.throw(ConfigError).with.property("message").that.contains(key);
      }
    });
  });

  describe("nodeOwnerSync (product chains only)", function () {
    it("is off by default: no NodeOwnerSync, and the timelock is the validator set's only GOVERNANCE_ROLE holder", async function () {
      const f = await loadFixture(deploySystemFixture);
      expect(f.config.nodeOwnerSync).to.equal(undefined);
      expect(f.manifest.contracts.NodeOwnerSync).to.equal(undefined);
      expect(f.nodeOwnerSync).to.equal(undefined);
      const vs = f.validatorSet as unknown as AccessControlUpgradeable;
      expect(await roleHolders(vs, await f.validatorSet.GOVERNANCE_ROLE())).to.deep.equal([await f.timelock.getAddress()]);
      expect(await roleHolders(vs, await f.validatorSet.DEFAULT_ADMIN_ROLE())).to.deep.equal([await f.timelock.getAddress()]);
    });

    it("deploys NodeOwnerSync wired to the validator set and the product bridge, with GOVERNANCE_ROLE on the set, handed to governance", async function () {
      const f = await loadFixture(productChainSystemFixture);
      const entry = f.manifest.contracts.NodeOwnerSync!;
      expect(Object.keys(f.manifest.contracts).sort()).to.deep.equal([...SYSTEM_CONTRACTS, ...OWNER_SYNC_CONTRACTS].sort());
      expect(entry.proxyKind).to.equal("uups");
      expect(entry.implementation).to.equal(await upgrades.erc1967.getImplementationAddress(entry.address));
      const sync = f.nodeOwnerSync!;
      expect(await sync.getAddress()).to.equal(entry.address);
      expect(await sync.validatorSet()).to.equal(await f.validatorSet.getAddress());
      expect(await sync.signerSource()).to.equal(await f.productBridge.getAddress());
      expect(await sync.lastAppliedNonce()).to.equal(2n);
      expect((await f.validatorSet.params()).minStake).to.equal(0n);
      const timelock = await f.timelock.getAddress();
      const council = await f.council.getAddress();
      const vs = f.validatorSet as unknown as AccessControlUpgradeable;
      expect(await roleHolders(vs, await f.validatorSet.GOVERNANCE_ROLE())).to.deep.equal([entry.address, timelock].sort());
      const d = await f.deployer.getAddress();
      for (const [role, holder] of [
        [await sync.DEFAULT_ADMIN_ROLE(), timelock],
        [await sync.GOVERNANCE_ROLE(), timelock],
        [await sync.PAUSER_ROLE(), council],
      ] as const) {
        expect(await roleHolders(sync as unknown as AccessControlUpgradeable, role)).to.deep.equal([holder]);
        expect(await sync.hasRole(role, d)).to.equal(false);
      }
    });

    it("4 of the 6 bridge signers carry a main-chain swap: the new owner validates from the next epoch, unstaked, and the old one leaves", async function () {
      const f = await loadFixture(productChainSystemFixture);
      const sync = f.nodeOwnerSync!;
      const [old] = f.genesisValidators;
      const newOwner = f.signers[DEV_ROLES.user]!.address;
      let tx;
      for (const i of DEV_ROLES.signers.slice(0, 4)) tx = await sync.connect(f.signers[i]!).confirmSwap(3n, old!, newOwner);
      const block = (await tx!.wait())!.blockNumber;
      const boundary = await f.validatorSet.epochStartBlock((await f.validatorSet.epochOf(block)) + 1n);
      await expect(tx).to.emit(sync, "NodeOwnerSwapApplied").withArgs(3n, old, newOwner, boundary);
      expect(await f.validatorSet.isValidatorAt(newOwner, boundary)).to.equal(true);
      expect(await f.validatorSet.isValidatorAt(old!, boundary)).to.equal(false);
      expect(await f.validatorSet.isValidatorAt(old!, boundary - 1n)).to.equal(true);
      expect(await f.validatorSet.validatorCountAt(boundary)).to.equal(4n);
    });

    it("refuses a validator set with a minimum stake (the main chain's)", async function () {
      const main = await loadFixture(deploySystemFixture);
      const e = await configRefusal(deployNodeOwnerSync(hre, await ownerSyncContext(main)));
      expect(e.message).to.match(/needs "validatorSet.minStake": 0 .*requires 1000000000000000000000/);
    });

    it("refuses a missing grant once governance holds the validator set, and a chain that registers product chains", async function () {
      const f = await loadFixture(productChainSystemFixture);
      // a new NodeOwnerSync after the hand-over: its grant is a governance decision
      expect((await configRefusal(deployNodeOwnerSync(hre, await ownerSyncContext(f)))).message).to.match(
        /ValidatorSet belongs to governance: .*gov:propose .*grantRole\(bytes32,address\)/,
      );
      // a chain whose registry registers product chains is a main chain
      const owners = DEV_ROLES.validators.map((i) => f.signers[i]!.address) as [string, string, string, string];
      await f.chainRegistry.connect(f.deployer).registerChain(1_001n, "Game Chain", f.signers[DEV_ROLES.user]!.address, owners, 0);
      expect((await configRefusal(deployNodeOwnerSync(hre, await ownerSyncContext(f)))).message).to.match(/product chains only, .*registers 1 product chain/);
    });

    it("resolveConfig: nodeOwnerSync needs minStake 0, takes ownersNonce, and names unknown or wrong keys", function () {
      const ok = resolveConfig({ validatorSet: { minStake: "0" }, nodeOwnerSync: { ownersNonce: 3 } });
      expect(ok.nodeOwnerSync).to.deep.equal({ ownersNonce: 3 });
      expect(resolveConfig({ validatorSet: { minStake: 0 }, nodeOwnerSync: {} }).nodeOwnerSync).to.deep.equal({});
      expect(resolveConfig({ validatorSet: { minStake: 0 } }).nodeOwnerSync).to.equal(undefined);
      for (const [input, text] of [
        [{ nodeOwnerSync: {} }, '"nodeOwnerSync" needs "validatorSet.minStake": 0'],
        [{ validatorSet: { minStake: 0 }, nodeOwnerSync: { ownerNonce: 1 } }, '"nodeOwnerSync.ownerNonce" (did you mean "nodeOwnerSync.ownersNonce"?)'],
        [{ validatorSet: { minStake: 0 }, nodeOwnerSync: { ownersNonce: "x" } }, '"nodeOwnerSync.ownersNonce" must be a non-negative integer'],
        [{ validatorSet: { minStake: 0 }, nodeOwnerSync: true }, '"nodeOwnerSync" must be an object'],
      ] as const) {
        expect(() => resolveConfig(input), text).to.throw(ConfigError).with.property("message").that.contains(text);
      }
    });
  });
});
