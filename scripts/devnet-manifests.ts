/**
 * The deployment manifests of the devnet's chains that `@luniverse/contracts` ships (`package/deployments/`), built the
 * devnet's way (devnet/bootstrap.ts) without running the devnet:
 *
 * - devnet-main: `npm start` builds the main chain's genesis deterministically from fixed inputs — chain id 2018,
 *   development account 1 as validator, short governance periods — so its system contracts always sit at the same
 *   addresses; the genesis is built once (`buildDevnetGenesis`) and they are read from it.
 * - devnet-product: the product chain (3001, gas-free) has its system contracts in its genesis, and its bridge side
 *   (ProductBridge, ProductToken, ProductTokenFactory) is deployed by development account 0 first thing after the
 *   product node starts (`deployDevnetProductBridge`), so at its CREATE addresses after genesis. The product genesis
 *   is built, the project's node started from it (in this process, on free ports, data under the OS's temp folder),
 *   the bridge side deployed, and the manifest the devnet writes (`<dataDir>/deployments/product.json`) recorded.
 *
 *   npm run package:deployments
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { JsonRpcProvider } from "ethers";
import { DEVNET_GOVERNANCE, MAIN_CHAIN_ID, PRODUCT_CHAIN_ID, ROLES, devWallet, devnetMainGenesisParameters, devnetProductGenesisParameters } from "../devnet/config";
import { buildDevnetGenesis, deployDevnetProductBridge } from "../devnet/bootstrap";
import { errorMessage } from "../lib/errors";
import { resolveNodeConfig } from "../node/config";
import type { GenesisFile } from "../node/genesis/genesis";
import { LuniverseNode } from "../node/node";

const ROOT = path.resolve(__dirname, "..");
export const DEPLOYMENTS_DIR = path.join(ROOT, "package", "deployments");

/** How devnet/bootstrap.ts builds the main chain's genesis (`npm start`, one or four validators alike). */
export const DEVNET_MAIN = {
  name: "devnet-main",
  chainId: MAIN_CHAIN_ID,
  rpcUrl: "http://127.0.0.1:8545",
  /** The system config beside `genesisValidators` (development account 1). */
  systemConfig: { governance: DEVNET_GOVERNANCE },
} as const;

/** The devnet's product chain: its genesis as devnet/bootstrap.ts builds it, its bridge side as bootstrap deploys it. */
export const DEVNET_PRODUCT = {
  name: "devnet-product",
  chainId: PRODUCT_CHAIN_ID,
  /** `npm start` with one validator (with `--validators 4` the product chain answers on 8549). */
  rpcUrl: "http://127.0.0.1:8546",
} as const;

export interface PackageDeploymentEntry {
  name: string;
  address: string;
  proxyKind: string;
  implementation?: string;
}

/** A manifest as the package ships it: deploy/manifest.ts's, without the build time, with where to reach the chain. */
export interface PackageDeployment {
  network: string;
  chainId: number;
  rpcUrl: string;
  description: string;
  deployer: string;
  contracts: Record<string, PackageDeploymentEntry>;
}

interface ManifestLike {
  chainId: number;
  deployer: string;
  contracts: Record<string, PackageDeploymentEntry>;
}

interface GenesisLuniverse {
  luniverse: { deployment: ManifestLike };
}

/** A deploy/manifest.ts manifest as the package ships it. Pure. */
export function packageDeployment(d: ManifestLike, network: string, rpcUrl: string, description: string): PackageDeployment {
  const contracts: Record<string, PackageDeploymentEntry> = {};
  for (const [name, c] of Object.entries(d.contracts)) {
    contracts[name] = { name: c.name, address: c.address, proxyKind: c.proxyKind, ...(c.implementation ? { implementation: c.implementation } : {}) };
  }
  return { network, chainId: d.chainId, rpcUrl, description, deployer: d.deployer, contracts };
}

/** The manifest of a genesis file built by `node:genesis` or `buildDevnetGenesis` (it embeds the deployment it ran). Pure. */
export function deploymentFromGenesis(genesis: GenesisLuniverse, network: string, rpcUrl: string, description: string): PackageDeployment {
  return packageDeployment(genesis.luniverse.deployment, network, rpcUrl, description);
}

export const DEVNET_MAIN_DESCRIPTION =
  "The main chain of `npm start` (the project's node, chain id 2018): the system contracts predeployed in its genesis. Fixed across restarts and `--reset`, with one validator or four.";

export const DEVNET_PRODUCT_DESCRIPTION =
  "The gas-free product chain of `npm start` (the project's node, chain id 3001; RPC port 8549 with `--validators 4`): its bridge side (ProductBridge, the ProductToken implementation, ProductTokenFactory), deployed by development account 0 right after the genesis. Fixed across restarts and `--reset`, with one validator or four.";

export function devnetMainDeployment(genesisFile: string): PackageDeployment {
  const genesis = JSON.parse(readFileSync(genesisFile, "utf8")) as GenesisLuniverse;
  return deploymentFromGenesis(genesis, DEVNET_MAIN.name, DEVNET_MAIN.rpcUrl, DEVNET_MAIN_DESCRIPTION);
}

/** The package's devnet-product manifest from the one the devnet writes (`<dataDir>/deployments/product.json`). Pure. */
export function devnetProductDeployment(manifest: ManifestLike): PackageDeployment {
  return packageDeployment(manifest, DEVNET_PRODUCT.name, DEVNET_PRODUCT.rpcUrl, DEVNET_PRODUCT_DESCRIPTION);
}

export function formatDeployment(d: PackageDeployment): string {
  return JSON.stringify(d, null, 2) + "\n";
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** The devnet's product chain run as the devnet runs it, from `genesisFile`, until its bridge side is deployed. */
async function productManifest(genesis: GenesisFile, genesisFile: string, dir: string): Promise<ManifestLike> {
  const keyEnv = "LUNIVERSE_DEVNET_VALIDATOR_KEY";
  const previousKey = process.env[keyEnv];
  process.env[keyEnv] = devWallet(ROLES.validators[0]).privateKey; // as devnet/up.ts hands it to the product node
  const config = resolveNodeConfig({
    genesis: genesisFile,
    dataDir: path.join(dir, "product-node"),
    rpc: { host: "127.0.0.1", port: await freePort() },
    p2p: { host: "127.0.0.1", port: await freePort(), peers: [] },
    validator: { privateKeyEnv: keyEnv },
    log: { level: "warn" },
  });
  let node: LuniverseNode | undefined;
  let provider: JsonRpcProvider | undefined;
  try {
    node = await LuniverseNode.start(config, genesis);
    provider = new JsonRpcProvider(node.rpcUrl!, PRODUCT_CHAIN_ID, { staticNetwork: true, pollingInterval: 250 });
    const { manifest } = await deployDevnetProductBridge(provider, { root: ROOT, manifestDir: path.join(dir, "deployments") });
    // what the devnet keeps: the file it wrote
    return JSON.parse(readFileSync(path.join(dir, "deployments", "product.json"), "utf8")) as typeof manifest;
  } finally {
    provider?.destroy();
    await node?.stop();
    if (previousKey === undefined) delete process.env[keyEnv];
    else process.env[keyEnv] = previousKey;
  }
}

/**
 * The devnet-product manifest as the script writes it: the product genesis built, a node started from it (in this
 * process, under the OS's temp folder), the bridge side deployed, the node stopped and its data deleted.
 */
export async function buildDevnetProductDeployment(): Promise<PackageDeployment> {
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-devnet-product-"));
  try {
    const product = await buildDevnetGenesis(devnetProductGenesisParameters(), { root: ROOT });
    const genesisFile = path.join(dir, "product-genesis.json");
    writeFileSync(genesisFile, JSON.stringify(product.genesis, null, 2) + "\n");
    return devnetProductDeployment(await productManifest(product.genesis, genesisFile, dir));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  console.log(`building the devnet main chain's genesis (chain ${MAIN_CHAIN_ID})`);
  const main = await buildDevnetGenesis(devnetMainGenesisParameters(1), { root: ROOT });
  const mainFile = path.join(DEPLOYMENTS_DIR, `${DEVNET_MAIN.name}.json`);
  writeFileSync(mainFile, formatDeployment(packageDeployment(main.deployment, DEVNET_MAIN.name, DEVNET_MAIN.rpcUrl, DEVNET_MAIN_DESCRIPTION)));
  console.log(`${path.relative(ROOT, mainFile)} written`);

  console.log(`building the devnet product chain's genesis (chain ${PRODUCT_CHAIN_ID}, gas-free) and deploying its bridge side on a node started from it`);
  const productFile = path.join(DEPLOYMENTS_DIR, `${DEVNET_PRODUCT.name}.json`);
  writeFileSync(productFile, formatDeployment(await buildDevnetProductDeployment()));
  console.log(`${path.relative(ROOT, productFile)} written`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(`package:deployments: ${errorMessage(e)}`);
      process.exit(1);
    },
  );
}
