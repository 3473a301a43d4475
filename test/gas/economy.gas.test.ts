import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse } from "ethers";
import { deployEconomyFixture, deployedInstance, NO_LIMITS, now } from "../contracts/economy/economy.fixture";

/**
 * The token-economy part of `npm run gas`: template deployments (each kind), template operations (transfer with
 * and without fee, vesting release, stake, unstake, burn) and reward reports (single and batch), measured from
 * receipts. Operations are measured in steady state: sender, recipient and template already touched once.
 */
describe("gas: token-economy operations", function () {
  const rows: { operation: string; gasUsed: number }[] = [];
  async function measure(operation: string, tx: Promise<ContractTransactionResponse>): Promise<ContractTransactionResponse> {
    const sent = await tx;
    const receipt = await sent.wait();
    expect(receipt?.status, operation).to.equal(1);
    rows.push({ operation, gasUsed: Number(receipt!.gasUsed) });
    return sent;
  }

  after(function () {
    console.log("\n  Gas per token-economy operation (receipts, solc 0.8.28, optimizer 200 runs):");
    console.table(rows);
  });

  it("measures template deployments, template operations and reward reports", async function () {
    const f = await loadFixture(deployEconomyFixture);
    const factory = f.templateFactory.connect(f.cp);
    const token = await f.token.getAddress();
    const [alice, bob, carol] = f.users;
    const daily = { maxPerTransfer: 1_000n * 10n ** 18n, maxPerDayCount: 100n, maxPerDayAmount: 10_000n * 10n ** 18n };

    // deployments
    const plain = await ethers.getContractAt(
      "TransferTemplate",
      await deployedInstance(f.templateFactory, measure("template deploy: transfer", factory.deployTransfer(token, 0, ethers.ZeroAddress, NO_LIMITS))),
    );
    const withFee = await ethers.getContractAt(
      "TransferTemplate",
      await deployedInstance(f.templateFactory, factory.deployTransfer(token, 250, f.pd.address, NO_LIMITS)),
    );
    const withLimits = await ethers.getContractAt(
      "TransferTemplate",
      await deployedInstance(f.templateFactory, factory.deployTransfer(token, 250, f.pd.address, daily)),
    );
    await f.token.connect(f.cp).approve(await f.templateFactory.getAddress(), 1_000n);
    const start = (await now()) - 100n;
    const vesting = await ethers.getContractAt(
      "VestingTemplate",
      await deployedInstance(
        f.templateFactory,
        measure(
          "template deploy: vesting (incl. funding)",
          factory.deployVesting(token, { beneficiary: alice!.address, start, cliff: 0, duration: 1_000, revocable: true }, 1_000n, NO_LIMITS),
        ),
      ),
    );
    const stake = await ethers.getContractAt(
      "StakeTemplate",
      await deployedInstance(f.templateFactory, measure("template deploy: stake", factory.deployStake(token, 60, NO_LIMITS))),
    );
    const burn = await ethers.getContractAt(
      "BurnTemplate",
      await deployedInstance(f.templateFactory, measure("template deploy: burn", factory.deployBurn(token, NO_LIMITS))),
    );

    for (const c of [plain, withFee, withLimits, stake, burn]) await f.token.connect(alice!).approve(await c.getAddress(), ethers.MaxUint256);

    // transfers (the first of each warms sender and recipient balances)
    await plain.connect(alice!).transferTo(bob!.address, 10n);
    await measure("template transfer: no fee", plain.connect(alice!).transferTo(bob!.address, 10n));
    await withFee.connect(alice!).transferTo(bob!.address, 1_000n);
    await measure("template transfer: 2.5 % fee", withFee.connect(alice!).transferTo(bob!.address, 1_000n));
    await withLimits.connect(alice!).transferTo(bob!.address, 1_000n);
    await measure("template transfer: 2.5 % fee + daily limits", withLimits.connect(alice!).transferTo(bob!.address, 1_000n));

    // vesting
    await vesting.connect(alice!).release(1n);
    await measure("vesting release", vesting.connect(alice!).release(10n));

    // stake / unstake / burn
    await measure("stake (first)", stake.connect(alice!).stake(100n));
    await measure("stake (top-up)", stake.connect(alice!).stake(100n));
    await time.increase(60);
    await measure("unstake (partial)", stake.connect(alice!).unstake(50n));
    await burn.connect(alice!).burn(1n);
    await measure("burn", burn.connect(alice!).burn(100n));

    // rewards
    const engineAddress = await f.rewardEngineFactory.connect(f.pd).createEngine.staticCall(token);
    await measure("reward engine create", f.rewardEngineFactory.connect(f.pd).createEngine(token));
    const engine = await ethers.getContractAt("RewardEngine", engineAddress);
    await f.token.connect(f.pd).approve(engineAddress, ethers.MaxUint256);
    await engine.connect(f.pd).fund(100_000n);
    await engine.connect(f.pd).setReporter(f.reporter.address, true);
    const LOGIN = ethers.encodeBytes32String("daily-login");
    await measure("reward define", engine.connect(f.pd).defineBehaviour(LOGIN, 10n, 1_000n, 0, 50_000n));
    const occ = (n: number) => ethers.solidityPackedKeccak256(["string", "uint256"], ["occ", n]);
    await engine.connect(f.reporter).report(LOGIN, carol!.address, occ(0));
    await measure("reward report (user rewarded before)", engine.connect(f.reporter).report(LOGIN, carol!.address, occ(1)));
    await measure("reward report (user's first reward)", engine.connect(f.reporter).report(LOGIN, bob!.address, occ(2)));
    const signers = await ethers.getSigners();
    const batch = Array.from({ length: 10 }, (_, i) => ({ behaviourId: LOGIN, user: signers[i]!.address, occurrenceId: occ(100 + i) }));
    for (const r of batch) await engine.connect(f.reporter).report(LOGIN, r.user, occ(200 + batch.indexOf(r))); // users rewarded before
    const sent = await measure("reward reportBatch (10 reports)", engine.connect(f.reporter).reportBatch(batch));
    const total = Number((await sent.wait())!.gasUsed);
    rows.push({ operation: "reward reportBatch: per report", gasUsed: Math.round(total / batch.length) });

    expect(rows.map((r) => r.operation)).to.include.members([
      "template deploy: transfer",
      "template deploy: vesting (incl. funding)",
      "template deploy: stake",
      "template deploy: burn",
      "template transfer: no fee",
      "template transfer: 2.5 % fee",
      "vesting release",
      "stake (first)",
      "unstake (partial)",
      "burn",
      "reward report (user rewarded before)",
      "reward reportBatch (10 reports)",
    ]);
  });
});
