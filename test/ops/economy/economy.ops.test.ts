import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { ETHER } from "../../fixtures/system";
import { DAY, deployEconomyFixture, type EconomyFixture } from "../../contracts/economy/economy.fixture";
import { readToken } from "../../../ops/token/readToken";
import { ensureAllowance } from "../../../ops/token/ensureAllowance";
import { deployTemplate, type DeployTemplateParameters } from "../../../ops/economy/deployTemplate";
import { createRewardEngine } from "../../../ops/economy/createRewardEngine";
import { fundRewardEngine } from "../../../ops/economy/fundRewardEngine";
import { setRewardReporter } from "../../../ops/economy/setRewardReporter";
import { defineReward } from "../../../ops/economy/defineReward";
import { reportReward } from "../../../ops/economy/reportReward";
import { readRewardEngine } from "../../../ops/economy/readRewardEngine";
import { failure } from "./failure";

const LOGIN = ethers.encodeBytes32String("daily-login");

describe("ops/economy", function () {
  let f: EconomyFixture;
  let token: string;
  let factory: string;
  let engineFactory: string;

  beforeEach(async function () {
    f = await loadFixture(deployEconomyFixture);
    token = await f.token.getAddress();
    factory = await f.templateFactory.getAddress();
    engineFactory = await f.rewardEngineFactory.getAddress();
  });

  describe("readToken", function () {
    it("reads an ERC-20's symbol and decimals", async function () {
      expect(await readToken(ethers.provider, { token })).to.deep.equal({ address: token, symbol: await f.token.symbol(), decimals: 18 });
    });

    it("OP_PRECONDITION: nothing at the address, or a contract that is not an ERC-20", async function () {
      const none = await failure(readToken(ethers.provider, { token: f.users[0]!.address }));
      expect(none.code).to.equal("OP_PRECONDITION");
      expect(none.message).to.match(/has no code on this chain/);
      const notErc20 = await failure(readToken(ethers.provider, { token: factory }));
      expect(notErc20.code).to.equal("OP_PRECONDITION");
      expect(notErc20.message).to.match(/does not answer decimals\(\)\/symbol\(\): is it an ERC-20\?/);
    });
  });

  describe("ensureAllowance", function () {
    it("approves exactly the amount when the allowance is short, and sends nothing when it is enough", async function () {
      const first = await ensureAllowance(f.cp, { token, spender: factory, amount: 5n * ETHER });
      expect(first.transactionHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(await f.token.allowance(f.cp.address, factory)).to.equal(5n * ETHER);
      expect(await ensureAllowance(f.cp, { token, spender: factory, amount: 5n * ETHER })).to.deep.equal({});
    });

    it("OP_PRECONDITION when the sender holds less than the amount (nothing is sent)", async function () {
      const poor = (await ethers.getSigners())[19]!;
      const nonce = await poor.getNonce();
      const e = await failure(ensureAllowance(poor, { token, spender: factory, amount: ETHER }));
      expect(e.code).to.equal("OP_PRECONDITION");
      expect(e.message).to.match(/holds 0\.0 \w+, needs 1\.0 \w+/);
      expect(await poor.getNonce()).to.equal(nonce);
    });
  });

  describe("deployTemplate", function () {
    const limits = { maxPerTransfer: 100n * ETHER, maxPerDayCount: 5n, maxPerDayAmount: 250n * ETHER };

    it("transfer: owned by the sender, with the fee and limits given", async function () {
      const r = await deployTemplate(f.cp, { factory, token, kind: "transfer", feeBps: 250n, feeRecipient: f.pd.address, limits });
      expect(r.kind).to.equal("transfer");
      expect(r.owner).to.equal(f.cp.address);
      const t = await ethers.getContractAt("TransferTemplate", r.instance);
      expect(await t.owner()).to.equal(f.cp.address);
      expect(await t.fee()).to.deep.equal([250n, f.pd.address]);
      const l = await t.limits();
      expect([l.maxPerTransfer, l.maxPerDayCount, l.maxPerDayAmount]).to.deep.equal([limits.maxPerTransfer, 5n, limits.maxPerDayAmount]);
    });

    it("vesting: approves the factory, moves the amount in, starts at the latest block by default", async function () {
      const before = await f.token.balanceOf(f.cp.address);
      const r = await deployTemplate(f.cp, { factory, token, kind: "vesting", beneficiary: f.users[0]!.address, amount: 1200n * ETHER, cliff: 90n * 86_400n, duration: 365n * 86_400n, revocable: true });
      expect(r.approvalHash).to.match(/^0x[0-9a-f]{64}$/);
      const latest = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
      expect(r.start).to.be.within(latest - 5n, latest);
      const s = await (await ethers.getContractAt("VestingTemplate", r.instance)).schedule();
      expect([s.beneficiary, s.start, s.cliff, s.duration, s.revocable]).to.deep.equal([f.users[0]!.address, r.start, 90n * 86_400n, 365n * 86_400n, true]);
      expect(await f.token.balanceOf(r.instance)).to.equal(1200n * ETHER);
      expect(await f.token.balanceOf(f.cp.address)).to.equal(before - 1200n * ETHER);
    });

    it("vesting: a schedule the template refuses reverts before any approval is sent", async function () {
      const nonce = await f.cp.getNonce();
      const e = await failure(
        deployTemplate(f.cp, { factory, token, kind: "vesting", beneficiary: f.users[0]!.address, amount: ETHER, start: 1_900_000_000n, cliff: 2n * 86_400n, duration: 86_400n }),
      );
      expect(e.code).to.equal("CONTRACT_REVERT");
      expect(e.errorName).to.equal("VestingTemplateInvalidSchedule");
      expect(e.message).to.match(/^template:deploy reverted with VestingTemplateInvalidSchedule\(1900000000, 172800, 86400\)/);
      expect(await f.cp.getNonce()).to.equal(nonce);
      expect(await f.token.allowance(f.cp.address, factory)).to.equal(0n);
    });

    it("stake and burn; the contracts' own limits speak through their custom errors", async function () {
      const stake = await deployTemplate(f.cp, { factory, token, kind: "stake", lockPeriod: 7n * 86_400n });
      expect(await (await ethers.getContractAt("StakeTemplate", stake.instance)).lockPeriod()).to.equal(7n * 86_400n);
      const burn = await deployTemplate(f.cp, { factory, token, kind: "burn" });
      expect(await (await ethers.getContractAt("BurnTemplate", burn.instance)).kind()).to.equal(3n);

      const lock = await failure(deployTemplate(f.cp, { factory, token, kind: "stake", lockPeriod: 1461n * 86_400n }));
      expect(lock.errorName).to.equal("StakeTemplateLockTooLong");
      const fee = await failure(deployTemplate(f.cp, { factory, token, kind: "transfer", feeBps: 1001n, feeRecipient: f.pd.address }));
      expect(fee.message).to.match(/TransferTemplateFeeTooHigh\(1001, 1000\)/);
      const recipient = await failure(deployTemplate(f.cp, { factory, token, kind: "transfer", feeBps: 10n }));
      expect(recipient.message).to.match(/TransferTemplateNoFeeRecipient\(10\): a fee needs a recipient/);
      const notToken = await failure(deployTemplate(f.cp, { factory, token: f.pd.address, kind: "burn" }));
      expect(notToken.errorName).to.equal("TemplateFactoryNotContract");
    });

    it("OP_INVALID_PARAMETER for a kind the factory does not deploy", async function () {
      const e = await failure(deployTemplate(f.cp, { factory, token, kind: "swap" } as unknown as DeployTemplateParameters));
      expect(e.code).to.equal("OP_INVALID_PARAMETER");
      expect(e.message).to.match(/unknown template kind "swap" — one of transfer, vesting, stake, burn/);
    });
  });

  describe("reward engine", function () {
    it("create, fund (approving), authorise a reporter, define, report, and read it all back", async function () {
      const created = await createRewardEngine(f.pd, { factory: engineFactory, token });
      const engine = created.engine;
      expect(created.owner).to.equal(f.pd.address);
      expect(await f.rewardEngineFactory.isEngine(engine)).to.equal(true);

      const funded = await fundRewardEngine(f.pd, { engine, amount: 1000n * ETHER });
      expect(funded.approvalHash).to.match(/^0x/);
      expect(funded.unallocated).to.equal(1000n * ETHER);
      await setRewardReporter(f.pd, { engine, reporter: f.reporter.address, authorised: true });
      const defined = await defineReward(f.pd, { engine, id: LOGIN, rewardPerOccurrence: 25n * ETHER / 10n, perUserCap: 10n * ETHER, cooldown: BigInt(DAY), budget: 500n * ETHER });
      expect(defined.unallocated).to.equal(500n * ETHER);

      const user = f.users[1]!.address;
      const before = await f.token.balanceOf(user);
      const paid = await reportReward(f.reporter, { engine, id: LOGIN, user, occurrence: ethers.id("login-1") });
      expect(paid.amount).to.equal(25n * ETHER / 10n);
      expect(await f.token.balanceOf(user)).to.equal(before + paid.amount);

      const s = await readRewardEngine(ethers.provider, { factory: engineFactory, engine, reporter: f.reporter.address, behaviours: true });
      expect(s.owner).to.equal(f.pd.address);
      expect(s.token.address).to.equal(token);
      expect([s.allocated, s.unallocated, s.paused, s.isReporter]).to.deep.equal([4975n * ETHER / 10n, 500n * ETHER, false, true]);
      expect(s.behaviours).to.deep.equal([
        { id: LOGIN, name: "daily-login", rewardPerOccurrence: 25n * ETHER / 10n, perUserCap: 10n * ETHER, cooldown: BigInt(DAY), budget: 500n * ETHER, paid: 25n * ETHER / 10n },
      ]);
      const plain = await readRewardEngine(ethers.provider, { factory: engineFactory, engine });
      expect(plain.behaviours).to.equal(undefined);
      expect(plain.isReporter).to.equal(undefined);

      await setRewardReporter(f.pd, { engine, reporter: f.reporter.address, authorised: false });
      expect(await (await ethers.getContractAt("RewardEngine", engine)).isReporter(f.reporter.address)).to.equal(false);
    });

    it("the engine's reverts name their custom errors with hints", async function () {
      const { engine } = await createRewardEngine(f.pd, { factory: engineFactory, token });
      await fundRewardEngine(f.pd, { engine, amount: 10n * ETHER });
      const funds = await failure(defineReward(f.pd, { engine, id: LOGIN, rewardPerOccurrence: ETHER, budget: 11n * ETHER }));
      expect(funds.message).to.match(/^reward:define reverted with RewardEngineInsufficientFunds\(11000000000000000000, 10000000000000000000\): fund the engine first/);
      const owner = await failure(defineReward(f.cp, { engine, id: LOGIN, rewardPerOccurrence: ETHER, budget: ETHER }));
      expect(owner.errorName).to.equal("OwnableUnauthorizedAccount");
      await defineReward(f.pd, { engine, id: LOGIN, rewardPerOccurrence: ETHER, cooldown: BigInt(DAY), budget: 5n * ETHER });
      const reporter = await failure(reportReward(f.reporter, { engine, id: LOGIN, user: f.users[0]!.address, occurrence: ethers.id("a") }));
      expect(reporter.message).to.match(/RewardEngineNotReporter\(0x[0-9a-fA-F]{40}\): authorise the key first/);
      await setRewardReporter(f.pd, { engine, reporter: f.reporter.address, authorised: true });
      await reportReward(f.reporter, { engine, id: LOGIN, user: f.users[0]!.address, occurrence: ethers.id("a") });
      const duplicate = await failure(reportReward(f.reporter, { engine, id: LOGIN, user: f.users[1]!.address, occurrence: ethers.id("a") }));
      expect(duplicate.errorName).to.equal("RewardEngineDuplicateOccurrence");
      const cooldown = await failure(reportReward(f.reporter, { engine, id: LOGIN, user: f.users[0]!.address, occurrence: ethers.id("b") }));
      expect(cooldown.errorName).to.equal("RewardEngineCooldownActive");
      await time.increase(DAY);
      expect((await reportReward(f.reporter, { engine, id: LOGIN, user: f.users[0]!.address, occurrence: ethers.id("b") })).amount).to.equal(ETHER);
    });

    it("fund: OP_PRECONDITION when the funder holds too little", async function () {
      const { engine } = await createRewardEngine(f.pd, { factory: engineFactory, token });
      const e = await failure(fundRewardEngine((await ethers.getSigners())[19]!, { engine, amount: ETHER }));
      expect(e.code).to.equal("OP_PRECONDITION");
      expect(e.message).to.match(/holds 0\.0 \w+, needs 1\.0/);
    });

    it("readRewardEngine: OP_PRECONDITION for a contract the factory did not create", async function () {
      const e = await failure(readRewardEngine(ethers.provider, { factory: engineFactory, engine: token }));
      expect(e.code).to.equal("OP_PRECONDITION");
      expect(e.message).to.match(/is not a reward engine of RewardEngineFactory 0x[0-9a-fA-F]{40} — create one with reward:create/);
    });
  });
});
