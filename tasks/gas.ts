import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { TaskError } from "./lib/errors";
import { kebabCase, parseAddress, parseAddressList, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import { parseDuration } from "./economy";
import { ABUSE_REASONS, type AbuseReason } from "../ops/gas/abuse";
import { GAS_POLICY_PARAM_BITS, GAS_POLICY_PARAMS, UINT64_MAX, type GasPolicyParams } from "../ops/gas/common";
import { gasPolicyAction, type GasPolicyAction } from "../ops/gas/actions";
import { applyGasPolicyCalls, type ApplyGasPolicyCallsReturnType } from "../ops/gas/applyGasPolicyCalls";
import { readGasStatus, type ReadGasStatusReturnType } from "../ops/gas/readGasStatus";
import { readBlacklist } from "../ops/gas/readBlacklist";
import { setSponsored } from "../ops/gas/setSponsored";
import { reportAbuser } from "../ops/gas/reportAbuser";
import type { AccountGasUsage, SponsorGasUsage } from "../ops/gas/nodeUsage";
import type { ParamChanges } from "../ops/governance/proposalActions";

export const GAS_SPONSOR_ACTIONS = ["register", "budget", "activate", "deactivate", "add-contracts", "remove-contracts", "add-accounts", "remove-accounts", "admin"] as const;
export const GAS_BLACKLIST_ACTIONS = ["add", "remove", "list"] as const;

/** A non-negative integer of at most `bits` bits (the contract's field width). */
function parseUint(flag: string, value: string | undefined, bits: number, what = "a non-negative integer"): bigint {
  if (value === undefined || value === "") throw new TaskError(`--${flag} is required: ${what}`);
  const n = parseInteger(flag, value);
  const max = 2n ** BigInt(bits) - 1n;
  if (n > max) throw new TaskError(`--${flag} is too large: at most ${max} (uint${bits}), got ${n}`);
  return n;
}

/** A sponsor id: sponsors are numbered from 1. */
function parseSponsorId(flag: string, value: string | undefined): bigint {
  const id = parseUint(flag, value, 256, "a sponsor id (1, 2, …; gas:status --sponsor <id> shows one)");
  if (id === 0n) throw new TaskError(`--${flag} must be 1 or more: sponsors are numbered from 1`);
  return id;
}

/** A point in time: unix seconds or an ISO date ("2026-01-01T00:00:00Z"). */
export function parseUntil(flag: string, value: string): bigint {
  let until: bigint;
  if (/^\d+$/.test(value)) until = BigInt(value);
  else {
    const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
    if (Number.isNaN(ms)) throw new TaskError(`--${flag} must be unix seconds or an ISO date (2026-01-01T00:00:00Z), got "${value}"`);
    if (ms < 0) throw new TaskError(`--${flag} must be after 1970, got "${value}"`);
    until = BigInt(Math.floor(ms / 1000));
  }
  if (until > UINT64_MAX) throw new TaskError(`--${flag} is too large: at most ${UINT64_MAX} (uint64), got ${until}`);
  return until;
}

function iso(seconds: bigint): string {
  return new Date(Number(seconds) * 1000).toISOString();
}

/** The manifest's gas policy and governor, and the `--from` signer. */
async function gasDeployment(hre: HardhatRuntimeEnvironment, from: string): Promise<{ signer: Signer; policy: string; governor: string }> {
  const { signer, at } = await loadDeployment(hre, from);
  type Addressable = { getAddress(): Promise<string> };
  const policy = await (await at<Addressable>("GasPolicy")).getAddress();
  const governor = await (await at<Addressable>("LuniverseGovernor")).getAddress();
  return { signer, policy, governor };
}

/** Builds the calls of a governance action and sends them directly (the signer governs) or proposes them. */
async function applyAction(hre: HardhatRuntimeEnvironment, from: string, action: GasPolicyAction, what: string, description?: string): Promise<ApplyGasPolicyCallsReturnType> {
  const { signer, policy, governor } = await gasDeployment(hre, from);
  const built = await gasPolicyAction(hre.ethers.provider, { policy, action });
  const r = await applyGasPolicyCalls(signer, { policy, calls: built.calls, governor, description: description ?? `${built.description} (proposed at ${new Date().toISOString()})`, what });
  if (r.mode === "direct") {
    const by = r.reason === "governs" ? "it holds GOVERNANCE_ROLE on the gas policy" : "the sponsor's admin may do this itself";
    console.log(`${built.description}\n  sent directly by ${r.sender} (${by}); tx ${r.transactionHashes.join(", ")}`);
  } else {
    console.log(`proposal ${r.proposalId}\n  ${built.description}\n  validators vote with gov:vote --id ${r.proposalId}; then gov:execute (voting until block ${r.deadline}, needs ${r.quorum} votes for)`);
  }
  return r;
}

function formatAccountUsage(u: AccountGasUsage | null): string {
  if (u === null) return "usage: unavailable (the node does not serve luniverse_gasUsage: not a gas-free chain, or Hardhat's network)";
  const lines = [`usage in window ${u.window}: ${u.used} gas used + ${u.reserved} reserved of ${u.quota} (resets ${iso(u.resetsAt)})`];
  if (u.sponsor) lines.push(`sponsor ${u.sponsor.id}: ${u.sponsor.used} of ${u.sponsor.budget} gas used`);
  if (u.throttled) lines.push(`throttled by the node until ${iso(u.throttled.until)}: ${u.throttled.reason}`);
  lines.push(`counted: ${u.counters.gas} gas, ${u.counters.reverts} reverts, ${u.counters.rejections} rejections`);
  return lines.join("\n  ");
}

function formatSponsorUsage(u: SponsorGasUsage | null): string {
  if (u === null) return "usage: unavailable (the node does not serve luniverse_gasSponsorUsage: not a gas-free chain, or Hardhat's network)";
  return `usage in window ${u.window}: ${u.used} of ${u.budget} gas (resets ${iso(u.resetsAt)})`;
}

function printStatus(s: ReadGasStatusReturnType): void {
  const p = s.params;
  const lines = [
    `gas policy ${s.policy} (version ${s.version}) at block ${s.blockNumber}`,
    `  window ${s.window} of ${p.windowSeconds} s: resets at ${iso(s.windowResetsAt)} (in ${s.secondsToReset} s)`,
    `  max gas per transaction ${p.maxTxGas}; default quota ${p.defaultAccountQuota} gas per window; unsponsored share ${p.unsponsoredShareBps} bps of a block`,
    `  abuse: > ${p.abuseGasPerWindow} gas, > ${p.abuseRevertsPerWindow} reverts, > ${p.abuseRejectionsPerWindow} rejections per window (0: not a criterion); report blacklisting ${p.reportBlacklistSeconds} s`,
    `  sponsors: ${s.sponsorCount}`,
  ];
  if (s.account) {
    const a = s.account;
    const sponsor = (id: bigint) => (id === 0n ? "none" : `sponsor ${id}`);
    const blacklisted = a.blacklistedUntil === 0n ? "no" : `${a.blacklisted ? "until" : "expired"} ${iso(a.blacklistedUntil)}`;
    lines.push(
      `account ${a.account}`,
      `  as a sender: ${sponsor(a.senderSponsor)}; as a contract: ${sponsor(a.contractSponsor)}`,
      `  quota ${a.quota} gas per window; blacklisted: ${blacklisted}`,
      `  ${formatAccountUsage(a.usage)}`,
    );
  }
  if (s.sponsor) {
    const sp = s.sponsor;
    lines.push(
      `sponsor ${sp.id} "${sp.name}" (${sp.active ? "active" : "inactive"}), admin ${sp.admin}, budget ${sp.budgetPerWindow} gas per window`,
      `  contracts (${sp.sponsoredContracts.length}): ${sp.sponsoredContracts.join(", ") || "none"}`,
      `  accounts (${sp.sponsoredAccounts.length}): ${sp.sponsoredAccounts.join(", ") || "none"}`,
      `  ${formatSponsorUsage(sp.usage)}`,
    );
  }
  console.log(lines.join("\n"));
}

task("gas:status", "Shows the gas policy of a gas-free chain: parameters, current window; an account's quota and usage, or a sponsor")
  .addOptionalParam("account", "Also show this account's policy and usage")
  .addOptionalParam("sponsor", "Also show this sponsor (id), its members and usage")
  .setAction(async (args: { account?: string; sponsor?: string }, hre) => {
    const account = args.account === undefined ? undefined : parseAddress("account", args.account);
    const sponsorId = args.sponsor === undefined ? undefined : parseSponsorId("sponsor", args.sponsor);
    const { policy } = await gasDeployment(hre, "0");
    const s = await readGasStatus(hre.ethers.provider, { policy, ...(account ? { account } : {}), ...(sponsorId !== undefined ? { sponsorId } : {}) });
    printStatus(s);
    return s;
  });

interface SponsorArgs {
  action: string;
  id?: string;
  name?: string;
  admin?: string;
  budget?: string;
  contracts?: string;
  accounts?: string;
  description?: string;
  from: string;
}

task("gas:sponsor", "Manages a gas sponsor: register, budget, (de)activate and admin through governance (proposed unless --from governs); members by its admin")
  .addParam("action", `One of: ${GAS_SPONSOR_ACTIONS.join(", ")}`)
  .addOptionalParam("id", "Sponsor id (all actions but register)")
  .addOptionalParam("name", "Sponsor name (register)")
  .addOptionalParam("admin", "Sponsor admin address (register; the new admin for --action admin)")
  .addOptionalParam("budget", "Gas per window all of the sponsor's traffic may use (register, budget)")
  .addOptionalParam("contracts", "Comma-separated contract addresses (add-contracts, remove-contracts)")
  .addOptionalParam("accounts", "Comma-separated account addresses (add-accounts, remove-accounts)")
  .addOptionalParam("description", "Proposal description (default: a summary of the action)")
  .addOptionalParam("from", "Account index or address: a validator (proposes), the governing account, or the sponsor's admin", "0")
  .setAction(async (args: SponsorArgs, hre) => {
    const uint64 = (flag: string, value: string | undefined) => parseUint(flag, value, 64, "gas per window");
    switch (args.action) {
      case "register": {
        if (!args.name) throw new TaskError("--name is required for --action register: the sponsor's name (e.g. the DApp's)");
        const admin = parseAddress("admin", args.admin);
        const budgetPerWindow = uint64("budget", args.budget);
        return applyAction(hre, args.from, { action: "register-sponsor", name: args.name, admin, budgetPerWindow }, "gas:sponsor", args.description);
      }
      case "budget": {
        const sponsorId = parseSponsorId("id", args.id);
        return applyAction(hre, args.from, { action: "set-sponsor-budget", sponsorId, budgetPerWindow: uint64("budget", args.budget) }, "gas:sponsor", args.description);
      }
      case "activate":
      case "deactivate":
        return applyAction(hre, args.from, { action: "set-sponsor-active", sponsorId: parseSponsorId("id", args.id), active: args.action === "activate" }, "gas:sponsor", args.description);
      case "admin": {
        const sponsorId = parseSponsorId("id", args.id);
        return applyAction(hre, args.from, { action: "set-sponsor-admin", sponsorId, admin: parseAddress("admin", args.admin) }, "gas:sponsor", args.description);
      }
      case "add-contracts":
      case "remove-contracts":
      case "add-accounts":
      case "remove-accounts": {
        const sponsorId = parseSponsorId("id", args.id);
        const kind = args.action.endsWith("contracts") ? "contracts" : "accounts";
        const listed = args[kind];
        if (!listed) throw new TaskError(`--${kind} is required for --action ${args.action}: comma-separated addresses`);
        const members = parseAddressList(kind, listed);
        if (members.length === 0) throw new TaskError(`--${kind} is empty: give at least one address`);
        const sponsored = args.action.startsWith("add");
        const { signer, policy } = await gasDeployment(hre, args.from);
        const r = await setSponsored(signer, { policy, sponsorId, sponsored, ...(kind === "contracts" ? { contracts: members } : { accounts: members }) });
        const changed = [...r.contracts, ...r.accounts];
        const verb = sponsored ? "added to" : "removed from";
        console.log(
          (changed.length > 0 ? `${changed.length} ${kind} ${verb} sponsor ${sponsorId}: ${changed.join(", ")} (tx ${r.transactionHashes.join(", ")})` : `nothing sent`) +
            (r.unchanged.length > 0 ? `\n  already ${sponsored ? "sponsored" : "not sponsored"}: ${r.unchanged.join(", ")}` : "") +
            `\n  sponsor ${sponsorId} now has ${r.contractCount} contract(s) and ${r.accountCount} account(s)`,
        );
        return r;
      }
      default:
        throw new TaskError(`unknown --action "${args.action}"; one of: ${GAS_SPONSOR_ACTIONS.join(", ")}`);
    }
  });

task("gas:quota", "Gives an account its own gas quota per window, or sends it back to the default (governance: proposed unless --from governs)")
  .addParam("account", "Account address")
  .addOptionalParam("gas", "Its quota: gas per window")
  .addFlag("clear", "Send it back to the default quota")
  .addOptionalParam("description", "Proposal description (default: a summary of the action)")
  .addOptionalParam("from", "Account index or address of the proposing validator (or the governing account)", "0")
  .setAction(async (args: { account: string; gas?: string; clear: boolean; description?: string; from: string }, hre) => {
    const account = parseAddress("account", args.account);
    if ((args.clear === true) === (args.gas !== undefined)) throw new TaskError("give either --gas <gas per window> (set the account's quota) or --clear (back to the default)");
    const action: GasPolicyAction = args.clear === true ? { action: "clear-account-quota", account } : { action: "set-account-quota", account, quota: parseUint("gas", args.gas, 64, "gas per window") };
    return applyAction(hre, args.from, action, "gas:quota", args.description);
  });

task("gas:blacklist", "Blacklists an account on the gas-free chain, removes it (governance: proposed unless --from governs), or lists the blacklist")
  .addParam("action", `One of: ${GAS_BLACKLIST_ACTIONS.join(", ")}`)
  .addOptionalParam("account", "Account address (add, remove)")
  .addOptionalParam("until", "End of the blacklisting: unix seconds or an ISO date (add)")
  .addOptionalParam("for", "Length of the blacklisting from now, e.g. 86400, 12h, 7d (add; voting and the timelock delay count against it)")
  .addOptionalParam("reason", "Why (add), recorded in the Blacklisted event", "")
  .addOptionalParam("description", "Proposal description (default: a summary of the action)")
  .addOptionalParam("from", "Account index or address of the proposing validator (or the governing account)", "0")
  .setAction(async (args: { action: string; account?: string; until?: string; for?: string; reason: string; description?: string; from: string }, hre) => {
    switch (args.action) {
      case "list": {
        const { policy } = await gasDeployment(hre, args.from);
        const r = await readBlacklist(hre.ethers.provider, { policy });
        if (r.entries.length === 0) console.log("the gas blacklist is empty");
        for (const e of r.entries) console.log(`${e.account} until ${iso(e.until)} (${e.until})`);
        return r;
      }
      case "add": {
        const account = parseAddress("account", args.account);
        if ((args.until === undefined) === (args.for === undefined)) throw new TaskError("give either --until <unix seconds or ISO date> or --for <duration, e.g. 7d>");
        const when = args.until !== undefined ? { until: parseUntil("until", args.until) } : { duration: parseDuration("for", args.for!) };
        if (when.duration !== undefined && (when.duration === 0n || when.duration > UINT64_MAX)) throw new TaskError(`--for must be between 1 second and ${UINT64_MAX} seconds`);
        return applyAction(hre, args.from, { action: "blacklist", account, reason: args.reason, ...when }, "gas:blacklist", args.description);
      }
      case "remove":
        return applyAction(hre, args.from, { action: "remove-from-blacklist", account: parseAddress("account", args.account) }, "gas:blacklist", args.description);
      default:
        throw new TaskError(`unknown --action "${args.action}"; one of: ${GAS_BLACKLIST_ACTIONS.join(", ")}`);
    }
  });

task("gas:report", "Reports an account as an abuser of the gas-free chain for a window (> 2/3 of validators reporting blacklist it)")
  .addParam("account", "Account address")
  .addOptionalParam("reason", `One of: ${ABUSE_REASONS.join(", ")}`, "executed-gas")
  .addOptionalParam("window", "Window of the abuse (default: the current one; the previous one is accepted too)")
  .addOptionalParam("from", "Account index or address of the reporting validator", "0")
  .setAction(async (args: { account: string; reason: string; window?: string; from: string }, hre) => {
    const account = parseAddress("account", args.account);
    if (!(ABUSE_REASONS as readonly string[]).includes(args.reason)) throw new TaskError(`--reason must be one of ${ABUSE_REASONS.join(", ")}, got "${args.reason}"`);
    const window = args.window === undefined ? undefined : parseUint("window", args.window, 64, "a window number");
    const { signer, policy } = await gasDeployment(hre, args.from);
    const r = await reportAbuser(signer, { policy, account, reason: args.reason as AbuseReason, ...(window !== undefined ? { window } : {}) });
    console.log(
      `reported ${r.account} for window ${r.window}: ${r.reports} report(s) of ${r.needed} needed` +
        (r.blacklistedUntil !== undefined ? ` — blacklisted until ${iso(r.blacklistedUntil)}` : "") +
        ` (tx ${r.transactionHash})`,
    );
    return r;
  });

/** What each parameter means (IGasPolicy.Params), for `gas:params --help`. */
const PARAM_HELP: Record<keyof GasPolicyParams, string> = {
  windowSeconds: "Length of a usage window in seconds (1 .. 30 days)",
  maxTxGas: "Highest gas limit of one transaction (>= 21000)",
  defaultAccountQuota: "Gas per window of an account without its own quota (>= max-tx-gas)",
  unsponsoredShareBps: "Share of a block's gas limit for all unsponsored transactions, in basis points (1 .. 10000)",
  abuseGasPerWindow: "Executed gas in a window past which nodes report an account (0: not a criterion)",
  abuseRevertsPerWindow: "Reverted transactions in a window past which nodes report an account (0: not a criterion)",
  abuseRejectionsPerWindow: "Refused submissions in a window past which nodes throttle and report an account (0: not a criterion)",
  reportBlacklistSeconds: "How long a blacklisting by validators' reports lasts, in seconds (>= 1)",
};

const params = task("gas:params", "Proposes (governance) new gas policy parameters, merged over the current ones; sent directly if --from governs");
for (const name of GAS_POLICY_PARAMS) params.addOptionalParam(name, `${PARAM_HELP[name]}; uint${GAS_POLICY_PARAM_BITS[name]}`);
params
  .addOptionalParam("description", "Proposal description (default: a summary of the change)")
  .addOptionalParam("from", "Account index or address of the proposing validator (or the governing account)", "0")
  .setAction(async (args: Partial<Record<keyof GasPolicyParams, string>> & { description?: string; from: string }, hre) => {
    const changes: ParamChanges = {};
    for (const name of GAS_POLICY_PARAMS) {
      const value = args[name];
      if (value !== undefined) changes[name] = parseUint(kebabCase(name), value, GAS_POLICY_PARAM_BITS[name]);
    }
    if (Object.keys(changes).length === 0) throw new TaskError(`give at least one parameter to change: ${GAS_POLICY_PARAMS.map((n) => `--${kebabCase(n)}`).join(", ")}`);
    return applyAction(hre, args.from, { action: "set-params", changes }, "gas:params", args.description);
  });
