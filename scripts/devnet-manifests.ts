/**
 * The deployment manifests of the devnet's chains that `@luniverse/contracts` ships (`package/deployments/`).
 * `npm start` builds the main chain's genesis deterministically from fixed inputs — chain id 2018, development
 * account 1 as validator, short governance periods — so its system contracts always sit at the same addresses; this
 * script builds that genesis once (`node:genesis`, as devnet/bootstrap.ts does) and records them.
 *
 *   npm run package:deployments
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { devWallet, DEV_ROLES } from "../lib/accounts";
import { errorMessage } from "../lib/errors";

const ROOT = path.resolve(__dirname, "..");
export const DEPLOYMENTS_DIR = path.join(ROOT, "package", "deployments");

/** How devnet/bootstrap.ts builds the main chain's genesis (`npm start`, one or four validators alike). */
export const DEVNET_MAIN = {
  name: "devnet-main",
  chainId: 2018,
  rpcUrl: "http://127.0.0.1:8545",
  /** The system config beside `genesisValidators` (development account 1). */
  systemConfig: { governance: { votingDelay: 1, votingPeriod: 6, timelockDelay: 1 } },
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

interface GenesisLuniverse {
  luniverse: { deployment: { chainId: number; deployer: string; contracts: Record<string, PackageDeploymentEntry> } };
}

/** The manifest of a genesis file built by `node:genesis` (it embeds the deployment it ran). Pure. */
export function deploymentFromGenesis(genesis: GenesisLuniverse, network: string, rpcUrl: string, description: string): PackageDeployment {
  const d = genesis.luniverse.deployment;
  const contracts: Record<string, PackageDeploymentEntry> = {};
  for (const [name, c] of Object.entries(d.contracts)) {
    contracts[name] = { name: c.name, address: c.address, proxyKind: c.proxyKind, ...(c.implementation ? { implementation: c.implementation } : {}) };
  }
  return { network, chainId: d.chainId, rpcUrl, description, deployer: d.deployer, contracts };
}

export const DEVNET_MAIN_DESCRIPTION =
  "The main chain of `npm start` (the project's node, chain id 2018): the system contracts predeployed in its genesis. Fixed across restarts and `--reset`, with one validator or four.";

export function devnetMainDeployment(genesisFile: string): PackageDeployment {
  const genesis = JSON.parse(readFileSync(genesisFile, "utf8")) as GenesisLuniverse;
  return deploymentFromGenesis(genesis, DEVNET_MAIN.name, DEVNET_MAIN.rpcUrl, DEVNET_MAIN_DESCRIPTION);
}

export function formatDeployment(d: PackageDeployment): string {
  return JSON.stringify(d, null, 2) + "\n";
}

function main(): void {
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-devnet-manifests-"));
  try {
    const config = path.join(dir, "system.json");
    writeFileSync(config, JSON.stringify({ genesisValidators: [devWallet(DEV_ROLES.validators[0]!).address], ...DEVNET_MAIN.systemConfig }));
    const out = path.join(dir, "main.json");
    console.log(`building the devnet main chain's genesis (chain ${DEVNET_MAIN.chainId}) — about half a minute`);
    const r = spawnSync(
      process.execPath,
      [path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js"), "node:genesis", "--out", out, "--chain-id", String(DEVNET_MAIN.chainId), "--system-config", config, "--manifest", "", "--quiet"],
      { cwd: ROOT, encoding: "utf8", env: { ...process.env, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" } },
    );
    if (r.status !== 0) throw new Error(`node:genesis failed (exit ${r.status}):\n${(r.stdout + r.stderr).trim().split("\n").slice(-15).join("\n")}`);
    const file = path.join(DEPLOYMENTS_DIR, `${DEVNET_MAIN.name}.json`);
    writeFileSync(file, formatDeployment(devnetMainDeployment(out)));
    console.log(`${path.relative(ROOT, file)} written`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  try {
    main();
  } catch (e) {
    console.error(`package:deployments: ${errorMessage(e)}`);
    process.exit(1);
  }
}
