import { expect } from "chai";
import { GasTable } from "../helpers/gas";
import hre, { ethers } from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystem } from "../../deploy/system";
import { resolveConfig } from "../../deploy/config";

/**
 * The gas scenario behind `npm run gas`: one of each operation the foundation issue names (join, stake,
 * report, double-sign evidence, propose, vote, execute), measured from receipts and printed as a table.
 * With REPORT_GAS=1, hardhat-gas-reporter prints its per-method table as well.
 */
describe("gas: system-contract operations", function () {
  const gas = new GasTable();
  const measure = gas.measure.bind(gas);
  after(() => gas.print("Gas per operation"));

  it("measures join, stake, report, evidence, propose, vote and execute", async function () {
    const config = resolveConfig({
      validatorSet: { epochLength: 10, unbondingPeriod: 20, jailPeriod: 10 },
      governance: { votingPeriod: 10, timelockDelay: 60 },
    });
    const sys = await deploySystem(hre, { config, manifestDir: null });
    const signers = await ethers.getSigners();
    const validators = signers.slice(1, 5);
    const candidate = signers[11];
    const minStake = config.validatorSet.minStake;

    // governance: approve the candidate (propose, 3 votes of 4, queue, execute)
    const target = await sys.validatorSet.getAddress();
    const data = sys.validatorSet.interface.encodeFunctionData("approveCandidate", [candidate.address]);
    const description = "approve candidate";
    const proposalId = await sys.governor.hashProposal([target], [0], [data], ethers.id(description));
    await measure("propose", sys.governor.connect(validators[0]).propose([target], [0], [data], description));
    await mine(1);
    await measure("vote", sys.governor.connect(validators[0]).castVote(proposalId, 1));
    await sys.governor.connect(validators[1]).castVote(proposalId, 1);
    await sys.governor.connect(validators[2]).castVote(proposalId, 1);
    await mine(config.governance.votingPeriod);
    await measure("queue", sys.governor.queue([target], [0], [data], ethers.id(description)));
    await time.increase(config.governance.timelockDelay);
    await measure("execute (approve candidate)", sys.governor.execute([target], [0], [data], ethers.id(description)));

    // staking and joining
    await sys.stakingToken.transfer(candidate.address, minStake * 2n);
    await sys.stakingToken.connect(candidate).approve(target, minStake * 2n);
    await measure("stake (below minimum)", sys.validatorSet.connect(candidate).stake(minStake / 2n));
    await measure("stake (completes entry, auto-join)", sys.validatorSet.connect(candidate).stake(minStake / 2n));
    await measure("leave", sys.validatorSet.connect(candidate).leave());
    await measure("join", sys.validatorSet.connect(candidate).join());

    // a report by one validator (not yet decisive), then the deciding report that slashes and jails
    await mine(2);
    const offence = await ethers.provider.getBlockNumber();
    const reason = ethers.encodeBytes32String("invalid block");
    await measure("report", sys.slashing.connect(validators[0]).report(validators[3].address, offence, reason));
    await sys.slashing.connect(validators[1]).report(validators[3].address, offence, reason);
    await measure("report (decisive: slash + jail)", sys.slashing.connect(validators[2]).report(validators[3].address, offence, reason));

    // double-sign evidence against validator 1 (Hardhat account 2; its key is the well-known dev key)
    const accounts = hre.config.networks.hardhat.accounts as { mnemonic: string; path: string };
    const wallet = ethers.HDNodeWallet.fromPhrase(accounts.mnemonic, undefined, `${accounts.path}/2`);
    expect(wallet.address).to.equal(validators[1].address);
    const height = await ethers.provider.getBlockNumber();
    const [hashA, hashB] = [ethers.id("block A"), ethers.id("block B")];
    const sigA = wallet.signingKey.sign(await sys.slashing.commitDigest(height, hashA)).serialized;
    const sigB = wallet.signingKey.sign(await sys.slashing.commitDigest(height, hashB)).serialized;
    await measure("double-sign evidence", sys.slashing.submitDoubleSignEvidence(height, hashA, sigA, hashB, sigB));

    // unbonding (validator 0 drops below the minimum and leaves the set at the next epoch)
    await measure("requestUnstake", sys.validatorSet.connect(validators[0]).requestUnstake(minStake / 10n));

    expect(gas.rows.map((r) => r.operation)).to.include.members(["join", "stake (below minimum)", "report", "double-sign evidence", "propose", "vote", "execute (approve candidate)"]);
  });
});
