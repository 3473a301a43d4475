import { task } from "./lib/task";
import { formatEther } from "ethers";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { parseAddress, parseAmount, parseBytes32, parseInteger } from "../lib/args";
import { loadSystem } from "./lib/system";

task("validator:join", "Enters the --from account into the validator set from the next epoch")
  .addOptionalParam("from", "Account index or address of the candidate", "0")
  .setAction(async (args: { from: string }, hre) => {
    const { validatorSet, signer } = await loadSystem(hre, args.from);
    const who = await signer.getAddress();
    const v = await validatorSet.getValidator(who);
    if (v.listed) {
      console.log(`${who} is already in the validator set (in force from the epoch after it joined)`);
      return;
    }
    const receipt = await explainRevert("validator:join", async () => (await validatorSet.join()).wait());
    const effective = await validatorSet.nextEpochStartBlock();
    console.log(`${who} joins the validator set at block ${effective} (tx ${receipt?.hash})`);
  });

task("validator:stake", "Bonds staking tokens to a validator's stake (approving the token if needed)")
  .addParam("amount", "Amount in whole tokens, e.g. 10000 or 0.5")
  .addOptionalParam("from", "Account index or address paying the tokens", "0")
  .addOptionalParam("validator", "Validator credited (default: the --from account)")
  .setAction(async (args: { amount: string; from: string; validator?: string }, hre) => {
    const amount = parseAmount("amount", args.amount);
    const { validatorSet, stakingToken, signer } = await loadSystem(hre, args.from);
    const from = await signer.getAddress();
    const validator = args.validator ? parseAddress("validator", args.validator) : from;
    const vsAddress = await validatorSet.getAddress();
    const balance = await stakingToken.balanceOf(from);
    if (balance < amount) {
      throw new TaskError(`${from} holds ${formatEther(balance)} staking tokens, less than --amount ${args.amount}`);
    }
    if ((await stakingToken.allowance(from, vsAddress)) < amount) {
      await explainRevert("approve", async () => (await stakingToken.approve(vsAddress, amount)).wait());
    }
    await explainRevert("validator:stake", async () => (await validatorSet.stakeFor(validator, amount)).wait());
    const v = await validatorSet.getValidator(validator);
    const min = (await validatorSet.params()).minStake;
    console.log(`${validator} stake: ${formatEther(v.stake)} (minimum ${formatEther(min)}); in set: ${v.listed}; approved: ${v.approved}`);
  });

task("validator:unstake", "Starts unbonding stake, or withdraws stake whose unbonding is over")
  .addOptionalParam("amount", "Amount in whole tokens to start unbonding")
  .addFlag("withdraw", "Withdraw everything whose unbonding period is over instead")
  .addOptionalParam("from", "Account index or address of the validator", "0")
  .setAction(async (args: { amount?: string; withdraw: boolean; from: string }, hre) => {
    if (args.withdraw === (args.amount !== undefined)) {
      throw new TaskError("give either --amount <tokens> (start unbonding) or --withdraw (collect unbonded stake)");
    }
    const { validatorSet, signer } = await loadSystem(hre, args.from);
    const who = await signer.getAddress();
    if (args.withdraw) {
      const before = await validatorSet.getValidator(who);
      await explainRevert("validator:unstake --withdraw", async () => (await validatorSet.withdraw()).wait());
      console.log(`${who} withdrew ${formatEther(before.unbonding)} tokens`);
      return;
    }
    const amount = parseAmount("amount", args.amount ?? "");
    await explainRevert("validator:unstake", async () => (await validatorSet.requestUnstake(amount)).wait());
    const v = await validatorSet.getValidator(who);
    console.log(
      `${who} unbonding ${formatEther(v.unbonding)} until block ${v.unbondingReleaseBlock}; bonded ${formatEther(v.stake)}; in set: ${v.listed}`,
    );
  });

task("validator:report", "Reports a validator for an offence at a block (> 2/3 of validators reporting slashes it)")
  .addParam("offender", "Address of the offending validator")
  .addParam("block", "Block number of the offence")
  .addParam("reason", "Short reason (≤ 32 bytes of text, or a 0x bytes32)")
  .addOptionalParam("from", "Account index or address of the reporting validator", "0")
  .setAction(async (args: { offender: string; block: string; reason: string; from: string }, hre) => {
    const offender = parseAddress("offender", args.offender);
    const blockNumber = parseInteger("block", args.block);
    const reason = parseBytes32("reason", args.reason);
    const { slashing } = await loadSystem(hre, args.from);
    const counted = await explainRevert("validator:report", () => slashing.report.staticCall(offender, blockNumber, reason));
    const receipt = await explainRevert("validator:report", async () => (await slashing.report(offender, blockNumber, reason)).wait());
    const id = await slashing.offenceId(offender, blockNumber, reason);
    const o = await slashing.getOffence(id);
    if (!counted) {
      console.log(`report NOT counted: you exceeded the per-epoch report quota and were penalised for spam (tx ${receipt?.hash})`);
      return;
    }
    console.log(
      `offence ${id}: ${o.reports} report(s) of ${await slashing.requiredReports(offender)} needed${o.punished ? " — offender slashed and jailed" : ""} (tx ${receipt?.hash})`,
    );
  });
