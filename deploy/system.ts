import { formatEther, type Signer } from "ethers";
import { resolveConfig, type SystemConfig, ConfigError } from "./config";
import { DEV_ROLES } from "../lib/accounts";
import { contractAt, resolveDeployContext, type DeployContext, type DeployTarget } from "./context";
import { deployEconomy, ECONOMY_CONTRACTS } from "./economy";
import { deployDex, DEX_CONTRACTS, type DeployDexResult } from "./dex";
import { deployAnchor, ANCHOR_CONTRACTS } from "./anchor";
import { deployGasPolicy, GAS_CONTRACTS } from "./gas";
import { deployNodeOwnerSync } from "./ownerSync";
import { manifestPath, readManifest, writeManifest, type Manifest } from "./manifest";
import { deploySteps, type ChainStatusFollower, type GovernedContract, type RoleHolder } from "./steps";
import type {
  EmergencyCouncil,
  GasPolicy,
  LuniverseGovernor,
  LuniverseTimelock,
  MainBridge,
  MainTokenFactory,
  NodeOwnerSync,
  ProductBridge,
  ProductChainRegistry,
  ProductTokenFactory,
  RewardEngineFactory,
  Slashing,
  StakingToken,
  TemplateFactory,
  ValidatorSet,
} from "../typechain-types";

export interface DeploySystemOptions {
  /** Resolved configuration (default: {@link resolveConfig}() — the defaults). */
  config?: SystemConfig;
  /** Folder of the manifests; `null` to neither read nor write one (tests). Default `deployments`. */
  manifestDir?: string | null;
  /** Ignore an existing manifest and deploy everything anew. */
  reset?: boolean;
  /** Name the manifest after this network instead of the connected one (the devnet serves `hardhat` as `localhost`). */
  manifestNetwork?: string;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

/** The deployed system: typed contract handles plus the manifest. */
export interface DeploySystemResult {
  manifest: Manifest;
  deployer: Signer;
  stakingToken: StakingToken;
  validatorSet: ValidatorSet;
  slashing: Slashing;
  timelock: LuniverseTimelock;
  governor: LuniverseGovernor;
  council: EmergencyCouncil;
  chainRegistry: ProductChainRegistry;
  mainTokenFactory: MainTokenFactory;
  mainBridge: MainBridge;
  productBridge: ProductBridge;
  productTokenFactory: ProductTokenFactory;
  templateFactory: TemplateFactory;
  rewardEngineFactory: RewardEngineFactory;
  dex: DeployDexResult;
  /** The gas policy of gas-free chains (deploy/gas.ts). */
  gasPolicy: GasPolicy;
  /** Product chains with `nodeOwnerSync` only: carries the main chain's node-owner swaps (deploy/ownerSync.ts). */
  nodeOwnerSync?: NodeOwnerSync;
  genesisValidators: string[];
  councilMembers: string[];
  bridgeSigners: string[];
}

/** Contract names of the system, in deployment order (later issues append theirs). */
export const SYSTEM_CONTRACTS = [
  "StakingToken",
  "LuniverseTimelock",
  "ValidatorSet",
  "Slashing",
  "LuniverseGovernor",
  "EmergencyCouncil",
  "ProductChainRegistry",
  "MainToken",
  "MainTokenFactory",
  "MainBridge",
  "ProductBridge",
  "ProductToken",
  "ProductTokenFactory",
  ...ECONOMY_CONTRACTS,
  ...DEX_CONTRACTS,
  ...ANCHOR_CONTRACTS,
  ...GAS_CONTRACTS,
] as const;

/**
 * Deploys (or completes) the whole system on the connected network. Idempotent: every contract recorded
 * in the manifest that still has code is reused, and every wiring step checks before it acts, so a run
 * interrupted half-way is finished by running it again.
 *
 * `target` is a {@link DeployContext} (deploy/context.ts: Hardhat-free, e.g. a genesis build) or Hardhat's runtime
 * (tasks, test fixtures: proxies through the upgrades plugin).
 */
/**
 * The network's accounts that play `role` by default (the development roles of lib/accounts: validators 1–4, council
 * 5–9, bridge signers 10–15), or an error asking for `key` in the config when the network has too few accounts.
 */
export function defaultRoleAccounts(ctx: DeployContext, role: readonly number[], key: string): string[] {
  const picked = role.map((i) => ctx.accounts[i]).filter((a): a is string => a !== undefined);
  if (picked.length < role.length) {
    throw new ConfigError(`network "${ctx.networkName}" has ${ctx.accounts.length} accounts, too few for default ${key}; set "${key}" in the config`);
  }
  return picked;
}

export async function deploySystem(target: DeployTarget, options: DeploySystemOptions = {}): Promise<DeploySystemResult> {
  const ctx = await resolveDeployContext(target);
  const networkName = ctx.networkName;
  const config = options.config ?? resolveConfig();
  const log = options.log ?? (() => undefined);
  const deployer = ctx.deployer;
  const deployerAddress = await deployer.getAddress();
  const chainId = Number((await ctx.provider.getNetwork()).chainId);

  const genesisValidators = config.genesisValidators ?? defaultRoleAccounts(ctx, DEV_ROLES.validators, "genesisValidators");
  const councilMembers = config.councilMembers ?? defaultRoleAccounts(ctx, DEV_ROLES.council, "councilMembers");
  const consortiumPartners = config.consortiumPartners ?? [deployerAddress];
  const bridgeSigners = config.bridgeSigners ?? defaultRoleAccounts(ctx, DEV_ROLES.signers, "bridgeSigners");

  const file = options.manifestDir === null ? undefined : manifestPath(options.manifestDir ?? "deployments", options.manifestNetwork ?? networkName);
  let manifest: Manifest | undefined = file && !options.reset ? readManifest(file) : undefined;
  if (manifest && manifest.chainId !== chainId) {
    throw new ConfigError(
      `${file} records chain id ${manifest.chainId} but network "${networkName}" is chain ${chainId}; ` +
        `deploy with --reset or move the file away`,
    );
  }
  const m: Manifest = manifest ?? {
    network: options.manifestNetwork ?? networkName,
    chainId,
    deployer: deployerAddress,
    updatedAt: new Date().toISOString(),
    contracts: {},
  };
  manifest = m;
  const save = (): void => {
    m.updatedAt = new Date().toISOString();
    if (file) writeManifest(file, m);
  };

  const { ensure, grant, renounce, handOver, setChainRegistry } = deploySteps(ctx, { manifest: m, save, deployer, log });

  // ---- contracts
  let tokenAddress: string;
  if (config.stakingToken) {
    tokenAddress = config.stakingToken;
    m.contracts.StakingToken = { name: "StakingToken", address: tokenAddress, proxyKind: "none" };
  } else {
    tokenAddress = await ensure("StakingToken", "none", [
      "Luniverse Stake",
      "LUNS",
      config.stakingTokenSupply,
      deployerAddress,
    ]);
  }
  const timelockAddress = await ensure("LuniverseTimelock", "uups", [
    config.governance.timelockDelay,
    [],
    [],
    deployerAddress,
  ]);
  const vsAddress = await ensure("ValidatorSet", "uups", [
    deployerAddress,
    tokenAddress,
    config.validatorSet,
    genesisValidators,
    config.treasury ?? timelockAddress,
  ]);
  const slashingAddress = await ensure("Slashing", "uups", [deployerAddress, vsAddress, config.slashing]);
  const governorAddress = await ensure("LuniverseGovernor", "uups", [
    vsAddress,
    timelockAddress,
    config.governance.votingDelay,
    config.governance.votingPeriod,
  ]);
  const councilAddress = await ensure("EmergencyCouncil", "uups", [timelockAddress, councilMembers]);
  const registryAddress = await ensure("ProductChainRegistry", "uups", [deployerAddress]);

  // tokens and bridge (a single-chain deployment hosts the product side too; see deploy:product-chain)
  const mainTokenImpl = await ensure("MainToken", "implementation", []);
  const mainTokenFactoryAddress = await ensure("MainTokenFactory", "uups", [deployerAddress, mainTokenImpl, registryAddress]);
  const mainBridgeAddress = await ensure("MainBridge", "uups", [deployerAddress, bridgeSigners, config.bridgeThreshold]);
  const productBridgeAddress = await ensure("ProductBridge", "uups", [deployerAddress, bridgeSigners, config.bridgeThreshold]);
  const productTokenImpl = await ensure("ProductToken", "implementation", []);
  const productTokenFactoryAddress = await ensure("ProductTokenFactory", "uups", [
    deployerAddress,
    productTokenImpl,
    productBridgeAddress,
  ]);

  const stakingToken = contractAt("StakingToken", tokenAddress, deployer);
  const validatorSet = contractAt("ValidatorSet", vsAddress, deployer);
  const slashing = contractAt("Slashing", slashingAddress, deployer);
  const timelock = contractAt("LuniverseTimelock", timelockAddress, deployer);
  const governor = contractAt("LuniverseGovernor", governorAddress, deployer);
  const council = contractAt("EmergencyCouncil", councilAddress, deployer);
  const chainRegistry = contractAt("ProductChainRegistry", registryAddress, deployer);
  const mainTokenFactory = contractAt("MainTokenFactory", mainTokenFactoryAddress, deployer);
  const mainBridge = contractAt("MainBridge", mainBridgeAddress, deployer);
  const productBridge = contractAt("ProductBridge", productBridgeAddress, deployer);
  const productTokenFactory = contractAt("ProductTokenFactory", productTokenFactoryAddress, deployer);

  // ---- wiring (each step checks first, so a re-run only does what is missing)
  // Genesis stake: top every genesis validator up to the genesis stake while the deployer still can.
  const genesisStake = config.genesisStake ?? config.validatorSet.minStake;
  const deployerIsAdmin = await validatorSet.hasRole(await validatorSet.GOVERNANCE_ROLE(), deployerAddress);
  if (deployerIsAdmin) {
    for (const v of genesisValidators) {
      const have = (await validatorSet.getValidator(v)).stake;
      if (have >= genesisStake) continue;
      const need = genesisStake - have;
      if ((await stakingToken.allowance(deployerAddress, vsAddress)) < need) {
        await (await stakingToken.approve(vsAddress, need)).wait();
      }
      await (await validatorSet.stakeFor(v, need)).wait();
      log(`ValidatorSet: bonded ${formatEther(need)} for genesis validator ${v}`);
    }
  }

  const tl = timelock as unknown as RoleHolder;
  await grant(tl, "LuniverseTimelock", "PROPOSER_ROLE", await timelock.PROPOSER_ROLE(), governorAddress);
  await grant(tl, "LuniverseTimelock", "EXECUTOR_ROLE", await timelock.EXECUTOR_ROLE(), governorAddress);
  await grant(tl, "LuniverseTimelock", "CANCELLER_ROLE", await timelock.CANCELLER_ROLE(), governorAddress);
  await grant(tl, "LuniverseTimelock", "CANCELLER_ROLE", await timelock.CANCELLER_ROLE(), councilAddress);

  await grant(validatorSet as unknown as RoleHolder, "ValidatorSet", "SLASHER_ROLE", await validatorSet.SLASHER_ROLE(), slashingAddress);
  const CP_ROLE = await chainRegistry.CP_ROLE();
  for (const cp of consortiumPartners) {
    if (!(await chainRegistry.hasRole(CP_ROLE, cp))) {
      if (!(await chainRegistry.hasRole(await chainRegistry.GOVERNANCE_ROLE(), deployerAddress))) {
        throw new ConfigError(`consortium partner ${cp} must be granted CP_ROLE by governance now (gov:propose)`);
      }
      await grant(chainRegistry as unknown as RoleHolder, "ProductChainRegistry", "CP_ROLE", CP_ROLE, cp);
    }
  }
  // A product chain that governance suspends or retires in the registry stops bridging (contracts/bridge/MainBridge.sol).
  await setChainRegistry(mainBridge as unknown as ChainStatusFollower, "MainBridge", registryAddress);
  // Product chains only (config nodeOwnerSync, deploy/ownerSync.ts): NodeOwnerSync, which applies the main chain's node-owner
  // swaps once the bridge signers confirm them, gets GOVERNANCE_ROLE on the validator set before the set is handed over.
  const ownerSync = config.nodeOwnerSync
    ? await deployNodeOwnerSync(ctx, {
        manifest: m,
        save,
        deployer,
        timelock: timelockAddress,
        council: councilAddress,
        validatorSet: vsAddress,
        signerSource: productBridgeAddress,
        chainRegistry: registryAddress,
        ownersNonce: config.nodeOwnerSync.ownersNonce ?? 0,
        log,
      })
    : undefined;
  // Hand over: from here on only governance (the timelock) administers the system.
  const governed = (
    [
      ["ValidatorSet", validatorSet],
      ["Slashing", slashing],
      ["ProductChainRegistry", chainRegistry],
      ["MainTokenFactory", mainTokenFactory],
      ["MainBridge", mainBridge],
      ["ProductBridge", productBridge],
      ["ProductTokenFactory", productTokenFactory],
    ] as [string, unknown][]
  ).map(([name, c]) => [name, c as GovernedContract] as [string, GovernedContract]);
  await handOver(governed, timelockAddress, councilAddress);
  await renounce(tl, "LuniverseTimelock", "DEFAULT_ADMIN_ROLE", await timelock.DEFAULT_ADMIN_ROLE());

  // token economy (deploy/economy.ts): template and reward-engine factories, handed to governance there
  const economy = await deployEconomy(ctx, { manifest: m, save, deployer, timelock: timelockAddress, council: councilAddress, log });
  // DEX (deploy/dex.ts): wrapped native coin, listing registry, factory, router
  const dex = await deployDex(ctx, { deployer, manifest: m, timelock: timelockAddress, council: councilAddress }, { save, log });
  // anchoring (deploy/anchor.ts): the registry child chains anchor their blocks into, obeying the product chains' status
  await deployAnchor(ctx, { manifest: m, save, deployer, timelock: timelockAddress, council: councilAddress, chainRegistry: registryAddress, log });
  // gas policy (deploy/gas.ts): quotas, sponsors, abuse reports and blacklist of gas-free chains
  const { sponsors, ...gasParams } = config.gasPolicy;
  const { gasPolicy } = await deployGasPolicy(ctx, {
    manifest: m,
    save,
    deployer,
    validatorSet: vsAddress,
    timelock: timelockAddress,
    council: councilAddress,
    params: gasParams,
    ...(sponsors ? { sponsors } : {}),
    log,
  });
  save();

  return {
    manifest: m,
    deployer,
    stakingToken,
    validatorSet,
    slashing,
    timelock,
    governor,
    council,
    chainRegistry,
    mainTokenFactory,
    mainBridge,
    productBridge,
    productTokenFactory,
    templateFactory: economy.templateFactory,
    rewardEngineFactory: economy.rewardEngineFactory,
    dex,
    gasPolicy,
    ...(ownerSync ? { nodeOwnerSync: ownerSync.nodeOwnerSync } : {}),
    genesisValidators,
    councilMembers,
    bridgeSigners,
  };
}
