/**
 * The node's configuration: one typed object with defaults, validated at start-up. An unknown key or a value of the
 * wrong type is a NodeConfigError naming the key's path (`rpc.port`), what was expected and what was given; an
 * unknown key comes with a did-you-mean suggestion.
 *
 * Secrets never live in the file: a validator key is read from an encrypted keystore (password from an environment
 * variable), stays in an HSM token (`validator.pkcs11`, PIN from an environment variable), or, on a development
 * network only, comes from an environment variable named in the file.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { hexToBytes } from "@ethereumjs/util";
import { Wallet } from "ethers";
import { ConfigError, bool, checkKeys, envName, host, int, invalid, isPlainObject, optStr, quantity, section, str, type ConfigErrorCode } from "../lib/config";
import { openPkcs11KeySource, parsePkcs11KeySource, type Pkcs11KeySource } from "../lib/hsmSigner";
import type { ValidatorKey } from "./consensus/crypto";
import { AllowList } from "./rpc/allowList";

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface RpcConfig {
  enabled: boolean;
  host: string;
  port: number;
  /** Largest HTTP body or WebSocket message accepted, in bytes. */
  maxRequestBytes: number;
  /** Most calls in one JSON-RPC batch. */
  maxBatch: number;
  /** Addresses / CIDR ranges served; null = everyone. A product chain lists its gateway here (isolation). */
  allowFrom: string[] | null;
}

export interface P2pConfig {
  host: string;
  port: number;
  /** Peers to dial at start (`ws://host:port`). */
  peers: string[];
  maxPeers: number;
  maxMessageBytes: number;
}

export interface ValidatorConfig {
  /** An ethers encrypted JSON keystore (absolute after resolution). */
  keystore: string | null;
  /** Environment variable holding the keystore's password. */
  passwordEnv: string;
  /** Environment variable holding a raw private key (development networks only; used when `keystore` is null). */
  privateKeyEnv: string | null;
  /** A key pair in an HSM token over PKCS#11: the key never leaves the token (docs/keys.md). */
  pkcs11: Pkcs11KeySource | null;
}

export interface ConsensusConfig {
  blockPeriodMs: number;
  /** After this long without a proposal, the round's proposer is skipped. */
  proposalTimeoutMs: number;
  maxTxsPerBlock: number;
  /** This node's builder gas limit (a local policy, at most the genesis gas limit); null: the genesis gas limit. */
  blockGasLimit: number | null;
  /**
   * Send proposals by transaction hash (default true). A node older than this change cannot read them: set false on
   * the upgraded validators during a rolling upgrade, true again once every validator runs it.
   */
  proposalsByHash: boolean;
}

export interface GasFreeConfig {
  enabled: boolean;
  maxTxPerSenderPerMinute: number;
  /** Gas price a gas-free chain still requires (normally 0). */
  minGasPrice: bigint;
  /**
   * Enforce the chain's gas policy (contracts/gas/GasPolicy.sol in genesis) at admission and block building, and
   * report abusers (default true). false: only the per-sender rate limit — for measuring the policy's cost.
   */
  policy: boolean;
  /**
   * Addresses / CIDR ranges whose `luniverse_reportAbuse` calls this node takes as its own abuse detection (the
   * gateway's replicas); null: none (default).
   */
  abuseReportsFrom: string[] | null;
}

export interface PoolConfig {
  maxSize: number;
  maxPerSender: number;
  /** A replacement (same sender and nonce) must pay at least this many percent more (fee cap and tip). */
  priceBumpPercent: number;
  /** Lowest gas price admitted, in wei (ignored when gas-free mode is on). */
  minGasPrice: bigint;
  /** Largest encoded transaction admitted, in bytes. */
  maxTxBytes: number;
  /** Worker threads recovering the senders of admitted transactions (0: on the main thread; see execution/recovery.ts). */
  recoveryWorkers: number;
}

/** `rpc.allowFrom`, `gasFree.abuseReportsFrom`: null or a non-empty list of addresses / CIDR ranges, each checked. */
function addressList(value: unknown, at: string): string[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value) || value.length === 0 || value.some((e) => typeof e !== "string")) {
    throw invalid(at, `a non-empty array of addresses or CIDR ranges (e.g. ["127.0.0.1", "10.1.0.0/16"]), or null`, value);
  }
  try {
    new AllowList(value as string[]);
  } catch (e) {
    throw new NodeConfigError("CONFIG_INVALID", at, (e as Error).message.replace("rpc.allowFrom", at));
  }
  return [...(value as string[])];
}

/** Snapshots of the node's database (node/backup/): taken on a schedule, served to peers, and synced from. */
export interface SnapshotsConfig {
  /** Folder of the node's snapshots, one sub-folder per height (default: `<dataDir>.snapshots`). */
  dir: string;
  /** Take a snapshot every this many blocks (at heights that are multiples of it); 0: only on request (node:backup). */
  interval: number;
  /** Snapshots kept; older ones are deleted once a new one is complete. */
  keep: number;
  /** Serve the latest snapshot to new nodes at GET /snapshots on the RPC port (behind rpc.allowFrom). */
  serve: boolean;
  /**
   * RPC URL of a peer to snapshot-sync from when the data dir is empty: its latest snapshot is downloaded, proven
   * against the genesis validators' finality signatures and restored, then only later blocks are synced. null: sync
   * from genesis.
   */
  syncFrom: string | null;
}

/** A standby for a validator's key (node/consensus/keyGuard.ts): signs nothing until the operator confirms a takeover. */
export interface StandbyConfig {
  enabled: boolean;
  /** Committed blocks without the key's commit signature before a takeover is accepted. */
  afterBlocks: number;
}

/** The fully resolved configuration: every field present, paths absolute. */
export interface NodeConfig {
  chainId: bigint;
  /** Genesis JSON file (absolute), or null when the chain already exists in `dataDir`. */
  genesis: string | null;
  dataDir: string;
  rpc: RpcConfig;
  p2p: P2pConfig;
  /** null: a full node (follows the chain, signs nothing). */
  validator: ValidatorConfig | null;
  consensus: ConsensusConfig;
  gasFree: GasFreeConfig;
  pool: PoolConfig;
  snapshots: SnapshotsConfig;
  standby: StandbyConfig;
  log: { level: LogLevel };
}

type Quantity = number | string | bigint;

/**
 * The configuration as written in a file: every field optional. Quantities that may exceed 2^53 (`chainId`,
 * gas prices) may be written as a number, a decimal string or a 0x-hex string.
 */
export interface NodeConfigInput {
  chainId?: Quantity;
  genesis?: string | null;
  dataDir?: string;
  rpc?: Partial<RpcConfig>;
  p2p?: Partial<P2pConfig>;
  validator?: Partial<ValidatorConfig> | null;
  consensus?: Partial<ConsensusConfig>;
  gasFree?: Partial<Omit<GasFreeConfig, "minGasPrice">> & { minGasPrice?: Quantity };
  pool?: Partial<Omit<PoolConfig, "minGasPrice">> & { minGasPrice?: Quantity };
  snapshots?: Partial<Omit<SnapshotsConfig, "dir">> & { dir?: string | null };
  standby?: Partial<StandbyConfig>;
  log?: { level?: LogLevel };
}

export type NodeConfigErrorCode = ConfigErrorCode;

export { suggestKey } from "../lib/config";

/** A node configuration that cannot be used; `path` names the key (`rpc.port`), the message says what to write instead. */
export class NodeConfigError extends ConfigError {
  override name = "NodeConfigError";
}

/** The node's message for a private key written in its configuration. */
const SECRET_MESSAGE = {
  secretMessage: (full: string) =>
    `${full}: a private key must never be written in the configuration file (files get copied, committed and ` +
    `backed up). Use "validator.keystore" (an encrypted JSON keystore; its password comes from the environment ` +
    `variable named by "validator.passwordEnv"), "validator.pkcs11" (a key in an HSM token) or, on a development network, "validator.privateKeyEnv" (the ` +
    `name of an environment variable that holds the key).`,
};

const GWEI = 1_000_000_000n;

/** The defaults (`chainId` 0 = not set; `validator` null = full node). */
export const DEFAULT_NODE_CONFIG: Readonly<NodeConfig> = deepFreeze({
  chainId: 0n,
  genesis: null,
  dataDir: ".luniverse/node",
  rpc: { enabled: true, host: "127.0.0.1", port: 8545, maxRequestBytes: 5_000_000, maxBatch: 1000, allowFrom: null },
  p2p: { host: "127.0.0.1", port: 30303, peers: [], maxPeers: 50, maxMessageBytes: 16_000_000 },
  validator: null,
  consensus: { blockPeriodMs: 1000, proposalTimeoutMs: 3000, maxTxsPerBlock: 5000, blockGasLimit: null, proposalsByHash: true },
  gasFree: { enabled: false, maxTxPerSenderPerMinute: 600, minGasPrice: 0n, policy: true, abuseReportsFrom: null },
  pool: { maxSize: 20_000, maxPerSender: 1000, priceBumpPercent: 10, minGasPrice: GWEI, maxTxBytes: 128 * 1024, recoveryWorkers: 1 },
  snapshots: { dir: ".luniverse/node.snapshots", interval: 0, keep: 2, serve: true, syncFrom: null },
  standby: { enabled: false, afterBlocks: 20 },
  log: { level: "info" },
});

function deepFreeze<T extends object>(o: T): T {
  for (const v of Object.values(o)) if (typeof v === "object" && v !== null) deepFreeze(v as object);
  return Object.freeze(o);
}

const DEFAULT_VALIDATOR: ValidatorConfig = {
  keystore: null,
  passwordEnv: "LUNIVERSE_VALIDATOR_PASSWORD",
  privateKeyEnv: null,
  pkcs11: null,
};

function peerUrl(v: unknown, at: string): string {
  if (typeof v !== "string") throw invalid(at, "ws:// or wss:// URL", v);
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw invalid(at, "ws:// or wss:// URL", v);
  }
  if ((url.protocol !== "ws:" && url.protocol !== "wss:") || url.hostname === "") throw invalid(at, "ws:// or wss:// URL", v);
  return v;
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

const KEYS = {
  root: ["chainId", "genesis", "dataDir", "rpc", "p2p", "validator", "consensus", "gasFree", "pool", "snapshots", "standby", "log"],
  rpc: ["enabled", "host", "port", "maxRequestBytes", "maxBatch", "allowFrom"],
  p2p: ["host", "port", "peers", "maxPeers", "maxMessageBytes"],
  validator: ["keystore", "passwordEnv", "privateKeyEnv", "pkcs11"],
  consensus: ["blockPeriodMs", "proposalTimeoutMs", "maxTxsPerBlock", "blockGasLimit", "proposalsByHash"],
  gasFree: ["enabled", "maxTxPerSenderPerMinute", "minGasPrice", "policy", "abuseReportsFrom"],
  pool: ["maxSize", "maxPerSender", "priceBumpPercent", "minGasPrice", "maxTxBytes", "recoveryWorkers"],
  snapshots: ["dir", "interval", "keep", "serve", "syncFrom"],
  standby: ["enabled", "afterBlocks"],
  log: ["level"],
} as const;

/** `snapshots.syncFrom`: null or the http(s) URL of a peer's RPC port. */
function httpUrl(value: unknown, at: string): string | null {
  if (value === undefined || value === null) return null;
  let url: URL | null = null;
  try {
    url = typeof value === "string" ? new URL(value) : null;
  } catch {
    url = null;
  }
  if (url === null || (url.protocol !== "http:" && url.protocol !== "https:")) throw invalid(at, "the http(s):// URL of a peer's RPC port, or null", value);
  return (value as string).replace(/\/+$/, "");
}

/** The chain id a genesis file states (`config.chainId` as geth writes it, or a top-level `chainId`). */
function genesisChainId(file: string): bigint | null {
  if (!existsSync(file)) throw new NodeConfigError("CONFIG_FILE", "genesis", `genesis: file not found: ${file}`);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new NodeConfigError("CONFIG_FILE", "genesis", `genesis: ${file} is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(json)) throw new NodeConfigError("CONFIG_FILE", "genesis", `genesis: ${file} must hold a JSON object`);
  const fromConfig = isPlainObject(json.config) ? json.config.chainId : undefined;
  const raw = fromConfig ?? json.chainId;
  if (raw === undefined) return null;
  try {
    return quantity({ chainId: raw }, "chainId", `genesis(${file})`, 0n, 1n);
  } catch (e) {
    throw new NodeConfigError("CONFIG_FILE", "genesis", (e as Error).message);
  }
}

/**
 * Validates `input` (the parsed configuration file, or an object built in code) and fills in the defaults.
 * Relative paths (`genesis`, `dataDir`, `validator.keystore`) are resolved against `baseDir` (default: the current
 * directory). `chainId` is required unless the genesis file states it; when both give one, they must agree.
 */
export function resolveNodeConfig(input: unknown, baseDir: string = process.cwd()): NodeConfig {
  try {
    return resolveChecked(input, baseDir);
  } catch (e) {
    // the kit's errors become the node's own type (same code, path and message)
    if (e instanceof ConfigError && !(e instanceof NodeConfigError)) throw new NodeConfigError(e.code, e.path, e.message);
    throw e;
  }
}

function resolveChecked(input: unknown, baseDir: string): NodeConfig {
  if (input === undefined || input === null) input = {};
  if (!isPlainObject(input)) throw invalid("(root)", "a JSON object", input);
  checkKeys(input, KEYS.root, "", SECRET_MESSAGE);
  const d = DEFAULT_NODE_CONFIG;
  const abs = (p: string): string => path.resolve(baseDir, p);

  const genesisPath = optStr(input, "genesis", "", null);
  const genesis = genesisPath === null ? null : abs(genesisPath);
  const explicitChainId = input.chainId === undefined ? null : quantity(input, "chainId", "", 0n, 1n);
  const fromGenesis = genesis === null ? null : genesisChainId(genesis);
  if (explicitChainId !== null && fromGenesis !== null && explicitChainId !== fromGenesis) {
    throw new NodeConfigError("CONFIG_INVALID", "chainId", `chainId: ${explicitChainId} differs from the genesis file's chain id ${fromGenesis} (${genesis}); remove one or make them agree`);
  }
  const chainId = explicitChainId ?? fromGenesis;
  if (chainId === null) {
    throw new NodeConfigError(
      "CONFIG_INVALID",
      "chainId",
      genesis === null
        ? `chainId: required (an integer >= 1), or give "genesis": a genesis file that states it`
        : `chainId: required: the genesis file ${genesis} does not state one (config.chainId)`,
    );
  }

  const rpcIn = section(input, "rpc", "", KEYS.rpc);
  const rpc: RpcConfig = {
    enabled: bool(rpcIn, "enabled", "rpc", d.rpc.enabled),
    host: host(rpcIn, "host", "rpc", d.rpc.host),
    port: int(rpcIn, "port", "rpc", d.rpc.port, 0, 65535),
    maxRequestBytes: int(rpcIn, "maxRequestBytes", "rpc", d.rpc.maxRequestBytes, 1024, Number.MAX_SAFE_INTEGER),
    maxBatch: int(rpcIn, "maxBatch", "rpc", d.rpc.maxBatch, 1, Number.MAX_SAFE_INTEGER),
    allowFrom: addressList(rpcIn.allowFrom, "rpc.allowFrom"),
  };

  const p2pIn = section(input, "p2p", "", KEYS.p2p);
  const peersIn = p2pIn.peers;
  if (peersIn !== undefined && !Array.isArray(peersIn)) throw invalid("p2p.peers", "array of ws:// URLs", peersIn);
  const p2p: P2pConfig = {
    host: host(p2pIn, "host", "p2p", d.p2p.host),
    port: int(p2pIn, "port", "p2p", d.p2p.port, 0, 65535),
    peers: (peersIn ?? []).map((p, i) => peerUrl(p, `p2p.peers[${i}]`)),
    maxPeers: int(p2pIn, "maxPeers", "p2p", d.p2p.maxPeers, 0, 10_000),
    maxMessageBytes: int(p2pIn, "maxMessageBytes", "p2p", d.p2p.maxMessageBytes, 1024, Number.MAX_SAFE_INTEGER),
  };

  let validator: ValidatorConfig | null = null;
  if (input.validator !== undefined && input.validator !== null) {
    const vIn = section(input, "validator", "", KEYS.validator, SECRET_MESSAGE);
    const keystore = optStr(vIn, "keystore", "validator", DEFAULT_VALIDATOR.keystore);
    validator = {
      keystore: keystore === null ? null : abs(keystore),
      passwordEnv: envName(vIn, "passwordEnv", "validator", DEFAULT_VALIDATOR.passwordEnv) ?? DEFAULT_VALIDATOR.passwordEnv,
      privateKeyEnv: envName(vIn, "privateKeyEnv", "validator", DEFAULT_VALIDATOR.privateKeyEnv),
      pkcs11: vIn.pkcs11 === undefined || vIn.pkcs11 === null ? null : parsePkcs11KeySource(vIn.pkcs11, "validator.pkcs11"),
    };
    const sources = [validator.keystore !== null && "keystore", validator.privateKeyEnv !== null && "privateKeyEnv", validator.pkcs11 !== null && "pkcs11"].filter(Boolean);
    if (sources.length === 0) {
      throw new NodeConfigError(
        "CONFIG_INVALID",
        "validator",
        `validator: give "keystore" (path to an encrypted JSON keystore), "pkcs11" (a key in an HSM token: {"token", "key", "pinEnv"}) or "privateKeyEnv" (name of an environment variable holding the key, development only); or set "validator": null for a full node`,
      );
    }
    if (sources.length > 1) {
      throw new NodeConfigError("CONFIG_INVALID", "validator", `validator: give one key source of "keystore", "pkcs11" and "privateKeyEnv", not ${sources.join(" and ")}`);
    }
  }

  const cIn = section(input, "consensus", "", KEYS.consensus);
  const consensus: ConsensusConfig = {
    blockPeriodMs: int(cIn, "blockPeriodMs", "consensus", d.consensus.blockPeriodMs, 1, 3_600_000),
    proposalTimeoutMs: int(cIn, "proposalTimeoutMs", "consensus", d.consensus.proposalTimeoutMs, 1, 3_600_000),
    maxTxsPerBlock: int(cIn, "maxTxsPerBlock", "consensus", d.consensus.maxTxsPerBlock, 1, 1_000_000),
    blockGasLimit: cIn.blockGasLimit === undefined || cIn.blockGasLimit === null ? d.consensus.blockGasLimit : int(cIn, "blockGasLimit", "consensus", 0, 5000, Number.MAX_SAFE_INTEGER),
    proposalsByHash: bool(cIn, "proposalsByHash", "consensus", d.consensus.proposalsByHash),
  };

  const gIn = section(input, "gasFree", "", KEYS.gasFree);
  const gasFree: GasFreeConfig = {
    enabled: bool(gIn, "enabled", "gasFree", d.gasFree.enabled),
    maxTxPerSenderPerMinute: int(gIn, "maxTxPerSenderPerMinute", "gasFree", d.gasFree.maxTxPerSenderPerMinute, 1, 1_000_000),
    minGasPrice: quantity(gIn, "minGasPrice", "gasFree", d.gasFree.minGasPrice, 0n),
    policy: bool(gIn, "policy", "gasFree", d.gasFree.policy),
    abuseReportsFrom: addressList(gIn.abuseReportsFrom, "gasFree.abuseReportsFrom"),
  };

  const pIn = section(input, "pool", "", KEYS.pool);
  const pool: PoolConfig = {
    maxSize: int(pIn, "maxSize", "pool", d.pool.maxSize, 1, 10_000_000),
    maxPerSender: 0,
    priceBumpPercent: int(pIn, "priceBumpPercent", "pool", d.pool.priceBumpPercent, 0, 1000),
    minGasPrice: quantity(pIn, "minGasPrice", "pool", d.pool.minGasPrice, 0n),
    maxTxBytes: int(pIn, "maxTxBytes", "pool", d.pool.maxTxBytes, 1024, 16_000_000),
    recoveryWorkers: int(pIn, "recoveryWorkers", "pool", d.pool.recoveryWorkers, 0, 8),
  };
  // A smaller pool lowers the default per-sender limit with it; a limit written in the file must fit.
  pool.maxPerSender = int(pIn, "maxPerSender", "pool", Math.min(d.pool.maxPerSender, pool.maxSize), 1, 10_000_000);
  if (pool.maxPerSender > pool.maxSize) throw invalid("pool.maxPerSender", `integer <= pool.maxSize (${pool.maxSize})`, pool.maxPerSender);
  if (pool.maxTxBytes > p2p.maxMessageBytes) throw invalid("pool.maxTxBytes", `integer <= p2p.maxMessageBytes (${p2p.maxMessageBytes})`, pool.maxTxBytes);

  const dataDir = abs(str(input, "dataDir", "", d.dataDir));
  const sIn = section(input, "snapshots", "", KEYS.snapshots);
  const snapshotDir = optStr(sIn, "dir", "snapshots", null);
  const snapshots: SnapshotsConfig = {
    dir: snapshotDir === null ? `${dataDir}.snapshots` : abs(snapshotDir),
    interval: int(sIn, "interval", "snapshots", d.snapshots.interval, 0, 100_000_000),
    keep: int(sIn, "keep", "snapshots", d.snapshots.keep, 1, 1000),
    serve: bool(sIn, "serve", "snapshots", d.snapshots.serve),
    syncFrom: httpUrl(sIn.syncFrom, "snapshots.syncFrom"),
  };

  const sbIn = section(input, "standby", "", KEYS.standby);
  const standby: StandbyConfig = {
    enabled: bool(sbIn, "enabled", "standby", d.standby.enabled),
    afterBlocks: int(sbIn, "afterBlocks", "standby", d.standby.afterBlocks, 1, 1_000_000),
  };
  if (standby.enabled && validator === null) {
    throw new NodeConfigError("CONFIG_INVALID", "standby.enabled", `standby.enabled: a standby holds the validator's key: give "validator" (the same key source as the validator it stands by for)`);
  }

  const lIn = section(input, "log", "", KEYS.log);
  const level = lIn.level === undefined ? d.log.level : lIn.level;
  if (typeof level !== "string" || !(LEVELS as readonly string[]).includes(level)) throw invalid("log.level", `one of ${LEVELS.join(", ")}`, level);

  return {
    chainId,
    genesis,
    dataDir,
    rpc,
    p2p,
    validator,
    consensus,
    gasFree,
    pool,
    snapshots,
    standby,
    log: { level: level as LogLevel },
  };
}

/** Reads a JSON configuration file and resolves it (relative paths against the file's folder). */
export function loadNodeConfigFile(file: string): NodeConfig {
  const full = path.resolve(file);
  if (!existsSync(full)) {
    throw new NodeConfigError("CONFIG_FILE", "", `configuration file not found: ${full} (create it, or pass another path)`);
  }
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (e) {
    throw new NodeConfigError("CONFIG_FILE", "", `cannot read configuration file ${full}: ${(e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new NodeConfigError("CONFIG_FILE", "", `configuration file ${full} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return resolveNodeConfig(json, path.dirname(full));
  } catch (e) {
    if (e instanceof NodeConfigError) throw new NodeConfigError(e.code, e.path, `${full}: ${e.message}`);
    throw e;
  }
}

/**
 * Reads the validator key the config points at: an encrypted keystore, a key in an HSM token (which stays there: a
 * signer over PKCS#11 is returned), or (development) an environment variable.
 */
export async function loadValidatorKey(config: NodeConfig): Promise<ValidatorKey | null> {
  const v = config.validator;
  if (v === null) return null;
  if (v.pkcs11) {
    try {
      return openPkcs11KeySource(v.pkcs11).digestSigner;
    } catch (err) {
      throw new NodeConfigError("CONFIG_INVALID", "validator.pkcs11", `validator.pkcs11: ${(err as Error).message}`);
    }
  }
  if (v.keystore) {
    const password = process.env[v.passwordEnv];
    if (password === undefined) throw new NodeConfigError("CONFIG_INVALID", "validator.passwordEnv", `validator.keystore is set but the password variable ${v.passwordEnv} is not: export it before starting the node`);
    let json: string;
    try {
      json = readFileSync(v.keystore, "utf8");
    } catch (err) {
      throw new NodeConfigError("CONFIG_FILE", "validator.keystore", `cannot read the validator keystore ${v.keystore}: ${(err as Error).message}`);
    }
    try {
      const w = await Wallet.fromEncryptedJson(json, password);
      return hexToBytes(w.privateKey as `0x${string}`);
    } catch (err) {
      throw new NodeConfigError("CONFIG_INVALID", "validator.keystore", `cannot decrypt the validator keystore ${v.keystore}: ${(err as Error).message} (wrong password in ${v.passwordEnv}?)`);
    }
  }
  if (v.privateKeyEnv) {
    const raw = process.env[v.privateKeyEnv];
    if (!raw || !/^(0x)?[0-9a-fA-F]{64}$/.test(raw)) throw new NodeConfigError("CONFIG_INVALID", "validator.privateKeyEnv", `validator.privateKeyEnv names ${v.privateKeyEnv}, which does not hold a 32-byte hex private key`);
    return hexToBytes((raw.startsWith("0x") ? raw : "0x" + raw) as `0x${string}`);
  }
  throw new NodeConfigError("CONFIG_INVALID", "validator", "validator: set keystore (with its password variable), pkcs11 (a key in an HSM token) or privateKeyEnv, or set validator to null for a full node");
}
