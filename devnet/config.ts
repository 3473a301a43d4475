/**
 * The devnet's options, its fixed layout (chain ids, which development account does what) and the files under its
 * data folder.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { DEV_ROLES, devWallet } from "../lib/accounts";
import { SOFTHSM_MODULE } from "../lib/hsm";
import { LuniverseError } from "../lib/errors";
export { devWallet } from "../lib/accounts";

export class DevnetError extends LuniverseError<string> {
  override name = "DevnetError";
}

export interface DevnetOptions {
  /** Data folder (default `.luniverse/devnet`). */
  dataDir: string;
  /** Main-chain validators: 1 or 4 node processes. */
  validators: 1 | 4;
  /**
   * Product-chain validators: 1 node process (development account 1), or 4 — the chain's node owners (accounts 1–4,
   * {@link devnetProductOwners}), registered in the main chain's ProductChainRegistry, their swaps carried by the relayers.
   */
  productValidators: 1 | 4;
  /** Delete the data folder first. */
  reset: boolean;
  /** Main chain JSON-RPC port; validator i (1..4) listens on basePort + i − 1 (default 8545). */
  mainPort: number;
  /** Product chain JSON-RPC port of node 1; node i (1..4) listens on productPort + i − 1 (default 8546, or 8549 with four main validators). */
  productPort: number;
  /** anvil ("Ethereum") port (default 8555). */
  ethereumPort: number;
  /** First p2p port: main validators from here, the product nodes after them (default 30303). */
  p2pPort: number;
  /** First Prometheus port: relayers 1..6 at +0..+5, anchoring phases at +6, +7 (default 9100). */
  metricsPort: number;
  /** The gateway's port: JSON-RPC at /v1/<chain>/<key>, admin API, metrics (default 8600). */
  gatewayPort: number;
  /** The indexer's HTTP API port (`/api/v1`, default 8700). */
  indexerPort: number;
  /** The web console's port (default 8800). */
  consolePort: number;
  /** The signer service's port (custodial wallets, 2FA, the transaction API; default 8900). */
  signerPort: number;
  /** Keys in a SoftHSM2 token (relayers, the first validator, anchorers, the signer service); default: when installed. */
  hsm: boolean;
  /** Repository root (where node_modules and hardhat.config.ts are). */
  root: string;
  /** Write the status line here (default process.stdout). */
  statusEveryMs?: number;
}

export const MAIN_CHAIN_ID = 2018;
export const PRODUCT_CHAIN_ID = 3001;
export const ETHEREUM_CHAIN_ID = 1337;
/** The signer service's audit log, as a "child" of the main chain's AnchorRegistry (docs/keys.md). */
export const AUDIT_LOG_ID = 7_700_001;

/** Development accounts (the Hardhat mnemonic) and their roles on the devnet: the one table in lib/accounts.ts. */
export const ROLES = DEV_ROLES;

/** Short governance on the devnet's chains, so pair registration and anchorer authorisation pass in seconds (development only). */
export const DEVNET_GOVERNANCE = { votingDelay: 1, votingPeriod: 6, timelockDelay: 1 } as const;

/** What a devnet genesis is built from (devnet/bootstrap.ts `ensureGenesis`, scripts/devnet-manifests.ts). */
export interface DevnetGenesisParameters {
  chainId: number;
  /** A gas-free product chain. */
  gasFree: boolean;
  /** The system config (deploy/config.ts input, as written to `genesis/system.json`). */
  systemConfig: {
    genesisValidators: string[];
    governance: { votingDelay: number; votingPeriod: number; timelockDelay: number };
    /** Node owners validate unstaked (a product chain with four owners). */
    validatorSet?: { minStake: string };
    gasPolicy?: { sponsors: { name: string; admin: string; budgetPerWindow: string; accounts?: string[]; contracts?: string[] }[] };
  };
}

/**
 * The product chain's gas policy (contracts/gas/GasPolicy.sol, docs/gas-free.md): the default parameters (a quota of
 * 250M gas per hour per account, 8M gas per transaction, 10 % of each block for unsponsored traffic) and two sponsors
 * registered in genesis — the platform (its deployer and the six bridge signers, whose relayers mint and release on the
 * product bridge) and the sample DApp (its product developer and its user, who issue, receive and redeem the product
 * tokens in `npm run demo`). The bootstrap adds the product bridge and the token factory as the platform's sponsored
 * contracts, so any account's bridge calls are paid for too; everything else is unsponsored and shares 10 % of a block.
 */
export function devnetGasSponsors(): { name: string; admin: string; budgetPerWindow: string; accounts?: string[] }[] {
  const address = (i: number) => devWallet(i).address;
  return [
    { name: "Luniverse platform", admin: address(ROLES.deployer), budgetPerWindow: "10000000000", accounts: [ROLES.deployer, ...ROLES.signers].map(address) },
    { name: "Sample DApp", admin: address(ROLES.productDeveloper), budgetPerWindow: "2000000000", accounts: [ROLES.productDeveloper, ROLES.user].map(address) },
  ];
}

/** The main chain's genesis: development accounts 1..`validators` as validators. */
export function devnetMainGenesisParameters(validators: 1 | 4): DevnetGenesisParameters {
  const genesisValidators = ROLES.validators.slice(0, validators).map((i) => devWallet(i).address);
  return { chainId: MAIN_CHAIN_ID, gasFree: false, systemConfig: { genesisValidators, governance: { ...DEVNET_GOVERNANCE } } };
}

/**
 * The product chain's four node owners with `--product-validators 4`: development accounts 1–4, the main chain's
 * validator accounts (one consortium runs both chains; each account is funded on the main chain, where owners vote
 * their swaps, and signs nothing else on the product chain). Account 1 is also the single product validator of the
 * default devnet, so node 1 keeps its key either way.
 */
export function devnetProductOwners(): [string, string, string, string] {
  return ROLES.validators.map((i) => devWallet(i).address) as [string, string, string, string];
}

/** Name of the devnet's product chain in the main chain's ProductChainRegistry (with four product validators). */
export const PRODUCT_CHAIN_NAME = "Luniverse devnet product chain";

/**
 * The gas-free product chain's genesis, whatever the main chain has: one validator (development account 1), or its four
 * node owners ({@link devnetProductOwners}) as validators, unstaked (`validatorSet.minStake` 0, as `chain:create` makes
 * a product chain) so that an owner swapped in on the main chain validates without stake. Their NodeOwnerSync is not in
 * the genesis: it must count the signers of the bridge side the devnet deploys after the genesis (the relayers sign for
 * that ProductBridge), so the bootstrap deploys it (devnet/bootstrap.ts `ensureOwnerSync`).
 */
export function devnetProductGenesisParameters(validators: 1 | 4 = 1): DevnetGenesisParameters {
  const genesisValidators = validators === 4 ? devnetProductOwners() : [devWallet(ROLES.validators[0]).address];
  return {
    chainId: PRODUCT_CHAIN_ID,
    gasFree: true,
    systemConfig: {
      genesisValidators,
      governance: { ...DEVNET_GOVERNANCE },
      ...(validators === 4 ? { validatorSet: { minStake: "0" } } : {}),
      gasPolicy: { sponsors: devnetGasSponsors() },
    },
  };
}

/** Password of the relayers' development keystores (local development only, passed to them in the environment). */
export const DEV_KEYSTORE_PASSWORD = "luniverse-devnet-only";

export function resolveDevnetOptions(input: Partial<DevnetOptions> & { root: string }): DevnetOptions {
  const validators = input.validators ?? 1;
  if (validators !== 1 && validators !== 4) throw new DevnetError("DEVNET_OPTION", `--validators must be 1 or 4, got ${String(validators)}`);
  const productValidators = input.productValidators ?? 1;
  if (productValidators !== 1 && productValidators !== 4) {
    throw new DevnetError("DEVNET_OPTION", `--product-validators must be 1 or 4 (one validator, or the chain's four node owners), got ${String(productValidators)}`);
  }
  const mainPort = input.mainPort ?? 8545;
  const o: DevnetOptions = {
    root: input.root,
    dataDir: path.resolve(input.root, input.dataDir ?? path.join(".luniverse", "devnet")),
    validators,
    productValidators,
    reset: input.reset ?? false,
    mainPort,
    productPort: input.productPort ?? (validators === 4 ? mainPort + 4 : mainPort + 1),
    ethereumPort: input.ethereumPort ?? mainPort + 10,
    p2pPort: input.p2pPort ?? 30303,
    metricsPort: input.metricsPort ?? 9100,
    gatewayPort: input.gatewayPort ?? 8600,
    indexerPort: input.indexerPort ?? 8700,
    consolePort: input.consolePort ?? 8800,
    signerPort: input.signerPort ?? 8900,
    hsm: input.hsm ?? existsSync(SOFTHSM_MODULE),
    statusEveryMs: input.statusEveryMs,
  };
  const ports: [string, number][] = [
    ...Array.from({ length: validators }, (_, i) => [`main validator ${i + 1} RPC`, mainPort + i] as [string, number]),
    ...Array.from({ length: productValidators }, (_, i) => [`product node ${i + 1} RPC`, o.productPort + i] as [string, number]),
    ["ethereum RPC", o.ethereumPort],
    ...Array.from({ length: validators + productValidators }, (_, i) => [`p2p ${i + 1}`, o.p2pPort + i] as [string, number]),
    ...Array.from({ length: 8 }, (_, i) => [`metrics ${i + 1}`, o.metricsPort + i] as [string, number]),
    ["gateway", o.gatewayPort],
    ["indexer", o.indexerPort],
    ["console", o.consolePort],
    ["signer", o.signerPort],
  ];
  const seen = new Map<number, string>();
  for (const [what, port] of ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new DevnetError("DEVNET_OPTION", `${what} port ${port} is not a port (1..65535)`);
    const other = seen.get(port);
    if (other) throw new DevnetError("DEVNET_OPTION", `${what} and ${other} would both use port ${port}; choose other base ports`);
    seen.set(port, what);
  }
  return o;
}

/** Files and folders under the data folder. */
export function devnetPaths(dataDir: string) {
  return {
    dataDir,
    state: path.join(dataDir, "state.json"),
    lock: path.join(dataDir, "devnet.pid"),
    logs: path.join(dataDir, "logs"),
    genesisDir: path.join(dataDir, "genesis"),
    mainGenesis: path.join(dataDir, "genesis", "main.json"),
    productGenesis: path.join(dataDir, "genesis", "product.json"),
    systemConfig: path.join(dataDir, "genesis", "system.json"),
    deployments: path.join(dataDir, "deployments"),
    nodeConfig: (name: string) => path.join(dataDir, "nodes", `${name}.json`),
    nodeData: (name: string) => path.join(dataDir, "nodes", name),
    anvilState: path.join(dataDir, "ethereum", "anvil-state.json"),
    keystores: path.join(dataDir, "keystores"),
    relayerState: path.join(dataDir, "relayer"),
    anchorCursor: (phase: string) => path.join(dataDir, "anchor", `${phase}.json`),
    gatewayConfig: path.join(dataDir, "gateway", "gateway.json"),
    gatewayStore: path.join(dataDir, "gateway", "gateway.sqlite"),
    /** The admin API's token (development: generated once per data folder, readable by its owner only). */
    gatewayAdminToken: path.join(dataDir, "gateway", "admin-token"),
    indexerConfig: path.join(dataDir, "indexer", "indexer.json"),
    indexerStore: path.join(dataDir, "indexer", "index.sqlite"),
    consoleConfig: path.join(dataDir, "console", "console.json"),
  };
}

export type DevnetPaths = ReturnType<typeof devnetPaths>;

export function mainRpcUrl(o: DevnetOptions): string {
  return `http://127.0.0.1:${o.mainPort}`;
}
/** The product chain's JSON-RPC: node 1's. */
export function productRpcUrl(o: DevnetOptions): string {
  return `http://127.0.0.1:${o.productPort}`;
}
/** Every product node's JSON-RPC (node i at productPort + i − 1). */
export function productRpcUrls(o: DevnetOptions): string[] {
  return Array.from({ length: o.productValidators }, (_, i) => `http://127.0.0.1:${o.productPort + i}`);
}
export function ethereumRpcUrl(o: DevnetOptions): string {
  return `http://127.0.0.1:${o.ethereumPort}`;
}

export function gatewayUrl(o: DevnetOptions): string {
  return `http://127.0.0.1:${o.gatewayPort}`;
}

export function indexerUrl(o: DevnetOptions): string {
  return `http://127.0.0.1:${o.indexerPort}`;
}

export function consoleUrl(o: DevnetOptions): string {
  return `http://127.0.0.1:${o.consolePort}`;
}

/** The DApp the devnet's development API key belongs to. */
export const DEVNET_DAPP = "sample-dapp";
