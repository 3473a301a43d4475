import { ZeroAddress, isAddress, type Signer } from "ethers";
import { ConfigError, DEFAULT_GAS_POLICY, type GasPolicyParams, type GasSponsorConfig } from "./config";
import { contractAt, resolveDeployContext, type DeployTarget } from "./context";
import type { Manifest } from "./manifest";
import { deploySteps, type GovernedContract } from "./steps";
import type { GasPolicy } from "../typechain-types";
import type { IGasPolicy } from "../typechain-types/contracts/gas/GasPolicy";

/** Manifest names of the gas-policy contracts (one UUPS proxy). */
export const GAS_CONTRACTS = ["GasPolicy"] as const;

/** What {@link deployGasPolicy} needs from the system deployment it joins (a `deploySystem` context fits). */
export interface DeployGasPolicyContext {
  /** The manifest being written (an existing `GasPolicy` entry with code is reused). */
  manifest: Manifest;
  /** Persists the manifest. */
  save: () => void;
  /** Sends the transactions (default: the context's deployer, account 0). */
  deployer?: Signer;
  /** The validator set whose validators in force report abusers. */
  validatorSet: string;
  /** The governance timelock: receives `DEFAULT_ADMIN_ROLE` and `GOVERNANCE_ROLE`. */
  timelock: string;
  /** The emergency council: receives `PAUSER_ROLE`. */
  council: string;
  /** The parameters of a new deployment (default {@link DEFAULT_GAS_POLICY}; an existing one keeps its own). */
  params?: GasPolicyParams;
  /** Sponsors to register (with their contracts and accounts) before the hand-over; found again by name. */
  sponsors?: GasSponsorConfig[];
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

export interface DeployGasPolicyResult {
  gasPolicy: GasPolicy;
}

/** The `Params` struct of `GasPolicy.initialize` / `setParams`, in the struct's order. */
export function gasPolicyParamsTuple(p: GasPolicyParams): IGasPolicy.ParamsStruct {
  return {
    windowSeconds: p.windowSeconds,
    maxTxGas: p.maxTxGas,
    defaultAccountQuota: p.defaultAccountQuota,
    unsponsoredShareBps: p.unsponsoredShareBps,
    abuseGasPerWindow: p.abuseGasPerWindow,
    abuseRevertsPerWindow: p.abuseRevertsPerWindow,
    abuseRejectionsPerWindow: p.abuseRejectionsPerWindow,
    reportBlacklistSeconds: p.reportBlacklistSeconds,
  };
}

/** The id of the first sponsor named `name`, or 0n. */
async function findSponsor(policy: GasPolicy, name: string): Promise<bigint> {
  const count = await policy.sponsorCount();
  for (let id = 1n; id <= count; id++) if ((await policy.sponsor(id)).name === name) return id;
  return 0n;
}

/**
 * Deploys (or completes) the gas policy of gas-free chains (UUPS proxy, manifest name `GasPolicy`, initialised with
 * the deployer as admin, the validator set and `params`), registers the configured sponsors with their contracts and
 * accounts while the deployer still governs it, then hands it to governance: the timelock gets `DEFAULT_ADMIN_ROLE`
 * and `GOVERNANCE_ROLE`, the council `PAUSER_ROLE`, and the deployer renounces its roles. Idempotent like
 * `deploySystem`: sponsors are found again by name and only missing members are added; once governance holds the
 * policy, sponsors or members still missing are reported as a {@link ConfigError} naming the `gas:sponsor` commands
 * that propose the sponsor and add its members.
 */
export async function deployGasPolicy(target: DeployTarget, ctx: DeployGasPolicyContext): Promise<DeployGasPolicyResult> {
  const chain = await resolveDeployContext(target);
  const log = ctx.log ?? (() => undefined);
  const deployer = ctx.deployer ?? chain.deployer;
  const deployerAddress = await deployer.getAddress();
  for (const [what, address] of [
    ["validatorSet", ctx.validatorSet],
    ["timelock", ctx.timelock],
    ["council", ctx.council],
  ] as const) {
    if (!isAddress(address) || address === ZeroAddress) throw new ConfigError(`deployGasPolicy: ${what} must be an address, got "${address}"`);
  }

  const { ensure, handOver } = deploySteps(chain, { manifest: ctx.manifest, save: ctx.save, deployer, log });
  const address = await ensure("GasPolicy", "uups", [deployerAddress, ctx.validatorSet, gasPolicyParamsTuple(ctx.params ?? DEFAULT_GAS_POLICY)]);
  const policy = contractAt("GasPolicy", address, deployer);

  const governs = await policy.hasRole(await policy.GOVERNANCE_ROLE(), deployerAddress);
  for (const s of ctx.sponsors ?? []) {
    let id = await findSponsor(policy, s.name);
    const contracts: string[] = [];
    const accounts: string[] = [];
    for (const c of s.contracts ?? []) if (id === 0n || (await policy.sponsorOfContract(c)) !== id) contracts.push(c);
    for (const a of s.accounts ?? []) if (id === 0n || (await policy.sponsorOfAccount(a)) !== id) accounts.push(a);
    if (id !== 0n && contracts.length === 0 && accounts.length === 0) continue;
    if (!governs) {
      const net = `--network ${chain.networkName}`;
      const members = [
        ...(contracts.length > 0 ? [`--action add-contracts --id ${id === 0n ? "<id>" : id} --contracts ${contracts.join(",")}`] : []),
        ...(accounts.length > 0 ? [`--action add-accounts --id ${id === 0n ? "<id>" : id} --accounts ${accounts.join(",")}`] : []),
      ].map((a) => `npx hardhat gas:sponsor ${net} --from ${s.admin} ${a}`);
      const steps =
        id === 0n
          ? [`npx hardhat gas:sponsor ${net} --from <validator> --action register --name ${JSON.stringify(s.name)} --admin ${s.admin} --budget ${s.budgetPerWindow}`, ...members]
          : members;
      throw new ConfigError(
        `GasPolicy belongs to governance: sponsor "${s.name}" ${id === 0n ? "is not registered: propose it, then let its admin add its members" : `(number ${id}) lacks members: its admin adds them`}: ${steps.join("; ")}`,
      );
    }
    if (id === 0n) {
      await (await policy.registerSponsor(s.name, s.admin, s.budgetPerWindow)).wait();
      id = await policy.sponsorCount();
      log(`GasPolicy: registered sponsor ${id} "${s.name}" (admin ${s.admin}, ${s.budgetPerWindow} gas per window)`);
    }
    for (const [kind, list] of [
      ["contracts", contracts],
      ["accounts", accounts],
    ] as const) {
      const max = Number(await policy.MAX_BATCH());
      for (let i = 0; i < list.length; i += max) {
        const batch = list.slice(i, i + max);
        const tx = kind === "contracts" ? await policy.setSponsoredContracts(id, batch, true) : await policy.setSponsoredAccounts(id, batch, true);
        await tx.wait();
        log(`GasPolicy: sponsor ${id} pays for ${kind} ${batch.join(", ")}`);
      }
    }
  }

  await handOver([["GasPolicy", policy as unknown as GovernedContract]], ctx.timelock, ctx.council);
  ctx.save();
  return { gasPolicy: policy };
}
