/**
 * Builds a genesis file with the system contracts predeployed — in this process: the node's genesis builder
 * (node/genesis/builder.ts) serves a scratch state in which every transaction runs as block 0 at the genesis
 * timestamp, `deploySystem` deploys into it from the compiled artifacts (deploy/context.ts
 * `artifactDeployContext`: typechain factories, UUPS proxies as implementation + the upgrades plugin's
 * ERC1967Proxy), and the state is written out as the genesis `alloc`. No Hardhat runtime, no child process.
 */
import { JsonRpcProvider, Network, type Signer } from "ethers";
import { DEV_ACCOUNT_COUNT, devAddresses } from "../../lib/accounts";
import { explainError } from "../../lib/revert";
import { resolveConfig, type SystemConfig } from "../../deploy/config";
import { artifactDeployContext, contractAt } from "../../deploy/context";
import type { Manifest } from "../../deploy/manifest";
import { deploySystem } from "../../deploy/system";
import { defaultValidationsFile, type UpgradesRecord, type ValidationData } from "../../deploy/upgradesRecord";
import { buildGenesis as buildGenesisState } from "../../node/genesis/builder";
import type { GenesisFile } from "../../node/genesis/genesis";
import { OperationError } from "../errors";

/** 2026-01-01T00:00:00Z: the default genesis timestamp (fixed, so the same inputs give the same file). */
export const DEFAULT_GENESIS_TIMESTAMP = 1_767_225_600;
/** Default block gas limit. */
export const DEFAULT_GENESIS_GAS_LIMIT = 60_000_000n;
/** Default constant base fee (1 gwei; 0 on a gas-free chain). */
export const DEFAULT_GENESIS_BASE_FEE = 1_000_000_000n;
/** What each development account gets in genesis: 1,000,000 of the native coin. */
export const DEV_GENESIS_BALANCE = 1_000_000n * 10n ** 18n;
/** The network name recorded in the genesis deployment manifest. */
export const GENESIS_NETWORK_NAME = "luniverse";

export interface BuildGenesisParameters {
  chainId: number;
  /** A gas-free product chain: base fee 0, gas price 0 accepted. */
  gasFree?: boolean;
  /** Genesis timestamp in seconds (default {@link DEFAULT_GENESIS_TIMESTAMP}). */
  timestamp?: number;
  /** Block gas limit (default 60,000,000). */
  gasLimit?: bigint;
  /** Constant base fee in wei (default 1 gwei; always 0 when `gasFree`). */
  baseFeePerGas?: bigint;
  /** The resolved system configuration (default: deploy/config.ts defaults). */
  config?: SystemConfig;
  /**
   * The chain's accounts by index, for what `config` leaves unnamed: genesis validators 1–4, council 5–9, bridge
   * signers 10–15 (default: development accounts 0–19).
   */
  accounts?: string[];
  /** Accounts funded in genesis (default: every account of `accounts` with {@link DEV_GENESIS_BALANCE}). */
  fund?: { address: string; balance: bigint }[];
  /**
   * The upgrades plugin's validation data (default `cache/validations.json`, written by `hardhat compile`): each
   * implementation is checked for upgrade safety as the plugin does, and `upgradesRecord` is returned. `null`: neither.
   */
  validations?: string | ValidationData | null;
  /** Progress lines. */
  log?: (line: string) => void;
}

export interface BuildGenesisReturnType {
  genesis: GenesisFile;
  /**
   * The deployment manifest of the system contracts (also in `genesis.luniverse.deployment`), network
   * {@link GENESIS_NETWORK_NAME}, dated at the genesis timestamp.
   */
  deployment: Manifest;
  /**
   * The upgrades plugin's record of the new chain (`.openzeppelin/unknown-<chainId>.json` content: proxies and
   * implementations with their storage layouts, no transaction hashes — the contracts are in genesis), so upgrades by
   * governance are checked against it; write it with deploy/upgradesRecord.ts `writeUpgradesRecord`. `null` when
   * `validations` is `null`.
   */
  upgradesRecord: UpgradesRecord | null;
}

/**
 * Builds the genesis of a chain whose system contracts are deployed by `deployer` (an ethers signer that holds its
 * key, e.g. a `Wallet`; connected here to the scratch state). Deterministic: the same parameters give the same file
 * and the same genesis hash.
 */
export async function buildGenesis(deployer: Signer, parameters: BuildGenesisParameters): Promise<BuildGenesisReturnType> {
  const { chainId } = parameters;
  if (!Number.isSafeInteger(chainId) || chainId <= 0) throw new OperationError("OP_INVALID_PARAMETER", `chainId must be a positive integer, got ${chainId}`);
  const gasFree = parameters.gasFree ?? false;
  const timestamp = parameters.timestamp ?? DEFAULT_GENESIS_TIMESTAMP;
  const config = parameters.config ?? resolveConfig();
  const accounts = parameters.accounts ?? devAddresses(Array.from({ length: DEV_ACCOUNT_COUNT }, (_, i) => i));
  const fund = parameters.fund ?? accounts.map((address) => ({ address, balance: DEV_GENESIS_BALANCE }));
  const validations = parameters.validations === undefined ? defaultValidationsFile() : parameters.validations;
  const log = parameters.log;

  let deployment: Manifest | undefined;
  let upgradesRecord: UpgradesRecord | null = null;
  const genesis = await buildGenesisState({
    chainId,
    gasFree,
    timestamp,
    gasLimit: parameters.gasLimit ?? DEFAULT_GENESIS_GAS_LIMIT,
    baseFeePerGas: gasFree ? 0n : (parameters.baseFeePerGas ?? DEFAULT_GENESIS_BASE_FEE),
    fund,
    log,
    deploy: async (url) => {
      // The scratch state mines each transaction as it arrives: no request cache (a nonce read twice within ethers'
      // 250 ms would be stale) and no batching (it would only wait).
      const provider = new JsonRpcProvider(url, Network.from(chainId), { staticNetwork: true, batchMaxCount: 1, cacheTimeout: -1 });
      try {
        const ctx = await artifactDeployContext(deployer.connect(provider), {
          accounts,
          networkName: GENESIS_NETWORK_NAME,
          ...(validations === null ? {} : { validations }),
        });
        const system = await deploySystem(ctx, { config, manifestDir: null, reset: true, log }).catch((e: unknown) => {
          throw explainError("deploy:system into the genesis state", e);
        });
        // the contracts exist from genesis on: the manifest is dated at the genesis, so the file is reproducible
        deployment = { ...system.manifest, updatedAt: new Date(timestamp * 1000).toISOString() };
        if (validations !== null) upgradesRecord = ctx.upgradesRecord();
        const validatorSet = contractAt("ValidatorSet", system.manifest.contracts.ValidatorSet!.address, provider);
        const validators = (await validatorSet.validatorsAt(0)).map(String);
        const systemContracts = Object.fromEntries(Object.values(deployment.contracts).map((c) => [c.name, c.address]));
        return { deployment, systemContracts, validators };
      } finally {
        provider.destroy();
      }
    },
  });
  if (!deployment) throw new OperationError("OP_DEPLOYMENT", "the genesis builder never ran the deployment");
  return { genesis, deployment, upgradesRecord };
}
