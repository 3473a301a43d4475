import { readFileSync } from "node:fs";
import { LuniverseError } from "../lib/errors";
import { suggestKey } from "../lib/config";

/** Thrown for a configuration that cannot be used; the message names the key and what to do. */
export class ConfigError extends LuniverseError<"LUNIVERSE_CONFIG"> {
  override name = "ConfigError";
  constructor(message: string) {
    super("LUNIVERSE_CONFIG", message);
  }
}

/** Parameters of the validator set (see contracts/consensus/ValidatorSet.sol). Token amounts in wei. */
export interface ValidatorSetParams {
  maxValidators: number;
  minStake: bigint;
  epochLength: number;
  unbondingPeriod: number;
  jailPeriod: number;
}

/** Parameters of slashing (see contracts/consensus/Slashing.sol). Fractions in basis points. */
export interface SlashingParams {
  reportSlashBps: number;
  doubleSignSlashBps: number;
  downtimeSlashBps: number;
  spamSlashBps: number;
  maxReportAge: number;
  maxReportsPerEpoch: number;
  misdemeanorThreshold: number;
  felonyThreshold: number;
  downtimeWindow: number;
}

/**
 * Parameters of the gas policy of gas-free chains (see contracts/gas/GasPolicy.sol and contracts/interfaces/IGasPolicy.sol
 * `Params`): gas amounts in gas units, durations in seconds, shares in basis points. `setParams` checks the ranges.
 */
export interface GasPolicyParams {
  /** Length of a usage window (1 s .. 30 days). */
  windowSeconds: number;
  /** Highest gas limit one transaction may have (>= 21,000). */
  maxTxGas: number;
  /** Gas per window an account may use unless governance gives it its own quota (>= maxTxGas). */
  defaultAccountQuota: number;
  /** Share of each block's gas limit all unsponsored transactions may take together (1 .. 10,000). */
  unsponsoredShareBps: number;
  /** Executed gas in one window past which a node reports an account (0: not a criterion). */
  abuseGasPerWindow: number;
  /** Reverted transactions in one window past which a node reports an account (0: not a criterion). */
  abuseRevertsPerWindow: number;
  /** Refused submissions in one window past which a node throttles and reports an account (0: not a criterion). */
  abuseRejectionsPerWindow: number;
  /** How long a blacklisting by validators' abuse reports lasts (>= 1). */
  reportBlacklistSeconds: number;
}

/** A DApp registered as a gas sponsor at deployment, while the deployer still governs the gas policy. */
export interface GasSponsorConfig {
  /** The sponsor's name; a re-run finds the sponsor by it. */
  name: string;
  /** Manages the sponsor's contracts and accounts (besides governance). */
  admin: string;
  /** Gas per window all of the sponsor's traffic may use together (> 0). */
  budgetPerWindow: bigint;
  /** Contracts whose calls the sponsor pays for. */
  contracts?: string[];
  /** Accounts whose transactions the sponsor pays for. */
  accounts?: string[];
}

/** The `gasPolicy` section: the parameters, and the sponsors to register at deployment. */
export interface GasPolicyConfig extends GasPolicyParams {
  sponsors?: GasSponsorConfig[];
}

/** Everything `deploy:system` needs. Addresses left undefined default to the network's dev accounts. */
export interface SystemConfig {
  /** Existing ERC-20 to stake; when absent a StakingToken is deployed with `stakingTokenSupply` to the deployer. */
  stakingToken?: string;
  stakingTokenSupply: bigint;
  /** Genesis validators; default: accounts 1..4 of the network. */
  genesisValidators?: string[];
  /** Stake the deployer bonds for each genesis validator (default: the minimum stake). */
  genesisStake?: bigint;
  /** Five emergency-council members; default: accounts 5..9. */
  councilMembers?: string[];
  /** Consortium partners granted CP_ROLE at deployment; default: the deployer. */
  consortiumPartners?: string[];
  /** Bridge signers (both sides); default: accounts 10..15. */
  bridgeSigners?: string[];
  /** Confirmations needed to settle a bridge operation (above half the signers). */
  bridgeThreshold: number;
  /** Treasury for slashed stake; default: the timelock (so only governance can spend it). */
  treasury?: string;
  validatorSet: ValidatorSetParams;
  slashing: SlashingParams;
  governance: {
    /** Blocks between proposal and the opening of the vote. */
    votingDelay: number;
    /** Blocks a vote stays open. */
    votingPeriod: number;
    /** Seconds a passed proposal waits in the timelock. */
    timelockDelay: number;
  };
  /** The gas policy of gas-free chains (contracts/gas/GasPolicy.sol), deployed on every chain. */
  gasPolicy: GasPolicyConfig;
  /**
   * PRODUCT CHAINS ONLY. Present: deploys NodeOwnerSync (contracts/chains/NodeOwnerSync.sol, deploy/ownerSync.ts), which
   * applies the node-owner swaps decided on the main chain's ProductChainRegistry to this chain's validator set once
   * the bridge signers (4 of 6) confirm them, and gives it `GOVERNANCE_ROLE` on the ValidatorSet. It needs
   * `validatorSet.minStake` 0 (node owners validate unstaked). Absent (default): not deployed. Never on the main
   * chain: its validator set must not be governable by the bridge signers (the deployment refuses a chain whose
   * ProductChainRegistry has chains registered).
   */
  nodeOwnerSync?: NodeOwnerSyncConfig;
}

/** The `nodeOwnerSync` section (product chains only). */
export interface NodeOwnerSyncConfig {
  /**
   * The main chain's `ownersNonce` of this chain (ProductChainRegistry `getChain(chainId).ownersNonce`) that the genesis
   * validators already reflect; swaps up to it count as applied. Default 0 (no swap yet).
   */
  ownersNonce?: number;
}

const ETHER = 10n ** 18n;

/** Default gas-policy parameters: hourly windows, 8M gas per transaction, 250M gas per account and hour, 10% of a block for unsponsored traffic, a day's blacklisting. */
export const DEFAULT_GAS_POLICY: GasPolicyParams = {
  windowSeconds: 3_600,
  maxTxGas: 8_000_000,
  defaultAccountQuota: 250_000_000,
  unsponsoredShareBps: 1_000,
  abuseGasPerWindow: 0,
  abuseRevertsPerWindow: 200,
  abuseRejectionsPerWindow: 500,
  reportBlacklistSeconds: 86_400,
};

export const DEFAULT_CONFIG: SystemConfig = {
  stakingTokenSupply: 1_000_000_000n * ETHER,
  bridgeThreshold: 4,
  validatorSet: {
    maxValidators: 25,
    minStake: 10_000n * ETHER,
    epochLength: 200,
    unbondingPeriod: 2_000,
    jailPeriod: 1_000,
  },
  slashing: {
    reportSlashBps: 1_000,
    doubleSignSlashBps: 5_000,
    downtimeSlashBps: 1_000,
    spamSlashBps: 100,
    maxReportAge: 600,
    maxReportsPerEpoch: 10,
    misdemeanorThreshold: 50,
    felonyThreshold: 150,
    downtimeWindow: 28_800,
  },
  governance: {
    votingDelay: 0,
    votingPeriod: 600,
    timelockDelay: 60,
  },
  gasPolicy: { ...DEFAULT_GAS_POLICY },
};

/** An array whose entries are objects of one shape; `required` keys must be present in each. */
interface ListOf {
  list: Shape;
  required: string[];
}
type Shape = { [key: string]: "address" | "addresses" | "bigint" | "number" | "string" | Shape | ListOf };

function isListOf(kind: Shape[string]): kind is ListOf {
  return typeof kind === "object" && "list" in kind && "required" in kind && Array.isArray((kind as ListOf).required);
}

const SHAPE: Shape = {
  stakingToken: "address",
  stakingTokenSupply: "bigint",
  genesisValidators: "addresses",
  genesisStake: "bigint",
  councilMembers: "addresses",
  consortiumPartners: "addresses",
  treasury: "address",
  bridgeSigners: "addresses",
  bridgeThreshold: "number",
  validatorSet: {
    maxValidators: "number",
    minStake: "bigint",
    epochLength: "number",
    unbondingPeriod: "number",
    jailPeriod: "number",
  },
  slashing: {
    reportSlashBps: "number",
    doubleSignSlashBps: "number",
    downtimeSlashBps: "number",
    spamSlashBps: "number",
    maxReportAge: "number",
    maxReportsPerEpoch: "number",
    misdemeanorThreshold: "number",
    felonyThreshold: "number",
    downtimeWindow: "number",
  },
  governance: { votingDelay: "number", votingPeriod: "number", timelockDelay: "number" },
  nodeOwnerSync: { ownersNonce: "number" },
  gasPolicy: {
    windowSeconds: "number",
    maxTxGas: "number",
    defaultAccountQuota: "number",
    unsponsoredShareBps: "number",
    abuseGasPerWindow: "number",
    abuseRevertsPerWindow: "number",
    abuseRejectionsPerWindow: "number",
    reportBlacklistSeconds: "number",
    sponsors: {
      list: { name: "string", admin: "address", budgetPerWindow: "bigint", contracts: "addresses", accounts: "addresses" },
      required: ["name", "admin", "budgetPerWindow"],
    },
  },
};

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function coerce(path: string, kind: Shape[string], value: unknown): unknown {
  if (isListOf(kind)) {
    if (!Array.isArray(value)) throw new ConfigError(`config key "${path}" must be an array of objects`);
    return value.map((entry, i) => {
      const out = coerce(`${path}[${i}]`, kind.list, entry) as Record<string, unknown>;
      for (const key of kind.required) {
        if (out[key] === undefined) throw new ConfigError(`config key "${path}[${i}].${key}" is required`);
      }
      return out;
    });
  }
  if (typeof kind === "object") {
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      throw new ConfigError(`config key "${path}" must be an object`);
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const sub = kind[k];
      if (sub === undefined) {
        const meant = suggestKey(k, Object.keys(kind));
        throw new ConfigError(
          `unknown config key "${path ? `${path}.` : ""}${k}"` +
            (meant ? ` (did you mean "${path ? `${path}.` : ""}${meant}"?)` : "") +
            `; known keys here: ${Object.keys(kind).join(", ")}`,
        );
      }
      out[k] = coerce(path ? `${path}.${k}` : k, sub, v);
    }
    return out;
  }
  switch (kind) {
    case "address":
      if (typeof value !== "string" || !ADDRESS.test(value)) {
        throw new ConfigError(`config key "${path}" must be a 0x-prefixed 20-byte address, got ${JSON.stringify(value)}`);
      }
      return value;
    case "addresses":
      if (!Array.isArray(value)) throw new ConfigError(`config key "${path}" must be an array of addresses`);
      return value.map((v, i) => coerce(`${path}[${i}]`, "address", v));
    case "bigint":
      if (typeof value === "bigint") return value;
      if ((typeof value === "string" && /^[0-9]+$/.test(value)) || (typeof value === "number" && Number.isSafeInteger(value) && value >= 0)) {
        return BigInt(value);
      }
      throw new ConfigError(`config key "${path}" must be a non-negative integer (a decimal string for large values), got ${JSON.stringify(value)}`);
    case "string":
      if (typeof value !== "string" || value.length === 0) {
        throw new ConfigError(`config key "${path}" must be a non-empty string, got ${JSON.stringify(value)}`);
      }
      return value;
    case "number":
      if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
        throw new ConfigError(`config key "${path}" must be a non-negative integer, got ${JSON.stringify(value)}`);
      }
      return value;
  }
}

/**
 * Validates a partial configuration and merges it over the defaults. Unknown keys and wrong types are
 * errors naming the key. Contract-level rules (e.g. unbonding >= epoch) are left to the contracts,
 * whose custom errors the deployment decodes.
 */
export function resolveConfig(partial: unknown = {}): SystemConfig {
  const checked = coerce("", SHAPE, partial) as Partial<SystemConfig>;
  const resolved: SystemConfig = {
    ...DEFAULT_CONFIG,
    ...checked,
    validatorSet: { ...DEFAULT_CONFIG.validatorSet, ...checked.validatorSet },
    slashing: { ...DEFAULT_CONFIG.slashing, ...checked.slashing },
    governance: { ...DEFAULT_CONFIG.governance, ...checked.governance },
    gasPolicy: { ...DEFAULT_CONFIG.gasPolicy, ...checked.gasPolicy },
  };
  if (resolved.nodeOwnerSync && resolved.validatorSet.minStake !== 0n) {
    throw new ConfigError(
      `config key "nodeOwnerSync" needs "validatorSet.minStake": 0 (got ${resolved.validatorSet.minStake}): a product chain's validators are its node owners, unstaked`,
    );
  }
  return resolved;
}

/** Reads a JSON configuration file and resolves it (see {@link resolveConfig}). */
export function loadConfigFile(file: string): SystemConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new ConfigError(`cannot read config file ${file}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  return resolveConfig(json);
}
