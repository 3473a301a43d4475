import { task } from "./lib/task";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { formatUnits, isAddress, ZeroAddress, type Interface, type ParamType } from "ethers";
import { TaskError } from "./lib/errors";
import { parseAddress, parseAmount, parseBytes32, parseInteger } from "../lib/args";
import { loadDeployment } from "./lib/system";
import { connectContract } from "../ops/contracts";
import { readToken, type ReadTokenReturnType } from "../ops/token/readToken";
import { deployTemplate, TEMPLATE_KINDS, type DeployTemplateParameters, type TemplateKindName, type TemplateLimits } from "../ops/economy/deployTemplate";
import { createRewardEngine } from "../ops/economy/createRewardEngine";
import { fundRewardEngine } from "../ops/economy/fundRewardEngine";
import { setRewardReporter } from "../ops/economy/setRewardReporter";
import { defineReward } from "../ops/economy/defineReward";
import { reportReward } from "../ops/economy/reportReward";
import { readRewardEngine, type ReadRewardEngineParameters } from "../ops/economy/readRewardEngine";

// Token-economy tasks: parse → ops/economy → print. Registered by importing this file (tasks/index.ts).

/** The economy factories of the current network's manifest, and the `--from` signer. */
async function loadEconomy(hre: HardhatRuntimeEnvironment, from = "0") {
  const { manifest, signer, at } = await loadDeployment(hre, from);
  const address = async (name: string) => (await at<{ getAddress(): Promise<string> }>(name)).getAddress();
  return { manifest, signer, provider: hre.ethers.provider, templateFactory: await address("TemplateFactory"), rewardEngineFactory: await address("RewardEngineFactory") };
}
type Economy = Awaited<ReturnType<typeof loadEconomy>>;

/** `--token`: an address or the name of a contract of the manifest (e.g. StakingToken), read as an ERC-20. */
async function resolveToken(eco: Economy, value: string): Promise<ReadTokenReturnType> {
  let address: string;
  if (isAddress(value)) address = parseAddress("token", value);
  else {
    const entry = eco.manifest.contracts[value];
    if (!entry) throw new TaskError(`--token "${value}" is neither an address nor a contract of the manifest (${Object.keys(eco.manifest.contracts).join(", ")})`);
    address = entry.address;
  }
  return readToken(eco.provider, { token: address });
}

/** `--engine`, checked to be one of the factory's engines, with its token (and more when asked). */
async function resolveEngine(eco: Economy, value: string, more: Pick<ReadRewardEngineParameters, "reporter" | "behaviours"> = {}) {
  return readRewardEngine(eco.provider, { factory: eco.rewardEngineFactory, engine: parseAddress("engine", value), ...more });
}

/**
 * The largest value the contract's ABI takes for a uint parameter of `fn` (`limits.maxPerDayCount` → uint32): the
 * bound comes from the contract's own types, so a flag too large is refused before anything is sent.
 */
function abiMax(iface: Interface, fn: string, path: string): bigint {
  let params: readonly ParamType[] = iface.getFunction(fn)!.inputs;
  let param: ParamType | undefined;
  for (const name of path.split(".")) {
    param = params.find((p) => p.name === name);
    params = param?.components ?? [];
  }
  const bits = /^uint(\d+)$/.exec(param?.type ?? "")?.[1];
  if (!bits) throw new Error(`${fn}(${path}) is not a uint parameter`);
  return 2n ** BigInt(bits) - 1n;
}

function bounded(flag: string, value: bigint, max: bigint, decimals?: number): bigint {
  if (value > max) throw new TaskError(`--${flag} is too large: at most ${decimals === undefined ? max : `${formatUnits(max, decimals)} tokens`}`);
  return value;
}

/** A token amount where "0" is allowed (limits and caps: zero means none), at most `max` base units. */
export function parseAmountOrZero(flag: string, value: string, decimals: number, max: bigint): bigint {
  return bounded(flag, /^0+(\.0+)?$/.test(value) ? 0n : parseAmount(flag, value, decimals), max, decimals);
}

const DURATION_UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** A duration in seconds: "3600", "90s", "30m", "12h", "30d" or "2w". */
export function parseDuration(flag: string, value: string): bigint {
  const m = /^(\d+)([smhdw]?)$/.exec(value.trim());
  if (!m) throw new TaskError(`--${flag} must be a duration: seconds or a number with s, m, h, d or w (e.g. 3600, 30d), got "${value}"`);
  return BigInt(m[1]!) * BigInt(DURATION_UNITS[m[2] || "s"]!);
}

/** A point in time: unix seconds or an ISO date ("2026-01-01T00:00:00Z"); "now" is undefined (the operation reads the chain's time). */
export function parseTime(flag: string, value: string): bigint | undefined {
  if (value === "now") return undefined;
  if (/^\d+$/.test(value)) return BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new TaskError(`--${flag} must be "now", unix seconds or an ISO date (2026-01-01T00:00:00Z), got "${value}"`);
  return BigInt(Math.floor(ms / 1000));
}

interface TemplateDeployArgs {
  kind: string;
  token: string;
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

const KIND_FLAGS: Record<TemplateKindName, (keyof TemplateDeployArgs)[]> = {
  transfer: ["feeBps", "feeRecipient"],
  vesting: ["beneficiary", "amount", "start", "cliff", "duration", "revocable"],
  stake: ["lock"],
  burn: [],
};
const flagOf = (key: string) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** `--kind`, refusing flags that belong to another kind. */
function parseKind(args: TemplateDeployArgs): TemplateKindName {
  const kind = args.kind.toLowerCase() as TemplateKindName;
  if (!(TEMPLATE_KINDS as readonly string[]).includes(kind)) throw new TaskError(`--kind must be one of ${TEMPLATE_KINDS.join(", ")}, got "${args.kind}"`);
  for (const [other, flags] of Object.entries(KIND_FLAGS)) {
    const misplaced = other === kind ? undefined : flags.find((f) => args[f] !== undefined && args[f] !== false);
    if (misplaced) throw new TaskError(`--${flagOf(misplaced)} applies to --kind ${other}, not ${kind}`);
  }
  return kind;
}

/** The vesting template's schedule error, in the task's flags. */
function scheduleError(e: unknown): unknown {
  const revert = e as { errorName?: string; errorArgs?: readonly unknown[] };
  if (revert?.errorName !== "VestingTemplateInvalidSchedule") return e;
  const [, cliff, duration] = revert.errorArgs as bigint[];
  return new TaskError(duration === 0n ? "--duration must be greater than zero" : `--cliff (${cliff} s) cannot be longer than --duration (${duration} s)`, { cause: e });
}

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
    const kind = parseKind(args);
    const eco = await loadEconomy(hre, args.from);
    const t = await resolveToken(eco, args.token);
    const abi = connectContract("TemplateFactory", ZeroAddress, null).interface;
    const maxOf = (field: keyof TemplateLimits) => abiMax(abi, "deployBurn", `limits.${field}`);
    const limits: TemplateLimits = {
      maxPerTransfer: args.maxPerTransfer ? parseAmountOrZero("max-per-transfer", args.maxPerTransfer, t.decimals, maxOf("maxPerTransfer")) : 0n,
      maxPerDayCount: args.maxPerDayCount ? bounded("max-per-day-count", parseInteger("max-per-day-count", args.maxPerDayCount), maxOf("maxPerDayCount")) : 0n,
      maxPerDayAmount: args.maxPerDayAmount ? parseAmountOrZero("max-per-day-amount", args.maxPerDayAmount, t.decimals, maxOf("maxPerDayAmount")) : 0n,
    };
    const common = { factory: eco.templateFactory, token: t.address, limits };
    let parameters: DeployTemplateParameters;
    switch (kind) {
      case "transfer": {
        const feeBps = bounded("fee-bps", parseInteger("fee-bps", args.feeBps ?? "0"), abiMax(abi, "deployTransfer", "feeBps"));
        parameters = { ...common, kind, feeBps, ...(args.feeRecipient ? { feeRecipient: parseAddress("fee-recipient", args.feeRecipient) } : {}) };
        break;
      }
      case "vesting": {
        const beneficiary = parseAddress("beneficiary", args.beneficiary);
        if (!args.amount) throw new TaskError("--amount is required for --kind vesting: the tokens to vest (e.g. 1000)");
        if (!args.duration) throw new TaskError("--duration is required for --kind vesting (e.g. 365d)");
        const time = (flag: string, value: bigint | undefined) => value === undefined ? undefined : bounded(flag, value, abiMax(abi, "deployVesting", `schedule.${flag}`));
        const start = time("start", parseTime("start", args.start ?? "now"));
        parameters = {
          ...common,
          kind,
          beneficiary,
          amount: parseAmount("amount", args.amount, t.decimals),
          ...(start === undefined ? {} : { start }),
          cliff: time("cliff", parseDuration("cliff", args.cliff ?? "0"))!,
          duration: time("duration", parseDuration("duration", args.duration))!,
          revocable: args.revocable,
        };
        break;
      }
      case "stake":
        parameters = { ...common, kind, lockPeriod: bounded("lock", parseDuration("lock", args.lock ?? "0"), abiMax(abi, "deployStake", "lockPeriod")) };
        break;
      case "burn":
        parameters = { ...common, kind };
        break;
    }
    const r = await deployTemplate(eco.signer, parameters).catch((e: unknown) => Promise.reject(scheduleError(e)));

    const amt = (v: bigint) => `${formatUnits(v, t.decimals)} ${t.symbol}`;
    const p = parameters;
    const summary =
      p.kind === "transfer" ? ((p.feeBps ?? 0n) > 0n ? `fee ${p.feeBps} bps to ${p.feeRecipient}` : "no fee")
      : p.kind === "vesting"
        ? `${amt(p.amount)} to ${p.beneficiary}, start ${new Date(Number(r.start) * 1000).toISOString()}, ` +
          `cliff ${p.cliff} s, duration ${p.duration} s, ${p.revocable ? "revocable" : "irrevocable"}`
      : p.kind === "stake" ? `lock ${p.lockPeriod} s`
      : "burns through the token's burnFrom";
    const set = [
      limits.maxPerTransfer > 0n ? `at most ${amt(limits.maxPerTransfer)} per operation` : "",
      limits.maxPerDayCount > 0n ? `${limits.maxPerDayCount} operations per account per day` : "",
      limits.maxPerDayAmount > 0n ? `${amt(limits.maxPerDayAmount)} per account per day` : "",
    ].filter((x) => x !== "");
    console.log(
      `${kind} template ${r.instance}\n  owner ${r.owner}, token ${t.symbol} ${t.address}\n  ${summary}\n` +
        `  limits: ${set.length > 0 ? set.join(", ") : "none"}`,
    );
    return r.instance;
  });

task("reward:create", "Creates a reward engine (one per DApp) paying in --token, owned by the sender")
  .addParam("token", "The reward ERC-20: an address or a contract name of the manifest")
  .addOptionalParam("from", "Account index or address of the owner-to-be", "0")
  .setAction(async (args: { token: string; from: string }, hre) => {
    const eco = await loadEconomy(hre, args.from);
    const t = await resolveToken(eco, args.token);
    const r = await createRewardEngine(eco.signer, { factory: eco.rewardEngineFactory, token: t.address });
    console.log(`reward engine ${r.engine} (owner ${r.owner}, token ${t.symbol} ${t.address})`);
    return r.engine;
  });

task("reward:fund", "Adds tokens to a reward engine's funds (approves the engine first when needed)")
  .addParam("engine", "Reward engine address (from reward:create)")
  .addParam("amount", "Tokens to add (whole tokens, e.g. 1000 or 0.5)")
  .addOptionalParam("from", "Account index or address paying", "0")
  .setAction(async (args: { engine: string; amount: string; from: string }, hre) => {
    const eco = await loadEconomy(hre, args.from);
    const { engine, token: t } = await resolveEngine(eco, args.engine);
    const amount = parseAmount("amount", args.amount, t.decimals);
    const r = await fundRewardEngine(eco.signer, { engine, amount });
    console.log(`funded ${formatUnits(amount, t.decimals)} ${t.symbol}; unallocated now ${formatUnits(r.unallocated, t.decimals)} ${t.symbol}`);
  });

task("reward:reporter", "Authorises (or with --revoke removes) a reporter key of the DApp's backend")
  .addParam("engine", "Reward engine address")
  .addParam("reporter", "The reporter's address")
  .addFlag("revoke", "Remove the reporter instead")
  .addOptionalParam("from", "Account index or address of the engine's owner", "0")
  .setAction(async (args: { engine: string; reporter: string; revoke: boolean; from: string }, hre) => {
    const reporter = parseAddress("reporter", args.reporter);
    const eco = await loadEconomy(hre, args.from);
    const { engine } = await resolveEngine(eco, args.engine);
    await setRewardReporter(eco.signer, { engine, reporter, authorised: !args.revoke });
    console.log(`${reporter} ${args.revoke ? "can no longer report" : "may now report"} to ${engine}`);
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
    const abi = connectContract("RewardEngine", ZeroAddress, null).interface;
    const max = (name: string) => abiMax(abi, "defineBehaviour", name);
    const id = parseBytes32("id", args.id);
    const cooldown = bounded("cooldown", parseDuration("cooldown", args.cooldown), max("cooldown"));
    const eco = await loadEconomy(hre, args.from);
    const { engine, token: t } = await resolveEngine(eco, args.engine);
    const reward = bounded("reward", parseAmount("reward", args.reward, t.decimals), max("rewardPerOccurrence"), t.decimals);
    const cap = parseAmountOrZero("cap", args.cap, t.decimals, max("perUserCap"));
    const budget = parseAmountOrZero("budget", args.budget, t.decimals, max("budget"));
    const r = await defineReward(eco.signer, { engine, id, rewardPerOccurrence: reward, perUserCap: cap, cooldown, budget });
    const f = (v: bigint) => `${formatUnits(v, t.decimals)} ${t.symbol}`;
    console.log(
      `behaviour ${args.id} (${id})\n  reward ${f(reward)} per occurrence, per-user cap ${cap === 0n ? "none" : f(cap)}, ` +
        `cooldown ${cooldown} s, budget ${f(budget)}; engine unallocated ${f(r.unallocated)}`,
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
    const { engine, token: t } = await resolveEngine(eco, args.engine);
    const { amount } = await reportReward(eco.signer, { engine, id, user, occurrence });
    console.log(`paid ${formatUnits(amount, t.decimals)} ${t.symbol} to ${user} for ${args.id} (occurrence ${occurrence})`);
    return amount;
  });

task("reward:status", "Prints a reward engine's funds, reporters' check and behaviours")
  .addParam("engine", "Reward engine address")
  .addOptionalParam("reporter", "Also say whether this address may report")
  .setAction(async (args: { engine: string; reporter?: string }, hre) => {
    const reporter = args.reporter === undefined ? undefined : parseAddress("reporter", args.reporter);
    const eco = await loadEconomy(hre);
    const s = await resolveEngine(eco, args.engine, { behaviours: true, ...(reporter === undefined ? {} : { reporter }) });
    const f = (v: bigint) => `${formatUnits(v, s.token.decimals)} ${s.token.symbol}`;
    console.log(`engine ${s.engine} owner ${s.owner}${s.paused ? " (paused)" : ""}`);
    console.log(`  allocated ${f(s.allocated)}, unallocated ${f(s.unallocated)}`);
    if (reporter !== undefined) console.log(`  ${reporter} ${s.isReporter ? "is" : "is not"} a reporter`);
    const rows = s.behaviours!.map((b) => ({
      id: b.name,
      reward: f(b.rewardPerOccurrence),
      cap: b.perUserCap === 0n ? "none" : f(b.perUserCap),
      cooldown: `${b.cooldown} s`,
      budget: f(b.budget),
      paid: f(b.paid),
    }));
    if (rows.length > 0) console.table(rows);
    return rows.length;
  });
