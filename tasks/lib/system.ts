import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";
import { manifestPath, readManifest, type Manifest } from "../../deploy/manifest";
import { TaskError } from "./errors";
import type { DeploySystemResult } from "../../deploy/system";

/** Folder of deployment manifests (`LUNIVERSE_DEPLOYMENTS_DIR` overrides `deployments`). */
export function deploymentsDir(): string {
  return process.env.LUNIVERSE_DEPLOYMENTS_DIR ?? "deployments";
}

/** The system contracts of the current network's manifest, connected to the task's signer. */
export type SystemHandles = { manifest: Manifest; signer: Signer } & Pick<
  DeploySystemResult,
  | "stakingToken"
  | "validatorSet"
  | "slashing"
  | "timelock"
  | "governor"
  | "council"
  | "chainRegistry"
  | "mainTokenFactory"
  | "mainBridge"
  | "productBridge"
  | "productTokenFactory"
>;

/**
 * Picks the account a task sends from: an index into the network's accounts ("0", "1", …) or one of
 * their addresses.
 */
export async function resolveSigner(hre: HardhatRuntimeEnvironment, from: string): Promise<Signer> {
  const signers = await hre.ethers.getSigners();
  if (/^\d+$/.test(from)) {
    const s = signers[Number(from)];
    if (!s) throw new TaskError(`--from ${from}: network "${hre.network.name}" has only ${signers.length} accounts (0..${signers.length - 1})`);
    return s;
  }
  const match = signers.find((s) => s.address.toLowerCase() === from.toLowerCase());
  if (!match) {
    throw new TaskError(`--from ${from} is not one of the accounts configured for network "${hre.network.name}"; give an index or one of their addresses`);
  }
  return match;
}

/** The current network's deployment manifest, a signer, and a typed accessor for its contracts. */
export interface Deployment {
  manifest: Manifest;
  file: string;
  signer: Signer;
  /** The contract recorded as `name`, connected to the signer; a clear error when missing or without code. */
  at<T>(name: string): Promise<T>;
}

/** Loads the current network's manifest (from {@link deploymentsDir}) and the `--from` signer. */
export async function loadDeployment(hre: HardhatRuntimeEnvironment, from = "0"): Promise<Deployment> {
  const file = manifestPath(deploymentsDir(), hre.network.name);
  const manifest = readManifest(file);
  if (!manifest) {
    throw new TaskError(
      `no deployment found for network "${hre.network.name}" (${file}). Deploy first: ` +
        `npx hardhat deploy:system --network ${hre.network.name} (or start a local chain with npm start and use --network localhost)`,
    );
  }
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  if (chainId !== manifest.chainId) {
    throw new TaskError(`${file} is for chain ${manifest.chainId} but network "${hre.network.name}" is chain ${chainId}`);
  }
  const signer = await resolveSigner(hre, from);
  const at = async <T>(name: string): Promise<T> => {
    const entry = manifest.contracts[name];
    if (!entry) throw new TaskError(`${file} has no ${name}; run npx hardhat deploy:system --network ${hre.network.name}`);
    if ((await hre.ethers.provider.getCode(entry.address)) === "0x") {
      throw new TaskError(
        `${name} at ${entry.address} (from ${file}) has no code on network "${hre.network.name}": the chain was reset. ` +
          `Deploy again with npx hardhat deploy:system --network ${hre.network.name} --reset`,
      );
    }
    return (await hre.ethers.getContractAt(name, entry.address, signer)) as unknown as T;
  };
  return { manifest, file, signer, at };
}

/** Loads the system deployed on the current network from its manifest, connected to `from`. */
export async function loadSystem(hre: HardhatRuntimeEnvironment, from = "0"): Promise<SystemHandles> {
  const { manifest, signer, at } = await loadDeployment(hre, from);
  return {
    manifest,
    signer,
    stakingToken: await at("StakingToken"),
    validatorSet: await at("ValidatorSet"),
    slashing: await at("Slashing"),
    timelock: await at("LuniverseTimelock"),
    governor: await at("LuniverseGovernor"),
    council: await at("EmergencyCouncil"),
    chainRegistry: await at("ProductChainRegistry"),
    mainTokenFactory: await at("MainTokenFactory"),
    mainBridge: await at("MainBridge"),
    productBridge: await at("ProductBridge"),
    productTokenFactory: await at("ProductTokenFactory"),
  };
}
