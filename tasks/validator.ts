import { task } from "./lib/task";
import { formatEther } from "ethers";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAmount, parseBytes32, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import type { Slashing, ValidatorSet } from "../typechain-types";
import { join } from "../ops/validator/join";
import { stake } from "../ops/validator/stake";
import { unstake } from "../ops/validator/unstake";
import { withdraw } from "../ops/validator/withdraw";
import { report } from "../ops/validator/report";

task("validator:join", "Enters the --from account into the validator set from the next epoch")
  .addOptionalParam("from", "Account index or address of the candidate", "0")
  .setAction(async (args: { from: string }, hre) => {
    const { signer, at } = await loadDeployment(hre, args.from);
    const r = await join(signer, { validatorSet: await (await at<ValidatorSet>("ValidatorSet")).getAddress() });
    if (r.alreadyListed) console.log(`${r.validator} is already in the validator set (in force from the epoch after it joined)`);
    else console.log(`${r.validator} joins the validator set at block ${r.effectiveBlock} (tx ${r.transactionHash})`);
  });

task("validator:stake", "Bonds staking tokens to a validator's stake (approving the token if needed)")
  .addParam("amount", "Amount in whole tokens, e.g. 10000 or 0.5")
  .addOptionalParam("from", "Account index or address paying the tokens", "0")
  .addOptionalParam("validator", "Validator credited (default: the --from account)")
  .setAction(async (args: { amount: string; from: string; validator?: string }, hre) => {
    const amount = parseAmount("amount", args.amount);
    const validator = args.validator ? parseAddress("validator", args.validator) : undefined;
    const { signer, at } = await loadDeployment(hre, args.from);
    const r = await stake(signer, { validatorSet: await (await at<ValidatorSet>("ValidatorSet")).getAddress(), amount, ...(validator ? { validator } : {}) });
    console.log(`${r.validator} stake: ${formatEther(r.stake)} (minimum ${formatEther(r.minStake)}); in set: ${r.listed}; approved: ${r.approved}`);
  });

task("validator:unstake", "Starts unbonding stake, or withdraws stake whose unbonding is over")
  .addOptionalParam("amount", "Amount in whole tokens to start unbonding")
  .addFlag("withdraw", "Withdraw everything whose unbonding period is over instead")
  .addOptionalParam("from", "Account index or address of the validator", "0")
  .setAction(async (args: { amount?: string; withdraw: boolean; from: string }, hre) => {
    if (args.withdraw === (args.amount !== undefined)) {
      throw new TaskError("give either --amount <tokens> (start unbonding) or --withdraw (collect unbonded stake)");
    }
    const amount = args.withdraw ? 0n : parseAmount("amount", args.amount ?? "");
    const { signer, at } = await loadDeployment(hre, args.from);
    const validatorSet = await (await at<ValidatorSet>("ValidatorSet")).getAddress();
    if (args.withdraw) {
      const r = await withdraw(signer, { validatorSet });
      console.log(`${r.validator} withdrew ${formatEther(r.amount)} tokens`);
      return;
    }
    const r = await unstake(signer, { validatorSet, amount });
    console.log(`${r.validator} unbonding ${formatEther(r.unbonding)} until block ${r.releaseBlock}; bonded ${formatEther(r.stake)}; in set: ${r.listed}`);
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
    const { signer, at } = await loadDeployment(hre, args.from);
    const r = await report(signer, { slashing: await (await at<Slashing>("Slashing")).getAddress(), offender, blockNumber, reason });
    if (!r.counted) {
      console.log(`report NOT counted: you exceeded the per-epoch report quota and were penalised for spam (tx ${r.transactionHash})`);
      return;
    }
    console.log(`offence ${r.offenceId}: ${r.reports} report(s) of ${r.required} needed${r.punished ? " — offender slashed and jailed" : ""} (tx ${r.transactionHash})`);
  });
