import { getAddress, NonceManager, type Signer } from "ethers";
import type { AnchorRegistry } from "../../typechain-types";
import { writeManifest, readManifest, type Manifest } from "../../deploy/manifest";
import { artifactDeployContext, contractAt } from "../../deploy/context";
import { AnchorError } from "./errors";

export interface DeployRegistryOptions {
  /** Sends the transactions; connected to the parent chain. */
  deployer: Signer;
  /** Who governs the registry afterwards (default: the deployer). On Ethereum: a multi-sig or timelock. */
  admin?: string;
  /** Child chains to register, with their anchorers. */
  children?: { chainId: bigint; startBlock: bigint; anchorers: string[] }[];
  /** Record the registry in this manifest file (created if missing) as `AnchorRegistry`. */
  manifestFile?: string;
  /** Manifest `network` name for a new file (default `chain-<id>`). */
  network?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface DeployRegistryResult {
  registry: AnchorRegistry;
  address: string;
  implementation: string;
  chainId: bigint;
}

/**
 * Deploys an `AnchorRegistry` (implementation + ERC-1967 UUPS proxy) on any EVM chain reached through the
 * deployer's provider — e.g. the Ethereum side of phase 2, which has no Luniverse system — registers the given
 * child chains and anchorers, then hands the admin roles to `admin` when that is not the deployer.
 * (On the main chain, `deploy/anchor.ts` deploys it with the rest of the system instead.)
 */
export async function deployAnchorRegistry(options: DeployRegistryOptions): Promise<DeployRegistryResult> {
  const log = options.log ?? (() => undefined);
  // Count nonces locally: on an automining chain the next transaction follows faster than the provider's cache.
  const deployer = new NonceManager(options.deployer);
  const me = await deployer.getAddress();
  const admin = getAddress(options.admin ?? me);
  const chainId = (await deployer.provider!.getNetwork()).chainId;

  // implementation + the upgrades plugin's ERC-1967 proxy, as every UUPS contract of the system is deployed
  const ctx = await artifactDeployContext(deployer);
  const { address, implementation } = await ctx.deployProxy("AnchorRegistry", [me], deployer);
  const registry = contractAt("AnchorRegistry", address, deployer);
  log(`AnchorRegistry: deployed at ${address} (implementation ${implementation}) on chain ${chainId}`);

  for (const c of options.children ?? []) {
    await (await registry.registerChild(c.chainId, c.startBlock)).wait();
    log(`AnchorRegistry: registered child chain ${c.chainId} from block ${c.startBlock}`);
    for (const a of c.anchorers) {
      await (await registry.setAnchorer(c.chainId, a, true)).wait();
      log(`AnchorRegistry: ${a} anchors chain ${c.chainId}`);
    }
  }
  if (admin !== me) {
    for (const role of [await registry.GOVERNANCE_ROLE(), await registry.DEFAULT_ADMIN_ROLE()]) await (await registry.grantRole(role, admin)).wait();
    await (await registry.renounceRole(await registry.GOVERNANCE_ROLE(), me)).wait();
    await (await registry.renounceRole(await registry.DEFAULT_ADMIN_ROLE(), me)).wait();
    log(`AnchorRegistry: handed to ${admin}`);
  }

  if (options.manifestFile) {
    const m: Manifest = readManifest(options.manifestFile) ?? {
      network: options.network ?? `chain-${chainId}`,
      chainId: Number(chainId),
      deployer: me,
      updatedAt: new Date().toISOString(),
      contracts: {},
    };
    if (BigInt(m.chainId) !== chainId) throw new AnchorError("ANCHOR_CONFIG", `${options.manifestFile} is for chain ${m.chainId}, not ${chainId}; choose another --out`);
    m.contracts.AnchorRegistry = { name: "AnchorRegistry", address, proxyKind: "uups", implementation };
    m.updatedAt = new Date().toISOString();
    writeManifest(options.manifestFile, m);
    log(`manifest ${options.manifestFile} updated`);
  }
  return { registry, address, implementation, chainId };
}
