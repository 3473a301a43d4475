import { ZeroAddress, isAddress, type Signer } from "ethers";
import { ConfigError } from "./config";
import { contractAt, resolveDeployContext, type DeployTarget } from "./context";
import type { Manifest } from "./manifest";
import { deploySteps, type GovernedContract } from "./steps";
import type { RewardEngineFactory, TemplateFactory } from "../typechain-types";

/** The template implementations, in `TemplateKind` order (Transfer, Vesting, Stake, Burn). */
export const TEMPLATE_IMPLEMENTATIONS = ["TransferTemplate", "VestingTemplate", "StakeTemplate", "BurnTemplate"] as const;
export type TemplateImplementationName = (typeof TEMPLATE_IMPLEMENTATIONS)[number];

/** The clone implementations (manifest proxy kind `implementation`): the templates and the reward engine. */
export const ECONOMY_IMPLEMENTATIONS = [...TEMPLATE_IMPLEMENTATIONS, "RewardEngine"] as const;

/** Manifest names of the economy contracts, in deployment order (the two factories are UUPS proxies). */
export const ECONOMY_CONTRACTS = [...ECONOMY_IMPLEMENTATIONS, "TemplateFactory", "RewardEngineFactory"] as const;

/** What {@link deployEconomy} needs from the system deployment it joins. */
export interface DeployEconomyContext {
  /** The manifest being written (entries are added to `manifest.contracts`; existing ones with code are reused). */
  manifest: Manifest;
  /** Persists the manifest (called after each new contract and at the end). */
  save: () => void;
  /** Sends the transactions; must hold the factories' admin roles until the hand-over (default: the context's deployer, account 0). */
  deployer?: Signer;
  /** The governance timelock: receives `DEFAULT_ADMIN_ROLE` and `GOVERNANCE_ROLE` on both factories. */
  timelock: string;
  /** The emergency council: receives `PAUSER_ROLE` on both factories. */
  council: string;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

export interface DeployEconomyResult {
  templateFactory: TemplateFactory;
  rewardEngineFactory: RewardEngineFactory;
  /** Addresses of the clone implementations by contract name. */
  implementations: Record<(typeof ECONOMY_IMPLEMENTATIONS)[number], string>;
}


/**
 * Deploys (or completes) the token-economy contracts: the four template implementations and the reward-engine
 * implementation (plain contracts that clones delegate to), then `TemplateFactory` and `RewardEngineFactory`
 * (UUPS proxies). Hands both factories to governance: the timelock gets `DEFAULT_ADMIN_ROLE` and
 * `GOVERNANCE_ROLE`, the council `PAUSER_ROLE`, and the deployer renounces its roles.
 *
 * Idempotent like `deploySystem`: every manifest entry that still has code is reused and every wiring step
 * checks before it acts. When a factory already belongs to governance and points at another implementation
 * than the manifest's, it throws a {@link ConfigError} naming the governance call that fixes it.
 */
export async function deployEconomy(target: DeployTarget, ctx: DeployEconomyContext): Promise<DeployEconomyResult> {
  const chain = await resolveDeployContext(target);
  const m = ctx.manifest;
  const log = ctx.log ?? (() => undefined);
  const deployer = ctx.deployer ?? chain.deployer;
  const deployerAddress = await deployer.getAddress();
  for (const [what, address] of [
    ["timelock", ctx.timelock],
    ["council", ctx.council],
  ] as const) {
    if (!isAddress(address) || address === ZeroAddress) throw new ConfigError(`deployEconomy: ${what} must be an address, got "${address}"`);
  }

  const { ensure, handOver } = deploySteps(chain, { manifest: m, save: ctx.save, deployer, log });

  // ---- contracts
  const impls = {} as Record<(typeof ECONOMY_IMPLEMENTATIONS)[number], string>;
  for (const name of ECONOMY_IMPLEMENTATIONS) impls[name] = await ensure(name, "implementation", []);
  const templateImpls = TEMPLATE_IMPLEMENTATIONS.map((n) => impls[n]);
  const templateFactoryAddress = await ensure("TemplateFactory", "uups", [deployerAddress, templateImpls]);
  const rewardFactoryAddress = await ensure("RewardEngineFactory", "uups", [deployerAddress, impls.RewardEngine]);
  const templateFactory = contractAt("TemplateFactory", templateFactoryAddress, deployer);
  const rewardEngineFactory = contractAt("RewardEngineFactory", rewardFactoryAddress, deployer);

  // ---- wiring: the factories clone the implementations of the manifest (a reused factory may predate them)
  const deployerGoverns = async (c: GovernedContract) => c.hasRole(await c.GOVERNANCE_ROLE(), deployerAddress);
  for (let kind = 0; kind < TEMPLATE_IMPLEMENTATIONS.length; kind++) {
    const want = templateImpls[kind]!;
    if ((await templateFactory.implementation(kind)).toLowerCase() === want.toLowerCase()) continue;
    if (!(await deployerGoverns(templateFactory as unknown as GovernedContract))) {
      throw new ConfigError(
        `TemplateFactory clones another ${TEMPLATE_IMPLEMENTATIONS[kind]} than ${want}; governance must switch it: ` +
          `npx hardhat gov:propose --network ${chain.networkName} --action call --target TemplateFactory ` +
          `--signature "setImplementation(uint8,address)" --args '[${kind},"${want}"]'`,
      );
    }
    await (await templateFactory.setImplementation(kind, want)).wait();
    log(`TemplateFactory: ${TEMPLATE_IMPLEMENTATIONS[kind]} implementation set to ${want}`);
  }
  if ((await rewardEngineFactory.implementation()).toLowerCase() !== impls.RewardEngine.toLowerCase()) {
    if (!(await deployerGoverns(rewardEngineFactory as unknown as GovernedContract))) {
      throw new ConfigError(
        `RewardEngineFactory clones another RewardEngine than ${impls.RewardEngine}; governance must switch it: ` +
          `npx hardhat gov:propose --network ${chain.networkName} --action call --target RewardEngineFactory ` +
          `--signature "setImplementation(address)" --args '["${impls.RewardEngine}"]'`,
      );
    }
    await (await rewardEngineFactory.setImplementation(impls.RewardEngine)).wait();
    log(`RewardEngineFactory: implementation set to ${impls.RewardEngine}`);
  }

  // ---- hand-over to governance (each step checks first)
  await handOver(
    [
      ["TemplateFactory", templateFactory as unknown as GovernedContract],
      ["RewardEngineFactory", rewardEngineFactory as unknown as GovernedContract],
    ],
    ctx.timelock,
    ctx.council,
  );
  ctx.save();

  return { templateFactory, rewardEngineFactory, implementations: impls };
}
