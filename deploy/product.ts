import type { Signer } from "ethers";
import { DEV_ROLES } from "../lib/accounts";
import { defaultRoleAccounts } from "./system";
import { resolveConfig, type SystemConfig, ConfigError } from "./config";
import { contractAt, resolveDeployContext, type DeployTarget } from "./context";
import { manifestPath, readManifest, writeManifest, type Manifest } from "./manifest";
import { deploySteps, type GovernedContract } from "./steps";
import type { ProductBridge, ProductTokenFactory } from "../typechain-types";

export interface DeployProductChainOptions {
  /** Resolved configuration; only `bridgeSigners` and `bridgeThreshold` are used (default: the defaults). */
  config?: SystemConfig;
  /**
   * Who governs the product chain's contracts (`DEFAULT_ADMIN_ROLE` + `GOVERNANCE_ROLE`): registers pairs, sets
   * limits and signers, upgrades. Default: the deployer keeps them. When another address is given the deployer
   * hands over and renounces its roles.
   */
  admin?: string;
  /** Holder of `PAUSER_ROLE` (e.g. the product chain's council); default: `admin`. */
  pauser?: string;
  /** Folder of the manifests; `null` to neither read nor write one (tests). Default `deployments`. */
  manifestDir?: string | null;
  /** Manifest name (default: the network's name) — `deployments/<name>.json`. */
  manifestNetwork?: string;
  /** Ignore an existing manifest and deploy everything anew. */
  reset?: boolean;
  log?: (line: string) => void;
}

export interface DeployProductChainResult {
  manifest: Manifest;
  /** Path of the manifest written (undefined when `manifestDir` is null). */
  file?: string;
  deployer: Signer;
  productBridge: ProductBridge;
  productTokenFactory: ProductTokenFactory;
  productTokenImplementation: string;
  bridgeSigners: string[];
  admin: string;
}

/** Contracts of a product chain, in deployment order. */
export const PRODUCT_CHAIN_CONTRACTS = ["ProductBridge", "ProductToken", "ProductTokenFactory"] as const;

/**
 * Deploys (or completes) the product-chain side of the bridge on the connected network: the ProductBridge (UUPS),
 * the ProductToken implementation that product tokens are cloned from, and the ProductTokenFactory (UUPS) whose
 * tokens the bridge mints. Idempotent like `deploySystem` (same {@link deploySteps}); writes its own manifest.
 */
export async function deployProductChain(target: DeployTarget, options: DeployProductChainOptions = {}): Promise<DeployProductChainResult> {
  const ctx = await resolveDeployContext(target);
  const networkName = ctx.networkName;
  const config = options.config ?? resolveConfig();
  const log = options.log ?? (() => undefined);
  const deployer = ctx.deployer;
  const deployerAddress = await deployer.getAddress();
  const chainId = Number((await ctx.provider.getNetwork()).chainId);

  const bridgeSigners = config.bridgeSigners ?? defaultRoleAccounts(ctx, DEV_ROLES.signers, "bridgeSigners");
  const admin = options.admin ?? deployerAddress;
  const pauser = options.pauser ?? admin;

  const name = options.manifestNetwork ?? networkName;
  const file = options.manifestDir === null ? undefined : manifestPath(options.manifestDir ?? "deployments", name);
  const existing = file && !options.reset ? readManifest(file) : undefined;
  if (existing && existing.chainId !== chainId) {
    throw new ConfigError(`${file} records chain id ${existing.chainId} but network "${networkName}" is chain ${chainId}; deploy with --reset or move the file away`);
  }
  const m: Manifest = existing ?? { network: name, chainId, deployer: deployerAddress, updatedAt: new Date().toISOString(), contracts: {} };
  const save = (): void => {
    m.updatedAt = new Date().toISOString();
    if (file) writeManifest(file, m);
  };
  const { ensure, grant, handOver } = deploySteps(ctx, { manifest: m, save, deployer, log });

  const bridgeAddress = await ensure("ProductBridge", "uups", [deployerAddress, bridgeSigners, config.bridgeThreshold]);
  const implementation = await ensure("ProductToken", "implementation", []);
  const factoryAddress = await ensure("ProductTokenFactory", "uups", [deployerAddress, implementation, bridgeAddress]);
  const productBridge = contractAt("ProductBridge", bridgeAddress, deployer);
  const productTokenFactory = contractAt("ProductTokenFactory", factoryAddress, deployer);

  if (admin.toLowerCase() === deployerAddress.toLowerCase()) {
    if (pauser.toLowerCase() !== admin.toLowerCase()) {
      for (const [n, c] of [
        ["ProductBridge", productBridge],
        ["ProductTokenFactory", productTokenFactory],
      ] as const) {
        await grant(c as unknown as GovernedContract, n, "PAUSER_ROLE", await c.PAUSER_ROLE(), pauser);
      }
    }
  } else {
    await handOver(
      [
        ["ProductBridge", productBridge as unknown as GovernedContract],
        ["ProductTokenFactory", productTokenFactory as unknown as GovernedContract],
      ],
      admin,
      pauser,
    );
  }
  save();
  return { manifest: m, file, deployer, productBridge, productTokenFactory, productTokenImplementation: implementation, bridgeSigners, admin };
}
