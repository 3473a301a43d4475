import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress, HDNodeWallet, type JsonRpcProvider, type Signer, type Wallet } from "ethers";
import { readManifest } from "../../deploy/manifest";
import { loadKeystore } from "../../lib/keystore";
import { openHsmSigner, type HsmSigner } from "../../lib/hsmSigner";
import { devWallet } from "../../lib/accounts";
import type { AnchorRegistry } from "../../typechain-types";
import { AnchorError } from "./errors";
import { typechain } from "../../lib/typechain";

/** The development mnemonic of Hardhat and anvil (their default accounts). Never for real networks. */

export interface RegistryLocation {
  /** The registry's address, when given explicitly (`--registry`). */
  registry?: string;
  /** A deployment manifest that records `AnchorRegistry` (`--manifest`). */
  manifest?: string;
  /** Folder searched for a manifest of the parent chain when neither is given (default `deployments`). */
  deploymentsDir?: string;
}

/**
 * Finds the anchor registry on the parent chain: `registry` when given, else the `AnchorRegistry` of `manifest`,
 * else of the (first by name) manifest in `deploymentsDir` for the parent's chain id. Checks that code is there.
 */
export async function resolveRegistry(parent: JsonRpcProvider, parentChainId: bigint, where: RegistryLocation): Promise<string> {
  let address: string | undefined;
  let source: string;
  if (where.registry !== undefined && where.registry !== "") {
    if (!isAddress(where.registry)) throw new AnchorError("ANCHOR_CONFIG", `--registry is not an address: "${where.registry}"`);
    address = getAddress(where.registry);
    source = "--registry";
  } else if (where.manifest !== undefined && where.manifest !== "") {
    if (!existsSync(where.manifest)) throw new AnchorError("ANCHOR_CONFIG", `--manifest ${where.manifest} does not exist`);
    const m = readManifest(where.manifest)!;
    if (BigInt(m.chainId) !== parentChainId) {
      throw new AnchorError("ANCHOR_CONFIG", `--manifest ${where.manifest} is for chain ${m.chainId}, but the parent is chain ${parentChainId}`);
    }
    address = m.contracts.AnchorRegistry?.address;
    if (address === undefined) throw new AnchorError("ANCHOR_REGISTRY", `${where.manifest} records no AnchorRegistry; deploy one (anchor:deploy) or give --registry`);
    source = where.manifest;
  } else {
    const dir = where.deploymentsDir ?? "deployments";
    const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".json")).sort() : [];
    for (const f of files) {
      try {
        const m = readManifest(path.join(dir, f));
        if (m && BigInt(m.chainId) === parentChainId && m.contracts.AnchorRegistry) {
          address = m.contracts.AnchorRegistry.address;
          break;
        }
      } catch {
        // not a manifest: skip
      }
    }
    if (address === undefined) {
      throw new AnchorError(
        "ANCHOR_REGISTRY",
        `no manifest in ${dir}/ records an AnchorRegistry on chain ${parentChainId}; give --registry <address> or --manifest <file>`,
      );
    }
    source = `${dir}/ (chain ${parentChainId})`;
  }
  if ((await parent.getCode(address)) === "0x") {
    throw new AnchorError("ANCHOR_REGISTRY", `no contract at ${address} (from ${source}) on parent chain ${parentChainId}; deploy the registry first (anchor:deploy)`);
  }
  return address;
}

/** The registry at `address`, read through `runner` (a provider, or a signer to anchor). */
export function registryAt(address: string, runner: JsonRpcProvider | Signer): AnchorRegistry {
  return typechain().AnchorRegistry__factory.connect(address, runner);
}

export interface AnchorKey {
  /** An encrypted JSON keystore (`--keystore`); its password comes from `passwordEnv` or a prompt. */
  keystore?: string;
  /** Environment variable holding the keystore's password (default KEYSTORE_PASSWORD). */
  passwordEnv?: string;
  /** Index of a development account of the Hardhat/anvil mnemonic (`--dev-account`), when there is no keystore. */
  devAccount?: number;
  /** A key in an HSM token (`--hsm-token`, `--hsm-key`; PIN from `pinEnv`, default HSM_PIN). */
  hsm?: { token: string; key: string; pinEnv?: string; module?: string };
}

/** The anchorer's key: the keystore when given, else the development account (default 0). */
export async function loadAnchorKey(key: AnchorKey): Promise<Wallet | HDNodeWallet | HsmSigner> {
  if (key.hsm !== undefined) {
    if ((key.keystore !== undefined && key.keystore !== "") || key.devAccount !== undefined) throw new AnchorError("ANCHOR_CONFIG", "give one key: --hsm-token, --keystore or --dev-account");
    return openHsmSigner(key.hsm);
  }
  if (key.keystore !== undefined && key.keystore !== "") {
    if (key.devAccount !== undefined) throw new AnchorError("ANCHOR_CONFIG", "give either --keystore or --dev-account, not both");
    return loadKeystore(key.keystore, { passwordEnv: key.passwordEnv });
  }
  const index = key.devAccount ?? 0;
  if (!Number.isInteger(index) || index < 0 || index > 1000) throw new AnchorError("ANCHOR_CONFIG", `--dev-account must be an integer 0..1000, got ${index}`);
  return devWallet(index);
}
