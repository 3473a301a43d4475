import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { decodeBytes32String, formatUnits, isAddress, type Interface, type Signer, type TransactionReceipt } from "ethers";
import type { Manifest } from "../deploy/manifest";
import { TaskError } from "./lib/errors";
import { explainRevert } from "../lib/revert";
import { parseAddress, parseAmount, parseBytes32, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import type { RewardEngine, RewardEngineFactory, TemplateFactory } from "../typechain-types";

/** Template kinds accepted by `template:deploy --kind`, in `TemplateKind` order. */
export const TEMPLATE_KINDS = ["transfer", "vesting", "stake", "burn"] as const;
export type TemplateKindName = (typeof TEMPLATE_KINDS)[number];

const MAX_UINT32 = 2n ** 32n - 1n;
const MAX_UINT96 = 2n ** 96n - 1n;
const MAX_UINT112 = 2n ** 112n - 1n;
const MAX_UINT128 = 2n ** 128n - 1n;

/** Hints printed with a decoded revert of the economy contracts. */
export const ECONOMY_HINTS: Record<string, string> = {
  OwnableUnauthorizedAccount: "only the owner (the account that deployed the template or engine) can do this; pass its account with --from",
  RewardEngineNotReporter: "authorise the key first: npx hardhat reward:reporter --engine <engine> --reporter <address> (from the engine's owner)",
  RewardEngineUnknownBehaviour: "define the behaviour first: npx hardhat reward:define --engine <engine> --id <id> ...",
  RewardEngineInsufficientFunds: "fund the engine first: npx hardhat reward:fund --engine <engine> --amount <tokens>",
  RewardEngineBudgetExhausted: "raise the behaviour's budget with reward:define (after reward:fund)",
  RewardEngineUserCapExceeded: "the user reached the behaviour's per-user cap",
  RewardEngineCooldownActive: "the user was rewarded for this behaviour too recently; report again after the cooldown",
  RewardEngineDuplicateOccurrence: "this occurrence id was already rewarded; every occurrence needs its own id",
  TransferTemplateFeeTooHigh: "the fee is at most 1000 basis points (10 %)",
  StakeTemplateLockTooLong: "the lock period is at most four years",
  VestingTemplateInvalidSchedule: "--duration must be positive and --cliff at most --duration",
  ERC20InsufficientBalance: "the sending account does not hold enough of the token",
  ERC20InsufficientAllowance: "the account has not approved enough of the token",
  EnforcedPause: "the contract is paused (a factory by the council or governance, a template or engine by its owner)",
};

export interface EconomyHandles {
  manifest: Manifest;
  signer: Signer;
  templateFactory: TemplateFactory;
  rewardEngineFactory: RewardEngineFactory;
}

/** Loads the economy factories of the current network's manifest, connected to `from`. */
export async function loadEconomy(hre: HardhatRuntimeEnvironment, from = "0"): Promise<EconomyHandles> {
  const { manifest, signer, at } = await loadDeployment(hre, from);
  return {
    manifest,
    signer,
    templateFactory: await at<TemplateFactory>("TemplateFactory"),
    rewardEngineFactory: await at<RewardEngineFactory>("RewardEngineFactory"),
  };
}

/** A token given as an address or as the name of a contract of the manifest (e.g. StakingToken). */
async function resolveToken(hre: HardhatRuntimeEnvironment, eco: EconomyHandles, value: string | undefined) {
  if (value === undefined || value === "") throw new TaskError("--token is required: an ERC-20 address or a contract name of the manifest (e.g. StakingToken)");
  let address: string;
  if (isAddress(value)) address = parseAddress("token", value);
  else {
    const entry = eco.manifest.contracts[value];
    if (!entry) throw new TaskError(`--token "${value}" is neither an address nor a contract of the manifest (${Object.keys(eco.manifest.contracts).join(", ")})`);
    address = entry.address;
  }
  if ((await hre.ethers.provider.getCode(address)) === "0x") throw new TaskError(`--token ${address} has no code on network "${hre.network.name}"`);
  const token = await hre.ethers.getContractAt("@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol:IERC20Metadata", address, eco.signer);
  let decimals: number;
  let symbol: string;
  try {
    decimals = Number(await token.decimals());
    symbol = await token.symbol();
  } catch {
    throw new TaskError(`--token ${address} does not answer decimals()/symbol(): is it an ERC-20?`);
  }
  return { address, token, decimals, symbol };
}

/** A token amount where "0" is allowed (limits and caps: zero means none). */
export function parseAmountOrZero(flag: string, value: string, decimals: number, max: bigint): bigint {
  const amount = /^0+(\.0+)?$/.test(value) ? 0n : parseAmount(flag, value, decimals);
  if (amount > max) throw new TaskError(`--${flag} is too large: at most ${formatUnits(max, decimals)} tokens`);
  return amount;
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A duration in seconds: "3600", "90s", "30m", "12h", "30d" or "2w". */
export function parseDuration(flag: string, value: string): bigint {
  const m = /^(\d+)([smhdw]?)$/.exec(value.trim());
  if (!m) throw new TaskError(`--${flag} must be a duration: seconds or a number with s, m, h, d or w (e.g. 3600, 30d), got "${value}"`);
  return BigInt(m[1]!) * BigInt(DURATION_UNITS[m[2] || "s"]!);
}

/** A point in time: "now", unix seconds, or an ISO date ("2026-01-01T00:00:00Z"). */
export async function parseTime(hre: HardhatRuntimeEnvironment, flag: string, value: string): Promise<bigint> {
  if (value === "now") return BigInt((await hre.ethers.provider.getBlock("latest"))?.timestamp ?? Math.floor(Date.now() / 1000));
  if (/^\d+$/.test(value)) return BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TaskError(`--${flag} must be "now", unix seconds or an ISO date (2026-01-01T00:00:00Z), got "${value}"`);
  return BigInt(Math.floor(ms / 1000));
}

function bounded(flag: string, value: bigint, max: bigint): bigint {
  if (value > max) throw new TaskError(`--${flag} is too large: at most ${max}`);
  return value;
}

/** The arguments of the first event `name` that `iface` can parse in a receipt. */
function findEvent(receipt: TransactionReceipt | null, iface: Interface, name: string): Record<string, unknown> | undefined {
  for (const log of receipt?.logs ?? []) {
    let parsed;
    try {
      parsed = iface.parseLog(log);
    } catch {
      continue;
    }
    if (parsed?.name === name) return parsed.args.toObject();
  }
  return undefined;
}

interface TemplateDeployArgs {
  kind: string;
  token?: string;
  feeBps?: string;
  feeRecipient?: string;
  beneficiary?: string;
  amount?: string;
  start?: string;
  cliff?: string;
  duration?: string;
  revocable: boolean;
  lock?: string;
  maxPerTransfer?: string;
  maxPerDayCount?: string;
  maxPerDayAmount?: string;
  from: string;
}

const KIND_PARAMS: Record<TemplateKindName, (keyof TemplateDeployArgs)[]> = {
  transfer: ["feeBps", "feeRecipient"],
  vesting: ["beneficiary", "amount", "start", "cliff", "duration", "revocable"],
  stake: ["lock"],
  burn: [],
};
const FLAG_OF: Record<string, string> = {
  feeBps: "fee-bps",
  feeRecipient: "fee-recipient",
  beneficiary: "beneficiary",
  amount: "amount",
  start: "start",
  cliff: "cliff",
  duration: "duration",
  revocable: "revocable",
  lock: "lock",
};

task("template:deploy", "Deploys a transaction template (transfer with fee, vesting, stake, burn) owned by the sender")
  .addParam("kind", `One of: ${TEMPLATE_KINDS.join(", ")}`)
  .addParam("token", "The ERC-20: an address or a contract name of the manifest (e.g. StakingToken)")
  .addOptionalParam("feeBps", "transfer: fee in basis points (0..1000)")
  .addOptionalParam("feeRecipient", "transfer: who receives the fee (required when --fee-bps > 0)")
  .addOptionalParam("beneficiary", "vesting: who receives the vested tokens")
  .addOptionalParam("amount", "vesting: tokens to vest, moved from the sender (whole tokens, e.g. 1000 or 0.5)")
  .addOptionalParam("start", 'vesting: start ("now", unix seconds or an ISO date; default now)')
  .addOptionalParam("cliff", "vesting: nothing vests before start + cliff (e.g. 90d; default 0)")
  .addOptionalParam("duration", "vesting: start to full vesting (e.g. 365d)")
  .addFlag("revocable", "vesting: the grantor (sender) may revoke what has not vested")
  .addOptionalParam("lock", "stake: lock period after each stake (e.g. 7d; default 0)")
  .addOptionalParam("maxPerTransfer", "Limit: largest amount per operation, in tokens (0 or absent: none)")
  .addOptionalParam("maxPerDayCount", "Limit: most operations per account and day (0 or absent: none)")
  .addOptionalParam("maxPerDayAmount", "Limit: most tokens per account and day (0 or absent: none)")
  .addOptionalParam("from", "Account index or address of the owner-to-be", "0")
  .setAction(async (args: TemplateDeployArgs, hre) => {
    const kind = args.kind.toLowerCase() as TemplateKindName;
    if (!TEMPLATE_KINDS.includes(kind)) throw new TaskError(`--kind must be one of ${TEMPLATE_KINDS.join(", ")}, got "${args.kind}"`);
    for (const [k, params] of Object.entries(KIND_PARAMS)) {
      if (k === kind) continue;
      for (const p of params) {
        const v = args[p];
        if (v !== undefined && v !== false && !KIND_PARAMS[kind].includes(p)) {
          throw new TaskError(`--${FLAG_OF[p]} applies to --kind ${k}, not ${kind}`);
        }
      }
    }
    const eco = await loadEconomy(hre, args.from);
    const t = await resolveToken(hre, eco, args.token);
    const limits = {
      maxPerTransfer: args.maxPerTransfer ? parseAmountOrZero("max-per-transfer", args.maxPerTransfer, t.decimals, MAX_UINT112) : 0n,
      maxPerDayCount: args.maxPerDayCount ? bounded("max-per-day-count", parseInteger("max-per-day-count", args.maxPerDayCount), MAX_UINT32) : 0n,
      maxPerDayAmount: args.maxPerDayAmount ? parseAmountOrZero("max-per-day-amount", args.maxPerDayAmount, t.decimals, MAX_UINT112) : 0n,
    };
    const factory = eco.templateFactory;
    const owner = await eco.signer.getAddress();
    let send: () => Promise<{ wait(): Promise<unknown> }>;
    let summary: string;
    switch (kind) {
      case "transfer": {
        const feeBps = bounded("fee-bps", parseInteger("fee-bps", args.feeBps ?? "0"), 65_535n);
        if (feeBps > 0n && !args.feeRecipient) throw new TaskError("--fee-recipient is required when --fee-bps is above 0");
        const recipient = args.feeRecipient ? parseAddress("fee-recipient", args.feeRecipient) : hre.ethers.ZeroAddress;
        send = () => factory.deployTransfer(t.address, feeBps, recipient, limits);
        summary = feeBps > 0n ? `fee ${feeBps} bps to ${recipient}` : "no fee";
        break;
      }
      case "vesting": {
        const beneficiary = parseAddress("beneficiary", args.beneficiary);
        if (!args.amount) throw new TaskError("--amount is required for --kind vesting: the tokens to vest (e.g. 1000)");
        if (!args.duration) throw new TaskError("--duration is required for --kind vesting (e.g. 365d)");
        const amount = parseAmount("amount", args.amount, t.decimals);
        const start = await parseTime(hre, "start", args.start ?? "now");
        const cliff = parseDuration("cliff", args.cliff ?? "0");
        const duration = parseDuration("duration", args.duration);
        if (duration === 0n) throw new TaskError("--duration must be greater than zero");
        if (cliff > duration) throw new TaskError(`--cliff (${cliff} s) cannot be longer than --duration (${duration} s)`);
        const max64 = 2n ** 64n - 1n;
        bounded("start", start, max64);
        bounded("duration", duration, max64);
        const factoryAddress = await factory.getAddress();
        if ((await t.token.allowance(owner, factoryAddress)) < amount) {
          await explainRevert("template:deploy (approve)", async () => (await t.token.approve(factoryAddress, amount)).wait(), ECONOMY_HINTS);
        }
        const schedule = { beneficiary, start, cliff, duration, revocable: args.revocable };
        send = () => factory.deployVesting(t.address, schedule, amount, limits);
        summary =
          `${formatUnits(amount, t.decimals)} ${t.symbol} to ${beneficiary}, start ${new Date(Number(start) * 1000).toISOString()}, ` +
          `cliff ${cliff} s, duration ${duration} s, ${args.revocable ? "revocable" : "irrevocable"}`;
        break;
      }
      case "stake": {
        const lock = bounded("lock", parseDuration("lock", args.lock ?? "0"), 2n ** 64n - 1n);
        send = () => factory.deployStake(t.address, lock, limits);
        summary = `lock ${lock} s`;
        break;
      }
      case "burn":
        send = () => factory.deployBurn(t.address, limits);
        summary = "burns through the token's burnFrom";
        break;
    }
    const receipt = (await explainRevert("template:deploy", async () => (await send()).wait(), ECONOMY_HINTS)) as TransactionReceipt | null;
    const ev = findEvent(receipt, factory.interface, "TemplateDeployed");
    if (!ev) throw new TaskError("template:deploy: the transaction has no TemplateDeployed event");
    const instance = ev.instance as string;
    const amt = (v: bigint) => `${formatUnits(v, t.decimals)} ${t.symbol}`;
    const set = [
      limits.maxPerTransfer > 0n ? `at most ${amt(limits.maxPerTransfer)} per operation` : "",
      limits.maxPerDayCount > 0n ? `${limits.maxPerDayCount} operations per account per day` : "",
      limits.maxPerDayAmount > 0n ? `${amt(limits.maxPerDayAmount)} per account per day` : "",
    ].filter((x) => x !== "");
    console.log(
      `${kind} template ${instance}\n  owner ${owner}, token ${t.symbol} ${t.address}\n  ${summary}\n` +
        `  limits: ${set.length > 0 ? set.join(", ") : "none"}`,
    );
    return instance;
  });

/** The reward engine at `value`, checked to be one of the factory's engines. */
async function resolveEngine(hre: HardhatRuntimeEnvironment, eco: EconomyHandles, value: string | undefined): Promise<RewardEngine> {
  const address = parseAddress("engine", value);
  if (!(await eco.rewardEngineFactory.isEngine(address))) {
    throw new TaskError(`--engine ${address} is not a reward engine of RewardEngineFactory on network "${hre.network.name}"; create one with reward:create`);
  }
  return (await hre.ethers.getContractAt("RewardEngine", address, eco.signer)) as unknown as RewardEngine;
}

async function engineToken(hre: HardhatRuntimeEnvironment, eco: EconomyHandles, engine: RewardEngine) {
  return resolveToken(hre, eco, await engine.token());
}

task("reward:create", "Creates a reward engine (one per DApp) paying in --token, owned by the sender")
  .addParam("token", "The reward ERC-20: an address or a contract name of the manifest")
  .addOptionalParam("from", "Account index or address of the owner-to-be", "0")
  .setAction(async (args: { token: string; from: string }, hre) => {
    const eco = await loadEconomy(hre, args.from);
    const t = await resolveToken(hre, eco, args.token);
    const receipt = (await explainRevert(
      "reward:create",
      async () => (await eco.rewardEngineFactory.createEngine(t.address)).wait(),
      ECONOMY_HINTS,
    )) as TransactionReceipt | null;
    const ev = findEvent(receipt, eco.rewardEngineFactory.interface, "RewardEngineCreated");
    if (!ev) throw new TaskError("reward:create: the transaction has no RewardEngineCreated event");
    console.log(`reward engine ${String(ev.engine)} (owner ${await eco.signer.getAddress()}, token ${t.symbol} ${t.address})`);
    return ev.engine as string;
  });

task("reward:fund", "Adds tokens to a reward engine's funds (approves the engine first when needed)")
  .addParam("engine", "Reward engine address (from reward:create)")
  .addParam("amount", "Tokens to add (whole tokens, e.g. 1000 or 0.5)")
  .addOptionalParam("from", "Account index or address paying", "0")
  .setAction(async (args: { engine: string; amount: string; from: string }, hre) => {
    const eco = await loadEconomy(hre, args.from);
    const engine = await resolveEngine(hre, eco, args.engine);
    const t = await engineToken(hre, eco, engine);
    const amount = parseAmount("amount", args.amount, t.decimals);
    const sender = await eco.signer.getAddress();
    const engineAddress = await engine.getAddress();
    if ((await t.token.allowance(sender, engineAddress)) < amount) {
      await explainRevert("reward:fund (approve)", async () => (await t.token.approve(engineAddress, amount)).wait(), ECONOMY_HINTS);
    }
    await explainRevert("reward:fund", async () => (await engine.fund(amount)).wait(), ECONOMY_HINTS);
    console.log(`funded ${formatUnits(amount, t.decimals)} ${t.symbol}; unallocated now ${formatUnits(await engine.unallocated(), t.decimals)} ${t.symbol}`);
  });

task("reward:reporter", "Authorises (or with --revoke removes) a reporter key of the DApp's backend")
  .addParam("engine", "Reward engine address")
  .addParam("reporter", "The reporter's address")
  .addFlag("revoke", "Remove the reporter instead")
  .addOptionalParam("from", "Account index or address of the engine's owner", "0")
  .setAction(async (args: { engine: string; reporter: string; revoke: boolean; from: string }, hre) => {
    const reporter = parseAddress("reporter", args.reporter);
    const eco = await loadEconomy(hre, args.from);
    const engine = await resolveEngine(hre, eco, args.engine);
    await explainRevert("reward:reporter", async () => (await engine.setReporter(reporter, !args.revoke)).wait(), ECONOMY_HINTS);
    console.log(`${reporter} ${args.revoke ? "can no longer report" : "may now report"} to ${await engine.getAddress()}`);
  });

task("reward:define", "Defines (or changes) a target behaviour of a reward engine")
  .addParam("engine", "Reward engine address")
  .addParam("id", "Behaviour id: a text of up to 32 bytes (e.g. daily-login) or 0x + 64 hex digits")
  .addParam("reward", "Tokens per occurrence (e.g. 5 or 0.25)")
  .addOptionalParam("cap", "Most tokens one user can earn from this behaviour (0: no cap)", "0")
  .addOptionalParam("cooldown", "Time between two rewards to one user (e.g. 1d; 0: none)", "0")
  .addParam("budget", "Total tokens for this behaviour over its life, set aside from the engine's unallocated funds")
  .addOptionalParam("from", "Account index or address of the engine's owner", "0")
  .setAction(async (args: { engine: string; id: string; reward: string; cap: string; cooldown: string; budget: string; from: string }, hre) => {
    const id = parseBytes32("id", args.id);
    const cooldown = bounded("cooldown", parseDuration("cooldown", args.cooldown), MAX_UINT32);
    const eco = await loadEconomy(hre, args.from);
    const engine = await resolveEngine(hre, eco, args.engine);
    const t = await engineToken(hre, eco, engine);
    const reward = parseAmount("reward", args.reward, t.decimals);
    if (reward > MAX_UINT96) throw new TaskError(`--reward is too large: at most ${formatUnits(MAX_UINT96, t.decimals)} tokens`);
    const cap = parseAmountOrZero("cap", args.cap, t.decimals, MAX_UINT128);
    const budget = parseAmountOrZero("budget", args.budget, t.decimals, MAX_UINT128);
    await explainRevert("reward:define", async () => (await engine.defineBehaviour(id, reward, cap, cooldown, budget)).wait(), ECONOMY_HINTS);
    const f = (v: bigint) => `${formatUnits(v, t.decimals)} ${t.symbol}`;
    console.log(
      `behaviour ${args.id} (${id})\n  reward ${f(reward)} per occurrence, per-user cap ${cap === 0n ? "none" : f(cap)}, ` +
        `cooldown ${cooldown} s, budget ${f(budget)}; engine unallocated ${f(await engine.unallocated())}`,
    );
  });

task("reward:report", "Attests one occurrence of a behaviour by a user; the engine pays the reward")
  .addParam("engine", "Reward engine address")
  .addParam("id", "Behaviour id (as given to reward:define)")
  .addParam("user", "The rewarded user's address")
  .addParam("occurrence", "Unique id of this occurrence: a text of up to 32 bytes or 0x + 64 hex digits")
  .addOptionalParam("from", "Account index or address of an authorised reporter", "0")
  .setAction(async (args: { engine: string; id: string; user: string; occurrence: string; from: string }, hre) => {
    const id = parseBytes32("id", args.id);
    const user = parseAddress("user", args.user);
    const occurrence = parseBytes32("occurrence", args.occurrence);
    const eco = await loadEconomy(hre, args.from);
    const engine = await resolveEngine(hre, eco, args.engine);
    const t = await engineToken(hre, eco, engine);
    const receipt = (await explainRevert(
      "reward:report",
      async () => (await engine.report(id, user, occurrence)).wait(),
      ECONOMY_HINTS,
    )) as TransactionReceipt | null;
    const ev = findEvent(receipt, engine.interface, "RewardPaid");
    const amount = (ev?.amount as bigint | undefined) ?? 0n;
    console.log(`paid ${formatUnits(amount, t.decimals)} ${t.symbol} to ${user} for ${args.id} (occurrence ${occurrence})`);
    return amount;
  });

task("reward:status", "Prints a reward engine's funds, reporters' check and behaviours")
  .addParam("engine", "Reward engine address")
  .addOptionalParam("reporter", "Also say whether this address may report")
  .setAction(async (args: { engine: string; reporter?: string }, hre) => {
    const eco = await loadEconomy(hre);
    const engine = await resolveEngine(hre, eco, args.engine);
    const t = await engineToken(hre, eco, engine);
    const f = (v: bigint) => `${formatUnits(v, t.decimals)} ${t.symbol}`;
    console.log(`engine ${await engine.getAddress()} owner ${await engine.owner()}${(await engine.paused()) ? " (paused)" : ""}`);
    console.log(`  allocated ${f(await engine.allocated())}, unallocated ${f(await engine.unallocated())}`);
    if (args.reporter) {
      const r = parseAddress("reporter", args.reporter);
      console.log(`  ${r} ${(await engine.isReporter(r)) ? "is" : "is not"} a reporter`);
    }
    const rows = [];
    for (const id of await engine.behaviourIds()) {
      const b = await engine.behaviour(id);
      let name = id;
      try {
        name = decodeBytes32String(id);
      } catch {
        // not a short text: show the hex id
      }
      rows.push({
        id: name,
        reward: f(b.rewardPerOccurrence),
        cap: b.perUserCap === 0n ? "none" : f(b.perUserCap),
        cooldown: `${b.cooldown} s`,
        budget: f(b.budget),
        paid: f(b.paid),
      });
    }
    if (rows.length > 0) console.table(rows);
    return rows.length;
  });
