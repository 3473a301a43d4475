import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { deploySystem } from "../../deploy/system";
import { resolveConfig } from "../../deploy/config";
import type { GasPolicy } from "../../typechain-types";
import { expectTaskError, passWithTasks, runTask as run } from "../helpers/tasks";
import { parseUntil } from "../../tasks/gas";

const TOO_LARGE_64 = (2n ** 64n).toString();

describe("tasks: gas", function () {
  let dir: string;
  const previous = process.env.LUNIVERSE_DEPLOYMENTS_DIR;
  let policy: GasPolicy;
  let s: HardhatEthersSigner[];
  /** Sponsor 1's admin (account 16) and two accounts with no role (17, 18). */
  let admin: string;
  /** A contract to sponsor. */
  let token: string;

  /** Runs a task that proposes (from validator 1), checks it printed a proposal, and passes it with the tasks. */
  async function proposeAndPass(name: string, args: Record<string, unknown>): Promise<string> {
    const { result, out } = await run(name, { from: "1", ...args });
    expect(out).to.match(/^proposal \d+\n/);
    const id = String((result as { proposalId: bigint }).proposalId);
    await passWithTasks(id);
    return out;
  }

  before(async function () {
    dir = mkdtempSync(path.join(tmpdir(), "luniverse-gas-tasks-"));
    process.env.LUNIVERSE_DEPLOYMENTS_DIR = dir;
    const config = resolveConfig({ governance: { votingPeriod: 10, timelockDelay: 60 } });
    const sys = await deploySystem(hre, { config, manifestDir: dir, reset: true });
    policy = sys.gasPolicy;
    token = await sys.stakingToken.getAddress();
    s = await ethers.getSigners();
    admin = s[16]!.address;
  });

  after(function () {
    if (previous === undefined) delete process.env.LUNIVERSE_DEPLOYMENTS_DIR;
    else process.env.LUNIVERSE_DEPLOYMENTS_DIR = previous;
    rmSync(dir, { recursive: true, force: true });
  });

  describe("gas:status", function () {
    it("prints the parameters and the current window with its reset time", async function () {
      const { result, out } = await run("gas:status");
      const params = await policy.params();
      expect(out).to.match(new RegExp(`^gas policy ${await policy.getAddress()} \\(version \\d+\\) at block \\d+`));
      expect(out).to.match(/window \d+ of 3600 s: resets at \d{4}-\d{2}-\d{2}T.*Z \(in \d+ s\)/);
      expect(out).to.contain(`max gas per transaction ${params.maxTxGas}; default quota ${params.defaultAccountQuota} gas per window`);
      expect(out).to.contain("sponsors: 0");
      expect((result as { window: bigint }).window).to.equal(await policy.currentWindow());
    });

    it("--account shows its quota, and its usage as unavailable on Hardhat's network", async function () {
      const { out } = await run("gas:status", { account: s[17]!.address });
      expect(out).to.contain(`account ${s[17]!.address}\n  as a sender: none; as a contract: none`);
      expect(out).to.contain(`quota ${(await policy.params()).defaultAccountQuota} gas per window; blacklisted: no`);
      expect(out).to.contain("usage: unavailable (the node does not serve luniverse_gasUsage");
    });

    it("rejects a bad address, a bad sponsor id and an unknown sponsor", async function () {
      await expectTaskError(run("gas:status", { account: "0x1234" }), /--account is not a valid address/);
      await expectTaskError(run("gas:status", { sponsor: "0" }), /--sponsor must be 1 or more: sponsors are numbered from 1/);
      await expectTaskError(run("gas:status", { sponsor: "-1" }), /--sponsor must be a non-negative integer, got "-1"/);
      await expectTaskError(run("gas:status", { sponsor: "1" }), /no sponsor 1 in the gas policy \(none registered\)/);
    });
  });

  describe("gas:sponsor", function () {
    it("--action register proposes; once passed, gas:status --sponsor shows it", async function () {
      const out = await proposeAndPass("gas:sponsor", { action: "register", name: "Game", admin, budget: "50000000" });
      expect(out).to.match(/register gas sponsor "Game" \(id 1 if registered next\)/);
      expect(out).to.match(/validators vote with gov:vote --id \d+; then gov:execute/);
      const status = await run("gas:status", { sponsor: "1" });
      expect(status.out).to.contain(`sponsor 1 "Game" (active), admin ${admin}, budget 50000000 gas per window`);
      expect(status.out).to.contain("contracts (0): none");
      expect(status.out).to.contain("usage: unavailable (the node does not serve luniverse_gasSponsorUsage");
    });

    it("rejects an unknown action and missing or malformed flags before sending", async function () {
      const block = await ethers.provider.getBlockNumber();
      await expectTaskError(run("gas:sponsor", { action: "delete" }), /unknown --action "delete"; one of: register, budget, activate/);
      await expectTaskError(run("gas:sponsor", { action: "register", admin, budget: "1" }), /--name is required for --action register/);
      await expectTaskError(run("gas:sponsor", { action: "register", name: "X", budget: "1" }), /--admin is required: give a 0x address/);
      await expectTaskError(run("gas:sponsor", { action: "register", name: "X", admin: "0xnope", budget: "1" }), /--admin is not a valid address/);
      await expectTaskError(run("gas:sponsor", { action: "register", name: "X", admin }), /--budget is required: gas per window/);
      await expectTaskError(run("gas:sponsor", { action: "register", name: "X", admin, budget: "-5" }), /--budget must be a non-negative integer, got "-5"/);
      await expectTaskError(run("gas:sponsor", { action: "register", name: "X", admin, budget: TOO_LARGE_64 }), /--budget is too large: at most 18446744073709551615 \(uint64\)/);
      await expectTaskError(run("gas:sponsor", { action: "budget", budget: "1" }), /--id is required: a sponsor id/);
      await expectTaskError(run("gas:sponsor", { action: "activate", id: "0" }), /--id must be 1 or more/);
      await expectTaskError(run("gas:sponsor", { action: "add-contracts", id: "1" }), /--contracts is required for --action add-contracts/);
      await expectTaskError(run("gas:sponsor", { action: "add-accounts", id: "1", accounts: `${admin},0x12` }), /--accounts\[1\] is not a valid address/);
      await expectTaskError(run("gas:sponsor", { action: "add-accounts", id: "1", accounts: " , " }), /--accounts is empty/);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("refuses a proposal that would change nothing, and an unknown sponsor", async function () {
      await expectTaskError(run("gas:sponsor", { action: "budget", id: "1", budget: "50000000", from: "1" }), /already has a budget of 50000000 gas per window: nothing to change/);
      await expectTaskError(run("gas:sponsor", { action: "activate", id: "1", from: "1" }), /sponsor 1 \("Game"\) is already active: nothing to change/);
      await expectTaskError(run("gas:sponsor", { action: "budget", id: "9", budget: "1", from: "1" }), /no sponsor 9 in the gas policy \(sponsors are 1\.\.1\)/);
    });

    it("the admin adds and removes contracts and accounts; members already so are skipped", async function () {
      const add = await run("gas:sponsor", { action: "add-contracts", id: "1", contracts: token, from: "16" });
      expect(add.out).to.match(new RegExp(`1 contracts added to sponsor 1: ${token} \\(tx 0x[0-9a-f]{64}\\)`));
      const accounts = `${s[17]!.address},${s[18]!.address}`;
      expect((await run("gas:sponsor", { action: "add-accounts", id: "1", accounts, from: "16" })).out).to.contain("2 accounts added to sponsor 1");
      const again = await run("gas:sponsor", { action: "add-accounts", id: "1", accounts: s[17]!.address, from: "16" });
      expect(again.out).to.equal(`nothing sent\n  already sponsored: ${s[17]!.address}\n  sponsor 1 now has 1 contract(s) and 2 account(s)`);
      const removed = await run("gas:sponsor", { action: "remove-accounts", id: "1", accounts: s[18]!.address, from: "16" });
      expect(removed.out).to.contain(`1 accounts removed from sponsor 1: ${s[18]!.address}`);
      expect(removed.out).to.contain("now has 1 contract(s) and 1 account(s)");
      expect((await run("gas:sponsor", { action: "remove-contracts", id: "1", contracts: token, from: "16" })).out).to.contain("1 contracts removed from sponsor 1");
      expect((await policy.accountPolicy(s[17]!.address)).senderSponsor).to.equal(1n);
    });

    it("refuses members sent by an account that is not the sponsor's admin", async function () {
      await expectTaskError(run("gas:sponsor", { action: "add-accounts", id: "1", accounts: s[18]!.address, from: "17" }), /is not the admin of sponsor 1 \("Game"\): its admin is/);
    });

    it("decodes a member of another sponsor (GasPolicyAlreadySponsored)", async function () {
      await proposeAndPass("gas:sponsor", { action: "register", name: "Shop", admin: s[18]!.address, budget: "1000000" });
      await expectTaskError(
        run("gas:sponsor", { action: "add-accounts", id: "2", accounts: s[17]!.address, from: "18" }),
        new RegExp(`GasPolicyAlreadySponsored\\(${s[17]!.address}, 1\\)`),
      );
    });

    it("--action admin: the current admin sends it directly; anyone else proposes it", async function () {
      const { out } = await run("gas:sponsor", { action: "admin", id: "1", admin: s[19]!.address, from: "16" });
      expect(out).to.match(/make 0x[0-9a-fA-F]{40} the admin of gas sponsor 1 .*\n  sent directly by 0x[0-9a-fA-F]{40} \(the sponsor's admin may do this itself\)/);
      expect((await policy.sponsor(1n)).admin).to.equal(s[19]!.address);
      await proposeAndPass("gas:sponsor", { action: "admin", id: "1", admin });
      expect((await policy.sponsor(1n)).admin).to.equal(admin);
    });

    it("--action budget and deactivate/activate go through governance", async function () {
      await proposeAndPass("gas:sponsor", { action: "budget", id: "1", budget: "60000000" });
      await proposeAndPass("gas:sponsor", { action: "deactivate", id: "1" });
      const sp = await policy.sponsor(1n);
      expect(sp.budgetPerWindow).to.equal(60_000_000n);
      expect(sp.active).to.equal(false);
      expect((await run("gas:status", { sponsor: "1" })).out).to.contain(`sponsor 1 "Game" (inactive)`);
      await proposeAndPass("gas:sponsor", { action: "activate", id: "1" });
      expect((await policy.sponsor(1n)).active).to.equal(true);
    });
  });

  describe("gas:quota", function () {
    it("needs exactly one of --gas and --clear, and a gas amount that fits", async function () {
      const account = s[17]!.address;
      await expectTaskError(run("gas:quota", { account }), /give either --gas <gas per window> .* or --clear/);
      await expectTaskError(run("gas:quota", { account, gas: "1", clear: true }), /give either --gas/);
      await expectTaskError(run("gas:quota", { account, gas: TOO_LARGE_64 }), /--gas is too large: at most 18446744073709551615/);
      await expectTaskError(run("gas:quota", { account, gas: "1e9" }), /--gas must be a non-negative integer, got "1e9"/);
      await expectTaskError(run("gas:quota", { account: "nobody", gas: "1" }), /--account is not a valid address/);
    });

    it("proposes a quota; once passed gas:status shows it", async function () {
      await proposeAndPass("gas:quota", { account: s[17]!.address, gas: "300000000" });
      expect((await run("gas:status", { account: s[17]!.address })).out).to.contain("quota 300000000 gas per window");
    });

    it("names the policy's refusal before proposing: a quota below maxTxGas is GasPolicyInvalidParams(quota)", async function () {
      const block = await ethers.provider.getBlockNumber();
      await expectTaskError(run("gas:quota", { account: s[17]!.address, gas: "1", from: "1" }), /gas:quota \(simulated as the timelock 0x[0-9a-fA-F]{40}\) reverted with GasPolicyInvalidParams\(quota\)/);
      expect(await ethers.provider.getBlockNumber()).to.equal(block);
    });

    it("an account that holds GOVERNANCE_ROLE sends directly (--clear)", async function () {
      const role = await policy.GOVERNANCE_ROLE();
      const { result } = await run("gov:propose", { action: "call", target: "GasPolicy", signature: "grantRole(bytes32,address)", args: JSON.stringify([role, s[0]!.address]), from: "1" });
      await passWithTasks(String(result));
      expect(await policy.hasRole(role, s[0]!.address)).to.equal(true);
      const { out } = await run("gas:quota", { account: s[17]!.address, clear: true, from: "0" });
      expect(out).to.match(/send 0x[0-9a-fA-F]{40} back to the default gas quota\n  sent directly by 0x[0-9a-fA-F]{40} \(it holds GOVERNANCE_ROLE on the gas policy\); tx 0x/);
      expect((await policy.accountPolicy(s[17]!.address)).quota).to.equal((await policy.params()).defaultAccountQuota);
    });
  });

  describe("gas:blacklist", function () {
    const victim = () => s[18]!.address;

    it("rejects an unknown action and missing or malformed flags", async function () {
      await expectTaskError(run("gas:blacklist", { action: "ban" }), /unknown --action "ban"; one of: add, remove, list/);
      await expectTaskError(run("gas:blacklist", { action: "add", for: "1d" }), /--account is required/);
      await expectTaskError(run("gas:blacklist", { action: "add", account: victim() }), /give either --until <unix seconds or ISO date> or --for <duration/);
      await expectTaskError(run("gas:blacklist", { action: "add", account: victim(), until: "1", for: "1d" }), /give either --until/);
      await expectTaskError(run("gas:blacklist", { action: "add", account: victim(), until: "tomorrow" }), /--until must be unix seconds or an ISO date/);
      await expectTaskError(run("gas:blacklist", { action: "add", account: victim(), until: TOO_LARGE_64 }), /--until is too large: at most 18446744073709551615 \(uint64\)/);
      await expectTaskError(run("gas:blacklist", { action: "add", account: victim(), for: "soon" }), /--for must be a duration/);
      await expectTaskError(run("gas:blacklist", { action: "add", account: victim(), for: "0" }), /--for must be between 1 second and/);
      await expectTaskError(run("gas:blacklist", { action: "remove" }), /--account is required/);
    });

    it("an end in the past is the policy's GasPolicyInvalidExpiry", async function () {
      await expectTaskError(run("gas:blacklist", { action: "add", account: victim(), until: "1", from: "0" }), /GasPolicyInvalidExpiry\(1, \d+\): the end of the blacklisting must be after/);
    });

    it("adds (directly from the governing account), lists and removes an account", async function () {
      expect((await run("gas:blacklist", { action: "list" })).out).to.equal("the gas blacklist is empty");
      const add = await run("gas:blacklist", { action: "add", account: victim(), for: "7d", reason: "spam", from: "0" });
      expect(add.out).to.match(/blacklist 0x[0-9a-fA-F]{40} until .*: spam\n  sent directly/);
      const until = (await policy.accountPolicy(victim())).blacklistedUntil;
      const list = await run("gas:blacklist", { action: "list" });
      expect(list.out).to.equal(`${victim()} until ${new Date(Number(until) * 1000).toISOString()} (${until})`);
      expect((await run("gas:status", { account: victim() })).out).to.contain(`blacklisted: until ${new Date(Number(until) * 1000).toISOString()}`);
      await run("gas:blacklist", { action: "remove", account: victim(), from: "0" });
      expect((await run("gas:blacklist", { action: "list" })).out).to.equal("the gas blacklist is empty");
      await expectTaskError(run("gas:blacklist", { action: "remove", account: victim(), from: "0" }), /is not blacklisted now: nothing to change/);
    });

    it("a validator's --action add with an ISO --until is a proposal", async function () {
      const { out } = await run("gas:blacklist", { action: "add", account: victim(), until: "2999-01-01T00:00:00Z", reason: "fraud", from: "1" });
      expect(out).to.match(/^proposal \d+\n  blacklist 0x[0-9a-fA-F]{40} until 2999-01-01T00:00:00.000Z \(32472144000\): fraud/);
    });

    it("parseUntil reads unix seconds and ISO dates", function () {
      expect(parseUntil("until", "1700000000")).to.equal(1_700_000_000n);
      expect(parseUntil("until", "2026-01-01T00:00:00Z")).to.equal(1_767_225_600n);
    });
  });

  describe("gas:report", function () {
    const abuser = () => s[19]!.address;

    it("rejects a bad reason and window", async function () {
      await expectTaskError(run("gas:report", { account: abuser(), reason: "spam" }), /--reason must be one of executed-gas, reverts, rejections, got "spam"/);
      await expectTaskError(run("gas:report", { account: abuser(), window: TOO_LARGE_64 }), /--window is too large/);
      await expectTaskError(run("gas:report", { account: abuser(), window: "-1" }), /--window must be a non-negative integer/);
    });

    it("decodes GasPolicyReportWindowInvalid and GasPolicyNotValidator", async function () {
      await expectTaskError(run("gas:report", { account: abuser(), window: "0", from: "1" }), /GasPolicyReportWindowInvalid\(0, \d+\): report for the current window or the previous one/);
      await expectTaskError(run("gas:report", { account: abuser(), from: "15" }), /GasPolicyNotValidator\(0x[0-9a-fA-F]{40}\): only a validator in force/);
    });

    it("counts reports; a repeat is GasPolicyDuplicateReport; the threshold blacklists", async function () {
      const window = await policy.currentWindow();
      const first = await run("gas:report", { account: abuser(), reason: "reverts", from: "1" });
      expect(first.out).to.match(new RegExp(`^reported ${abuser()} for window ${window}: 1 report\\(s\\) of 3 needed \\(tx 0x`));
      await expectTaskError(run("gas:report", { account: abuser(), from: "1" }), new RegExp(`GasPolicyDuplicateReport\\(${abuser()}, ${window}, ${s[1]!.address}\\)`));
      await run("gas:report", { account: abuser(), reason: "rejections", window: String(window), from: "2" });
      const third = await run("gas:report", { account: abuser(), from: "3" });
      expect(third.out).to.match(/3 report\(s\) of 3 needed — blacklisted until \d{4}-/);
      expect(await policy.isBlacklisted(abuser())).to.equal(true);
    });
  });

  describe("gas:params", function () {
    it("needs at least one parameter, each fitting its field", async function () {
      await expectTaskError(run("gas:params"), /give at least one parameter to change: --window-seconds, --max-tx-gas, .*--report-blacklist-seconds/);
      await expectTaskError(run("gas:params", { unsponsoredShareBps: "70000" }), /--unsponsored-share-bps is too large: at most 65535 \(uint16\)/);
      await expectTaskError(run("gas:params", { abuseRevertsPerWindow: "4294967296" }), /--abuse-reverts-per-window is too large: at most 4294967295 \(uint32\)/);
      await expectTaskError(run("gas:params", { maxTxGas: "-1" }), /--max-tx-gas must be a non-negative integer/);
    });

    it("proposes the changes merged over the current parameters", async function () {
      const before = await policy.params();
      const out = await proposeAndPass("gas:params", { maxTxGas: "9000000", abuseGasPerWindow: "1000000000" });
      expect(out).to.contain(`set gas policy params {"maxTxGas":"9000000","abuseGasPerWindow":"1000000000"}`);
      const after = await policy.params();
      expect(after.maxTxGas).to.equal(9_000_000n);
      expect(after.abuseGasPerWindow).to.equal(1_000_000_000n);
      expect(after.windowSeconds).to.equal(before.windowSeconds);
      expect(after.defaultAccountQuota).to.equal(before.defaultAccountQuota);
      expect(after.reportBlacklistSeconds).to.equal(before.reportBlacklistSeconds);
    });

    it("sends directly from the governing account, and decodes invalid values (GasPolicyInvalidParams)", async function () {
      const { out } = await run("gas:params", { reportBlacklistSeconds: "7200", from: "0" });
      expect(out).to.contain("sent directly");
      expect((await policy.params()).reportBlacklistSeconds).to.equal(7200n);
      await expectTaskError(run("gas:params", { windowSeconds: "0", from: "0" }), /GasPolicyInvalidParams\(windowSeconds\)/);
    });
  });
});
