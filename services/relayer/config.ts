import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { getAddress, isAddress } from "ethers";
import { readManifest } from "../../deploy/manifest";
import { kebabCase } from "../../lib/args";
import { suggestKey } from "../../lib/config";
import { LuniverseError } from "../../lib/errors";

/** A relayer option or deployment lookup that cannot be used; the message names the flag and what to do. */
export class RelayerConfigError extends LuniverseError<"LUNIVERSE_RELAYER_CONFIG"> {
  override name = "RelayerConfigError";
  constructor(message: string) {
    super("LUNIVERSE_RELAYER_CONFIG", message);
  }
}

/** Everything one relayer process needs. Build it with {@link resolveRelayerOptions}. */
export interface RelayerOptions {
  /** Which signer this process is (1-based): its keystore is `<keystoreDir>/signer-<n>.json`. */
  signer: number;
  /** Folder of the keystores (default `keystores`). */
  keystoreDir: string;
  /** Explicit keystore file (overrides `keystoreDir`). */
  keystore?: string;
  /** Environment variable holding the keystore password (default `RELAYER_PASSWORD`); else a prompt on a TTY. */
  passwordEnv: string;
  /** The signer's key in an HSM token instead of a keystore (`--hsm-token`): the key `relayer-<n>` or `--hsm-key`. */
  hsm?: { token: string; key: string; pinEnv: string; module?: string };
  /** JSON-RPC URL of the main chain. */
  mainRpc: string;
  /** JSON-RPC URL of the product chain. */
  productRpc: string;
  /** MainBridge address; default: from the main chain's manifest. */
  mainBridge?: string;
  /** ProductBridge address; default: from the product chain's manifest. */
  productBridge?: string;
  /**
   * NodeOwnerSync address on the product chain: with it the relayer also carries the main chain's node-owner swaps
   * of this product chain. Default: from the product chain's manifest when it records one; none: the duty is off.
   */
  ownerSync?: string;
  /** ProductChainRegistry address on the main chain (read for `NodeOwnerSwapped`); default: from the main chain's manifest. */
  chainRegistry?: string;
  /** Manifest files; default: the manifest in `deploymentsDir` whose chain id matches (or named by the network). */
  mainManifest?: string;
  productManifest?: string;
  /** Folder of the deployment manifests (default `LUNIVERSE_DEPLOYMENTS_DIR` or `deployments`). */
  deploymentsDir: string;
  /** Blocks an event must be buried under before it is confirmed (1 = the block itself is enough). Default 3. */
  confirmations: number;
  /** Milliseconds between polls of an idle chain (default 1000). */
  pollIntervalMs: number;
  /** Folder of the cursor files (default `.luniverse/relayer`). */
  stateDir: string;
  /** Port of the Prometheus endpoint (`GET /metrics`); undefined: none. */
  metricsPort?: number;
  /** First block to scan when there is no cursor yet (default 0 on both chains). */
  mainStartBlock: number;
  productStartBlock: number;
  /** Most blocks per eth_getLogs call (default 2000). */
  blockChunk: number;
  /** Cap of the retry backoff in ms (default 30 s). */
  maxBackoffMs: number;
}

export const RELAYER_DEFAULTS = {
  keystoreDir: "keystores",
  passwordEnv: "RELAYER_PASSWORD",
  deploymentsDir: process.env.LUNIVERSE_DEPLOYMENTS_DIR ?? "deployments",
  confirmations: 3,
  pollIntervalMs: 1_000,
  stateDir: path.join(".luniverse", "relayer"),
  mainStartBlock: 0,
  productStartBlock: 0,
  blockChunk: 2_000,
  maxBackoffMs: 30_000,
} as const;

/** Raw options as flags give them (strings or numbers); unknown keys are an error naming the key. */
export type RawRelayerOptions = Record<string, string | number | boolean | undefined>;

/** Every relayer option (camelCase; on the command line in kebab-case). */
export const RELAYER_OPTION_KEYS = [
  "signer",
  "keystoreDir",
  "keystore",
  "passwordEnv",
  "hsmToken",
  "hsmKey",
  "hsmPinEnv",
  "hsmModule",
  "mainRpc",
  "productRpc",
  "mainBridge",
  "productBridge",
  "ownerSync",
  "chainRegistry",
  "mainManifest",
  "productManifest",
  "deploymentsDir",
  "confirmations",
  "pollIntervalMs",
  "stateDir",
  "metricsPort",
  "mainStartBlock",
  "productStartBlock",
  "blockChunk",
  "maxBackoffMs",
] as const;

const KNOWN = new Set<string>(RELAYER_OPTION_KEYS);

function int(flag: string, value: string | number | boolean | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = typeof value === "number" ? value : /^\d+$/.test(String(value)) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new RelayerConfigError(`--${kebab(flag)} must be an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ""}, got "${String(value)}"`);
  }
  return n;
}

function url(flag: string, value: string | number | boolean | undefined): string {
  if (value === undefined || value === "") throw new RelayerConfigError(`--${kebab(flag)} is required: the JSON-RPC URL (http://…) of that chain`);
  const s = String(value);
  if (!/^https?:\/\/.+/.test(s)) throw new RelayerConfigError(`--${kebab(flag)} must be an http(s) JSON-RPC URL, got "${s}"`);
  return s;
}

function address(flag: string, value: string | number | boolean | undefined): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (!isAddress(String(value))) throw new RelayerConfigError(`--${kebab(flag)} is not a valid address: "${String(value)}"`);
  return getAddress(String(value));
}

/** `mainRpc` → `main-rpc`. */
export const kebab = kebabCase;

function str(v: string | number | boolean | undefined): string | undefined {
  return v === undefined || v === "" ? undefined : String(v);
}

/** Validates raw options and fills defaults. */
export function resolveRelayerOptions(raw: RawRelayerOptions): RelayerOptions {
  for (const k of Object.keys(raw)) {
    if (!KNOWN.has(k)) {
      const meant = suggestKey(k, RELAYER_OPTION_KEYS);
      throw new RelayerConfigError(`unknown relayer option --${kebab(k)}${meant ? ` (did you mean --${kebab(meant)}?)` : ""}; known: ${[...KNOWN].map((x) => `--${kebab(x)}`).join(", ")}`);
    }
  }
  const signer = int("signer", raw.signer, 1, 32);
  if (signer === undefined) throw new RelayerConfigError("--signer is required: which signer this process is (1..6 for the default set)");
  const hsmToken = str(raw.hsmToken);
  if (hsmToken === undefined && (raw.hsmKey !== undefined || raw.hsmPinEnv !== undefined || raw.hsmModule !== undefined)) {
    throw new RelayerConfigError("--hsm-key, --hsm-pin-env and --hsm-module need --hsm-token (the label of the HSM token holding the signer's key)");
  }
  if (hsmToken !== undefined && str(raw.keystore) !== undefined) {
    throw new RelayerConfigError("give the signer's key either in an HSM (--hsm-token) or in a keystore (--keystore), not both");
  }
  return {
    hsm: hsmToken === undefined ? undefined : { token: hsmToken, key: str(raw.hsmKey) ?? `relayer-${signer}`, pinEnv: str(raw.hsmPinEnv) ?? "HSM_PIN", module: str(raw.hsmModule) },
    signer,
    keystoreDir: str(raw.keystoreDir) ?? RELAYER_DEFAULTS.keystoreDir,
    keystore: str(raw.keystore),
    passwordEnv: str(raw.passwordEnv) ?? RELAYER_DEFAULTS.passwordEnv,
    mainRpc: url("mainRpc", raw.mainRpc),
    productRpc: url("productRpc", raw.productRpc),
    mainBridge: address("mainBridge", raw.mainBridge),
    productBridge: address("productBridge", raw.productBridge),
    ownerSync: address("ownerSync", raw.ownerSync),
    chainRegistry: address("chainRegistry", raw.chainRegistry),
    mainManifest: str(raw.mainManifest),
    productManifest: str(raw.productManifest),
    deploymentsDir: str(raw.deploymentsDir) ?? RELAYER_DEFAULTS.deploymentsDir,
    confirmations: int("confirmations", raw.confirmations, 1, 10_000) ?? RELAYER_DEFAULTS.confirmations,
    pollIntervalMs: int("pollIntervalMs", raw.pollIntervalMs, 10, 3_600_000) ?? RELAYER_DEFAULTS.pollIntervalMs,
    stateDir: str(raw.stateDir) ?? RELAYER_DEFAULTS.stateDir,
    metricsPort: int("metricsPort", raw.metricsPort, 0, 65_535),
    mainStartBlock: int("mainStartBlock", raw.mainStartBlock, 0) ?? RELAYER_DEFAULTS.mainStartBlock,
    productStartBlock: int("productStartBlock", raw.productStartBlock, 0) ?? RELAYER_DEFAULTS.productStartBlock,
    blockChunk: int("blockChunk", raw.blockChunk, 1, 100_000) ?? RELAYER_DEFAULTS.blockChunk,
    maxBackoffMs: int("maxBackoffMs", raw.maxBackoffMs, 10) ?? RELAYER_DEFAULTS.maxBackoffMs,
  };
}

/** The keystore file of a relayer. */
export function keystoreFile(o: Pick<RelayerOptions, "keystore" | "keystoreDir" | "signer">): string {
  return o.keystore ?? path.join(o.keystoreDir, `signer-${o.signer}.json`);
}

/**
 * Finds the address of `contract` on chain `chainId`: the explicit flag, else the given manifest, else the one
 * manifest in `dir` recorded for that chain id that holds the contract.
 */
export function findBridgeAddress(contract: "MainBridge" | "ProductBridge", chainId: bigint, explicit: string | undefined, manifestFile: string | undefined, dir: string): string {
  if (explicit) return explicit;
  const flag = contract === "MainBridge" ? "main" : "product";
  const found = findInManifests(contract, chainId, manifestFile, dir, flag, `${flag}-bridge`);
  if (found !== undefined) return found;
  if (manifestFile) throw new RelayerConfigError(`${manifestFile} has no ${contract}; deploy it or pass --${flag}-bridge`);
  throw new RelayerConfigError(
    `no manifest in ${dir}/ records a ${contract} on chain ${chainId}; deploy it (npx hardhat ${flag === "main" ? "deploy:system" : "deploy:product-chain"}) or pass --${flag}-bridge <address>`,
  );
}

/** The contracts of the node-owner duty: the main chain's registry and the product chain's NodeOwnerSync. */
export interface OwnerSyncAddresses {
  chainRegistry: string;
  ownerSync: string;
}

/**
 * Finds the contracts of the node-owner duty: `--owner-sync`, else the product chain's manifest (as for the bridges:
 * the given one, else the one in `dir` for that chain id) when it records a NodeOwnerSync; none found: the duty is
 * off (undefined). The main chain's ProductChainRegistry comes from `--chain-registry` or the main chain's manifest and
 * is then required.
 */
export function findOwnerSyncAddresses(
  o: Pick<RelayerOptions, "ownerSync" | "chainRegistry" | "mainManifest" | "productManifest" | "deploymentsDir">,
  mainChainId: bigint,
  productChainId: bigint,
): OwnerSyncAddresses | undefined {
  const ownerSync = o.ownerSync ?? findInManifests("NodeOwnerSync", productChainId, o.productManifest, o.deploymentsDir, "product", "owner-sync");
  if (!ownerSync) {
    if (o.chainRegistry) {
      throw new RelayerConfigError(`--chain-registry is for the node-owner duty, but the product chain ${productChainId} has no NodeOwnerSync in its manifest; pass --owner-sync <address>`);
    }
    return undefined;
  }
  const chainRegistry = o.chainRegistry ?? findInManifests("ProductChainRegistry", mainChainId, o.mainManifest, o.deploymentsDir, "main", "chain-registry");
  if (!chainRegistry) {
    throw new RelayerConfigError(
      `no manifest in ${o.deploymentsDir}/ records a ProductChainRegistry on the main chain ${mainChainId}; the node-owner duty needs it: pass --chain-registry <address>`,
    );
  }
  return { chainRegistry, ownerSync };
}

/** `contract` on chain `chainId` from the given manifest, else the one manifest in `dir` for that chain id; undefined when none. */
function findInManifests(contract: string, chainId: bigint, manifestFile: string | undefined, dir: string, side: "main" | "product", flag: string): string | undefined {
  if (manifestFile) {
    const m = readManifest(manifestFile);
    if (!m) throw new RelayerConfigError(`--${side}-manifest ${manifestFile} does not exist`);
    if (BigInt(m.chainId) !== chainId) throw new RelayerConfigError(`${manifestFile} is for chain ${m.chainId}, but the ${side} chain RPC is chain ${chainId}`);
    const entry = m.contracts[contract];
    return entry ? getAddress(entry.address) : undefined;
  }
  const found: { file: string; address: string }[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith(".json"))) {
      const file = path.join(dir, f);
      try {
        const m = readManifest(file);
        if (m && BigInt(m.chainId) === chainId && m.contracts[contract]) found.push({ file, address: getAddress(m.contracts[contract].address) });
      } catch {
        // not a manifest
      }
    }
  }
  const distinct = [...new Set(found.map((x) => x.address))];
  if (distinct.length > 1) {
    throw new RelayerConfigError(`several manifests record a ${contract} on chain ${chainId} (${found.map((x) => x.file).join(", ")}); choose with --${side}-manifest or --${flag}`);
  }
  return distinct[0];
}
