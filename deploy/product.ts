import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { resolveConfig, type SystemConfig, ConfigError } from "./config";
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
export async function deployProductChain(
  hre: HardhatRuntimeEnvironment,
  options: DeployProductChainOptions = {},
): Promise<DeployProductChainResult> {
  const { ethers, network } = hre;
  const config = options.config ?? resolveConfig();
  const log = options.log ?? (() => undefined);
  const signers = await ethers.getSigners();
  const deployer = signers[0];
  if (deployer === undefined) throw new ConfigError(`network "${network.name}" has no accounts: configure one to deploy with`);
  const chainId = Number((await ethers.provider.getNetwork()).chainId);

  let bridgeSigners = config.bridgeSigners;
  if (!bridgeSigners) {
    bridgeSigners = signers.slice(10, 16).map((s) => s.address);
    if (bridgeSigners.length < 6) {
      throw new ConfigError(`network "${network.name}" has ${signers.length} accounts, too few for default bridgeSigners; set "bridgeSigners" in the config`);
    }
  }
  const admin = options.admin ?? deployer.address;
  const pauser = options.pauser ?? admin;

  const name = options.manifestNetwork ?? network.name;
  const file = options.manifestDir === null ? undefined : manifestPath(options.manifestDir ?? "deployments", name);
  const existing = file && !options.reset ? readManifest(file) : undefined;
  if (existing && existing.chainId !== chainId) {
    throw new ConfigError(`${file} records chain id ${existing.chainId} but network "${network.name}" is chain ${chainId}; deploy with --reset or move the file away`);
  }
  const m: Manifest = existing ?? { network: name, chainId, deployer: deployer.address, updatedAt: new Date().toISOString(), contracts: {} };
  const save = (): void => {
    m.updatedAt = new Date().toISOString();
    if (file) writeManifest(file, m);
  };
  const { ensure, grant, handOver } = deploySteps(hre, { manifest: m, save, deployer, log });

  const bridgeAddress = await ensure("ProductBridge", "uups", [deployer.address, bridgeSigners, config.bridgeThreshold]);
  const implementation = await ensure("ProductToken", "implementation", []);
  const factoryAddress = await ensure("ProductTokenFactory", "uups", [deployer.address, implementation, bridgeAddress]);
  const productBridge = (await ethers.getContractAt("ProductBridge", bridgeAddress, deployer)) as unknown as ProductBridge;
  const productTokenFactory = (await ethers.getContractAt("ProductTokenFactory", factoryAddress, deployer)) as unknown as ProductTokenFactory;

  if (admin.toLowerCase() === deployer.address.toLowerCase()) {
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
