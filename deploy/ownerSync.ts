import { ZeroAddress, isAddress, type Signer } from "ethers";
import { ConfigError } from "./config";
import { contractAt, resolveDeployContext, type DeployTarget } from "./context";
import type { Manifest } from "./manifest";
import { deploySteps, type GovernedContract, type RoleHolder } from "./steps";
import type { NodeOwnerSync } from "../typechain-types";

/** Manifest names of the node-owner sync (one UUPS proxy; product chains only). */
export const OWNER_SYNC_CONTRACTS = ["NodeOwnerSync"] as const;

/** What {@link deployNodeOwnerSync} needs from the product chain's system deployment (a `deploySystem` context fits). */
export interface DeployNodeOwnerSyncContext {
  /** The manifest being written (an existing `NodeOwnerSync` entry with code is reused). */
  manifest: Manifest;
  /** Persists the manifest. */
  save: () => void;
  /** Sends the transactions (default: the context's deployer, account 0). */
  deployer?: Signer;
  /** The governance timelock: receives `DEFAULT_ADMIN_ROLE` and `GOVERNANCE_ROLE`. */
  timelock: string;
  /** The emergency council: receives `PAUSER_ROLE`. */
  council: string;
  /** This chain's ValidatorSet: the swaps are applied to it; it must run with `minStake` 0. */
  validatorSet: string;
  /** This chain's ProductBridge: its current signer set and threshold confirm the swaps. */
  signerSource: string;
  /**
   * This chain's own ProductChainRegistry, if it has one: a registry with chains registered marks a main chain, which
   * is refused.
   */
  chainRegistry?: string;
  /** The main chain's `ownersNonce` of this chain that the genesis validators reflect (default 0). */
  ownersNonce?: number | bigint;
  /** Progress lines (default: silent). */
  log?: (line: string) => void;
}

export interface DeployNodeOwnerSyncResult {
  nodeOwnerSync: NodeOwnerSync;
}

/**
 * Deploys (or completes) a product chain's NodeOwnerSync (UUPS proxy, manifest name `NodeOwnerSync`): initialised with
 * the deployer as admin, the validator set, the bridge whose signers confirm swaps and the starting `ownersNonce`;
 * grants it `GOVERNANCE_ROLE` on the validator set (so call this BEFORE the validator set's hand-over), then hands it
 * to governance like every system contract. Idempotent like `deploySystem`.
 *
 * Refuses, with a {@link ConfigError}: a validator set whose `minStake` is not 0 (a swapped-in node owner would wait for
 * stake while the old one leaves), a chain whose ProductChainRegistry registers product chains (the main chain: its
 * validator set must never be governed by the bridge signers), and a missing role grant once governance holds the
 * validator set (the message names the proposal).
 */
export async function deployNodeOwnerSync(target: DeployTarget, ctx: DeployNodeOwnerSyncContext): Promise<DeployNodeOwnerSyncResult> {
  const chain = await resolveDeployContext(target);
  const log = ctx.log ?? (() => undefined);
  const deployer = ctx.deployer ?? chain.deployer;
  const deployerAddress = await deployer.getAddress();
  for (const [what, address] of [
    ["timelock", ctx.timelock],
    ["council", ctx.council],
    ["validatorSet", ctx.validatorSet],
    ["signerSource", ctx.signerSource],
    ...(ctx.chainRegistry === undefined ? [] : [["chainRegistry", ctx.chainRegistry] as const]),
  ] as const) {
    if (!isAddress(address) || address === ZeroAddress) throw new ConfigError(`deployNodeOwnerSync: ${what} must be an address, got "${address}"`);
  }
  const ownersNonce = BigInt(ctx.ownersNonce ?? 0);
  if (ownersNonce < 0n || ownersNonce >= 2n ** 64n) throw new ConfigError(`config key "nodeOwnerSync.ownersNonce" must fit in a uint64, got ${ownersNonce}`);

  const validatorSet = contractAt("ValidatorSet", ctx.validatorSet, deployer);
  const { minStake } = await validatorSet.params();
  if (minStake !== 0n) {
    throw new ConfigError(
      `nodeOwnerSync needs "validatorSet.minStake": 0 (this chain's validator set requires ${minStake}): a product chain's validators are its node owners, ` +
        "unstaked, and a swapped-in owner must be listed without stake",
    );
  }
  if (ctx.chainRegistry !== undefined) {
    const registered = await contractAt("ProductChainRegistry", ctx.chainRegistry, deployer).chainIds();
    if (registered.length > 0) {
      throw new ConfigError(
        `nodeOwnerSync is for product chains only, but this chain's ProductChainRegistry registers ${registered.length} product chain(s): ` +
          "it is a main chain, whose validator set must never be governed by the bridge signers; remove nodeOwnerSync from its config",
      );
    }
  }

  const { ensure, grant, handOver } = deploySteps(chain, { manifest: ctx.manifest, save: ctx.save, deployer, log });
  const address = await ensure("NodeOwnerSync", "uups", [deployerAddress, ctx.validatorSet, ctx.signerSource, ownersNonce]);
  const nodeOwnerSync = contractAt("NodeOwnerSync", address, deployer);

  const GOVERNANCE_ROLE = await validatorSet.GOVERNANCE_ROLE();
  if (!(await validatorSet.hasRole(GOVERNANCE_ROLE, address))) {
    if (!(await validatorSet.hasRole(await validatorSet.DEFAULT_ADMIN_ROLE(), deployerAddress))) {
      throw new ConfigError(
        `ValidatorSet belongs to governance: propose its GOVERNANCE_ROLE for NodeOwnerSync ${address} with ` +
          `npx hardhat gov:propose --network ${chain.networkName} --action call --target ValidatorSet --signature "grantRole(bytes32,address)" --args '["${GOVERNANCE_ROLE}","${address}"]'`,
      );
    }
    await grant(validatorSet as unknown as RoleHolder, "ValidatorSet", "GOVERNANCE_ROLE", GOVERNANCE_ROLE, address);
  }

  await handOver([["NodeOwnerSync", nodeOwnerSync as unknown as GovernedContract]], ctx.timelock, ctx.council);
  ctx.save();
  return { nodeOwnerSync };
}
