import type { Addressable, Signer } from "ethers";
import { ConfigError } from "./config";
import { contractAt, resolveDeployContext, type DeployTarget } from "./context";
import type { Manifest } from "./manifest";
import { deploySteps, type GovernedContract, type RoleHolder } from "./steps";
import type { DexFactory, DexListingRegistry, DexRouter, WrappedNative } from "../typechain-types";

/** Contract names of the DEX in the manifest, in deployment order. */
export const DEX_CONTRACTS = ["WrappedNative", "DexListingRegistry", "DexFactory", "DexRouter"] as const;

/** The DEX contracts recorded with proxy kind "none" (plain deployments); the others are UUPS proxies. */
export const DEX_PLAIN_CONTRACTS = ["WrappedNative", "DexRouter"] as const;

/** Swap fee of new deployments, in basis points (Uniswap V2's 0.3 %). */
export const DEFAULT_SWAP_FEE_BPS = 30;

/** Report hash recorded when governance lists the wrapped native coin at deployment. */
export const WRAPPED_NATIVE_LISTING_HASH = "0x" + Buffer.from("luniverse:wrapped-native-coin").toString("hex").padEnd(64, "0");

/**
 * What the DEX needs from the system deployment: the deployer (who still administers the DEX until
 * handover), the manifest to record into, and the governance timelock and emergency council. A
 * `DeploySystemResult` fits as it is.
 */
export interface DexDeployContext {
  deployer: Signer;
  manifest: Manifest;
  timelock: string | Addressable;
  council: string | Addressable;
}

export interface DeployDexOptions {
  /** Persists the manifest after each change (deploySystem's `save`); default: none. */
  save?: () => void;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
  /** Swap fee of a new factory in basis points, 0..100 (default 30). Later changes are governance's. */
  swapFeeBps?: number;
  /** Protocol-fee recipient set at deployment (default: none, protocol fee off). */
  feeTo?: string;
  /** Listing reviewers appointed at deployment (default: the deployer, as the first consortium partner). */
  reviewers?: string[];
  /** Use this existing WETH-like contract instead of deploying WrappedNative. */
  wrappedNative?: string;
  /** Name and symbol of a new WrappedNative (default "Wrapped Native Coin", "WNATIVE"). */
  wrappedNativeName?: string;
  wrappedNativeSymbol?: string;
}

/** The deployed DEX: typed handles. */
export interface DeployDexResult {
  wrappedNative: WrappedNative;
  listingRegistry: DexListingRegistry;
  factory: DexFactory;
  router: DexRouter;
}


async function addressOf(a: string | Addressable): Promise<string> {
  return typeof a === "string" ? a : a.getAddress();
}

/**
 * Deploys (or completes) the DEX: WrappedNative, DexListingRegistry (UUPS), DexFactory (UUPS) and DexRouter,
 * recorded in `ctx.manifest` under those names. Idempotent like deploySystem: a recorded contract that still
 * has code is reused and every wiring step checks before it acts. Lists the wrapped native coin, appoints
 * the reviewers, gives the council `PAUSER_ROLE` and governance (the timelock) `DEFAULT_ADMIN_ROLE` and
 * `GOVERNANCE_ROLE`, then the deployer renounces its roles.
 */
export async function deployDex(target: DeployTarget, ctx: DexDeployContext, options: DeployDexOptions = {}): Promise<DeployDexResult> {
  const chain = await resolveDeployContext(target);
  const log = options.log ?? (() => undefined);
  const save = options.save ?? (() => undefined);
  const m = ctx.manifest;
  const deployer = ctx.deployer;
  const deployerAddress = await deployer.getAddress();
  const timelockAddress = await addressOf(ctx.timelock);
  const councilAddress = await addressOf(ctx.council);
  const swapFeeBps = options.swapFeeBps ?? DEFAULT_SWAP_FEE_BPS;
  if (!Number.isInteger(swapFeeBps) || swapFeeBps < 0 || swapFeeBps > 100) {
    throw new ConfigError(`DEX swapFeeBps must be an integer from 0 to 100 (basis points), got ${swapFeeBps}`);
  }
  const reviewers = options.reviewers ?? [deployerAddress];

  const { ensure, grant, handOver } = deploySteps(chain, { manifest: m, save, deployer, log });

  // ---- contracts
  let wethAddress: string;
  if (options.wrappedNative) {
    wethAddress = options.wrappedNative;
    m.contracts.WrappedNative = { name: "WrappedNative", address: wethAddress, proxyKind: "none" };
  } else {
    wethAddress = await ensure("WrappedNative", "none", [
      options.wrappedNativeName ?? "Wrapped Native Coin",
      options.wrappedNativeSymbol ?? "WNATIVE",
    ]);
  }
  const registryAddress = await ensure("DexListingRegistry", "uups", [deployerAddress]);
  const factoryAddress = await ensure("DexFactory", "uups", [deployerAddress, registryAddress, swapFeeBps]);
  const routerAddress = await ensure("DexRouter", "none", [factoryAddress, wethAddress]);

  const wrappedNative = contractAt("WrappedNative", wethAddress, deployer);
  const listingRegistry = contractAt("DexListingRegistry", registryAddress, deployer);
  const factory = contractAt("DexFactory", factoryAddress, deployer);
  const router = contractAt("DexRouter", routerAddress, deployer);

  // ---- wiring (each step checks first, so a re-run only does what is missing)
  const GOVERNANCE_ROLE = await listingRegistry.GOVERNANCE_ROLE();
  const deployerGoverns = async (c: RoleHolder) => c.hasRole(GOVERNANCE_ROLE, deployerAddress);
  const reg = listingRegistry as unknown as RoleHolder;
  const fac = factory as unknown as RoleHolder;

  if (!(await listingRegistry.isListed(wethAddress))) {
    if (!(await deployerGoverns(reg))) {
      throw new ConfigError(`the wrapped native coin ${wethAddress} must be listed by governance now (DexListingRegistry.governanceList)`);
    }
    await (await listingRegistry.governanceList(wethAddress, WRAPPED_NATIVE_LISTING_HASH)).wait();
    log(`DexListingRegistry: listed the wrapped native coin ${wethAddress}`);
  }
  const REVIEWER_ROLE = await listingRegistry.REVIEWER_ROLE();
  for (const reviewer of reviewers) {
    if (await listingRegistry.hasRole(REVIEWER_ROLE, reviewer)) continue;
    if (!(await deployerGoverns(reg))) {
      throw new ConfigError(`reviewer ${reviewer} must be granted REVIEWER_ROLE by governance now (gov:propose)`);
    }
    await grant(reg, "DexListingRegistry", "REVIEWER_ROLE", REVIEWER_ROLE, reviewer);
  }
  if (options.feeTo !== undefined && (await factory.feeTo()).toLowerCase() !== options.feeTo.toLowerCase()) {
    if (!(await deployerGoverns(fac))) {
      throw new ConfigError(`the protocol-fee recipient must be set by governance now (DexFactory.setFeeTo)`);
    }
    await (await factory.setFeeTo(options.feeTo)).wait();
    log(`DexFactory: protocol fee to ${options.feeTo}`);
  }

  // Hand over: from here on only governance (the timelock) administers the DEX.
  await handOver(
    [
      ["DexListingRegistry", listingRegistry as unknown as GovernedContract],
      ["DexFactory", factory as unknown as GovernedContract],
    ],
    timelockAddress,
    councilAddress,
  );
  m.updatedAt = new Date().toISOString();
  save();

  return { wrappedNative, listingRegistry, factory, router };
}
