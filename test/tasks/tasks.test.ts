import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { mkdtempSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expectTaskError, runTask as run } from "../helpers/tasks";
import { loadSystem } from "../../tasks/lib/system";

describe("tasks", function () {
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-tasks-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    const configFile = path.join(dir, "config.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        validatorSet: { epochLength: 10, unbondingPeriod: 20, jailPeriod: 10, minStake: "1000000000000000000000" },
        governance: { votingPeriod: 10, timelockDelay: 60 },
      }),
    );
    await run("deploy:system", { systemConfig: configFile, reset: true, quiet: true });
  });

  after(function () {
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  describe("deploy:system", function () {
    it("writes a manifest the other tasks load, and a re-run deploys nothing new", async function () {
      const first = await loadSystem(hre);
      const before = await ethers.provider.getBlockNumber();
      const { result } = await run("deploy:system", { quiet: true });
      expect(await ethers.provider.getBlockNumber()).to.equal(before);
      expect((result as { contracts: Record<string, { address: string }> }).contracts.ValidatorSet.address).to.equal(
        await first.validatorSet.getAddress(),
      );
    });

    it("rejects an unknown configuration key by name", async function () {
      const bad = path.join(dir, "bad.json");
      writeFileSync(bad, JSON.stringify({ validatorSet: { epochLenght: 5 } }));
      await expectTaskError(run("deploy:system", { systemConfig: bad, quiet: true }), /unknown config key "validatorSet.epochLenght"/);
    });

    it("rejects a missing configuration file", async function () {
      await expectTaskError(run("deploy:system", { systemConfig: path.join(dir, "nope.json"), quiet: true }), /cannot read config file/);
    });
  });

  describe("validator tasks", function () {
    it("validator:stake approves and bonds tokens for another validator", async function () {
      const { validatorSet } = await loadSystem(hre);
      const [, v1] = await ethers.getSigners();
      const before = (await validatorSet.getValidator(v1.address)).stake;
      const { out } = await run("validator:stake", { amount: "5", from: "0", validator: v1.address });
      expect((await validatorSet.getValidator(v1.address)).stake).to.equal(before + ethers.parseEther("5"));
      expect(out).to.contain("stake:");
    });

    it("validator:stake rejects a malformed amount and a bad address before sending", async function () {
      await expectTaskError(run("validator:stake", { amount: "ten", from: "0" }), /--amount must be a positive decimal number/);
      await expectTaskError(run("validator:stake", { amount: "0", from: "0" }), /greater than zero/);
      await expectTaskError(run("validator:stake", { amount: "1", from: "0", validator: "0x1234" }), /--validator is not a valid address/);
    });

    it("validator:stake says when the account holds too few tokens", async function () {
      await expectTaskError(run("validator:stake", { amount: "1", from: "15" }), /holds 0.0 staking tokens/);
    });

    it("--from outside the accounts is a clear error", async function () {
      await expectTaskError(run("validator:join", { from: "99" }), /has only 20 accounts/);
      await expectTaskError(run("validator:join", { from: "0x000000000000000000000000000000000000dEaD" }), /not one of the accounts/);
    });

    it("validator:join decodes ValidatorSetNotApproved and hints at governance", async function () {
      await expectTaskError(run("validator:join", { from: "15" }), /ValidatorSetNotApproved\(0x[0-9a-fA-F]{40}\): the candidate needs governance approval/);
    });

    it("validator:join reports an account already in the set without sending", async function () {
      const { out } = await run("validator:join", { from: "1" });
      expect(out).to.match(/already in the validator set/);
    });

    it("validator:unstake needs exactly one of --amount and --withdraw", async function () {
      await expectTaskError(run("validator:unstake", { from: "1", withdraw: false }), /either --amount/);
      await expectTaskError(run("validator:unstake", { from: "1", amount: "1", withdraw: true }), /either --amount/);
    });

    it("validator:unstake starts unbonding, and --withdraw before release decodes ValidatorSetUnbonding", async function () {
      const { validatorSet } = await loadSystem(hre);
      const [, , , , v4] = await ethers.getSigners();
      const { out } = await run("validator:unstake", { from: "4", amount: "1", withdraw: false });
      expect(out).to.match(/unbonding 1.0 until block/);
      expect((await validatorSet.getValidator(v4.address)).unbonding).to.equal(ethers.parseEther("1"));
      await expectTaskError(run("validator:unstake", { from: "4", withdraw: true }), /ValidatorSetUnbonding\(\d+\)/);
      await mine(25);
      const done = await run("validator:unstake", { from: "4", withdraw: true });
      expect(done.out).to.match(/withdrew 1.0 tokens/);
    });

    it("validator:report files a report and shows the count needed", async function () {
      await mine(2);
      const [, , , v3] = await ethers.getSigners();
      const block = (await ethers.provider.getBlockNumber()) - 1;
      const { out } = await run("validator:report", { from: "1", offender: v3.address, block: String(block), reason: "invalid block" });
      // validator 4 unstaked below the minimum above and left the set: 3 in force, 2 judges of v3, 2 needed
      expect(out, out).to.match(/1 report\(s\) of 2 needed/);
    });

    it("validator:report rejects a bad block number, a long reason and a future block", async function () {
      const [, , , v3] = await ethers.getSigners();
      await expectTaskError(run("validator:report", { from: "1", offender: v3.address, block: "-1", reason: "x" }), /--block must be a non-negative integer/);
      await expectTaskError(run("validator:report", { from: "1", offender: v3.address, block: "1", reason: "x".repeat(33) }), /--reason must be/);
      await expectTaskError(run("validator:report", { from: "1", offender: v3.address, block: "999999", reason: "x" }), /SlashingFutureBlock\(999999, \d+\)/);
    });
  });

  describe("governance tasks", function () {
    it("gov:propose builds the right call for every action", async function () {
      const sys = await loadSystem(hre);
      const s = await ethers.getSigners();
      const [a, b] = [s[16]!.address, s[17]!.address];
      const vs = await sys.validatorSet.getAddress();
      const registry = await sys.chainRegistry.getAddress();
      const council = s.slice(5, 10).map((x) => x.address);
      const CP_ROLE = await sys.chainRegistry.CP_ROLE();
      const vsParams = await sys.validatorSet.params();
      const slParams = await sys.slashing.params();
      const impl = await (await ethers.getContractFactory("ValidatorSet")).deploy();
      const cases: [Record<string, unknown>, string, string][] = [
        [{ action: "remove-validator", address: a }, vs, sys.validatorSet.interface.encodeFunctionData("removeValidator", [a])],
        [{ action: "swap-validator", address: a, newAddress: b }, vs, sys.validatorSet.interface.encodeFunctionData("swapValidator", [a, b])],
        [{ action: "release-validator", address: a }, vs, sys.validatorSet.interface.encodeFunctionData("releaseValidator", [a])],
        [{ action: "grant-cp", address: a }, registry, sys.chainRegistry.interface.encodeFunctionData("grantRole", [CP_ROLE, a])],
        [{ action: "revoke-cp", address: a }, registry, sys.chainRegistry.interface.encodeFunctionData("revokeRole", [CP_ROLE, a])],
        [
          { action: "set-validator-params", params: '{"jailPeriod":7}' },
          vs,
          sys.validatorSet.interface.encodeFunctionData("setParams", [
            { maxValidators: vsParams.maxValidators, minStake: vsParams.minStake, epochLength: vsParams.epochLength, unbondingPeriod: vsParams.unbondingPeriod, jailPeriod: 7n },
          ]),
        ],
        [
          { action: "set-slashing-params", params: '{"spamSlashBps":"200"}' },
          await sys.slashing.getAddress(),
          sys.slashing.interface.encodeFunctionData("setParams", [
            {
              reportSlashBps: slParams.reportSlashBps, doubleSignSlashBps: slParams.doubleSignSlashBps, downtimeSlashBps: slParams.downtimeSlashBps,
              spamSlashBps: 200n, maxReportAge: slParams.maxReportAge, maxReportsPerEpoch: slParams.maxReportsPerEpoch,
              misdemeanorThreshold: slParams.misdemeanorThreshold, felonyThreshold: slParams.felonyThreshold, downtimeWindow: slParams.downtimeWindow,
            },
          ]),
        ],
        [{ action: "council-members", address: council.join(",") }, await sys.council.getAddress(), sys.council.interface.encodeFunctionData("setMembers", [council])],
        [{ action: "unpause", contract: "Slashing" }, await sys.slashing.getAddress(), sys.slashing.interface.encodeFunctionData("unpause")],
        [
          { action: "upgrade", contract: "ValidatorSet", implementation: await impl.getAddress() },
          vs,
          sys.validatorSet.interface.encodeFunctionData("upgradeToAndCall", [await impl.getAddress(), "0x"]),
        ],
        [
          { action: "call", target: "ValidatorSet", signature: "releaseValidator(address)", args: JSON.stringify([b]) },
          vs,
          sys.validatorSet.interface.encodeFunctionData("releaseValidator", [b]),
        ],
      ];
      for (const [args, target, data] of cases) {
        const { result } = await run("gov:propose", { ...args, from: "1" });
        const ev = (await sys.governor.queryFilter(sys.governor.filters.ProposalCreated(), 0)).find((e) => e.args.proposalId === result);
        expect(ev, String(args.action)).to.not.equal(undefined);
        expect([...ev!.args.targets], String(args.action)).to.deep.equal([target]);
        expect([...ev!.args.calldatas], String(args.action)).to.deep.equal([data]);
      }
      await expectTaskError(run("gov:propose", { action: "council-members", address: council.slice(0, 4).join(","), from: "1" }), /exactly 5 comma-separated addresses/);
      await expectTaskError(run("gov:propose", { action: "set-slashing-params", params: '{"spamSlashBps":-1}', from: "1" }), /"spamSlashBps" must be a non-negative integer/);
    });

    it("propose → vote ×3 → execute (queue) → execute approves a candidate", async function () {
      const { validatorSet } = await loadSystem(hre);
      const candidate = (await ethers.getSigners())[16];
      const { result } = await run("gov:propose", { action: "approve-validator", address: candidate.address, from: "1" });
      const id = String(result);
      await mine(1);
      for (const from of ["1", "2", "3"]) {
        const { out } = await run("gov:vote", { id, support: "for", reason: "", from });
        expect(out).to.match(/voted for/);
      }
      await expectTaskError(run("gov:execute", { id, from: "0" }), /is Active/);
      await mine(10);
      expect((await run("gov:execute", { id, from: "0" })).result).to.equal("Queued");
      await expectTaskError(run("gov:execute", { id, from: "0" }), /queued until/);
      await time.increase(61);
      expect((await run("gov:execute", { id, from: "0" })).result).to.equal("Executed");
      expect((await validatorSet.getValidator(candidate.address)).approved).to.equal(true);
    });

    it("gov:propose rejects unknown actions, unknown params and bad call arguments", async function () {
      await expectTaskError(run("gov:propose", { action: "make-me-rich", from: "1" }), /unknown --action "make-me-rich"/);
      await expectTaskError(run("gov:propose", { action: "set-validator-params", params: '{"maxValidator":3}', from: "1" }), /unknown parameter "maxValidator"/);
      await expectTaskError(run("gov:propose", { action: "set-validator-params", params: "[1]", from: "1" }), /must be a JSON object/);
      await expectTaskError(run("gov:propose", { action: "call", target: "Nope", signature: "f()", from: "1" }), /neither an address nor a deployed contract/);
      await expectTaskError(run("gov:propose", { action: "call", target: "ValidatorSet", signature: "release validator!", from: "1" }), /not a valid function signature/);
      await expectTaskError(run("gov:propose", { action: "call", target: "ValidatorSet", signature: "releaseValidator(address)", args: '["nope"]', from: "1" }), /--args do not match/);
      await expectTaskError(run("gov:propose", { action: "upgrade", contract: "ValidatorSet", implementation: "0x000000000000000000000000000000000000dEaD", from: "1" }), /has no code/);
    });

    it("gov:propose from a non-validator decodes GovernorInsufficientProposerVotes", async function () {
      await expectTaskError(run("gov:propose", { action: "release-validator", address: ethers.ZeroAddress, from: "15" }), /GovernorInsufficientProposerVotes/);
    });

    it("gov:vote rejects a bad --support and decodes a vote by a non-validator", async function () {
      const { result } = await run("gov:propose", { action: "set-validator-params", params: '{"maxValidators":21}', from: "1" });
      await mine(1);
      await expectTaskError(run("gov:vote", { id: String(result), support: "yes", reason: "", from: "1" }), /--support must be for, against or abstain/);
      await expectTaskError(run("gov:vote", { id: String(result), support: "for", reason: "", from: "15" }), /LuniverseGovernorNotValidator/);
      await expectTaskError(run("gov:execute", { id: "123", from: "0" }), /no proposal 123/);
    });
  });

  describe("chain tasks", function () {
    it("chain:register registers a chain and chain:swap-vote swaps an owner on the third vote", async function () {
      const { chainRegistry } = await loadSystem(hre);
      const s = await ethers.getSigners();
      const owners = [s[12], s[13], s[14], s[15]].map((x) => x.address).join(",");
      const { out } = await run("chain:register", { chainId: "1001", name: "Game chain", pd: s[11].address, owners, shard: "2", from: "0" });
      expect(out).to.contain('registered product chain 1001 "Game chain"');
      expect((await chainRegistry.getChain(1001)).shardGroup).to.equal(2n);
      const vote = (from: string) => run("chain:swap-vote", { chainId: "1001", old: s[15].address, new: s[17].address, from });
      expect((await vote("12")).out).to.match(/1 of 3 votes/);
      expect((await vote("13")).out).to.match(/2 of 3 votes/);
      expect((await vote("14")).out).to.match(/swap applied/);
      expect(await chainRegistry.isNodeOwner(1001, s[17].address)).to.equal(true);
    });

    it("chain:register needs four owners and decodes a missing CP role", async function () {
      const s = await ethers.getSigners();
      const four = [s[12], s[13], s[14], s[15]].map((x) => x!.address).join(",");
      await expectTaskError(run("chain:register", { chainId: "7", name: "x", pd: s[11]!.address, owners: four, shard: "4294967296", from: "0" }), /--shard must fit in 32 bits/);
      await expectTaskError(run("chain:register", { chainId: "7", name: "x", pd: s[11].address, owners: s[12].address, shard: "0", from: "0" }), /exactly 4 comma-separated addresses/);
      const owners = [s[12], s[13], s[14], s[15]].map((x) => x.address).join(",");
      await expectTaskError(run("chain:register", { chainId: "7", name: "x", pd: s[11].address, owners, shard: "0", from: "5" }), /AccessControlUnauthorizedAccount.*not a consortium partner/);
    });

    it("chain:swap-vote decodes ChainRegistryNotNodeOwner", async function () {
      const s = await ethers.getSigners();
      await expectTaskError(run("chain:swap-vote", { chainId: "1001", old: s[12].address, new: s[18].address, from: "5" }), /ChainRegistryNotNodeOwner\(1001, /);
    });
  });

  it("tasks on a network with no deployment say how to deploy", async function () {
    const empty = mkdtempSync(path.join(tmpdir(), "luniverse-empty-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = empty;
    try {
      await expectTaskError(run("validator:join", { from: "1" }), /no deployment found for network "hardhat".*deploy:system/);
    } finally {
      process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
