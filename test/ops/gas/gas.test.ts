import { expect } from "chai";
import { ethers } from "hardhat";
import type { Provider, Result } from "ethers";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { deploySystemFixture, expectErrorCode, hardhatClock, impersonate, passProposal, type SystemFixture } from "../../fixtures/system";
import { passProposal as passProposalOp } from "../../../ops/governance/passProposal";
import { readGasStatus } from "../../../ops/gas/readGasStatus";
import { readAccountUsage, readSponsorUsage, isMethodNotFound } from "../../../ops/gas/nodeUsage";
import { gasPolicyAction, type GasPolicyAction } from "../../../ops/gas/actions";
import { applyGasPolicyCalls } from "../../../ops/gas/applyGasPolicyCalls";
import { setSponsored } from "../../../ops/gas/setSponsored";
import { reportAbuser } from "../../../ops/gas/reportAbuser";
import { readBlacklist } from "../../../ops/gas/readBlacklist";
import { abuseReasonName, type AbuseReason } from "../../../ops/gas/abuse";

const BUDGET = 50_000_000n;

/** The latest block's timestamp. */
async function now(): Promise<bigint> {
  return BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
}

/** The fixture's policy with sponsor 1 ("Game", admin = outsider 0) registered, sent directly by the (impersonated) timelock. */
async function withSponsor(): Promise<SystemFixture & { policy: string }> {
  const f = await loadFixture(deploySystemFixture);
  const policy = await f.gasPolicy.getAddress();
  const timelock = await impersonate(await f.timelock.getAddress());
  const { calls } = await gasPolicyAction(ethers.provider, { policy, action: { action: "register-sponsor", name: "Game", admin: f.outsiders[0]!.address, budgetPerWindow: BUDGET } });
  await applyGasPolicyCalls(timelock, { policy, calls });
  return { ...f, policy };
}

/** A provider that answers the node's gas methods with `answers` (or throws `answers[method]` when it is an Error) and Hardhat's for the rest. */
function gasFreeProvider(answers: Record<string, unknown>): Provider {
  const base = ethers.provider;
  return Object.create(base, {
    send: {
      value: async (method: string, params: unknown[]) => {
        if (method in answers) {
          const a = answers[method];
          if (a instanceof Error) throw a;
          return a;
        }
        return base.send(method, params);
      },
    },
  }) as Provider;
}

const USAGE = {
  account: "0x0000000000000000000000000000000000000001",
  window: 493_000,
  windowSeconds: 3600,
  resetsAt: 1_774_800_000,
  used: "1200000",
  reserved: "21000",
  quota: "250000000",
  sponsor: { id: 1, used: "5000", budget: "50000000" },
  blacklistedUntil: 0,
  throttled: { until: 1_774_799_000, reason: "too many rejections" },
  counters: { gas: "1200000", reverts: 2, rejections: 7 },
};

describe("ops/gas", function () {
  describe("readGasStatus", function () {
    it("reads the parameters, version and current window with its reset time at the latest block", async function () {
      const f = await loadFixture(deploySystemFixture);
      const policy = await f.gasPolicy.getAddress();
      const s = await readGasStatus(ethers.provider, { policy });
      const p = f.config.gasPolicy;
      expect(s.params).to.deep.equal({
        windowSeconds: BigInt(p.windowSeconds),
        maxTxGas: BigInt(p.maxTxGas),
        defaultAccountQuota: BigInt(p.defaultAccountQuota),
        unsponsoredShareBps: BigInt(p.unsponsoredShareBps),
        abuseGasPerWindow: BigInt(p.abuseGasPerWindow),
        abuseRevertsPerWindow: BigInt(p.abuseRevertsPerWindow),
        abuseRejectionsPerWindow: BigInt(p.abuseRejectionsPerWindow),
        reportBlacklistSeconds: BigInt(p.reportBlacklistSeconds),
      });
      const ts = await now();
      expect(s.blockNumber).to.equal(await ethers.provider.getBlockNumber());
      expect(s.timestamp).to.equal(ts);
      expect(s.version).to.equal(await f.gasPolicy.version());
      expect(s.window).to.equal(ts / s.params.windowSeconds);
      expect(s.windowResetsAt).to.equal((s.window + 1n) * s.params.windowSeconds);
      expect(s.secondsToReset).to.equal(s.windowResetsAt - ts);
      expect(s.sponsorCount).to.equal(0n);
      expect(s.account).to.equal(undefined);
      expect(s.sponsor).to.equal(undefined);
    });

    it("reads an account's policy, and reports usage as unavailable where the node has no luniverse_gasUsage (Hardhat's network)", async function () {
      const f = await withSponsor();
      const member = f.outsiders[1]!.address;
      await setSponsored(f.outsiders[0]!, { policy: f.policy, sponsorId: 1n, accounts: [member], sponsored: true });
      const s = await readGasStatus(ethers.provider, { policy: f.policy, account: member });
      expect(s.account).to.deep.equal({
        account: member,
        senderSponsor: 1n,
        contractSponsor: 0n,
        quota: BigInt(f.config.gasPolicy.defaultAccountQuota),
        blacklistedUntil: 0n,
        blacklisted: false,
        usage: null,
      });
    });

    it("reads a sponsor with its members and, on a gas-free node, both usages", async function () {
      const f = await withSponsor();
      const [admin, a, c] = [f.outsiders[0]!, f.outsiders[1]!.address, await f.stakingToken.getAddress()];
      await setSponsored(admin, { policy: f.policy, sponsorId: 1n, contracts: [c], accounts: [a], sponsored: true });
      const provider = gasFreeProvider({ luniverse_gasUsage: USAGE, luniverse_gasSponsorUsage: { id: 1, window: 493_000, used: "5000", budget: "50000000", resetsAt: 1_774_800_000 } });
      const s = await readGasStatus(provider, { policy: f.policy, account: a, sponsorId: 1n });
      expect(s.sponsor).to.deep.equal({
        id: 1n,
        name: "Game",
        admin: admin.address,
        budgetPerWindow: BUDGET,
        active: true,
        contracts: 1n,
        accounts: 1n,
        sponsoredContracts: [c],
        sponsoredAccounts: [a],
        usage: { id: 1n, window: 493_000n, used: 5000n, budget: 50_000_000n, resetsAt: 1_774_800_000n },
      });
      expect(s.account!.usage).to.deep.equal({
        account: USAGE.account,
        window: 493_000n,
        windowSeconds: 3600n,
        resetsAt: 1_774_800_000n,
        used: 1_200_000n,
        reserved: 21_000n,
        quota: 250_000_000n,
        sponsor: { id: 1n, used: 5000n, budget: 50_000_000n },
        blacklistedUntil: 0n,
        throttled: { until: 1_774_799_000n, reason: "too many rejections" },
        counters: { gas: 1_200_000n, reverts: 2n, rejections: 7n },
      });
    });

    it("says when the sponsor does not exist (OP_PRECONDITION)", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expectErrorCode(readGasStatus(ethers.provider, { policy: await f.gasPolicy.getAddress(), sponsorId: 1n }), "OP_PRECONDITION", /no sponsor 1 in the gas policy \(none registered\)/);
    });

    it("says when there is no policy at the address (OP_DEPLOYMENT)", async function () {
      await expectErrorCode(readGasStatus(ethers.provider, { policy: "0x000000000000000000000000000000000000dEaD" }), "OP_DEPLOYMENT", /GasPolicy at 0x000000000000000000000000000000000000dEaD has no code/);
    });
  });

  describe("node usage (luniverse_gasUsage, luniverse_gasSponsorUsage)", function () {
    it("is null for a node that answers method not found (-32601), however wrapped", async function () {
      const notFound = Object.assign(new Error("could not coalesce error"), { error: { code: -32601, message: "the method luniverse_gasUsage does not exist/is not available" } });
      expect(isMethodNotFound(notFound)).to.equal(true);
      expect(await readAccountUsage(gasFreeProvider({ luniverse_gasUsage: notFound }), USAGE.account)).to.equal(null);
      expect(await readSponsorUsage(gasFreeProvider({ luniverse_gasSponsorUsage: notFound }), 1n)).to.equal(null);
      expect(await readAccountUsage(ethers.provider, USAGE.account)).to.equal(null);
    });

    it("is null for a provider that cannot send raw requests", async function () {
      const bare = { getBlock: () => null } as unknown as Provider;
      expect(await readAccountUsage(bare, USAGE.account)).to.equal(null);
    });

    it("is an OP_PRECONDITION for another failure or an answer in an unexpected format", async function () {
      await expectErrorCode(readAccountUsage(gasFreeProvider({ luniverse_gasUsage: new Error("socket hang up") }), USAGE.account), "OP_PRECONDITION", /luniverse_gasUsage failed: socket hang up/);
      await expectErrorCode(readAccountUsage(gasFreeProvider({ luniverse_gasUsage: { ...USAGE, used: "lots" } }), USAGE.account), "OP_PRECONDITION", /answered "lots" for used, not an integer/);
      await expectErrorCode(readSponsorUsage(gasFreeProvider({ luniverse_gasSponsorUsage: "nope" }), 1n), "OP_PRECONDITION", /answered "nope" for the result, not an object/);
    });
  });

  describe("gasPolicyAction", function () {
    it("builds the call of every action", async function () {
      const f = await withSponsor();
      const gp = f.gasPolicy.interface;
      const [a, b] = [f.outsiders[1]!.address, f.outsiders[2]!.address];
      const params = await f.gasPolicy.params();
      const ts = await now();
      const cases: [GasPolicyAction, string, RegExp][] = [
        [{ action: "register-sponsor", name: "Shop", admin: a, budgetPerWindow: 7n }, gp.encodeFunctionData("registerSponsor", ["Shop", a, 7n]), /register gas sponsor "Shop" \(id 2 if registered next\)/],
        [{ action: "set-sponsor-budget", sponsorId: 1n, budgetPerWindow: 9n }, gp.encodeFunctionData("setSponsorBudget", [1n, 9n]), /budget to 9 gas per window \(was 50000000\)/],
        [{ action: "set-sponsor-active", sponsorId: 1n, active: false }, gp.encodeFunctionData("setSponsorActive", [1n, false]), /deactivate gas sponsor 1 \("Game"\)/],
        [{ action: "set-sponsor-admin", sponsorId: 1n, admin: b }, gp.encodeFunctionData("setSponsorAdmin", [1n, b]), /make .* the admin of gas sponsor 1/],
        [{ action: "set-account-quota", account: a, quota: 9_000_000n }, gp.encodeFunctionData("setAccountQuota", [a, 9_000_000n]), /quota of 9000000 gas per window/],
        [{ action: "clear-account-quota", account: a }, gp.encodeFunctionData("clearAccountQuota", [a]), /back to the default gas quota/],
        [{ action: "blacklist", account: a, until: ts + 100n, reason: "spam" }, gp.encodeFunctionData("blacklist", [a, ts + 100n, "spam"]), /blacklist .* until .*: spam/],
        [{ action: "blacklist", account: a, duration: 3600n, reason: "" }, gp.encodeFunctionData("blacklist", [a, ts + 3600n, ""]), /blacklist .* until/],
        [
          { action: "set-params", changes: { maxTxGas: 9_000_000n } },
          gp.encodeFunctionData("setParams", [{ ...(params as unknown as Result).toObject(), maxTxGas: 9_000_000n } as never]),
          /set gas policy params \{"maxTxGas":"9000000"\}/,
        ],
      ];
      for (const [action, data, summary] of cases) {
        const { calls, description } = await gasPolicyAction(ethers.provider, { policy: f.policy, action });
        expect(calls, action.action).to.have.length(1);
        expect(calls[0]!.target, action.action).to.equal(f.policy);
        expect(calls[0]!.data, action.action).to.equal(data);
        expect(description, action.action).to.match(summary);
      }
      const admin = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "set-sponsor-admin", sponsorId: 1n, admin: b } });
      expect(admin.calls[0]!.alsoBy).to.equal(f.outsiders[0]!.address);
    });

    it("refuses a change that changes nothing, an unknown sponsor or parameter, and a blacklisting with both or neither end", async function () {
      const f = await withSponsor();
      const act = (action: GasPolicyAction) => gasPolicyAction(ethers.provider, { policy: f.policy, action });
      const a = f.outsiders[1]!.address;
      await expectErrorCode(act({ action: "set-sponsor-budget", sponsorId: 2n, budgetPerWindow: 1n }), "OP_PRECONDITION", /no sponsor 2 in the gas policy \(sponsors are 1\.\.1\)/);
      await expectErrorCode(act({ action: "set-sponsor-budget", sponsorId: 1n, budgetPerWindow: BUDGET }), "OP_PRECONDITION", /already has a budget of 50000000 gas per window: nothing to change/);
      await expectErrorCode(act({ action: "set-sponsor-active", sponsorId: 1n, active: true }), "OP_PRECONDITION", /sponsor 1 \("Game"\) is already active/);
      await expectErrorCode(act({ action: "set-sponsor-admin", sponsorId: 1n, admin: f.outsiders[0]!.address }), "OP_PRECONDITION", /is already the admin of sponsor 1/);
      await expectErrorCode(act({ action: "remove-from-blacklist", account: a }), "OP_PRECONDITION", /is not blacklisted now: nothing to change/);
      await expectErrorCode(act({ action: "set-params", changes: {} }), "OP_INVALID_PARAMETER", /no parameter to change; known: windowSeconds, maxTxGas/);
      await expectErrorCode(act({ action: "set-params", changes: { maxTxGass: 1n } }), "OP_INVALID_PARAMETER", /unknown parameter "maxTxGass"/);
      const current = await f.gasPolicy.params();
      await expectErrorCode(act({ action: "set-params", changes: { maxTxGas: current.maxTxGas } }), "OP_PRECONDITION", /already \{"maxTxGas":"8000000"\}: nothing to change/);
      await expectErrorCode(act({ action: "blacklist", account: a, reason: "" }), "OP_INVALID_PARAMETER", /either an end time \(until\) or a duration/);
      await expectErrorCode(act({ action: "blacklist", account: a, until: 1n, duration: 1n, reason: "" }), "OP_INVALID_PARAMETER", /either an end time/);
      await expectErrorCode(act({ action: "nope" } as unknown as GasPolicyAction), "OP_INVALID_PARAMETER", /unknown gas policy action "nope"/);
    });
  });

  describe("applyGasPolicyCalls", function () {
    it("proposes when the signer does not govern; the proposal passes and applies the change", async function () {
      const f = await withSponsor();
      const governor = await f.governor.getAddress();
      const account = f.outsiders[3]!.address;
      const { calls } = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "set-account-quota", account, quota: 9_000_000n } });
      const r = await applyGasPolicyCalls(f.validators[0]!, { policy: f.policy, calls, governor, description: "ops/gas: quota" });
      expect(r.mode).to.equal("proposed");
      if (r.mode !== "proposed") return;
      expect(r.proposer).to.equal(f.validators[0]!.address);
      expect(r.description).to.equal("ops/gas: quota");
      expect(r.quorum).to.equal(3n);
      // the same calls and description: passProposal resumes this proposal (votes, queues, executes)
      const passed = await passProposalOp(
        { provider: ethers.provider, validators: f.validators },
        { governor, targets: calls.map((c) => c.target), calldatas: calls.map((c) => c.data), description: "ops/gas: quota", clock: hardhatClock },
      );
      expect(passed.proposalId).to.equal(r.proposalId);
      expect((await f.gasPolicy.accountPolicy(account)).quota).to.equal(9_000_000n);
    });

    it("calls can be passed with the fixture's passProposal as well", async function () {
      const f = await withSponsor();
      const { calls } = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "set-sponsor-active", sponsorId: 1n, active: false } });
      await passProposal(f, calls.map((c) => c.target), [0n], calls.map((c) => c.data), "ops/gas: deactivate 1");
      expect((await f.gasPolicy.sponsor(1n)).active).to.equal(false);
    });

    it("sends directly when the signer holds GOVERNANCE_ROLE, and says so with the policy's events", async function () {
      const f = await loadFixture(deploySystemFixture);
      const policy = await f.gasPolicy.getAddress();
      const timelock = await impersonate(await f.timelock.getAddress());
      const { calls } = await gasPolicyAction(ethers.provider, { policy, action: { action: "register-sponsor", name: "Game", admin: f.outsiders[0]!.address, budgetPerWindow: BUDGET } });
      const block = await ethers.provider.getBlockNumber();
      const r = await applyGasPolicyCalls(timelock, { policy, calls, governor: await f.governor.getAddress() });
      expect(r.mode).to.equal("direct");
      if (r.mode !== "direct") return;
      expect(r).to.include({ sender: timelock.address, reason: "governs" });
      expect(r.transactionHashes).to.have.length(1);
      const registered = r.events.find((e) => e.name === "SponsorRegistered")!;
      expect(registered.args.id).to.equal(1n);
      expect(await ethers.provider.getBlockNumber()).to.equal(block + 1);
      expect((await f.gasPolicy.sponsor(1n)).name).to.equal("Game");
    });

    it("lets the sponsor's admin change its admin itself (no proposal)", async function () {
      const f = await withSponsor();
      const newAdmin = f.outsiders[4]!.address;
      const { calls } = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "set-sponsor-admin", sponsorId: 1n, admin: newAdmin } });
      const r = await applyGasPolicyCalls(f.outsiders[0]!, { policy: f.policy, calls, governor: await f.governor.getAddress() });
      expect(r).to.include({ mode: "direct", reason: "allowed", sender: f.outsiders[0]!.address });
      expect((await f.gasPolicy.sponsor(1n)).admin).to.equal(newAdmin);
    });

    it("names the policy's refusal before proposing (simulated as the timelock): GasPolicyInvalidParams(quota)", async function () {
      const f = await withSponsor();
      const { calls } = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "set-account-quota", account: f.outsiders[3]!.address, quota: 1n } });
      const block = await ethers.provider.getBlockNumber();
      await expectErrorCode(
        applyGasPolicyCalls(f.validators[0]!, { policy: f.policy, calls, governor: await f.governor.getAddress(), what: "gas:quota" }),
        "CONTRACT_REVERT",
        /gas:quota \(simulated as the timelock 0x[0-9a-fA-F]{40}\) reverted with GasPolicyInvalidParams\(quota\): see IGasPolicy.Params/,
      );
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("decodes a proposer that is not a validator (GovernorInsufficientProposerVotes)", async function () {
      const f = await withSponsor();
      const { calls } = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "clear-account-quota", account: f.outsiders[3]!.address } });
      await expectErrorCode(applyGasPolicyCalls(f.outsiders[5]!, { policy: f.policy, calls, governor: await f.governor.getAddress() }), "CONTRACT_REVERT", /GovernorInsufficientProposerVotes/);
    });

    it("refuses without a governor when the signer cannot send, no calls, and a call to another contract", async function () {
      const f = await withSponsor();
      const { calls } = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "clear-account-quota", account: f.outsiders[3]!.address } });
      await expectErrorCode(applyGasPolicyCalls(f.validators[0]!, { policy: f.policy, calls }), "OP_PRECONDITION", /does not hold GOVERNANCE_ROLE on the gas policy, and no governor was given/);
      await expectErrorCode(applyGasPolicyCalls(f.validators[0]!, { policy: f.policy, calls: [] }), "OP_INVALID_PARAMETER", /no call to apply/);
      const other = [{ ...calls[0]!, target: await f.slashing.getAddress() }];
      await expectErrorCode(applyGasPolicyCalls(f.validators[0]!, { policy: f.policy, calls: other }), "OP_INVALID_PARAMETER", /a call targets 0x[0-9a-fA-F]{40}, not the gas policy/);
    });
  });

  describe("setSponsored", function () {
    it("the admin adds and removes contracts and accounts; members already so are skipped without sending", async function () {
      const f = await withSponsor();
      const admin = f.outsiders[0]!;
      const [c1, c2] = [await f.stakingToken.getAddress(), await f.slashing.getAddress()];
      const [a1, a2] = [f.outsiders[1]!.address, f.outsiders[2]!.address];
      const added = await setSponsored(admin, { policy: f.policy, sponsorId: 1n, contracts: [c1, c2], accounts: [a1, a2], sponsored: true });
      expect(added).to.deep.include({ sponsorId: 1n, contracts: [c1, c2], accounts: [a1, a2], unchanged: [], contractCount: 2n, accountCount: 2n });
      expect(added.transactionHashes).to.have.length(2);
      expect([...(await f.gasPolicy.sponsoredContracts(1n))]).to.have.members([c1, c2]);

      const block = await ethers.provider.getBlockNumber();
      const again = await setSponsored(admin, { policy: f.policy, sponsorId: 1n, accounts: [a1.toLowerCase()], sponsored: true });
      expect(again).to.deep.include({ contracts: [], accounts: [], unchanged: [a1], transactionHashes: [] });
      expect(await ethers.provider.getBlockNumber()).to.equal(block);

      const removed = await setSponsored(admin, { policy: f.policy, sponsorId: 1n, contracts: [c2], accounts: [a2, f.outsiders[5]!.address], sponsored: false });
      expect(removed).to.deep.include({ contracts: [c2], accounts: [a2], unchanged: [f.outsiders[5]!.address], contractCount: 1n, accountCount: 1n });
      expect((await f.gasPolicy.accountPolicy(a2)).senderSponsor).to.equal(0n);
    });

    it("refuses a signer that is neither the admin nor governs, an unknown sponsor and an empty list", async function () {
      const f = await withSponsor();
      const a = f.outsiders[1]!.address;
      await expectErrorCode(setSponsored(f.outsiders[2]!, { policy: f.policy, sponsorId: 1n, accounts: [a], sponsored: true }), "OP_PRECONDITION", /is not the admin of sponsor 1 \("Game"\): its admin is/);
      await expectErrorCode(setSponsored(f.outsiders[0]!, { policy: f.policy, sponsorId: 3n, accounts: [a], sponsored: true }), "OP_PRECONDITION", /no sponsor 3/);
      await expectErrorCode(setSponsored(f.outsiders[0]!, { policy: f.policy, sponsorId: 1n, sponsored: true }), "OP_INVALID_PARAMETER", /give the contracts and\/or accounts/);
    });

    it("decodes GasPolicyAlreadySponsored for an account of another sponsor", async function () {
      const f = await withSponsor();
      const timelock = await impersonate(await f.timelock.getAddress());
      const { calls } = await gasPolicyAction(ethers.provider, { policy: f.policy, action: { action: "register-sponsor", name: "Shop", admin: f.outsiders[2]!.address, budgetPerWindow: 1n } });
      await applyGasPolicyCalls(timelock, { policy: f.policy, calls });
      const a = f.outsiders[1]!.address;
      await setSponsored(f.outsiders[0]!, { policy: f.policy, sponsorId: 1n, accounts: [a], sponsored: true });
      await expectErrorCode(
        setSponsored(f.outsiders[2]!, { policy: f.policy, sponsorId: 2n, accounts: [a], sponsored: true }),
        "CONTRACT_REVERT",
        new RegExp(`setSponsoredAccounts reverted with GasPolicyAlreadySponsored\\(${a}, 1\\): the address belongs to a sponsor already`),
      );
    });
  });

  describe("reportAbuser and readBlacklist", function () {
    it("counts reports for the current window; the threshold blacklists the account, which readBlacklist lists", async function () {
      const f = await loadFixture(deploySystemFixture);
      const policy = await f.gasPolicy.getAddress();
      const abuser = f.outsiders[6]!.address;
      expect((await readBlacklist(ethers.provider, { policy })).entries).to.deep.equal([]);
      const first = await reportAbuser(f.validators[0]!, { policy, account: abuser, reason: "reverts" });
      expect(first).to.include({ account: abuser, reporter: f.validators[0]!.address, reports: 1n, needed: 3n });
      expect(first.blacklistedUntil).to.equal(undefined);
      expect(first.window).to.equal(await f.gasPolicy.currentWindow());
      await reportAbuser(f.validators[1]!, { policy, account: abuser, reason: "executed-gas", window: first.window });
      const third = await reportAbuser(f.validators[2]!, { policy, account: abuser, reason: "rejections" });
      expect(third).to.include({ reports: 3n, needed: 3n });
      const ts = await now();
      expect(third.blacklistedUntil).to.equal(ts + BigInt(f.config.gasPolicy.reportBlacklistSeconds));
      const list = await readBlacklist(ethers.provider, { policy });
      expect(list.timestamp).to.equal(ts);
      expect(list.entries).to.deep.equal([{ account: abuser, until: third.blacklistedUntil }]);
      await expectErrorCode(reportAbuser(f.validators[3]!, { policy, account: abuser, reason: "reverts" }), "CONTRACT_REVERT", /reportAbuser reverted with GasPolicyAlreadyBlacklisted\(0x[0-9a-fA-F]{40}, \d+\): the account is blacklisted already/);
      await time.increase(BigInt(f.config.gasPolicy.reportBlacklistSeconds) + 1n);
      expect((await readBlacklist(ethers.provider, { policy })).entries).to.deep.equal([]);
    });

    it("names GasPolicyDuplicateReport, GasPolicyNotValidator and GasPolicyReportWindowInvalid before sending", async function () {
      const f = await loadFixture(deploySystemFixture);
      const policy = await f.gasPolicy.getAddress();
      const abuser = f.outsiders[6]!.address;
      const r = await reportAbuser(f.validators[0]!, { policy, account: abuser, reason: "reverts" });
      const block = await ethers.provider.getBlockNumber();
      await expectErrorCode(
        reportAbuser(f.validators[0]!, { policy, account: abuser, reason: "reverts" }),
        "CONTRACT_REVERT",
        new RegExp(`reportAbuser reverted with GasPolicyDuplicateReport\\(${abuser}, ${r.window}, ${f.validators[0]!.address}\\): this validator already reported`),
      );
      await expectErrorCode(reportAbuser(f.outsiders[0]!, { policy, account: abuser, reason: "reverts" }), "CONTRACT_REVERT", /GasPolicyNotValidator\(0x[0-9a-fA-F]{40}\): only a validator in force/);
      await expectErrorCode(reportAbuser(f.validators[1]!, { policy, account: abuser, reason: "reverts", window: r.window + 1n }), "CONTRACT_REVERT", /GasPolicyReportWindowInvalid\(\d+, \d+\): report for the current window or the previous one/);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
      await expectErrorCode(reportAbuser(f.validators[1]!, { policy, account: abuser, reason: "spam" as AbuseReason }), "OP_INVALID_PARAMETER", /unknown abuse reason "spam"/);
    });

    it("accepts a report for the previous window", async function () {
      const f = await loadFixture(deploySystemFixture);
      const policy = await f.gasPolicy.getAddress();
      const current = await f.gasPolicy.currentWindow();
      const r = await reportAbuser(f.validators[0]!, { policy, account: f.outsiders[6]!.address, reason: "executed-gas", window: current - 1n });
      expect(r.window).to.equal(current - 1n);
      expect(await f.gasPolicy.hasReported(f.outsiders[6]!.address, current - 1n, f.validators[0]!.address)).to.equal(true);
      expect(abuseReasonName(2)).to.equal("rejections");
      expect(abuseReasonName(7)).to.equal("unknown(7)");
    });

    it("governance blacklists (until, or for a duration) and removes an account", async function () {
      const f = await loadFixture(deploySystemFixture);
      const policy = await f.gasPolicy.getAddress();
      const timelock = await impersonate(await f.timelock.getAddress());
      const [a, b] = [f.outsiders[6]!.address, f.outsiders[7]!.address];
      const apply = async (action: GasPolicyAction) => applyGasPolicyCalls(timelock, { policy, calls: (await gasPolicyAction(ethers.provider, { policy, action })).calls });
      const until = (await now()) + 1000n;
      await apply({ action: "blacklist", account: a, until, reason: "spam" });
      await apply({ action: "blacklist", account: b, duration: 3600n, reason: "" });
      const entries = (await readBlacklist(ethers.provider, { policy })).entries;
      expect(entries.find((e) => e.account === a)!.until).to.equal(until);
      expect(entries.find((e) => e.account === b)!.until).to.be.greaterThan(until);
      await apply({ action: "remove-from-blacklist", account: a });
      expect((await readBlacklist(ethers.provider, { policy })).entries.map((e) => e.account)).to.deep.equal([b]);
      // an end in the past: the policy's own error, decoded
      await expectErrorCode(apply({ action: "blacklist", account: a, until: 1n, reason: "" }), "CONTRACT_REVERT", /GasPolicyInvalidExpiry\(1, \d+\): the end of the blacklisting must be after/);
    });
  });
});
