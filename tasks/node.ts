import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { task, types } from "./lib/task";
import { TaskError } from "./lib/errors";
import { deploymentsDir } from "./lib/system";
import { DEV_ACCOUNT_COUNT, devWallet } from "../lib/accounts";

const ETHER = 10n ** 18n;
const DEV_BALANCE = 1_000_000n * ETHER;

/** The development accounts (index → address) of the `luniverse` network (Hardhat's mnemonic). */
function devAccounts(count: number): { address: string; privateKey: string }[] {
  return Array.from({ length: count }, (_, i) => devWallet(i));
}

/**
 * The upgrades plugin's record of the deployment (`.openzeppelin/unknown-<chainId>.json`) is right about addresses
 * and layouts, but its transaction hashes belong to the scratch state: in the real chain the contracts are in
 * genesis, with no transaction. Without the hashes the plugin checks the code at the address instead.
 */
function genesisifyUpgradesManifest(chainId: number): void {
  const file = path.join(".openzeppelin", `unknown-${chainId}.json`);
  if (!existsSync(file)) return;
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v && typeof v === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (k !== "txHash") out[k] = strip(x);
      return out;
    }
    return v;
  };
  writeFileSync(file, JSON.stringify(strip(JSON.parse(readFileSync(file, "utf8"))), null, 2) + "\n");
}

/** Runs `deploy:system` in a child Hardhat process against `rpcUrl` and returns its manifest. */
async function deployInto(rpcUrl: string, chainId: number, systemConfig: string | undefined, quiet: boolean): Promise<{ deployment: Record<string, unknown>; systemContracts: Record<string, string> }> {
  const { execa } = await import("execa");
  const dir = mkdtempSync(path.join(tmpdir(), "luniverse-genesis-deploy-"));
  // A new genesis is a new chain: the upgrades plugin's record of an earlier chain with this id is void.
  rmSync(path.join(".openzeppelin", `unknown-${chainId}.json`), { force: true });
  try {
    const args = ["hardhat", "deploy:system", "--network", "luniverse", "--reset", "--quiet"];
    if (systemConfig) args.push("--system-config", systemConfig);
    const child = execa("npx", args, {
      env: { LUNIVERSE_RPC_URL: rpcUrl, LUNIVERSE_DEPLOYMENTS_DIR: dir, HARDHAT_DISABLE_TELEMETRY_PROMPT: "true" },
      reject: false,
      all: true,
    });
    if (!quiet) child.all?.on("data", (d: Buffer) => process.stderr.write(d));
    const res = await child;
    if (res.exitCode !== 0) throw new TaskError(`deploy:system into the genesis state failed:\n${String(res.all ?? "").trim()}`);
    genesisifyUpgradesManifest(chainId);
    const manifest = JSON.parse(readFileSync(path.join(dir, "luniverse.json"), "utf8")) as { contracts: Record<string, { address: string }> };
    const systemContracts: Record<string, string> = {};
    for (const [name, c] of Object.entries(manifest.contracts)) systemContracts[name] = c.address;
    return { deployment: manifest as unknown as Record<string, unknown>, systemContracts };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

task("node:genesis", "Builds a genesis file with the system contracts predeployed (from the compiled artifacts)")
  .addOptionalParam("out", "Genesis file to write", ".luniverse/genesis.json")
  .addOptionalParam("chainId", "Chain id", 2018, types.int)
  .addOptionalParam("validators", "Number of genesis validators: development accounts 1..N (ignored with a --system-config that names them)", 1, types.int)
  .addOptionalParam("systemConfig", "JSON file overriding deploy/config.ts defaults (as for deploy:system)")
  .addFlag("gasFree", "A gas-free product chain: base fee 0, gas price 0 accepted")
  .addOptionalParam("timestamp", "Genesis timestamp, seconds (fixed so the file is reproducible)", 1767225600, types.int)
  .addOptionalParam("gasLimit", "Block gas limit", 60_000_000, types.int)
  .addOptionalParam("baseFee", "Constant base fee in wei (0 on a gas-free chain)", "1000000000")
  .addOptionalParam("manifest", "Also write the deployment manifest as deployments/<name>.json for the tasks (\"\" = none)", "luniverse")
  .addFlag("quiet", "Print only the genesis file path")
  .setAction(
    async (
      args: { out: string; chainId: number; validators: number; systemConfig?: string; gasFree: boolean; timestamp: number; gasLimit: number; baseFee: string; manifest: string; quiet: boolean },
      hre,
    ) => {
      if (!Number.isSafeInteger(args.chainId) || args.chainId <= 0) throw new TaskError(`--chain-id must be a positive integer, got ${args.chainId}`);
      if (args.validators < 1 || args.validators > 4) throw new TaskError(`--validators must be 1 to 4 (development accounts 1..4), got ${args.validators}; name more in a --system-config`);
      if (!/^[0-9]+$/.test(args.baseFee)) throw new TaskError(`--base-fee must be a whole number of wei, got "${args.baseFee}"`);
      if (args.systemConfig && !existsSync(args.systemConfig)) throw new TaskError(`--system-config ${args.systemConfig} does not exist`);
      await hre.run("compile", { quiet: true });
      const { buildGenesis } = await import("../node/genesis/builder");
      const accounts = devAccounts(DEV_ACCOUNT_COUNT);
      // the system config the deployment runs with: the user's, or the dev validators 1..N
      let configFile = args.systemConfig;
      let tmpConfig: string | undefined;
      if (!configFile) {
        tmpConfig = path.join(mkdtempSync(path.join(tmpdir(), "luniverse-genesis-config-")), "system.json");
        writeFileSync(tmpConfig, JSON.stringify({ genesisValidators: accounts.slice(1, 1 + args.validators).map((a) => a.address) }));
        configFile = tmpConfig;
      }
      const log = args.quiet ? undefined : (m: string) => console.error(m);
      try {
        const genesis = await buildGenesis({
          chainId: args.chainId,
          gasFree: args.gasFree,
          timestamp: args.timestamp,
          gasLimit: BigInt(args.gasLimit),
          baseFeePerGas: args.gasFree ? 0n : BigInt(args.baseFee),
          fund: accounts.map((a) => ({ address: a.address, balance: DEV_BALANCE })),
          deploy: async (url) => {
            const d = await deployInto(url, args.chainId, configFile, args.quiet);
            const { JsonRpcProvider, Contract } = await import("ethers");
            const provider = new JsonRpcProvider(url, undefined, { staticNetwork: true });
            const vs = new Contract(d.systemContracts.ValidatorSet!, ["function validatorsAt(uint256) view returns (address[])"], provider);
            const validators = ((await vs.validatorsAt(0)) as string[]).map(String);
            provider.destroy();
            return { ...d, validators };
          },
          log,
        });
        mkdirSync(path.dirname(path.resolve(args.out)), { recursive: true });
        writeFileSync(args.out, JSON.stringify(genesis, null, 2) + "\n");
        if (args.manifest) {
          const m = { ...(genesis.luniverse.deployment as Record<string, unknown>), network: args.manifest, chainId: args.chainId };
          const file = path.join(deploymentsDir(), `${args.manifest}.json`);
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, JSON.stringify(m, null, 2) + "\n");
          if (!args.quiet) console.error(`deployment manifest: ${file}`);
        }
        if (args.quiet) console.log(path.resolve(args.out));
        else {
          console.log(`genesis written to ${path.resolve(args.out)} (chain ${args.chainId}${args.gasFree ? ", gas-free" : ""})`);
          console.log(`validators: ${genesis.luniverse.validators.join(", ")}`);
          console.table(genesis.luniverse.systemContracts);
        }
        return genesis;
      } finally {
        if (tmpConfig) rmSync(path.dirname(tmpConfig), { recursive: true, force: true });
      }
    },
  );

task("node:start", "Runs a Luniverse node (validator or full node) until Ctrl-C")
  // `--config` is Hardhat's own (the Hardhat config file), so the node's file is `--node-config`
  .addOptionalParam("nodeConfig", "Node configuration JSON (see node/README.md)")
  .addOptionalParam("genesis", "Genesis file (overrides the config's)")
  .addOptionalParam("dataDir", "Data directory (overrides the config's)")
  .addFlag("reset", "Delete the data directory first")
  .setAction(async (args: { nodeConfig?: string; genesis?: string; dataDir?: string; reset: boolean }) => {
    const { startFromFiles, runUntilSignal } = await import("../node/run");
    let node;
    try {
      node = await startFromFiles({ config: args.nodeConfig, genesis: args.genesis, dataDir: args.dataDir, reset: args.reset });
    } catch (err) {
      throw new TaskError((err as Error).message);
    }
    await runUntilSignal(node);
  });
