import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { deploySystem } from "../../deploy/system";
import { deployEconomy } from "../../deploy/economy";
import { manifestPath, readManifest, writeManifest } from "../../deploy/manifest";
import { resolveConfig } from "../../deploy/config";
import { expectTaskError, runTask as run } from "../helpers/tasks";
import { parseDuration } from "../../tasks/economy";

const ETHER = 10n ** 18n;

describe("tasks: economy", function () {
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  let burnable: string;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-economy-tasks-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    const config = resolveConfig({ governance: { votingPeriod: 10, timelockDelay: 60 } });
    const sys = await deploySystem(hre, { config, manifestDir: dir, reset: true });
    // deploy:system will call deployEconomy itself once wired in; until then (and harmlessly after) complete it here
    const file = manifestPath(dir, hre.network.name);
    const manifest = readManifest(file)!;
    await deployEconomy(hre, {
      manifest,
      save: () => writeManifest(file, manifest),
      timelock: await sys.timelock.getAddress(),
      council: await sys.council.getAddress(),
    });
    const signers = await ethers.getSigners();
    const token = await (await ethers.getContractFactory("BurnableTokenMock")).deploy(1_000_000n * ETHER, signers[0]!.address);
    burnable = await token.getAddress();
  });

  after(function () {
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  describe("template:deploy", function () {
    it("--kind transfer with a fee and limits: owned by --from, fee and limits set", async function () {
      const [, cp, feeTo] = await ethers.getSigners();
      const { result, out } = await run("template:deploy", {
        kind: "transfer",
        token: "StakingToken",
        feeBps: "250",
        feeRecipient: feeTo!.address,
        maxPerTransfer: "100",
        maxPerDayCount: "5",
        maxPerDayAmount: "250.5",
        from: "1",
      });
      const t = await ethers.getContractAt("TransferTemplate", result as string);
      expect(await t.owner()).to.equal(cp!.address);
      expect(await t.fee()).to.deep.equal([250n, feeTo!.address]);
      const l = await t.limits();
      expect([l.maxPerTransfer, l.maxPerDayCount, l.maxPerDayAmount]).to.deep.equal([100n * ETHER, 5n, 250n * ETHER + ETHER / 2n]);
      expect(out).to.contain("transfer template").and.to.contain("fee 250 bps").and.to.contain(
        "limits: at most 100.0 LUNS per operation, 5 operations per account per day, 250.5 LUNS per account per day",
      );
    });

    it("--kind vesting moves --amount from the sender (approving the factory) with the schedule given", async function () {
      const [deployer, beneficiary] = await ethers.getSigners();
      const token = await ethers.getContractAt("StakingToken", readManifest(manifestPath(dir, hre.network.name))!.contracts.StakingToken!.address);
      const before = await token.balanceOf(deployer!.address);
      const { result } = await run("template:deploy", {
        kind: "vesting",
        token: "StakingToken",
        beneficiary: beneficiary!.address,
        amount: "1200",
        start: "1900000000",
        cliff: "90d",
        duration: "365d",
        revocable: true,
      });
      const v = await ethers.getContractAt("VestingTemplate", result as string);
      const s = await v.schedule();
      expect([s.beneficiary, s.start, s.cliff, s.duration, s.revocable]).to.deep.equal([beneficiary!.address, 1_900_000_000n, 90n * 86_400n, 365n * 86_400n, true]);
      expect(await token.balanceOf(result as string)).to.equal(1200n * ETHER);
      expect(await token.balanceOf(deployer!.address)).to.equal(before - 1200n * ETHER);
      expect(await v.owner()).to.equal(deployer!.address);
    });

    it("--kind vesting starts now by default", async function () {
      const [, beneficiary] = await ethers.getSigners();
      const { result } = await run("template:deploy", { kind: "vesting", token: "StakingToken", beneficiary: beneficiary!.address, amount: "1", duration: "10" });
      const v = await ethers.getContractAt("VestingTemplate", result as string);
      const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      expect((await v.schedule()).start).to.be.within(latest - 5n, latest);
    });

    it("--kind stake with --lock, --kind burn with a token address", async function () {
      const stake = await run("template:deploy", { kind: "stake", token: "StakingToken", lock: "7d" });
      expect(await (await ethers.getContractAt("StakeTemplate", stake.result as string)).lockPeriod()).to.equal(7n * 86_400n);
      const burn = await run("template:deploy", { kind: "burn", token: burnable, maxPerDayCount: "3" });
      expect(await (await ethers.getContractAt("BurnTemplate", burn.result as string)).kind()).to.equal(3n);
      expect(burn.out).to.contain("burn template");
    });

    it("validates its arguments before sending anything", async function () {
      const [, b] = await ethers.getSigners();
      await expectTaskError(run("template:deploy", { kind: "swap", token: "StakingToken" }), /--kind must be one of transfer, vesting, stake, burn/);
      await expectTaskError(run("template:deploy", { kind: "transfer", token: "StakingToken", lock: "1d" }), /--lock applies to --kind stake, not transfer/);
      await expectTaskError(run("template:deploy", { kind: "stake", token: "StakingToken", revocable: true }), /--revocable applies to --kind vesting/);
      await expectTaskError(run("template:deploy", { kind: "transfer", token: "StakingToken", feeBps: "10" }), /--fee-recipient is required/);
      await expectTaskError(run("template:deploy", { kind: "transfer", token: "StakingToken", feeBps: "-1" }), /--fee-bps must be a non-negative integer/);
      await expectTaskError(run("template:deploy", { kind: "vesting", token: "StakingToken", beneficiary: b!.address, duration: "1d" }), /--amount is required/);
      await expectTaskError(run("template:deploy", { kind: "vesting", token: "StakingToken", beneficiary: b!.address, amount: "1" }), /--duration is required/);
      await expectTaskError(
        run("template:deploy", { kind: "vesting", token: "StakingToken", beneficiary: b!.address, amount: "1", duration: "1d", cliff: "2d" }),
        /--cliff \(172800 s\) cannot be longer than --duration \(86400 s\)/,
      );
      await expectTaskError(run("template:deploy", { kind: "vesting", token: "StakingToken", beneficiary: "0x12", amount: "1", duration: "1d" }), /--beneficiary is not a valid address/);
      await expectTaskError(
        run("template:deploy", { kind: "vesting", token: "StakingToken", beneficiary: b!.address, amount: "1", duration: "1d", start: "tomorrow" }),
        /--start must be "now", unix seconds or an ISO date/,
      );
      await expectTaskError(run("template:deploy", { kind: "stake", token: "StakingToken", lock: "7 days" }), /--lock must be a duration/);
      await expectTaskError(run("template:deploy", { kind: "burn", token: "NoSuchToken" }), /--token "NoSuchToken" is neither an address nor a contract of the manifest/);
      await expectTaskError(run("template:deploy", { kind: "burn", token: b!.address }), /has no code/);
      await expectTaskError(run("template:deploy", { kind: "burn", token: "StakingToken", maxPerDayCount: "4294967296" }), /--max-per-day-count is too large/);
      await expectTaskError(run("template:deploy", { kind: "burn", token: "StakingToken", maxPerTransfer: "ten" }), /--max-per-transfer must be a positive decimal/);
    });

    it("explains a revert by the contract's custom error", async function () {
      const [, r] = await ethers.getSigners();
      await expectTaskError(
        run("template:deploy", { kind: "transfer", token: "StakingToken", feeBps: "1001", feeRecipient: r!.address }),
        /template:deploy reverted with TransferTemplateFeeTooHigh\(1001, 1000\): the fee is at most 1000 basis points/,
      );
      await expectTaskError(run("template:deploy", { kind: "stake", token: "StakingToken", lock: "1461d" }), /StakeTemplateLockTooLong\(126230400, 126144000\)/);
    });
  });

  describe("reward engine tasks", function () {
    let engine: string;
    const user = () => ethers.getSigners().then((s) => s[13]!.address);

    it("reward:create, reward:fund, reward:reporter, reward:define and reward:report pay a reward end to end", async function () {
      const created = await run("reward:create", { token: "StakingToken", from: "1" });
      engine = created.result as string;
      const e = await ethers.getContractAt("RewardEngine", engine);
      const [deployer, pd] = await ethers.getSigners();
      expect(await e.owner()).to.equal(pd!.address);
      const token = await ethers.getContractAt("StakingToken", await e.token());
      await token.connect(deployer!).transfer(pd!.address, 1000n * ETHER);

      const funded = await run("reward:fund", { engine, amount: "1000", from: "1" });
      expect(funded.out).to.contain("unallocated now 1000.0 LUNS");
      await run("reward:reporter", { engine, reporter: (await ethers.getSigners())[18]!.address, from: "1" });
      expect(await e.isReporter((await ethers.getSigners())[18]!.address)).to.equal(true);
      const defined = await run("reward:define", { engine, id: "daily-login", reward: "2.5", cap: "10", cooldown: "1d", budget: "500", from: "1" });
      expect(defined.out).to.contain("reward 2.5 LUNS per occurrence, per-user cap 10.0 LUNS, cooldown 86400 s, budget 500.0 LUNS");
      const b = await e.behaviour(ethers.encodeBytes32String("daily-login"));
      expect([b.rewardPerOccurrence, b.perUserCap, b.cooldown, b.budget]).to.deep.equal([25n * ETHER / 10n, 10n * ETHER, 86_400n, 500n * ETHER]);

      const before = await token.balanceOf(await user());
      const reported = await run("reward:report", { engine, id: "daily-login", user: await user(), occurrence: "login-2026-01-01-u13", from: "18" });
      expect(reported.result).to.equal(25n * ETHER / 10n);
      expect(reported.out).to.contain("paid 2.5 LUNS");
      expect(await token.balanceOf(await user())).to.equal(before + 25n * ETHER / 10n);

      const status = await run("reward:status", { engine, reporter: (await ethers.getSigners())[18]!.address });
      expect(status.out).to.contain("allocated 497.5 LUNS, unallocated 500.0 LUNS").and.to.contain("is a reporter").and.to.contain('"id":"daily-login"').and.to.contain('"paid":"2.5 LUNS"');
      expect(status.result).to.equal(1);
    });

    it("explains the engine's reverts with hints: duplicate occurrence, cooldown, not a reporter, unknown behaviour, funds", async function () {
      await expectTaskError(
        run("reward:report", { engine, id: "daily-login", user: await user(), occurrence: "login-2026-01-01-u13", from: "18" }),
        /reward:report reverted with RewardEngineDuplicateOccurrence\(0x6c6f67696e.*\): this occurrence id was already rewarded/,
      );
      await expectTaskError(
        run("reward:report", { engine, id: "daily-login", user: await user(), occurrence: "login-2", from: "18" }),
        /RewardEngineCooldownActive\(0x6461696c792d6c6f67696e0+, 0x[0-9a-fA-F]{40}, \d+\)/,
      );
      await expectTaskError(
        run("reward:report", { engine, id: "daily-login", user: await user(), occurrence: "login-3", from: "2" }),
        /RewardEngineNotReporter\(0x[0-9a-fA-F]{40}\): authorise the key first/,
      );
      await expectTaskError(
        run("reward:report", { engine, id: "no-such", user: await user(), occurrence: "x", from: "18" }),
        /RewardEngineUnknownBehaviour\(.*\): define the behaviour first/,
      );
      await expectTaskError(
        run("reward:define", { engine, id: "quest", reward: "1", budget: "501", from: "1" }),
        /RewardEngineInsufficientFunds\(501000000000000000000, 500000000000000000000\): fund the engine first/,
      );
      await expectTaskError(run("reward:define", { engine, id: "quest", reward: "1", budget: "1", from: "0" }), /OwnableUnauthorizedAccount\(0x[0-9a-fA-F]{40}\): only the owner/);
      await time.increase(86_400);
      expect((await run("reward:report", { engine, id: "daily-login", user: await user(), occurrence: "login-2", from: "18" })).out).to.contain("paid 2.5 LUNS");
    });

    it("reward:reporter --revoke removes a reporter", async function () {
      const reporter = (await ethers.getSigners())[18]!.address;
      const { out } = await run("reward:reporter", { engine, reporter, revoke: true, from: "1" });
      expect(out).to.contain("can no longer report");
      expect(await (await ethers.getContractAt("RewardEngine", engine)).isReporter(reporter)).to.equal(false);
    });

    it("validates its arguments", async function () {
      const someone = (await ethers.getSigners())[5]!.address;
      await expectTaskError(run("reward:report", { engine: someone, id: "a", user: someone, occurrence: "b" }), /is not a reward engine of RewardEngineFactory/);
      await expectTaskError(run("reward:report", { engine, id: "x".repeat(33), user: someone, occurrence: "b" }), /--id must be 0x \+ 64 hex digits or a text of 1\.\.32 bytes/);
      await expectTaskError(run("reward:report", { engine, id: "a", user: "nobody", occurrence: "b" }), /--user is not a valid address/);
      await expectTaskError(run("reward:define", { engine, id: "a", reward: "0", budget: "1" }), /--reward must be greater than zero/);
      await expectTaskError(run("reward:define", { engine, id: "a", reward: "1", budget: "1", cooldown: "8000w" }), /--cooldown is too large/);
      await expectTaskError(run("reward:fund", { engine, amount: "-5" }), /--amount must be a positive decimal number/);
      await expectTaskError(run("reward:create", { token: "Nope" }), /--token "Nope" is neither an address nor a contract/);
      await expectTaskError(run("reward:reporter", { engine, reporter: "0x0" }), /--reporter is not a valid address/);
    });
  });

  it("names the missing deployment when there is no manifest", async function () {
    const empty = mkdtempSync(path.join(tmpdir(), "luniverse-empty-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = empty;
    try {
      await expectTaskError(run("reward:create", { token: "StakingToken" }), /no deployment found for network "hardhat".*deploy:system/);
    } finally {
      process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it("parseDuration reads seconds and s/m/h/d/w suffixes", function () {
    expect(parseDuration("x", "3600")).to.equal(3600n);
    expect(parseDuration("x", "90s")).to.equal(90n);
    expect(parseDuration("x", "30m")).to.equal(1800n);
    expect(parseDuration("x", "12h")).to.equal(43_200n);
    expect(parseDuration("x", "2d")).to.equal(172_800n);
    expect(parseDuration("x", "1w")).to.equal(604_800n);
  });
});
