import { ZeroAddress, isAddress, type Signer } from "ethers";
import { ConfigError } from "./config";
import { contractAt, resolveDeployContext, type DeployTarget } from "./context";
import type { Manifest } from "./manifest";
import { deploySteps, type ChainStatusFollower, type GovernedContract } from "./steps";
import type { AnchorRegistry } from "../typechain-types";

/** Manifest names of the anchoring contracts (one UUPS proxy). */
export const ANCHOR_CONTRACTS = ["AnchorRegistry"] as const;

/** A child chain registered at deployment, while the deployer still governs the registry. */
export interface AnchorChildConfig {
  /** The child's chain id. */
  chainId: bigint | number;
  /** The first block its anchoring covers (default 0). */
  startBlock?: bigint | number;
  /** Its authorised anchorers (default none: governance adds them with anchor:authorize). */
  anchorers?: string[];
}

/** What {@link deployAnchor} needs from the system deployment it joins (a `deploySystem` context fits). */
export interface DeployAnchorContext {
  /** The manifest being written (an existing `AnchorRegistry` entry with code is reused). */
  manifest: Manifest;
  /** Persists the manifest. */
  save: () => void;
  /** Sends the transactions (default: the context's deployer, account 0). */
  deployer?: Signer;
  /** The governance timelock: receives `DEFAULT_ADMIN_ROLE` and `GOVERNANCE_ROLE`. */
  timelock: string;
  /** The emergency council: receives `PAUSER_ROLE`. */
  council: string;
  /** Child chains to register (and their anchorers) before the hand-over. */
  children?: AnchorChildConfig[];
  /**
   * The main chain's ProductChainRegistry: a product chain it suspends or retires anchors no more
   * (`AnchorRegistry.setChainRegistry`). Default: none (e.g. the phase-2 registry on Ethereum).
   */
  chainRegistry?: string;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

export interface DeployAnchorResult {
  anchorRegistry: AnchorRegistry;
}

/**
 * Deploys (or completes) the anchor registry (UUPS proxy, manifest name `AnchorRegistry`), registers the
 * configured child chains and their anchorers and points it at the product-chain registry (when given) while the
 * deployer still governs it, then hands it to governance: the timelock gets `DEFAULT_ADMIN_ROLE` and
 * `GOVERNANCE_ROLE`, the council `PAUSER_ROLE`, and the deployer renounces its roles. Idempotent like
 * `deploySystem`; once governance holds the registry, children or a product-chain registry still missing are
 * reported as a {@link ConfigError} naming the task that proposes them.
 */
export async function deployAnchor(target: DeployTarget, ctx: DeployAnchorContext): Promise<DeployAnchorResult> {
  const chain = await resolveDeployContext(target);
  const log = ctx.log ?? (() => undefined);
  const deployer = ctx.deployer ?? chain.deployer;
  const deployerAddress = await deployer.getAddress();
  for (const [what, address] of [
    ["timelock", ctx.timelock],
    ["council", ctx.council],
    ...(ctx.chainRegistry === undefined ? [] : [["chainRegistry", ctx.chainRegistry] as const]),
  ] as const) {
    if (!isAddress(address) || address === ZeroAddress) throw new ConfigError(`deployAnchor: ${what} must be an address, got "${address}"`);
  }

  const { ensure, handOver, setChainRegistry } = deploySteps(chain, { manifest: ctx.manifest, save: ctx.save, deployer, log });
  const address = await ensure("AnchorRegistry", "uups", [deployerAddress]);
  const registry = contractAt("AnchorRegistry", address, deployer);

  const governs = await registry.hasRole(await registry.GOVERNANCE_ROLE(), deployerAddress);
  for (const child of ctx.children ?? []) {
    const chainId = BigInt(child.chainId);
    const startBlock = BigInt(child.startBlock ?? 0);
    const anchorers = child.anchorers ?? [];
    const [registered] = await registry.getChild(chainId);
    const missing: string[] = [];
    for (const a of anchorers) if (!(await registry.isAnchorer(chainId, a))) missing.push(a);
    if (registered && missing.length === 0) continue;
    if (!governs) {
      throw new ConfigError(
        `AnchorRegistry belongs to governance: propose child ${chainId} and its anchorers with ` +
          `npx hardhat anchor:authorize --network ${chain.networkName} --child-chain-id ${chainId} --start-block ${startBlock} --anchorer <address>`,
      );
    }
    if (!registered) {
      await (await registry.registerChild(chainId, startBlock)).wait();
      log(`AnchorRegistry: registered child chain ${chainId} from block ${startBlock}`);
    }
    for (const a of missing) {
      await (await registry.setAnchorer(chainId, a, true)).wait();
      log(`AnchorRegistry: ${a} anchors chain ${chainId}`);
    }
  }

  if (ctx.chainRegistry !== undefined) await setChainRegistry(registry as unknown as ChainStatusFollower, "AnchorRegistry", ctx.chainRegistry);

  await handOver([["AnchorRegistry", registry as unknown as GovernedContract]], ctx.timelock, ctx.council);
  ctx.save();
  return { anchorRegistry: registry };
}
